"""The API server's Service IP and port allocators (kube-apiserver's service registry).

When a Service is created, kube-apiserver gives it a virtual IP from
``--service-cluster-ip-range`` (``10.96.0.0/12`` here, as kubeadm sets it) and, for
``NodePort`` and ``LoadBalancer`` Services, a port from ``--service-node-port-range``
(30000-32767) on every node. A requested IP or port is checked instead: taken or out of
range, the create fails with upstream's message. See
https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/ and
https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport.

Both ranges are split in two bands: a small *static* band at the bottom (256 IPs; 86
ports) that dynamic allocation uses only when the upper band is full, so that addresses
people pick by hand (``10.96.0.10`` for DNS) rarely collide with random ones.

What is allocated is read from the Services in etcd, so nothing leaks when a create fails
and a restored snapshot needs no separate allocator state.
"""

from __future__ import annotations

import ipaddress
import random

from .. import errors
from .. import params as P
from ..api.validation.common import _Raw, invalid_value


def static_band(size: int, minimum: int, maximum: int, divisor: int) -> int:
    """calculateRangeOffset: how many values at the bottom of a range are kept for static picks
    (``min(max(minimum, size // divisor), maximum)``; 0 when the range is smaller than ``minimum``)."""
    if size < minimum:
        return 0
    return min(max(minimum, size // divisor), maximum)


class ServiceAllocator:
    """ClusterIPs and NodePorts of a cluster, drawn at random from a seeded RNG."""

    def __init__(self, store, rng: random.Random, cidr: str = P.SERVICE_CIDR,
                 node_ports: tuple[int, int] = P.NODE_PORT_RANGE):
        self.store = store
        self.rng = rng
        self.net = ipaddress.ip_network(cidr)
        self.cidr = cidr
        self.ip_size = self.net.num_addresses - 2          # no network, no broadcast address
        self.ip_band = static_band(self.ip_size, 16, 256, 16)
        self.ports = node_ports
        self.port_size = node_ports[1] - node_ports[0] + 1
        self.port_band = static_band(self.port_size, 16, 128, 32)

    # --- what is in use --------------------------------------------------------------------
    def used(self, skip_key: str | None = None) -> tuple[set[str], set[int]]:
        ips, ports = set(), set()
        for key, svc in self.store.iter_raw("services"):
            if key == skip_key:
                continue
            spec = svc.get("spec") or {}
            for ip in spec.get("clusterIPs") or ([spec["clusterIP"]] if spec.get("clusterIP") else []):
                if ip and ip != "None":
                    ips.add(ip)
            for p in spec.get("ports") or []:
                if isinstance(p, dict) and p.get("nodePort"):
                    ports.add(p["nodePort"])
            if spec.get("healthCheckNodePort"):
                ports.add(spec["healthCheckNodePort"])
        return ips, ports

    # --- picking ---------------------------------------------------------------------------
    def _pick(self, size: int, band: int, taken) -> int | None:
        """A random free offset, from the upper band first (as the bitmap allocator's AllocateNext)."""
        for lo, hi in ((band, size), (0, band)):
            if hi <= lo:
                continue
            for _ in range(32):
                off = self.rng.randrange(lo, hi)
                if not taken(off):
                    return off
            for off in range(lo, hi):        # nearly full: scan
                if not taken(off):
                    return off
        return None

    def next_ip(self, used: set[str]) -> str:
        base = int(self.net.network_address) + 1
        off = self._pick(self.ip_size, self.ip_band, lambda o: str(ipaddress.IPv4Address(base + o)) in used)
        if off is None:
            raise errors.internal("failed to allocate a serviceIP: range is full")
        return str(ipaddress.IPv4Address(base + off))

    def next_port(self, used: set[int]) -> int:
        off = self._pick(self.port_size, self.port_band, lambda o: self.ports[0] + o in used)
        if off is None:
            raise errors.internal("failed to allocate a nodePort: range is full")
        return self.ports[0] + off

    # --- the registry hook -----------------------------------------------------------------
    def admit(self, op: str, res, svc: dict, old: dict | None) -> None:
        """Fill ``spec.clusterIP(s)`` and ``nodePort``s of a Service being created or updated."""
        if getattr(res, "kind", None) != "Service" or op not in ("CREATE", "UPDATE"):
            return
        spec = svc.get("spec")
        if not isinstance(spec, dict):
            return
        md = svc.get("metadata") or {}
        key = f"{md.get('namespace')}/{md.get('name')}"
        ips, ports = self.used(skip_key=key)
        causes = []
        ospec = (old or {}).get("spec") or {}
        typ = spec.get("type") or "ClusterIP"
        # cluster IP
        if typ == "ExternalName":
            if old is None or ospec.get("type") == "ExternalName":
                spec.pop("clusterIPs", None)
        else:
            want = spec.get("clusterIP")
            if not want and (spec.get("clusterIPs") or [None])[0]:
                want = spec["clusterIPs"][0]
            if not want and ospec.get("clusterIP") and ospec.get("type") != "ExternalName":
                want = ospec["clusterIP"]                            # patchAllocatedValues
            if want == "None":
                spec["clusterIP"], spec["clusterIPs"] = "None", ["None"]
            elif not want:
                ip = self.next_ip(ips)
                spec["clusterIP"], spec["clusterIPs"] = ip, [ip]
            elif want != ospec.get("clusterIP"):
                problem = self.ip_problem(want, ips)
                if problem:
                    causes.append(invalid_value("spec.clusterIPs", _Raw(f'[]string{{"{want}"}}'),
                                                f"failed to allocate IP {want}: {problem}"))
                spec["clusterIP"], spec["clusterIPs"] = want, [want]
            else:
                spec["clusterIP"], spec["clusterIPs"] = want, [want]
        # node ports
        needs = typ == "NodePort" or (typ == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts", True))
        old_ports = {(p.get("port"), p.get("protocol")): p.get("nodePort")
                     for p in ospec.get("ports") or [] if isinstance(p, dict)}
        mine = set()
        for i, p in enumerate(spec.get("ports") or []):
            if not isinstance(p, dict):
                continue
            np_ = p.get("nodePort")
            if not needs:
                continue
            if not np_:
                np_ = old_ports.get((p.get("port"), p.get("protocol")))
                if not np_ or np_ in mine:
                    np_ = self.next_port(ports | mine)
                p["nodePort"] = np_
            elif isinstance(np_, int) and np_ not in old_ports.values():
                if np_ in ports or np_ in mine:
                    causes.append(invalid_value(f"spec.ports[{i}].nodePort", np_, "provided port is already allocated"))
                elif not self.ports[0] <= np_ <= self.ports[1]:
                    pass                      # validation reports the range
            mine.add(np_)
        if typ == "LoadBalancer" and spec.get("externalTrafficPolicy") == "Local" and not spec.get("healthCheckNodePort"):
            spec["healthCheckNodePort"] = ospec.get("healthCheckNodePort") or self.next_port(ports | mine)
        if causes:
            raise errors.invalid("Service", md.get("name", ""), causes)

    def ip_problem(self, ip: str, used: set[str]) -> str | None:
        """Why a requested cluster IP cannot be had (None: it can)."""
        try:
            addr = ipaddress.ip_address(ip)
        except ValueError:
            return f"the provided IP ({ip}) is not a valid IP address"
        if addr not in self.net or addr in (self.net.network_address, self.net.broadcast_address):
            return (f"the provided IP ({ip}) is not in the valid range. "
                    f"The range of valid IPs is {self.cidr}")
        if ip in used:
            return "provided IP is already allocated"
        return None


def derived_rng(seed, purpose: str) -> random.Random:
    """An RNG of its own for ``purpose``, determined by the cluster's seed (so allocating Service
    IPs never shifts the names the API server generates for pods)."""
    return random.Random(f"{seed}/{purpose}")


def install(apiserver, rng: random.Random) -> ServiceAllocator:
    """Wire the allocators into ``apiserver``'s Service create/update path (after the other mutating
    admission plugins, before validation: upstream's BeginCreate/BeginUpdate)."""
    alloc = ServiceAllocator(apiserver.store, rng)
    apiserver.mutating_admission.append(alloc.admit)
    apiserver.service_allocator = alloc
    return alloc
