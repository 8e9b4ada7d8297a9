"""kube-scheduler as a component: queue, retries, binding, events, conditions, trace.

Nodes are created directly (no kubelets) in a ``new_cluster()``.
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minik8s.api.quantity import cpu_millis, memory_bytes
from minik8s.cluster import Cluster
from minik8s.scheduler.framework import explain
from minik8s.scheduler.plugins.tainttoleration import taint_toleration

CP_TAINT = {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}


def new_cluster(seed=0):
    """A cluster without kubelets. Its nodes are created by hand and send no heartbeats, so the
    node lifecycle controller (which would mark them unreachable after 50 s) is stopped."""
    c = Cluster(nodes=0, seed=seed)
    if "node-lifecycle-controller" in c.components:
        c.stop("node-lifecycle-controller")
    return c


def add_node(c, name, cpu="2", memory="4Gi", pods="110", labels=None, taints=None, unschedulable=False):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods}
    spec = {}
    if taints:
        spec["taints"] = taints
    if unschedulable:
        spec["unschedulable"] = True
    c.apiserver.create("nodes", {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, "kubernetes.io/os": "linux",
                                              **(labels or {})}},
        "spec": spec,
        "status": {"capacity": dict(alloc), "allocatable": dict(alloc),
                   "conditions": [{"type": "Ready", "status": "True"}]}})


def priority_class(c, value):
    """A PriorityClass for ``value`` (priority admission fills spec.priority from it).
    https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#priorityclass"""
    name = f"prio-{value}"
    if not c.store.peek("priorityclasses", name):
        c.apiserver.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                               "metadata": {"name": name}, "value": value})
    return name


def add_pod(c, name, cpu=None, memory=None, **spec):
    if "priority" in spec:
        spec["priorityClassName"] = priority_class(c, spec.pop("priority"))
    req = {}
    if cpu:
        req["cpu"] = cpu
    if memory:
        req["memory"] = memory
    container = {"name": "app", "image": "nginx"}
    if req:
        container["resources"] = {"requests": req}
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": name, "namespace": "default"},
                                "spec": {"containers": [container], **spec}}, "default")


def node_of(c, name):
    return c.get("pods", name)["spec"].get("nodeName")


def events_for(c, name, reason=None):
    return [e for e in c.events() if e["involvedObject"]["name"] == name
            and (reason is None or e["reason"] == reason)]


def sched(c):
    return c.component("kube-scheduler")


def three_node_cluster(seed=0):
    c = new_cluster(seed)
    add_node(c, "control-plane", taints=[CP_TAINT])
    add_node(c, "node-1", cpu="1")
    add_node(c, "node-2", cpu="1")
    c.run(0)
    return c


def test_pod_is_bound_with_scheduled_event_and_condition():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ and
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions (PodScheduled)"""
    c = three_node_cluster()
    add_pod(c, "web", cpu="100m")
    c.run(1)
    node = node_of(c, "web")
    assert node in ("node-1", "node-2")
    ev = events_for(c, "web", "Scheduled")
    assert len(ev) == 1 and ev[0]["type"] == "Normal"
    assert ev[0]["message"] == f"Successfully assigned default/web to {node}"
    assert ev[0]["source"]["component"] == "default-scheduler"
    cond = [x for x in c.get("pods", "web")["status"]["conditions"] if x["type"] == "PodScheduled"]
    assert cond[0]["status"] == "True"


def test_decision_is_traced_with_filters_scores_and_binding():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#extension-points"""
    c = three_node_cluster()
    add_pod(c, "web", cpu="100m")
    c.run(1)
    step = [s for s in c.trace if s.component == "kube-scheduler" and s.key == "default/web"][0]
    text = str(step)
    assert "filter control-plane: TaintToleration rejects: node(s) had untolerated taint" in text
    assert "filter node-1: passes NodeUnschedulable, TaintToleration, NodeResourcesFit" in text
    assert "score node-1: TaintToleration 300, NodeResourcesFit" in text
    assert f"chosen {node_of(c, 'web')}" in text
    assert f"bind pod default/web to {node_of(c, 'web')}" in step.actions


