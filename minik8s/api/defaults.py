"""Defaulting: the fields the API server fills in when a manifest leaves them out.

Kubernetes applies defaults when an object is decoded, so ``kubectl get -o yaml``
shows more than the manifest said: a Pod gets ``restartPolicy: Always``,
``terminationGracePeriodSeconds: 30``, ``dnsPolicy: ClusterFirst``; a Deployment
gets ``replicas: 1`` and a 25%/25% rolling update. The rules are upstream's
``SetDefaults_*`` functions (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
pkg/apis/batch/v1/defaults.go) and are applied the way the generated defaulters apply
them: a struct's defaults wherever that struct appears (a ``PodSpec`` inside a
Deployment's template gets the same defaults as a Pod's), ``SetDefaults_Pod`` only to Pods.

As in Go, an integer field set to ``0`` counts as unset where upstream's field is not
a pointer (probe periods, thresholds). Each kind's defaulter is registered in
:data:`DEFAULTERS`; :func:`apply_defaults` runs the one for ``obj["kind"]``.
"""

from __future__ import annotations

import base64
from typing import Callable

DEFAULTERS: dict[str, Callable[[dict], None]] = {}

# https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
PULL_ALWAYS, PULL_IF_NOT_PRESENT = "Always", "IfNotPresent"
DEFAULT_GRACE_PERIOD = 30                   # v1.DefaultTerminationGracePeriodSeconds
DEFAULT_SCHEDULER = "default-scheduler"     # v1.DefaultSchedulerName
TERMINATION_MESSAGE_PATH = "/dev/termination-log"
DEFAULT_FILE_MODE = 420                     # 0644: secret/configMap/downwardAPI/projected volumes
# https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes
PROBE_DEFAULTS = (("timeoutSeconds", 1), ("periodSeconds", 10), ("successThreshold", 1),
                  ("failureThreshold", 3))
VOLUME_SOURCES = (
    "hostPath", "emptyDir", "gcePersistentDisk", "awsElasticBlockStore", "gitRepo", "secret", "nfs",
    "iscsi", "glusterfs", "persistentVolumeClaim", "rbd", "flexVolume", "cinder", "cephfs", "flocker",
    "downwardAPI", "fc", "azureFile", "configMap", "vsphereVolume", "quobyte", "azureDisk",
    "photonPersistentDisk", "projected", "portworxVolume", "scaleIO", "storageos", "csi", "ephemeral",
    "image",
)


def defaulter(kind: str):
    """Register ``fn(obj)`` as the defaulter of ``kind``; it fills in missing fields in place."""
    def register(fn):
        DEFAULTERS[kind] = fn
        return fn
    return register


def apply_defaults(obj: dict) -> None:
    """Fill in the defaults of ``obj`` (a dict of any supported kind) in place."""
    fn = DEFAULTERS.get(obj.get("kind"))
    if fn is not None:
        fn(obj)


def _dict(parent: dict, key: str) -> dict | None:
    """``parent[key]`` if it is a dict (a malformed manifest may hold anything; validation says so)."""
    v = parent.get(key)
    return v if isinstance(v, dict) else None


def _dicts(parent: dict, key: str) -> list[dict]:
    v = parent.get(key)
    return [x for x in v if isinstance(x, dict)] if isinstance(v, list) else []


def _unset(d: dict, key: str) -> bool:
    """Go's zero value: absent, None, 0 or "" (for non-pointer fields)."""
    return d.get(key) in (None, 0, "") and not isinstance(d.get(key), bool)


# --- core/v1: pods and their parts --------------------------------------------------------

def image_pull_policy(image: str) -> str:
    """``Always`` when the tag is ``:latest`` or missing (and no digest), else ``IfNotPresent``.

    SetDefaults_Container; https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting
    """
    if "@" in image:
        return PULL_IF_NOT_PRESENT
    last = image.rsplit("/", 1)[-1]
    if ":" not in last:
        return PULL_ALWAYS
    return PULL_ALWAYS if last.rsplit(":", 1)[1] == "latest" else PULL_IF_NOT_PRESENT


