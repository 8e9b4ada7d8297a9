"""Checks for the chapter 6 exercise (Deployments), run by the otter tests of
`ch6-deployments.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did. Nothing here runs in the student's process; expected values are what minik8s does
with its own code.
"""

from minik8s import Cluster, ApiError
from minik8s.api.meta import parse_time
import minik8s.controllers.deployment as deployment

SEED = 0
REFERENCE_STEP = deployment.rolling_update_step


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


def _web(replicas, strategy, version="1", ready_after=3):
    return {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
        "spec": {"replicas": replicas, "strategy": strategy,
                 "selector": {"matchLabels": {"app": "web"}},
                 "template": {"metadata": {"labels": {"app": "web"}}, "spec": {"containers": [{
                     "name": "app", "image": "minik8s/app:1.0",
                     "env": [{"name": "APP_VERSION", "value": version},
                             {"name": "READY_AFTER", "value": str(ready_after)}],
                     "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 2}}]}}}}


def _rs_sizes(c):
    """(new ReplicaSet's spec.replicas, [old ReplicaSets' spec.replicas, oldest first])."""
    d = c.get("deployment", "web")
    rss = [r for r in c.list("replicasets") if r["metadata"].get("ownerReferences")]
    rev = d["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision")
    new = [r for r in rss if r["metadata"].get("annotations", {}).get("deployment.kubernetes.io/revision") == rev]
    olds = sorted((r for r in rss if r not in new), key=lambda r: parse_time(r["metadata"]["creationTimestamp"]))
    return (new[0]["spec"]["replicas"] if new else 0), [r["spec"]["replicas"] for r in olds]


def rollout_steps(replicas, strategy, step, broken=False, seconds=60):
    """Roll the Deployment `web` from version 1 to 2 with ``step`` as the deployment module's
    rolling_update_step; return the sizes it chose each time it changed one: [new, [olds]]."""
    steps = []

    def recording(desired, max_surge, max_unavailable, new, olds):
        new_size, old_sizes = step(desired, max_surge, max_unavailable, new, olds)
        if new_size != new[0] or list(old_sizes) != [o[0] for o in olds]:
            steps.append([new_size, list(old_sizes)])
        return new_size, list(old_sizes)

    c = Cluster(nodes=3, seed=SEED)
    c.apply(_web(replicas, strategy))
    c.run_until(lambda c: (c.get("deployment", "web").get("status") or {}).get("availableReplicas") == replicas,
                timeout=120)
    deployment.rolling_update_step = recording
    try:
        # version 2: ready 3 s after it starts, or (broken) never within the run
        c.apply(_web(replicas, strategy, version="2", ready_after=10**6 if broken else 3))
        c.run(seconds)
    finally:
        deployment.rolling_update_step = REFERENCE_STEP
    return steps


SCENARIOS = [  # (replicas, strategy, broken new version, public)
    (4, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}, False, True),
    (10, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 3, "maxUnavailable": 0}}, False, True),
    (5, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 2}}, False, False),
    (7, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "30%", "maxUnavailable": "30%"}}, False, False),
    (6, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 2, "maxUnavailable": 1}}, True, False),
    (3, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "10%", "maxUnavailable": "10%"}}, False, False),
]


def q1(step):
    """The student's rolling_update_step plugged into the Deployment controller (the module
    function rollout_rolling calls), against the controller's own: the ReplicaSet sizes after
    each change during rollouts of several strategies.
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-update-deployment)"""
    problems = []

    def plugged(desired, max_surge, max_unavailable, new, olds):
        got = step(desired, max_surge, max_unavailable, list(new), [list(o) for o in olds])
        ok = (isinstance(got, (list, tuple)) and len(got) == 2 and isinstance(got[0], int)
              and isinstance(got[1], (list, tuple)) and len(got[1]) == len(olds)
              and all(isinstance(x, int) for x in got[1]))
        if not ok:
            problems.append(f"rolling_update_step({desired}, {max_surge!r}, {max_unavailable!r}, {list(new)}, "
                            f"{[list(o) for o in olds]}) returned {got!r}: expected [new size, [one size per old]]")
            return REFERENCE_STEP(desired, max_surge, max_unavailable, new, olds)
        return got[0], list(got[1])

    cases = []
    for replicas, strategy, broken, public in SCENARIOS:
        expected = rollout_steps(replicas, strategy, REFERENCE_STEP, broken)
        try:
            got = rollout_steps(replicas, strategy, plugged, broken)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        if problems:
            return {"error": problems[0]}
        cases.append({"replicas": replicas, "strategy": strategy["rollingUpdate"], "newVersionBroken": broken,
                      "expected": expected, "happened": got, "public": public})
    return {"cases": cases}


# --- q2: survive a node failure -----------------------------------------------------------------

STARTUP_DELAY = 10


def _answering(pod, now):
    st = next((s for s in pod["status"].get("containerStatuses") or [] if s["name"] == "app"), {})
    run = st.get("state", {}).get("running")
    return bool(run) and now - parse_time(run["startedAt"]) >= STARTUP_DELAY


