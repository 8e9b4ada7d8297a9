"""Node selector terms: does a node match ``matchExpressions`` / ``matchFields``?

One matcher for everything that selects nodes by label: a pod's required and preferred node
affinity (the scheduler's NodeAffinity plugin, the DaemonSet controller), a PersistentVolume's
``spec.nodeAffinity`` (VolumeBinding, the PV controller). Upstream's is
``k8s.io/component-helpers/scheduling/corev1/nodeaffinity``.
https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#node-affinity

* ``In`` / ``NotIn``: the label's value is (not) one of ``values`` (a missing label is NotIn);
* ``Exists`` / ``DoesNotExist``: the label is (not) there;
* ``Gt`` / ``Lt``: the label's value, as an integer, is greater / less than the one value.

The expressions of a term are ANDed; a term with no expression and no field matches no node;
the terms of a selector are ORed.
"""

from __future__ import annotations


def match_expression(expr: dict, value: str | None) -> bool:
    """One requirement against the node's value for its key (None: the node has no such label)."""
    op, values = expr.get("operator"), expr.get("values") or []
    if op == "In":
        return value is not None and value in values
    if op == "NotIn":
        return value is None or value not in values
    if op == "Exists":
        return value is not None
    if op == "DoesNotExist":
        return value is None
    if op in ("Gt", "Lt"):
        if value is None or len(values) != 1:
            return False
        try:
            have, want = int(value), int(values[0])
        except ValueError:
            return False
        return have > want if op == "Gt" else have < want
    return False


def match_node_selector_term(term: dict, labels: dict, name: str) -> bool:
    """A nodeSelectorTerm: all ``matchExpressions`` (labels) and ``matchFields`` (only
    ``metadata.name``) hold. A term with neither matches no node."""
    exprs = term.get("matchExpressions") or []
    fields = term.get("matchFields") or []
    if not exprs and not fields:
        return False
    for e in exprs:
        if not match_expression(e, labels.get(e.get("key"))):
            return False
    for f in fields:
        if f.get("key") != "metadata.name" or not match_expression(f, name):
            return False
    return True


def match_node_selector_terms(terms: list, labels: dict, name: str) -> bool:
    """A NodeSelector: any of its terms matches."""
    return any(match_node_selector_term(t, labels, name) for t in terms)
