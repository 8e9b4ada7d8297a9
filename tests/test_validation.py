"""Validation messages, word for word as the Kubernetes v1.33 API server words them
(pkg/apis/core/validation, pkg/apis/apps/validation, pkg/apis/batch/validation).
A rejected object is a 422 Invalid and leaves the store unchanged."""

from __future__ import annotations

import pytest

from minik8s import ApiError, Cluster
from minik8s.api.validation.common import canonical_quantity
from minik8s.api.validation.workloads import cron_schedule_error


@pytest.fixture
def c():
    return Cluster(nodes=0)


def pod(name="p", **spec):
    spec.setdefault("containers", [{"name": "app", "image": "nginx"}])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def deploy(name="web", selector={"matchLabels": {"app": "web"}}, labels={"app": "web"}, **spec):
    d = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
         "spec": {"template": {"metadata": {"labels": labels},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}}, **spec}}
    if selector is not None:
        d["spec"]["selector"] = selector
    return d


def rejected(c, resource, obj, ns="default") -> ApiError:
    before = c.store.revision
    with pytest.raises(ApiError) as e:
        c.apiserver.create(resource, obj, ns)
    assert c.store.revision == before            # nothing written
    return e.value


def test_selector_required(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector"""
    e = rejected(c, "deployments", deploy(selector=None))
    assert e.code == 422 and e.reason == "Invalid"
    assert e.message == 'The Deployment "web" is invalid: spec.selector: Required value'
    assert e.details["causes"] == [{"reason": "FieldValueRequired", "message": "Required value",
                                    "field": "spec.selector"}]


def test_selector_must_match_template_labels(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#selector"""
    e = rejected(c, "deployments", deploy(labels={"app": "nginx", "tier": "fe"}))
    assert e.message == ('The Deployment "web" is invalid: spec.template.metadata.labels: Invalid value: '
                         'map[string]string{"app":"nginx", "tier":"fe"}: `selector` does not match template '
                         '`labels`')


def test_bad_name(c):
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/names/#dns-subdomain-names"""
    e = rejected(c, "pods", pod("Web_1"))
    assert e.message == (
        'The Pod "Web_1" is invalid: metadata.name: Invalid value: "Web_1": a lowercase RFC 1123 subdomain '
        "must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'example.com', regex used for validation is "
        "'[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')")


def test_service_names_are_dns1035_labels(c):
    """https://kubernetes.io/docs/concepts/services-networking/service/ (RFC 1035 label names)."""
    e = rejected(c, "services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "1web"},
                                 "spec": {"ports": [{"port": 80}]}})
    assert "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an " \
           "alphabetic character" in e.message


def test_label_value_message(c):
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#syntax-and-character-set"""
    p = pod()
    p["metadata"]["labels"] = {"app": "bad value"}
    e = rejected(c, "pods", p)
    assert e.message == (
        'The Pod "p" is invalid: metadata.labels: Invalid value: "bad value": a valid label must be an empty '
        "string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
        "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is "
        "'(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")


def test_containers_required_and_unique(c):
    """https://kubernetes.io/docs/concepts/workloads/pods/ (a pod has at least one container)."""
    assert rejected(c, "pods", pod(containers=[])).message == \
        'The Pod "p" is invalid: spec.containers: Required value'
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x"}, {"name": "a", "image": "y"}]))
    assert e.message == 'The Pod "p" is invalid: spec.containers[1].name: Duplicate value: "a"'
    e = rejected(c, "pods", pod(containers=[{"name": "a"}]))
    assert e.message == 'The Pod "p" is invalid: spec.containers[0].image: Required value'


def test_several_causes_are_bracketed(c):
    e = rejected(c, "pods", pod(containers=[{}]))
    assert e.message == ('The Pod "p" is invalid: [spec.containers[0].name: Required value, '
                         'spec.containers[0].image: Required value]')


def test_liveness_success_threshold_must_be_1(c):
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
    (successThreshold must be 1 for liveness and startup probes)."""
    probe = {"tcpSocket": {"port": 80}, "successThreshold": 2}
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "livenessProbe": probe}]))
    assert e.message == 'The Pod "p" is invalid: spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1'
    c.apiserver.create("pods", pod("ok", containers=[{"name": "a", "image": "x", "readinessProbe": probe}]))


def test_probe_handler_count(c):
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "readinessProbe": {"periodSeconds": 5}}]))
    assert e.message == ('The Pod "p" is invalid: spec.containers[0].readinessProbe: Required value: '
                         'must specify a handler type')
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "livenessProbe": {
        "httpGet": {"port": 80}, "tcpSocket": {"port": 80}}}]))
    assert e.message == ('The Pod "p" is invalid: spec.containers[0].livenessProbe.tcpSocket: Forbidden: '
                         'may not specify more than 1 handler type')


def test_request_above_limit(c):
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits"""
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "resources": {
        "requests": {"cpu": "500m"}, "limits": {"cpu": "250m"}}}]))
    assert e.message == ('The Pod "p" is invalid: spec.containers[0].resources.requests: Invalid value: "500m": '
                         'must be less than or equal to cpu limit of 250m')


