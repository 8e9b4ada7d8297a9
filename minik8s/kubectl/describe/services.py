"""``kubectl describe`` for Service, EndpointSlice and Endpoints.
"""

from __future__ import annotations

from ...api.labels import format_labels
from .writer import PrefixWriter, annotations_multiline, describe_events, go_bool, labels_multiline


def format_endpoint_slices(slices: list[dict], port_name: str | None) -> str:
    """formatEndpointSlices: up to three ready ``ip:port`` then ``+ N more...``."""
    if not slices:
        return "<none>"
    out: list[str] = []
    more = False
    count = 0
    for s in slices:
        eps = s.get("endpoints") or []
        if not s.get("ports"):
            for e in eps:
                if len(out) == 3:
                    more = True
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    out.append(e["addresses"][0])
                count += 1
            continue
        for p in s["ports"]:
            if port_name is not None and (p.get("name") or "") != port_name:
                continue
            for e in eps:
                if len(out) == 3:
                    more = True
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    addr = e["addresses"][0]
                    host = f"[{addr}]" if ":" in addr else addr
                    out.append(f"{host}:{p.get('port')}")
                count += 1
    ret = ",".join(out)
    if more:
        return f"{ret} + {count - 3} more..."
    return ret


def describe_service(svc: dict, slices: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = svc["metadata"], svc.get("spec") or {}, svc.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    fams = spec.get("ipFamilies") or []
    w.write(0, f"IP Families:\t{','.join(fams) if fams else '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    ips = spec.get("clusterIPs") or []
    w.write(0, f"IPs:\t{','.join(ips) if ips else '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (st.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        parts = []
        for i in ingress:
            if i.get("ip"):
                parts.append(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
            else:
                parts.append(i.get("hostname", ""))
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', p.get('port'))}/{proto}\n")
        if p.get("appProtocol"):
            w.write(0, f"AppProtocol:\t{p['appProtocol']}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, p.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    describe_events(events, w, now)
    return w.text()


def describe_endpointslice(eps: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = eps["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    if not eps.get("ports"):
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in eps["ports"]:
            w.write(1, f"{p.get('name') or '<unset>'}\t{p.get('port', '<unset>')}\t{p.get('protocol', 'TCP')}\n")
    if not eps.get("endpoints"):
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for e in eps["endpoints"]:
            w.write(1, f"- Addresses:\t{', '.join(e.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (e.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else go_bool(ready)}\n")
            w.write(2, f"Hostname:\t{e.get('hostname') or '<unset>'}\n")
            if e.get("targetRef"):
                w.write(2, f"TargetRef:\t{e['targetRef'].get('kind')}/{e['targetRef'].get('name')}\n")
            w.write(2, f"NodeName:\t{e.get('nodeName') or '<unset>'}\n")
            w.write(2, f"Zone:\t{e.get('zone') or '<unset>'}\n")
    describe_events(events, w, now)
    return w.text()


def describe_endpoints(ep: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = ep["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, "Subsets:\n")
    for s in ep.get("subsets") or []:
        w.write(1, f"Addresses:\t{','.join(a['ip'] for a in s.get('addresses') or []) or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{','.join(a['ip'] for a in s.get('notReadyAddresses') or []) or '<none>'}\n")
        if s.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in s["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        w.write(0, "\n")
    describe_events(events, w, now)
    return w.text()
