"""Defaulting: what ``kubectl get -o yaml`` shows beyond the manifest (Kubernetes v1.33).

The expected values are those of the SetDefaults_* functions in pkg/apis/*/v1/defaults.go, as
the docs' example objects show them once stored.
"""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.api.defaults import apply_defaults
from minik8s.api.defaults.pods import image_pull_policy


@pytest.fixture(scope="module")
def c():
    return Cluster(nodes=0)


def _create(c, obj, ns="default"):
    res = obj["kind"]
    return c.apiserver.create(res, obj, ns if obj["kind"] not in ("PersistentVolume", "Node") else None)


@pytest.mark.parametrize("image,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.14.2", "IfNotPresent"),
    ("registry.k8s.io/pause:3.10", "IfNotPresent"), ("localhost:5000/app", "Always"),
    ("localhost:5000/app:v2", "IfNotPresent"), ("busybox@sha256:abcd", "IfNotPresent"),
])
def test_image_pull_policy_by_tag(image, policy):
    """https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting"""
    assert image_pull_policy(image) == policy


def test_pod_defaults_as_kubectl_get_shows_them(c):
    """The nginx pod of https://kubernetes.io/docs/concepts/workloads/pods/ as ``kubectl get -o yaml``
    shows it: spec defaults, admission's priority/serviceAccount/tolerations, status Pending + QoS."""
    pod = _create(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"},
                      "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2",
                                               "ports": [{"containerPort": 80}]}]}})
    spec = pod["spec"]
    assert spec["containers"] == [{
        "name": "nginx", "image": "nginx:1.14.2", "imagePullPolicy": "IfNotPresent",
        "ports": [{"containerPort": 80, "protocol": "TCP"}], "resources": {},
        "terminationMessagePath": "/dev/termination-log", "terminationMessagePolicy": "File"}]
    expected = {"dnsPolicy": "ClusterFirst", "enableServiceLinks": True, "preemptionPolicy": "PreemptLowerPriority",
                "priority": 0, "restartPolicy": "Always", "schedulerName": "default-scheduler",
                "securityContext": {}, "serviceAccount": "default", "serviceAccountName": "default",
                "terminationGracePeriodSeconds": 30}
    assert {k: spec[k] for k in expected} == expected
    assert spec["tolerations"] == [
        {"effect": "NoExecute", "key": "node.kubernetes.io/not-ready", "operator": "Exists", "tolerationSeconds": 300},
        {"effect": "NoExecute", "key": "node.kubernetes.io/unreachable", "operator": "Exists",
         "tolerationSeconds": 300}]
    assert pod["status"] == {"phase": "Pending", "qosClass": "BestEffort"}


def test_probe_defaults_and_zero_means_unset(c):
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
    (periodSeconds 10, timeoutSeconds 1, successThreshold 1, failureThreshold 3; httpGet scheme HTTP)."""
    pod = _create(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "liveness-http"},
                      "spec": {"containers": [{"name": "liveness", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40",
                                               "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080},
                                                                 "initialDelaySeconds": 3, "periodSeconds": 0}}]}})
    probe = pod["spec"]["containers"][0]["livenessProbe"]
    assert probe == {"httpGet": {"path": "/healthz", "port": 8080, "scheme": "HTTP"}, "initialDelaySeconds": 3,
                     "periodSeconds": 10, "timeoutSeconds": 1, "successThreshold": 1, "failureThreshold": 3}


def test_requests_default_to_limits_only_on_pods(c):
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits:
    a container that sets only limits gets equal requests (SetDefaults_Pod, not pod templates)."""
    tmpl = {"metadata": {"labels": {"app": "x"}},
            "spec": {"containers": [{"name": "a", "image": "nginx", "resources": {"limits": {"cpu": "500m"}}}]}}
    pod = _create(c, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "limits-only"}, "spec": tmpl["spec"]})
    assert pod["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m"}, "requests": {"cpu": "500m"}}
    assert pod["status"]["qosClass"] == "Burstable"
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "x"},
         "spec": {"selector": {"matchLabels": {"app": "x"}}, "template": tmpl}}
    apply_defaults(d)
    assert d["spec"]["template"]["spec"]["containers"][0]["resources"] == {"limits": {"cpu": "500m"}}
    assert "enableServiceLinks" not in d["spec"]["template"]["spec"]


