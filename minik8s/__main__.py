"""``python -m minik8s serve``: a minik8s cluster behind a real Kubernetes API port.

    python -m minik8s serve --port 6443 --nodes 3 --kubeconfig ./kubeconfig [--speed 1]
                            [--state FILE] [--seed N]
    KUBECONFIG=./kubeconfig kubectl get nodes

The cluster's clock follows wall time (times ``--speed``); a new cluster's clock starts at the
current time, so its timestamps are real UTC times (``--from-epoch``: at 2025-01-01T00:00:00Z, as
``Cluster()`` does). ``--state FILE`` reloads the cluster saved there (if the file exists) and
saves it again on exit, so nothing is lost between runs; time stands still while it is saved.
Ctrl-C stops the server cleanly.
"""

from __future__ import annotations

import argparse
import os
import signal
import sys
import threading


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m minik8s", description="minik8s: a Kubernetes in Python")
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("serve", help="serve the Kubernetes API over HTTP on 127.0.0.1")
    s.add_argument("--port", type=int, default=6443, help="port to listen on (0: any free port)")
    s.add_argument("--host", default="127.0.0.1", help="address to listen on")
    s.add_argument("--nodes", type=int, default=3, help="number of nodes of a new cluster")
    s.add_argument("--seed", type=int, default=0, help="seed of a new cluster's random choices")
    s.add_argument("--speed", type=float, default=1.0, help="virtual seconds per wall second")
    s.add_argument("--kubeconfig", default="./kubeconfig", help="where to write the kubeconfig")
    s.add_argument("--state", default=None, help="load the cluster from FILE if it exists; save it on exit")
    s.add_argument("--from-epoch", action="store_true",
                   help="start a new cluster's clock at minik8s's epoch (2025-01-01T00:00:00Z) instead of now")
    s.add_argument("-v", "--verbose", action="store_true", help="log every request")
    return p


def new_cluster(nodes: int, seed: int, wall_clock: bool = True):
    """A new cluster; with ``wall_clock`` its virtual clock starts at the current time.

    Virtual time t is the timestamp ``EPOCH + t`` (``minik8s.api.meta``). kubectl computes some
    ages itself from its own clock (describe's Events, ``kubectl events``), so a served cluster
    whose clock starts at the epoch would show events "690d" old; starting it at now (and running
    at ``--speed 1``) makes every timestamp a real UTC time. The cluster boots exactly as
    ``Cluster(nodes, seed)`` does, only later on the clock.
    """
    import time as _time
    from . import Cluster
    from .api.meta import EPOCH
    from .store import Store
    if not wall_clock:
        return Cluster(nodes=nodes, seed=seed)
    start = float(int(_time.time() - EPOCH.timestamp()))
    return Cluster(nodes=nodes, seed=seed, _snapshot={"store": Store().snapshot(), "now": start})


def serve_main(args) -> int:
    from . import Cluster
    from .server import KubeServer
    if args.state and os.path.exists(args.state):
        try:
            cluster = Cluster.load(args.state)
        except (OSError, ValueError, KeyError, TypeError) as e:
            print(f"error: cannot load the cluster saved in {args.state}: {e}", file=sys.stderr)
            return 1
        origin = f"loaded from {args.state}"
    else:
        cluster = new_cluster(args.nodes, args.seed, wall_clock=not args.from_epoch)
        origin = f"{args.nodes} nodes, seed {args.seed}"
    try:
        server = KubeServer(cluster, args.port, args.host, args.speed, args.verbose)
    except OSError as e:
        print(f"error: cannot listen on {args.host}:{args.port}: {e.strerror or e}", file=sys.stderr)
        return 1
    server.write_kubeconfig(args.kubeconfig)
    done = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: done.set())
    signal.signal(signal.SIGTERM, lambda *_: done.set())
    server.start()
    print(f"minik8s API server at {server.url} ({origin}, speed {args.speed:g}x)", flush=True)
    print(f"  export KUBECONFIG={os.path.abspath(args.kubeconfig)}; kubectl get nodes", flush=True)
    print("Press Ctrl-C to stop.", flush=True)
    while not done.wait(0.5):
        pass
    print("stopping...", flush=True)
    server.stop()
    if args.state:
        with server.lock:
            cluster.save(args.state)
        print(f"cluster saved to {args.state}", flush=True)
    return 0


def main(argv=None) -> int:
    args = _parser().parse_args(argv)
    if args.command == "serve":
        return serve_main(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
