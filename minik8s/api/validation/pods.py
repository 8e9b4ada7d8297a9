"""Pod validation (pkg/apis/core/validation/validation.go: ValidatePodSpec, validateContainers,
validateProbe, ValidateResourceRequirements, validateVolumes, ValidateTolerations,
validatePodDNSConfig, and the pod update rule that only a few fields may change).
"""

from __future__ import annotations

import ipaddress
import re

from ..defaults.common import VOLUME_SOURCES
from ..meta import dns1123_label_errors, dns1123_subdomain_errors
from ..quantity import QuantityError, parse_quantity
from .common import (Cause, _Raw, _int, canonical_quantity, duplicate, forbidden, invalid_value, not_found,
                     qualified_name_errors, required, unsupported_value, validate_labels, validator)


RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
MAX_DNS_NAMESERVERS = 3        # validation.MaxDNSNameservers (libc's MAXNS)


def validate_pod_dns_config(cfg, policy, field: str) -> list:
    """validatePodDNSConfig: ``dnsPolicy: None`` needs a ``dnsConfig`` with a nameserver; at most 3
    nameservers, each an IP address; every option has a name.
    (https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-dns-config)"""
    if policy == "None":
        if not isinstance(cfg, dict):
            return [required(field, "must provide `dnsConfig` when `dnsPolicy` is None")]
        if not cfg.get("nameservers"):
            return [required(f"{field}.nameservers", "must provide at least one DNS nameserver when `dnsPolicy` is None")]
    if not isinstance(cfg, dict):
        return []
    causes = []
    servers = cfg.get("nameservers") or []
    if len(servers) > MAX_DNS_NAMESERVERS:
        shown = _Raw("[]string{" + ", ".join(f'"{x}"' for x in servers) + "}")     # Go's %#v
        causes.append(invalid_value(f"{field}.nameservers", shown,
                                    f"must not have more than {MAX_DNS_NAMESERVERS} nameservers"))
    for i, ns in enumerate(servers):
        if not isinstance(ns, str) or not _is_ip(ns):
            causes.append(invalid_value(f"{field}.nameservers[{i}]", ns,
                                        "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"))
    for i, o in enumerate(cfg.get("options") or []):
        if not isinstance(o, dict) or not o.get("name"):
            causes.append(required(f"{field}.options[{i}]", "must not be empty"))
    return causes


def _is_ip(s) -> bool:
    try:
        ipaddress.ip_address(s)
    except ValueError:
        return False
    return True


PULL_POLICIES = ["Always", "IfNotPresent", "Never"]
PROTOCOLS = ["SCTP", "TCP", "UDP"]
TERMINATION_MESSAGE_POLICIES = ["File", "FallbackToLogsOnError"]
PROBE_HANDLERS = ("exec", "httpGet", "tcpSocket", "grpc")
_IANA_SVC = re.compile(r"^[-a-z0-9]+$")
_HAS_LETTER = re.compile(r"[a-z]")


def port_name_errors(name: str) -> list[str]:
    """IsValidPortName (IANA_SVC_NAME)."""
    errs = []
    if len(name) > 15:
        errs.append("must be no more than 15 characters")
    if not _IANA_SVC.match(name):
        errs.append("must contain only alpha-numeric characters (a-z, 0-9), and hyphens (-)")
    if "--" in name:
        errs.append("must not contain consecutive hyphens")
    if not _HAS_LETTER.search(name):
        errs.append("must contain at least one letter (a-z)")
    if name.startswith("-") or name.endswith("-"):
        errs.append("must not begin or end with a hyphen")
    return errs


def _port_number(field: str, v) -> list[Cause]:
    if not _int(v) or not 1 <= v <= 65535:
        return [invalid_value(field, v, "must be between 1 and 65535, inclusive")]
    return []


def _port_num_or_name(field: str, v) -> list[Cause]:
    if isinstance(v, str):
        return [invalid_value(field, v, m) for m in port_name_errors(v)]
    return _port_number(field, v)


def env_name_errors(name: str) -> list[str]:
    """IsRelaxedEnvVarName (RelaxedEnvironmentVariableValidation, on by default since v1.32)."""
    if any(ord(ch) > 126 or ord(ch) < 32 or ch == "=" for ch in name):
        return ["a valid environment variable name must consist only of printable ASCII characters other "
                "than '='"]
    return []


