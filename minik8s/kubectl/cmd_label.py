"""``kubectl label`` and ``kubectl annotate``: set or remove metadata keys.

``kubectl label pods web tier=frontend`` adds a label (``pod/web labeled``);
``tier-`` removes it; changing an existing value needs ``--overwrite``. The
change is sent as a merge patch of ``metadata.labels`` (or ``annotations``)
(https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/,
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_label/).
"""

from __future__ import annotations

import re

from ..api import resources as R
from ..api.meta import dns1123_subdomain_errors
from ..errors import ApiError
from .inputs import mapping_error, qualified, read_inputs, report_errors
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import parse_targets

LABEL_FLAGS = {"overwrite": "bool", "selector": "str", "all": "bool", "all-namespaces": "bool",
               "filename": "list", "resource-version": "str", "list": "bool", "local": "bool",
               "dry-run": "str", "output": "str", "field-selector": "str", "recursive": "bool",
               "field-manager": "str"}
LABEL_ALIASES = {"l": "selector", "f": "filename", "o": "output", "R": "recursive"}


def parse_changes(args: list[str], what: str) -> tuple[list[str], dict, list[str]]:
    """Split positionals into resource args, ``key=value`` sets and ``key-`` removals."""
    res_args, sets, removes = [], {}, []
    for a in args:
        if "=" in a:
            k, v = a.split("=", 1)
            sets[k] = v
        elif a.endswith("-") and len(a) > 1 and (res_args or "/" in a):
            removes.append(a[:-1])
        else:
            res_args.append(a)
    if not sets and not removes:
        raise KubectlError(f"error: at least one {what} update is required")
    for k in sets:
        if k in removes:
            raise KubectlError(f"error: can not both modify and remove {what} in the same command")
    return res_args, sets, removes


def _label_errors(key: str, value: str) -> list[str]:
    """Label key and value syntax (apimachinery validation.IsQualifiedName / IsValidLabelValue)."""
    errs = []
    name = key.split("/", 1)[-1]
    prefix = key.split("/", 1)[0] if "/" in key else None
    qn = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
    if not name or len(name) > 63 or not qn.match(name) or (prefix is not None and dns1123_subdomain_errors(prefix)):
        errs.append(f"invalid label spec: {key}={value}")
    if value and (len(value) > 63 or not qn.match(value)):
        errs.append(f"invalid label value: \"{key}={value}\": a valid label must be an empty string or "
                    "consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
                    "alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for "
                    "validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')")
    return errs


def _run(inv: Invocation, field: str, what: str) -> str:
    args, flags = parse_flags(inv.args, LABEL_FLAGS, LABEL_ALIASES, inv.verb)
    res_args, sets, removes = parse_changes(args, what) if not flags.get("list") else (args, {}, [])
    if field == "labels":
        for a in args:
            if a.count("=") > 1:
                raise KubectlError(f"error: invalid label spec: {a}")   # label.go splits on every "="
        for k, v in sets.items():
            errs = _label_errors(k, v)
            if errs:
                raise KubectlError("error: " + errs[0])
    all_ns = inv.all_namespaces or flags.get("all-namespaces", False)
    todo = []
    errors: list = []
    if flags.get("filename"):
        for source, obj in read_inputs(inv, flags["filename"]):
            try:
                res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
            except ApiError as e:
                errors.append(mapping_error(obj, source, e))
                continue
            md = obj.get("metadata") or {}
            todo.append((res, md.get("name"), (inv.namespace or md.get("namespace") or inv.ns())
                         if res.namespaced else None))
    else:
        if not res_args:
            raise KubectlError(f"error: one or more resources must be specified as <resource> <name> or "
                               f"<resource>/<name>")
        targets, _m, _s = parse_targets(res_args)
        for res, names in targets:
            if names is None:
                if flags.get("selector") is None and not flags.get("all") and not flags.get("field-selector"):
                    raise KubectlError("error: resource(s) were provided, but no name was specified")
                ns = None if (all_ns or not res.namespaced) else inv.ns()
                for o in inv.api.list(res, ns, label_selector=flags.get("selector"),
                                      field_selector=flags.get("field-selector"))["items"]:
                    todo.append((res, o["metadata"]["name"], o["metadata"].get("namespace")))
            else:
                for n in names:
                    todo.append((res, n, inv.ns() if res.namespaced else None))
    out = ""
    for res, name, ns in todo:
        try:
            obj = inv.api.get(res, name, ns)
        except ApiError as e:
            errors.append(e)
            continue
        current = dict((obj["metadata"].get(field) or {}))
        if flags.get("list"):
            out += "".join(f"{k}={current[k]}\n" for k in sorted(current))
            continue
        if not flags.get("overwrite"):
            clash = [k for k in sets if k in current and current[k] != sets[k]]
            if clash:
                if field == "labels":
                    k = clash[0]
                    errors.append(KubectlError(f"error: '{k}' already has a value ({current[k]}), and "
                                               f"--overwrite is false"))
                else:
                    errors.append(KubectlError(
                        "error: --overwrite is false but found the following declared annotation(s): "
                        + "; ".join(f"'{k}' already has a value ({current[k]})" for k in clash)))
                continue
        new = dict(current)
        new.update(sets)
        for k in removes:
            if field == "labels" and k not in current:
                out += f'label "{k}" not found.\n'       # label.go warns and goes on
            new.pop(k, None)
        patch: dict = {"metadata": {field: {**{k: v for k, v in sets.items()},
                                            **{k: None for k in removes if k in current}}}}
        if flags.get("resource-version"):
            patch["metadata"]["resourceVersion"] = flags["resource-version"]
        changed = new != current
        dry = flags.get("dry-run")
        try:
            if changed or flags.get("resource-version"):
                inv.api.patch(res, name, patch, ns, patch_type="merge",
                              dry_run=dry == "server")
        except ApiError as e:
            errors.append(e)
            continue
        if field == "labels":
            msg = "not labeled"
            if changed:
                msg = "labeled"
                if not flags.get("overwrite") and len(new) < len(current):
                    msg = "unlabeled"
        else:
            msg = "annotated"
        suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry or "", "")
        out += f"{qualified(res)}/{name} {msg}{suffix}\n"
    if not todo and not errors and not flags.get("filename"):
        out += f"No resources found in {inv.ns()} namespace.\n"
    return out + report_errors(errors)


@command("label", "Update the labels on a resource")
def label(inv: Invocation) -> str:
    return _run(inv, "labels", "label")


@command("annotate", "Update the annotations on a resource")
def annotate(inv: Invocation) -> str:
    return _run(inv, "annotations", "annotation")
