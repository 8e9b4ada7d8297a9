"""The component base: informers, the work queue, restarts (client-go's shapes, HACKING.md)."""

from minik8s import Cluster
from minik8s.component import Component, WorkQueue


class Recorder(Component):
    name = "recorder"

    def setup(self):
        self.seen = []
        self.cms = self.informer("configmaps", self.on_cm)

    def on_cm(self, typ, obj, old):
        self.seen.append((typ, obj["metadata"]["name"]))

    def reconcile(self, key):
        return None


def _cm(name):
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}


def test_restarted_component_sees_every_object_once_per_event():
    """A restarted controller is a new process: it relists and its handlers see every object
    (client-go reflector relist), but a handler registered again on restart is not called twice."""
    c = Cluster(nodes=0)
    rec = Recorder(c.ctx)
    rec.start()
    c.apiserver.create("configmaps", _cm("a"), "default")
    c.run(1)
    assert rec.seen == [("ADDED", "a")]
    rec.stop()
    c.apiserver.create("configmaps", _cm("b"), "default")
    c.run(1)
    rec.start()
    c.run(1)
    # after the restart: "a" unchanged (a resync), "b" new; each reported once
    assert sorted(rec.seen) == [("ADDED", "b"), ("MODIFIED", "a")]
    c.apiserver.create("configmaps", _cm("c"), "default")
    c.run(1)
    assert rec.seen.count(("ADDED", "c")) == 1


def test_rate_limited_retries_cap_at_the_maximum_delay():
    """client-go's per-item exponential back-off: 5 ms doubling, capped (here 1000 s), never overflowing."""
    c = Cluster(nodes=0)
    q = WorkQueue(c.clock, lambda key: None)
    for _ in range(1500):
        q.add_rate_limited("k")
    timers = [t for t in q._timers if not t.cancelled]
    assert max(t.time for t in timers) - c.now == WorkQueue.MAX_DELAY


def test_event_recorder_aggregates_repeats_within_its_lru_cache():
    """client-go's EventCorrelator bumps count/lastTimestamp of a repeated Event, remembering the
    last 4096 distinct events (tools/record/events_cache.go, maxLruCacheEntries); an event seen
    again after that many others is written as a new Event, and the recorder's memory stays bounded.
    https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/event-v1/ (count, series)"""
    from minik8s.component import EventRecorder
    c = Cluster(nodes=1, seed=0)
    rec = c.components["kube-scheduler"].recorder
    cm = c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})[0]

    def count(message):
        return sorted(e.get("count", 1) for e in c.list("events") if e["message"] == message)

    rec.event(cm, "Normal", "Test", "first")
    rec.event(cm, "Normal", "Test", "first")
    assert count("first") == [2]
    for i in range(EventRecorder.CACHE_SIZE):
        rec.event(cm, "Normal", "Test", f"other {i}")
    assert len(rec._seen) == EventRecorder.CACHE_SIZE
    rec.event(cm, "Normal", "Test", "first")           # forgotten by now: a new Event
    assert count("first") == [1, 2]
    rec.event(cm, "Normal", "Test", f"other {EventRecorder.CACHE_SIZE - 1}")   # still remembered
    assert count(f"other {EventRecorder.CACHE_SIZE - 1}") == [2]


def test_keyed_watches_get_the_informer_cache_key():
    """A keyed watch (what informers use) gets namespace/name for namespaced objects and name for
    cluster-scoped ones: the key client-go's MetaNamespaceKeyFunc gives, and key_of computes."""
    from minik8s.api.meta import key_of
    c = Cluster(nodes=1, seed=0)
    seen = []
    for res in ("configmaps", "nodes", "namespaces"):
        c.apiserver.watch(res, lambda typ, obj, key: seen.append((typ, key, key_of(obj))), keyed=True)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cm"}})
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team"}})
    c.kubectl("label node node-1 team=a")
    c.delete("configmap", "cm")
    c.run(1)
    assert ("ADDED", "default/cm", "default/cm") in seen and ("DELETED", "default/cm", "default/cm") in seen
    assert ("ADDED", "team", "team") in seen
    assert ("MODIFIED", "node-1", "node-1") in seen
    assert all(key == expected for _typ, key, expected in seen)
