"""The Node object a kubelet registers, its conditions and its Lease.

A kubelet *self-registers*: it creates its own Node object
(https://kubernetes.io/docs/concepts/architecture/nodes/#self-registration-of-nodes),
then keeps it current with two heartbeats
(https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats):
a Lease in ``kube-node-lease`` renewed every 10 s, and ``.status`` updates when
something changes (or every ``nodeStatusReportFrequency`` anyway). The node
lifecycle controller marks a node NotReady when both stop.

Pure functions: the kubelet calls them; a chapter can show them.
"""

from __future__ import annotations

import struct

from ..api.quantity import cpu_millis, format_cpu, format_memory, memory_bytes
from . import config as C

# (condition type, status, reason, message) of a healthy node, in the order the kubelet
# sets them (pkg/kubelet/nodestatus/setters.go), and the event each first report emits.
HEALTHY_CONDITIONS = [
    ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available",
     "NodeHasSufficientMemory"),
    ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure",
     "NodeHasNoDiskPressure"),
    ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available",
     "NodeHasSufficientPID"),
]
PRESSURE_CONDITIONS = {
    "MemoryPressure": ("True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available",
                       "NodeHasInsufficientMemory"),
    "DiskPressure": ("True", "KubeletHasDiskPressure", "kubelet has disk pressure", "NodeHasDiskPressure"),
    "PIDPressure": ("True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available",
                    "NodeHasInsufficientPID"),
}
READY = ("True", "KubeletReady", "kubelet is posting ready status")
NOT_READY_RUNTIME = ("False", "KubeletNotReady", "container runtime status check may not have completed yet")


def node_labels(spec: dict) -> dict:
    """The labels a kubelet puts on its Node (well-known labels, then the node spec's own)."""
    labels = {
        "beta.kubernetes.io/arch": C.ARCHITECTURE,
        "beta.kubernetes.io/os": C.OPERATING_SYSTEM,
        "kubernetes.io/arch": C.ARCHITECTURE,
        "kubernetes.io/hostname": spec["name"],
        "kubernetes.io/os": C.OPERATING_SYSTEM,
    }
    labels.update(spec.get("labels") or {})
    return labels


def capacity(spec: dict) -> dict:
    """status.capacity: CPU, memory, pods, ephemeral storage."""
    cpu = format_cpu(cpu_millis(str(spec.get("cpu", C.DEFAULT_CPU))))
    mem = format_memory(memory_bytes(str(spec.get("memory", C.DEFAULT_MEMORY))))
    storage = spec.get("ephemeral-storage", spec.get("ephemeralStorage", C.DEFAULT_EPHEMERAL_STORAGE))
    cap = {"cpu": cpu, "ephemeral-storage": str(storage), "hugepages-1Gi": "0", "hugepages-2Mi": "0",
           "memory": mem, "pods": str(spec.get("pods", C.DEFAULT_PODS))}
    return cap


def allocatable(spec: dict) -> dict:
    """status.allocatable: capacity minus kube-reserved, system-reserved (none by default) and the
    hard eviction threshold: a default kubelet (``evictionHard: memory.available<100Mi``) offers pods
    100Mi less memory than the node has
    (https://kubernetes.io/docs/tasks/administer-cluster/reserve-compute-resources/#node-allocatable:
    ``[Allocatable] = [Node Capacity] - [kube-reserved] - [system-reserved] - [Hard-Eviction-Threshold]``;
    hardEvictionReservation in pkg/kubelet/cm/node_container_manager_linux.go). The default hard
    thresholds reserve 100Mi of memory and 10% of ephemeral storage (``nodefs.available<10%``)."""
    alloc = capacity(spec)
    mem = memory_bytes(str(spec.get("memory", C.DEFAULT_MEMORY)))
    alloc["memory"] = format_memory(max(0, mem - eviction_threshold(spec)))
    # nodefs.available<10%: GetThresholdQuantity takes the percentage as a float32 of the capacity
    storage = memory_bytes(alloc["ephemeral-storage"])
    alloc["ephemeral-storage"] = format_memory(max(0, storage - int(storage * _float32(C.EVICTION_HARD_NODEFS_AVAILABLE))))
    return alloc


def _float32(x: float) -> float:
    """``x`` rounded to a Go float32 (the type of an eviction threshold's percentage)."""
    return struct.unpack("f", struct.pack("f", x))[0]


