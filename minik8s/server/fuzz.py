"""Malformed HTTP requests for hardening ``minik8s serve``: a seeded generator and a raw client.

Used by ``tests/test_server_hardening.py`` (a few hundred requests) and
``benchmarks/bench_fuzz_http.py`` (a thousand). Every request is built from a seeded
``random.Random``, so a failure replays exactly: random methods (real, unknown, lower-case),
paths (resources, subresources, discovery, junk), query strings (numbers that are not int64,
booleans, enums, bad percent-escapes), headers (Content-Type, Accept, Content-Length that lies,
chunked framing) and bodies (truncated, not UTF-8, wrong JSON types, nested 5,000 to 50,000
deep, a YAML alias bomb, more than the 3 MiB limit).

Only for a server on the loopback interface: :func:`send` refuses any other host.
"""

from __future__ import annotations

import json
import random
import socket
import time

from .bodies import MAX_BODY

METHODS = ["GET", "GET", "GET", "POST", "POST", "POST", "PUT", "PUT", "PATCH", "PATCH", "DELETE", "DELETE",
           "HEAD"]
ODD_METHODS = ["OPTIONS", "TRACE", "FOO", "get", "PROPFIND", "CONNECT"]

PATHS = [
    "/api/v1/namespaces/default/configmaps", "/api/v1/namespaces/default/configmaps/fuzz-cm",
    "/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/pods/fuzz-pod",
    "/api/v1/namespaces/default/pods/fuzz-pod/log", "/api/v1/namespaces/default/pods/fuzz-pod/status",
    "/api/v1/namespaces/default/pods/fuzz-pod/exec", "/api/v1/namespaces/default/pods/fuzz-pod/binding",
    "/api/v1/namespaces/default/pods/fuzz-pod/eviction", "/api/v1/namespaces/default/pods/fuzz-pod/portforward",
    "/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/deployments/fuzz-dep",
    "/apis/apps/v1/namespaces/default/deployments/fuzz-dep/scale", "/api/v1/nodes", "/api/v1/nodes/node-1",
    "/api/v1/namespaces", "/api/v1/namespaces/fuzz-ns", "/api/v1/configmaps", "/apis/batch/v1/namespaces/default/jobs",
    "/api/v1/namespaces/default/services", "/api/v1/namespaces/default/services/fuzz-svc",
    "/api/v1/namespaces/default/pods/fuzz-pod/ephemeralcontainers",
]
OTHER_PATHS = ["/api", "/apis", "/api/v1",
    "/apis/apps/v1", "/version", "/healthz", "/openapi/v3", "/openapi/v3/api/v1", "/openapi/v3/nope",
    "/apis/metrics.k8s.io/v1beta1/nodes", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods",
    "/", "//", "/api/v1/namespaces/default/pods/a/b/c/d", "/api/v9/pods", "/apis/nope/v1/things",
    "/api/v1/namespaces/default/configmaps/%ff%fe", "/api/v1/namespaces/%00/configmaps",
    "/api/v1/namespaces/default/configmaps/" + "x" * 300,
]

QUERY_KEYS = ["gracePeriodSeconds", "limit", "timeoutSeconds", "watch", "dryRun", "fieldValidation",
              "propagationPolicy", "labelSelector", "fieldSelector", "continue", "resourceVersion",
              "tailLines", "sinceSeconds", "limitBytes", "follow", "previous", "container", "includeObject",
              "allowWatchBookmarks", "sendInitialEvents", "command", "stdin", "tty", "orphanDependents",
              "resourceVersionMatch", "pretty", "fieldManager", "sinceTime", ""]
QUERY_VALUES = ["", "0", "1", "-1", "-5", "1e9", "1.5", "abc", "99999999999999999999", "9223372036854775807",
                "-9223372036854775808", "true", "false", "yes", "All", "Strict", "Warn", "Ignore", "Bogus",
                "Orphan", "Foreground", "%ff", "%", "%00", "a=b", "app", "app!=", "metadata.name=x",
                "!!!", "x" * 200, "+5", " 5", "0x10", "Object", "None", "Metadata", "garbage-token"]

