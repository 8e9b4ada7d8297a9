"""minik8s serve, driven by the official Kubernetes Python client (the ``kubernetes`` package).

The server is started on a free port for the module; every test talks to it over HTTP only,
as a program outside the cluster would. Kubernetes API conventions tested here are described at
https://kubernetes.io/docs/reference/using-api/api-concepts/ (watch, pagination, tables, errors,
optimistic concurrency) and https://kubernetes.io/docs/concepts/overview/kubernetes-api/ (discovery).
"""

from __future__ import annotations

import json
import threading
import time
import urllib.request

import pytest

kubernetes = pytest.importorskip("kubernetes")
from kubernetes import client, watch  # noqa: E402
from kubernetes.client.rest import ApiException  # noqa: E402
from kubernetes.stream import stream  # noqa: E402

from minik8s import Cluster  # noqa: E402

NGINX = {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
         "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                  "template": {"metadata": {"labels": {"app": "web"}},
                               "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}


@pytest.fixture(scope="module")
def server():
    c = Cluster(nodes=2, seed=0)
    srv = c.serve(port=0, speed=20)
    yield srv
    srv.stop()


@pytest.fixture(scope="module")
def api(server):
    cfg = client.Configuration()
    cfg.host = server.url
    return client.ApiClient(cfg)


def wait_for(pred, timeout=20.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


def raw(server, path, method="GET", body=None, headers=None):
    req = urllib.request.Request(server.url + path, method=method,
                                 data=json.dumps(body).encode() if body is not None else None,
                                 headers=headers or {})
    try:
        with urllib.request.urlopen(req) as r:
            return r.status, r.headers, json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        return e.code, e.headers, json.loads(e.read() or b"null")


def test_version_with_trailing_slash(api):
    """The Python client asks /version/ (trailing slash); kubectl's dispatcher reads the minor."""
    v = client.VersionApi(api).get_code()
    assert (v.major, v.minor) == ("1", "33")
    assert v.git_version.startswith("v1.33.")


def test_legacy_discovery_lists_resources_and_subresources(api):
    """https://kubernetes.io/docs/concepts/overview/kubernetes-api/#discovery-api (unaggregated)."""
    core = client.CoreV1Api(api).get_api_resources()
    names = {r.name: r for r in core.resources}
    assert names["pods"].namespaced and names["pods"].short_names == ["po"]
    assert "pods/log" in names and "pods/exec" in names and "pods/status" in names
    apps = client.AppsV1Api(api).get_api_resources()
    scale = {r.name: r for r in apps.resources}["deployments/scale"]
    assert (scale.group, scale.version, scale.kind) == ("autoscaling", "v1", "Scale")
    groups = client.ApisApi(api).get_api_versions()
    assert "apps" in [g.name for g in groups.groups]


def test_aggregated_discovery_content_type(server):
    """Aggregated discovery v2 is answered with its own content type when asked for."""
    accept = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json"
    code, headers, body = raw(server, "/apis", headers={"Accept": accept})
    assert code == 200
    assert headers["Content-Type"] == "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList"
    apps = [g for g in body["items"] if g["metadata"]["name"] == "apps"][0]
    deploy = [r for r in apps["versions"][0]["resources"] if r["resource"] == "deployments"][0]
    assert deploy["shortNames"] == ["deploy"] and deploy["scope"] == "Namespaced"
    assert {"subresource": "scale", "responseKind": {"group": "autoscaling", "version": "v1", "kind": "Scale"},
            "verbs": ["get", "patch", "update"]} in deploy["subresources"]
    code, _h, plain = raw(server, "/api")
    assert plain["kind"] == "APIVersions" and plain["versions"] == ["v1"]


def test_create_get_list_delete_configmap(api):
    v1 = client.CoreV1Api(api)
    body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"a": "1"}}
    made = v1.create_namespaced_config_map("default", body)
    assert made.metadata.uid and made.metadata.resource_version
    got = v1.read_namespaced_config_map("cfg", "default")
    assert got.data == {"a": "1"}
    assert "cfg" in [c.metadata.name for c in v1.list_namespaced_config_map("default").items]
    with pytest.raises(ApiException) as e:
        v1.create_namespaced_config_map("default", body)
    assert e.value.status == 409 and json.loads(e.value.body)["reason"] == "AlreadyExists"
    st = v1.delete_namespaced_config_map("cfg", "default")
    st = st if isinstance(st, dict) else api.sanitize_for_serialization(st)
    assert st["status"] == "Success" and st["details"]["name"] == "cfg"
    with pytest.raises(ApiException) as e:
        v1.read_namespaced_config_map("cfg", "default")
    status = json.loads(e.value.body)
    assert e.value.status == 404 and status["message"] == 'configmaps "cfg" not found'


