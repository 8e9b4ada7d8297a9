"""Pictures of cluster DNS: who answers a Pod's lookups, and one lookup walking the search list.

A Pod's C library reads ``/etc/resolv.conf`` (written by the kubelet from the Pod's ``dnsPolicy``)
and sends its questions to the ``nameserver`` there: for ``ClusterFirst`` the ``kube-dns``
Service's IP, behind which CoreDNS answers from the Services and EndpointSlices it watches
(https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/).

* :func:`dns_diagram` draws that path from the live cluster: the client Pod and its resolv.conf,
  the ``kube-dns`` Service, CoreDNS with its plugins, and the records CoreDNS holds for each
  Service (asked of CoreDNS itself, so the picture is what it would answer now);
* :class:`LookupStepper` resolves one name from one Pod, as the Pod would, and shows each query
  of the search list as a frame: the name asked, who answered and what. Its frames sit in an
  ipywidgets ``Stack`` stepped by a slider and prev/next buttons tied together with ``jslink``,
  so it steps in a static page too (like :class:`minik8s.viz.Stepper`).
"""

from __future__ import annotations

import html

import graphviz

from ..net.coredns import NOERROR, dns_servers
from ..net.resolver import ResolvConf, resolve, search_candidates
from ..notebook.net import pod_sandbox
from ..params import NODE_RESOLVER_IP
from .diagram import POD_COLOURS, Diagram, pod_category
from .stepper import frames_widget

SYSTEM_NAMESPACES = ("kube-system", "kube-public", "kube-node-lease")


def _esc(s) -> str:
    return html.escape(str(s), quote=True)


def pod_resolv_conf(cluster, pod: str, namespace: str = "default") -> str:
    """The /etc/resolv.conf the kubelet wrote into ``pod``'s sandbox."""
    return pod_sandbox(cluster, pod, namespace).etc_resolv.data


def service_records(coredns, svc: dict, domain: str) -> list[tuple[str, str, str]]:
    """(name, type, data) of the records CoreDNS serves for ``svc`` now (A or CNAME for the
    Service, A per named endpoint of a headless Service, SRV per named port), read with
    ``coredns.lookup`` (no cache, no query counted)."""
    md, spec = svc["metadata"], svc.get("spec") or {}
    base = f"{md['name']}.{md.get('namespace', 'default')}.svc.{domain}"
    out = []
    for rec in coredns.lookup(base, "A").records:
        if rec.type == "CNAME" or rec.name.rstrip(".") == base:
            out.append((rec.name.rstrip("."), rec.type, rec.data.rstrip(".")))
    if spec.get("clusterIP") == "None":
        for ip, ep, _ports in coredns.endpoints(md.get("namespace", "default"), md["name"]):
            if ep.get("hostname"):
                out.append((f"{ep['hostname']}.{base}", "A", ip))
    for p in spec.get("ports") or []:
        if p.get("name"):
            srv = f"_{p['name']}._{(p.get('protocol') or 'TCP').lower()}.{base}"
            for rec in coredns.lookup(srv, "SRV").records:
                out.append((srv, "SRV", rec.data.rstrip(".")))
    return out


def _short(name: str, domain: str) -> str:
    return name[:-len(domain) - 1] + ".…" if name.endswith("." + domain) else name


