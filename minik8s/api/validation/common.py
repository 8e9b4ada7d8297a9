"""Validation: the checks the API server makes before it stores an object.

A rejected object gets a 422 ``Invalid`` error in Kubernetes' own words
(``The Deployment "web" is invalid: spec.selector: Required value``) and the
cluster is left unchanged. The rules and messages are upstream's
(pkg/apis/core/validation/validation.go, pkg/apis/apps/validation,
pkg/apis/batch/validation, k8s.io/apimachinery/pkg/util/validation). Each kind's
validator is registered in :data:`VALIDATORS` and returns a list of causes:
``(field, type, message)``; ``old`` is the stored object on update (None on create).
"""

from __future__ import annotations

import re
from typing import Callable

from .meta import dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors
from .quantity import QuantityError, parse_quantity

Cause = tuple[str, str, str]
VALIDATORS: dict[str, Callable[[dict, dict | None], list[Cause]]] = {}

# Kinds whose names must be DNS-1123 labels (not subdomains), and DNS-1035 labels.
LABEL_NAMED_KINDS = {"Namespace"}
DNS1035_NAMED_KINDS = {"Service"}


def validator(kind: str):
    """Register ``fn(obj, old) -> [causes]`` as the validator of ``kind`` (old is None on create)."""
    def register(fn):
        VALIDATORS[kind] = fn
        return fn
    return register


# --- field.Error constructors (k8s.io/apimachinery/pkg/util/validation/field) ------------

def required(field: str, detail: str = "") -> Cause:
    return (field, "FieldValueRequired", "Required value" + (f": {detail}" if detail else ""))


def invalid_value(field: str, value, detail: str) -> Cause:
    return (field, "FieldValueInvalid", f"Invalid value: {_go_repr(value)}: {detail}")


def unsupported_value(field: str, value, supported: list[str]) -> Cause:
    opts = ", ".join(f'"{s}"' for s in supported)
    return (field, "FieldValueNotSupported", f"Unsupported value: {_go_repr(value)}: supported values: {opts}")


def duplicate(field: str, value) -> Cause:
    return (field, "FieldValueDuplicate", f"Duplicate value: {_go_repr(value)}")


def not_found(field: str, value) -> Cause:
    return (field, "FieldValueNotFound", f"Not found: {_go_repr(value)}")


def forbidden(field: str, detail: str) -> Cause:
    return (field, "FieldValueForbidden", f"Forbidden: {detail}")


def too_long(field: str, limit: int) -> Cause:
    return (field, "FieldValueTooLong", f"Too long: may not be more than {limit} bytes")


class _Raw(str):
    """A value already formatted the Go way (printed as it is, without quotes)."""


