"""The kubelet: the agent on every node that registers the node and runs its pods.

What the real kubelet does (https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/),
and where it lives here:

* **registration** - creates its Node object with capacity, addresses, labels and
  nodeInfo (``registration.py``, ``node_status.py``), emits ``Starting``,
  ``NodeHasSufficientMemory``, ..., ``NodeReady`` events;
* **heartbeats** - renews its Lease in ``kube-node-lease`` every 10 s and posts node
  status when it changes (``registration.py``,
  https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats);
* **admission** - a pod that does not fit what is left of the node is rejected (``admission.py``);
* **pods** - watches the pods bound to it (``spec.nodeName=<node>``) and runs one
  :class:`~minik8s.kubelet.pod_worker.PodWorker` per pod; the runtime's PLEG
  (pod lifecycle event generator) wakes the worker when a container starts or exits;
* **probes**, **volumes**, **eviction** - ``prober.py`` (workers and the results manager),
  ``volumes.py`` (the volume manager), ``eviction.py`` (node-pressure eviction, the OOM killer);
* **environment** - builds each container's environment variables (``env.py``);
* **server** - answers ``pods/log`` and ``pods/exec`` for the API server, and the
  stats summary ``kubectl top`` reads (``server.py``).

``stop()`` is the kubelet process dying: no heartbeats, no status updates, but the
containers keep running, as on a real node. ``start()`` resumes: it re-registers,
relists the pods and cleans up those deleted while it was down.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import key_of, random_uid, rfc3339
from ..api.quantity import cpu_millis, memory_bytes
from ..component import Component, Result
from ..runtime.containerd import ContainerRuntime   # the node's CRI runtime (the kubelet's seam)
from .. import params as C
from .admission import admit
from .backoff import Backoff
from .node_status import eviction_threshold
from .env import ContainerEnvironment
from .eviction import EvictionManager, evict_pod, oom_score_adj, oom_victim, swap_limit
from .images import pull_done
from .pod_worker import PodWorker
from .prober import ProbeResults
from .registration import register_node, renew_lease, update_node_status
from .server import KubeletServer
from .termination import check_turns, terminate
from .volumes import VolumeManager

SWAP_ERROR = ("failed to run Kubelet: running with swap on is not supported, please disable swap "
              "or set --fail-swap-on flag to false")


def swap_enabled(spec: dict) -> bool:
    """Does the node have swap? (``swap`` in the node spec: a size such as ``"2Gi"`` or True)."""
    swap = spec.get("swap")
    if isinstance(swap, str):
        try:
            return memory_bytes(swap) > 0
        except ValueError:
            return bool(swap)
    return bool(swap)


class Kubelet(Component):
    """One node's kubelet. ``spec`` is the node spec (name, cpu, memory, pods, labels, taints, images...)."""

    name = "kubelet"

    def __init__(self, ctx, spec: dict, index: int):
        self.spec = dict(spec)
        self.node_name = spec["name"]
        super().__init__(ctx, host=self.node_name)
        self.index = index            # this node's number, given by the cluster: podCIDR 10.244.<index>.0/24
        self.cluster_dns = spec.get("clusterDNS", C.CLUSTER_DNS)
        self.cluster_domain = spec.get("clusterDomain", C.CLUSTER_DOMAIN)
        self.runtime = ContainerRuntime(ctx.clock, ctx.rng, self.node_name, ctx.network)
        self.preload_errors: list[str] = []
        for image in spec.get("images") or []:
            self._preload(image)
        self.runtime.subscribe(self._on_container_event)
        self.workers: dict[str, PodWorker] = {}         # pod key -> worker
        self._cid_to_key: dict[str, str] = {}            # container id -> pod key (PLEG)
        self.crash_backoff = Backoff(C.CRASH_BACKOFF_INITIAL, C.CRASH_BACKOFF_MAX)
        self.image_backoff = Backoff(C.IMAGE_BACKOFF_INITIAL, C.IMAGE_BACKOFF_MAX)
        self.last_pull_error: dict[str, str] = {}
        self.node_uid_seed = _uuid_from(ctx.rng)
        self.node: dict | None = None                   # the Node as last written
        self.runtime_ready = False
        self.start_error: str | None = None
        self._last_report = None
        self._ips: dict[str, str] = {}                   # pod key -> IP
        self._ip_next = 2
        self.pods = None
        self.env = ContainerEnvironment(self.api, self.spec, index)   # what each container finds in its env
        self.server = KubeletServer(self)          # logs / exec / stats: what the API server proxies to
        self.probe_results = ProbeResults(self.enqueue)   # probe workers write, pod workers read
        self.eviction = EvictionManager(self)
        self.runtime.memory_watch = self._memory_watch
        # the pod volumes and the node's own disk
        self.volume_manager = VolumeManager(ctx.clock, self.api, self, self.node_name, ctx, self._live_pod_uids,
                                            self._volume_pod_state, self._evict_for_volume)

    def _preload(self, image: str) -> None:
        preload = getattr(self.runtime, "preload_image", None) or getattr(self.runtime, "load_image", None)
        if preload is not None:
            preload(image)
            return
        try:
            img = self.runtime.registry.resolve(image)  # an image baked into the node's disk
        except Exception as e:                          # not in any registry: nothing to preload
            self.preload_errors.append(f"{image}: {e}")
            return
        self.runtime.images[img.ref] = img

    # --- the node's network facts -------------------------------------------------------------
    @property
    def pod_cidr(self) -> str:
        return self.spec.get("podCIDR") or C.POD_CIDR_FORMAT.format(n=self.index)

    @property
    def node_ip(self) -> str:
        return self.spec.get("ip") or C.NODE_IP_FORMAT.format(n=self.index + 2)

    def allocate_ip(self, key: str) -> str:
        """The next free address of the node's /24, round robin from .2 (as host-local IPAM)."""
        if key in self._ips:
            return self._ips[key]
        base = self.pod_cidr.split("/")[0].rsplit(".", 1)[0]
        used = self._ips.values()
        for _ in range(253):
            ip = f"{base}.{self._ip_next}"
            self._ip_next = self._ip_next + 1 if self._ip_next < 254 else 2
            if ip not in used:
                self._ips[key] = ip
                return ip
        raise errors.internal(f"failed to allocate for range 0: no IP addresses available in range set: "
                              f"{base}.1-{base}.254")

    def release_ip(self, key: str) -> None:
        self._ips.pop(key, None)

    # --- lifecycle ----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the kubelet process (it refuses to run on a node with swap unless failSwapOn is false)."""
        if self.running:
            return
        if swap_enabled(self.spec) and self.spec.get("failSwapOn", True):
            self.start_error = SWAP_ERROR
            step = self.trace.begin(self.clock.now, self.name, f"node/{self.node_name}")
            if step is not None:
                step.diff.append(f"{self.node_name}: command failed: {SWAP_ERROR}")
            self.trace.end(step)
            return
        self.start_error = None
        self.runtime_ready = True         # containerd is already up when the kubelet starts
        self.crash_backoff.reset()        # the back-off lives in the kubelet's memory only
        self.image_backoff.reset()
        for w in self.workers.values():
            w.recheck = True              # the status manager compares with the API's copy again
            for rec in w.containers.values():
                rec.pulling = False       # pulls in flight were lost with the process
            w.stop_probes()               # probe workers and their results lived in the process
        super().start()

    def setup(self) -> None:
        if self.pods is None:
            self.pods = self.informer("pods", self._on_pod, field_selector=f"spec.nodeName={self.node_name}")
            self.env.services = self.informer("services", self.env.on_service)
        self.traced(f"node/{self.node_name}", register_node, self)
        self.every(C.NODE_LEASE_RENEW_INTERVAL, self._traced_lease)
        self.every(C.NODE_STATUS_UPDATE_FREQUENCY, self._traced_status)
        self.every(C.EVICTION_MONITORING_PERIOD, self._traced_eviction)
        self.after(0, self._resync_workers)

    def _resync_workers(self) -> None:
        """After a (re)start: look at every pod we still run containers for (deleted ones are cleaned)."""
        for key in sorted(self.workers):
            self.enqueue(key)


    def node_ref(self) -> dict:
        """What node events point at: kind Node, name and uid both the node's name (as the kubelet does)."""
        return {"kind": "Node", "apiVersion": "v1", "metadata": {"name": self.node_name, "uid": self.node_name}}


    def node_pressure(self) -> dict:
        """The pressure conditions the eviction manager reports: {"MemoryPressure": bool}."""
        return {"MemoryPressure": self.eviction.under_pressure()}

    def _traced_eviction(self) -> None:
        self.traced(f"node/{self.node_name}", self.eviction.synchronize)

    def _memory_watch(self, cid: str) -> None:
        """The kernel's node-level OOM killer: when the node's memory is exhausted, the container
        with the highest oom_score (usage per mille of capacity + oom_score_adj) is killed
        (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/#node-out-of-memory-behavior)."""
        capacity = self.memory_capacity()
        victim = oom_victim(self.runtime, capacity, C.NODE_SYSTEM_MEMORY_BYTES)
        if victim is None:
            return
        c = self.runtime.containers[victim]
        init = c.init
        self.traced(f"node/{self.node_name}", self.diff,
                    f"{self.node_name}: out of memory: kernel kills container {c.name} (oom_score_adj "
                    f"{getattr(c, 'oom_score_adj', 0)})")
        self.event(self.node_ref(), "Warning", "SystemOOM",
                   f"System OOM encountered, victim process: {init.argv[0].rsplit('/', 1)[-1] if init else c.name}, "
                   f"pid: {c.host_pid}")
        self.runtime.oom_kill(victim)

    def _traced_status(self) -> None:
        self.traced(f"node/{self.node_name}", update_node_status, self)

    def _traced_lease(self) -> None:
        self.traced(f"lease/{self.node_name}", renew_lease, self)


    # --- pods: informer -> queue -> sync --------------------------------------------------------
    def _on_pod(self, typ: str, pod: dict, old: dict | None) -> None:
        """Only changes the kubelet acts on wake the worker (not its own status writes)."""
        if typ == "MODIFIED" and old is not None:
            md, omd = pod["metadata"], old["metadata"]
            if (pod.get("spec") == old.get("spec") and md.get("deletionTimestamp") == omd.get("deletionTimestamp")
                    and md.get("deletionGracePeriodSeconds") == omd.get("deletionGracePeriodSeconds")
                    and md.get("uid") == omd.get("uid") and not _gate_changed(pod, old)):
                return
        self.enqueue(key_of(pod))

    def _on_container_event(self, cid: str, event: str) -> None:
        """PLEG: a container started or exited; sync its pod."""
        key = self._cid_to_key.get(cid)
        if key is not None and self.running:
            worker = self.workers.get(key)
            if worker is not None and event == "exited":
                worker.exited = True
                if worker.turns:
                    check_turns(worker)
            self.enqueue(key)

    def track_container(self, cid: str, key: str) -> None:
        self._cid_to_key[cid] = key

    def forget_container(self, cid: str) -> None:
        self._cid_to_key.pop(cid, None)

    def reconcile(self, key: str) -> Result | None:
        """syncPod for the pod ``key``: run it, restart its containers, or tear it down."""
        pod = self.pods.get(key)
        worker = self.workers.get(key)
        if worker is not None and (pod is None or pod["metadata"]["uid"] != worker.uid):
            return self._sync_removed(key, worker, pod)
        if pod is None:
            return None
        if worker is None:
            worker = PodWorker(self, key, pod["metadata"]["uid"])
            self.workers[key] = worker
            self.observe(f"{self.node_name}: new pod {key}")
        md = pod["metadata"]
        if md.get("deletionTimestamp"):
            return self._sync_terminating(worker, pod)
        if not worker.admitted:
            if (pod.get("status") or {}).get("phase") in ("Succeeded", "Failed"):
                return None      # finished (or rejected) before this kubelet knew it: nothing to run
            if not admit(self, worker, pod):
                return None
        # WaitForAttachAndMount (minik8s/kubelet/volumes.py): no container starts before the
        # pod's volumes are set up; meanwhile the pod shows ContainerCreating
        wait = self.volume_manager.setup(pod) if not worker.finished else None
        if wait is not None:
            worker.pod = pod
            worker.start_time = worker.start_time or (pod.get("status") or {}).get("startTime") or rfc3339(self.clock.now)
            worker.write_status(pod)
            return Result(requeue_after=wait)
        delay = worker.sync(pod)
        return Result(requeue_after=delay) if delay is not None else None

    def allocatable(self) -> dict:
        """The node's allocatable CPU (millicores), memory (bytes) and pods: what the scheduler and
        the kubelet's admission count requests against (memory: capacity less the hard eviction
        threshold, ``node_status.allocatable``)."""
        spec = self.spec
        key = (spec.get("cpu"), spec.get("memory"), spec.get("pods"), spec.get("evictionHard"))
        if getattr(self, "_alloc_key", None) != key:
            self._alloc_key = key
            capacity = memory_bytes(str(spec.get("memory", C.DEFAULT_MEMORY)))
            self._memory_capacity = capacity
            self._alloc = {"cpu": cpu_millis(str(spec.get("cpu", C.DEFAULT_CPU))),
                           "memory": max(0, capacity - eviction_threshold(spec)),
                           "pods": int(spec.get("pods", C.DEFAULT_PODS))}
        return dict(self._alloc)

    def memory_capacity(self) -> int:
        """The machine's memory in bytes (status.capacity.memory): what memory.available, the OOM
        score of a Burstable container and LimitedSwap's share are computed from."""
        self.allocatable()
        return self._memory_capacity

    def _sync_terminating(self, worker: PodWorker, pod: dict) -> Result | None:
        grace = worker.termination_grace(pod)
        self.observe(f"{self.node_name}: pod {worker.key} is being deleted (grace {grace}s)")
        if not terminate(worker, pod, grace):
            worker.write_status(pod)
            return None       # PLEG wakes us when containers exit
        if worker.admitted:
            worker.write_status(pod, terminal=True)
        worker.cleanup()
        del self.workers[worker.key]
        self.diff(f"containers of {worker.key} stopped: delete the pod object")
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        try:
            self.api.delete("pods", name, ns, grace_period_seconds=0)
        except errors.ApiError as e:
            if e.code != 404:
                raise
        return None

    def _sync_removed(self, key: str, worker: PodWorker, pod: dict | None) -> Result | None:
        """The pod object is gone (or replaced by a new one with the same name): kill what is left."""
        self.observe(f"{self.node_name}: pod {key} (uid {worker.uid}) no longer exists in the API")
        if not terminate(worker, None, C.MINIMUM_GRACE_PERIOD):
            return Result(requeue_after=C.MINIMUM_GRACE_PERIOD)
        worker.cleanup()
        del self.workers[key]
        self.diff(f"removed the containers and sandbox of deleted pod {key}")
        if pod is not None:
            self.enqueue(key)
        return None

    # --- helpers the pod worker uses ---------------------------------------------------------------
    def event_for(self, pod: dict, type_: str, reason: str, message: str, container: str | None = None,
                  init: bool = False) -> None:
        """An event about ``pod``, pointing at one container (``spec.initContainers{name}`` for init ones)."""
        where = "initContainers" if init else "containers"
        self.event(pod, type_, reason, message, f"spec.{where}{{{container}}}" if container else None)

    def post_start_done(self, key: str, name: str, cid: str, err: str | None) -> None:
        """A postStart hook returned: let the pod worker go on (it was waiting for the hook)."""
        worker = self.workers.get(key)
        pod = self.pods.get(key) if self.pods else None
        if worker is None or pod is None or not self.running:
            if worker is not None and name in worker.containers:
                worker.containers[name].hook_pending = False
            return
        self.traced(key, worker.post_start_done, pod, name, cid, err)
        self.enqueue(key)

    def container_created(self, pod: dict, c: dict, cid: str) -> None:
        """What the kubelet sets on a new container besides the spec: its oom_score_adj."""
        self.runtime.containers[cid].oom_score_adj = oom_score_adj(pod["spec"], c, self.memory_capacity())

    def swap_limit_for(self, pod: dict, c: dict) -> int:
        """memory.swap.max for container ``c`` under the node's swapBehavior (NoSwap: 0)."""
        if not swap_enabled(self.spec):
            return 0
        swap = self.spec.get("swap")
        total = memory_bytes(swap) if isinstance(swap, str) else 0
        return swap_limit(pod["spec"], c, self.memory_capacity(), total,
                          self.spec.get("swapBehavior", C.DEFAULT_SWAP_BEHAVIOR))

    def backoff_key(self, pod: dict, container: str) -> str:
        md = pod["metadata"]
        return f"{md['name']}_{md.get('namespace')}_{md['uid']}_{container}"

    @staticmethod
    def format_pod(pod: dict) -> str:
        """``name_namespace(uid)``: how kubelet messages name a pod (format.Pod)."""
        md = pod["metadata"]
        return f"{md['name']}_{md.get('namespace')}({md['uid']})"

    def terminated_state(self, st) -> dict:
        """A runtime ContainerStatus of an exited container as ``state.terminated``."""
        code = st.exit_code if st.exit_code is not None else 0
        reason = st.reason or ("Completed" if code == 0 else "Error")
        out = {"containerID": C.CONTAINER_ID_PREFIX + st.id, "exitCode": code,
               "finishedAt": rfc3339(st.finished_at if st.finished_at is not None else self.clock.now),
               "reason": reason,
               "startedAt": rfc3339(st.started_at) if st.started_at is not None else None}
        if st.message:
            out["message"] = st.message
        return out

    def pull_done(self, key: str, name: str, gen: int, image: str, backoff_key: str, started: float,
                  err: str | None, image_id: str | None) -> None:
        if not self.running:
            return
        worker = self.workers.get(key)
        pod = self.pods.get(key) if self.pods else None
        if worker is None or pod is None:
            return
        self.traced(key, pull_done, worker, pod, name, gen, image, backoff_key, started, err, image_id)
        if err:
            self.queue.add_after(key, C.POD_WORKER_ERROR_RESYNC)
            self.traced(key, worker.write_status, pod)
        else:
            self.enqueue(key)

    def write_pod_status(self, pod: dict, status: dict) -> None:
        md = pod["metadata"]
        body = {"apiVersion": "v1", "kind": "Pod",
                "metadata": {"name": md["name"], "namespace": md["namespace"]}, "status": status}
        try:
            # owned: the status is handed over (a worker only reads the one it last wrote) and
            # nothing is done with the stored pod that comes back, so neither is copied
            self.api.update("pods", body, md["namespace"], subresource="status", owned=True)
        except errors.ApiError as e:
            if e.code != 404:
                raise

    # --- the kubelet's server (server.py): what the API server proxies to (apiserver.kubelets) --
    def logs(self, pod: dict, *args, **kw) -> str:
        """``GET pods/log``: :meth:`KubeletServer.logs`."""
        return self.server.logs(pod, *args, **kw)

    def exec(self, pod: dict, command, *args, **kw):
        """``POST pods/exec``: :meth:`KubeletServer.exec`."""
        return self.server.exec(pod, command, *args, **kw)

    def stats_summary(self) -> dict:
        """The Summary API: :meth:`KubeletServer.stats_summary`."""
        return self.server.stats_summary()

    # --- what the volume manager asks (it does not read the kubelet's tables itself) -----------
    def _live_pod_uids(self) -> set:
        return {w.uid for w in self.workers.values()}

    def _volume_pod_state(self, uid: str):
        """None when no pod worker has ``uid``; else (key, the informer's pod or None while the
        kubelet is stopped, whether the pod is still active: not evicted, finished or terminating)."""
        worker = next((w for w in self.workers.values() if w.uid == uid), None)
        if worker is None:
            return None
        pod = self.pods.get(worker.key) if self.running and self.pods is not None else None
        return worker.key, pod, not (worker.evicted or worker.finished or worker.terminating)

    def _evict_for_volume(self, key: str, pod: dict, msg: str) -> None:
        """An emptyDir over its sizeLimit: evictPod, exactly as the eviction manager does it."""
        evict_pod(self, self.workers[key], pod, msg)

    def container_mounts(self, pod: dict, c: dict) -> list:
        """The mounts of container ``c``: its ``volumeMounts`` of the pod's volumes, as the
        volume manager set them up (``minik8s/kubelet/volumes.py``:
        emptyDir shared by the pod's containers, hostPath, configMap, secret, PVC, ...)."""
        return self.volume_manager.mounts(pod, c)

    def __repr__(self) -> str:
        state = "running" if self.running else ("failed: " + self.start_error if self.start_error else "stopped")
        return f"<Kubelet {self.node_name} {state}, {len(self.workers)} pods>"


def _gate_changed(pod: dict, old: dict) -> bool:
    """A condition a readiness gate names was changed by someone else: Ready must be recomputed."""
    gates = {g.get("conditionType") for g in (pod.get("spec") or {}).get("readinessGates") or []}
    if not gates:
        return False
    def pick(p):
        return sorted((c.get("type"), c.get("status")) for c in (p.get("status") or {}).get("conditions") or []
                      if c.get("type") in gates)
    return pick(pod) != pick(old)


def _uuid_from(rng) -> str:
    return random_uid(rng)
