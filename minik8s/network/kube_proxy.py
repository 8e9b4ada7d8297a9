"""kube-proxy: on every node, turn Service virtual IPs into real pod endpoints.

https://kubernetes.io/docs/reference/networking/virtual-ips/ -- kube-proxy runs on each node
(a DaemonSet in kubeadm clusters). It watches Services and EndpointSlices through the API
server and programs the node's packet filter so that a connection to ``clusterIP:port``
(or to ``<any node IP>:nodePort``, or to a load balancer IP) is DNATed to one *ready*
endpoint. It never sees the packets itself: once the rules are written, the kernel does the
work -- which is why a stopped kube-proxy leaves its node's rules frozen as they were.

Two modes (``--proxy-mode``):

* **iptables** (default): a ``KUBE-SVC-*`` chain per Service port jumps to one
  ``KUBE-SEP-*`` chain per endpoint; rule ``i`` of ``n`` matches with probability
  ``1/(n-i)`` (``-m statistic --mode random``), so each endpoint gets ``1/n`` of the
  connections. The randomness here comes from the cluster's seeded RNG.
* **ipvs**: a virtual server per Service port with real servers scheduled round-robin (``rr``).

Rules this module keeps, as upstream: only ready endpoints are used (or, if none is ready,
the serving-and-terminating ones); a Service port with no usable endpoint gets a ``REJECT``
rule (the client sees "connection refused"); ``sessionAffinity: ClientIP`` pins a client IP
to its endpoint for ``timeoutSeconds``; ``externalTrafficPolicy: Local`` (NodePort and load
balancer traffic) and ``internalTrafficPolicy: Local`` (cluster IP traffic) use only
endpoints on this node and drop the traffic when there are none.

:meth:`KubeProxy.iptables_save` prints the rules as ``iptables-save`` would.
"""

from __future__ import annotations

import base64
import hashlib

from ..component import Component
from ..runtime.network import NetNamespace
from . import params as P

REJECT_ADDRESS = "REJECT"        # where rejected packets go: a namespace with no listener -> RST
DROP_ADDRESS = "DROP"            # dropped packets: no namespace -> no answer (no route)


# --- pure helpers a chapter can show ---------------------------------------------------------------
def port_proto_hash(text: str, protocol: str) -> str:
    """portProtoHash: the first 16 base32 characters of sha256(text + protocol)."""
    digest = hashlib.sha256((text + protocol.lower()).encode()).digest()
    return base64.b32encode(digest).decode()[:16]


def service_port_name(namespace: str, name: str, port_name: str = "") -> str:
    """ServicePortName.String(): ``ns/name`` plus ``:port`` when the port is named."""
    return f"{namespace}/{name}" + (f":{port_name}" if port_name else "")


def svc_chain(spn: str, protocol: str) -> str:
    return "KUBE-SVC-" + port_proto_hash(spn, protocol)


def sep_chain(spn: str, protocol: str, endpoint: str) -> str:
    return "KUBE-SEP-" + port_proto_hash(spn + protocol.lower() + endpoint, "")


def iptables_probability(p: float) -> str:
    """How ``iptables-save`` prints ``--probability p``: the kernel keeps it as a 31-bit fraction."""
    return f"{round(p * 0x80000000) / 0x80000000:.11f}"


def iptables_pick(n: int, rng) -> int:
    """Walk a KUBE-SVC chain of ``n`` endpoints: rule ``i`` matches with probability ``1/(n-i)``;
    the last rule always matches. Each endpoint ends up with probability ``1/n``."""
    for i in range(n - 1):
        if rng.random() < 1.0 / (n - i):
            return i
    return n - 1


def usable_endpoints(endpoints: list[dict], node: str | None = None) -> list[dict]:
    """The endpoints traffic may go to: the ready ones; if none is ready, the serving terminating
    ones (https://kubernetes.io/docs/reference/networking/virtual-ips/#traffic-to-terminating-endpoints).
    ``node`` keeps only endpoints on that node (a ``Local`` traffic policy)."""
    if node is not None:
        endpoints = [e for e in endpoints if e.get("nodeName") == node]
    ready = [e for e in endpoints if e["ready"]]
    if ready:
        return ready
    return [e for e in endpoints if e["serving"] and e["terminating"]]


