"""``kubectl apply``: client-side apply with the last-applied-configuration annotation.

kubectl remembers what you applied last in the annotation
``kubectl.kubernetes.io/last-applied-configuration``. On the next apply it
computes a three-way patch from (last applied, new manifest, live object):
fields you removed from the manifest are deleted, fields you set are set, and
fields other actors set (a controller's status, a ``kubectl scale``) that you
never managed are left alone
(https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/).
"""

from __future__ import annotations

import json

from ..api import schema, strategic
from ..api.meta import clone
from ..api.resources import for_kind
from ..api.defaults import apply_defaults
from ..api.validation import validate
from ..errors import ApiError, bad_request, invalid

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"


def last_applied_value(obj: dict) -> str:
    """The annotation's value: the manifest as JSON (sorted keys, as Go marshals maps), newline-terminated."""
    o = clone(obj)
    if not isinstance(o.get("metadata"), dict):
        o["metadata"] = {}
    md = o["metadata"]
    ann = md.get("annotations") or {}
    ann.pop(LAST_APPLIED, None)
    md["annotations"] = ann          # kubectl leaves an empty map behind: "annotations":{}
    return json.dumps(o, sort_keys=True, separators=(",", ":")) + "\n"


def three_way_patch(original: dict | None, modified: dict, current: dict, kind: str | None = None) -> dict:
    """The strategic merge patch kubectl apply sends (``CreateThreeWayMergePatch``).

    It sets what the new manifest (``modified``) changes relative to the live object
    (``current``) and deletes what the last applied manifest (``original``) declared and
    ``modified`` no longer does; lists with merge keys (containers, ports, env, volumes)
    are merged element by element, and removed elements get ``$patch: delete``.
    See :func:`minik8s.api.strategic.three_way_patch`.
    """
    return strategic.three_way_patch(original, modified, current, kind or modified.get("kind"))


def _prepare(cluster, obj: dict, namespace: str | None):
    if not isinstance(obj, dict):
        raise bad_request("the body of the request was in an unknown format")
    schema.check(obj)                  # strict field validation, as kubectl apply asks the server
    res = for_kind(obj.get("kind"), obj.get("apiVersion"))
    obj = clone(obj)
    if not isinstance(obj.get("metadata"), dict):
        obj["metadata"] = {}           # "metadata: null" decodes as no metadata
    md = obj["metadata"]
    if res.namespaced:
        ns = md.get("namespace") or namespace or "default"
        if namespace and md.get("namespace") and md["namespace"] != namespace:
            raise ApiError(400, "BadRequest",
                           f"error: the namespace from the provided object \"{md['namespace']}\" does not "
                           f"match the namespace \"{namespace}\". You must pass '--namespace="
                           f"{md['namespace']}' to perform this operation.")
        md["namespace"] = ns
    else:
        ns = None
    if not md.get("name"):
        raise ApiError(400, "BadRequest", "error: error when retrieving current configuration of:\n"
                       f"Resource: \"{res.group_resource}\", GroupVersionKind: \"{obj['kind']}\"\n"
                       "Name: \"\", Namespace: \"" + (ns or "") + "\"\n"
                       "from server for: \"STDIN\": resource name may not be empty")
    md.setdefault("annotations", {})[LAST_APPLIED] = last_applied_value(obj)
    return res, obj, ns


def apply_object(cluster, obj: dict, namespace: str | None = None, *, dry_run: bool = False):
    """Create or three-way-patch one object. Returns (object, "created"|"configured"|"unchanged")."""
    api = cluster.apiserver
    res, obj, ns = _prepare(cluster, obj, namespace)
    name = obj["metadata"]["name"]
    try:
        live = api.get(res, name, ns)
    except ApiError as e:
        if e.code != 404:
            raise
        return api.create(res, obj, ns, dry_run=dry_run), "created"
    original = (live["metadata"].get("annotations") or {}).get(LAST_APPLIED)
    original = json.loads(original) if original else None
    patch = three_way_patch(original, obj, live, res.kind)
    if not patch:
        return live, "unchanged"
    out = api.patch(res, name, patch, ns, patch_type="strategic", dry_run=dry_run)
    if out == live:
        return out, "unchanged"
    return out, "configured"


def check_objects(cluster, objs: list[dict], namespace: str | None = None) -> None:
    """Dry-run every object first, so that one bad document changes nothing at all.

    An object in a namespace that an earlier document of the same batch creates cannot be
    dry-run against the server yet (the namespace does not exist); it gets the checks that do
    not need the namespace: decoding, defaulting and validation.
    """
    new_namespaces = set()
    for obj in objs:
        if not isinstance(obj, dict):
            raise bad_request("the body of the request was in an unknown format")
        schema.check(obj)
        if isinstance(obj, dict) and obj.get("kind") == "Namespace":
            new_namespaces.add((obj.get("metadata") or {}).get("name"))
        md = obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {}
        ns = md.get("namespace") or namespace
        if (ns in new_namespaces and obj.get("kind") != "Namespace"
                and not cluster.apiserver.exists("namespaces", ns)):
            res, prepared, _ns = _prepare(cluster, obj, namespace)
            apply_defaults(prepared)
            causes = validate(prepared, None)
            if causes:
                raise invalid(prepared["kind"], prepared["metadata"]["name"], causes, res.group)
            continue
        apply_object(cluster, obj, namespace, dry_run=True)
