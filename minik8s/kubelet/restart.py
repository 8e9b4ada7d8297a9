"""Whether the kubelet kills or restarts a container (pkg/kubelet/kuberuntime: computePodActions).

A container that failed its liveness or startup probe is killed
(https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/);
one whose definition changed (its image) is replaced; one that exited is restarted when the
``restartPolicy`` says so, after the CrashLoopBackOff back-off
(https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy). Functions of the
pod worker ``pw``; killing one container is :meth:`PodWorker.kill_container`.
"""

from __future__ import annotations

from .. import params as C
from .containers import ContainerRecord, go_duration, is_sidecar, should_restart
from .status import terminated_status


def kill_if_unhealthy(pw, pod: dict, c: dict, rec: ContainerRecord, init: bool) -> bool:
    """A liveness or startup probe turned Failure: kill the container (restarted unless the
    restartPolicy is Never). Event ``Killing``: ``Container app failed liveness probe, will be
    restarted``. The probe's own terminationGracePeriodSeconds, if set, replaces the pod's."""
    for kind in ("liveness", "startup"):
        if pw.probe_result(c["name"], kind) == "Failure":
            break
    else:
        return False
    restart = pw.restart_policy_for(c, init) != "Never"
    message = f"Container {c['name']} failed {kind} probe" + (", will be restarted" if restart else "")
    probe = c.get(kind + "Probe") or {}
    grace = probe.get("terminationGracePeriodSeconds")
    if grace is None:
        grace = pod["spec"].get("terminationGracePeriodSeconds", C.DEFAULT_TERMINATION_GRACE_PERIOD)
    pw.kl.diff(f"{c['name']}: {kind} probe failed: kill" + (" and restart" if restart else ""))
    rec.kill_restart = restart
    pw.kill_container(pod, c, rec, message, grace)
    return True


def replace_if_changed(pw, pod: dict, c: dict, rec: ContainerRecord) -> bool:
    """A running container whose image was changed in the pod spec is killed and started again.
    True when it has just been told to stop."""
    kl = pw.kl
    if rec.image and rec.image != c["image"] and not rec.replacing:
        rec.replacing = True
        kl.diff(f"{c['name']}: image changed {rec.image} -> {c['image']}: restart")
        pw.kill_container(pod, c, rec, f"Container {c['name']} definition changed, will be restarted",
                            pw.termination_grace(pod))
        return True
    return False


def may_restart(pw, pod: dict, c: dict, rec: ContainerRecord, st, requeue: list,
                init: bool = False) -> bool:
    """An exited container: restart it now (True), later (CrashLoopBackOff) or never (restartPolicy).

    The back-off (kuberuntime_manager.go: doBackOff) counts from when the container finished:
    the first restart is immediate, then 10 s, 20 s, 40 s ... capped at 300 s. A container the
    kubelet killed itself (failed liveness probe) is started again in the same sync, so the
    back-off looks at the container that exited before it.
    """
    kl = pw.kl
    name = c["name"]
    if rec.replacing:
        kl.diff(f"{name}: stopped for its new definition: start it again")
        return True
    restart_policy = pw.restart_policy_for(c, init)
    if init and not is_sidecar(c) and restart_policy == "Always":
        restart_policy = "OnFailure"        # init containers rerun only when they fail
    killed = rec.kill_restart
    if killed:
        if restart_policy == "Never":
            rec.waiting = None
            return False
    elif not should_restart(restart_policy, st.exit_code):
        rec.waiting = None
        return False
    key = kl.backoff_key(pod, name)
    if killed:
        finished = rec.last_finished
        if finished is None:
            rec.kill_restart = False
            kl.diff(f"{name}: killed; restartPolicy {restart_policy}: restart")
            return True
    else:
        finished = st.finished_at if st.finished_at is not None else kl.clock.now
    if kl.crash_backoff.in_backoff(key, finished, kl.clock.now):
        delay = kl.crash_backoff.duration(key)
        if rec.waiting is None or rec.waiting[0] != "CrashLoopBackOff":
            kl.diff(f"{name}: exited {st.exit_code}; in back-off for {go_duration(delay)}")
        rec.waiting = ("CrashLoopBackOff", f"back-off {go_duration(delay)} restarting failed container={name} "
                                           f"pod={kl.format_pod(pod)}")
        kl.event_for(pod, "Warning", "BackOff",
                     f"Back-off restarting failed container {name} in pod {kl.format_pod(pod)}", name,
                     init=init)
        remaining = finished + delay - kl.clock.now
        requeue.append(min(C.POD_WORKER_ERROR_RESYNC, max(remaining, 0.0)))
        return False
    kl.crash_backoff.next(key, finished, kl.clock.now)
    rec.kill_restart = False
    kl.diff(f"{name}: exited {st.exit_code}; restartPolicy {restart_policy}: restart")
    return True


def retire_container(pw, rec: ContainerRecord) -> None:
    """The exited container becomes ``lastState`` (and the one kept for ``logs --previous``)."""
    kl = pw.kl
    st = kl.runtime.container_status(rec.cid)
    rec.last_terminated = terminated_status(pw, pw.spec_of(rec.name), st)
    rec.last_finished = st.finished_at
    if rec.prev_cid is not None:
        kl.forget_container(rec.prev_cid)
        kl.runtime.remove_container(rec.prev_cid)
    rec.prev_cid, rec.cid = rec.cid, None
    rec.stopping = False