def validate_probe(probe, field: str, kind: str) -> list[Cause]:
    """validateProbe + the liveness/startup rule that successThreshold must be 1."""
    if not isinstance(probe, dict):
        return [invalid_value(field, probe, "must be an object")]
    causes = []
    handlers = [h for h in PROBE_HANDLERS if probe.get(h) is not None]
    if not handlers:
        causes.append(required(field, "must specify a handler type"))
    for h in handlers[1:]:
        causes.append(forbidden(f"{field}.{h}", "may not specify more than 1 handler type"))
    for key in ("initialDelaySeconds", "timeoutSeconds", "periodSeconds", "successThreshold",
                "failureThreshold"):
        v = probe.get(key)
        if _int(v) and v < 0:
            causes.append(invalid_value(f"{field}.{key}", v, "must be greater than or equal to 0"))
    if kind in ("livenessProbe", "startupProbe") and _int(probe.get("successThreshold")) \
            and probe["successThreshold"] != 1:
        causes.append(invalid_value(f"{field}.successThreshold", probe["successThreshold"], "must be 1"))
    tg = probe.get("terminationGracePeriodSeconds")
    if tg is not None:
        if kind == "readinessProbe":
            causes.append(invalid_value(f"{field}.terminationGracePeriodSeconds", tg,
                                        "must not be set for readinessProbes"))
        elif _int(tg) and tg <= 0:
            causes.append(invalid_value(f"{field}.terminationGracePeriodSeconds", tg,
                                        "must be greater than 0"))
    http = probe.get("httpGet")
    if isinstance(http, dict):
        causes += _port_num_or_name(f"{field}.httpGet.port", http.get("port"))
        if http.get("scheme") not in (None, "HTTP", "HTTPS"):
            causes.append(unsupported_value(f"{field}.httpGet.scheme", http["scheme"], ["HTTP", "HTTPS"]))
    tcp = probe.get("tcpSocket")
    if isinstance(tcp, dict):
        causes += _port_num_or_name(f"{field}.tcpSocket.port", tcp.get("port"))
    ex = probe.get("exec")
    if isinstance(ex, dict) and not ex.get("command"):
        causes.append(required(f"{field}.exec.command"))
    return causes


def validate_resources(res, field: str) -> list[Cause]:
    """ValidateResourceRequirements: non-negative quantities, request <= limit."""
    if not isinstance(res, dict):
        return []
    causes = []
    limits = res.get("limits") if isinstance(res.get("limits"), dict) else {}
    requests = res.get("requests") if isinstance(res.get("requests"), dict) else {}
    parsed = {}
    for part, values in (("limits", limits), ("requests", requests)):
        for name in sorted(values):
            try:
                q = parse_quantity(values[name])
            except QuantityError:
                continue                 # the decoder rejects it first (api/schema.py)
            parsed[(part, name)] = q
            if q < 0:
                causes.append(invalid_value(f"{field}.{part}[{name}]", canonical_quantity(values[name]),
                                            "must be greater than or equal to 0"))
    for name in sorted(requests):
        req, lim = parsed.get(("requests", name)), parsed.get(("limits", name))
        if req is not None and lim is not None and req > lim:
            causes.append(invalid_value(f"{field}.requests", canonical_quantity(requests[name]),
                                        f"must be less than or equal to {name} limit of "
                                        f"{canonical_quantity(limits[name])}"))
    return causes


