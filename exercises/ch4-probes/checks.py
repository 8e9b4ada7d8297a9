"""Checks for the chapter 4 exercise (probes and restarts), run by the otter tests of
`ch4-probes.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did. Nothing here runs in the student's process; expected values are what minik8s does.
"""

from minik8s import Cluster, ApiError
from minik8s.api.meta import parse_time

SEED = 0


def _apply(c, manifest):
    """Apply the student's manifest; an error becomes the report's `error`, worded as kubectl would."""
    if isinstance(manifest, dict):
        docs = manifest
    elif isinstance(manifest, str) and manifest.strip():
        docs = manifest
    else:
        return "the answer must be a YAML manifest in a string"
    try:
        c.apply(docs)
    except ApiError as e:
        return f"applying your manifest failed: {e}"
    except Exception as e:      # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    return None


def _pod_manifest(manifest, name, env_override=None):
    """The student's Pod as a dict, the container ``app``'s env changed by ``env_override``
    (how the checks try the same Pod with an app that starts slower or hangs)."""
    import yaml
    if not isinstance(manifest, str) or not manifest.strip():
        return None, "the answer must be a YAML manifest in a string"
    try:
        docs = [d for d in yaml.safe_load_all(manifest) if d]
    except yaml.YAMLError as e:
        return None, f"your manifest is not valid YAML: {e}"
    pod = next((d for d in docs if isinstance(d, dict) and d.get("kind") == "Pod"
                and (d.get("metadata") or {}).get("name") == name), None)
    if pod is None:
        return None, f"no Pod named {name} in your manifest: set kind: Pod and metadata.name: {name}"
    ctr = next((x for x in (pod.get("spec") or {}).get("containers") or [] if x.get("name") == "app"), None)
    if ctr is None:
        return None, "the Pod has no container named app (spec.containers[].name)"
    for k, v in (env_override or {}).items():
        env = [e for e in ctr.get("env") or [] if e.get("name") != k]
        ctr["env"] = env + [{"name": k, "value": str(v)}]
    return pod, None


def _timeline(c, name, seconds, listen_after=None):
    """Sample the Pod every virtual second: was it Ready while the app did not answer yet (its
    current container started less than ``listen_after`` s ago)? When did it first become Ready
    after the app answered? Restarts and liveness kills."""
    ready_early = []
    first_ready = None
    answering_since = None
    for _ in range(int(seconds)):
        c.run(1)
        pod = c.get("pod", name)
        st = next((s for s in pod["status"].get("containerStatuses") or [] if s["name"] == "app"), {})
        running = st.get("state", {}).get("running")
        started = parse_time(running["startedAt"]) if running else None
        ready = any(x["type"] == "Ready" and x["status"] == "True" for x in pod["status"].get("conditions") or [])
        answering = started is not None and listen_after is not None and c.now - started >= listen_after
        if answering and answering_since is None:
            answering_since = started + listen_after
        if ready and started is not None and listen_after is not None and not answering:
            ready_early.append(round(c.now))
        if ready and first_ready is None:
            first_ready = round(c.now)
    pod = c.get("pod", name)
    st = next((s for s in pod["status"].get("containerStatuses") or [] if s["name"] == "app"), {})
    kills = [round(parse_time(e["lastTimestamp"] or e["eventTime"])) for e in _events(c, name)
             if e["reason"] == "Killing" and "liveness" in e["message"]]
    return {"readyBeforeAnswering": ready_early[:5], "firstReady": first_ready,
            "appAnswersAt": round(answering_since) if answering_since is not None else None,
            "readyAtEnd": any(x["type"] == "Ready" and x["status"] == "True"
                              for x in pod["status"].get("conditions") or []),
            "restartCount": st.get("restartCount"), "livenessKills": kills}


def _events(c, name):
    evs = c.list("events")
    return [e for e in evs if e["involvedObject"].get("name") == name]


def _slow_run(manifest, delay, fail_after=None, seconds=150):
    pod, err = _pod_manifest(manifest, "slow", {"STARTUP_DELAY": delay, **(
        {"HEALTHZ_FAIL_AFTER": fail_after} if fail_after is not None else {})})
    if err:
        return {"error": err}
    c = Cluster(nodes=1, seed=SEED)
    err = _apply(c, pod)
    if err:
        return {"error": err}
    return _timeline(c, "slow", seconds, listen_after=delay)


