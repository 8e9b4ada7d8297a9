"""CoreDNS: the cluster's DNS server, answering for the ``cluster.local`` zone.

https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/ and the
Kubernetes DNS-Based Service Discovery specification
(https://github.com/kubernetes/dns/blob/master/docs/specification.md). kubeadm runs CoreDNS
behind the ``kube-system/kube-dns`` Service (10.96.0.10) with this Corefile::

    .:53 {
        kubernetes cluster.local in-addr.arpa ip6.arpa { pods insecure; fallthrough in-addr.arpa ip6.arpa; ttl 30 }
        forward . /etc/resolv.conf
        cache 30 { disable success cluster.local; disable denial cluster.local }
    }

(kubeadm's Corefile since v1.32, kubernetes/kubernetes#128359: the cache plugin keeps answers from
``forward``, never the ``kubernetes`` plugin's, which are always as fresh as its watch.)

Its ``kubernetes`` plugin watches Services and EndpointSlices and answers:

* ``<svc>.<ns>.svc.cluster.local`` A -> the ClusterIP; for a headless Service one A per ready
  endpoint (NXDOMAIN when there is none); for an ExternalName Service a CNAME;
* ``<hostname>.<svc>.<ns>.svc.cluster.local`` A -> an endpoint of a headless Service: a pod whose
  ``hostname`` and ``subdomain`` (= the Service) are set, else its IP with dashes (``10-244-1-5``);
* ``_<port>._<proto>.<svc>.<ns>.svc.cluster.local`` SRV for named ports;
* ``<a-b-c-d>.<ns>.pod.cluster.local`` A -> ``a.b.c.d`` (``pods insecure``: not checked);
* ``<d>.<c>.<b>.<a>.in-addr.arpa`` PTR for Service IPs and headless endpoints.

Every other name goes to the upstream resolver (the node's ``/etc/resolv.conf``), here a small
fake Internet that knows a few names and says NXDOMAIN to the rest. The component stands in for
the CoreDNS pods: it answers at the ``kube-dns`` IP while it runs (``c.stop("coredns")`` and
every lookup times out).
"""

from __future__ import annotations

from ..component import Component
from . import params as P

NOERROR, NXDOMAIN, SERVFAIL = "NOERROR", "NXDOMAIN", "SERVFAIL"

# The fake Internet's zone: name -> IPv4 address (documentation and well-known addresses).
UPSTREAM_ZONE = {
    "example.com": "93.184.215.14",
    "www.example.com": "93.184.215.14",
    "example.org": "93.184.215.14",
    "kubernetes.io": "147.75.40.148",
    "registry.k8s.io": "34.96.108.209",
    "github.com": "140.82.121.3",
}


class Record:
    """One resource record: ``name ttl IN type data`` (names are absolute, ending with a dot)."""

    __slots__ = ("name", "ttl", "type", "data")

    def __init__(self, name: str, type_: str, data, ttl: int = P.DNS_TTL):
        self.name, self.type, self.data, self.ttl = name, type_, data, ttl

    def __repr__(self):
        return f"{self.name}\t{self.ttl}\tIN\t{self.type}\t{self.data}"

    def __eq__(self, other):
        return isinstance(other, Record) and repr(self) == repr(other)


class Answer:
    """A DNS response: ``rcode`` and the answer section."""

    def __init__(self, rcode: str, records: list[Record] | None = None):
        self.rcode = rcode
        self.records = list(records or [])

    @property
    def ips(self) -> list[str]:
        return [r.data for r in self.records if r.type == "A"]

    def __repr__(self):
        return f"Answer({self.rcode}, {self.records!r})"


def dashed(ip: str) -> str:
    return ip.replace(".", "-")


def fqdn(name: str) -> str:
    return name if name.endswith(".") else name + "."


class UpstreamDNS:
    """The resolver outside the cluster (what the nodes' resolv.conf names): a fixed zone."""

    def __init__(self, zone: dict | None = None):
        self.zone = dict(UPSTREAM_ZONE if zone is None else zone)
        self.queries = 0

    def query(self, name: str, qtype: str = "A") -> Answer:
        self.queries += 1
        host = name.rstrip(".").lower()
        if host not in self.zone:
            return Answer(NXDOMAIN)
        if qtype != "A":
            return Answer(NOERROR)
        return Answer(NOERROR, [Record(fqdn(host), "A", self.zone[host], ttl=300)])


def install_upstream(network) -> UpstreamDNS:
    servers = dns_servers(network)
    if P.NODE_RESOLVER_IP not in servers:
        servers[P.NODE_RESOLVER_IP] = UpstreamDNS()
    return servers[P.NODE_RESOLVER_IP]


