"""``kubectl patch``: change fields of a live object with a strategic merge, merge or JSON patch.

``kubectl patch deploy web -p '{"spec":{"replicas":3}}'`` sends a strategic merge
patch (the default; ``--type merge`` or ``--type json`` for the others) and prints
``deployment.apps/web patched``, or ``patched (no change)`` when the object is the
same afterwards
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
"""

from __future__ import annotations

import json
import yaml

from ..api import resources as R
from ..api.meta import clone
from ..api.patch import apply_patch
from . import output
from .inputs import dry_run_mode, dry_run_suffix, qualified, read_inputs
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import parse_targets

PATCH_FLAGS = {"patch": "str", "type": "str", "patch-file": "str", "output": "str", "dry-run": "str",
               "subresource": "str", "filename": "list", "local": "bool", "field-manager": "str",
               "recursive": "bool", "show-managed-fields": "bool", "allow-missing-template-keys": "bool"}
PATCH_ALIASES = {"p": "patch", "o": "output", "f": "filename", "R": "recursive"}


def parse_patch(text: str):
    """kubectl accepts the patch as JSON or YAML."""
    try:
        return json.loads(text)
    except ValueError:
        pass
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as e:
        raise KubectlError(f'error: unable to parse "{text}": yaml: {getattr(e, "problem", e)}') from None


@command("patch", "Update fields of a resource")
def patch(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, PATCH_FLAGS, PATCH_ALIASES, "patch")
    ptype = flags.get("type", "strategic")
    if ptype not in ("json", "merge", "strategic"):
        raise KubectlError(f'error: --type must be one of [json merge strategic], not "{ptype}"')
    if "patch-file" in flags:
        with open(flags["patch-file"], encoding="utf-8") as f:
            text = f.read()
    elif "patch" in flags:
        text = flags["patch"]
    else:
        raise KubectlError("error: must specify --patch or --patch-file containing the contents of the patch")
    body = parse_patch(text)
    if ptype == "json" and not isinstance(body, list):
        raise KubectlError(f'error: unable to parse "{text}": json: cannot unmarshal object into Go value of '
                           f'type jsonpatch.Patch')
    todo = []
    if flags.get("filename"):
        for _src, obj in read_inputs(inv, flags["filename"]):
            res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
            md = obj.get("metadata") or {}
            todo.append((res, md.get("name"), (inv.namespace or md.get("namespace") or inv.ns())
                         if res.namespaced else None))
    else:
        if not args:
            raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                               "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                               "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
        targets, _m, _s = parse_targets(args)
        for res, names in targets:
            if names is None:
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            for n in names:
                todo.append((res, n, inv.ns() if res.namespaced else None))
    mode = dry_run_mode(flags)
    fmt = flags.get("output", "")
    out = ""
    for res, name, ns in todo:
        before = clone(inv.api.get(res, name, ns))
        if mode == "client":
            after = apply_patch(before, body, ptype, res.kind)
        else:
            after = inv.api.patch(res, name, body, ns, patch_type=ptype, subresource=flags.get("subresource"),
                                  dry_run=(mode == "server"))
        if fmt in ("yaml", "json"):
            out += output.to_yaml(after) if fmt == "yaml" else output.to_json(after)
            continue
        if fmt == "name":
            out += f"{qualified(res)}/{name}\n"
            continue
        same = before == after
        if flags.get("subresource") == "scale":
            same = False
        out += f"{qualified(res)}/{name} patched{' (no change)' if same else ''}{dry_run_suffix(mode)}\n"
    return out
