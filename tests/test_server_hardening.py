"""minik8s serve under malformed requests: every client error a 4xx Status, never a 500.

Issue 16's examples, each with the siblings of its class, then a seeded fuzz run. Upstream's
rules and wording come from:

- query parameters: k8s.io/apimachinery/pkg/runtime/conversion.go (``strconv.ParseInt`` for int64
  fields, any value but "false"/"0" is a true boolean) and
  k8s.io/apimachinery/pkg/apis/meta/v1/validation (``ValidateDryRun``, ``ValidateFieldValidation``,
  ``ValidateDeleteOptions``): https://kubernetes.io/docs/reference/kubernetes-api/common-parameters/common-parameters/
- the 3 MiB body limit and its 413: k8s.io/apiserver/pkg/endpoints/handlers/rest.go ``limitedReadBody``
- Status objects: https://kubernetes.io/docs/reference/using-api/api-concepts/ and
  https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/status/
- the delete precondition: https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/delete-options/
  (preconditions: "If not possible, a 409 Conflict status will be returned"), wording from
  k8s.io/apiserver/pkg/storage ``Preconditions.Check``.
"""

from __future__ import annotations

import json
import logging
import time

import pytest

from minik8s import Cluster
from minik8s.server import bodies, fuzz

CMS = "/api/v1/namespaces/default/configmaps"
PODS = "/api/v1/namespaces/default/pods"
PREFIX = "couldn't get version/kind; json parse error: "
FIND_KIND = ('json: cannot unmarshal %s into Go value of type struct { APIVersion string '
             '"json:\\"apiVersion,omitempty\\""; Kind string "json:\\"kind,omitempty\\"" }')


