"""What chapter 7 (book/ch7-services.md) quotes and relies on, pinned against the Kubernetes docs,
so that an engine change which would silently change the chapter's story fails here.

https://kubernetes.io/docs/concepts/services-networking/service/
https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
https://kubernetes.io/docs/reference/networking/virtual-ips/
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from minik8s import ApiError, Cluster
from minik8s.controllers.endpointslice import desired_slices
from minik8s.network import params as NP
from minik8s.network.kube_proxy import iptables_pick, usable_endpoints
from minik8s.runtime.network import NetworkError

WEB = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: app
        image: minik8s/app:1.0
        ports:
        - name: http
          containerPort: 8080
        readinessProbe:
          httpGet:
            path: /ready
            port: http
          periodSeconds: 1
---
apiVersion: v1
kind: Pod
metadata:
  name: client
spec:
  containers:
  - name: client
    image: busybox:1.36
    command: ["sleep", "36000"]
"""


def chapter_cluster(nodes: int = 3) -> Cluster:
    """The chapter's opening: web (3 Pods, named port http) exposed on port 80, and a client Pod."""
    c = Cluster(nodes=nodes, seed=0)
    c.apply(WEB)
    c.run(15)
    assert c.kubectl("expose deployment web --port=80 --target-port=http") == "service/web exposed\n"
    c.run(2)
    return c


def served_by(c, n, url="http://web/"):
    counts = {}
    for _ in range(n):
        pod = c.http(url, from_pod="client").headers["X-Served-By"]
        counts[pod] = counts.get(pod, 0) + 1
    return counts


def conditions(c, pod_name, service="web"):
    for s in c.list("endpointslices", selector=f"kubernetes.io/service-name={service}"):
        for e in s.get("endpoints") or []:
            if e["targetRef"]["name"] == pod_name:
                return e["conditions"]
    return None


def test_expose_defaults_and_the_service_range():
    """kubectl expose copies the Deployment's selector; the API server defaults type ClusterIP and
    sessionAffinity None (service/#defining-a-service) and allocates the cluster IP from the Service
    range, kubeadm's 10.96.0.0/12 (https://kubernetes.io/docs/reference/config-api/kubeadm-config.v1beta4/,
    networking.serviceSubnet); EndpointSlices resolve targetPort http to the container port number."""
    import ipaddress
    c = chapter_cluster()
    spec = c.get("service", "web")["spec"]
    assert spec["selector"] == {"app": "web"} and spec["type"] == "ClusterIP"
    assert spec["sessionAffinity"] == "None" and spec["ports"][0]["targetPort"] == "http"
    assert NP.SERVICE_CIDR == "10.96.0.0/12"
    assert ipaddress.ip_address(spec["clusterIP"]) in ipaddress.ip_network("10.96.0.0/12")
    [es] = c.list("endpointslices", selector="kubernetes.io/service-name=web")
    assert es["ports"] == [{"name": "", "port": 8080, "protocol": "TCP"}]
    assert len(es["endpoints"]) == 3
    assert all(e["conditions"] == {"ready": True, "serving": True, "terminating": False} for e in es["endpoints"])
    out = c.kubectl("describe service web")
    assert "TargetPort:               http/TCP" in out and out.count(":8080") == 3
    # the name resolves to the cluster IP, and every Pod gets a share of the requests
    assert c.dns("web", from_pod="client").ips == [spec["clusterIP"]]
    counts = served_by(c, 600)
    assert len(counts) == 3 and all(150 < n < 250 for n in counts.values())


def test_replaced_pod_gets_a_new_ip():
    """Pods are not moved but replaced (ReplicaSet): the new Pod has a new name and IP, which is why
    clients use a Service (https://kubernetes.io/docs/concepts/services-networking/service/#motivation)."""
    c = Cluster(nodes=3, seed=0)
    c.apply(WEB)
    c.run(15)
    before = {p["metadata"]["name"]: p["status"]["podIP"] for p in c.list("pods", selector="app=web")}
    first = sorted(before)[0]
    c.kubectl(f"delete pod {first}")
    c.run(10)
    after = {p["metadata"]["name"]: p["status"]["podIP"] for p in c.list("pods", selector="app=web")}
    assert first not in after and len(after) == 3
    assert before[first] not in after.values()


