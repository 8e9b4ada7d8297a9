"""``minik8s serve``: the cluster's API server on a real HTTP port, for kubectl and client libraries.

``KubeServer(cluster, port=6443, speed=1)`` serves the Kubernetes REST API of ``cluster`` on
127.0.0.1 over plain HTTP (no TLS, no authentication: a teaching cluster on the loopback
interface). The real ``kubectl`` (with the kubeconfig from :func:`kubeconfig`) and the official
Python client drive it as they drive a real cluster.

Why the standard library's ``ThreadingHTTPServer``: every request gets a thread (so a hundred
watches can stay open) and every call into the engine takes one lock, so the engine itself stays
single-threaded and deterministic. Watches, ``logs -f`` and exec's WebSocket are long-lived
responses on those threads; nothing here needs an ASGI framework or a new dependency.

Time: a driver thread advances the cluster's virtual clock to follow wall time (times ``speed``)
under the same lock, every :data:`TICK` seconds. With ``speed=0`` the clock only moves when the
program calls :meth:`KubeServer.run`.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import threading
import time
from http.server import ThreadingHTTPServer

from .openapi import OpenAPI
from .rest import RequestHandler

TICK = 0.05    # wall seconds between clock advances


class _HTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def handle_error(self, request, client_address):
        """An exception outside a request's handler (reading its request line, a reset connection):
        a client that went away is nothing; anything else is logged and counted, not printed."""
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        self.kube.faults += 1
        logging.getLogger("minik8s.server").exception("error on a connection from %s", client_address)


class KubeServer:
    """A running API server for ``cluster`` (start with :meth:`start`, end with :meth:`stop`)."""

    def __init__(self, cluster, port: int = 6443, host: str = "127.0.0.1", speed: float = 1.0,
                 verbose: bool = False):
        self.cluster = cluster
        self.speed = float(speed)
        self.verbose = verbose
        self.faults = 0          # server-side errors (logged with their traceback), see rest._handle
        self.lock = threading.RLock()
        self.stopping = False
        self.openapi = OpenAPI()
        self.httpd = _HTTPServer((host, port), RequestHandler)
        self.httpd.kube = self
        self.host, self.port = self.httpd.server_address[:2]
        self._threads: list[threading.Thread] = []
        self._encoded: dict = {}

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"

    # --- the engine, one caller at a time ---------------------------------------------------
    def call(self, fn, *args, **kw):
        """Run ``fn`` on the engine under the lock, then deliver what it caused (watch events)."""
        with self.lock:
            try:
                return fn(*args, **kw)
            finally:
                try:
                    self.cluster.clock.run(0)
                except Exception:
                    # A component that fails reacting to this request's write is the server's fault,
                    # not the request's: logged and counted, and the request still gets its answer.
                    self.faults += 1
                    logging.getLogger("minik8s.server").exception("a component failed after a request")

    def run(self, seconds: float) -> None:
        """Advance the cluster's virtual time by ``seconds`` (under the lock)."""
        with self.lock:
            self.cluster.clock.run(seconds)

    def encode_event(self, typ: str, obj: dict) -> bytes:
        """One watch event as a JSON line; the same event sent to many watches is encoded once."""
        md = obj.get("metadata") or {}
        key = (typ, obj.get("kind"), md.get("namespace"), md.get("name"), md.get("resourceVersion"))
        cacheable = typ in ("ADDED", "MODIFIED", "DELETED") and md.get("resourceVersion")
        data = self._encoded.get(key) if cacheable else None
        if data is None:
            data = json.dumps({"type": typ, "object": obj}, separators=(",", ":")).encode() + b"\n"
            if cacheable:
                if len(self._encoded) > 20000:
                    self._encoded.clear()
                self._encoded[key] = data
        return data

    def _drive(self) -> None:
        """Advance virtual time by the wall time elapsed since the last tick, times ``speed``.

        Increments, not a fixed mapping: when something else moved the clock ahead (an exec that
        ran ``sleep 600`` runs the clock until it ends), time goes on from there instead of
        standing still until wall time catches up."""
        last = time.monotonic()
        while not self.stopping:
            time.sleep(TICK)
            now = time.monotonic()
            elapsed, last = now - last, now
            if self.speed <= 0:
                continue
            with self.lock:
                try:
                    self.cluster.clock.run(elapsed * self.speed)
                except Exception:        # a bug in a component must not stop the clock for good
                    self.faults += 1
                    logging.getLogger("minik8s.server").exception("the virtual clock's step failed")

    # --- lifecycle --------------------------------------------------------------------------
    def start(self) -> "KubeServer":
        for target in (self.httpd.serve_forever, self._drive):
            th = threading.Thread(target=target, daemon=True, name=f"minik8s-{target.__name__}")
            th.start()
            self._threads.append(th)
        return self

    def stop(self) -> None:
        """Stop serving: open watches end, the port is released."""
        if self.stopping:
            return
        self.stopping = True
        self.httpd.shutdown()
        self.httpd.server_close()
        for th in self._threads:
            th.join(timeout=2)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()

    def kubeconfig(self, context: str = "minik8s") -> str:
        return kubeconfig(self.url, context)

    def write_kubeconfig(self, path: str, context: str = "minik8s") -> str:
        with open(path, "w", encoding="utf-8") as f:
            f.write(self.kubeconfig(context))
        os.chmod(path, 0o600)
        return path

    def __repr__(self) -> str:
        return f"<KubeServer {self.url} speed={self.speed:g}>"


def kubeconfig(server_url: str, context: str = "minik8s") -> str:
    """A kubeconfig (YAML) pointing kubectl at ``server_url``, with no credentials."""
    return (
        "apiVersion: v1\n"
        "kind: Config\n"
        "clusters:\n"
        f"- name: {context}\n"
        "  cluster:\n"
        f"    server: {server_url}\n"
        "contexts:\n"
        f"- name: {context}\n"
        "  context:\n"
        f"    cluster: {context}\n"
        f"    user: {context}\n"
        "    namespace: default\n"
        f"current-context: {context}\n"
        "users:\n"
        f"- name: {context}\n"
        "  user: {}\n"
        "preferences: {}\n"
    )


def serve(cluster, port: int = 6443, *, host: str = "127.0.0.1", speed: float = 1.0,
          verbose: bool = False) -> KubeServer:
    """Start serving ``cluster`` in background threads; returns the running :class:`KubeServer`."""
    return KubeServer(cluster, port, host, speed, verbose).start()


__all__ = ["KubeServer", "serve", "kubeconfig"]
