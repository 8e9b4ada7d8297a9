"""The kube-scheduler plugins as pure functions (minik8s.scheduler.plugins, framework, fast).

Each test names the Kubernetes page that states the rule it pins.
"""

import random

from minik8s.scheduler import fast
from minik8s.scheduler import framework as F
from minik8s.scheduler import profile
from minik8s.scheduler.node_info import NodeInfo, PodInfo, pod_requests
from minik8s.scheduler.plugins import podtopologyspread as T
from minik8s.scheduler.plugins.helper import default_normalize
from minik8s.scheduler.plugins.imagelocality import image_locality
from minik8s.scheduler.plugins.nodeaffinity import node_affinity, node_affinity_score
from minik8s.scheduler.plugins.nodename import node_name
from minik8s.scheduler.plugins.nodeports import node_ports
from minik8s.scheduler.plugins.noderesources import balanced_allocation, fits, least_allocated
from minik8s.scheduler.plugins.nodeunschedulable import node_unschedulable
from minik8s.scheduler.plugins.tainttoleration import taint_toleration, taint_toleration_score, tolerates
from minik8s.scheduler.plugins.imagelocality import image_node_counts
from minik8s.scheduler.queue import SchedulingQueue, backoff_duration
from minik8s.scheduler.status import UNRESOLVABLE, UNSCHEDULABLE, fit_error_message

GI = 2 ** 30
MI = 2 ** 20


def node(name="n1", cpu="2", memory="4Gi", pods="110", labels=None, taints=None, unschedulable=False,
         images=None):
    alloc = {"cpu": cpu, "memory": memory, "pods": pods}
    n = {"apiVersion": "v1", "kind": "Node",
         "metadata": {"name": name, "labels": {"kubernetes.io/hostname": name, **(labels or {})}},
         "spec": {}, "status": {"capacity": dict(alloc), "allocatable": dict(alloc),
                                "conditions": [{"type": "Ready", "status": "True"}]}}
    if taints:
        n["spec"]["taints"] = taints
    if unschedulable:
        n["spec"]["unschedulable"] = True
    if images:
        n["status"]["images"] = images
    return n


def pod(name="p", cpu=None, memory=None, init=None, sidecars=None, node_name=None, **spec):
    req = {}
    if cpu is not None:
        req["cpu"] = cpu
    if memory is not None:
        req["memory"] = memory
    c = {"name": "app", "image": spec.pop("image", "nginx")}
    if req:
        c["resources"] = {"requests": req}
    if "ports" in spec:
        c["ports"] = spec.pop("ports")
    s = {"containers": [c], **spec}
    inits = []
    for i, r in enumerate(init or []):
        inits.append({"name": f"init-{i}", "image": "busybox", "resources": {"requests": r}})
    for i, r in enumerate(sidecars or []):
        inits.append({"name": f"side-{i}", "image": "busybox", "restartPolicy": "Always",
                      "resources": {"requests": r}})
    if inits:
        s["initContainers"] = inits
    if node_name:
        s["nodeName"] = node_name
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": s}


def info(n, *pods):
    ni = NodeInfo(n)
    for p in pods:
        ni.add_pod(PodInfo(p))
    return ni


# --- requests ---------------------------------------------------------------------------------
def test_init_containers_request_is_max_of_app_sum_and_largest_init():
    """https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers"""
    p = pod(cpu="200m", memory="100Mi", init=[{"cpu": "800m", "memory": "50Mi"}, {"cpu": "100m"}])
    p["spec"]["containers"].append({"name": "b", "image": "x", "resources": {"requests": {"cpu": "300m",
                                                                                          "memory": "100Mi"}}})
    assert pod_requests(p) == (800, 200 * MI)


def test_sidecar_requests_add_to_app_and_to_later_init_containers():
    """https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers"""
    p = pod(cpu="200m")
    p["spec"]["initContainers"] = [
        {"name": "side", "image": "b", "restartPolicy": "Always", "resources": {"requests": {"cpu": "100m"}}},
        {"name": "init", "image": "b", "resources": {"requests": {"cpu": "250m"}}},
    ]
    # app 200 + sidecar 100 = 300; the init after the sidecar needs 250 + 100 = 350
    assert pod_requests(p)[0] == 350
    p["spec"]["initContainers"][1]["resources"]["requests"]["cpu"] = "150m"
    assert pod_requests(p)[0] == 300


def test_pod_overhead_is_added():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-overhead/"""
    p = pod(cpu="250m", memory="64Mi", overhead={"cpu": "250m", "memory": "120Mi"})
    assert pod_requests(p) == (500, 184 * MI)


def test_missing_requests_count_as_100m_and_200Mi_only_for_scoring():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/ (non-zero defaults)"""
    p = pod()
    assert pod_requests(p) == (0, 0)
    assert pod_requests(p, non_missing=True) == (100, 200 * MI)