def test_bad_quantity_is_a_decode_error(c):
    """A quantity that does not parse fails decoding (400), before validation."""
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "resources": {"limits": {"memory": "lots"}}}]))
    assert e.code == 400 and e.message == (
        'Pod in version "v1" cannot be handled as a Pod: quantities must match the regular expression '
        "'^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'")


def test_restart_policy_and_ports(c):
    e = rejected(c, "pods", pod(restartPolicy="Sometimes"))
    assert e.message == ('The Pod "p" is invalid: spec.restartPolicy: Unsupported value: "Sometimes": '
                         'supported values: "Always", "OnFailure", "Never"')
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x", "ports": [{"containerPort": 70000}]}]))
    assert e.message == ('The Pod "p" is invalid: spec.containers[0].ports[0].containerPort: Invalid value: 70000: '
                         'must be between 1 and 65535, inclusive')


def test_volume_mounts_need_volumes(c):
    """https://kubernetes.io/docs/concepts/storage/volumes/"""
    e = rejected(c, "pods", pod(containers=[{"name": "a", "image": "x",
                                             "volumeMounts": [{"name": "data", "mountPath": "/data"}]}]))
    assert e.message == 'The Pod "p" is invalid: spec.containers[0].volumeMounts[0].name: Not found: "data"'
    e = rejected(c, "pods", pod(volumes=[{"name": "v", "emptyDir": {}}, {"name": "v", "emptyDir": {}}]))
    assert e.message == 'The Pod "p" is invalid: spec.volumes[1].name: Duplicate value: "v"'


def test_max_surge_and_unavailable_both_zero(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable"""
    e = rejected(c, "deployments", deploy(strategy={"type": "RollingUpdate",
                                                    "rollingUpdate": {"maxSurge": 0, "maxUnavailable": 0}}))
    assert e.message == ('The Deployment "web" is invalid: spec.strategy.rollingUpdate.maxUnavailable: Invalid '
                         'value: intstr.IntOrString{Type:0, IntVal:0, StrVal:""}: may not be 0 when `maxSurge` is 0')


def test_workload_template_restart_policy(c):
    d = deploy()
    d["spec"]["template"]["spec"]["restartPolicy"] = "Never"
    e = rejected(c, "deployments", d)
    assert e.message == ('The Deployment "web" is invalid: spec.template.spec.restartPolicy: Unsupported value: '
                         '"Never": supported values: "Always"')


def test_job_restart_policy(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-template"""
    job = {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "pi"},
           "spec": {"template": {"spec": {"containers": [{"name": "pi", "image": "perl"}]}}}}
    e = rejected(c, "jobs", job)
    assert e.message == ('The Job.batch "pi" is invalid: spec.template.spec.restartPolicy: Required value: '
                         'valid values: "OnFailure", "Never"') or e.message == (
        'The Job "pi" is invalid: spec.template.spec.restartPolicy: Required value: valid values: "OnFailure", "Never"')


def test_cronjob_schedule(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax"""
    assert cron_schedule_error("*/5 * * * *") is None and cron_schedule_error("@hourly") is None
    assert cron_schedule_error("* * *") == "expected exactly 5 fields, found 3: [* * *]"
    assert cron_schedule_error("61 * * * *") == "end of range (61) above maximum (59): 61"
    cj = {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": "hello"},
          "spec": {"schedule": "TZ=UTC * * * * *", "jobTemplate": {"spec": {"template": {"spec": {
              "containers": [{"name": "a", "image": "busybox"}], "restartPolicy": "OnFailure"}}}}}}
    e = rejected(c, "cronjobs", cj)
    assert 'spec.schedule: Invalid value: "TZ=UTC * * * * *": cannot use TZ or CRON_TZ in schedule, use ' \
           'timeZone field instead' in e.message


def test_service_ports_and_node_port_range(c):
    """https://kubernetes.io/docs/concepts/services-networking/service/#type-nodeport"""
    svc = {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
           "spec": {"type": "NodePort", "ports": [{"port": 80, "nodePort": 80}]}}
    e = rejected(c, "services", svc)
    assert e.message == ('The Service "s" is invalid: spec.ports[0].nodePort: Invalid value: 80: provided port is '
                         'not in the valid range. The range of valid ports is 30000-32767')
    svc["spec"] = {"ports": [{"port": 80}, {"port": 81}]}
    e = rejected(c, "services", svc)
    assert e.message == ('The Service "s" is invalid: [spec.ports[0].name: Required value, '
                         'spec.ports[1].name: Required value]')


def test_configmap_keys(c):
    """https://kubernetes.io/docs/concepts/configuration/configmap/"""
    e = rejected(c, "configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},
                                   "data": {"a b": "x"}})
    assert e.message == (
        'The ConfigMap "m" is invalid: data[a b]: Invalid value: "a b": a valid config key must consist of '
        "alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used "
        "for validation is '[-._a-zA-Z0-9]+')")