def test_failed_scheduling_message_condition_and_no_binding():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/ and
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#my-pods-are-pending-with-event-message-failedscheduling"""
    c = three_node_cluster()
    add_pod(c, "big", cpu="1500m")
    c.run(1)
    msg = ("0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
           "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
           "2 No preemption victims found for incoming pod..")
    assert node_of(c, "big") is None
    ev = events_for(c, "big", "FailedScheduling")
    assert [(e["type"], e["message"]) for e in ev] == [("Warning", msg)]
    cond = [x for x in c.get("pods", "big")["status"]["conditions"] if x["type"] == "PodScheduled"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == ("False", "Unschedulable", msg)
    assert sched(c).pending()["unschedulable"] == ["default/big"]


def test_no_nodes_message():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/"""
    c = new_cluster()
    add_pod(c, "lonely")
    c.run(1)
    assert events_for(c, "lonely", "FailedScheduling")[0]["message"] == "no nodes available to schedule pods"


def test_retried_when_a_node_is_added():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ (unschedulable pods wait
    for a cluster change)"""
    c = three_node_cluster()
    add_pod(c, "big", cpu="1500m")
    c.run(5)
    assert node_of(c, "big") is None
    add_node(c, "node-3", cpu="4")
    c.run(0)
    assert node_of(c, "big") == "node-3"


def test_node_added_during_backoff_waits_for_the_backoff():
    """https://kubernetes.io/docs/reference/config-api/kube-scheduler-config.v1/ (podInitialBackoffSeconds: 1)"""
    c = three_node_cluster()
    add_pod(c, "big", cpu="1500m")
    c.run(0.25)
    add_node(c, "node-3", cpu="4")
    c.run(0.5)
    assert node_of(c, "big") is None
    assert sched(c).pending()["backoff"] == ["default/big"]
    c.run(1)
    assert node_of(c, "big") == "node-3"


def test_retried_when_a_pod_is_deleted():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    add_pod(c, "a", cpu="800m")
    c.run(2)
    add_pod(c, "b", cpu="800m")
    c.run(3)
    assert node_of(c, "a") == "node-1" and node_of(c, "b") is None
    c.apiserver.delete("pods", "a", "default", grace_period_seconds=0)
    c.run(0)
    assert node_of(c, "b") == "node-1"


def test_retried_when_a_node_is_uncordoned_but_not_on_heartbeats():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#manual-node-administration"""
    c = new_cluster()
    add_node(c, "node-1", unschedulable=True)
    add_pod(c, "p")
    c.run(2)
    assert events_for(c, "p", "FailedScheduling")[0]["message"].startswith(
        "0/1 nodes are available: 1 node(s) were unschedulable. preemption: 0/1 nodes are available: "
        "1 Preemption is not helpful for scheduling..")
    steps = len([s for s in c.trace if s.key == "default/p"])
    c.apiserver.patch("nodes", "node-1", {"status": {"conditions": [{"type": "Ready", "status": "True",
                                                                     "reason": "KubeletReady"}]}},
                      subresource="status")
    c.run(5)
    assert len([s for s in c.trace if s.key == "default/p"]) == steps    # a heartbeat changes nothing
    c.apiserver.patch("nodes", "node-1", {"spec": {"unschedulable": None}})
    c.run(0)
    assert node_of(c, "p") == "node-1"


def test_unschedulable_pods_are_retried_after_five_minutes():
    """https://kubernetes.io/docs/reference/command-line-tools-reference/kube-scheduler/
    (pod-max-in-unschedulable-pods-duration 5m; leftovers flushed every 30 s)"""
    c = three_node_cluster()
    add_pod(c, "big", cpu="1500m")
    c.run(600)
    times = [s.time for s in c.trace if s.key == "default/big"]
    assert times == [0.0, 330.0]
    assert events_for(c, "big", "FailedScheduling")[0]["count"] == 2


def test_priority_orders_the_queue():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#effect-of-pod-priority-on-scheduling-order"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    c.stop("kube-scheduler")
    add_pod(c, "a-low", cpu="800m")
    add_pod(c, "b-default", cpu="800m")
    add_pod(c, "z-high", cpu="800m", priority=1000)
    c.start("kube-scheduler")
    c.run(1)
    assert node_of(c, "z-high") == "node-1"
    assert node_of(c, "a-low") is None and node_of(c, "b-default") is None
    order = [s.key for s in c.trace if s.component == "kube-scheduler"]
    assert order[:3] == ["default/z-high", "default/a-low", "default/b-default"]


def test_other_scheduler_names_are_ignored():
    """https://kubernetes.io/docs/tasks/extend-kubernetes/configure-multiple-schedulers/"""
    c = three_node_cluster()
    add_pod(c, "mine", schedulerName="my-scheduler")
    add_pod(c, "default", schedulerName="default-scheduler")
    c.run(5)
    assert node_of(c, "mine") is None and events_for(c, "mine") == []
    assert node_of(c, "default") is not None


def test_node_selector_and_tolerations_steer_pods():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodeselector"""
    c = three_node_cluster()
    add_node(c, "gpu-1", labels={"accelerator": "gpu"}, taints=[{"key": "gpu", "value": "true",
                                                                  "effect": "NoSchedule"}])
    c.run(0)
    add_pod(c, "train", nodeSelector={"accelerator": "gpu"},
            tolerations=[{"key": "gpu", "operator": "Equal", "value": "true", "effect": "NoSchedule"}])
    add_pod(c, "plain")
    add_pod(c, "cp", tolerations=[{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists"}],
            nodeSelector={"kubernetes.io/hostname": "control-plane"})
    c.run(1)
    assert node_of(c, "train") == "gpu-1"
    assert node_of(c, "plain") in ("node-1", "node-2")
    assert node_of(c, "cp") == "control-plane"


def test_least_allocated_spreads_pods():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/ (LeastAllocated default)"""
    c = new_cluster()
    for i in range(1, 4):
        add_node(c, f"node-{i}")
    for i in range(6):
        add_pod(c, f"p{i}", cpu="500m", memory="512Mi")
    c.run(1)
    nodes = sorted(node_of(c, f"p{i}") for i in range(6))
    assert nodes == ["node-1", "node-1", "node-2", "node-2", "node-3", "node-3"]


def _tie_choices(seed):
    c = new_cluster(seed)
    for i in range(1, 5):
        add_node(c, f"node-{i}")
    add_pod(c, "web")
    c.run(1)
    return node_of(c, "web")


def test_ties_are_broken_by_the_seeded_rng():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation"""
    assert _tie_choices(7) == _tie_choices(7)
    assert len({_tie_choices(s) for s in range(12)}) > 1


def test_student_score_plugin_changes_the_choice():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#scoring"""
    c = new_cluster()
    add_node(c, "node-1")
    add_node(c, "node-2", labels={"tier": "fast"})
    c.run(0)

    def prefer_fast(pod, node_info):
        return 100 if node_info.labels.get("tier") == "fast" else 0

    sched(c).add_score_plugin("PreferFast", prefer_fast, weight=5)
    for i in range(3):
        add_pod(c, f"p{i}")
    c.run(1)
    assert [node_of(c, f"p{i}") for i in range(3)] == ["node-2"] * 3
    assert "PreferFast 500" in str([s for s in c.trace if s.key == "default/p0"][0])
    assert "PreferFast" in str(sched(c).explain("p0"))


def test_pods_bound_by_others_count_against_the_node():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename (a pod with
    nodeName set bypasses the scheduler, but its requests still use the node's room)"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    add_pod(c, "pinned", cpu="800m", nodeName="node-1")
    c.run(1)
    assert events_for(c, "pinned") == []
    add_pod(c, "p", cpu="500m")
    c.run(1)
    assert node_of(c, "p") is None
    assert "1 Insufficient cpu" in events_for(c, "p", "FailedScheduling")[0]["message"]


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(nodes=st.lists(st.tuples(st.sampled_from(["500m", "1", "2", "4"]),
                                st.sampled_from(["512Mi", "1Gi", "4Gi"]),
                                st.integers(1, 5),
                                st.booleans()), min_size=1, max_size=4),
       pods=st.lists(st.tuples(st.sampled_from([None, "100m", "250m", "700m", "1500m"]),
                               st.sampled_from([None, "64Mi", "256Mi", "1Gi"]),
                               st.booleans(),
                               st.sampled_from([None, 100, 1000])), min_size=1, max_size=15),
       seed=st.integers(0, 3))
def test_property_no_node_is_overcommitted_and_every_bound_pod_fits(nodes, pods, seed):
    """Also with priorities, so preemption and nominated nodes are exercised.
    https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ and
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled"""
    c = new_cluster(seed)
    for i, (cpu, mem, npods, tainted) in enumerate(nodes):
        add_node(c, f"n{i}", cpu=cpu, memory=mem, pods=str(npods),
                 taints=[{"key": "t", "effect": "NoSchedule"}] if tainted else None)
    for i, (cpu, mem, tolerate, prio) in enumerate(pods):
        extra = {"priority": prio} if prio is not None else {}
        add_pod(c, f"p{i}", cpu=cpu, memory=mem,
                tolerations=[{"key": "t", "operator": "Exists"}] if tolerate else [], **extra)
        if i % 4 == 3:
            c.run(0.5)
    c.run(2)
    # free some room and let the waiting pods retry
    bound = [p for p in c.list("pods") if p["spec"].get("nodeName")]
    if bound:
        c.apiserver.delete("pods", bound[0]["metadata"]["name"], "default", grace_period_seconds=0)
    c.run(20)
    by_node = {n["metadata"]["name"]: n for n in c.list("nodes", None)}
    used = {name: [0, 0, 0] for name in by_node}
    for p in c.list("pods"):
        name = p["spec"].get("nodeName")
        if not name:
            continue
        node = by_node[name]
        assert taint_toleration(p, node) == []
        for ctr in p["spec"]["containers"]:
            r = (ctr.get("resources") or {}).get("requests") or {}
            used[name][0] += cpu_millis(r.get("cpu", 0))
            used[name][1] += memory_bytes(r.get("memory", 0))
        used[name][2] += 1
    for name, (cpu, mem, n) in used.items():
        alloc = by_node[name]["status"]["allocatable"]
        assert cpu <= cpu_millis(alloc["cpu"])
        assert mem <= memory_bytes(alloc["memory"])
        assert n <= int(alloc["pods"])
    # and every pod still pending really fits nowhere (unless it preempted and waits for its victims,
    # which stay Terminating here since no kubelet finishes them)
    all_pods = c.list("pods")
    for p in all_pods:
        if not p["spec"].get("nodeName"):
            assert events_for(c, p["metadata"]["name"], "FailedScheduling")
            if p["status"].get("nominatedNodeName"):
                continue
            # pods of equal or higher priority nominated to a node hold their room there
            prio = p["spec"].get("priority") or 0
            seen = [dict(q, spec=dict(q["spec"], nodeName=q["status"]["nominatedNodeName"]))
                    if q["status"].get("nominatedNodeName") and not q["spec"].get("nodeName")
                    and (q["spec"].get("priority") or 0) >= prio else q for q in all_pods]
            assert explain(p, list(by_node.values()), seen).node is None


def test_not_ready_node_taint_keeps_new_pods_off():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions
    (the node lifecycle controller taints a not-ready node with node.kubernetes.io/not-ready:NoSchedule)"""
    c = new_cluster()
    add_node(c, "node-1", taints=[{"key": "node.kubernetes.io/not-ready", "effect": "NoSchedule"}])
    add_node(c, "node-2", cpu="1")
    add_pod(c, "p")
    # the default tolerations added by admission are NoExecute only: they do not help here
    add_pod(c, "q", tolerations=[{"key": "node.kubernetes.io/not-ready", "operator": "Exists",
                                  "effect": "NoExecute", "tolerationSeconds": 300}])
    c.run(1)
    assert node_of(c, "p") == "node-2" and node_of(c, "q") == "node-2"


def test_adding_a_toleration_to_a_pending_pod_retries_it():
    """https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement (tolerations may be
    added to a pod) and https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    c = new_cluster()
    add_node(c, "node-1", taints=[{"key": "dedicated", "value": "db", "effect": "NoSchedule"}])
    add_pod(c, "p")
    c.run(5)
    assert node_of(c, "p") is None
    tolerations = c.get("pods", "p")["spec"].get("tolerations") or []      # only additions are allowed
    tolerations = tolerations + [{"key": "dedicated", "operator": "Equal", "value": "db", "effect": "NoSchedule"}]
    c.apiserver.patch("pods", "p", {"spec": {"tolerations": tolerations}}, "default")
    c.run(0)
    assert node_of(c, "p") == "node-1"


def test_scheduling_gates_hold_the_pod_until_removed():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-scheduling-readiness/"""
    c = new_cluster()
    add_node(c, "node-1")
    add_pod(c, "gated", schedulingGates=[{"name": "example.com/foo"}])
    c.run(5)
    assert node_of(c, "gated") is None and events_for(c, "gated") == []
    c.apiserver.patch("pods", "gated", {"spec": {"schedulingGates": None}}, "default")
    c.run(0)
    assert node_of(c, "gated") == "node-1"


def test_stopped_scheduler_leaves_pods_pending_and_catches_up():
    """https://kubernetes.io/docs/concepts/overview/components/#kube-scheduler"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    add_pod(c, "a", cpu="600m")
    c.run(1)
    c.stop("kube-scheduler")
    add_pod(c, "b", cpu="600m")
    add_pod(c, "c", cpu="300m")
    c.run(10)
    assert node_of(c, "b") is None and node_of(c, "c") is None
    c.start("kube-scheduler")
    c.run(1)
    assert node_of(c, "c") == "node-1"           # a's 600m is still counted after the restart
    assert node_of(c, "b") is None


def test_deleted_node_is_no_longer_a_candidate():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#management"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    add_node(c, "node-2", cpu="1")
    add_pod(c, "a", cpu="700m", nodeName="node-2")
    c.run(0)
    c.apiserver.delete("nodes", "node-1")
    c.run(0)
    add_pod(c, "b", cpu="500m")
    c.run(1)
    assert node_of(c, "b") is None
    assert events_for(c, "b", "FailedScheduling")[0]["message"].startswith(
        "0/1 nodes are available: 1 Insufficient cpu.")
    add_node(c, "node-1", cpu="1")
    c.run(0)
    assert node_of(c, "b") == "node-1"


def test_preemption_evicts_lower_priority_pods_and_nominates_the_node():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#preemption"""
    c = new_cluster()
    add_node(c, "node-1", cpu="1")
    add_node(c, "node-2", cpu="1")
    add_pod(c, "low-1", cpu="600m", priority=10, nodeName="node-1")
    add_pod(c, "low-2", cpu="300m", priority=10, nodeName="node-1")
    add_pod(c, "mid", cpu="600m", priority=500, nodeName="node-2")
    # a finalizer stands in for the kubelet: the victim stays Terminating until we remove it
    c.apiserver.patch("pods", "low-1", {"metadata": {"finalizers": ["example.com/hold"]}}, "default")
    c.run(0)
    add_pod(c, "high", cpu="700m", priority=1000)
    c.run(1)
    high = c.get("pods", "high")
    assert high["spec"].get("nodeName") is None
    # node-1 needs only low-1 evicted (low-2 is reprieved); node-2 would evict a priority-500 pod
    assert high["status"]["nominatedNodeName"] == "node-1"
    assert events_for(c, "high", "FailedScheduling")[0]["message"] == \
        "0/2 nodes are available: 2 Insufficient cpu."
    low1 = c.get("pods", "low-1")
    assert low1["metadata"].get("deletionTimestamp")
    dt = [x for x in low1["status"]["conditions"] if x["type"] == "DisruptionTarget"][0]
    assert (dt["reason"], dt["message"]) == ("PreemptionByScheduler",
                                             "default-scheduler: preempting to accommodate a higher priority pod")
    ev = events_for(c, "low-1", "Preempted")[0]
    assert ev["message"] == f"Preempted by pod {high['metadata']['uid']} on node node-1"
    assert not c.get("pods", "low-2")["metadata"].get("deletionTimestamp")
    # a pod of lower priority must not take the room the preemptor is waiting for
    add_pod(c, "sneaky", cpu="500m", priority=10)
    c.run(1)
    assert node_of(c, "sneaky") is None
    # retried meanwhile, the preemptor waits for its terminating victim instead of preempting again
    c.apiserver.patch("nodes", "node-2", {"metadata": {"labels": {"x": "y"}}})
    c.run(2)
    assert events_for(c, "high", "FailedScheduling")[-1]["message"] == (
        "0/2 nodes are available: 2 Insufficient cpu. "
        "preemption: not eligible due to a terminating pod on the nominated node..")
    assert len(events_for(c, "low-2", "Preempted")) == 0
    # the victim is gone: the preemptor lands on its nominated node
    c.apiserver.patch("pods", "low-1", {"metadata": {"finalizers": None}}, "default")
    if c.store.peek("pods", "default/low-1"):
        c.apiserver.delete("pods", "low-1", "default", grace_period_seconds=0)   # what the kubelet does
    c.run(2)
    assert node_of(c, "high") == "node-1"


def test_replicaset_pods_are_spread_by_the_system_default_constraints():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#internal-default-constraints
    Without spreading, LeastAllocated alone would put both replicas on the big node."""
    c = new_cluster()
    add_node(c, "node-1", cpu="8", memory="16Gi")
    add_node(c, "node-2", cpu="2", memory="4Gi")
    c.run(0)
    c.apiserver.create("replicasets", {
             "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web", "namespace": "default"},
             "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                      "template": {"metadata": {"labels": {"app": "web"}},
                                   "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}}}, "default")
    c.run(2)
    placed = sorted(p["spec"].get("nodeName") or "" for p in c.list("pods", selector="app=web"))
    assert placed == ["node-1", "node-2"]
    step = [s for s in c.trace if s.component == "kube-scheduler"][1]
    assert "PodTopologySpread" in str(step)


def test_required_anti_affinity_one_replica_per_node():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#more-practical-use-cases
    (the 4th replica has nowhere to go; message as kube-scheduler writes it)"""
    c = new_cluster()
    for i in range(1, 4):
        add_node(c, f"node-{i}")
    c.run(0)
    term = {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "store"}}}
    c.apiserver.create("replicasets", {
             "apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "store", "namespace": "default"},
             "spec": {"replicas": 4, "selector": {"matchLabels": {"app": "store"}},
                      "template": {"metadata": {"labels": {"app": "store"}},
                                   "spec": {"affinity": {"podAntiAffinity": {
                                       "requiredDuringSchedulingIgnoredDuringExecution": [term]}},
                                       "containers": [{"name": "redis", "image": "redis:3.2-alpine"}]}}}},
                       "default")
    c.run(2)
    pods = c.list("pods", selector="app=store")
    placed = sorted(p["spec"]["nodeName"] for p in pods if p["spec"].get("nodeName"))
    assert placed == ["node-1", "node-2", "node-3"]
    pending = [p for p in pods if not p["spec"].get("nodeName")]
    assert len(pending) == 1
    assert events_for(c, pending[0]["metadata"]["name"], "FailedScheduling")[0]["message"] == (
        "0/3 nodes are available: 3 node(s) didn't match pod anti-affinity rules. preemption: "
        "0/3 nodes are available: 3 No preemption victims found for incoming pod..")


