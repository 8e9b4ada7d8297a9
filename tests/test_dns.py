"""DNS for Services and Pods: CoreDNS records, resolv.conf per dnsPolicy, search list and ndots.

https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/
https://github.com/kubernetes/dns/blob/master/docs/specification.md (DNS-Based Service Discovery)
https://kubernetes.io/docs/tasks/administer-cluster/dns-debugging-resolution/
"""

from minik8s.network.dns_config import resolv_conf_for
from minik8s.network.resolver import search_candidates
from net_helpers import CLIENT, cluster_with, running, web

SUBDOMAIN = """
apiVersion: v1
kind: Service
metadata: {name: busybox-subdomain}
spec:
  selector: {name: busybox}
  clusterIP: None
  ports:
  - {name: foo, port: 1234}
---
apiVersion: v1
kind: Pod
metadata: {name: busybox1, labels: {name: busybox}}
spec:
  hostname: busybox-1
  subdomain: busybox-subdomain
  containers: [{image: "busybox:1.28", command: [sleep, "3600"], name: busybox}]
---
apiVersion: v1
kind: Pod
metadata: {name: busybox2, labels: {name: busybox}}
spec:
  hostname: busybox-2
  subdomain: busybox-subdomain
  containers: [{image: "busybox:1.28", command: [sleep, "3600"], name: busybox}]
"""

SEARCH = "search default.svc.cluster.local svc.cluster.local cluster.local"


def test_cluster_first_resolv_conf_in_every_container():
    c = cluster_with(CLIENT)
    assert c.exec("client", "cat /etc/resolv.conf") == (SEARCH + "\nnameserver 10.96.0.10\noptions ndots:5\n")


def test_dns_policies_and_dns_config():
    """Pod's DNS policy and Pod's DNS Config (the docs' dns-config example)."""
    pod = {"metadata": {"name": "p", "namespace": "ns1"}, "spec": {}}
    assert resolv_conf_for(pod).splitlines()[0] == "search ns1.svc.cluster.local svc.cluster.local cluster.local"
    assert resolv_conf_for({**pod, "spec": {"dnsPolicy": "Default"}}) == "nameserver 172.18.0.1\n"
    assert resolv_conf_for({**pod, "spec": {"hostNetwork": True}}) == "nameserver 172.18.0.1\n"
    assert resolv_conf_for({**pod, "spec": {"hostNetwork": True, "dnsPolicy": "ClusterFirstWithHostNet"}}) \
        .splitlines()[1] == "nameserver 10.96.0.10"
    none = {"metadata": {"name": "dns-example", "namespace": "default"},
            "spec": {"dnsPolicy": "None", "dnsConfig": {
                "nameservers": ["192.0.2.1"], "searches": ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
                "options": [{"name": "ndots", "value": "2"}, {"name": "edns0"}]}}}
    assert resolv_conf_for(none) == ("search ns1.svc.cluster-domain.example my.dns.search.suffix\n"
                                     "nameserver 192.0.2.1\noptions ndots:2 edns0\n")
    merged = {"metadata": {"name": "p", "namespace": "default"},
              "spec": {"dnsConfig": {"searches": ["x.example"], "options": [{"name": "ndots", "value": "1"}]}}}
    assert resolv_conf_for(merged) == (SEARCH + " x.example\nnameserver 10.96.0.10\noptions ndots:1\n")


def test_search_expansion_and_queries_tried():
    """ndots:5: names with fewer dots go through the search list first; a trailing dot is absolute."""
    c = cluster_with(web(1), CLIENT)
    ip = c.get("service", "web")["spec"]["clusterIP"]
    cases = {"web": 1, "web.default": 2, "web.default.svc": 3, "web.default.svc.cluster.local": 4,
             "web.default.svc.cluster.local.": 1, "example.com": 4, "example.com.": 1}
    for name, queries in cases.items():
        r = c.dns(name, from_pod="client")
        assert r.queries == queries, (name, r.tried)
        if name.startswith("web"):
            assert r.ips == [ip] and r.tried[-1] == "web.default.svc.cluster.local."
    assert c.dns("web", from_pod="client").tried == ["web.default.svc.cluster.local."]
    assert c.dns("example.com", from_pod="client").tried == [
        "example.com.default.svc.cluster.local.", "example.com.svc.cluster.local.", "example.com.cluster.local.",
        "example.com."]
    assert search_candidates("a.b.c.d.e.f", ["x"], 5) == ["a.b.c.d.e.f.", "a.b.c.d.e.f.x."]


def test_a_record_for_a_service_in_another_namespace_needs_the_namespace():
    c = cluster_with(CLIENT)
    assert not c.dns("kube-dns", from_pod="client").ok
    assert c.dns("kube-dns.kube-system", from_pod="client").ips == ["10.96.0.10"]
    assert c.dns("kubernetes.default", from_pod="client").ips == ["10.96.0.1"]


def test_headless_service_a_records_per_ready_endpoint_and_hostname_records():
    c = cluster_with(SUBDOMAIN, CLIENT)
    ips = {p["metadata"]["name"]: p["status"]["podIP"] for p in running(c, "name=busybox")}
    r = c.dns("busybox-subdomain.default.svc.cluster.local", from_pod="client")
    assert sorted(r.ips) == sorted(ips.values())
    assert c.dns("busybox-1.busybox-subdomain.default.svc.cluster.local", from_pod="client").ips == [ips["busybox1"]]
    assert c.dns("busybox-2.busybox-subdomain", from_pod="client").ips == [ips["busybox2"]]
    srv = c.dns("_foo._tcp.busybox-subdomain.default.svc.cluster.local.", from_pod="client", qtype="SRV")
    assert sorted(rec.data for rec in srv.answer.records) == [
        "0 50 1234 busybox-1.busybox-subdomain.default.svc.cluster.local.",
        "0 50 1234 busybox-2.busybox-subdomain.default.svc.cluster.local."]