def test_pv_and_pvc_required_fields(c):
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/"""
    e = rejected(c, "persistentvolumes", {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": "pv"},
                                          "spec": {"hostPath": {"path": "/x"}}}, None)
    assert e.message == ('The PersistentVolume "pv" is invalid: [spec.accessModes: Required value, '
                         'spec.capacity: Required value]')
    e = rejected(c, "persistentvolumeclaims", {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
                                               "metadata": {"name": "c"}, "spec": {}})
    assert e.message == ('The PersistentVolumeClaim "c" is invalid: [spec.accessModes: Required value: at least 1 '
                         'access mode is required, spec.resources[storage]: Required value]')


def test_pod_spec_is_mostly_immutable(c):
    """https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement"""
    c.apiserver.create("pods", pod())
    p = c.apiserver.get("pods", "p", "default")
    p["spec"]["containers"][0]["image"] = "nginx:1.25"              # allowed
    p = c.apiserver.update("pods", p)
    p["spec"]["containers"][0]["ports"] = [{"containerPort": 81}]    # not allowed
    with pytest.raises(ApiError) as e:
        c.apiserver.update("pods", p)
    assert e.value.message.startswith(
        'The Pod "p" is invalid: spec: Forbidden: pod updates may not change fields other than '
        "`spec.containers[*].image`,`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,"
        "`spec.tolerations` (only additions to existing tolerations),`spec.terminationGracePeriodSeconds` "
        "(allow it to be set to 1 if it was previously negative)")


def test_deployment_selector_is_immutable(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#label-selector-updates"""
    c.apiserver.create("deployments", deploy())
    with pytest.raises(ApiError) as e:
        c.apiserver.patch("deployments", "web", {"spec": {"selector": {"matchLabels": {"app": "web2"}},
                                                          "template": {"metadata": {"labels": {"app": "web2"}}}}},
                          "default")
    assert e.value.message == (
        'The Deployment "web" is invalid: spec.selector: Invalid value: v1.LabelSelector{MatchLabels:'
        'map[string]string{"app":"web2"}, MatchExpressions:[]v1.LabelSelectorRequirement(nil)}: field is immutable')


@pytest.mark.parametrize("text,canon", [("500m", "500m"), ("0.5", "500m"), ("1", "1"), ("1000m", "1"),
                                        ("1024Mi", "1Gi"), ("128Mi", "128Mi"), ("2000", "2k"), ("1500", "1500")])
def test_canonical_quantity(text, canon):
    """Quantity.String(): https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/"""
    assert canonical_quantity(text) == canon


def test_secret_data_must_be_base64(c):
    """https://kubernetes.io/docs/concepts/configuration/secret/#restriction-names-data (data values are
    base64; plain text belongs in stringData): Go's decoder rejects it before validation."""
    e = rejected(c, "secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "s"},
                                "data": {"password": "hello"}})
    assert (e.code, e.message) == (400, 'Secret in version "v1" cannot be handled as a Secret: illegal base64 '
                                        'data at input byte 4')
    c.apiserver.create("secrets", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "ok"},
                                   "stringData": {"password": "hello"}}, "default")


def test_statefulset_may_mount_its_claim_templates(c):
    """https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#components"""
    sts = {"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "web"},
           "spec": {"selector": {"matchLabels": {"app": "nginx"}}, "serviceName": "nginx",
                    "template": {"metadata": {"labels": {"app": "nginx"}},
                                 "spec": {"containers": [{"name": "nginx", "image": "nginx",
                                                          "volumeMounts": [{"name": "www", "mountPath": "/www"}]}]}},
                    "volumeClaimTemplates": [{"metadata": {"name": "www"},
                                              "spec": {"accessModes": ["ReadWriteOnce"],
                                                       "resources": {"requests": {"storage": "1Gi"}}}}]}}
    c.apiserver.create("statefulsets", sts, "default")
