"""Services: ClusterIP/NodePort/LoadBalancer/ExternalName/headless, allocation and errors, kubectl.

https://kubernetes.io/docs/concepts/services-networking/service/
https://kubernetes.io/docs/concepts/services-networking/cluster-ip-allocation/
"""

import ipaddress

import pytest

from minik8s import ApiError, Cluster
from minik8s.net.podnetwork import ConnectionRefused
from net_helpers import CLIENT, cluster_with, web


def svc(name, **spec):
    spec.setdefault("ports", [{"port": 80}])
    return {"apiVersion": "v1", "kind": "Service", "metadata": {"name": name}, "spec": spec}


def test_kubernetes_and_kube_dns_services_exist_at_start():
    """kubeadm: default/kubernetes is the first IP of the service range, kube-dns is 10.96.0.10."""
    c = Cluster(nodes=1)
    k = c.get("service", "kubernetes")
    assert k["spec"]["clusterIP"] == "10.96.0.1" and k["spec"]["ports"][0]["port"] == 443
    dns = c.get("service", "kube-dns", "kube-system")
    assert dns["spec"]["clusterIP"] == "10.96.0.10"
    assert [(p["name"], p["port"], p["protocol"]) for p in dns["spec"]["ports"]] == [
        ("dns", 53, "UDP"), ("dns-tcp", 53, "TCP"), ("metrics", 9153, "TCP")]


def test_cluster_ip_comes_from_the_upper_band_of_the_service_range():
    """cluster-ip-allocation: dynamic IPs come from the upper band; the lower band is for static picks."""
    c = Cluster(nodes=0)
    ips = [c.create(svc(f"s{i}"))[0]["spec"]["clusterIP"] for i in range(20)]
    net = ipaddress.ip_network("10.96.0.0/12")
    for ip in ips:
        addr = ipaddress.ip_address(ip)
        assert addr in net and int(addr) - int(net.network_address) > 256
    assert len(set(ips)) == 20
    assert c.get("service", "s0")["spec"]["clusterIPs"] == [ips[0]]


def test_same_seed_same_cluster_ips_and_they_do_not_shift_pod_names():
    a, b = Cluster(nodes=0, seed=3), Cluster(nodes=0, seed=3)
    assert a.create(svc("x"))[0]["spec"]["clusterIP"] == b.create(svc("x"))[0]["spec"]["clusterIP"]


def test_requested_cluster_ip_taken_or_out_of_range_is_rejected():
    c = Cluster(nodes=0)
    with pytest.raises(ApiError) as e:
        c.create(svc("dns2", clusterIP="10.96.0.10"))
    assert e.value.message == ('The Service "dns2" is invalid: spec.clusterIPs: Invalid value: '
                               '[]string{"10.96.0.10"}: failed to allocate IP 10.96.0.10: provided IP is already allocated')
    with pytest.raises(ApiError) as e:
        c.create(svc("far", clusterIP="192.168.0.5"))
    assert "the provided IP (192.168.0.5) is not in the valid range. The range of valid IPs is 10.96.0.0/12" \
        in e.value.message
    assert c.create(svc("mine", clusterIP="10.96.0.20"))[0]["spec"]["clusterIP"] == "10.96.0.20"


