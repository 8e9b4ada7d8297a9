"""Node-pressure eviction, OOM score adjustment and swap limits: how the kubelet protects its node's memory.

* **Eviction manager** (pkg/kubelet/eviction; https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/):
  every ``evictionMonitoringPeriod`` (10 s) it observes ``memory.available`` (capacity minus the
  working set of everything on the node); below the hard threshold ``memory.available<100Mi``
  the node reports ``MemoryPressure=True`` (the node lifecycle controller then taints it
  ``node.kubernetes.io/memory-pressure:NoSchedule``), records ``EvictionThresholdMet``
  (``Attempting to reclaim memory``) on the node and evicts one pod per cycle (never a critical
  one), chosen by :func:`rank_for_memory_pressure`: pods using more than they requested
  first, then lower priority, then the largest usage above requests. The evicted pod gets phase
  ``Failed``, reason ``Evicted``, a ``DisruptionTarget`` condition, an ``Evicted`` event, and is
  killed with a 1 s grace period. The condition stays True for
  ``evictionPressureTransitionPeriod`` (5 min) after the pressure is gone.
* **OOM score** (pkg/kubelet/qos/policy.go: GetContainerOOMScoreAdjust): :func:`oom_score_adj`
  is what the kubelet writes to each container's ``oom_score_adj``; the kernel's node-level OOM
  killer (``runtime``: ``ContainerRuntime.node_oom``) kills the container with the highest
  ``usage/capacity x 1000 + oom_score_adj`` when the node runs out of memory before the kubelet
  could evict (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior).
* **Swap** (https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/):
  :func:`swap_limit` is ``memory.swap.max`` under ``LimitedSwap``.
"""

from __future__ import annotations

from ..api.meta import rfc3339
from ..api.quantity import format_memory, memory_bytes
from .. import params as C
from .registration import update_node_status
from .status import qos_class

GUARANTEED_OOM_SCORE_ADJ = -997
SYSTEM_CRITICAL_PRIORITY = 2000000000       # scheduling.SystemCriticalPriority
BESTEFFORT_OOM_SCORE_ADJ = 1000


