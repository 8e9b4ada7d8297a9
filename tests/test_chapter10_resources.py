"""Behaviour chapter 10 of the book relies on (book/ch10-resources.md: requests and limits, QoS
classes, OOMKilled, node-pressure eviction, swap), pinned against the documented defaults so that
an engine change which would silently change the chapter's story fails here."""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.api.quantity import memory_bytes
from minik8s.runtime.process import MiB


def test_allocatable_memory_is_capacity_less_the_hard_eviction_threshold():
    """A default kubelet reserves its hard eviction threshold (memory.available<100Mi) out of the
    node's allocatable memory: ``[Allocatable] = [Node Capacity] - [kube-reserved] - [system-reserved]
    - [Hard-Eviction-Threshold]``
    (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable).
    CPU and pods have no reservation by default."""
    c = Cluster(nodes=[{"name": "node-1", "memory": "4Gi"}, {"name": "node-2", "memory": "2Gi",
                                                             "evictionHard": "500Mi"}], seed=0)
    n1, n2 = c.get("node", "node-1")["status"], c.get("node", "node-2")["status"]
    assert n1["capacity"]["memory"] == "4Gi" and n1["allocatable"]["memory"] == "3996Mi"
    assert n1["allocatable"]["cpu"] == n1["capacity"]["cpu"] == "2"
    assert n1["allocatable"]["pods"] == "110"
    assert memory_bytes(n2["allocatable"]["memory"]) == 2048 * MiB - 500 * MiB
    out = c.kubectl("describe node node-1")
    assert "Capacity:\n" in out and "  memory:             4Gi\n" in out
    assert "Allocatable:\n" in out and "  memory:             3996Mi\n" in out


def app_pod(name, memory=0, growth=0, cpu=0, requests=None, limits=None, node=None, **spec):
    """A Pod of the chapter's teaching app (MEMORY_MB, MEMORY_GROWTH_MB, CPU_MILLICORES)."""
    ctr = {"name": "app", "image": "minik8s/app:1.0",
           "env": [{"name": "MEMORY_MB", "value": str(memory)}, {"name": "MEMORY_GROWTH_MB", "value": str(growth)},
                   {"name": "CPU_MILLICORES", "value": str(cpu)}]}
    res = {k: v for k, v in (("requests", requests), ("limits", limits)) if v}
    if res:
        ctr["resources"] = res
    s = {"containers": [ctr]}
    if node:
        s["nodeSelector"] = {"kubernetes.io/hostname": node}
    s.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": s}


THREE = [app_pod("db", 400, requests={"cpu": "500m", "memory": "512Mi"}, limits={"cpu": "500m", "memory": "512Mi"},
                 node="node-1"),
         app_pod("web", 200, requests={"cpu": "250m", "memory": "256Mi"}, limits={"memory": "512Mi"}, node="node-1"),
         app_pod("cache", 150, node="node-1")]


def two_nodes():
    c = Cluster(nodes=[{"name": "node-1", "cpu": "2", "memory": "2Gi"},
                       {"name": "node-2", "cpu": "2", "memory": "2Gi"}], seed=0)
    for p in THREE:
        c.apply(p)
    c.run(10)
    return c


def test_qos_classes_and_oom_score_adj_of_the_three_pods():
    """Guaranteed (requests = limits for cpu and memory), Burstable (a request), BestEffort (nothing)
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/); oom_score_adj -997, 1000 and
    1000 - 1000 x 256Mi / 2048Mi = 875 for the Burstable one
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior)."""
    c = two_nodes()
    kl = c.kubelets["node-1"]
    got = {}
    for name in ("db", "web", "cache"):
        cid = kl.workers[f"default/{name}"].containers["app"].cid
        got[name] = (c.get("pod", name)["status"]["qosClass"], kl.runtime.containers[cid].oom_score_adj)
    assert got == {"db": ("Guaranteed", -997), "web": ("Burstable", 875), "cache": ("BestEffort", 1000)}


def test_describe_node_allocated_resources_counts_requests_in_percent_of_allocatable():
    """kubectl describe node: Allocated resources = sums of the node's Pods' requests and limits,
    in percent of allocatable (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled)."""
    out = two_nodes().kubectl("describe node node-1")
    assert "  cpu                750m (37%)   500m (25%)\n" in out
    assert "  memory             768Mi (39%)  1Gi (52%)\n" in out


