"""One scheduling attempt, as pure functions: filter, score, select, explain.

This is ``schedulePod`` of pkg/scheduler/schedule_one.go
(https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation):

1. **Filter**: run the filter plugins on every node, in order, stopping at the first
   that rejects it. The nodes left are *feasible*.
2. If none is feasible, preemption (the PostFilter, :mod:`.preemption`) looks for
   lower-priority pods to evict; the attempt fails with a ``FitError``: ``0/3 nodes are
   available:`` followed by the rejection reasons counted over nodes and sorted, then
   what preemption found when it could not help.
3. If one is feasible, it is chosen without scoring.
4. **Score**: each score plugin rates each feasible node; some normalise to 0..100;
   each is multiplied by its weight; the totals are summed.
5. **Select**: the highest total wins; ties are broken at random (each of k tied nodes wins
   with probability 1/k), with the cluster's seeded RNG.

:func:`explain` runs the same steps on plain objects and returns a table, for notebooks.

This is the reference path: every filter and every score plugin is called on every node it
applies to, and every verdict and score is recorded in the :class:`Decision` (the trace shows
them). :mod:`.fast` decides the same with fewer calls (tests/test_scheduler_fastpaths.py
compares them decision by decision); the scheduler uses it when nothing is traced.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from html import escape

from .. import params as P
from . import profile
from .node_info import NodeInfo, PodInfo, as_pod_info, build_node_infos
from .plugins.helper import default_normalize
from .plugins.imagelocality import image_node_counts
from .preemption import preempt
from .status import NO_NODES, failure_code, fit_error_message



def num_feasible_nodes_to_find(num_all: int, percentage: int = 0) -> int:
    """How many feasible nodes to look for before stopping (percentageOfNodesToScore, adaptive:
    all nodes below 100, then 50% - 1% per 125 nodes, never below 5% or 100 nodes).
    https://kubernetes.io/docs/concepts/scheduling-eviction/scheduler-perf-tuning/"""
    if num_all < P.MIN_FEASIBLE_NODES_TO_FIND:
        return num_all
    if percentage <= 0:
        percentage = max(50 - num_all // 125, P.MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    n = num_all * percentage // 100
    return max(n, P.MIN_FEASIBLE_NODES_TO_FIND)


def run_prefilters(pi: PodInfo, node_infos) -> None:
    """PreFilter: compute, once per attempt, what filters need from all nodes (topology counts)."""
    pi.state = {}
    for name, (fn, needed) in profile.PREFILTERS.items():
        if needed(pi):
            pi.state[name] = fn(pi, node_infos)


def run_filters(pi: PodInfo, ni: NodeInfo, all_plugins: bool = False, filters=None):
    """[(plugin, reasons)] for one node. Stops at the first rejection, as the framework does,
    unless ``all_plugins`` (for explaining). Plugins the pod does not need are left out."""
    out = []
    for name, fn, _code, needed in (filters or profile.FILTERS):
        if needed is not None and not needed(pi):
            continue
        reasons = fn(pi, ni)
        out.append((name, reasons))
        if reasons and not all_plugins:
            break
    return out


def active_filters(pi: PodInfo, filters=None) -> list:
    """The filters this pod needs (PreFilter may say Skip: no host ports, no affinity, ...)."""
    return [(name, fn, code) for name, fn, code, needed in (filters or profile.FILTERS)
            if needed is None or needed(pi)]


def first_rejection(pi: PodInfo, ni: NodeInfo, filters=None, active=None):
    """(plugin, code, reasons) of the first filter that rejects the pod on this node, or None."""
    for name, fn, code in (active if active is not None else active_filters(pi, filters)):
        reasons = fn(pi, ni)
        if reasons:
            return name, failure_code(code, reasons), reasons
    return None


@dataclass
class Decision:
    """The outcome of one scheduling attempt and everything that led to it."""

    pod: PodInfo
    node: str | None = None
    num_nodes: int = 0
    filters: dict = field(default_factory=dict)      # node -> [(plugin, reasons)] as evaluated
    failed: dict = field(default_factory=dict)       # node -> (plugin, code, reasons)
    feasible: list = field(default_factory=list)     # node names, in evaluation order
    scores: dict = field(default_factory=dict)       # node -> {plugin: weighted score}
    totals: dict = field(default_factory=dict)       # node -> total
    message: str | None = None                       # FitError text when unschedulable
    preemption: object = None                        # preemption.PreemptionResult when unschedulable
    processed: int = 0

    @property
    def unschedulable_plugins(self) -> list[str]:
        return sorted({st[0] for st in self.failed.values()})


def find_feasible(pi: PodInfo, nodes: list[NodeInfo], want: int, active, d: Decision) -> list[NodeInfo]:
    """Filter: run the filters on each node in order, stopping at the first rejection, until
    ``want`` nodes pass. Every verdict is recorded in ``d.filters``, rejections in ``d.failed``;
    ``d.processed`` counts the nodes evaluated."""
    feasible = []
    for ni in nodes:
        d.processed += 1
        results = []
        for name, fn, code in active:
            reasons = fn(pi, ni)
            results.append((name, reasons))
            if reasons:
                d.failed[ni.name] = (name, failure_code(code, reasons), reasons)
                break
        d.filters[ni.name] = results
        if results and results[-1][1]:
            continue
        feasible.append(ni)
        if len(feasible) >= want:
            break
    return feasible


def score_nodes(pi: PodInfo, feasible: list[NodeInfo], score_plugins, ctx) -> tuple[dict, dict]:
    """Score: ({node: {plugin: weighted score}}, {node: total}) for the feasible nodes. Each
    plugin (unless PreScore says Skip) scores every node, is normalised, and is weighted."""
    totals = [0] * len(feasible)
    per_plugin = []
    for sp in score_plugins:
        if sp.skip is not None and sp.skip(pi):
            continue
        state = None
        if sp.prescore is not None:
            state = sp.prescore(pi, feasible, ctx.get("all_nodes") or feasible)
            if state is None:
                continue
            ctx[sp.name] = state
        raw = [int(sp.fn(pi, ni, ctx)) for ni in feasible]
        if sp.normalize == "default":
            raw = default_normalize(raw)
        elif sp.normalize == "reverse":
            raw = default_normalize(raw, reverse=True)
        elif callable(sp.normalize):
            raw = sp.normalize(raw, feasible, state)
        weighted = [s * sp.weight for s in raw]
        totals = [t + s for t, s in zip(totals, weighted)]
        per_plugin.append((sp.name, weighted))
    names = [ni.name for ni in feasible]
    per_node = {name: {pname: weighted[i] for pname, weighted in per_plugin} for i, name in enumerate(names)}
    return per_node, dict(zip(names, totals))


def select_host(order: list[str], totals: dict, rng) -> str:
    """The highest-scoring node; among k tied nodes each wins with probability 1/k, drawn with
    ``rng`` (upstream's selectHost gets the same odds by reservoir sampling, one draw per tied
    node; one draw for all of them is cheaper when hundreds of identical nodes tie)."""
    return select_best(order, [totals[name] for name in order], rng)


def select_best(order: list[str], scores: list, rng) -> str:
    """select_host with the totals as a list in ``order``."""
    best_score = max(scores)
    tied = [name for name, s in zip(order, scores) if s == best_score]
    if len(tied) == 1:
        return tied[0]
    return tied[rng.randrange(len(tied))]


def try_nominated(pi: PodInfo, node_infos: list[NodeInfo], filters=None) -> NodeInfo | None:
    """A pod that preempted others tries the node it was nominated to first: that node, if it fits."""
    nominated = (pi.pod.get("status") or {}).get("nominatedNodeName")
    if nominated:
        for ni in node_infos:
            if ni.name == nominated and first_rejection(pi, ni, filters) is None:
                return ni
    return None


def round_robin(node_infos: list[NodeInfo], start: int) -> list[NodeInfo]:
    """This attempt starts where the last one stopped: nodes[start:] + nodes[:start]."""
    start %= len(node_infos)
    return node_infos[start:] + node_infos[:start] if start else node_infos


def post_filter(d: Decision, pi: PodInfo, node_infos: list[NodeInfo], rng, filters=None) -> None:
    """No node fits: PostFilter (DefaultPreemption), then the FitError message."""
    res = preempt(pi, node_infos, d.failed, lambda p, ni: first_rejection(p, ni, filters), rng)
    d.preemption = res
    d.message = fit_error_message(len(node_infos), d.failed.values(),
                                  ("preemption: " + res.message) if res.message else "",
                                  pre_filter_msg=getattr(pi.volumes, "error", None) or "")   # VolumeBinding


def score_context(node_infos: list[NodeInfo], image_nodes: dict | None) -> dict:
    """What score plugins read besides the pod and the node: how many nodes have each image, all nodes."""
    if image_nodes is None:
        image_nodes = image_node_counts(node_infos)
    return {"image_nodes": image_nodes, "total_nodes": len(node_infos), "all_nodes": node_infos}


def schedule(pod, node_infos: list[NodeInfo], rng, score_plugins=None, *, start: int = 0,
             image_nodes: dict | None = None, filters=None) -> Decision:
    """Find a node for ``pod`` among ``node_infos`` (in the scheduler's node order)."""
    pi = as_pod_info(pod)
    d = Decision(pi, num_nodes=len(node_infos))
    if not node_infos:
        d.message = NO_NODES
        return d
    run_prefilters(pi, node_infos)
    ni = try_nominated(pi, node_infos, filters)
    if ni is not None:
        d.node, d.feasible = ni.name, [ni.name]
        d.filters[ni.name] = run_filters(pi, ni, filters=filters)
        return d
    want = num_feasible_nodes_to_find(len(node_infos))
    feasible = find_feasible(pi, round_robin(node_infos, start), want, active_filters(pi, filters), d)
    d.feasible = [ni.name for ni in feasible]
    if not feasible:
        post_filter(d, pi, node_infos, rng, filters)
        return d
    if len(feasible) == 1:
        d.node = feasible[0].name            # upstream skips scoring with one feasible node
        return d
    ctx = score_context(node_infos, image_nodes)
    d.scores, d.totals = score_nodes(pi, feasible, score_plugins or profile.default_score_plugins(), ctx)
    d.node = select_best(d.feasible, [d.totals[name] for name in d.feasible], rng)
    return d


# --- for notebooks ------------------------------------------------------------------------
class Explanation:
    """Filter results and scores per node (what kube-scheduler-simulator shows).

    ``rows`` is a list of dicts, one per node: ``node``, ``filters`` ({plugin: "ok" or the
    reasons; "-" when the plugin does not apply to this pod}), ``scores`` ({plugin: weighted
    score}), ``total`` and ``chosen`` (bool). ``str()`` prints two tables.
    """

    def __init__(self, decision: Decision, filter_names: list[str], score_names: list[str], order):
        self.decision = decision
        self.filter_names = filter_names
        self.score_names = score_names
        self.rows = []
        for name in order:
            results = dict(decision.filters.get(name, []))
            filters = {f: ("; ".join(results[f]) if results[f] else "ok") if f in results else "-"
                       for f in filter_names}
            sc = decision.scores.get(name, {})
            self.rows.append({"node": name, "filters": filters,
                              "scores": {s: sc[s] for s in score_names if s in sc},
                              "total": decision.totals.get(name), "chosen": decision.node == name})

    @property
    def node(self) -> str | None:
        return self.decision.node

    @property
    def message(self) -> str | None:
        return self.decision.message

    @staticmethod
    def _table(table: list[list[str]]) -> list[str]:
        widths = [max(len(line[i]) for line in table) for i in range(len(table[0]))]
        return ["  ".join(cell.ljust(w) for cell, w in zip(line, widths)).rstrip() for line in table]

    def __str__(self) -> str:
        lines = ["Filter"]
        t = [["NODE"] + self.filter_names]
        t += [[r["node"]] + [r["filters"][f] for f in self.filter_names] for r in self.rows]
        lines += self._table(t)
        scored = [r for r in self.rows if r["total"] is not None]
        if scored:
            lines += ["", "Score (weighted)"]
            t = [["NODE"] + self.score_names + ["TOTAL", ""]]
            t += [[r["node"]] + [str(r["scores"].get(s, "-")) for s in self.score_names]
                  + [str(r["total"]), "<- chosen" if r["chosen"] else ""] for r in scored]
            lines += self._table(t)
        if self.decision.message:
            lines += ["", self.decision.message]
        elif self.decision.node:
            lines += ["", f"chosen: {self.decision.node}"]
        return "\n".join(lines)

    __repr__ = __str__

    def _repr_html_(self) -> str:
        """The same two tables as HTML (what a notebook shows)."""

        def table(head, rows):
            out = ["<table><tr>" + "".join(f"<th>{escape(h)}</th>" for h in head) + "</tr>"]
            for r in rows:
                out.append("<tr>" + "".join(f"<td>{escape(str(c))}</td>" for c in r) + "</tr>")
            return "".join(out) + "</table>"

        parts = ["<b>Filter</b>", table(["NODE"] + self.filter_names,
                                         [[r["node"]] + [r["filters"][f] for f in self.filter_names]
                                          for r in self.rows])]
        scored = [r for r in self.rows if r["total"] is not None]
        if scored:
            parts += ["<b>Score (weighted)</b>",
                      table(["NODE"] + self.score_names + ["TOTAL", ""],
                            [[r["node"]] + [r["scores"].get(s, "-") for s in self.score_names]
                             + [r["total"], "<- chosen" if r["chosen"] else ""] for r in scored])]
        tail = self.decision.message or (f"chosen: {self.decision.node}" if self.decision.node else "")
        if tail:
            parts.append(f"<p>{escape(tail)}</p>")
        return "\n".join(parts)


def explain(pod: dict, nodes: list[dict], pods: list[dict] = (), rng=None, score_plugins=None) -> Explanation:
    """Run every filter (without stopping at the first rejection) and every score for ``pod``
    on ``nodes`` already running ``pods``; return the table. Pure: nothing is bound."""
    rng = rng or random.Random(0)
    infos = build_node_infos(list(nodes), list(pods))
    pi = PodInfo(pod)
    d = schedule(pi, infos, rng, score_plugins)
    # the table shows every filter on every node, not only up to the first rejection
    for ni in infos:
        d.filters[ni.name] = run_filters(pi, ni, all_plugins=True)
    if len(d.feasible) == 1:       # upstream skips scoring with one feasible node; show the scores anyway
        ctx = score_context(infos, None)
        only = [ni for ni in infos if ni.name == d.feasible[0]]
        d.scores, d.totals = score_nodes(pi, only, score_plugins or profile.default_score_plugins(), ctx)
    sps = score_plugins or profile.default_score_plugins()
    return Explanation(d, [f[0] for f in profile.FILTERS], [s.name for s in sps], [ni.name for ni in infos])
