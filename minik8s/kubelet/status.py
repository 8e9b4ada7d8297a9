"""How the kubelet turns what its containers are doing into ``pod.status``.

Pure functions, each a piece of the kubelet's ``generateAPIPodStatus``
(pkg/kubelet/kubelet_pods.go and pkg/kubelet/status/generate.go):

* :func:`pod_phase` - Pending / Running / Succeeded / Failed from container states
  (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase);
* :func:`pod_conditions` - PodReadyToStartContainers, Initialized, Ready, ContainersReady
  (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions),
  keeping ``lastTransitionTime`` when a condition's status did not change;
* :func:`qos_class` - Guaranteed / Burstable / BestEffort
  (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/).

Then the status a pod worker writes, read from its records, the runtime and the probe results
(functions of the pod worker ``pw``): :func:`container_status` (``containerStatuses[i]``, with
:func:`terminated_status`'s termination message and :func:`container_ready`) and
:func:`build_status`, the whole ``pod.status``.
"""

from __future__ import annotations

from ..api.meta import rfc3339
from ..api.quantity import cpu_millis, memory_bytes
from .. import params as C
from .containers import ContainerRecord, _waiting, is_sidecar

KUBELET_CONDITIONS = ("PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady")


def pod_phase(spec: dict, container_statuses: list[dict], init_pending: bool = False,
              terminal: bool = False, init_statuses: list[dict] | None = None) -> str:
    """The pod phase, as the kubelet's ``getPhase`` computes it.

    Regular init containers first: one that failed under ``restartPolicy: Never`` fails the
    pod; one still to run keeps it Pending. Sidecars (init containers with ``restartPolicy:
    Always``) count as running containers. A container waiting for its first start counts as
    *waiting*; one waiting to be restarted (it has a ``lastState.terminated``) counts as
    *stopped*. ``terminal``: the pod is being shut down for good (deleted), so stopped
    containers end it whatever the restartPolicy: Succeeded if all exited 0, else Failed.
    """
    restart = spec.get("restartPolicy") or "Always"
    by_init = {s["name"]: s for s in init_statuses or []}
    failed_init = pending_init = pending_sidecars = 0
    running = stopped = succeeded = waiting = unknown = 0
    for c in spec.get("initContainers") or []:
        st = by_init.get(c["name"])
        state = (st or {}).get("state") or {}
        last = ((st or {}).get("lastState") or {}).get("terminated")
        if c.get("restartPolicy") == "Always":
            if st is None:
                unknown += 1
            elif "running" in state:
                running += 1
                if not st.get("started"):
                    pending_sidecars += 1
            elif "waiting" in state and not last:
                pending_sidecars += 1
            continue
        if st is None:
            pending_init += 1
        elif "running" in state:
            pending_init += 1
        elif "terminated" in state:
            if state["terminated"].get("exitCode") != 0:
                failed_init += 1
        elif "waiting" in state:
            if last:
                if last.get("exitCode") != 0:
                    failed_init += 1
            else:
                pending_init += 1
        else:
            pending_init += 1
    names = [c["name"] for c in spec.get("containers") or []]
    by_name = {s["name"]: s for s in container_statuses}
    for name in names:
        st = by_name.get(name)
        if st is None:
            unknown += 1
            continue
        state = st.get("state") or {}
        if "running" in state:
            running += 1
        elif "terminated" in state:
            stopped += 1
            if state["terminated"].get("exitCode") == 0:
                succeeded += 1
        elif "waiting" in state:
            if (st.get("lastState") or {}).get("terminated"):
                stopped += 1
            else:
                waiting += 1
        else:
            unknown += 1
    if failed_init > 0 and restart == "Never":
        return "Failed"
    if init_pending or pending_init > 0 or (pending_sidecars > 0 and waiting > 0):
        return "Pending"
    if waiting > 0:
        return "Pending"
    if running > 0 and unknown == 0:
        return "Running"
    if running == 0 and stopped > 0 and unknown == 0:
        if terminal:
            return "Succeeded" if stopped == succeeded else "Failed"
        if restart == "Always":
            return "Running"
        if stopped == succeeded:
            return "Succeeded"
        if restart == "Never":
            return "Failed"
        return "Running"      # OnFailure: the failed ones will be restarted
    return "Pending"


def _condition(ctype: str, ok: bool, now: str, reason: str | None = None, message: str | None = None) -> dict:
    c = {"type": ctype, "status": "True" if ok else "False", "lastProbeTime": None, "lastTransitionTime": now}
    if reason:
        c["reason"] = reason
    if message:
        c["message"] = message
    return c


def unready_message(names: list[str]) -> str:
    """``containers with unready status: [a b]`` (Go's %s of a []string)."""
    return "containers with unready status: [" + " ".join(names) + "]"