def test_pod_affinity_waits_for_the_pod_it_follows():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
    (a pod requiring another's company is retried when such a pod is scheduled)"""
    c = new_cluster()
    add_node(c, "node-1", labels={"topology.kubernetes.io/zone": "a"})
    add_node(c, "node-2", labels={"topology.kubernetes.io/zone": "b"})
    c.run(0)
    term = {"topologyKey": "topology.kubernetes.io/zone", "labelSelector": {"matchLabels": {"app": "cache"}}}
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": "web", "namespace": "default", "labels": {"app": "web"}},
                                "spec": {"affinity": {"podAffinity": {
                                    "requiredDuringSchedulingIgnoredDuringExecution": [term]}},
                                    "containers": [{"name": "web", "image": "nginx"}]}}, "default")
    c.run(5)
    assert node_of(c, "web") is None
    assert events_for(c, "web", "FailedScheduling")[0]["message"].startswith(
        "0/2 nodes are available: 2 node(s) didn't match pod affinity rules.")
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                "metadata": {"name": "cache", "namespace": "default", "labels": {"app": "cache"}},
                                "spec": {"nodeSelector": {"topology.kubernetes.io/zone": "b"},
                                         "containers": [{"name": "redis", "image": "redis"}]}}, "default")
    c.run(2)
    assert node_of(c, "cache") == "node-2"
    assert node_of(c, "web") == "node-2"