def validate_container(c, field: str, volumes: set, init: bool) -> list[Cause]:
    if not isinstance(c, dict):
        return [invalid_value(field, c, "must be an object")]
    causes = []
    name = c.get("name")
    if not name:
        causes.append(required(f"{field}.name"))
    elif isinstance(name, str):
        causes += [invalid_value(f"{field}.name", name, m) for m in dns1123_label_errors(name)]
    if not c.get("image"):
        causes.append(required(f"{field}.image"))
    elif isinstance(c["image"], str) and c["image"] != c["image"].strip():
        causes.append(invalid_value(f"{field}.image", c["image"], "must not have leading or trailing whitespace"))
    port_names = set()
    for i, p in enumerate(c.get("ports") or []):
        pf = f"{field}.ports[{i}]"
        if not isinstance(p, dict):
            causes.append(invalid_value(pf, p, "must be an object"))
            continue
        if p.get("name"):
            pn = p["name"]
            causes += [invalid_value(f"{pf}.name", pn, m) for m in port_name_errors(str(pn))]
            if pn in port_names:
                causes.append(duplicate(f"{pf}.name", pn))
            port_names.add(pn)
        if not p.get("containerPort"):
            causes.append(required(f"{pf}.containerPort"))
        else:
            causes += _port_number(f"{pf}.containerPort", p["containerPort"])
        if p.get("hostPort"):
            causes += _port_number(f"{pf}.hostPort", p["hostPort"])
        if p.get("protocol") not in PROTOCOLS:
            causes.append(unsupported_value(f"{pf}.protocol", p.get("protocol"), PROTOCOLS))
    for i, e in enumerate(c.get("env") or []):
        ef = f"{field}.env[{i}]"
        if not isinstance(e, dict):
            causes.append(invalid_value(ef, e, "must be an object"))
            continue
        if not e.get("name"):
            causes.append(required(f"{ef}.name"))
        else:
            causes += [invalid_value(f"{ef}.name", e["name"], m) for m in env_name_errors(str(e["name"]))]
        src = e.get("valueFrom")
        if isinstance(src, dict):
            n = sum(1 for k in ("fieldRef", "resourceFieldRef", "configMapKeyRef", "secretKeyRef")
                    if src.get(k) is not None)
            if n == 0:
                causes.append(invalid_value(f"{ef}.valueFrom", "", "must specify one of: `fieldRef`, "
                                            "`resourceFieldRef`, `configMapKeyRef` or `secretKeyRef`"))
            elif n > 1:
                causes.append(invalid_value(f"{ef}.valueFrom", "", "may not have more than one field "
                                            "specified at a time"))
            if e.get("value"):
                causes.append(invalid_value(f"{ef}.valueFrom", "", "may not be specified when `value` is "
                                            "not empty"))
    mount_paths = set()
    for i, m in enumerate(c.get("volumeMounts") or []):
        mf = f"{field}.volumeMounts[{i}]"
        if not isinstance(m, dict):
            causes.append(invalid_value(mf, m, "must be an object"))
            continue
        if not m.get("name"):
            causes.append(required(f"{mf}.name"))
        elif m["name"] not in volumes:
            causes.append(not_found(f"{mf}.name", m["name"]))
        if not m.get("mountPath"):
            causes.append(required(f"{mf}.mountPath"))
        elif m["mountPath"] in mount_paths:
            causes.append(invalid_value(f"{mf}.mountPath", m["mountPath"], "must be unique"))
        else:
            mount_paths.add(m["mountPath"])
    sidecar = init and c.get("restartPolicy") == "Always"
    for key in ("livenessProbe", "readinessProbe", "startupProbe"):
        if c.get(key) is None:
            continue
        if init and not sidecar:
            causes.append(forbidden(f"{field}.{key}", "may not be set for init containers without "
                                    "restartPolicy=Always"))
            continue
        causes += validate_probe(c[key], f"{field}.{key}", key)
    if c.get("imagePullPolicy") is not None and c["imagePullPolicy"] not in PULL_POLICIES:
        causes.append(unsupported_value(f"{field}.imagePullPolicy", c["imagePullPolicy"], PULL_POLICIES))
    if c.get("terminationMessagePolicy") is not None and \
            c["terminationMessagePolicy"] not in TERMINATION_MESSAGE_POLICIES:
        causes.append(unsupported_value(f"{field}.terminationMessagePolicy", c["terminationMessagePolicy"],
                                        TERMINATION_MESSAGE_POLICIES))
    if c.get("restartPolicy") is not None:
        if not init:
            causes.append(forbidden(f"{field}.restartPolicy", "may not be set for non-init containers"))
        elif c["restartPolicy"] != "Always":
            causes.append(unsupported_value(f"{field}.restartPolicy", c["restartPolicy"], ["Always"]))
    causes += validate_resources(c.get("resources"), f"{field}.resources")
    return causes


def validate_volumes(volumes, field: str) -> tuple[list[Cause], set]:
    causes, names = [], set()
    for i, v in enumerate(volumes or []):
        vf = f"{field}[{i}]"
        if not isinstance(v, dict):
            causes.append(invalid_value(vf, v, "must be an object"))
            continue
        name = v.get("name")
        if not name:
            causes.append(required(f"{vf}.name"))
        else:
            causes += [invalid_value(f"{vf}.name", name, m) for m in dns1123_label_errors(str(name))]
            if name in names:
                causes.append(duplicate(f"{vf}.name", name))
            names.add(name)
        sources = [k for k in VOLUME_SOURCES if v.get(k) is not None]
        if not sources:
            causes.append(required(vf, "must specify a volume type"))
        for s in sources[1:]:
            causes.append(forbidden(f"{vf}.{s}", "may not specify more than 1 volume type"))
        hp = v.get("hostPath")
        if isinstance(hp, dict) and not hp.get("path"):
            causes.append(required(f"{vf}.hostPath.path"))
        pvc = v.get("persistentVolumeClaim")
        if isinstance(pvc, dict) and not pvc.get("claimName"):
            causes.append(required(f"{vf}.persistentVolumeClaim.claimName"))
    return causes, names


