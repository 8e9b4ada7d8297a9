"""The ``/etc/resolv.conf`` the kubelet writes into a pod, from its ``dnsPolicy`` and ``dnsConfig``.

https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy

* ``ClusterFirst`` (the default): the cluster DNS (CoreDNS at 10.96.0.10), the search path
  ``<ns>.svc.cluster.local svc.cluster.local cluster.local`` and ``options ndots:5``. A pod
  with ``hostNetwork: true`` and this policy falls back to ``Default``.
* ``ClusterFirstWithHostNet``: ClusterFirst, also for ``hostNetwork`` pods.
* ``Default``: the node's own resolv.conf (the name is misleading: it is not the default).
* ``None``: nothing but what ``dnsConfig`` says.

``dnsConfig`` is merged in: its nameservers and searches are appended (duplicates removed;
at most 3 nameservers and 32 search domains are used), its options replace options of the
same name. The kubelet's pure function is :func:`resolv_conf_for`.
"""

from __future__ import annotations

from functools import lru_cache

from .. import params as P

MAX_NAMESERVERS = 3          # validation.MaxDNSNameservers (resolv.conf's MAXNS)
MAX_SEARCH_PATHS = 32        # validation.MaxDNSSearchPaths
NODE_RESOLV_CONF = f"nameserver {P.NODE_RESOLVER_IP}\n"   # what the nodes' own /etc/resolv.conf says


def parse(text: str) -> tuple[list[str], list[str], list[str]]:
    """(nameservers, searches, options) of a resolv.conf text."""
    servers, searches, options = [], [], []
    for line in (text or "").splitlines():
        parts = line.split("#", 1)[0].split()
        if not parts:
            continue
        if parts[0] == "nameserver" and len(parts) > 1:
            servers.append(parts[1])
        elif parts[0] in ("search", "domain"):
            searches = parts[1:]
        elif parts[0] == "options":
            options += parts[1:]
    return servers, searches, options


def _merge_options(options: list[str], extra: list[dict]) -> list[str]:
    for o in extra or []:
        name = o.get("name")
        if not name:
            continue
        text = name + (f":{o['value']}" if o.get("value") not in (None, "") else "")
        options = [x for x in options if x.split(":")[0] != name] + [text]
    return options


def resolv_conf_for(pod: dict, cluster_dns: str = P.KUBE_DNS_IP, cluster_domain: str = P.CLUSTER_DOMAIN,
                    node_resolv_conf: str = NODE_RESOLV_CONF) -> str:
    """The text of the pod's ``/etc/resolv.conf`` (the kubelet's GetPodDNS + the runtime's formatting)."""
    spec = pod.get("spec") or {}
    ns = (pod.get("metadata") or {}).get("namespace") or "default"
    policy = spec.get("dnsPolicy") or "ClusterFirst"
    if policy == "ClusterFirst" and spec.get("hostNetwork"):
        policy = "Default"
    cfg = spec.get("dnsConfig") or {}
    if not cfg:
        # fast path: without dnsConfig the text is the same for every pod of a namespace (and
        # policy) on a node: computed once
        return _without_dns_config(policy, ns, cluster_dns, cluster_domain, node_resolv_conf)
    return resolv_conf_text(policy, ns, cfg, cluster_dns, cluster_domain, node_resolv_conf)


def resolv_conf_text(policy: str, ns: str, cfg: dict, cluster_dns: str, cluster_domain: str,
                     node_resolv_conf: str) -> str:
    """The resolv.conf for ``dnsPolicy`` ``policy`` (hostNetwork already applied) and ``dnsConfig`` ``cfg``."""
    host_servers, host_search, host_options = parse(node_resolv_conf)
    if policy == "None":
        servers, searches, options = [], [], []
    elif policy == "Default":
        servers, searches, options = host_servers, host_search, host_options
    else:                                   # ClusterFirst, ClusterFirstWithHostNet
        servers = [cluster_dns] if cluster_dns else host_servers
        searches = [f"{ns}.svc.{cluster_domain}", f"svc.{cluster_domain}", cluster_domain] + host_search
        options = ["ndots:5"]
    for s in cfg.get("nameservers") or []:
        if s not in servers:
            servers.append(s)
    for s in cfg.get("searches") or []:
        if s not in searches:
            searches.append(s)
    options = _merge_options(options, cfg.get("options"))
    out = []
    if searches:
        out.append("search " + " ".join(searches[:MAX_SEARCH_PATHS]))
    out += [f"nameserver {s}" for s in servers[:MAX_NAMESERVERS]]
    if options:
        out.append("options " + " ".join(options))
    return "\n".join(out) + "\n"


@lru_cache(maxsize=1024)
def _without_dns_config(policy: str, ns: str, cluster_dns: str, cluster_domain: str, node_resolv_conf: str) -> str:
    return resolv_conf_text(policy, ns, {}, cluster_dns, cluster_domain, node_resolv_conf)