@pytest.fixture(scope="module")
def server():
    c = Cluster(nodes=1, seed=0)
    srv = c.serve(port=0, speed=0)
    ok = []
    for path, obj in [
        (CMS, fuzz.CM),
        (PODS, {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz-pod"},
                "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}}),
        ("/apis/apps/v1/namespaces/default/deployments",
         {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fuzz-dep"},
          "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                   "template": {"metadata": {"labels": {"a": "b"}},
                                "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}),
        ("/api/v1/namespaces/default/services",
         {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fuzz-svc"},
          "spec": {"selector": {"a": "b"}, "ports": [{"port": 80}]}}),
    ]:
        ok.append(request(srv, "POST", path, json.dumps(obj).encode()).status)
    assert ok == [201] * 4
    srv.run(10)
    yield srv
    srv.stop()


def request(srv, method, path, body=b"", headers=None, raw_headers=None, truncated=False):
    """One request on a new connection, framed by hand (so framing itself can be wrong)."""
    hdrs = {"Host": "127.0.0.1", "Content-Type": "application/json"}
    hdrs.update(headers or {})
    lines = [f"{k}: {v}" for k, v in hdrs.items() if v is not None]
    if raw_headers is None:
        lines.append(f"Content-Length: {len(body)}")
    else:
        lines += raw_headers
    raw = f"{method} {path} HTTP/1.1\r\n".encode() + "".join(f"{h}\r\n" for h in lines).encode() + b"\r\n" + body
    resp = fuzz.send(srv.host, srv.port, raw, truncated, head=method == "HEAD")
    assert resp is not None, "the server hung up without answering"
    return resp


def status(resp, code, reason, message=None, contains=None):
    """``resp`` is a ``code`` answered with a Status in upstream's shape."""
    assert resp.status == code, (resp.status, resp.body[:300])
    assert resp.headers.get("content-type", "").startswith("application/json")
    st = json.loads(resp.body)
    assert st["kind"] == "Status" and st["apiVersion"] == "v1" and st["metadata"] == {}
    assert st["status"] == "Failure" and st["code"] == code and st["reason"] == reason, st
    if message is not None:
        assert st["message"] == message, st["message"]
    if contains is not None:
        assert contains in st["message"], st["message"]
    return st


def still_serving(srv):
    """A good request is still answered, and no fault was logged."""
    r = request(srv, "GET", CMS)
    assert r.status == 200 and json.loads(r.body)["kind"] == "ConfigMapList"
    assert srv.faults == 0


# --- query parameters ---------------------------------------------------------------------------

@pytest.mark.parametrize("value,why", [
    ("1e9", "invalid syntax"), ("abc", "invalid syntax"), ("", "invalid syntax"), ("1.5", "invalid syntax"),
    ("%205", "invalid syntax"), ("0x10", "invalid syntax"), ("1_000", "invalid syntax"),
    ("%D9%A1", "invalid syntax"),                                      # an Arabic-Indic digit one
    ("99999999999999999999", "value out of range"), ("-9223372036854775809", "value out of range"),
])
def test_grace_period_seconds_is_an_int64(server, value, why):
    """gracePeriodSeconds is DeleteOptions' int64: strconv.ParseInt's error, a 400."""
    from urllib.parse import unquote
    r = request(server, "DELETE", f"{CMS}/fuzz-cm?gracePeriodSeconds={value}")
    status(r, 400, "BadRequest", f'strconv.ParseInt: parsing "{unquote(value)}": {why}'
           if unquote(value).isprintable() else None)
    still_serving(server)


@pytest.mark.parametrize("path", [
    CMS + "?limit=1e9", CMS + "?limit=ten", CMS + "?watch=true&timeoutSeconds=1e9",
    CMS + "?timeoutSeconds=x", PODS + "/fuzz-pod/log?tailLines=1e3", PODS + "/fuzz-pod/log?sinceSeconds=s",
    PODS + "/fuzz-pod/log?limitBytes=99999999999999999999",
])
def test_other_int64_parameters(server, path):
    r = request(server, "GET", path)
    status(r, 400, "BadRequest", contains="strconv.ParseInt: parsing ")


def test_int64_extremes_are_accepted(server):
    """In range means accepted: a huge grace period is no crash (Go's Duration would overflow: capped)."""
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "huge-grace"}}).encode()
    assert request(server, "POST", CMS, body).status == 201
    r = request(server, "DELETE", f"{CMS}/huge-grace?gracePeriodSeconds=9223372036854775807")
    assert r.status == 200, r.body
    r = request(server, "DELETE", f"{PODS}/fuzz-pod?gracePeriodSeconds=9223372036854775807&dryRun=All")
    assert r.status == 200, r.body
    assert request(server, "GET", CMS + "?limit=-5").status == 200           # limit <= 0: no paging
    assert request(server, "GET", CMS + "?limit=%2B2").status == 200          # "+2" parses
    r = request(server, "GET", CMS + "?watch=1&timeoutSeconds=-1")          # a watch that ends at once
    assert r.status == 200


@pytest.mark.parametrize("value,is_watch", [("0", False), ("false", False), ("FALSE", False),
                                            ("1", True), ("true", True), ("yes", True), ("", True)])
def test_booleans_convert_as_upstream(server, value, is_watch):
    """Convert_Slice_string_To_bool: only "false" (any case) and "0" are false; even "" is true."""
    r = request(server, "GET", f"{CMS}?watch={value}&timeoutSeconds=1")
    assert r.status == 200
    assert (r.headers.get("transfer-encoding") == "chunked") == is_watch


@pytest.mark.parametrize("method,query,kind,message", [
    ("DELETE", "propagationPolicy=Sideways", "DeleteOptions",
     'propagationPolicy: Unsupported value: "Sideways": supported values: "Foreground", "Background", '
     '"Orphan", "nil"'),
    ("DELETE", "dryRun=Some", "DeleteOptions", 'dryRun: Unsupported value: []string{"Some"}: supported values: "All"'),
    ("POST", "dryRun=", "CreateOptions", 'dryRun: Unsupported value: []string{""}: supported values: "All"'),
    ("POST", "fieldValidation=Loose", "CreateOptions",
     'fieldValidation: Unsupported value: "Loose": supported values: "", "Ignore", "Strict", "Warn"'),
    ("PUT", "fieldValidation=strict", "UpdateOptions",
     'fieldValidation: Unsupported value: "strict": supported values: "", "Ignore", "Strict", "Warn"'),
    ("PATCH", "dryRun=All&dryRun=None", "PatchOptions",
     'dryRun: Unsupported value: []string{"All", "None"}: supported values: "All"'),
])
def test_enums_are_validated(server, method, query, kind, message):
    """Options validation: a 422 Invalid naming the options kind (meta.k8s.io), nothing changed."""
    path = CMS if method == "POST" else CMS + "/fuzz-cm"
    body = b"" if method == "DELETE" else json.dumps(fuzz.CM).encode()
    headers = {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else None
    r = request(server, method, f"{path}?{query}", body, headers)
    st = status(r, 422, "Invalid", f'{kind}.meta.k8s.io "" is invalid: {message}')
    assert st["details"]["kind"] == kind and st["details"]["group"] == "meta.k8s.io"
    still_serving(server)


def test_pod_log_options_ranges(server):
    """ValidatePodLogOptions: tailLines >= 0, sinceSeconds and limitBytes > 0 (422 PodLogOptions)."""
    r = request(server, "GET", PODS + "/fuzz-pod/log?tailLines=-1")
    status(r, 422, "Invalid", 'PodLogOptions "fuzz-pod" is invalid: tailLines: Invalid value: -1: '
                              'must be greater than or equal to 0')
    r = request(server, "GET", PODS + "/fuzz-pod/log?sinceSeconds=0&limitBytes=0")
    status(r, 422, "Invalid", contains="limitBytes: Invalid value: 0: must be greater than 0")
    assert request(server, "GET", PODS + "/fuzz-pod/log?tailLines=0").status == 200


# --- framing and size ---------------------------------------------------------------------------

@pytest.mark.parametrize("value", ["abc", "-5", "1, 2", "+4", "0x10", " ", "\u0661"])
def test_content_length_must_be_digits(server, value):
    """net/http's parseContentLength: ASCII digits only (else 'bad Content-Length'), a 400."""
    body = json.dumps(fuzz.CM).encode()
    r = request(server, "POST", CMS, body, raw_headers=[f"Content-Length: {value}"])
    status(r, 400, "BadRequest", contains="bad Content-Length")
    still_serving(server)


def test_content_lengths_that_disagree(server):
    body = b"{}"
    r = request(server, "POST", CMS, body, raw_headers=["Content-Length: 2", "Content-Length: 3"])
    status(r, 400, "BadRequest", contains="bad Content-Length")


def test_body_over_three_mebibytes_is_413(server):
    """MaxRequestBodyBytes: 3 MiB; announced or sent, more is 413 RequestEntityTooLarge."""
    msg = f"Request entity too large: limit is {3 * 1024 * 1024}"
    r = request(server, "POST", CMS, b"{}", raw_headers=[f"Content-Length: {3 * 1024 * 1024 + 1}"])
    status(r, 413, "RequestEntityTooLarge", msg)
    big = b" " * (3 * 1024 * 1024 + 1)
    status(request(server, "POST", CMS, big), 413, "RequestEntityTooLarge", msg)
    chunked = b"%x\r\n%s\r\n0\r\n\r\n" % (len(big), big)
    r = request(server, "PUT", CMS + "/fuzz-cm", chunked, raw_headers=["Transfer-Encoding: chunked"])
    status(r, 413, "RequestEntityTooLarge", msg)
    # exactly at the limit is read (and then refused for what it is, not for its size)
    r = request(server, "POST", CMS, b" " * (3 * 1024 * 1024))
    status(r, 400, "BadRequest")
    still_serving(server)


def test_truncated_and_chunked_bodies(server):
    body = json.dumps(dict(fuzz.CM, metadata={"name": "chunky"})).encode()
    r = request(server, "POST", CMS, body[:10], raw_headers=[f"Content-Length: {len(body)}"], truncated=True)
    status(r, 400, "BadRequest", "unexpected EOF")
    ok = b"%x\r\n%s\r\n0\r\n\r\n" % (len(body), body)
    assert request(server, "POST", CMS, ok, raw_headers=["Transfer-Encoding: chunked"]).status == 201
    r = request(server, "POST", CMS, b"zz\r\n" + body, raw_headers=["Transfer-Encoding: chunked"])
    status(r, 400, "BadRequest", "malformed chunked encoding")
    r = request(server, "POST", CMS, body, raw_headers=["Transfer-Encoding: gzip"])
    status(r, 400, "BadRequest", 'unsupported transfer encoding: "gzip"')


# --- bodies -------------------------------------------------------------------------------------

def test_body_not_utf8(server):
    """Go's JSON decoder: invalid UTF-8 inside a string becomes U+FFFD; elsewhere a syntax error.
    YAML (go-yaml) refuses it."""
    cm = b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"latin"},"data":{"k":"caf\xe9"}}'
    r = request(server, "POST", CMS, cm)
    assert r.status == 201 and json.loads(r.body)["data"]["k"] == "caf\ufffd"
    status(request(server, "POST", CMS, b"\xff\xfe{}"), 400, "BadRequest", contains=PREFIX)
    r = request(server, "POST", CMS, b"kind: ConfigMap\nmetadata: {name: y\xe9}\n",
                {"Content-Type": "application/yaml"})
    status(r, 400, "BadRequest", contains="yaml: invalid leading UTF-8 octet")
    status(request(server, "POST", CMS, b"\xff", {"Content-Type": "application/merge-patch+json"}), 415,
           "UnsupportedMediaType")


