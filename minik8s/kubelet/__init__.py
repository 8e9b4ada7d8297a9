"""The kubelet: node registration, heartbeats, pod workers and pod status.

``Kubelet(ctx, spec, index)`` is what ``Cluster.add_node`` creates for every node (``index``: the
node's number, which gives its podCIDR and IP).
"""

from .kubelet import Kubelet

__all__ = ["Kubelet"]
