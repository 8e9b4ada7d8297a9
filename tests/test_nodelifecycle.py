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


# --- end to end, with real kubelets and the scheduler ------------------------------------------------

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 3
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: nginx, image: "nginx:1.27"}]
"""


def test_end_to_end_stopped_kubelet_pods_move_to_healthy_nodes():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller : a node whose kubelet
    stops is Unknown after the 50 s grace period; its pods (default 300 s tolerations) are evicted and
    the ReplicaSet replaces them on healthy nodes; the evicted pod stays Terminating on the unreachable
    node (its kubelet cannot confirm)."""
    from minik8s import Cluster
    c = Cluster(nodes=3, seed=1)
    c.apply(WEB)
    c.run_until(lambda c: c.get("deploy", "web").get("status", {}).get("availableReplicas") == 3, timeout=120)
    on_2 = [p["metadata"]["name"] for p in c.list("pods") if p["spec"].get("nodeName") == "node-2"]
    assert len(on_2) == 1
    c.stop("kubelet", node="node-2")
    c.run_until(lambda c: ready(c, "node-2")["status"] == "Unknown", timeout=120)
    unknown_at = c.now
    assert 50 < unknown_at <= 60          # last lease renewal at T=0, checked every 5 s
    assert ("node.kubernetes.io/unreachable", "NoExecute") in taints(c, "node-2")
    c.run(unknown_at + 299.5 - c.now)
    assert not c.get("pod", on_2[0])["metadata"].get("deletionTimestamp")
    c.run(31)
    assert c.get("pod", on_2[0])["metadata"].get("deletionTimestamp")
    running = [p for p in c.list("pods") if not p["metadata"].get("deletionTimestamp")]
    assert len(running) == 3 and all(p["spec"]["nodeName"] != "node-2" for p in running)
    assert all(p["status"]["phase"] == "Running" for p in running)
    out = c.kubectl("get pods -o wide")
    assert "Terminating" in out and on_2[0] in out
    assert c.get("deploy", "web")["status"]["availableReplicas"] == 3
