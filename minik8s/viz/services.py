"""A Service drawn from the live cluster: Service -> EndpointSlices -> Pods on their nodes.

https://kubernetes.io/docs/concepts/services-networking/service/ and
https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/: a Service selects Pods by
label; the EndpointSlice controller lists them in EndpointSlices (each endpoint with its
``ready`` / ``serving`` / ``terminating`` conditions); kube-proxy on every node reads the slices and
programs rules that send the Service's traffic to the usable endpoints. :func:`service_diagram`
draws that chain as it is now, read from the API server (as ``kubectl get`` would) and, for each
node, from that node's kube-proxy (how many endpoints its rules use for the Service).
"""

from __future__ import annotations

import html

import graphviz

from .diagram import POD_COLOURS, Diagram, _id, pod_category, pod_status, ready_count

SERVICE_NAME_LABEL = "kubernetes.io/service-name"

# edge styles by endpoint conditions
_READY = {"color": "#2e8b57", "style": "solid", "penwidth": "1.4"}
_NOT_READY = {"color": "#b08800", "style": "dashed"}
_TERMINATING = {"color": "#888888", "style": "dotted"}


def endpoint_state(conditions: dict) -> str:
    """``ready``, ``terminating`` (serving or not) or ``not ready``: how the picture labels an endpoint."""
    if conditions.get("ready") is not False:
        return "ready"
    if conditions.get("terminating"):
        return "terminating" + (", serving" if conditions.get("serving") else "")
    return "not ready"


def _ports(spec: dict) -> str:
    out = []
    for p in spec.get("ports") or []:
        text = f"{p.get('port')}"
        if p.get("nodePort"):
            text += f":{p['nodePort']}"
        out.append(f"{text}/{p.get('protocol') or 'TCP'} -> {p.get('targetPort', p.get('port'))}")
    return ", ".join(out)


def _proxy_count(cluster, node: str, svc: dict) -> str | None:
    """How many endpoints the kube-proxy of ``node`` sends this Service's traffic to (first port)."""
    proxy = getattr(cluster, "kube_proxies", {}).get(node)
    if proxy is None:
        return None
    md = svc["metadata"]
    rules = proxy.rules.get(f"{md.get('namespace', 'default')}/{md['name']}") or []
    if not rules:
        return "kube-proxy: no rules"
    state = "" if getattr(proxy, "running", True) else " (stopped)"
    return f"kube-proxy{state}: {len(rules[0].cluster_eps)} of {len(rules[0].endpoints)} endpoints"