def eviction_threshold(spec: dict) -> int:
    """The hard eviction threshold of ``memory.available`` in bytes (node spec ``evictionHard``)."""
    return memory_bytes(str(spec.get("evictionHard", C.EVICTION_HARD_MEMORY_AVAILABLE)))


def node_object(spec: dict, index: int, uid_seed: str, images: list[dict]) -> dict:
    """The Node a kubelet registers: metadata, spec (podCIDR, taints), status (no conditions yet)."""
    name = spec["name"]
    cidr = spec.get("podCIDR") or C.POD_CIDR_FORMAT.format(n=index)
    node_spec = {"podCIDR": cidr, "podCIDRs": [cidr]}
    if spec.get("taints"):
        node_spec["taints"] = [dict(t) for t in spec["taints"]]
    if spec.get("unschedulable"):
        node_spec["unschedulable"] = True
    cap = capacity(spec)
    return {
        "apiVersion": "v1", "kind": "Node",
        "metadata": {"name": name, "labels": node_labels(spec),
                     "annotations": {"node.alpha.kubernetes.io/ttl": "0",
                                     "volumes.kubernetes.io/controller-managed-attach-detach": "true"}},
        "spec": node_spec,
        "status": {
            "capacity": cap,
            "allocatable": allocatable(spec),
            "addresses": [{"type": "InternalIP", "address": node_ip(spec, index)},
                          {"type": "Hostname", "address": name}],
            "daemonEndpoints": {"kubeletEndpoint": {"Port": C.KUBELET_PORT}},
            "nodeInfo": {
                "architecture": C.ARCHITECTURE, "bootID": uid_seed, "containerRuntimeVersion":
                C.CONTAINER_RUNTIME_VERSION, "kernelVersion": C.KERNEL_VERSION, "kubeProxyVersion": "",
                "kubeletVersion": C.KUBELET_VERSION, "machineID": uid_seed.replace("-", ""),
                "operatingSystem": C.OPERATING_SYSTEM, "osImage": C.OS_IMAGE, "systemUUID": uid_seed,
            },
            "images": images,
            "conditions": [],
        },
    }


def node_ip(spec: dict, index: int) -> str:
    return spec.get("ip") or C.NODE_IP_FORMAT.format(n=index + 2)


def node_conditions(old: list[dict] | None, now: str, runtime_ready: bool,
                    pressure: dict | None = None) -> tuple[list[dict], list[str]]:
    """The node's conditions at ``now`` and the events their changes emit (``NodeReady``, ...).

    ``lastHeartbeatTime`` is ``now`` on every report; ``lastTransitionTime`` changes only
    when a condition's status does. ``pressure`` maps a condition type to True when the
    node is under that pressure (eviction, issue 5).
    """
    old_by_type = {c["type"]: c for c in old or []}
    out, events = [], []
    rows = []
    for ctype, status, reason, message, event in HEALTHY_CONDITIONS:
        if (pressure or {}).get(ctype):
            status, reason, message, event = PRESSURE_CONDITIONS[ctype]
        rows.append((ctype, status, reason, message, event))
    status, reason, message = READY if runtime_ready else NOT_READY_RUNTIME
    rows.append(("Ready", status, reason, message, "NodeReady" if runtime_ready else "NodeNotReady"))
    for ctype, status, reason, message, event in rows:
        prev = old_by_type.get(ctype)
        changed = prev is None or prev.get("status") != status
        out.append({"type": ctype, "status": status, "lastHeartbeatTime": now,
                    "lastTransitionTime": now if changed else prev.get("lastTransitionTime", now),
                    "reason": reason, "message": message})
        if changed and not (prev is None and ctype == "Ready" and status == "False"):
            events.append(event)
    return out, events


def lease_object(node: dict, renew_time: str) -> dict:
    """The node's Lease in ``kube-node-lease``, owned by its Node."""
    name = node["metadata"]["name"]
    return {
        "apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
        "metadata": {"name": name, "namespace": C.NODE_LEASE_NAMESPACE,
                     "ownerReferences": [{"apiVersion": "v1", "kind": "Node", "name": name,
                                          "uid": node["metadata"].get("uid")}]},
        "spec": {"holderIdentity": name, "leaseDurationSeconds": C.NODE_LEASE_DURATION,
                 "renewTime": renew_time},
    }
