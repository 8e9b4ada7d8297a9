"""A picture of one node's resources: capacity, allocatable, and its Pods' requests and limits by QoS class.

The scheduler places a Pod on a node only if the *requests* of the Pods already there plus its own
fit in the node's *allocatable* resources (capacity less what the kubelet reserves, e.g. the hard
eviction threshold); *limits* are what the kernel enforces per container, and may add up to more
than the node has (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/).
Each Pod belongs to a QoS class (https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/), which
sets its containers' ``oom_score_adj`` and the order in which the kubelet evicts under memory
pressure (https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/).

:func:`resources_diagram` reads the Node and its Pods from the API server, and the memory each Pod
uses from the node's kubelet (its summary API, what ``kubectl top`` reads), and draws the node on
top and one box per QoS class below it, each Pod with its requests, limits and usage.
"""

from __future__ import annotations

import graphviz

from ..api.quantity import cpu_millis, format_cpu, memory_bytes
from .diagram import POD_COLOURS, Diagram, _id, pod_category

QOS_ORDER = ("Guaranteed", "Burstable", "BestEffort")
QOS_COLOURS = {"Guaranteed": "#e3f1e6", "Burstable": "#fff4dc", "BestEffort": "#fbe4e4"}
QOS_NOTES = {"Guaranteed": "oom_score_adj -997",      # what the kubelet sets on its containers
             "Burstable": "oom_score_adj 3..999",
             "BestEffort": "oom_score_adj 1000"}


def _mib(n: int) -> str:
    return f"{n / 2**20:.0f}Mi"


def pod_resources(pod: dict) -> dict:
    """Summed container requests and limits of ``pod``: {"requests": {"cpu": m, "memory": bytes},
    "limits": {...}} (a resource absent from every container is absent here)."""
    out: dict = {"requests": {}, "limits": {}}
    for c in (pod.get("spec") or {}).get("containers") or []:
        res = c.get("resources") or {}
        for kind in ("requests", "limits"):
            for name, q in sorted((res.get(kind) or {}).items()):
                if name == "cpu":
                    out[kind]["cpu"] = out[kind].get("cpu", 0) + cpu_millis(str(q))
                elif name == "memory":
                    out[kind]["memory"] = out[kind].get("memory", 0) + memory_bytes(str(q))
    return out


def _fmt(values: dict) -> str:
    cpu = format_cpu(values["cpu"]) if "cpu" in values else "-"
    mem = _mib(values["memory"]) if "memory" in values else "-"
    return f"{cpu}, {mem}"


def resources_graph(node: dict, pods: list, usage: dict) -> graphviz.Digraph:
    """The Digraph of ``node`` with ``pods`` (dicts as ``c.list`` returns them) and ``usage``
    (pod name -> memory bytes in use)."""
    g = graphviz.Digraph("resources")
    g.attr(rankdir="TB", fontname="Helvetica", fontsize="10", nodesep="0.15", ranksep="0.3",
           bgcolor="transparent")
    g.attr("node", fontname="Helvetica", fontsize="9", shape="box", style="rounded,filled",
           fillcolor="white", margin="0.08,0.04")
    g.attr("edge", arrowsize="0.5", color="#999999")
    st = node.get("status") or {}
    cap, alloc = st.get("capacity") or {}, st.get("allocatable") or {}
    live = [p for p in pods if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
    req_cpu = sum(pod_resources(p)["requests"].get("cpu", 0) for p in live)
    req_mem = sum(pod_resources(p)["requests"].get("memory", 0) for p in live)
    a_cpu, a_mem = cpu_millis(str(alloc.get("cpu", "0"))), memory_bytes(str(alloc.get("memory", "0")))
    conds = {c["type"]: c["status"] for c in st.get("conditions") or []}
    pressure = "  MemoryPressure" if conds.get("MemoryPressure") == "True" else ""
    name = node["metadata"]["name"]
    label = (f"{name}{pressure}\\ncapacity: {cap.get('cpu')} CPU / {cap.get('memory')}"
             f"\\nallocatable: {alloc.get('cpu')} CPU / {alloc.get('memory')}"
             f"\\nrequested: {format_cpu(req_cpu)} ({100 * req_cpu // max(a_cpu, 1)}%) / "
             f"{_mib(req_mem)} ({100 * req_mem // max(a_mem, 1)}%)")
    g.node(_id("node", name), label, shape="box3d", style="filled",
           fillcolor="#f29b9b" if pressure else "#dde8f7")
    for qos in QOS_ORDER:
        members = sorted((p for p in pods if (p.get("status") or {}).get("qosClass") == qos),
                         key=lambda p: p["metadata"]["name"])
        if not members:
            continue
        with g.subgraph(name=f"cluster_{qos}") as sub:
            sub.attr(label=f"{qos}\\n{QOS_NOTES[qos]}", style="rounded,filled", fillcolor=QOS_COLOURS[qos],
                     color="#bbbbbb", fontsize="9")
            for p in members:
                pname = p["metadata"]["name"]
                res = pod_resources(p)
                used = usage.get(pname)
                text = (f"{pname}\\nreq {_fmt(res['requests'])}\\nlim {_fmt(res['limits'])}"
                        + (f"\\nuses {_mib(used)}" if used is not None else ""))
                reason = (p.get("status") or {}).get("reason")
                if reason:
                    text += f"\\n{reason}"
                sub.node(_id("pod", pname), text, fillcolor=POD_COLOURS.get(pod_category(p), "#ffffff"))
                g.edge(_id("node", name), _id("pod", pname))
    return g


def resources_diagram(cluster, node: str, namespace: str | None = None,
                      caption: str | None = None) -> Diagram:
    """Draw ``node`` of ``cluster`` as it is now: capacity, allocatable, requested, and its Pods by
    QoS class (green Ready, red Failed/Evicted, as in :func:`minik8s.viz.diagram`)."""
    n = cluster.get("node", node)
    pods = [p for p in cluster.list("pods", namespace) if (p.get("spec") or {}).get("nodeName") == node]
    usage: dict = {}
    kubelet = cluster.apiserver.kubelets.get(node)
    if kubelet is not None:
        for entry in kubelet.stats_summary().get("pods") or []:
            usage[entry["name"]] = sum(c.get("memory_bytes", 0) for c in entry.get("containers") or [])
    return Diagram(resources_graph(n, pods, usage),
                   caption if caption is not None else f"{node} at T={cluster.now:g}s")
