"""Patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch.

``kubectl label``, ``scale`` and ``annotate`` send merge patches; ``kubectl apply``
sends a *strategic* merge patch, which merges lists of named things (containers,
ports, env, volumes) by a merge key instead of replacing them
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/).
"""

from __future__ import annotations

from ..errors import bad_request
from .meta import clone


def merge_patch(target, patch):
    """RFC 7386: dicts merge recursively, ``null`` deletes, everything else replaces."""
    if not isinstance(patch, dict):
        return clone(patch)
    result = clone(target) if isinstance(target, dict) else {}
    for k, v in patch.items():
        if v is None:
            result.pop(k, None)
        else:
            result[k] = merge_patch(result.get(k), v)
    return result


def _pointer(path: str) -> list[str]:
    if path == "":
        return []
    if not path.startswith("/"):
        raise bad_request(f"invalid JSON pointer: {path!r}")
    return [p.replace("~1", "/").replace("~0", "~") for p in path[1:].split("/")]


def _walk(doc, parts):
    cur = doc
    for p in parts:
        if isinstance(cur, list):
            cur = cur[int(p)]
        else:
            cur = cur[p]
    return cur


def json_patch(target, ops: list) -> dict:
    """RFC 6902: add, remove, replace, move, copy, test."""
    doc = clone(target)
    try:
        for op in ops:
            kind = op.get("op")
            parts = _pointer(op.get("path", ""))
            if kind in ("add", "replace", "remove"):
                parent = _walk(doc, parts[:-1])
                last = parts[-1]
                if isinstance(parent, list):
                    idx = len(parent) if last == "-" else int(last)
                    if kind == "add":
                        parent.insert(idx, clone(op["value"]))
                    elif kind == "replace":
                        parent[idx] = clone(op["value"])
                    else:
                        del parent[idx]
                else:
                    if kind in ("replace", "remove") and last not in parent:
                        raise bad_request(f"the server rejected our request due to an error in our "
                                          f"request: jsonpatch {kind} operation does not apply: "
                                          f"doc is missing key: {op.get('path')}")
                    if kind == "remove":
                        del parent[last]
                    else:
                        parent[last] = clone(op["value"])
            elif kind in ("move", "copy"):
                src = _pointer(op["from"])
                value = clone(_walk(doc, src))
                if kind == "move":
                    sp = _walk(doc, src[:-1])
                    if isinstance(sp, list):
                        del sp[int(src[-1])]
                    else:
                        del sp[src[-1]]
                doc = json_patch(doc, [{"op": "add", "path": op["path"], "value": value}])
            elif kind == "test":
                if _walk(doc, parts) != op.get("value"):
                    raise bad_request(f"testing value {op.get('path')} failed")
            else:
                raise bad_request(f"Unexpected kind: {kind}")
    except (KeyError, IndexError, ValueError, TypeError) as e:
        raise bad_request(f"the server rejected our request due to an error in our request: {e}")
    return doc


def apply_patch(original: dict, patch, patch_type: str, kind: str | None = None) -> dict:
    """Apply a patch of ``patch_type`` ("merge", "json" or "strategic") to ``original``."""
    if patch_type == "merge":
        if not isinstance(patch, dict):
            raise bad_request("the body of the request was in an unknown format - accepted media types "
                              "include: application/json-patch+json, application/merge-patch+json, "
                              "application/apply-patch+yaml")
        return merge_patch(original, patch)
    if patch_type == "json":
        if not isinstance(patch, list):
            raise bad_request("json: cannot unmarshal object into Go value of type jsonpatch.Patch")
        return json_patch(original, patch)
    if patch_type == "strategic":
        from .strategic import strategic_merge_patch
        return strategic_merge_patch(original, patch, kind)
    raise ApiUnsupported(patch_type)


class ApiUnsupported(Exception):
    pass
