"""kubectl's table printers, pinned against upstream's own tests and documented output.

Sources:
- k8s.io/apimachinery/pkg/util/duration/duration_test.go (HumanDuration)
- kubernetes/pkg/printers/internalversion/printers.go and printers_test.go (TestPrintPod...)
- https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/
"""

from minik8s.api.meta import rfc3339
from minik8s.kubectl import printers as P


def test_human_duration_matches_apimachinery():
    """k8s.io/apimachinery/pkg/util/duration: HumanDuration."""
    h = 3600
    d = 24 * h
    cases = {
        1: "1s", 70: "70s", 119: "119s", 120: "2m", 190: "3m10s", 9 * 60 + 59: "9m59s",
        10 * 60: "10m", 70 * 60: "70m", 3 * h: "3h", 3 * h + 30 * 60: "3h30m", 8 * h: "8h",
        47 * h: "47h", 49 * h: "2d1h", 2 * d + 4 * h: "2d4h", 3 * d: "3d", 8 * d + 2 * h: "8d",
        2 * 365 * d: "2y", (2 * 365 + 7) * d: "2y7d", 8 * 365 * d: "8y",
        -1: "0s", -2: "<invalid>",
    }
    for secs, want in cases.items():
        assert P.human_duration(secs) == want, secs


def test_since_unknown_without_timestamp():
    """translateTimestampSince: a zero timestamp prints <unknown>."""
    assert P.since(None, 10) == "<unknown>"
    assert P.since(rfc3339(0), 185) == "3m5s"


def _pod(name="test1", containers=1, status=None, init=None, deletion=None, created=0):
    md = {"name": name, "creationTimestamp": rfc3339(created)}
    if deletion is not None:
        md["deletionTimestamp"] = rfc3339(deletion)
    spec = {"containers": [{"name": f"c{i}", "image": "busybox"} for i in range(containers)]}
    if init:
        spec["initContainers"] = init
    return {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec, "status": status or {}}


def _status(pod):
    return P.pod_status_reason(pod)[0]


def test_print_pod_ready_and_restarts_from_printers_test():
    """printers_test.go TestPrintPod "test1": two containers, one ready+running, 3 restarts each ->
    READY 1/2, STATUS is the phase, RESTARTS 6."""
    pod = _pod(containers=2, status={"phase": "podPhase", "containerStatuses": [
        {"ready": True, "restartCount": 3, "state": {"running": {}}},
        {"restartCount": 3}]})
    assert P.print_pod(pod, 0, False)[:4] == ["test1", "1/2", "podPhase", "6"]


