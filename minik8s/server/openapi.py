"""OpenAPI v3 documents (``/openapi/v3``): the schemas kubectl reads for apply and explain.

The API server publishes one OpenAPI v3 document per group-version
(https://kubernetes.io/docs/concepts/overview/kubernetes-api/#openapi-v3): ``/openapi/v3`` lists
them, ``/openapi/v3/api/v1`` and ``/openapi/v3/apis/apps/v1`` hold the paths (operations) and
``components.schemas`` (object definitions). kubectl uses them to

* decide whether the server validates fields: if a PATCH operation lists the ``fieldValidation``
  query parameter, ``kubectl apply/create`` send ``fieldValidation=Strict`` and skip validating
  on the client;
* build a strategic merge patch from ``x-kubernetes-patch-merge-key`` / ``-patch-strategy`` when the
  PATCH operation accepts ``application/strategic-merge-patch+json``;
* print ``kubectl explain``.

The schemas are Kubernetes' own v1.33 definitions, shipped (as JSON Schema) in the
``kubernetes-validate`` package: :func:`to_openapi` turns each into its OpenAPI v3 form
(``$ref`` to ``#/components/schemas``, ``nullable`` type lists collapsed, ``allOf`` around a
``$ref`` that carries a description, as upstream writes them).
"""

from __future__ import annotations

import hashlib
import json
import os

from ..api import resources as R
from ..api.schema import SCHEMA_VERSION, schema_dir
from .discovery import group_versions, resources_in

META = "io.k8s.apimachinery.pkg.apis.meta.v1."


class OpenAPI:
    """The documents, built once per server from the shipped definitions."""

    def __init__(self):
        self._defs = None
        self._docs: dict[str, bytes] = {}

    def defs(self) -> dict:
        if self._defs is None:
            base = schema_dir()
            names = sorted(d for d in os.listdir(base) if d.endswith("-local"))
            name = f"v{SCHEMA_VERSION}-local"
            if name not in names:
                name = names[-1]
            with open(os.path.join(base, name, "_definitions.json"), encoding="utf-8") as f:
                self._defs = json.load(f)["$defs"]
        return self._defs

    @staticmethod
    def gv_path(group: str, version: str) -> str:
        return f"api/{version}" if not group else f"apis/{group}/{version}"

    def document(self, gv_path: str) -> bytes | None:
        """The JSON bytes of one group-version document (``api/v1``), or None if not served."""
        if gv_path not in self._docs:
            for group, versions in group_versions().items():
                for v in versions:
                    if self.gv_path(group, v) == gv_path:
                        self._docs[gv_path] = json.dumps(self.build(group, v), sort_keys=True).encode()
            if gv_path not in self._docs:
                return None
        return self._docs[gv_path]

    def index(self) -> dict:
        """GET /openapi/v3: every group-version document, with a hash to cache it by."""
        paths = {}
        for group, versions in sorted(group_versions().items()):
            for v in versions:
                p = self.gv_path(group, v)
                h = hashlib.sha512(self.document(p)).hexdigest()[:128].upper()
                paths[p] = {"serverRelativeURL": f"/openapi/v3/{p}?hash={h}"}
        return {"paths": paths}

    # --- building ----------------------------------------------------------------------------
    def build(self, group: str, version: str) -> dict:
        defs = self.defs()
        by_gvk = {}
        for name, d in defs.items():
            for gvk in d.get("x-kubernetes-group-version-kind") or []:
                by_gvk.setdefault((gvk["group"], gvk["version"], gvk["kind"]), name)
        paths: dict[str, dict] = {}
        wanted = [META + "Status", META + "DeleteOptions", META + "Patch", META + "APIResourceList"]
        for res in resources_in(group, version):
            name = by_gvk.get((group, version, res.kind))
            list_name = by_gvk.get((group, version, res.kind + "List"))
            if name is None:
                continue
            wanted += [name] + ([list_name] if list_name else [])
            scale = by_gvk.get(("autoscaling", "v1", "Scale")) if "scale" in res.subresources else None
            if scale:
                wanted.append(scale)
            paths.update(resource_paths(res, name, list_name, scale))
        schemas = {}
        todo = list(wanted)
        while todo:
            n = todo.pop()
            if n in schemas or n not in defs:
                continue
            schemas[n] = to_openapi(defs[n])
            for prop in ("apiVersion", "kind"):     # kubernetes-validate pins these with an enum;
                (schemas[n].get("properties") or {}).get(prop, {}).pop("enum", None)   # upstream does not
            todo.extend(_refs(defs[n]))
        return {"openapi": "3.0.0",
                "info": {"title": "Kubernetes", "version": "v1.33.0"},
                "paths": paths, "components": {"schemas": schemas}}


def _refs(schema) -> list[str]:
    out = []
    if isinstance(schema, dict):
        for k, v in schema.items():
            if k == "$ref" and isinstance(v, str):
                out.append(v.rsplit("/", 1)[-1])
            else:
                out.extend(_refs(v))
    elif isinstance(schema, list):
        for v in schema:
            out.extend(_refs(v))
    return out


