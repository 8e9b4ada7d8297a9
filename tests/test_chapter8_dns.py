"""Behaviour chapter 8 of the book relies on (book/ch8-dns.md), pinned against the Kubernetes
documentation so that an engine change which would silently change the chapter's story fails here.

Doc pages:
- DNS for Services and Pods: https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
- Debugging DNS resolution: https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
- StatefulSet stable network ID: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-network-id
- Kubernetes DNS-Based Service Discovery specification: https://github.com/kubernetes/dns/blob/master/docs/specification.md
"""

from __future__ import annotations

import html

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


# --- the chapter's cluster ------------------------------------------------------------------------

APP = """
apiVersion: v1
kind: Namespace
metadata: {name: prod}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, namespace: prod}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers:
      - name: app
        image: minik8s/app:1.0
        ports: [{name: http, containerPort: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: prod}
spec:
  selector: {app: web}
  ports: [{name: http, port: 80, targetPort: http}]
---
apiVersion: v1
kind: Pod
metadata: {name: client}
spec:
  containers: [{name: shell, image: busybox:1.36, command: [sleep, "36000"]}]
"""


@pytest.fixture(scope="module")
def chapter():
    c = Cluster(nodes=2, seed=0)
    c.apply(APP)
    c.run(20)
    return c


def test_kube_dns_service_as_kubeadm_makes_it(chapter):
    """CoreDNS's Service keeps the name kube-dns; kubeadm gives it 10.96.0.10 (the 10th address of
    10.96.0.0/12) and ports dns 53/UDP, dns-tcp 53/TCP, metrics 9153/TCP
    (https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/)."""
    svc = chapter.get("service", "kube-dns", "kube-system")
    assert svc["spec"]["clusterIP"] == P.KUBE_DNS_IP == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in svc["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]
    assert svc["metadata"]["labels"]["k8s-app"] == "kube-dns"
    assert P.CLUSTER_DOMAIN == "cluster.local"
    assert P.DNS_TTL == 30 and P.COREDNS_CACHE_SECONDS == 30           # kubeadm Corefile: ttl 30, cache 30


def test_cluster_first_resolv_conf(chapter):
    """dns-pod-service/#namespaces-of-services: search <ns>.svc.cluster.local svc.cluster.local
    cluster.local, the cluster DNS as nameserver, options ndots:5."""
    assert chapter.exec("client", "cat /etc/resolv.conf") == (
        "search default.svc.cluster.local svc.cluster.local cluster.local\n"
        "nameserver 10.96.0.10\noptions ndots:5\n")


def test_service_a_and_srv_records(chapter):
    """A Service's A record is its ClusterIP; a named port has _<port>._<proto>.<svc>.<ns>.svc.<zone>
    SRV (dns-pod-service/#a-aaaa-records, #srv-records); records live 30 s (ttl 30)."""
    ip = chapter.get("service", "web", "prod")["spec"]["clusterIP"]
    r = chapter.dns("web.prod.svc.cluster.local.", from_pod="client")
    assert r.ips == [ip] and r.answer.records[0].ttl == 30
    srv = chapter.dns("_http._tcp.web.prod.svc.cluster.local.", from_pod="client", qtype="SRV")
    assert [x.data for x in srv.answer.records] == ["0 100 80 web.prod.svc.cluster.local."]
    out = chapter.exec("client", "nslookup -type=SRV _http._tcp.web.prod.svc.cluster.local")
    assert "service = 0 100 80 web.prod.svc.cluster.local" in out
    assert chapter.exec("client", "wget -qO- http://web.prod").startswith("Hello from web-")


def test_the_chapters_query_counts(chapter):
    """resolv.conf(5): a name with fewer than ndots dots tries the search list first; with at least
    ndots, as it is first; a trailing dot makes it absolute. The table of the chapter."""
    want = {"web.prod": 2, "web.prod.svc": 3, "web.prod.svc.cluster.local": 4, "web.prod.svc.cluster.local.": 1,
            "example.com": 4, "example.com.": 1}
    for name, n in want.items():
        r = chapter.dns(name, from_pod="client")
        assert r.ok and r.queries == n, (name, r.tried)
    assert chapter.dns("web.prod", from_pod="client").tried == [
        "web.prod.default.svc.cluster.local.", "web.prod.svc.cluster.local."]
    web = chapter.dns("web", from_pod="client")
    assert not web.ok and web.answer.rcode == "NXDOMAIN" and web.tried == [
        "web.default.svc.cluster.local.", "web.svc.cluster.local.", "web.cluster.local.", "web."]
    out = chapter.exec("client", "nslookup web")
    assert out.count("server can't find") == 4 and "NXDOMAIN" in out


def test_search_candidates_rule():
    """resolv.conf(5) ndots: 'at least' ndots dots means tried as it is first."""
    search = ["a.svc.cluster.local", "svc.cluster.local"]
    assert search_candidates("x.y.z", search, 2) == ["x.y.z.", "x.y.z.a.svc.cluster.local.",
                                                     "x.y.z.svc.cluster.local."]
    assert search_candidates("x.y.z", search, 3) == ["x.y.z.a.svc.cluster.local.", "x.y.z.svc.cluster.local.",
                                                     "x.y.z."]
    assert search_candidates("x.y.", search, 5) == ["x.y."]
    assert search_candidates("x", [], 1) == ["x."]


def test_a_service_in_io_shadows_kubernetes_io():
    """The search list comes first for names with fewer than ndots dots: a Service `kubernetes` in a
    namespace `io` answers `kubernetes.io` (Try it; exercise q1 relies on it)."""
    c = Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "io"}})
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "kubernetes", "namespace": "io"},
             "spec": {"selector": {"app": "x"}, "ports": [{"port": 80}]}})
    c.apply(CLIENT.replace("NS", "default"))
    c.run(10)
    ip = c.get("service", "kubernetes", "io")["spec"]["clusterIP"]
    assert c.dns("kubernetes.io", from_pod="client").ips == [ip]
    assert c.dns("kubernetes.io.", from_pod="client").ips == ["147.75.40.148"]


