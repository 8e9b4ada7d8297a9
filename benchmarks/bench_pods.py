"""Benchmark: pods that really run, end to end (API server -> scheduler -> kubelets -> runtime).

1. 100 nodes, 3,000 bare pods created, scheduled and Running (images preloaded on the nodes).
   Prints wall seconds, pods/s and the virtual/wall time ratio. Target: >= 1,000 pods/s.
2. A 10-node teaching cluster running 30 pods (servers, crash-loopers, run-to-completion pods)
   for 10 virtual minutes. Target: < 1 wall second.

Wall time depends on what else the machine runs; the CPU seconds of this process are printed too.
Run from the repository root:  python benchmarks/bench_pods.py [--nodes N] [--pods N] [--bind] [--trace]
``--bind`` binds pods directly (``pods/binding``) instead of going through kube-scheduler.
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from minik8s.cluster import Cluster  # noqa: E402
from minik8s.runtime.images import ImageRegistry, image  # noqa: E402

BENCH_IMAGES = ImageRegistry()


@image("bench/idle:1.0", size="2Mi", registry=BENCH_IMAGES)
def idle(proc):
    """A server that idles until it is stopped."""
    proc.on_signal("SIGTERM", lambda sig: proc.exit(0))
    yield proc.forever()


@image("bench/exit:1.0", size="2Mi", registry=BENCH_IMAGES)
def exit_after(proc):
    """``args: [seconds, code]``."""
    yield proc.sleep(float(proc.argv[1]))
    return int(proc.argv[2])


IMAGES = ["bench/idle:1.0", "bench/exit:1.0"]


def pod(name: str, image_ref: str, args=None, restart: str = "Always", node: str | None = None) -> dict:
    c = {"name": "app", "image": image_ref,
         "resources": {"requests": {"cpu": "100m", "memory": "128Mi"}}}
    if args:
        c["args"] = [str(a) for a in args]
    spec = {"restartPolicy": restart, "containers": [c]}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "namespace": "default"}, "spec": spec}


def big(nodes: int, pods: int, bind: bool, trace: bool) -> bool:
    specs = [{"name": f"node-{i}", "cpu": "8", "memory": "32Gi", "images": IMAGES} for i in range(1, nodes + 1)]
    c = Cluster(nodes=specs, seed=0, trace=trace, images=BENCH_IMAGES)
    c.run(2)
    v0 = c.now
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(pods):
        node = f"node-{i % nodes + 1}" if bind else None
        c.apiserver.create("pods", pod(f"pod-{i}", "bench/idle:1.0", node=node), "default")
    running = 0
    for _ in range(600):
        c.run(0.5)
        running = sum(1 for p in c.apiserver.store.iter_raw("pods")
                      if (p[1].get("status") or {}).get("phase") == "Running")
        if running == pods:
            break
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    virtual = c.now - v0
    print(f"[1] nodes={nodes} pods={pods} via={'binding' if bind else 'kube-scheduler'} "
          f"trace={'on' if trace else 'off'}: {running} Running after {virtual:g} virtual s")
    print(f"    wall {wall:.2f} s (CPU {cpu:.2f} s), {running / wall:.0f} pods/s, virtual/wall {virtual / wall:.1f}x")
    return running == pods


def teaching(trace: bool) -> bool:
    c = Cluster(nodes=[{"name": f"node-{i}", "images": IMAGES} for i in range(1, 11)], seed=0, trace=trace,
                images=BENCH_IMAGES)
    c.run(2)
    t0, cpu0 = time.perf_counter(), time.process_time()
    for i in range(20):
        c.apiserver.create("pods", pod(f"web-{i}", "bench/idle:1.0"), "default")
    for i in range(5):
        c.apiserver.create("pods", pod(f"crash-{i}", "bench/exit:1.0", args=[5 + i, 1]), "default")
    for i in range(5):
        c.apiserver.create("pods", pod(f"job-{i}", "bench/exit:1.0", args=[30 * (i + 1), 0], restart="Never"),
                           "default")
    c.run(600)
    wall, cpu = time.perf_counter() - t0, time.process_time() - cpu0
    phases: dict[str, int] = {}
    restarts = 0
    for p in c.list("pods"):
        ph = p["status"].get("phase")
        phases[ph] = phases.get(ph, 0) + 1
        restarts += sum(cs.get("restartCount", 0) for cs in p["status"].get("containerStatuses") or [])
    print(f"[2] 10 nodes, 30 pods, 600 virtual s: wall {wall:.2f} s (CPU {cpu:.2f} s; target < 1 s), "
          f"virtual/wall {600 / wall:.0f}x, phases {dict(sorted(phases.items()))}, restarts {restarts}, "
          f"trace steps {len(c.trace)}")
    return phases.get("Running") == 25 and phases.get("Succeeded") == 5


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=100)
    ap.add_argument("--pods", type=int, default=3000)
    ap.add_argument("--bind", action="store_true", help="bind pods directly instead of via the scheduler")
    ap.add_argument("--trace", action="store_true", help="record the reconcile trace")
    args = ap.parse_args(argv)
    ok = big(args.nodes, args.pods, args.bind, args.trace)
    ok = teaching(True) and ok
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