def test_the_scheduler_counts_requests_not_usage():
    """Six Pods requesting 600m each, on node-1 (750m already requested) and node-2: 2 + 3 fit in 2
    CPUs, the sixth is Pending with FailedScheduling "Insufficient cpu", although every Pod is idle
    (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled)."""
    c = two_nodes()
    c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "batch"},
             "spec": {"replicas": 6, "selector": {"matchLabels": {"app": "batch"}},
                      "template": {"metadata": {"labels": {"app": "batch"}}, "spec": {"containers": [{
                          "name": "app", "image": "minik8s/app:1.0",
                          "resources": {"requests": {"cpu": "600m", "memory": "64Mi"}}}]}}}})
    c.run(10)
    pods = c.list("pods", selector="app=batch")
    per_node = {}
    for p in pods:
        n = p["spec"].get("nodeName") or "Pending"
        per_node[n] = per_node.get(n, 0) + 1
    assert per_node == {"node-1": 2, "node-2": 3, "Pending": 1}
    pending = next(p for p in pods if not p["spec"].get("nodeName"))["metadata"]["name"]
    assert ("0/2 nodes are available: 2 Insufficient cpu. preemption: 0/2 nodes are available: 2 No preemption "
            "victims found for incoming pod.") in c.kubectl(f"describe pod {pending}")


def test_cgroup_files_from_requests_and_limits_and_cpu_throttling():
    """cpu.max = limit x 100000 / 1000 per 100 ms period; cpu.weight from the request (cgroup v2
    conversion of cpu.shares = millicores x 1024 / 1000); memory.max = the memory limit
    (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run).
    A container wanting a whole core under a 300m limit runs at 300m and is throttled every period."""
    c = two_nodes()
    files = {}
    for pod in ("db", "web", "cache"):
        files[pod] = c.kubectl(f"exec {pod} -- cat /sys/fs/cgroup/cpu.max /sys/fs/cgroup/cpu.weight "
                               "/sys/fs/cgroup/memory.max").split("\n")[:3]
    assert files == {"db": ["50000 100000", "20", str(512 * MiB)], "web": ["max 100000", "10", str(512 * MiB)],
                     "cache": ["max 100000", "1", "max"]}
    c.apply(app_pod("spin", cpu=1000, limits={"cpu": "300m", "memory": "64Mi"}))
    c.run(20)
    assert c.kubectl("top pod spin").split("\n")[1].split()[1] == "300m"
    stat = dict(line.split() for line in c.kubectl("exec spin -- cat /sys/fs/cgroup/cpu.stat").strip().split("\n"))
    assert int(stat["nr_throttled"]) == int(stat["nr_periods"]) > 0
    # runs 30 ms, waits 70 ms of every 100 ms period
    assert int(stat["throttled_usec"]) == pytest.approx(int(stat["usage_usec"]) * 7 / 3, rel=1e-3)


def test_memory_limit_oomkilled_exit_137():
    """A container over its memory limit is OOM-killed: reason OOMKilled, exit code 137 (128 + SIGKILL),
    and with restartPolicy Never the Pod is Failed with STATUS OOMKilled
    (https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-containers-memory-limit)."""
    c = two_nodes()
    c.apply(app_pod("leak", 64, 16, requests={"memory": "64Mi"}, limits={"memory": "128Mi"}, restartPolicy="Never"))
    c.run(10)
    pod = c.get("pod", "leak")
    term = pod["status"]["containerStatuses"][0]["state"]["terminated"]
    assert (term["reason"], term["exitCode"], pod["status"]["phase"]) == ("OOMKilled", 137, "Failed")
    assert c.kubectl("get pod leak").split("\n")[1].split()[2] == "OOMKilled"


