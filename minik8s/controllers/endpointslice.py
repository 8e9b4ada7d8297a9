"""The EndpointSlice controller: which pods back each Service, published as EndpointSlices.

https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/ -- the real one is
``pkg/controller/endpointslice`` in kube-controller-manager. For every Service with a
selector it lists the pods in the Service's namespace that match, and writes one
EndpointSlice per 100 endpoints (``--max-endpoints-per-slice``), labelled
``kubernetes.io/service-name=<svc>`` and owned by the Service. Each endpoint carries:

* ``addresses``: the pod IP (pods without one, or Succeeded/Failed, are left out);
* ``conditions``: ``ready`` (the pod is Ready and not terminating -- or the Service sets
  ``publishNotReadyAddresses``), ``serving`` (Ready, terminating or not) and
  ``terminating`` (the pod has a deletionTimestamp);
* ``nodeName`` and ``targetRef`` (the Pod), and ``hostname`` when the pod's
  ``spec.hostname`` is set and its ``spec.subdomain`` names this Service (DNS uses it).

A slice's ``ports`` are the Service's ports with each ``targetPort`` resolved in the pod (a
named port is looked up among its containers' ports), so pods that resolve a name to
different numbers land in different slices. A Service with no matching pods keeps one empty
"placeholder" slice. Selector-less Services are left alone: their slices are written by hand.

kube-proxy and CoreDNS read only these slices, never pods.
"""

from __future__ import annotations

from ..api.labels import selector_from_map
from ..api.meta import clone, owner_reference, random_suffix, rfc3339
from ..component import Component
from ..network import params as NP
from .podutil import is_pod_ready

SERVICE_NAME_LABEL = "kubernetes.io/service-name"
MANAGED_BY_LABEL = "endpointslice.kubernetes.io/managed-by"
MANAGED_BY = "endpointslice-controller.k8s.io"
HEADLESS_LABEL = "service.kubernetes.io/headless"
TRIGGER_TIME = "endpoints.kubernetes.io/last-change-trigger-time"


# --- pure helpers a chapter can show ---------------------------------------------------------------
def pod_in_endpoints(pod: dict) -> bool:
    """ShouldPodBeInEndpoints (EndpointSlices keep terminating pods): has an IP, not finished."""
    status = pod.get("status") or {}
    return bool(status.get("podIP")) and status.get("phase") not in ("Succeeded", "Failed")


def find_port(pod: dict, target, protocol: str = "TCP") -> int | None:
    """podutil.FindPort: a number is itself; a name is looked up among the containers' ports."""
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for p in c.get("ports") or []:
            if p.get("name") == target and (p.get("protocol") or "TCP") == protocol:
                return p.get("containerPort")
    return None


def endpoint_ports(svc: dict, pod: dict) -> list[dict]:
    """The slice ports for ``pod``: one per Service port whose targetPort the pod resolves."""
    out = []
    for p in (svc.get("spec") or {}).get("ports") or []:
        num = find_port(pod, p.get("targetPort", p.get("port")), p.get("protocol") or "TCP")
        if num is None:
            continue
        out.append({"name": p.get("name") or "", "port": num, "protocol": p.get("protocol") or "TCP"})
    return out


def endpoint_for_pod(pod: dict, svc: dict, zone: str | None = None) -> dict:
    """The EndpointSlice endpoint describing ``pod`` (podToEndpoint); ``zone`` is its node's
    ``topology.kubernetes.io/zone`` label."""
    md = pod["metadata"]
    spec = pod.get("spec") or {}
    terminating = bool(md.get("deletionTimestamp"))
    ready = is_pod_ready(pod)
    publish = bool((svc.get("spec") or {}).get("publishNotReadyAddresses"))
    ep = {"addresses": [pod["status"]["podIP"]],
          "conditions": {"ready": publish or (ready and not terminating), "serving": publish or ready,
                         "terminating": terminating}}
    if spec.get("hostname") and spec.get("subdomain") == svc["metadata"]["name"]:
        ep["hostname"] = spec["hostname"]
    if spec.get("nodeName"):
        ep["nodeName"] = spec["nodeName"]
    ep["targetRef"] = {"kind": "Pod", "namespace": md.get("namespace", "default"), "name": md["name"],
                       "uid": md.get("uid", "")}
    if zone:
        ep["zone"] = zone
    return ep