def test_headless_statefulset_names_and_cache():
    """Headless Service: one A record per ready Pod; a StatefulSet Pod gets
    <pod>.<serviceName>.<ns>.svc.cluster.local (statefulset/#stable-network-id); a re-created Pod
    keeps the name with a new IP, at once (kubeadm's Corefile does not cache cluster.local since
    v1.32, kubernetes/kubernetes#128359); no ready Pod: NXDOMAIN."""
    c = Cluster(nodes=2, seed=0)
    c.apply(STS)
    c.apply(CLIENT.replace("NS", "default"))
    c.run(20)
    ips = {p["metadata"]["name"]: p["status"]["podIP"] for p in c.list("pods", selector="app=nginx")}
    assert sorted(c.dns("nginx", from_pod="client").ips) == sorted(ips.values())
    assert c.dns("web-0.nginx", from_pod="client").ips == [ips["web-0"]]
    assert c.get("pod", "web-0")["spec"]["hostname"] == "web-0"
    assert c.get("pod", "web-0")["spec"]["subdomain"] == "nginx"
    c.kubectl("scale statefulset web --replicas=3")
    c.run(15)
    assert c.dns("web-2.nginx", from_pod="client").ok
    c.kubectl("delete pod web-0")
    c.run(10)
    new = c.get("pod", "web-0")["status"]["podIP"]
    assert new != ips["web-0"] and c.dns("web-0.nginx", from_pod="client").ips == [new]
    c.kubectl("scale statefulset web --replicas=0")
    c.run(60)
    assert c.dns("nginx.default.svc.cluster.local.", from_pod="client").answer.rcode == "NXDOMAIN"


