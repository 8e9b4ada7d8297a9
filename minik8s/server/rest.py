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
import logging
import re
import socket
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, urlsplit

from .. import errors
from ..api import schema
from ..api.patch import ApiUnsupported, apply_patch
from . import bodies, discovery, metrics, params, protobuf, streams, tables
from .params import first

log = logging.getLogger("minik8s.server")

METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE")
BODY_READ_TIMEOUT = 30.0     # wall seconds a client may take to send the body it announced
# A grace period is a Go time.Duration upstream (int64 nanoseconds): at most this many seconds.
MAX_GRACE_SECONDS = (2 ** 63 - 1) // 10 ** 9
# What a response can be: minik8s answers JSON (which a YAML reader reads too) and plain text (logs).
ACCEPTABLE = {"*/*", "application/*", "application/json", "application/yaml",
              "application/vnd.kubernetes.protobuf", "application/json-patch+json",
              "application/merge-patch+json", "application/strategic-merge-patch+json",
              "text/*", "text/plain"}
_CONTENT_LENGTH = re.compile(r"[0-9]+\Z")

# The reason of a Status for the codes http.server itself answers (a malformed request line, a
# header too long, an unsupported protocol version).
HTTP_REASONS = {400: "BadRequest", 404: "NotFound", 405: "MethodNotAllowed", 406: "NotAcceptable",
                408: "Timeout", 409: "Conflict", 413: "RequestEntityTooLarge", 414: "BadRequest",
                415: "UnsupportedMediaType", 422: "Invalid", 431: "BadRequest"}

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


# The kind (and apiVersion) of a subresource's body.
SUBRESOURCE_KINDS = {"binding": ("Binding", "v1"), "eviction": ("Eviction", "policy/v1"),
                     "scale": ("Scale", "autoscaling/v1")}


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


