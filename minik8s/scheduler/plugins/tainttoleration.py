"""TaintToleration: a pod goes only where it tolerates the taints.

https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/
(pkg/scheduler/framework/plugins/tainttoleration). The filter rejects a node with a
``NoSchedule`` or ``NoExecute`` taint the pod does not tolerate; the score counts the
``PreferNoSchedule`` taints it does not tolerate (fewer is better).
"""

from __future__ import annotations

from ..node_info import as_node_info, as_pod_info


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


def untolerated_taint(taints: list, tolerations: list, effects=("NoSchedule", "NoExecute")) -> dict | None:
    """The first taint (in the node's order) with one of ``effects`` that no toleration tolerates."""
    for taint in taints:
        if taint.get("effect") in effects and not tolerated(tolerations, taint):
            return taint
    return None


def taint_toleration(pod, node) -> list[str]:
    """TaintToleration filter: the pod must tolerate every NoSchedule and NoExecute taint."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.taints:
        return []
    taint = untolerated_taint(ni.taints, pi.tolerations)
    if taint is None:
        return []
    return ["node(s) had untolerated taint {%s: %s}" % (taint.get("key", ""), taint.get("value") or "")]


def taint_toleration_score(pod, node) -> int:
    """TaintToleration score (raw): the number of PreferNoSchedule taints the pod does not
    tolerate. Normalised in reverse: fewer is better."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.taints:
        return 0
    tols = [t for t in pi.tolerations if (t.get("effect") or "") in ("", "PreferNoSchedule")]
    return sum(1 for t in ni.taints if t.get("effect") == "PreferNoSchedule" and not tolerated(tols, t))