def default_probe(probe: dict) -> None:
    """SetDefaults_Probe: timeout 1 s, period 10 s, success 1, failure 3 (0 means unset)."""
    for key, value in PROBE_DEFAULTS:
        if _unset(probe, key):
            probe[key] = value
    _default_handler(probe)


def _default_handler(handler: dict) -> None:
    http = _dict(handler, "httpGet")
    if http is not None:                     # SetDefaults_HTTPGetAction
        if not http.get("path"):
            http["path"] = "/"
        if not http.get("scheme"):
            http["scheme"] = "HTTP"


def default_container(c: dict) -> None:
    """SetDefaults_Container and the structs inside a container."""
    image = c.get("image")
    if not c.get("imagePullPolicy") and isinstance(image, str) and image:
        c["imagePullPolicy"] = image_pull_policy(image)
    if not c.get("terminationMessagePath"):
        c["terminationMessagePath"] = TERMINATION_MESSAGE_PATH
    if not c.get("terminationMessagePolicy"):
        c["terminationMessagePolicy"] = "File"
    if c.get("resources") is None:
        c["resources"] = {}
    for p in _dicts(c, "ports"):             # SetDefaults_ContainerPort
        if not p.get("protocol"):
            p["protocol"] = "TCP"
    for env in _dicts(c, "env"):
        src = _dict(env, "valueFrom") or {}
        ref = _dict(src, "fieldRef")
        if ref is not None and not ref.get("apiVersion"):   # SetDefaults_ObjectFieldSelector
            ref["apiVersion"] = "v1"
        rref = _dict(src, "resourceFieldRef")
        if rref is not None and rref.get("divisor") is None:
            rref["divisor"] = "0"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        probe = _dict(c, key)
        if probe is not None:
            default_probe(probe)
    lifecycle = _dict(c, "lifecycle") or {}
    for key in ("postStart", "preStop"):
        h = _dict(lifecycle, key)
        if h is not None:
            _default_handler(h)


def default_volume(v: dict) -> None:
    """SetDefaults_Volume and the volume sources' defaults (modes 0644, hostPath type "")."""
    if not any(k in v for k in VOLUME_SOURCES):
        v["emptyDir"] = {}
    for key in ("secret", "configMap", "downwardAPI", "projected"):
        src = _dict(v, key)
        if src is not None and src.get("defaultMode") is None:
            src["defaultMode"] = DEFAULT_FILE_MODE
    hp = _dict(v, "hostPath")
    if hp is not None and hp.get("type") is None:
        hp["type"] = ""
    for item in _dicts(_dict(v, "downwardAPI") or {}, "items"):
        ref = _dict(item, "fieldRef")
        if ref is not None and not ref.get("apiVersion"):
            ref["apiVersion"] = "v1"
    for src in _dicts(_dict(v, "projected") or {}, "sources"):
        tok = _dict(src, "serviceAccountToken")
        if tok is not None and tok.get("expirationSeconds") is None:
            tok["expirationSeconds"] = 3600
        for item in _dicts(_dict(src, "downwardAPI") or {}, "items"):
            ref = _dict(item, "fieldRef")
            if ref is not None and not ref.get("apiVersion"):
                ref["apiVersion"] = "v1"