def test_external_name_and_pod_records(chapter):
    """ExternalName: a CNAME to externalName (dns-pod-service/#services); Pods:
    <a-b-c-d>.<ns>.pod.cluster.local (dns-pod-service/#a-aaaa-records-1)."""
    chapter.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "docs"},
                   "spec": {"type": "ExternalName", "externalName": "kubernetes.io"}})
    chapter.run(1)
    r = chapter.dns("docs", from_pod="client")
    assert [(x.type, x.data) for x in r.answer.records] == [("CNAME", "kubernetes.io."), ("A", "147.75.40.148")]
    ip = chapter.get("pod", "client")["status"]["podIP"]
    assert chapter.dns(f"{ip.replace('.', '-')}.default.pod.cluster.local", from_pod="client").ips == [ip]


def test_dns_policies_of_the_chapter(chapter):
    """dns-pod-service/#pod-s-dns-policy: Default uses the node's resolv.conf (no cluster names);
    None takes everything from dnsConfig; without an ndots option the resolver's default is 1
    (resolv.conf(5))."""
    chapter.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "outside"},
                   "spec": {"dnsPolicy": "Default", "containers": [
                       {"name": "shell", "image": "busybox:1.36", "command": ["sleep", "36000"]}]}})
    chapter.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "custom"},
                   "spec": {"dnsPolicy": "None", "dnsConfig": {
                       "nameservers": ["10.96.0.10"], "searches": ["prod.svc.cluster.local", "svc.cluster.local"],
                       "options": [{"name": "ndots", "value": "1"}]},
                       "containers": [{"name": "shell", "image": "busybox:1.36", "command": ["sleep", "36000"]}]}})
    chapter.run(10)
    assert chapter.exec("outside", "cat /etc/resolv.conf") == "nameserver 172.18.0.1\n"
    assert chapter.dns("web.prod.svc.cluster.local", from_pod="outside").answer.rcode == "NXDOMAIN"
    assert chapter.dns("example.com", from_pod="outside").ips == ["93.184.215.14"]
    assert chapter.exec("custom", "cat /etc/resolv.conf") == (
        "search prod.svc.cluster.local svc.cluster.local\nnameserver 10.96.0.10\noptions ndots:1\n")
    assert chapter.dns("web", from_pod="custom").queries == 1
    assert chapter.dns("example.com", from_pod="custom").tried == ["example.com."]
    from minik8s.network.resolver import ResolvConf
    assert ResolvConf("nameserver 10.96.0.10\n").ndots == 1


def test_cluster_names_are_fresh_external_answers_cached_30_seconds():
    """kubeadm's Corefile (v1.32+, kubernetes/kubernetes#128359): `cache 30 { disable success
    cluster.local; disable denial cluster.local }`. The chapter's story: a Service created just after
    a failed lookup resolves 1 s later; example.com.'s TTL is capped at 30 and counts down to 20."""
    c = Cluster(nodes=1, seed=0)
    c.apply(APP)
    c.run(20)
    assert c.dns("api.prod", from_pod="client").answer.rcode == "NXDOMAIN"
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "api", "namespace": "prod"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    c.run(1)
    assert c.dns("api.prod", from_pod="client").ips == [c.get("service", "api", "prod")["spec"]["clusterIP"]]
    assert c.dns("example.com.", from_pod="client").answer.records[0].ttl == 30
    c.run(10)
    assert c.dns("example.com.", from_pod="client").answer.records[0].ttl == 20