class ServicePortRule:
    """The compiled rules of one Service port on one node."""

    __slots__ = ("key", "spn", "protocol", "cluster_ip", "port", "node_port", "external_ips",
                 "endpoints", "cluster_eps", "external_eps", "affinity", "affinity_timeout",
                 "_rr", "_sticky", "external_local", "internal_local")

    def __init__(self, key, spn, protocol, cluster_ip, port, node_port, external_ips, endpoints,
                 affinity_timeout, node, external_local, internal_local):
        self.key = key
        self.spn = spn
        self.protocol = protocol
        self.cluster_ip = cluster_ip
        self.port = port
        self.node_port = node_port
        self.external_ips = external_ips
        self.endpoints = endpoints                     # every endpoint: {"ip", "port", "ready", ...}
        self.internal_local = internal_local
        self.external_local = external_local
        self.cluster_eps = usable_endpoints(endpoints, node if internal_local else None)
        self.external_eps = usable_endpoints(endpoints, node if external_local else None)
        self.affinity_timeout = affinity_timeout       # None: no session affinity
        self._rr = 0
        self._sticky: dict[str, tuple[str, float]] = {}


def compile_service(svc: dict, slices: list[dict], node: str) -> list[ServicePortRule]:
    """The rules for every port of ``svc`` given its EndpointSlices, as kube-proxy on ``node`` computes them."""
    spec = svc.get("spec") or {}
    md = svc["metadata"]
    ns, name = md.get("namespace", "default"), md["name"]
    if spec.get("type") == "ExternalName" or spec.get("clusterIP") in (None, "", "None"):
        return []                                     # headless and ExternalName: DNS only, no rules
    affinity = None
    if spec.get("sessionAffinity") == "ClientIP":
        affinity = ((spec.get("sessionAffinityConfig") or {}).get("clientIP") or {}).get(
            "timeoutSeconds", P.DEFAULT_CLIENT_IP_TIMEOUT)
    external_ips = list(spec.get("externalIPs") or [])
    for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
        if ing.get("ip"):
            external_ips.append(ing["ip"])
    out = []
    for p in spec.get("ports") or []:
        pname, proto = p.get("name") or "", p.get("protocol") or "TCP"
        eps, seen = [], set()
        for es in slices:
            for sp in es.get("ports") or []:
                if (sp.get("name") or "") != pname or (sp.get("protocol") or "TCP") != proto:
                    continue
                for e in es.get("endpoints") or []:
                    cond = e.get("conditions") or {}
                    for addr in (e.get("addresses") or [])[:1]:
                        ident = f"{addr}:{sp['port']}"
                        if ident in seen:
                            continue
                        seen.add(ident)
                        ready = cond.get("ready") is not False
                        eps.append({"ip": addr, "port": sp["port"], "id": ident, "nodeName": e.get("nodeName"),
                                    "ready": ready, "serving": cond.get("serving", ready) is not False,
                                    "terminating": bool(cond.get("terminating"))})
        eps.sort(key=lambda e: e["id"])
        out.append(ServicePortRule(
            f"{ns}/{name}", service_port_name(ns, name, pname), proto, spec["clusterIP"], p["port"],
            p.get("nodePort"), external_ips, eps, affinity, node,
            spec.get("externalTrafficPolicy") == "Local", spec.get("internalTrafficPolicy") == "Local"))
    return out


