"""Garbage collector: cascading deletion by propagationPolicy.

https://kubernetes.io/docs/concepts/architecture/garbage-collection/#cascading-deletion
https://kubernetes.io/docs/tasks/administer-cluster/use-cascading-deletion/
"""

from ctrl_helpers import finish_deleting, make_cluster, run_all, template


def rs(name="frontend", replicas=2):
    return {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"tier": name}},
                     "template": template({"tier": name})}}


def deploy(name="web", replicas=2):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": template({"app": name})}}


def test_background_deletion_removes_dependents_after_the_owner():
    """Background (the default): the owner goes at once, the garbage collector deletes dependents."""
    c = make_cluster()
    c.apply(deploy())
    c.run(1)
    assert len(c.list("rs")) == 1 and len(c.list("pods")) == 2
    c.delete("deployment", "web")
    c.run(1)
    assert c.list("deployments") == [] and c.list("rs") == []
    assert c.list("pods") == []     # unbound pods go at once (no kubelet to wait for)
    steps = [s for s in c.trace.steps if s.component == "garbage-collector-controller"]
    assert any("no longer exists" in d for s in steps for d in s.diff)


def test_orphan_deletion_keeps_dependents_and_removes_owner_references():
    """Orphan (kubectl delete --cascade=orphan): dependents stay, their ownerReferences are removed."""
    c = make_cluster()
    c.apply(rs())
    c.run(1)
    c.delete("rs", "frontend", propagation_policy="Orphan")
    c.run(1)
    assert c.list("rs") == []
    pods = c.list("pods")
    assert len(pods) == 2 and all("ownerReferences" not in p["metadata"] for p in pods)


def test_foreground_deletion_waits_for_blocking_dependents():
    """Foreground: the owner gets deletionTimestamp and the foregroundDeletion finalizer; it is
    deleted only after the dependents with blockOwnerDeletion=true are gone."""
    c = make_cluster()
    c.apply(rs())
    c.run(1)
    run_all(c)                      # bound pods terminate gracefully
    c.delete("rs", "frontend", propagation_policy="Foreground")
    c.run(1)
    owner = c.get("rs", "frontend")
    assert owner["metadata"]["deletionTimestamp"] and "foregroundDeletion" in owner["metadata"]["finalizers"]
    assert all(p["metadata"].get("deletionTimestamp") for p in c.list("pods"))
    finish_deleting(c)
    c.run(1)
    assert c.list("rs") == [] and c.list("pods") == []


def test_dependent_created_with_a_missing_owner_is_collected():
    """An object whose owner uid does not exist is deleted by the garbage collector."""
    c = make_cluster()
    c.apply({"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "cm", "ownerReferences": [{"apiVersion": "apps/v1", "kind": "ReplicaSet",
                                                             "name": "ghost", "uid": "no-such-uid"}]}})
    c.run(1)
    assert c.list("configmaps") == []


def test_dependent_with_one_live_owner_survives_and_loses_the_dead_reference():
    c = make_cluster()
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "owner"}})
    live = c.get("configmap", "owner")
    c.apply({"apiVersion": "v1", "kind": "ConfigMap",
             "metadata": {"name": "dep", "ownerReferences": [
                 {"apiVersion": "v1", "kind": "ConfigMap", "name": "owner", "uid": live["metadata"]["uid"]},
                 {"apiVersion": "v1", "kind": "ConfigMap", "name": "ghost", "uid": "gone"}]}})
    c.run(1)
    refs = c.get("configmap", "dep")["metadata"]["ownerReferences"]
    assert [r["name"] for r in refs] == ["owner"]
