"""Kubernetes' protobuf encoding, decoded for the few kinds kubectl sends that way.

kubectl's typed clients (``kubectl create deployment|namespace|configmap|secret|service|job|
cronjob|serviceaccount``) send their object as ``application/vnd.kubernetes.protobuf``
(https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding): the four bytes
``k8s\\x00``, then a ``runtime.Unknown`` message whose ``typeMeta`` names the kind and whose ``raw``
bytes are the object in protobuf wire format (https://protobuf.dev/programming-guides/encoding/).

The wire format is decoded generically below; :data:`MESSAGES` says, for each Kubernetes message
kubectl fills, which field number is which JSON field and of what type. Go writes every field
that is not a pointer, set or not; as Go's JSON encoder omits empty ones, so does the decoder
(an empty string, 0 or false is dropped unless the field is marked ``*``: a pointer, or a field
Go's JSON always writes, such as a PriorityClass's ``value``). A field
number not in the table with a non-empty value is refused with a clear error rather than
silently lost.
"""

from __future__ import annotations

import base64
import datetime

from .. import errors

MAGIC = b"k8s\x00"

# Field types: "string", "int", "bool", "bytes", "map" (string -> string), "mapbytes" (string ->
# base64 bytes), "time" (meta/v1 Time), "quantity", "intorstr", a message name, or a list of one
# of these ("[]Container"). A trailing "*" keeps the zero value (a Go pointer, or no omitempty).
MESSAGES: dict[str, dict[int, tuple[str, str]]] = {
    "Unknown": {1: ("typeMeta", "TypeMeta"), 2: ("raw", "bytes"), 3: ("contentEncoding", "string"),
                4: ("contentType", "string")},
    "TypeMeta": {1: ("apiVersion", "string"), 2: ("kind", "string")},
    "ObjectMeta": {1: ("name", "string"), 2: ("generateName", "string"), 3: ("namespace", "string"),
                   4: ("selfLink", "string"), 5: ("uid", "string"), 6: ("resourceVersion", "string"),
                   7: ("generation", "int"), 8: ("creationTimestamp", "time"),
                   9: ("deletionTimestamp", "time"), 10: ("deletionGracePeriodSeconds", "int*"),
                   11: ("labels", "map"), 12: ("annotations", "map"),
                   13: ("ownerReferences", "[]OwnerReference"), 14: ("finalizers", "[]string")},
    "OwnerReference": {1: ("kind", "string"), 3: ("name", "string"), 4: ("uid", "string"),
                       5: ("apiVersion", "string"), 6: ("controller", "bool*"),
                       7: ("blockOwnerDeletion", "bool*")},
    "LabelSelector": {1: ("matchLabels", "map"), 2: ("matchExpressions", "[]LabelSelectorRequirement")},
    "LabelSelectorRequirement": {1: ("key", "string"), 2: ("operator", "string"), 3: ("values", "[]string")},
    "LocalObjectReference": {1: ("name", "string")},
    # core/v1
    "Namespace": {1: ("metadata", "ObjectMeta"), 2: ("spec", "NamespaceSpec"), 3: ("status", "NamespaceStatus")},
    "NamespaceSpec": {1: ("finalizers", "[]string")},
    "NamespaceStatus": {1: ("phase", "string")},
    "ConfigMap": {1: ("metadata", "ObjectMeta"), 2: ("data", "map"), 3: ("binaryData", "mapbytes"),
                  4: ("immutable", "bool*")},
    "Secret": {1: ("metadata", "ObjectMeta"), 2: ("data", "mapbytes"), 3: ("type", "string"),
               4: ("stringData", "map"), 5: ("immutable", "bool*")},
    "ServiceAccount": {1: ("metadata", "ObjectMeta"), 3: ("imagePullSecrets", "[]LocalObjectReference"),
                       4: ("automountServiceAccountToken", "bool*")},
    "PodTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "PodSpec")},
    "PodSpec": {2: ("containers", "[]Container"), 3: ("restartPolicy", "string"),
                4: ("terminationGracePeriodSeconds", "int*"), 5: ("activeDeadlineSeconds", "int*"),
                6: ("dnsPolicy", "string"), 7: ("nodeSelector", "map"), 8: ("serviceAccountName", "string"),
                9: ("serviceAccount", "string"), 10: ("nodeName", "string"), 11: ("hostNetwork", "bool"),
                12: ("hostPID", "bool"), 13: ("hostIPC", "bool"),
                15: ("imagePullSecrets", "[]LocalObjectReference"), 16: ("hostname", "string"),
                17: ("subdomain", "string"), 19: ("schedulerName", "string"),
                20: ("initContainers", "[]Container"), 24: ("priorityClassName", "string")},
    "Container": {1: ("name", "string"), 2: ("image", "string"), 3: ("command", "[]string"),
                  4: ("args", "[]string"), 5: ("workingDir", "string"), 6: ("ports", "[]ContainerPort"),
                  7: ("env", "[]EnvVar"), 8: ("resources", "ResourceRequirements"),
                  13: ("terminationMessagePath", "string"), 14: ("imagePullPolicy", "string"),
                  16: ("stdin", "bool"), 17: ("stdinOnce", "bool"), 18: ("tty", "bool"),
                  20: ("terminationMessagePolicy", "string")},
    "ContainerPort": {1: ("name", "string"), 2: ("hostPort", "int"), 3: ("containerPort", "int*"),
                      4: ("protocol", "string"), 5: ("hostIP", "string")},
    "EnvVar": {1: ("name", "string"), 2: ("value", "string")},
    "ResourceRequirements": {1: ("limits", "mapquantity"), 2: ("requests", "mapquantity")},
    "Service": {1: ("metadata", "ObjectMeta"), 2: ("spec", "ServiceSpec"), 3: ("status", "ServiceStatus")},
    "ServiceSpec": {1: ("ports", "[]ServicePort"), 2: ("selector", "map"), 3: ("clusterIP", "string"),
                    4: ("type", "string"), 5: ("externalIPs", "[]string"), 7: ("sessionAffinity", "string"),
                    8: ("loadBalancerIP", "string"), 10: ("externalName", "string"),
                    11: ("externalTrafficPolicy", "string"), 12: ("healthCheckNodePort", "int"),
                    13: ("publishNotReadyAddresses", "bool"), 18: ("clusterIPs", "[]string")},
    "ServicePort": {1: ("name", "string"), 2: ("protocol", "string"), 3: ("port", "int*"),
                    4: ("targetPort", "intorstr"), 5: ("nodePort", "int")},
    "ServiceStatus": {1: ("loadBalancer", "LoadBalancerStatus")},
    "LoadBalancerStatus": {},
    # apps/v1
    "Deployment": {1: ("metadata", "ObjectMeta"), 2: ("spec", "DeploymentSpec"), 3: ("status", "DeploymentStatus")},
    "DeploymentSpec": {1: ("replicas", "int*"), 2: ("selector", "LabelSelector"), 3: ("template", "PodTemplateSpec"),
                       4: ("strategy", "DeploymentStrategy"), 5: ("minReadySeconds", "int"),
                       6: ("revisionHistoryLimit", "int*"), 7: ("paused", "bool"),
                       9: ("progressDeadlineSeconds", "int*")},
    "DeploymentStrategy": {1: ("type", "string")},
    "DeploymentStatus": {1: ("observedGeneration", "int"), 2: ("replicas", "int"), 3: ("updatedReplicas", "int"),
                         4: ("availableReplicas", "int"), 5: ("unavailableReplicas", "int"),
                         7: ("readyReplicas", "int")},
    # batch/v1
    "Job": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec"), 3: ("status", "JobStatus")},
    "JobSpec": {1: ("parallelism", "int*"), 2: ("completions", "int*"), 3: ("activeDeadlineSeconds", "int*"),
                4: ("selector", "LabelSelector"), 5: ("manualSelector", "bool*"), 6: ("template", "PodTemplateSpec"),
                7: ("backoffLimit", "int*"), 8: ("ttlSecondsAfterFinished", "int*")},
    "JobStatus": {4: ("active", "int"), 5: ("succeeded", "int"), 6: ("failed", "int")},
    "JobTemplateSpec": {1: ("metadata", "ObjectMeta"), 2: ("spec", "JobSpec")},
    "CronJob": {1: ("metadata", "ObjectMeta"), 2: ("spec", "CronJobSpec"), 3: ("status", "CronJobStatus")},
    "CronJobSpec": {1: ("schedule", "string"), 2: ("startingDeadlineSeconds", "int*"),
                    3: ("concurrencyPolicy", "string"), 4: ("suspend", "bool*"),
                    5: ("jobTemplate", "JobTemplateSpec"), 6: ("successfulJobsHistoryLimit", "int*"),
                    7: ("failedJobsHistoryLimit", "int*"), 8: ("timeZone", "string*")},
    "CronJobStatus": {},
    # scheduling.k8s.io/v1
    "PriorityClass": {1: ("metadata", "ObjectMeta"), 2: ("value", "int*"), 3: ("globalDefault", "bool"),
                      4: ("description", "string"), 5: ("preemptionPolicy", "string*")},
}

