"""PodTopologySpread: spread matching pods evenly over nodes, zones, or any topology label.

https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/
(pkg/scheduler/framework/plugins/podtopologyspread, v1.33).

A constraint names a ``topologyKey`` (a node label: every value is a *domain*), a
``labelSelector`` (which pods count) and a ``maxSkew``. The *skew* of placing the pod
in a domain is: pods matching there (+1 if the pod matches its own selector) minus the
fewest matching pods in any eligible domain.

* ``whenUnsatisfiable: DoNotSchedule`` constraints are a **filter**: a node whose domain
  would exceed ``maxSkew`` is rejected; a node without the label is rejected too.
* ``whenUnsatisfiable: ScheduleAnyway`` constraints are a **score**: fewer matching pods in
  the node's domains is better (weighted by log(number of domains + 2)).
* A pod without constraints that belongs to a Service, ReplicaSet or StatefulSet gets the
  cluster's **system defaults**: ``kubernetes.io/hostname`` maxSkew 3 and
  ``topology.kubernetes.io/zone`` maxSkew 5, both ScheduleAnyway, with a selector built from
  those objects (https://kubernetes.io/docs/concepts/scheduling-eviction/topology-spread-constraints/#internal-default-constraints).

Nodes count only if they match the pod's nodeSelector/required node affinity
(``nodeAffinityPolicy: Honor``, the default); taints are ignored unless
``nodeTaintsPolicy: Honor``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ...api.labels import Requirement, Selector, selector_from_object
from ..node_info import NodeInfo, PodInfo, as_node_info, as_pod_info
from .helper import MAX_NODE_SCORE
from .nodeaffinity import node_affinity
from .tainttoleration import taint_toleration

HOSTNAME = "kubernetes.io/hostname"
ZONE = "topology.kubernetes.io/zone"
SYSTEM_DEFAULT_CONSTRAINTS = ((HOSTNAME, 3), (ZONE, 5))

ERR_CONSTRAINTS = "node(s) didn't match pod topology spread constraints"
ERR_MISSING_LABEL = ERR_CONSTRAINTS + " (missing required label)"


@dataclass
class Constraint:
    key: str
    max_skew: int
    selector: Selector
    min_domains: int = 1
    honor_affinity: bool = True
    honor_taints: bool = False
    skey: str = ""            # selector_key(selector): where nodes remember their counts for it

    def __post_init__(self):
        self.skey = selector_key(self.selector)


def constraints_of(pod, when: str) -> list[Constraint]:
    """The pod's constraints with ``whenUnsatisfiable == when`` (``matchLabelKeys`` merged into
    the selector), or the system defaults for ScheduleAnyway when the pod has none."""
    pi = as_pod_info(pod)
    tscs = (pi.pod.get("spec") or {}).get("topologySpreadConstraints") or []
    out = []
    if tscs:
        for t in tscs:
            if (t.get("whenUnsatisfiable") or "DoNotSchedule") != when:
                continue
            sel = selector_from_object(t.get("labelSelector"))
            keys = [k for k in t.get("matchLabelKeys") or [] if k in pi.labels]
            if keys and not sel.match_nothing:
                sel = Selector(list(sel.requirements) + [Requirement(k, "in", (pi.labels[k],)) for k in keys])
            out.append(Constraint(t.get("topologyKey", ""), int(t.get("maxSkew") or 1), sel,
                                  int(t.get("minDomains") or 1),
                                  (t.get("nodeAffinityPolicy") or "Honor") == "Honor",
                                  (t.get("nodeTaintsPolicy") or "Ignore") == "Honor"))
        return out
    if when == "ScheduleAnyway" and pi.default_selector is not None and not pi.default_selector.empty():
        return [Constraint(k, s, pi.default_selector) for k, s in SYSTEM_DEFAULT_CONSTRAINTS]
    return []


def count_matching(ni: NodeInfo, selector: Selector, namespace: str, skey: str | None = None) -> int:
    """Pods on the node in ``namespace``, not terminating, whose labels the selector matches.
    ``skey``: :func:`selector_key` of the selector, if the caller has it already."""
    # One scheduling cycle asks this about every node, and the next pod of the same workload asks
    # again: the node (the scheduler's cache) remembers each answer until its pods change
    # (NodeInfo.match_counts); it counts label sets, not pods (replicas repeat the same labels).
    key = (skey if skey is not None else selector_key(selector), namespace)
    n = ni.match_counts.get(key)
    if n is not None:
        return n
    n = 0
    for (ns, labels, terminating), count in ni.label_sets.items():
        if ns == namespace and not terminating and selector.matches(dict(labels)):
            n += count
    ni.match_counts[key] = n
    return n


def selector_key(selector: Selector) -> str:
    """A text naming what the selector selects (NodeInfo.match_counts is keyed by it)."""
    return ("!nothing" if selector.match_nothing else "") + str(selector)


def _node_counts(c: Constraint, pi: PodInfo, ni: NodeInfo) -> bool:
    """Does this node take part in constraint ``c`` (node inclusion policies)?"""
    if c.honor_affinity and (pi.node_selector or pi.required_terms is not None) and node_affinity(pi, ni):
        return False
    if c.honor_taints and ni.taints and taint_toleration(pi, ni):
        return False
    return True


def _has_all_keys(ni: NodeInfo, constraints) -> bool:
    return all(c.key in ni.labels for c in constraints)


# --- filter -------------------------------------------------------------------------------------
def prefilter(pod, node_infos) -> dict:
    """Count matching pods per (topologyKey, value) over all nodes (PreFilter)."""
    pi = as_pod_info(pod)
    cons = constraints_of(pi, "DoNotSchedule")
    counts: dict[tuple[str, str], int] = {}
    for ni in node_infos:
        if ni.node is None or not _has_all_keys(ni, cons):
            continue
        for c in cons:
            if not _node_counts(c, pi, ni):
                continue
            pair = (c.key, ni.labels[c.key])
            counts[pair] = counts.get(pair, 0) + count_matching(ni, c.selector, pi.namespace, c.skey)
    return {"constraints": cons, "counts": counts}


def min_match(state: dict, c: Constraint) -> int:
    nums = [n for (k, _v), n in state["counts"].items() if k == c.key]
    if len(nums) < c.min_domains or not nums:
        return 0
    return min(nums)


def pod_topology_spread(pod, node, node_infos=None) -> list[str]:
    """The DoNotSchedule filter. ``node_infos``: every node (for the domain counts); the
    scheduler computes that once per attempt (``pod.state``)."""
    pi, ni = as_pod_info(pod), as_node_info(node)
    state = pi.state.get("PodTopologySpread")
    if state is None or node_infos is not None:
        state = prefilter(pi, node_infos if node_infos is not None else [ni])
    for c in state["constraints"]:
        value = ni.labels.get(c.key)
        if value is None:
            return [ERR_MISSING_LABEL]
        self_match = 1 if c.selector.matches(pi.labels) else 0
        skew = state["counts"].get((c.key, value), 0) + self_match - min_match(state, c)
        if skew > c.max_skew:
            return [ERR_CONSTRAINTS]
    return []


def needs_filter(pi: PodInfo) -> bool:
    return any((t.get("whenUnsatisfiable") or "DoNotSchedule") == "DoNotSchedule"
               for t in (pi.pod.get("spec") or {}).get("topologySpreadConstraints") or [])


# --- score ----------------------------------------------------------------------------------------
def prescore(pi: PodInfo, feasible: list[NodeInfo], all_nodes: list[NodeInfo]) -> dict | None:
    """Counts per domain of the feasible nodes, and which nodes are ignored; None = Skip."""
    cons = constraints_of(pi, "ScheduleAnyway")
    if not cons or not feasible:
        return None
    require_all = bool((pi.pod.get("spec") or {}).get("topologySpreadConstraints"))
    ignored = set()
    live = feasible
    if require_all:
        ignored = {ni.name for ni in feasible if not _has_all_keys(ni, cons)}
        if ignored:
            live = [ni for ni in feasible if ni.name not in ignored]
    # The domains of the (not ignored) feasible nodes, one constraint at a time: a node without the
    # label is in the domain "" (for the number of domains); Score reads the counts of the domains
    # nodes are labelled with. Several constraints on one key count its domains once, for the first.
    counts: dict[tuple[str, str], int] = {}   # the domains Score will read: nodes labelled with them
    weights = []
    seen_keys = set()
    for c in cons:
        if c.key == HOSTNAME:
            size = len(feasible) - len(ignored)
        elif c.key in seen_keys:
            size = 0
        else:
            seen_keys.add(c.key)
            values = dict.fromkeys([ni.labels.get(c.key) for ni in live])    # in node order
            size = len(values) - (None in values and "" in values)          # None and "" are one domain
            for value in values:
                if value is not None:
                    counts[(c.key, value)] = 0
        weights.append(math.log(size + 2))
    # Sum the matching pods of every node in the domains Score reads (Score skips a node without
    # the label, so in a cluster without zones the zone constraint needs no counting). One
    # constraint at a time, so the loop over (possibly thousands of) nodes stays short.
    ns = pi.namespace
    for c in cons:
        if c.key == HOSTNAME or not any(k == c.key for k, _v in counts):
            continue                  # per-node counts: Score reads them from the node itself
        key, sel = c.key, c.selector
        memo_key = (c.skey, ns)
        for ni in all_nodes:
            if ni.node is None or (require_all and not _has_all_keys(ni, cons)) or not _node_counts(c, pi, ni):
                continue
            pair = (key, ni.labels.get(key, ""))
            if pair in counts:
                n = ni.match_counts.get(memo_key)
                counts[pair] += count_matching(ni, sel, ns, c.skey) if n is None else n
    # what Score needs per constraint: the constraint, its weight, and the key of the nodes'
    # remembered counts (NodeInfo.match_counts) for its selector
    terms = [(c, w, (c.skey, ns)) for c, w in zip(cons, weights)]
    return {"constraints": cons, "counts": counts, "weights": weights, "ignored": ignored, "terms": terms}


def score(pi: PodInfo, ni: NodeInfo, state: dict) -> int:
    """Raw score: sum over constraints of count * log(domains + 2) + maxSkew - 1 (lower is better).
    A node without a constraint's label gets nothing for it."""
    if ni.name in state["ignored"]:
        return 0
    total = 0.0
    labels = ni.labels
    for c, weight, memo_key in state["terms"]:
        value = labels.get(c.key)
        if value is None:
            continue
        if c.key == HOSTNAME:
            cnt = ni.match_counts.get(memo_key)           # count_matching's answer, if remembered
            if cnt is None:
                cnt = count_matching(ni, c.selector, pi.namespace, memo_key[0])
        else:
            cnt = state["counts"].get((c.key, value), 0)
        total += cnt * weight + (c.max_skew - 1)
    return int(math.floor(total + 0.5))