@pytest.mark.parametrize("ctype,body", [
    ("application/json", b"[" * 50000 + b"]" * 50000),
    ("application/json", b'{"a":' * 50000 + b"1" + b"}" * 50000),
    ("application/json", b"[" * 150 + b"]" * 150),                          # just over minik8s's limit
    ("application/yaml", b"[" * 50000 + b"]" * 50000),
    ("application/yaml", b"{a: " * 50000),
    ("application/yaml", b"- " * 1_000_000 + b"x\n"),
    ("application/yaml", b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, 2000))),
    ("application/merge-patch+json", b"[" * 50000 + b"]" * 50000),
])
def test_deep_nesting_is_refused_quickly(server, ctype, body):
    """Nesting past the depth limit: a 400 'exceeded max depth', decided in well under a second
    of the server's time (timed generously: the machine is shared)."""
    method = "PATCH" if "patch" in ctype else "POST"
    path = CMS + "/fuzz-cm" if method == "PATCH" else CMS
    start = time.monotonic()
    r = request(server, method, path, body, {"Content-Type": ctype})
    took = time.monotonic() - start
    status(r, 400, "BadRequest", contains="exceeded max depth")
    assert took < 3.0, took
    still_serving(server)


def test_nesting_within_the_limit_is_accepted(server):
    deep = {"x": "y"}
    for _ in range(bodies.MAX_DEPTH - 3):
        deep = {"a": deep}
    cm = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "deep-ok",
                                                                 "annotations": {"a": "b"}}, "data": {"k": "v"}}
    patch = json.dumps({"metadata": {"labels": {"a": "b"}}, "unknown": deep}).encode()
    assert request(server, "POST", CMS, json.dumps(cm).encode()).status == 201
    r = request(server, "PATCH", CMS + "/deep-ok", patch, {"Content-Type": "application/merge-patch+json"})
    assert r.status == 200, r.body[:300]


