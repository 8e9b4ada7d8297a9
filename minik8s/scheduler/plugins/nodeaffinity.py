"""NodeAffinity: ``nodeSelector`` and node affinity, required (filter) and preferred (score).

https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity
(pkg/scheduler/framework/plugins/nodeaffinity). The term matcher itself is shared with the
controllers: :mod:`minik8s.api.nodeaffinity`.
"""

from __future__ import annotations

from ...api.nodeaffinity import match_node_selector_term
from ..node_info import as_node_info, as_pod_info


def node_affinity(pod, node) -> list[str]:
    """The filter: ``nodeSelector`` labels all present, and one of the
    ``requiredDuringSchedulingIgnoredDuringExecution`` terms matches (terms are ORed,
    expressions in a term ANDed)."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    for k, v in pi.node_selector.items():
        if ni.labels.get(k) != v:
            return ["node(s) didn't match Pod's node affinity/selector"]
    if pi.required_terms is not None:
        if not any(match_node_selector_term(t, ni.labels, ni.name) for t in pi.required_terms):
            return ["node(s) didn't match Pod's node affinity/selector"]
    return []


def node_affinity_score(pod, node) -> int:
    """The score (raw): the sum of the weights of the matching
    ``preferredDuringSchedulingIgnoredDuringExecution`` terms. Normalised to 0..100.
    https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity-weight"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    total = 0
    for term in pi.preferred_terms:
        w = int(term.get("weight") or 0)
        if w and match_node_selector_term(term.get("preference") or {}, ni.labels, ni.name):
            total += w
    return total
