"""``kubectl create <kind> NAME ...``: build an object from flags instead of a manifest.

``kubectl create configmap``, ``secret generic|tls|docker-registry``, ``deployment``,
``namespace``, ``job``, ``cronjob``, ``service clusterip|nodeport|loadbalancer|externalname``
and ``serviceaccount`` each build the object kubectl's generators build
(k8s.io/kubectl/pkg/cmd/create), then create it, or with ``--dry-run=client -o yaml``
print it without creating anything: the YAML shows ``creationTimestamp: null`` and
empty ``{}`` structs as Go serialises them
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_create/).
Secrets hold base64 data (https://kubernetes.io/docs/concepts/configuration/secret/).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re

from . import output
from .inputs import dry_run_mode, dry_run_suffix
from .registry import Invocation, KubectlError, parse_flags

COMMON = {"dry-run": "str", "output": "str", "save-config": "bool", "validate": "str",
          "field-manager": "str", "show-managed-fields": "bool", "template": "str"}
ALIASES = {"o": "output"}
CONFIG_KEY = re.compile(r"^[-._a-zA-Z0-9]+$")
KEY_ERROR = ("a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  "
             "or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')")


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _add(data: dict, key: str, value, kind: str, name: str) -> None:
    if not CONFIG_KEY.match(key) or key in (".", ".."):
        raise KubectlError(f'error: "{key}" is not a valid key name for a {kind}: {KEY_ERROR}')
    if key in data:
        field = "Data"
        raise KubectlError(f'error: cannot add key {key}, another key by that name already exists in {field} '
                           f'for {kind} "{name}"')
    data[key] = value


def _read(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        raise KubectlError(f"error: error reading {path}: no such file or directory") from None


def collect_data(flags: dict, kind: str, name: str, encode: bool) -> dict:
    """--from-literal, --from-file (PATH, key=PATH, a directory) and --from-env-file, in kubectl's order."""
    data: dict = {}
    conv = (lambda b: _b64(b)) if encode else (lambda b: b.decode("utf-8"))
    for spec in flags.get("from-file") or []:
        key, eq, path = spec.partition("=")
        if not eq:
            path, key = spec, os.path.basename(spec.rstrip("/"))
        if not eq and os.path.isdir(path):
            for fname in sorted(os.listdir(path)):
                full = os.path.join(path, fname)
                if os.path.isfile(full):
                    _add(data, fname, conv(_read(full)), kind, name)
            continue
        if eq and os.path.isdir(path):
            raise KubectlError(f"error: cannot give a key name for a directory path")
        _add(data, key, conv(_read(path)), kind, name)
    for lit in flags.get("from-literal") or []:
        key, eq, value = lit.partition("=")
        if not eq or not key:
            raise KubectlError(f'error: invalid literal source {lit}, expected key=value')
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "\"'":
            value = value[1:-1]
        _add(data, key, conv(value.encode("utf-8")), kind, name)
    for path in flags.get("from-env-file") or []:
        for n, line in enumerate(_read(path).decode("utf-8").splitlines(), 1):
            line = line.strip()
            if not line or line.startswith("#"):
                continue
            key, eq, value = line.partition("=")
            if not eq:
                raise KubectlError(f'error: "{key}" is not a valid key name: a valid environment variable '
                                   "name must consist of alphabetic characters, digits, '_', '-', or '.', and "
                                   "must not start with a digit")
            _add(data, key, conv(value.encode("utf-8")), kind, name)
    return data


def _md(name: str, inv: Invocation, labels: dict | None = None) -> dict:
    md: dict = {"creationTimestamp": None, "name": name}
    if labels:
        md["labels"] = labels
    if inv.namespace:
        md["namespace"] = inv.namespace
    return md


def container_name(image: str) -> str:
    """create deployment: the container is named after the image (no registry, tag or digest)."""
    name = image.split("/")[-1].split(":")[0].split("@")[0]
    return name.replace("_", "-")


# --- generators: the object each subcommand builds -----------------------------------------

