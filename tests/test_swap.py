"""Swap: failSwapOn, NoSwap and LimitedSwap, and what swapping does to a container.

Docs: https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/ .
"""

from __future__ import annotations

import re

import pytest

from minik8s import Cluster
from minik8s.api.quantity import memory_bytes
from minik8s.kubelet.eviction import swap_limit
from minik8s.kubelet.kubelet import SWAP_ERROR
from minik8s.runtime.process import MiB
from pod_helpers import IMAGES, PRELOADED, Run, pod


def swap_cluster(behavior=None, fail=False):
    spec = {"name": "node-1", "images": PRELOADED, "memory": "4Gi", "swap": "2Gi", "failSwapOn": fail}
    if behavior:
        spec["swapBehavior"] = behavior
    return Cluster(nodes=[spec], images=IMAGES)


def hog(name, args, requests=None, limits=None, **spec):
    c = {"name": "app", "image": "pods-test/hog:1.0", "args": [str(a) for a in args],
         "resources": {k: v for k, v in (("requests", requests), ("limits", limits)) if v}}
    return pod(name, [c], **spec)


def test_fail_swap_on_refuses_to_start_on_a_node_with_swap():
    """failSwapOn defaults to true: the kubelet exits with upstream's error and the node never
    registers (why install guides say ``swapoff -a``).
    https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#swap-and-control-plane-nodes"""
    c = Cluster(nodes=[{"name": "node-1", "swap": "2Gi"}])
    kl = c.kubelets["node-1"]
    assert kl.start_error == SWAP_ERROR == ("failed to run Kubelet: running with swap on is not supported, please "
                                            "disable swap or set --fail-swap-on flag to false")
    assert not kl.running
    assert c.list("nodes", None) == []


@pytest.mark.parametrize("containers,want", [
    ([{"name": "a", "resources": {"requests": {"memory": "256Mi"}, "limits": {"memory": "512Mi"}}}],
     int(256 / 4096 * 2048 * MiB)),                                      # Burstable: request share of the swap
    ([{"name": "a", "resources": {"requests": {"memory": "1Gi"}}}], 512 * MiB),
    ([{"name": "a", "resources": {"limits": {"cpu": "1", "memory": "1Gi"}}}], 0),     # Guaranteed
    ([{"name": "a"}], 0),                                                             # BestEffort
    ([{"name": "a", "resources": {"requests": {"memory": "1Gi"}, "limits": {"memory": "1Gi", "cpu": "1"}}},
      {"name": "b", "resources": {"requests": {"cpu": "1"}}}], 0),           # request == limit: none
    ([{"name": "a", "resources": {"requests": {"cpu": "1"}}}], 0),           # no memory request: none
])
def test_limited_swap_formula(containers, want):
    """(containerMemoryRequest / nodeTotalMemory) x totalPodsSwapAvailable, Burstable pods only.
    https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#how-is-the-swap-limit-being-determined-with-limitedswap"""
    spec = {"containers": containers}
    assert swap_limit(spec, containers[0], memory_bytes("4Gi"), memory_bytes("2Gi"), "LimitedSwap") == want
    assert swap_limit(spec, containers[0], memory_bytes("4Gi"), memory_bytes("2Gi"), "NoSwap") == 0


def read_swap_max(c, name):
    return int(c.exec(name, ["cat", "/sys/fs/cgroup/memory.swap.max"]).strip())


def test_no_swap_is_the_default_behaviour():
    """failSwapOn false, swapBehavior unset (NoSwap): pods get no swap and are OOMKilled at the limit.
    https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#swap-behaviors"""
    c = swap_cluster()
    r = Run(c, hog("nos", [100, 100], requests={"memory": "256Mi"}, limits={"memory": "512Mi"}))
    r.run_to(0.1)
    assert read_swap_max(c, "nos") == 0
    r.run_to(4.001)                                 # 100.25 + 100 t > 512 at t = 5 ... not yet
    assert r.cs()["restartCount"] == 0
    r.run_to(5.001)
    assert r.cs()["lastState"]["terminated"]["reason"] == "OOMKilled"


def test_limited_swap_lets_a_burstable_container_swap_and_go_on_past_its_limit():
    """LimitedSwap: 128Mi of swap (256Mi/4Gi x 2Gi) lets the container run past its 512Mi limit,
    until 640Mi; the Guaranteed pod gets none.
    https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/#how-is-the-swap-limit-being-determined-with-limitedswap"""
    c = swap_cluster("LimitedSwap")
    r = Run(c, hog("swappy", [100, 100], requests={"memory": "256Mi"}, limits={"memory": "512Mi"}))
    Run(c, hog("fixed", [10], requests={"memory": "256Mi"}, limits={"memory": "256Mi"}))
    r.run_to(0.1)
    assert read_swap_max(c, "swappy") == 128 * MiB
    assert read_swap_max(c, "fixed") == 0
    r.run_to(5.001)                                 # 600.25 MiB: 88.25 MiB of it swapped out, still alive
    assert r.cs()["restartCount"] == 0
    # 600.25 MiB + the 256 KiB of `cat` itself, less the 512 MiB that fit in memory.max
    assert int(c.exec("swappy", ["cat", "/sys/fs/cgroup/memory.swap.current"]).strip()) == int(88.5 * MiB)
    r.run_to(6.001)                                 # 700.25 MiB > 512 + 128: OOMKilled
    assert r.cs()["lastState"]["terminated"]["reason"] == "OOMKilled"


def test_swapping_slows_the_container_down():
    """The trade-off: instead of being OOMKilled the container lives on, but computes slower while
    part of its memory is swapped out. https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/"""
    c = swap_cluster("LimitedSwap")
    Run(c, hog("fits", [100, 0, 1], requests={"memory": "256Mi"}, limits={"memory": "512Mi"}))
    r = Run(c, hog("swaps", [600, 0, 1], requests={"memory": "256Mi"}, limits={"memory": "512Mi"}))
    r.run_to(30)
    fast = float(re.search(r"in ([0-9.]+)s", c.logs("fits")).group(1))
    slow = float(re.search(r"in ([0-9.]+)s", c.logs("swaps")).group(1))
    assert fast == pytest.approx(1.0)
    assert slow > 1.5 * fast