def test_print_pod_container_state_reasons():
    """printPod: a waiting or terminated reason becomes STATUS; without a reason ExitCode:N / Signal:N."""
    waiting = _pod(status={"phase": "Pending", "containerStatuses": [
        {"state": {"waiting": {"reason": "ContainerCreating"}}}]})
    assert _status(waiting) == "ContainerCreating"
    crash = _pod(status={"phase": "Running", "containerStatuses": [
        {"restartCount": 4, "state": {"waiting": {"reason": "CrashLoopBackOff"}},
         "lastState": {"terminated": {"exitCode": 1, "reason": "Error", "finishedAt": rfc3339(75)}}}]})
    assert P.print_pod(crash, 100, False)[2:4] == ["CrashLoopBackOff", "4 (25s ago)"]
    assert _status(_pod(status={"phase": "Failed", "containerStatuses": [
        {"state": {"terminated": {"exitCode": 137, "reason": "OOMKilled"}}}]})) == "OOMKilled"
    assert _status(_pod(status={"phase": "Failed", "containerStatuses": [
        {"state": {"terminated": {"exitCode": 3}}}]})) == "ExitCode:3"
    assert _status(_pod(status={"phase": "Failed", "containerStatuses": [
        {"state": {"terminated": {"exitCode": 0, "signal": 9}}}]})) == "Signal:9"
    assert _status(_pod(status={"phase": "Succeeded", "containerStatuses": [
        {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]})) == "Completed"
    assert _status(_pod(status={"phase": "Pending", "containerStatuses": [
        {"state": {"waiting": {"reason": "ImagePullBackOff"}}}]})) == "ImagePullBackOff"


def test_print_pod_completed_with_running_container_is_running_or_notready():
    """printPod: "Completed" with a container still running shows Running (Ready condition) or NotReady."""
    st = {"phase": "Running", "containerStatuses": [
        {"ready": True, "state": {"running": {}}},
        {"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]}
    assert _status(_pod(containers=2, status=dict(st))) == "NotReady"
    st["conditions"] = [{"type": "Ready", "status": "True"}]
    assert _status(_pod(containers=2, status=st)) == "Running"


def test_print_pod_init_containers():
    """printPod: Init:i/n while initializing, Init:<reason> on failure, PodInitializing is not a reason."""
    init = [{"name": "i1", "image": "busybox"}, {"name": "i2", "image": "busybox"}]
    running_first = _pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "state": {"running": {}}}, {"name": "i2", "state": {"waiting": {"reason": "PodInitializing"}}}]})
    assert _status(running_first) == "Init:0/2"
    second = _pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "i2", "state": {"running": {}}}]})
    assert _status(second) == "Init:1/2"
    failed = _pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "state": {"terminated": {"exitCode": 1, "reason": "Error"}}}]})
    assert _status(failed) == "Init:Error"
    backoff = _pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "restartCount": 2, "state": {"waiting": {"reason": "CrashLoopBackOff"}}}]})
    assert _status(backoff) == "Init:CrashLoopBackOff"
    assert _status(_pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "state": {"terminated": {"exitCode": 2}}}]})) == "Init:ExitCode:2"
    done = _pod(init=init, status={"phase": "Pending", "initContainerStatuses": [
        {"name": "i1", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}},
        {"name": "i2", "state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}],
        "containerStatuses": [{"state": {"waiting": {"reason": "PodInitializing"}}}]})
    assert _status(done) == "PodInitializing"


def test_print_pod_sidecar_counts_in_ready():
    """printPod: restartable init containers (sidecars, restartPolicy Always) count in READY's total
    and, once started and ready, in its numerator
    (https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/)."""
    init = [{"name": "proxy", "image": "envoy", "restartPolicy": "Always"}]
    pod = _pod(init=init, status={"phase": "Running",
                                  "conditions": [{"type": "Initialized", "status": "True"}],
                                  "initContainerStatuses": [{"name": "proxy", "started": True, "ready": True,
                                                             "restartCount": 1, "state": {"running": {}}}],
                                  "containerStatuses": [{"ready": True, "state": {"running": {}}}]})
    cells = P.print_pod(pod, 0, False)
    assert cells[1:4] == ["2/2", "Running", "1"]


def test_print_pod_deleting():
    """printPod: a pod with deletionTimestamp shows Terminating unless it is terminal; NodeLost -> Unknown."""
    assert _status(_pod(deletion=5, status={"phase": "Running"})) == "Terminating"
    assert _status(_pod(deletion=5, status={"phase": "Succeeded"})) == "Succeeded"
    assert _status(_pod(deletion=5, status={"phase": "Running", "reason": "NodeLost"})) == "Unknown"
    assert _status(_pod(status={"phase": "Failed", "reason": "Evicted"})) == "Evicted"
    gated = _pod(status={"phase": "Pending", "conditions": [
        {"type": "PodScheduled", "status": "False", "reason": "SchedulingGated"}]})
    assert _status(gated) == "SchedulingGated"


def test_print_pod_wide_columns():
    """printPod -o wide: IP, NODE, NOMINATED NODE, READINESS GATES with <none> when unset."""
    pod = _pod(status={"phase": "Running", "podIPs": [{"ip": "10.244.1.5"}],
                       "conditions": [{"type": "example.com/ready", "status": "True"}]})
    pod["spec"]["nodeName"] = "node-1"
    pod["spec"]["readinessGates"] = [{"conditionType": "example.com/ready"}, {"conditionType": "other"}]
    assert P.print_pod(pod, 0, True)[5:] == ["10.244.1.5", "node-1", "<none>", "1/2"]
    assert P.print_pod(_pod(), 0, True)[5:] == ["<none>", "<none>", "<none>", "<none>"]


def test_tabwriter_layout_matches_deployment_docs():
    """The Deployment page shows (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/):

    NAME               READY   UP-TO-DATE   AVAILABLE   AGE
    nginx-deployment   3/3     3            3           18s
    """
    dep = {"kind": "Deployment", "metadata": {"name": "nginx-deployment", "creationTimestamp": rfc3339(0)},
           "spec": {"replicas": 3}, "status": {"readyReplicas": 3, "updatedReplicas": 3, "availableReplicas": 3}}
    text = P.tabulate(P.table("Deployment", [dep], 18))
    assert text == ("NAME               READY   UP-TO-DATE   AVAILABLE   AGE\n"
                    "nginx-deployment   3/3     3            3           18s\n")


def test_replicaset_table_matches_deployment_docs():
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ (kubectl get rs):

    NAME                          DESIRED   CURRENT   READY   AGE
    nginx-deployment-75675f5897   3         3         3       18s
    """
    rs = {"kind": "ReplicaSet", "metadata": {"name": "nginx-deployment-75675f5897",
                                             "creationTimestamp": rfc3339(0)},
          "spec": {"replicas": 3}, "status": {"replicas": 3, "readyReplicas": 3}}
    assert P.tabulate(P.table("ReplicaSet", [rs], 18)) == (
        "NAME                          DESIRED   CURRENT   READY   AGE\n"
        "nginx-deployment-75675f5897   3         3         3       18s\n")


def test_service_columns():
    """printService: CLUSTER-IP from clusterIPs, EXTERNAL-IP <none>/<pending>, PORT(S) 80:30080/TCP."""
    svc = {"kind": "Service", "metadata": {"name": "web", "creationTimestamp": rfc3339(0)},
           "spec": {"type": "NodePort", "clusterIPs": ["10.96.0.12"], "selector": {"app": "web"},
                    "ports": [{"port": 80, "nodePort": 30080, "protocol": "TCP"}]}}
    assert P.print_service(svc, 60, True) == ["web", "NodePort", "10.96.0.12", "<none>", "80:30080/TCP",
                                              "60s", "app=web"]
    svc["spec"]["type"] = "LoadBalancer"
    assert P.print_service(svc, 60, False)[3] == "<pending>"
    svc["status"] = {"loadBalancer": {"ingress": [{"ip": "203.0.113.10"}, {"ip": "203.0.113.9"}]}}
    assert P.print_service(svc, 60, False)[3] == "203.0.113.10,..."
    assert P.print_service(svc, 60, True)[3] == "203.0.113.10,203.0.113.9"


def test_endpoints_more():
    """formatEndpoints: at most three endpoints then ' + N more...'."""
    ep = {"kind": "Endpoints", "metadata": {"name": "web", "creationTimestamp": rfc3339(0)},
          "subsets": [{"addresses": [{"ip": f"10.0.0.{i}"} for i in range(1, 6)], "ports": [{"port": 80}]}]}
    assert P.format_endpoints(ep) == "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more..."
    assert P.format_endpoints({"subsets": []}) == "<none>"


def test_node_status_and_roles():
    """printNode: Ready/NotReady/Unknown, SchedulingDisabled, roles from node-role labels."""
    node = {"kind": "Node", "metadata": {"name": "cp", "creationTimestamp": rfc3339(0),
                                         "labels": {"node-role.kubernetes.io/control-plane": ""}},
            "spec": {"unschedulable": True},
            "status": {"conditions": [{"type": "Ready", "status": "True"}],
                       "nodeInfo": {"kubeletVersion": "v1.33.0"}}}
    assert P.print_node(node, 3 * 86400, False) == ["cp", "Ready,SchedulingDisabled", "control-plane", "3d",
                                                   "v1.33.0"]
    node["status"]["conditions"] = []
    node["spec"] = {}
    node["metadata"]["labels"] = {}
    assert P.print_node(node, 0, False)[1:3] == ["Unknown", "<none>"]


def test_job_and_cronjob_columns():
    """printJob: STATUS Complete/Failed/Running, COMPLETIONS 1/1 or 0/1 of 3, DURATION; printCronJob."""
    job = {"kind": "Job", "metadata": {"name": "pi", "creationTimestamp": rfc3339(0)},
           "spec": {"completions": 1, "parallelism": 1},
           "status": {"succeeded": 1, "startTime": rfc3339(0), "completionTime": rfc3339(9),
                      "conditions": [{"type": "Complete", "status": "True"}]}}
    assert P.print_job(job, 60, False) == ["pi", "Complete", "1/1", "9s", "60s"]
    job2 = {"kind": "Job", "metadata": {"name": "w", "creationTimestamp": rfc3339(0)},
            "spec": {"parallelism": 3}, "status": {"startTime": rfc3339(10)}}
    assert P.print_job(job2, 70, False) == ["w", "Running", "0/1 of 3", "60s", "70s"]
    cj = {"kind": "CronJob", "metadata": {"name": "hello", "creationTimestamp": rfc3339(0)},
          "spec": {"schedule": "* * * * *", "suspend": False}, "status": {}}
    assert P.print_cronjob(cj, 30, False) == ["hello", "* * * * *", "<none>", "False", "0", "<none>", "30s"]


def test_storage_columns():
    """printPersistentVolume/Claim/StorageClass columns (VOLUMEATTRIBUTESCLASS <unset>)."""
    pv = {"kind": "PersistentVolume", "metadata": {"name": "pv1", "creationTimestamp": rfc3339(0)},
          "spec": {"capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteMany", "ReadWriteOnce"],
                   "persistentVolumeReclaimPolicy": "Retain", "storageClassName": "standard",
                   "claimRef": {"namespace": "default", "name": "data"}},
          "status": {"phase": "Bound"}}
    assert P.print_persistentvolume(pv, 5, False) == ["pv1", "1Gi", "RWO,RWX", "Retain", "Bound", "default/data",
                                                     "standard", "<unset>", "", "5s"]
    pvc = {"kind": "PersistentVolumeClaim", "metadata": {"name": "data", "creationTimestamp": rfc3339(0)},
           "spec": {"volumeName": "pv1", "storageClassName": "standard"},
           "status": {"phase": "Bound", "capacity": {"storage": "1Gi"}, "accessModes": ["ReadWriteOnce"]}}
    assert P.print_persistentvolumeclaim(pvc, 5, False) == ["data", "Bound", "pv1", "1Gi", "RWO", "standard",
                                                           "<unset>", "5s"]
    sc = {"kind": "StorageClass", "provisioner": "rancher.io/local-path",
          "metadata": {"name": "standard", "creationTimestamp": rfc3339(0),
                       "annotations": {"storageclass.kubernetes.io/is-default-class": "true"}}}
    assert P.print_storageclass(sc, 5, False) == ["standard (default)", "rancher.io/local-path", "Delete",
                                                 "Immediate", "false", "5s"]


def test_every_registered_kind_has_a_printer():
    """Every kind the API server serves prints with its own upstream columns, not the NAME/AGE fallback."""
    from minik8s.api.resources import all_resources
    for res in all_resources():
        assert res.kind in P.PRINTERS, res.kind


def test_event_row():
    """printEvent: LAST SEEN, TYPE, REASON, OBJECT kind/name lowercased, MESSAGE trimmed."""
    ev = {"kind": "Event", "metadata": {"name": "web.1", "creationTimestamp": rfc3339(0)},
          "type": "Normal", "reason": "Scheduled", "message": "Successfully assigned default/web to node-1 ",
          "involvedObject": {"kind": "Pod", "name": "web"}, "firstTimestamp": rfc3339(0),
          "lastTimestamp": rfc3339(0), "count": 1, "source": {"component": "default-scheduler"}}
    assert P.print_event(ev, 12, False) == ["12s", "Normal", "Scheduled", "pod/web",
                                            "Successfully assigned default/web to node-1"]
    assert P.print_event(ev, 12, True)[5] == "default-scheduler"