def test_eviction_defaults_of_the_kubelet():
    """Linux defaults: hard threshold memory.available<100Mi, a look every 10 s, MemoryPressure kept 5
    minutes after the threshold was last met, hard eviction with no grace period beyond 1 s
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#hard-eviction-thresholds,
    https://kubernetes.io/docs/reference/config-api/kubelet-config.v1beta1/)."""
    from minik8s.kubelet import config as C
    assert C.EVICTION_HARD_MEMORY_AVAILABLE == "100Mi"
    assert C.EVICTION_MONITORING_PERIOD == 10.0
    assert C.EVICTION_PRESSURE_TRANSITION_PERIOD == 300.0
    assert C.DEFAULT_SWAP_BEHAVIOR == "NoSwap"


def test_node_pressure_eviction_story_of_the_chapter():
    """The chapter's `report` (Burstable, requests 128Mi, leaks 8 MiB/s) drives node-1 under
    memory.available<100Mi: MemoryPressure=True, taint node.kubernetes.io/memory-pressure:NoSchedule,
    `report` (most above its request) is evicted — not `cache` (BestEffort, 150Mi above its zero request),
    not `db` (Guaranteed): phase Failed, reason Evicted, the kubelet's message; kubectl's STATUS shows
    the container's own reason (Completed). A BestEffort Pod sent to the node then is refused with
    "The node had condition: [MemoryPressure]. " (STATUS Evicted)
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#pod-selection-for-kubelet-eviction,
    #node-conditions)."""
    c = two_nodes()
    c.apply(app_pod("report", 200, 8, requests={"memory": "128Mi"}, node="node-1"))
    c.run(60)
    fates = {p["metadata"]["name"]: (p["status"]["phase"], p["status"].get("reason"))
             for p in c.list("pods")}
    assert fates == {"db": ("Running", None), "web": ("Running", None), "cache": ("Running", None),
                     "report": ("Failed", "Evicted")}
    msg = c.get("pod", "report")["status"]["message"]
    assert msg.startswith("The node was low on resource: memory. Threshold quantity: 100Mi, available: ")
    assert msg.endswith("request is 128Mi, has larger consumption of memory. ")
    node = c.get("node", "node-1")
    assert {x["type"]: x["status"] for x in node["status"]["conditions"]}["MemoryPressure"] == "True"
    assert node["spec"]["taints"] == [{"key": "node.kubernetes.io/memory-pressure", "effect": "NoSchedule"}]
    rows = {line.split()[0]: line.split()[2] for line in c.kubectl("get pods").strip().split("\n")[1:]}
    assert rows["report"] == "Completed"
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "late"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "minik8s/app:1.0"}]}})
    c.run(2)
    late = c.get("pod", "late")["status"]
    assert (late["phase"], late["reason"], late["message"]) == ("Failed", "Evicted",
                                                                "The node had condition: [MemoryPressure]. ")
    assert c.kubectl("get pod late").split("\n")[1].split()[2] == "Evicted"