def q1(manifest):
    """The slow starter: a Pod whose app listens only after 30-60 s. Probes must keep it out of
    Ready until the app answers, never restart it while it starts, make it Ready within 10 s of
    answering, and still restart it when it hangs later (its /healthz turns 500).
    (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes
    and https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes)"""
    report = {}
    for delay in (40, 30, 58):
        r = _slow_run(manifest, delay)
        if "error" in r:
            return r
        report[f"delay{delay}"] = r
    # the same Pod, its app hanging 100 s after it started: liveness must restart it
    hang = _slow_run(manifest, 40, fail_after=100, seconds=200)
    if "error" in hang:
        return hang
    report["hangsAt100"] = {"restartCount": hang["restartCount"], "livenessKills": hang["livenessKills"]}
    return report


def q2(manifest):
    """The hung app: /healthz answers 500 from 30 s after the container starts; liveness must
    restart it within 10 s of that, and must never restart the same app while it is healthy.
    (https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-http-request)"""
    pod, err = _pod_manifest(manifest, "hang")
    if err:
        return {"error": err}
    c = Cluster(nodes=1, seed=SEED)
    err = _apply(c, pod)
    if err:
        return {"error": err}
    c.run(45)
    p = c.get("pod", "hang")
    st = next((s for s in p["status"].get("containerStatuses") or [] if s["name"] == "app"), {})
    started = next((parse_time(s["state"]["running"]["startedAt"]) for s in [st]
                    if "running" in s.get("state", {})), None)
    first_start = parse_time(st["lastState"]["terminated"]["startedAt"]) if st.get("lastState", {}).get(
        "terminated") else started
    kills = [round(parse_time(e["lastTimestamp"] or e["eventTime"])) for e in _events(c, "hang")
             if e["reason"] == "Killing" and "liveness" in e["message"]]
    report = {"restartCount": st.get("restartCount"),
              "failsAt": round(first_start + 30) if first_start is not None else None,
              "firstKill": kills[0] if kills else None}
    # the same Pod with an app that stays healthy, for 5 minutes
    healthy, _ = _pod_manifest(manifest, "hang", {"HEALTHZ_FAIL_AFTER": ""})
    c2 = Cluster(nodes=1, seed=SEED)
    err = _apply(c2, healthy)
    if err:
        return {"error": err}
    c2.run(300)
    p2 = c2.get("pod", "hang")
    st2 = next((s for s in p2["status"].get("containerStatuses") or [] if s["name"] == "app"), {})
    report["healthyRestartCount"] = st2.get("restartCount")
    return report


CRASHER = """
apiVersion: v1
kind: Pod
metadata:
  name: crasher
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    env:
    - name: CRASH_AFTER
      value: "5"
"""


def _crash_loop(seconds):
    """Run the crasher; return the restartCount seen at each whole second, and the waits between
    a container's exit and the next start (the kubelet's crash back-off)."""
    c = Cluster(nodes=1, seed=SEED)
    c.apply(CRASHER)
    t0 = c.now
    counts = {}
    starts, fins = [], []
    for _ in range(int(seconds)):
        c.run(1)
        st = (c.get("pod", "crasher")["status"].get("containerStatuses") or [{}])[0]
        counts[round(c.now - t0)] = st.get("restartCount")
        run = st.get("state", {}).get("running")
        if run and (not starts or parse_time(run["startedAt"]) != starts[-1]):
            starts.append(parse_time(run["startedAt"]))
        term = st.get("lastState", {}).get("terminated")
        if term and (not fins or parse_time(term["finishedAt"]) != fins[-1]):
            fins.append(parse_time(term["finishedAt"]))
    waits = [round(starts[i + 1] - fins[i]) for i in range(len(fins)) if i + 1 < len(starts)]
    return counts, waits


def q3(prediction):
    """The crasher's RESTARTS column after 60, 180 and 600 s, against what minik8s records.
    (CrashLoopBackOff: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts)"""
    if not isinstance(prediction, dict):
        return {"error": "q3_restarts must be a dict like {60: ..., 180: ..., 600: ...}"}
    counts, _ = _crash_loop(600)
    out = {}
    for t in (60, 180, 600):
        p = prediction.get(t, prediction.get(str(t)))
        out[str(t)] = {"predicted": p, "actual": counts[t]}
    return out


def q4(delay):
    """The student's restart_delay(n), the wait before the n-th restart, against the waits the
    kubelet's crash back-off makes for the crasher (10 s doubling, capped at 5 minutes; the first
    restart at once). (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts)"""
    _, waits = _crash_loop(1300)
    cases = []
    for n, actual in enumerate(waits, start=1):
        try:
            got = delay(n)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        cases.append({"n": n, "expected": actual, "returned": got, "public": n <= 4})
    return {"cases": cases}
