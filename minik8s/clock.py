"""The virtual clock and event loop every minik8s component runs on.

Kubernetes components run concurrently and react to time passing: a kubelet
probes every ``periodSeconds``, a controller requeues after a back-off, the
node lifecycle controller waits 50 s for a heartbeat. minik8s runs all of them
in one thread on a *virtual* clock, in the manner of SimPy: a heap of
``(time, sequence, callback)``. The sequence number breaks ties in insertion
order, so the same program always produces the same run. Nothing in the
engine reads the wall clock.
"""

from __future__ import annotations

import heapq
from contextlib import nullcontext
from typing import Any, Callable


class Timeout(Exception):
    """``run_until`` gave up: the awaited condition never became true."""


class Timer:
    """One scheduled callback. ``cancel()`` stops it from running.

    The heap holds ``(time, seq, timer)`` tuples, so ordering is done by Python's own tuple
    comparison (``seq`` is unique: a tie on time never compares two timers)."""

    __slots__ = ("time", "seq", "callback", "args", "cancelled")

    def __init__(self, time: float, seq: int, callback: Callable[..., Any], args: tuple = ()):
        self.time = time
        self.seq = seq
        self.callback = callback
        self.args = args
        self.cancelled = False

    def cancel(self) -> None:
        self.cancelled = True

    def __repr__(self) -> str:
        return f"Timer(time={self.time!r}, seq={self.seq}, callback={self.callback!r})"


class Clock:
    """Virtual time in seconds, and the loop that advances it."""

    def __init__(self, start: float = 0.0, around_run=None):
        self.now = float(start)
        # a context manager entered around every run()/run_until() (the Cluster pauses CPython's
        # cyclic garbage collector there: cluster.collector_paused); none by default
        self.around_run = around_run or nullcontext
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = 0

    def call_at(self, when: float, callback: Callable[..., Any], *args) -> Timer:
        """Run ``callback(*args)`` at virtual time ``when`` (never in the past)."""
        self._seq += 1
        when = max(float(when), self.now)
        timer = Timer(when, self._seq, callback, args)
        heapq.heappush(self._heap, (when, self._seq, timer))
        return timer

    def call_later(self, delay: float, callback: Callable[..., Any], *args) -> Timer:
        """Run ``callback(*args)`` ``delay`` seconds from now."""
        return self.call_at(self.now + max(0.0, float(delay)), callback, *args)

    def call_soon(self, callback: Callable[..., Any], *args) -> Timer:
        """Run ``callback(*args)`` at the current time, after what is already due."""
        return self.call_at(self.now, callback, *args)

    def next_time(self) -> float | None:
        """When the next live timer fires, or None if nothing is scheduled."""
        heap = self._heap
        while heap and heap[0][2].cancelled:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def step(self) -> bool:
        """Run the next due callback; return False when nothing is scheduled."""
        while self._heap:
            timer = heapq.heappop(self._heap)[2]
            if timer.cancelled:
                continue
            self.now = timer.time
            timer.callback(*timer.args)
            return True
        return False

    def run(self, seconds: float) -> None:
        """Advance virtual time by ``seconds``, running everything due on the way."""
        until = self.now + float(seconds)
        with self.around_run():
            while True:
                nxt = self.next_time()
                if nxt is None or nxt > until:
                    break
                self.step()
        self.now = until

    def run_until(self, predicate: Callable[[], bool], timeout: float = 300.0,
                  what: str | None = None, poll: float = 1.0) -> float:
        """Advance until ``predicate()`` is true; return the virtual time it took.

        The predicate is checked once everything due at an instant has run (so
        it sees the state settled at that virtual time) and at least every
        ``poll`` seconds of virtual time. Raises :class:`Timeout` naming what
        was awaited if ``timeout`` virtual seconds pass first.
        """
        start = self.now
        deadline = start + float(timeout)
        if predicate():
            return 0.0
        with self.around_run():
            return self._run_until(predicate, start, deadline, timeout, what, poll)

    def _run_until(self, predicate, start: float, deadline: float, timeout: float, what, poll: float) -> float:
        while True:
            nxt = self.next_time()
            tick = min(self.now + poll, deadline)
            if nxt is not None and nxt <= tick:
                self.step()
                while (due := self.next_time()) is not None and due <= self.now:
                    self.step()
            else:
                self.now = tick
            if predicate():
                return self.now - start
            if self.now >= deadline:
                name = what or getattr(predicate, "__name__", "condition")
                raise Timeout(f"timed out after {timeout:g}s of virtual time waiting for {name}")
