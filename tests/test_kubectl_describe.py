"""kubectl describe: the formats of k8s.io/kubectl/pkg/describe/describe.go.

Expected texts are retyped from real kubectl output shown in the Kubernetes docs (URLs
at each test) or follow describe.go's format strings; objects are created by hand through
the API server so the tests do not depend on other components' timing.
"""

from minik8s import Cluster
from minik8s.kubectl.describe.pods import describe_probe, pod_requests, qos_class
from minik8s.kubectl.describe.writer import (PrefixWriter, describe_events, quantity_str, rfc1123z, tabwrite,
                                             tolerations_multiline)
from minik8s.kubectl.printers import human_duration

# --- Go's tabwriter and HumanDuration ----------------------------------------------------------


def test_tabwriter_aligns_column_blocks_and_ignores_the_trailing_cell():
    """text/tabwriter: a column's width is per block of consecutive lines having that cell;
    the text after a line's last tab does not widen anything (padding 2, as describe.go)."""
    text = "Name:\tweb\nNamespace:\tdefault\nIPs:\n  IP:\t10.0.0.1\n"
    assert tabwrite(text) == ("Name:       web\n"
                                "Namespace:  default\n"
                                "IPs:\n"
                                "  IP:  10.0.0.1\n")


def test_tabwriter_nested_columns():
    text = "a\tbb\tc\naaa\tb\tc\nx\n"
    assert tabwrite(text) == "a    bb  c\naaa  b   c\nx\n"


def test_tabwriter_minwidth_and_padding_of_table_printers():
    """printers.GetNewTabWriter: minwidth 6, padding 3 (kubectl top's columns)."""
    assert tabwrite("NAME\tCPU\t\nab\t1m\t\n", padding=3, minwidth=6) == "NAME   CPU   \nab     1m    \n"


def test_human_duration_matches_apimachinery():
    """k8s.io/apimachinery/pkg/util/duration.HumanDuration (its unit test's table)."""
    cases = {0: "0s", 1: "1s", 119: "119s", 120: "2m", 130: "2m10s", 600: "10m", 179 * 60: "179m",
             3 * 3600: "3h", 3 * 3600 + 1800: "3h30m", 8 * 3600: "8h", 47 * 3600: "47h", 48 * 3600: "2d",
             52 * 3600: "2d4h", 8 * 86400: "8d", 2 * 365 * 86400: "2y", (2 * 365 + 10) * 86400: "2y10d",
             8 * 365 * 86400: "8y", -1: "0s", -5: "<invalid>"}
    for seconds, want in cases.items():
        assert human_duration(seconds) == want, seconds


def test_rfc1123z():
    assert rfc1123z("2025-01-01T00:00:05Z") == "Wed, 01 Jan 2025 00:00:05 +0000"


# --- probes, tolerations, events ---------------------------------------------------------------


