"""Node lifecycle and taint-based eviction.

https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller
https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats
https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
"""

from minik8s.controllers.tainteviction import min_toleration_seconds

from ctrl_helpers import add_node, make_cluster, pod_manifest, renew_lease, run_pod, set_node_ready

DEFAULT_TOLERATIONS = [
    {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
    {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute", "tolerationSeconds": 300},
]


def heartbeats(c, alive: set):
    """Play the kubelets' Lease renewals: every 10 s for each node in ``alive``."""
    def beat():
        for n in sorted(alive):
            renew_lease(c, n)
        c.clock.call_later(10, beat)
    beat()


def cluster_with_two_nodes():
    c = make_cluster()
    add_node(c, "node-1")
    add_node(c, "node-2")
    alive = {"node-1", "node-2"}
    heartbeats(c, alive)
    return c, alive


def ready(c, node):
    return [x for x in c.get("node", node, None)["status"]["conditions"] if x["type"] == "Ready"][0]


def taints(c, node):
    return [(t["key"], t["effect"]) for t in c.get("node", node, None)["spec"].get("taints") or []]


def test_silent_node_becomes_unknown_after_the_grace_period_and_is_tainted():
    """node-monitor-grace-period 50 s, checked every 5 s: last lease renewal at T=20 -> Unknown at T=75."""
    c, alive = cluster_with_two_nodes()
    p = c.apply(dict(pod_manifest("victim"), spec={"containers": [{"name": "c", "image": "nginx"}],
                                                  "tolerations": DEFAULT_TOLERATIONS}))[0]
    run_pod(c, p, "node-2")
    c.run(20.5)
    alive.discard("node-2")          # the kubelet on node-2 stops
    c.run(74.9 - c.now)
    assert ready(c, "node-2")["status"] == "True" and taints(c, "node-2") == []
    c.run(0.2)
    r = ready(c, "node-2")
    assert (r["status"], r["reason"], r["message"]) == ("Unknown", "NodeStatusUnknown",
                                                         "Kubelet stopped posting node status.")
    assert taints(c, "node-2") == [("node.kubernetes.io/unreachable", "NoSchedule"),
                                   ("node.kubernetes.io/unreachable", "NoExecute")]
    assert ready(c, "node-1")["status"] == "True"
    pod_ready = [x for x in c.get("pod", "victim")["status"]["conditions"] if x["type"] == "Ready"][0]
    assert pod_ready["status"] == "False"
    evs = {(e["reason"], e["message"]) for e in c.events(None)}
    assert ("NodeNotReady", "Node node-2 status is now: NodeNotReady") in evs
    assert ("NodeNotReady", "Node is not ready") in evs
    # The pod tolerates unreachable for 300 s: deleted at T=375, not before.
    c.run(374.9 - c.now)
    assert not c.get("pod", "victim")["metadata"].get("deletionTimestamp")
    c.run(0.2)
    pod = c.get("pod", "victim")
    assert pod["metadata"]["deletionTimestamp"]
    dt = [x for x in pod["status"]["conditions"] if x["type"] == "DisruptionTarget"][0]
    assert dt["reason"] == "DeletionByTaintManager"
    assert ("TaintManagerEviction", "Marking for deletion Pod default/victim") in {
        (e["reason"], e["message"]) for e in c.events()}


def test_pod_with_zero_toleration_seconds_is_evicted_as_soon_as_the_taint_appears():
    """tolerationSeconds 0 (or no matching toleration): evicted as soon as the NoExecute taint appears."""
    c, alive = cluster_with_two_nodes()
    p = c.apply(dict(pod_manifest("bare"), spec={"containers": [{"name": "c", "image": "nginx"}], "tolerations": [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 0}]}))[0]
    run_pod(c, p, "node-2")
    c.run(20.5)
    alive.discard("node-2")
    c.run(74.9 - c.now)
    assert not c.get("pod", "bare")["metadata"].get("deletionTimestamp")
    c.run(0.2)
    assert c.get("pod", "bare")["metadata"].get("deletionTimestamp")


def test_untolerated_custom_no_execute_taint_evicts_at_once():
    c, alive = cluster_with_two_nodes()
    p = c.apply(pod_manifest("plain"))[0]
    run_pod(c, p, "node-1")
    c.apiserver.patch("nodes", "node-1", {"spec": {"taints": [{"key": "dedicated", "value": "db",
                                                               "effect": "NoExecute"}]}})
    c.run(0.1)
    assert c.get("pod", "plain")["metadata"].get("deletionTimestamp")


def test_node_coming_back_removes_taints_and_cancels_eviction():
    c, alive = cluster_with_two_nodes()
    p = c.apply(dict(pod_manifest("stay"), spec={"containers": [{"name": "c", "image": "nginx"}],
                                                "tolerations": DEFAULT_TOLERATIONS}))[0]
    run_pod(c, p, "node-2")
    c.run(20.5)
    alive.discard("node-2")
    c.run(100 - c.now)
    assert ("node.kubernetes.io/unreachable", "NoExecute") in taints(c, "node-2")
    alive.add("node-2")
    set_node_ready(c, "node-2")      # the kubelet posts Ready again
    c.run(10)
    assert taints(c, "node-2") == []
    c.run(400)
    assert not c.get("pod", "stay")["metadata"].get("deletionTimestamp")
    assert any(e["message"] == "Cancelling deletion of Pod default/stay" for e in c.events())


def test_not_ready_node_gets_not_ready_taints():
    """A kubelet reporting Ready=False: node.kubernetes.io/not-ready NoSchedule and NoExecute."""
    c, alive = cluster_with_two_nodes()
    set_node_ready(c, "node-1", "False", "KubeletNotReady", "container runtime is down")
    c.run(6)
    assert taints(c, "node-1") == [("node.kubernetes.io/not-ready", "NoSchedule"),
                                   ("node.kubernetes.io/not-ready", "NoExecute")]


def test_min_toleration_seconds():
    taint = {"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}
    assert min_toleration_seconds([], [taint]) is None
    assert min_toleration_seconds(DEFAULT_TOLERATIONS, [taint]) == 300
    assert min_toleration_seconds([{"operator": "Exists"}], [taint]) == float("inf")