def default_pod_spec(spec: dict) -> None:
    """SetDefaults_PodSpec (applies to Pods and to every pod template)."""
    if not spec.get("dnsPolicy"):
        spec["dnsPolicy"] = "ClusterFirst"
    if not spec.get("restartPolicy"):
        spec["restartPolicy"] = "Always"
    if spec.get("securityContext") is None:
        spec["securityContext"] = {}
    if spec.get("terminationGracePeriodSeconds") is None:
        spec["terminationGracePeriodSeconds"] = DEFAULT_GRACE_PERIOD
    if not spec.get("schedulerName"):
        spec["schedulerName"] = DEFAULT_SCHEDULER
    # The deprecated serviceAccount field mirrors serviceAccountName (v1 conversion).
    if not spec.get("serviceAccountName") and spec.get("serviceAccount"):
        spec["serviceAccountName"] = spec["serviceAccount"]
    if spec.get("serviceAccountName"):
        spec["serviceAccount"] = spec["serviceAccountName"]
    for key in ("initContainers", "containers", "ephemeralContainers"):
        for c in _dicts(spec, key):
            default_container(c)
    for v in _dicts(spec, "volumes"):
        default_volume(v)
    if spec.get("hostNetwork") is True:       # defaultHostNetworkPorts
        for key in ("initContainers", "containers"):
            for c in _dicts(spec, key):
                for p in _dicts(c, "ports"):
                    if not p.get("hostPort"):
                        p["hostPort"] = p.get("containerPort")


def _default_template(template) -> None:
    if isinstance(template, dict):
        spec = _dict(template, "spec")
        if spec is not None:
            default_pod_spec(spec)


def requests_from_limits(container: dict) -> None:
    """A container that sets limits but not requests gets requests equal to its limits.

    SetDefaults_Pod (Pods only, not templates);
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#requests-and-limits
    """
    res = container.get("resources")
    if not isinstance(res, dict) or not isinstance(res.get("limits"), dict) or not res["limits"]:
        return
    req = res.get("requests")
    if not isinstance(req, dict):
        req = res["requests"] = {}
    for name, q in res["limits"].items():
        req.setdefault(name, q)


@defaulter("Pod")
def default_pod(pod: dict) -> None:
    """SetDefaults_Pod + SetDefaults_PodSpec."""
    spec = _dict(pod, "spec")
    if spec is None:
        return
    for key in ("initContainers", "containers"):
        for c in _dicts(spec, key):
            requests_from_limits(c)
    if spec.get("enableServiceLinks") is None:
        spec["enableServiceLinks"] = True
    default_pod_spec(spec)


@defaulter("PodTemplate")
def default_pod_template(obj: dict) -> None:
    _default_template(obj.get("template"))


# --- apps/v1 ------------------------------------------------------------------------------

@defaulter("ReplicaSet")
def default_replicaset(rs: dict) -> None:
    """SetDefaults_ReplicaSet: replicas 1."""
    spec = _dict(rs, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec.get("template"))


@defaulter("ReplicationController")
def default_replicationcontroller(rc: dict) -> None:
    default_replicaset(rc)


