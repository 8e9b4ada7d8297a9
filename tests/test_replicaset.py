"""ReplicaSet controller scenarios.

https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/
"""

from minik8s.controllers.podutil import rank_pods_for_deletion, slow_start_batches
from minik8s.api.meta import rfc3339

from ctrl_helpers import make_cluster, names, run_all, template, finish_deleting


def rs_manifest(name="frontend", replicas=3, labels=None, min_ready=0):
    labels = labels or {"tier": name}
    spec = {"replicas": replicas, "selector": {"matchLabels": dict(labels)}, "template": template(labels)}
    if min_ready:
        spec["minReadySeconds"] = min_ready
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name}, "spec": spec}


def test_creates_replicas_with_generated_names_and_owner_refs():
    """Pods are named <rs>-<5 chars> and controlled by the ReplicaSet (ownerReferences, controller: true)."""
    c = make_cluster()
    c.apply(rs_manifest(replicas=3))
    c.run(1)
    pods = c.list("pods")
    assert len(pods) == 3
    rs = c.get("rs", "frontend")
    for p in pods:
        name = p["metadata"]["name"]
        assert name.startswith("frontend-") and len(name) == len("frontend-") + 5
        ref = p["metadata"]["ownerReferences"][0]
        assert ref == {"apiVersion": "apps/v1", "kind": "ReplicaSet", "name": "frontend",
                       "uid": rs["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    reasons = [e["reason"] for e in c.events() if e["involvedObject"]["kind"] == "ReplicaSet"]
    assert reasons.count("SuccessfulCreate") == 3
    msgs = sorted(e["message"] for e in c.events() if e["reason"] == "SuccessfulCreate")
    assert msgs == sorted(f"Created pod: {n}" for n in names(pods))
    assert rs["status"]["replicas"] == 3 and rs["status"]["observedGeneration"] == 1
    assert "readyReplicas" not in rs["status"]


def test_status_ready_and_available_with_min_ready_seconds():
    """availableReplicas counts pods ready for minReadySeconds
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#min-ready-seconds)."""
    c = make_cluster()
    c.apply(rs_manifest(replicas=2, min_ready=10))
    c.run(1)
    run_all(c)
    c.run(1)
    st = c.get("rs", "frontend")["status"]
    assert st["readyReplicas"] == 2 and st.get("availableReplicas", 0) == 0
    assert st["fullyLabeledReplicas"] == 2
    c.run(12)
    assert c.get("rs", "frontend")["status"]["availableReplicas"] == 2


def test_replaces_deleted_pod_and_scales_down():
    c = make_cluster()
    c.apply(rs_manifest(replicas=3))
    c.run(1)
    victim = names(c.list("pods"))[0]
    c.delete("pod", victim)
    finish_deleting(c)
    c.run(1)
    live = [p for p in c.list("pods") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 3 and victim not in names(live)
    c.apiserver.patch("rs", "frontend", {"spec": {"replicas": 1}}, "default")
    c.run(1)
    live = [p for p in c.list("pods") if not p["metadata"].get("deletionTimestamp")]
    assert len(live) == 1
    assert sum(1 for e in c.events() if e["reason"] == "SuccessfulDelete") == 2


def test_adopts_matching_orphans_and_releases_relabelled_pods():
    """A ReplicaSet acquires pods that match its selector and have no controller
    (https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#non-template-pod-acquisitions);
    relabelling a pod out of the selector removes it from the set
    (.../replicaset/#isolating-pods-from-a-replicaset)."""
    c = make_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "pod1", "labels": {"tier": "frontend"}},
             "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    c.apply(rs_manifest(replicas=2))
    c.run(1)
    pods = c.list("pods")
    assert len(pods) == 2 and "pod1" in names(pods)
    assert c.get("pod", "pod1")["metadata"]["ownerReferences"][0]["name"] == "frontend"
    c.apiserver.patch("pods", "pod1", {"metadata": {"labels": {"tier": "debug"}}}, "default")
    c.run(1)
    assert "ownerReferences" not in c.get("pod", "pod1")["metadata"]
    assert len(c.list("pods", selector="tier=frontend")) == 2


def test_slow_start_batches():
    """slowStartBatch: 1, 2, 4, 8, ... (pkg/controller/replicaset/replica_set.go)."""
    assert slow_start_batches(10) == [1, 2, 4, 3]
    assert slow_start_batches(1) == [1]
    assert slow_start_batches(0) == []


def _pod(name, node="", phase="Running", ready=True, ready_at=0.0, created=0.0, restarts=0, cost=None):
    md = {"name": name, "uid": name, "creationTimestamp": rfc3339(created)}
    if cost is not None:
        md["annotations"] = {"controller.kubernetes.io/pod-deletion-cost": str(cost)}
    conds = [{"type": "Ready", "status": "True" if ready else "False", "lastTransitionTime": rfc3339(ready_at)}]
    return {"metadata": md, "spec": {"nodeName": node},
            "status": {"phase": phase, "conditions": conds,
                       "containerStatuses": [{"name": "c", "restartCount": restarts}]}}


def test_scale_down_ranking_follows_upstream_order():
    """https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#scaling-a-replicaset :
    pending/unscheduled first, then lower deletion cost, more replicas on a node, ready less time,
    more restarts, newer (log-scale buckets)."""
    now = 10000.0
    unassigned = _pod("a-unassigned", node="", phase="Pending", ready=False)
    pending = _pod("b-pending", node="n1", phase="Pending", ready=False)
    unknown = _pod("c-unknown", node="n1", phase="Unknown", ready=False)
    notready = _pod("d-notready", node="n1", ready=False)
    cheap = _pod("e-cheap", node="n2", cost=-5)
    ready = _pod("f-ready", node="n3")
    pods = [ready, cheap, notready, unknown, pending, unassigned]
    ranked = rank_pods_for_deletion(pods, pods, now)
    assert [p["metadata"]["name"] for p in ranked] == [
        "a-unassigned", "b-pending", "c-unknown", "d-notready", "e-cheap", "f-ready"]


def test_ranking_doubled_up_nodes_then_ready_time_buckets_then_restarts():
    now = 10000.0
    doubled1 = _pod("x1", node="n1", ready_at=0)
    doubled2 = _pod("x2", node="n1", ready_at=0)
    single_recent = _pod("y", node="n2", ready_at=9990)   # ready 10 s: younger bucket
    single_old = _pod("z", node="n3", ready_at=0)
    ranked = rank_pods_for_deletion([single_old, single_recent, doubled1, doubled2],
                                    [single_old, single_recent, doubled1, doubled2], now)
    assert [p["metadata"]["name"] for p in ranked] == ["x1", "x2", "y", "z"]
    # Ready times in the same log2 bucket (2^43 ns ~ 8796 s .. 17592 s): restarts decide.
    a = _pod("a", node="n1", ready_at=0, restarts=0)
    b = _pod("b", node="n2", ready_at=500, restarts=3)
    ranked = rank_pods_for_deletion([a, b], [a, b], now)
    assert [p["metadata"]["name"] for p in ranked] == ["b", "a"]


def test_replica_failure_condition_when_pod_creation_is_refused():
    """replica_set.go: a failed create sets ReplicaFailure=True (reason FailedCreate) and records
    FailedCreate; it clears once pods can be created."""
    from minik8s import errors
    c = make_cluster()
    refuse = {"on": True}

    def quota(op, res, obj, old):
        if refuse["on"] and op == "CREATE" and res.kind == "Pod":
            raise errors.forbidden(f'pods "{obj["metadata"]["name"]}" is forbidden: exceeded quota: compute')
    c.apiserver.validating_admission.append(quota)
    c.apply(rs_manifest(replicas=1))
    c.run(0.5)
    cond = c.get("rs", "frontend")["status"]["conditions"][0]
    assert (cond["type"], cond["status"], cond["reason"]) == ("ReplicaFailure", "True", "FailedCreate")
    assert "exceeded quota" in cond["message"]
    assert any(e["reason"] == "FailedCreate" and e["message"].startswith("Error creating: ") for e in c.events())
    refuse["on"] = False
    c.run(5)
    st = c.get("rs", "frontend")["status"]
    assert st["replicas"] == 1 and "conditions" not in st


def test_controller_manager_restart_catches_up_without_duplicates():
    """A stopped kube-controller-manager misses changes; once started again it reconciles every
    object (level-based), creating exactly the missing pods."""
    c = make_cluster()
    c.apply(rs_manifest(replicas=3))
    c.run(1)
    c.stop("kube-controller-manager")
    c.apiserver.patch("rs", "frontend", {"spec": {"replicas": 5}}, "default")
    c.delete("pod", names(c.list("pods"))[0])
    c.run(5)
    assert len(c.list("pods")) == 2
    c.start("kube-controller-manager")
    c.run(1)
    assert len(c.list("pods")) == 5
    c.stop("kube-controller-manager")
    c.start("kube-controller-manager")
    c.run(5)
    assert len(c.list("pods")) == 5
    assert c.get("rs", "frontend")["status"]["replicas"] == 5
