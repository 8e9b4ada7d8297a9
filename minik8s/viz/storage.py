"""A picture of a cluster's storage: Pod -> PersistentVolumeClaim -> PersistentVolume -> StorageClass.

A pod names a claim in ``spec.volumes[].persistentVolumeClaim.claimName``; a bound claim names its
volume in ``spec.volumeName`` (and the volume names the claim back in ``spec.claimRef``); claim and
volume name their class in ``storageClassName``
(https://kubernetes.io/docs/concepts/storage/persistent-volumes/). :func:`storage_diagram` reads
those four kinds from etcd, as ``kubectl get`` would, and draws the chain left to right: pods
coloured as in :func:`minik8s.viz.diagram` (by phase and readiness), claims and volumes by phase
(Pending yellow, Bound green, Available white, Released grey, Failed or Lost red). Volumes no
claim uses (Available, Released) are drawn too, beside their class.
"""

from __future__ import annotations

import graphviz

from .diagram import POD_COLOURS, Diagram, _id, pod_category, pod_status

PHASE_COLOURS = {"Pending": "#ffe08a", "Bound": "#8fd19e", "Available": "#ffffff",
                 "Released": "#d4d4d4", "Failed": "#f29b9b", "Lost": "#f29b9b"}


def _short(name: str, width: int = 16) -> str:
    """A provisioned volume is ``pvc-<uid>``: keep the picture narrow."""
    return name if len(name) <= width else name[:width - 3] + "..."


def _phase(obj: dict) -> str:
    if (obj.get("metadata") or {}).get("deletionTimestamp"):
        return "Terminating"
    return (obj.get("status") or {}).get("phase") or "Pending"


def storage_graph(pods: list, claims: list, volumes: list, classes: list) -> graphviz.Digraph:
    """The Digraph of the given objects (lists of dicts, as ``c.list`` returns them)."""
    g = graphviz.Digraph("storage")
    g.attr(rankdir="LR", fontname="Helvetica", fontsize="10", nodesep="0.15", ranksep="0.35",
           bgcolor="transparent")
    g.attr("node", fontname="Helvetica", fontsize="9", shape="box", style="rounded,filled",
           fillcolor="white", height="0.3", margin="0.06,0.03")
    g.attr("edge", fontname="Helvetica", fontsize="8", arrowsize="0.6")
    by_claim = {(c["metadata"].get("namespace", "default"), c["metadata"]["name"]): c for c in claims}
    vol_names = {v["metadata"]["name"] for v in volumes}
    class_names = {s["metadata"]["name"] for s in classes}
    columns = {kind: graphviz.Digraph(name=f"col_{kind}") for kind in ("pod", "pvc", "pv", "sc")}
    for col in columns.values():
        col.attr(rank="same")          # one column per kind, left to right
    for sc in sorted(classes, key=lambda s: s["metadata"]["name"]):
        name = sc["metadata"]["name"]
        default = (sc["metadata"].get("annotations") or {}).get(
            "storageclass.kubernetes.io/is-default-class") == "true"
        label = (f"StorageClass {name}{' (default)' if default else ''}\\n{sc.get('provisioner', '')}\\n"
                 f"{sc.get('volumeBindingMode') or 'Immediate'}, {sc.get('reclaimPolicy') or 'Delete'}")
        columns["sc"].node(_id("sc", name), label, shape="folder", fillcolor="#e8e0f5")
    # a class that volumes or claims name but no StorageClass object defines (the docs' "manual")
    named = {(o.get("spec") or {}).get("storageClassName") for o in list(volumes) + list(claims)}
    for name in sorted(n for n in named if n and n not in class_names):
        columns["sc"].node(_id("sc", name), f"class {name}\\n(no StorageClass object)", shape="folder",
                           style="dashed", fillcolor="white")
        class_names.add(name)
    for pv in sorted(volumes, key=lambda v: v["metadata"]["name"]):
        spec = pv.get("spec") or {}
        name = pv["metadata"]["name"]
        phase = _phase(pv)
        label = (f"PV {_short(name)}\\n{(spec.get('capacity') or {}).get('storage', '?')} "
                 f"{spec.get('persistentVolumeReclaimPolicy') or 'Retain'}\\n{phase}")
        columns["pv"].node(_id("pv", name), label, shape="cylinder", fillcolor=PHASE_COLOURS.get(phase, "#d4d4d4"),
               style="filled")
        cls = spec.get("storageClassName")
        if cls and cls in class_names:
            g.edge(_id("pv", name), _id("sc", cls), style="dashed", color="#777777")
    for pvc in sorted(claims, key=lambda c: (c["metadata"].get("namespace", ""), c["metadata"]["name"])):
        md = pvc["metadata"]
        spec = pvc.get("spec") or {}
        phase = _phase(pvc)
        want = ((spec.get("resources") or {}).get("requests") or {}).get("storage", "?")
        label = f"PVC {md['name']}\\n{want} {phase}"
        cid = _id("pvc", md.get("namespace", "default"), md["name"])
        columns["pvc"].node(cid, label, fillcolor=PHASE_COLOURS.get(phase, "#d4d4d4"))
        if spec.get("volumeName") in vol_names:
            g.edge(cid, _id("pv", spec["volumeName"]), label="bound")
        elif spec.get("storageClassName") in class_names:
            g.edge(cid, _id("sc", spec["storageClassName"]), style="dashed", color="#777777",
                   label="waits")
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        md = pod["metadata"]
        ns = md.get("namespace", "default")
        used = [(v.get("persistentVolumeClaim") or {}).get("claimName")
                for v in (pod.get("spec") or {}).get("volumes") or [] if v.get("persistentVolumeClaim")]
        used = [u for u in used if (ns, u) in by_claim]
        if not used:
            continue
        node = (pod.get("spec") or {}).get("nodeName") or "unscheduled"
        columns["pod"].node(_id("pod", ns, md["name"]), f"Pod {md['name']}\\n{pod_status(pod)} on {node}",
               fillcolor=POD_COLOURS[pod_category(pod)])
        for u in used:
            g.edge(_id("pod", ns, md["name"]), _id("pvc", ns, u))
    for col in columns.values():
        if col.body:
            g.subgraph(col)
    return g


def storage_diagram(cluster, namespace: str | None = "default", *, caption: str | None = None) -> Diagram:
    """Draw the pods that use claims, the claims, the volumes and the classes of ``cluster`` now
    (pods and claims of ``namespace``; ``None`` for all namespaces)."""
    def items(resource, ns=None):
        return [obj for _key, obj in sorted(cluster.store.iter_raw(resource))
                if ns is None or (obj.get("metadata") or {}).get("namespace") == ns]
    graph = storage_graph(items("pods", namespace), items("persistentvolumeclaims", namespace),
                          items("persistentvolumes"), items("storageclasses"))
    return Diagram(graph, caption if caption is not None else f"T={cluster.now:g}s")


__all__ = ["PHASE_COLOURS", "storage_diagram", "storage_graph"]