def test_yaml_alias_bomb(server):
    body = fuzz._alias_bomb()
    start = time.monotonic()
    r = request(server, "POST", CMS, body, {"Content-Type": "application/yaml"})
    status(r, 400, "BadRequest", "yaml: document contains excessive aliasing")
    assert time.monotonic() - start < 5.0


@pytest.mark.parametrize("body,what", [(b"42", "number"), (b"[1,2]", "array"), (b'"x"', "string"),
                                       (b"true", "bool")])
def test_delete_body_must_be_delete_options(server, body, what):
    r = request(server, "DELETE", CMS + "/fuzz-cm", body)
    status(r, 400, "BadRequest", PREFIX + FIND_KIND % what)
    still_serving(server)


@pytest.mark.parametrize("opts,expect", [
    ({"gracePeriodSeconds": "x"}, "json: cannot unmarshal string into Go struct field "
                                  "DeleteOptions.gracePeriodSeconds of type int64"),
    ({"gracePeriodSeconds": 1.5}, "json: cannot unmarshal number 1.5 into Go struct field "
                                  "DeleteOptions.gracePeriodSeconds of type int64"),
    ({"gracePeriodSeconds": 10 ** 20}, "json: cannot unmarshal number 100000000000000000000 into Go struct "
                                       "field DeleteOptions.gracePeriodSeconds of type int64"),
    ({"preconditions": "x"}, "json: cannot unmarshal string into Go struct field DeleteOptions.preconditions "
                             "of type v1.Preconditions"),
    ({"dryRun": "All"}, "json: cannot unmarshal string into Go struct field DeleteOptions.dryRun of type []string"),
    ({"kind": "Pod"}, "decoded object cannot be converted to DeleteOptions"),
])
def test_delete_options_fields_are_typed(server, opts, expect):
    r = request(server, "DELETE", CMS + "/fuzz-cm", json.dumps(opts).encode())
    status(r, 400, "BadRequest", contains=expect)
    still_serving(server)


