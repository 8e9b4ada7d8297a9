"""The stub resolver inside every container: how ``web`` becomes ``10.96.12.34``.

A program does not talk to CoreDNS by itself: its C library reads ``/etc/hosts`` and
``/etc/resolv.conf`` (resolv.conf(5)) and asks the ``nameserver``s. For a name with fewer
dots than ``ndots`` (5 in a pod), each ``search`` domain is appended in turn *before* the
name is tried as it is; a name with at least ``ndots`` dots is tried as it is first; a name
ending with a dot is absolute and tried alone. The first answer that is not NXDOMAIN wins.

So ``web`` from a pod in ``default`` is found at the first try
(``web.default.svc.cluster.local``), while ``example.com`` costs four queries (three search
domains fail first) -- the reason the DNS chapter shows ``example.com.`` with a dot.
:func:`search_candidates` is the pure rule; :func:`resolve` counts the queries.
(https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#namespaces-of-services)
"""

from __future__ import annotations

from .coredns import NXDOMAIN, Answer, dns_servers
from .dns_config import parse

DEFAULT_TIMEOUT = 5       # resolv.conf(5): options timeout:5
DEFAULT_ATTEMPTS = 2      # options attempts:2


class ResolvConf:
    """A parsed /etc/resolv.conf."""

    def __init__(self, text: str):
        self.text = text
        self.nameservers, self.search, options = parse(text)
        self.ndots, self.timeout, self.attempts = 1, DEFAULT_TIMEOUT, DEFAULT_ATTEMPTS
        for o in options:
            k, _, v = o.partition(":")
            if k == "ndots" and v.isdigit():
                self.ndots = min(int(v), 15)
            elif k == "timeout" and v.isdigit():
                self.timeout = int(v)
            elif k == "attempts" and v.isdigit():
                self.attempts = int(v)


def search_candidates(name: str, search: list[str], ndots: int) -> list[str]:
    """The absolute names tried for ``name``, in order (glibc's res_search)."""
    if name.endswith("."):
        return [name]
    expanded = [f"{name}.{d.rstrip('.')}." for d in search]
    if name.count(".") >= ndots:
        return [name + "."] + expanded
    return expanded + [name + "."]


class Resolution:
    """What one lookup did: the names ``tried`` (one query each), the ``answer``, the ``server``."""

    def __init__(self, name: str, qtype: str, server: str | None, tried: list[str], answer: Answer | None,
                 delay: float = 0.0, source: str = "dns"):
        self.name, self.qtype, self.server, self.tried = name, qtype, server, tried
        self.answer = answer
        self.delay = delay                 # seconds spent waiting for servers that did not answer
        self.source = source               # "dns" or "hosts" (/etc/hosts)

    @property
    def queries(self) -> int:
        """Names asked, one query each (for the A record; a real glibc asks A and AAAA for each name)."""
        return len(self.tried)

    @property
    def timed_out(self) -> bool:
        return self.answer is None

    @property
    def ok(self) -> bool:
        if self.answer is None or self.answer.rcode != "NOERROR":
            return False
        return bool(self.answer.ips) if self.qtype == "A" else bool(self.answer.records)

    @property
    def ips(self) -> list[str]:
        return self.answer.ips if self.answer is not None else []

    @property
    def canonical(self) -> str | None:
        """The name that answered (the search-expanded one)."""
        return self.tried[-1] if self.ok else None

    def __repr__(self):
        state = "timed out" if self.timed_out else self.answer.rcode
        return f"<Resolution {self.name} {self.qtype}: {state} {self.ips} after {self.queries} queries>"


def hosts_lookup(hosts_text: str, name: str) -> str | None:
    """The address /etc/hosts gives ``name`` (first match), or None."""
    want = name.rstrip(".").lower()
    for line in (hosts_text or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if len(parts) >= 2 and want in (p.lower() for p in parts[1:]) and "." in parts[0]:
            return parts[0]
    return None


def resolve(network, resolv_conf: str, name: str, qtype: str = "A", hosts: str | None = None) -> Resolution:
    """Resolve ``name`` as a container's C library would, against the DNS servers on ``network``."""
    if qtype == "A" and hosts is not None:
        ip = hosts_lookup(hosts, name)
        if ip is not None:
            from .coredns import Record, NOERROR
            return Resolution(name, qtype, None, [], Answer(NOERROR, [Record(name.rstrip(".") + ".", "A", ip, 0)]),
                              source="hosts")
    conf = ResolvConf(resolv_conf)
    servers = dns_servers(network)
    tried: list[str] = []
    delay = 0.0
    answer = None
    used = conf.nameservers[0] if conf.nameservers else None
    for candidate in search_candidates(name, conf.search, conf.ndots):
        tried.append(candidate)
        answer = None
        for ns in conf.nameservers:
            server = servers.get(ns)
            if server is None:
                delay += conf.timeout * conf.attempts
                continue
            used = ns
            answer = server.query(candidate, qtype)
            break
        if answer is None:
            return Resolution(name, qtype, used, tried, None, delay)
        if answer.rcode != NXDOMAIN and (answer.ips or qtype != "A"):
            return Resolution(name, qtype, used, tried, answer, delay)
        # NXDOMAIN, or no address (NODATA; e.g. only the CNAME of an ExternalName Service whose
        # target does not resolve): glibc's res_search goes on with the next candidate
    return Resolution(name, qtype, used, tried, answer, delay)


def resolver_for_runtime(network):
    """The ``rt.resolver(proc, name) -> ip | None`` curl and wget use: /etc/hosts, then DNS."""
    def resolve_name(proc, name: str):
        res = resolve_in_process(proc, name)
        return res.ips[0] if res.ok else None
    return resolve_name


def resolve_in_process(proc, name: str, qtype: str = "A") -> Resolution:
    """Resolve as the process ``proc`` would, with its container's /etc/resolv.conf and /etc/hosts."""
    network = proc.container.runtime.network
    try:
        conf = proc.fs.read("/etc/resolv.conf")
    except Exception:
        conf = ""
    try:
        hosts = proc.fs.read("/etc/hosts")
    except Exception:
        hosts = None
    return resolve(network, conf, name, qtype, hosts)
