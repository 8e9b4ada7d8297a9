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