def desired_slices(svc: dict, pods: list[dict], max_per_slice: int = NP.MAX_ENDPOINTS_PER_SLICE,
                   zones: dict | None = None) -> list[dict]:
    """The (ports, endpoints) of every slice the Service should have: endpoints grouped by their
    resolved ports, at most ``max_per_slice`` each, in a stable order. At least one (a placeholder)."""
    groups: dict[str, tuple[list, list]] = {}
    for pod in sorted(pods, key=lambda p: p["metadata"]["name"]):
        if not pod_in_endpoints(pod):
            continue
        ports = endpoint_ports(svc, pod)
        key = repr([(p["name"], p["port"], p["protocol"]) for p in ports])
        zone = (zones or {}).get((pod.get("spec") or {}).get("nodeName"))
        groups.setdefault(key, (ports, []))[1].append(endpoint_for_pod(pod, svc, zone))
    out = []
    for key in sorted(groups):
        ports, eps = groups[key]
        for i in range(0, len(eps), max_per_slice):
            out.append({"ports": ports, "endpoints": eps[i:i + max_per_slice]})
    if not out:
        out.append({"ports": None, "endpoints": []})
    return out


def slice_object(svc: dict, want: dict, now: float) -> dict:
    """A new EndpointSlice for ``svc`` holding ``want`` (one item of :func:`desired_slices`)."""
    md = svc["metadata"]
    labels = {k: v for k, v in sorted((md.get("labels") or {}).items())
              if k not in (SERVICE_NAME_LABEL, MANAGED_BY_LABEL, HEADLESS_LABEL)}
    labels[MANAGED_BY_LABEL] = MANAGED_BY
    labels[SERVICE_NAME_LABEL] = md["name"]
    if (svc.get("spec") or {}).get("clusterIP") == "None":
        labels[HEADLESS_LABEL] = ""
    return {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"generateName": md["name"] + "-", "namespace": md.get("namespace", "default"),
                         "labels": labels, "ownerReferences": [owner_reference(svc)],
                         "annotations": {TRIGGER_TIME: rfc3339(now)}},
            "addressType": "IPv4", "endpoints": want["endpoints"], "ports": want["ports"]}


def endpoint_changes(old: list[dict], new: list[dict]) -> str:
    """For the trace: which pods' endpoints a slice update adds, removes or changes the conditions of."""
    def by_pod(eps):
        return {(e.get("targetRef") or {}).get("name") or e["addresses"][0]: e for e in eps}

    def conds(e):
        c = e.get("conditions") or {}
        return " ".join(f"{k}={str(c.get(k)).lower()}" for k in ("ready", "serving", "terminating"))
    before, after = by_pod(old), by_pod(new)
    out = [f"+{n} ({conds(after[n])})" for n in sorted(after) if n not in before]
    out += [f"{n} ({conds(after[n])})" for n in sorted(after)
            if n in before and conds(before[n]) != conds(after[n])]
    out += [f"-{n}" for n in sorted(before) if n not in after]
    return (": " + ", ".join(out)) if out else ""


