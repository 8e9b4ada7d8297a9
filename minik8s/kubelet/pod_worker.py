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
(:meth:`PodWorker.terminate`): ``Killing`` events, preStop hooks, SIGTERM then SIGKILL after
the grace period (the runtime sends the signals), sidecars last and in reverse order; once
every container has stopped the pod object is deleted for good.
Docs: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/

The worker never calls the API server itself: it asks its kubelet (``self.kl``),
which owns the client, the event recorder, the back-off and the runtime.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..api.meta import parse_time, rfc3339
from ..api.quantity import cpu_millis, memory_bytes
from . import config as C
from ..network import dns_config
from .prober import PROBE_FIELDS, ProbeWorker, trigger_readiness
from .status import pod_conditions, pod_phase, qos_class


# --- small pure helpers a chapter can show --------------------------------------------------

def default_pull_policy(image: str) -> str:
    """``Always`` for an image with the ``:latest`` tag or no tag, else ``IfNotPresent``
    (https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting)."""
    if "@" in image:
        return "IfNotPresent"
    last = image.rsplit("/", 1)[-1]
    if ":" not in last or last.endswith(":latest"):
        return "Always"
    return "IfNotPresent"


def should_restart(restart_policy: str, exit_code: int) -> bool:
    """Does ``restartPolicy`` restart a container that exited with ``exit_code``?
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy)"""
    if restart_policy == "Never":
        return False
    if restart_policy == "OnFailure":
        return exit_code != 0
    return True


def go_duration(seconds: float) -> str:
    """A duration as Go's ``time.Duration.String()`` prints it: ``1.5s``, ``250ms``, ``1m0s``, ``5m0s``."""
    if seconds == 0:
        return "0s"
    ms = round(seconds * 1000)
    if ms < 1000:
        return f"{ms}ms"
    minutes, rest = divmod(ms, 60000)
    hours, minutes = divmod(minutes, 60)
    secs = rest / 1000
    s = f"{secs:.3f}".rstrip("0").rstrip(".") + "s"
    if hours:
        return f"{hours}h{minutes}m{s}"
    if minutes:
        return f"{minutes}m{s}"
    return s


def hosts_file(pod: dict, ip: str, domain: str = C.CLUSTER_DOMAIN) -> str:
    """``/etc/hosts`` as the kubelet writes it (pkg/kubelet/kubelet_pods.go: managedHostsFileContent)."""
    spec = pod.get("spec") or {}
    name = spec.get("hostname") or pod["metadata"]["name"]
    lines = ["# Kubernetes-managed hosts file.",
             "127.0.0.1\tlocalhost",
             "::1\tlocalhost ip6-localhost ip6-loopback",
             "fe00::0\tip6-localnet",
             "fe00::0\tip6-mcastprefix",
             "fe00::1\tip6-allnodes",
             "fe00::2\tip6-allrouters"]
    if spec.get("subdomain"):
        ns = pod["metadata"].get("namespace", "default")
        lines.append(f"{ip}\t{name}.{spec['subdomain']}.{ns}.svc.{domain}\t{name}")
    else:
        lines.append(f"{ip}\t{name}")
    aliases = spec.get("hostAliases") or []
    if aliases:
        lines.append("")
        lines.append("# Entries added by HostAliases.")
        for a in aliases:
            lines.append(a.get("ip", "") + "\t" + "\t".join(a.get("hostnames") or []))
    return "\n".join(lines) + "\n"