def dns_diagram(cluster, from_pod: str | None = None, namespace: str = "default", *,
                services: list[str] | None = None, max_records: int = 4, caption: str | None = None) -> Diagram:
    """Draw how ``from_pod`` (a Pod in ``namespace``) reaches CoreDNS and which records it holds.

    ``services`` lists ``"ns/name"`` keys to show (default: every Service outside the system
    namespaces, but ``default/kubernetes``); each shows at most ``max_records`` records, names
    shortened after ``svc``. A stopped CoreDNS is drawn dashed."""
    coredns = cluster.component("coredns")
    domain = coredns.domain
    running = coredns.ip in dns_servers(cluster.network) and dns_servers(cluster.network)[coredns.ip] is coredns
    g = graphviz.Digraph("dns")
    g.attr(rankdir="TB", nodesep="0.3", ranksep="0.3", fontname="Helvetica", fontsize="10")
    g.attr("node", fontname="Helvetica", fontsize="10", shape="box", style="rounded,filled", fillcolor="#ffffff")
    g.attr("edge", fontname="Helvetica", fontsize="9", color="#555555")
    if from_pod is not None:
        pod = cluster.get("pod", from_pod, namespace)
        conf = ResolvConf(pod_resolv_conf(cluster, from_pod, namespace))
        search = "<BR/>".join(_esc(s) for s in conf.search) or "(none)"
        label = (f'<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0"><TR><TD><B>pod {_esc(from_pod)}</B></TD></TR>'
                 f'<TR><TD><FONT POINT-SIZE="8">ns {_esc(namespace)} · dnsPolicy '
                 f'{_esc((pod.get("spec") or {}).get("dnsPolicy", "ClusterFirst"))}</FONT></TD></TR>'
                 f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8" FACE="Courier">nameserver '
                 f'{_esc(" ".join(conf.nameservers))}<BR/>search {search}<BR/>ndots:{conf.ndots}</FONT></TD></TR></TABLE>>')
        g.node("client", label, fillcolor=POD_COLOURS[pod_category(pod)])
    svc_label = (f'kube-dns Service\\nkube-system\\n{coredns.ip}:53')
    g.node("kubedns", svc_label, fillcolor="#e8f0fe")
    plugins = (f'<<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0" CELLPADDING="3">'
               f'<TR><TD><B>CoreDNS</B>{"" if running else " (stopped)"}</TD></TR>'
               f'<TR><TD PORT="k" ALIGN="LEFT">kubernetes {_esc(domain)}</TD></TR>'
               f'<TR><TD PORT="f" ALIGN="LEFT">forward . /etc/resolv.conf</TD></TR>'
               f'<TR><TD ALIGN="LEFT">cache {coredns.cache_seconds} (not {_esc(domain)})</TD></TR></TABLE>>')
    g.node("coredns", plugins, shape="plain" if running else "box",
           style="" if running else "dashed", fillcolor="#dde7f7")
    if from_pod is not None:
        g.edge("client", "kubedns", label="UDP 53")
    g.edge("kubedns", "coredns", style="solid" if running else "dashed")
    g.node("upstream", f"upstream DNS\\n{NODE_RESOLVER_IP}\\n(the nodes' resolver)",
           fillcolor="#f4f4f4")
    g.edge("coredns:f", "upstream", label="other names")
    svcs = sorted(cluster.list("services", namespace=None),
                  key=lambda s: (s["metadata"].get("namespace", ""), s["metadata"]["name"]))
    rows = []
    for svc in svcs:
        md = svc["metadata"]
        key = f"{md.get('namespace')}/{md['name']}"
        if services is not None and key not in services:
            continue
        if services is None and (md.get("namespace") in SYSTEM_NAMESPACES or key == "default/kubernetes"):
            continue
        recs = service_records(coredns, svc, domain)
        rows.append(f'<TR><TD ALIGN="LEFT" BGCOLOR="#fff1c1"><B>{_esc(key)}</B> '
                    f'<FONT POINT-SIZE="8">({_esc(_kind(svc))})</FONT></TD></TR>')
        for name, typ, data in recs[:max_records]:
            rows.append(f'<TR><TD ALIGN="LEFT"><FONT FACE="Courier" POINT-SIZE="8">{_esc(_short(name, domain))} '
                        f'{typ} {_esc(_short(data, domain))}</FONT></TD></TR>')
        if not recs:
            rows.append('<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8">no record: NXDOMAIN</FONT></TD></TR>')
        elif len(recs) > max_records:
            rows.append(f'<TR><TD ALIGN="LEFT"><FONT POINT-SIZE="8">… {len(recs) - max_records} more</FONT></TD></TR>')
    if rows:
        g.node("records", '<<TABLE BORDER="0" CELLBORDER="0" CELLSPACING="0" CELLPADDING="2">'
               f'<TR><TD><B>records in zone {_esc(domain)}</B></TD></TR>' + "".join(rows) + "</TABLE>>",
               fillcolor="#fff8e1")
        g.edge("coredns:k", "records", label="from Services and EndpointSlices")
    return Diagram(g, caption if caption is not None else f"T={cluster.now:g}s")


