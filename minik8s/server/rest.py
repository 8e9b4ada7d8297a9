"""The REST API over HTTP: URLs and verbs of the Kubernetes API, mapped onto ``APIServer``.

A Kubernetes request names a resource by URL
(https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-uris)::

    /api/v1/namespaces/default/pods/web-1/log      core group, namespaced, one object, subresource
    /apis/apps/v1/deployments                      named group, all namespaces, a collection

and the HTTP method is the verb: GET (get, list, or watch with ``?watch=true``), POST (create),
PUT (update), PATCH (patch; the Content-Type says which kind), DELETE (delete, or
deletecollection on a collection). :class:`RequestHandler` parses the URL and hands the verb to
``cluster.apiserver`` while holding the server's lock: the engine stays single-threaded and
deterministic, the HTTP server only serialises calls into it. Long-running answers (watches,
``logs -f``, ``exec``) live in ``streams.py``.
"""

from __future__ import annotations

import json
import socket
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .. import errors
from ..api import schema
from ..api.patch import ApiUnsupported, apply_patch
from . import discovery, metrics, protobuf, streams, tables

PATCH_TYPES = {
    "application/json-patch+json": "json",
    "application/merge-patch+json": "merge",
    "application/strategic-merge-patch+json": "strategic",
}
ACCEPTED_PATCH = ("application/json-patch+json, application/merge-patch+json, "
                  "application/strategic-merge-patch+json")

# Subresources the engine has no model for, and what to do instead.
UNSUPPORTED_SUBRESOURCES = {
    "portforward": "pods have no real network to forward to; reach a port from inside the cluster with "
                   "kubectl exec POD -- wget -qO- http://localhost:PORT/",
    "proxy": "there is no real network to proxy to; use kubectl exec POD -- wget -qO- http://SERVICE/",
    "attach": "attach to a container's console is not modelled; use kubectl logs -f or kubectl exec",
    "ephemeralcontainers": "ephemeral containers (kubectl debug) are not modelled",
    "resize": "in-place pod resize is not modelled",
}


def not_found_path() -> errors.ApiError:
    return errors.ApiError(404, "NotFound", "the server could not find the requested resource")


def method_not_allowed() -> errors.ApiError:
    return errors.method_not_allowed("the server does not allow this method on the requested resource")


class Target:
    """What a resource URL names: resource, namespace, name and subresource (each may be None)."""

    def __init__(self, res, namespace, name, subresource):
        self.res, self.namespace, self.name, self.subresource = res, namespace, name, subresource


def parse_resource_path(parts: list[str]) -> Target | None:
    """``["api","v1","namespaces","default","pods","web"]`` -> Target; None if not a resource URL."""
    if parts[:1] == ["api"] and len(parts) >= 3:
        group, version, rest = "", parts[1], parts[2:]
    elif parts[:1] == ["apis"] and len(parts) >= 4:
        group, version, rest = parts[1], parts[2], parts[3:]
    else:
        return None
    plurals = {r.plural: r for r in discovery.resources_in(group, version)}
    if not plurals:
        return None
    namespace = None
    if rest[0] == "namespaces" and len(rest) >= 3 and rest[2] in plurals and plurals[rest[2]].namespaced:
        namespace, rest = rest[1], rest[2:]
    res = plurals.get(rest[0])
    if res is None or len(rest) > 3:
        return None
    name = rest[1] if len(rest) >= 2 else None
    sub = rest[2] if len(rest) == 3 else None
    if sub is not None and sub not in res.subresources:
        return None
    return Target(res, namespace, name, sub)


def first(query: dict, key: str, default=None):
    vals = query.get(key)
    return vals[0] if vals else default


def truthy(v) -> bool:
    return str(v).lower() in ("true", "1")