def oom_score_adj(pod_spec: dict, container: dict, memory_capacity: int) -> int:
    """GetContainerOOMScoreAdjust: Guaranteed -997, BestEffort 1000, Burstable
    ``1000 - 1000 * request / capacity`` (integer division) clamped to [3, 999]; a sidecar gets
    at most the score of the regular container with the smallest request; system-node-critical -997
    (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior)."""
    if pod_spec.get("priorityClassName") == "system-node-critical":
        return GUARANTEED_OOM_SCORE_ADJ         # IsNodeCriticalPod: the last to be killed
    qos = qos_class(pod_spec)
    if qos == "Guaranteed":
        return GUARANTEED_OOM_SCORE_ADJ
    if qos == "BestEffort":
        return BESTEFFORT_OOM_SCORE_ADJ

    def request(c):
        req = ((c.get("resources") or {}).get("requests") or {}).get("memory")
        return memory_bytes(req) if req is not None else 0
    adj = 1000 - (1000 * request(container)) // memory_capacity
    if container.get("restartPolicy") == "Always" and any(
            c.get("name") == container.get("name") for c in pod_spec.get("initContainers") or []):
        # a sidecar's score matches or falls below the regular containers' (the smallest request)
        regular = [request(c) for c in pod_spec.get("containers") or []]
        if regular:
            adj = min(adj, 1000 - (1000 * min(regular)) // memory_capacity)
    if adj < 1000 + GUARANTEED_OOM_SCORE_ADJ:
        return 1000 + GUARANTEED_OOM_SCORE_ADJ
    if adj == BESTEFFORT_OOM_SCORE_ADJ:
        return adj - 1
    return adj


def swap_limit(pod_spec: dict, container: dict, node_memory: int, swap_available: int,
               behavior: str = "NoSwap") -> int:
    """``memory.swap.max`` for a container (kuberuntime_container_linux.go: calcSwapForBurstablePods).

    NoSwap (the default): 0. LimitedSwap: only Burstable pods' containers get swap,
    ``int(memoryRequest / nodeTotalMemory * totalPodsSwapAvailable)``; a container without a
    memory request, or whose request equals its limit, gets none; high-priority (critical) pods
    get none.
    """
    if behavior != "LimitedSwap" or swap_available <= 0 or node_memory <= 0:
        return 0
    if qos_class(pod_spec) != "Burstable":
        return 0
    if (pod_spec.get("priority") or 0) >= SYSTEM_CRITICAL_PRIORITY:
        return 0
    res = container.get("resources") or {}
    req = (res.get("requests") or {}).get("memory")
    lim = (res.get("limits") or {}).get("memory")
    if req is None:
        return 0
    request = memory_bytes(req)
    if lim is not None and memory_bytes(lim) == request:
        return 0
    return int(request / node_memory * swap_available)


def oom_victim(rt, capacity: int, system: int) -> str | None:
    """The container the kernel's OOM killer picks when the node is out of memory, or None.

    oom_badness: resident + swapped memory, plus ``oom_score_adj`` thousandths of the node's
    memory; the highest score loses. ``system``: what the node's own daemons use.
    """
    # the common case first: the node has memory left. Fast path: the runtime's memory_bound is
    # at least the sum below (each running container's RAM is at most its charged memory)
    if system + rt.memory_bound <= capacity:
        return None
    # (a sum needs no order, so no sort)
    used = system + sum(c.cgroup.ram for c in rt.containers.values() if c.state == "running")
    if used <= capacity:
        return None
    running = [c for _, c in sorted(rt.containers.items()) if c.state == "running"]
    best, best_score = None, None
    for c in running:
        adj = getattr(c, "oom_score_adj", 0)
        score = c.cgroup.ram + c.cgroup.swap + adj * capacity // 1000
        if best_score is None or score > best_score:
            best, best_score = c.id, score
    return best


def pod_memory_request(pod_spec: dict) -> int:
    """podRequest (eviction helpers.go): max(sum of the containers' memory requests, the largest
    init container request) - what ``exceedMemoryRequests`` compares the usage with."""
    def req(c):
        v = ((c.get("resources") or {}).get("requests") or {}).get("memory")
        return memory_bytes(v) if v is not None else 0
    apps = sum(req(c) for c in pod_spec.get("containers") or [])
    inits = max([req(c) for c in pod_spec.get("initContainers") or []] or [0])
    return max(apps, inits)


def rank_for_memory_pressure(pods: list[tuple[dict, int]]) -> list[tuple[dict, int]]:
    """rankMemoryPressure: ``(pod, usage bytes)`` pairs, the first to evict first.

    orderedBy(exceedMemoryRequests, priority, memory): pods whose usage exceeds their requests
    before those within them; then lower ``spec.priority`` first; then larger usage above the
    requests first (ties: by namespace/name, so the order is deterministic).
    """
    def key(item):
        pod, usage = item
        request = pod_memory_request(pod["spec"])
        exceeds = usage > request
        md = pod["metadata"]
        return (0 if exceeds else 1, pod["spec"].get("priority") or 0, -(usage - request),
                md.get("namespace", ""), md["name"])
    return sorted(pods, key=key)


def eviction_message(pod: dict, container_usage: dict, threshold: int, available: int) -> str:
    """The ``Evicted`` status message and event text (eviction_manager helpers: evictionMessage)."""
    msg = "The node was low on resource: memory. "
    msg += f"Threshold quantity: {format_memory(threshold)}, available: {format_available(available)}. "
    for c in pod["spec"].get("containers") or []:
        if c["name"] not in container_usage:
            continue
        usage = container_usage[c["name"]]
        req = ((c.get("resources") or {}).get("requests") or {}).get("memory")
        request = memory_bytes(req) if req is not None else 0
        if usage > request:
            msg += (f"Container {c['name']} was using {format_memory(usage)}, request is {req if req else '0'}, "
                    f"has larger consumption of memory. ")
    return msg


def format_available(n: int) -> str:
    """An observed quantity as resource.Quantity prints it (``92160Ki``; negative values too)."""
    return "-" + format_memory(-n) if n < 0 else format_memory(n)


class EvictionManager:
    """The kubelet's eviction manager for the memory signal (mixed into the kubelet's timers)."""

    def __init__(self, kubelet):
        self.kl = kubelet
        self.last_pressure: float | None = None      # last time the threshold was met
        self.threshold = memory_bytes(kubelet.spec.get("evictionHard", C.EVICTION_HARD_MEMORY_AVAILABLE))

    # --- observations -----------------------------------------------------------------------
    def pod_usage(self) -> list[tuple[str, dict]]:
        """(pod key, {container: working set bytes}) for every pod with containers on the node."""
        kl = self.kl
        out = []
        for key in sorted(kl.workers):
            w = kl.workers[key]
            usage = {}
            for name in sorted(w.containers):
                rec = w.containers[name]
                if rec.cid and rec.cid in kl.runtime.containers:
                    usage[name] = kl.runtime.stats(rec.cid)["memory"]
            out.append((key, usage))
        return out

    def available(self) -> int:
        """memory.available = capacity - working set of the node (pods + system daemons)."""
        kl = self.kl
        used = C.NODE_SYSTEM_MEMORY_BYTES + sum(sum(u.values()) for _, u in self.pod_usage())
        return kl.memory_capacity() - used

    def under_pressure(self) -> bool:
        """MemoryPressure as the node reports it: the threshold was met at the last look, or at a look
        within the transition period (the manager's nodeConditions, updated by :meth:`synchronize`)."""
        now = self.kl.clock.now
        return self.last_pressure is not None and now - self.last_pressure < C.EVICTION_PRESSURE_TRANSITION_PERIOD

    def admit(self, pod: dict) -> bool:
        """eviction manager's Admit: under memory pressure only BestEffort pods are refused, unless
        they tolerate the ``node.kubernetes.io/memory-pressure`` taint
        (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-conditions)."""
        if not self.under_pressure() or qos_class(pod["spec"]) != "BestEffort":
            return True
        for t in pod["spec"].get("tolerations") or []:
            key, op, effect = t.get("key"), t.get("operator") or "Equal", t.get("effect")
            if effect not in (None, "", "NoSchedule"):
                continue
            if (not key and op == "Exists") or (key == "node.kubernetes.io/memory-pressure" and
                                                (op == "Exists" or not t.get("value"))):
                return True
        return False

    # --- the control loop -------------------------------------------------------------------
    def synchronize(self) -> None:
        """One monitoring cycle: observe, and evict at most one pod if the threshold is met."""
        kl = self.kl
        available = self.available()
        was = self.last_pressure is not None and kl.clock.now - self.last_pressure < \
            C.EVICTION_PRESSURE_TRANSITION_PERIOD
        if available >= self.threshold:
            if was and not self.under_pressure():
                update_node_status(kl)
            return
        self.last_pressure = kl.clock.now
        kl.observe(f"{kl.node_name}: memory.available {format_available(available)} < "
                   f"{format_memory(self.threshold)}: memory pressure")
        if not was:
            update_node_status(kl)
        kl.event(kl.node_ref(), "Warning", "EvictionThresholdMet", "Attempting to reclaim memory")
        candidates = []
        usage_by_key = dict(self.pod_usage())
        for key in sorted(kl.workers):
            w = kl.workers[key]
            pod = kl.pods.get(key) if kl.pods else None
            if pod is None or w.finished or w.evicted or w.terminating or not usage_by_key.get(key):
                continue
            if (pod["spec"].get("priority") or 0) >= SYSTEM_CRITICAL_PRIORITY:
                continue                # critical pods are never evicted (kubelettypes.IsCriticalPod)
            candidates.append((pod, sum(usage_by_key[key].values())))
        if not candidates:
            return
        pod, _ = rank_for_memory_pressure(candidates)[0]
        key = f"{pod['metadata'].get('namespace', 'default')}/{pod['metadata']['name']}"
        self.evict(kl.workers[key], pod, usage_by_key[key], available)

    def evict(self, worker, pod: dict, usage: dict, available: int) -> None:
        """evictPod for memory pressure: the message names the containers' usage."""
        evict_pod(self.kl, worker, pod, eviction_message(pod, usage, self.threshold, available))


def evict_pod(kl, worker, pod: dict, msg: str) -> None:
    """evictPod: the Evicted event and status, then kill the pod's containers (grace 1 s).

    Shared by the eviction manager (memory pressure) and the volume manager (emptyDir sizeLimit)."""
    kl.diff(f"evict {worker.key}: {msg.strip()}")
    kl.event(pod, "Warning", "Evicted", msg)
    worker.evicted = ("Evicted", msg)
    worker.evicted_at = rfc3339(kl.clock.now)
    worker.stop_probes()
    for rec in worker.running_containers():
        rec.stopping = True
        rec.kill_restart = False
        kl.event_for(pod, "Normal", "Killing", f"Stopping container {rec.name}", rec.name, init=rec.init)
        kl.runtime.stop_container(rec.cid, C.EVICTION_GRACE_PERIOD)
    worker.write_status(pod)
