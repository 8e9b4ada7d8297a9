"""Benchmark: 1,000 malformed HTTP requests against minik8s serve, and the server is still fine.

The seeded generator of ``minik8s.server.fuzz`` (the one ``tests/test_server_hardening.py`` runs
for 300 requests) sends random methods, paths, query strings, headers and bodies (truncated, not
UTF-8, wrong JSON types, nested 50,000 deep, over the 3 MiB limit) to a server on 127.0.0.1, one
connection per request. Printed: requests sent, responses by status code, the 5xx count (must
be 0), the server faults logged with a traceback (must be 0), whether the server still answers a
good request afterwards, and the time taken. Exit status 1 if any of those fails.

    python benchmarks/bench_fuzz_http.py [--requests 1000] [--seed 16]
"""

from __future__ import annotations

import argparse
import json
import logging
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from minik8s import Cluster  # noqa: E402
from minik8s.server import fuzz  # noqa: E402

SETUP = [
    ("/api/v1/namespaces/default/configmaps", fuzz.CM),
    ("/api/v1/namespaces/default/pods",
     {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz-pod"},
      "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}}),
    ("/apis/apps/v1/namespaces/default/deployments",
     {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fuzz-dep"},
      "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
               "template": {"metadata": {"labels": {"a": "b"}},
                            "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
    ("/api/v1/namespaces/default/services",
     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fuzz-svc"},
      "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}}),
]


def good_request(srv) -> bool:
    raw = (b"GET /api/v1/namespaces/default/configmaps HTTP/1.1\r\nHost: 127.0.0.1\r\n"
           b"Accept: application/json\r\n\r\n")
    resp = fuzz.send(srv.host, srv.port, raw)
    return resp is not None and resp.status == 200 and json.loads(resp.body)["kind"] == "ConfigMapList"


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--requests", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--time-limit", type=float, default=900.0, help="wall seconds at most")
    args = ap.parse_args()
    logging.basicConfig(level=logging.ERROR, format="%(levelname)s %(name)s: %(message)s")

    c = Cluster(nodes=1, seed=0)
    srv = c.serve(port=0, speed=0)
    try:
        for path, obj in SETUP:
            raw = (f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
                   f"Content-Length: {len(json.dumps(obj))}\r\n\r\n{json.dumps(obj)}").encode()
            assert fuzz.send(srv.host, srv.port, raw).status == 201, path
        srv.run(10)
        out = fuzz.run(srv.host, srv.port, args.requests, seed=args.seed, time_limit=args.time_limit)
        answering = good_request(srv)
    finally:
        srv.stop()
    counts = out["counts"]
    five = sum(v for k, v in counts.items() if isinstance(k, int) and k >= 500)
    print(f"requests sent:            {out['sent']} (seed {args.seed})")
    print("responses by status code: " + ", ".join(f"{k}: {v}" for k, v in sorted(counts.items(), key=str)))
    print(f"5xx responses:            {five}")
    print(f"tracebacks logged:        {srv.faults}")
    print(f"connections dropped unanswered: {counts.get('closed', 0)}")
    print(f"error bodies not a Status: {len([p for p in out['problems'] if 'Status' in p[2]])}")
    print(f"server still answering:   {'yes' if answering else 'NO'}")
    rate = out["sent"] / max(out["seconds"], 1e-9)
    print(f"time taken:               {out['seconds']:.1f} s ({rate:.0f} requests/s)")
    for i, raw, problem in out["problems"][:20]:
        print(f"  request {i}: {problem}: {raw!r}")
    ok = five == 0 and srv.faults == 0 and answering and not out["problems"] and "closed" not in counts
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