# --- filters --------------------------------------------------------------------------------
def test_tolerations_match_taints():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    taint = {"key": "k", "value": "v", "effect": "NoSchedule"}
    assert tolerates({"key": "k", "operator": "Equal", "value": "v", "effect": "NoSchedule"}, taint)
    assert tolerates({"key": "k", "value": "v"}, taint)                  # empty effect: any
    assert tolerates({"key": "k", "operator": "Exists"}, taint)
    assert tolerates({"operator": "Exists"}, taint)                      # empty key + Exists: all
    assert not tolerates({"key": "k", "value": "w"}, taint)
    assert not tolerates({"key": "k", "operator": "Exists", "effect": "NoExecute"}, taint)
    assert not tolerates({"key": "other", "operator": "Exists"}, taint)


def test_node_unschedulable_unless_tolerated():
    """https://kubernetes.io/docs/concepts/architecture/nodes/#manual-node-administration"""
    n = node(unschedulable=True)
    assert node_unschedulable(pod(), n) == ["node(s) were unschedulable"]
    tol = [{"key": "node.kubernetes.io/unschedulable", "operator": "Exists", "effect": "NoSchedule"}]
    assert node_unschedulable(pod(tolerations=tol), n) == []
    assert node_unschedulable(pod(), node()) == []


def test_node_name_filter():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename"""
    assert node_name(pod(node_name="n1"), node("n1")) == []
    assert node_name(pod(node_name="n2"), node("n1")) == ["node(s) didn't match the requested node name"]


def test_taint_toleration_filter_reports_first_untolerated_taint():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    n = node(taints=[{"key": "soft", "effect": "PreferNoSchedule"},
                     {"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"},
                     {"key": "dedicated", "value": "gpu", "effect": "NoExecute"}])
    assert taint_toleration(pod(), n) == [
        "node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }"]
    tol = [{"key": "node-role.kubernetes.io/control-plane", "operator": "Exists", "effect": "NoSchedule"}]
    assert taint_toleration(pod(tolerations=tol), n) == ["node(s) had untolerated taint {dedicated: gpu}"]
    tol.append({"key": "dedicated", "value": "gpu", "effect": "NoExecute"})
    assert taint_toleration(pod(tolerations=tol), n) == []       # PreferNoSchedule never filters


def _affinity(*terms):
    return {"nodeAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": list(terms)}}}


def test_node_selector_and_required_affinity_operators():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity"""
    n = node(labels={"disktype": "ssd", "cores": "8"})
    bad = ["node(s) didn't match Pod's node affinity/selector"]
    assert node_affinity(pod(nodeSelector={"disktype": "ssd"}), n) == []
    assert node_affinity(pod(nodeSelector={"disktype": "hdd"}), n) == bad

    def req(op, key, values=None):
        e = {"key": key, "operator": op}
        if values is not None:
            e["values"] = values
        return node_affinity(pod(affinity=_affinity({"matchExpressions": [e]})), n)

    assert req("In", "disktype", ["ssd", "nvme"]) == []
    assert req("In", "disktype", ["hdd"]) == bad
    assert req("NotIn", "disktype", ["hdd"]) == []
    assert req("NotIn", "zone", ["a"]) == []                 # absent label: NotIn holds
    assert req("Exists", "disktype") == []
    assert req("Exists", "zone") == bad
    assert req("DoesNotExist", "zone") == []
    assert req("DoesNotExist", "disktype") == bad
    assert req("Gt", "cores", ["4"]) == []
    assert req("Gt", "cores", ["8"]) == bad
    assert req("Lt", "cores", ["16"]) == []
    assert req("Lt", "disktype", ["16"]) == bad              # not an integer


