"""What the scheduler knows about a pod and a node: PodInfo and NodeInfo.

kube-scheduler keeps a cache of every node with the pods assigned to it and
the sum of their resource requests (``framework.NodeInfo`` in
pkg/scheduler/framework/types.go). Filters and scores read this summary
instead of walking every pod in the cluster.

A pod's request is computed as the kubelet and the scheduler compute it
(https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers,
https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers):
the sum over app containers, then each init container in order: a restartable
(sidecar) init container adds to the running total and to the sidecars seen so
far; a plain init container needs its own request plus the sidecars started
before it; the pod needs the largest of all that. Pod ``overhead``
(https://kubernetes.io/docs/concepts/scheduling-eviction/pod-overhead/) is added.
"""

from __future__ import annotations

from ..api.quantity import QuantityError, cpu_millis, memory_bytes, parse_quantity

# pkg/scheduler/util/pod_resources.go: what a container without a request counts as when scoring.
DEFAULT_MILLI_CPU_REQUEST = 100
DEFAULT_MEMORY_REQUEST = 200 * 1024 * 1024

DEFAULT_SCHEDULER_NAME = "default-scheduler"


def _cpu(value) -> int:
    try:
        return cpu_millis(value)
    except QuantityError:
        return 0


def _mem(value) -> int:
    try:
        return memory_bytes(value)
    except QuantityError:
        return 0


def _container_requests(c: dict, non_missing: bool) -> tuple[int, int]:
    req = (c.get("resources") or {}).get("requests") or {}
    if "cpu" in req:
        cpu = _cpu(req["cpu"])
    else:
        cpu = DEFAULT_MILLI_CPU_REQUEST if non_missing else 0
    if "memory" in req:
        mem = _mem(req["memory"])
    else:
        mem = DEFAULT_MEMORY_REQUEST if non_missing else 0
    return cpu, mem


def pod_requests(pod: dict, non_missing: bool = False) -> tuple[int, int]:
    """(millicores, bytes) the pod requests: ``max(sum of app containers, largest init container)``.

    ``non_missing=True`` counts a container without a cpu/memory request as 100m / 200Mi,
    as the scoring plugins do (a missing request is not "free" when spreading load).
    """
    spec = pod.get("spec") or {}
    cpu = mem = 0
    for c in spec.get("containers") or []:
        a, b = _container_requests(c, non_missing)
        cpu += a
        mem += b
    side_cpu = side_mem = 0          # restartable init containers (sidecars) started so far
    init_cpu = init_mem = 0          # the most any init step needs
    for c in spec.get("initContainers") or []:
        a, b = _container_requests(c, non_missing)
        if c.get("restartPolicy") == "Always":
            cpu += a
            mem += b
            side_cpu += a
            side_mem += b
            need_cpu, need_mem = side_cpu, side_mem
        else:
            need_cpu, need_mem = a + side_cpu, b + side_mem
        init_cpu = max(init_cpu, need_cpu)
        init_mem = max(init_mem, need_mem)
    cpu = max(cpu, init_cpu)
    mem = max(mem, init_mem)
    overhead = spec.get("overhead") or {}
    if overhead:
        cpu += _cpu(overhead.get("cpu", 0))
        mem += _mem(overhead.get("memory", 0))
    return cpu, mem


def _all_requested(spec: dict) -> bool:
    """Does every container (init containers too) request both cpu and memory?"""
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        req = (c.get("resources") or {}).get("requests") or {}
        if "cpu" not in req or "memory" not in req:
            return False
    return True


def host_ports(pod: dict) -> list[tuple[str, str, int]]:
    """(hostIP, protocol, hostPort) the pod's containers want on the node (hostPort 0 = none)."""
    out = []
    for c in (pod.get("spec") or {}).get("containers") or []:
        for p in c.get("ports") or []:
            hp = p.get("hostPort") or 0
            if hp:
                out.append((p.get("hostIP") or "0.0.0.0", p.get("protocol") or "TCP", int(hp)))
    return out


def normalized_image_name(name: str) -> str:
    """``nginx`` -> ``nginx:latest`` (ImageLocality compares names with a tag)."""
    if name.rfind(":") <= name.rfind("/"):
        name += ":latest"
    return name


