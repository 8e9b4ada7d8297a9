"""The default kube-scheduler plugins, one small pure function each.

https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins lists them;
the code is pkg/scheduler/framework/plugins/ in kubernetes/kubernetes (v1.33).

A *filter* answers "can this pod run on this node?": it returns the reasons it
cannot (an empty list means yes). The reason strings are upstream's, because
they end up, counted, in the ``FailedScheduling`` event.

A *score* answers "how good is this node?" with an integer; scores of plugins
that need it are normalised to 0..100 over all feasible nodes, multiplied by
the plugin's weight and summed. The node with the highest total wins.

Every function takes a pod (a dict or a :class:`PodInfo`) and a node (a dict
or a :class:`NodeInfo`, which also knows the pods already on the node).
"""

from __future__ import annotations

from .node_info import NodeInfo, PodInfo, as_node_info, as_pod_info

MAX_NODE_SCORE = 100

# framework.Code: Unschedulable can be fixed by preemption; UnschedulableAndUnresolvable cannot.
UNSCHEDULABLE = "Unschedulable"
UNRESOLVABLE = "UnschedulableAndUnresolvable"

TAINT_NODE_UNSCHEDULABLE = "node.kubernetes.io/unschedulable"


# --- tolerations (k8s.io/api/core/v1 toleration.go) ---------------------------------------
def tolerates(toleration: dict, taint: dict) -> bool:
    """Does one toleration tolerate one taint?

    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/ :
    an empty effect matches every effect, an empty key with ``Exists`` matches every
    taint, ``Equal`` (the default operator) compares values.
    """
    eff = toleration.get("effect") or ""
    if eff and eff != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    if key and key != taint.get("key"):
        return False
    op = toleration.get("operator") or "Equal"
    if op == "Exists":
        return True
    if op == "Equal":
        return (toleration.get("value") or "") == (taint.get("value") or "")
    return False


def tolerated(tolerations: list, taint: dict) -> bool:
    return any(tolerates(t, taint) for t in tolerations)


# --- filters --------------------------------------------------------------------------------
def node_unschedulable(pod, node) -> list[str]:
    """NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes no new pods,
    unless the pod tolerates the ``node.kubernetes.io/unschedulable:NoSchedule`` taint.
    https://kubernetes.io/docs/concepts/architecture/nodes/#manual-node-administration"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.unschedulable:
        return []
    if tolerated(pi.tolerations, {"key": TAINT_NODE_UNSCHEDULABLE, "effect": "NoSchedule"}):
        return []
    return ["node(s) were unschedulable"]


def node_name(pod, node) -> list[str]:
    """NodeName: a pod that names a node (``spec.nodeName``) fits only that node."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    want = (pi.pod.get("spec") or {}).get("nodeName")
    if not want or want == ni.name:
        return []
    return ["node(s) didn't match the requested node name"]


def untolerated_taint(taints: list, tolerations: list, effects=("NoSchedule", "NoExecute")) -> dict | None:
    """The first taint (in the node's order) with one of ``effects`` that no toleration tolerates."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerated(tolerations, taint):
            return taint
    return None


def taint_toleration(pod, node) -> list[str]:
    """TaintToleration: the pod must tolerate every NoSchedule and NoExecute taint.
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.taints:
        return []
    taint = untolerated_taint(ni.taints, pi.tolerations)
    if taint is None:
        return []
    return ["node(s) had untolerated taint {%s: %s}" % (taint.get("key", ""), taint.get("value") or "")]


def _match_expression(expr: dict, labels: dict) -> bool:
    key, op = expr.get("key"), expr.get("operator")
    values = expr.get("values") or []
    if op == "In":
        return key in labels and labels[key] in values
    if op == "NotIn":
        return key not in labels or labels[key] not in values
    if op == "Exists":
        return key in labels
    if op == "DoesNotExist":
        return key not in labels
    if op in ("Gt", "Lt"):
        if key not in labels or len(values) != 1:
            return False
        try:
            have, want = int(labels[key]), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def match_node_selector_term(term: dict, node: NodeInfo) -> bool:
    """A nodeSelectorTerm: all matchExpressions (labels) and matchFields (``metadata.name``) hold.
    A term with neither matches no node."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    for e in exprs:
        if not _match_expression(e, node.labels):
            return False
    for f in fields:
        if f.get("key") != "metadata.name" or not _match_expression(f, {"metadata.name": node.name}):
            return False
    return True


def node_affinity(pod, node) -> list[str]:
    """NodeAffinity: ``nodeSelector`` labels all present, and one of the
    ``requiredDuringSchedulingIgnoredDuringExecution`` terms matches (terms are ORed,
    expressions in a term ANDed).
    https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    for k, v in pi.node_selector.items():
        if ni.labels.get(k) != v:
            return ["node(s) didn't match Pod's node affinity/selector"]
    if pi.required_terms is not None:
        if not any(match_node_selector_term(t, ni) for t in pi.required_terms):
            return ["node(s) didn't match Pod's node affinity/selector"]
    return []


