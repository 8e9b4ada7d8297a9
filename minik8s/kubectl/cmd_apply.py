"""``kubectl apply -f``, ``kubectl create -f`` and ``kubectl replace -f``.

``apply`` is declarative: each object in the files is created, or patched
towards the manifest (three-way, with the last-applied-configuration
annotation; :mod:`minik8s.kubectl.client_side_apply`), and reported as
``deployment.apps/web created|configured|unchanged``. kubectl applies every
object it can and reports each failure at the end; an unknown kind fails with
``resource mapping not found ... ensure CRDs are installed first``
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/).
``create -f`` POSTs every object (``pod/web created``); ``replace -f`` PUTs
it (``pod/web replaced``)
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/imperative-config/).
"""

from __future__ import annotations

import json

from ..api import resources as R
from ..api import schema
from ..api.meta import clone
from ..errors import ApiError
from . import output
from .client_side_apply import LAST_APPLIED, apply_object, last_applied_value
from .cmd_create_sub import create_subcommand
from .inputs import (dry_run_mode, dry_run_suffix, mapping_error, qualified, read_inputs, report_errors,
                     with_source)
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import parse_targets

APPLY_FLAGS = {"filename": "list", "output": "str", "dry-run": "str", "recursive": "bool",
               "server-side": "bool", "force-conflicts": "bool", "field-manager": "str", "prune": "bool",
               "selector": "str", "validate": "str", "overwrite": "bool", "wait": "bool",
               "force": "bool", "grace-period": "int", "timeout": "str", "save-config": "bool",
               "kustomize": "str", "edit": "bool", "windows-line-ending": "bool", "raw": "str",
               "show-managed-fields": "bool", "all": "bool", "cascade": "str"}
APPLY_ALIASES = {"f": "filename", "o": "output", "R": "recursive", "l": "selector", "k": "kustomize"}


def _check_namespace(obj: dict, res: R.Resource, inv: Invocation) -> None:
    md = obj.get("metadata") or {}
    if res.namespaced and inv.namespace and md.get("namespace") and md["namespace"] != inv.namespace:
        raise KubectlError(f'error: the namespace from the provided object "{md["namespace"]}" does not match '
                           f'the namespace "{inv.namespace}". You must pass \'--namespace={md["namespace"]}\' '
                           f'to perform this operation.')


def _need_files(flags, verb: str) -> list[str]:
    if not flags.get("filename"):
        if verb == "apply":
            raise KubectlError("error: must specify one of -f and -k")
        raise KubectlError(f"error: must specify one of -f and -k\n\nSee 'kubectl {verb} -h' for help and "
                           f"examples")
    return flags["filename"]


def _print_objects(fmt: str, objs: list[dict]) -> str:
    if fmt == "yaml":
        return output.to_yaml(objs[0] if len(objs) == 1 else
                              {"apiVersion": "v1", "items": objs, "kind": "List", "metadata": {}})
    if fmt == "json":
        return output.to_json(objs[0] if len(objs) == 1 else
                              {"apiVersion": "v1", "items": objs, "kind": "List", "metadata": {}})
    raise KubectlError(f'error: unable to match a printer suitable for the output format "{fmt}", allowed '
                       f'formats are: json,name,yaml')


@command("apply", "Apply a configuration to a resource by file name or stdin")
def apply(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, APPLY_FLAGS, APPLY_ALIASES, "apply")
    if args and args[0] in ("view-last-applied", "set-last-applied", "edit-last-applied"):
        return _view_last_applied(inv, args[1:], flags)
    files = _need_files(flags, "apply")
    mode = dry_run_mode(flags)
    fmt = flags.get("output", "")
    inputs = read_inputs(inv, files)
    out, errors, printed = [], [], []
    valid = []
    for source, obj in inputs:
        try:
            res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
        except ApiError as e:
            errors.append(mapping_error(obj, source, e))
            continue
        valid.append((source, obj, res))
    for source, obj, res in valid:
        try:
            _check_namespace(obj, res, inv)
            if mode == "client":
                result, what = _client_dry_run(inv, obj, res)
            else:
                md = obj.get("metadata") or {}
                ns_arg = inv.namespace or (None if md.get("namespace") else inv.ns())
                result, what = apply_object(inv.cluster, obj, ns_arg, dry_run=(mode == "server"))
        except KubectlError as e:
            errors.append(e)
            continue
        except ApiError as e:
            errors.append(with_source(e, "creating" if not _exists(inv, obj, res) else "patching", source))
            continue
        if fmt and fmt != "name":
            printed.append(result)
        elif fmt == "name":
            out.append(f"{qualified(res)}/{result['metadata']['name']}\n")
        else:
            out.append(f"{qualified(res)}/{result['metadata']['name']} {what}{dry_run_suffix(mode)}\n")
    text = "".join(out)
    if printed:
        text += _print_objects(fmt, printed)
    return text + report_errors(errors)


def _exists(inv, obj, res) -> bool:
    md = obj.get("metadata") or {}
    try:
        return inv.api.exists(res, md.get("name", ""), md.get("namespace") or inv.ns())
    except ApiError:
        return False