class PodInfo:
    """A pod plus what every plugin needs from it, computed once per scheduling attempt (PreFilter)."""

    __slots__ = ("pod", "key", "name", "namespace", "priority", "requests", "nonzero",
                 "ports", "tolerations", "node_selector", "required_terms", "preferred_terms",
                 "images", "n_containers", "labels", "label_key", "state", "default_selector",
                 "has_affinity", "volumes")

    def __init__(self, pod: dict):
        self.pod = pod
        md = pod.get("metadata") or {}
        spec = pod.get("spec") or {}
        self.name = md.get("name", "")
        self.namespace = md.get("namespace") or "default"
        self.key = f"{self.namespace}/{self.name}"
        self.priority = int(spec.get("priority") or 0)
        self.requests = pod_requests(pod)
        # the same unless a container leaves out its cpu or memory request
        self.nonzero = self.requests if _all_requested(spec) else pod_requests(pod, non_missing=True)
        self.ports = host_ports(pod)
        self.tolerations = spec.get("tolerations") or []
        self.node_selector = spec.get("nodeSelector") or {}
        na = (spec.get("affinity") or {}).get("nodeAffinity") or {}
        req = na.get("requiredDuringSchedulingIgnoredDuringExecution")
        self.required_terms = None if req is None else (req.get("nodeSelectorTerms") or [])
        self.preferred_terms = na.get("preferredDuringSchedulingIgnoredDuringExecution") or []
        conts = (spec.get("initContainers") or []) + (spec.get("containers") or [])
        self.images = [normalized_image_name(c.get("image") or "") for c in conts]
        self.n_containers = len(conts)
        self.labels = md.get("labels") or {}
        # (namespace, labels, terminating): what topology spreading counts pods by
        self.label_key = (self.namespace, tuple(sorted(self.labels.items())), bool(md.get("deletionTimestamp")))
        self.state: dict = {}                 # per-attempt plugin state (PreFilter / PreScore)
        aff = spec.get("affinity") or {}
        self.has_affinity = bool(aff.get("podAffinity") or aff.get("podAntiAffinity"))
        self.default_selector = None          # PodTopologySpread's system-default selector, if any
        self.volumes = None                   # VolumeBinding's PreFilter state (plugins/volumebinding.py)


def as_pod_info(pod) -> PodInfo:
    return pod if type(pod) is PodInfo else PodInfo(pod)