# The message of each top-level kind kubectl may send.
KINDS = ("Namespace", "ConfigMap", "Secret", "ServiceAccount", "Service", "Deployment", "Job", "CronJob",
         "PriorityClass")


class ProtobufError(Exception):
    pass


# --- the wire format -------------------------------------------------------------------------

def _varint(b: bytes, i: int) -> tuple[int, int]:
    x = shift = 0
    while True:
        if i >= len(b):
            raise ProtobufError("truncated varint")
        c = b[i]
        i += 1
        x |= (c & 0x7F) << shift
        shift += 7
        if c < 0x80:
            return x, i


def wire_fields(b: bytes):
    """Yield (field number, wire type, value) for each field of one message."""
    i = 0
    while i < len(b):
        key, i = _varint(b, i)
        num, wt = key >> 3, key & 7
        if wt == 0:
            v, i = _varint(b, i)
        elif wt == 2:
            n, i = _varint(b, i)
            v, i = b[i:i + n], i + n
        elif wt == 1:
            v, i = int.from_bytes(b[i:i + 8], "little"), i + 8
        elif wt == 5:
            v, i = int.from_bytes(b[i:i + 4], "little"), i + 4
        else:
            raise ProtobufError(f"unsupported wire type {wt}")
        yield num, wt, v


