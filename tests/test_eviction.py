"""Node-pressure eviction and the node-level OOM killer.

Docs: https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/ .
Model: the node's memory.available = capacity - (600Mi of system daemons + the pods' working
sets); the eviction manager looks every 10 s; hard threshold memory.available<100Mi.
"""

from __future__ import annotations

from minik8s.kubelet.eviction import eviction_message, rank_for_memory_pressure
from minik8s.runtime.process import MiB
from pod_helpers import Run, cluster, pod


def hog(name, start, growth=0, requests=None, limits=None, **spec):
    c = {"name": "app", "image": "pods-test/hog:1.0", "args": [str(start), str(growth)]}
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    if res:
        c["resources"] = res
    return pod(name, [c], **spec)


def node(c):
    n = c.get("nodes", "node-1")
    return ({x["type"]: x["status"] for x in n["status"]["conditions"]}, n["spec"].get("taints") or [])


def test_memory_pressure_condition_taint_and_eviction_of_the_pod_over_its_requests():
    """A BestEffort pod grows until memory.available < 100Mi: at the next 10 s look the node reports
    MemoryPressure=True, the node lifecycle controller taints it node.kubernetes.io/memory-pressure
    (NoSchedule), and the kubelet evicts the pod using more than it requested: phase Failed, reason
    Evicted, an Evicted event, a DisruptionTarget condition. The Guaranteed pod stays.
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-conditions"""
    c = cluster(memory="2Gi")
    Run(c, hog("db", 300, requests={"memory": "400Mi"}, limits={"memory": "400Mi"}))
    r = Run(c, hog("leaky", 200, growth=10))
    # available = 2048 - 600 - db(300.25) - leaky(200.25 + 10 t) MiB: under 100 MiB from t = 85,
    # exhausted at 94.75 (then the kernel's OOM killer would act); the kubelet looks every 10 s
    r.run_to(79.9)
    assert node(c)[0]["MemoryPressure"] == "False" and r.status()["phase"] == "Running"
    r.run_to(80.001)                                   # the look at 80 finds 147.5Mi: still fine
    assert node(c)[0]["MemoryPressure"] == "False"
    r.run_to(90.001)     # the look at 90 (before the app's allocation of that second): 57.5Mi left, evict
    conds, taints = node(c)
    assert conds["MemoryPressure"] == "True"
    assert {"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"} in taints
    st = r.status()
    assert st["phase"] == "Failed" and st["reason"] == "Evicted"
    assert st["message"] == ("The node was low on resource: memory. Threshold quantity: 100Mi, available: 58880Ki. "
                             "Container app was using 1116416Ki, request is 0, has larger consumption of memory. ")
    dt = next(x for x in st["conditions"] if x["type"] == "DisruptionTarget")
    assert (dt["status"], dt["reason"], dt["message"]) == ("True", "TerminationByKubelet", st["message"])
    assert r.when("Evicted", st["message"]) == [90]
    assert [e[1] for e in r.events if e[2] == "Evicted"] == ["Warning"]
    assert c.get("pods", "db")["status"]["phase"] == "Running"
    node_events = [(e["type"], e["reason"], e["message"]) for e in c.events(None)
                   if e["involvedObject"]["kind"] == "Node"]
    assert ("Warning", "EvictionThresholdMet", "Attempting to reclaim memory") in node_events
    assert ("Normal", "NodeHasInsufficientMemory", "Node node-1 status is now: NodeHasInsufficientMemory") in node_events


def test_memory_pressure_lasts_the_transition_period():
    """MemoryPressure stays True for evictionPressureTransitionPeriod (5m) after the threshold was
    last met. https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#oscillation-of-node-conditions"""
    c = cluster(memory="2Gi")
    r = Run(c, hog("leaky", 1400))
    r.run_to(10.001)
    assert node(c)[0]["MemoryPressure"] == "True" and r.status()["reason"] == "Evicted"
    r.run_to(300)
    assert node(c)[0]["MemoryPressure"] == "True"
    r.run_to(321)
    assert node(c)[0]["MemoryPressure"] == "False"


