"""NodeUnschedulable: a cordoned node (``spec.unschedulable``) takes no new pods.

https://kubernetes.io/docs/concepts/architecture/nodes/#manual-node-administration
(pkg/scheduler/framework/plugins/nodeunschedulable)
"""

from __future__ import annotations

from ...params import TAINT_UNSCHEDULABLE
from ..node_info import as_node_info, as_pod_info
from .tainttoleration import tolerated


def node_unschedulable(pod, node) -> list[str]:
    """The filter: a cordoned node rejects the pod, unless the pod tolerates the
    ``node.kubernetes.io/unschedulable:NoSchedule`` taint."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not ni.unschedulable:
        return []
    if tolerated(pi.tolerations, {"key": TAINT_UNSCHEDULABLE, "effect": "NoSchedule"}):
        return []
    return ["node(s) were unschedulable"]