def _go_repr(value) -> str:
    """How field.Error prints a value: strings quoted, maps as Go's %#v."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
            return "map[string]string{" + inner + "}"
    return str(value)


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


# --- names, labels and annotations -------------------------------------------------------

_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
TOTAL_ANNOTATION_SIZE = 256 * 1024


def qualified_name_errors(value: str) -> list[str]:
    """IsQualifiedName: ``[prefix/]name`` as label and annotation keys are."""
    errs = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                f"used for validation is '{QUALIFIED_NAME_FMT}') with an optional DNS subdomain prefix and "
                "'/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.match(name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                    f"used for validation is '{QUALIFIED_NAME_FMT}')")
    return errs


def label_value_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE.match(value):
        errs.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                    f"'my_value',  or '12345', regex used for validation is '{LABEL_VALUE_FMT}')")
    return errs


def validate_labels(labels, field: str) -> list[Cause]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [invalid_value(field, labels, "must be a map of strings")]
    causes = []
    for k in sorted(labels):
        for msg in qualified_name_errors(k):
            causes.append(invalid_value(field, k, msg))
        v = labels[k]
        if not isinstance(v, str):
            causes.append(invalid_value(f"{field}[{k}]", v, "must be a string"))
            continue
        for msg in label_value_errors(v):
            causes.append(invalid_value(field, v, msg))
    return causes


def validate_annotations(ann, field: str = "metadata.annotations") -> list[Cause]:
    if ann is None:
        return []
    if not isinstance(ann, dict):
        return [invalid_value(field, ann, "must be a map of strings")]
    causes = []
    size = 0
    for k in sorted(ann):
        for msg in qualified_name_errors(k.lower()):
            causes.append(invalid_value(field, k, msg))
        size += len(k) + len(str(ann[k]))
    if size > TOTAL_ANNOTATION_SIZE:
        causes.append((field, "FieldValueTooLong", f"Too long: must have at most {TOTAL_ANNOTATION_SIZE} bytes"))
    return causes


def validate_metadata(obj: dict) -> list[Cause]:
    """ValidateObjectMeta: name (or generateName), labels, annotations."""
    md = obj.get("metadata") or {}
    name = md.get("name")
    causes: list[Cause] = []
    if not name:
        if not md.get("generateName"):
            causes.append(required("metadata.name", "name or generateName is required"))
    elif not isinstance(name, str):
        causes.append(invalid_value("metadata.name", name, "must be a string"))
    else:
        kind = obj.get("kind")
        check = (dns1035_label_errors if kind in DNS1035_NAMED_KINDS
                 else dns1123_label_errors if kind in LABEL_NAMED_KINDS else dns1123_subdomain_errors)
        for msg in check(name):
            causes.append(invalid_value("metadata.name", name, msg))
    causes += validate_labels(md.get("labels"), "metadata.labels")
    causes += validate_annotations(md.get("annotations"))
    return causes


# --- quantities ----------------------------------------------------------------------------

def canonical_quantity(value) -> str:
    """Quantity.String(): ``"0.5"`` -> ``500m``, ``"1024Mi"`` -> ``1Gi`` (the form errors print)."""
    q = parse_quantity(value)
    text = str(value).strip()
    binary = any(text.endswith(s) for s in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))
    if binary and q == q.to_integral_value() and q != 0:
        n = int(q)
        for suffix, exp in (("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)):
            if n % (1 << exp) == 0:
                return f"{n >> exp}{suffix}"
        return str(n)
    if q == 0:
        return "0"
    for suffix, exp in (("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3), ("", 0),
                        ("m", -3), ("u", -6), ("n", -9)):
        scaled = q.scaleb(-exp)
        if scaled == scaled.to_integral_value():
            return f"{int(scaled)}{suffix}"
    return f"{int(q.scaleb(9).to_integral_value(rounding='ROUND_CEILING'))}n"


# --- pods ----------------------------------------------------------------------------------

RESTART_POLICIES = ["Always", "OnFailure", "Never"]
DNS_POLICIES = ["ClusterFirstWithHostNet", "ClusterFirst", "Default", "None"]
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
    from .defaults import VOLUME_SOURCES
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


def validate_template(template, field: str, selector=None, restart_policies=None) -> list[Cause]:
    if not isinstance(template, dict):
        return [required(field)]
    md = template.get("metadata") or {}
    causes = validate_labels(md.get("labels"), f"{field}.metadata.labels")
    causes += validate_annotations(md.get("annotations"), f"{field}.metadata.annotations")
    causes += validate_pod_spec(template.get("spec"), f"{field}.spec")
    return causes


# --- apps/v1 -------------------------------------------------------------------------------

def _selector_repr(sel) -> str:
    """%#v of a metav1.LabelSelector, as ``field is immutable`` errors print it."""
    if not isinstance(sel, dict):
        return "nil"
    ml = sel.get("matchLabels")
    ml_s = ("map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(ml.items())) + "}"
            if isinstance(ml, dict) and ml else "map[string]string(nil)")
    exprs = sel.get("matchExpressions")
    if exprs:
        items = ", ".join(
            "v1.LabelSelectorRequirement{Key:\"%s\", Operator:\"%s\", Values:%s}" % (
                e.get("key", ""), e.get("operator", ""),
                ("[]string{" + ", ".join(f'"{v}"' for v in e.get("values")) + "}") if e.get("values")
                else "[]string(nil)")
            for e in exprs if isinstance(e, dict))
        ex_s = "[]v1.LabelSelectorRequirement{" + items + "}"
    else:
        ex_s = "[]v1.LabelSelectorRequirement(nil)"
    return f"v1.LabelSelector{{MatchLabels:{ml_s}, MatchExpressions:{ex_s}}}"


