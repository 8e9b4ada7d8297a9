"""Behaviour chapter 10 of the book relies on (book/ch10-resources.md: requests and limits, QoS
classes, OOMKilled, node-pressure eviction, swap), pinned against the documented defaults so that
an engine change which would silently change the chapter's story fails here."""

from __future__ import annotations

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