CONTENT_TYPES = [None, "application/json", "application/json", "application/yaml",
                 "application/vnd.kubernetes.protobuf", "application/merge-patch+json",
                 "application/json-patch+json", "application/strategic-merge-patch+json",
                 "application/apply-patch+yaml", "text/plain", "application/x-www-form-urlencoded",
                 "application/json; charset=latin1", ";;;", "\u00e9/\u00e9"]
ACCEPTS = [None, None, "application/json", "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
           "*/*", "application/xml", "text/html", "application/vnd.kubernetes.protobuf,application/json",
           "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", ",,,", "garbage"]

CM = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "fuzz-cm"}, "data": {"k": "v"}}


def _deep_json(rng: random.Random) -> bytes:
    n = rng.choice([150, 5000, 50000])
    if rng.random() < 0.5:
        return b"[" * n + b"]" * n
    return b'{"a":' * n + b"1" + b"}" * n


def _deep_yaml(rng: random.Random) -> bytes:
    n = rng.choice([150, 5000, 50000])
    kind = rng.randrange(3)
    if kind == 0:
        return b"[" * n + b"]" * n
    if kind == 1:
        return b"a:\n" + b"".join(b" " * i + b"- \n" for i in range(1, min(n, 3000)))
    return b"- " * n + b"x\n"


def _alias_bomb() -> bytes:
    lines = ["a: &a [x,x,x,x,x,x,x,x,x,x]"]
    for i in range(1, 10):
        prev, cur = chr(96 + i), chr(97 + i)
        lines.append(f"{cur}: &{cur} [" + ",".join([f"*{prev}"] * 10) + "]")
    return ("\n".join(lines) + "\n").encode()


TEMPLATES = [
    dict(CM),
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz-pod", "labels": {"a": "b"}},
     "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"],
                              "ports": [{"containerPort": 80, "protocol": "TCP"}],
                              "resources": {"requests": {"cpu": "100m"}, "limits": {"memory": "64Mi"}},
                              "env": [{"name": "A", "value": "b"}],
                              "readinessProbe": {"httpGet": {"path": "/", "port": 80}, "periodSeconds": 5}}],
              "restartPolicy": "Always", "terminationGracePeriodSeconds": 30,
              "tolerations": [{"key": "k", "operator": "Exists", "effect": "NoSchedule"}]}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fuzz-dep"},
     "spec": {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
              "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0}},
              "template": {"metadata": {"labels": {"a": "b"}},
                           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fuzz-svc"},
     "spec": {"selector": {"a": "b"}, "type": "ClusterIP",
              "ports": [{"name": "http", "port": 80, "targetPort": "http", "protocol": "TCP"}]}},
]
ODD_VALUES = ["", "x", "-", "a" * 300, "UPPER", "a b", "0", "-1", "1.5", "25%", "200%", "-25%", -1, 0, 2 ** 31 - 1,
              2 ** 31, 10 ** 30, 1.5, -0.5, True, None, [], {}, [None], {"": ""}, ["a"], {"a": None}, "\u0000",
              "\ud800x", "2024-01-01T00:00:00Z", "999999Gi", "1e3", "0.0001m"]


def mutated(rng: random.Random) -> bytes:
    """A valid object with one value somewhere in it replaced by an odd one."""
    obj = json.loads(json.dumps(rng.choice(TEMPLATES)))
    for _ in range(rng.choice([1, 1, 2, 3])):
        node, target = obj, None
        for _ in range(rng.randrange(1, 7)):
            children = list(node.items()) if isinstance(node, dict) else list(enumerate(node))
            if not children:
                break
            key, child = rng.choice(children)
            target = (node, key)
            if not isinstance(child, (dict, list)) or rng.random() < 0.25:
                break
            node = child
        if target is not None:
            target[0][target[1]] = json.loads(json.dumps(rng.choice(ODD_VALUES)))   # a fresh copy
    return json.dumps(obj).encode()