def _client_dry_run(inv: Invocation, obj: dict, res: R.Resource):
    """--dry-run=client: nothing is sent; the object is what kubectl would send."""
    o = clone(obj)
    md = o.setdefault("metadata", {})
    if res.namespaced:
        md.setdefault("namespace", inv.ns())
    md.setdefault("annotations", {})[LAST_APPLIED] = last_applied_value(obj)
    if not _exists(inv, obj, res):
        return o, "created"
    live = inv.api.get(res, md["name"], md.get("namespace"))
    old = (live["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    return o, "unchanged" if old == md["annotations"][LAST_APPLIED] else "configured"


def _view_last_applied(inv: Invocation, args: list[str], flags) -> str:
    targets, _multi, _single = parse_targets(args)
    out = []
    for res, names in targets:
        for n in names or []:
            obj = inv.api.get(res, n, inv.ns() if res.namespaced else None)
            ann = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
            if not ann:
                raise KubectlError(f"error: no last-applied-configuration annotation found on resource: {n}")
            data = json.loads(ann)
            out.append(output.to_json(data) if flags.get("output") == "json" else output.to_yaml(data))
    return "".join(out)


CREATE_FLAGS = {"filename": "list", "output": "str", "dry-run": "str", "recursive": "bool",
                "save-config": "bool", "validate": "str", "edit": "bool", "raw": "str",
                "selector": "str", "windows-line-ending": "bool", "field-manager": "str",
                "show-managed-fields": "bool"}

# `kubectl create <subcommand>`: handled by minik8s.kubectl.cmd_create_sub.
CREATE_SUBCOMMANDS = ("clusterrole", "clusterrolebinding", "configmap", "cm", "cronjob", "cj", "deployment",
                      "deploy", "ingress", "ing", "job", "namespace", "ns", "poddisruptionbudget", "pdb",
                      "priorityclass", "pc", "quota", "resourcequota", "role", "rolebinding", "secret",
                      "service", "svc", "serviceaccount", "sa", "token")


@command("create", "Create a resource from a file or from stdin")
def create(inv: Invocation) -> str:
    if inv.args and not inv.args[0].startswith("-"):
        sub = inv.args[0]
        if sub in CREATE_SUBCOMMANDS:
            return create_subcommand(inv)
        raise KubectlError(f'error: unknown command "{sub}" for "kubectl create"')
    _args, flags = parse_flags(inv.args, CREATE_FLAGS, APPLY_ALIASES, "create")
    files = _need_files(flags, "create")
    mode = dry_run_mode(flags)
    fmt = flags.get("output", "")
    out, errors, printed = [], [], []
    for source, obj in read_inputs(inv, files):
        try:
            res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
        except ApiError as e:
            errors.append(mapping_error(obj, source, e))
            continue
        try:
            _check_namespace(obj, res, inv)
            if flags.get("save-config"):
                obj = clone(obj)
                obj.setdefault("metadata", {}).setdefault("annotations", {})[LAST_APPLIED] = \
                    last_applied_value(obj)
            if mode == "client":
                result = obj
            else:
                schema.check(obj)      # kubectl create asks the server for strict field validation
                result = inv.api.create(res, obj, inv.namespace or (obj.get("metadata") or {}).get("namespace")
                                        or inv.ns() if res.namespaced else None, dry_run=(mode == "server"))
        except KubectlError as e:
            errors.append(e)
            continue
        except ApiError as e:
            errors.append(with_source(e, "creating", source))
            continue
        if fmt and fmt != "name":
            printed.append(result)
        elif fmt == "name":
            out.append(f"{qualified(res)}/{result['metadata']['name']}\n")
        else:
            out.append(f"{qualified(res)}/{result['metadata']['name']} created{dry_run_suffix(mode)}\n")
    text = "".join(out)
    for i, o in enumerate(printed):
        if fmt == "yaml":
            text += ("---\n" if i else "") + output.to_yaml(o)
        elif fmt == "json":
            text += output.to_json(o)
    return text + report_errors(errors)


@command("replace", "Replace a resource by file name or stdin")
def replace(inv: Invocation) -> str:
    _args, flags = parse_flags(inv.args, APPLY_FLAGS, APPLY_ALIASES, "replace")
    files = _need_files(flags, "replace")
    mode = dry_run_mode(flags)
    out, errors = [], []
    for source, obj in read_inputs(inv, files):
        try:
            res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
        except ApiError as e:
            errors.append(mapping_error(obj, source, e))
            continue
        md = obj.get("metadata") or {}
        ns = (inv.namespace or md.get("namespace") or inv.ns()) if res.namespaced else None
        try:
            _check_namespace(obj, res, inv)
            if flags.get("force"):
                try:
                    inv.api.delete(res, md.get("name", ""), ns, grace_period_seconds=0)
                    out.append(f'{qualified(res)} "{md.get("name")}" deleted\n')
                except ApiError as e:
                    if e.code != 404:
                        raise
                inv.api.create(res, obj, ns, dry_run=(mode == "server"))
            elif mode != "client":
                schema.check(obj)
                inv.api.update(res, obj, ns, dry_run=(mode == "server"))
        except ApiError as e:
            errors.append(with_source(e, "replacing", source))
            continue
        out.append(f"{qualified(res)}/{md.get('name')} replaced{dry_run_suffix(mode)}\n")
    return "".join(out) + report_errors(errors)