def validate_selector(sel, field: str) -> list[Cause]:
    """ValidateLabelSelector: keys, values and operators."""
    if not isinstance(sel, dict):
        return [invalid_value(field, sel, "must be a label selector")]
    causes = validate_labels(sel.get("matchLabels"), f"{field}.matchLabels")
    for i, e in enumerate(sel.get("matchExpressions") or []):
        ef = f"{field}.matchExpressions[{i}]"
        if not isinstance(e, dict):
            causes.append(invalid_value(ef, e, "must be an object"))
            continue
        op = e.get("operator")
        values = e.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{ef}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{ef}.values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid_value(f"{ef}.operator", op, "not a valid selector operator"))
        causes += [invalid_value(f"{ef}.key", e.get("key"), m) for m in qualified_name_errors(str(e.get("key")))]
    return causes


def selector_matches(sel: dict, labels: dict) -> bool:
    from .labels import selector_from_object
    return selector_from_object(sel).matches(labels)


def _workload(obj: dict, old: dict | None, kind: str, restart_always: bool = True,
              pod_spec: bool = True) -> list[Cause]:
    """ValidateDeploymentSpec / ReplicaSetSpec / DaemonSetSpec / StatefulSetSpec's shared part."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = []
    replicas = spec.get("replicas")
    if replicas is not None and (not _int(replicas) or replicas < 0):
        causes.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    sel = spec.get("selector")
    template = spec.get("template")
    if sel is None:
        causes.append(required("spec.selector"))
    else:
        causes += validate_selector(sel, "spec.selector")
        if isinstance(sel, dict) and not sel.get("matchLabels") and not sel.get("matchExpressions"):
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(sel)),
                                        f"empty selector is invalid for {kind.lower()}"))
        elif isinstance(template, dict) and isinstance(sel, dict):
            labels = (template.get("metadata") or {}).get("labels") or {}
            try:
                ok = selector_matches(sel, labels)
            except Exception:          # an invalid selector was reported above
                ok = True
            if not ok:
                causes.append(invalid_value("spec.template.metadata.labels", _Raw(_go_repr(labels)),
                                            "`selector` does not match template `labels`"))
    if pod_spec:
        causes += validate_template(template, "spec.template")
    elif isinstance(template, dict):
        md = template.get("metadata") or {}
        causes += validate_labels(md.get("labels"), "spec.template.labels")
        causes += validate_annotations(md.get("annotations"), "spec.template.annotations")
    else:
        causes.append(required("spec.template"))
    if isinstance(template, dict) and restart_always:
        rp = (template.get("spec") or {}).get("restartPolicy") if isinstance(template.get("spec"), dict) else None
        if rp and rp != "Always":
            causes.append(unsupported_value("spec.template.spec.restartPolicy", rp, ["Always"]))
    for key in ("minReadySeconds", "revisionHistoryLimit"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"spec.{key}", v, "must be greater than or equal to 0"))
    if old is not None:
        osel = (old.get("spec") or {}).get("selector")
        if sel != osel:
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(sel)), "field is immutable"))
    return causes


def _intstr_repr(v) -> str:
    if isinstance(v, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{v}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{v}, StrVal:""}}'


def _int_or_percent(v, field: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent."""
    if isinstance(v, str):
        m = re.match(r"^([0-9]+)%$", v)
        if not m:
            return [invalid_value(field, v, "a valid percent string must be a numeric string followed by an "
                                  "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                                  "'[0-9]+%')")]
        if int(m.group(1)) > 100:
            return [invalid_value(field, v, "must not be greater than 100%")]
        return []
    if _int(v) and v < 0:
        return [invalid_value(field, v, "must be greater than or equal to 0")]
    return []


def _is_zero(v) -> bool:
    return v == 0 or (isinstance(v, str) and re.match(r"^0+%$", v) is not None)


@validator("Deployment")
def validate_deployment(d: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec"""
    causes = _workload(d, old, "Deployment")
    spec = d.get("spec") if isinstance(d.get("spec"), dict) else {}
    strategy = spec.get("strategy") or {}
    typ = strategy.get("type")
    if typ not in ("Recreate", "RollingUpdate"):
        causes.append(unsupported_value("spec.strategy.type", typ, ["Recreate", "RollingUpdate"]))
    elif typ == "Recreate" and strategy.get("rollingUpdate") is not None:
        causes.append(forbidden("spec.strategy.rollingUpdate",
                                "may not be specified when strategy `type` is 'Recreate'"))
    ru = strategy.get("rollingUpdate")
    if typ == "RollingUpdate" and isinstance(ru, dict):
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        causes += _int_or_percent(mu, "spec.strategy.rollingUpdate.maxUnavailable")
        causes += _int_or_percent(ms, "spec.strategy.rollingUpdate.maxSurge")
        if _is_zero(mu) and _is_zero(ms):
            causes.append(invalid_value("spec.strategy.rollingUpdate.maxUnavailable", _Raw(_intstr_repr(mu)),
                                        "may not be 0 when `maxSurge` is 0"))
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        if not _int(pds) or pds < 0:
            causes.append(invalid_value("spec.progressDeadlineSeconds", pds, "must be greater than or equal to 0"))
        elif pds <= (spec.get("minReadySeconds") or 0):
            causes.append(invalid_value("spec.progressDeadlineSeconds", pds,
                                        "must be greater than minReadySeconds"))
    return causes


@validator("ReplicaSet")
def validate_replicaset(rs: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#writing-a-replicaset-manifest"""
    return _workload(rs, old, "ReplicaSet")


@validator("DaemonSet")
def validate_daemonset(ds: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#writing-a-daemonset-spec"""
    causes = _workload(ds, old, "DaemonSet")
    spec = ds.get("spec") if isinstance(ds.get("spec"), dict) else {}
    us = spec.get("updateStrategy") or {}
    if us.get("type") not in ("OnDelete", "RollingUpdate"):
        causes.append(unsupported_value("spec.updateStrategy.type", us.get("type"), ["OnDelete", "RollingUpdate"]))
    ru = us.get("rollingUpdate")
    if us.get("type") == "RollingUpdate" and isinstance(ru, dict):
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        causes += _int_or_percent(mu, "spec.updateStrategy.rollingUpdate.maxUnavailable")
        causes += _int_or_percent(ms, "spec.updateStrategy.rollingUpdate.maxSurge")
        if _is_zero(mu) and _is_zero(ms):
            causes.append(invalid_value("spec.updateStrategy.rollingUpdate.maxUnavailable",
                                        _Raw(_intstr_repr(mu)), "cannot be 0 when maxSurge is 0"))
    return causes


STATEFULSET_UPDATE_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


@validator("StatefulSet")
def validate_statefulset(sts: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/"""
    # ValidatePodTemplateSpecForStatefulSet checks only the template's labels and annotations
    # (its volume mounts may name volumeClaimTemplates, which are not pod volumes).
    causes = _workload(sts, None, "StatefulSet", pod_spec=False)
    spec = sts.get("spec") if isinstance(sts.get("spec"), dict) else {}
    pmp = spec.get("podManagementPolicy")
    if pmp not in ("OrderedReady", "Parallel"):
        causes.append(unsupported_value("spec.podManagementPolicy", pmp, ["OrderedReady", "Parallel"]))
    if old is not None:
        mutable = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                   "minReadySeconds")
        ospec = old.get("spec") or {}
        if {k: v for k, v in spec.items() if k not in mutable} != \
                {k: v for k, v in ospec.items() if k not in mutable}:
            causes.append(forbidden("spec", STATEFULSET_UPDATE_FORBIDDEN))
    return causes


# --- batch/v1 ------------------------------------------------------------------------------

def _job_spec(spec, field: str, old_spec=None, generated: bool = False) -> list[Cause]:
    if not isinstance(spec, dict):
        return [required(field)]
    causes = []
    for key in ("parallelism", "completions", "backoffLimit"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"{field}.{key}", v, "must be greater than or equal to 0"))
    ad = spec.get("activeDeadlineSeconds")
    if ad is not None and (not _int(ad) or ad <= 0):
        causes.append(invalid_value(f"{field}.activeDeadlineSeconds", ad, "must be greater than 0"))
    cm = spec.get("completionMode")
    if cm is not None and cm not in ("NonIndexed", "Indexed"):
        causes.append(unsupported_value(f"{field}.completionMode", cm, ["NonIndexed", "Indexed"]))
    if cm == "Indexed" and spec.get("completions") is None:
        causes.append(required(f"{field}.completions", "when completion mode is Indexed"))
    template = spec.get("template")
    causes += validate_template(template, f"{field}.template")
    sel = spec.get("selector")
    if sel is None:
        if spec.get("manualSelector") is True:
            causes.append(required(f"{field}.selector"))
    elif isinstance(sel, dict) and isinstance(template, dict):
        causes += validate_selector(sel, f"{field}.selector")
        labels = (template.get("metadata") or {}).get("labels") or {}
        if (sel.get("matchLabels") or sel.get("matchExpressions")) and not selector_matches(sel, labels) \
                and spec.get("manualSelector") is True:
            causes.append(invalid_value(f"{field}.template.metadata.labels", _Raw(_go_repr(labels)),
                                        "`selector` does not match template `labels`"))
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        rp = template["spec"].get("restartPolicy")
        if rp not in ("OnFailure", "Never"):
            causes.append(required(f"{field}.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
    return causes


@validator("Job")
def validate_job(job: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/job/#writing-a-job-spec"""
    spec = job.get("spec")
    causes = _job_spec(spec, "spec")
    if old is not None and isinstance(spec, dict):
        ospec = old.get("spec") or {}
        if spec.get("completions") != ospec.get("completions") and spec.get("completionMode") != "Indexed":
            causes.append(invalid_value("spec.completions", spec.get("completions"), "field is immutable"))
        if spec.get("selector") != ospec.get("selector"):
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(spec.get("selector"))),
                                        "field is immutable"))
        if spec.get("template") != ospec.get("template") and not ospec.get("suspend"):
            causes.append(invalid_value("spec.template", _Raw("core.PodTemplateSpec{...}"),
                                        "field is immutable"))
    return causes


_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")
_CRON_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def cron_schedule_error(schedule: str) -> str | None:
    """robfig/cron ParseStandard's complaint about ``schedule``, or None."""
    s = schedule.strip()
    if not s:
        return "empty spec string"
    if s.startswith("TZ=") or s.startswith("CRON_TZ="):
        return None
    if s.startswith("@"):
        if s in _CRON_DESCRIPTORS or s.startswith("@every "):
            return None
        return f"unrecognized descriptor: {s}"
    fields = s.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
    names = [None, None, None, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                "dec"], ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]]
    for f, (lo, hi), nm in zip(fields, bounds, names):
        for part in f.split(","):
            rng, _, step = part.partition("/")
            if step and not step.isdigit():
                return f"failed to parse int from {step}: strconv.Atoi: parsing \"{step}\": invalid syntax"
            if rng in ("*", "?"):
                continue
            lo_s, _, hi_s = rng.partition("-")
            for v in (lo_s, hi_s) if hi_s else (lo_s,):
                if nm and v.lower() in nm:
                    continue
                if not v.isdigit():
                    return f"failed to parse int from {v}: strconv.Atoi: parsing \"{v}\": invalid syntax"
                if not lo <= int(v) <= hi:
                    return (f"end of range ({v}) above maximum ({hi}): {rng}" if int(v) > hi
                            else f"beginning of range ({v}) below minimum ({lo}): {rng}")
    return None