def node_ports(pod, node) -> list[str]:
    """NodePorts: a hostPort (per protocol and host IP; ``0.0.0.0`` clashes with every IP)
    can be used by only one pod on a node.
    https://kubernetes.io/docs/concepts/configuration/overview/#services"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not pi.ports or not ni.used_ports:
        return []
    for ip, proto, port in pi.ports:
        for uip, uproto, uport in ni.used_ports:
            if uport == port and uproto == proto and (ip == uip or ip == "0.0.0.0" or uip == "0.0.0.0"):
                return ["node(s) didn't have free ports for the requested pod ports"]
    return []


def fits(pod, node) -> list[str]:
    """NodeResourcesFit: the node's allocatable minus the requests of pods already there must
    cover the pod's requests (cpu, memory) and leave room for one more pod.
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    out = []
    if len(ni.pods) + 1 > ni.alloc_pods:
        out.append("Too many pods")
    cpu, mem = pi.requests
    if cpu > 0 and cpu > ni.alloc_cpu - ni.requested_cpu:
        out.append("Insufficient cpu")
    if mem > 0 and mem > ni.alloc_mem - ni.requested_mem:
        out.append("Insufficient memory")
    return out




def quick_pass(pi: PodInfo):
    """A one-expression test that a node certainly passes NodeUnschedulable, TaintToleration and
    NodeResourcesFit: not cordoned, no taints at all, room for one more pod and for the pod's
    requests. Most nodes of a healthy cluster pass it, so the scheduler calls the three filters
    (which also say *why* a node fails) only on the nodes it does not vouch for."""
    cpu, mem = pi.requests

    def passes(ni: NodeInfo) -> bool:
        return (not ni.unschedulable and not ni.taints and len(ni.pods) < ni.alloc_pods
                and cpu <= ni.alloc_cpu - ni.requested_cpu and mem <= ni.alloc_mem - ni.requested_mem)
    return passes


QUICK_PASS_COVERS = (node_unschedulable, taint_toleration, fits)


from . import interpod as I  # noqa: E402
from . import topology as T  # noqa: E402  (PodTopologySpread uses the filters above)
from . import volumebinding as V  # noqa: E402


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
    ("VolumeBinding", V.volume_binding, UNRESOLVABLE, V.needs_filter),   # scheduling/volumebinding.py
    ("PodTopologySpread", T.pod_topology_spread, _spread_code, T.needs_filter),
    ("InterPodAffinity", I.inter_pod_affinity, I._filter_code, I.needs_filter),
]

# PreFilter: state computed once per attempt over all nodes, kept in ``pod_info.state[name]``.
PREFILTERS = {"PodTopologySpread": (T.prefilter, T.needs_filter),
              "InterPodAffinity": (I.prefilter, I.needs_prefilter)}


def failure_code(code, reasons) -> str:
    return code(reasons) if callable(code) else code


# --- scores ---------------------------------------------------------------------------------
def least_requested_score(requested: int, capacity: int) -> int:
    """(capacity - requested) * 100 / capacity, 0 when the node is full."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated(pod, node) -> int:
    """NodeResourcesFit score (strategy LeastAllocated, cpu and memory weight 1): prefer the node
    with the most room left after placing the pod. Containers without requests count as
    100m CPU / 200Mi memory here.
    https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    return least_allocated_of(ni.nonzero_cpu + pi.nonzero[0], ni.alloc_cpu,
                              ni.nonzero_mem + pi.nonzero[1], ni.alloc_mem)


def least_allocated_of(cpu: int, alloc_cpu: int, mem: int, alloc_mem: int) -> int:
    """The LeastAllocated arithmetic: the mean of each resource's least_requested_score
    (``cpu``, ``mem``: what the node would have requested with the pod on it)."""
    if alloc_cpu and alloc_mem:
        return (least_requested_score(cpu, alloc_cpu) + least_requested_score(mem, alloc_mem)) // 2
    if alloc_cpu:
        return least_requested_score(cpu, alloc_cpu)
    if alloc_mem:
        return least_requested_score(mem, alloc_mem)
    return 0