def _kind(svc: dict) -> str:
    spec = svc.get("spec") or {}
    if spec.get("type") == "ExternalName":
        return "ExternalName"
    if spec.get("clusterIP") == "None":
        return "headless"
    return spec.get("type") or "ClusterIP"


# --- one lookup, step by step ---------------------------------------------------------------------

class _Recorder:
    """Stands in front of a DNS server for one lookup and notes every question and answer."""

    def __init__(self, ip: str, server, log: list):
        self.ip, self.server, self.log = ip, server, log

    def query(self, name: str, qtype: str = "A"):
        cached = _in_cache(self.server, name, qtype)
        answer = self.server.query(name, qtype)
        self.log.append((self.ip, name, answer, cached))
        return answer


def _in_cache(server, name: str, qtype: str) -> bool:
    """Whether CoreDNS's cache plugin holds an unexpired answer for the question."""
    hit = (getattr(server, "_cache", None) or {}).get((name.rstrip(".").lower(), qtype))
    return hit is not None and hit[0] > server.clock.now


def _who(name: str, domain: str) -> str:
    host = name.rstrip(".")
    if host == domain or host.endswith("." + domain) or host.endswith(".in-addr.arpa"):
        return f"kubernetes plugin (zone {domain})"
    return "forward plugin → upstream resolver"


def _verdict(answer, qtype: str) -> str:
    if answer is None:
        return "no answer (timed out)"
    if answer.rcode == NOERROR and answer.records:
        return "NOERROR: " + ", ".join(f"{r.type} {r.data.rstrip('.')}" for r in answer.records)
    if answer.rcode == NOERROR:
        return f"NOERROR, but no {qtype} record: go on"
    return answer.rcode


