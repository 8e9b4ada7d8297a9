"""ImageLocality: prefer nodes that already have the pod's images.

https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins
(pkg/scheduler/framework/plugins/imagelocality). The sizes of the images the node has,
each scaled down by how few nodes have it (so one node holding an image does not attract
every replica), clamped to [23 MB, 1000 MB x containers] and scaled to 0..100.
"""

from __future__ import annotations

from ..node_info import PodInfo, as_node_info, as_pod_info
from .helper import MAX_NODE_SCORE

_MB = 1024 * 1024
IMAGE_MIN_THRESHOLD = 23 * _MB
IMAGE_MAX_CONTAINER_THRESHOLD = 1000 * _MB


def image_locality(pod, node, image_nodes: dict[str, int] | None = None, total_nodes: int = 1) -> int:
    """The score (``image_nodes``: image -> number of nodes that have it)."""
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


def image_node_counts(node_infos) -> dict[str, int]:
    """image -> how many nodes have it (the spread above; the scheduler keeps it per cluster)."""
    out: dict[str, int] = {}
    for ni in node_infos:
        for img in ni.images:
            out[img] = out.get(img, 0) + 1
    return out