def test_put_with_stale_resource_version_is_a_conflict(api):
    """Optimistic concurrency: https://kubernetes.io/docs/reference/using-api/api-concepts/#resource-versions"""
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_config_map("default", {"metadata": {"name": "occ"}, "data": {"v": "1"}})
    first = v1.read_namespaced_config_map("occ", "default")
    first.data = {"v": "2"}
    v1.replace_namespaced_config_map("occ", "default", first)       # succeeds, bumps resourceVersion
    first.data = {"v": "3"}                                           # still carries the old version
    with pytest.raises(ApiException) as e:
        v1.replace_namespaced_config_map("occ", "default", first)
    assert e.value.status == 409
    assert "the object has been modified" in json.loads(e.value.body)["message"]
    assert v1.read_namespaced_config_map("occ", "default").data == {"v": "2"}


def test_validation_error_is_422_with_causes(api):
    v1 = client.CoreV1Api(api)
    bad = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "Bad_Name"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    with pytest.raises(ApiException) as e:
        v1.create_namespaced_pod("default", bad)
    status = json.loads(e.value.body)
    assert e.value.status == 422 and status["reason"] == "Invalid"
    assert status["details"]["causes"][0]["field"] == "metadata.name"


def test_strict_field_validation_rejects_unknown_fields(server):
    """fieldValidation=Strict: https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation"""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "typo"},
           "spec": {"containers": [{"name": "c", "image": "nginx", "imagePullPolicyy": "Always"}]}}
    code, _h, status = raw(server, "/api/v1/namespaces/default/pods?fieldValidation=Strict", "POST", pod,
                           {"Content-Type": "application/json"})
    assert code == 400
    assert 'unknown field "spec.containers[0].imagePullPolicyy"' in status["message"]


def test_unknown_path_405_and_415(server):
    code, _h, status = raw(server, "/api/v1/nosuchthings")
    assert code == 404 and status["kind"] == "Status"
    code, _h, status = raw(server, "/api/v1/namespaces/default/configmaps", "PUT", {},
                           {"Content-Type": "application/json"})
    assert code == 405 and status["reason"] == "MethodNotAllowed"
    code, _h, status = raw(server, "/api/v1/namespaces/default/configmaps/x", "PATCH", {},
                           {"Content-Type": "text/plain"})
    assert code == 415 and status["reason"] == "UnsupportedMediaType"
    code, _h, status = raw(server, "/api/v1/namespaces/default/configmaps/x", "PATCH", {},
                           {"Content-Type": "application/apply-patch+yaml"})
    assert code == 415 and "server-side apply" in status["message"]


def test_pagination_with_limit_and_continue(api):
    """https://kubernetes.io/docs/reference/using-api/api-concepts/#retrieving-large-results-sets-in-chunks"""
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "pages"}})
    for i in range(7):
        v1.create_namespaced_config_map("pages", {"metadata": {"name": f"cm-{i}"}})
    seen, token, pages = [], None, 0
    while True:
        page = v1.list_namespaced_config_map("pages", limit=3, _continue=token)
        pages += 1
        assert len(page.items) <= 3
        seen += [c.metadata.name for c in page.items]
        token = page.metadata._continue
        if not token:
            break
    assert pages == 3
    assert sorted(n for n in seen if n.startswith("cm-")) == [f"cm-{i}" for i in range(7)]
    assert len(seen) == len(set(seen))


