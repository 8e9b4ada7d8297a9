"""NodePorts: a hostPort can be used by only one pod on a node.

https://kubernetes.io/docs/concepts/configuration/overview/#services
(pkg/scheduler/framework/plugins/nodeports)
"""

from __future__ import annotations

from ..node_info import as_node_info, as_pod_info


def node_ports(pod, node) -> list[str]:
    """The filter: the pod's hostPorts (per protocol and host IP; ``0.0.0.0`` clashes with every
    IP) must be free on the node."""
    ni, pi = as_node_info(node), as_pod_info(pod)
    if not pi.ports or not ni.used_ports:
        return []
    for ip, proto, port in pi.ports:
        for uip, uproto, uport in ni.used_ports:
            if uport == port and uproto == proto and (ip == uip or ip == "0.0.0.0" or uip == "0.0.0.0"):
                return ["node(s) didn't have free ports for the requested pod ports"]
    return []
