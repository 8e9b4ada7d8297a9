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


def test_running_collects_garbage_less_often_and_restores_the_callers_settings():
    """While the clock runs, the cyclic collector's young threshold is raised (the simulation
    allocates many short-lived dicts); afterwards the process's own thresholds are back,
    also when a callback raises."""
    import gc
    from minik8s.clock import GC_YOUNG_THRESHOLD
    before = gc.get_threshold()
    seen = []
    c = Clock()
    c.call_later(1, lambda: seen.append(gc.get_threshold()[0]))
    c.run(2)
    assert seen == [max(GC_YOUNG_THRESHOLD, before[0])]
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
    c.call_later(1, lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        c.run_until(lambda: False, timeout=5)
    assert gc.get_threshold() == before and gc.get_freeze_count() == 0
