"""kube-proxy: Service virtual IPs -> ready endpoints, per node.

https://kubernetes.io/docs/reference/networking/virtual-ips/
https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport
"""

from fractions import Fraction

import pytest

from minik8s.net.kube_proxy import iptables_pick, iptables_probability, port_proto_hash, svc_chain
from minik8s.net.podnetwork import ConnectionRefused, NetworkError
from net_helpers import CLIENT, cluster_with, hostnames, running, web


def chi_square(counts, n, k):
    exp = n / k
    return sum((c - exp) ** 2 / exp for c in counts)


def test_three_replicas_share_3000_requests_within_statistical_bounds():
    """iptables mode: each of n endpoints gets 1/n of the connections (random, seeded)."""
    c = cluster_with(web(3), CLIENT)
    counts = hostnames(c, "http://web/", 3000)
    assert sorted(counts) == sorted(p["metadata"]["name"] for p in running(c, "app=web"))
    for n in counts.values():
        assert abs(n - 1000) < 5 * (3000 * (1 / 3) * (2 / 3)) ** 0.5      # 5 sigma of a binomial
    assert chi_square(counts.values(), 3000, 3) < 13.8                   # p = 0.001, 2 degrees of freedom


def test_the_kth_rule_matches_with_probability_one_over_n_minus_i():
    """Rule i of n: --probability 1/(n-i); overall each endpoint is equally likely."""
    for n in range(1, 8):
        reach = Fraction(1)
        for i in range(n):
            p = Fraction(1, n - i)
            assert reach * p == Fraction(1, n)
            reach *= 1 - p
    assert iptables_probability(1 / 3) == "0.33333333349"       # iptables-save's rendering
    assert iptables_probability(1 / 2) == "0.50000000000"

    class Fixed:
        def __init__(self, xs):
            self.xs = list(xs)

        def random(self):
            return self.xs.pop(0)
    assert iptables_pick(3, Fixed([0.9, 0.9])) == 2 and iptables_pick(3, Fixed([0.2])) == 0
    assert iptables_pick(3, Fixed([0.4, 0.4])) == 1


def test_chain_names_are_upstreams_hashes():
    """servicePortChainName: KUBE-SVC- + base32(sha256("default/kubernetes:https" + "tcp"))[:16]."""
    assert svc_chain("default/kubernetes:https", "TCP") == "KUBE-SVC-NPX46M4PTMTKRN6Y"
    assert len(port_proto_hash("x", "tcp")) == 16


def test_iptables_save_lists_the_service_chain():
    c = cluster_with(web(3), CLIENT)
    text = c.component("kube-proxy", "node-1").iptables_save()
    ip = c.get("service", "web")["spec"]["clusterIP"]
    chain = svc_chain("default/web:http", "TCP")
    assert (f'-A KUBE-SERVICES -d {ip}/32 -p tcp -m comment --comment "default/web:http cluster IP" '
            f"-m tcp --dport 80 -j {chain}") in text
    probs = [ln.split("--probability ")[1].split()[0] for ln in text.splitlines()
             if ln.startswith(f"-A {chain} ") and "--probability" in ln]
    assert probs == ["0.33333333349", "0.50000000000"]
    assert len([ln for ln in text.splitlines() if "-j DNAT --to-destination" in ln and "default/web:http" in ln]) == 3


def test_a_pod_failing_readiness_receives_no_traffic():
    c = cluster_with(web(3), CLIENT)
    healthy = sorted(p["metadata"]["name"] for p in running(c, "app=web"))
    # a fourth pod with the Service's labels whose readiness probe fails
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "sick", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                      "ports": [{"containerPort": 8080, "name": "http"}],
                                      "readinessProbe": {"httpGet": {"path": "/missing", "port": 8080}}}]}})
    c.run(20)
    assert c.get("pod", "sick")["status"]["phase"] == "Running"
    counts = hostnames(c, "http://web/", 600)
    assert not [e for e in c.list("endpointslices", selector="kubernetes.io/service-name=web")[0]["endpoints"]
                if e["targetRef"]["name"] == "sick" and e["conditions"]["ready"]]
    assert sorted(counts) == healthy


def test_scaling_changes_the_spread():
    c = cluster_with(web(2), CLIENT)
    assert len(hostnames(c, "http://web/", 200)) == 2
    c.kubectl("scale deployment web --replicas=5")
    c.run(20)
    counts = hostnames(c, "http://web/", 2500)
    assert len(counts) == 5
    for n in counts.values():
        assert abs(n - 500) < 5 * (2500 * 0.2 * 0.8) ** 0.5


def test_node_port_answers_on_every_node_even_without_a_backend():
    """NodePort: every node proxies the port, wherever the pods run."""
    c = cluster_with(web(1, service={"type": "NodePort"}, pod_spec={"nodeName": "node-1"}))
    np_ = c.get("service", "web")["spec"]["ports"][0]["nodePort"]
    pod = running(c, "app=web")[0]
    assert pod["spec"]["nodeName"] == "node-1"
    for node_ip in ("172.18.0.2", "172.18.0.3", "172.18.0.4"):
        assert c.http(f"http://{node_ip}:{np_}/hostname").body.strip() == pod["metadata"]["name"]
    with pytest.raises(ConnectionRefused):
        c.http(f"http://172.18.0.3:{np_ + 1 if np_ < 32767 else np_ - 1}/")


