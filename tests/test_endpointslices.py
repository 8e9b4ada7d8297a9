"""EndpointSlices (and the legacy Endpoints view) kept by kube-controller-manager.

https://kubernetes.io/docs/concepts/services-networking/endpoint-slices/
https://kubernetes.io/docs/concepts/services-networking/service/#endpoints
"""

from minik8s.api.ports import find_port
from minik8s.controllers.endpointslice import desired_slices, endpoint_for_pod
from net_helpers import cluster_with, web


def slices_of(c, name):
    return c.list("endpointslices", selector=f"kubernetes.io/service-name={name}")


def test_slice_shape_for_a_service_with_three_ready_pods():
    c = cluster_with(web(3))
    [es] = slices_of(c, "web")
    svc = c.get("service", "web")
    assert es["metadata"]["name"].startswith("web-") and es["metadata"]["generateName"] == "web-"
    assert es["metadata"]["labels"] == {"endpointslice.kubernetes.io/managed-by": "endpointslice-controller.k8s.io",
                                        "kubernetes.io/service-name": "web"}
    ref = es["metadata"]["ownerReferences"][0]
    assert (ref["kind"], ref["name"], ref["uid"], ref["controller"]) == ("Service", "web", svc["metadata"]["uid"], True)
    assert es["addressType"] == "IPv4"
    assert es["ports"] == [{"name": "http", "port": 8080, "protocol": "TCP"}]     # targetPort "http" resolved
    pods = {p["metadata"]["name"]: p for p in c.list("pods", selector="app=web")}
    assert len(es["endpoints"]) == 3
    for e in es["endpoints"]:
        pod = pods[e["targetRef"]["name"]]
        assert e["addresses"] == [pod["status"]["podIP"]]
        assert e["conditions"] == {"ready": True, "serving": True, "terminating": False}
        assert e["nodeName"] == pod["spec"]["nodeName"]
        assert e["targetRef"] == {"kind": "Pod", "namespace": "default", "name": pod["metadata"]["name"],
                                  "uid": pod["metadata"]["uid"]}


