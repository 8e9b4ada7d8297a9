"""core/v1 defaults of a Pod and its parts (pkg/apis/core/v1/defaults.go): containers
(``imagePullPolicy``, ``terminationMessagePath``...), probes (``SetDefaults_Probe``), volumes,
the pod spec (``restartPolicy``, ``dnsPolicy``, ``terminationGracePeriodSeconds``...), requests
from limits; a pod template gets the same defaults wherever it appears.
"""

from __future__ import annotations

from .common import (DEFAULT_FILE_MODE, DEFAULT_GRACE_PERIOD, DEFAULT_SCHEDULER, PROBE_DEFAULTS, PULL_ALWAYS,
                     PULL_IF_NOT_PRESENT, TERMINATION_MESSAGE_PATH, VOLUME_SOURCES, _dict, _dicts, _unset,
                     defaulter)


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


def probe_settings(probe: dict) -> dict:
    """A probe's numbers as SetDefaults_Probe leaves them, plus ``initialDelaySeconds`` (no
    default: 0): what the kubelet's prober reads, from the one table of defaults above."""
    settings = {key: probe.get(key) for key, _ in PROBE_DEFAULTS}
    for key, value in PROBE_DEFAULTS:
        if _unset(settings, key):
            settings[key] = value
    settings["initialDelaySeconds"] = probe.get("initialDelaySeconds") or 0
    return settings


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