def test_deployment_rolls_out_and_scale_subresource(api, server):
    apps = client.AppsV1Api(api)
    v1 = client.CoreV1Api(api)
    apps.create_namespaced_deployment("default", NGINX)
    wait_for(lambda: (apps.read_namespaced_deployment("web", "default").status.ready_replicas or 0) == 2,
             what="2 ready replicas")
    pods = v1.list_namespaced_pod("default", label_selector="app=web").items
    assert len(pods) == 2 and all(p.status.phase == "Running" for p in pods)
    scale = apps.patch_namespaced_deployment_scale("web", "default", {"spec": {"replicas": 3}})
    assert scale.kind == "Scale" and scale.spec.replicas == 3
    wait_for(lambda: len(v1.list_namespaced_pod("default", label_selector="app=web").items) == 3,
             what="3 pods")
    assert apps.read_namespaced_deployment_scale("web", "default").status.replicas >= 2


def test_strategic_merge_patch_set_image(api):
    """kubectl set image sends a strategic merge patch keyed by container name."""
    apps = client.AppsV1Api(api)
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "nginx", "image": "nginx:1.28"}]}}}}
    out = apps.patch_namespaced_deployment("web", "default", patch)   # client picks strategic for dicts
    assert out.spec.template.spec.containers[0].image == "nginx:1.28"
    assert out.metadata.generation >= 2


def test_server_side_table_uses_kubectl_columns(server):
    """Receiving resources as Tables: the columns are kubectl's (NAME READY STATUS RESTARTS AGE ...)."""
    code, _h, table = raw(server, "/api/v1/namespaces/default/pods?labelSelector=app%3Dweb",
                          headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert code == 200 and table["kind"] == "Table"
    cols = [(c["name"], c["priority"]) for c in table["columnDefinitions"]]
    assert cols[:5] == [("Name", 0), ("Ready", 0), ("Status", 0), ("Restarts", 0), ("Age", 0)]
    assert ("Node", 1) in cols                     # -o wide only
    row = table["rows"][0]
    assert row["object"]["kind"] == "PartialObjectMetadata"        # includeObject=Metadata by default
    assert row["cells"][0] == row["object"]["metadata"]["name"]
    code, _h, full = raw(server, "/api/v1/namespaces/default/pods?includeObject=Object",
                         headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    assert full["rows"][0]["object"]["kind"] == "Pod"


def test_watch_without_resource_version_starts_with_added(api):
    """A watch with no resourceVersion first sends ADDED for every existing object."""
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "watched"}})
    v1.create_namespaced_config_map("watched", {"metadata": {"name": "before"}})
    w = watch.Watch()
    events = []
    for ev in w.stream(v1.list_namespaced_config_map, "watched", timeout_seconds=2):
        events.append((ev["type"], ev["object"].metadata.name))
    assert ("ADDED", "before") in events


def test_watch_from_resource_version_sees_every_change_in_order(api):
    v1 = client.CoreV1Api(api)
    v1.create_namespace({"metadata": {"name": "wrv"}})
    rv = v1.list_namespaced_config_map("wrv").metadata.resource_version
    got = []

    def consume():
        w = watch.Watch()
        for ev in w.stream(v1.list_namespaced_config_map, "wrv", resource_version=rv, timeout_seconds=5):
            got.append((ev["type"], ev["object"].metadata.name, (ev["object"].data or {}).get("n")))
            if len(got) == 5:
                w.stop()
    th = threading.Thread(target=consume)
    th.start()
    v1.create_namespaced_config_map("wrv", {"metadata": {"name": "a"}, "data": {"n": "0"}})
    for i in (1, 2, 3):
        v1.patch_namespaced_config_map("a", "wrv", {"data": {"n": str(i)}})
    v1.delete_namespaced_config_map("a", "wrv")
    th.join(10)
    assert got == [("ADDED", "a", "0"), ("MODIFIED", "a", "1"), ("MODIFIED", "a", "2"),
                   ("MODIFIED", "a", "3"), ("DELETED", "a", "3")]