@validator("CronJob")
def validate_cronjob(cj: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec"""
    causes = []
    name = (cj.get("metadata") or {}).get("name")
    if isinstance(name, str) and len(name) > 52:
        causes.append(invalid_value("metadata.name", name, "must be no more than 52 characters"))
    spec = cj.get("spec")
    if not isinstance(spec, dict):
        return causes + [required("spec")]
    sched = spec.get("schedule")
    if not sched:
        causes.append(required("spec.schedule"))
    elif isinstance(sched, str):
        if "TZ=" in sched:
            causes.append(invalid_value("spec.schedule", sched,
                                        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
        else:
            err = cron_schedule_error(sched)
            if err:
                causes.append(invalid_value("spec.schedule", sched, err))
    cp = spec.get("concurrencyPolicy")
    if cp not in ("Allow", "Forbid", "Replace"):
        causes.append(unsupported_value("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"spec.{key}", v, "must be greater than or equal to 0"))
    jt = spec.get("jobTemplate")
    if not isinstance(jt, dict):
        causes.append(required("spec.jobTemplate"))
    else:
        causes += _job_spec(jt.get("spec"), "spec.jobTemplate.spec")
    return causes


# --- services ------------------------------------------------------------------------------

SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
NODE_PORT_RANGE = (30000, 32767)      # --service-node-port-range


@validator("Service")
def validate_service(svc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/services-networking/service/"""
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = []
    typ = spec.get("type")
    if typ not in SERVICE_TYPES:
        causes.append(unsupported_value("spec.type", typ, SERVICE_TYPES))
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    if typ == "ExternalName":
        if not spec.get("externalName"):
            causes.append(required("spec.externalName"))
    elif not ports and not headless:
        causes.append(required("spec.ports"))
    names, seen = set(), set()
    for i, p in enumerate(ports):
        pf = f"spec.ports[{i}]"
        if not isinstance(p, dict):
            causes.append(invalid_value(pf, p, "must be an object"))
            continue
        name = p.get("name")
        if len(ports) > 1 and not name:
            causes.append(required(f"{pf}.name"))
        elif name:
            causes += [invalid_value(f"{pf}.name", name, m) for m in dns1123_label_errors(str(name))]
            if name in names:
                causes.append(duplicate(f"{pf}.name", name))
            names.add(name)
        causes += _port_number(f"{pf}.port", p.get("port"))
        if p.get("protocol") not in PROTOCOLS:
            causes.append(unsupported_value(f"{pf}.protocol", p.get("protocol"), PROTOCOLS))
        if p.get("targetPort") is not None:
            causes += _port_num_or_name(f"{pf}.targetPort", p["targetPort"])
        np_ = p.get("nodePort")
        if np_:
            if typ == "ClusterIP":
                causes.append(forbidden(f"{pf}.nodePort", "may not be used when `type` is 'ClusterIP'"))
            elif _int(np_) and not NODE_PORT_RANGE[0] <= np_ <= NODE_PORT_RANGE[1]:
                causes.append(invalid_value(f"{pf}.nodePort", np_,
                                            "provided port is not in the valid range. The range of valid "
                                            f"ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}"))
        key = (p.get("port"), p.get("protocol"))
        if key in seen:
            causes.append(duplicate(pf, _Raw(f'core.ServicePort{{Name:"{name or ""}", '
                                             f'Protocol:"{p.get("protocol")}", Port:{p.get("port")}, ...}}')))
        seen.add(key)
    sa = spec.get("sessionAffinity")
    if sa not in ("ClientIP", "None"):
        causes.append(unsupported_value("spec.sessionAffinity", sa, ["ClientIP", "None"]))
    causes += validate_labels(spec.get("selector"), "spec.selector")
    if old is not None:
        ospec = old.get("spec") or {}
        if ospec.get("clusterIP") and spec.get("clusterIP") != ospec.get("clusterIP") and \
                typ != "ExternalName" and ospec.get("type") != "ExternalName":
            causes.append(invalid_value("spec.clusterIPs[0]", spec.get("clusterIP") or "",
                                        "may not change once set"))
    return causes


# --- config --------------------------------------------------------------------------------

_CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
MAX_CONFIG_SIZE = 1024 * 1024


def config_key_errors(key: str) -> list[str]:
    """IsConfigMapKey."""
    errs = []
    if len(key) > 253:
        errs.append("must be no more than 253 characters")
    if not _CONFIG_KEY.match(key):
        errs.append("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. "
                    "'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")
    if key == ".":
        errs.append("must not be '.'")
    elif key == "..":
        errs.append("must not be '..'")
    elif key.startswith(".."):
        errs.append("must not start with '..'")
    return errs


def _config_data(obj: dict, kind: str) -> list[Cause]:
    causes = []
    size = 0
    data = obj.get("data") or {}
    binary = obj.get("binaryData") or {}
    if kind == "Secret":
        data = {**(obj.get("data") or {}), **(obj.get("stringData") or {})}
        binary = {}
    for field, values in (("data", data), ("binaryData", binary)):
        if not isinstance(values, dict):
            causes.append(invalid_value(field, values, "must be a map"))
            continue
        for k in sorted(values):
            for m in config_key_errors(k):
                causes.append(invalid_value(f"{field}[{k}]", k, m))
            size += len(str(values[k]))
            if field == "data" and k in binary and kind == "ConfigMap":
                causes.append(invalid_value(f"data[{k}]", k, "duplicate of key present in binaryData"))
    if size > MAX_CONFIG_SIZE:
        what = "" if kind == "Secret" else ""
        causes.append(("data" if kind == "Secret" else "", "FieldValueTooLong",
                       f"Too long: must have at most {MAX_CONFIG_SIZE} bytes{what}"))
    return causes


@validator("ConfigMap")
def validate_configmap(cm: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/configuration/configmap/"""
    causes = _config_data(cm, "ConfigMap")
    if old is not None and old.get("immutable") is True:
        if cm.get("data") != old.get("data") or cm.get("binaryData") != old.get("binaryData"):
            causes.append(forbidden("data", "field is immutable when `immutable` is set"))
        if cm.get("immutable") is not True:
            causes.append(forbidden("immutable", "field is immutable when `immutable` is set"))
    return causes


@validator("Secret")
def validate_secret(secret: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/configuration/secret/#secret-types"""
    causes = _config_data(secret, "Secret")
    typ = secret.get("type")
    data = {**(secret.get("data") or {}), **(secret.get("stringData") or {})}
    needs = {"kubernetes.io/tls": ("tls.crt", "tls.key"),
             "kubernetes.io/dockerconfigjson": (".dockerconfigjson",),
             "kubernetes.io/dockercfg": (".dockercfg",),
             "kubernetes.io/ssh-auth": ("ssh-privatekey",)}.get(typ, ())
    for key in needs:
        if key not in data:
            causes.append(required(f"data[{key}]"))
    if typ == "kubernetes.io/basic-auth" and "username" not in data and "password" not in data:
        causes.append(required("data[username]"))
    if old is not None:
        if typ != old.get("type"):
            causes.append(invalid_value("type", typ, "field is immutable"))
        if old.get("immutable") is True and secret.get("data") != old.get("data"):
            causes.append(forbidden("data", "field is immutable when `immutable` is set"))
    return causes


# --- storage -------------------------------------------------------------------------------

ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _access_modes(modes, field: str, pv: bool) -> list[Cause]:
    if not modes:
        return [required(field, "" if pv else "at least 1 access mode is required")]
    causes = [unsupported_value(field, m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        causes.append(forbidden(field, "may not use ReadWriteOncePod with other access modes"))
    return causes


@validator("PersistentVolume")
def validate_persistentvolume(pv: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistent-volumes"""
    from .defaults import VOLUME_SOURCES
    spec = pv.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = _access_modes(spec.get("accessModes"), "spec.accessModes", True)
    cap = spec.get("capacity")
    if not cap:
        causes.append(required("spec.capacity"))
    elif isinstance(cap, dict):
        if "storage" not in cap or len(cap) != 1:
            causes.append(unsupported_value("spec.capacity", sorted(cap) and sorted(cap)[0], ["storage"]))
    sources = [k for k in VOLUME_SOURCES + ("local",) if spec.get(k) is not None]
    if not sources:
        causes.append(required("spec", "must specify a volume type"))
    for s in sources[1:]:
        causes.append(forbidden(f"spec.{s}", "may not specify more than 1 volume type"))
    rp = spec.get("persistentVolumeReclaimPolicy")
    if rp not in ("Delete", "Recycle", "Retain"):
        causes.append(unsupported_value("spec.persistentVolumeReclaimPolicy", rp, ["Delete", "Recycle", "Retain"]))
    vm = spec.get("volumeMode")
    if vm not in ("Block", "Filesystem"):
        causes.append(unsupported_value("spec.volumeMode", vm, ["Block", "Filesystem"]))
    return causes


PVC_UPDATE_FORBIDDEN = ("spec is immutable after creation except resources.requests and "
                        "volumeAttributesClassName for bound claims")


@validator("PersistentVolumeClaim")
def validate_persistentvolumeclaim(pvc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims"""
    spec = pvc.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = _access_modes(spec.get("accessModes"), "spec.accessModes", False)
    req = ((spec.get("resources") or {}).get("requests") or {}) if isinstance(spec.get("resources"), dict) else {}
    if "storage" not in req:
        causes.append(required("spec.resources[storage]"))
    vm = spec.get("volumeMode")
    if vm not in ("Block", "Filesystem"):
        causes.append(unsupported_value("spec.volumeMode", vm, ["Block", "Filesystem"]))
    if old is not None:
        ospec = old.get("spec") or {}
        strip = ("resources", "volumeAttributesClassName", "volumeName")

        def view(s):
            return {k: v for k, v in s.items() if k not in strip}
        if view(spec) != view(ospec) or (ospec.get("volumeName") and spec.get("volumeName") != ospec["volumeName"]):
            causes.append(forbidden("spec", PVC_UPDATE_FORBIDDEN))
    return causes


# --- cluster objects -----------------------------------------------------------------------

@validator("Node")
def validate_node(node: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/architecture/nodes/"""
    causes = []
    for i, t in enumerate(((node.get("spec") or {}).get("taints")) or []):
        tf = f"spec.taints[{i}]"
        if not isinstance(t, dict):
            causes.append(invalid_value(tf, t, "must be an object"))
            continue
        if not t.get("key"):
            causes.append(required(f"{tf}.key"))
        else:
            causes += [invalid_value(f"{tf}.key", t["key"], m) for m in qualified_name_errors(t["key"])]
        if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(unsupported_value(f"{tf}.effect", t.get("effect"),
                                            ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
    return causes


@validator("PriorityClass")
def validate_priorityclass(pc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#priorityclass"""
    causes = []
    name = (pc.get("metadata") or {}).get("name") or ""
    value = pc.get("value")
    from .admission import SYSTEM_PRIORITY_CLASSES
    if name.startswith("system-") and name not in SYSTEM_PRIORITY_CLASSES:
        causes.append(invalid_value("metadata.name", name,
                                    "priority class names with 'system-' prefix are reserved"))
    elif _int(value) and value > 1000000000 and name not in SYSTEM_PRIORITY_CLASSES:
        causes.append(forbidden("value", "maximum allowed value of a user defined priority is 1000000000"))
    if old is not None and value != old.get("value"):
        causes.append(forbidden("value", "may not be changed in an update."))
    pp = pc.get("preemptionPolicy")
    if pp not in ("Never", "PreemptLowerPriority"):
        causes.append(unsupported_value("preemptionPolicy", pp, ["Never", "PreemptLowerPriority"]))
    return causes


def validate(obj: dict, old: dict | None = None) -> list[Cause]:
    """All causes for ``obj`` (metadata first, then the kind's own rules)."""
    causes = validate_metadata(obj)
    fn = VALIDATORS.get(obj.get("kind"))
    if fn is not None:
        causes.extend(fn(obj, old))
    return causes