def test_affinity_terms_are_ored_expressions_anded_empty_term_matches_nothing():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity"""
    n = node("n1", labels={"a": "1"})
    t_no = {"matchExpressions": [{"key": "a", "operator": "In", "values": ["1"]},
                                 {"key": "b", "operator": "Exists"}]}
    t_yes = {"matchFields": [{"key": "metadata.name", "operator": "In", "values": ["n1"]}]}
    assert node_affinity(pod(affinity=_affinity(t_no)), n) != []
    assert node_affinity(pod(affinity=_affinity(t_no, t_yes)), n) == []
    assert node_affinity(pod(affinity=_affinity({})), n) != []


def test_node_ports_conflicts():
    """https://kubernetes.io/docs/concepts/configuration/overview/#services (hostPort limits placement)"""
    bad = ["node(s) didn't have free ports for the requested pod ports"]
    n = info(node(), pod("a", ports=[{"containerPort": 80, "hostPort": 8080}]))
    assert node_ports(pod(ports=[{"containerPort": 80, "hostPort": 8080}]), n) == bad
    assert node_ports(pod(ports=[{"containerPort": 80, "hostPort": 8080, "protocol": "UDP"}]), n) == []
    assert node_ports(pod(ports=[{"containerPort": 80, "hostPort": 8081}]), n) == []
    assert node_ports(pod(ports=[{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.1"}]), n) == bad
    n2 = info(node(), pod("a", ports=[{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.1"}]))
    assert node_ports(pod(ports=[{"containerPort": 80, "hostPort": 8080, "hostIP": "10.0.0.2"}]), n2) == []
    assert node_ports(pod(ports=[{"containerPort": 80}]), n) == []        # no hostPort


def test_fits_counts_pods_already_on_the_node():
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled"""
    n = info(node(cpu="1", memory="1Gi", pods="2"), pod("a", cpu="600m", memory="512Mi"))
    assert fits(pod(cpu="400m", memory="512Mi"), n) == []
    assert fits(pod(cpu="401m"), n) == ["Insufficient cpu"]
    assert fits(pod(cpu="500m", memory="600Mi"), n) == ["Insufficient cpu", "Insufficient memory"]
    assert fits(pod(), info(node(cpu="1"), pod("a", cpu="1"))) == []     # no requests: only pod count
    full = info(node(pods="1"), pod("a"))
    assert fits(pod(), full) == ["Too many pods"]


# --- scores ---------------------------------------------------------------------------------
def test_least_allocated():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/"""
    n = info(node(cpu="4", memory="8Gi"), pod("a", cpu="1", memory="2Gi"))
    # cpu (4000-2000)/4000 = 50, memory (8-4)/8 = 50
    assert least_allocated(pod(cpu="1", memory="2Gi"), n) == 50
    # a pod without requests counts as 100m / 200Mi: cpu 2900/4000 -> 72, memory (8Gi-2Gi-200Mi)/8Gi -> 72
    assert least_allocated(pod(), n) == (72 + 72) // 2
    assert least_allocated(pod(cpu="8"), info(node(cpu="4"))) < 50


def test_balanced_allocation():
    """https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins (NodeResourcesBalancedAllocation)"""
    n = info(node(cpu="4", memory="8Gi"))
    assert balanced_allocation(pod(cpu="2", memory="2Gi"), n) == 87     # |0.5-0.25|/2 = 0.125
    assert balanced_allocation(pod(cpu="2", memory="4Gi"), n) == 100


def test_taint_toleration_score_prefers_fewer_prefer_no_schedule_taints():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/ (PreferNoSchedule)"""
    soft = lambda k: {"key": k, "effect": "PreferNoSchedule"}  # noqa: E731
    nodes = [info(node("a")), info(node("b", taints=[soft("x")])), info(node("c", taints=[soft("x"), soft("y")]))]
    raw = [taint_toleration_score(pod(), n) for n in nodes]
    assert raw == [0, 1, 2]
    assert default_normalize(raw, reverse=True) == [100, 50, 0]
    tol = pod(tolerations=[{"key": "x", "operator": "Exists", "effect": "PreferNoSchedule"}])
    assert [taint_toleration_score(tol, n) for n in nodes] == [0, 0, 1]


def test_node_affinity_preferred_weights():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity-weight"""
    pref = [{"weight": 1, "preference": {"matchExpressions": [{"key": "label-1", "operator": "In",
                                                                 "values": ["key-1"]}]}},
            {"weight": 50, "preference": {"matchExpressions": [{"key": "label-2", "operator": "In",
                                                                  "values": ["key-2"]}]}}]
    p = pod(affinity={"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": pref}})
    n1, n2 = info(node("n1", labels={"label-1": "key-1"})), info(node("n2", labels={"label-2": "key-2"}))
    raw = [node_affinity_score(p, n1), node_affinity_score(p, n2)]
    assert raw == [1, 50]
    assert default_normalize(raw) == [2, 100]


def test_image_locality():
    """https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins (ImageLocality)"""
    mb = 1024 * 1024
    images = [{"names": ["docker.io/library/big@sha256:0", "big:1.0"], "sizeBytes": 500 * mb}]
    has, hasnt = info(node("a", images=images)), info(node("b"))
    p = pod(image="big:1.0")
    # 500 MB seen on 1 of 2 nodes -> 250 MB; (250 - 23) * 100 // (1000 - 23)
    assert image_locality(p, has, {"big:1.0": 1}, 2) == 23
    assert image_locality(p, hasnt, {"big:1.0": 1}, 2) == 0
    small = [{"names": ["tiny:latest"], "sizeBytes": 5 * mb}]
    assert image_locality(pod(image="tiny"), info(node("c", images=small)), {"tiny:latest": 1}, 1) == 0


def test_remembered_and_batched_scores_agree_with_scoring_each_node():
    """fast.raw_scores (scores remembered per node and pod signature, or PodTopologySpread's computed
    for all nodes at once) is only a faster way to call the plugin's per-node function: over varied nodes
    (capacity, load, PreferNoSchedule taints, cached images, no memory, zones) and pods, and again
    after pods join some nodes, the raw scores are the same node by node.
    https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins"""
    from minik8s.api.labels import selector_from_object
    rng = random.Random(7)
    mb = 1024 * 1024
    imgs = [{"names": ["nginx:latest"], "sizeBytes": 140 * mb}, {"names": ["busybox:latest"], "sizeBytes": 4 * mb},
            {"names": ["big:1.0"], "sizeBytes": 900 * mb}]
    soft = [{"key": k, "effect": "PreferNoSchedule"} for k in ("x", "y")]
    nodes = []
    for i in range(40):
        n = node(f"n{i}", cpu=rng.choice(["1", "2", "4", "500m"]), memory=rng.choice(["1Gi", "4Gi", "0"]),
                 taints=rng.sample(soft, rng.randrange(3)) or None, images=rng.sample(imgs, rng.randrange(4)) or None)
        if i >= 20 and rng.random() < 0.5:   # the first 20 nodes have no zone: one cluster of each kind
            n["metadata"]["labels"]["topology.kubernetes.io/zone"] = rng.choice(["a", "b", ""])
        nodes.append(info(n))

    def load(i):
        p = pod(f"l{i}", cpu=rng.choice([None, "100m", "700m"]), memory=rng.choice([None, "300Mi"]))
        p["metadata"]["labels"] = {"app": rng.choice(["web", "db"])}
        return PodInfo(p)
    for i in range(60):
        rng.choice(nodes).add_pod(load(i))
    plugins = [sp for sp in profile.default_score_plugins()
               if sp.fn is profile.spread_score or sp.signature is not None]
    assert {sp.name for sp in plugins} >= {"TaintToleration", "NodeResourcesFit", "PodTopologySpread",
                                          "NodeResourcesBalancedAllocation", "ImageLocality"}
    for round_ in range(3):
        for _ in range(25):
            pi = PodInfo(pod(cpu=rng.choice([None, "200m", "3"]), memory=rng.choice([None, "512Mi", "3Gi"]),
                             image=rng.choice(["nginx", "busybox", "big:1.0", "other"]),
                             tolerations=rng.choice([[], [{"key": "x", "operator": "Exists",
                                                           "effect": "PreferNoSchedule"}]])))
            # half of them are replicas of a workload, spread by the system-default constraints
            if rng.random() < 0.5:
                pi.default_selector = selector_from_object({"matchLabels": {"app": "web"}})
            ctx = {"image_nodes": image_node_counts(nodes), "total_nodes": len(nodes)}
            for sp in plugins:
                for feasible in (nodes[:20], nodes):        # without zones; with some
                    if sp.prescore is not None:
                        ctx[sp.name] = sp.prescore(pi, feasible, nodes)
                        if ctx[sp.name] is None:
                            continue
                    assert fast.raw_scores(sp, pi, feasible, ctx) == [int(sp.fn(pi, ni, ctx)) for ni in feasible], \
                        sp.name
        for i in range(10):                       # nodes change: what they remembered must not be reused
            rng.choice(nodes).add_pod(load(f"{round_}-{i}"))


def test_quick_pass_vouches_only_for_nodes_the_three_filters_pass():
    """The scheduler skips NodeUnschedulable, TaintToleration and NodeResourcesFit on nodes
    quick_pass vouches for; it must never vouch for a node one of them rejects.
    https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#filtering"""
    rng = random.Random(11)
    vouched = 0
    for i in range(300):
        n = node(f"n{i}", cpu=rng.choice(["1", "2", "500m"]), memory=rng.choice(["1Gi", "2Gi"]),
                 pods=rng.choice(["1", "2", "110"]), unschedulable=rng.random() < 0.2,
                 taints=rng.choice([None, None, [{"key": "k", "effect": "PreferNoSchedule"}],
                                    [{"key": "k", "effect": "NoSchedule"}]]))
        ni = info(n, *[pod(f"e{i}-{j}", cpu=rng.choice([None, "400m"]), memory=rng.choice([None, "700Mi"]))
                       for j in range(rng.randrange(3))])
        pi = PodInfo(pod(cpu=rng.choice([None, "0", "300m", "1500m"]), memory=rng.choice([None, "600Mi", "2Gi"]),
                         tolerations=rng.choice([[], [{"operator": "Exists"}]])))
        if fast.quick_pass(pi, [ni]) == [True]:
            vouched += 1
            assert [f(pi, ni) for f in fast.QUICK_PASS_COVERS] == [[], [], []], ni
    assert vouched > 30          # it does vouch for ordinary nodes


# --- framework ------------------------------------------------------------------------------
def test_num_feasible_nodes_to_find():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/scheduler-perf-tuning/#percentage-of-nodes-to-score"""
    assert F.num_feasible_nodes_to_find(50) == 50
    assert F.num_feasible_nodes_to_find(100) == 100
    assert F.num_feasible_nodes_to_find(1000) == 420
    assert F.num_feasible_nodes_to_find(5000) == 500
    assert F.num_feasible_nodes_to_find(6000) == 300


def test_fit_error_reasons_are_counted_and_sorted_as_strings():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/ (FailedScheduling)"""
    statuses = [("NodeResourcesFit", UNSCHEDULABLE, ["Insufficient cpu", "Insufficient memory"])] * 10 + \
               [("TaintToleration", UNRESOLVABLE, ["node(s) had untolerated taint {a: b}"])] * 2
    assert fit_error_message(12, statuses) == (
        "0/12 nodes are available: 10 Insufficient cpu, 10 Insufficient memory, "
        "2 node(s) had untolerated taint {a: b}.")


def test_schedule_failure_message_and_preemption_suffix():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#preemption"""
    cp = info(node("cp", taints=[{"key": "node-role.kubernetes.io/control-plane", "effect": "NoSchedule"}]))
    nodes = [cp, info(node("n1", cpu="1")), info(node("n2", cpu="1"))]
    d = F.schedule(pod(cpu="1500m"), nodes, random.Random(0))
    assert d.node is None
    assert d.message == (
        "0/3 nodes are available: 1 node(s) had untolerated taint {node-role.kubernetes.io/control-plane: }, "
        "2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, "
        "2 No preemption victims found for incoming pod..")
    never = pod(cpu="1500m", preemptionPolicy="Never")
    assert F.schedule(never, nodes, random.Random(0)).message.endswith(
        "2 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never..")
    # lower-priority pods whose eviction would still not make room: the filter's reason is reported
    low = pod("low", cpu="200m")
    nodes2 = [info(node("n1", cpu="1"), low)]
    hi = pod("hi", cpu="1500m", priority=1000)
    assert F.schedule(hi, nodes2, random.Random(0)).message == (
        "0/1 nodes are available: 1 Insufficient cpu. preemption: 0/1 nodes are available: 1 Insufficient cpu..")
    assert F.schedule(pod(), [], random.Random(0)).message == "no nodes available to schedule pods"


def test_select_host_breaks_ties_with_the_rng():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation
    ("If there is more than one node with equal scores, kube-scheduler selects one of these at random.")"""
    order = ["a", "b", "c", "d"]
    totals = {"a": 5, "b": 9, "c": 9, "d": 1}
    picks = [F.select_host(order, totals, random.Random(s)) for s in range(30)]
    assert set(picks) == {"b", "c"}
    assert picks == [F.select_host(order, totals, random.Random(s)) for s in range(30)]
    assert F.select_host(order, {"a": 1, "b": 2, "c": 3, "d": 0}, random.Random(0)) == "c"


def test_explain_shows_every_filter_and_score():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#extension-points"""
    nodes = [node("n1", cpu="4", memory="8Gi"), node("n2", cpu="4", memory="8Gi"),
             node("n3", taints=[{"key": "x", "effect": "NoSchedule"}])]
    busy = pod("busy", cpu="2", memory="4Gi", node_name="n1")
    e = F.explain(pod(cpu="500m", memory="1Gi"), nodes, [busy])
    assert e.node == "n2"
    rows = {r["node"]: r for r in e.rows}
    assert rows["n3"]["filters"]["TaintToleration"] == "node(s) had untolerated taint {x: }"
    assert rows["n3"]["filters"]["NodeResourcesFit"] == "ok"      # every filter is shown
    assert rows["n1"]["scores"]["NodeResourcesFit"] < rows["n2"]["scores"]["NodeResourcesFit"]
    assert rows["n2"]["total"] == sum(rows["n2"]["scores"].values())
    assert rows["n2"]["scores"]["TaintToleration"] == 300          # weight 3 x 100
    assert "<- chosen" in str(e)


# --- queue ----------------------------------------------------------------------------------
def test_backoff_doubles_from_1s_to_10s():
    """https://kubernetes.io/docs/reference/config-api/kube-scheduler-config.v1/ (podInitialBackoffSeconds 1,
    podMaxBackoffSeconds 10)"""
    assert [backoff_duration(n) for n in range(1, 7)] == [1, 2, 4, 8, 10, 10]


def test_queue_orders_by_priority_then_arrival():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#effect-of-pod-priority-on-scheduling-order"""
    q = SchedulingQueue()
    q.add(pod("first"), 0.0)
    q.add(pod("urgent", priority=100), 1.0)
    q.add(pod("second"), 0.5)
    q.add(pod("later-urgent", priority=100), 2.0)
    assert [q.pop().key for _ in range(4)] == ["default/urgent", "default/later-urgent",
                                              "default/first", "default/second"]
    assert q.pop() is None


def test_balanced_allocation_is_skipped_for_best_effort_pods():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/#besteffort (no requests): v1.33's
    BalancedAllocation PreScore skips such pods (kubernetes/kubernetes#129138)."""
    nodes = [info(node("a")), info(node("b"))]
    d = F.schedule(pod(), nodes, random.Random(0))
    assert "NodeResourcesBalancedAllocation" not in d.scores["a"]
    assert "NodeResourcesFit" in d.scores["a"]
    d = F.schedule(pod(cpu="100m"), nodes, random.Random(0))
    assert "NodeResourcesBalancedAllocation" in d.scores["a"]


# --- preemption -----------------------------------------------------------------------------
def _prio_pod(name, cpu, prio, start="2025-01-01T00:00:00Z"):
    p = pod(name, cpu=cpu, priority=prio)
    p["status"] = {"startTime": start}
    return p


def test_victims_are_the_fewest_least_important_pods():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#preemption"""
    from minik8s.scheduler.preemption import select_victims_on_node
    ni = info(node(cpu="2"), _prio_pod("a", "1", 5), _prio_pod("b", "500m", 1), _prio_pod("c", "500m", 100))
    victims, rej = select_victims_on_node(PodInfo(pod(cpu="400m", priority=50)), ni, F.first_rejection)
    # removing a and b leaves c 500m + 400m; a (priority 5) is put back first (900 + 1000 fits), b not
    assert rej is None and [v.name for v in victims] == ["b"]
    victims, rej = select_victims_on_node(PodInfo(pod(cpu="600m", priority=50)), ni, F.first_rejection)
    assert [v.name for v in victims] == ["a"]          # 1100 + 1000 > 2000: a goes, b is reprieved
    victims, rej = select_victims_on_node(PodInfo(pod(cpu="1600m", priority=50)), ni, F.first_rejection)
    assert rej == ("NodeResourcesFit", UNSCHEDULABLE, ["Insufficient cpu"])
    victims, rej = select_victims_on_node(PodInfo(pod(cpu="600m", priority=1)), ni, F.first_rejection)
    assert rej[2] == ["No preemption victims found for incoming pod"]


def test_pick_one_node_for_preemption_criteria():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#preemption
    (lowest highest-priority victim, then lowest priority sum, then fewest victims, then latest start)"""
    from minik8s.scheduler.preemption import pick_one_node
    v = lambda n, p, t="2025-01-01T00:00:00Z": PodInfo(_prio_pod(n, "1", p, t))  # noqa: E731
    assert pick_one_node(["a", "b"], {"a": [v("x", 10)], "b": [v("y", 5), v("z", 5)]}) == "b"
    assert pick_one_node(["a", "b"], {"a": [v("x", 5), v("w", 1)], "b": [v("y", 5), v("z", 5)]}) == "a"
    assert pick_one_node(["a", "b"], {"a": [v("x", 5), v("w", 5)], "b": [v("y", 5)]}) == "b"
    assert pick_one_node(["a", "b"], {"a": [v("x", 5, "2025-01-01T00:00:10Z")],
                                      "b": [v("y", 5, "2025-01-01T00:00:20Z")]}) == "b"
    assert pick_one_node(["b", "a"], {"a": [v("x", 5)], "b": [v("y", 5)]}) == "b"


# --- PodTopologySpread --------------------------------------------------------------------------
def _labelled(name, node_name, labels):
    p = pod(name, node_name=node_name)
    p["metadata"]["labels"] = dict(labels)
    return p


def _zones():
    return [node("node1", labels={"zone": "zoneA"}), node("node2", labels={"zone": "zoneA"}),
            node("node3", labels={"zone": "zoneB"}), node("node4", labels={"zone": "zoneB"})]


def test_topology_spread_filter_docs_example_one():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#example-one-topologyspreadconstraint
    (3 foo=bar pods: 2 in zoneA, 1 in zoneB; maxSkew 1 on zone: the new pod can only go to zoneB)"""
    from minik8s.scheduler.framework import explain
    existing = [_labelled("a", "node1", {"foo": "bar"}), _labelled("b", "node2", {"foo": "bar"}),
                _labelled("c", "node3", {"foo": "bar"})]
    mypod = pod("mypod", topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
        "labelSelector": {"matchLabels": {"foo": "bar"}}}])
    mypod["metadata"]["labels"] = {"foo": "bar"}
    e = explain(mypod, _zones(), existing)
    verdicts = {r["node"]: r["filters"]["PodTopologySpread"] for r in e.rows}
    assert verdicts == {"node1": "node(s) didn't match pod topology spread constraints",
                        "node2": "node(s) didn't match pod topology spread constraints",
                        "node3": "ok", "node4": "ok"}
    assert e.node in ("node3", "node4")
    # a node without the topology label cannot take part
    nolabel = node("node5")
    assert T.pod_topology_spread(mypod, nolabel, [NodeInfo(n) for n in _zones()] + [NodeInfo(nolabel)]) == [
        "node(s) didn't match pod topology spread constraints (missing required label)"]


def test_topology_spread_min_domains():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#spread-constraint-definition
    (minDomains: fewer eligible domains than minDomains count the global minimum as 0)"""
    nodes = [node("n1", labels={"zone": "a"}), node("n2", labels={"zone": "b"})]
    existing = [_labelled("x", "n1", {"app": "web"}), _labelled("y", "n2", {"app": "web"})]
    infos = [NodeInfo(n) for n in nodes]
    for ni in infos:
        for p in existing:
            if p["spec"]["nodeName"] == ni.name:
                ni.add_pod(PodInfo(p))
    c = {"maxSkew": 1, "topologyKey": "zone", "whenUnsatisfiable": "DoNotSchedule",
         "labelSelector": {"matchLabels": {"app": "web"}}}
    p = pod("new", topologySpreadConstraints=[c])
    p["metadata"]["labels"] = {"app": "web"}
    assert T.pod_topology_spread(p, infos[0], infos) == []               # 1 + 1 - 1 <= 1
    p["spec"]["topologySpreadConstraints"] = [dict(c, minDomains=3)]
    assert T.pod_topology_spread(PodInfo(p), infos[0], infos) != []      # 1 + 1 - 0 > 1


def test_topology_spread_score_by_hand():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
    (ScheduleAnyway: nodes with fewer matching pods score higher)"""
    nodes = [node(f"n{i}") for i in (1, 2, 3)]
    infos = [NodeInfo(n) for n in nodes]
    for name, where in (("a", 0), ("b", 0), ("c", 1)):
        infos[where].add_pod(PodInfo(_labelled(name, nodes[where]["metadata"]["name"], {"app": "web"})))
    p = pod("new", topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "kubernetes.io/hostname", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app": "web"}}}])
    pi = PodInfo(p)
    state = T.prescore(pi, infos, infos)
    raw = [T.score(pi, ni, state) for ni in infos]
    # weight log(3 + 2) = 1.609: 2 pods -> 3.22 -> 3, 1 pod -> 1.61 -> 2, none -> 0
    assert raw == [3, 2, 0]
    assert T.normalize(raw, infos, state) == [0, 33, 100]


def test_topology_counts_follow_pods_joining_and_leaving_a_node():
    """The per-node memo of matching pods is forgotten when the node's pods change: the counts
    are always those of the pods there now (terminating pods do not count).
    https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/"""
    from minik8s.api.labels import selector_from_object
    ni = NodeInfo(node("n1"))
    sel = selector_from_object({"matchLabels": {"app": "web"}})
    assert T.count_matching(ni, sel, "default") == 0
    ni.add_pod(PodInfo(_labelled("a", "n1", {"app": "web"})))
    ni.add_pod(PodInfo(_labelled("b", "n1", {"app": "db"})))
    assert T.count_matching(ni, sel, "default") == 1
    same = selector_from_object({"matchLabels": {"app": "web"}})      # the next pod's own selector
    ni.add_pod(PodInfo(_labelled("c", "n1", {"app": "web"})))
    assert T.count_matching(ni, same, "default") == 2
    assert T.count_matching(ni, same, "other") == 0
    gone = _labelled("a", "n1", {"app": "web"})
    gone["metadata"]["deletionTimestamp"] = "2026-01-01T00:00:00Z"
    ni.add_pod(PodInfo(gone))                                          # replaces a: now terminating
    assert T.count_matching(ni, sel, "default") == 1
    ni.remove_pod("default/c")
    assert T.count_matching(ni, sel, "default") == 0


def test_default_zone_spreading_counts_unlabelled_nodes_in_the_empty_domain():
    """System-default spreading (hostname maxSkew 3, zone maxSkew 5): a node without the zone
    label gets no zone score, but its pods count in the domain of nodes whose zone is "" (as in
    upstream's initPreScoreState, which keys a missing label as the empty value).
    https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#internal-default-constraints"""
    import math
    from minik8s.api.labels import selector_from_object
    nodes = [node("n1", labels={T.ZONE: ""}), node("n2"), node("n3", labels={T.ZONE: "a"})]
    infos = [NodeInfo(n) for n in nodes]
    for name, where in (("a", 0), ("b", 1), ("c", 1), ("d", 2)):
        infos[where].add_pod(PodInfo(_labelled(name, nodes[where]["metadata"]["name"], {"app": "web"})))
    pi = PodInfo(_labelled("new", None, {"app": "web"}))
    pi.default_selector = selector_from_object({"matchLabels": {"app": "web"}})
    state = T.prescore(pi, infos, infos)
    host_w, zone_w = math.log(3 + 2), math.log(2 + 2)      # 3 nodes; 2 zone domains ("" and "a")
    expect = [math.floor(1 * host_w + 2 + 3 * zone_w + 4 + 0.5),   # n1: its own pod; zone "" holds n1 + n2's
              math.floor(2 * host_w + 2 + 0.5),                    # n2: no zone label, no zone term
              math.floor(1 * host_w + 2 + 1 * zone_w + 4 + 0.5)]   # n3: zone "a"
    assert [T.score(pi, ni, state) for ni in infos] == expect


def test_system_default_spreading_applies_to_replicaset_pods_only():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#internal-default-constraints"""
    rs = {"kind": "ReplicaSet", "spec": {"selector": {"matchLabels": {"app": "web"}}}}
    p = _labelled("web-1", None, {"app": "web", "pod-template-hash": "abc"})
    sel = T.default_selector(p, [], rs)
    assert sel.matches({"app": "web"}) and not sel.matches({"app": "db"})
    svc = {"metadata": {"namespace": "default"}, "spec": {"selector": {"app": "web"}}}
    assert not T.default_selector(p, [svc], None).empty()
    assert T.default_selector(p, [], None).empty()
    pi = PodInfo(p)
    pi.default_selector = sel
    cons = T.constraints_of(pi, "ScheduleAnyway")
    assert [(c.key, c.max_skew) for c in cons] == [("kubernetes.io/hostname", 3), ("topology.kubernetes.io/zone", 5)]
    assert T.constraints_of(pi, "DoNotSchedule") == []


# --- InterPodAffinity ---------------------------------------------------------------------------
def _with_affinity(p, kind, required=None, preferred=None):
    a = {}
    if required:
        a["requiredDuringSchedulingIgnoredDuringExecution"] = required
    if preferred:
        a["preferredDuringSchedulingIgnoredDuringExecution"] = preferred
    p["spec"].setdefault("affinity", {})[kind] = a
    return p


def _term(key, labels):
    return {"topologyKey": key, "labelSelector": {"matchLabels": labels}}


def test_pod_affinity_and_anti_affinity_filters():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity"""
    from minik8s.scheduler.framework import explain
    nodes = [node("n1", labels={"zone": "a"}), node("n2", labels={"zone": "a"}), node("n3", labels={"zone": "b"})]
    cache = _labelled("cache", "n1", {"app": "cache"})
    web = _with_affinity(_labelled("web", None, {"app": "web"}), "podAffinity",
                         required=[_term("zone", {"app": "cache"})])
    rows = {r["node"]: r["filters"]["InterPodAffinity"] for r in explain(web, nodes, [cache]).rows}
    assert rows == {"n1": "ok", "n2": "ok", "n3": "node(s) didn't match pod affinity rules"}
    lonely = _with_affinity(_labelled("web", None, {"app": "web"}), "podAntiAffinity",
                            required=[_term("kubernetes.io/hostname", {"app": "cache"})])
    rows = {r["node"]: r["filters"]["InterPodAffinity"] for r in explain(lonely, nodes, [cache]).rows}
    assert rows == {"n1": "node(s) didn't match pod anti-affinity rules", "n2": "ok", "n3": "ok"}


def test_existing_pods_anti_affinity_is_symmetric():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
    (an existing pod's required anti-affinity keeps matching pods out of its domain)"""
    from minik8s.scheduler.framework import explain
    nodes = [node("n1", labels={"zone": "a"}), node("n2", labels={"zone": "b"})]
    loner = _with_affinity(_labelled("loner", "n1", {"app": "db"}), "podAntiAffinity",
                           required=[_term("zone", {"app": "web"})])
    e = explain(_labelled("web", None, {"app": "web"}), nodes, [loner])
    rows = {r["node"]: r["filters"]["InterPodAffinity"] for r in e.rows}
    assert rows == {"n1": "node(s) didn't satisfy existing pods anti-affinity rules", "n2": "ok"}
    assert e.node == "n2"


def test_first_pod_of_a_self_affine_group_may_start_anywhere():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#more-practical-use-cases"""
    from minik8s.scheduler.framework import explain
    p = _with_affinity(_labelled("first", None, {"app": "store"}), "podAffinity",
                       required=[_term("kubernetes.io/hostname", {"app": "store"})])
    assert explain(p, [node("n1"), node("n2")], []).node in ("n1", "n2")
    other = _with_affinity(_labelled("first", None, {"app": "web"}), "podAffinity",
                           required=[_term("kubernetes.io/hostname", {"app": "store"})])
    assert explain(other, [node("n1"), node("n2")], []).node is None


def test_preferred_pod_affinity_scores():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
    (preferred terms add their weight where matching pods run; anti-affinity subtracts)"""
    from minik8s.scheduler.framework import explain
    nodes = [node("n1", cpu="4", memory="8Gi"), node("n2", cpu="4", memory="8Gi"), node("n3", cpu="4", memory="8Gi")]
    pods = [_labelled("c", "n1", {"app": "cache"}), _labelled("x", "n3", {"app": "noisy"})]
    web = _with_affinity(_labelled("web", None, {"app": "web"}), "podAffinity",
                         preferred=[{"weight": 80, "podAffinityTerm": _term("kubernetes.io/hostname",
                                                                            {"app": "cache"})}])
    _with_affinity(web, "podAntiAffinity",
                   preferred=[{"weight": 20, "podAffinityTerm": _term("kubernetes.io/hostname", {"app": "noisy"})}])
    e = explain(web, nodes, pods)
    scores = {r["node"]: r["scores"]["InterPodAffinity"] for r in e.rows}
    # raw 80, 0, -20 -> (s - min) / (max - min) * 100 -> 100, 20, 0; weight 2
    assert scores == {"n1": 200, "n2": 40, "n3": 0}
    assert e.node == "n1"


def test_explanation_renders_in_a_notebook():
    """The explain table (kube-scheduler-simulator's view) as HTML: escaped, chosen node marked."""
    e = F.explain(pod(cpu="1"), [node("a"), node("b", cpu="4")])
    html = e._repr_html_()
    assert "<th>NodeResourcesFit</th>" in html and "&lt;- chosen" in html
    assert e.node == "b"
