"""Admission plugins and the pod registry strategy.
https://kubernetes.io/docs/reference/access-authn-authz/admission-controllers/
"""

from __future__ import annotations

import pytest

from minik8s import ApiError, Cluster
from minik8s.api.admission import default_tolerations, pod_grace_period, qos_class


@pytest.fixture
def c():
    return Cluster(nodes=0)


def pod(name="p", **spec):
    spec.setdefault("containers", [{"name": "app", "image": "nginx"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def res(requests=None, limits=None):
    r = {}
    if requests:
        r["requests"] = requests
    if limits:
        r["limits"] = limits
    return {"name": "c", "image": "x", "resources": r}


@pytest.mark.parametrize("containers,expected", [
    ([res()], "BestEffort"),
    ([res({"cpu": "0"}, {"memory": "0"})], "BestEffort"),            # zero counts as unset
    ([res(limits={"cpu": "1", "memory": "1Gi"})], "Burstable"),      # requests not yet defaulted
    ([res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
    ([res({"cpu": "1000m", "memory": "1024Mi"}, {"cpu": "1", "memory": "1Gi"})], "Guaranteed"),
    ([res({"cpu": "500m", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"})], "Burstable"),
    ([res({"cpu": "1", "memory": "1Gi"}, {"cpu": "1", "memory": "1Gi"}), res()], "Burstable"),
    ([res({"ephemeral-storage": "1Gi"})], "BestEffort"),               # only cpu and memory count
])
def test_qos_class(containers, expected):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/"""
    assert qos_class({"spec": {"containers": containers}}) == expected


def test_guaranteed_when_only_limits_set(c):
    """https://kubernetes.io/docs/tasks/configure-pod-container/quality-service-pod/#create-a-pod-that-gets-assigned-a-qos-class-of-guaranteed
    (requests default to limits, so limits alone make a Guaranteed pod)."""
    p = c.apiserver.create("pods", pod(containers=[res(limits={"cpu": "700m", "memory": "200Mi"})]), "default")
    assert p["status"] == {"phase": "Pending", "qosClass": "Guaranteed"}


def test_default_toleration_seconds():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions"""
    mine = {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
            "tolerationSeconds": 6000}
    out = default_tolerations([mine])
    assert out == [mine, {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
                          "tolerationSeconds": 300}]
    assert default_tolerations([{"operator": "Exists"}]) == [{"operator": "Exists"}]   # tolerates everything


def test_priority_from_priority_class(c):
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/"""
    c.apiserver.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                           "metadata": {"name": "high-priority"}, "value": 1000000,
                                           "globalDefault": False})
    p = c.apiserver.create("pods", pod("a", priorityClassName="high-priority"), "default")
    assert (p["spec"]["priority"], p["spec"]["preemptionPolicy"]) == (1000000, "PreemptLowerPriority")
    p = c.apiserver.create("pods", pod("b", priorityClassName="system-node-critical"), "default")
    assert p["spec"]["priority"] == 2000001000
    with pytest.raises(ApiError) as e:
        c.apiserver.create("pods", pod("x", priorityClassName="nope"), "default")
    assert (e.value.code, e.value.message) == (403, 'pods "x" is forbidden: no PriorityClass with name nope was found')
    with pytest.raises(ApiError) as e:
        c.apiserver.create("pods", pod("y", priorityClassName="high-priority", priority=5), "default")
    assert e.value.message == ('pods "y" is forbidden: the integer value of priority (5) must not be provided in pod '
                               'spec; priority admission controller computed 1000000 from the given PriorityClass name')


def test_global_default_priority_class(c):
    c.apiserver.create("priorityclasses", {"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass",
                                           "metadata": {"name": "everyday"}, "value": 100, "globalDefault": True,
                                           "preemptionPolicy": "Never"})
    p = c.apiserver.create("pods", pod(), "default")
    assert (p["spec"]["priorityClassName"], p["spec"]["priority"], p["spec"]["preemptionPolicy"]) == \
        ("everyday", 100, "Never")


def test_service_account_must_exist(c):
    """https://kubernetes.io/docs/concepts/security/service-accounts/#default-service-accounts: every
    namespace has a ``default`` ServiceAccount (created here with the namespace)."""
    c.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}})
    assert c.apiserver.exists("serviceaccounts", "default", "dev")
    p = c.apiserver.create("pods", pod(), "dev")
    assert p["spec"]["serviceAccountName"] == "default"
    with pytest.raises(ApiError) as e:
        c.apiserver.create("pods", pod("q", serviceAccountName="robot"), "dev")
    assert e.value.message == ('pods "q" is forbidden: error looking up service account dev/robot: '
                               'serviceaccount "robot" not found')


def test_scheduling_gated_pod_status(c):
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-scheduling-readiness/"""
    p = c.apiserver.create("pods", pod(schedulingGates=[{"name": "example.com/foo"}]), "default")
    assert p["status"]["conditions"] == [{"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                                          "lastTransitionTime": None, "reason": "SchedulingGated",
                                          "message": "Scheduling is blocked due to non-empty scheduling gates"}]


@pytest.mark.parametrize("node,phase,requested,expected", [
    (None, "Pending", None, 0),          # never bound: deleted at once
    ("n1", "Running", None, 30),         # spec.terminationGracePeriodSeconds
    ("n1", "Running", 5, 5),             # --grace-period=5
    ("n1", "Running", 0, 0),             # --grace-period=0 --force
    ("n1", "Succeeded", None, 0),        # finished: nothing to stop
    ("n1", "Running", -1, 1),
])
def test_pod_grace_period(node, phase, requested, expected):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    p = {"spec": {"terminationGracePeriodSeconds": 30, **({"nodeName": node} if node else {})},
         "status": {"phase": phase}}
    assert pod_grace_period(p, requested) == expected


def test_graceful_delete_of_a_bound_pod(c):
    c.apiserver.create("pods", pod(nodeName="node-1"), "default")
    out = c.apiserver.delete("pods", "p", "default")
    assert out["metadata"]["deletionGracePeriodSeconds"] == 30 and out["metadata"]["deletionTimestamp"]
    assert c.apiserver.exists("pods", "p", "default")
    c.apiserver.delete("pods", "p", "default", grace_period_seconds=0)
    assert not c.apiserver.exists("pods", "p", "default")


def test_default_storage_class(c):
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#defaultstorageclass
    (the cluster starts with its own default class ``standard``; with several defaults the newest wins)"""
    c.apiserver.create("storageclasses", {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                          "metadata": {"name": "local-path", "annotations": {
                                              "storageclass.kubernetes.io/is-default-class": "true"}},
                                          "provisioner": "rancher.io/local-path"})
    pvc = c.apiserver.create("persistentvolumeclaims", {
        "apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
        "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}, "default")
    assert pvc["spec"]["storageClassName"] == "local-path"
