"""cloud-controller-manager's service controller: load balancers for ``type: LoadBalancer``.

https://kubernetes.io/docs/concepts/services-networking/service/#loadbalancer and
https://kubernetes.io/docs/concepts/architecture/cloud-controller/. Kubernetes itself does
not make load balancers: a cloud provider's controller sees a LoadBalancer Service, asks the
cloud for one, and writes its address to ``status.loadBalancer.ingress`` -- until then
``kubectl get svc`` shows ``EXTERNAL-IP <pending>``. Here the "cloud" is a pool of addresses
(``params.LB_POOL``) handed out in order after ``provision_delay`` virtual seconds; traffic to
the address reaches the Service through kube-proxy (which programs rules for load balancer IPs)
on the nodes, as with a real cloud load balancer in front of the NodePorts.
"""

from __future__ import annotations

from ..api.meta import clone
from ..component import Component, Result
from .. import params as P


class CloudControllerManager(Component):
    """Assigns external IPs to LoadBalancer Services from a configurable pool."""

    name = "cloud-controller-manager"

    def __init__(self, ctx, pool: list[str] | None = None, provision_delay: float = 2.0):
        super().__init__(ctx)
        self.pool = list(P.LB_POOL if pool is None else pool)
        self.provision_delay = provision_delay
        self._first_seen: dict[str, float] = {}

    @property
    def event_source(self) -> str:
        return "service-controller"

    def setup(self):
        self.services = self.informer("services", self.enqueue_obj)

    def in_use(self) -> set[str]:
        out = set()
        for svc in self.services.list():
            for ing in ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []:
                if ing.get("ip"):
                    out.add(ing["ip"])
        return out

    def reconcile(self, key):
        svc = self.services.get(key)
        if svc is None:
            self._first_seen.pop(key, None)
            return None
        spec = svc.get("spec") or {}
        ingress = ((svc.get("status") or {}).get("loadBalancer") or {}).get("ingress") or []
        if spec.get("type") != "LoadBalancer":
            if ingress:
                new = clone(svc)
                new["status"]["loadBalancer"] = {}
                self.diff(f"{key} is no longer a LoadBalancer: release {ingress[0].get('ip')}")
                self.api.update("services", new, svc["metadata"]["namespace"], subresource="status")
                self.event(svc, "Normal", "DeletedLoadBalancer", "Deleted load balancer")
            return None
        if ingress:
            self.observe(f"{key} has load balancer {ingress[0].get('ip')}")
            return None
        first = self._first_seen.setdefault(key, self.clock.now)
        if first == self.clock.now:
            self.event(svc, "Normal", "EnsuringLoadBalancer", "Ensuring load balancer")
        wait = first + self.provision_delay - self.clock.now
        if wait > 0:
            self.observe(f"{key}: the cloud is provisioning a load balancer")
            return Result(requeue_after=wait)
        free = [ip for ip in self.pool if ip not in self.in_use()]
        if spec.get("loadBalancerIP") and spec["loadBalancerIP"] in free:
            free = [spec["loadBalancerIP"]]
        if not free:
            self.diff(f"{key}: no address left in the pool")
            self.event(svc, "Warning", "SyncLoadBalancerFailed",
                       "Error syncing load balancer: failed to ensure load balancer: no available IPs in the pool")
            return Result(requeue_after=60)
        new = clone(svc)
        new.setdefault("status", {})["loadBalancer"] = {"ingress": [{"ip": free[0], "ipMode": "VIP"}]}
        self.diff(f"{key}: load balancer at {free[0]}")
        self.api.update("services", new, svc["metadata"]["namespace"], subresource="status")
        self.event(svc, "Normal", "EnsuredLoadBalancer", "Ensured load balancer")
        self._first_seen.pop(key, None)
        return None
