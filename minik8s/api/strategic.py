"""Strategic merge patch: the patch ``kubectl apply`` and ``kubectl patch`` send.

A JSON merge patch replaces lists whole. A *strategic* merge patch knows, from the
Go struct tags of each Kubernetes type (``patchStrategy:"merge" patchMergeKey:"name"``),
which lists hold named things to merge element by element: containers by ``name``,
container ports by ``containerPort``, env by ``name``, volumes by ``name``, volume mounts
by ``mountPath``, conditions by ``type``; lists without a strategy (tolerations, args)
are replaced. Directives inside a patch
(https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md):

* ``null`` deletes a field;
* ``$patch: replace`` replaces a map or list instead of merging, ``$patch: delete``
  deletes a map or (in a list element with its merge key) one element;
* ``$retainKeys: [...]`` clears the map's other fields (Deployment ``strategy``, volumes);
* ``$deleteFromPrimitiveList/<field>: [...]`` removes values from a merged list of scalars
  (``finalizers``);
* ``$setElementOrder/<field>: [...]`` gives the order of the merged list.

:func:`strategic_merge_patch` applies a patch (k8s.io/apimachinery/pkg/util/strategicpatch
``StrategicMergeMapPatch``); :func:`three_way_patch` computes the patch client-side apply
sends (``CreateThreeWayMergePatch``).
https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
"""

from __future__ import annotations

from ..errors import bad_request
from .meta import clone

PATCH = "$patch"
RETAIN_KEYS = "$retainKeys"
DELETE_FROM = "$deleteFromPrimitiveList/"
SET_ORDER = "$setElementOrder/"


class ListMeta:
    """Patch metadata of a list field: strategy (``merge``/``replace``), merge key, element schema."""

    __slots__ = ("merge", "key", "elem", "retain")

    def __init__(self, key: str | None = None, elem: dict | None = None, *, merge: bool = True,
                 retain: bool = False):
        self.merge, self.key, self.elem, self.retain = merge, key, elem or {}, retain


class MapMeta:
    """Patch metadata of a struct field with ``patchStrategy:"retainKeys"``."""

    __slots__ = ("schema",)

    def __init__(self, schema: dict):
        self.schema = schema


# --- the struct tags of the supported types (k8s.io/api/*/v1/types.go) --------------------
OBJECT_META = {"finalizers": ListMeta(), "ownerReferences": ListMeta("uid")}
CONDITIONS = ListMeta("type")
VOLUME = {}
CONTAINER = {
    "ports": ListMeta("containerPort"),
    "env": ListMeta("name"),
    "volumeMounts": ListMeta("mountPath"),
    "volumeDevices": ListMeta("devicePath"),
}
POD_SPEC = {
    "volumes": ListMeta("name", VOLUME, retain=True),
    "initContainers": ListMeta("name", CONTAINER),
    "containers": ListMeta("name", CONTAINER),
    "ephemeralContainers": ListMeta("name", CONTAINER),
    "imagePullSecrets": ListMeta("name"),
    "hostAliases": ListMeta("ip"),
    "topologySpreadConstraints": ListMeta("topologyKey"),
    "schedulingGates": ListMeta("name"),
    "resourceClaims": ListMeta("name", retain=True),
}
POD_STATUS = {"conditions": CONDITIONS, "podIPs": ListMeta("ip"), "hostIPs": ListMeta("ip"),
              "resourceClaimStatuses": ListMeta("name", retain=True)}
TEMPLATE = {"metadata": OBJECT_META, "spec": POD_SPEC}
WORKLOAD_STATUS = {"conditions": CONDITIONS}


def _kind(spec: dict | None = None, status: dict | None = None) -> dict:
    out = {"metadata": OBJECT_META}
    if spec is not None:
        out["spec"] = spec
    if status is not None:
        out["status"] = status
    return out


