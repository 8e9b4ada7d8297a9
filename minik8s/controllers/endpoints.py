"""The Endpoints controller: the legacy ``v1 Endpoints`` view of a Service's pods.

https://kubernetes.io/docs/concepts/services-networking/service/#endpoints -- the real one is
``pkg/controller/endpoint``. Before EndpointSlices, a Service's backends were one Endpoints
object named like the Service: ``subsets`` of ``addresses`` (ready pods) and
``notReadyAddresses`` sharing a list of ``ports``. The API is deprecated since v1.33 (kube-proxy
and CoreDNS read EndpointSlices; the API server warns whoever reads Endpoints), but the
controller still runs and ``kubectl get endpoints`` is still in every tutorial. Unlike
EndpointSlices, terminating pods are left out (unless ``publishNotReadyAddresses``).
"""

from __future__ import annotations

from ..api.labels import selector_from_map
from ..api.meta import clone, rfc3339
from ..component import Component
from .endpointslice import TRIGGER_TIME, endpoint_ports, pod_in_endpoints
from .podutil import is_pod_ready


def endpoint_subsets(svc: dict, pods: list[dict]) -> list[dict]:
    """The Endpoints ``subsets`` for ``pods`` (repacked: one subset per distinct port list)."""
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    groups: dict[str, dict] = {}
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if not pod_in_endpoints(pod):
            continue
        terminating = bool(pod["metadata"].get("deletionTimestamp"))
        if terminating and not publish:
            continue
        ports = endpoint_ports(svc, pod)
        if not ports:
            continue
        md = pod["metadata"]
        addr = {"ip": pod["status"]["podIP"]}
        spec = pod.get("spec") or {}
        if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
            addr["hostname"] = spec["hostname"]
        if spec.get("nodeName"):
            addr["nodeName"] = spec["nodeName"]
        addr["targetRef"] = {"kind": "Pod", "namespace": md.get("namespace", "default"), "name": md["name"],
                             "uid": md.get("uid", "")}
        key = repr([(p["name"], p["port"], p["protocol"]) for p in ports])
        sub = groups.setdefault(key, {"ports": [{k: v for k, v in p.items() if k != "name" or v} for p in ports]})
        field = "addresses" if publish or is_pod_ready(pod) else "notReadyAddresses"
        sub.setdefault(field, []).append(addr)
    out = []
    for key in sorted(groups):
        sub = groups[key]
        out.append({k: sub[k] for k in ("addresses", "notReadyAddresses", "ports") if k in sub})
    return out


def endpoints_labels(svc: dict) -> dict:
    labels = dict(sorted((svc["metadata"].get("labels") or {}).items()))
    labels["endpoints.kubernetes.io/managed-by"] = "endpoint-controller"
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels["service.kubernetes.io/headless"] = ""
    return labels


def endpoints_object(svc: dict, subsets: list[dict], now: float) -> dict:
    md = svc["metadata"]
    return {"apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": md["name"], "namespace": md.get("namespace", "default"),
                         "labels": endpoints_labels(svc), "annotations": {TRIGGER_TIME: rfc3339(now)}},
            "subsets": subsets}


class EndpointsController(Component):
    """Keeps ``Endpoints/<svc>`` equal to the Service's matching pods."""

    name = "endpoint-controller"

    def setup(self):
        self.services = self.informer("services", self.enqueue_obj)
        self.pods = self.informer("pods", self.on_pod)
        self.endpoints = self.informer("endpoints", self.enqueue_obj)

    def on_pod(self, typ, pod, old):
        ns = pod["metadata"].get("namespace")
        labels = [pod["metadata"].get("labels") or {}]
        if old is not None:
            labels.append(old["metadata"].get("labels") or {})
        for svc in self.services.list(namespace=ns):
            sel = (svc.get("spec") or {}).get("selector")
            if sel and any(selector_from_map(sel).matches(lb) for lb in labels):
                self.enqueue(f"{ns}/{svc['metadata']['name']}")

    def reconcile(self, key):
        ns, name = key.split("/", 1)
        svc = self.services.get(key)
        cur = self.endpoints.get(key)
        if svc is None:
            if cur is not None and cur["metadata"].get("labels", {}).get("endpoints.kubernetes.io/managed-by") \
                    == "endpoint-controller":
                self.diff(f"service {key} gone: delete its Endpoints")
                self.api.delete("endpoints", name, ns)
            return None
        sel = (svc.get("spec") or {}).get("selector")
        if not sel or svc["spec"].get("type") == "ExternalName":
            return None                       # selector-less: the user's own Endpoints
        pods = self.pods.list(namespace=ns, selector=selector_from_map(sel))
        subsets = endpoint_subsets(svc, pods)
        labels = endpoints_labels(svc)
        self.observe(f"{len(pods)} pods match {key}")
        if cur is None:
            self.diff(f"no Endpoints {key}: create with {sum(len(s.get('addresses', [])) for s in subsets)} ready")
            self.api.create("endpoints", endpoints_object(svc, subsets, self.clock.now), ns)
            return None
        if (cur.get("subsets") or []) == subsets and cur["metadata"].get("labels") == labels:
            return None
        new = clone(cur)
        new["subsets"] = subsets
        new["metadata"]["labels"] = labels
        new["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = rfc3339(self.clock.now)
        self.diff(f"Endpoints {key}: {sum(len(s.get('addresses', [])) for s in subsets)} ready")
        self.api.update("endpoints", new, ns)
        return None
