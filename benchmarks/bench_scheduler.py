"""Benchmark: kube-scheduler binds 3,000 pods onto 100 nodes (no kubelets).

Run from the repository root:  python benchmarks/bench_scheduler.py [--pods N] [--nodes N] [--trace]
Prints wall seconds and pods scheduled per wall second (and per CPU second, steadier on a busy machine).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from minik8s.cluster import Cluster  # noqa: E402


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods", type=int, default=3000)
    ap.add_argument("--trace", action="store_true", help="record the per-node filter/score trace")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)

    c = Cluster(nodes=0, seed=args.seed, trace=args.trace)
    for i in range(1, args.nodes + 1):
        alloc = {"cpu": "16", "memory": "64Gi", "pods": "110"}
        c.apiserver.create("nodes", {
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": f"node-{i}", "labels": {"kubernetes.io/hostname": f"node-{i}"}},
            "spec": {}, "status": {"capacity": dict(alloc), "allocatable": dict(alloc),
                                   "conditions": [{"type": "Ready", "status": "True"}]}})
    c.run(0)
    t0 = time.perf_counter()
    cpu0 = time.process_time()
    for i in range(args.pods):
        c.apiserver.create("pods", {
            "apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"pod-{i}", "namespace": "default"},
            "spec": {"containers": [{"name": "app", "image": "nginx",
                                     "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}]}},
            "default")
    c.run(1)
    wall = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    pods = c.list("pods")
    bound = sum(1 for p in pods if p["spec"].get("nodeName"))
    per_node: dict[str, int] = {}
    for p in pods:
        n = p["spec"].get("nodeName")
        if n:
            per_node[n] = per_node.get(n, 0) + 1
    print(f"nodes={args.nodes} pods={args.pods} bound={bound} trace={'on' if args.trace else 'off'}")
    print(f"wall {wall:.2f} s, {bound / wall:.0f} pods/s (cpu {cpu:.2f} s, {bound / cpu:.0f} pods per cpu-second), "
          f"pods per node min {min(per_node.values())} max {max(per_node.values())}")
    return 0 if bound == args.pods else 1


if __name__ == "__main__":
    sys.exit(main())