def pod_conditions(spec: dict, container_statuses: list[dict], phase: str, sandbox_ready: bool,
                   now: str, old_conditions: list[dict] | None, init_done: bool = True,
                   init_unfinished: list[str] | None = None) -> list[dict]:
    """The kubelet-owned conditions followed by every other condition of the old status.

    ``container_statuses``: the sidecars' statuses then the app containers' (readiness counts
    both: GenerateContainersReadyCondition in pkg/kubelet/status/generate.go).

    Order as the kubelet writes them: PodReadyToStartContainers, Initialized, Ready,
    ContainersReady, then PodScheduled (set by the binding) and any others.
    """
    unready = [s["name"] for s in container_statuses if not s.get("ready")]
    conds = [_condition("PodReadyToStartContainers", sandbox_ready, now)]
    if init_done:
        conds.append(_condition("Initialized", True, now))
    else:
        conds.append(_condition("Initialized", False, now, "ContainersNotInitialized",
                                "containers with incomplete status: [" + " ".join(init_unfinished or []) + "]"))
    if phase in ("Succeeded", "Failed"):
        reason = "PodCompleted" if phase == "Succeeded" else "PodFailed"
        ready = _condition("Ready", False, now, reason)
        cready = _condition("ContainersReady", False, now, reason)
    elif unready:
        ready = _condition("Ready", False, now, "ContainersNotReady", unready_message(unready))
        cready = _condition("ContainersReady", False, now, "ContainersNotReady", unready_message(unready))
    else:
        ready = _condition("Ready", True, now)
        cready = _condition("ContainersReady", True, now)
    if ready["status"] == "True":
        gates = readiness_gate_messages(spec, old_conditions)
        if gates:
            ready = _condition("Ready", False, now, "ReadinessGatesNotReady", ", ".join(gates))
    conds += [ready, cready]
    old_by_type = {c.get("type"): c for c in old_conditions or []}
    for c in conds:
        old = old_by_type.get(c["type"])
        if old is not None and old.get("status") == c["status"]:
            c["lastTransitionTime"] = old.get("lastTransitionTime") or now
    others = [c for c in old_conditions or [] if c.get("type") not in KUBELET_CONDITIONS]
    if not any(c.get("type") == "PodScheduled" for c in others):
        others.insert(0, _condition("PodScheduled", True, now))
    return conds + others


def readiness_gate_messages(spec: dict, conditions: list[dict] | None) -> list[str]:
    """Why the pod's readiness gates hold Ready back (GeneratePodReadyCondition): each gate needs a
    condition of its type with status True, set by some other controller
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-readiness-gate)."""
    if not spec.get("readinessGates"):
        return []               # no gates (most pods): nothing holds Ready back
    by_type = {c.get("type"): c for c in conditions or []}
    out = []
    for gate in spec.get("readinessGates") or []:
        ctype = gate.get("conditionType")
        c = by_type.get(ctype)
        if c is None:
            out.append(f'corresponding condition of pod readiness gate "{ctype}" does not exist.')
        elif c.get("status") != "True":
            out.append(f'the status of pod readiness gate "{ctype}" is not "True", but {c.get("status")}')
    return out


def pod_requests(spec: dict) -> dict:
    """What a pod asks of its node: {"cpu": millicores, "memory": bytes}.

    The larger of the app containers' sum and the largest init container, plus the pod
    overhead (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers).
    """
    out = {}
    for r, conv in (("cpu", cpu_millis), ("memory", memory_bytes)):
        def req(c):
            requests, limits = _resources(c)
            v = requests.get(r, limits.get(r))
            try:
                return conv(v) if v is not None else 0
            except ValueError:
                return 0
        apps = sum(req(c) for c in spec.get("containers") or [])
        inits = max([req(c) for c in spec.get("initContainers") or []] or [0])
        overhead = (spec.get("overhead") or {}).get(r)
        out[r] = max(apps, inits) + (conv(overhead) if overhead is not None else 0)
    return out


def _resources(container: dict) -> tuple[dict, dict]:
    res = container.get("resources") or {}
    return res.get("requests") or {}, res.get("limits") or {}


def qos_class(spec: dict) -> str:
    """The pod's QoS class (pkg/apis/core/helper/qos: ComputePodQOS), init containers included.

    Guaranteed: every container sets CPU and memory limits, and requests (defaulting to the
    limits) equal them. BestEffort: no container sets any CPU or memory request or limit.
    Burstable: everything else.
    """
    containers = list(spec.get("initContainers") or []) + list(spec.get("containers") or [])
    any_set = False
    guaranteed = True
    for c in containers:
        requests, limits = _resources(c)
        for r in ("cpu", "memory"):
            if r in requests or r in limits:
                any_set = True
            if r not in limits:
                guaranteed = False
                continue
            req = requests.get(r, limits[r])
            try:
                conv = cpu_millis if r == "cpu" else memory_bytes
                if conv(req) != conv(limits[r]):
                    guaranteed = False
            except ValueError:
                guaranteed = False
    if not any_set:
        return "BestEffort"
    return "Guaranteed" if guaranteed else "Burstable"