def test_at_most_100_endpoints_per_slice():
    """"By default, the control plane creates and manages EndpointSlices to have no more than 100
    endpoints each" (--max-endpoints-per-slice; endpoint-slices/#endpointslice-resource)."""
    assert NP.MAX_ENDPOINTS_PER_SLICE == 100
    svc = {"metadata": {"name": "web", "namespace": "default"},
           "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}}
    pods = [{"metadata": {"name": f"p{i:03}", "namespace": "default", "uid": str(i)},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "ports": [
                 {"name": "http", "containerPort": 8080}]}]},
             "status": {"podIP": f"10.244.{i // 200}.{i % 200 + 2}", "phase": "Running",
                        "conditions": [{"type": "Ready", "status": "True"}]}} for i in range(250)]
    assert [len(s["endpoints"]) for s in desired_slices(svc, pods)] == [100, 100, 50]


def test_iptables_rule_i_of_n_matches_with_probability_one_over_n_minus_i():
    """iptables mode: rule i of n jumps with --probability 1/(n-i), the last always
    (virtual-ips/#proxy-mode-iptables); each endpoint gets 1/n. The chapter's table for n=4, the
    rules it prints for 3 endpoints, and iptables_pick on fixed draws."""
    reach, shares = Fraction(1), []
    for i in range(4):
        p = Fraction(1, 4 - i)
        shares.append(reach * p)
        reach *= 1 - p
    assert shares == [Fraction(1, 4)] * 4

    class Draws:
        def __init__(self, xs):
            self.xs = list(xs)

        def random(self):
            return self.xs.pop(0)
    assert iptables_pick(4, Draws([0.24])) == 0
    assert iptables_pick(4, Draws([0.26, 0.33])) == 1
    assert iptables_pick(4, Draws([0.26, 0.34, 0.49])) == 2
    assert iptables_pick(4, Draws([0.26, 0.34, 0.5])) == 3
    c = chapter_cluster()
    rules = [ln for ln in c.component("kube-proxy", "node-1").iptables_save().splitlines()
             if ln.startswith("-A KUBE-SVC-") and "default/web ->" in ln]
    assert len(rules) == 3
    assert "--probability 0.33333333349" in rules[0] and "--probability 0.50000000000" in rules[1]
    assert "--probability" not in rules[2]


def test_usable_endpoints_fall_back_to_serving_terminating_ones():
    """Only ready endpoints get traffic; if none is ready, the serving terminating ones
    (virtual-ips/#traffic-to-terminating-endpoints)."""
    ready = {"ip": "a", "ready": True, "serving": True, "terminating": False}
    draining = {"ip": "b", "ready": False, "serving": True, "terminating": True}
    dead = {"ip": "c", "ready": False, "serving": False, "terminating": True}
    assert usable_endpoints([ready, draining, dead]) == [ready]
    assert usable_endpoints([draining, dead]) == [draining]
    assert usable_endpoints([dead]) == []


def test_not_ready_pod_is_listed_but_gets_no_traffic_and_diagram_says_so():
    """A Pod that is not Ready is in the slice with ready=false, serving=false and receives no
    traffic (endpoint-slices/#conditions; service/#endpointslices). The chapter's canary."""
    from minik8s.viz import service_diagram
    c = chapter_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "canary", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                      "ports": [{"name": "http", "containerPort": 8080}],
                                      "env": [{"name": "READY_AFTER", "value": "3600"}],
                                      "readinessProbe": {"httpGet": {"path": "/ready", "port": "http"},
                                                         "periodSeconds": 1}}]}})
    c.run(5)
    assert c.get("pod", "canary")["status"]["phase"] == "Running"
    assert conditions(c, "canary") == {"ready": False, "serving": False, "terminating": False}
    assert "canary" not in served_by(c, 600)
    import html
    svg = html.unescape(service_diagram(c, "web").svg())
    assert svg.startswith("<svg") and "not ready" in svg and "canary" in svg
    assert "kube-proxy: 3 of 4 endpoints" in svg