SCHEMAS: dict[str, dict] = {
    "Pod": _kind(POD_SPEC, POD_STATUS),
    "PodTemplate": {"metadata": OBJECT_META, "template": TEMPLATE},
    "ReplicaSet": _kind({"template": TEMPLATE}, WORKLOAD_STATUS),
    "ReplicationController": _kind({"template": TEMPLATE}, WORKLOAD_STATUS),
    "Deployment": _kind({"template": TEMPLATE, "strategy": MapMeta({})}, WORKLOAD_STATUS),
    "DaemonSet": _kind({"template": TEMPLATE}, WORKLOAD_STATUS),
    "StatefulSet": _kind({"template": TEMPLATE}, WORKLOAD_STATUS),
    "Job": _kind({"template": TEMPLATE}, WORKLOAD_STATUS),
    "CronJob": _kind({"jobTemplate": {"metadata": OBJECT_META, "spec": {"template": TEMPLATE}}}, {}),
    "Service": _kind({"ports": ListMeta("port")}, {"conditions": CONDITIONS}),
    "Node": _kind({"podCIDRs": ListMeta()}, {"conditions": CONDITIONS, "addresses": ListMeta("type")}),
    "Namespace": _kind({}, {"conditions": CONDITIONS}),
    "PersistentVolumeClaim": _kind({}, {"conditions": CONDITIONS}),
    "Scale": _kind({}, {}),
}


def schema_for(kind: str | None) -> dict:
    """The patch metadata of ``kind`` (kinds without merge lists get plain metadata)."""
    return SCHEMAS.get(kind or "", {"metadata": OBJECT_META})


# --- applying a patch ----------------------------------------------------------------------

def strategic_merge_patch(original: dict, patch, kind: str | None = None) -> dict:
    """Apply a strategic merge ``patch`` to ``original`` (neither is modified)."""
    if not isinstance(patch, dict):
        raise bad_request("the body of the request was in an unknown format - accepted media types include: "
                          "application/json-patch+json, application/merge-patch+json, "
                          "application/apply-patch+yaml")
    out = _merge_map(original if isinstance(original, dict) else {}, patch, schema_for(kind))
    return out if out is not None else {}


def _field_meta(schema, key: str):
    if isinstance(schema, MapMeta):
        schema = schema.schema
    return schema.get(key) if isinstance(schema, dict) else None


def _sub_schema(meta):
    if isinstance(meta, MapMeta):
        return meta.schema
    if isinstance(meta, dict):
        return meta
    return {}


def _merge_map(original: dict, patch: dict, schema) -> dict | None:
    """mergeMap: ``None`` means the map itself is to be deleted (``$patch: delete``)."""
    directive = patch.get(PATCH)
    if directive == "delete":
        return None
    if directive == "replace":
        return _strip(patch, schema)
    if directive not in (None, "merge"):
        raise bad_request(f"Unknown patch type: {directive} in map: {_go_map(patch)}")
    result = dict(original)   # shallow: every value we change is rebuilt below
    retain = patch.get(RETAIN_KEYS)
    orders = {}
    for k, v in patch.items():
        if k.startswith(DELETE_FROM):
            field = k[len(DELETE_FROM):]
            if not isinstance(v, list):
                raise bad_request(f"invalid type for {k}: expected a list")
            cur = result.get(field)
            if isinstance(cur, list):
                result[field] = [x for x in cur if x not in v]
        elif k.startswith(SET_ORDER):
            if not isinstance(v, list):
                raise bad_request(f"invalid type for {k}: expected a list")
            orders[k[len(SET_ORDER):]] = v
    for k, v in patch.items():
        if k in (PATCH, RETAIN_KEYS) or k.startswith(DELETE_FROM) or k.startswith(SET_ORDER):
            continue
        meta = _field_meta(schema, k)
        if v is None:
            result.pop(k, None)
            continue
        cur = result.get(k)
        if isinstance(v, dict):
            merged = _merge_map(cur if isinstance(cur, dict) else {}, v, _sub_schema(meta))
            if merged is None:
                result.pop(k, None)
            else:
                result[k] = merged
        elif isinstance(v, list) and isinstance(meta, ListMeta) and meta.merge:
            result[k] = _merge_list(cur if isinstance(cur, list) else [], v, meta)
        else:
            result[k] = _strip(v, _sub_schema(meta) if not isinstance(meta, ListMeta) else meta.elem)
    for field, order in orders.items():
        meta = _field_meta(schema, field)
        if isinstance(result.get(field), list) and isinstance(meta, ListMeta):
            result[field] = _set_order(result[field], order, original.get(field) or [], meta.key)
    if retain is not None:
        if not isinstance(retain, list):
            raise bad_request(f"invalid type for {RETAIN_KEYS}: expected a list")
        for k in list(result):
            if k not in retain:
                del result[k]
    return result