def body(rng: random.Random) -> bytes:
    """One request body, well formed or not."""
    choice = rng.randrange(26)
    if choice >= 22:
        return mutated(rng)
    if choice == 0:
        return b""
    if choice == 1:
        return json.dumps(CM).encode()
    if choice == 2:
        return json.dumps(CM).encode()[: rng.randrange(1, 40)]                 # truncated
    if choice == 3:
        return b'{"kind":"ConfigMap","data":{"k":"\xff\xfe"}}'                   # not UTF-8 in a string
    if choice == 4:
        return bytes(rng.randrange(256) for _ in range(rng.randrange(1, 64)))   # noise
    if choice == 5:
        return _deep_json(rng)
    if choice == 6:
        return _deep_yaml(rng)
    if choice == 7:
        return rng.choice([b"42", b"[]", b"[1,2]", b'"x"', b"true", b"null", b"{}", b"1e999", b"NaN", b"-0"])
    if choice == 8:                                                              # wrong types
        obj = dict(CM)
        key = rng.choice(["metadata", "data", "kind", "apiVersion", "spec", "status"])
        obj[key] = rng.choice(["x", 5, [1], {"a": [1]}, None, True, 1.5, 10 ** 30])
        return json.dumps(obj).encode()
    if choice == 9:
        md = {"name": rng.choice(["fuzz-cm", "", "x" * 300, "Bad_Name", 5, None]),
              "labels": rng.choice([{"a": "b"}, {"a": 5}, "x", [], {"!": "?"}]),
              "resourceVersion": rng.choice(["1", "abc", 7, ""]),
              "finalizers": rng.choice([["a/b"], "x", [5], None]),
              "ownerReferences": rng.choice([[{}], "x", [5], None])}
        return json.dumps({"apiVersion": "v1", "kind": "ConfigMap", "metadata": md}).encode()
    if choice == 10:                                                             # DeleteOptions
        opts = rng.choice([{"gracePeriodSeconds": rng.choice([0, -1, 1.5, "x", 10 ** 20, True])},
                           {"propagationPolicy": rng.choice(["Orphan", "Bogus", 5])},
                           {"preconditions": rng.choice([{"resourceVersion": "1"}, {"uid": "x"}, "x", [1]])},
                           {"dryRun": rng.choice([["All"], ["Bogus"], "All", [5]])},
                           {"kind": "Pod"}, {"kind": "DeleteOptions", "apiVersion": 5}])
        return json.dumps(opts).encode()
    if choice == 11:                                                             # JSON patches
        return json.dumps(rng.choice([
            [{"op": "add", "path": "/data/x", "value": "y"}], [{"op": "bogus"}], [{"op": "remove", "path": 5}],
            [{"op": "replace", "path": "/metadata", "value": "x"}], [{"op": "move", "from": "/x", "path": "/y"}],
            [{"op": "test", "path": "/data/k", "value": "nope"}], [1, 2], {"op": "add"},
            {"metadata": {"labels": {"a": None}}}, {"metadata": "x"}, {"data": [1]}, {"spec": {"replicas": "x"}},
            {"spec": {"replicas": 10 ** 30}}, {"$patch": "delete"}, {"$retainKeys": 5}, {"spec": {"$patch": "replace"}},
        ])).encode()
    if choice == 12:
        return _alias_bomb()
    if choice == 13:
        return b"k8s\x00" + bytes(rng.randrange(256) for _ in range(rng.randrange(0, 48)))   # protobuf-ish
    if choice == 14:
        return b"kind: ConfigMap\nmetadata:\n  name: fuzz-cm\ndata: {k: v}\n" + rng.choice(
            [b"", b"---\nb: 2\n", b"t: 2024-01-01\n", b"? [a]\n: b\n", b"x: !!python/object:os.system {}\n",
             b"\t- bad indent\n", b": :\n", b"y: .inf\n", b"1: one\n"])
    if choice == 15:
        return json.dumps({"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "fuzz-pod"},
                           "target": rng.choice([{"kind": "Node", "name": "node-1"}, "x", {}, {"name": 5}])}).encode()
    if choice == 16:
        return json.dumps({"apiVersion": "policy/v1", "kind": "Eviction",
                           "metadata": rng.choice([{"name": "fuzz-pod"}, {}, "x"]),
                           "deleteOptions": rng.choice([{"gracePeriodSeconds": "x"}, 5, {}])}).encode()
    if choice == 17:
        return json.dumps({"apiVersion": "autoscaling/v1", "kind": "Scale", "metadata": {"name": "fuzz-dep"},
                           "spec": {"replicas": rng.choice([1, -1, "x", 10 ** 20, None, 2.5])}}).encode()
    if choice == 18:
        return json.dumps({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "fuzz-dep"},
                           "spec": rng.choice([{"replicas": 10 ** 12}, {"selector": "x"}, {"template": []},
                                               {"replicas": 1, "selector": {"matchLabels": {"a": "b"}},
                                                "template": {"metadata": {"labels": {"a": "b"}},
                                                             "spec": {"containers": [{"name": "c", "image": "i"}]}}},
                                               {"replicas": 1, "selector": {"matchExpressions": [{"key": 5}]}}])
                           }).encode()
    if choice == 19:
        return json.dumps({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "fuzz-pod"},
                           "spec": rng.choice([{"containers": [{"name": "c", "image": "busybox",
                                                                "command": ["sleep", "3600"]}]},
                                               {"containers": "x"}, {"containers": [{"name": 5}]},
                                               {"containers": [{"name": "c", "image": "i",
                                                                "resources": {"limits": {"cpu": "lots"}}}]},
                                               {"containers": [{"name": "c", "image": "i", "ports": [
                                                   {"containerPort": 10 ** 10}]}]}])}).encode()
    if choice == 20:
        return json.dumps({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": rng.choice(
            ["fuzz-ns", "default", "kube-system", "UPPER", ""])}}).encode()
    return json.dumps({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "fuzz-svc"},
                       "spec": rng.choice([{"ports": [{"port": 80}]}, {"ports": [{"port": 10 ** 9}]},
                                           {"type": "Bogus"}, {"clusterIP": "999.1.1.1", "ports": [{"port": 1}]},
                                           {"ports": "x"}])}).encode()


