"""Exponential back-off per key, as client-go's ``flowcontrol.Backoff`` the kubelet uses.

Two back-offs live in a kubelet: restarting a crashed container (CrashLoopBackOff) and
pulling an image that failed (ImagePullBackOff). Both start at 10 s and double up to
300 s (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts).
An entry not touched for twice the maximum (10 minutes) is forgotten: a container
that ran that long without trouble starts again from the initial delay.
Upstream adds random jitter; minik8s does not, so times are exact.
"""

from __future__ import annotations


class Backoff:
    def __init__(self, initial: float, maximum: float):
        self.initial = initial
        self.maximum = maximum
        self._entries: dict[str, list[float]] = {}      # key -> [duration, last update]

    def _expired(self, key: str, event_time: float) -> bool:
        return event_time - self._entries[key][1] > 2 * self.maximum

    def in_backoff(self, key: str, event_time: float, now: float) -> bool:
        """``IsInBackOffSince``: is ``now`` still within the back-off counted from ``event_time``?"""
        if key not in self._entries or self._expired(key, event_time):
            return False
        # ``now < event_time + d``, not ``now - event_time < d``: the kubelet requeues at
        # ``event_time + d - now``, and with floats the two forms can disagree by one ulp
        # (463.003 + 300 < 763.003), which made it requeue at 0 s for ever
        return now < event_time + self._entries[key][0]

    def in_backoff_since_update(self, key: str, now: float) -> bool:
        """``IsInBackOffSinceUpdate``: is ``now`` within the back-off counted from the last failure?"""
        if key not in self._entries:
            return False
        d, last = self._entries[key]
        return now < last + d

    def next(self, key: str, event_time: float, now: float) -> float:
        """``Next``: a new failure. The delay starts at ``initial`` and doubles, capped at ``maximum``."""
        entry = self._entries.get(key)
        if entry is None or self._expired(key, event_time):
            entry = [self.initial, now]
        else:
            entry = [min(entry[0] * 2, self.maximum), now]
        self._entries[key] = entry
        return entry[0]

    def duration(self, key: str) -> float:
        return self._entries[key][0] if key in self._entries else 0.0

    def expires(self, key: str) -> float:
        """When the current back-off of ``key`` ends (for keys whose event time is the last update)."""
        d, last = self._entries.get(key, (0.0, 0.0))
        return last + d

    def reset(self) -> None:
        self._entries.clear()
