"""Checks for the chapter 10 exercise (resources, QoS, eviction and swap), run by the otter tests
of `ch10-resources.ipynb` through `minik8s.grading.run_check`, in a clean process.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did with it. Expected values are what the cluster does, never constants typed in here.
"""

from minik8s import Cluster, ApiError
from minik8s.api.quantity import cpu_millis, memory_bytes

SEED = 0
MiB = 2 ** 20


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


def _fate(pod):
    """What became of a Pod: Evicted (status.reason), OOMKilled (a container's state or last
    state), else its phase."""
    st = pod.get("status") or {}
    if st.get("reason") == "Evicted":
        return "Evicted"
    for cs in st.get("containerStatuses") or []:
        for state in (cs.get("state") or {}, cs.get("lastState") or {}):
            if (state.get("terminated") or {}).get("reason") == "OOMKilled":
                return "OOMKilled"
    return st.get("phase")


# --- q1: the QoS class of a Pod ---------------------------------------------------------------

def _ctr(name="app", requests=None, limits=None, **extra):
    c = {"name": name, "image": "minik8s/app:1.0"}
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    if res:
        c["resources"] = res
    c.update(extra)
    return c


QOS_CASES = [  # (name, containers, init containers, public)
    ("limits-only", [_ctr(limits={"cpu": "500m", "memory": "128Mi"})], [], True),
    ("equal", [_ctr(requests={"cpu": "250m", "memory": "64Mi"}, limits={"cpu": "250m", "memory": "64Mi"})], [],
     True),
    ("memory-request", [_ctr(requests={"memory": "64Mi"})], [], True),
    ("nothing", [_ctr()], [], True),
    ("memory-limit-only", [_ctr(limits={"memory": "256Mi"})], [], False),
    ("cpu-request-lower", [_ctr(requests={"cpu": "100m"}, limits={"cpu": "500m", "memory": "128Mi"})], [], False),
    ("two-one-empty", [_ctr(limits={"cpu": "1", "memory": "1Gi"}), _ctr("sidecar")], [], False),
    ("two-guaranteed", [_ctr(limits={"cpu": "1", "memory": "1Gi"}),
                        _ctr("b", requests={"cpu": "100m", "memory": "32Mi"},
                             limits={"cpu": "100m", "memory": "32Mi"})], [], False),
    ("init-request", [_ctr()], [_ctr("init", requests={"cpu": "100m"}, command=["true"])], False),
    ("init-empty", [_ctr(limits={"cpu": "1", "memory": "1Gi"})], [_ctr("init", command=["true"])], False),
    ("spelling", [_ctr(requests={"cpu": "0.5", "memory": "128Mi"},
                       limits={"cpu": "500m", "memory": "134217728"})], [], False),
    ("storage-only", [_ctr(requests={"ephemeral-storage": "1Gi"}, limits={"ephemeral-storage": "2Gi"})], [],
     False),
    ("zero-request", [_ctr(requests={"cpu": "0"})], [], False),
    ("sidecar-empty", [_ctr(limits={"cpu": "1", "memory": "1Gi"})],
     [_ctr("proxy", restartPolicy="Always")], False),
]


def q1(qos_class):
    """The student's qos_class(pod), called with Pods as the API server stores them (defaults
    applied, status removed), against the QoS class the API server gave each one
    (status.qosClass). (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/)"""
    c = Cluster(nodes=1, seed=SEED)
    c.stop("kube-scheduler")           # the class is set when the Pod is created; nothing needs to run
    cases = []
    for name, containers, init, public in QOS_CASES:
        spec = {"containers": containers}
        if init:
            spec["initContainers"] = init
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec})
        stored = c.get("pod", name)
        expected = stored["status"]["qosClass"]
        given = {k: stored[k] for k in ("apiVersion", "kind", "metadata", "spec")}
        try:
            got = qos_class(given)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        cases.append({"pod": name, "containers": containers, "initContainers": init,
                      "expected": expected, "happened": got, "public": public})
    return {"cases": cases}


# --- q2: a Pod that survives memory pressure --------------------------------------------------

NOISY = {
    "apiVersion": "v1", "kind": "Pod", "metadata": {"name": "noisy"},
    "spec": {"containers": [{
        "name": "app", "image": "minik8s/app:1.0",
        "env": [{"name": "MEMORY_MB", "value": "200"}, {"name": "MEMORY_GROWTH_MB", "value": "10"}],
        "resources": {"requests": {"memory": "1Gi"}}}]}}