def test_rejected_binding_is_reported_and_retried_after_backoff():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#binding-cycle
    (a failed bind sends the pod back to the queue; the scheduler reports the error)"""
    from minik8s import errors
    c = new_cluster()
    add_node(c, "node-1")
    c.run(0)
    real_bind = c.apiserver._bind
    calls = []

    def flaky_bind(res, binding, namespace):      # the API server refuses the first binding
        calls.append(c.now)
        if len(calls) == 1:
            raise errors.ApiError(500, "InternalError", "etcdserver: request timed out")
        return real_bind(res, binding, namespace)

    c.apiserver._bind = flaky_bind
    add_pod(c, "p")
    c.run(0.5)
    assert node_of(c, "p") is None
    ev = events_for(c, "p", "FailedScheduling")[0]
    assert ev["message"] == 'binding rejected: running Bind plugin "DefaultBinder": etcdserver: request timed out'
    cond = [x for x in c.get("pods", "p")["status"]["conditions"] if x["type"] == "PodScheduled"][0]
    assert (cond["reason"], cond["message"]) == ("SchedulerError", ev["message"])
    c.run(2)
    assert node_of(c, "p") == "node-1"
    assert calls == [0.0, 1.0]                 # retried after the 1 s back-off


def _scenario_trace(seed):
    c = new_cluster(seed)
    for i in range(1, 5):
        add_node(c, f"node-{i}", cpu="2", labels={"topology.kubernetes.io/zone": "ab"[i % 2]})
    add_pod(c, "low", cpu="1500m", priority=1, nodeName="node-1")
    for i in range(8):
        add_pod(c, f"p{i}", cpu="300m")
    c.run(1)
    add_pod(c, "big", cpu="1800m", priority=100)
    c.run(5)
    return "\n".join(str(s) for s in c.trace if s.component == "kube-scheduler")


def test_same_seed_same_trace():
    """Determinism (minik8s's own rule): the same cluster and seed give the same decisions, byte for byte."""
    a, b = _scenario_trace(3), _scenario_trace(3)
    assert a == b and "Preempted" in a


def test_large_cluster_trace_is_grouped():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ (the trace stays readable:
    rejections grouped by reason, the three best scores and the chosen node)"""
    c = new_cluster()
    for i in range(1, 31):
        add_node(c, f"node-{i:02d}", cpu="1" if i <= 24 else "4")
    add_pod(c, "web", cpu="2")
    c.run(1)
    step = str([s for s in c.trace if s.key == "default/web"][0])
    assert "filter node-01, node-02, node-03, node-04, node-05, ... (24 nodes): NodeResourcesFit rejects: " \
           "Insufficient cpu" in step
    assert "filter: 6 of 30 nodes pass (30 evaluated)" in step
    # the six 4-CPU nodes tie: the first three are shown, and the chosen one if it is not among them
    chosen = c.get("pods", "web")["spec"]["nodeName"]
    shown = ["node-25", "node-26", "node-27"] + ([chosen] if chosen not in ("node-25", "node-26", "node-27") else [])
    assert [line.split()[2].rstrip(":") for line in step.splitlines() if "observe: score" in line] == shown
    assert "(tie of 6, broken at random)" in step


def test_large_cluster_with_one_feasible_node_is_traced():
    """With one feasible node kube-scheduler skips scoring and binds it
    (https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation);
    the grouped trace of a large cluster says so instead of failing on the missing scores."""
    c = new_cluster()
    for i in range(1, 31):
        add_node(c, f"node-{i:02d}", cpu="1" if i != 17 else "4")
    add_pod(c, "web", cpu="2")
    c.run(1)
    assert c.get("pods", "web")["spec"]["nodeName"] == "node-17"
    step = str([s for s in c.trace if s.key == "default/web"][0])
    assert "filter: 1 of 30 nodes pass (30 evaluated)" in step
    assert "chosen node-17: the only feasible node" in step
    assert "observe: score" not in step


def test_status_updates_leave_the_schedulers_node_cache_alone():
    """The scheduler's cache counts a bound pod by its spec, namespace, labels and whether it is
    terminating (https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/). A
    status update (what kubelets send) changes none of that, so the node keeps the scores it
    remembers; a label change is a different pod to PodTopologySpread, so the node forgets."""
    c = new_cluster()
    add_node(c, "node-1")
    add_pod(c, "web")
    c.run(1)
    sched = c.components["kube-scheduler"]
    ni = sched.node_infos["node-1"]
    ni.scores["sentinel"] = 7
    pod = c.get("pods", "web")
    pod["status"]["phase"] = "Running"
    c.apiserver.update("pods", pod, "default", subresource="status")
    c.run(1)
    assert ni.scores.get("sentinel") == 7
    assert sched.node_infos["node-1"].pods["default/web"].pod["status"]["phase"] == "Running"
    c.apiserver.patch("pods", "web", {"metadata": {"labels": {"app": "web"}}}, "default")
    c.run(1)
    assert "sentinel" not in ni.scores
    assert sched.node_infos["node-1"].pods["default/web"].labels == {"app": "web"}
