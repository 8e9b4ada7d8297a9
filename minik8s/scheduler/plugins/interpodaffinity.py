"""InterPodAffinity: place pods near (affinity) or away from (anti-affinity) other pods.

https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#inter-pod-affinity-and-anti-affinity
(pkg/scheduler/framework/plugins/interpodaffinity, v1.33).

A term says: "the pods matching ``labelSelector`` (in ``namespaces``) running in the same
``topologyKey`` domain as this node". Required terms filter, preferred terms score:

* required **affinity**: every term must find matching pods in the node's domain (or, for
  the very first pod of a group, the pod matches its own terms and no such pod exists anywhere);
* required **anti-affinity**: no term may find matching pods in the node's domain;
* and symmetry: an existing pod's required anti-affinity that matches the new pod keeps the
  new pod out of that pod's domain.

Scores add each matching preferred term's weight (anti-affinity subtracts it), in both
directions (the new pod's terms and the existing pods' terms), plus weight 1 for existing
pods' required affinity terms that match the new pod; then scale min..max to 0..100.
``namespaceSelector`` is honoured only as ``{}`` (all namespaces).
"""

from __future__ import annotations

from ...api.labels import Requirement, Selector, selector_from_object
from ..node_info import NodeInfo, PodInfo, as_node_info, as_pod_info

ERR_AFFINITY = "node(s) didn't match pod affinity rules"
ERR_ANTI_AFFINITY = "node(s) didn't match pod anti-affinity rules"
ERR_EXISTING_ANTI_AFFINITY = "node(s) didn't satisfy existing pods anti-affinity rules"
HARD_POD_AFFINITY_WEIGHT = 1


class Term:
    __slots__ = ("key", "selector", "namespaces", "all_namespaces", "weight")

    def __init__(self, term: dict, pod_labels: dict, pod_ns: str, weight: int = 0):
        self.key = term.get("topologyKey", "")
        sel = selector_from_object(term.get("labelSelector"))
        extra = [Requirement(k, "in", (pod_labels[k],)) for k in term.get("matchLabelKeys") or []
                 if k in pod_labels]
        extra += [Requirement(k, "notin", (pod_labels[k],)) for k in term.get("mismatchLabelKeys") or []
                  if k in pod_labels]
        if extra and not sel.match_nothing:
            sel = Selector(list(sel.requirements) + extra)
        self.selector = sel
        ns_sel = term.get("namespaceSelector")
        self.all_namespaces = ns_sel is not None and not ns_sel.get("matchLabels") \
            and not ns_sel.get("matchExpressions")
        self.namespaces = set(term.get("namespaces") or []) or ({pod_ns} if ns_sel is None else set())
        self.weight = weight

    def matches(self, pi: PodInfo) -> bool:
        if not (self.all_namespaces or pi.namespace in self.namespaces):
            return False
        return self.selector.matches(pi.labels)


def _terms(pi: PodInfo) -> dict:
    """The pod's affinity terms, parsed once: required/preferred affinity/anti-affinity."""
    cached = pi.state.get("_interpod_terms")
    if cached is not None:
        return cached
    aff = (pi.pod.get("spec") or {}).get("affinity") or {}
    out = {}
    for kind in ("podAffinity", "podAntiAffinity"):
        a = aff.get(kind) or {}
        out[kind + "/required"] = [Term(t, pi.labels, pi.namespace)
                                   for t in a.get("requiredDuringSchedulingIgnoredDuringExecution") or []]
        out[kind + "/preferred"] = [
            Term(w.get("podAffinityTerm") or {}, pi.labels, pi.namespace, int(w.get("weight") or 0))
            for w in a.get("preferredDuringSchedulingIgnoredDuringExecution") or []]
    pi.state["_interpod_terms"] = out
    return out


def _pods_with_affinity(node_infos):
    for ni in [ni for ni in node_infos if ni.with_affinity]:     # (most nodes have none)
        if ni.node is None:
            continue
        for key in sorted(ni.with_affinity):
            p = ni.with_affinity[key]
            if not p.label_key[2]:
                yield ni, p


def prefilter(pod, node_infos) -> dict:
    """Counts per (topologyKey, value) of: existing pods whose required anti-affinity matches the
    pod; pods matching all of the pod's required affinity terms; pods matching each of its
    required anti-affinity terms."""
    pi = as_pod_info(pod)
    t = _terms(pi)
    existing_anti: dict = {}
    affinity: dict = {}
    anti: dict = {}
    for ni, p in _pods_with_affinity(node_infos):
        for term in _terms(p)["podAntiAffinity/required"]:
            if term.key in ni.labels and term.matches(pi):
                pair = (term.key, ni.labels[term.key])
                existing_anti[pair] = existing_anti.get(pair, 0) + 1
    if t["podAffinity/required"] or t["podAntiAffinity/required"]:
        for ni in node_infos:
            if ni.node is None:
                continue
            for p in ni.pods.values():
                if p.label_key[2]:
                    continue
                req = t["podAffinity/required"]
                if req and all(term.matches(p) for term in req):
                    for term in req:
                        if term.key in ni.labels:
                            pair = (term.key, ni.labels[term.key])
                            affinity[pair] = affinity.get(pair, 0) + 1
                for term in t["podAntiAffinity/required"]:
                    if term.key in ni.labels and term.matches(p):
                        pair = (term.key, ni.labels[term.key])
                        anti[pair] = anti.get(pair, 0) + 1
    return {"existing_anti": existing_anti, "affinity": affinity, "anti": anti}