def query(rng: random.Random) -> str:
    parts = []
    for _ in range(rng.choice([0, 0, 1, 2, 3, 5])):
        key = rng.choice(QUERY_KEYS)
        value = rng.choice(QUERY_VALUES)
        if key in ("watch", "follow") and value not in ("", "0", "false"):
            parts.append("timeoutSeconds=1")       # a stream the client hangs up on anyway
        value = value.replace(" ", "%20")
        parts.append(f"{key}={value}" if rng.random() < 0.9 else key)
    if rng.random() < 0.05:
        parts.append("&&&==&")
    return ("?" + "&".join(parts)) if parts else ""


def request(rng: random.Random) -> tuple[bytes, bool]:
    """One raw HTTP/1.1 request, and whether the client should stop sending before its end
    (a body shorter than its Content-Length: the client then half-closes the connection)."""
    method = rng.choice(METHODS if rng.random() < 0.9 else ODD_METHODS)
    path = rng.choice(PATHS if rng.random() < 0.8 else OTHER_PATHS) + query(rng)
    data = body(rng) if rng.random() < 0.8 else b""
    headers = [("Host", "127.0.0.1")]
    ctype = rng.choice(CONTENT_TYPES)
    if ctype is not None:
        headers.append(("Content-Type", ctype))
    accept = rng.choice(ACCEPTS[:5] if rng.random() < 0.85 else ACCEPTS)
    if accept is not None:
        headers.append(("Accept", accept))
    framing = rng.randrange(30)
    truncated = False
    if framing == 0:
        headers.append(("Content-Length", rng.choice(["abc", "-5", "1, 2", "0x10", " ", "+4", "1e3", "\u0661"])))
    elif framing == 1:
        headers.append(("Content-Length", str(len(data) + rng.randrange(1, 100))))
        truncated = True
    elif framing == 2:
        headers.append(("Content-Length", str(MAX_BODY + rng.randrange(1, 10 ** 9))))
    elif framing == 3:
        headers.append(("Content-Length", str(len(data))))
        headers.append(("Content-Length", str(len(data) + 1)))
    elif framing == 4:
        headers.append(("Transfer-Encoding", "chunked"))
        data = (b"%x\r\n%s\r\n0\r\n\r\n" % (len(data), data)) if rng.random() < 0.6 else b"zz\r\n" + data
    elif framing == 5:
        headers.append(("Transfer-Encoding", rng.choice(["gzip", "chunked, gzip", "bogus"])))
    elif framing == 6 and rng.random() < 0.2:                     # more than the limit, really sent
        data = b" " * (MAX_BODY + 1)
        headers.append(("Content-Length", str(len(data))))
    else:
        headers.append(("Content-Length", str(len(data))))
    if rng.random() < 0.05:
        headers.append(("X-Long", "y" * rng.choice([100, 70000])))
    if rng.random() < 0.04:                                       # an exec's WebSocket upgrade
        headers += [("Upgrade", "websocket"), ("Connection", "Upgrade"), ("Sec-WebSocket-Version", "13"),
                    ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                    ("Sec-WebSocket-Protocol", rng.choice(["v5.channel.k8s.io", "v4.channel.k8s.io", "bogus"]))]
        if rng.random() < 0.5:
            path = "/api/v1/namespaces/default/pods/fuzz-pod/exec?command=" + rng.choice(
                ["sh", "ls", "cat%20/etc/hostname", "", "sleep%20600"]) + rng.choice(["", "&stdin=true", "&tty=1"])
    head = f"{method} {path} HTTP/1.1\r\n".encode("utf-8", "surrogateescape")
    if rng.random() < 0.03:
        head = rng.choice([b"GARBAGE\r\n", f"{method} {path} HTTP/2.0\r\n".encode(), b"GET\r\n",
                           f"{method} {path} HTTP/1.1 extra\r\n".encode()])
    head += b"".join(f"{k}: {v}\r\n".encode("utf-8") for k, v in headers) + b"\r\n"
    return head + data, truncated


