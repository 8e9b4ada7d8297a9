"""The etcd-like store: revisions, compare-and-swap, watch history, compaction, snapshots.
https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions
"""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.store import CompareFailed, KeyExists, KeyMissing, Store


def obj(name):
    return {"metadata": {"name": name}, "data": {}}


def test_one_global_revision_is_every_resource_version():
    s = Store()
    a = s.create("configmaps", "default/a", obj("a"))
    b = s.create("secrets", "default/b", obj("b"))
    assert (a["metadata"]["resourceVersion"], b["metadata"]["resourceVersion"]) == ("2", "3")
    a2 = s.update("configmaps", "default/a", a)
    assert a2["metadata"]["resourceVersion"] == "4" and s.revision == 4
    items, rev = s.list("configmaps")
    assert rev == 4 and [i["metadata"]["name"] for i in items] == ["a"]


def test_compare_and_swap():
    s = Store()
    a = s.create("configmaps", "k", obj("a"))
    s.update("configmaps", "k", a, a["metadata"]["resourceVersion"])
    with pytest.raises(CompareFailed):
        s.update("configmaps", "k", a, a["metadata"]["resourceVersion"])
    with pytest.raises(KeyExists):
        s.create("configmaps", "k", obj("a"))
    with pytest.raises(KeyMissing):
        s.delete("configmaps", "nope")


def test_reads_are_private_copies():
    s = Store()
    s.create("configmaps", "k", obj("a"))
    got = s.get("configmaps", "k")
    got["data"]["x"] = "changed"
    assert s.get("configmaps", "k")["data"] == {}


def test_events_since_a_revision_in_order():
    s = Store()
    s.create("configmaps", "a", obj("a"))
    rev = s.revision
    s.create("configmaps", "b", obj("b"))
    s.delete("configmaps", "a")
    evs = s.events_since(rev)
    assert [(e.type, e.key, e.revision) for e in evs] == [("ADDED", "b", 3), ("DELETED", "a", 4)]
    assert evs[1].obj["metadata"]["resourceVersion"] == "4"      # deletion revision, etcd3 style


def test_compaction_makes_old_revisions_unavailable():
    s = Store()
    s.create("configmaps", "a", obj("a"))
    s.compact()
    with pytest.raises(CompareFailed):
        s.events_since(1)
    assert s.events_since(s.revision) == []


def test_snapshot_round_trip(tmp_path):
    """etcdctl snapshot save/restore: https://kubernetes.io/docs/tasks/administer-cluster/configure-upgrade-etcd/#backing-up-an-etcd-cluster"""
    s = Store()
    s.create("configmaps", "a", obj("a"))
    s.create("pods", "default/p", obj("p"))
    path = tmp_path / "snap.json"
    s.save(str(path))
    t = Store.load(str(path))
    assert t.snapshot() == s.snapshot() and t.revision == s.revision


def test_cluster_save_load_keeps_everything(tmp_path):
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"k": "v"}})
    c.run(5)
    path = str(tmp_path / "cluster.json")
    c.save(path)
    d = Cluster.load(path)
    assert d.get("configmap", "cfg")["data"] == {"k": "v"}
    assert d.store.snapshot()["data"]["configmaps"] == c.store.snapshot()["data"]["configmaps"]