def test_eviction_ranking_usage_above_requests_then_priority_then_usage():
    """rankMemoryPressure: pods over their requests first, then by priority, then by usage above
    requests. https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#pod-selection-for-kubelet-eviction"""
    def p(name, request=None, priority=0):
        c = {"name": "app"}
        if request:
            c["resources"] = {"requests": {"memory": request}}
        return {"metadata": {"name": name, "namespace": "default"}, "spec": {"priority": priority, "containers": [c]}}
    pods = [(p("within", "500Mi"), 400 * MiB),                       # within its request: last
            (p("important-hog", None, priority=1000), 900 * MiB),
            (p("small-hog", None), 100 * MiB),
            (p("big-hog", "100Mi"), 700 * MiB)]
    order = [x[0]["metadata"]["name"] for x in rank_for_memory_pressure(pods)]
    assert order == ["big-hog", "small-hog", "important-hog", "within"]


def test_lower_priority_pod_is_evicted_first():
    """Two pods over their requests: the lower priority one goes, even though it uses less.
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#pod-selection-for-kubelet-eviction"""
    c = cluster(memory="2Gi")
    c.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
             "value": 1000})
    Run(c, hog("important", 800, priorityClassName="high"))
    r = Run(c, hog("batch", 600))
    r.run_to(10.001)
    assert r.status()["reason"] == "Evicted"
    assert c.get("pods", "important")["status"]["phase"] == "Running"


def test_best_effort_pods_are_refused_under_memory_pressure():
    """While MemoryPressure is True the kubelet admits no BestEffort pod (unless it tolerates the
    memory-pressure taint): phase Failed, reason Evicted, ``The node had condition: [MemoryPressure]. ``
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-conditions"""
    c = cluster(memory="2Gi")
    r = Run(c, hog("leaky", 1400))
    r.run_to(10.001)
    late = Run(c, hog("late", 10))
    late.run_to(0.1)
    st = late.status()
    assert (st["phase"], st["reason"], st["message"]) == ("Failed", "Evicted", "The node had condition: [MemoryPressure]. ")
    burst = Run(c, hog("burst", 10, requests={"memory": "10Mi"}))
    burst.run_to(0.1)
    assert burst.status()["phase"] == "Running"
    tol = Run(c, hog("tolerant", 10, tolerations=[{"key": "node.kubernetes.io/memory-pressure",
                                                   "operator": "Exists", "effect": "NoSchedule"}]))
    tol.run_to(0.1)
    assert tol.status()["phase"] == "Running"


def test_node_oom_killer_picks_by_oom_score_adj_before_the_kubelet_can_evict():
    """Memory exhausted between two eviction looks: the kernel's OOM killer kills the container with
    the highest oom_score (BestEffort +1000 before Guaranteed -997), reason OOMKilled, and the kubelet
    records SystemOOM on the node.
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior"""
    c = cluster(memory="2Gi")
    Run(c, hog("guaranteed", 700, requests={"memory": "1Gi"}, limits={"memory": "1Gi"}))
    r = Run(c, hog("besteffort", 100, growth=400))     # 2048 - 600 - 700 = 748 MiB free: gone within 2 s
    r.run_to(2.001)
    cs = r.cs()
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    assert c.get("pods", "guaranteed")["status"]["containerStatuses"][0]["restartCount"] == 0
    sys_oom = [e for e in c.events() if e["reason"] == "SystemOOM"]
    assert sys_oom and sys_oom[0]["type"] == "Warning" and sys_oom[0]["involvedObject"]["kind"] == "Node"
    assert sys_oom[0]["message"].startswith("System OOM encountered, victim process: app, pid: ")


def test_eviction_message_lists_only_containers_over_their_requests():
    pod_ = {"spec": {"containers": [{"name": "a", "resources": {"requests": {"memory": "100Mi"}}},
                                    {"name": "b", "resources": {"requests": {"memory": "1Gi"}}}]}}
    msg = eviction_message(pod_, {"a": 300 * MiB, "b": 200 * MiB}, 100 * MiB, 50 * MiB)
    assert msg == ("The node was low on resource: memory. Threshold quantity: 100Mi, available: 50Mi. "
                   "Container a was using 300Mi, request is 100Mi, has larger consumption of memory. ")