class KubeProxy(Component):
    """kube-proxy on one node: Services + EndpointSlices -> this node's DNAT rules."""

    name = "kube-proxy"

    def __init__(self, ctx, node_name: str, node_ip: str, runtime=None, mode: str = P.KUBE_PROXY_MODE):
        super().__init__(ctx, host=node_name)
        if mode not in ("iptables", "ipvs"):
            raise ValueError(f'invalid proxy mode "{mode}": must be "iptables" or "ipvs"')
        self.node_name = node_name
        self.node_ip = node_ip
        self.runtime = runtime
        self.mode = mode
        self.rules: dict[str, list[ServicePortRule]] = {}   # service key -> its compiled rules
        self.cluster: dict[tuple[str, int], ServicePortRule] = {}   # (clusterIP, port) -> rule
        self.node_ports: dict[int, ServicePortRule] = {}           # nodePort -> rule
        self.external: dict[tuple[str, int], ServicePortRule] = {}  # (external/LB IP, port) -> rule
        self._slices_of: dict[str, set[str]] = {}          # service key -> slice keys
        self._dirty: set[str] = set()
        self._sync_pending = False
        self._last_sync: float | None = None
        self.syncs = 0
        Router.install(ctx.network).add(self)

    def setup(self):
        self._sync_pending = False
        self.services = self.informer("services", self.on_service)
        self.slices = self.informer("endpointslices", self.on_slice)

    def request_sync(self) -> None:
        """Sync now, or -- within ``minSyncPeriod`` (1 s) of the last sync -- once that period is over,
        covering every change seen meanwhile (kube-proxy's BoundedFrequencyRunner)."""
        if self._sync_pending:
            return
        self._sync_pending = True
        last = self._last_sync
        # one key per node, so a trace (and a stepper) tells the nodes' kube-proxies apart
        self.queue.add_after(self.node_name, 0.0 if last is None else last + P.KUBE_PROXY_MIN_SYNC_PERIOD - self.clock.now)

    # --- watch handlers: note what changed, sync once ---------------------------------------------
    def on_service(self, typ, svc, old):
        self._dirty.add(f"{svc['metadata'].get('namespace')}/{svc['metadata']['name']}")
        self.request_sync()

    def on_slice(self, typ, es, old):
        ns = es["metadata"].get("namespace")
        key = f"{ns}/{es['metadata']['name']}"
        for obj in (old, es):
            name = ((obj or {}).get("metadata", {}).get("labels") or {}).get("kubernetes.io/service-name")
            if name:
                svc_key = f"{ns}/{name}"
                if typ == "DELETED" or obj is old:
                    self._slices_of.get(svc_key, set()).discard(key)
                if typ != "DELETED" and obj is es:
                    self._slices_of.setdefault(svc_key, set()).add(key)
                self._dirty.add(svc_key)
        self.request_sync()

    def reconcile(self, key):
        self._sync_pending, self._last_sync = False, self.clock.now
        dirty, self._dirty = sorted(self._dirty), set()
        self.observe(f"{len(dirty)} services changed")
        for svc_key in dirty:
            self.sync_service(svc_key)
        self.syncs += 1
        return None

    def sync_service(self, svc_key: str) -> None:
        """syncProxyRules for one Service (a partial sync, as the iptables proxier does since v1.28)."""
        for rule in self.rules.pop(svc_key, []):
            self._unindex(rule)
        svc = self.services.get(svc_key)
        if svc is None:
            return
        slices = [self.slices.get(k) for k in sorted(self._slices_of.get(svc_key, ()))]
        rules = compile_service(svc, [s for s in slices if s is not None], self.node_name)
        if rules:
            self.rules[svc_key] = rules
            for rule in rules:
                self._index(rule)
            self.diff(f"{svc_key}: " + "; ".join(
                f"{r.cluster_ip}:{r.port} -> {len(r.cluster_eps)} of {len(r.endpoints)} endpoints"
                + (": " + ", ".join(e["id"] for e in r.cluster_eps) if r.cluster_eps else ": REJECT")
                for r in rules))

    def full_sync(self) -> None:
        """Recompute every rule from the informers' caches (what a restart or a full resync does)."""
        self._dirty = {f"{s['metadata'].get('namespace')}/{s['metadata']['name']}" for s in self.services.list()}
        self._dirty |= set(self.rules)
        self.reconcile(self.node_name)

    def _index(self, rule):
        if rule.protocol != "TCP":
            return
        self.cluster[(rule.cluster_ip, rule.port)] = rule
        if rule.node_port:
            self.node_ports[rule.node_port] = rule
        for ip in rule.external_ips:
            self.external[(ip, rule.port)] = rule

    def _unindex(self, rule):
        if self.cluster.get((rule.cluster_ip, rule.port)) is rule:
            del self.cluster[(rule.cluster_ip, rule.port)]
        if rule.node_port and self.node_ports.get(rule.node_port) is rule:
            del self.node_ports[rule.node_port]
        for ip in rule.external_ips:
            if self.external.get((ip, rule.port)) is rule:
                del self.external[(ip, rule.port)]

    # --- the data path (what the kernel does with the rules) --------------------------------------
    def choose(self, rule: ServicePortRule, client_ip: str, external: bool = False) -> dict | None:
        """The endpoint a new connection from ``client_ip`` goes to, or None (rejected/dropped)."""
        eps = rule.external_eps if external else rule.cluster_eps
        if not eps:
            return None
        now = self.clock.now
        if rule.affinity_timeout is not None:
            hit = rule._sticky.get(client_ip)
            if hit is not None and now - hit[1] <= rule.affinity_timeout:
                for e in eps:
                    if e["id"] == hit[0]:
                        rule._sticky[client_ip] = (e["id"], now)
                        return e
        if self.mode == "ipvs":
            ep = eps[rule._rr % len(eps)]
            rule._rr += 1
        else:
            ep = eps[iptables_pick(len(eps), self.rng)]
        if rule.affinity_timeout is not None:
            rule._sticky[client_ip] = (ep["id"], now)
        return ep

    def dnat(self, ip: str, port: int, client_ip: str, node_port: bool = False):
        """Where this node's rules send a TCP connection to ``ip:port``: (ip, port), REJECT/DROP, or None."""
        if node_port:
            rule = self.node_ports.get(port)
            if rule is None:
                return REJECT_ADDRESS, port           # nothing listens on the node's port
            external = True
        else:
            rule = self.cluster.get((ip, port))
            external = False
            if rule is None:
                rule = self.external.get((ip, port))
                external = rule is not None
            if rule is None:
                return None
        ep = self.choose(rule, client_ip, external)
        if ep is None:
            local = rule.external_local if external else rule.internal_local
            if local and rule.endpoints:
                return DROP_ADDRESS, port             # Local policy, no local endpoint: dropped
            return REJECT_ADDRESS, port               # no endpoints: REJECT (icmp-port-unreachable)
        return ep["ip"], ep["port"]

    # --- reading the rules -------------------------------------------------------------------------
    def iptables_save(self, table: str = "nat") -> str:
        """The rules as ``iptables-save -t nat`` (or ``-t filter``) prints them on this node."""
        rules = [r for key in sorted(self.rules) for r in self.rules[key]]
        if self.mode == "ipvs":
            return self.ipvsadm()
        lines = [f"*{table}"]
        if table == "filter":
            lines += [":KUBE-SERVICES - [0:0]", ":KUBE-EXTERNAL-SERVICES - [0:0]"]
            for r in rules:
                if not r.cluster_eps:
                    lines.append(f"-A KUBE-SERVICES -d {r.cluster_ip}/32 -p {r.protocol.lower()} -m comment "
                                 f'--comment "{r.spn} has no endpoints" -m {r.protocol.lower()} --dport {r.port} '
                                 "-j REJECT --reject-with icmp-port-unreachable")
                if r.node_port and not r.external_eps:
                    lines.append(f"-A KUBE-EXTERNAL-SERVICES -p {r.protocol.lower()} -m comment "
                                 f'--comment "{r.spn} has no endpoints" -m addrtype --dst-type LOCAL '
                                 f"-m {r.protocol.lower()} --dport {r.node_port} "
                                 "-j REJECT --reject-with icmp-port-unreachable")
            lines.append("COMMIT")
            return "\n".join(lines) + "\n"
        chains = [":KUBE-SERVICES - [0:0]", ":KUBE-NODEPORTS - [0:0]", ":KUBE-MARK-MASQ - [0:0]",
                  ":KUBE-POSTROUTING - [0:0]"]
        body = []
        for r in rules:
            proto = r.protocol.lower()
            svc = svc_chain(r.spn, r.protocol)
            if not r.cluster_eps:
                continue                              # REJECTed in the filter table
            chains.append(f":{svc} - [0:0]")
            body.append(f"-A KUBE-SERVICES -d {r.cluster_ip}/32 -p {proto} -m comment --comment "
                        f'"{r.spn} cluster IP" -m {proto} --dport {r.port} -j {svc}')
            if r.external_ips or r.node_port:          # external traffic goes through a KUBE-EXT chain
                ext = "KUBE-EXT-" + port_proto_hash(r.spn, r.protocol)
                chains.append(f":{ext} - [0:0]")
                for ip in r.external_ips:
                    body.append(f"-A KUBE-SERVICES -d {ip}/32 -p {proto} -m comment --comment "
                                f'"{r.spn} loadbalancer IP" -m {proto} --dport {r.port} -j {ext}')
                if r.node_port:
                    body.append(f"-A KUBE-NODEPORTS -p {proto} -m comment --comment \"{r.spn}\" -m {proto} "
                                f"--dport {r.node_port} -j {ext}")
                body.append(f"-A {ext} -m comment --comment \"masquerade traffic for {r.spn} external "
                            f"destinations\" -j KUBE-MARK-MASQ")
                body.append(f"-A {ext} -j {svc}")
            body.append(f"-A {svc} ! -s {P.CLUSTER_CIDR} -d {r.cluster_ip}/32 -p {proto} -m comment --comment "
                        f'"{r.spn} cluster IP" -m {proto} --dport {r.port} -j KUBE-MARK-MASQ')
            n = len(r.cluster_eps)
            if r.affinity_timeout is not None:       # sticky clients first: -m recent --rcheck
                for e in r.cluster_eps:
                    sep = sep_chain(r.spn, r.protocol, e["id"])
                    body.append(f"-A {svc} -m comment --comment \"{r.spn} -> {e['id']}\" -m recent --rcheck "
                                f"--seconds {r.affinity_timeout} --reap --name {sep} --mask 255.255.255.255 "
                                f"--rsource -j {sep}")
            for i, e in enumerate(r.cluster_eps):
                sep = sep_chain(r.spn, r.protocol, e["id"])
                chains.append(f":{sep} - [0:0]")
                stat = ""
                if i < n - 1:
                    stat = f" -m statistic --mode random --probability {iptables_probability(1.0 / (n - i))}"
                body.append(f"-A {svc} -m comment --comment \"{r.spn} -> {e['id']}\"{stat} -j {sep}")
            for e in r.cluster_eps:
                sep = sep_chain(r.spn, r.protocol, e["id"])
                body.append(f"-A {sep} -s {e['ip']}/32 -m comment --comment \"{r.spn}\" -j KUBE-MARK-MASQ")
                recent = f" -m recent --set --name {sep} --mask 255.255.255.255 --rsource" \
                    if r.affinity_timeout is not None else ""
                body.append(f"-A {sep} -p {proto} -m comment --comment \"{r.spn}\"{recent} -m {proto} "
                            f"-j DNAT --to-destination {e['id']}")
        body.append('-A KUBE-SERVICES -m comment --comment "kubernetes service nodeports; NOTE: this must be '
                    'the last rule in this chain" -m addrtype --dst-type LOCAL -j KUBE-NODEPORTS')
        return "\n".join(lines + chains + body + ["COMMIT"]) + "\n"

    def ipvsadm(self) -> str:
        """The virtual servers as ``ipvsadm -Ln`` prints them (ipvs mode)."""
        lines = ["IP Virtual Server version 1.2.1 (size=4096)", "Prot LocalAddress:Port Scheduler Flags",
                 "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn"]
        rules = [r for key in sorted(self.rules) for r in self.rules[key]]
        vips = []
        for r in rules:
            vips.append((r.cluster_ip, r.port, r))
            if r.node_port:
                vips.append((self.node_ip, r.node_port, r))
        for ip, port, r in vips:
            flags = f" persistent {r.affinity_timeout}" if r.affinity_timeout is not None else ""
            lines.append(f"{r.protocol}  {ip}:{port} rr{flags}")
            for e in r.cluster_eps:
                lines.append(f"  -> {e['id']:<28} Masq    1      0          0")
        return "\n".join(lines) + "\n"


