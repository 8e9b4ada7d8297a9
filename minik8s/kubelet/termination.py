"""How a pod worker stops its pod's containers (pkg/kubelet/kuberuntime: killPodWithSyncResult,
killContainersWithSyncResult and the sidecar termination ordering of
kuberuntime_termination_order.go).

Deleting a pod (``deletionTimestamp`` set) switches its worker to *terminating*: every running
container gets its ``Killing`` event and its preStop hook at once, app containers get SIGTERM then
SIGKILL after the grace period, and native sidecars wait for their turn, last and in reverse order
(https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination,
https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/). Functions of the pod
worker ``pw``; stopping one container is :meth:`PodWorker.kill_container`.
"""

from __future__ import annotations

from .. import params as C
from .containers import ContainerRecord, is_sidecar


def terminate(pw, pod: dict | None, grace: float) -> bool:
    """Stop every container; True once all have exited.

    killContainersWithSyncResult: every running container gets its ``Killing`` event and its
    preStop hook at once; app containers are then sent SIGTERM, while sidecars wait for their
    turn - after every app container and every later sidecar has exited (the reverse of their
    order in the spec) - with what is left of the grace period (at least 2 s).
    ``pod`` is None when the object is already gone from the API (force-deleted, or deleted
    while this kubelet was down).
    """
    kl = pw.kl
    pw.deleting = True
    for rec in pw.containers.values():
        rec.pulling = False
    running = pw.running_containers()
    shorter = pw.grace is not None and grace < pw.grace
    if not pw.terminating or shorter:
        pw.terminating = True
        pw.grace = grace
        if shorter or pod is None:
            for rec in running:
                kl.diff(f"{rec.name}: stop (grace period {grace:g}s)")
                rec.stopping = True
                kl.runtime.stop_container(rec.cid, grace)
        else:
            for w in pw.probes.values():
                if w.kind in ("liveness", "startup"):
                    w.stop()
            stop_ordered(pw, pod, grace, running)
    return not running


def stop_ordered(pw, pod: dict, grace: float, running: list) -> None:
    """Kill ``running`` with the sidecar termination ordering (terminationOrdering in
    kuberuntime_termination_order.go)."""
    kl = pw.kl
    spec = pod["spec"]
    sidecars = [c["name"] for c in spec.get("initContainers") or [] if is_sidecar(c)]
    order = {n: i for i, n in enumerate(sidecars)}
    start = kl.clock.now
    for rec in sorted(running, key=lambda r: (r.name in order, -order.get(r.name, 0), r.name)):
        if rec.stopping:
            continue
        c = pw.spec_of(rec.name)
        if rec.name in order:
            after = (lambda r: (lambda remaining: sidecar_turn(pw, r, remaining, start)))(rec)
            pw.kill_container(pod, c, rec, f"Stopping container {rec.name}", grace, after_prestop=after)
        else:
            pw.kill_container(pod, c, rec, f"Stopping container {rec.name}", grace)


def sidecar_turn(pw, rec: ContainerRecord, remaining: float, start: float) -> None:
    """waitForTurn: a sidecar is stopped once the app containers and the sidecars after it have
    exited, or when its grace period has run out (checked again at every container exit)."""
    kl = pw.kl
    t0 = kl.clock.now
    pw.turns[rec.name] = (t0, remaining)
    kl.clock.call_later(max(remaining, 0), check_turns, pw)
    check_turns(pw, )


def check_turns(pw) -> None:
    """Stop each waiting sidecar whose turn has come (the PLEG calls this on every exit)."""
    kl = pw.kl
    if not pw.turns or pw.pod is None:
        return
    spec = pw.pod["spec"]
    sidecars = [c["name"] for c in spec.get("initContainers") or [] if is_sidecar(c)]
    apps = [c["name"] for c in spec.get("containers") or []]

    def alive(n):
        r = pw.containers.get(n)
        return r is not None and r.cid is not None and kl.runtime.container_state(r.cid) == "running"
    for name in sorted(pw.turns, key=lambda n: -sidecars.index(n) if n in sidecars else 0):
        t0, remaining = pw.turns[name]
        rec = pw.containers.get(name)
        if rec is None or not alive(name):
            del pw.turns[name]
            continue
        later = sidecars[sidecars.index(name) + 1:] if name in sidecars else []
        busy = [n for n in apps + later if alive(n)]
        if busy and kl.clock.now - t0 < remaining:
            continue
        del pw.turns[name]
        left = max(remaining - int(kl.clock.now - t0), C.MINIMUM_GRACE_PERIOD)
        kl.traced(pw.key, kl.diff, f"{name}: its turn to stop (grace period {left:g}s)")
        kl.runtime.stop_container(rec.cid, left)
