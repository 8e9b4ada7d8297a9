"""NodeResourcesFit and NodeResourcesBalancedAllocation: the pod's requests against the node's room.

https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled
(pkg/scheduler/framework/plugins/noderesources). The filter (``fits``) checks that the node's
allocatable, minus what the pods already there request, covers the pod; the scores prefer
the node with the most room left (LeastAllocated,
https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/) and the node
whose cpu and memory would be used in similar fractions (BalancedAllocation).
"""

from __future__ import annotations

from ..node_info import as_node_info, as_pod_info
from .helper import MAX_NODE_SCORE


def fits(pod, node) -> list[str]:
    """NodeResourcesFit: the node's allocatable minus the requests of pods already there must
    cover the pod's requests (cpu, memory) and leave room for one more pod.
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-requests-are-scheduled"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    out = []
    if len(ni.pods) + 1 > ni.alloc_pods:
        out.append("Too many pods")
    cpu, mem = pi.requests
    if cpu > 0 and cpu > ni.alloc_cpu - ni.requested_cpu:
        out.append("Insufficient cpu")
    if mem > 0 and mem > ni.alloc_mem - ni.requested_mem:
        out.append("Insufficient memory")
    return out


def least_requested_score(requested: int, capacity: int) -> int:
    """(capacity - requested) * 100 / capacity, 0 when the node is full."""
    if capacity == 0 or requested > capacity:
        return 0
    return (capacity - requested) * MAX_NODE_SCORE // capacity


def least_allocated(pod, node) -> int:
    """NodeResourcesFit score (strategy LeastAllocated, cpu and memory weight 1): prefer the node
    with the most room left after placing the pod. Containers without requests count as
    100m CPU / 200Mi memory here.
    https://kubernetes.io/docs/concepts/scheduling-eviction/resource-bin-packing/"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    return least_allocated_of(ni.nonzero_cpu + pi.nonzero[0], ni.alloc_cpu,
                              ni.nonzero_mem + pi.nonzero[1], ni.alloc_mem)


def least_allocated_of(cpu: int, alloc_cpu: int, mem: int, alloc_mem: int) -> int:
    """The LeastAllocated arithmetic: the mean of each resource's least_requested_score
    (``cpu``, ``mem``: what the node would have requested with the pod on it)."""
    if alloc_cpu and alloc_mem:
        return (least_requested_score(cpu, alloc_cpu) + least_requested_score(mem, alloc_mem)) // 2
    if alloc_cpu:
        return least_requested_score(cpu, alloc_cpu)
    if alloc_mem:
        return least_requested_score(mem, alloc_mem)
    return 0


def balanced_allocation(pod, node) -> int:
    """NodeResourcesBalancedAllocation: prefer the node whose cpu and memory would be used in
    similar fractions: (1 - standard deviation of the fractions) * 100.
    https://kubernetes.io/docs/reference/scheduling/config/#scheduling-plugins"""
    ni, pi = as_node_info(node), as_pod_info(pod)
    return balanced_allocation_of(ni.requested_cpu + pi.requests[0], ni.alloc_cpu,
                                  ni.requested_mem + pi.requests[1], ni.alloc_mem)


def balanced_allocation_of(cpu: int, alloc_cpu: int, mem: int, alloc_mem: int) -> int:
    """The BalancedAllocation arithmetic: with both resources, the standard deviation of two
    fractions is half their difference; with one, it is 0."""
    if not (alloc_cpu and alloc_mem):
        return MAX_NODE_SCORE
    std = abs((min(cpu / alloc_cpu, 1.0) - min(mem / alloc_mem, 1.0)) / 2)
    return int((1 - std) * MAX_NODE_SCORE)
