"""``kubectl apply -f``, ``kubectl create -f`` and ``kubectl replace -f``.

``apply`` is declarative: each object in the files is created, or patched
towards the manifest (three-way, with the last-applied-configuration
annotation; :mod:`minik8s.kubectl.apply`), and reported as
``deployment.apps/web created|configured|unchanged``. kubectl applies every
object it can and reports each failure at the end; an unknown kind fails with
``resource mapping not found ... ensure CRDs are installed first``
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/).
``create -f`` POSTs every object (``pod/web created``); ``replace -f`` PUTs
it (``pod/web replaced``)
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/imperative-config/).
"""

from __future__ import annotations

import os

from ..api import resources as R
from ..api import schema
from ..errors import ApiError
from ..manifests import ManifestError, parse_text
from . import output
from .apply import LAST_APPLIED, apply_object, last_applied_value
from .registry import Invocation, KubectlError, command, parse_flags

APPLY_FLAGS = {"filename": "list", "output": "str", "dry-run": "str", "recursive": "bool",
               "server-side": "bool", "force-conflicts": "bool", "field-manager": "str", "prune": "bool",
               "selector": "str", "validate": "str", "overwrite": "bool", "wait": "bool",
               "force": "bool", "grace-period": "int", "timeout": "str", "save-config": "bool",
               "kustomize": "str", "edit": "bool", "windows-line-ending": "bool", "raw": "str",
               "show-managed-fields": "bool", "all": "bool", "cascade": "str"}
APPLY_ALIASES = {"f": "filename", "o": "output", "R": "recursive", "l": "selector", "k": "kustomize"}


def read_inputs(inv: Invocation, filenames: list[str]) -> list[tuple[str, dict]]:
    """(source, object) for every object in ``-f`` arguments: ``-`` is stdin (source ``STDIN``),
    a directory contributes its .yaml/.yml/.json files in name order."""
    out: list[tuple[str, dict]] = []
    for f in filenames:
        if f == "-":
            out.extend(("STDIN", o) for o in parse_text(inv.stdin or "", "STDIN"))
            continue
        if os.path.isdir(f):
            for name in sorted(os.listdir(f)):
                if name.endswith((".yaml", ".yml", ".json")):
                    p = os.path.join(f, name)
                    out.extend((p, o) for o in _read_file(p))
            continue
        if not os.path.exists(f):
            raise KubectlError(f'error: the path "{f}" does not exist')
        out.extend((f, o) for o in _read_file(f))
    return out


def _read_file(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return parse_text(fh.read(), path)


def dry_run_mode(flags) -> str | None:
    v = flags.get("dry-run")
    if v is None:
        return None
    if v in ("client", "server", "none"):
        return None if v == "none" else v
    if v in ("true", ""):
        return "client"
    if v == "false":
        return None
    raise KubectlError(f'error: Invalid dry-run value ({v}). Must be "none", "server", or "client".')


def dry_run_suffix(mode: str | None) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode or "", "")


def qualified(res: R.Resource) -> str:
    """``deployment.apps`` / ``pod``: how kubectl names a kind in its messages."""
    return res.kind.lower() + (f".{res.group}" if res.group else "")


def mapping_error(obj: dict, source: str, err: ApiError) -> str:
    md = obj.get("metadata") or {}
    return (f'resource mapping not found for name: "{md.get("name", "")}" namespace: '
            f'"{md.get("namespace", "")}" from "{source}": {err.message}\nensure CRDs are installed first')


def with_source(err: ApiError, verb: str, source: str) -> ApiError:
    """cmdutil.AddSourceToErr: ``error when creating "STDIN": ...`` in the server's message."""
    if err.reason == "Invalid":
        # CheckErr prints a lone Invalid error from its details ("The Deployment "web" is invalid: ...");
        # inside an aggregate it prints the server's message with the source, kept here.
        err = ApiError(err.code, err.reason, err.message, err.details)
        msg = err.message[4:] if err.message.startswith("The ") else err.message
        group = (err.details or {}).get("group")
        kind = (err.details or {}).get("kind")
        if group and kind and msg.startswith(kind + " "):
            msg = f"{kind}.{group}" + msg[len(kind):]
        err.aggregate_message = f'error when {verb} "{source}": {msg}'
        return err
    return ApiError(err.code, err.reason, f'error when {verb} "{source}": {err.message}', err.details)


def report_errors(errors: list) -> str:
    """One error as CheckErr prints it; several as an aggregate (each on its own line)."""
    from . import format_error
    if not errors:
        return ""
    if len(errors) == 1:
        e = errors[0]
        return (format_error(e) if not isinstance(e, str) else
                (e if e.startswith("error: ") else "error: " + e)) + "\n"
    lines = []
    for e in errors:
        if isinstance(e, str):
            lines.append(e)
        elif isinstance(e, KubectlError):
            lines.append(str(e))
        elif isinstance(e, ManifestError) or (e.details or {}).get("connectionRefused"):
            lines.append(e.message)
        else:
            msg = getattr(e, "aggregate_message", None) or e.message
            lines.append(f"Error from server ({e.reason}): {msg}" if e.reason
                         else f"Error from server: {msg}")
    return "".join(line + "\n" for line in lines)


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
    from ..api.meta import clone
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
    from .cmd_get import parse_targets
    targets, _multi, _single = parse_targets(args)
    out = []
    for res, names in targets:
        for n in names or []:
            obj = inv.api.get(res, n, inv.ns() if res.namespaced else None)
            ann = (obj["metadata"].get("annotations") or {}).get(LAST_APPLIED)
            if not ann:
                raise KubectlError(f"error: no last-applied-configuration annotation found on resource: {n}")
            import json
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
            try:
                from .cmd_create_sub import create_subcommand
            except ImportError:
                raise KubectlError(f'error: unknown command "{sub}" for "kubectl create"') from None
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
                from ..api.meta import clone
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