class Router:
    """The kernels of all nodes as the wire sees them: sends each connection through the right node's rules.

    A connection from a pod goes through the rules of the pod's node; one to ``<node IP>:<nodePort>``
    through that node's rules; one from outside the cluster (``src`` None) to a Service or load
    balancer IP through the first node's. Installed once per cluster in ``PodNetwork.dnat``.
    """

    def __init__(self, network):
        self.network = network
        self.proxies: dict[str, KubeProxy] = {}       # node name -> kube-proxy
        self.by_ip: dict[str, KubeProxy] = {}         # node IP -> kube-proxy
        self._node_of_sandbox: dict[str, str] = {}
        network.attach(REJECT_ADDRESS, NetNamespace(REJECT_ADDRESS))   # nothing listens: RST

    @classmethod
    def install(cls, network) -> "Router":
        router = getattr(network, "service_router", None)
        if router is None:
            router = network.service_router = cls(network)
            network.dnat.append(router.rewrite)
        return router

    def add(self, proxy: KubeProxy) -> None:
        self.proxies[proxy.node_name] = proxy
        self.by_ip[proxy.node_ip] = proxy

    def proxy_for(self, src) -> KubeProxy | None:
        if src is not None:
            sid = getattr(src, "id", None)
            for name in sorted(self.proxies):
                rt = self.proxies[name].runtime
                if rt is not None and sid in getattr(rt, "sandboxes", {}):
                    return self.proxies[name]
        return self.proxies[min(self.proxies)] if self.proxies else None

    def rewrite(self, ip: str, port: int, src):
        node_proxy = self.by_ip.get(ip)
        client_ip = getattr(src, "ip", None) or ""
        if node_proxy is not None:
            if port not in node_proxy.node_ports and self.network.lookup(ip) is not None:
                return None                            # a hostNetwork pod's own port on the node IP
            return node_proxy.dnat(ip, port, client_ip or node_proxy.node_ip, node_port=True)
        proxy = self.proxy_for(src)
        if proxy is None:
            return None
        return proxy.dnat(ip, port, client_ip or proxy.node_ip)


def node_network(ctx, kubelet, mode: str = P.KUBE_PROXY_MODE) -> KubeProxy:
    """Set up a node's Service networking: its kube-proxy, and the network applets (nslookup, wget,
    nc) plus the resolv.conf/CoreDNS resolver in its container runtime."""
    from . import tools
    tools.install(kubelet.runtime)
    return KubeProxy(ctx, kubelet.node_name, kubelet.node_ip, kubelet.runtime, mode)