def test_probe_lines_as_in_the_probes_task_page():
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/"""
    http = {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 3,
            "periodSeconds": 3, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}
    assert describe_probe(http) == \
        "http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3"
    exe = {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5, "periodSeconds": 5}
    assert describe_probe(exe) == "exec [cat /tmp/healthy] delay=5s timeout=1s period=5s #success=1 #failure=3"
    tcp = {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 15, "periodSeconds": 10}
    assert describe_probe(tcp) == "tcp-socket :8080 delay=15s timeout=1s period=10s #success=1 #failure=3"


def test_tolerations_of_a_default_pod():
    """The two 300 s tolerations every pod gets, as `kubectl describe pod` lists them
    (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions)."""
    w = PrefixWriter()
    tolerations_multiline(w, "Tolerations", [
        {"key": "node.kubernetes.io/unreachable", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300},
        {"key": "node.kubernetes.io/not-ready", "operator": "Exists", "effect": "NoExecute",
         "tolerationSeconds": 300}])
    assert w.text() == ("Tolerations:  node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
                        "              node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n")


def test_events_table_aggregates_repeats():
    """DescribeEvents: `Age` is `last (xN over first)` for repeated events; the table is a
    tabwriter block of its own; kubectl 1.33 does not print involvedObject.fieldPath (that came
    in 1.35 with kubernetes/kubernetes#133627)."""
    evs = [
        {"type": "Normal", "reason": "Scheduled", "firstTimestamp": "2025-01-01T00:00:00Z",
         "lastTimestamp": "2025-01-01T00:00:00Z", "count": 1, "source": {"component": "default-scheduler"},
         "message": "Successfully assigned default/web to node-1", "involvedObject": {}},
        {"type": "Warning", "reason": "BackOff", "firstTimestamp": "2025-01-01T00:00:10Z",
         "lastTimestamp": "2025-01-01T00:01:40Z", "count": 3, "source": {"component": "kubelet"},
         "message": "Back-off restarting failed container app in pod web_default(uid)",
         "involvedObject": {"fieldPath": "spec.containers{app}"}},
    ]
    w = PrefixWriter()
    w.write(0, "QoS Class:\tBestEffort\n")
    describe_events(evs, w, now=130)
    assert w.text() == (
        "QoS Class:  BestEffort\n"
        "Events:\n"
        "  Type     Reason     Age               From               Message\n"
        "  ----     ------     ----              ----               -------\n"
        "  Normal   Scheduled  2m10s             default-scheduler  Successfully assigned default/web to node-1\n"
        "  Warning  BackOff    30s (x3 over 2m)  kubelet            Back-off restarting "
        "failed container app in pod web_default(uid)\n")


def test_no_events():
    w = PrefixWriter()
    describe_events([], w, 0)
    assert w.text() == "Events:  <none>\n"


# --- whole objects ------------------------------------------------------------------------------


def _secret(c):
    c.apiserver.create("secrets", {"apiVersion": "v1", "kind": "Secret",
                                   "metadata": {"name": "db-user-pass"}, "type": "Opaque",
                                   "data": {"username": "YWRtaW4=", "password": "UyFCXCpkJHpEc2I9"}})


def test_describe_secret_shows_sizes_not_values():
    """https://kubernetes.io/docs/tasks/configmap-secret/managing-secret-using-kubectl/#verify-the-secret"""
    c = Cluster(nodes=0)
    _secret(c)
    assert c.kubectl("describe secret db-user-pass") == (
        "Name:         db-user-pass\n"
        "Namespace:    default\n"
        "Labels:       <none>\n"
        "Annotations:  <none>\n"
        "\n"
        "Type:  Opaque\n"
        "\n"
        "Data\n"
        "====\n"
        "password:  12 bytes\n"
        "username:  5 bytes\n")


def test_describe_configmap_data():
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/ (describe output)."""
    c = Cluster(nodes=0)
    c.apiserver.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "game-config"},
                                      "data": {"game.properties": "enemies=aliens\nlives=3"}})
    out = c.kubectl("describe configmaps game-config")
    assert out.startswith("Name:         game-config\nNamespace:    default\nLabels:       <none>\n"
                          "Annotations:  <none>\n\nData\n====\ngame.properties:\n----\nenemies=aliens\nlives=3\n")
    assert "\nBinaryData\n====\n" in out
    assert out.endswith("Events:  <none>\n")


def _service(c, n_ready=4):
    c.apiserver.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-emailservice"},
                                    "spec": {"selector": {"app": "emailservice-demo"}, "type": "ClusterIP",
                                             "ipFamilyPolicy": "SingleStack", "ipFamilies": ["IPv4"],
                                             "clusterIP": "10.100.220.135", "clusterIPs": ["10.100.220.135"],
                                             "sessionAffinity": "None",
                                             "ports": [{"port": 8080, "protocol": "TCP", "targetPort": 8080}]}})
    ips = ["10.244.0.48", "10.244.0.51", "10.244.0.58", "10.244.0.60"][:n_ready]
    c.apiserver.create("endpointslices", {
        "apiVersion": "discovery.k8s.io/v1", "kind": "EndpointSlice",
        "metadata": {"name": "my-emailservice-abcde", "labels": {"kubernetes.io/service-name": "my-emailservice"}},
        "addressType": "IPv4", "ports": [{"name": "", "port": 8080, "protocol": "TCP"}],
        "endpoints": [{"addresses": [ip], "conditions": {"ready": True}} for ip in ips]
        + [{"addresses": ["10.244.0.99"], "conditions": {"ready": False}}]})


def test_describe_service_lists_ready_endpoints_three_then_more():
    """formatEndpointSlices: three ready endpoints then `+ N more...`; not-ready ones are left out
    (https://kubernetes.io/docs/concepts/services-networking/service/)."""
    c = Cluster(nodes=0)
    _service(c)
    # The API server defaults internalTrafficPolicy to Cluster, so kubectl >= 1.30 prints that line
    # too, and the block aligns on it.
    assert c.kubectl("describe svc my-emailservice") == (
        "Name:                     my-emailservice\n"
        "Namespace:                default\n"
        "Labels:                   <none>\n"
        "Annotations:              <none>\n"
        "Selector:                 app=emailservice-demo\n"
        "Type:                     ClusterIP\n"
        "IP Family Policy:         SingleStack\n"
        "IP Families:              IPv4\n"
        "IP:                       10.100.220.135\n"
        "IPs:                      10.100.220.135\n"
        "Port:                     <unset>  8080/TCP\n"
        "TargetPort:               8080/TCP\n"
        "Endpoints:                10.244.0.48:8080,10.244.0.51:8080,10.244.0.58:8080 + 1 more...\n"
        "Session Affinity:         None\n"
        "Internal Traffic Policy:  Cluster\n"
        "Events:                   <none>\n")


def _deployment(c):
    d = c.apiserver.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment",
        "metadata": {"name": "nginx-deployment", "labels": {"app": "nginx"},
                     "annotations": {"deployment.kubernetes.io/revision": "2"}},
        "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "nginx"}},
                 "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxUnavailable": "25%", "maxSurge": "25%"}},
                 "template": {"metadata": {"labels": {"app": "nginx"}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.16.1",
                                                       "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}})
    d["status"] = {"observedGeneration": 1, "replicas": 3, "updatedReplicas": 3, "readyReplicas": 3,
                   "availableReplicas": 3,
                   "conditions": [{"type": "Available", "status": "True", "reason": "MinimumReplicasAvailable"},
                                  {"type": "Progressing", "status": "True", "reason": "NewReplicaSetAvailable"}]}
    return c.apiserver.update("deployments", d, subresource="status")


def test_describe_deployment_header_as_in_the_deployments_page():
    """The header block of `kubectl describe deployments` in
    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment
    (aligned on `RollingUpdateStrategy:`)."""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    _deployment(c)
    out = c.kubectl("describe deployments")
    lines = out.splitlines()
    assert lines[0] == "Name:                   nginx-deployment"
    assert lines[1] == "Namespace:              default"
    assert lines[2] == "CreationTimestamp:      Wed, 01 Jan 2025 00:00:00 +0000"
    assert lines[3] == "Labels:                 app=nginx"
    assert lines[4] == "Annotations:            deployment.kubernetes.io/revision: 2"
    assert lines[5] == "Selector:               app=nginx"
    assert lines[6] == "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable"
    assert lines[7] == "StrategyType:           RollingUpdate"
    assert lines[8] == "MinReadySeconds:        0"
    assert lines[9] == "RollingUpdateStrategy:  25% max unavailable, 25% max surge"
    assert lines[10] == "Pod Template:"
    assert lines[11] == "  Labels:  app=nginx"
    # Without ReplicaSets there is no OldReplicaSets/NewReplicaSet line to widen the block.
    assert "Conditions:\n  Type          Status  Reason\n  ----          ------  ------\n" \
           "  Available     True    MinimumReplicasAvailable\n" \
           "  Progressing   True    NewReplicaSetAvailable\n" in out
    assert out.endswith("Events:         <none>\n")


def test_describe_deployment_old_and_new_replicasets():
    """The new ReplicaSet is the one whose template equals the Deployment's (ignoring pod-template-hash)."""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    d = _deployment(c)
    ref = {"apiVersion": "apps/v1", "kind": "Deployment", "name": d["metadata"]["name"],
           "uid": d["metadata"]["uid"], "controller": True, "blockOwnerDeletion": True}
    for h, img, n in (("559d658b74", "nginx:1.14.2", 0), ("66b6c48dd5", "nginx:1.16.1", 3)):
        rs = c.apiserver.create("replicasets", {
            "apiVersion": "apps/v1", "kind": "ReplicaSet",
            "metadata": {"name": f"nginx-deployment-{h}", "ownerReferences": [ref],
                         "labels": {"app": "nginx", "pod-template-hash": h}},
            "spec": {"replicas": n, "selector": {"matchLabels": {"app": "nginx", "pod-template-hash": h}},
                     "template": {"metadata": {"labels": {"app": "nginx", "pod-template-hash": h}},
                                  "spec": {"containers": [{"name": "nginx", "image": img,
                                                           "ports": [{"containerPort": 80, "protocol": "TCP"}]}]}}}})
        rs["status"] = {"replicas": n}
        c.apiserver.update("replicasets", rs, subresource="status")
    out = c.kubectl("describe deploy nginx-deployment")
    assert "OldReplicaSets:  nginx-deployment-559d658b74 (0/0 replicas created)\n" in out
    assert "NewReplicaSet:   nginx-deployment-66b6c48dd5 (3/3 replicas created)\n" in out
    # The Conditions rows and the ReplicaSet lines form one tabwriter block: real kubectl output
    # (e.g. the Deployments page) aligns `Type` and `OldReplicaSets:` in the same 17-wide column.
    assert ("Conditions:\n"
            "  Type           Status  Reason\n"
            "  ----           ------  ------\n"
            "  Available      True    MinimumReplicasAvailable\n"
            "  Progressing    True    NewReplicaSetAvailable\n"
            "OldReplicaSets:  nginx-deployment-559d658b74 (0/0 replicas created)\n") in out


def _pod(c, name="web", node=None, **spec_extra):
    spec = {"containers": [{"name": "nginx", "image": "nginx:1.14.2",
                            "ports": [{"containerPort": 80, "protocol": "TCP"}],
                            "resources": {"requests": {"cpu": "250m", "memory": "64Mi"},
                                          "limits": {"cpu": "500m", "memory": "128Mi"}}}]}
    if node:
        spec["nodeName"] = node
    spec.update(spec_extra)
    return c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod",
                                       "metadata": {"name": name, "labels": {"app": "web"}}, "spec": spec})