class Response:
    def __init__(self, status: int, headers: dict, body: bytes):
        self.status, self.headers, self.body = status, headers, body


def send(host: str, port: int, raw: bytes, truncated: bool = False, timeout: float = 15.0,
         head: bool = False) -> Response | None:
    """Send ``raw`` on a new connection; the response's status, headers and (unless it streams) body.
    None if the server closed the connection without answering."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise ValueError("fuzzing is only for a server on the loopback interface")
    with socket.create_connection((host, port), timeout=timeout) as sock:
        try:
            sock.sendall(raw)
            if truncated:
                sock.shutdown(socket.SHUT_WR)
        except OSError:
            pass                                  # the server answered (413) and closed early
        f = sock.makefile("rb")
        try:
            line = f.readline(65537)
            if not line:
                return None
            parts = line.split(None, 2)
            status = int(parts[1])
            headers = {}
            while True:
                h = f.readline(65537)
                if h in (b"\r\n", b"\n", b""):
                    break
                k, _, v = h.decode("latin-1").partition(":")
                headers[k.strip().lower()] = v.strip()
            if head or status in (101, 204, 304):
                data = b""
            elif "content-length" in headers:
                data = f.read(int(headers["content-length"]))
            else:
                data = b""                        # a stream (watch, logs -f): hang up on it
            return Response(status, headers, data)
        except (OSError, ValueError, IndexError):
            return None
        finally:
            f.close()


def status_problems(resp: Response, method: bytes | str = "") -> list[str]:
    """What is wrong with a response to a malformed request: a 5xx, or an error that is not a Status."""
    problems = []
    if resp.status >= 500:
        problems.append(f"status {resp.status}")
    if resp.status >= 400 and resp.body:
        try:
            st = json.loads(resp.body)
        except ValueError:
            return problems + [f"error body is not JSON: {resp.body[:100]!r}"]
        shape = (isinstance(st, dict) and st.get("kind") == "Status" and st.get("apiVersion") == "v1"
                 and st.get("metadata") == {} and st.get("status") == "Failure" and st.get("code") == resp.status
                 and isinstance(st.get("message"), str) and isinstance(st.get("reason"), str))
        if not shape:
            problems.append(f"error body is not a Status: {resp.body[:200]!r}")
    elif resp.status >= 400 and str(method).upper() != "HEAD":
        problems.append("error without a body")
    return problems


def run(host: str, port: int, n: int, seed: int = 0, time_limit: float = 600.0) -> dict:
    """Send ``n`` generated requests; what came back (status counts, problems found)."""
    rng = random.Random(seed)
    counts: dict = {}
    problems: list = []
    start = time.monotonic()
    sent = 0
    for i in range(n):
        if time.monotonic() - start > time_limit:
            break
        raw, truncated = request(rng)
        method = raw.split(b" ", 1)[0].decode("latin-1")
        resp = send(host, port, raw, truncated, head=method == "HEAD")
        sent += 1
        key = resp.status if resp else "closed"
        counts[key] = counts.get(key, 0) + 1
        if resp is not None:
            for p in status_problems(resp, method):
                problems.append((i, raw[:160], p))
    return {"sent": sent, "counts": counts, "problems": problems, "seconds": time.monotonic() - start}