def test_coredns_stopped_lookups_time_out_traffic_by_ip_flows():
    """resolv.conf(5) defaults timeout:5 attempts:2: with no DNS server answering, a lookup gives up
    after 10 s; kube-proxy still forwards to a ClusterIP (dns-debugging-resolution)."""
    c = Cluster(nodes=2, seed=0)
    c.apply(APP)
    c.run(20)
    c.stop("coredns")
    r = c.dns("web.prod", from_pod="client")
    assert r.timed_out and r.delay == 10 and r.queries == 1
    assert c.exec("client", "nslookup web.prod") == ";; connection timed out; no servers could be reached\n\n"
    assert c.exec("client", "wget -qO- http://web.prod") == "wget: bad address 'web.prod'\n"
    ip = c.get("service", "web", "prod")["spec"]["clusterIP"]
    assert c.exec("client", f"wget -qO- http://{ip}").startswith("Hello from web-")
    c.start("coredns")
    assert c.dns("web.prod", from_pod="client").ok


def test_lookup_stepper_and_dns_diagram(chapter):
    """The chapter's widgets: one frame per query plus the resolv.conf and outcome frames; the
    diagram shows kube-dns, CoreDNS's plugins and the Service's records, and a stopped CoreDNS."""
    from minik8s.viz import LookupStepper, dns_diagram
    s = LookupStepper(chapter, "github.com", "client")
    assert len(s.queries) == 4 and len(s) == 6
    assert s.text().splitlines()[-1] == "4. github.com. -> NOERROR: A 140.82.121.3"
    assert "fewer than ndots:5" in s.frame_html(0)
    assert "forward plugin" in s.frame_html(4) and "cache plugin" not in s.frame_html(4)
    again = LookupStepper(chapter, "github.com", "client")              # within the 30 s of `cache 30`
    assert again.resolution.tried == s.resolution.tried and "cache plugin" in again.frame_html(4)
    bundle = s._repr_mimebundle_()
    assert "application/vnd.jupyter.widget-view+json" in bundle
    queries = chapter.component("coredns").queries
    svg = html.unescape(dns_diagram(chapter, "client").svg())
    assert chapter.component("coredns").queries == queries             # drawing asks no (counted) query
    assert "kube-dns Service" in svg and "forward . /etc/resolv.conf" in svg and "prod/web" in svg
    chapter.stop("coredns")
    try:
        assert "(stopped)" in html.unescape(dns_diagram(chapter, "client").svg())
    finally:
        chapter.start("coredns")


def test_lookup_stepper_steps_in_the_browser(chapter):
    """The LookupStepper's frames are a Stack linked to a slider and prev/next buttons with jslink
    (browser-side), so it steps in the static page; no ipywidgets.Play."""
    import ipywidgets as W
    from minik8s.viz import LookupStepper
    s = LookupStepper(chapter, "web.prod", "client")
    box = s.widget()
    stack = [w for w in box.children if isinstance(w, W.Stack)][0]
    slider = [w for w in box.children if isinstance(w, W.IntSlider)][0]
    assert len(stack.children) == len(s) == 4 and slider.max == 3
    links = box._minik8s_links
    assert all(type(link).__name__ == "Link" for link in links)
    linked = {(id(link.source[0]), link.source[1], id(link.target[0]), link.target[1]) for link in links}
    assert (id(slider), "value", id(stack), "selected_index") in linked
    navs = [f.children[0] for f in stack.children]
    assert all((id(slider), "value", id(n), "index") in linked for n in navs)
    assert navs[0].options[1][0] == "next \u25b6" and navs[1].options[0][0] == "\u25c0 prev"


def test_external_name_to_a_missing_host_fails_like_a_missing_name():
    """An ExternalName Service is only a CNAME (dns-pod-service/#services): when its target has no
    address, the lookup has no A record, and the resolver goes on through the search list and fails
    (wget: bad address), never a crash."""
    c = Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "old"},
             "spec": {"type": "ExternalName", "externalName": "gone.example.invalid"}})
    c.apply(CLIENT.replace("NS", "default"))
    c.run(10)
    r = c.dns("old", from_pod="client")
    assert not r.ok and r.queries == 4 and r.ips == []
    assert c.exec("client", "wget -qO- http://old") == "wget: bad address 'old'\n"