def test_deployment_defaults(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ (replicas 1, RollingUpdate 25%/25%,
    revisionHistoryLimit 10, progressDeadlineSeconds 600)."""
    d = _create(c, {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "nginx-deployment"},
                    "spec": {"selector": {"matchLabels": {"app": "nginx"}},
                             "template": {"metadata": {"labels": {"app": "nginx"}},
                                          "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2"}]}}}})
    s = d["spec"]
    assert (s["replicas"], s["revisionHistoryLimit"], s["progressDeadlineSeconds"]) == (1, 10, 600)
    assert s["strategy"] == {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": "25%"}}
    t = s["template"]["spec"]
    assert t["restartPolicy"] == "Always" and t["terminationGracePeriodSeconds"] == 30
    assert "tolerations" not in t and "priority" not in t      # admission is for pods, not templates
    assert d["metadata"]["generation"] == 1


def test_recreate_strategy_gets_no_rolling_update():
    d = {"kind": "Deployment", "spec": {"strategy": {"type": "Recreate"}, "template": {"spec": {}}}}
    apply_defaults(d)
    assert d["spec"]["strategy"] == {"type": "Recreate"}


def test_daemonset_and_statefulset_defaults():
    """https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/ and .../statefulset/."""
    ds = {"kind": "DaemonSet", "spec": {"template": {"spec": {"containers": []}}}}
    apply_defaults(ds)
    assert ds["spec"]["updateStrategy"] == {"type": "RollingUpdate",
                                            "rollingUpdate": {"maxUnavailable": 1, "maxSurge": 0}}
    assert ds["spec"]["revisionHistoryLimit"] == 10
    sts = {"kind": "StatefulSet", "spec": {"template": {"spec": {"containers": []}},
                                           "volumeClaimTemplates": [{"metadata": {"name": "www"}, "spec": {}}]}}
    apply_defaults(sts)
    s = sts["spec"]
    assert s["podManagementPolicy"] == "OrderedReady" and s["replicas"] == 1
    assert s["updateStrategy"] == {"type": "RollingUpdate", "rollingUpdate": {"partition": 0}}
    assert s["persistentVolumeClaimRetentionPolicy"] == {"whenDeleted": "Retain", "whenScaled": "Retain"}
    assert s["volumeClaimTemplates"][0]["spec"]["volumeMode"] == "Filesystem"


def test_job_defaults_and_generated_selector(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/job/ (the pi Job): completions and
    parallelism 1, NonIndexed, suspend false, TerminatingOrFailed, and the controller-uid selector."""
    job = _create(c, {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
                      "spec": {"backoffLimit": 4, "template": {"spec": {
                          "containers": [{"name": "pi", "image": "perl:5.34.0",
                                          "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"]}],
                          "restartPolicy": "Never"}}}})
    s = job["spec"]
    uid = job["metadata"]["uid"]
    assert (s["completions"], s["parallelism"], s["backoffLimit"]) == (1, 1, 4)
    assert (s["completionMode"], s["suspend"], s["podReplacementPolicy"], s["manualSelector"]) == \
        ("NonIndexed", False, "TerminatingOrFailed", False)
    assert s["selector"] == {"matchLabels": {"batch.kubernetes.io/controller-uid": uid}}
    labels = {"batch.kubernetes.io/controller-uid": uid, "batch.kubernetes.io/job-name": "pi",
              "controller-uid": uid, "job-name": "pi"}
    assert s["template"]["metadata"]["labels"] == labels
    assert job["metadata"]["labels"] == labels


def test_job_parallelism_only():
    job = {"kind": "Job", "spec": {"parallelism": 3, "template": {"spec": {}}}}
    apply_defaults(job)
    assert "completions" not in job["spec"] and job["spec"]["parallelism"] == 3


def test_cronjob_defaults():
    """https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#jobs-history-limits"""
    cj = {"kind": "CronJob", "spec": {"schedule": "* * * * *", "jobTemplate": {"spec": {"template": {"spec": {}}}}}}
    apply_defaults(cj)
    s = cj["spec"]
    assert (s["concurrencyPolicy"], s["suspend"], s["successfulJobsHistoryLimit"], s["failedJobsHistoryLimit"]) == \
        ("Allow", False, 3, 1)
    assert s["jobTemplate"]["spec"]["template"]["spec"]["restartPolicy"] == "Always"
    assert "completions" not in s["jobTemplate"]["spec"]