def test_headless_service_without_ready_endpoints_is_nxdomain():
    c = cluster_with(CLIENT)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "nobody"},
             "spec": {"clusterIP": "None", "selector": {"app": "none"}, "ports": [{"port": 80}]}})
    c.run(1)
    r = c.dns("nobody.default.svc.cluster.local.", from_pod="client")
    assert r.answer.rcode == "NXDOMAIN" and r.ips == []


def test_srv_for_a_named_port_of_a_cluster_ip_service_and_ptr():
    c = cluster_with(web(1), CLIENT)
    ip = c.get("service", "web")["spec"]["clusterIP"]
    srv = c.dns("_http._tcp.web.default.svc.cluster.local.", from_pod="client", qtype="SRV")
    assert [rec.data for rec in srv.answer.records] == ["0 100 80 web.default.svc.cluster.local."]
    rev = ".".join(reversed(ip.split("."))) + ".in-addr.arpa."
    assert [rec.data for rec in c.dns(rev, from_pod="client", qtype="PTR").answer.records] == [
        "web.default.svc.cluster.local."]


def test_external_name_is_a_cname():
    c = cluster_with(CLIENT)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-service", "namespace": "default"},
             "spec": {"type": "ExternalName", "externalName": "example.com"}})
    c.run(1)
    r = c.dns("my-service", from_pod="client")
    assert [(rec.type, rec.data) for rec in r.answer.records] == [("CNAME", "example.com."), ("A", "93.184.215.14")]
    out = c.exec("client", "nslookup my-service")
    assert "my-service.default.svc.cluster.local\tcanonical name = example.com" in out


def test_pod_a_records_by_dashed_ip():
    c = cluster_with(CLIENT)
    assert c.dns("10-244-1-7.default.pod.cluster.local", from_pod="client").ips == ["10.244.1.7"]


def test_unknown_external_names_are_nxdomain_from_upstream():
    c = cluster_with(CLIENT)
    r = c.dns("no-such-host.invalid", from_pod="client")
    assert not r.ok and r.answer.rcode == "NXDOMAIN" and r.queries == 4
    assert c.exec("client", "wget -qO- http://no-such-host.invalid") == "wget: bad address 'no-such-host.invalid'\n"


def test_busybox_1_28_nslookup_as_on_the_dns_debugging_page():
    c = cluster_with(SUBDOMAIN)
    out = c.exec("busybox1", "nslookup kubernetes.default")
    assert out == ("Server:    10.96.0.10\nAddress 1: 10.96.0.10 kube-dns.kube-system.svc.cluster.local\n\n"
                   "Name:      kubernetes.default\n"
                   "Address 1: 10.96.0.1 kubernetes.default.svc.cluster.local\n")
    bad = c.exec("busybox1", "nslookup nothing-here")
    assert bad.endswith("nslookup: can't resolve 'nothing-here'\n")


def test_stopped_coredns_times_out():
    c = cluster_with(web(1), CLIENT)
    c.stop("coredns")
    r = c.dns("web", from_pod="client")
    assert r.timed_out and r.delay == 10                     # timeout:5 x attempts:2
    assert c.exec("client", "nslookup web") == ";; connection timed out; no servers could be reached\n\n"
    c.start("coredns")
    assert c.dns("web", from_pod="client").ok


def test_dns_policy_default_pods_do_not_see_cluster_names():
    c = cluster_with(web(1))
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "outside"},
             "spec": {"dnsPolicy": "Default", "containers": [{"name": "c", "image": "busybox:1.36",
                                                              "command": ["sleep", "3600"]}]}})
    c.run(10)
    assert not c.dns("web", from_pod="outside").ok
    assert c.dns("example.com", from_pod="outside").ips == ["93.184.215.14"]


def test_coredns_caches_upstream_answers_30_seconds_never_cluster_names():
    """kubeadm's Corefile (v1.32 and later, kubernetes/kubernetes#128359) has
    `cache 30 { disable success cluster.local; disable denial cluster.local }`: answers from upstream
    are reused for up to 30 s (the TTL counting down), while the kubernetes plugin's names are always
    as fresh as its watch: a deleted Service is NXDOMAIN at once, a new one resolves at once
    (https://kubernetes.io/docs/tasks/administer-cluster/dns-custom-nameservers/#coredns)."""
    c = cluster_with(web(1), CLIENT)
    upstream = c.component("coredns").upstream
    first = c.dns("example.com.", from_pod="client")
    asked = upstream.queries
    assert first.answer.records[0].ttl == 30
    c.run(10)
    again = c.dns("example.com.", from_pod="client")
    assert again.ips == first.ips and again.answer.records[0].ttl == 20 and upstream.queries == asked
    c.run(21)
    c.dns("example.com.", from_pod="client")
    assert upstream.queries == asked + 1
    assert c.dns("web.default.svc.cluster.local.", from_pod="client").answer.records[0].ttl == 30
    c.delete("service", "web")
    c.run(1)
    assert c.dns("web.default.svc.cluster.local.", from_pod="client").answer.rcode == "NXDOMAIN"
    c.apply(web(1)[1])
    c.run(1)
    assert c.dns("web.default.svc.cluster.local.", from_pod="client").ok
