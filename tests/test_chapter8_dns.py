"""Behaviour chapter 8 of the book relies on (book/ch8-dns.md), pinned against the Kubernetes
documentation so that an engine change which would silently change the chapter's story fails here.

Doc pages:
- DNS for Services and Pods: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
- Debugging DNS resolution: https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
- StatefulSet stable network ID: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
- Kubernetes DNS-Based Service Discovery specification: https://github.com/kubernetes/dns/blob/master/docs/specification.md
"""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.network import params as P
from minik8s.network.resolver import search_candidates

CLIENT = """
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: NS}
spec:
  containers: [{name: c, image: busybox:1.36, command: [sleep, "36000"]}]
"""


def _pod(dns: str) -> str:
    return f"""
apiVersion: v1
kind: Pod
metadata: {{name: p}}
spec:
  {dns}
  containers: [{{name: c, image: busybox:1.36, command: [sleep, "3600"]}}]
"""


@pytest.mark.parametrize("dns, error", [
    ("dnsPolicy: None",
     'The Pod "p" is invalid: spec.dnsConfig: Required value: must provide `dnsConfig` when `dnsPolicy` is None'),
    ("dnsPolicy: None\n  dnsConfig: {searches: [a.example]}",
     'The Pod "p" is invalid: spec.dnsConfig.nameservers: Required value: must provide at least one DNS '
     'nameserver when `dnsPolicy` is None'),
    ("dnsConfig: {nameservers: [192.0.2.1, 192.0.2.2, 192.0.2.3, 192.0.2.4]}",
     'The Pod "p" is invalid: spec.dnsConfig.nameservers: Invalid value: []string{"192.0.2.1", "192.0.2.2", '
     '"192.0.2.3", "192.0.2.4"}: must not have more than 3 nameservers'),
    ("dnsConfig: {nameservers: [dns.example]}",
     'The Pod "p" is invalid: spec.dnsConfig.nameservers[0]: Invalid value: "dns.example": must be a valid IP '
     'address, (e.g. 10.9.8.7 or 2001:db8::ffff)'),
])
def test_dns_config_validation(dns, error):
    """Pod's DNS Config: with dnsPolicy None, dnsConfig must be given with at least one nameserver;
    at most 3 IP addresses (dns-pod-service/#pod-dns-config; validatePodDNSConfig's messages)."""
    c = Cluster(nodes=1, seed=0)
    assert c.kubectl("apply -f -", stdin=_pod(dns)).strip() == error
    assert c.list("pods") == []


def test_dns_none_with_a_nameserver_is_accepted():
    c = Cluster(nodes=1, seed=0)
    out = c.kubectl("apply -f -", stdin=_pod("dnsPolicy: None\n  dnsConfig: {nameservers: [10.96.0.10]}"))
    assert out == "pod/p created\n"


STS = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
spec:
  clusterIP: None
  selector:
    app: nginx
  ports:
  - port: 80
    name: web
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  selector:
    matchLabels:
      app: nginx
  serviceName: nginx
  replicas: 2
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports:
        - containerPort: 80
          name: web
"""


def test_kubectl_delete_waits_for_the_uid_not_the_name():
    """kubectl delete waits with cmdwait.IsDeleted and the UIDs of what it deleted
    (kubectl/pkg/cmd/delete/delete.go, waitDeletion): a StatefulSet Pod re-created under the same name
    does not make it time out (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/)."""
    c = Cluster(nodes=2, seed=0)
    c.apply(STS)
    c.run(20)
    uid = c.get("pod", "web-0")["metadata"]["uid"]
    assert c.kubectl("delete pod web-0") == 'pod "web-0" deleted\n'
    c.run(10)
    assert c.get("pod", "web-0")["metadata"]["uid"] != uid