class EndpointSliceController(Component):
    """Keeps each selector Service's EndpointSlices equal to its matching pods."""

    name = "endpointslice-controller"

    def __init__(self, ctx):
        super().__init__(ctx)
        # slice names are generateName + 5 characters; drawn from an RNG of the controller's own
        # so that creating Services never shifts the names of other objects
        import random
        self._names = random.Random(f"endpointslice/{ctx.rng.getstate()[1][:4]}")

    def setup(self):
        self.services = self.informer("services", self.enqueue_obj)
        self.pods = self.informer("pods", self.on_pod)
        self.slices = self.informer("endpointslices", self.on_slice)
        self.nodes = self.informer("nodes")
        self._selectors: dict[str, tuple[str, object]] = {}     # svc key -> (resourceVersion, Selector)

    def selector(self, svc: dict):
        """The Service's parsed selector, cached per resourceVersion."""
        md = svc["metadata"]
        key, rv = f"{md.get('namespace')}/{md['name']}", md.get("resourceVersion")
        hit = self._selectors.get(key)
        if hit is None or hit[0] != rv:
            hit = self._selectors[key] = (rv, selector_from_map(svc["spec"]["selector"]))
        return hit[1]

    def on_pod(self, typ, pod, old):
        ns = pod["metadata"].get("namespace")
        labels = [pod["metadata"].get("labels") or {}]
        if old is not None:
            labels.append(old["metadata"].get("labels") or {})
        for svc in self.services.list(namespace=ns):
            if (svc.get("spec") or {}).get("selector") and any(self.selector(svc).matches(lb) for lb in labels):
                self.enqueue(f"{ns}/{svc['metadata']['name']}")

    def on_slice(self, typ, es, old):
        name = (es["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL)
        if name and (es["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY:
            self.enqueue(f"{es['metadata'].get('namespace')}/{name}")

    def owned_slices(self, ns: str, name: str) -> list[dict]:
        return [s for s in self.slices.list(namespace=ns)
                if (s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == name
                and (s["metadata"].get("labels") or {}).get(MANAGED_BY_LABEL) == MANAGED_BY]

    def reconcile(self, key):
        ns, name = key.split("/", 1)
        svc = self.services.get(key)
        existing = self.owned_slices(ns, name)
        if svc is None or not (svc.get("spec") or {}).get("selector") or svc["spec"].get("type") == "ExternalName":
            for s in existing:
                self.diff(f"service {key} gone or without selector: delete slice {s['metadata']['name']}")
                self.api.delete("endpointslices", s["metadata"]["name"], ns)
            return None
        pods = self.pods.list(namespace=ns, selector=self.selector(svc))
        zones = {n["metadata"]["name"]: (n["metadata"].get("labels") or {}).get("topology.kubernetes.io/zone")
                 for n in self.nodes.list()}
        want = desired_slices(svc, pods, zones=zones)
        n_eps = sum(len(w["endpoints"]) for w in want)
        ready = sum(1 for w in want for e in w["endpoints"] if e["conditions"]["ready"])
        terminating = sum(1 for w in want for e in w["endpoints"] if e["conditions"]["terminating"])
        self.observe(f"{len(pods)} pods match {key}: {n_eps} endpoints, {ready} ready"
                     + (f", {terminating} terminating" if terminating else "") + f"; {len(existing)} slices")
        for i, w in enumerate(want):
            body = slice_object(svc, w, self.clock.now)
            if i < len(existing):
                cur = existing[i]
                if (cur.get("endpoints") or []) == w["endpoints"] and cur.get("ports") == w["ports"] and \
                        cur["metadata"].get("labels") == body["metadata"]["labels"]:
                    continue
                new = clone(cur)
                new["endpoints"], new["ports"] = w["endpoints"], w["ports"]
                new["metadata"]["labels"] = body["metadata"]["labels"]
                new["metadata"].setdefault("annotations", {})[TRIGGER_TIME] = rfc3339(self.clock.now)
                self.diff(f"slice {cur['metadata']['name']}: {len(w['endpoints'])} endpoints"
                          + endpoint_changes(cur.get("endpoints") or [], w["endpoints"]))
                self.api.update("endpointslices", new, ns)
            else:
                body["metadata"]["name"] = f"{name}-{random_suffix(self._names)}"
                self.diff(f"no slice: create {body['metadata']['name']} with {len(w['endpoints'])} endpoints")
                self.api.create("endpointslices", body, ns)
        for cur in existing[len(want):]:
            self.diff(f"slice {cur['metadata']['name']} no longer needed: delete")
            self.api.delete("endpointslices", cur["metadata"]["name"], ns)
        return None