def balanced_allocation(pod, node) -> int:
    """NodeResourcesBalancedAllocation: prefer the node whose cpu and memory would be used in
    similar fractions: (1 - standard deviation of the fractions) * 100.
    https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    return balanced_allocation_of(ni.requested_cpu + pi.requests[0], ni.alloc_cpu,
                                  ni.requested_mem + pi.requests[1], ni.alloc_mem)


def balanced_allocation_of(cpu: int, alloc_cpu: int, mem: int, alloc_mem: int) -> int:
    """The BalancedAllocation arithmetic: with both resources, the standard deviation of two
    fractions is half their difference; with one, it is 0."""
    if not (alloc_cpu and alloc_mem):
        return MAX_NODE_SCORE
    std = abs((min(cpu / alloc_cpu, 1.0) - min(mem / alloc_mem, 1.0)) / 2)
    return int((1 - std) * MAX_NODE_SCORE)


def taint_toleration_score(pod, node) -> int:
    """TaintToleration score (raw): the number of PreferNoSchedule taints the pod does not
    tolerate. Normalised in reverse: fewer is better.
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.taints:
        return 0
    tols = [t for t in pi.tolerations if (t.get("effect") or "") in ("", "PreferNoSchedule")]
    return sum(1 for t in ni.taints if t.get("effect") == "PreferNoSchedule" and not tolerated(tols, t))


def node_affinity_score(pod, node) -> int:
    """NodeAffinity score (raw): the sum of the weights of the matching
    ``preferredDuringSchedulingIgnoredDuringExecution`` terms. Normalised to 0..100.
    https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity-weight"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    total = 0
    for term in pi.preferred_terms:
        w = int(term.get("weight") or 0)
        if w and match_node_selector_term(term.get("preference") or {}, ni):
            total += w
    return total


# pkg/scheduler/framework/plugins/imagelocality
_MB = 1024 * 1024
IMAGE_MIN_THRESHOLD = 23 * _MB
IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * _MB


def image_locality(pod, node, image_nodes: dict[str, int] | None = None, total_nodes: int = 1) -> int:
    """ImageLocality: prefer nodes that already have the pod's images, weighted by image size and
    scaled down by how few nodes have it (``image_nodes``: image -> number of nodes that have it).
    https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.images:
        return 0                       # nothing cached here: the sum is 0, below the threshold
    return image_locality_of(image_spread(pi, image_nodes, total_nodes), ni.images, pi.n_containers)


def image_spread(pi: PodInfo, image_nodes: dict[str, int] | None, total_nodes: int) -> list[tuple[str, float]]:
    """Each of the pod's images with the fraction of nodes that have it."""
    total_nodes = max(total_nodes, 1)
    return [(img, (image_nodes or {}).get(img, 1) / total_nodes) for img in pi.images]


def image_locality_of(spread: list[tuple[str, float]], node_images: dict[str, int], n_containers: int) -> int:
    """sum(size * spread) of the images the node has, clamped to [23 MB, 1000 MB x containers]
    and scaled to 0..100."""
    s = 0
    for img, fraction in spread:
        size = node_images.get(img)
        if size is not None:
            s += int(size * fraction)
    max_threshold = IMAGE_MAX_CONTAINER_THRESHOLD * max(n_containers, 1)
    s = min(max(s, IMAGE_MIN_THRESHOLD), max_threshold)
    return MAX_NODE_SCORE * (s - IMAGE_MIN_THRESHOLD) // (max_threshold - IMAGE_MIN_THRESHOLD)


def default_normalize(scores: list[int], reverse: bool = False) -> list[int]:
    """helper.DefaultNormalizeScore: scale so the largest is 100 (reverse: 100 - that)."""
    top = max(scores) if scores else 0
    if top == 0:
        return [MAX_NODE_SCORE if reverse else 0] * len(scores)
    out = []
    for s in scores:
        v = MAX_NODE_SCORE * s // top
        out.append(MAX_NODE_SCORE - v if reverse else v)
    return out