def test_swap_off_by_default_and_limited_swap_formula():
    """failSwapOn (default true): the kubelet does not start on a node with swap; with
    failSwapOn: false and LimitedSwap a Burstable container gets
    containerMemoryRequest / nodeTotalMemory x totalPodsSwapAvailable = 256Mi / 4Gi x 2Gi = 128Mi
    of swap and lives past its limit, while on a node without swap the same Pod is OOMKilled
    (https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#how-is-the-swap-limit-being-determined-with-limitedswap)."""
    c = two_nodes()
    c.add_node({"name": "node-3", "memory": "2Gi", "swap": "2Gi"})
    c.run(5)
    assert c.kubelets["node-3"].start_error.startswith("failed to run Kubelet: running with swap on is not supported")
    assert "node-3" not in c.kubectl("get nodes")
    c.add_node({"name": "node-4", "memory": "4Gi", "swap": "2Gi", "failSwapOn": False, "swapBehavior": "LimitedSwap"})
    c.run(5)
    for node in ("node-2", "node-4"):
        p = app_pod(f"swappy-{node}", 300, 50, requests={"memory": "256Mi"}, limits={"memory": "512Mi"})
        p["spec"]["nodeName"] = node
        c.apply(p)
    c.run(2)
    assert c.kubectl("exec swappy-node-2 -- cat /sys/fs/cgroup/memory.swap.max").strip() == "0"
    assert c.kubectl("exec swappy-node-4 -- cat /sys/fs/cgroup/memory.swap.max").strip() == str(128 * MiB)
    c.run(6)
    s2 = c.get("pod", "swappy-node-2")["status"]["containerStatuses"][0]
    s4 = c.get("pod", "swappy-node-4")["status"]["containerStatuses"][0]
    assert s2["restartCount"] == 1 and s2["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert s4["restartCount"] == 0
    assert int(c.kubectl("exec swappy-node-4 -- cat /sys/fs/cgroup/memory.swap.current")) > 0


def test_limited_swap_table_of_the_chapter():
    """Only Burstable containers swap; request == limit opts out; no memory request, no swap
    (https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#how-is-the-swap-limit-being-determined-with-limitedswap)."""
    from minik8s.kubelet.eviction import swap_limit

    def ctr(requests=None, limits=None):
        return {"name": "app", "resources": {"requests": requests or {}, "limits": limits or {}}}
    cases = [(ctr({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), 0),
             (ctr(), 0),
             (ctr({"memory": "256Mi"}, {"memory": "512Mi"}), 128 * MiB),
             (ctr({"memory": "1Gi"}), 512 * MiB),
             (ctr({"cpu": "100m", "memory": "512Mi"}, {"memory": "512Mi"}), 0),
             (ctr({"cpu": "500m"}), 0)]
    for container, want in cases:
        spec = {"containers": [container]}
        assert swap_limit(spec, container, 4096 * MiB, 2048 * MiB, "LimitedSwap") == want
    critical = {"priority": 2000000000, "containers": [ctr({"memory": "1Gi"})]}     # system-cluster-critical
    assert swap_limit(critical, critical["containers"][0], 4096 * MiB, 2048 * MiB, "LimitedSwap") == 0


def test_resources_diagram_draws_the_node_and_its_pods_by_qos_class():
    """The chapter's diagram, read from the live cluster: capacity, allocatable, the requests' sum and
    one box per QoS class (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/)."""
    from minik8s.viz.resources import resources_diagram
    d = resources_diagram(two_nodes(), "node-1")
    src = d.source
    assert "allocatable: 2 CPU / 1948Mi" in src and "requested: 750m (37%) / 768Mi (39%)" in src
    for qos in ("Guaranteed", "Burstable", "BestEffort"):
        assert f"cluster_{qos}" in src
    assert d.svg().startswith("<svg")


def test_allocatable_ephemeral_storage_is_capacity_less_ten_percent():
    """The default hard threshold nodefs.available<10% is reserved out of allocatable
    ephemeral-storage too; the kubelet takes the percentage as a float32 of the capacity
    (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#eviction-thresholds,
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#hard-eviction-thresholds)."""
    c = Cluster(nodes=1, seed=0)
    st = c.get("node", "node-1")["status"]
    assert st["capacity"]["ephemeral-storage"] == "61255492Ki"
    cap = memory_bytes(st["capacity"]["ephemeral-storage"])
    assert st["allocatable"]["ephemeral-storage"] == "56453061334"
    assert abs(memory_bytes(st["allocatable"]["ephemeral-storage"]) - cap * 0.9) < 100


def test_memory_available_falls_with_the_leak_and_eviction_follows_within_one_look():
    """memory.available = capacity - working set of the node; the kubelet looks every 10 s, so once
    the signal is below 100Mi the Pod is evicted at the next look, at most 10 s later
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#eviction-monitoring-interval)."""
    c = two_nodes()
    c.apply(app_pod("report", 200, 8, requests={"memory": "128Mi"}, node="node-1"))
    kl = c.kubelets["node-1"]
    samples, below_at, evicted_at = [], None, None
    for _ in range(60):
        c.run(1)
        samples.append(kl.eviction.available())
        if below_at is None and samples[-1] < 100 * MiB:
            below_at = c.now
        if evicted_at is None and c.get("pod", "report")["status"].get("reason") == "Evicted":
            evicted_at = c.now
    assert below_at is not None and evicted_at is not None and 0 <= evicted_at - below_at <= 10
    growing = [a - b for a, b in zip(samples, samples[1:]) if b >= 100 * MiB and a > b]
    assert growing and all(d == 8 * MiB for d in growing)
    assert samples[-1] > 600 * MiB             # the evicted Pod's memory is back
