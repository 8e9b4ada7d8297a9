"""What kube-apiserver creates at start: the ``default/kubernetes`` Service with its endpoints.

kube-apiserver's bootstrap controller (pkg/controlplane/controller/kubernetesservice) keeps the
``kubernetes`` Service (the first address of the Service range, ``10.96.0.1:443``) pointing at the
API server's own address, with an EndpointSlice and an Endpoints object it writes itself
(https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/). kubeadm then adds
the ``kube-system/kube-dns`` Service (``10.96.0.10``, CoreDNS) as a cluster add-on
(https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/).

Their uids come from an RNG of their own (``rng``), so booting never shifts what the rest of a
run generates.
"""

from __future__ import annotations

from .. import params as P


def bootstrap_services(apiserver, rng) -> None:
    """Create what is missing of ``default/kubernetes`` (Service, EndpointSlice, Endpoints) and
    the ``kube-system/kube-dns`` Service; uids drawn from ``rng``."""
    if not apiserver.store.peek("services", "default/kubernetes"):
        apiserver.create("services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"component": "apiserver", "provider": "kubernetes"}},
            "spec": {"clusterIP": P.KUBERNETES_SERVICE_IP, "type": "ClusterIP",
                     "ports": [{"name": "https", "port": 443, "protocol": "TCP",
                                "targetPort": P.APISERVER_PORT}]}}, rng=rng)
    if not apiserver.store.peek("endpointslices", "default/kubernetes"):
        apiserver.create("endpointslices", {
            "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"kubernetes.io/service-name": "kubernetes"}},
            "addressType": "IPv4",
            "endpoints": [{"addresses": [P.CONTROL_PLANE_IP], "conditions": {"ready": True}}],
            "ports": [{"name": "https", "port": P.APISERVER_PORT, "protocol": "TCP"}]}, rng=rng)
    if not apiserver.store.peek("endpoints", "default/kubernetes"):
        apiserver.create("endpoints", {
            "apiVersion": "v1", "kind": "Endpoints",
            "metadata": {"name": "kubernetes", "namespace": "default",
                         "labels": {"endpointslice.kubernetes.io/skip-mirror": "true"}},
            "subsets": [{"addresses": [{"ip": P.CONTROL_PLANE_IP}],
                         "ports": [{"name": "https", "port": P.APISERVER_PORT, "protocol": "TCP"}]}]}, rng=rng)
    if not apiserver.store.peek("services", "kube-system/kube-dns"):
        apiserver.create("services", {
            "apiVersion": "v1", "kind": "Service",
            "metadata": {"name": "kube-dns", "namespace": "kube-system",
                         "labels": {"k8s-app": "kube-dns", "kubernetes.io/cluster-service": "true",
                                    "kubernetes.io/name": "CoreDNS"},
                         "annotations": {"prometheus.io/port": "9153", "prometheus.io/scrape": "true"}},
            "spec": {"clusterIP": P.KUBE_DNS_IP, "type": "ClusterIP", "selector": {"k8s-app": "kube-dns"},
                     "ports": [{"name": "dns", "port": 53, "protocol": "UDP", "targetPort": 53},
                               {"name": "dns-tcp", "port": 53, "protocol": "TCP", "targetPort": 53},
                               {"name": "metrics", "port": 9153, "protocol": "TCP", "targetPort": 9153}]}},
            rng=rng)