def q2(manifest):
    """The student's Pod `db` (it holds 300 MiB) on a 2Gi node beside `noisy`, a Burstable Pod that
    requests 1Gi and leaks 10 MiB a second, for 150 s: the node comes under memory pressure
    (memory.available<100Mi) and the kubelet evicts by usage above requests, then priority
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#pod-selection-for-kubelet-eviction);
    `db` must be Guaranteed (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/), never
    OOMKilled, and still Running; `noisy` must have been scheduled and evicted."""
    c = Cluster(nodes=[{"name": "node-1", "cpu": "2", "memory": "2Gi"}], seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        db = c.get("pod", "db")
    except ApiError:
        return {"error": "no Pod named db: set kind: Pod and metadata.name: db"}
    c.apply(NOISY)
    restarts, oom, fates = 0, False, []
    for _ in range(15):
        c.run(10)
        db = c.get("pod", "db")
        for cs in db["status"].get("containerStatuses") or []:
            restarts = max(restarts, cs.get("restartCount", 0))
        oom = oom or _fate(db) == "OOMKilled"
    noisy = c.get("pod", "noisy")
    mem_events = [e["involvedObject"]["name"] for e in c.events(None) if e["reason"] == "Evicted"]
    app = next((x for x in db["spec"]["containers"] if x["name"] == "app"), db["spec"]["containers"][0])
    res = app.get("resources") or {}
    return {"qosClass": db["status"].get("qosClass"), "dbFate": _fate(db), "dbRestarts": restarts,
            "dbOOMKilled": oom, "noisyScheduled": bool(noisy["spec"].get("nodeName")),
            "noisyFate": _fate(noisy), "evicted": mem_events,
            "image": app.get("image"), "env": {e["name"]: e.get("value") for e in app.get("env") or []},
            "requests": res.get("requests") or {}, "limits": res.get("limits") or {}}


# --- q3: predict what becomes of five Pods ----------------------------------------------------

def _app_pod(name, memory, growth=0, requests=None, limits=None):
    ctr = {"name": "app", "image": "minik8s/app:1.0",
           "env": [{"name": "MEMORY_MB", "value": str(memory)}, {"name": "MEMORY_GROWTH_MB", "value": str(growth)}]}
    res = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    if res:
        ctr["resources"] = res
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name},
            "spec": {"restartPolicy": "Never", "containers": [ctr]}}


Q3_PODS = [
    _app_pod("db", 400, requests={"cpu": "500m", "memory": "512Mi"}, limits={"cpu": "500m", "memory": "512Mi"}),
    _app_pod("web", 250, requests={"cpu": "250m", "memory": "300Mi"}, limits={"memory": "600Mi"}),
    _app_pod("cache", 150),
    _app_pod("batch", 300, growth=4, requests={"memory": "128Mi"}),
    _app_pod("leaky", 64, growth=16, requests={"memory": "64Mi"}, limits={"memory": "128Mi"}),
]


def q3_run():
    """The five Pods of question 3 on one 2Gi node, 100 s: each Pod's fate."""
    c = Cluster(nodes=[{"name": "node-1", "cpu": "2", "memory": "2Gi"}], seed=SEED)
    for p in Q3_PODS:
        c.apply(p)
    c.run(100)
    return {p["metadata"]["name"]: _fate(c.get("pod", p["metadata"]["name"])) for p in Q3_PODS}


def q3(prediction):
    """Predicted fates (Running, OOMKilled or Evicted) of five Pods on a node that comes under
    memory pressure, against what the cluster does: a container over its own memory limit is
    OOMKilled (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits);
    under memory.available<100Mi the kubelet evicts the Pod most above its request first
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#pod-selection-for-kubelet-eviction)."""
    if not isinstance(prediction, dict):
        return {"error": 'q3_fates must be a dict like {"db": "Running", ...}'}
    actual = q3_run()
    return {name: {"predicted": prediction.get(name), "actual": actual[name]} for name in sorted(actual)}


# --- q4: exactly four Pods per node -----------------------------------------------------------

def q4(manifest):
    """The student's Deployment `web` (10 replicas) on two nodes of 2 CPUs and 2Gi: the scheduler
    places a Pod only where the requests fit in the node's allocatable
    (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled;
    allocatable = capacity - reserved - hard eviction threshold,
    https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable).
    Report: Pods Running per node, Pods Pending, the requests."""
    c = Cluster(nodes=[{"name": "node-1", "cpu": "2", "memory": "2Gi"},
                       {"name": "node-2", "cpu": "2", "memory": "2Gi"}], seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        d = c.get("deployment", "web")
    except ApiError:
        return {"error": "no Deployment named web: set kind: Deployment and metadata.name: web"}
    c.run(30)
    pods = [p for p in c.list("pods") if not p["metadata"].get("deletionTimestamp")]
    per_node = {}
    for p in pods:
        if p["status"].get("phase") == "Running":
            n = p["spec"]["nodeName"]
            per_node[n] = per_node.get(n, 0) + 1
    ctrs = d["spec"]["template"]["spec"]["containers"]
    # the requests as the API server stored them in a Pod (a limit alone defaults the request)
    stored = pods[0]["spec"]["containers"] if pods else ctrs
    req = {"cpu": 0, "memory": 0}
    for x in stored:
        r = (x.get("resources") or {}).get("requests") or {}
        req["cpu"] += cpu_millis(str(r["cpu"])) if "cpu" in r else 0
        req["memory"] += memory_bytes(str(r["memory"])) if "memory" in r else 0
    return {"replicas": d["spec"].get("replicas", 1), "runningPerNode": dict(sorted(per_node.items())),
            "pending": sum(1 for p in pods if p["status"].get("phase") == "Pending"),
            "cpuRequestMillis": req["cpu"], "memoryRequestMiB": req["memory"] / MiB,
            "image": ctrs[0].get("image")}
