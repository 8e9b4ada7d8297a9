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
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import plugins as P
from .node_info import NodeInfo, PodInfo, as_pod_info, build_node_infos
from .preemption import preempt

NO_NODE_AVAILABLE = "0/%d nodes are available"
NO_NODES = "no nodes available to schedule pods"
MIN_FEASIBLE_NODES_TO_FIND = 100
MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND = 5


def num_feasible_nodes_to_find(num_all: int, percentage: int = 0) -> int:
    """How many feasible nodes to look for before stopping (percentageOfNodesToScore, adaptive:
    all nodes below 100, then 50% - 1% per 125 nodes, never below 5% or 100 nodes).
    https://kubernetes.io/docs/concepts/scheduling-eviction/scheduler-perf-tuning/"""
    if num_all < MIN_FEASIBLE_NODES_TO_FIND:
        return num_all
    if percentage <= 0:
        percentage = max(50 - num_all // 125, MIN_FEASIBLE_NODES_PERCENTAGE_TO_FIND)
    n = num_all * percentage // 100
    return max(n, MIN_FEASIBLE_NODES_TO_FIND)


def run_prefilters(pi: PodInfo, node_infos) -> None:
    """PreFilter: compute, once per attempt, what filters need from all nodes (topology counts)."""
    pi.state = {}
    for name, (fn, needed) in P.PREFILTERS.items():
        if needed(pi):
            pi.state[name] = fn(pi, node_infos)


def run_filters(pi: PodInfo, ni: NodeInfo, all_plugins: bool = False, filters=None):
    """[(plugin, reasons)] for one node. Stops at the first rejection, as the framework does,
    unless ``all_plugins`` (for explaining). Plugins the pod does not need are left out."""
    out = []
    for name, fn, _code, needed in (filters or P.FILTERS):
        if needed is not None and not needed(pi):
            continue
        reasons = fn(pi, ni)
        out.append((name, reasons))
        if reasons and not all_plugins:
            break
    return out


def active_filters(pi: PodInfo, filters=None) -> list:
    """The filters this pod needs (PreFilter may say Skip: no host ports, no affinity, ...)."""
    return [(name, fn, code) for name, fn, code, needed in (filters or P.FILTERS)
            if needed is None or needed(pi)]


def first_rejection(pi: PodInfo, ni: NodeInfo, filters=None, active=None):
    """(plugin, code, reasons) of the first filter that rejects the pod on this node, or None."""
    for name, fn, code in (active if active is not None else active_filters(pi, filters)):
        reasons = fn(pi, ni)
        if reasons:
            return name, P.failure_code(code, reasons), reasons
    return None


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


def score_nodes(pi: PodInfo, feasible: list[NodeInfo], score_plugins, ctx,
                record: bool = True) -> tuple[dict, dict]:
    """({node: {plugin: weighted score}}, {node: total}) for the feasible nodes
    (the first is empty unless ``record``)."""
    totals = [0] * len(feasible)
    per_plugin = []
    plugins = [sp for sp in score_plugins if sp.skip is None or not sp.skip(pi)]
    local = []
    if not record and all(sp.int_scores() for sp in plugins):
        # the plugins whose weighted scores are simply added (node-local, not normalised): each
        # node remembers their sum, one number instead of one per plugin (ints: same totals)
        local = [sp for sp in plugins if sp.signature is not None and sp.normalize is None
                 and sp.prescore is None]
        if len(local) > 1:
            totals = node_local_sums(pi, feasible, local, ctx)
        else:
            local = []
    for sp in plugins:
        if sp in local:
            continue
        state = None
        if sp.prescore is not None:
            state = sp.prescore(pi, feasible, ctx.get("all_nodes") or feasible)
            if state is None:
                continue
            ctx[sp.name] = state
        raw = sp.scores(pi, feasible, ctx)
        if sp.normalize == "default":
            raw = P.default_normalize(raw)
        elif sp.normalize == "reverse":
            raw = P.default_normalize(raw, reverse=True)
        elif callable(sp.normalize):
            raw = sp.normalize(raw, feasible, state)
        w = sp.weight
        if record:
            weighted = [s * w for s in raw]
            totals = [t + s for t, s in zip(totals, weighted)]
            per_plugin.append((sp.name, weighted))
        else:
            totals = [t + s * w for t, s in zip(totals, raw)]
    names = [ni.name for ni in feasible]
    per_node = {}
    if record:
        # {node: {plugin: its weighted score on the node}}, a column of per_plugin per node
        pnames = [pname for pname, _weighted in per_plugin]
        columns = zip(*[weighted for _pname, weighted in per_plugin]) if per_plugin else ([] for _ in names)
        per_node = {name: dict(zip(pnames, column)) for name, column in zip(names, columns)}
    return per_node, dict(zip(names, totals))


def node_local_sums(pi: PodInfo, nodes: list[NodeInfo], plugins, ctx) -> list[int]:
    """The sum of weight * raw score of ``plugins`` (all with a ScorePlugin.signature) on each
    node, remembered by the node (``NodeInfo.scores``) under a key naming the plugins' keys and
    weights, so the next replica of a workload is scored by one look-up per node."""
    keys = [sp.key(pi, ctx) for sp in plugins]
    combined = repr(tuple((key, sp.weight) for key, sp in zip(keys, plugins)))
    sums = [ni.scores.get(combined) for ni in nodes]
    if None in sums:
        for i, v in enumerate(sums):
            if v is None:
                ni = nodes[i]
                sums[i] = ni.scores[combined] = sum(sp.remembered(pi, ni, ctx, key) * sp.weight
                                                    for sp, key in zip(plugins, keys))
    return sums


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


def schedule(pod, node_infos: list[NodeInfo], rng, score_plugins=None, *, start: int = 0,
             image_nodes: dict | None = None, record: bool = True, filters=None) -> Decision:
    """Find a node for ``pod`` among ``node_infos`` (in the scheduler's node order)."""
    pi = as_pod_info(pod)
    d = Decision(pi, num_nodes=len(node_infos))
    n = len(node_infos)
    if n == 0:
        d.message = NO_NODES
        return d
    run_prefilters(pi, node_infos)
    nominated = (pi.pod.get("status") or {}).get("nominatedNodeName")
    if nominated:
        # a pod that preempted others tries the node it was nominated to first
        for ni in node_infos:
            if ni.name == nominated and first_rejection(pi, ni, filters) is None:
                d.node, d.feasible = ni.name, [ni.name]
                if record:
                    d.filters[ni.name] = run_filters(pi, ni, filters=filters)
                return d
    want = num_feasible_nodes_to_find(n)
    active = active_filters(pi, filters)
    # round robin: this attempt starts where the last one stopped (nodes[start:] + nodes[:start])
    start %= n
    order = node_infos[start:] + node_infos[:start] if start else node_infos
    feasible: list[NodeInfo] = []
    if not record:
        d.processed = find_feasible(pi, order, want, active, feasible, d.failed)
    else:
        # run_filters on each node, recording every verdict; on a node quick_pass vouches for, the
        # three filters it covers are recorded as passing without being called
        cpu, mem = pi.requests
        for ni in order:
            d.processed += 1
            results = []
            pods, free_cpu, free_mem = ni.room
            vouched = pods > 0 and cpu <= free_cpu and mem <= free_mem      # quick_pass(pi)(ni)
            for name, fn, code in active:
                reasons = [] if vouched and fn in P.QUICK_PASS_COVERS else fn(pi, ni)
                results.append((name, reasons))
                if reasons:
                    d.failed[ni.name] = (name, P.failure_code(code, reasons), reasons)
                    break
            d.filters[ni.name] = results
            if results and results[-1][1]:
                continue
            feasible.append(ni)
            if len(feasible) >= want:
                break
    d.feasible = [ni.name for ni in feasible]
    if not feasible:
        # PostFilter: DefaultPreemption
        res = preempt(pi, node_infos, d.failed, lambda p, ni: first_rejection(p, ni, filters), rng)
        d.preemption = res
        d.message = fit_error_message(n, d.failed.values(), ("preemption: " + res.message) if res.message else "",
                                      pre_filter_msg=getattr(pi.volumes, "error", None) or "")   # VolumeBinding
        return d
    if len(feasible) == 1:
        d.node = feasible[0].name
        return d
    if image_nodes is None:
        image_nodes = image_node_counts(node_infos)
    ctx = {"image_nodes": image_nodes, "total_nodes": n, "all_nodes": node_infos}
    d.scores, d.totals = score_nodes(pi, feasible, score_plugins or P.default_score_plugins(), ctx,
                                     record=record)
    if len(d.totals) == len(d.feasible):     # (no two nodes of one name: d.totals is in d.feasible's order)
        d.node = select_best(d.feasible, list(d.totals.values()), rng)
    else:
        d.node = select_host(d.feasible, d.totals, rng)
    return d


def find_feasible(pi: PodInfo, nodes: list[NodeInfo], want: int, active, feasible: list, failed: dict) -> int:
    """Filter ``nodes`` in order until ``want`` are feasible: append those to ``feasible``, put the
    others' (plugin, code, reasons) in ``failed``; return how many nodes were evaluated.
    first_rejection() on each node, except that on the nodes plugins.quick_pass vouches for, the
    three filters it covers are not called (most nodes of a healthy cluster)."""
    rest = [f for f in active if f[1] not in P.QUICK_PASS_COVERS]      # what quick_pass does not vouch for
    cpu, mem = pi.requests
    pos, n = 0, len(nodes)
    while pos < n and len(feasible) < want:
        # the next nodes: as many as are still wanted, since all of them are evaluated anyway
        chunk = nodes[pos:pos + want - len(feasible)]
        pos += len(chunk)
        # plugins.quick_pass(pi)(ni) for each, inlined (a Python call per node costs more than the
        # test): not cordoned, no taints, room for one more pod and for the requests (NodeInfo.room)
        vouched = [p > 0 and cpu <= c and mem <= m for p, c, m in [ni.room for ni in chunk]]
        if not rest and False not in vouched:
            feasible.extend(chunk)            # the usual case: every one of them fits
            continue
        for ni, ok in zip(chunk, vouched):
            for name, fn, code in (rest if ok else active):
                reasons = fn(pi, ni)
                if reasons:
                    failed[ni.name] = (name, P.failure_code(code, reasons), reasons)
                    break
            else:
                feasible.append(ni)
    return pos


def image_node_counts(node_infos) -> dict[str, int]:
    """image -> how many nodes have it (ImageLocality's spread)."""
    out: dict[str, int] = {}
    for ni in node_infos:
        for img in ni.images:
            out[img] = out.get(img, 0) + 1
    return out


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
        from html import escape

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
    import random
    rng = rng or random.Random(0)
    infos = build_node_infos(list(nodes), list(pods))
    pi = PodInfo(pod)
    d = schedule(pi, infos, rng, score_plugins)
    # the table shows every filter on every node, not only up to the first rejection
    for ni in infos:
        d.filters[ni.name] = run_filters(pi, ni, all_plugins=True)
    if len(d.feasible) == 1:       # upstream skips scoring with one feasible node; show the scores anyway
        ctx = {"image_nodes": image_node_counts(infos), "total_nodes": len(infos), "all_nodes": infos}
        only = [ni for ni in infos if ni.name == d.feasible[0]]
        d.scores, d.totals = score_nodes(pi, only, score_plugins or P.default_score_plugins(), ctx)
    sps = score_plugins or P.default_score_plugins()
    return Explanation(d, [f[0] for f in P.FILTERS], [s.name for s in sps], [ni.name for ni in infos])
