"""``kubectl describe node``: conditions, addresses, capacity, the non-terminated pods
and their requests and limits, allocated resources, events.
"""

from __future__ import annotations

from ...api.quantity import cpu_millis, format_cpu, format_memory, memory_bytes
from ..printers import since
from .pods import pod_limits, pod_requests
from .writer import (PrefixWriter, annotations_multiline, describe_events, go_bool, labels_multiline,
                     quantity_str, rfc1123z, taints_multiline)


def node_roles(node: dict) -> list[str]:
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _mem(n: int) -> str:
    """A sum of memory as Quantity.String() prints it: binary units when exact, else decimal (``200M``)."""
    return format_memory(n) if n % 1024 == 0 else quantity_str(str(n))


def _pct(part: int, whole: int) -> int:
    return int(part / whole * 100) if whole else 0


def describe_node(node: dict, pods: list[dict], lease: dict | None, events: list | None, now: float) -> str:
    """describeNode; ``pods`` are the node's non-terminated pods, ``lease`` its kube-node-lease Lease."""
    w = PrefixWriter()
    md, spec, st = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    roles = node_roles(node)
    w.write(0, f"Roles:\t{','.join(roles) if roles else '<none>'}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{go_bool(spec.get('unschedulable'))}\n")
    if lease is None:
        w.write(0, f"Lease:\tFailed to get lease: leases.coordination.k8s.io \"{md['name']}\" not found\n")
    else:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123z(ls['acquireTime']) if ls.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123z(ls['renewTime']) if ls.get('renewTime') else '<unset>'}\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for title in ("capacity", "allocatable"):
        if st.get(title):
            w.write(0, f"{title.capitalize()}:\n")
            for k in sorted(st[title]):
                w.write(0, f"  {k}:\t{quantity_str(st[title][k])}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for key, title in (("machineID", "Machine ID"), ("systemUUID", "System UUID"), ("bootID", "Boot ID"),
                       ("kernelVersion", "Kernel Version"), ("osImage", "OS Image"),
                       ("operatingSystem", "Operating System"), ("architecture", "Architecture"),
                       ("containerRuntimeVersion", "Container Runtime Version"),
                       ("kubeletVersion", "Kubelet Version")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    alloc = st.get("allocatable") or st.get("capacity") or {}
    acpu = cpu_millis(alloc.get("cpu", 0))
    amem = memory_bytes(alloc.get("memory", 0))
    aeph = memory_bytes(alloc.get("ephemeral-storage", 0))
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    tot_req = {"cpu": 0, "memory": 0}
    tot_lim = {"cpu": 0, "memory": 0}
    for p in pods:
        req, lim = pod_requests(p), pod_limits(p)
        for k in tot_req:
            tot_req[k] += req[k]
            tot_lim[k] += lim[k]
        w.write(1, f"{p['metadata'].get('namespace')}\t{p['metadata']['name']}\t\t"
                   f"{format_cpu(req['cpu'])} ({_pct(req['cpu'], acpu)}%)\t"
                   f"{format_cpu(lim['cpu'])} ({_pct(lim['cpu'], acpu)}%)\t"
                   f"{_mem(req['memory'])} ({_pct(req['memory'], amem)}%)\t"
                   f"{_mem(lim['memory'])} ({_pct(lim['memory'], amem)}%)\t"
                   f"{since(p['metadata'].get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    w.write(1, f"cpu\t{format_cpu(tot_req['cpu'])} ({_pct(tot_req['cpu'], acpu)}%)\t"
               f"{format_cpu(tot_lim['cpu'])} ({_pct(tot_lim['cpu'], acpu)}%)\n")
    w.write(1, f"memory\t{_mem(tot_req['memory'])} ({_pct(tot_req['memory'], amem)}%)\t"
               f"{_mem(tot_lim['memory'])} ({_pct(tot_lim['memory'], amem)}%)\n")
    w.write(1, f"ephemeral-storage\t0 ({_pct(0, aeph)}%)\t0 ({_pct(0, aeph)}%)\n")
    for k in sorted(alloc):
        if k.startswith("hugepages-"):
            w.write(1, f"{k}\t0 (0%)\t0 (0%)\n")
    for k in sorted(alloc):
        if k not in ("cpu", "memory", "ephemeral-storage", "pods", "storage") and not k.startswith("hugepages-") \
                and "/" in k:
            w.write(1, f"{k}\t0\t0\n")
    describe_events(events, w, now)
    return w.text()