def configmap_obj(inv, name, flags):
    data = collect_data(flags, "ConfigMap", name, encode=False)
    obj = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": _md(name, inv)}
    if data:
        obj["data"] = data
    if flags.get("append-hash"):
        obj["metadata"]["name"] = f"{name}-{content_hash({'kind': 'ConfigMap', 'name': name, 'data': data})}"
    return obj


def content_hash(fields: dict) -> str:
    """kubectl/pkg/util/hash: sha256 of the object's JSON, first 10 hex digits with 0,1,3,a,e mapped
    to g,h,k,m,t (the ``--append-hash`` suffix)."""
    h = hashlib.sha256(json.dumps(fields, sort_keys=True, separators=(",", ":"),
                                  ensure_ascii=False).encode()).hexdigest()
    table = {"0": "g", "1": "h", "3": "k", "a": "m", "e": "t"}
    return "".join(table.get(c, c) for c in h[:10])


def secret_obj(inv, name, flags, kind):
    if kind == "generic":
        data = collect_data(flags, "Secret", name, encode=True)
        obj = {"apiVersion": "v1", "kind": "Secret", "metadata": _md(name, inv)}
        if data:
            obj["data"] = data
        if flags.get("type"):
            obj["type"] = flags["type"]
        if flags.get("append-hash"):
            obj["metadata"]["name"] = f"{name}-" + content_hash(
                {"kind": "Secret", "type": flags.get("type", ""), "name": name, "data": data})
        return obj
    if kind == "tls":
        if not flags.get("cert") or not flags.get("key"):
            raise KubectlError('error: required flag(s) "cert", "key" not set')
        return {"apiVersion": "v1", "kind": "Secret", "metadata": _md(name, inv),
                "data": {"tls.crt": _b64(_read(flags["cert"])), "tls.key": _b64(_read(flags["key"]))},
                "type": "kubernetes.io/tls"}
    if kind == "docker-registry":
        if flags.get("from-file"):
            data = collect_data({"from-file": flags["from-file"]}, "Secret", name, encode=True)
        else:
            if not flags.get("docker-username") or not flags.get("docker-password"):
                raise KubectlError('error: either --from-file or the combination of --docker-username, '
                                   '--docker-password and --docker-server is required')
            server = flags.get("docker-server", "https://index.docker.io/v1/")
            user, pw = flags["docker-username"], flags["docker-password"]
            entry = {"username": user, "password": pw}
            if flags.get("docker-email"):
                entry["email"] = flags["docker-email"]
            entry["auth"] = _b64(f"{user}:{pw}".encode())
            cfg = json.dumps({"auths": {server: entry}}, separators=(",", ":"))
            data = {".dockerconfigjson": _b64(cfg.encode())}
        return {"apiVersion": "v1", "kind": "Secret", "metadata": _md(name, inv), "data": data,
                "type": "kubernetes.io/dockerconfigjson"}
    raise KubectlError(f'error: unknown command "{kind}" for "kubectl create secret"')


def deployment_obj(inv, name, flags, command):
    images = flags.get("image") or []
    if not images:
        raise KubectlError('error: required flag(s) "image" not set')
    labels = {"app": name}
    seen: dict[str, int] = {}
    containers = []
    for img in images:
        cname = container_name(img)
        if cname in seen:
            seen[cname] += 1
            cname = f"{cname}-{seen[cname]}"
        else:
            seen[cname] = 0
        c = {"image": img, "name": cname, "resources": {}}
        if command:
            c["command"] = list(command)
        containers.append(c)
    if flags.get("port", -1) >= 0:
        containers[0]["ports"] = [{"containerPort": flags["port"]}]
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": _md(name, inv, labels),
            "spec": {"replicas": flags.get("replicas", 1), "selector": {"matchLabels": dict(labels)},
                     "strategy": {}, "template": {"metadata": {"creationTimestamp": None, "labels": dict(labels)},
                                                  "spec": {"containers": containers}}},
            "status": {}}


def job_spec(name, image, command, restart):
    c = {"image": image, "name": name, "resources": {}}
    if command:
        c["command"] = list(command)
    return {"template": {"metadata": {"creationTimestamp": None},
                         "spec": {"containers": [c], "restartPolicy": restart}}}