def test_stepper_story_ready_unready_terminating_gone():
    """The chapter's stepper: an exec readiness probe toggled with a file; deleting a Ready Pod
    leaves its endpoint ready=false, serving=true, terminating=true until it is gone
    (endpoint-slices/#conditions), and each node's kube-proxy recomputes its rules (one trace step
    per node)."""
    from minik8s.viz import Stepper
    c = chapter_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "extra", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                      "ports": [{"name": "http", "containerPort": 8080}],
                                      "env": [{"name": "SHUTDOWN_DELAY", "value": "3"}],
                                      "readinessProbe": {"exec": {"command": ["cat", "/tmp/ready"]},
                                                         "periodSeconds": 1, "failureThreshold": 1}}]}})
    seen = []
    s = Stepper(c, [3, lambda c: seen.append(conditions(c, "extra")),
                    lambda c: c.exec("extra", "touch /tmp/ready"), 3, lambda c: seen.append(conditions(c, "extra")),
                    lambda c: c.exec("extra", "rm /tmp/ready"), 3, lambda c: seen.append(conditions(c, "extra")),
                    "delete pod extra --wait=false", 1, lambda c: seen.append(conditions(c, "extra")),
                    6, lambda c: seen.append(conditions(c, "extra"))],
                components=["endpointslice-controller", "kube-proxy"], diagrams=False)
    assert seen == [{"ready": False, "serving": False, "terminating": False},
                    {"ready": True, "serving": True, "terminating": False},
                    {"ready": False, "serving": False, "terminating": False},
                    {"ready": False, "serving": False, "terminating": True},
                    None]
    proxies = sorted({f.step.key for f in s.frames if f.step.component == "kube-proxy"})
    assert proxies == ["node-1", "node-2", "node-3"]
    assert any("extra (ready=true serving=true terminating=false)" in d
               for f in s.frames for d in f.step.diff)


def test_terminating_ready_pod_is_serving():
    """Deleted while Ready (here kept running by a preStop sleep): ready=false, serving=true,
    terminating=true (endpoint-slices/#serving)."""
    c = chapter_cluster()
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow", "labels": {"app": "web"}},
             "spec": {"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                      "lifecycle": {"preStop": {"sleep": {"seconds": 20}}},
                                      "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080},
                                                         "periodSeconds": 1}}]}})
    c.run(5)
    c.kubectl("delete pod slow --wait=false")
    c.run(3)
    assert conditions(c, "slow") == {"ready": False, "serving": True, "terminating": True}
    assert "slow" not in served_by(c, 300)


def _rollout_failures(prestop: bool) -> tuple[int, dict]:
    c = chapter_cluster()
    if prestop:
        c.kubectl("""patch deployment web -p '{"spec":{"template":{"spec":{"containers":[{"name":"app","lifecycle":{"preStop":{"sleep":{"seconds":5}}}}]}}}}'""")
        c.run(30)
    c.kubectl("set image deployment/web app=minik8s/app:2.0")
    failures, answers = 0, {}
    for _ in range(160):
        c.run(0.25)
        try:
            v = c.http("http://web/version", from_pod="client").body.strip()
            answers[v] = answers.get(v, 0) + 1
        except NetworkError:
            failures += 1
    return failures, answers


def test_rolling_update_under_traffic_fails_requests_without_a_prestop_delay_and_none_with_it():
    """The chapter's rollout under traffic. kube-proxy syncs rules at most once per minSyncPeriod
    (1 s, virtual-ips/#minsyncperiod) after the endpoint changes, so an app that exits at SIGTERM
    loses a few requests; a preStop sleep keeps it serving while the endpoint leaves every node's
    rules (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)."""
    assert NP.KUBE_PROXY_MIN_SYNC_PERIOD == 1.0
    failures, answers = _rollout_failures(prestop=False)
    assert failures > 0 and set(answers) == {"1.0", "2.0"}
    failures, answers = _rollout_failures(prestop=True)
    assert failures == 0 and set(answers) == {"1.0", "2.0"}


def test_failed_request_names_the_address_the_client_dialled():
    """A connection to a Service IP that fails reads like Go's net.Dial error for the address the
    client used (dial tcp <clusterIP>:80), not the DNATed endpoint port."""
    c = chapter_cluster()
    c.kubectl("scale deployment web --replicas=0")
    c.run(10)
    ip = c.get("service", "web")["spec"]["clusterIP"]
    with pytest.raises(NetworkError) as e:
        c.http("http://web/", from_pod="client")
    assert str(e.value) == f"dial tcp {ip}:80: connect: connection refused"


