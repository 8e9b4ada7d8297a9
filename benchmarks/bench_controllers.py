"""Benchmark: the controllers at scale.

1,000 nodes, 100 Deployments x 100 replicas (10,000 pods) brought to fully available, then a
rolling update of all of them, with the real scheduler and kubelets. Prints wall seconds,
virtual seconds, CPU seconds and peak memory: the process's peak resident set size (everything
the interpreter holds), and with ``--tracemalloc`` also the peak of Python's own allocations
(tracemalloc slows Python down several times, so times measured with it are not comparable).
Target: < 60 s and < 2 GiB on one core.

    python benchmarks/bench_controllers.py [--nodes 1000] [--deployments 100] [--replicas 100] [--trace]
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s import Cluster  # noqa: E402


def deployment(i: int, replicas: int, image: str = "nginx:1.27") -> dict:
    name = f"app-{i:03d}"
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "app", "image": image}]}}}}


def all_done(c: Cluster, n: int, replicas: int, image: str) -> bool:
    # read the stored objects in place (no copies): the check is the harness's, not the cluster's
    for _key, d in c.apiserver.store.iter_raw("deployments"):
        st = d.get("status") or {}
        if (st.get("updatedReplicas") != replicas or st.get("availableReplicas") != replicas
                or st.get("replicas") != replicas
                or st.get("observedGeneration", 0) < d["metadata"].get("generation", 1)
                or d["spec"]["template"]["spec"]["containers"][0]["image"] != image):
            return False
    return True


def fake_kubelets(c: Cluster, nodes: int) -> None:
    """Stand-ins for the scheduler and kubelets: every 0.5 s, bind new pods round-robin and mark
    them Running and Ready; remove pods being deleted. Only through the API server."""
    from minik8s.api.meta import rfc3339
    names = [f"node-{i}" for i in range(1, nodes + 1)]
    for n in names:
        c.apiserver.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": n}})
    state = {"i": 0}
    todo: dict[str, str] = {}     # pod name -> "run" | "remove", fed by a watch (as a kubelet is)

    def on_pod(typ, pod):
        md = pod["metadata"]
        if typ == "DELETED":
            todo.pop(md["name"], None)
        elif md.get("deletionTimestamp"):
            todo[md["name"]] = "remove"
        elif not (pod.get("spec") or {}).get("nodeName"):
            todo[md["name"]] = "run"
    c.apiserver.watch("pods", on_pod, "default")

    def tick():
        for name in sorted(todo):
            what = todo.pop(name)
            if what == "remove":
                c.apiserver.delete("pods", name, "default", grace_period_seconds=0)
                continue
            node = names[state["i"] % len(names)]
            state["i"] += 1
            c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Binding",
                                        "metadata": {"name": name, "namespace": "default"},
                                        "target": {"kind": "Node", "name": node}}, "default", subresource="binding")
            p = c.apiserver.get("pods", name, "default")
            now = rfc3339(c.now)
            p["status"] = dict(p.get("status") or {}, phase="Running", conditions=[
                {"type": "Ready", "status": "True", "lastProbeTime": None, "lastTransitionTime": now}])
            c.apiserver.update("pods", p, "default", subresource="status")
        c.clock.call_later(0.5, tick)
    c.clock.call_later(0.5, tick)


def wait(c: Cluster, args, image: str, step: float = 0.5, limit: float = 3600) -> None:
    """Advance the clock in steps until every Deployment is done (checking after every event
    would cost more than the cluster itself)."""
    start = c.now
    while not all_done(c, args.deployments, args.replicas, image):
        if c.now - start > limit:
            raise SystemExit(f"not done after {limit} virtual seconds")
        c.run(step)


def main(argv=None) -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--nodes", type=int, default=1000)
    ap.add_argument("--deployments", type=int, default=100)
    ap.add_argument("--replicas", type=int, default=100)
    ap.add_argument("--trace", action="store_true", help="keep the reconcile trace (more memory)")
    ap.add_argument("--tracemalloc", action="store_true",
                    help="also report the peak of Python allocations (several times slower)")
    ap.add_argument("--no-tracemalloc", action="store_true", help=argparse.SUPPRESS)   # the default now
    ap.add_argument("--controllers-only", action="store_true",
                    help="no scheduler or kubelets: the benchmark binds pods and marks them Ready itself "
                         "(measures the controllers alone)")
    args = ap.parse_args(argv)
    if args.tracemalloc:
        tracemalloc.start()
    t0, cpu0 = time.perf_counter(), time.process_time()
    if args.controllers_only:
        c = Cluster(nodes=0, seed=0, trace=args.trace)
        if "kube-scheduler" in c.components:
            c.stop("kube-scheduler")
        fake_kubelets(c, args.nodes)
    else:
        c = Cluster(nodes=[{"name": f"node-{i}", "cpu": "64", "memory": "256Gi", "pods": 250}
                           for i in range(1, args.nodes + 1)], seed=0, trace=args.trace)
    t_boot = time.perf_counter() - t0
    for i in range(args.deployments):
        c.apiserver.create("deployments", deployment(i, args.replicas), "default")
    v0 = c.now
    wait(c, args, "nginx:1.27")
    t_up = time.perf_counter() - t0
    v_up = c.now - v0
    for i in range(args.deployments):
        c.apiserver.patch("deployments", f"app-{i:03d}", {"spec": {"template": {"spec": {
            "containers": [{"name": "app", "image": "nginx:1.28"}]}}}}, "default")
    v1 = c.now
    wait(c, args, "nginx:1.28")
    t_all = time.perf_counter() - t0
    cpu = time.process_time() - cpu0
    peak = tracemalloc.get_traced_memory()[1] if args.tracemalloc else None
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    pods = c.apiserver.store.count("pods")
    print(f"nodes={args.nodes} deployments={args.deployments} replicas={args.replicas} pods={pods} "
          f"trace={'on' if args.trace else 'off'}")
    print(f"boot: {t_boot:.1f} s wall")
    print(f"to fully available: {t_up:.1f} s wall, {v_up:.1f} s virtual")
    print(f"rolling update of all: {t_all - t_up:.1f} s wall, {c.now - v1:.1f} s virtual")
    print(f"total: {t_all:.1f} s wall, {cpu:.1f} s CPU (target < 60 s)")
    if peak is not None:
        print(f"peak traced memory: {peak / 2**30:.2f} GiB")
    print(f"peak RSS: {rss / 2**30:.2f} GiB (target < 2 GiB)")


if __name__ == "__main__":
    main()
