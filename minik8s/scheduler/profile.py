"""The default scheduling profile: which plugins run, in which order, with which weights.

``default-scheduler`` in Kubernetes v1.33 (pkg/scheduler/apis/config/v1/default_plugins.go;
https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins). Each plugin is a
module of :mod:`minik8s.scheduler.plugins`; this module only lists them:

* :data:`FILTERS`: ``(name, function, code when it fails, is it needed for this pod?)``;
* :data:`PREFILTERS`: state computed once per attempt over all nodes (``pod_info.state[name]``);
* :func:`default_score_plugins`: the score plugins as :class:`ScorePlugin` objects, which the
  scheduler's students' seam (``add_score_plugin``, ``set_plugin_weight``) edits.
"""

from __future__ import annotations

from .node_info import PodInfo
from .plugins import interpodaffinity as I
from .plugins import podtopologyspread as T
from .plugins import volumebinding as V
from .plugins.imagelocality import image_locality, image_spread
from .plugins.nodeaffinity import node_affinity, node_affinity_score
from .plugins.nodename import node_name
from .plugins.nodeports import node_ports
from .plugins.noderesources import balanced_allocation, fits, least_allocated
from .plugins.nodeunschedulable import node_unschedulable
from .plugins.tainttoleration import taint_toleration, taint_toleration_score
from .status import UNRESOLVABLE, UNSCHEDULABLE


def _spread_code(reasons):
    return UNRESOLVABLE if reasons == [T.ERR_MISSING_LABEL] else UNSCHEDULABLE


# (name, function, code when it fails (or fn(reasons) -> code), is it needed for this pod?)
# in the default profile's order.
FILTERS = [
    ("NodeUnschedulable", node_unschedulable, UNRESOLVABLE, None),
    ("NodeName", node_name, UNRESOLVABLE, lambda pi: bool((pi.pod.get("spec") or {}).get("nodeName"))),
    ("TaintToleration", taint_toleration, UNRESOLVABLE, None),
    ("NodeAffinity", node_affinity, UNRESOLVABLE,
     lambda pi: bool(pi.node_selector) or pi.required_terms is not None),
    ("NodePorts", node_ports, UNSCHEDULABLE, lambda pi: bool(pi.ports)),
    ("NodeResourcesFit", fits, UNSCHEDULABLE, None),
    ("VolumeBinding", V.volume_binding, UNRESOLVABLE, V.needs_filter),
    ("PodTopologySpread", T.pod_topology_spread, _spread_code, T.needs_filter),
    ("InterPodAffinity", I.inter_pod_affinity, I.filter_code, I.needs_filter),
]

# PreFilter: state computed once per attempt over all nodes, kept in ``pod_info.state[name]``.
PREFILTERS = {"PodTopologySpread": (T.prefilter, T.needs_filter),
              "InterPodAffinity": (I.prefilter, I.needs_prefilter)}


class ScorePlugin:
    """A score plugin: ``fn(pod_info, node_info, ctx) -> int``, its weight, how it is normalised
    (None, "default", "reverse" or ``fn(raw, feasible, state) -> scores``), optionally
    ``skip(pod_info)`` (PreScore said Skip) and ``prescore(pod_info, feasible, all_nodes) -> state``
    (None means Skip; the state is ``ctx[name]``).

    Two declarations only the fast path (:mod:`minik8s.scheduler.fast`) reads:
    ``signature(pod_info, ctx) -> hashable`` says the raw score on a node depends only on that
    node and on what the signature captures of the pod and of the cluster (so a node can
    remember it); ``ints`` says its normalised scores are always ints (true of "default" and
    "reverse"; a callable ``normalize`` must say so), so totals may be added in any order."""

    def __init__(self, name: str, fn, weight: int = 1, normalize=None, skip=None, prescore=None,
                 signature=None, ints: bool | None = None):
        self.name = name
        self.fn = fn
        self.weight = weight
        self.normalize = normalize
        self.skip = skip
        self.prescore = prescore
        self.signature = signature
        self.ints = normalize in (None, "default", "reverse") if ints is None else ints

    def __repr__(self) -> str:
        return f"ScorePlugin({self.name!r}, weight={self.weight})"


# --- what each node-local score reads of the pod and the cluster (ScorePlugin.signature) --------
def tolerations_signature(pi: PodInfo, ctx=None):
    return repr(pi.tolerations)


def nonzero_signature(pi: PodInfo, ctx=None):
    return pi.nonzero


def requests_signature(pi: PodInfo, ctx=None):
    return pi.requests


def images_signature(pi: PodInfo, ctx: dict):
    # the pod's images with how many nodes have each (the spread ImageLocality scales by)
    return tuple(image_spread(pi, ctx["image_nodes"], ctx["total_nodes"])), pi.n_containers


def spread_score(pi, ni, ctx) -> int:
    return T.score(pi, ni, ctx["PodTopologySpread"])


def default_score_plugins() -> list[ScorePlugin]:
    """The v1.33 default profile's scores, in its order."""
    return [
        ScorePlugin("TaintToleration", lambda pi, ni, ctx: taint_toleration_score(pi, ni), 3, "reverse",
                    signature=tolerations_signature),
        ScorePlugin("NodeAffinity", lambda pi, ni, ctx: node_affinity_score(pi, ni), 2, "default",
                    skip=lambda pi: not pi.preferred_terms),
        ScorePlugin("NodeResourcesFit", lambda pi, ni, ctx: least_allocated(pi, ni), 1,
                    signature=nonzero_signature),
        ScorePlugin("PodTopologySpread", spread_score, 2, normalize=T.normalize, prescore=T.prescore, ints=True),
        ScorePlugin("InterPodAffinity", lambda pi, ni, ctx: I.score(pi, ni, ctx["InterPodAffinity"]), 2,
                    normalize=I.normalize, prescore=I.prescore, ints=True),
        # PreScore skips best-effort pods (no requests), so they do not pile onto one node
        ScorePlugin("NodeResourcesBalancedAllocation", lambda pi, ni, ctx: balanced_allocation(pi, ni), 1,
                    skip=lambda pi: pi.requests == (0, 0), signature=requests_signature),
        ScorePlugin("ImageLocality",
                    lambda pi, ni, ctx: image_locality(pi, ni, ctx["image_nodes"], ctx["total_nodes"]), 1,
                    signature=images_signature),
    ]