def test_external_traffic_policy_local_drops_on_nodes_without_a_backend():
    c = cluster_with(web(1, service={"type": "NodePort", "externalTrafficPolicy": "Local"},
                         pod_spec={"nodeName": "node-1"}))
    np_ = c.get("service", "web")["spec"]["ports"][0]["nodePort"]
    assert c.http(f"http://172.18.0.2:{np_}/").status == 200
    with pytest.raises(NetworkError):
        c.http(f"http://172.18.0.3:{np_}/")


def test_client_ip_session_affinity_pins_a_client():
    c = cluster_with(web(3, service={"sessionAffinity": "ClientIP"}), CLIENT)
    assert len(hostnames(c, "http://web/", 100)) == 1
    assert "--rcheck --seconds 10800 --reap" in c.component("kube-proxy", "node-1").iptables_save()


def test_ipvs_mode_is_round_robin():
    c = cluster_with(web(3), CLIENT, proxy_mode="ipvs")
    seq = [c.http("http://web/hostname", from_pod="client").body.strip() for _ in range(9)]
    assert seq[:3] == seq[3:6] == seq[6:] and len(set(seq[:3])) == 3
    assert "rr" in c.component("kube-proxy", "node-1").ipvsadm().splitlines()[3]


def test_stopped_kube_proxy_freezes_its_nodes_rules():
    """kube-proxy only writes rules: stopped, its node keeps the old ones (the failure chapter)."""
    c = cluster_with(web(2, pod_spec={"nodeName": "node-1"}), CLIENT)
    client_node = c.get("pod", "client")["spec"]["nodeName"]
    assert client_node != "node-1"
    c.stop("kube-proxy", node=client_node)
    c.kubectl("scale deployment web --replicas=4")
    c.run(20)
    assert len(running(c, "app=web")) == 4
    assert len(hostnames(c, "http://web/", 200)) == 2                  # frozen: only the old two
    other = next(n for n in ("node-1", "node-2", "node-3") if n != client_node)
    assert len(c.component("kube-proxy", other).cluster[(c.get("service", "web")["spec"]["clusterIP"], 80)]
               .cluster_eps) == 4
    c.start("kube-proxy", node=client_node)
    c.run(1)
    assert len(hostnames(c, "http://web/", 400)) == 4


def test_no_endpoints_is_a_reject_rule_in_the_filter_table():
    c = cluster_with(web(0), CLIENT)
    text = c.component("kube-proxy", "node-1").iptables_save("filter")
    assert '--comment "default/web:http has no endpoints"' in text and "-j REJECT" in text
    assert "Connection refused" in c.exec("client", "wget -qO- http://web")


def test_same_seed_same_choices_and_clusters_do_not_share_rules():
    """Determinism: the endpoint choices come from the cluster's seeded RNG only."""
    def run(seed):
        c = cluster_with(web(3), CLIENT, seed=seed)
        return c, [c.http("http://web/hostname", from_pod="client").body for _ in range(50)]
    a, seq_a = run(5)
    b, seq_b = run(5)
    assert seq_a == seq_b
    a.delete("service", "web")
    a.run(1)
    assert b.http("http://web/", from_pod="client").status == 200       # b's rules untouched by a
    a.run(30)                                                             # past CoreDNS's cache
    assert not a.dns("web", from_pod="client").ok and b.dns("web", from_pod="client").ok


def test_rule_syncs_are_at_most_once_per_min_sync_period():
    """kube-proxy --iptables-min-sync-period=1s: a change right after a sync waits for the period's end."""
    c = cluster_with(CLIENT)
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "m"},
             "spec": {"ports": [{"name": "http", "port": 80}]}})

    def write_slice(ips):
        body = {"apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
                "metadata": {"name": "m-1", "labels": {"kubernetes.io/service-name": "m"}},
                "addressType": "IPv4", "ports": [{"name": "http", "port": 8080}],
                "endpoints": [{"addresses": [ip]} for ip in ips]}
        c.apply(body)
    c.run(5)
    proxy = c.component("kube-proxy", "node-1")
    key = (c.get("service", "m")["spec"]["clusterIP"], 80)
    write_slice(["10.244.9.1"])                     # first change after a quiet period: synced at once
    assert [e["ip"] for e in proxy.cluster[key].cluster_eps] == ["10.244.9.1"]
    c.run(0.25)
    write_slice(["10.244.9.1", "10.244.9.2"])       # 0.25 s later: waits until 1 s after the last sync
    c.run(0.5)
    assert len(proxy.cluster[key].cluster_eps) == 1
    c.run(0.25)
    assert len(proxy.cluster[key].cluster_eps) == 2


def test_node_port_rules_jump_through_a_kube_ext_chain():
    c = cluster_with(web(1, service={"type": "NodePort", "ports": [{"name": "http", "port": 80,
                                                                     "targetPort": "http", "nodePort": 31234}]}))
    text = c.component("kube-proxy", "node-2").iptables_save()
    ext = "KUBE-EXT-" + port_proto_hash("default/web:http", "tcp")
    assert f'-A KUBE-NODEPORTS -p tcp -m comment --comment "default/web:http" -m tcp --dport 31234 -j {ext}' in text
    assert f"-A {ext} -j {svc_chain('default/web:http', 'TCP')}" in text