def test_describe_pod_container_section_with_status():
    """describeContainers: Container ID/Image/Image ID/Port/Host Port, State with Started,
    Last State with Reason/Exit Code/Started/Finished, Ready, Restart Count, Limits, Requests
    (https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/)."""
    c = Cluster(nodes=0)
    c.stop("kube-scheduler")
    pod = _pod(c, node="node-9")
    pod["status"] = {
        "phase": "Running", "hostIP": "172.18.0.2", "podIP": "10.244.0.5", "podIPs": [{"ip": "10.244.0.5"}],
        "startTime": "2025-01-01T00:00:00Z", "qosClass": "Burstable",
        "conditions": [{"type": "Ready", "status": "True"}, {"type": "PodScheduled", "status": "True"}],
        "containerStatuses": [{
            "name": "nginx", "containerID": "containerd://abc", "image": "nginx:1.14.2",
            "imageID": "docker.io/library/nginx@sha256:f7988", "ready": True, "restartCount": 1,
            "state": {"running": {"startedAt": "2025-01-01T00:00:12Z"}},
            "lastState": {"terminated": {"exitCode": 137, "reason": "OOMKilled",
                                         "startedAt": "2025-01-01T00:00:02Z", "finishedAt": "2025-01-01T00:00:10Z"}}}]}
    c.apiserver.update("pods", pod, subresource="status")
    out = c.kubectl("describe pod web")
    # Admission gives every pod priority 0, the default service account and the two 300 s
    # tolerations; the header block aligns on `Service Account:` as in real output.
    assert out == ("Name:             web\n"
                   "Namespace:        default\n"
                   "Priority:         0\n"
                   "Service Account:  default\n"
                   "Node:             node-9/172.18.0.2\n"
                   "Start Time:       Wed, 01 Jan 2025 00:00:00 +0000\n"
                   "Labels:           app=web\n"
                   "Annotations:      <none>\n"
                   "Status:           Running\n"
                   "IP:               10.244.0.5\n"
                   "IPs:\n"
                   "  IP:  10.244.0.5\n"
                   "Containers:\n"
                   "  nginx:\n"
                   "    Container ID:   containerd://abc\n"
                   "    Image:          nginx:1.14.2\n"
                   "    Image ID:       docker.io/library/nginx@sha256:f7988\n"
                   "    Port:           80/TCP\n"
                   "    Host Port:      0/TCP\n"
                   "    State:          Running\n"
                   "      Started:      Wed, 01 Jan 2025 00:00:12 +0000\n"
                   "    Last State:     Terminated\n"
                   "      Reason:       OOMKilled\n"
                   "      Exit Code:    137\n"
                   "      Started:      Wed, 01 Jan 2025 00:00:02 +0000\n"
                   "      Finished:     Wed, 01 Jan 2025 00:00:10 +0000\n"
                   "    Ready:          True\n"
                   "    Restart Count:  1\n"
                   "    Limits:\n"
                   "      cpu:     500m\n"
                   "      memory:  128Mi\n"
                   "    Requests:\n"
                   "      cpu:        250m\n"
                   "      memory:     64Mi\n"
                   "    Environment:  <none>\n"
                   "    Mounts:       <none>\n"
                   "Conditions:\n"
                   "  Type           Status\n"
                   "  Ready          True \n"
                   "  PodScheduled   True \n"
                   "Volumes:         <none>\n"
                   "QoS Class:       Burstable\n"
                   "Node-Selectors:  <none>\n"
                   "Tolerations:     node.kubernetes.io/not-ready:NoExecute op=Exists for 300s\n"
                   "                 node.kubernetes.io/unreachable:NoExecute op=Exists for 300s\n"
                   "Events:          <none>\n"), out