def job_obj(inv, name, flags, command):
    if flags.get("from"):
        t, _, src = flags["from"].partition("/")
        if t not in ("cronjob", "cronjobs", "cj", "cronjob.batch", "cronjobs.batch") or not src:
            raise KubectlError(f"error: from must be an existing cronjob: {flags['from']}")
        cj = inv.api.get("cronjobs", src, inv.ns())
        jt = cj["spec"]["jobTemplate"]
        annotations = {"cronjob.kubernetes.io/instantiate": "manual"}
        annotations.update((jt.get("metadata") or {}).get("annotations") or {})
        md = _md(name, inv, (jt.get("metadata") or {}).get("labels"))
        md["annotations"] = annotations
        md["ownerReferences"] = [{"apiVersion": "batch/v1", "blockOwnerDeletion": True, "controller": True,
                                  "kind": "CronJob", "name": src, "uid": cj["metadata"]["uid"]}]
        return {"apiVersion": "batch/v1", "kind": "Job", "metadata": md, "spec": jt.get("spec") or {},
                "status": {}}
    if not flags.get("image"):
        raise KubectlError('error: required flag(s) "image" not set')
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": _md(name, inv),
            "spec": job_spec(name, flags["image"][0], command, "Never"), "status": {}}


def cronjob_obj(inv, name, flags, command):
    if not flags.get("image"):
        raise KubectlError('error: required flag(s) "image", "schedule" not set'
                           if not flags.get("schedule") else 'error: required flag(s) "image" not set')
    if not flags.get("schedule"):
        raise KubectlError('error: required flag(s) "schedule" not set')
    restart = flags.get("restart", "OnFailure")
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": _md(name, inv),
            "spec": {"jobTemplate": {"metadata": {"creationTimestamp": None, "name": name},
                                     "spec": job_spec(name, flags["image"][0], command, restart)},
                     "schedule": flags["schedule"]},
            "status": {}}


def service_obj(inv, name, flags, kind):
    types = {"clusterip": "ClusterIP", "nodeport": "NodePort", "loadbalancer": "LoadBalancer",
             "externalname": "ExternalName"}
    if kind not in types:
        raise KubectlError(f'error: unknown command "{kind}" for "kubectl create service"')
    labels = {"app": name}
    ports = []
    for spec in flags.get("tcp") or []:
        port, _, target = spec.partition(":")
        try:
            p = {"name": f"{port}-{target or port}", "port": int(port), "protocol": "TCP",
                 "targetPort": int(target) if (target or port).isdigit() else target}
        except ValueError:
            raise KubectlError(f'error: invalid port: "{spec}"') from None
        if not target:
            p["targetPort"] = int(port)
        if kind == "nodeport" and flags.get("node-port"):
            p["nodePort"] = flags["node-port"]
        ports.append(p)
    spec: dict = {}
    if kind == "externalname":
        if not flags.get("external-name"):
            raise KubectlError('error: required flag(s) "external-name" not set')
        spec = {"externalName": flags["external-name"], "type": "ExternalName"}
        if ports:
            spec["ports"] = ports
    else:
        if not ports and not (kind == "clusterip" and flags.get("clusterip") == "None"):
            raise KubectlError("error: at least one tcp port specifier must be provided")
        if ports:
            spec["ports"] = ports
        spec["selector"] = dict(labels)
        spec["type"] = types[kind]
        if flags.get("clusterip"):
            spec["clusterIP"] = flags["clusterip"]
    return {"apiVersion": "v1", "kind": "Service", "metadata": _md(name, inv, labels), "spec": spec,
            "status": {"loadBalancer": {}}}


# --- the command -------------------------------------------------------------------------------

SUB_FLAGS = {
    "configmap": {"from-literal": "list", "from-file": "list", "from-env-file": "list", "append-hash": "bool"},
    "secret": {"from-literal": "list", "from-file": "list", "from-env-file": "list", "type": "str",
               "cert": "str", "key": "str", "docker-server": "str", "docker-username": "str",
               "docker-password": "str", "docker-email": "str", "append-hash": "bool"},
    "deployment": {"image": "list", "replicas": "int", "port": "int"},
    "namespace": {},
    "job": {"image": "list", "from": "str"},
    "cronjob": {"image": "list", "schedule": "str", "restart": "str"},
    "service": {"tcp": "list", "node-port": "int", "clusterip": "str", "external-name": "str"},
    "serviceaccount": {},
}
SHORT = {"cm": "configmap", "deploy": "deployment", "ns": "namespace", "cj": "cronjob", "svc": "service",
         "sa": "serviceaccount"}