class NodeInfo:
    """A node and the pods the scheduler has assigned to it, with their summed requests."""

    __slots__ = ("node", "name", "alloc_cpu", "alloc_mem", "alloc_pods", "requested_cpu",
                 "requested_mem", "nonzero_cpu", "nonzero_mem", "pods", "used_ports", "images",
                 "taints", "labels", "unschedulable", "label_sets", "with_affinity", "match_counts",
                 "scores", "room")

    def __init__(self, node: dict | None = None, name: str | None = None):
        self.pods: dict[str, PodInfo] = {}
        self.requested_cpu = self.requested_mem = 0
        self.nonzero_cpu = self.nonzero_mem = 0
        self.used_ports: dict[tuple[str, str, int], int] = {}
        self.label_sets: dict[tuple, int] = {}     # PodInfo.label_key -> number of pods
        self.with_affinity: dict[str, PodInfo] = {}   # pods with pod (anti-)affinity terms
        # (selector, namespace) -> matching pods here; topology spreading asks about every node for
        # every pod, and most nodes have not changed since the last pod asked (cleared on change)
        self.match_counts: dict[tuple, int] = {}
        # the fast path's memory (scheduler/fast.py): raw scores of the score plugins whose score
        # depends only on this node (ScorePlugin.signature), and their sums; cleared when the node changes
        self.scores: dict[tuple, int] = {}
        self.node = None
        self.name = name
        self.alloc_cpu = self.alloc_mem = self.alloc_pods = 0
        self.images: dict[str, int] = {}
        self.taints: list = []
        self.labels: dict = {}
        self.unschedulable = False
        # (pods, millicores, bytes) still free on a node that is not cordoned and has no taints,
        # else (0, 0, 0): the fast path's test that a node fits (fast.quick_pass) in one read
        self.room = (0, 0, 0)
        if node is not None:
            self.set_node(node)

    def _update_room(self) -> None:
        if self.unschedulable or self.taints:
            self.room = (0, 0, 0)
        else:
            self.room = (self.alloc_pods - len(self.pods), self.alloc_cpu - self.requested_cpu,
                         self.alloc_mem - self.requested_mem)

    def set_node(self, node: dict) -> None:
        self.scores.clear()
        self.node = node
        self.name = node["metadata"]["name"]
        status = node.get("status") or {}
        alloc = status.get("allocatable") or status.get("capacity") or {}
        self.alloc_cpu = _cpu(alloc.get("cpu", 0))
        self.alloc_mem = _mem(alloc.get("memory", 0))
        try:
            self.alloc_pods = int(parse_quantity(alloc.get("pods", 0)))
        except QuantityError:
            self.alloc_pods = 0
        self.images = {}
        for img in status.get("images") or []:
            size = int(img.get("sizeBytes") or 0)
            for n in img.get("names") or []:
                self.images[normalized_image_name(n)] = size
        spec = node.get("spec") or {}
        self.taints = spec.get("taints") or []
        self.unschedulable = bool(spec.get("unschedulable"))
        self.labels = (node.get("metadata") or {}).get("labels") or {}
        self._update_room()

    def add_pod(self, pi: PodInfo) -> None:
        if pi.key in self.pods:
            self.remove_pod(pi.key)
        self.pods[pi.key] = pi
        self.requested_cpu += pi.requests[0]
        self.requested_mem += pi.requests[1]
        self.nonzero_cpu += pi.nonzero[0]
        self.nonzero_mem += pi.nonzero[1]
        for p in pi.ports:
            self.used_ports[p] = self.used_ports.get(p, 0) + 1
        self.label_sets[pi.label_key] = self.label_sets.get(pi.label_key, 0) + 1
        self.match_counts.clear()
        self.scores.clear()
        self._update_room()
        if pi.has_affinity:
            self.with_affinity[pi.key] = pi

    def remove_pod(self, key: str) -> PodInfo | None:
        pi = self.pods.pop(key, None)
        if pi is None:
            return None
        self.requested_cpu -= pi.requests[0]
        self.requested_mem -= pi.requests[1]
        self.nonzero_cpu -= pi.nonzero[0]
        self.nonzero_mem -= pi.nonzero[1]
        for p in pi.ports:
            n = self.used_ports.get(p, 0) - 1
            if n <= 0:
                self.used_ports.pop(p, None)
            else:
                self.used_ports[p] = n
        self.with_affinity.pop(key, None)
        self.match_counts.clear()
        self.scores.clear()
        self._update_room()
        n = self.label_sets.get(pi.label_key, 0) - 1
        if n <= 0:
            self.label_sets.pop(pi.label_key, None)
        else:
            self.label_sets[pi.label_key] = n
        return pi

    def clone(self) -> "NodeInfo":
        ni = NodeInfo(self.node)
        for pi in self.pods.values():
            ni.add_pod(pi)
        return ni

    def __repr__(self) -> str:
        return (f"<NodeInfo {self.name} cpu {self.requested_cpu}/{self.alloc_cpu}m "
                f"memory {self.requested_mem}/{self.alloc_mem} pods {len(self.pods)}/{self.alloc_pods}>")


def as_node_info(node) -> NodeInfo:
    return node if type(node) is NodeInfo else NodeInfo(node)


def build_node_infos(nodes: list[dict], pods: list[dict]) -> list[NodeInfo]:
    """NodeInfos for ``nodes`` (in the given order) with the non-terminal ``pods`` bound to them."""
    infos = [NodeInfo(n) for n in nodes]
    by_name = {ni.name: ni for ni in infos}
    for p in pods:
        node = (p.get("spec") or {}).get("nodeName")
        phase = (p.get("status") or {}).get("phase")
        if node in by_name and phase not in ("Succeeded", "Failed"):
            by_name[node].add_pod(PodInfo(p))
    return infos
