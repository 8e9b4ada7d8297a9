"""Benchmark: minik8s serve over real HTTP on the loopback interface.

1. ``kubectl get pods`` as kubectl asks for it (a server-side Table) with 1,000 pods in the
   namespace: requests per second from a few keep-alive client connections.
2. 100 concurrent watches on ConfigMaps while 10,000 writes (creates, then updates) go through
   the HTTP API: every watch must receive every event, in resourceVersion order, none lost.

    python benchmarks/bench_server.py [--pods 1000] [--requests 200] [--clients 4]
                                      [--watches 100] [--writes 10000] [--writers 4]
"""

from __future__ import annotations

import argparse
import http.client
import json
import re
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s import Cluster  # noqa: E402

TABLE = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json"
RV = re.compile(rb'"resourceVersion":"(\d+)"')


def make_pods(c: Cluster, n: int) -> None:
    for i in range(n):
        c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                    "metadata": {"name": f"pod-{i:04d}", "labels": {"app": "bench"}},
                                    "spec": {"containers": [{"name": "app", "image": "nginx:1.27"}]}},
                           "default")
    c.run(0)


def bench_table(srv, requests: int, clients: int) -> float:
    host, port = srv.host, srv.port
    per = requests // clients

    def client():
        conn = http.client.HTTPConnection(host, port)
        for _ in range(per):
            conn.request("GET", "/api/v1/namespaces/default/pods?limit=500", headers={"Accept": TABLE})
            r = conn.getresponse()
            body = r.read()
            assert r.status == 200, body[:200]
            # kubectl get follows the continue token: one table of 1,000 rows is two pages of 500
            cont = json.loads(body)["metadata"].get("continue")
            if cont:
                conn.request("GET", f"/api/v1/namespaces/default/pods?limit=500&continue={cont}",
                             headers={"Accept": TABLE})
                r2 = conn.getresponse()
                rows = len(json.loads(r2.read())["rows"])
                assert rows > 0
        conn.close()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    dt = time.perf_counter() - t0
    return per * clients / dt


def bench_single_table(srv, requests: int, clients: int) -> float:
    """One request for all 1,000 pods (no paging), as `kubectl get pods --chunk-size=0` asks."""
    per = requests // clients

    def client():
        conn = http.client.HTTPConnection(srv.host, srv.port)
        for _ in range(per):
            conn.request("GET", "/api/v1/namespaces/default/pods", headers={"Accept": TABLE})
            r = conn.getresponse()
            assert r.status == 200
            r.read()
        conn.close()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    t0 = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return per * clients / (time.perf_counter() - t0)


class Watcher(threading.Thread):
    """One watch connection: counts events and checks resourceVersions only go up."""

    def __init__(self, srv, rv: str, expect: int):
        super().__init__(daemon=True)
        self.srv, self.rv, self.expect = srv, rv, expect
        self.count = 0
        self.ordered = True
        self.done = threading.Event()
        self.ready = threading.Event()

    def run(self):
        conn = http.client.HTTPConnection(self.srv.host, self.srv.port)
        conn.request("GET", f"/api/v1/namespaces/bench/configmaps?watch=true&resourceVersion={self.rv}"
                            "&timeoutSeconds=600")
        r = conn.getresponse()
        self.ready.set()
        last = 0
        while self.count < self.expect:
            line = r.readline()
            if not line:
                break
            m = RV.search(line)
            rv = int(m.group(1)) if m else 0
            if rv <= last:
                self.ordered = False
            last = rv
            self.count += 1
        self.done.set()
        conn.close()


def bench_watches(srv, c: Cluster, watches: int, writes: int, writers: int) -> dict:
    c.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "bench"}})
    c.run(0)
    rv = c.apiserver.list("configmaps", "bench")["metadata"]["resourceVersion"]
    ws = [Watcher(srv, rv, writes) for _ in range(watches)]
    for w in ws:
        w.start()
    for w in ws:
        w.ready.wait(30)
    names = max(1, writes // 10)          # 10 % creates, then updates of those objects

    t0 = time.perf_counter()
    # creates first (so updates find their object), then the updates from several writers
    first = threading.Thread(target=lambda: [writer_one(srv, i) for i in range(names)])
    first.start()
    first.join()
    threads = [threading.Thread(target=writer_updates, args=(srv, k, writers, names, writes))
               for k in range(writers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    t_writes = time.perf_counter() - t0
    for w in ws:
        w.done.wait(600)
    t_all = time.perf_counter() - t0
    return {"writes_s": t_writes, "delivered_s": t_all,
            "received": [w.count for w in ws], "ordered": all(w.ordered for w in ws)}


def writer_one(srv, i):
    conn = http.client.HTTPConnection(srv.host, srv.port)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"cm-{i}"}, "data": {"n": "0"}}
    conn.request("POST", "/api/v1/namespaces/bench/configmaps", json.dumps(body),
                 {"Content-Type": "application/json"})
    r = conn.getresponse()
    r.read()
    assert r.status == 201, r.status
    conn.close()


def writer_updates(srv, k, writers, names, writes):
    conn = http.client.HTTPConnection(srv.host, srv.port)
    for i in range(names + k, writes, writers):
        conn.request("PATCH", f"/api/v1/namespaces/bench/configmaps/cm-{i % names}",
                     json.dumps({"data": {"n": str(i)}}), {"Content-Type": "application/merge-patch+json"})
        r = conn.getresponse()
        r.read()
        assert r.status == 200, r.status
    conn.close()


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--pods", type=int, default=1000)
    ap.add_argument("--requests", type=int, default=200)
    ap.add_argument("--clients", type=int, default=4)
    ap.add_argument("--watches", type=int, default=100)
    ap.add_argument("--writes", type=int, default=10000)
    ap.add_argument("--writers", type=int, default=4)
    a = ap.parse_args()
    c = Cluster(nodes=0, seed=0)
    make_pods(c, a.pods)
    srv = c.serve(port=0, speed=0)      # the clock stands still: only requests move the cluster
    try:
        rps = bench_single_table(srv, a.requests, a.clients)
        print(f"get pods (Table, {a.pods} pods in one response): {rps:.1f} requests/s "
              f"({a.clients} keep-alive clients, {a.requests} requests)")
        rps2 = bench_table(srv, a.requests, a.clients)
        print(f"get pods (Table, {a.pods} pods as kubectl pages them, 500 per request): "
              f"{rps2:.1f} listings/s")
        res = bench_watches(srv, c, a.watches, a.writes, a.writers)
        got = res["received"]
        lost = sum(a.writes - n for n in got)
        print(f"{a.watches} watches x {a.writes} writes: writes took {res['writes_s']:.1f} s "
              f"({a.writes / res['writes_s']:.0f} writes/s over HTTP); every watch had every event after "
              f"{res['delivered_s']:.1f} s ({a.watches * a.writes / res['delivered_s']:.0f} events/s delivered)")
        print(f"events lost: {lost} (min received {min(got)}, max {max(got)}); in resourceVersion order: "
              f"{res['ordered']}")
        return 0 if lost == 0 and res["ordered"] else 1
    finally:
        srv.stop()


if __name__ == "__main__":
    sys.exit(main())