def test_qos_class_computed_as_upstream():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/"""
    def pod(res):
        return {"metadata": {}, "spec": {"containers": [{"name": "a", "resources": res}]}}
    assert qos_class(pod({})) == "BestEffort"
    assert qos_class(pod({"limits": {"cpu": "1", "memory": "1Gi"}})) == "Guaranteed"
    assert qos_class(pod({"requests": {"cpu": "1", "memory": "1Gi"},
                            "limits": {"cpu": "1", "memory": "1Gi"}})) == "Guaranteed"
    assert qos_class(pod({"requests": {"cpu": "500m"}, "limits": {"cpu": "1", "memory": "1Gi"}})) == "Burstable"
    assert qos_class(pod({"requests": {"memory": "10Mi"}})) == "Burstable"


def test_pod_requests_take_the_largest_init_container():
    """https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers"""
    pod = {"spec": {"containers": [{"name": "a", "resources": {"requests": {"cpu": "100m"}}},
                                   {"name": "b", "resources": {"requests": {"cpu": "100m"}}}],
                    "initContainers": [{"name": "i", "resources": {"requests": {"cpu": "300m", "memory": "1Gi"}}}]}}
    assert pod_requests(pod) == {"cpu": 300, "memory": 1024 ** 3}


def test_describe_node_resources_and_pods():
    """describeNodeResource: per-pod requests/limits with percentages of allocatable, totals
    (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#my-pod-is-pending-with-event-message-failedscheduling)."""
    c = Cluster(nodes=["node-1"])
    c.stop("kube-scheduler")
    _pod(c, "web", node="node-1")
    c.run(5)
    out = c.kubectl("describe node node-1")
    assert "Non-terminated Pods:          (1 in total)\n" in out
    assert "  default                     web     250m (12%)    500m (25%)  64Mi (1%)        128Mi (3%)     5s\n" in out
    assert ("Allocated resources:\n"
            "  (Total limits may be over 100 percent, i.e., overcommitted.)\n"
            "  Resource           Requests    Limits\n"
            "  --------           --------    ------\n"
            "  cpu                250m (12%)  500m (25%)\n"
            "  memory             64Mi (1%)   128Mi (3%)\n"
            "  ephemeral-storage  0 (0%)      0 (0%)\n") in out
    assert "Unschedulable:      false\n" in out
    assert "Lease:\n  HolderIdentity:  node-1\n" in out


def test_describe_node_taints_sorted_by_effect_then_key():
    c = Cluster(nodes=["node-1"])
    c.kubectl("taint nodes node-1 b=1:NoSchedule")
    c.kubectl("taint nodes node-1 a:NoExecute")
    out = c.kubectl("describe node node-1")
    assert "Taints:             a:NoExecute\n                    b=1:NoSchedule\n" in out
    assert "Unschedulable:      false\n" in out


def test_describe_namespace():
    """A real cluster labels every namespace with its name (namespaces.md#automatic-labelling)."""
    c = Cluster(nodes=0)
    assert c.kubectl("describe namespace default") == (
        "Name:         default\n"
        "Labels:       kubernetes.io/metadata.name=default\n"
        "Annotations:  <none>\n"
        "Status:       Active\n"
        "\n"
        "No resource quota.\n"
        "\n"
        "No LimitRange resource.\n")


def test_describe_forms_and_errors():
    """`describe TYPE`, `TYPE NAME`, `TYPE/NAME`, name prefixes, `-l`, NotFound, nothing found
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/)."""
    c = Cluster(nodes=0)
    for n in ("db-user-pass", "db-other", "web-secret"):
        c.apiserver.create("secrets", {"apiVersion": "v1", "kind": "Secret",
                                       "metadata": {"name": n, "labels": {"tier": n.split("-")[0]}}})
    one = c.kubectl("describe secret/web-secret")
    assert one.startswith("Name:         web-secret\n")
    assert c.kubectl("describe secret web-secret") == one
    both = c.kubectl("describe secrets db")
    assert both.count("Name:  ") == 2 and "\n\n\nName:         db-user-pass\n" in both
    assert c.kubectl("describe secrets -l tier=web") == one
    assert c.kubectl("describe secrets") .count("Name:") == 3
    assert c.kubectl("describe secret nope") == 'Error from server (NotFound): secrets "nope" not found\n'
    assert c.kubectl("describe secret/nope") == 'Error from server (NotFound): secrets "nope" not found\n'
    assert c.kubectl("describe configmaps") == "No resources found in default namespace.\n"
    assert c.kubectl("describe podz") == 'error: the server doesn\'t have a resource type "podz"\n'


def test_describe_generic_lease():
    """Kinds without a describer (Lease) use the generic describer: fields with smart labels."""
    c = Cluster(nodes=0)
    c.apiserver.create("leases", {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
                                  "metadata": {"name": "l1"},
                                  "spec": {"holderIdentity": "node-1", "leaseDurationSeconds": 40}})
    out = c.kubectl("describe lease l1")
    assert out.startswith("Name:         l1\nNamespace:    default\nLabels:       <none>\nAnnotations:  <none>\n"
                          "API Version:  coordination.k8s.io/v1\nKind:         Lease\nMetadata:\n")
    assert "Spec:\n  Holder Identity:         node-1\n  Lease Duration Seconds:  40\n" in out


def test_describe_running_pod_end_to_end():
    """A pod run by the kubelet: State Running, Ready True, the kubelet's events
    (https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
    c.run(30)
    out = c.kubectl("describe pod nginx")
    assert "    State:          Running\n" in out
    assert "    Ready:          True\n" in out
    assert "    Restart Count:  0\n" in out
    assert "QoS Class:                   BestEffort" in out or "QoS Class:       BestEffort" in out \
        or "QoS Class:  " in out
    assert "Successfully assigned default/nginx to node-1" in out
    assert "Started container nginx" in out


def test_describe_storage_kinds():
    """StorageClass, PersistentVolume, PersistentVolumeClaim pages (describe.go formats), with the
    manifests of https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/"""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    a = c.apiserver
    a.create("storageclasses", {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
                                "metadata": {"name": "local-path",   # the cluster's own default is "standard"
                                             "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}},
                                "provisioner": "rancher.io/local-path", "reclaimPolicy": "Delete",
                                "volumeBindingMode": "WaitForFirstConsumer"})
    a.create("persistentvolumes", {"apiVersion": "v1", "kind": "PersistentVolume",
                                   "metadata": {"name": "task-pv-volume", "labels": {"type": "local"}},
                                   "spec": {"storageClassName": "manual", "capacity": {"storage": "10Gi"},
                                            "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/mnt/data"},
                                            "persistentVolumeReclaimPolicy": "Retain"}})
    a.create("persistentvolumeclaims", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                        "metadata": {"name": "task-pv-claim"},
                                        "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteOnce"],
                                                 "resources": {"requests": {"storage": "3Gi"}}}})
    assert c.kubectl("describe sc local-path") == (
        "Name:                  local-path\n"
        "IsDefaultClass:        Yes\n"
        "Annotations:           storageclass.kubernetes.io/is-default-class=true\n"
        "Provisioner:           rancher.io/local-path\n"
        "Parameters:            <none>\n"
        "AllowVolumeExpansion:  <unset>\n"
        "MountOptions:          <none>\n"
        "ReclaimPolicy:         Delete\n"
        "VolumeBindingMode:     WaitForFirstConsumer\n"
        "Events:                <none>\n")
    pv = c.kubectl("describe pv task-pv-volume")
    assert ("Finalizers:      []\n" in pv or "Finalizers:      [kubernetes.io/pv-protection]\n" in pv)
    for line in ("StorageClass:    manual\n", "Claim:           \n", "Reclaim Policy:  Retain\n",
                 "Access Modes:    RWO\n", "Capacity:        10Gi\n", "Node Affinity:   <none>\n", "Source:\n",
                 "    Type:          HostPath (bare host directory volume)\n", "    Path:          /mnt/data\n",
                 "    HostPathType:  <none>\n"):
        assert line in pv, line
    pvc = c.kubectl("describe pvc task-pv-claim")
    assert pvc.startswith("Name:          task-pv-claim\nNamespace:     default\nStorageClass:  manual\n")
    assert "Used By:       <none>\n" in pvc


def test_describe_workload_kinds():
    """Job, CronJob and StatefulSet pages (describe.go formats), with the manifests of the Jobs,
    CronJob and StatefulSet concept pages."""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    a = c.apiserver
    a.create("jobs", {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
                      "spec": {"backoffLimit": 4, "template": {"spec": {
                          "containers": [{"name": "pi", "image": "perl:5.34.0",
                                          "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]}],
                          "restartPolicy": "Never"}}}})
    a.create("cronjobs", {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
                          "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {
                              "containers": [{"name": "hello", "image": "busybox:1.28",
                                              "command": ["/bin/sh", "-c", "date; echo Hello"]}],
                              "restartPolicy": "OnFailure"}}}}}})
    a.create("statefulsets", {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
                              "spec": {"serviceName": "nginx", "replicas": 3,
                                       "selector": {"matchLabels": {"app": "nginx"}},
                                       "template": {"metadata": {"labels": {"app": "nginx"}},
                                                    "spec": {"containers": [{"name": "nginx",
                                                                             "image": "registry.k8s.io/nginx-slim:0.24",
                                                                             "ports": [{"containerPort": 80,
                                                                                        "name": "web"}]}]}},
                                       "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {
                                           "accessModes": ["ReadWriteOnce"],
                                           "resources": {"requests": {"storage": "1Gi"}}}}]}})
    job = c.kubectl("describe job pi")
    assert "Backoff Limit:    4\n" in job and "Pods Statuses:    0 Active / 0 Succeeded / 0 Failed\n" in job
    assert "    Command:\n      perl\n      -Mbignum=bpi\n      -wle\n      print bpi(2000)\n" in job
    cj = c.kubectl("describe cronjob hello")
    for line in ("Schedule:                      * * * * *\n", "Concurrency Policy:            Allow\n",
                 "Suspend:                       False\n", "Time Zone:                     <unset>\n",
                 "Successful Job History Limit:  3\n", "Failed Job History Limit:      1\n",
                 "Starting Deadline Seconds:     <unset>\n", "Last Schedule Time:  <unset>\n",
                 "Active Jobs:         <none>\n"):
        assert line in cj, line
    sts = c.kubectl("describe statefulset web")
    assert "Replicas:           3 desired | 0 total\n" in sts
    assert "Update Strategy:    RollingUpdate\n  Partition:        0\n" in sts
    assert "    Port:          80/TCP (web)\n    Host Port:     0/TCP (web)\n" in sts
    assert ("Volume Claims:\n  Name:          www\n  StorageClass:  \n  Labels:        <none>\n"
            "  Annotations:   <none>\n  Capacity:      1Gi\n  Access Modes:  [ReadWriteOnce]\n") in sts


def test_describe_service_account_with_token_and_pull_secret():
    """kubectl 1.33 lists Image pull secrets, Mountable secrets and Tokens
    (https://kubernetes.io/docs/tasks/configure-pod-container/configure-service-account/)."""
    c = Cluster(nodes=0)
    c.apiserver.create("serviceaccounts", {"apiVersion": "v1", "kind": "ServiceAccount",
                                           "metadata": {"name": "build-robot"},
                                           "imagePullSecrets": [{"name": "myregistrykey"}]})
    c.apiserver.create("secrets", {"apiVersion": "v1", "kind": "Secret",
                                   "metadata": {"name": "build-robot-secret",
                                                "annotations": {"kubernetes.io/service-account.name": "build-robot"}},
                                   "type": "kubernetes.io/service-account-token"})
    assert c.kubectl("describe serviceaccount build-robot") == (
        "Name:                build-robot\n"
        "Namespace:           default\n"
        "Labels:              <none>\n"
        "Annotations:         <none>\n"
        "Image pull secrets:  myregistrykey (not found)\n"
        "Mountable secrets:   <none>\n"
        "Tokens:              build-robot-secret\n"
        "Events:              <none>\n")


def test_quantities_print_in_canonical_form():
    """resource.Quantity.String() (https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/)."""
    cases = {"1024Mi": "1Gi", "0.5": "500m", "1000m": "1", "1500m": "1500m", "128Mi": "128Mi",
             "1.5Gi": "1536Mi", "110": "110", "250m": "250m", "0": "0", "1G": "1G"}
    for given, want in cases.items():
        assert quantity_str(given) == want, given


def test_describe_all_category():
    """`kubectl describe all` expands the "all" category like `kubectl get all`."""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    _deployment(c)
    _secret(c)
    out = c.kubectl("describe all")
    # the default namespace also holds the `kubernetes` Service every cluster boots with
    assert [l.split()[1] for l in out.splitlines() if l.startswith("Name:")] == ["kubernetes", "nginx-deployment"]
