"""The kubelet: node registration, heartbeats, pod workers and pod status.

``Kubelet(ctx, spec)`` is what ``Cluster.add_node`` creates for every node.
"""

from .kubelet import Kubelet

__all__ = ["Kubelet"]
