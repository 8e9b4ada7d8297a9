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
"""

from __future__ import annotations

from ..api.quantity import cpu_millis, memory_bytes

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