def to_openapi(schema):
    """One JSON Schema definition (kubernetes-validate's form) in OpenAPI v3 form."""
    if isinstance(schema, list):
        return [to_openapi(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    out = {}
    for k, v in schema.items():
        if k == "$ref":
            continue
        if k == "type" and isinstance(v, list):
            types = [t for t in v if t != "null"]
            if types:
                out["type"] = types[0]
            continue
        if k in ("properties",):
            out[k] = {p: to_openapi(s) for p, s in v.items()}
        elif k in ("items", "additionalProperties", "oneOf", "anyOf", "allOf"):
            out[k] = to_openapi(v)
        else:
            out[k] = v
    if "$ref" in schema:
        ref = "#/components/schemas/" + schema["$ref"].rsplit("/", 1)[-1]
        if out:
            out["allOf"] = [{"$ref": ref}]
        else:
            out["$ref"] = ref
    return out


def _param(name: str, where: str = "query", typ: str = "string", required: bool = False) -> dict:
    p = {"name": name, "in": where, "schema": {"type": typ, "uniqueItems": True}}
    if required:
        p["required"] = True
    return p


def _ref(name: str) -> dict:
    return {"$ref": f"#/components/schemas/{name}"}


def _json_response(name: str) -> dict:
    return {"content": {"application/json": {"schema": _ref(name)}}}


def resource_paths(res: R.Resource, name: str, list_name: str | None, scale: str | None) -> dict:
    """The operations of one resource, as upstream names them (``readCoreV1NamespacedPod``...)."""
    prefix = f"/api/{res.version}" if not res.group else f"/apis/{res.group}/{res.version}"
    scope = f"{prefix}/namespaces/{{namespace}}/{res.plural}" if res.namespaced else f"{prefix}/{res.plural}"
    gvk = {"group": res.group, "version": res.version, "kind": res.kind}
    group_id = "".join(p.capitalize() for p in (res.group or "core").split(".")[:1]) + res.version.capitalize()
    ns_word = "Namespaced" if res.namespaced else ""
    common = [_param("pretty")] + ([_param("namespace", "path", required=True)] if res.namespaced else [])
    write = [_param("dryRun"), _param("fieldManager"), _param("fieldValidation")]
    patch_body = {"content": {t: {"schema": _ref(META + "Patch")} for t in (
        "application/json-patch+json", "application/merge-patch+json",
        "application/strategic-merge-patch+json")}, "required": True}
    body = {"content": {"*/*": {"schema": _ref(name)}}, "required": True}

    def op(action: str, op_id: str, params=(), response: str | None = name, **extra) -> dict:
        o = {"operationId": f"{op_id}{group_id}{ns_word}{res.kind}", "tags": [group_id],
             "parameters": list(params), "x-kubernetes-action": action,
             "x-kubernetes-group-version-kind": gvk,
             "responses": {"200": {"description": "OK", **(_json_response(response) if response else {})},
                           "401": {"description": "Unauthorized"}}}
        o.update(extra)
        return o

    paths = {
        scope: {
            "parameters": common,
            "get": op("list", "list", [_param(p) for p in (
                "allowWatchBookmarks", "continue", "fieldSelector", "labelSelector", "limit",
                "resourceVersion", "timeoutSeconds", "watch")], list_name),
            "post": op("post", "create", write, requestBody=body),
            "delete": op("deletecollection", "deleteCollection", [_param("labelSelector"),
                                                                   _param("propagationPolicy")],
                         META + "Status"),
        },
        f"{scope}/{{name}}": {
            "parameters": common + [_param("name", "path", required=True)],
            "get": op("get", "read"),
            "put": op("put", "replace", write, requestBody=body),
            "patch": op("patch", "patch", write + [_param("force", typ="boolean")], requestBody=patch_body),
            "delete": op("delete", "delete", [_param("dryRun"), _param("gracePeriodSeconds", typ="integer"),
                                              _param("propagationPolicy")], name),
        },
    }
    if "status" in res.subresources:
        paths[f"{scope}/{{name}}/status"] = {
            "parameters": common + [_param("name", "path", required=True)],
            "get": op("get", "read", response=name),
            "put": op("put", "replace", write, requestBody=body),
            "patch": op("patch", "patch", write, requestBody=patch_body),
        }
        for o in ("get", "put", "patch"):
            paths[f"{scope}/{{name}}/status"][o]["operationId"] += "Status"
    if scale:
        sgvk = {"group": "autoscaling", "version": "v1", "kind": "Scale"}
        sc = {"parameters": common + [_param("name", "path", required=True)],
              "get": op("get", "read", response=scale),
              "put": op("put", "replace", write, response=scale,
                        requestBody={"content": {"*/*": {"schema": _ref(scale)}}, "required": True}),
              "patch": op("patch", "patch", write, response=scale, requestBody=patch_body)}
        for o in ("get", "put", "patch"):
            sc[o]["operationId"] += "Scale"
            sc[o]["x-kubernetes-group-version-kind"] = sgvk
        paths[f"{scope}/{{name}}/scale"] = sc
    return paths