def test_delete_options_body_enums(server):
    r = request(server, "DELETE", CMS + "/fuzz-cm", json.dumps({"dryRun": ["Bogus"]}).encode())
    status(r, 422, "Invalid", contains='dryRun: Unsupported value: []string{"Bogus"}')
    r = request(server, "DELETE", CMS + "/fuzz-cm", json.dumps({"propagationPolicy": "Bogus"}).encode())
    status(r, 422, "Invalid", contains='propagationPolicy: Unsupported value: "Bogus"')


@pytest.mark.parametrize("method,strict", [("PUT", True), ("PUT", False), ("POST", True), ("POST", False)])
def test_metadata_of_the_wrong_type(server, method, strict):
    """metadata: "x" is a decoding error (400) with or without fieldValidation=Strict."""
    path = (CMS + "/fuzz-cm" if method == "PUT" else CMS) + ("?fieldValidation=Strict" if strict else "")
    for meta, what in [("x", "string"), (5, "number"), ([1], "array"), (True, "bool")]:
        body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": meta}).encode()
        r = request(server, method, path, body)
        status(r, 400, "BadRequest", 'ConfigMap in version "v1" cannot be handled as a ConfigMap: json: cannot '
                                     f"unmarshal {what} into Go struct field ConfigMap.metadata of type v1.ObjectMeta")
    still_serving(server)


@pytest.mark.parametrize("body,what", [(b"[]", "array"), (b"42", "number"), (b'"x"', "string"), (b"null", "null")])
@pytest.mark.parametrize("method", ["POST", "PUT"])
def test_object_bodies_must_be_objects(server, method, body, what):
    path = CMS + "/fuzz-cm" if method == "PUT" else CMS
    status(request(server, method, path, body), 400, "BadRequest", PREFIX + FIND_KIND % what)


def test_kind_and_field_types(server):
    body = json.dumps({"apiVersion": "v1", "kind": 5, "metadata": {"name": "k"}}).encode()
    status(request(server, "POST", CMS, body), 400, "BadRequest",
           PREFIX + "json: cannot unmarshal number into Go struct field .kind of type string")
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "k", "labels": "x"}}).encode()
    status(request(server, "POST", CMS, body), 400, "BadRequest",
           contains="json: cannot unmarshal string into Go struct field ObjectMeta.metadata.labels of type "
                    "map[string]string")
    for body in (b"", b"   ", b'{"a":', b"NaN", b"1e999", b"{'a': 1}"):
        status(request(server, "POST", CMS, body), 400, "BadRequest", contains=PREFIX)


@pytest.mark.parametrize("method,path,body,expect", [
    ("PATCH", "/apis/apps/v1/namespaces/default/deployments/fuzz-dep", {"spec": {"replicas": 10 ** 12}},
     'Deployment in version "v1" cannot be handled as a Deployment: json: cannot unmarshal number 1000000000000 '
     "into Go struct field DeploymentSpec.spec.replicas of type int32"),
    ("PATCH", "/apis/apps/v1/namespaces/default/deployments/fuzz-dep", {"spec": {"replicas": 2 ** 31}},
     "json: cannot unmarshal number 2147483648 into Go struct field DeploymentSpec.spec.replicas of type int32"),
    ("PATCH", PODS + "/fuzz-pod", {"spec": {"activeDeadlineSeconds": 2 ** 63}},
     "json: cannot unmarshal number 9223372036854775808 into Go struct field PodSpec.spec.activeDeadlineSeconds "
     "of type int64"),
    ("POST", "/api/v1/namespaces/default/services",
     {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "big-port"},
      "spec": {"ports": [{"port": 80}, {"port": 10 ** 10}]}},
     "json: cannot unmarshal number 10000000000 into Go struct field ServicePort.spec.ports.port of type int32"),
])
def test_integers_out_of_their_go_range(server, method, path, body, expect):
    """int32/int64 fields decode only numbers their Go type holds (a 400, not a Deployment of 10^12 pods)."""
    headers = {"Content-Type": "application/merge-patch+json"} if method == "PATCH" else None
    status(request(server, method, path, json.dumps(body).encode(), headers), 400, "BadRequest", contains=expect)
    still_serving(server)