def test_service_defaults(c):
    """https://kubernetes.io/docs/concepts/services-networking/service/#defining-a-service: targetPort
    defaults to port; type ClusterIP, sessionAffinity None, SingleStack IPv4, internalTrafficPolicy Cluster."""
    svc = _create(c, {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "my-service"},
                      "spec": {"selector": {"app.kubernetes.io/name": "MyApp"}, "ports": [{"port": 80}]}})
    s = svc["spec"]
    assert s["ports"] == [{"port": 80, "protocol": "TCP", "targetPort": 80}]
    assert (s["type"], s["sessionAffinity"], s["ipFamilyPolicy"], s["ipFamilies"], s["internalTrafficPolicy"]) == \
        ("ClusterIP", "None", "SingleStack", ["IPv4"], "Cluster")
    np_ = {"kind": "Service", "spec": {"type": "NodePort", "ports": [{"port": 80, "targetPort": "http"}]}}
    apply_defaults(np_)
    assert np_["spec"]["externalTrafficPolicy"] == "Cluster" and np_["spec"]["ports"][0]["targetPort"] == "http"


def test_storage_and_config_defaults(c):
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/ (a manual
    hostPath PV is Retain), https://kubernetes.io/docs/concepts/configuration/secret/ (type Opaque)."""
    pv = _create(c, {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "task-pv-volume"},
                     "spec": {"storageClassName": "manual", "capacity": {"storage": "10Gi"},
                              "accessModes": ["ReadWriteOnce"], "hostPath": {"path": "/mnt/data"}}})
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Retain"
    assert pv["spec"]["volumeMode"] == "Filesystem" and pv["status"]["phase"] == "Pending"
    assert pv["spec"]["hostPath"] == {"path": "/mnt/data", "type": ""}
    pvc = _create(c, {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "task-pv-claim"},
                      "spec": {"storageClassName": "manual", "accessModes": ["ReadWriteOnce"],
                               "resources": {"requests": {"storage": "3Gi"}}}})
    assert pvc["spec"]["volumeMode"] == "Filesystem" and pvc["status"]["phase"] == "Pending"
    sec = _create(c, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"}, "data": {"a": "Yg=="}})
    assert sec["type"] == "Opaque"


def test_volume_defaults():
    """SetDefaults_Volume: no source means emptyDir; secret/configMap defaultMode 0644 (420)."""
    pod = {"kind": "Pod", "spec": {"containers": [], "volumes": [
        {"name": "a"}, {"name": "b", "secret": {"secretName": "s"}}, {"name": "c", "configMap": {"name": "m"}}]}}
    apply_defaults(pod)
    assert pod["spec"]["volumes"] == [{"name": "a", "emptyDir": {}},
                                      {"name": "b", "secret": {"secretName": "s", "defaultMode": 420}},
                                      {"name": "c", "configMap": {"name": "m", "defaultMode": 420}}]


def test_malformed_input_does_not_crash_defaulters():
    for obj in ({"kind": "Pod", "spec": "x"}, {"kind": "Pod", "spec": {"containers": "abc"}},
                {"kind": "Deployment", "spec": {"strategy": 3, "template": []}},
                {"kind": "Service", "spec": {"ports": [1, None]}}):
        apply_defaults(obj)


def test_secret_string_data_is_stored_as_data(c):
    """https://kubernetes.io/docs/concepts/configuration/secret/#restriction-names-data: stringData is
    merged into data (and wins), and is never output when reading from the API."""
    s = _create(c, {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "mysecret"},
                    "data": {"username": "YWRtaW4=", "password": "b2xk"},
                    "stringData": {"password": "t0p-Secret"}})
    assert s["data"] == {"username": "YWRtaW4=", "password": "dDBwLVNlY3JldA=="}
    assert "stringData" not in s


def test_namespaces_are_labelled_with_their_name():
    """The API server sets kubernetes.io/metadata.name on every namespace and keeps it.
    https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#automatic-labelling"""
    from minik8s import Cluster
    c = Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}})
    assert c.get("namespace", "team-a", None)["metadata"]["labels"] == {"kubernetes.io/metadata.name": "team-a"}
    c.kubectl("label ns team-a kubernetes.io/metadata.name=other --overwrite")
    assert c.get("namespace", "team-a", None)["metadata"]["labels"]["kubernetes.io/metadata.name"] == "team-a"