def resolv_conf(pod: dict, dns_ip: str = C.CLUSTER_DNS, domain: str = C.CLUSTER_DOMAIN) -> str | None:
    """``/etc/resolv.conf`` for the pod's dnsPolicy (ClusterFirst: the cluster DNS and search path;
    https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy)."""
    spec = pod.get("spec") or {}
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "ClusterFirstWithHostNet":
        policy = "ClusterFirst"
    if spec.get("hostNetwork") and spec.get("dnsPolicy", "ClusterFirst") == "ClusterFirst":
        policy = "Default"
    ns = pod["metadata"].get("namespace", "default")
    if policy == "None":
        cfg = spec.get("dnsConfig") or {}
        servers, searches, options = cfg.get("nameservers") or [], cfg.get("searches") or [], []
    elif policy == "Default":
        return None     # the node's own resolv.conf: the runtime's default
    else:
        servers = [dns_ip]
        searches = [f"{ns}.svc.{domain}", f"svc.{domain}", domain]
        options = ["ndots:5"]
        cfg = spec.get("dnsConfig") or {}
        servers += [s for s in cfg.get("nameservers") or [] if s not in servers]
        searches += [s for s in cfg.get("searches") or [] if s not in searches]
    for o in (spec.get("dnsConfig") or {}).get("options") or []:
        text = o["name"] + (f":{o['value']}" if o.get("value") is not None else "")
        options = [x for x in options if x.split(":")[0] != o["name"]] + [text]
    out = []
    if searches:
        out.append("search " + " ".join(searches))
    out += [f"nameserver {s}" for s in servers]
    if options:
        out.append("options " + " ".join(options))
    return "\n".join(out) + "\n"


def cri_error(message: str) -> str:
    """A runtime error as the kubelet receives it over the CRI's gRPC connection:
    ``rpc error: code = NotFound desc = ...`` for a missing tag, ``code = Unknown`` otherwise."""
    if message.startswith("rpc error: "):
        return message
    code = "NotFound" if message.endswith(": not found") else "Unknown"
    return f"rpc error: code = {code} desc = {message}"


class ConfigError(Exception):
    """The container cannot be configured (CreateContainerConfigError): a missing ConfigMap key, ..."""


# --- what the worker remembers about each container -------------------------------------------

@dataclass
class ContainerRecord:
    """The kubelet's view of one container of the pod (what ``containerStatuses[i]`` is built from)."""

    name: str
    cid: str | None = None              # the current container in the runtime
    prev_cid: str | None = None         # the last terminated one (``kubectl logs --previous``)
    restart_count: int = 0
    last_terminated: dict | None = None # lastState.terminated
    last_finished: float | None = None  # when that last terminated container finished (virtual s)
    waiting: tuple | None = None        # (reason, message) while no container runs
    pulling: bool = False               # an image pull is in flight
    pull_gen: int = 0                   # which pull's answer we still wait for
    image_ready: bool = False           # the image is ensured for the next start
    image_id: str = ""
    stopping: bool = False              # being killed (pod termination, failed probe, failed hook)
    image: str = ""                     # the image the current container runs
    replacing: bool = False             # killed because its definition changed: start it again
    init: bool = False                  # an init container (regular or sidecar)
    completed: bool = False             # a regular init container that exited 0
    ever_started: bool = False          # a sidecar that has started once (it no longer blocks init)
    kill_restart: bool = False          # killed by the kubelet (probe, hook): restart unless Never
    hook_pending: bool = False          # postStart running: the sync waits for it
    prestop: bool = False               # preStop hook running


