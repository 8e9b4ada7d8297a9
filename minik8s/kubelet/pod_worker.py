"""The pod worker: one small state machine per pod, driving the container runtime.

The kubelet runs one *pod worker* for every pod bound to its node
(pkg/kubelet/pod_workers.go). Each sync of a pod does what the kubelet's
``SyncPod`` and ``computePodActions`` do (pkg/kubelet/kuberuntime/kuberuntime_manager.go):

1. **probes** - ``AddPod``: one probe worker per container and probe type (``prober.py``);
2. **sandbox** - create the pod sandbox once: its network namespace, the pod IP
   (from the node's podCIDR), the hostname (the pod's name), ``/etc/hosts``;
3. **init containers** - :meth:`PodWorker.init_containers_done`: regular init containers one at
   a time, each to success; native sidecars (``restartPolicy: Always``) started in order and
   kept running (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/,
   https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/);
4. **containers** - for each app container decide one action:
   *start* it (pull its image first if the pull policy says so; then its postStart hook),
   *leave* it running, *kill* it (failed liveness/startup probe), *restart* it (restartPolicy
   and the CrashLoopBackOff back-off allow it), or *leave it terminated*;
5. **status** - write ``pod.status`` through the ``status`` subresource (readiness from the
   probes, ``initContainerStatuses``, conditions, phase).

Deleting a pod (``deletionTimestamp`` set) switches the worker to *terminating*
(:func:`.termination.terminate`): ``Killing`` events, preStop hooks, SIGTERM then SIGKILL after
the grace period (the runtime sends the signals), sidecars last and in reverse order; once
every container has stopped the pod object is deleted for good.
Docs: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/

The worker never calls the API server itself: it asks its kubelet (``self.kl``),
which owns the client, the event recorder, the back-off and the runtime.

This module is the worker's state and its sync; the rest of the mechanism reads in its own module,
as functions of the worker: :mod:`.containers` (the container record and pure rules),
:mod:`.images` (the image manager), :mod:`.restart` (kill, replace or restart a container),
:mod:`.termination` (stopping the pod, sidecars last), :mod:`.status` (``pod.status``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.meta import parse_time, rfc3339
from ..api.quantity import cpu_millis, memory_bytes
from .. import params as C
from ..net import dns_config
from .prober import PROBE_FIELDS, ProbeWorker, trigger_readiness
from .images import ensure_image
from .restart import kill_if_unhealthy, may_restart, replace_if_changed, retire_container
from .status import build_status
from .termination import stop_ordered
from .containers import ConfigError, ContainerRecord, hosts_file, is_sidecar


@dataclass
class PodWorker:
    """One pod's worker. ``kl`` is the kubelet (API client, runtime, back-off, events)."""

    kl: object
    key: str
    uid: str
    containers: dict = field(default_factory=dict)     # name -> ContainerRecord (init and app)
    sandbox: object = None
    ip: str | None = None
    start_time: str | None = None
    admitted: bool = False              # passed the kubelet's admission check
    requests: dict | None = None        # what it was admitted with (cpu millicores, memory bytes)
    finished: bool = False              # reached Succeeded/Failed (or rejected): nothing more to run
    terminating: bool = False           # deletion in progress
    grace: float | None = None
    last_status: dict | None = None
    recheck: bool = False               # after a kubelet restart: rewrite status others changed meanwhile
    probes: dict = field(default_factory=dict)         # (container, kind) -> ProbeWorker
    pod: dict | None = None             # the pod as last synced
    deleting: bool = False              # deletionTimestamp seen (liveness/startup probes stop)
    evicted: tuple | None = None        # (reason, message): the kubelet failed the pod (Evicted, DeadlineExceeded)
    stopping_sidecars: bool = False     # regular containers are done: sidecars are being stopped
    turns: dict = field(default_factory=dict)          # sidecar -> (waiting since, grace left)
    exited: bool = False                # the PLEG saw a container exit since the last sync
    evicted_at: str | None = None

    # --- lookups the prober uses ----------------------------------------------------------------
    def record(self, name: str, init: bool = False) -> ContainerRecord | None:
        return self.containers.get(name)

    def spec_of(self, name: str) -> dict | None:
        spec = (self.pod or {}).get("spec") or {}
        for c in list(spec.get("initContainers") or []) + list(spec.get("containers") or []):
            if c["name"] == name:
                return c
        return None

    def restart_policy_for(self, c: dict, init: bool) -> str:
        """A sidecar's own restartPolicy (Always), else the pod's."""
        if init and is_sidecar(c):
            return "Always"
        return ((self.pod or {}).get("spec") or {}).get("restartPolicy") or "Always"

    def probe_result(self, name: str, kind: str) -> str | None:
        """The results manager's latest ``kind`` probe result for container ``name`` as it runs now."""
        rec = self.containers.get(name)
        if rec is None or rec.cid is None:
            return None
        return self.kl.probe_results.get(rec.cid, kind)

    def is_started(self, name: str, init: bool = False) -> bool:
        """containerStatuses[].started: running, and its startup probe (if any) has succeeded."""
        rec = self.containers.get(name)
        if rec is None or rec.cid is None or rec.hook_pending:
            return False
        if self.kl.runtime.container_state(rec.cid) != "running":
            return False
        return self.startup_passed(name)

    def startup_passed(self, name: str) -> bool:
        """The container's startup probe (if it has one) has succeeded."""
        if (name, "startup") in self.probes:
            return self.probe_result(name, "startup") == "Success"
        return True

    # --- the sync: observe -> diff -> act -----------------------------------------------------
    def sync(self, pod: dict) -> float | None:
        """Bring the pod's containers toward its spec. Returns seconds until it must look again."""
        kl = self.kl
        self.pod = pod
        spec = pod["spec"]
        if self.start_time is None:
            self.start_time = (pod.get("status") or {}).get("startTime") or rfc3339(kl.clock.now)
        for c in spec.get("initContainers") or []:
            if c["name"] not in self.containers:
                self.containers[c["name"]] = ContainerRecord(c["name"], init=True)
        for c in spec.get("containers") or []:
            if c["name"] not in self.containers:
                self.containers[c["name"]] = ContainerRecord(c["name"])
        if self.finished:
            kl.observe(f"pod is {self.last_status.get('phase') if self.last_status else 'finished'}")
            self.write_status(pod)
            return None
        self.add_probes(pod)
        requeue = []
        if self.sandbox is None:
            self.create_sandbox(pod)
        if self.evicted:
            status = self.write_status(pod)
            if not self.running_containers():
                self.finish(pod)
            return None
        if any(r.hook_pending for r in self.containers.values()):
            kl.observe("waiting for a postStart hook")
            return None
        if self.past_active_deadline(pod, requeue):
            return min(requeue) if requeue else None
        if self.exited and self.last_status is not None:
            # SyncPod writes the status it observed before acting (generateAPIPodStatus, then
            # computePodActions): a container that just crashed is reported terminated (Error)
            # before it is restarted, so watchers see it, as they do on a real node
            self.write_status(pod)
        self.exited = False
        if self.stopping_sidecars:
            self.stop_sidecars(pod)
        elif self.init_containers_done(pod, requeue):
            for c in spec.get("containers") or []:
                self.sync_container(pod, c, requeue)
                if self.containers[c["name"]].hook_pending:
                    break                       # startContainer blocks on postStart
            if self.regular_containers_done(pod):
                self.stopping_sidecars = True
                self.stop_sidecars(pod)
        status = self.write_status(pod)
        if status["phase"] in ("Succeeded", "Failed") and not self.running_containers():
            self.finish(pod)
        elif status["phase"] == "Failed" and not self.stopping_sidecars:
            self.stopping_sidecars = True       # an init container failed under restartPolicy Never
            self.stop_sidecars(pod)
        return min(requeue) if requeue else None

    def past_active_deadline(self, pod: dict, requeue: list) -> bool:
        """activeDeadlineSeconds (pkg/kubelet/active_deadline.go): a pod that has been active on the
        node that long is failed - phase Failed, reason DeadlineExceeded - and its containers are
        stopped with the pod's grace period
        (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase)."""
        deadline = pod["spec"].get("activeDeadlineSeconds")
        if not deadline or self.evicted:
            return False
        kl = self.kl
        started = parse_time(self.start_time)
        if started is None or kl.clock.now - started < deadline:
            if started is not None:
                requeue.append(started + deadline - kl.clock.now)
            return False
        message = "Pod was active on the node longer than the specified deadline"
        kl.diff(f"active for {deadline}s: {message}")
        kl.event(pod, "Normal", "DeadlineExceeded", message)
        self.evicted = ("DeadlineExceeded", message)
        self.evicted_at = rfc3339(kl.clock.now)
        self.stop_probes()
        stop_ordered(self, pod, self.termination_grace(pod), self.running_containers())
        self.write_status(pod)
        if not self.running_containers():
            self.finish(pod)
        return True

    def add_probes(self, pod: dict) -> None:
        """prober_manager.AddPod: one worker per container and probe type, created once."""
        spec = pod["spec"]
        for init, containers in ((True, [c for c in spec.get("initContainers") or [] if is_sidecar(c)]),
                                 (False, spec.get("containers") or [])):
            for c in containers:
                for kind in ("startup", "readiness", "liveness"):
                    if c.get(PROBE_FIELDS[kind]) and (c["name"], kind) not in self.probes:
                        w = ProbeWorker(self, c, kind, init=init)
                        self.probes[(c["name"], kind)] = w
                        w.start()

    def stop_probes(self) -> None:
        """prober_manager.RemovePod: the workers stop and their results are forgotten."""
        for key in sorted(self.probes):
            w = self.probes[key]
            w.stop()
            self.kl.probe_results.remove(w.cid, w.kind)
        self.probes.clear()

    def init_containers_done(self, pod: dict, requeue: list) -> bool:
        """computeInitContainerActions: True when app containers may start.

        Regular init containers run one at a time, each to a successful exit; a failed one is
        restarted under the pod's restartPolicy (with the CrashLoopBackOff back-off) or, with
        ``Never``, fails the pod. A sidecar (``restartPolicy: Always``) lets the next one start
        as soon as it has *started* (its startupProbe, if any, succeeded) and is restarted
        whenever it exits (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/,
        https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/).
        """
        kl = self.kl
        policy = pod["spec"].get("restartPolicy") or "Always"
        for c in pod["spec"].get("initContainers") or []:
            rec = self.containers[c["name"]]
            if is_sidecar(c):
                self.sync_container(pod, c, requeue, init=True)
                if rec.hook_pending:
                    return False
                if self.is_started(c["name"], True):
                    rec.ever_started = True
                if not rec.ever_started:
                    kl.observe(f"init container {c['name']} (sidecar) has not started yet")
                    return False
                continue
            if rec.completed:
                continue
            if rec.cid is not None:
                st = kl.runtime.container_status(rec.cid)
                if st.state == "exited" and st.exit_code == 0 and not rec.kill_restart:
                    rec.completed = True
                    kl.diff(f"init container {c['name']} completed")
                    continue
                if st.state == "exited" and policy == "Never":
                    kl.observe(f"init container {c['name']} failed; restartPolicy Never: the pod fails")
                    return False
            self.sync_container(pod, c, requeue, init=True)
            return False
        return True

    def regular_containers_done(self, pod: dict) -> bool:
        """All app containers exited for good (restartPolicy says no restart): sidecars must stop."""
        spec = pod["spec"]
        if not any(is_sidecar(c) for c in spec.get("initContainers") or []):
            return False
        policy = spec.get("restartPolicy") or "Always"
        if policy == "Always":
            return False
        for c in spec.get("containers") or []:
            rec = self.containers[c["name"]]
            if rec.cid is None:
                return False
            st = self.kl.runtime.container_status(rec.cid)
            if st.state != "exited" or rec.waiting is not None or rec.kill_restart:
                return False
            if policy == "OnFailure" and st.exit_code != 0:
                return False
        return True

    def stop_sidecars(self, pod: dict) -> None:
        """The regular containers are done (a Job's pod): stop the sidecars, last one first."""
        grace = self.termination_grace(pod)
        stop_ordered(self, pod, grace, self.running_containers())

    # --- sandbox ------------------------------------------------------------------------------
    def create_sandbox(self, pod: dict) -> None:
        kl = self.kl
        md = pod["metadata"]
        self.ip = kl.allocate_ip(self.key)
        hostname = (pod["spec"].get("hostname") or md["name"])[:63]
        self.sandbox = kl.runtime.run_pod_sandbox(
            md["uid"], md["name"], md.get("namespace", "default"), hostname, self.ip,
            hosts=hosts_file(pod, self.ip, kl.cluster_domain),
            resolv_conf=dns_config.resolv_conf_for(pod, kl.cluster_dns, kl.cluster_domain),   # network/dns_config.py
            share_process_namespace=bool(pod["spec"].get("shareProcessNamespace")))
        kl.diff(f"no sandbox: created {self.sandbox.id} with IP {self.ip}")

    def remove_sandbox(self) -> None:
        if self.sandbox is not None:
            self.kl.runtime.stop_pod_sandbox(self.sandbox.id)
            self.kl.runtime.remove_pod_sandbox(self.sandbox.id)
            self.sandbox = None

    # --- one container --------------------------------------------------------------------------
    def sync_container(self, pod: dict, c: dict, requeue: list, init: bool = False) -> None:
        """computePodActions for one container: start, keep, kill, restart or leave terminated."""
        kl = self.kl
        rec = self.containers[c["name"]]
        if rec.pulling:
            kl.observe(f"{c['name']}: pulling {c['image']}")
            return
        if rec.cid is not None:
            if kl.runtime.container_state(rec.cid) in ("running", "created"):
                if rec.stopping:
                    return              # being killed; PLEG tells us when it has exited
                if kill_if_unhealthy(self, pod, c, rec, init):
                    return
                if not replace_if_changed(self, pod, c, rec):
                    return
                if kl.runtime.container_state(rec.cid) != "exited":
                    return              # SIGTERM sent; PLEG tells us when it has exited
            # the container has exited: its whole status decides on the restart
            if not may_restart(self, pod, c, rec, kl.runtime.container_status(rec.cid), requeue, init):
                return
            retire_container(self, rec)
            rec.restart_count += 1
            rec.image_ready = False
        if not rec.image_ready:
            if not ensure_image(self, pod, c, rec, requeue):
                return
        self.start_container(pod, c, rec, requeue)


    def kill_container(self, pod: dict | None, c: dict | None, rec: ContainerRecord, message: str | None,
                       grace: float, after_prestop=None) -> None:
        """killContainer (kuberuntime_container.go): ``Killing`` event, the preStop hook (its time
        counts against the grace period), then SIGTERM and SIGKILL after what is left of the grace
        period - never less than 2 s (minimumGracePeriodInSeconds): a preStop hook still running
        at the end of the grace period gets that one-off 2 s extension.

        ``after_prestop(remaining)`` replaces the plain stop (termination ordering of sidecars).
        """
        kl = self.kl
        rec.stopping = True
        name = rec.name
        if pod is not None and message is not None:
            kl.event_for(pod, "Normal", "Killing", message, name, init=rec.init)
        hook = ((c or {}).get("lifecycle") or {}).get("preStop")
        cid = rec.cid
        started = kl.clock.now

        def stop(remaining):
            if after_prestop is not None:
                after_prestop(remaining)
                return
            kl.diff(f"{name}: stop (grace period {max(remaining, C.MINIMUM_GRACE_PERIOD):g}s)")
            kl.runtime.stop_container(cid, max(remaining, C.MINIMUM_GRACE_PERIOD))

        if hook and grace > 0 and pod is not None:
            rec.prestop = True
            state = {"done": False}

            def finished(err=None):
                if state["done"]:
                    return
                state["done"] = True
                rec.prestop = False
                if err is not None and kl.pods is not None and kl.running:
                    kl.event_for(pod, "Warning", "FailedPreStopHook", "PreStopHook failed", name, init=rec.init)
                timer.cancel()
                stop(grace - int(kl.clock.now - started))

            def expired():
                if not state["done"]:
                    state["done"] = True
                    rec.prestop = False
                    kl.diff(f"{name}: preStop hook not completed in grace period")
                    stop(0)
            timer = kl.clock.call_later(grace, expired)
            from .lifecycle import run_hook
            kl.diff(f"{name}: run preStop hook")
            run_hook(kl.runtime, self.ip, cid, c, hook, kl.format_pod(pod), finished)
            return
        stop(grace)


    def termination_grace(self, pod: dict) -> float:
        """Seconds between SIGTERM and SIGKILL: the deletion's grace period, else the pod's."""
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", C.DEFAULT_TERMINATION_GRACE_PERIOD)
        return grace


    def start_container(self, pod: dict, c: dict, rec: ContainerRecord, requeue: list) -> None:
        """startContainer (kuberuntime_container.go): create, ``Created`` event, start, ``Started`` event,
        then the postStart hook, which the kubelet waits for."""
        kl = self.kl
        name = c["name"]
        init = rec.init
        try:
            env = kl.env.container_env(pod, c, self.ip)
        except ConfigError as e:
            rec.waiting = ("CreateContainerConfigError", str(e))
            kl.diff(f"{name}: {e}")
            kl.event_for(pod, "Warning", "Failed", f"Error: {e}", name, init=init)
            requeue.append(C.POD_WORKER_ERROR_RESYNC)
            return
        res = c.get("resources") or {}
        limits, requests = res.get("limits") or {}, res.get("requests") or {}
        cid = kl.runtime.create_container(
            self.sandbox.id, name, c["image"], command=c.get("command"), args=c.get("args"), env=env,
            working_dir=c.get("workingDir"), mounts=kl.container_mounts(pod, c),
            memory_limit=memory_bytes(limits["memory"]) if "memory" in limits else None,
            cpu_limit=cpu_millis(limits["cpu"]) if "cpu" in limits else None,
            memory_request=memory_bytes(requests["memory"]) if "memory" in requests else None,
            cpu_request=cpu_millis(requests["cpu"]) if "cpu" in requests else None,
            tty=bool(c.get("tty")), stdin=bool(c.get("stdin")), swap_limit=kl.swap_limit_for(pod, c))
        rec.cid = cid
        rec.image = c["image"]
        rec.replacing = False
        rec.waiting = None
        rec.stopping = False
        kl.track_container(cid, self.key)
        kl.container_created(pod, c, cid)
        kl.event_for(pod, "Normal", "Created", f"Created container: {name}", name, init=init)
        kl.runtime.start_container(cid)
        kl.event_for(pod, "Normal", "Started", f"Started container {name}", name, init=init)
        kl.diff(f"{name}: started container {cid}" + (f" (restart {rec.restart_count})"
                                                      if rec.restart_count else ""))
        hook = (c.get("lifecycle") or {}).get("postStart")
        if hook and kl.runtime.container_state(cid) == "running":
            rec.hook_pending = True
            from .lifecycle import run_hook
            kl.diff(f"{name}: run postStart hook")
            run_hook(kl.runtime, self.ip, cid, c, hook, kl.format_pod(pod),
                     lambda err: kl.post_start_done(self.key, name, cid, err))

    def post_start_done(self, pod: dict, name: str, cid: str, err: str | None) -> None:
        """The postStart hook returned; a failure kills the container (FailedPostStartHook)."""
        kl = self.kl
        rec = self.containers.get(name)
        if rec is None or rec.cid != cid:
            return
        rec.hook_pending = False
        if err is None:
            kl.diff(f"{name}: postStart hook completed")
            return
        c = self.spec_of(name) or {"name": name}
        kl.diff(f"{name}: postStart hook failed: kill ({err})")
        # since 1.26 the event leaves the handler's output out (it may hold secrets)
        kl.event_for(pod, "Warning", "FailedPostStartHook", "PostStartHook failed", name, init=rec.init)
        rec.kill_restart = self.restart_policy_for(c, rec.init) != "Never"
        self.kill_container(pod, c, rec, "FailedPostStartHook", self.termination_grace(pod))


    def write_status(self, pod: dict, terminal: bool = False) -> dict:
        status = build_status(self, pod, terminal)
        trigger_readiness(status.get("initContainerStatuses", []) + status["containerStatuses"], self.probes)
        if (self.recheck or status != self.last_status) and status != pod.get("status"):
            self.kl.write_pod_status(pod, status)
            self.recheck = False
        self.last_status = status
        return status

    def finish(self, pod: dict) -> None:
        """The pod reached a terminal phase: tear down its sandbox (PodReadyToStartContainers False)."""
        self.finished = True
        self.stop_probes()
        self.kl.diff(f"pod is {self.last_status['phase']}: sandbox stopped")
        if self.sandbox is not None:
            self.kl.runtime.stop_pod_sandbox(self.sandbox.id)
        self.write_status(pod)

    # --- termination --------------------------------------------------------------------------
    def running_containers(self) -> list[ContainerRecord]:
        out = []
        for name in sorted(self.containers):
            rec = self.containers[name]
            if rec.cid and self.kl.runtime.container_state(rec.cid) in ("running", "created"):
                out.append(rec)
        return out


    def cleanup(self) -> None:
        """Remove every container and the sandbox: nothing of the pod is left on the node."""
        kl = self.kl
        self.stop_probes()
        for name in sorted(self.containers):
            rec = self.containers[name]
            for cid in (rec.cid, rec.prev_cid):
                if cid:
                    kl.forget_container(cid)
                    kl.runtime.remove_container(cid)
            rec.cid = rec.prev_cid = None
        self.remove_sandbox()
        kl.release_ip(self.key)