def _signed(v: int) -> int:
    return v - (1 << 64) if v >= 1 << 63 else v


def _empty(v) -> bool:
    return v in ("", 0, False, None, b"") and not isinstance(v, dict)


def _scalar(typ: str, v):
    if typ == "string":
        return v.decode("utf-8")
    if typ == "int":
        return _signed(v)
    if typ == "bool":
        return bool(v)
    if typ == "bytes":
        return bytes(v)
    raise ProtobufError(f"unknown type {typ}")


def _entry(v: bytes) -> tuple[str, bytes]:
    key, val = "", b""
    for num, _wt, x in wire_fields(v):
        if num == 1:
            key = x.decode()
        elif num == 2:
            val = x
    return key, val


def _time(v: bytes):
    seconds = nanos = 0
    for num, _wt, x in wire_fields(v):
        if num == 1:
            seconds = _signed(x)
        elif num == 2:
            nanos = x
    if not seconds and not nanos:
        return None
    t = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def _intorstr(v: bytes):
    typ, ival, sval = 0, 0, ""
    for num, _wt, x in wire_fields(v):
        if num == 1:
            typ = x
        elif num == 2:
            ival = _signed(x)
        elif num == 3:
            sval = x.decode()
    return sval if typ == 1 else ival


def _quantity(v: bytes) -> str:
    for num, _wt, x in wire_fields(v):
        if num == 1:
            return x.decode()
    return "0"


def decode_message(name: str, b: bytes, path: str = "") -> dict:
    """One message as the JSON object Kubernetes would have sent."""
    table = MESSAGES[name]
    out: dict = {}
    for num, wt, v in wire_fields(b):
        if num not in table:
            if not _empty(v):
                raise ProtobufError(f"field {num} of {name} ({path or 'the object'}) is not known to minik8s")
            continue
        field, typ = table[num]
        pointer = typ.endswith("*")
        typ = typ.rstrip("*")
        where = f"{path}.{field}" if path else field
        if typ.startswith("[]"):
            item = typ[2:]
            value = (decode_message(item, v, where) if item in MESSAGES else _scalar(item, v))
            out.setdefault(field, []).append(value)
            continue
        if typ in ("map", "mapbytes", "mapquantity"):
            key, raw = _entry(v)
            conv = {"map": lambda r: r.decode(), "mapbytes": lambda r: base64.b64encode(r).decode(),
                    "mapquantity": _quantity}[typ]
            out.setdefault(field, {})[key] = conv(raw)
            continue
        if typ == "time":
            value = _time(v)
        elif typ == "intorstr":
            value = _intorstr(v)
        elif typ == "quantity":
            value = _quantity(v)
        elif typ in MESSAGES:
            value = decode_message(typ, v, where)
        else:
            value = _scalar(typ, v)
        if value is None or (_empty(value) and not pointer):
            continue
        out[field] = value
    return out


def decode(body: bytes) -> dict:
    """A ``application/vnd.kubernetes.protobuf`` request body as a JSON-shaped object."""
    if not body.startswith(MAGIC):
        raise errors.bad_request("the body of the request was in an unknown format: no protobuf magic prefix")
    try:
        envelope = decode_message("Unknown", body[len(MAGIC):])
        tm = envelope.get("typeMeta") or {}
        kind = tm.get("kind", "")
        if kind not in KINDS:
            raise ProtobufError(f"kind {kind or '(none)'} is not one minik8s decodes from protobuf")
        obj = decode_message(kind, envelope.get("raw", b""))
    except ProtobufError as e:
        raise errors.ApiError(415, "UnsupportedMediaType",
                              f"the body of the request was in an unknown format: {e} (send JSON: kubectl "
                              "create ... --dry-run=client -o yaml | kubectl apply -f -)") from None
    return {"kind": tm.get("kind"), "apiVersion": tm.get("apiVersion"), **obj}