def test_lone_surrogate_escapes_become_replacement_characters(server):
    """Go's decoder turns "\\ud800" (half a UTF-16 pair) into U+FFFD; a pair is one character."""
    body = (b'{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"surrogates"},'
            b'"data":{"lone":"x\\ud800","pair":"\\ud83d\\ude00"}}')
    r = request(server, "POST", CMS, body)
    assert r.status == 201, r.body
    assert json.loads(r.body)["data"] == {"lone": "x\ufffd", "pair": "\U0001F600"}
    still_serving(server)


@pytest.mark.parametrize("patch,what,key", [({"apiVersion": {}}, "object", "apiVersion"),
                                            ({"kind": 5}, "number", "kind"), ({"kind": ["Pod"]}, "array", "kind")])
def test_patch_result_type_meta(server, patch, what, key):
    """The patched object is decoded as the endpoint's kind (its apiVersion and kind first)."""
    r = request(server, "PATCH", PODS + "/fuzz-pod", json.dumps(patch).encode(),
                {"Content-Type": "application/merge-patch+json"})
    status(r, 400, "BadRequest", PREFIX + f"json: cannot unmarshal {what} into Go struct field .{key} of type string")
    still_serving(server)


@pytest.mark.parametrize("ctype", ["application/merge-patch+json", "application/strategic-merge-patch+json"])
def test_patch_cannot_change_the_kind(server, ctype):
    """A patch that changes apiVersion or kind is refused before the engine validates the result
    (a Pod patched to apiVersion "-25%" once skipped the decoding check and crashed validation)."""
    patch = {"apiVersion": "-25%", "spec": {"tolerations": [{"key": True}]}}
    r = request(server, "PATCH", PODS + "/fuzz-pod", json.dumps(patch).encode(), {"Content-Type": ctype})
    status(r, 400, "BadRequest", "the API version in the data (-25%) does not match the expected API version (v1)")
    r = request(server, "PATCH", PODS + "/fuzz-pod", json.dumps({"kind": "Service"}).encode(), {"Content-Type": ctype})
    status(r, 400, "BadRequest", contains="does not match the expected API version")
    patch = {"spec": {"tolerations": [{"key": True}]}}
    r = request(server, "PATCH", PODS + "/fuzz-pod", json.dumps(patch).encode(), {"Content-Type": ctype})
    status(r, 400, "BadRequest", contains="json: cannot unmarshal bool into Go struct field "
                                          "Toleration.spec.tolerations.key of type string")
    still_serving(server)


@pytest.mark.parametrize("ctype,body", [
    ("application/json-patch+json", b'{"op": "add"}'), ("application/json-patch+json", b"[1, 2]"),
    ("application/merge-patch+json", b"[]"), ("application/strategic-merge-patch+json", b"42"),
    ("application/merge-patch+json", b'{"metadata": "x"}'), ("application/json-patch+json",
                                                             b'[{"op": "replace", "path": "/metadata", "value": 5}]'),
])
def test_patches_of_the_wrong_shape(server, ctype, body):
    r = request(server, "PATCH", CMS + "/fuzz-cm", body, {"Content-Type": ctype})
    assert 400 <= r.status < 500, (r.status, r.body)
    status(r, r.status, json.loads(r.body)["reason"])
    still_serving(server)


def test_unsupported_media_types(server):
    r = request(server, "POST", CMS, b"a=b", {"Content-Type": "application/x-www-form-urlencoded"})
    status(r, 415, "UnsupportedMediaType", contains="the body of the request was in an unknown format")
    r = request(server, "POST", CMS, b"k8s\x00\xff\xff\xff", {"Content-Type": "application/vnd.kubernetes.protobuf"})
    assert r.status in (400, 415)
    status(r, r.status, json.loads(r.body)["reason"])