def test_node_port_allocated_in_range_and_conflicts_rejected():
    """type: NodePort -- a port from 30000-32767; a requested port in use is refused."""
    c = Cluster(nodes=0)
    s = c.create(svc("a", type="NodePort"))[0]
    np_ = s["spec"]["ports"][0]["nodePort"]
    assert 30000 <= np_ <= 32767
    c.create(svc("b", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    with pytest.raises(ApiError) as e:
        c.create(svc("c", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))
    assert e.value.message == ('The Service "c" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
                               'provided port is already allocated')
    c.delete("service", "b")
    assert c.create(svc("c", type="NodePort", ports=[{"port": 80, "nodePort": 30080}]))[0]


def test_get_svc_columns_show_node_port():
    c = Cluster(nodes=0)
    c.create(svc("web", type="NodePort", ports=[{"port": 80, "targetPort": 8080, "nodePort": 31234}]))
    out = c.kubectl("get svc web")
    header, row = out.splitlines()
    assert header.split() == ["NAME", "TYPE", "CLUSTER-IP", "EXTERNAL-IP", "PORT(S)", "AGE"]
    assert row.split()[:5] == ["web", "NodePort", c.get("service", "web")["spec"]["clusterIP"], "<none>",
                               "80:31234/TCP"]


def test_changing_type_to_node_port_keeps_the_cluster_ip_and_adds_a_node_port():
    c = Cluster(nodes=0)
    ip = c.create(svc("web"))[0]["spec"]["clusterIP"]
    c.apiserver.patch("services", "web", {"spec": {"type": "NodePort"}}, "default")
    s = c.get("service", "web")
    assert s["spec"]["clusterIP"] == ip and 30000 <= s["spec"]["ports"][0]["nodePort"] <= 32767


def test_headless_and_external_name_get_no_cluster_ip():
    c = Cluster(nodes=0)
    h = c.create(svc("h", clusterIP="None"))[0]
    assert h["spec"]["clusterIP"] == "None" and h["spec"]["clusterIPs"] == ["None"]
    e = c.create(svc("ext", type="ExternalName", externalName="example.com", ports=[]))[0]
    assert "clusterIP" not in e["spec"]
    assert c.kubectl("get svc ext").splitlines()[1].split()[:4] == ["ext", "ExternalName", "<none>", "example.com"]


def test_load_balancer_pending_then_external_ip_and_reachable_from_outside():
    """type: LoadBalancer -- EXTERNAL-IP <pending> until the cloud controller sets status.loadBalancer."""
    c = cluster_with(web(2, service={"type": "LoadBalancer"}))
    c.apply(svc("lb2", type="LoadBalancer", selector={"app": "web"}))
    assert c.kubectl("get svc lb2").splitlines()[1].split()[3] == "<pending>"
    c.run(5)
    ip = c.get("service", "web")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert c.kubectl("get svc web").splitlines()[1].split()[3] == ip
    assert c.http(f"http://{ip}/hostname").body.startswith("web-")
    reasons = [e["reason"] for e in c.events() if e["involvedObject"]["name"] == "lb2"]
    assert reasons[:2] == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]


def test_kubectl_expose_then_request_through_the_node_port():
    c = cluster_with(web(2), CLIENT)
    c.delete("service", "web")
    out = c.kubectl("expose deployment web --name=web2 --port=80 --target-port=8080 --type=NodePort")
    assert out == "service/web2 exposed\n"
    c.run(1)
    np_ = c.get("service", "web2")["spec"]["ports"][0]["nodePort"]
    assert c.http(f"http://172.18.0.2:{np_}/").body.startswith("Hello from web-")
    assert "Hello from web-" in c.exec("client", "wget -qO- http://web2")


def test_service_without_endpoints_refuses_connections():
    """No ready endpoints: kube-proxy installs a REJECT rule -- the client sees connection refused."""
    c = cluster_with(CLIENT)
    c.apply(svc("empty", selector={"app": "nothing"}))
    c.run(1)
    ip = c.get("service", "empty")["spec"]["clusterIP"]
    with pytest.raises(ConnectionRefused) as e:
        c.http("http://empty/", from_pod="client")
    assert str(e.value) == f"dial tcp {ip}:80: connect: connection refused"
    out = c.exec("client", "wget -qO- http://empty")
    assert out == f"wget: can't connect to remote host ({ip}): Connection refused\n"


def test_selectorless_service_with_a_manual_endpointslice():
    """Services without selectors: the user writes the EndpointSlice (kubernetes.io/service-name label)."""
    c = cluster_with(web(1), CLIENT)
    pod_ip = c.list("pods", selector="app=web")[0]["status"]["podIP"]
    c.apply(svc("manual", ports=[{"name": "http", "port": 80}]))
    c.apply({"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
             "metadata": {"name": "manual-1", "labels": {"kubernetes.io/service-name": "manual"}},
             "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
             "endpoints": [{"addresses": [pod_ip]}]})
    c.run(1)
    assert c.http("http://manual/", from_pod="client").body.startswith("Hello from web-")
    assert c.get("endpointslice", "manual-1")["endpoints"][0]["addresses"] == [pod_ip]   # left alone


def test_port_forward_reaches_the_pod_without_a_service():
    """kubectl port-forward: the kubelet connects to the pod's own localhost."""
    c = cluster_with(web(1))
    pf = c.port_forward("svc/web", "8080:80")
    resp = pf.get("/hostname")
    assert resp.status == 200 and resp.body.strip() == pf.pod
    assert repr(pf).splitlines()[:3] == ["Forwarding from 127.0.0.1:8080 -> 8080",
                                         "Forwarding from [::1]:8080 -> 8080", "Handling connection for 8080"]


def test_kubectl_port_forward_then_localhost():
    """kubectl port-forward deployment/web 8080:8080 prints kubectl's lines; localhost:8080 reaches a pod."""
    c = cluster_with(web(1))
    assert c.kubectl("port-forward deployment/web 8080:8080") == (
        "Forwarding from 127.0.0.1:8080 -> 8080\nForwarding from [::1]:8080 -> 8080\n")
    assert c.http("http://localhost:8080/").body.startswith("Hello from web-")
    assert c.kubectl("port-forward pod/nope 9000:80") == 'Error from server (NotFound): pods "nope" not found\n'
