"""The pod network: one flat layer-3 network on which every pod IP is reachable.

The Kubernetes network model (https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model)
says every pod gets its own IP and can reach every other pod, on any node,
without NAT. minik8s models the wire itself as this object, shared by the
container runtimes of all nodes: an IP address maps to the network namespace
(the pod sandbox) that owns it. It is the data plane, not an API: components
still learn *which* IPs to use only through the API server.
"""

from __future__ import annotations


class PodNetwork:
    """IP address -> the pod sandbox (network namespace) that holds it."""

    def __init__(self):
        self._by_ip: dict[str, object] = {}

    def attach(self, ip: str, sandbox) -> None:
        self._by_ip[ip] = sandbox

    def detach(self, ip: str, sandbox=None) -> None:
        if sandbox is None or self._by_ip.get(ip) is sandbox:
            self._by_ip.pop(ip, None)

    def lookup(self, ip: str):
        """The sandbox holding ``ip``, or None (no route to host)."""
        return self._by_ip.get(ip)

    def ips(self) -> list[str]:
        return sorted(self._by_ip)