def test_not_acceptable(server):
    r = request(server, "GET", CMS, headers={"Accept": "application/xml"})
    status(r, 406, "NotAcceptable", "only the following media types are accepted: application/json, "
                                    "application/yaml, application/vnd.kubernetes.protobuf")
    assert request(server, "GET", CMS, headers={"Accept": "text/html,*/*;q=0.8"}).status == 200


# --- methods, paths, the request line -----------------------------------------------------------

@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "FOO", "get", "PROPFIND", "CONNECT"])
@pytest.mark.parametrize("path", [CMS, CMS + "/fuzz-cm", "/version", "/nope"])
def test_unknown_methods_are_405(server, method, path):
    r = request(server, method, path)
    status(r, 405, "MethodNotAllowed", "the server does not allow this method on the requested resource")


@pytest.mark.parametrize("method,path", [
    ("PUT", CMS), ("PATCH", CMS), ("POST", CMS + "/fuzz-cm"), ("DELETE", PODS + "/fuzz-pod/log"),
    ("PUT", PODS + "/fuzz-pod/log"), ("DELETE", PODS + "/fuzz-pod/status"), ("PATCH", PODS + "/fuzz-pod/binding"),
    ("POST", "/version"), ("DELETE", "/api/v1"),
])
def test_known_methods_on_the_wrong_path(server, method, path):
    r = request(server, method, path, b"{}")
    assert r.status in (404, 405), (r.status, r.body)
    status(r, r.status, {404: "NotFound", 405: "MethodNotAllowed"}[r.status])


def test_malformed_request_lines_get_a_status(server):
    for line in (b"GARBAGE\r\n", b"GET\r\n", b"GET /version HTTP/2.0\r\n", b"GET /version HTTP/1.1 x\r\n",
                 b"GET /version\r\n", b"GET /version HTTP/x.y\r\n"):
        r = fuzz.send(server.host, server.port, line + b"Host: x\r\n\r\n")
        assert r is not None, line
        status(r, 400, "BadRequest")
    r = request(server, "GET", "/version", headers={"X-Long": "y" * 70000})
    status(r, 431, "BadRequest")
    r = fuzz.send(server.host, server.port, b"GET /" + b"x" * 70000 + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    status(r, 414, "BadRequest")
    still_serving(server)


def test_head_has_no_body(server):
    r = request(server, "HEAD", CMS + "/nope")
    assert r.status == 404 and r.body == b""


# --- preconditions ------------------------------------------------------------------------------

def test_stale_resource_version_precondition(server):
    """A DELETE whose preconditions.resourceVersion is stale: 409 Conflict with storage's wording."""
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "pre"}}).encode()
    created = json.loads(request(server, "POST", CMS, body).body)
    rv = created["metadata"]["resourceVersion"]
    opts = json.dumps({"preconditions": {"resourceVersion": "1"}}).encode()
    st = status(request(server, "DELETE", CMS + "/pre", opts), 409, "Conflict",
                'Operation cannot be fulfilled on configmaps "pre": Precondition failed: ResourceVersion in '
                f"precondition: 1, ResourceVersion in object meta: {rv}")
    assert st["details"] == {"name": "pre", "group": "", "kind": "configmaps"}
    opts = json.dumps({"preconditions": {"uid": "nope"}}).encode()
    status(request(server, "DELETE", CMS + "/pre", opts), 409, "Conflict",
           'Operation cannot be fulfilled on configmaps "pre": Precondition failed: UID in precondition: nope, '
           f"UID in object meta: {created['metadata']['uid']}")
    opts = json.dumps({"preconditions": {"resourceVersion": rv}}).encode()
    assert request(server, "DELETE", CMS + "/pre", opts).status == 200


# --- server faults ------------------------------------------------------------------------------

def test_a_server_fault_is_a_logged_500_and_the_server_goes_on(server, caplog):
    """A bug of the server's own (here: a resource whose list raises) is a 500 Status, logged with
    its traceback and counted; the next request is served."""
    api = server.cluster.apiserver
    real = api.list

    def broken(*a, **kw):
        raise ZeroDivisionError("a bug")
    api.list = broken
    try:
        with caplog.at_level(logging.ERROR, logger="minik8s.server"):
            r = request(server, "GET", CMS)
    finally:
        api.list = real
    status(r, 500, "InternalError", "ZeroDivisionError: a bug")
    assert server.faults == 1
    assert any("ZeroDivisionError" in (rec.exc_text or "") or rec.exc_info for rec in caplog.records)
    server.faults = 0
    still_serving(server)


