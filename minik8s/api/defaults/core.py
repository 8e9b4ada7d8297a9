"""core/v1 defaults of the kinds other than pods: Service, PersistentVolumeClaim,
PersistentVolume, StorageClass, PriorityClass, Secret, Namespace, Node, Endpoints, EndpointSlice.
"""

from __future__ import annotations

import base64

from .common import _dict, _dicts, defaulter


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
