"""DaemonSet controller.

https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/
"""

from minik8s.controllers.daemonset import DAEMON_TOLERATIONS, node_should_run

from ctrl_helpers import add_node, finish_deleting, make_cluster, run_pod


def ds_manifest(name="fluentd", node_selector=None, tolerations=None, max_unavailable=None, image="fluentd:v1"):
    spec = {"containers": [{"name": "fluentd", "image": image}]}
    if node_selector:
        spec["nodeSelector"] = node_selector
    if tolerations:
        spec["tolerations"] = tolerations
    out = {"apiVersion": "apps/v1", "kind": "DaemonSet", "metadata": {"name": name, "namespace": "kube-system"},
           "spec": {"selector": {"matchLabels": {"name": name}},
                    "template": {"metadata": {"labels": {"name": name}}, "spec": spec}}}
    if max_unavailable is not None:
        out["spec"]["updateStrategy"] = {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": max_unavailable}}
    return out


def ds_pods(c, live=True):
    pods = c.list("pods", "kube-system")
    return [p for p in pods if not (live and p["metadata"].get("deletionTimestamp"))]


def target(p):
    return p["spec"]["affinity"]["nodeAffinity"]["requiredDuringSchedulingIgnoredDuringExecution"][
        "nodeSelectorTerms"][0]["matchFields"][0]["values"][0]


def bind_all(c, ready=True):
    """Play the scheduler and kubelets: bind each daemon pod to the node its affinity names, run it."""
    for p in ds_pods(c):
        if not p["spec"].get("nodeName") or p.get("status", {}).get("phase") != "Running":
            run_pod(c, p, target(p), ready=ready)
    c.run(0.5)


def status(c, name="fluentd"):
    return c.get("ds", name, "kube-system")["status"]


def test_one_pod_per_node_following_nodes_joining_and_leaving():
    c = make_cluster()
    add_node(c, "node-1")
    add_node(c, "node-2")
    c.apply(ds_manifest())
    c.run(1)
    pods = ds_pods(c)
    assert sorted(target(p) for p in pods) == ["node-1", "node-2"]
    p = pods[0]
    assert p["metadata"]["name"].startswith("fluentd-") and len(p["metadata"]["name"]) == len("fluentd-") + 5
    assert p["metadata"]["labels"]["controller-revision-hash"]
    for t in DAEMON_TOLERATIONS:
        assert t in p["spec"]["tolerations"]
    bind_all(c)
    st = status(c)
    assert (st["desiredNumberScheduled"], st["currentNumberScheduled"], st["numberReady"],
            st["updatedNumberScheduled"], st["numberAvailable"]) == (2, 2, 2, 2, 2)
    add_node(c, "node-3")
    c.run(1)
    assert sorted(target(p) for p in ds_pods(c)) == ["node-1", "node-2", "node-3"]
    c.apiserver.delete("nodes", "node-3")
    c.run(1)
    assert status(c)["desiredNumberScheduled"] == 2
    revs = c.list("controllerrevisions", "kube-system")
    assert len(revs) == 1 and revs[0]["revision"] == 1


def test_node_selector_limits_the_nodes():
    """#running-pods-on-select-nodes: .spec.template.spec.nodeSelector."""
    c = make_cluster()
    add_node(c, "node-1", labels={"disktype": "ssd"})
    add_node(c, "node-2")
    c.apply(ds_manifest(node_selector={"disktype": "ssd"}))
    c.run(1)
    assert [target(p) for p in ds_pods(c)] == ["node-1"]
    c.apiserver.patch("nodes", "node-1", {"metadata": {"labels": {"disktype": None}}})
    c.run(1)
    assert ds_pods(c) == []


def test_taints_need_tolerations_but_daemon_pods_tolerate_node_conditions():
    """#taints-and-tolerations: a control-plane NoSchedule taint needs an explicit toleration;
    unschedulable and not-ready taints are tolerated automatically."""
    c = make_cluster()
    add_node(c, "cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}])
    add_node(c, "cordoned", taints=[{"key": "node.kubernetes.io/unschedulable", "effect": "NoSchedule"}])
    c.apply(ds_manifest())
    c.run(1)
    assert [target(p) for p in ds_pods(c)] == ["cordoned"]
    c.apply(ds_manifest(name="agent", tolerations=[
        {"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]))
    c.run(1)
    assert sorted(target(p) for p in ds_pods(c) if p["metadata"]["name"].startswith("agent-")) == ["cordoned", "cp"]


def test_node_should_run_respects_no_execute():
    ds = ds_manifest()
    node = {"metadata": {"name": "n", "labels": {}}, "spec": {"taints": [{"key": "x", "effect": "NoExecute"}]}}
    assert node_should_run(ds, node) == (False, False)
    node["spec"]["taints"] = [{"key": "node.kubernetes.io/unreachable", "effect": "NoExecute"}]
    assert node_should_run(ds, node) == (True, True)


def test_rolling_update_respects_max_unavailable():
    """#rolling-update (tasks/manage-daemon/update-daemon-set): maxUnavailable 1 -> one node at a time."""
    c = make_cluster()
    for n in ("node-1", "node-2", "node-3"):
        add_node(c, n)
    c.apply(ds_manifest(max_unavailable=1))
    c.run(1)
    bind_all(c)
    c.apiserver.patch("daemonsets", "fluentd", {"spec": {"template": {"spec": {
        "containers": [{"name": "fluentd", "image": "fluentd:v2"}]}}}}, "kube-system")
    c.run(1)
    terminating = [p for p in ds_pods(c, live=False) if p["metadata"].get("deletionTimestamp")]
    assert len(terminating) == 1
    rounds = 0
    while status(c).get("updatedNumberScheduled", 0) < 3 and rounds < 10:
        finish_deleting(c, "kube-system")
        c.run(1)
        assert sum(1 for p in ds_pods(c, live=False) if p["metadata"].get("deletionTimestamp")) <= 1
        bind_all(c)
        rounds += 1
    st = status(c)
    assert st["updatedNumberScheduled"] == 3 and st["numberAvailable"] == 3 and rounds == 3
    assert len(c.list("controllerrevisions", "kube-system")) == 2


def test_end_to_end_with_real_kubelets_follows_a_joining_node():
    """With the scheduler and kubelets: one Running daemon pod per node, also on a node added later."""
    from minik8s import Cluster
    c = Cluster(nodes=3, seed=2)
    m = ds_manifest(image="busybox:1.36")
    m["spec"]["template"]["spec"]["containers"][0]["command"] = ["sh", "-c", "sleep 100000"]
    c.apply(m)
    c.run_until(lambda c: status(c).get("numberAvailable") == 3, timeout=120)
    c.add_node("node-4")
    c.run_until(lambda c: status(c).get("numberAvailable") == 4, timeout=120)
    nodes = sorted(p["spec"]["nodeName"] for p in ds_pods(c))
    assert nodes == ["node-1", "node-2", "node-3", "node-4"]