@defaulter("Deployment")
def default_deployment(d: dict) -> None:
    """SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600 s.

    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec
    """
    spec = _dict(d, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strategy["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = "25%"
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(spec.get("template"))


@defaulter("DaemonSet")
def default_daemonset(ds: dict) -> None:
    """SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10."""
    spec = _dict(ds, "spec")
    if spec is None:
        return
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    if not us.get("type"):
        us["type"] = "RollingUpdate"
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = 1
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec.get("template"))


@defaulter("StatefulSet")
def default_statefulset(sts: dict) -> None:
    """SetDefaults_StatefulSet: OrderedReady, RollingUpdate partition 0, replicas 1, history 10,
    PVC retention Retain/Retain; volumeClaimTemplates get the PVC spec defaults."""
    spec = _dict(sts, "spec")
    if spec is None:
        return
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    if not us.get("type"):
        us["type"] = "RollingUpdate"
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        if ru.get("partition") is None:
            ru["partition"] = 0
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if not isinstance(policy, dict):
        policy = spec["persistentVolumeClaimRetentionPolicy"] = {}
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for pvc in _dicts(spec, "volumeClaimTemplates"):
        default_pvc(pvc)
        pvc.setdefault("apiVersion", "v1")
        pvc.setdefault("kind", "PersistentVolumeClaim")
    _default_template(spec.get("template"))


# --- batch/v1 -----------------------------------------------------------------------------

def default_job_spec(spec: dict) -> None:
    """SetDefaults_Job's spec part: completions/parallelism 1, backoffLimit 6, NonIndexed, ...

    https://kubernetes.io/docs/concepts/workloads/controllers/job/
    """
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    pfp = _dict(spec, "podFailurePolicy")
    if pfp is not None:
        for rule in _dicts(pfp, "rules"):
            for pat in _dicts(rule, "onPodConditions"):
                if not pat.get("status"):
                    pat["status"] = "True"
    if not spec.get("podReplacementPolicy"):
        spec["podReplacementPolicy"] = "Failed" if pfp is not None else "TerminatingOrFailed"
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    _default_template(spec.get("template"))


@defaulter("Job")
def default_job(job: dict) -> None:
    spec = _dict(job, "spec")
    if spec is None:
        return
    default_job_spec(spec)
    tmpl = _dict(spec, "template") or {}
    tlabels = (_dict(tmpl, "metadata") or {}).get("labels")
    md = _dict(job, "metadata")
    if md is not None and isinstance(tlabels, dict) and tlabels and not md.get("labels"):
        md["labels"] = dict(tlabels)       # a Job without labels takes its template's


@defaulter("CronJob")
def default_cronjob(cj: dict) -> None:
    """SetDefaults_CronJob: Allow, not suspended, keep 3 successful and 1 failed Jobs.

    https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#jobs-history-limits
    """
    spec = _dict(cj, "spec")
    if spec is None:
        return
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    jt = _dict(spec, "jobTemplate") or {}
    jspec = _dict(jt, "spec")
    if jspec is not None:
        _default_template(jspec.get("template"))


# --- core/v1: services, storage, config -----------------------------------------------------

@defaulter("Service")
def default_service(svc: dict) -> None:
    """SetDefaults_Service (+ the IP family fields the registry sets for ClusterIP services).

    https://kubernetes.io/docs/concepts/services-networking/service/
    """
    spec = _dict(svc, "spec")
    if spec is None:
        return
    if not spec.get("sessionAffinity"):
        spec["sessionAffinity"] = "None"
    if not spec.get("type"):
        spec["type"] = "ClusterIP"
    for p in _dicts(spec, "ports"):
        if not p.get("protocol"):
            p["protocol"] = "TCP"
        if p.get("targetPort") in (None, 0, ""):
            p["targetPort"] = p.get("port")
    typ = spec["type"]
    if spec["sessionAffinity"] == "ClientIP":
        cfg = spec.setdefault("sessionAffinityConfig", {})
        cip = cfg.setdefault("clientIP", {})
        cip.setdefault("timeoutSeconds", 10800)
    if typ in ("NodePort", "LoadBalancer") and not spec.get("externalTrafficPolicy"):
        spec["externalTrafficPolicy"] = "Cluster"
    if typ != "ExternalName" and not spec.get("internalTrafficPolicy"):
        spec["internalTrafficPolicy"] = "Cluster"
    if typ == "LoadBalancer" and spec.get("allocateLoadBalancerNodePorts") is None:
        spec["allocateLoadBalancerNodePorts"] = True
    if typ != "ExternalName":
        if not spec.get("ipFamilyPolicy"):
            spec["ipFamilyPolicy"] = "SingleStack"
        if not spec.get("ipFamilies"):
            spec["ipFamilies"] = ["IPv4"]


def default_pvc(pvc: dict) -> None:
    spec = _dict(pvc, "spec")
    if spec is not None and not spec.get("volumeMode"):
        spec["volumeMode"] = "Filesystem"


@defaulter("PersistentVolumeClaim")
def default_persistentvolumeclaim(pvc: dict) -> None:
    """SetDefaults_PersistentVolumeClaim(+Spec): volumeMode Filesystem, phase Pending."""
    default_pvc(pvc)
    status = pvc.get("status")
    if not isinstance(status, dict):
        status = pvc["status"] = {}
    if not status.get("phase"):
        status["phase"] = "Pending"


@defaulter("PersistentVolume")
def default_persistentvolume(pv: dict) -> None:
    """SetDefaults_PersistentVolume: phase Pending, reclaim policy Retain, volumeMode Filesystem.

    https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaim-policy
    """
    spec = _dict(pv, "spec")
    if spec is not None:
        if not spec.get("persistentVolumeReclaimPolicy"):
            spec["persistentVolumeReclaimPolicy"] = "Retain"
        if not spec.get("volumeMode"):
            spec["volumeMode"] = "Filesystem"
        hp = _dict(spec, "hostPath")
        if hp is not None and hp.get("type") is None:      # SetDefaults_HostPathVolumeSource
            hp["type"] = ""
    status = pv.get("status")
    if not isinstance(status, dict):
        status = pv["status"] = {}
    if not status.get("phase"):
        status["phase"] = "Pending"


@defaulter("StorageClass")
def default_storageclass(sc: dict) -> None:
    """SetDefaults_StorageClass: reclaimPolicy Delete, volumeBindingMode Immediate."""
    if not sc.get("reclaimPolicy"):
        sc["reclaimPolicy"] = "Delete"
    if not sc.get("volumeBindingMode"):
        sc["volumeBindingMode"] = "Immediate"


@defaulter("PriorityClass")
def default_priorityclass(pc: dict) -> None:
    """SetDefaults_PriorityClass: preemptionPolicy PreemptLowerPriority."""
    if not pc.get("preemptionPolicy"):
        pc["preemptionPolicy"] = "PreemptLowerPriority"


@defaulter("Secret")
def default_secret(secret: dict) -> None:
    """SetDefaults_Secret: type Opaque. Also the v1 conversion: ``stringData`` is merged into
    ``data`` (base64-encoded, winning over ``data``) and never stored.
    https://kubernetes.io/docs/concepts/configuration/secret/#restriction-names-data
    """
    if not secret.get("type"):
        secret["type"] = "Opaque"
    string_data = secret.get("stringData")
    if isinstance(string_data, dict):
        data = secret.get("data")
        if not isinstance(data, dict):
            data = secret["data"] = {}
        for k, v in string_data.items():
            if isinstance(v, str):
                data[k] = base64.b64encode(v.encode()).decode()
        del secret["stringData"]


@defaulter("Namespace")
def default_namespace(ns: dict) -> None:
    """Namespaces carry the ``kubernetes`` finalizer, start Active, and are labelled with their name.

    The ``kubernetes.io/metadata.name`` label is set by the API server on every namespace
    (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#automatic-labelling).
    """
    md = ns.setdefault("metadata", {})
    if isinstance(md, dict) and isinstance(md.get("name"), str) and md["name"]:
        labels = md.get("labels")
        if not isinstance(labels, dict):
            labels = md["labels"] = {}
        labels["kubernetes.io/metadata.name"] = md["name"]
    spec = ns.get("spec")
    if not isinstance(spec, dict):
        spec = ns["spec"] = {}
    spec.setdefault("finalizers", ["kubernetes"])
    status = ns.get("status")
    if not isinstance(status, dict):
        status = ns["status"] = {}
    status.setdefault("phase", "Active")


@defaulter("Node")
def default_node(node: dict) -> None:
    """SetDefaults_NodeStatus: allocatable defaults to capacity."""
    status = _dict(node, "status")
    if status is not None and isinstance(status.get("capacity"), dict) and status.get("allocatable") is None:
        status["allocatable"] = dict(status["capacity"])


@defaulter("Endpoints")
def default_endpoints(ep: dict) -> None:
    """SetDefaults_Endpoints: ports' protocol TCP."""
    for subset in _dicts(ep, "subsets"):
        for p in _dicts(subset, "ports"):
            if not p.get("protocol"):
                p["protocol"] = "TCP"


@defaulter("EndpointSlice")
def default_endpointslice(es: dict) -> None:
    """SetDefaults_EndpointPort (discovery/v1): name "" and protocol TCP."""
    for p in _dicts(es, "ports"):
        if p.get("name") is None:
            p["name"] = ""
        if not p.get("protocol"):
            p["protocol"] = "TCP"
