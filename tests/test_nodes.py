"""Nodes as kubelets register them: labels, capacity, conditions, events, Leases and heartbeats.

https://kubernetes.io/docs/concepts/architecture/nodes/
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.api.meta import parse_time
from minik8s import params as C
from minik8s.kubelet.kubelet import SWAP_ERROR
from pod_helpers import IMAGES     # the kubelet-test/* images


def node_events(c, name):
    return [(e["reason"], e["message"]) for e in c.events(None)
            if e["involvedObject"]["kind"] == "Node" and e["involvedObject"]["name"] == name
            and e["source"]["component"] == "kubelet"]


def cond(node, ctype):
    return next(x for x in node["status"]["conditions"] if x["type"] == ctype)


def test_three_nodes_register_and_are_ready_within_seconds():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#self-registration-of-nodes"""
    c = Cluster(nodes=3)
    c.run(2)
    nodes = c.list("nodes", None)
    assert [n["metadata"]["name"] for n in nodes] == ["node-1", "node-2", "node-3"]
    cidrs = [n["spec"]["podCIDR"] for n in nodes]
    assert len(set(cidrs)) == 3 and all(x.startswith("10.244.") and x.endswith(".0/24") for x in cidrs)
    for n in nodes:
        name = n["metadata"]["name"]
        labels = n["metadata"]["labels"]
        assert labels["kubernetes.io/hostname"] == name
        assert labels["kubernetes.io/os"] == "linux" and labels["kubernetes.io/arch"] == "amd64"
        st = n["status"]
        assert st["capacity"]["cpu"] == "2" and st["capacity"]["memory"] == "4Gi"
        assert st["capacity"]["pods"] == "110" and "ephemeral-storage" in st["capacity"]
        assert st["allocatable"]["cpu"] == "2" and st["allocatable"]["pods"] == "110"
        assert {a["type"] for a in st["addresses"]} == {"InternalIP", "Hostname"}
        info = st["nodeInfo"]
        assert info["kubeletVersion"].startswith("v1.33.")
        assert info["containerRuntimeVersion"].startswith("containerd://")
        assert info["operatingSystem"] == "linux" and info["architecture"] == "amd64"
        assert st["daemonEndpoints"] == {"kubeletEndpoint": {"Port": 10250}}
        ready = cond(n, "Ready")
        assert (ready["status"], ready["reason"], ready["message"]) == (
            "True", "KubeletReady", "kubelet is posting ready status")
        assert [x["type"] for x in st["conditions"]] == ["MemoryPressure", "DiskPressure", "PIDPressure", "Ready"]
        assert (cond(n, "MemoryPressure")["reason"], cond(n, "MemoryPressure")["message"]) == (
            "KubeletHasSufficientMemory", "kubelet has sufficient memory available")
        assert (cond(n, "DiskPressure")["reason"], cond(n, "DiskPressure")["message"]) == (
            "KubeletHasNoDiskPressure", "kubelet has no disk pressure")
        assert (cond(n, "PIDPressure")["reason"], cond(n, "PIDPressure")["message"]) == (
            "KubeletHasSufficientPID", "kubelet has sufficient PID available")


def test_node_events_on_start():
    """The events ``kubectl describe node`` lists after a kubelet starts
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/)."""
    c = Cluster(nodes=1)
    c.run(2)
    assert [r for r, _ in node_events(c, "node-1")] == [
        "Starting", "NodeHasSufficientMemory", "NodeHasNoDiskPressure", "NodeHasSufficientPID",
        "NodeAllocatableEnforced", "NodeReady"]
    msgs = dict(node_events(c, "node-1"))
    assert msgs["Starting"] == "Starting kubelet."
    assert msgs["NodeReady"] == "Node node-1 status is now: NodeReady"
    assert msgs["NodeAllocatableEnforced"] == "Updated Node Allocatable limit across pods"


def test_custom_node_capacity_labels_and_taints():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#node-capacity"""
    c = Cluster(nodes=[{"name": "big", "cpu": "8", "memory": "16Gi", "pods": 50, "labels": {"disk": "ssd"},
                        "taints": [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]}])
    c.run(2)
    n = c.get("nodes", "big")
    assert n["status"]["capacity"]["cpu"] == "8" and n["status"]["capacity"]["memory"] == "16Gi"
    assert n["status"]["allocatable"]["pods"] == "50"
    assert n["metadata"]["labels"]["disk"] == "ssd"
    assert n["spec"]["taints"] == [{"key": "dedicated", "value": "gpu", "effect": "NoSchedule"}]