def validate_tolerations(tols, field: str) -> list[Cause]:
    causes = []
    for i, t in enumerate(tols or []):
        tf = f"{field}[{i}]"
        if not isinstance(t, dict):
            causes.append(invalid_value(tf, t, "must be an object"))
            continue
        if t.get("key"):
            causes += [invalid_value(f"{tf}.key", t["key"], m) for m in qualified_name_errors(t["key"])]
        op = t.get("operator") or "Equal"
        if not t.get("key") and op != "Exists":
            causes.append(invalid_value(f"{tf}.operator", op,
                                        "operator must be Exists when `key` is empty, which means \"match "
                                        "all values and all keys\""))
        if t.get("tolerationSeconds") is not None and t.get("effect") != "NoExecute":
            causes.append(invalid_value(f"{tf}.effect", t.get("effect") or "",
                                        "effect must be 'NoExecute' when `tolerationSeconds` is set"))
        if op == "Exists" and t.get("value"):
            causes.append(invalid_value(f"{tf}.operator", t["value"],
                                        "value must be empty when `operator` is 'Exists'"))
        elif op not in ("Equal", "Exists"):
            causes.append(unsupported_value(f"{tf}.operator", op, ["Equal", "Exists"]))
        if t.get("effect") and t["effect"] not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(unsupported_value(f"{tf}.effect", t["effect"],
                                            ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
    return causes


def validate_pod_spec(spec, field: str) -> list[Cause]:
    """ValidatePodSpec: containers, volumes, policies, tolerations."""
    if not isinstance(spec, dict):
        return [required(field)]
    causes, volumes = validate_volumes(spec.get("volumes"), f"{field}.volumes")
    containers = spec.get("containers")
    if not containers:
        causes.append(required(f"{field}.containers"))
    seen = set()
    for key, init in (("initContainers", True), ("containers", False)):
        for i, c in enumerate(spec.get(key) or []):
            causes += validate_container(c, f"{field}.{key}[{i}]", volumes, init)
            if isinstance(c, dict) and c.get("name"):
                if c["name"] in seen:
                    causes.append(duplicate(f"{field}.{key}[{i}].name", c["name"]))
                seen.add(c["name"])
    rp = spec.get("restartPolicy")
    if rp not in RESTART_POLICIES:
        causes.append(unsupported_value(f"{field}.restartPolicy", rp, RESTART_POLICIES)
                      if rp else required(f"{field}.restartPolicy"))
    dp = spec.get("dnsPolicy")
    if dp not in DNS_POLICIES:
        causes.append(unsupported_value(f"{field}.dnsPolicy", dp, DNS_POLICIES)
                      if dp else required(f"{field}.dnsPolicy"))
    causes += validate_pod_dns_config(spec.get("dnsConfig"), dp, f"{field}.dnsConfig")
    ad = spec.get("activeDeadlineSeconds")
    if ad is not None and (not _int(ad) or not 1 <= ad <= 2147483647):
        causes.append(invalid_value(f"{field}.activeDeadlineSeconds", ad,
                                    "must be between 1 and 2147483647, inclusive"))
    causes += validate_labels(spec.get("nodeSelector"), f"{field}.nodeSelector")
    causes += validate_tolerations(spec.get("tolerations"), f"{field}.tolerations")
    if spec.get("nodeName"):
        causes += [invalid_value(f"{field}.nodeName", spec["nodeName"], m)
                   for m in dns1123_subdomain_errors(str(spec["nodeName"]))]
    if spec.get("serviceAccountName"):
        causes += [invalid_value(f"{field}.serviceAccountName", spec["serviceAccountName"], m)
                   for m in dns1123_subdomain_errors(str(spec["serviceAccountName"]))]
    return causes


POD_UPDATE_FORBIDDEN = (
    "pod updates may not change fields other than `spec.containers[*].image`,"
    "`spec.initContainers[*].image`,`spec.activeDeadlineSeconds`,`spec.tolerations` (only additions to "
    "existing tolerations),`spec.terminationGracePeriodSeconds` (allow it to be set to 1 if it was "
    "previously negative)")


def _pod_spec_mutable_view(spec: dict, other: dict) -> dict:
    """The spec with the fields an update may change replaced by ``other``'s (ValidatePodUpdate)."""
    view = dict(spec)
    for key in ("containers", "initContainers"):
        mine, theirs = spec.get(key) or [], other.get(key) or []
        if len(mine) == len(theirs) and key in spec:
            view[key] = [dict(c, image=o.get("image")) if isinstance(c, dict) and isinstance(o, dict) else c
                         for c, o in zip(mine, theirs)]
    keys = ["activeDeadlineSeconds", "terminationGracePeriodSeconds", "schedulingGates"]
    # tolerations: only additions
    old_tols = other.get("tolerations") or []
    if all(t in (spec.get("tolerations") or []) for t in old_tols):
        keys.append("tolerations")
    for key in keys:
        if key in other:
            view[key] = other[key]
        else:
            view.pop(key, None)
    return view


@validator("Pod")
def validate_pod(pod: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement"""
    spec = pod.get("spec")
    if old is None:
        return validate_pod_spec(spec, "spec")
    causes = validate_pod_spec(spec, "spec")
    ospec = old.get("spec") or {}
    if isinstance(spec, dict) and _pod_spec_mutable_view(spec, ospec) != ospec:
        causes.append(forbidden("spec", POD_UPDATE_FORBIDDEN))
    return causes