def inter_pod_affinity(pod, node, node_infos=None) -> list[str]:
    """The filter. ``node_infos``: all nodes (the scheduler computes the counts once per attempt)."""
    pi, ni = as_pod_info(pod), as_node_info(node)
    state = pi.state.get("InterPodAffinity")
    if state is None or node_infos is not None:
        state = prefilter(pi, node_infos if node_infos is not None else [ni])
    t = _terms(pi)
    req = t["podAffinity/required"]
    if req:
        pods_exist = True
        for term in req:
            if term.key not in ni.labels:
                return [ERR_AFFINITY]
            if state["affinity"].get((term.key, ni.labels[term.key]), 0) <= 0:
                pods_exist = False
        if not pods_exist:
            # the first pod of a group that selects itself may start anywhere
            if state["affinity"] or not all(term.matches(pi) for term in req):
                return [ERR_AFFINITY]
    for term in t["podAntiAffinity/required"]:
        if term.key in ni.labels and state["anti"].get((term.key, ni.labels[term.key]), 0) > 0:
            return [ERR_ANTI_AFFINITY]
    for (k, v), n in state["existing_anti"].items():
        if n > 0 and ni.labels.get(k) == v:
            return [ERR_EXISTING_ANTI_AFFINITY]
    return []


def needs_prefilter(pi: PodInfo) -> bool:
    return True          # existing pods' anti-affinity may reject any pod


def needs_filter(pi: PodInfo) -> bool:
    """PreFilter says Skip when the pod has no required terms and no existing pod's
    anti-affinity matches it."""
    state = pi.state.get("InterPodAffinity")
    t = _terms(pi)
    return bool(t["podAffinity/required"] or t["podAntiAffinity/required"]
                or (state is not None and state["existing_anti"]))


def filter_code(reasons):
    return "UnschedulableAndUnresolvable" if reasons == [ERR_AFFINITY] else "Unschedulable"


# --- score --------------------------------------------------------------------------------------
def prescore(pi: PodInfo, feasible: list[NodeInfo], all_nodes: list[NodeInfo]) -> dict | None:
    """Weights per (topologyKey, value); None (Skip) when nothing applies."""
    t = _terms(pi)
    has_own = bool(t["podAffinity/preferred"] or t["podAntiAffinity/preferred"])
    if not has_own and not [ni for ni in all_nodes if ni.with_affinity]:
        return None                      # no terms of its own, and no pod's terms can name it
    scores: dict = {}

    def add(term_key, ni, w):
        if w and term_key in ni.labels:
            pair = (term_key, ni.labels[term_key])
            scores[pair] = scores.get(pair, 0) + w

    for ni in all_nodes:
        if ni.node is None:
            continue
        pods = ni.pods if has_own else ni.with_affinity
        if not pods:
            continue
        for key in sorted(pods):
            p = pods[key]
            if p.label_key[2]:
                continue
            if has_own:
                for term in t["podAffinity/preferred"]:
                    if term.matches(p):
                        add(term.key, ni, term.weight)
                for term in t["podAntiAffinity/preferred"]:
                    if term.matches(p):
                        add(term.key, ni, -term.weight)
            if not p.has_affinity:
                continue
            pt = _terms(p)
            for term in pt["podAffinity/required"]:
                if term.matches(pi):
                    add(term.key, ni, HARD_POD_AFFINITY_WEIGHT)
            for term in pt["podAffinity/preferred"]:
                if term.matches(pi):
                    add(term.key, ni, term.weight)
            for term in pt["podAntiAffinity/preferred"]:
                if term.matches(pi):
                    add(term.key, ni, -term.weight)
    if not scores:
        return None
    return {"scores": scores}


def score(pi: PodInfo, ni: NodeInfo, state: dict) -> int:
    return sum(w for (k, v), w in state["scores"].items() if ni.labels.get(k) == v)


def normalize(raw: list[int], feasible, state) -> list[int]:
    """Scale min..max to 0..100 (all 0 when every node scores the same)."""
    if not raw:
        return raw
    lo, hi = min(raw), max(raw)
    if hi - lo <= 0:
        return [0] * len(raw)
    return [int(100 * ((s - lo) / (hi - lo))) for s in raw]
