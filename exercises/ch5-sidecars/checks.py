"""Checks for the chapter 5 exercise (sidecars and Pod termination), run by the otter tests of
`ch5-sidecars.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did. Nothing here runs in the student's process; expected values are what minik8s does.
"""

from minik8s import Cluster, ApiError

SEED = 0


def _apply(c, manifest):
    """Apply the student's manifest; an error becomes the report's `error`, worded as kubectl would."""
    if not isinstance(manifest, str) or not manifest.strip():
        return "the answer must be a YAML manifest in a string"
    try:
        c.apply(manifest)
    except ApiError as e:
        return f"applying your manifest failed: {e}"
    except Exception as e:      # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    return None


def _get(c, name):
    try:
        return c.get("pod", name)
    except ApiError:
        return None


def _statuses(pod):
    st = pod.get("status") or {}
    return (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or [])


def _delete_and_watch(c, name, seconds=40, container_logs=None):
    """Delete the Pod and sample it every 0.1 s until it is gone: when each container was first
    seen terminated (s after the deletion) with its exit code, when the Pod object was gone, and
    (if asked) the last logs of one container while it could still be read."""
    c.kubectl(f"delete pod {name} --wait=false")
    t0 = c.now
    stopped, gone, logs = {}, None, None
    for _ in range(int(seconds * 10)):
        if container_logs:
            try:
                logs = c.logs(name, container=container_logs)
            except Exception:
                pass
        c.run(0.1)
        pod = _get(c, name)
        if pod is None:
            gone = round(c.now - t0, 1)
            break
        for s in _statuses(pod):
            t = s.get("state", {}).get("terminated")
            if t and s["name"] not in stopped:
                stopped[s["name"]] = {"after": round(c.now - t0, 1), "exitCode": t.get("exitCode")}
    return stopped, gone, logs


