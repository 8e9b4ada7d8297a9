"""Requests and limits, QoS classes, OOMKilled at the memory limit, oom_score_adj.

Docs: https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/ ,
https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/ ,
https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior .
"""

from __future__ import annotations

import re

import pytest

from minik8s.api.quantity import memory_bytes
from minik8s.errors import ApiError
from minik8s.kubelet.eviction import oom_score_adj
from minik8s.runtime.container import BASE_RSS
from minik8s.runtime.process import MiB
from pod_helpers import Run, cluster, pod


def ctr(name="app", requests=None, limits=None, image="pods-test/hog:1.0", args=None):
    c = {"name": name, "image": image}
    res = {}
    if requests:
        res["requests"] = requests
    if limits:
        res["limits"] = limits
    if res:
        c["resources"] = res
    if args is not None:
        c["args"] = [str(a) for a in args]
    return c


@pytest.mark.parametrize("containers,init,qos", [
    ([ctr(limits={"cpu": "500m", "memory": "128Mi"})], None, "Guaranteed"),          # requests default to limits
    ([ctr(requests={"cpu": "0.5", "memory": "128Mi"}, limits={"cpu": "500m", "memory": "134217728"})], None,
     "Guaranteed"),                                                                  # equal quantities, any spelling
    ([ctr(requests={"memory": "64Mi"})], None, "Burstable"),
    ([ctr(limits={"cpu": "1", "memory": "1Gi"}), ctr("b")], None, "Burstable"),
    ([ctr()], None, "BestEffort"),
    ([ctr(limits={"cpu": "1", "memory": "1Gi"})], [ctr("init")], "Burstable"),       # init containers count
    ([ctr()], [ctr("init", requests={"cpu": "100m"})], "Burstable"),
])
def test_qos_class(containers, init, qos):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/ (init containers included)."""
    c = cluster()
    Run(c, pod("q", containers, init=init))
    p = c.get("pods", "q")
    assert p["status"]["qosClass"] == qos
    assert re.search(rf"\nQoS Class: +{qos}\n", c.kubectl("describe pod q"))


def test_request_above_limit_is_invalid():
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits"""
    c = cluster()
    with pytest.raises(ApiError) as e:
        c.apply(pod("bad", [ctr(requests={"cpu": "2"}, limits={"cpu": "1"})]))
    assert 'spec.containers[0].resources.requests: Invalid value: "2": must be less than or equal to cpu ' \
           "limit of 1" in str(e.value)


def test_invalid_quantity_is_rejected_with_kubernetes_words():
    """https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/"""
    c = cluster()
    out = c.kubectl("apply -f -", stdin="""
apiVersion: v1
kind: Pod
metadata: {name: bad}
spec:
  containers:
  - name: app
    image: nginx:1.27
    resources: {limits: {memory: 12 GB}}
""")
    assert "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'" in out


def test_container_over_its_memory_limit_is_oom_killed_and_restarted():
    """A container that allocates more than its memory limit is OOMKilled (exit 137) and restarted
    under restartPolicy Always. https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-containers-memory-limit"""
    c = cluster()
    # 5 MiB at start, 10 MiB more each second, limit 64Mi: over it after k seconds
    r = Run(c, pod("leak", [ctr(limits={"memory": "64Mi"}, args=[5, 10])]))
    limit = 64 * MiB
    k = next(s for s in range(1, 100) if BASE_RSS + 5 * MiB + 10 * MiB * s > limit)
    r.run_to(k - 0.1)
    assert r.cs()["restartCount"] == 0
    r.run_to(k + 0.001)
    cs = r.cs()
    assert cs["restartCount"] == 1
    term = cs["lastState"]["terminated"]
    assert (term["reason"], term["exitCode"]) == ("OOMKilled", 137)
    r.run_to(2 * k + 0.001)                  # killed again: now the back-off holds it
    assert r.cs()["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert r.get_pods()[2] == "CrashLoopBackOff"


def test_oom_killed_with_restart_policy_never_shows_oomkilled():
    """kubectl STATUS shows the terminated reason OOMKilled; the pod Fails.
    https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-containers-memory-limit"""
    c = cluster()
    r = Run(c, pod("memory-demo-2", [ctr(limits={"memory": "100Mi"}, requests={"memory": "50Mi"}, args=[250])],
                   restartPolicy="Never"))
    r.run_to(1)
    assert r.get_pods()[1:3] == ["0/1", "OOMKilled"]
    assert r.status()["phase"] == "Failed"
    out = c.kubectl("describe pod memory-demo-2")
    assert "    State:          Terminated\n      Reason:       OOMKilled\n      Exit Code:    137\n" in out
    assert "    Limits:\n      memory:  100Mi\n    Requests:\n      memory:     50Mi\n" in out


@pytest.mark.parametrize("containers,want", [
    ([ctr(limits={"cpu": "1", "memory": "1Gi"})], -997),                   # Guaranteed
    ([ctr()], 1000),                                                       # BestEffort
    ([ctr(requests={"memory": "1Gi"})], 750),                              # 1000 - 1000*1Gi/4Gi
    ([ctr(requests={"memory": "4Gi"})], 3),                                # clamped up to 1000 + (-997)
    ([ctr(requests={"memory": "1"})], 999),                                # never as low as BestEffort
    ([ctr(requests={"memory": "100Mi"})], 1000 - (1000 * 100 * MiB) // (4 * 1024 * MiB)),
])
def test_oom_score_adj_per_qos(containers, want):
    """GetContainerOOMScoreAdjust, on a 4Gi node.
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior"""
    spec = {"containers": containers}
    assert oom_score_adj(spec, containers[0], memory_bytes("4Gi")) == want


def test_sidecar_oom_score_adj_is_not_above_the_app_containers():
    """pkg/kubelet/qos/policy.go: a sidecar's adjustment matches or falls below the regular
    containers' (computed from the smallest regular memory request)."""
    app = ctr(requests={"memory": "1Gi"})
    side = dict(ctr("proxy", requests={"memory": "100Mi"}), restartPolicy="Always")
    spec = {"containers": [app], "initContainers": [side]}
    assert oom_score_adj(spec, side, memory_bytes("4Gi")) == 750
    assert oom_score_adj({"priorityClassName": "system-node-critical", "containers": [ctr()]}, ctr(),
                         memory_bytes("4Gi")) == -997


def test_kubelet_sets_oom_score_adj_on_each_container():
    c = cluster(memory="4Gi")
    Run(c, pod("b", [ctr(requests={"memory": "1Gi"})])).run_to(0.1)
    kl = c.kubelets["node-1"]
    cid = kl.workers["default/b"].containers["app"].cid
    assert kl.runtime.containers[cid].oom_score_adj == 750