def normalize(raw: list[int], feasible: list[NodeInfo], state: dict) -> list[int]:
    """100 * (max + min - score) / max over the nodes not ignored; ignored nodes get 0."""
    if not state["ignored"] and raw:        # no node ignored (always, with the system defaults)
        lo, hi = min(raw), max(raw)
        if hi == 0:
            return [MAX_NODE_SCORE] * len(raw)
        return [MAX_NODE_SCORE * (hi + lo - s) // hi for s in raw]
    live = [s for s, ni in zip(raw, feasible) if ni.name not in state["ignored"]]
    lo = min(live) if live else 0
    hi = max(live) if live else 0
    out = []
    for s, ni in zip(raw, feasible):
        if ni.name in state["ignored"]:
            out.append(0)
        elif hi == 0:
            out.append(MAX_NODE_SCORE)
        else:
            out.append(MAX_NODE_SCORE * (hi + lo - s) // hi)
    return out


def default_selector(pod: dict, services: list[dict], owner: dict | None) -> Selector:
    """helper.DefaultSelector: the selectors of the Services that select the pod, merged, plus
    the selector of its controlling ReplicaSet / StatefulSet / ReplicationController (``owner``)."""
    labels = (pod.get("metadata") or {}).get("labels") or {}
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    merged: dict[str, str] = {}
    for svc in services:
        if (svc.get("metadata") or {}).get("namespace", "default") != ns:
            continue
        sel = (svc.get("spec") or {}).get("selector")
        if sel and all(labels.get(k) == v for k, v in sel.items()):
            merged.update(sel)
    reqs = [Requirement(k, "=", (str(v),)) for k, v in sorted(merged.items())]
    if owner is not None:
        sel = (owner.get("spec") or {}).get("selector")
        if owner.get("kind") == "ReplicationController":
            reqs += [Requirement(k, "=", (str(v),)) for k, v in sorted((sel or {}).items()) if k not in merged]
        elif sel is not None:
            reqs += list(selector_from_object(sel).requirements)
    return Selector(reqs)
