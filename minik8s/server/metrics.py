"""The resource metrics API (``metrics.k8s.io/v1beta1``) that ``kubectl top`` reads.

In a real cluster metrics-server scrapes every kubelet's Summary API and serves NodeMetrics and
PodMetrics through the aggregation layer
(https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/). Here the
server builds them from the same source, ``kubelet.stats_summary()``, so ``kubectl top`` against
the HTTP server prints what ``c.kubectl("top ...")`` prints.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import rfc3339

GROUP, VERSION = "metrics.k8s.io", "v1beta1"
API_VERSION = f"{GROUP}/{VERSION}"
WINDOW = "10s"     # metrics-server's default --metric-resolution window (15 s scrape, 10 s window here)


def resource_list() -> dict:
    verbs = ["get", "list"]
    return {"kind": "APIResourceList", "apiVersion": "v1", "groupVersion": API_VERSION,
            "resources": [{"name": "nodes", "singularName": "", "namespaced": False, "kind": "NodeMetrics",
                           "verbs": verbs},
                          {"name": "pods", "singularName": "", "namespaced": True, "kind": "PodMetrics",
                           "verbs": verbs}]}


def api_group() -> dict:
    gv = {"groupVersion": API_VERSION, "version": VERSION}
    return {"name": GROUP, "versions": [gv], "preferredVersion": gv}


def aggregated_group() -> dict:
    def res(plural, kind, scope):
        return {"resource": plural, "responseKind": {"group": GROUP, "version": VERSION, "kind": kind},
                "scope": scope, "singularResource": "", "verbs": ["get", "list"]}
    return {"metadata": {"name": GROUP, "creationTimestamp": None},
            "versions": [{"version": VERSION, "freshness": "Current",
                          "resources": [res("nodes", "NodeMetrics", "Cluster"),
                                        res("pods", "PodMetrics", "Namespaced")]}]}


def _usage(cpu_m: int, mem_bytes: int) -> dict:
    return {"cpu": f"{int(cpu_m)}m", "memory": f"{int(mem_bytes) // 1024}Ki"}


def _summaries(cluster) -> dict:
    out = {}
    api = cluster.apiserver
    for node in sorted(api.kubelets):
        kubelet = api.kubelets[node]
        if getattr(kubelet, "running", True) and hasattr(kubelet, "stats_summary"):
            out[node] = kubelet.stats_summary()
    return out


def node_metrics(cluster, name: str | None) -> dict:
    now = rfc3339(cluster.clock.now)
    items = []
    for node, s in _summaries(cluster).items():
        if name and node != name:
            continue
        obj = cluster.apiserver.store.peek("nodes", node) or {"metadata": {}}
        items.append({"metadata": {"name": node, "creationTimestamp": now,
                                   "labels": obj["metadata"].get("labels") or {}},
                      "timestamp": now, "window": WINDOW,
                      "usage": _usage(s["node"]["cpu_millicores"], s["node"]["memory_bytes"])})
    if name:
        if not items:
            raise errors.not_found("nodes", name, GROUP)
        return {"kind": "NodeMetrics", "apiVersion": API_VERSION, **items[0]}
    return {"kind": "NodeMetricsList", "apiVersion": API_VERSION, "metadata": {}, "items": items}


def pod_metrics(cluster, namespace: str | None, name: str | None, label_selector: str | None = None) -> dict:
    from ..api.labels import parse_selector
    sel = parse_selector(label_selector)
    now = rfc3339(cluster.clock.now)
    items = []
    for s in _summaries(cluster).values():
        for p in s.get("pods") or []:
            if namespace and p["namespace"] != namespace or name and p["name"] != name:
                continue
            pod = cluster.apiserver.store.peek("pods", f"{p['namespace']}/{p['name']}")
            if pod is None or (pod.get("status") or {}).get("phase") != "Running":
                continue
            labels = pod["metadata"].get("labels") or {}
            if not sel.matches(labels):
                continue
            items.append({"metadata": {"name": p["name"], "namespace": p["namespace"],
                                       "creationTimestamp": now, "labels": labels},
                          "timestamp": now, "window": WINDOW,
                          "containers": [{"name": c["name"],
                                          "usage": _usage(c.get("cpu_millicores", 0), c.get("memory_bytes", 0))}
                                         for c in sorted(p.get("containers") or [], key=lambda c: c["name"])]})
    items.sort(key=lambda i: (i["metadata"]["namespace"], i["metadata"]["name"]))
    if name:
        if not items:
            raise errors.not_found("pods", name, GROUP)
        return {"kind": "PodMetrics", "apiVersion": API_VERSION, **items[0]}
    return {"kind": "PodMetricsList", "apiVersion": API_VERSION, "metadata": {}, "items": items}


def route(kube, parts: list[str], query: dict):
    """Answer GET /apis/metrics.k8s.io/v1beta1/...; None if the path is not one of its resources."""
    rest = parts[3:]
    sel = (query.get("labelSelector") or [None])[0]
    if not rest:
        return resource_list()
    if rest[0] == "nodes" and len(rest) <= 2:
        return kube.call(node_metrics, kube.cluster, rest[1] if len(rest) == 2 else None)
    if rest[0] == "pods" and len(rest) == 1:
        return kube.call(pod_metrics, kube.cluster, None, None, sel)
    if rest[0] == "namespaces" and len(rest) in (3, 4) and rest[2] == "pods":
        return kube.call(pod_metrics, kube.cluster, rest[1], rest[3] if len(rest) == 4 else None, sel)
    return None