class LookupStepper:
    """Resolve ``name`` from Pod ``from_pod`` as its C library would, recording each query.

        s = LookupStepper(c, "web", "client")
        s                 # the widget: one frame per query, then the outcome
        s.resolution      # the minik8s.net.resolver.Resolution
        s.queries         # [(server ip, name asked, Answer or None)]
    """

    def __init__(self, cluster, name: str, from_pod: str, namespace: str = "default", qtype: str = "A",
                 title: str | None = None):
        self.cluster, self.name, self.pod, self.namespace, self.qtype = cluster, name, from_pod, namespace, qtype
        sb = pod_sandbox(cluster, from_pod, namespace)
        self.resolv_conf = sb.etc_resolv.data
        self.conf = ResolvConf(self.resolv_conf)
        self.candidates = search_candidates(name, self.conf.search, self.conf.ndots)
        self._cached: dict[str, bool] = {}
        servers = dns_servers(cluster.network)
        saved = dict(servers)
        log: list = []
        recorders = {ip: _Recorder(ip, s, log) for ip, s in saved.items()}
        servers.update(recorders)
        try:
            self.resolution = resolve(cluster.network, self.resolv_conf, name, qtype, hosts=sb.etc_hosts.data)
        finally:
            servers.clear()
            servers.update(saved)
        by_name = {}
        for ip, asked, answer, cached in log:
            by_name.setdefault(asked, (ip, asked, answer))
            self._cached[asked] = cached
        self.queries = [by_name.get(t, (self.conf.nameservers[0] if self.conf.nameservers else "", t, None))
                        for t in self.resolution.tried]
        self.title = title or f"nslookup {name} from pod {from_pod} (namespace {namespace})"
        self._widget = None

    # --- the frames ---------------------------------------------------------------------------
    def rule(self) -> str:
        """Why the candidates come in this order, in one sentence."""
        dots = self.name.count(".")
        if self.name.endswith("."):
            return f"“{self.name}” ends with a dot: it is absolute, asked as it is and nothing else."
        if dots >= self.conf.ndots:
            return (f"“{self.name}” has {dots} dot{'s' * (dots != 1)}, at least ndots:{self.conf.ndots}: "
                    f"asked as it is first, then with each search domain.")
        return (f"“{self.name}” has {dots} dot{'s' * (dots != 1)}, fewer than ndots:{self.conf.ndots}: "
                f"each search domain is tried first, the name as it is last.")

    def __len__(self) -> int:
        return len(self.queries) + 2

    def _table(self, upto: int) -> str:
        """The candidates; the first ``upto`` have been asked (the last of them highlighted)."""
        domain = self.cluster.component("coredns").domain
        rows = ['<table style="border-collapse:collapse;font-size:0.9em">'
                '<tr style="text-align:left"><th style="padding:0 8px 0 0">#</th><th style="padding:0 8px 0 0">'
                'name asked</th><th style="padding:0 8px 0 0">answered by</th><th>answer</th></tr>']
        for i, cand in enumerate(self.candidates):
            if i < upto and i < len(self.queries):
                ip, _asked, answer = self.queries[i]
                who = _who(cand, domain) if answer is not None else f"nobody at {ip}"
                if answer is not None and self._cached.get(cand):
                    who = "cache plugin (kept from an earlier query)"
                verdict = _verdict(answer, self.qtype)
                mark = ' style="background:#fff3bf"' if i == upto - 1 else ""
                colour = "#1e7b34" if answer is not None and answer.rcode == NOERROR and answer.records else "#b03a2e"
            else:
                asked = i < len(self.queries)
                who, verdict, mark = "", ("not asked yet" if asked else "never asked"), ""
                colour = "#999999"
            rows.append(f'<tr{mark}><td style="padding:0 8px 0 0">{i + 1}</td>'
                        f'<td style="padding:0 8px 0 0"><code>{_esc(cand)}</code></td>'
                        f'<td style="padding:0 8px 0 0">{_esc(who)}</td>'
                        f'<td style="color:{colour}">{_esc(verdict)}</td></tr>')
        rows.append("</table>")
        return "".join(rows)

    def frame_html(self, i: int) -> str:
        parts = ['<div style="font-size:0.85em;line-height:1.35">']
        if i == 0:
            conf = _esc(self.resolv_conf.strip()).replace("\n", "<br>")
            parts.append(f'<div><b>{_esc(self.pod)}</b>’s <code>/etc/resolv.conf</code>:</div>'
                         f'<pre style="margin:0.2em 0 0.4em 0">{conf}</pre>'
                         f'<div style="margin-bottom:0.4em">{_esc(self.rule())}</div>')
        elif i <= len(self.queries):
            ip, asked, answer = self.queries[i - 1]
            parts.append(f'<div style="margin-bottom:0.4em">query {i} of at most {len(self.candidates)}: '
                         f'<code>{_esc(asked)}</code> {self.qtype} → {ip}:53 → '
                         f'<b>{_esc(_verdict(answer, self.qtype))}</b></div>')
        else:
            r = self.resolution
            if r.ok:
                out = (f"resolved to {', '.join(r.ips)} as <code>{_esc(r.canonical)}</code> after "
                       f"{r.queries} quer{'y' if r.queries == 1 else 'ies'}")
            elif r.timed_out:
                out = (f"failed: no server answered; the lookup waited {r.delay:g} s "
                       f"(timeout:{self.conf.timeout} × attempts:{self.conf.attempts}) and gave up")
            else:
                out = f"failed: every name was NXDOMAIN (or had no {self.qtype} record) after {r.queries} queries"
            parts.append(f'<div style="margin-bottom:0.4em"><b>outcome</b>: {out}</div>')
        parts.append(self._table(min(i, len(self.queries))))
        parts.append("</div>")
        return "".join(parts)

    def text(self) -> str:
        """The queries as plain text, one line each."""
        return "\n".join(f"{n}. {asked} -> {_verdict(answer, self.qtype)}"
                         for n, (_ip, asked, answer) in enumerate(self.queries, 1))

    # --- the widget ---------------------------------------------------------------------------
    def widget(self):
        if self._widget is None:
            header = f"<b>{html.escape(self.title)}</b> ({len(self)} frames)"
            self._widget = frames_widget(header, [self.frame_html(i) for i in range(len(self))])
        return self._widget

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<LookupStepper {self.name}: {len(self.queries)} queries>"


__all__ = ["LookupStepper", "dns_diagram", "pod_resolv_conf", "service_records"]