def test_pod_failing_readiness_is_not_ready_and_not_serving():
    probe = {"readinessProbe": {"httpGet": {"path": "/missing", "port": 8080}, "periodSeconds": 1}}
    c = cluster_with(web(1, pod_spec={"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                                      "ports": [{"containerPort": 8080, "name": "http"}], **probe}]}))
    [e] = slices_of(c, "web")[0]["endpoints"]
    assert e["conditions"] == {"ready": False, "serving": False, "terminating": False}
    out = c.kubectl("get endpoints web")
    assert out.splitlines()[0] == "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice"
    assert out.splitlines()[2].split() == ["web", "30s"]       # formatEndpoints: no ready address, empty cell
    assert c.get("endpoints", "web")["subsets"][0]["notReadyAddresses"][0]["ip"] == e["addresses"][0]


def test_publish_not_ready_addresses_marks_every_endpoint_ready():
    probe = {"readinessProbe": {"httpGet": {"path": "/missing", "port": 8080}}}
    c = cluster_with(web(1, service={"publishNotReadyAddresses": True},
                         pod_spec={"containers": [{"name": "app", "image": "minik8s/app:1.0",
                                                   "ports": [{"containerPort": 8080, "name": "http"}], **probe}]}))
    [e] = slices_of(c, "web")[0]["endpoints"]
    assert e["conditions"]["ready"] is True


def test_terminating_pod_stays_with_terminating_true_then_leaves():
    """Terminating endpoints: ready false, serving as its readiness, terminating true."""
    c = cluster_with(web(2, pod_spec={"terminationGracePeriodSeconds": 30,
                                      "containers": [{"name": "app", "image": "minik8s/app:1.0",
                                                      "env": [{"name": "SHUTDOWN_DELAY", "value": "20"}],
                                                      "ports": [{"containerPort": 8080, "name": "http"}]}]}))
    c.kubectl("scale deployment web --replicas=1")
    c.run(1)
    eps = {e["targetRef"]["name"]: e for e in slices_of(c, "web")[0]["endpoints"]}
    gone = [n for n in eps if c.get("pod", n)["metadata"].get("deletionTimestamp")]
    assert len(gone) == 1
    assert eps[gone[0]]["conditions"] == {"ready": False, "serving": True, "terminating": True}
    assert len(c.get("endpoints", "web")["subsets"][0]["addresses"]) == 1      # Endpoints drops it at once
    c.run(40)                                                               # its SHUTDOWN_DELAY is over
    left = [e["targetRef"]["name"] for e in slices_of(c, "web")[0]["endpoints"]]
    assert len(left) == 1 and gone[0] not in left


def test_empty_service_keeps_a_placeholder_slice():
    c = cluster_with(web(0))
    [es] = slices_of(c, "web")
    assert es["endpoints"] == [] and es.get("ports") is None
    assert c.kubectl("get endpointslices -l kubernetes.io/service-name=web").splitlines()[1].split()[2:4] == ["<unset>", "<unset>"]


def test_at_most_100_endpoints_per_slice():
    """--max-endpoints-per-slice defaults to 100."""
    svc = {"metadata": {"name": "big"}, "spec": {"ports": [{"port": 80, "targetPort": 8080}]}}
    pods = [{"metadata": {"name": f"p{i:03d}", "namespace": "default", "uid": str(i)},
             "spec": {"nodeName": "node-1"},
             "status": {"podIP": f"10.244.{i // 250}.{i % 250 + 2}", "phase": "Running",
                        "conditions": [{"type": "Ready", "status": "True"}]}} for i in range(250)]
    slices = desired_slices(svc, pods)
    assert [len(s["endpoints"]) for s in slices] == [100, 100, 50]


def test_named_target_port_resolving_differently_splits_slices():
    svc = {"metadata": {"name": "s"}, "spec": {"ports": [{"name": "web", "port": 80, "targetPort": "http"}]}}

    def pod(name, port):
        return {"metadata": {"name": name, "namespace": "default"},
                "spec": {"containers": [{"name": "c", "ports": [{"name": "http", "containerPort": port}]}]},
                "status": {"podIP": "10.244.0.9", "phase": "Running"}}
    slices = desired_slices(svc, [pod("a", 8080), pod("b", 9090), pod("c", 8080)])
    assert sorted((s["ports"][0]["port"], len(s["endpoints"])) for s in slices) == [(8080, 2), (9090, 1)]
    assert find_port(pod("a", 8080), "http") == 8080 and find_port(pod("a", 8080), "nope") is None


def test_hostname_and_subdomain_put_a_hostname_on_the_endpoint():
    svc = {"metadata": {"name": "sub"}, "spec": {}}
    p = {"metadata": {"name": "busybox-1", "namespace": "default", "uid": "u"},
         "spec": {"hostname": "busybox-1", "subdomain": "sub", "nodeName": "node-1"},
         "status": {"podIP": "10.244.0.5", "conditions": [{"type": "Ready", "status": "True"}]}}
    assert endpoint_for_pod(p, svc)["hostname"] == "busybox-1"
    p["spec"]["subdomain"] = "other"
    assert "hostname" not in endpoint_for_pod(p, svc)


def test_describe_svc_endpoints_line_and_scaling_updates_the_slice():
    c = cluster_with(web(2))
    line = [ln for ln in c.kubectl("describe svc web").splitlines() if ln.startswith("Endpoints:")][0]
    assert len(line.split()[1].split(",")) == 2 and ":8080" in line
    c.kubectl("scale deployment web --replicas=4")
    c.run(20)
    assert len(slices_of(c, "web")[0]["endpoints"]) == 4


def test_deleting_the_service_deletes_its_slices_and_endpoints():
    c = cluster_with(web(1))
    c.delete("service", "web")
    c.run(1)
    assert slices_of(c, "web") == []
    assert not c.apiserver.exists("endpoints", "web", "default")


def test_endpoints_carry_their_nodes_zone():
    """EndpointSlice topology: zone comes from the node's topology.kubernetes.io/zone label."""
    from minik8s import Cluster
    c = Cluster(nodes=[{"name": "node-1", "labels": {"topology.kubernetes.io/zone": "zone-a"}}])
    c.apply(web(1))
    c.run(30)
    [e] = slices_of(c, "web")[0]["endpoints"]
    assert e["zone"] == "zone-a" and e["nodeName"] == "node-1"


def test_hand_written_endpoints_of_a_selectorless_service_are_mirrored():
    """EndpointSlice mirroring: Endpoints of a Service without selector are copied into slices,
    so kube-proxy routes to them."""
    from net_helpers import CLIENT
    c = cluster_with(web(1), CLIENT)
    pod_ip = c.list("pods", selector="app=web")[0]["status"]["podIP"]
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "legacy"},
             "spec": {"ports": [{"port": 80, "targetPort": 8080}]}})
    c.apply({"apiVersion": "v1", "kind": "Endpoints", "metadata": {"name": "legacy"},
             "subsets": [{"addresses": [{"ip": pod_ip}], "ports": [{"port": 8080}]}]})
    c.run(2)
    [es] = slices_of(c, "legacy")
    assert es["metadata"]["labels"]["endpointslice.kubernetes.io/managed-by"] == \
        "endpointslicemirroring-controller.k8s.io"
    assert es["endpoints"] == [{"addresses": [pod_ip], "conditions": {"ready": True}}]
    assert c.http("http://legacy/", from_pod="client").body.startswith("Hello from web-")
    c.delete("endpoints", "legacy")
    c.run(2)
    assert slices_of(c, "legacy") == []
    # the API server's own Endpoints carry skip-mirror: only its hand-kept slice exists
    assert [s["metadata"]["name"] for s in slices_of(c, "kubernetes")] == ["kubernetes"]
