"""The scheduling queue: activeQ, backoffQ and the unschedulable pods.

pkg/scheduler/backend/queue/scheduling_queue.go (PriorityQueue); described in
https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#queue-sort and
https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#effect-of-pod-priority-on-scheduling-order

* **activeQ** holds pods ready to be tried, highest ``spec.priority`` first, then the
  earliest added (PrioritySort).
* A pod that did not fit waits in **unschedulablePods** until a cluster event that could
  make it fit (a node added or changed, an assigned pod deleted, the pod itself updated)
  moves it back, or until it has waited ``podMaxInUnschedulablePodsDuration`` (5 min).
* A pod moved back while its **back-off** (1 s, doubling per attempt, at most 10 s) is
  still running waits in **backoffQ** first.

Pure bookkeeping: times are passed in; the scheduler owns the clock.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field

from .. import params as P


# Which cluster events can make a pod rejected by a plugin schedulable (EventsToRegister).
NODE_EVENTS = "node"          # node added or changed
POD_DELETED = "assigned-pod"  # a pod assigned to a node went away (or shrank)
POD_ADDED = "assigned-pod-added"   # a pod was assigned to a node, or an assigned pod's labels changed
VOLUME_EVENTS = "volume"      # a PersistentVolume, claim or StorageClass was added or changed
PLUGIN_EVENTS = {
    "VolumeBinding": {NODE_EVENTS, VOLUME_EVENTS},
    "NodeUnschedulable": {NODE_EVENTS},
    "NodeName": {NODE_EVENTS},
    "TaintToleration": {NODE_EVENTS},
    "NodeAffinity": {NODE_EVENTS},
    "NodePorts": {NODE_EVENTS, POD_DELETED},
    "NodeResourcesFit": {NODE_EVENTS, POD_DELETED},
    "PodTopologySpread": {NODE_EVENTS, POD_DELETED, POD_ADDED},
    "InterPodAffinity": {NODE_EVENTS, POD_DELETED, POD_ADDED},
}


@dataclass
class QueuedPod:
    key: str
    pod: dict
    priority: int
    timestamp: float                 # when it (re)entered the queue: the PrioritySort tie-breaker
    seq: int
    attempts: int = 0
    last_attempt: float = 0.0
    unschedulable_since: float = 0.0
    unschedulable_plugins: list = field(default_factory=list)
    where: str = "active"            # active | backoff | unschedulable | in-flight


def backoff_duration(attempts: int) -> float:
    """1 s after the first failed attempt, doubling, capped at 10 s."""
    d = P.POD_INITIAL_BACKOFF
    for _ in range(1, attempts):
        d *= 2
        if d >= P.POD_MAX_BACKOFF:
            return P.POD_MAX_BACKOFF
    return min(d, P.POD_MAX_BACKOFF)


class SchedulingQueue:
    def __init__(self):
        self.pods: dict[str, QueuedPod] = {}
        self._active: list = []          # heap of (-priority, timestamp, seq, key)
        self._backoff: list = []         # heap of (expiry, seq, key)
        self._seq = 0
        self.unschedulable: set[str] = set()   # keys of the pods in unschedulablePods

    def _where(self, qp: QueuedPod, where: str) -> None:
        qp.where = where
        if where == "unschedulable":
            self.unschedulable.add(qp.key)
        else:
            self.unschedulable.discard(qp.key)

    # --- adding ---------------------------------------------------------------------------
    def add(self, pod: dict, now: float) -> None:
        """A new pending pod goes straight to activeQ."""
        key = f"{pod['metadata'].get('namespace') or 'default'}/{pod['metadata']['name']}"
        qp = self.pods.get(key)
        if qp is not None:
            qp.pod = pod
            return
        self._seq += 1
        qp = QueuedPod(key, pod, int((pod.get("spec") or {}).get("priority") or 0), now, self._seq)
        self.pods[key] = qp
        self._push_active(qp)

    def _push_active(self, qp: QueuedPod) -> None:
        self._where(qp, "active")
        self._seq += 1
        qp.seq = self._seq
        heapq.heappush(self._active, (-qp.priority, qp.timestamp, qp.seq, qp.key))

    def update(self, pod: dict, now: float, changed: bool) -> None:
        """The pod object changed; if it is waiting as unschedulable and its spec/labels changed,
        try it again (after its back-off)."""
        key = f"{pod['metadata'].get('namespace') or 'default'}/{pod['metadata']['name']}"
        qp = self.pods.get(key)
        if qp is None:
            self.add(pod, now)
            return
        qp.pod = pod
        qp.priority = int((pod.get("spec") or {}).get("priority") or 0)
        if changed and qp.where == "unschedulable":
            self._requeue(qp, now)

    def delete(self, key: str) -> None:
        qp = self.pods.pop(key, None)
        if qp is not None:
            self._where(qp, "gone")

    # --- taking ---------------------------------------------------------------------------
    def pop(self) -> QueuedPod | None:
        """The next pod to schedule (highest priority, then earliest), or None."""
        while self._active:
            _p, _t, seq, key = heapq.heappop(self._active)
            qp = self.pods.get(key)
            if qp is None or qp.where != "active" or qp.seq != seq:
                continue
            self._where(qp, "in-flight")
            qp.attempts += 1
            return qp
        return None

    def __len__(self) -> int:
        return sum(1 for qp in self.pods.values() if qp.where == "active")

    # --- after an attempt -----------------------------------------------------------------
    def done(self, key: str) -> None:
        """Scheduled (or gone): forget it."""
        self.pods.pop(key, None)
        self.unschedulable.discard(key)

    def add_unschedulable(self, qp: QueuedPod, plugins: list[str], now: float) -> None:
        """The attempt failed because no node fits: wait for an event that could help."""
        if self.pods.get(qp.key) is not qp:
            return
        qp.last_attempt = now
        qp.unschedulable_since = now
        qp.unschedulable_plugins = list(plugins)
        self._where(qp, "unschedulable")

    def add_backoff(self, qp: QueuedPod, now: float) -> None:
        """The attempt failed with an error (e.g. binding): retry after the back-off."""
        if self.pods.get(qp.key) is not qp:
            return
        qp.last_attempt = now
        self._push_backoff(qp, now)

    def _push_backoff(self, qp: QueuedPod, now: float) -> None:
        self._where(qp, "backoff")
        self._seq += 1
        qp.seq = self._seq
        heapq.heappush(self._backoff, (self.backoff_expiry(qp), qp.seq, qp.key))

    def backoff_expiry(self, qp: QueuedPod) -> float:
        return qp.last_attempt + backoff_duration(qp.attempts)

    def _requeue(self, qp: QueuedPod, now: float) -> None:
        qp.timestamp = now
        if self.backoff_expiry(qp) > now:
            self._push_backoff(qp, now)
        else:
            self._push_active(qp)

    # --- events and flushes -----------------------------------------------------------------
    def move_for_event(self, event: str, now: float) -> list[str]:
        """A cluster event happened: move the unschedulable pods it could help (sorted keys)."""
        moved = []
        for key in sorted(self.unschedulable):
            qp = self.pods[key]
            if not qp.unschedulable_plugins or any(event in PLUGIN_EVENTS.get(p, {NODE_EVENTS, POD_DELETED})
                                                   for p in qp.unschedulable_plugins):
                self._requeue(qp, now)
                moved.append(key)
        return moved

    def flush_backoff_completed(self, now: float) -> list[str]:
        """Move pods whose back-off has expired to activeQ (every second)."""
        moved = []
        while self._backoff and self._backoff[0][0] <= now:
            _e, seq, key = heapq.heappop(self._backoff)
            qp = self.pods.get(key)
            if qp is None or qp.where != "backoff" or qp.seq != seq:
                continue
            self._push_active(qp)
            moved.append(key)
        return moved

    def flush_unschedulable_leftover(self, now: float) -> list[str]:
        """Pods unschedulable for longer than 5 minutes are tried again (every 30 seconds)."""
        moved = []
        for key in sorted(self.unschedulable):
            qp = self.pods[key]
            if now - qp.unschedulable_since > P.POD_MAX_IN_UNSCHEDULABLE_DURATION:
                self._requeue(qp, now)
                moved.append(key)
        return moved

    def pending(self) -> dict[str, list[str]]:
        """Keys by sub-queue (for notebooks): active, backoff, unschedulable."""
        out = {"active": [], "backoff": [], "unschedulable": []}
        for key in sorted(self.pods):
            w = self.pods[key].where
            if w in out:
                out[w].append(key)
        return out
