"""NodeName: a pod that names a node (``spec.nodeName``) fits only that node.

https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename
(pkg/scheduler/framework/plugins/nodename)
"""

from __future__ import annotations

from ..node_info import as_node_info, as_pod_info


def node_name(pod, node) -> list[str]:
    """The filter."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    want = (pi.pod.get("spec") or {}).get("nodeName")
    if not want or want == ni.name:
        return []
    return ["node(s) didn't match the requested node name"]