def q1(manifest):
    """The log shipper: the Pod `shop`'s container `log-shipper` prints every line `orders` writes
    to /var/log/app/app.log, from the first to the last one written while `orders` stops, and the
    Pod is gone soon after its deletion. Only a native sidecar (an init container with
    restartPolicy: Always) is stopped after the application, so only it ships the last line.
    (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ and
    https://kubernetes.io/docs/concepts/storage/volumes/#emptydir)"""
    c = Cluster(nodes=1, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    if _get(c, "shop") is None:
        return {"error": "no Pod named shop: set kind: Pod and metadata.name: shop"}
    c.run(20)
    pod = _get(c, "shop")
    names = [s["name"] for s in _statuses(pod)]
    if "log-shipper" not in names or "orders" not in names:
        return {"error": f"the Pod must have containers orders and log-shipper; it has {names}"}
    running = sorted(s["name"] for s in _statuses(pod) if "running" in s.get("state", {}))
    try:
        written = c.exec("shop", "cat /var/log/app/app.log", container="orders").splitlines()
    except Exception as e:
        written = [f"(cannot read /var/log/app/app.log in orders: {e})"]
    stopped, gone, logs = _delete_and_watch(c, "shop", container_logs="log-shipper")
    shipped = (logs or "").splitlines()
    return {"runningAt20s": running, "firstWritten": written[:1], "firstShipped": shipped[:1],
            "linesShipped": len(shipped), "lastShipped": shipped[-1:],
            "shippedTheLastLine": bool(shipped) and shipped[-1].startswith("orders: SIGTERM"),
            "goneAfter": gone}


STUCK = """
apiVersion: v1
kind: Pod
metadata:
  name: stuck
spec:
  terminationGracePeriodSeconds: 20
  initContainers:
  - name: shipper
    image: busybox:1.36
    restartPolicy: Always
    command: ["sh", "-c", "trap 'sleep 1; exit 0' TERM; while true; do sleep 1; done"]
  containers:
  - name: app
    image: minik8s/app:1.0
    env:
    - name: SHUTDOWN_DELAY
      value: ignore
    lifecycle:
      preStop:
        exec:
          command: ["sleep", "5"]
"""


def q2(prediction):
    """The termination timeline of `stuck` (grace period 20 s, a preStop hook of 5 s, an app that
    ignores SIGTERM, a native sidecar), against what minik8s does.
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination and
    https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution)"""
    if not isinstance(prediction, dict):
        return {"error": "q2_timeline must be a dict with the keys appExitCode, appStoppedAfter, podGoneAfter"}
    c = Cluster(nodes=1, seed=SEED)
    c.apply(STUCK)
    c.run(10)
    stopped, gone, _ = _delete_and_watch(c, "stuck")
    actual = {"appExitCode": stopped.get("app", {}).get("exitCode"),
              "appStoppedAfter": stopped.get("app", {}).get("after"), "podGoneAfter": gone}
    out = {}
    for k, v in actual.items():
        p = prediction.get(k)
        tolerance = 0 if k == "appExitCode" else 1
        ok = isinstance(p, (int, float)) and not isinstance(p, bool) and v is not None and abs(p - v) <= tolerance
        out[k] = {"predicted": p, "actual": v, "ok": ok}
    return out


def q3(manifest):
    """The `shell` Pod, fixed: it still prints a tick every second, and when deleted its container
    exits by itself with code 0 within 2 s (not SIGKILLed at the end of the grace period).
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)"""
    c = Cluster(nodes=1, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    if _get(c, "shell") is None:
        return {"error": "no Pod named shell: set kind: Pod and metadata.name: shell"}
    c.run(10)
    pod = _get(c, "shell")
    grace = pod["spec"].get("terminationGracePeriodSeconds")
    try:
        ticks = c.logs("shell").splitlines().count("tick")
    except Exception:
        ticks = 0
    stopped, gone, _ = _delete_and_watch(c, "shell")
    main = next(iter(stopped.values()), {})
    return {"ticksIn10s": ticks, "exitCode": main.get("exitCode"), "stoppedAfter": main.get("after"),
            "goneAfter": gone, "terminationGracePeriodSeconds": grace}


LOOP = "trap 'sleep 1; exit 0' TERM; while true; do sleep 1; done"

SPECS = [   # (spec, public): names only, as the student's function sees them
    ({"initContainers": [{"name": "log-shipper", "restartPolicy": "Always"}],
      "containers": [{"name": "orders"}]}, True),
    ({"initContainers": [{"name": "proxy", "restartPolicy": "Always"}, {"name": "metrics", "restartPolicy": "Always"}],
      "containers": [{"name": "web"}, {"name": "worker"}]}, True),
    ({"initContainers": [{"name": "migrate"}, {"name": "log-shipper", "restartPolicy": "Always"},
                         {"name": "vault-agent", "restartPolicy": "Always"}, {"name": "warm-cache"},
                         {"name": "mesh", "restartPolicy": "Always"}],
      "containers": [{"name": "api"}]}, False),
    ({"containers": [{"name": "app"}, {"name": "log-shipper"}]}, False),
]


def _observed_order(spec):
    """Run a Pod with that spec (every container traps SIGTERM, waits 1 s and exits; plain init
    containers finish at once), delete it, and group the containers by when they stopped."""
    def ctr(x, loop=True):
        out = {"name": x["name"], "image": "busybox:1.36",
               "command": ["sh", "-c", LOOP if loop else "true"]}
        if x.get("restartPolicy"):
            out["restartPolicy"] = x["restartPolicy"]
        return out
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"terminationGracePeriodSeconds": 30,
                    "initContainers": [ctr(x, loop=bool(x.get("restartPolicy"))) for x in spec.get("initContainers", [])],
                    "containers": [ctr(x) for x in spec["containers"]]}}
    c = Cluster(nodes=1, seed=SEED)
    c.apply(pod)
    c.run(15)
    stopped, _, _ = _delete_and_watch(c, "p")
    running = [x["name"] for x in spec["containers"]] + [x["name"] for x in spec.get("initContainers", [])
                                                        if x.get("restartPolicy") == "Always"]
    times = sorted({v["after"] for k, v in stopped.items() if k in running})
    groups = [sorted(k for k in running if k in stopped and stopped[k]["after"] == t) for t in times]
    last = sorted(k for k in running if k not in stopped)   # the Pod was gone before they showed terminated
    return groups + ([last] if last else [])


def q4(order):
    """The student's sigterm_order(spec) against the order in which minik8s's kubelet stopped the
    containers of such a Pod: application containers together, then the native sidecars one by one
    in reverse order of their start. (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle)"""
    cases = []
    for spec, public in SPECS:
        expected = _observed_order(spec)
        try:
            got = order(spec)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        if isinstance(got, list):
            got = [sorted(g) if isinstance(g, list) else g for g in got]
        cases.append({"spec": spec, "expected": expected, "returned": got, "public": public})
    return {"cases": cases}