def test_watch_timeout_seconds_ends_the_stream(api):
    v1 = client.CoreV1Api(api)
    t0 = time.monotonic()
    list(watch.Watch().stream(v1.list_namespaced_secret, "kube-public", timeout_seconds=1))
    assert 0.9 <= time.monotonic() - t0 < 5


def test_watch_bookmarks_when_asked(server):
    """allowWatchBookmarks: https://kubernetes.io/docs/reference/using-api/api-concepts/#watch-bookmarks"""
    with urllib.request.urlopen(server.url + "/api/v1/namespaces/kube-public/configmaps?watch=true"
                                "&allowWatchBookmarks=true&timeoutSeconds=7") as r:
        lines = [json.loads(x) for x in r.read().splitlines() if x.strip()]
    marks = [e for e in lines if e["type"] == "BOOKMARK"]
    assert marks and int(marks[0]["object"]["metadata"]["resourceVersion"]) > 0


def test_pod_logs_and_follow(api):
    v1 = client.CoreV1Api(api)
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "talker"},
           "spec": {"restartPolicy": "Never", "containers": [{"name": "c", "image": "busybox",
                                    "command": ["sh", "-c", "for i in 1 2 3 4 5; do echo line $i; sleep 1; done"]}]}}
    v1.create_namespaced_pod("default", pod)
    wait_for(lambda: v1.read_namespaced_pod("talker", "default").status.phase in ("Running", "Succeeded"),
             what="talker running")
    resp = v1.read_namespaced_pod_log("talker", "default", follow=True, _preload_content=False)
    text = resp.read().decode()
    assert text.splitlines() == [f"line {i}" for i in range(1, 6)]
    assert v1.read_namespaced_pod_log("talker", "default", tail_lines=2) == "line 4\nline 5\n"


def test_exec_over_websocket(api):
    v1 = client.CoreV1Api(api)
    pods = v1.list_namespaced_pod("default", label_selector="app=web").items
    name = [p.metadata.name for p in pods if p.status.phase == "Running"][0]
    out = stream(v1.connect_get_namespaced_pod_exec, name, "default", command=["cat", "/etc/hostname"],
                 stderr=True, stdin=False, stdout=True, tty=False)
    assert out.strip() == name
    resp = stream(v1.connect_get_namespaced_pod_exec, name, "default", command=["sh", "-c", "exit 3"],
                  stderr=True, stdin=False, stdout=True, tty=False, _preload_content=False)
    resp.run_forever(timeout=5)
    assert resp.returncode == 3


def test_delete_propagation_foreground_keeps_owner_until_dependents_go(api):
    """Cascading deletion: https://kubernetes.io/docs/concepts/architecture/garbage-collection/#foreground-deletion"""
    apps = client.AppsV1Api(api)
    body = dict(NGINX, metadata={"name": "fg"})
    body = json.loads(json.dumps(body).replace('"web"', '"fg"'))
    apps.create_namespaced_deployment("default", body)
    wait_for(lambda: apps.list_namespaced_replica_set("default", label_selector="app=fg").items, what="rs")
    out = apps.delete_namespaced_deployment("fg", "default", propagation_policy="Foreground")
    out = out if isinstance(out, dict) else api.sanitize_for_serialization(out)
    # the answer is the Deployment as it now stands: marked for deletion, waiting on its dependents
    assert out["kind"] == "Deployment" and out["metadata"]["deletionTimestamp"]
    assert "foregroundDeletion" in out["metadata"]["finalizers"]
    wait_for(lambda: not [d for d in apps.list_namespaced_deployment("default").items
                          if d.metadata.name == "fg"], what="fg gone")
    assert not apps.list_namespaced_replica_set("default", label_selector="app=fg").items