def acceptable(accept: str | None) -> bool:
    """Can a response satisfy the Accept header? (no header: anything goes)"""
    if not accept or not accept.strip():
        return True
    for part in accept.split(","):
        media = part.split(";")[0].strip().lower()
        if media in ACCEPTABLE or not media:
            return True
    return False


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
    def send_response(self, code, message=None):
        self.responded = True
        super().send_response(code, message)

    def send_error(self, code, message=None, explain=None):
        """http.server's own errors (malformed request line, header too long, unknown protocol
        version) as a Status too, never its HTML page; never a 5xx for what a client sent."""
        if code >= 500:
            code, message = 400, message or "unsupported protocol version"
        self.close_connection = True
        if self.request_version == "HTTP/0.9":   # http.server would write the body alone: Go speaks
            self.request_version = "HTTP/1.1"     # no HTTP/0.9, and answers with a status line
        err = errors.ApiError(code, HTTP_REASONS.get(code, "BadRequest"), message or "bad request")
        try:
            self.send_json(code, err.status)
        except OSError:
            pass

    def __getattr__(self, name: str):
        # http.server dispatches method FOO to do_FOO: every method it has no do_ for is a 405.
        if name.startswith("do_"):
            return lambda: self._handle(name[3:])
        raise AttributeError(name)

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
        self._handle("HEAD")

    def do_POST(self):
        self._handle("POST")

    def do_PUT(self):
        self._handle("PUT")

    def do_PATCH(self):
        self._handle("PATCH")

    def do_DELETE(self):
        self._handle("DELETE")

    def _handle(self, method: str) -> None:
        self.responded = False
        try:
            if self.request_version == "HTTP/0.9":     # "GET /path" with no version: not HTTP/1.x
                self.request_version = "HTTP/1.1"
                self.close_connection = True
                raise errors.bad_request("malformed HTTP request: no protocol version")
            url = urlsplit(self.path)
            query = parse_qs(url.query, keep_blank_values=True)
            parts = [p for p in url.path.split("/") if p]
            body = self._read_body()
            if method not in METHODS:
                raise method_not_allowed()
            if method == "HEAD":
                method = "GET"
            if parts[:1] in (["api"], ["apis"]) and not acceptable(self.headers.get("Accept")):
                raise errors.not_acceptable("only the following media types are accepted: application/json, "
                                            "application/yaml, application/vnd.kubernetes.protobuf")
            self.route(method, parts, query, body)
        except errors.ApiError as e:
            if self.responded:              # a stream had begun: too late for a Status
                self.close_connection = True
                return
            self.send_error_status(e)
        except (BrokenPipeError, ConnectionResetError, TimeoutError):
            self.close_connection = True
        except Exception as e:
            # The server's own fault: logged with its traceback and counted (KubeServer.faults), and
            # a 500 Status to the client, as the real API server's panic handler does; the server
            # goes on serving.
            kube = self.server.kube
            kube.faults += 1
            log.exception("internal error serving %s %s", self.command, self.path)
            if self.responded:
                self.close_connection = True
                return
            self.send_error_status(errors.internal(f"{type(e).__name__}: {e}"))

    def _read_body(self) -> bytes:
        """The request body, at most :data:`bodies.MAX_BODY` bytes, framed by Content-Length or
        chunked transfer encoding as net/http frames it (a malformed frame is a 400)."""
        te = (self.headers.get("Transfer-Encoding") or "").strip().lower()
        lengths = self.headers.get_all("Content-Length") or []
        if te and te != "identity":
            if te != "chunked":
                self.close_connection = True
                raise errors.bad_request(f"unsupported transfer encoding: {params.go_quote(te)}")
            return self._read_chunked()
        if not lengths:
            return b""
        text = lengths[0].strip()
        if any(v.strip() != text for v in lengths) or not _CONTENT_LENGTH.match(text):
            self.close_connection = True       # the body's end is unknown: the connection cannot go on
            raise errors.bad_request(f"bad Content-Length {params.go_quote(lengths[0])}")
        n = int(text)
        if n > bodies.MAX_BODY:
            self.close_connection = True
            raise errors.request_entity_too_large(f"limit is {bodies.MAX_BODY}")
        return self._read_exactly(n) if n else b""

    def _read_exactly(self, n: int) -> bytes:
        self.connection.settimeout(BODY_READ_TIMEOUT)
        try:
            data = self.rfile.read(n)
        finally:
            self.connection.settimeout(None)
        if len(data) < n:
            self.close_connection = True
            raise errors.bad_request("unexpected EOF")
        return data

    def _read_chunked(self) -> bytes:
        out = bytearray()
        self.connection.settimeout(BODY_READ_TIMEOUT)
        try:
            while True:
                line = self.rfile.readline(1024)
                size = line.split(b";")[0].strip()
                if not re.fullmatch(rb"[0-9a-fA-F]{1,16}", size):
                    self.close_connection = True
                    raise errors.bad_request("malformed chunked encoding")
                n = int(size, 16)
                if n == 0:
                    while self.rfile.readline(1024) not in (b"\r\n", b"\n", b""):
                        pass                          # trailers
                    return bytes(out)
                if len(out) + n > bodies.MAX_BODY:
                    self.close_connection = True
                    raise errors.request_entity_too_large(f"limit is {bodies.MAX_BODY}")
                chunk = self.rfile.read(n)
                if len(chunk) < n or self.rfile.readline(1024) not in (b"\r\n", b"\n"):
                    self.close_connection = True
                    raise errors.bad_request("unexpected EOF")
                out += chunk
        finally:
            self.connection.settimeout(None)

    def _decode(self, body: bytes):
        """The body in JSON's types (see ``bodies``), by its Content-Type; 4xx for anything else."""
        ctype = (self.headers.get("Content-Type") or "application/json").split(";")[0].strip().lower()
        if ctype == "application/yaml":
            return bodies.decode_yaml(body)
        if ctype in ("application/json", "*/*", "") or ctype in PATCH_TYPES:
            return bodies.decode_json(body)
        if ctype == "application/vnd.kubernetes.protobuf":
            # kubectl's typed clients (create deployment|namespace|configmap|secret|service|job...) send protobuf
            try:
                obj = protobuf.decode(body)
            except errors.ApiError:
                raise
            except Exception as e:              # bytes that are no protobuf message at all
                raise errors.bad_request(f"the body of the request was in an unknown format: protobuf: "
                                         f"{type(e).__name__}: {e}") from None
            bodies.check_depth(obj, "protobuf")
            return obj
        raise errors.unsupported_media_type(
            "the body of the request was in an unknown format - accepted media types "
            "include: application/json, application/yaml, application/vnd.kubernetes.protobuf")

    def _decode_object(self, body: bytes, default_kind: str, default_version: str, strict: bool = False,
                       subresource: bool = False) -> dict:
        """A body that must be one Kubernetes object of ``res``'s kind: an object whose
        apiVersion, kind and metadata have their types, and whose fields decode (strictly, with
        ``fieldValidation=Strict``), as the API server's typed decoding demands (400 otherwise)."""
        ctype = (self.headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if ctype in PATCH_TYPES or ctype == "application/apply-patch+yaml":
            raise errors.unsupported_media_type(
                "the body of the request was in an unknown format - accepted media types "
                "include: application/json, application/yaml, application/vnd.kubernetes.protobuf")
        obj = self._decode(body)
        if not isinstance(obj, dict):
            raise bodies.not_an_object(obj)
        if obj.get("metadata") is None:
            obj.pop("metadata", None)
        self._check_type_meta(obj)
        # The data's group/version and kind must be the endpoint's (update.go, create.go).
        if (obj.get("apiVersion") and obj["apiVersion"] != default_version and not subresource) or \
                (obj.get("kind") and obj["kind"] != default_kind):
            raise errors.bad_request(f"the API version in the data ({obj.get('apiVersion', '')}) does not match "
                                     f"the expected API version ({default_version})")
        self._check_object(obj, default_kind, default_version, strict)
        return obj

    @staticmethod
    def _check_type_meta(obj: dict) -> None:
        """apiVersion and kind, when present, are strings (what findKind reads first)."""
        for key in ("apiVersion", "kind"):
            if obj.get(key) is not None and not isinstance(obj[key], str):
                raise errors.bad_request(
                    f"couldn't get version/kind; json parse error: json: cannot unmarshal "
                    f"{bodies.json_kind(obj[key])} into Go struct field .{key} of type string")

    @staticmethod
    def _check_object(obj: dict, default_kind: str, default_version: str, strict: bool) -> None:
        """Does ``obj`` decode as its kind (with ``fieldValidation=Strict``, strictly)? 400 if not."""
        RequestHandler._check_type_meta(obj)
        kind = obj.get("kind") if isinstance(obj.get("kind"), str) and obj.get("kind") else default_kind
        version = obj.get("apiVersion") if isinstance(obj.get("apiVersion"), str) and obj.get("apiVersion") \
            else default_version
        probe = dict(obj, apiVersion=version, kind=kind)
        schema.check(probe, strict=strict)
        problem = bodies.integer_range_error(probe)
        if problem:
            raise errors.bad_request(f'{kind} in version "{version.rsplit("/", 1)[-1]}" cannot be handled as a '
                                     f"{kind}: {problem}")
        if not isinstance(obj.get("metadata") or {}, dict):
            raise errors.bad_request(
                f'{kind} in version "{version.rsplit("/", 1)[-1]}" cannot be handled as a {kind}: json: cannot '
                f"unmarshal {bodies.json_kind(obj['metadata'])} into Go struct field {kind}.metadata of type "
                f"v1.ObjectMeta")

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
                if params.boolean(query, "watch"):
                    return streams.watch(self, t, query, accept)
                return self.list(t, query, accept)
            if method == "POST":
                dry_run = params.dry_run(query, "CreateOptions")
                strict = params.field_validation(query, "CreateOptions") == "Strict"
                obj = self._decode_object(body, res.kind, res.api_version, strict)
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
            params.dry_run(query, "CreateOptions")
            obj = self._decode_object(body, *SUBRESOURCE_KINDS[t.subresource], subresource=True)
            obj.setdefault("metadata", {}).setdefault("name", t.name)
            out = kube.call(api.create, res, obj, ns, subresource=t.subresource)
            return self.send_json(201, out)
        if method == "PUT":
            if t.subresource not in (None, "status", "scale"):
                raise method_not_allowed()
            dry_run = params.dry_run(query, "UpdateOptions")
            strict = params.field_validation(query, "UpdateOptions") == "Strict" and t.subresource is None
            kind, version = SUBRESOURCE_KINDS["scale"] if t.subresource == "scale" else (res.kind, res.api_version)
            obj = self._decode_object(body, kind, version, strict, subresource=t.subresource == "scale")
            name = (obj.get("metadata") or {}).get("name")
            if name and name != t.name:
                raise errors.bad_request("the name of the object does not match the name on the URL")
            obj.setdefault("metadata", {})["name"] = t.name
            out = kube.call(api.update, res, obj, ns, subresource=t.subresource, dry_run=dry_run)
            return self.send_object(200, out, accept)
        if method == "PATCH":
            if t.subresource not in (None, "status", "scale"):
                raise method_not_allowed()
            return self.patch(t, query, body, accept)
        if method == "DELETE" and t.subresource is None:
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
        limit = params.int64(query, "limit")
        if limit is not None and limit <= 0:          # upstream pages only when limit > 0
            limit = None
        params.int64(query, "timeoutSeconds")
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
        dry_run = params.dry_run(query, "PatchOptions")
        strict = params.field_validation(query, "PatchOptions") == "Strict"
        patch = self._decode(body)
        if patch_type == "json":
            if not isinstance(patch, list):
                raise errors.bad_request(f"json: cannot unmarshal {bodies.json_kind(patch)} into Go value of "
                                         f"type jsonpatch.Patch")
            for op in patch:
                if not isinstance(op, dict):
                    raise errors.bad_request(f"json: cannot unmarshal {bodies.json_kind(op)} into Go value "
                                             f"of type jsonpatch.Operation")
        elif not isinstance(patch, dict):
            raise errors.bad_request(f"json: cannot unmarshal {bodies.json_kind(patch)} into Go value of "
                                     f"type map[string]interface {{}}")
        ns = t.namespace if t.res.namespaced else None

        def do():
            # The patched object must decode as the typed object would (upstream decodes the result
            # into its Go struct): wrong types are a 400 before the engine touches the result.
            if t.subresource in (None, "status"):
                current = api.get(t.res, t.name, ns)
                try:
                    result = apply_patch(current, patch, patch_type, t.res.kind)
                except ApiUnsupported:
                    result = None
                if isinstance(result, dict):
                    self._check_type_meta(result)
                    version, kind = result.get("apiVersion"), result.get("kind")
                    if (version and version != t.res.api_version) or (kind and kind != t.res.kind):
                        raise errors.bad_request(f"the API version in the data ({version or ''}) does not match "
                                                 f"the expected API version ({t.res.api_version})")
                    self._check_object(result, t.res.kind, t.res.api_version,
                                       strict and t.subresource is None)
            return api.patch(t.res, t.name, patch, ns, patch_type=patch_type,
                             subresource=t.subresource, dry_run=dry_run)
        return self.send_object(200, kube.call(do), accept)

    def _delete_options(self, query: dict, body: bytes) -> dict:
        """DeleteOptions from the body (a JSON/YAML DeleteOptions, typed as upstream decodes it) and
        the query (which wins, as upstream decodes the query over the body)."""
        opts = {}
        if body.strip():
            opts = self._decode(body)
            if opts is None:
                opts = {}
            if not isinstance(opts, dict):
                raise bodies.not_an_object(opts)
            probe = dict(opts, apiVersion=opts.get("apiVersion") or "v1", kind=opts.get("kind") or "DeleteOptions")
            if probe["kind"] != "DeleteOptions" or not isinstance(probe["apiVersion"], str):
                raise errors.bad_request("decoded object cannot be converted to DeleteOptions")
            if schema.definition_for(probe["apiVersion"], "DeleteOptions") is None:
                probe["apiVersion"] = "v1"
            schema.check(probe, strict=False)
            grace = opts.get("gracePeriodSeconds")
            if grace is not None and not (params.INT64_MIN <= grace <= params.INT64_MAX):
                raise errors.bad_request(f'DeleteOptions in version "v1" cannot be handled as a DeleteOptions: '
                                         f"json: cannot unmarshal number {grace} into Go struct field "
                                         f"DeleteOptions.gracePeriodSeconds of type int64")
            if isinstance(grace, float):
                opts["gracePeriodSeconds"] = int(grace)
            dry = opts.get("dryRun") or []
            if any(v != "All" for v in dry):
                params.dry_run({"dryRun": [str(v) for v in dry]}, "DeleteOptions")
        if query.get("propagationPolicy"):
            opts["propagationPolicy"] = first(query, "propagationPolicy")
        params.propagation_policy(opts.get("propagationPolicy"))
        grace = params.int64(query, "gracePeriodSeconds")
        if grace is not None:
            opts["gracePeriodSeconds"] = grace
        if opts.get("gracePeriodSeconds") is not None:
            opts["gracePeriodSeconds"] = min(opts["gracePeriodSeconds"], MAX_GRACE_SECONDS)
        if params.dry_run(query, "DeleteOptions"):
            opts["dryRun"] = ["All"]
        pre = opts.get("preconditions") or {}
        opts["preconditions"] = {k: v for k, v in pre.items() if k in ("uid", "resourceVersion") and v} or None
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
            lst = api.list(t.res, t.namespace if t.res.namespaced else None,
                           label_selector=first(query, "labelSelector"),
                           field_selector=first(query, "fieldSelector"))
            for obj in lst["items"]:
                md = obj["metadata"]
                api.delete(t.res, md["name"], md.get("namespace"),
                           grace_period_seconds=opts.get("gracePeriodSeconds"),
                           propagation_policy=opts.get("propagationPolicy"),
                           dry_run="All" in (opts.get("dryRun") or []))
            return lst
        return self.send_json(200, kube.call(do))