def test_lease_is_renewed_every_ten_seconds():
    """https://kubernetes.io/docs/concepts/architecture/leases/#node-heart-beats and
    https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats"""
    c = Cluster(nodes=1)
    c.run(1)
    lease = c.get("leases", "node-1", "kube-node-lease")
    assert lease["spec"]["holderIdentity"] == "node-1"
    assert lease["spec"]["leaseDurationSeconds"] == 40
    assert lease["metadata"]["ownerReferences"][0]["kind"] == "Node"
    renewals = []
    for t in range(1, 36):
        c.run(1)
        renewals.append(parse_time(c.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"]))
    assert sorted(set(renewals)) == [0, 10, 20, 30]


def test_node_status_posted_only_on_change_or_every_report_period():
    """https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/ (nodeStatusReportFrequency)"""
    c = Cluster(nodes=1)
    c.run(5)
    rv = c.get("nodes", "node-1")["metadata"]["resourceVersion"]
    c.run(100)
    assert c.get("nodes", "node-1")["metadata"]["resourceVersion"] == rv
    c.run(C.NODE_STATUS_REPORT_FREQUENCY)
    n = c.get("nodes", "node-1")
    assert n["metadata"]["resourceVersion"] != rv
    assert parse_time(cond(n, "Ready")["lastHeartbeatTime"]) >= C.NODE_STATUS_REPORT_FREQUENCY
    assert parse_time(cond(n, "Ready")["lastTransitionTime"]) <= 2


def test_stopped_kubelet_stops_heartbeats_but_containers_keep_running():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#heartbeats : a dead kubelet stops renewing."""
    import test_pod_lifecycle  # noqa: F401  (registers the test images)
    c = Cluster(nodes=[{"name": "node-1", "images": ["kubelet-test/exit:1.0"]}], images=IMAGES)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "job"},
             "spec": {"nodeName": "node-1", "restartPolicy": "Never",
                      "containers": [{"name": "app", "image": "kubelet-test/exit:1.0", "args": ["30", "0"]}]}})
    c.run(5)
    assert c.get("pods", "job")["status"]["phase"] == "Running"
    c.stop("kubelet", node="node-1")
    renewed = c.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"]
    c.run(30)     # (less than the node monitor grace period: the node lifecycle controller has not acted)
    assert c.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"] == renewed
    # the container finished at t=30, but nobody reported it
    assert c.get("pods", "job")["status"]["phase"] == "Running"
    kl = c.kubelets["node-1"]
    cid = kl.workers["default/job"].containers["app"].cid
    assert kl.runtime.container_status(cid).state == "exited"
    c.start("kubelet", node="node-1")
    c.run(1)
    assert c.get("pods", "job")["status"]["phase"] == "Succeeded"
    assert c.get("leases", "node-1", "kube-node-lease")["spec"]["renewTime"] != renewed
    assert [r for r, _ in node_events(c, "node-1")].count("Starting") == 1   # aggregated: count 2
    starting = [e for e in c.events(None) if e["reason"] == "Starting" and e["source"]["component"] == "kubelet"]
    assert starting[0]["count"] == 2


def test_pods_deleted_while_the_kubelet_was_down_are_cleaned_up():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-garbage-collection"""
    import test_pod_lifecycle  # noqa: F401
    c = Cluster(nodes=[{"name": "node-1", "images": ["kubelet-test/server:1.0"]}], images=IMAGES)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "kubelet-test/server:1.0"}]}})
    c.run(2)
    rt = c.kubelets["node-1"].runtime
    assert len(rt.list_containers()) == 1
    c.stop("kubelet", node="node-1")
    c.delete("pod", "web", grace_period_seconds=0)
    c.run(30)
    assert len(rt.list_containers()) == 1            # nobody to stop it
    c.start("kubelet", node="node-1")
    c.run(C.MINIMUM_GRACE_PERIOD + 1)
    assert rt.list_containers() == [] and rt.sandboxes == {}


def test_swap_on_with_fail_swap_on_refuses_to_start():
    """https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/ :
    with failSwapOn (the default) a kubelet on a node with swap does not start."""
    c = Cluster(nodes=[{"name": "node-1", "swap": "2Gi"}, {"name": "node-2", "swap": "2Gi", "failSwapOn": False}])
    c.run(3)
    assert [n["metadata"]["name"] for n in c.list("nodes", None)] == ["node-2"]
    kl = c.kubelets["node-1"]
    assert kl.start_error == SWAP_ERROR
    assert SWAP_ERROR == ("failed to run Kubelet: running with swap on is not supported, please disable swap "
                          "or set --fail-swap-on flag to false")
    assert not kl.running


def test_deleted_node_object_is_registered_again():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#self-registration-of-nodes"""
    c = Cluster(nodes=1)
    c.run(2)
    c.delete("node", "node-1")
    c.run(C.NODE_STATUS_UPDATE_FREQUENCY + 1)
    assert c.get("nodes", "node-1")["metadata"]["name"] == "node-1"


def test_restarted_kubelet_makes_the_node_and_its_pods_ready_again():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#condition : a node not heard from becomes
    Unknown; when its kubelet posts status again it is Ready, and its pods are reported Ready again."""
    import test_pod_lifecycle  # noqa: F401
    c = Cluster(nodes=[{"name": "node-1", "images": ["kubelet-test/server:1.0"]}], images=IMAGES)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "kubelet-test/server:1.0"}],
                      "tolerations": [{"key": "node.kubernetes.io/unreachable", "operator": "Exists",
                                       "effect": "NoExecute"}]}})
    c.run(2)
    c.stop("kubelet", node="node-1")
    c.run(120)
    # node-monitor-grace-period (50 s) without a heartbeat: the node lifecycle controller sets Unknown
    assert cond(c.get("nodes", "node-1"), "Ready")["status"] == "Unknown"
    c.start("kubelet", node="node-1")
    restarted = c.now
    c.run(1)
    ready = cond(c.get("nodes", "node-1"), "Ready")
    assert ready["status"] == "True" and parse_time(ready["lastTransitionTime"]) == int(restarted)
    pod_ready = next(x for x in c.get("pods", "web")["status"]["conditions"] if x["type"] == "Ready")
    assert pod_ready["status"] == "True"
    assert [r for r, _ in node_events(c, "node-1")].count("NodeReady") == 1
    assert next(e for e in c.events(None) if e["reason"] == "NodeReady"
                and e["source"]["component"] == "kubelet")["count"] == 2
