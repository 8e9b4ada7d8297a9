"""The virtual clock: (time, sequence) ordering, run, run_until's timeout message."""

from __future__ import annotations

import pytest

from minik8s.clock import Clock, Timeout


def test_order_is_time_then_insertion():
    c = Clock()
    out = []
    c.call_later(2, out.append, "b")
    c.call_later(1, out.append, "a1")
    c.call_later(1, out.append, "a2")
    c.call_soon(out.append, "now")
    c.run(5)
    assert out == ["now", "a1", "a2", "b"] and c.now == 5


def test_cancel_and_past_times():
    c = Clock(start=10)
    out = []
    t = c.call_later(1, out.append, "x")
    t.cancel()
    c.call_at(3, out.append, "late")          # never in the past: runs at 10
    c.run(2)
    assert out == ["late"]


def test_run_stops_at_the_horizon():
    c = Clock()
    out = []
    c.call_at(5, out.append, 5)
    c.call_at(5.5, out.append, 5.5)
    c.run(5)
    assert out == [5] and c.now == 5
    assert c.next_time() == 5.5


def test_run_until_returns_elapsed_and_names_what_timed_out():
    c = Clock()
    flag = []
    c.call_later(7, flag.append, 1)
    assert c.run_until(lambda: flag, timeout=30) == 7
    with pytest.raises(Timeout) as e:
        c.run_until(lambda: False, timeout=10, what="pod web to be Ready")
    assert str(e.value) == "timed out after 10s of virtual time waiting for pod web to be Ready"
    assert c.now == 17


def test_step():
    c = Clock()
    assert c.step() is False
    c.call_later(3, lambda: None)
    assert c.step() is True and c.now == 3


def test_a_plain_clock_leaves_the_collector_alone():
    import gc
    seen = []
    c = Clock()
    c.call_later(1, lambda: seen.append(gc.isenabled()))
    c.run(2)
    assert seen == [gc.isenabled()] and gc.get_freeze_count() == 0


def test_running_pauses_the_cyclic_collector_and_restores_the_callers_settings():
    """A cluster's clock pauses the cyclic collector while it runs (the engine makes almost no cycles);
    afterwards it is on again with nothing left frozen, also when a callback raises, and a cycle
    made during the run is still collected later. A caller who turned it off keeps it off."""
    import gc
    import weakref

    from minik8s.cluster import Cluster, collector_paused
    assert Cluster(nodes=0).clock.around_run is collector_paused
    assert Cluster(nodes=0, pause_collector=False).clock.around_run is not collector_paused
    before = gc.get_threshold()
    seen = []
    c = Clock(around_run=collector_paused)
    c.call_later(1, lambda: seen.append(gc.isenabled()))

    class Node:
        pass

    def make_cycle():
        a, b = Node(), Node()
        a.other, b.other = b, a
        seen.append(weakref.ref(a))
    c.call_later(1.5, make_cycle)
    c.run(2)
    assert seen[0] is False
    assert gc.isenabled() and gc.get_threshold() == before and gc.get_freeze_count() == 0
    gc.collect()
    assert seen[1]() is None, "a cycle made during a run must not leak"
    c.call_later(1, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        c.run_until(lambda: False, timeout=5)
    assert gc.isenabled() and gc.get_freeze_count() == 0
    gc.disable()
    try:
        c.call_later(1, lambda: seen.append(gc.isenabled()))
        c.run(2)
        assert seen[-1] is False and not gc.isenabled()
    finally:
        gc.enable()
