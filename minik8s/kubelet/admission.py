"""Pod admission on the node (pkg/kubelet/lifecycle/predicate.go): does the pod fit what is left?

A pod bound with ``spec.nodeName`` skips the scheduler, so the kubelet checks again before it runs
anything: the node under memory pressure rejects it (``Evicted``), and so does a node whose admitted,
unfinished pods already request too much (``OutOfcpu`` / ``OutOfmemory`` / ``OutOfpods``): phase
Failed with the reason and message, and a Warning event
(https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename).
Functions of the kubelet ``kl``.
"""

from __future__ import annotations

from ..api.meta import rfc3339
from .status import pod_requests


def admit(kl, worker, pod: dict) -> bool:
    """Admit ``worker``'s pod (True), or reject it (False; see the module's docstring)."""
    if not kl.eviction.admit(pod):
        message = "The node had condition: [MemoryPressure]. "
        return reject(kl, worker, pod, "Evicted", message)
    alloc = kl.allocatable()
    want = pod_requests(pod["spec"])
    used = admitted_requests(kl.workers.values())
    want["pods"] = 1
    for res in ("pods", "cpu", "memory"):
        if want[res] and used[res] + want[res] > alloc[res]:
            reason = f"OutOf{res}"
            message = (f"Pod was rejected: Node didn't have enough resource: {res}, requested: {want[res]}, "
                       f"used: {used[res]}, capacity: {alloc[res]}")
            return reject(kl, worker, pod, reason, message)
    worker.admitted = True
    worker.requests = want
    return True


def admitted_requests(workers) -> dict:
    """What the pods this kubelet admitted and that have not finished request, added up:
    the node's "used" in admission."""
    cpu = memory = pods = 0
    for w in workers:
        if not w.admitted or w.finished or w.requests is None:
            continue
        cpu += w.requests["cpu"]
        memory += w.requests["memory"]
        pods += 1
    return {"cpu": cpu, "memory": memory, "pods": pods}


def reject(kl, worker, pod: dict, reason: str, message: str) -> bool:
    """A pod admission refused: phase Failed with the reason and message, and a Warning event."""
    kl.diff(f"{worker.key}: rejected: {message}")
    kl.event(pod, "Warning", reason, message)
    status = dict(pod.get("status") or {})
    status.update({"phase": "Failed", "reason": reason, "message": message})
    status.setdefault("startTime", rfc3339(kl.clock.now))
    worker.finished = True
    worker.last_status = status
    kl.write_pod_status(pod, status)
    return False