def container_status(pw, c: dict, init: bool = False, initializing: bool = False) -> dict:
    """containerStatuses[i] (or initContainerStatuses[i]) for container ``c``."""
    kl = pw.kl
    rec = pw.containers.get(c["name"]) or ContainerRecord(c["name"])
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
        out["started"] = pw.startup_passed(c["name"])
        out["ready"] = out["started"] and container_ready(pw, c, rec)
    elif st is not None and st.state == "exited" and rec.waiting is None:
        out["state"] = {"terminated": terminated_status(pw, c, st)}
        # prober_manager.UpdatePodStatus: a regular init container that exited 0 is ready
        out["ready"] = init and not is_sidecar(c) and out["state"]["terminated"]["exitCode"] == 0
    elif st is not None and st.state == "exited":
        # waiting to be restarted: the exited run is lastState (kubectl shows CrashLoopBackOff);
        # containerID still names that last container
        out["state"] = {"waiting": _waiting(*rec.waiting)}
        out["lastState"] = {"terminated": terminated_status(pw, c, st)}
    else:
        default = "PodInitializing" if (initializing or init) else "ContainerCreating"
        reason, message = rec.waiting or (default, None)
        out["state"] = {"waiting": _waiting(reason, message)}
    return out


def terminated_status(pw, c: dict | None, st) -> dict:
    """``state.terminated`` with the termination message (kuberuntime: getTerminationMessage):
    the content of ``terminationMessagePath`` (default /dev/termination-log, at most 4096
    bytes); with ``terminationMessagePolicy: FallbackToLogsOnError``, a failed container
    with no message gets the tail of its log (last 80 lines, at most 2048 bytes)
    (https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/)."""
    kl = pw.kl
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


def container_ready(pw, c: dict, rec: ContainerRecord) -> bool:
    """Ready: no readiness probe, or its last result is Success (read from the results
    manager; :meth:`write_status` then asks for a probe run where readiness is unknown)."""
    if (c["name"], "readiness") not in pw.probes:
        return True
    return pw.probe_result(c["name"], "readiness") == "Success"


def build_status(pw, pod: dict, terminal: bool = False) -> dict:
    kl = pw.kl
    spec = pod["spec"]
    old = pod.get("status") or {}
    inits = spec.get("initContainers") or []
    init_statuses = [container_status(pw, c, init=True) for c in inits]
    init_unfinished = []
    for c, s in zip(inits, init_statuses):
        rec = pw.containers.get(c["name"])
        done = (rec is not None and rec.ever_started) if is_sidecar(c) else (rec is not None and rec.completed)
        if not done:
            init_unfinished.append(c["name"])
    containers = spec.get("containers") or []
    app_created = False             # has any app container been created (init is over)?
    for c in containers:
        rec = pw.containers.get(c["name"])
        if rec is not None and (rec.cid or rec.prev_cid):
            app_created = True
            break
    init_done = app_created or not init_unfinished
    # a container not created yet waits as PodInitializing in a pod with init containers
    # (convertToAPIContainerStatuses' default waiting state), else ContainerCreating
    statuses = [container_status(pw, c, initializing=bool(inits)) for c in containers]
    phase = pod_phase(spec, statuses, init_pending=not init_done, terminal=terminal,
                      init_statuses=init_statuses)
    if pw.finished and pw.last_status:
        phase = pw.last_status["phase"]
    elif phase in ("Succeeded", "Failed") and not terminal and any(
            r.replacing for r in pw.containers.values()):
        phase = "Running"           # a container is being replaced, not finished
    status = {"phase": phase}
    if pw.evicted:
        phase = status["phase"] = "Failed"
        status["reason"], status["message"] = pw.evicted
    now = rfc3339(kl.clock.now)
    sidecar_statuses = [s for c, s in zip(inits, init_statuses) if is_sidecar(c)]
    status["conditions"] = pod_conditions(spec, sidecar_statuses + statuses, phase,
                                          pw.sandbox is not None and not pw.finished,
                                          now, old.get("conditions"), init_done=init_done,
                                          init_unfinished=init_unfinished)
    if pw.evicted and pw.evicted[0] == "Evicted":
        status["conditions"].insert(0, {"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                                        "lastTransitionTime": pw.evicted_at, "reason": "TerminationByKubelet",
                                        "message": pw.evicted[1]})
    node_ip = kl.node_ip
    status["hostIP"] = node_ip
    status["hostIPs"] = [{"ip": node_ip}]
    if pw.ip:
        status["podIP"] = pw.ip
        status["podIPs"] = [{"ip": pw.ip}]
    status["startTime"] = pw.start_time
    if inits:
        status["initContainerStatuses"] = init_statuses
    status["containerStatuses"] = statuses
    status["qosClass"] = old.get("qosClass") or qos_class(spec)
    return status