def test_a_component_failing_after_a_write_does_not_fail_the_request(server, caplog):
    """The write succeeded: its answer goes out; the component's failure is logged and counted."""
    def explode():
        raise RuntimeError("a component bug")
    body = json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "after-write"}}).encode()
    with server.lock:
        server.cluster.clock.call_soon(explode)
    with caplog.at_level(logging.ERROR, logger="minik8s.server"):
        r = request(server, "POST", CMS, body)
    assert r.status == 201 and json.loads(r.body)["metadata"]["name"] == "after-write"
    assert server.faults == 1 and "a component failed" in caplog.text
    server.faults = 0
    still_serving(server)


@pytest.mark.parametrize("method,path,body,expect", [
    ("PUT", "/apis/apps/v1/namespaces/default/deployments/fuzz-dep", fuzz.CM | {"metadata": {"name": "fuzz-dep"}},
     "the API version in the data (v1) does not match the expected API version (apps/v1)"),
    ("POST", "/apis/apps/v1/namespaces/default/deployments", fuzz.CM,
     "the API version in the data (v1) does not match the expected API version (apps/v1)"),
    ("PUT", CMS + "/fuzz-cm", {"apiVersion": "v1", "kind": "Secret", "metadata": {"name": "fuzz-cm"}},
     "the API version in the data (v1) does not match the expected API version (v1)"),
])
def test_the_data_must_be_the_endpoints_kind(server, method, path, body, expect):
    """A ConfigMap PUT to a Deployment's URL was once stored as the Deployment (and crashed its
    controller): the data's group/version and kind must be the endpoint's (upstream update.go)."""
    status(request(server, method, path, json.dumps(body).encode()), 400, "BadRequest", expect)
    r = request(server, "GET", "/apis/apps/v1/namespaces/default/deployments/fuzz-dep")
    assert json.loads(r.body)["kind"] == "Deployment"
    still_serving(server)


@pytest.mark.parametrize("rv,why", [("abc", "invalid syntax"), ("-1", "invalid syntax"),
                                    ("18446744073709551616", "value out of range")])
def test_watch_resource_version_must_parse(server, rv, why):
    """APIObjectVersioner.ParseResourceVersion: strconv.ParseUint."""
    r = request(server, "GET", f"{CMS}?watch=true&timeoutSeconds=1&resourceVersion={rv}")
    status(r, 400, "BadRequest", f'resourceVersion: Invalid value: "{rv}": strconv.ParseUint: parsing "{rv}": {why}')


def test_exec_upgrade_then_hang_up(server):
    """A WebSocket exec whose client disappears right after the upgrade leaves the server fine."""
    for _ in range(3):
        r = request(server, "GET", PODS + "/fuzz-pod/exec?command=sh&stdin=true&stdout=true", headers={
            "Upgrade": "websocket", "Connection": "Upgrade", "Sec-WebSocket-Version": "13",
            "Sec-WebSocket-Key": "dGhlIHNhbXBsZSBub25jZQ==", "Sec-WebSocket-Protocol": "v5.channel.k8s.io"})
        assert r.status == 101
    time.sleep(0.5)
    still_serving(server)


# --- fuzz ---------------------------------------------------------------------------------------

def test_fuzz_malformed_requests(server):
    """A seeded run of 300 generated requests (see minik8s.server.fuzz): no 5xx, every error body
    a Status, no connection dropped unanswered, no fault logged, and still serving afterwards."""
    out = fuzz.run(server.host, server.port, 300, seed=16, time_limit=240)
    assert out["sent"] == 300
    assert out["problems"] == []
    assert "closed" not in out["counts"], out["counts"]
    assert not any(isinstance(k, int) and k >= 500 for k in out["counts"]), out["counts"]
    assert sum(v for k, v in out["counts"].items() if isinstance(k, int) and k < 300) >= 20, out["counts"]
    still_serving(server)
