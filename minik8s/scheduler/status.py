"""How a scheduling attempt fails: the codes and the FitError text.

A filter that rejects a node gives reasons (upstream's strings) and a code
(``framework.Code`` in pkg/scheduler/framework/interface.go): *Unschedulable* can be
fixed by preemption (evicting lower-priority pods makes room), *UnschedulableAndUnresolvable*
cannot (a taint, a node selector, a cordon). When no node fits, the ``FailedScheduling``
event reads ``0/3 nodes are available:`` followed by the reasons counted over nodes and
sorted (``FitError.Error()`` in pkg/scheduler/framework/types.go).
https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation
"""

from __future__ import annotations

UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"

NO_NODE_AVAILABLE = "0/%d nodes are available"
NO_NODES = "no nodes available to schedule pods"


def failure_code(code, reasons) -> str:
    """A filter's code: a constant, or ``code(reasons)`` for plugins whose code depends on why."""
    return code(reasons) if callable(code) else code


def reasons_histogram(statuses) -> list[str]:
    """``["1 node(s) had untolerated taint {...}", "2 Insufficient cpu"]``: each reason with the
    number of nodes that gave it, sorted as strings (sortReasonsHistogram)."""
    counts: dict[str, int] = {}
    for _plugin, _code, reasons in statuses:
        for r in reasons:
            counts[r] = counts.get(r, 0) + 1
    return sorted(f"{n} {r}" for r, n in counts.items())


def fit_error_message(num_all: int, statuses, post_filter_msg: str = "", pre_filter_msg: str = "") -> str:
    """The FitError text: ``0/3 nodes are available: <reasons>.`` then `` <preemption msg>.``
    (a PreFilter rejection gives its own message instead of the per-node reasons)."""
    msg = (NO_NODE_AVAILABLE % num_all) + ":"
    msg += " %s." % (pre_filter_msg or ", ".join(reasons_histogram(statuses)))
    if post_filter_msg:
        msg += " %s." % post_filter_msg
    return msg