def _ready(pod):
    return any(x["type"] == "Ready" and x["status"] == "True" for x in pod["status"].get("conditions") or [])


def q2(manifest):
    """The Deployment `web` (its app listens 10 s after it starts) keeps serving while the node
    that holds most of its pods dies: sampled every 2 s for 7 minutes after the failure, at least
    one pod is Ready on a live node and its app answers; no pod is ever Ready before its app
    answers; by the end, the lost pods are replaced.
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ ,
    https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller and
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions)"""
    c = Cluster(nodes=3, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        d = c.get("deployment", "web")
    except ApiError:
        return {"error": "no Deployment named web: set kind: Deployment and metadata.name: web"}
    replicas = d["spec"].get("replicas", 1)
    ready_early = []

    def sample(dead):
        pods = [p for p in c.list("pods") if (p["metadata"].get("labels") or {}).get("app") == "web"
                and not p["metadata"].get("deletionTimestamp")]
        serving = 0
        for p in pods:
            live = p["spec"].get("nodeName") and p["spec"]["nodeName"] not in dead
            if _ready(p) and live:
                if _answering(p, c.now):
                    serving += 1
                else:
                    ready_early.append(round(c.now))
        return serving, pods

    for _ in range(30):
        c.run(2)
        sample(())
    pods = sample(())[1]
    nodes = sorted({p["spec"].get("nodeName") for p in pods if p["spec"].get("nodeName")})
    by_node = {n: sum(1 for p in pods if p["spec"].get("nodeName") == n) for n in nodes}
    victim = max(nodes, key=lambda n: (by_node[n], n)) if nodes else "node-1"
    c.stop("kubelet", node=victim)
    down = []
    fewest = None
    for _ in range(210):
        c.run(2)
        serving, pods = sample((victim,))
        fewest = serving if fewest is None else min(fewest, serving)
        if serving == 0:
            down.append(round(c.now))
    return {"replicas": replicas, "podsPerNode": by_node, "failedNode": victim,
            "secondsWithoutService": [t for t in down][:10], "fewestServing": fewest,
            "readyBeforeAnswering": ready_early[:10],
            "servingAtEnd": sample((victim,))[0]}


# --- q3: predict the pods after scaling in the middle of a rollout ------------------------------

def _steps_run():
    c = Cluster(nodes=3, seed=SEED)
    c.apply(_web(4, {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1, "maxUnavailable": 0}}))
    c.run(60)
    c.kubectl("set image deployment/web app=minik8s/app:9.9")       # a tag no registry has
    c.run(60)
    c.kubectl("scale deployment/web --replicas=10")
    c.run(60)
    new, olds = _rs_sizes(c)
    return {"new": new, "old": sum(olds)}


def q3(prediction):
    """Proportional scaling: the ReplicaSet sizes after a Deployment stuck in a rollout is scaled.
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#proportional-scaling)"""
    if not isinstance(prediction, dict):
        return {"error": "q3_sizes must be a dict like {\"old\": ..., \"new\": ...}"}
    actual = _steps_run()
    return {k: {"predicted": prediction.get(k), "actual": actual[k]} for k in ("old", "new")}


# --- q4: a rollout that never loses capacity ----------------------------------------------------

def q4(manifest):
    """The student's Deployment `web` (4 replicas) rolled from version 1 to 2: sampled every
    second, how many pods are available (Deployment status.availableReplicas) and how many exist
    (status.replicas); and how long the rollout took.
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable)"""
    c = Cluster(nodes=3, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        d = c.get("deployment", "web")
    except ApiError:
        return {"error": "no Deployment named web: set kind: Deployment and metadata.name: web"}
    try:
        c.run_until(lambda c: (c.get("deployment", "web").get("status") or {}).get("availableReplicas") ==
                    d["spec"].get("replicas", 1), timeout=120)
    except Exception:
        return {"error": "the Deployment web never had all its replicas available (kubectl get deploy web)"}
    d = c.get("deployment", "web")
    ctrs = d["spec"]["template"]["spec"]["containers"]
    ctr = next((x for x in ctrs if x["name"] == "app"), ctrs[0])
    c.kubectl(f"set env deployment/web -c {ctr['name']} APP_VERSION=2")
    t0 = c.now
    min_avail, max_total, done = None, 0, None
    for _ in range(240):
        c.run(1)
        st = c.get("deployment", "web").get("status") or {}
        pods = [p for p in c.list("pods") if (p["metadata"].get("labels") or {}).get("app") == "web"
                and p["status"].get("phase") not in ("Succeeded", "Failed")]
        a = st.get("availableReplicas", 0)
        min_avail = a if min_avail is None else min(min_avail, a)
        max_total = max(max_total, len(pods))
        if done is None and st.get("updatedReplicas") == d["spec"].get("replicas", 1) and \
                a == d["spec"].get("replicas", 1) and len(pods) == d["spec"].get("replicas", 1):
            done = round(c.now - t0)
    return {"replicas": d["spec"].get("replicas", 1), "image": ctr.get("image"),
            "minAvailable": min_avail, "maxPods": max_total, "rolloutSeconds": done}