def is_sidecar(c: dict) -> bool:
    """A native sidecar: an init container with ``restartPolicy: Always``
    (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/)."""
    return c.get("restartPolicy") == "Always"


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
        self.stop_ordered(pod, self.termination_grace(pod), self.running_containers())
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
        self.stop_ordered(pod, grace, self.running_containers())

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
                if self.kill_if_unhealthy(pod, c, rec, init):
                    return
                if not self.replace_if_changed(pod, c, rec):
                    return
                if kl.runtime.container_state(rec.cid) != "exited":
                    return              # SIGTERM sent; PLEG tells us when it has exited
            # the container has exited: its whole status decides on the restart
            if not self.may_restart(pod, c, rec, kl.runtime.container_status(rec.cid), requeue, init):
                return
            self.retire_container(rec)
            rec.restart_count += 1
            rec.image_ready = False
        if not rec.image_ready:
            if not self.ensure_image(pod, c, rec, requeue):
                return
        self.start_container(pod, c, rec, requeue)

    def kill_if_unhealthy(self, pod: dict, c: dict, rec: ContainerRecord, init: bool) -> bool:
        """A liveness or startup probe turned Failure: kill the container (restarted unless the
        restartPolicy is Never). Event ``Killing``: ``Container app failed liveness probe, will be
        restarted``. The probe's own terminationGracePeriodSeconds, if set, replaces the pod's."""
        for kind in ("liveness", "startup"):
            if self.probe_result(c["name"], kind) == "Failure":
                break
        else:
            return False
        restart = self.restart_policy_for(c, init) != "Never"
        message = f"Container {c['name']} failed {kind} probe" + (", will be restarted" if restart else "")
        probe = c.get(kind + "Probe") or {}
        grace = probe.get("terminationGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", C.DEFAULT_TERMINATION_GRACE_PERIOD)
        self.kl.diff(f"{c['name']}: {kind} probe failed: kill" + (" and restart" if restart else ""))
        rec.kill_restart = restart
        self.kill_container(pod, c, rec, message, grace)
        return True

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

    def replace_if_changed(self, pod: dict, c: dict, rec: ContainerRecord) -> bool:
        """A running container whose image was changed in the pod spec is killed and started again.
        True when it has just been told to stop."""
        kl = self.kl
        if rec.image and rec.image != c["image"] and not rec.replacing:
            rec.replacing = True
            kl.diff(f"{c['name']}: image changed {rec.image} -> {c['image']}: restart")
            self.kill_container(pod, c, rec, f"Container {c['name']} definition changed, will be restarted",
                                self.termination_grace(pod))
            return True
        return False

    def may_restart(self, pod: dict, c: dict, rec: ContainerRecord, st, requeue: list,
                    init: bool = False) -> bool:
        """An exited container: restart it now (True), later (CrashLoopBackOff) or never (restartPolicy).

        The back-off (kuberuntime_manager.go: doBackOff) counts from when the container finished:
        the first restart is immediate, then 10 s, 20 s, 40 s ... capped at 300 s. A container the
        kubelet killed itself (failed liveness probe) is started again in the same sync, so the
        back-off looks at the container that exited before it.
        """
        kl = self.kl
        name = c["name"]
        if rec.replacing:
            kl.diff(f"{name}: stopped for its new definition: start it again")
            return True
        restart_policy = self.restart_policy_for(c, init)
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

    def termination_grace(self, pod: dict) -> float:
        """Seconds between SIGTERM and SIGKILL: the deletion's grace period, else the pod's."""
        grace = pod["metadata"].get("deletionGracePeriodSeconds")
        if grace is None:
            grace = pod["spec"].get("terminationGracePeriodSeconds", C.DEFAULT_TERMINATION_GRACE_PERIOD)
        return grace

    def retire_container(self, rec: ContainerRecord) -> None:
        """The exited container becomes ``lastState`` (and the one kept for ``logs --previous``)."""
        kl = self.kl
        st = kl.runtime.container_status(rec.cid)
        rec.last_terminated = self.terminated(self.spec_of(rec.name), st)
        rec.last_finished = st.finished_at
        if rec.prev_cid is not None:
            kl.forget_container(rec.prev_cid)
            kl.runtime.remove_container(rec.prev_cid)
        rec.prev_cid, rec.cid = rec.cid, None
        rec.stopping = False

    def ensure_image(self, pod: dict, c: dict, rec: ContainerRecord, requeue: list) -> bool:
        """EnsureImageExists (pkg/kubelet/images/image_manager.go): True when the image is ready now."""
        kl = self.kl
        image = c["image"]
        policy = c.get("imagePullPolicy") or default_pull_policy(image)
        present = kl.runtime.has_image(image)
        name = c["name"]
        init = rec.init
        if policy == "Never" and not present:
            msg = f'Container image "{image}" is not present with pull policy of Never'
            if rec.waiting is None or rec.waiting[0] != "ErrImageNeverPull":
                kl.diff(f"{name}: {msg}")
            rec.waiting = ("ErrImageNeverPull", msg)
            kl.event_for(pod, "Warning", "ErrImageNeverPull", msg, name, init=init)
            kl.event_for(pod, "Warning", "Failed", "Error: ErrImageNeverPull", name, init=init)
            requeue.append(C.POD_WORKER_ERROR_RESYNC)
            return False
        if present and policy != "Always":
            kl.event_for(pod, "Normal", "Pulled", f'Container image "{image}" already present on machine', name,
                         init=init)
            rec.image_ready = True
            return True
        key = f"{pod['metadata']['uid']}_{image}"
        if kl.image_backoff.in_backoff_since_update(key, kl.clock.now):
            last_err = kl.last_pull_error.get(key, "")
            rec.waiting = ("ImagePullBackOff", f'Back-off pulling image "{image}": ErrImagePull: {last_err}')
            kl.diff(f"{name}: image pull in back-off")
            kl.event_for(pod, "Normal", "BackOff", f'Back-off pulling image "{image}"', name, init=init)
            kl.event_for(pod, "Warning", "Failed", "Error: ImagePullBackOff", name, init=init)
            remaining = kl.image_backoff.expires(key) - kl.clock.now
            requeue.append(min(C.POD_WORKER_ERROR_RESYNC, max(remaining, 0.0)))
            return False
        rec.pulling = True
        rec.pull_gen += 1
        gen = rec.pull_gen
        started = kl.clock.now
        kl.diff(f"{name}: pull {image} (imagePullPolicy {policy})")
        kl.event_for(pod, "Normal", "Pulling", f'Pulling image "{image}"', name, init=init)
        kl.runtime.pull_image(image, lambda err, image_id: kl.pull_done(self.key, name, gen, image, key,
                                                                          started, err, image_id))
        return False

    def pull_done(self, pod: dict, name: str, gen: int, image: str, key: str, started: float,
                  err: str | None, image_id: str | None) -> None:
        """The runtime answered a pull: record the outcome (events now; the next sync acts on it)."""
        kl = self.kl
        rec = self.containers.get(name)
        if rec is None or not rec.pulling or rec.pull_gen != gen:
            return
        rec.pulling = False
        init = rec.init
        if err:
            err = cri_error(err)
            kl.image_backoff.next(key, kl.clock.now, kl.clock.now)
            kl.last_pull_error[key] = err
            rec.waiting = ("ErrImagePull", err)
            kl.diff(f"{name}: pull of {image} failed: {err}")
            kl.event_for(pod, "Warning", "Failed", f'Failed to pull image "{image}": {err}', name, init=init)
            kl.event_for(pod, "Warning", "Failed", "Error: ErrImagePull", name, init=init)
            return
        took = go_duration(kl.clock.now - started)
        size = kl.runtime.image_size(image)
        rec.image_ready = True
        rec.image_id = image_id or ""
        rec.waiting = None
        kl.diff(f"{name}: pulled {image}")
        kl.event_for(pod, "Normal", "Pulled", f'Successfully pulled image "{image}" in {took} ({took} including '
                                          f"waiting). Image size: {size} bytes.", name, init=init)

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

    # --- status -------------------------------------------------------------------------------
    def container_status(self, c: dict, init: bool = False, initializing: bool = False) -> dict:
        """containerStatuses[i] (or initContainerStatuses[i]) for container ``c``."""
        kl = self.kl
        rec = self.containers.get(c["name"]) or ContainerRecord(c["name"])
        out = {"name": c["name"], "image": c["image"], "imageID": rec.image_id, "lastState": {},
               "ready": False, "restartCount": rec.restart_count, "started": False}
        if rec.last_terminated:
            out["lastState"] = {"terminated": rec.last_terminated}
        st = kl.runtime.container_status(rec.cid) if rec.cid else None
        if st is not None:
            out["containerID"] = C.CONTAINER_ID_PREFIX + rec.cid
            if st.image_id:
                out["imageID"] = st.image_id
        if st is not None and st.state == "running" and not rec.hook_pending:
            out["state"] = {"running": {"startedAt": rfc3339(st.started_at)}}
            # is_started(name), whose other checks (running, no postStart pending) were just made
            out["started"] = self.startup_passed(c["name"])
            out["ready"] = out["started"] and self.container_ready(c, rec)
        elif st is not None and st.state == "exited" and rec.waiting is None:
            out["state"] = {"terminated": self.terminated(c, st)}
            # prober_manager.UpdatePodStatus: a regular init container that exited 0 is ready
            out["ready"] = init and not is_sidecar(c) and out["state"]["terminated"]["exitCode"] == 0
        elif st is not None and st.state == "exited":
            # waiting to be restarted: the exited run is lastState (kubectl shows CrashLoopBackOff);
            # containerID still names that last container
            out["state"] = {"waiting": _waiting(*rec.waiting)}
            out["lastState"] = {"terminated": self.terminated(c, st)}
        else:
            default = "PodInitializing" if (initializing or init) else "ContainerCreating"
            reason, message = rec.waiting or (default, None)
            out["state"] = {"waiting": _waiting(reason, message)}
        return out

    def terminated(self, c: dict | None, st) -> dict:
        """``state.terminated`` with the termination message (kuberuntime: getTerminationMessage):
        the content of ``terminationMessagePath`` (default /dev/termination-log, at most 4096
        bytes); with ``terminationMessagePolicy: FallbackToLogsOnError``, a failed container
        with no message gets the tail of its log (last 80 lines, at most 2048 bytes)
        (https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/)."""
        kl = self.kl
        out = kl.terminated_state(st)
        c = c or {}
        text = kl.runtime.read_file(st.id, c.get("terminationMessagePath") or C.TERMINATION_MESSAGE_PATH) or ""
        text = text[:C.MAX_TERMINATION_MESSAGE_LENGTH]
        if not text and c.get("terminationMessagePolicy") == "FallbackToLogsOnError" and out["exitCode"] != 0:
            lines = kl.runtime.logs(st.id).splitlines(keepends=True)[-C.MAX_TERMINATION_MESSAGE_LOG_LINES:]
            text = "".join(lines)[-C.MAX_TERMINATION_MESSAGE_LOG_LENGTH:]
        if text:
            out["message"] = text
        return out

    def container_ready(self, c: dict, rec: ContainerRecord) -> bool:
        """Ready: no readiness probe, or its last result is Success (read from the results
        manager; :meth:`write_status` then asks for a probe run where readiness is unknown)."""
        if (c["name"], "readiness") not in self.probes:
            return True
        return self.probe_result(c["name"], "readiness") == "Success"

    def build_status(self, pod: dict, terminal: bool = False) -> dict:
        kl = self.kl
        spec = pod["spec"]
        old = pod.get("status") or {}
        inits = spec.get("initContainers") or []
        init_statuses = [self.container_status(c, init=True) for c in inits]
        init_unfinished = []
        for c, s in zip(inits, init_statuses):
            rec = self.containers.get(c["name"])
            done = (rec is not None and rec.ever_started) if is_sidecar(c) else (rec is not None and rec.completed)
            if not done:
                init_unfinished.append(c["name"])
        containers = spec.get("containers") or []
        app_created = False             # has any app container been created (init is over)?
        for c in containers:
            rec = self.containers.get(c["name"])
            if rec is not None and (rec.cid or rec.prev_cid):
                app_created = True
                break
        init_done = app_created or not init_unfinished
        # a container not created yet waits as PodInitializing in a pod with init containers
        # (convertToAPIContainerStatuses' default waiting state), else ContainerCreating
        statuses = [self.container_status(c, initializing=bool(inits)) for c in containers]
        phase = pod_phase(spec, statuses, init_pending=not init_done, terminal=terminal,
                          init_statuses=init_statuses)
        if self.finished and self.last_status:
            phase = self.last_status["phase"]
        elif phase in ("Succeeded", "Failed") and not terminal and any(
                r.replacing for r in self.containers.values()):
            phase = "Running"           # a container is being replaced, not finished
        status = {"phase": phase}
        if self.evicted:
            phase = status["phase"] = "Failed"
            status["reason"], status["message"] = self.evicted
        now = rfc3339(kl.clock.now)
        sidecar_statuses = [s for c, s in zip(inits, init_statuses) if is_sidecar(c)]
        status["conditions"] = pod_conditions(spec, sidecar_statuses + statuses, phase,
                                              self.sandbox is not None and not self.finished,
                                              now, old.get("conditions"), init_done=init_done,
                                              init_unfinished=init_unfinished)
        if self.evicted and self.evicted[0] == "Evicted":
            status["conditions"].insert(0, {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                                            "lastTransitionTime": self.evicted_at, "reason": "TerminationByKubelet",
                                            "message": self.evicted[1]})
        node_ip = kl.node_ip
        status["hostIP"] = node_ip
        status["hostIPs"] = [{"ip": node_ip}]
        if self.ip:
            status["podIP"] = self.ip
            status["podIPs"] = [{"ip": self.ip}]
        status["startTime"] = self.start_time
        if inits:
            status["initContainerStatuses"] = init_statuses
        status["containerStatuses"] = statuses
        status["qosClass"] = old.get("qosClass") or qos_class(spec)
        return status

    def write_status(self, pod: dict, terminal: bool = False) -> dict:
        status = self.build_status(pod, terminal)
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

    def terminate(self, pod: dict | None, grace: float) -> bool:
        """Stop every container; True once all have exited.

        killContainersWithSyncResult: every running container gets its ``Killing`` event and its
        preStop hook at once; app containers are then sent SIGTERM, while sidecars wait for their
        turn - after every app container and every later sidecar has exited (the reverse of their
        order in the spec) - with what is left of the grace period (at least 2 s).
        ``pod`` is None when the object is already gone from the API (force-deleted, or deleted
        while this kubelet was down).
        """
        kl = self.kl
        self.deleting = True
        for rec in self.containers.values():
            rec.pulling = False
        running = self.running_containers()
        shorter = self.grace is not None and grace < self.grace
        if not self.terminating or shorter:
            self.terminating = True
            self.grace = grace
            if shorter or pod is None:
                for rec in running:
                    kl.diff(f"{rec.name}: stop (grace period {grace:g}s)")
                    rec.stopping = True
                    kl.runtime.stop_container(rec.cid, grace)
            else:
                for w in self.probes.values():
                    if w.kind in ("liveness", "startup"):
                        w.stop()
                self.stop_ordered(pod, grace, running)
        return not running

    def stop_ordered(self, pod: dict, grace: float, running: list) -> None:
        """Kill ``running`` with the sidecar termination ordering (terminationOrdering in
        kuberuntime_termination_order.go)."""
        kl = self.kl
        spec = pod["spec"]
        sidecars = [c["name"] for c in spec.get("initContainers") or [] if is_sidecar(c)]
        order = {n: i for i, n in enumerate(sidecars)}
        start = kl.clock.now
        for rec in sorted(running, key=lambda r: (r.name in order, -order.get(r.name, 0), r.name)):
            if rec.stopping:
                continue
            c = self.spec_of(rec.name)
            if rec.name in order:
                after = (lambda r: (lambda remaining: self._sidecar_turn(r, remaining, start)))(rec)
                self.kill_container(pod, c, rec, f"Stopping container {rec.name}", grace, after_prestop=after)
            else:
                self.kill_container(pod, c, rec, f"Stopping container {rec.name}", grace)

    def _sidecar_turn(self, rec: ContainerRecord, remaining: float, start: float) -> None:
        """waitForTurn: a sidecar is stopped once the app containers and the sidecars after it have
        exited, or when its grace period has run out (checked again at every container exit)."""
        kl = self.kl
        t0 = kl.clock.now
        self.turns[rec.name] = (t0, remaining)
        kl.clock.call_later(max(remaining, 0), self.check_turns)
        self.check_turns()

    def check_turns(self) -> None:
        """Stop each waiting sidecar whose turn has come (the PLEG calls this on every exit)."""
        kl = self.kl
        if not self.turns or self.pod is None:
            return
        spec = self.pod["spec"]
        sidecars = [c["name"] for c in spec.get("initContainers") or [] if is_sidecar(c)]
        apps = [c["name"] for c in spec.get("containers") or []]

        def alive(n):
            r = self.containers.get(n)
            return r is not None and r.cid is not None and kl.runtime.container_state(r.cid) == "running"
        for name in sorted(self.turns, key=lambda n: -sidecars.index(n) if n in sidecars else 0):
            t0, remaining = self.turns[name]
            rec = self.containers.get(name)
            if rec is None or not alive(name):
                del self.turns[name]
                continue
            later = sidecars[sidecars.index(name) + 1:] if name in sidecars else []
            busy = [n for n in apps + later if alive(n)]
            if busy and kl.clock.now - t0 < remaining:
                continue
            del self.turns[name]
            left = max(remaining - int(kl.clock.now - t0), C.MINIMUM_GRACE_PERIOD)
            kl.traced(self.key, kl.diff, f"{name}: its turn to stop (grace period {left:g}s)")
            kl.runtime.stop_container(rec.cid, left)

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


def _waiting(reason: str, message: str | None) -> dict:
    w = {"reason": reason}
    if message:
        w["message"] = message
    return w