def test_openapi_v3_patch_lists_field_validation(server):
    """kubectl sends fieldValidation=Strict when the PATCH operation lists it (OpenAPI v3)."""
    code, _h, index = raw(server, "/openapi/v3")
    url = index["paths"]["apis/apps/v1"]["serverRelativeURL"]
    code, _h, doc = raw(server, url)
    op = doc["paths"]["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]["patch"]
    assert "fieldValidation" in [p["name"] for p in op["parameters"]]
    assert "application/strategic-merge-patch+json" in op["requestBody"]["content"]
    dep = doc["components"]["schemas"]["io.k8s.api.apps.v1.Deployment"]
    assert dep["x-kubernetes-group-version-kind"] == [{"group": "apps", "kind": "Deployment", "version": "v1"}]
    containers = doc["components"]["schemas"]["io.k8s.api.core.v1.PodSpec"]["properties"]["containers"]
    assert containers["x-kubernetes-patch-merge-key"] == "name"


def test_interactive_shell_over_a_terminal(api):
    """kubectl exec -it POD -- sh: the server echoes what is typed and runs each line on Enter."""
    v1 = client.CoreV1Api(api)
    v1.create_namespaced_pod("default", {"metadata": {"name": "shell"}, "spec": {"containers": [
        {"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}})
    wait_for(lambda: v1.read_namespaced_pod("shell", "default").status.phase == "Running", what="shell running")
    ws = stream(v1.connect_get_namespaced_pod_exec, "shell", "default", command=["sh"], stdin=True,
                stdout=True, stderr=True, tty=True, _preload_content=False)
    ws.write_stdin("echo hi there\r")
    text = ""
    deadline = time.monotonic() + 5
    while "hi there\r\n/ # " not in text and time.monotonic() < deadline:
        ws.update(timeout=0.5)
        text += ws.read_stdout(timeout=0.1) or ""
    assert text == "/ # echo hi there\r\nhi there\r\n/ # "
    ws.write_stdin("exit 4\r")
    ws.run_forever(timeout=5)
    assert ws.returncode == 4


def test_metrics_api_for_kubectl_top(server, api):
    """metrics.k8s.io: https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/"""
    code, _h, groups = raw(server, "/apis")
    assert "metrics.k8s.io" in [g["name"] for g in groups["groups"]]
    code, _h, nodes = raw(server, "/apis/metrics.k8s.io/v1beta1/nodes")
    assert code == 200 and nodes["kind"] == "NodeMetricsList"
    assert [n["metadata"]["name"] for n in nodes["items"]] == ["node-1", "node-2"]
    assert nodes["items"][0]["usage"]["memory"].endswith("Ki")
    code, _h, pm = raw(server, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/shell")
    assert code == 200 and pm["kind"] == "PodMetrics" and pm["containers"][0]["name"] == "c"
    code, _h, missing = raw(server, "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/nope")
    assert code == 404


def test_watch_as_table_sends_columns_once(server):
    """kubectl get -w: every event's object is a one-row Table; column definitions come first."""
    for name in ("tw-1", "tw-2"):
        raw(server, "/api/v1/namespaces/default/configmaps", "POST",
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}}, {"Content-Type": "application/json"})
    req = urllib.request.Request(server.url + "/api/v1/namespaces/default/configmaps?watch=true&timeoutSeconds=1",
                                 headers={"Accept": "application/json;as=Table;v=v1;g=meta.k8s.io"})
    with urllib.request.urlopen(req) as r:
        events = [json.loads(x) for x in r.read().splitlines() if x.strip()]
    assert len(events) >= 2
    assert all(e["object"]["kind"] == "Table" and len(e["object"]["rows"]) == 1 for e in events)
    assert events[0]["object"]["columnDefinitions"][0]["name"] == "Name"
    assert all(not e["object"]["columnDefinitions"] for e in events[1:])


def test_watch_ends_when_the_apiserver_stops(server, api):
    """c.stop("kube-apiserver") ends open watches, as a restarting API server drops its connections."""
    v1 = client.CoreV1Api(api)
    done = threading.Event()

    def consume():
        for _ev in watch.Watch().stream(v1.list_namespaced_secret, "kube-public", timeout_seconds=30):
            pass
        done.set()
    th = threading.Thread(target=consume, daemon=True)
    th.start()
    time.sleep(0.5)
    with server.lock:
        server.cluster.stop("kube-apiserver")
    try:
        assert done.wait(5)
        code, _h, status = raw(server, "/api/v1/namespaces")
        assert code == 503
    finally:
        with server.lock:
            server.cluster.start("kube-apiserver")
    assert raw(server, "/api/v1/namespaces")[0] == 200


def _start_cli(tmp_path, state):
    import subprocess
    import sys
    kc = tmp_path / "kubeconfig"
    proc = subprocess.Popen([sys.executable, "-m", "minik8s", "serve", "--port", "0", "--nodes", "1",
                             "--kubeconfig", str(kc), "--state", str(state)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            cwd=str(__import__("pathlib").Path(__file__).resolve().parents[1]))
    first = proc.stdout.readline()
    assert first.startswith("minik8s API server at http://127.0.0.1:"), first + proc.stderr.read()
    url = first.split()[4]
    assert f"server: {url}" in kc.read_text()
    return proc, url


def test_cli_serve_saves_on_ctrl_c_and_reloads(tmp_path):
    """python -m minik8s serve --state FILE: Ctrl-C stops cleanly and saves; the next start reloads it."""
    import signal
    state = tmp_path / "cluster.json"
    proc, url = _start_cli(tmp_path, state)
    try:
        cfg = client.Configuration()
        cfg.host = url
        v1 = client.CoreV1Api(client.ApiClient(cfg))
        made = v1.create_namespaced_config_map("default", {"metadata": {"name": "kept"}, "data": {"k": "v"}})
        # a new served cluster's clock starts at the current time: kubectl's own age arithmetic works
        import datetime
        skew = abs((datetime.datetime.now(datetime.timezone.utc) - made.metadata.creation_timestamp).total_seconds())
        assert skew < 60
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=20)
    assert proc.returncode == 0, err
    assert f"cluster saved to {state}" in out and "Traceback" not in err
    proc, url = _start_cli(tmp_path, state)
    try:
        cfg = client.Configuration()
        cfg.host = url
        v1 = client.CoreV1Api(client.ApiClient(cfg))
        assert v1.read_namespaced_config_map("kept", "default").data == {"k": "v"}
    finally:
        proc.send_signal(signal.SIGINT)
        proc.communicate(timeout=20)


def test_websocket_framing_follows_rfc_6455():
    """The handshake example of RFC 6455 section 1.3, and a masked client frame read back."""
    import io
    from minik8s.server import websocket as ws
    assert ws.accept_key("dGhlIHNhbXBsZSBub25jZQ==") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
    assert ws.choose_protocol("v4.channel.k8s.io, v5.channel.k8s.io") == "v5.channel.k8s.io"
    assert ws.choose_protocol("base64.channel.k8s.io") is None
    payload = bytes([0]) + b"x" * 300                      # stdin channel, a 16-bit length
    mask = b"\x01\x02\x03\x04"
    masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
    frame = bytes([0x82, 0x80 | 126]) + len(payload).to_bytes(2, "big") + mask + masked
    assert ws.read_message(io.BytesIO(frame), io.BytesIO()) == (ws.OP_BINARY, payload)
    out = ws.encode_frame(b"\x01hi")
    assert out == b"\x82\x03\x01hi"                        # server frames are not masked


def _pb_field(num: int, value) -> bytes:
    """Protobuf wire encoding (https://protobuf.dev/programming-guides/encoding/) of one field."""
    def varint(n):
        out = b""
        while True:
            b, n = n & 0x7F, n >> 7
            out += bytes([b | (0x80 if n else 0)])
            if not n:
                return out
    if isinstance(value, int):
        return varint(num << 3) + varint(value)
    data = value.encode() if isinstance(value, str) else value
    return varint(num << 3 | 2) + varint(len(data)) + data


def test_protobuf_body_as_kubectl_create_sends_it(server):
    """kubectl's typed clients POST application/vnd.kubernetes.protobuf: "k8s\\0" + runtime.Unknown
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#protobuf-encoding)."""
    meta = _pb_field(1, "pbcm") + _pb_field(2, "") + _pb_field(7, 0) + _pb_field(8, b"")   # Go writes zeros
    entry = _pb_field(1, "color") + _pb_field(2, "blue")
    cm = _pb_field(1, meta) + _pb_field(2, entry)
    envelope = b"k8s\x00" + _pb_field(1, _pb_field(1, "v1") + _pb_field(2, "ConfigMap")) + _pb_field(2, cm)
    req = urllib.request.Request(server.url + "/api/v1/namespaces/default/configmaps", data=envelope,
                                 method="POST", headers={"Content-Type": "application/vnd.kubernetes.protobuf",
                                                         "Accept": "application/vnd.kubernetes.protobuf,application/json"})
    with urllib.request.urlopen(req) as r:
        made = json.loads(r.read())
    assert r.status == 201 and made["data"] == {"color": "blue"}
    assert "generateName" not in made["metadata"]          # Go's zero values are not fields set
    bad = b"k8s\x00" + _pb_field(1, _pb_field(1, "v1") + _pb_field(2, "ConfigMap")) + _pb_field(
        2, _pb_field(1, _pb_field(1, "x")) + _pb_field(99, "surprise"))
    req = urllib.request.Request(server.url + "/api/v1/namespaces/default/configmaps", data=bad, method="POST",
                                 headers={"Content-Type": "application/vnd.kubernetes.protobuf"})
    with pytest.raises(urllib.error.HTTPError) as e:
        urllib.request.urlopen(req)
    assert e.value.code == 415
    assert "field 99 of ConfigMap (the object) is not known to minik8s" in json.loads(e.value.read())["message"]


def test_watch_from_a_compacted_revision_is_410_gone(tmp_path):
    """A resourceVersion older than etcd's history: an ERROR event with a 410 Expired Status
    (https://kubernetes.io/docs/reference/using-api/api-concepts/#410-gone-responses)."""
    c = Cluster(nodes=0, seed=0)
    c.save(str(tmp_path / "c.json"))
    loaded = Cluster.load(str(tmp_path / "c.json"))        # a restored etcd keeps no history
    srv = loaded.serve(port=0, speed=0)
    try:
        with urllib.request.urlopen(srv.url + "/api/v1/namespaces?watch=true&resourceVersion=1") as r:
            events = [json.loads(x) for x in r.read().splitlines() if x.strip()]
    finally:
        srv.stop()
    assert len(events) == 1 and events[0]["type"] == "ERROR"
    status = events[0]["object"]
    assert (status["kind"], status["code"], status["reason"]) == ("Status", 410, "Expired")
    assert status["message"].startswith("too old resource version: 1 (")


def test_streaming_list_ends_initial_events_with_a_bookmark(server):
    """sendInitialEvents=true: https://kubernetes.io/docs/reference/using-api/api-concepts/#streaming-lists"""
    url = (server.url + "/api/v1/namespaces?watch=true&sendInitialEvents=true&allowWatchBookmarks=true"
           "&resourceVersionMatch=NotOlderThan&timeoutSeconds=1")
    with urllib.request.urlopen(url) as r:
        events = [json.loads(x) for x in r.read().splitlines() if x.strip()]
    end = [i for i, e in enumerate(events) if e["type"] == "BOOKMARK"
           and e["object"]["metadata"].get("annotations", {}).get("k8s.io/initial-events-end") == "true"]
    assert end, events
    added = [e["object"]["metadata"]["name"] for e in events[:end[0]]]
    assert {"default", "kube-system", "kube-public", "kube-node-lease"} <= set(added)
    assert all(e["type"] == "ADDED" for e in events[:end[0]])