class ScorePlugin:
    """A score plugin: ``fn(pod_info, node_info, ctx) -> int``, its weight, how it is normalised
    (None, "default", "reverse" or ``fn(raw, feasible, state) -> scores``), optionally
    ``skip(pod_info)`` (PreScore said Skip) and ``prescore(pod_info, feasible, all_nodes) -> state``
    (None means Skip; the state is ``ctx[name]``).

    ``score_all(pod_info, nodes, ctx) -> [int]``, when given, scores every feasible node in one
    call and must agree with ``fn`` node by node; the default plugins have one because one
    scheduling cycle scores up to hundreds of nodes and per-node calls dominate the scheduler's
    time in Python (upstream runs Score in parallel over 16 goroutines instead).

    ``signature(pod_info, ctx) -> hashable``, when given, says the raw score on a node depends only
    on that node and on what the signature captures of the pod and of the cluster; each node then
    remembers its raw score per signature (``NodeInfo.scores``, cleared when the node changes),
    so the next replica of a workload is scored from memory on every node that did not change."""

    def __init__(self, name: str, fn, weight: int = 1, normalize=None, skip=None, prescore=None,
                 score_all=None, signature=None):
        self.name = name
        self.fn = fn
        self.weight = weight
        self.normalize = normalize
        self.skip = skip
        self.prescore = prescore
        self.score_all = score_all
        self.signature = signature
        self._keys: dict = {}

    def key(self, pi: PodInfo, ctx: dict) -> str:
        """Where nodes remember this plugin's raw score for ``pi`` (``NodeInfo.scores``): one
        string per (plugin, signature), so its hash is computed once, not on every node."""
        sig = self.signature(pi, ctx)
        key = self._keys.get(sig)
        if key is None:
            key = self._keys[sig] = f"{self.name}#{len(self._keys)}"
        return key

    def remembered(self, pi: PodInfo, ni: NodeInfo, ctx: dict, key: str) -> int:
        """The raw score on one node, from its memory under ``key`` (else computed and remembered)."""
        v = ni.scores.get(key)
        if v is None:
            v = ni.scores[key] = int(self.fn(pi, ni, ctx))
        return v

    def int_scores(self) -> bool:
        """Are its weighted scores always ints? Raw scores are ``int(fn(...))`` unless a score_all
        of its own gives them, and the normalisations used here keep ints ints. (Ints add up to the
        same totals in any order; floats might not.)"""
        return (type(self.weight) is int
                and (self.signature is not None or self.score_all is None or self.score_all is T.score_all)
                and (self.normalize in (None, "default", "reverse")
                     or self.normalize is T.normalize or self.normalize is I.normalize))

    def scores(self, pi: PodInfo, nodes: list[NodeInfo], ctx: dict) -> list[int]:
        """Raw scores of ``nodes``, in order."""
        if self.signature is not None:
            key = self.key(pi, ctx)
            raw = [ni.scores.get(key) for ni in nodes]
            if None in raw:
                for i, v in enumerate(raw):
                    if v is None:
                        ni = nodes[i]
                        raw[i] = ni.scores[key] = int(self.fn(pi, ni, ctx))
            return raw
        if self.score_all is not None:
            return self.score_all(pi, nodes, ctx)
        return [int(self.fn(pi, ni, ctx)) for ni in nodes]

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


def default_score_plugins() -> list[ScorePlugin]:
    """The v1.33 default profile's scores, in its order."""
    return [
        ScorePlugin("TaintToleration", lambda pi, ni, ctx: taint_toleration_score(pi, ni), 3, "reverse",
                    signature=tolerations_signature),
        ScorePlugin("NodeAffinity", lambda pi, ni, ctx: node_affinity_score(pi, ni), 2, "default",
                    skip=lambda pi: not pi.preferred_terms),
        ScorePlugin("NodeResourcesFit", lambda pi, ni, ctx: least_allocated(pi, ni), 1,
                    signature=nonzero_signature),
        ScorePlugin("PodTopologySpread", lambda pi, ni, ctx: T.score(pi, ni, ctx["PodTopologySpread"]), 2,
                    normalize=T.normalize, prescore=T.prescore, score_all=T.score_all),
        ScorePlugin("InterPodAffinity", lambda pi, ni, ctx: I.score(pi, ni, ctx["InterPodAffinity"]), 2,
                    normalize=I.normalize, prescore=I.prescore),
        # PreScore skips best-effort pods (no requests), so they do not pile onto one node
        ScorePlugin("NodeResourcesBalancedAllocation", lambda pi, ni, ctx: balanced_allocation(pi, ni), 1,
                    skip=lambda pi: pi.requests == (0, 0), signature=requests_signature),
        ScorePlugin("ImageLocality",
                    lambda pi, ni, ctx: image_locality(pi, ni, ctx["image_nodes"], ctx["total_nodes"]), 1,
                    signature=images_signature),
    ]


__all__ = ["FILTERS", "ScorePlugin", "default_score_plugins", "default_normalize", "fits",
           "node_unschedulable", "node_name", "taint_toleration", "node_affinity", "node_ports",
           "least_allocated", "balanced_allocation", "taint_toleration_score", "node_affinity_score",
           "image_locality", "tolerates", "PodInfo", "NodeInfo"]
