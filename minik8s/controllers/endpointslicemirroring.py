"""The EndpointSlice mirroring controller: hand-written Endpoints become EndpointSlices.

https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/#endpointslice-mirroring --
the real one is ``pkg/controller/endpointslicemirroring``. Older tutorials give a Service without
a selector a hand-written ``Endpoints`` object. kube-proxy and CoreDNS read only EndpointSlices, so
this controller copies such Endpoints into slices labelled
``endpointslice.kubernetes.io/managed-by: endpointslicemirroring-controller.k8s.io``. It mirrors only
Endpoints whose Service exists and has no selector, and skips those labelled
``endpointslice.kubernetes.io/skip-mirror: "true"`` (as the API server's own ``kubernetes`` Endpoints).
Addresses become ready endpoints, ``notReadyAddresses`` not-ready ones; at most 1000 addresses per
Endpoints are mirrored.
"""

from __future__ import annotations

import random

from .. import params as P
from ..api.meta import clone, owner_reference, random_suffix
from ..component import Component
from .endpointslice import MANAGED_BY_LABEL, SERVICE_NAME_LABEL

MIRRORING = "endpointslicemirroring-controller.k8s.io"
SKIP_MIRROR = "endpointslice.kubernetes.io/skip-mirror"


def mirrored_slices(ep: dict) -> list[dict]:
    """(ports, endpoints) per Endpoints subset, as the mirroring controller builds them."""
    out = []
    budget = P.MAX_MIRRORED_ENDPOINTS
    for sub in ep.get("subsets") or []:
        ports = [{"name": p.get("name") or "", "port": p.get("port"), "protocol": p.get("protocol") or "TCP"}
                 for p in sub.get("ports") or []]
        eps = []
        for field, ready in (("addresses", True), ("notReadyAddresses", False)):
            for a in sub.get(field) or []:
                if budget <= 0:
                    break
                budget -= 1
                e = {"addresses": [a["ip"]], "conditions": {"ready": ready}}
                for k in ("hostname", "nodeName", "targetRef"):
                    if a.get(k):
                        e[k] = a[k]
                eps.append(e)
        out.append({"ports": ports, "endpoints": eps})
    return out


class EndpointSliceMirroringController(Component):
    """Copies selector-less Services' Endpoints into EndpointSlices."""

    name = "endpointslicemirroring-controller"

    def __init__(self, ctx):
        super().__init__(ctx)
        self._names = random.Random(f"endpointslicemirroring/{ctx.rng.getstate()[1][:4]}")

    def setup(self):
        self.services = self.informer("services", self.enqueue_obj)
        self.endpoints = self.informer("endpoints", self.enqueue_obj)
        self.slices = self.informer("endpointslices", self.on_slice)

    def on_slice(self, typ, es, old):
        labels = es["metadata"].get("labels") or {}
        if labels.get(MANAGED_BY_LABEL) == MIRRORING and labels.get(SERVICE_NAME_LABEL):
            self.enqueue(f"{es['metadata'].get('namespace')}/{labels[SERVICE_NAME_LABEL]}")

    def reconcile(self, key):
        ns, name = key.split("/", 1)
        svc, ep = self.services.get(key), self.endpoints.get(key)
        existing = [s for s in self.slices.list(namespace=ns)
                    if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
                    and (s["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MIRRORING]
        mirror = (svc is not None and ep is not None and not (svc.get("spec") or {}).get("selector")
                  and (ep["metadata"].get("labels") or {}).get(SKIP_MIRROR) != "true")
        want = mirrored_slices(ep) if mirror else []
        self.observe(f"{key}: {'mirror' if mirror else 'nothing to mirror'}, {len(existing)} mirrored slices")
        for i, w in enumerate(want):
            if i < len(existing):
                cur = existing[i]
                if cur.get("endpoints") == w["endpoints"] and cur.get("ports") == w["ports"]:
                    continue
                new = clone(cur)
                new["endpoints"], new["ports"] = w["endpoints"], w["ports"]
                self.diff(f"mirrored slice {cur['metadata']['name']}: {len(w['endpoints'])} endpoints")
                self.api.update("endpointslices", new, ns)
                continue
            labels = {k: v for k, v in sorted((ep["metadata"].get("labels") or {}).items())}
            labels[SERVICE_NAME_LABEL] = name
            labels[MANAGED_BY_LABEL] = MIRRORING
            body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                    "metadata": {"name": f"{name}-{random_suffix(self._names)}", "generateName": f"{name}-",
                                 "namespace": ns, "labels": labels, "ownerReferences": [owner_reference(svc)]},
                    "addressType": "IPv4", "endpoints": w["endpoints"], "ports": w["ports"]}
            self.diff(f"mirror Endpoints {key} into {body['metadata']['name']}")
            self.api.create("endpointslices", body, ns)
        for cur in existing[len(want):]:
            self.diff(f"mirrored slice {cur['metadata']['name']} no longer needed: delete")
            self.api.delete("endpointslices", cur["metadata"]["name"], ns)
        return None
