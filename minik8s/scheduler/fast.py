"""The fast path: the same decisions as :mod:`.framework` with fewer Python calls.

:func:`schedule` has :func:`minik8s.scheduler.framework.schedule`'s interface and result
(the same node, the same feasible nodes, totals, rejections and FitError message, the same
draws from the rng) but records no per-node verdicts or per-plugin scores, so the scheduler
uses it only when nothing is traced. ``tests/test_scheduler_fastpaths.py`` runs both on varied
clusters and pods and compares every decision.

Where the time goes in a big cluster, and what this module does about it:

* **Filter**: most nodes of a healthy cluster have no taints, are not cordoned and have room.
  :func:`quick_pass` says so of a whole chunk of nodes in one call (from ``NodeInfo.room``), and
  only the filters it does not cover run on those nodes.
* **Score**: the scores of node-local plugins (those with a ``ScorePlugin.signature``) depend only
  on the node and on what the signature captures of the pod; every node remembers their weighted
  sum per signature (``NodeInfo.scores``, cleared when the node or its pods change), so the next
  replica of a workload is scored by one look-up per node. PodTopologySpread's score, when only
  its hostname term applies, is remembered the same way (:func:`spread_scores`).

Everything remembered lives in the scheduler's cache (its ``NodeInfo`` objects), so two
clusters never share it. Upstream runs Filter and Score in parallel over 16 goroutines instead.
"""

from __future__ import annotations

from . import framework as F
from . import profile
from .node_info import NodeInfo, PodInfo, as_pod_info
from .plugins import podtopologyspread as T
from .plugins.helper import default_normalize
from .plugins.nodeunschedulable import node_unschedulable
from .plugins.noderesources import fits
from .plugins.tainttoleration import taint_toleration
from .status import NO_NODES, failure_code

# the filters quick_pass vouches for on the nodes it passes
QUICK_PASS_COVERS = (node_unschedulable, taint_toleration, fits)


def quick_pass(pi: PodInfo, nodes: list[NodeInfo]) -> list[bool]:
    """For each node, a one-expression test that it certainly passes NodeUnschedulable,
    TaintToleration and NodeResourcesFit: not cordoned, no taints at all, room for one more pod
    and for the pod's requests (``NodeInfo.room`` is (0, 0, 0) on a cordoned or tainted node)."""
    cpu, mem = pi.requests
    return [p > 0 and cpu <= c and mem <= m for p, c, m in [ni.room for ni in nodes]]


def find_feasible(pi: PodInfo, nodes: list[NodeInfo], want: int, active, d: F.Decision) -> list[NodeInfo]:
    """framework.find_feasible without the record: filter ``nodes`` in order until ``want`` are
    feasible, in chunks of as many nodes as are still wanted (all of them are evaluated anyway);
    on the nodes quick_pass vouches for, the three filters it covers are not called."""
    rest = [f for f in active if f[1] not in QUICK_PASS_COVERS]      # what quick_pass does not vouch for
    feasible: list[NodeInfo] = []
    pos, n = 0, len(nodes)
    while pos < n and len(feasible) < want:
        chunk = nodes[pos:pos + want - len(feasible)]
        pos += len(chunk)
        vouched = quick_pass(pi, chunk)
        if not rest and False not in vouched:
            feasible.extend(chunk)            # the usual case: every one of them fits
            continue
        for ni, ok in zip(chunk, vouched):
            for name, fn, code in (rest if ok else active):
                reasons = fn(pi, ni)
                if reasons:
                    d.failed[ni.name] = (name, failure_code(code, reasons), reasons)
                    break
            else:
                feasible.append(ni)
    d.processed = pos
    return feasible


def signature_key(sp, pi: PodInfo, ctx: dict) -> str:
    """Where nodes remember ``sp``'s raw score for ``pi`` (``NodeInfo.scores``): one string per
    (plugin, signature), built once per attempt, so its hash is computed once, not on every node."""
    return sp.name + "#" + repr(sp.signature(pi, ctx))


def remembered_scores(sp, pi: PodInfo, nodes: list[NodeInfo], ctx: dict) -> list[int]:
    """Raw scores of a node-local plugin, from each node's memory (else computed and remembered)."""
    key = signature_key(sp, pi, ctx)
    raw = [ni.scores.get(key) for ni in nodes]
    if None in raw:
        for i, v in enumerate(raw):
            if v is None:
                ni = nodes[i]
                raw[i] = ni.scores[key] = int(sp.fn(pi, ni, ctx))
    return raw