class RequestHandler(BaseHTTPRequestHandler):
    """One HTTP connection. ``self.server.kube`` is the :class:`~minik8s.server.KubeServer`."""

    protocol_version = "HTTP/1.1"
    server_version = "minik8s-apiserver"

    def setup(self):
        super().setup()
        # Headers and body go out in separate writes: without TCP_NODELAY, Nagle's algorithm and the
        # client's delayed ACK hold every response back ~40 ms.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, fmt, *args):       # quiet unless asked (-v)
        if getattr(self.server.kube, "verbose", False):
            super().log_message(fmt, *args)

    # --- responses ---------------------------------------------------------------------------
    def send_bytes(self, code: int, body: bytes, ctype: str = "application/json") -> None:
        self.send_response(code)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "no-cache, private")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def send_json(self, code: int, obj, ctype: str = "application/json") -> None:
        self.send_bytes(code, json.dumps(obj, separators=(",", ":")).encode(), ctype)

    def send_error_status(self, err: errors.ApiError) -> None:
        self.send_json(err.code, err.status)

    # --- dispatch ----------------------------------------------------------------------------
    def do_GET(self):
        self._handle("GET")

    def do_HEAD(self):
        self._handle("GET")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        url = urlsplit(self.path)
        query = parse_qs(url.query, keep_blank_values=True)
        parts = [p for p in url.path.split("/") if p]
        try:
            body = self._read_body()
            self.route(method, parts, query, body)
        except errors.ApiError as e:
            self.send_error_status(e)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:   # never a traceback to the client: a 500 Status, as the real server
            import traceback
            traceback.print_exc()
            self.send_error_status(errors.internal(f"{type(e).__name__}: {e}"))

    def _read_body(self) -> bytes:
        n = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(n) if n else b""

    def _decode(self, body: bytes) -> dict:
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip()
        if ctype in ("application/yaml",):
            import yaml
            try:
                obj = yaml.safe_load(body.decode() or "{}")
            except yaml.YAMLError as e:
                raise errors.bad_request(f"yaml: {e}") from None
        elif ctype in ("application/json", "*/*", "") or ctype in PATCH_TYPES:
            try:
                obj = json.loads(body.decode() or "null")
            except ValueError as e:
                raise errors.bad_request(f"couldn't get version/kind; json parse error: {e}") from None
        elif ctype == "application/vnd.kubernetes.protobuf":
            # kubectl's typed clients (create deployment|namespace|configmap|secret|service|job...) send protobuf
            obj = protobuf.decode(body)
        else:
            raise errors.ApiError(415, "UnsupportedMediaType",
                                  "the body of the request was in an unknown format - accepted media types "
                                  "include: application/json, application/yaml")
        return obj

    def route(self, method: str, parts: list[str], query: dict, body: bytes) -> None:
        kube = self.server.kube
        accept = self.headers.get("Accept") or ""
        if parts in (["version"],) and method == "GET":
            return self.send_json(200, discovery.VERSION)
        if parts and parts[0] in ("healthz", "livez", "readyz") and method == "GET":
            return self.send_bytes(200, b"ok", "text/plain; charset=utf-8")
        if parts == ["api"] and method == "GET":
            if discovery.wants_aggregated(accept):
                return self.send_json(200, discovery.aggregated(core=True), discovery.AGGREGATED_V2)
            return self.send_json(200, discovery.api_versions(kube.address))
        if parts == ["apis"] and method == "GET":
            if discovery.wants_aggregated(accept):
                return self.send_json(200, discovery.aggregated(core=False), discovery.AGGREGATED_V2)
            return self.send_json(200, discovery.api_group_list())
        if parts[:2] == ["openapi", "v3"] and method == "GET":
            if len(parts) == 2:
                return self.send_json(200, kube.openapi.index())
            doc = kube.openapi.document("/".join(parts[2:]))
            if doc is None:
                raise not_found_path()
            return self.send_bytes(200, doc)
        if parts[:3] == ["apis", metrics.GROUP, metrics.VERSION] and method == "GET":
            out = metrics.route(kube, parts, query)
            if out is None:
                raise not_found_path()
            return self.send_json(200, out)
        if parts == ["apis", metrics.GROUP] and method == "GET":
            return self.send_json(200, {"kind": "APIGroup", "apiVersion": "v1", **metrics.api_group()})
        gvs = discovery.group_versions()
        if parts[:1] == ["api"] and len(parts) == 2 and parts[1] in gvs.get("", []) and method == "GET":
            return self.send_json(200, discovery.api_resource_list("", parts[1]))
        if parts[:1] == ["apis"] and len(parts) == 2 and parts[1] in gvs and method == "GET":
            return self.send_json(200, discovery.api_group(parts[1]))
        if (parts[:1] == ["apis"] and len(parts) == 3 and parts[2] in gvs.get(parts[1], [])
                and method == "GET"):
            return self.send_json(200, discovery.api_resource_list(parts[1], parts[2]))
        target = parse_resource_path(parts)
        if target is None:
            raise not_found_path()
        return self.resource(method, target, query, body, accept)

    # --- resources ---------------------------------------------------------------------------
    def resource(self, method: str, t: Target, query: dict, body: bytes, accept: str) -> None:
        kube = self.server.kube
        api = kube.cluster.apiserver
        res = t.res
        ns = t.namespace if res.namespaced else None
        dry_run = first(query, "dryRun") == "All"
        if t.subresource == "log":
            if method != "GET":
                raise method_not_allowed()
            return streams.pod_log(self, t, query)
        if t.subresource == "exec":
            if method not in ("GET", "POST"):
                raise method_not_allowed()
            return streams.pod_exec(self, t, query)
        if t.subresource in UNSUPPORTED_SUBRESOURCES:
            raise errors.bad_request(f"{res.plural}/{t.subresource} is not supported by minik8s: "
                                     + UNSUPPORTED_SUBRESOURCES[t.subresource])
        if t.name is None:                                    # a collection
            if method == "GET":
                if truthy(first(query, "watch", "false")):
                    return streams.watch(self, t, query, accept)
                return self.list(t, query, accept)
            if method == "POST":
                obj = self._decode(body)
                if first(query, "fieldValidation") == "Strict":
                    schema.check(obj, strict=True)
                out = kube.call(api.create, res, obj, ns, dry_run=dry_run)
                return self.send_object(201, out, accept)
            if method == "DELETE":
                return self.delete_collection(t, query, body)
            raise method_not_allowed()
        if method == "GET":
            if t.subresource not in (None, "status", "scale"):
                raise method_not_allowed()
            out = kube.call(api.get, res, t.name, ns, subresource=t.subresource)
            return self.send_object(200, out, accept, first(query, "includeObject"))
        if method == "POST" and t.subresource in ("binding", "eviction"):
            obj = self._decode(body)
            obj.setdefault("metadata", {}).setdefault("name", t.name)
            out = kube.call(api.create, res, obj, ns, subresource=t.subresource)
            return self.send_json(201, out)
        if method == "PUT":
            obj = self._decode(body)
            if not isinstance(obj, dict):
                raise errors.bad_request("the body of the request was in an unknown format")
            name = (obj.get("metadata") or {}).get("name")
            if name and name != t.name:
                raise errors.bad_request("the name of the object does not match the name on the URL")
            obj.setdefault("metadata", {})["name"] = t.name
            if first(query, "fieldValidation") == "Strict" and t.subresource is None:
                schema.check(obj, strict=True)
            out = kube.call(api.update, res, obj, ns, subresource=t.subresource, dry_run=dry_run)
            return self.send_object(200, out, accept)
        if method == "PATCH":
            return self.patch(t, query, body, accept)
        if method == "DELETE":
            return self.delete(t, query, body)
        raise method_not_allowed()

    def send_object(self, code: int, obj: dict, accept: str, include_object: str | None = None) -> None:
        if tables.wants_table(accept) and obj.get("kind") not in ("Status", "Scale"):
            kube = self.server.kube
            table = tables.to_table(obj["kind"], [obj], kube.cluster.clock.now,
                                    tables.include_object_mode(include_object),
                                    {"resourceVersion": obj["metadata"].get("resourceVersion", "")})
            return self.send_json(code, table)
        return self.send_json(code, obj)

    def list(self, t: Target, query: dict, accept: str) -> None:
        kube = self.server.kube
        limit = first(query, "limit")
        try:
            limit = int(limit) if limit else None
        except ValueError:
            raise errors.bad_request(f'strconv.ParseInt: parsing "{limit}": invalid syntax') from None
        lst = kube.call(kube.cluster.apiserver.list, t.res, t.namespace,
                        label_selector=first(query, "labelSelector"),
                        field_selector=first(query, "fieldSelector"), limit=limit,
                        continue_=first(query, "continue") or None)
        if tables.wants_table(accept):
            mode = tables.include_object_mode(first(query, "includeObject"))
            table = tables.to_table(t.res.kind, lst["items"], kube.cluster.clock.now, mode, lst["metadata"])
            return self.send_json(200, table)
        return self.send_json(200, lst)

    def patch(self, t: Target, query: dict, body: bytes, accept: str) -> None:
        kube = self.server.kube
        api = kube.cluster.apiserver
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip()
        if ctype == "application/apply-patch+yaml":
            raise errors.ApiError(
                415, "UnsupportedMediaType",
                "server-side apply (application/apply-patch+yaml) is not supported by minik8s: "
                "use client-side apply (kubectl apply without --server-side)")
        patch_type = PATCH_TYPES.get(ctype)
        if patch_type is None:
            raise errors.ApiError(415, "UnsupportedMediaType",
                                  f"the body of the request was in an unknown format - accepted media types "
                                  f"include: {ACCEPTED_PATCH}")
        patch = self._decode(body)
        ns = t.namespace if t.res.namespaced else None
        dry_run = first(query, "dryRun") == "All"

        def do():
            if first(query, "fieldValidation") == "Strict" and t.subresource is None:
                current = api.get(t.res, t.name, ns)
                try:
                    schema.check(apply_patch(current, patch, patch_type, t.res.kind), strict=True)
                except ApiUnsupported:
                    pass
            return api.patch(t.res, t.name, patch, ns, patch_type=patch_type,
                             subresource=t.subresource, dry_run=dry_run)
        return self.send_object(200, kube.call(do), accept)

    def _delete_options(self, query: dict, body: bytes) -> dict:
        opts = {}
        if body.strip():
            opts = self._decode(body) or {}
        if first(query, "propagationPolicy"):
            opts["propagationPolicy"] = first(query, "propagationPolicy")
        if first(query, "gracePeriodSeconds") is not None:
            opts["gracePeriodSeconds"] = int(first(query, "gracePeriodSeconds"))
        if first(query, "dryRun") == "All":
            opts["dryRun"] = ["All"]
        return opts

    def delete(self, t: Target, query: dict, body: bytes) -> None:
        kube = self.server.kube
        api = kube.cluster.apiserver
        opts = self._delete_options(query, body)
        ns = t.namespace if t.res.namespaced else None
        out = kube.call(api.delete, t.res, t.name, ns, grace_period_seconds=opts.get("gracePeriodSeconds"),
                        propagation_policy=opts.get("propagationPolicy"),
                        dry_run="All" in (opts.get("dryRun") or []),
                        preconditions=opts.get("preconditions"))
        md = out.get("metadata", {})
        if md.get("deletionTimestamp") and (md.get("finalizers") or md.get("deletionGracePeriodSeconds")):
            return self.send_json(200, out)    # deletion pending (grace period, finalizers): the object
        return self.send_json(200, {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success",
                                    "details": {"name": md.get("name", t.name), "group": t.res.group,
                                                "kind": t.res.plural, "uid": md.get("uid", "")}})

    def delete_collection(self, t: Target, query: dict, body: bytes) -> None:
        kube = self.server.kube
        api = kube.cluster.apiserver
        if "deletecollection" not in t.res.verbs:
            raise method_not_allowed()
        opts = self._delete_options(query, body)

        def do():
            lst = api.list(t.res, t.namespace, label_selector=first(query, "labelSelector"),
                           field_selector=first(query, "fieldSelector"))
            for obj in lst["items"]:
                md = obj["metadata"]
                api.delete(t.res, md["name"], md.get("namespace"),
                           grace_period_seconds=opts.get("gracePeriodSeconds"),
                           propagation_policy=opts.get("propagationPolicy"),
                           dry_run="All" in (opts.get("dryRun") or []))
            return lst
        return self.send_json(200, kube.call(do))
