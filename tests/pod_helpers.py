"""Helpers shared by the pods-in-depth tests (probes, init containers, sidecars, termination, resources).

Pods are bound with ``spec.nodeName`` to a node whose images are preloaded, so the first
container starts at the instant the pod is created: every time below is seconds since then.
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.runtime.images import ImageRegistry, image

# The images these tests run, given to each test cluster (Cluster(images=IMAGES)); readers register
# their own the same way, or with @c.image on one cluster.
IMAGES = ImageRegistry()


# --- kubelet-test/*: the pod lifecycle tests' (test_pod_lifecycle.py, test_kubelet.py, test_nodes.py)
@image("kubelet-test/exit:1.0", size="1Mi", registry=IMAGES)
def exit_after(proc):
    """``args: [seconds, code]``: run that long, then exit with that code."""
    seconds = float(proc.argv[1]) if len(proc.argv) > 1 else 0
    code = int(proc.argv[2]) if len(proc.argv) > 2 else 1
    proc.print(f"running for {seconds:g}s then exiting {code}")
    if seconds:
        yield proc.sleep(seconds)
    return code


@image("kubelet-test/server:1.0", size="1Mi", registry=IMAGES)
def server(proc):
    """Runs until stopped; exits 0 on SIGTERM."""
    proc.print("serving")
    proc.on_signal("SIGTERM", lambda sig: proc.exit(0))
    yield proc.forever()


@image("kubelet-test/stubborn:1.0", size="1Mi", registry=IMAGES)
def stubborn(proc):
    """Ignores SIGTERM: only SIGKILL at the end of the grace period stops it."""
    proc.ignore_signal("SIGTERM")
    yield proc.forever()



# --- pods-test/*: the pods-in-depth tests'


@image("pods-test/headers:1.0", size="1Mi", registry=IMAGES)
def headers_server(proc):
    """Answers 200 on :8080 and logs every request's headers (what a probe sends); exits 1 s
    after SIGTERM."""
    def handle(req):
        proc.print(f"{req.method} {req.path} " + " ".join(f"{k}={v}" for k, v in sorted(req.headers.items())))
        return proc.reply(200, "ok\n")

    def on_term(sig):
        proc.print(f"SIGTERM at {proc.now:g}")

        def drain(p):
            yield p.sleep(1)
            return 0
        return drain(proc)
    proc.on_signal("SIGTERM", on_term)
    proc.listen(8080, handle)
    yield proc.forever()


@image("pods-test/grpc:1.0", size="1Mi", registry=IMAGES)
def grpc_server(proc):
    """A gRPC health server on :9000: SERVING until NOT_SERVING_AFTER seconds, then NOT_SERVING."""
    after = float(proc.env.get("NOT_SERVING_AFTER", "1e9"))

    def handle(req):
        if req.route != "/grpc.health.v1.Health/Check":
            return proc.reply(404, "")
        return proc.reply(200, "SERVING" if proc.uptime() < after else "NOT_SERVING")
    proc.on_signal("SIGTERM", lambda sig: proc.exit(0))
    proc.listen(9000, handle)
    yield proc.forever()


@image("pods-test/stubborn:1.0", size="1Mi", base="busybox", registry=IMAGES)
def stubborn(proc):
    """Ignores SIGTERM: only SIGKILL stops it."""
    proc.ignore_signal("SIGTERM")
    yield proc.forever()


@image("pods-test/job:1.0", size="1Mi", registry=IMAGES)
def job(proc):
    """``args: [seconds, code]``: work that long, then exit with that code."""
    seconds = float(proc.argv[1]) if len(proc.argv) > 1 else 0
    code = int(proc.argv[2]) if len(proc.argv) > 2 else 0
    proc.on_signal("SIGTERM", lambda sig: proc.exit(143))
    if seconds:
        yield proc.sleep(seconds)
    return code


@image("pods-test/slow-term:1.0", size="1Mi", base="busybox", registry=IMAGES)
def slow_term(proc):
    """Takes ``args[0]`` seconds to shut down after SIGTERM, then exits 0; logs when it got it."""
    seconds = float(proc.argv[1]) if len(proc.argv) > 1 else 0

    def on_term(sig):
        proc.print(f"SIGTERM at {proc.now:g}")

        def drain(p):
            yield p.sleep(seconds)
            return 0
        return drain(proc)
    proc.on_signal("SIGTERM", on_term)
    yield proc.forever()


PRELOADED = ["minik8s/app:1.0", "busybox:1.36", "nginx:1.27", "pods-test/headers:1.0", "pods-test/grpc:1.0",
             "pods-test/stubborn:1.0", "pods-test/job:1.0", "pods-test/slow-term:1.0",
             "registry.k8s.io/e2e-test-images/agnhost:2.40"]


def cluster(**node) -> Cluster:
    spec = {"name": "node-1", "images": PRELOADED}
    spec.update(node)
    return Cluster(nodes=[spec], images=IMAGES)


def pod(name: str, containers: list, init: list | None = None, **spec) -> dict:
    s = {"nodeName": "node-1", "containers": containers}
    if init:
        s["initContainers"] = init
    s.update(spec)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": s}


class Run:
    """A pod's life at exact virtual times: ``events`` are (t, type, reason, message, fieldPath),
    one per occurrence (aggregated events counted up one at a time)."""

    def __init__(self, c: Cluster, manifest: dict):
        self.c = c
        self.name = manifest["metadata"]["name"]
        self.events: list[tuple] = []
        self._counts: dict[str, int] = {}
        c.apiserver.watch("events", self._on_event, "default")
        c.run(0)
        self.t0 = c.now
        c.apply(manifest)

    def _on_event(self, typ, ev):
        if typ == "DELETED" or ev["involvedObject"].get("name") != self.name:
            return
        key = ev["metadata"]["name"]
        count = ev.get("count") or 1
        if count != self._counts.get(key):
            self._counts[key] = count
            self.events.append((round(self.c.now - self.t0, 3), ev["type"], ev["reason"], ev["message"],
                                ev["involvedObject"].get("fieldPath")))

    @property
    def now(self) -> float:
        return round(self.c.now - self.t0, 3)

    def run_to(self, t: float) -> "Run":
        assert self.t0 + t >= self.c.now
        self.c.run(self.t0 + t - self.c.now)
        return self

    def pod(self) -> dict:
        return self.c.get("pods", self.name)

    def status(self) -> dict:
        return self.pod()["status"]

    def cs(self, name: str | None = None, init: bool = False) -> dict:
        key = "initContainerStatuses" if init else "containerStatuses"
        sts = self.status().get(key) or []
        if name is None:
            return sts[0]
        return next(s for s in sts if s["name"] == name)

    def cond(self, ctype: str) -> dict:
        return next(x for x in self.status()["conditions"] if x["type"] == ctype)

    def when(self, reason: str, message: str | None = None) -> list[float]:
        return [t for t, _, r, m, _ in self.events if r == reason and (message is None or m == message)]

    def get_pods(self) -> list[str]:
        """``kubectl get pod NAME`` as [NAME, READY, STATUS, RESTARTS]."""
        out = self.c.kubectl(f"get pod {self.name} --no-headers")
        return out.split()[:4] if "(" not in out else out.split()[:3] + [" ".join(out.split()[3:6])]

    def trace(self, until: float, step: float = 1.0, fn=None) -> list[tuple]:
        """(t, value) each time ``fn(run)`` changes, sampled every ``step`` seconds up to ``until``."""
        fn = fn or (lambda r: tuple(r.get_pods()[1:3]))
        out, last = [], object()
        while self.now <= until + 1e-9:
            v = fn(self)
            if v != last:
                out.append((self.now, v))
                last = v
            self.c.run(step)
        return out


@image("pods-test/hog:1.0", size="1Mi", base="busybox", registry=IMAGES)
def hog(proc):
    """``args: [start MiB, MiB per second, work CPU-seconds]``: hold memory (growing each second);
    with a third argument, once it has allocated, compute that much and log how long it took."""
    from minik8s.runtime.process import MiB
    start = float(proc.argv[1]) if len(proc.argv) > 1 else 0
    growth = float(proc.argv[2]) if len(proc.argv) > 2 else 0
    work = float(proc.argv[3]) if len(proc.argv) > 3 else 0
    proc.on_signal("SIGTERM", lambda sig: proc.exit(0))
    proc.allocate(int(start * MiB))
    if work:
        t = proc.now
        yield proc.compute(work)
        proc.print(f"computed {work:g} CPU-seconds in {proc.now - t:g}s")
    while True:
        if growth <= 0:
            yield proc.forever()
        yield proc.sleep(1)
        proc.allocate(int(growth * MiB))


PRELOADED.append("pods-test/hog:1.0")
