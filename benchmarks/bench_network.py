"""Benchmark: kube-proxy's rules for 1,000 Services x 10 endpoints, and requests through them.

A 3-node cluster gets N selector-less Services (default 1,000), each with one EndpointSlice of
E endpoints (default 10; addresses in 10.244.0.0/16 served by a tiny HTTP listener each). Printed:

* how long it takes for the Services and slices to reach every node's rules (creates + watch + sync);
* one kube-proxy's full resync (every rule recomputed from its caches) and the partial sync of one
  changed Service (an endpoint turning unready), as the iptables proxier does since v1.28;
* DNAT decisions per second (``PodNetwork.route`` to a ClusterIP: rule lookup + random endpoint) and
  HTTP requests per second end to end from a pod (``http_request`` through the rules to a listener).

Run from the repository root:  python benchmarks/bench_network.py [--services 1000] [--endpoints 10]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))

from minik8s import Cluster  # noqa: E402
from minik8s.net.podnetwork import HttpResponse, NetNamespace, http_request  # noqa: E402


class _Alive:
    alive = True


def build(n_svc: int, n_ep: int) -> tuple[Cluster, list[str]]:
    c = Cluster(nodes=3, seed=0, trace=False)
    api = c.apiserver
    ok = HttpResponse(200, {}, "ok\n")
    ips = []
    for i in range(n_svc):
        name = f"s{i}"
        svc = api.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name},
                                      "spec": {"ports": [{"name": "http", "port": 80, "targetPort": 8080}]}},
                         "default")
        ips.append(svc["spec"]["clusterIP"])
        eps = []
        for j in range(n_ep):
            k = i * n_ep + j
            ip = f"10.244.{k // 250 + 10}.{k % 250 + 2}"
            ns = NetNamespace(ip)
            ns.bind(8080, _Alive(), lambda req: ok)
            c.network.attach(ip, ns)
            eps.append({"addresses": [ip], "conditions": {"ready": True}, "nodeName": f"node-{j % 3 + 1}"})
        api.create("endpointslices", {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                                      "metadata": {"name": f"{name}-1",
                                                   "labels": {"kubernetes.io/service-name": name}},
                                      "addressType": "IPv4", "endpoints": eps,
                                      "ports": [{"name": "http", "port": 8080, "protocol": "TCP"}]}, "default")
    return c, ips


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=1000)
    ap.add_argument("--endpoints", type=int, default=10)
    ap.add_argument("--requests", type=int, default=100_000)
    a = ap.parse_args()

    t0 = time.perf_counter()
    c, ips = build(a.services, a.endpoints)
    t1 = time.perf_counter()
    c.run(1)                                   # watch delivery; syncs are at most once per second
    t2 = time.perf_counter()
    c.run(5)
    proxy = c.component("kube-proxy", "node-1")
    rules = sum(len(r.cluster_eps) for rs in proxy.rules.values() for r in rs)
    assert rules >= a.services * a.endpoints, "kube-proxy has not synced every Service"
    print(f"{a.services} Services x {a.endpoints} endpoints: created in {t1 - t0:.2f} s; "
          f"watched and synced on 3 nodes in {t2 - t1:.2f} s ({rules} endpoint rules per node)")

    t = time.perf_counter()
    proxy.full_sync()
    full = time.perf_counter() - t
    print(f"full resync of one kube-proxy: {full * 1000:.1f} ms")
    c.run(2)                                   # a quiet period: the next change is synced at once

    es = c.get("endpointslice", "s500-1" if a.services > 500 else "s0-1")
    es["endpoints"][0]["conditions"]["ready"] = False
    c.apiserver.update("endpointslices", es, "default")
    t = time.perf_counter()
    c.run(0)                                   # the watch event reaches 3 kube-proxies (+ CoreDNS): after
                                               # a quiet second each syncs at once
    change = time.perf_counter() - t
    svc_key = f"default/{es['metadata']['labels']['kubernetes.io/service-name']}"
    assert len(proxy.rules[svc_key][0].cluster_eps) == a.endpoints - 1, "the change did not reach the rules"
    t = time.perf_counter()
    reps = 1000
    for _ in range(reps):
        proxy.sync_service(f"default/{es['metadata']['labels']['kubernetes.io/service-name']}")
    one = (time.perf_counter() - t) / reps
    print(f"one endpoint turns unready: delivered and resynced on 3 nodes in {change * 1000:.2f} ms; "
          f"partial sync of that Service: {one * 1e6:.0f} us")

    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox:1.36",
                                                           "command": ["sleep", "36000"]}]}})
    c.run(10)
    src = c.kubelets["node-1"].workers["default/client"].sandbox
    n = a.requests
    t = time.perf_counter()
    for i in range(n):
        c.network.route(ips[i % len(ips)], 80, src)
    dt = time.perf_counter() - t
    print(f"DNAT decisions: {n / dt:,.0f} per second")
    t = time.perf_counter()
    for i in range(n // 4):
        http_request(c.network, src, ips[i % len(ips)], 80)
    dt = time.perf_counter() - t
    print(f"HTTP requests through the proxy model: {n // 4 / dt:,.0f} per second")


if __name__ == "__main__":
    main()
