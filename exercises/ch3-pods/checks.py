"""Checks for the chapter 3 exercise (Pods), run by the otter tests of `ch3-pods.ipynb` through
`minik8s.grading.run_check`, in a clean process.

Each function gets the student's answer and returns a JSON report of what a fresh, seeded minik8s
cluster did with it.
"""

from minik8s import Cluster, ApiError

SEED = 0


def _apply(c, manifest):
    if not isinstance(manifest, str) or not manifest.strip():
        return "the answer must be a YAML manifest in a string"
    try:
        c.apply(manifest)
    except ApiError as e:
        return f"applying your manifest failed: {e}"
    except Exception as e:          # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    return None


def _pod_or_error(c, name):
    try:
        return c.get("pod", name), None
    except ApiError:
        return None, f"no Pod named {name}: set metadata.name to {name}"


def q1(manifest):
    """Pod `site`: an init container writes index.html into an emptyDir that nginx serves, so
    `wget -qO- http://<pod IP>/` from another Pod prints `hello from init`.
    (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/,
    https://kubernetes.io/docs/concepts/storage/volumes/#emptydir)"""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    pod, err = _pod_or_error(c, "site")
    if err:
        return {"error": err}
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "grader-client"},
             "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})
    c.run(60)
    pod = c.get("pod", "site")
    ip = pod["status"].get("podIP")
    body = c.kubectl(f"exec grader-client -- wget -qO- -T 2 http://{ip}/").strip() if ip else ""
    spec = pod["spec"]
    statuses = pod["status"].get("containerStatuses", [])
    return {
        "phase": pod["status"].get("phase"),
        "body": body[:200],
        "init_containers": [x["name"] for x in spec.get("initContainers", [])],
        "init_images": sorted({x["image"].split(":")[0] for x in spec.get("initContainers", [])}),
        "containers": [x["name"] for x in spec["containers"]],
        "images": sorted({x["image"] for x in spec["containers"]}),
        "volumes": sorted(k for v in spec.get("volumes", []) for k in v if k != "name"),
        "restarts": sum(s.get("restartCount", 0) for s in statuses),
        "ready": all(s.get("ready") for s in statuses) and bool(statuses),
    }


def q2(manifest):
    """The fixed Pod `broken`: both containers running and ready, never restarted, same names and
    programs. (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-states,
    https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/)"""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    pod, err = _pod_or_error(c, "broken")
    if err:
        return {"error": err}
    c.run(60)
    pod = c.get("pod", "broken")
    line = c.kubectl("get pod broken").splitlines()[1].split()
    statuses = {s["name"]: s for s in pod["status"].get("containerStatuses", [])}
    ctrs = {x["name"]: x for x in pod["spec"]["containers"]}
    sleeper = ctrs.get("sleeper", {})
    return {
        "status": line[2], "ready": line[1], "restarts": sum(s.get("restartCount", 0) for s in statuses.values()),
        "containers": sorted(ctrs),
        "web_image": ctrs.get("web", {}).get("image"),
        "sleeper_image": sleeper.get("image", "").split(":")[0],
        "sleeper_argv0": (list(sleeper.get("command") or []) + list(sleeper.get("args") or []) + [""])[0],
    }


def q3(prediction):
    """A `restartPolicy: Never` Pod whose nginx container runs and whose busybox container exits
    with code 3: its phase, and kubectl's READY and STATUS columns.
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase)"""
    if not isinstance(prediction, dict):
        return {"error": "q3_prediction must be a dict with the keys \"phase\", \"ready\", \"status\""}
    c = Cluster(nodes=2, seed=SEED)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: half
spec:
  restartPolicy: Never
  containers:
  - name: web
    image: nginx:1.27
  - name: task
    image: busybox:1.36
    command: ["sh", "-c", "exit 3"]
""")
    c.run(60)
    pod = c.get("pod", "half")
    line = c.kubectl("get pod half").splitlines()[1].split()
    actual = {"phase": pod["status"].get("phase"), "ready": line[1], "status": line[2]}
    return {"predicted": {k: prediction.get(k) for k in actual}, "actual": actual}


PODS = [
    ("web-prod-1", {"app": "web", "env": "prod", "tier": "frontend"}),
    ("web-prod-2", {"app": "web", "env": "prod", "tier": "frontend"}),
    ("web-staging", {"app": "web", "env": "staging", "tier": "frontend"}),
    ("api-prod", {"app": "api", "env": "prod", "tier": "backend"}),
    ("api-dev", {"app": "api", "env": "dev"}),
    ("db-prod", {"app": "db", "env": "prod", "tier": "backend"}),
    ("debug", {"app": "web"}),
]
WANTED = {
    "a": ["api-prod", "web-prod-1", "web-prod-2"],     # web or api, in prod
    "b": ["api-dev", "debug"],                         # no tier label
    "c": ["api-dev", "api-prod", "db-prod", "debug"],  # not in the frontend tier (a missing tier too)
}


def q4(selectors):
    """Label selectors, as `kubectl get pods -l SELECTOR` evaluates them, against seven labelled Pods.
    (https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors)"""
    if not isinstance(selectors, dict):
        return {"error": "q4_selectors must be a dict with the keys \"a\", \"b\", \"c\""}
    c = Cluster(nodes=1, seed=SEED, start=True)
    for name, labels in PODS:
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels},
                 "spec": {"containers": [{"name": "c", "image": "busybox:1.36", "command": ["sleep", "3600"]}]}})
    out = {}
    for key, wanted in WANTED.items():
        sel = selectors.get(key)
        if not isinstance(sel, str) or not sel.strip():
            out[key] = {"selector": sel, "selected": None, "wanted": wanted, "error": "not a selector string"}
            continue
        try:
            got = sorted(p["metadata"]["name"] for p in c.list("pods", selector=sel))
            out[key] = {"selector": sel, "selected": got, "wanted": wanted}
        except Exception as e:      # ApiError / KubectlError: an invalid selector
            out[key] = {"selector": sel, "selected": None, "wanted": wanted, "error": str(e)}
    return out