def _strip(value, schema):
    """A value taken whole from a patch, with its directives resolved against nothing."""
    if isinstance(value, dict):
        return _merge_map({}, {k: v for k, v in value.items() if k != PATCH}, schema) or {}
    if isinstance(value, list):
        return [_strip(x, schema) if isinstance(x, dict) else clone(x) for x in value
                if not (isinstance(x, dict) and x.get(PATCH) in ("replace", "delete") and len(x) == 1)]
    return value


def _merge_list(original: list, patch: list, meta: ListMeta) -> list:
    """mergeSlice: merge ``patch`` into ``original`` element by element."""
    if any(isinstance(x, dict) and x.get(PATCH) == "replace" for x in patch):
        return [_strip(x, meta.elem) for x in patch
                if not (isinstance(x, dict) and x.get(PATCH) == "replace")]
    if meta.key is None:          # a merged list of scalars (finalizers): a union, order kept
        out = list(original)
        for x in patch:
            if isinstance(x, dict) and x.get(PATCH) == "delete":
                continue
            if x not in out:
                out.append(clone(x))
        return out
    key = meta.key
    out = list(original)
    for item in patch:
        if not isinstance(item, dict):
            raise bad_request(f"unable to find api field in struct for the given list element: {item!r}")
        if key not in item:
            raise bad_request(f"map: {_go_map(item)} does not contain declared merge key: {key}")
        kv = item[key]
        at = next((i for i, x in enumerate(out) if isinstance(x, dict) and x.get(key) == kv), None)
        if item.get(PATCH) == "delete":
            out = [x for x in out if not (isinstance(x, dict) and x.get(key) == kv)]
            continue
        if at is None:
            merged = _merge_map({}, item, meta.elem)
            if merged is not None:
                out.append(merged)
        else:
            merged = _merge_map(out[at], item, meta.elem)
            if merged is None:
                del out[at]
            else:
                out[at] = merged
    return out


def _set_order(items: list, order: list, server: list, key: str | None) -> list:
    """normalizeElementOrder: patch-ordered items, server-only items where the server had them."""
    def ident(x):
        return x.get(key) if key is not None and isinstance(x, dict) else x

    wanted = [ident(o) if key is not None else o for o in order]
    server_ids = [ident(x) for x in server]
    in_patch = [x for x in items if ident(x) in wanted]
    in_patch.sort(key=lambda x: wanted.index(ident(x)))
    server_only = [x for x in items if ident(x) not in wanted]

    def sidx(x):
        i = ident(x)
        return server_ids.index(i) if i in server_ids else -1

    out, i, j = [], 0, 0
    while i < len(server_only) or j < len(in_patch):
        if j >= len(in_patch):
            out.append(server_only[i]); i += 1
        elif i >= len(server_only):
            out.append(in_patch[j]); j += 1
        else:
            li, ri = sidx(server_only[i]), sidx(in_patch[j])
            if li >= 0 and ri >= 0 and li < ri:
                out.append(server_only[i]); i += 1
            else:
                out.append(in_patch[j]); j += 1
    return out


def _go_map(m: dict) -> str:
    return "map[" + " ".join(f"{k}:{v}" for k, v in sorted(m.items())) + "]"


# --- computing a patch (client-side apply) ---------------------------------------------------

def three_way_patch(original: dict | None, modified: dict, current: dict, kind: str | None = None) -> dict:
    """CreateThreeWayMergePatch(original, modified, current, overwrite=true).

    ``original`` is the last applied configuration, ``modified`` the new manifest,
    ``current`` the live object. The patch sets what ``modified`` changes relative to
    ``current`` (no deletions), plus the deletions from ``original`` to ``modified``:
    fields and list elements you stop declaring are removed, fields only other actors
    set (status, a scaled ``replicas`` you never declared) are left alone.
    """
    schema = schema_for(kind)
    delta = _diff_maps(current or {}, modified, schema, ignore_deletions=True, ignore_changes=False)
    deletions = _diff_maps(original or {}, modified, schema, ignore_deletions=False, ignore_changes=True)
    return _merge_patches(deletions, delta, schema)