def test_node_port_range_and_every_node_forwards():
    """NodePort: a port from 30000-32767 (--service-node-port-range) opened on every node, which
    forwards to the endpoints wherever they run (service/#type-nodeport); a port in use or out of
    range is refused with upstream's messages."""
    assert NP.NODE_PORT_RANGE == (30000, 32767)
    c = chapter_cluster()
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-np"},
             "spec": {"type": "NodePort", "selector": {"app": "web"},
                      "ports": [{"port": 80, "targetPort": "http", "nodePort": 30080}]}})
    c.kubectl("scale deployment web --replicas=1")
    c.run(10)
    assert c.kubectl("get service web-np").splitlines()[1].split()[4] == "80:30080/TCP"
    [pod] = [p for p in c.list("pods", selector="app=web") if not p["metadata"].get("deletionTimestamp")]
    for node in c.list("nodes"):
        ip = next(a["address"] for a in node["status"]["addresses"] if a["type"] == "InternalIP")
        assert c.http(f"http://{ip}:30080/hostname").body.strip() == pod["metadata"]["name"]
    assert c.kubectl("create service nodeport other --tcp=80:8080 --node-port=30080") == (
        'The Service "other" is invalid: spec.ports[0].nodePort: Invalid value: 30080: '
        "provided port is already allocated\n")
    assert c.kubectl("create service nodeport far --tcp=80:8080 --node-port=8080") == (
        'The Service "far" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not '
        "in the valid range. The range of valid ports is 30000-32767\n")
    for _ in range(5):
        np_ = c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"generateName": "np-"},
                        "spec": {"type": "NodePort", "ports": [{"port": 80}]}})[0]["spec"]["ports"][0]["nodePort"]
        assert 30000 <= np_ <= 32767


def test_load_balancer_pending_without_a_cloud_controller_then_assigned():
    """LoadBalancer: EXTERNAL-IP <pending> until a cloud controller writes status.loadBalancer.ingress
    (service/#loadbalancer); the service controller's events EnsuringLoadBalancer, EnsuredLoadBalancer."""
    c = chapter_cluster()
    c.stop("cloud-controller-manager")
    c.kubectl("expose deployment web --name=web-lb --type=LoadBalancer --port=80 --target-port=http")
    c.run(30)
    row = c.kubectl("get service web-lb").splitlines()[1].split()
    assert row[1] == "LoadBalancer" and row[3] == "<pending>"
    c.start("cloud-controller-manager")
    c.run(5)
    ip = c.get("service", "web-lb")["status"]["loadBalancer"]["ingress"][0]["ip"]
    assert c.kubectl("get service web-lb").splitlines()[1].split()[3] == ip
    assert c.http(f"http://{ip}/").body.startswith("Hello from web-")
    reasons = [e["reason"] for e in c.events() if e["involvedObject"]["name"] == "web-lb"]
    assert reasons[:2] == ["EnsuringLoadBalancer", "EnsuredLoadBalancer"]


def test_headless_and_external_name_get_no_proxy_rules():
    """Headless (clusterIP: None) and ExternalName Services get no virtual IP and no kube-proxy
    rules; DNS answers with the Pods' IPs or a CNAME (service/#headless-services, #externalname)."""
    c = chapter_cluster()
    c.apply([{"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web-headless"},
              "spec": {"clusterIP": "None", "selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": "http"}]}},
             {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db"},
              "spec": {"type": "ExternalName", "externalName": "db.example.com"}}])
    c.run(2)
    proxy = c.component("kube-proxy", "node-1")
    assert "default/web-headless" not in proxy.rules and "default/db" not in proxy.rules
    ips = sorted(p["status"]["podIP"] for p in c.list("pods", selector="app=web"))
    assert sorted(c.dns("web-headless", from_pod="client").ips) == ips
    row = [r.split() for r in c.kubectl("get services").splitlines() if r.startswith("db ")][0]
    assert row[1:5] == ["ExternalName", "<none>", "db.example.com", "<none>"]


def test_client_ip_session_affinity_default_timeout_and_stickiness():
    """sessionAffinity: ClientIP defaults sessionAffinityConfig.clientIP.timeoutSeconds to 10800
    (3 hours; API reference ClientIPConfig, service/#session-stickiness); one client stays on one Pod."""
    c = chapter_cluster()
    assert len(served_by(c, 300)) == 3
    c.kubectl("""patch service web -p '{"spec":{"sessionAffinity":"ClientIP"}}'""")
    c.run(2)
    assert c.get("service", "web")["spec"]["sessionAffinityConfig"] == {"clientIP": {"timeoutSeconds": 10800}}
    assert NP.DEFAULT_CLIENT_IP_TIMEOUT == 10800
    assert len(served_by(c, 300)) == 1


def test_nodeport_needs_type_nodeport():
    """A nodePort on a ClusterIP Service is refused (upstream's validation message); exercise 7's
    q2 wrong answer relies on it."""
    c = Cluster(nodes=0, seed=0)
    with pytest.raises(ApiError) as e:
        c.create({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "x"},
                  "spec": {"ports": [{"port": 80, "nodePort": 30123}]}})
    assert e.value.message == ('The Service "x" is invalid: spec.ports[0].nodePort: Forbidden: may not be used '
                               "when `type` is 'ClusterIP'")