RESOURCE = {"configmap": ("configmaps", "configmap"), "secret": ("secrets", "secret"),
            "deployment": ("deployments", "deployment.apps"), "namespace": ("namespaces", "namespace"),
            "job": ("jobs", "job.batch"), "cronjob": ("cronjobs", "cronjob.batch"),
            "service": ("services", "service"), "serviceaccount": ("serviceaccounts", "serviceaccount")}


def create_subcommand(inv: Invocation) -> str:
    """``kubectl create <subcommand> NAME [flags]`` (called by ``kubectl create``)."""
    sub = SHORT.get(inv.args[0], inv.args[0])
    if sub not in SUB_FLAGS:
        raise KubectlError(f'error: unknown command "{inv.args[0]}" for "kubectl create"')
    args = inv.args[1:]
    variant = None
    if sub in ("secret", "service"):
        if not args or args[0].startswith("-"):
            raise KubectlError(f"error: Required resource not specified.\nSee 'kubectl create {sub} -h' for "
                               "help and examples")
        variant, args = args[0], args[1:]
    spec = dict(COMMON, **SUB_FLAGS[sub])
    verb = f"create {sub}" + (f" {variant}" if variant else "")
    pos, flags = parse_flags(args, spec, ALIASES, verb=verb)
    command: list[str] = []
    if "--" in pos:
        i = pos.index("--")
        pos, command = pos[:i], pos[i + 1:]
    if not pos:
        raise KubectlError("error: exactly one NAME is required, got 0\n"
                           f"See 'kubectl {verb} -h' for help and examples")
    if len(pos) > 1:
        raise KubectlError(f"error: exactly one NAME is required, got {len(pos)}\n"
                           f"See 'kubectl {verb} -h' for help and examples")
    name = pos[0]
    mode = dry_run_mode(flags)
    if sub == "configmap":
        obj = configmap_obj(inv, name, flags)
    elif sub == "secret":
        obj = secret_obj(inv, name, flags, variant)
    elif sub == "deployment":
        obj = deployment_obj(inv, name, flags, command)
    elif sub == "namespace":
        obj = {"apiVersion": "v1", "kind": "Namespace", "metadata": {"creationTimestamp": None, "name": name},
               "spec": {}, "status": {}}
    elif sub == "job":
        obj = job_obj(inv, name, flags, command)
    elif sub == "cronjob":
        obj = cronjob_obj(inv, name, flags, command)
    elif sub == "service":
        obj = service_obj(inv, name, flags, variant)
    else:
        obj = {"apiVersion": "v1", "kind": "ServiceAccount", "metadata": _md(name, inv)}
    plural, qual = RESOURCE[sub]
    if mode != "client":
        body = _strip_nulls(obj)
        obj = inv.api.create(plural, body, None if sub == "namespace" else inv.ns(), dry_run=(mode == "server"))
    fmt = flags.get("output", "")
    if fmt == "yaml":
        return output.to_yaml(obj)
    if fmt == "json":
        return output.to_json(obj)
    if fmt == "name":
        return f"{qual}/{obj['metadata']['name']}\n"
    if fmt:
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{fmt}", '
                           "allowed formats are: json,name,yaml")
    return f"{qual}/{obj['metadata']['name']} created{dry_run_suffix(mode)}\n"


def _strip_nulls(obj, top: bool = True):
    """What goes on the wire: no ``null`` placeholders, and no status (the server owns it)."""
    if isinstance(obj, dict):
        return {k: _strip_nulls(v, False) for k, v in obj.items()
                if v is not None and not (top and k == "status")}
    if isinstance(obj, list):
        return [_strip_nulls(v, False) for v in obj]
    return obj