def build_service_graph(cluster, name: str, namespace: str = "default") -> graphviz.Digraph:
    """The graphviz graph of Service ``name``: its slices, their endpoints' Pods grouped by node."""
    api = cluster.apiserver
    svc = api.get("services", name, namespace)
    spec = svc.get("spec") or {}
    slices = api.list("endpointslices", namespace,
                      label_selector=f"{SERVICE_NAME_LABEL}={name}")["items"]
    slices.sort(key=lambda s: s["metadata"]["name"])
    pods = {p["metadata"]["name"]: p for p in api.list("pods", namespace)["items"]}
    nodes = sorted(n["metadata"]["name"] for n in api.list("nodes")["items"])

    g = graphviz.Digraph("service_diagram")
    g.attr(rankdir="LR", fontname="Helvetica", fontsize="10", nodesep="0.12", ranksep="0.45",
           bgcolor="transparent", newrank="true")
    g.attr("node", fontname="Helvetica", fontsize="10", shape="box", style="rounded,filled",
           fillcolor="white", height="0.3", margin="0.06,0.03")
    g.attr("edge", fontname="Helvetica", fontsize="8", arrowsize="0.6")

    typ = spec.get("type", "ClusterIP")
    ip = spec.get("clusterIP") or "<none>"
    sel = ",".join(f"{k}={v}" for k, v in sorted((spec.get("selector") or {}).items())) or "<none>"
    lines = [f"svc/{name}", f"{typ} {ip}", _ports(spec), f"selector {sel}"]
    ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
    if typ == "LoadBalancer":
        lines.append("external " + (ingress[0].get("ip") or ingress[0].get("hostname", "")
                                    if ingress else "<pending>"))
    g.node("svc", "\\n".join(x for x in lines if x), fillcolor="#dde7f7", penwidth="1.5")

    by_node: dict[str, list[tuple[str, str, dict]]] = {}     # node -> [(slice id, pod name, conditions)]
    loose: list[tuple[str, dict]] = []                        # endpoints without a pod (hand-written)
    for s in slices:
        sid = _id("slice", s["metadata"]["name"])
        eps = s.get("endpoints") or []
        ports = ",".join(str(p.get("port")) for p in s.get("ports") or [])
        ports = f"port {ports}" if ports else "no ports"
        g.node(sid, f"EndpointSlice\\n{s['metadata']['name']}\\n{ports}, {len(eps)} endpoint{'' if len(eps) == 1 else 's'}",
               fillcolor="#eef3fb")
        g.edge("svc", sid, color="#4a6fa5", arrowhead="vee")
        for e in eps:
            ref = (e.get("targetRef") or {}).get("name")
            if ref in pods:
                node = (pods[ref].get("spec") or {}).get("nodeName") or e.get("nodeName") or ""
                by_node.setdefault(node, []).append((sid, ref, e.get("conditions") or {}))
            else:
                loose.append((sid, e))

    for node in nodes + sorted(n for n in by_node if n not in nodes):
        with g.subgraph(name=_id("cluster_node", node or "unscheduled")) as ng:
            label = node or "not scheduled"
            count = _proxy_count(cluster, node, svc) if node else None
            if count:
                label += f"\\n{count}"
            ng.attr(label=label, style="rounded,filled", fillcolor="#f7f7f7", color="#666666",
                    fontname="Helvetica", fontsize="9")
            entries = by_node.get(node, [])
            if not entries:
                ng.node(_id("empty", node), "no endpoints", shape="plaintext", style="")
            for sid, pod_name, cond in entries:
                pod = pods[pod_name]
                pid = _id("pod", pod_name)
                ip = (pod.get("status") or {}).get("podIP") or ""
                cat = pod_category(pod)
                ng.node(pid, f"{pod_name}\\n{ip}  {pod_status(pod)} {ready_count(pod)}",
                        fillcolor=POD_COLOURS[cat],
                        style="rounded,filled,dashed" if cat == "Terminating" else "rounded,filled",
                        tooltip=html.escape(f"pod {namespace}/{pod_name}"))
                state = endpoint_state(cond)
                attrs = _READY if state == "ready" else _TERMINATING if state.startswith("terminating") \
                    else _NOT_READY
                g.edge(sid, pid, label=state, arrowhead="vee", **attrs)
    for sid, e in loose:
        eid = _id("ep", sid, *(e.get("addresses") or ["?"]))
        g.node(eid, "endpoint\\n" + ",".join(e.get("addresses") or []), fillcolor="#ffffff")
        state = endpoint_state(e.get("conditions") or {})
        g.edge(sid, eid, label=state, arrowhead="vee", **(_READY if state == "ready" else _NOT_READY))
    return g


def service_diagram(cluster, name: str, namespace: str = "default", caption: str | None = None) -> Diagram:
    """Draw Service ``name`` as it is now: Service -> EndpointSlices -> Pods on their nodes.

    Edges are labelled with each endpoint's conditions: green *ready* (gets traffic), yellow dashed
    *not ready*, grey dotted *terminating*. Each node's box says how many endpoints its kube-proxy's
    rules use for the Service's first port.
    """
    return Diagram(build_service_graph(cluster, name, namespace),
                   caption if caption is not None else f"svc/{name} at T={cluster.now:g}s")