def _diff_maps(original: dict, modified: dict, schema, *, ignore_deletions: bool, ignore_changes: bool,
               retain_keys: bool = False) -> dict:
    patch: dict = {}
    for k, mv in modified.items():
        meta = _field_meta(schema, k)
        if k not in original:
            if not ignore_changes:
                patch[k] = clone(mv)
            continue
        ov = original[k]
        if isinstance(ov, dict) and isinstance(mv, dict):
            sub = _diff_maps(ov, mv, _sub_schema(meta), ignore_deletions=ignore_deletions,
                             ignore_changes=ignore_changes, retain_keys=isinstance(meta, MapMeta))
            if sub:
                patch[k] = sub
        elif isinstance(ov, list) and isinstance(mv, list) and isinstance(meta, ListMeta) and meta.merge:
            _diff_lists(k, ov, mv, meta, patch, ignore_deletions, ignore_changes)
        elif ov != mv and not ignore_changes:
            patch[k] = clone(mv)
    if not ignore_deletions:
        for k in original:
            if k not in modified:
                patch[k] = None
    if retain_keys:
        keep = sorted(k for k, v in modified.items() if v is not None)
        if keep and (patch or any(k not in modified for k in original)):
            patch[RETAIN_KEYS] = keep
    return patch


def _diff_lists(field: str, original: list, modified: list, meta: ListMeta, patch: dict,
                ignore_deletions: bool, ignore_changes: bool) -> None:
    key = meta.key
    if key is None or not all(isinstance(x, dict) for x in original + modified):
        adds = [] if ignore_changes else [clone(x) for x in modified if x not in original]
        dels = [] if ignore_deletions else [clone(x) for x in original if x not in modified]
        if adds:
            patch[field] = adds
        if dels:
            patch[DELETE_FROM + field] = dels
        if (not ignore_deletions and dels) or (not ignore_changes and original != modified):
            patch[SET_ORDER + field] = clone(modified)
        return
    by_key = {x.get(key): x for x in original}
    items = []
    for m in modified:
        o = by_key.get(m.get(key))
        if o is None:
            if not ignore_changes:
                items.append(clone(m))
            continue
        sub = _diff_maps(o, m, meta.elem, ignore_deletions=ignore_deletions, ignore_changes=ignore_changes,
                         retain_keys=meta.retain)
        if sub:
            sub[key] = m.get(key)
            items.append(sub)
    mod_keys = [m.get(key) for m in modified]
    order_same = [x.get(key) for x in original if x.get(key) in mod_keys] == \
        [k for k in mod_keys if k in by_key]
    dels = []
    if not ignore_deletions:
        dels = [{key: o.get(key), PATCH: "delete"} for o in original if o.get(key) not in mod_keys]
    if (not ignore_changes and (items or not order_same)) or (not ignore_deletions and (items or dels)):
        patch[SET_ORDER + field] = [{key: k} for k in mod_keys]
    if items or dels:
        patch[field] = items + dels


def _merge_patches(first: dict, second: dict, schema) -> dict:
    """Combine two patches (the deletions and the delta), ``second`` winning on conflicts."""
    out = dict(first)
    for k, v in second.items():
        meta = _field_meta(schema, k)
        cur = out.get(k)
        if isinstance(v, dict) and isinstance(cur, dict):
            out[k] = _merge_patches(cur, v, _sub_schema(meta))
        elif (isinstance(v, list) and isinstance(cur, list) and isinstance(meta, ListMeta)
              and meta.key is not None):
            merged = list(cur)
            for item in v:
                at = next((i for i, x in enumerate(merged)
                           if isinstance(x, dict) and x.get(meta.key) == item.get(meta.key)), None)
                if at is None:
                    merged.append(item)
                else:
                    merged[at] = _merge_patches(merged[at], item, meta.elem)
            out[k] = merged
        else:
            out[k] = v
    return out