def node_local_sums(pi: PodInfo, nodes: list[NodeInfo], plugins, ctx) -> list[int]:
    """The sum of weight * raw score of ``plugins`` (all with a signature) on each node, remembered
    by the node under a key naming the plugins' keys and weights."""
    keys = [signature_key(sp, pi, ctx) for sp in plugins]
    combined = repr(tuple((key, sp.weight) for key, sp in zip(keys, plugins)))
    sums = [ni.scores.get(combined) for ni in nodes]
    if None in sums:
        for i, v in enumerate(sums):
            if v is None:
                ni = nodes[i]
                total = 0
                for sp, key in zip(plugins, keys):
                    raw = ni.scores.get(key)
                    if raw is None:
                        raw = ni.scores[key] = int(sp.fn(pi, ni, ctx))
                    total += raw * sp.weight
                sums[i] = ni.scores[combined] = total
    return sums


def spread_scores(pi: PodInfo, nodes: list[NodeInfo], ctx: dict) -> list[int] | None:
    """PodTopologySpread's raw scores when only its hostname term applies (no feasible node carries
    the other constraints' labels: the zone of the system defaults in a cluster without zones);
    a node's score then depends only on its own pods and on the term, and the node remembers it.
    None when that is not the case (the plugin then scores node by node)."""
    state = ctx["PodTopologySpread"]
    hosts = [t for t in state["terms"] if t[0].key == T.HOSTNAME]
    if state["counts"] or state["ignored"] or len(hosts) != 1:
        return None
    c, weight, memo_key = hosts[0]
    skew, ns, sel = c.max_skew - 1, pi.namespace, c.selector
    key = "PodTopologySpread/hostname" + repr((memo_key, weight, skew))
    out = [ni.scores.get(key) for ni in nodes]
    if None in out:
        for i, v in enumerate(out):
            if v is None:
                ni = nodes[i]
                if T.HOSTNAME not in ni.labels:
                    v = 0
                else:
                    cnt = ni.match_counts.get(memo_key)
                    if cnt is None:
                        cnt = T.count_matching(ni, sel, ns, memo_key[0])
                    v = int(cnt * weight + skew + 0.5)        # T.score's floor(x + 0.5), x >= 0
                out[i] = ni.scores[key] = v
    return out


def raw_scores(sp, pi: PodInfo, nodes: list[NodeInfo], ctx: dict) -> list[int]:
    if sp.signature is not None:
        return remembered_scores(sp, pi, nodes, ctx)
    if sp.fn is profile.spread_score:
        raw = spread_scores(pi, nodes, ctx)
        if raw is not None:
            return raw
    return [int(sp.fn(pi, ni, ctx)) for ni in nodes]


def score_nodes(pi: PodInfo, feasible: list[NodeInfo], score_plugins, ctx) -> dict:
    """framework.score_nodes without the per-plugin record: {node: total}. With int scores only
    (any order of additions gives the same totals), the node-local plugins' sum comes from the
    nodes' memory in one look-up each."""
    totals = [0] * len(feasible)
    plugins = [sp for sp in score_plugins if sp.skip is None or not sp.skip(pi)]
    local = []
    if all(type(sp.weight) is int and sp.ints for sp in plugins):
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
        raw = raw_scores(sp, pi, feasible, ctx)
        if sp.normalize == "default":
            raw = default_normalize(raw)
        elif sp.normalize == "reverse":
            raw = default_normalize(raw, reverse=True)
        elif callable(sp.normalize):
            raw = sp.normalize(raw, feasible, state)
        w = sp.weight
        totals = [t + s * w for t, s in zip(totals, raw)]
    return dict(zip([ni.name for ni in feasible], totals))


def schedule(pod, node_infos: list[NodeInfo], rng, score_plugins=None, *, start: int = 0,
             image_nodes: dict | None = None, filters=None) -> F.Decision:
    """framework.schedule's decision, with the fast filter and score above."""
    pi = as_pod_info(pod)
    d = F.Decision(pi, num_nodes=len(node_infos))
    if not node_infos:
        d.message = NO_NODES
        return d
    F.run_prefilters(pi, node_infos)
    ni = F.try_nominated(pi, node_infos, filters)
    if ni is not None:
        d.node, d.feasible = ni.name, [ni.name]
        return d
    want = F.num_feasible_nodes_to_find(len(node_infos))
    feasible = find_feasible(pi, F.round_robin(node_infos, start), want, F.active_filters(pi, filters), d)
    d.feasible = [ni.name for ni in feasible]
    if not feasible:
        F.post_filter(d, pi, node_infos, rng, filters)
        return d
    if len(feasible) == 1:
        d.node = feasible[0].name
        return d
    ctx = F.score_context(node_infos, image_nodes)
    d.totals = score_nodes(pi, feasible, score_plugins or profile.default_score_plugins(), ctx)
    d.node = F.select_best(d.feasible, [d.totals[name] for name in d.feasible], rng)
    return d
