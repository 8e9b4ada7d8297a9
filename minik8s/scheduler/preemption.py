"""DefaultPreemption: make room for a pending pod by evicting lower-priority pods.

https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#preemption
(pkg/scheduler/framework/preemption and plugins/defaultpreemption, v1.33; PodDisruptionBudgets
are not considered here).

When no node fits a pod, the PostFilter looks at every node that was rejected for a
reason eviction could fix (resources, host ports; not taints, affinity or cordons):

1. remove every pod of lower priority from a copy of the node; if the pod still does
   not fit, the node is no candidate;
2. otherwise put the removed pods back one by one, most important first (higher priority,
   then earlier start), keeping each one whose return still lets the pod fit: the pods left
   out are the *victims*;
3. among candidate nodes pick the one whose most important victim has the lowest priority,
   then the lowest sum of victim priorities, then the fewest victims, then the latest start
   time of its earliest-started most important victim, then the first.

The scheduler then deletes the victims and sets the pod's ``status.nominatedNodeName``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from .node_info import NodeInfo, PodInfo
from .status import UNRESOLVABLE, fit_error_message

MAX_INT32 = 2 ** 31 - 1


def terminating_by_preemption(pod: dict) -> bool:
    """Being deleted, and the scheduler's preemption is why (DisruptionTarget PreemptionByScheduler)."""
    if not (pod.get("metadata") or {}).get("deletionTimestamp"):
        return False
    return any(c.get("type") == "DisruptionTarget" and c.get("status") == "True"
               and c.get("reason") == "PreemptionByScheduler"
               for c in (pod.get("status") or {}).get("conditions") or [])


def start_time(pi: PodInfo) -> str:
    """status.startTime (RFC 3339, so string order is time order), or the creation time."""
    st = (pi.pod.get("status") or {}).get("startTime")
    return st or (pi.pod.get("metadata") or {}).get("creationTimestamp") or ""


def more_important(a: PodInfo, b: PodInfo) -> bool:
    """util.MoreImportantPod: higher priority, or equal priority and started earlier."""
    if a.priority != b.priority:
        return a.priority > b.priority
    return start_time(a) < start_time(b)


def _importance_key(pi: PodInfo):
    return (-pi.priority, start_time(pi), pi.key)


def select_victims_on_node(pi: PodInfo, ni: NodeInfo, first_rejection) -> tuple[list[PodInfo] | None, tuple | None]:
    """(victims, None) if evicting ``victims`` makes ``pi`` fit on ``ni``, else (None, rejection)."""
    lower = [p for p in ni.pods.values() if p.priority < pi.priority]
    if not lower:
        return None, (None, UNRESOLVABLE, ["No preemption victims found for incoming pod"])
    trial = ni.clone()
    for p in lower:
        trial.remove_pod(p.key)
    rej = first_rejection(pi, trial)
    if rej is not None:
        return None, rej
    victims = []
    for p in sorted(lower, key=_importance_key):
        trial.add_pod(p)
        if first_rejection(pi, trial) is not None:
            trial.remove_pod(p.key)
            victims.append(p)
    return victims, None


def pick_one_node(order: list[str], victims: dict[str, list[PodInfo]]) -> str:
    """pickOneNodeForPreemption, criteria applied in turn until one node remains."""
    def highest(n):
        return -victims[n][0].priority if victims[n] else 0

    def sum_prio(n):
        return -sum(v.priority + MAX_INT32 + 1 for v in victims[n])

    def num(n):
        return -len(victims[n])

    def latest_start(n):
        vs = victims[n]
        if not vs:
            return ""
        top = vs[0].priority
        return min(start_time(v) for v in vs if v.priority == top)

    candidates = list(order)
    for f in (highest, sum_prio, num, latest_start):
        best = max(f(n) for n in candidates)
        candidates = [n for n in candidates if f(n) == best]
        if len(candidates) == 1:
            break
    return candidates[0]


@dataclass
class PreemptionResult:
    node: str | None = None
    victims: list = field(default_factory=list)
    message: str = ""              # the PostFilter's message when it could not help
    clear_nomination: bool = False  # it looked for candidates and found none: drop nominatedNodeName


def preempt(pi: PodInfo, node_infos: list[NodeInfo], failed: dict, first_rejection, rng=None) -> PreemptionResult:
    """Try to find a node where evicting lower-priority pods lets ``pi`` fit.

    ``failed``: node -> (plugin, code, reasons) from the filters. ``first_rejection(pi, ni)``
    runs the filters. The message (when no candidate) is what follows ``preemption:`` in the
    FailedScheduling event.
    """
    if (pi.pod.get("spec") or {}).get("preemptionPolicy") == "Never":
        return PreemptionResult(message="not eligible due to preemptionPolicy=Never.")
    nominated = (pi.pod.get("status") or {}).get("nominatedNodeName")
    if nominated and (failed.get(nominated) or (None, None))[1] != UNRESOLVABLE:
        for ni in node_infos:
            if ni.name == nominated and any(p.priority < pi.priority and terminating_by_preemption(p.pod)
                                            for p in ni.pods.values()):
                return PreemptionResult(message="not eligible due to a terminating pod on the nominated node.")
    n = len(node_infos)
    potential = [ni for ni in node_infos if ni.name in failed and failed[ni.name][1] != UNRESOLVABLE]
    statuses = {}
    victims: dict[str, list[PodInfo]] = {}
    order: list[str] = []
    if potential:
        offset = rng.randrange(len(potential)) if rng is not None else 0
        for i in range(len(potential)):
            ni = potential[(offset + i) % len(potential)]
            vs, rej = select_victims_on_node(pi, ni, first_rejection)
            if vs is None:
                statuses[ni.name] = rej
            else:
                victims[ni.name] = vs
                order.append(ni.name)
    if order:
        node = pick_one_node(order, victims)
        return PreemptionResult(node=node, victims=victims[node])
    all_statuses = [statuses.get(ni.name, (None, UNRESOLVABLE, ["Preemption is not helpful for scheduling"]))
                    for ni in node_infos]
    return PreemptionResult(message=fit_error_message(n, all_statuses), clear_nomination=True)