def dns_servers(network) -> dict:
    """ip -> DNS server on the wire (``server.query(name, qtype) -> Answer``), kept on the PodNetwork."""
    servers = getattr(network, "dns_servers", None)
    if servers is None:
        servers = network.dns_servers = {}
    return servers


class CoreDNS(Component):
    """The cluster DNS server (kubernetes plugin + forward)."""

    name = "coredns"

    def __init__(self, ctx, domain: str = P.CLUSTER_DOMAIN, ip: str = P.KUBE_DNS_IP):
        super().__init__(ctx)
        self.domain = domain
        self.ip = ip
        self.upstream = install_upstream(ctx.network)
        self._slices_of: dict[str, set[str]] = {}
        self.queries = 0
        self.cache_seconds = P.COREDNS_CACHE_SECONDS      # the cache plugin (0: off)
        self._cache: dict[tuple[str, str], tuple[float, Answer]] = {}

    def setup(self):
        self.services = self.informer("services")
        self.slices = self.informer("endpointslices", self.on_slice)
        dns_servers(self.ctx.network)[self.ip] = self

    def on_stop(self):
        self._cache.clear()                                 # a restarted CoreDNS starts cold
        servers = dns_servers(self.ctx.network)
        if servers.get(self.ip) is self:
            del servers[self.ip]

    def on_slice(self, typ, es, old):
        ns = es["metadata"].get("namespace")
        key = f"{ns}/{es['metadata']['name']}"
        for obj in (old, es):
            name = ((obj or {}).get("metadata", {}).get("labels") or {}).get("kubernetes.io/service-name")
            if not name:
                continue
            bucket = self._slices_of.setdefault(f"{ns}/{name}", set())
            if typ == "DELETED" or obj is old:
                bucket.discard(key)
            if typ != "DELETED" and obj is es:
                bucket.add(key)

    # --- reading the caches --------------------------------------------------------------------
    def endpoints(self, ns: str, name: str, ready_only: bool = True) -> list[tuple[str, dict, list]]:
        """(ip, endpoint, ports) of a Service's endpoints, sorted by IP."""
        out = []
        for key in sorted(self._slices_of.get(f"{ns}/{name}", ())):
            es = self.slices.get(key)
            if es is None:
                continue
            for e in es.get("endpoints") or []:
                if ready_only and (e.get("conditions") or {}).get("ready") is False:
                    continue
                for ip in (e.get("addresses") or [])[:1]:
                    out.append((ip, e, es.get("ports") or []))
        out.sort(key=lambda t: tuple(int(x) if x.isdigit() else 0 for x in t[0].split(".")))
        return out

    # --- answering --------------------------------------------------------------------------
    def query(self, name: str, qtype: str = "A") -> Answer:
        """Answer one question, from the cache (``cache 30``: answers and denials of names outside
        the cluster zone are kept for their TTL, at most 30 s, with the TTL counting down) or from
        :meth:`lookup` (``disable success/denial cluster.local``: the zone's own names never come
        from the cache)."""
        self.queries += 1
        key = (name.rstrip(".").lower(), qtype)
        if key[0] == self.domain or key[0].endswith("." + self.domain):
            return self.lookup(name, qtype)
        now = self.clock.now
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            expires, ans = hit
            left = max(1, int(expires - now))
            return Answer(ans.rcode, [Record(r.name, r.type, r.data, min(r.ttl, left)) for r in ans.records])
        ans = self.lookup(name, qtype)
        if self.cache_seconds > 0 and ans.rcode in (NOERROR, NXDOMAIN):
            ttl = min([self.cache_seconds] + [r.ttl for r in ans.records])
            self._cache[key] = (now + ttl, ans)
            # the cache plugin caps the TTLs of the reply it caches, the first one too
            return Answer(ans.rcode, [Record(r.name, r.type, r.data, min(r.ttl, ttl)) for r in ans.records])
        return ans

    def lookup(self, name: str, qtype: str = "A") -> Answer:
        """Answer one question from the watched Services and EndpointSlices (the kubernetes plugin),
        or forward it upstream (see the module docstring for the records)."""
        qname = name.rstrip(".").lower()
        zone = self.domain
        if qtype == "PTR" and qname.endswith(".in-addr.arpa"):
            return self.ptr(qname)
        if not (qname == zone or qname.endswith("." + zone)):
            return self.upstream.query(qname, qtype)      # forward . /etc/resolv.conf
        labels = qname[:-len(zone)].rstrip(".").split(".") if qname != zone else []
        if not labels:
            return Answer(NOERROR)
        kind = labels[-1]
        if kind == "pod" and len(labels) == 3:
            ip = labels[0].replace("-", ".")
            parts = ip.split(".")
            if len(parts) == 4 and all(p.isdigit() and int(p) < 256 for p in parts):
                return self._a(qname, [ip], qtype)
            return Answer(NXDOMAIN)
        if kind != "svc":
            return Answer(NXDOMAIN)
        if len(labels) == 3:                                # svc.ns.svc
            return self.service(qname, labels[1], labels[0], qtype)
        if len(labels) == 4:                                # endpoint.svc.ns.svc
            return self.endpoint(qname, labels[2], labels[1], labels[0], qtype)
        if len(labels) == 5 and labels[0].startswith("_") and labels[1].startswith("_"):
            return self.srv(qname, labels[3], labels[2], labels[0][1:], labels[1][1:], qtype)
        if len(labels) == 2 and any(s["metadata"].get("namespace") == labels[0] for s in self.services.list()):
            return Answer(NOERROR)                          # an empty non-terminal: <ns>.svc
        return Answer(NXDOMAIN)

    def _a(self, qname: str, ips: list[str], qtype: str) -> Answer:
        if qtype != "A":
            return Answer(NOERROR)                          # the name exists, no record of that type
        return Answer(NOERROR, [Record(fqdn(qname), "A", ip) for ip in ips])

    def service(self, qname: str, ns: str, name: str, qtype: str) -> Answer:
        svc = self.services.get(f"{ns}/{name}")
        if svc is None:
            return Answer(NXDOMAIN)
        spec = svc.get("spec") or {}
        if spec.get("type") == "ExternalName":
            target = fqdn(spec.get("externalName", "").lower())
            records = [Record(fqdn(qname), "CNAME", target)]
            if qtype == "A":
                records += self.lookup(target, "A").records    # CoreDNS resolves the target for the client
            return Answer(NOERROR, records)
        if spec.get("clusterIP") == "None":
            ips = [ip for ip, _e, _p in self.endpoints(ns, name)]
            if not ips:
                return Answer(NXDOMAIN)
            return self._a(qname, ips, qtype)
        if qtype == "SRV":
            return Answer(NOERROR, [Record(fqdn(qname), "SRV", f"0 100 {p['port']} {fqdn(qname)}")
                                    for p in spec.get("ports") or []])
        return self._a(qname, [spec.get("clusterIP")], qtype)

    def endpoint(self, qname: str, ns: str, name: str, host: str, qtype: str) -> Answer:
        svc = self.services.get(f"{ns}/{name}")
        if svc is None or (svc.get("spec") or {}).get("clusterIP") != "None":
            return Answer(NXDOMAIN)
        for ip, e, _ports in self.endpoints(ns, name):
            if e.get("hostname") == host or (not e.get("hostname") and dashed(ip) == host):
                return self._a(qname, [ip], qtype)
        return Answer(NXDOMAIN)

    def srv(self, qname: str, ns: str, name: str, port_name: str, proto: str, qtype: str) -> Answer:
        svc = self.services.get(f"{ns}/{name}")
        if svc is None:
            return Answer(NXDOMAIN)
        spec = svc.get("spec") or {}
        port = next((p for p in spec.get("ports") or [] if p.get("name") == port_name
                     and (p.get("protocol") or "TCP").lower() == proto), None)
        if port is None:
            return Answer(NXDOMAIN)
        if qtype != "SRV":
            return Answer(NOERROR)
        base = f"{name}.{ns}.svc.{self.domain}."
        if spec.get("clusterIP") != "None":
            return Answer(NOERROR, [Record(fqdn(qname), "SRV", f"0 100 {port['port']} {base}")])
        eps = self.endpoints(ns, name)
        records = []
        for ip, e, ports in eps:
            num = next((p["port"] for p in ports if (p.get("name") or "") == port_name), None)
            if num is None:
                continue
            weight = 100 // len(eps)
            records.append(Record(fqdn(qname), "SRV", f"0 {weight} {num} {e.get('hostname') or dashed(ip)}.{base}"))
        return Answer(NOERROR if records else NXDOMAIN, records)

    def ptr(self, qname: str) -> Answer:
        octets = qname[:-len(".in-addr.arpa")].split(".")
        ip = ".".join(reversed(octets))
        for svc in self.services.list():
            spec = svc.get("spec") or {}
            md = svc["metadata"]
            ns = md.get("namespace")
            if spec.get("clusterIP") == ip:
                return Answer(NOERROR, [Record(fqdn(qname), "PTR", f"{md['name']}.{ns}.svc.{self.domain}.")])
            if spec.get("clusterIP") == "None":
                for eip, e, _p in self.endpoints(ns, md["name"]):
                    if eip == ip:
                        host = e.get("hostname") or dashed(ip)
                        return Answer(NOERROR, [Record(fqdn(qname), "PTR",
                                                       f"{host}.{md['name']}.{ns}.svc.{self.domain}.")])
        return self.upstream.query(qname, "PTR")             # fallthrough in-addr.arpa
