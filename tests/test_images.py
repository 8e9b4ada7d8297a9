"""Images: references, pulls and their errors, and the built-in images the docs' examples use.

https://kubernetes.io/docs/concepts/containers/images/ (names, tags, the registry default),
https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
(agnhost liveness, goproxy), https://kubernetes.io/docs/tutorials/stateless-application/ (nginx pages).
"""

import random

import pytest

from minik8s.clock import Clock
from minik8s.net.podnetwork import PodNetwork
from minik8s.runtime import CATALOGUE, ContainerRuntime, ImagePullError, ImageRegistry, image, normalize
from minik8s.runtime.images import PULL_BANDWIDTH, PULL_OVERHEAD, repository


@pytest.fixture
def rt():
    return ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())


def pull(rt, ref):
    out = []
    t0 = rt.clock.now
    rt.pull_image(ref, lambda err, iid: out.append((rt.clock.now - t0, err, iid)))
    rt.clock.run_until(lambda: bool(out), timeout=600)
    return out[0]


# --- references -------------------------------------------------------------------------------
@pytest.mark.parametrize("ref,full", [
    ("nginx", "docker.io/library/nginx:latest"),
    ("nginx:1.14.2", "docker.io/library/nginx:1.14.2"),
    ("polinux/stress", "docker.io/polinux/stress:latest"),
    ("registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.9"),
    ("localhost:5000/app", "localhost:5000/app:latest"),
    ("docker.io/library/busybox:1.28", "docker.io/library/busybox:1.28"),
])
def test_normalize(ref, full):
    """An image name without a registry means Docker Hub, and no tag means ``latest``
    (https://kubernetes.io/docs/concepts/containers/images/#image-names)."""
    assert normalize(ref) == full


def test_invalid_reference():
    with pytest.raises(ImagePullError) as e:
        normalize("Nginx:1.0")
    assert str(e.value) == "invalid reference format: repository name must be lowercase"


def test_repository():
    assert repository("docker.io/library/nginx:1.14.2") == "docker.io/library/nginx"
    assert repository("localhost:5000/app:1") == "localhost:5000/app"


# --- pulls --------------------------------------------------------------------------------------
def test_pull_takes_time_in_proportion_to_size(rt):
    took, err, iid = pull(rt, "nginx:1.14.2")
    img = rt.registry.resolve("nginx:1.14.2")
    assert err is None
    assert took == pytest.approx(PULL_OVERHEAD + img.size / PULL_BANDWIDTH, abs=1e-3)
    assert iid == img.repo_digest and iid.startswith("docker.io/library/nginx@sha256:")
    small, _, _ = pull(rt, "busybox:1.28")
    assert small < took
    assert rt.has_image("nginx:1.14.2") and not rt.has_image("nginx:1.16.1")
    assert rt.list_images() == ["docker.io/library/busybox:1.28", "docker.io/library/nginx:1.14.2"]
    assert rt.image_size("nginx:1.14.2") == img.size


def test_unknown_tag_fails_with_containerds_message(rt):
    """The wording kubelet shows after ``Failed to pull image "nginx:1.161": rpc error: code = NotFound desc = ``."""
    took, err, iid = pull(rt, "nginx:1.161")
    assert iid is None
    assert err == ('failed to pull and unpack image "docker.io/library/nginx:1.161": failed to resolve reference '
                   '"docker.io/library/nginx:1.161": docker.io/library/nginx:1.161: not found')
    assert err.code == "NotFound"
    assert not rt.image_known("nginx:1.161") and rt.image_known("nginx:1.16.1")


def test_unknown_repository_is_access_denied(rt):
    _, err, _ = pull(rt, "nginxx")
    assert err == ('failed to pull and unpack image "docker.io/library/nginxx:latest": failed to resolve reference '
                   '"docker.io/library/nginxx:latest": pull access denied, repository does not exist or may require '
                   'authorization: server message: insufficient_scope: authorization failed')
    assert err.code == "Unknown"


def test_unknown_registry_host(rt):
    _, err, _ = pull(rt, "myregistry.example/team/app:1.0")
    assert err.endswith('failed to do request: Head "https://myregistry.example/v2/team/app/manifests/1.0": '
                        'dial tcp: lookup myregistry.example: no such host')


def test_per_cluster_registration_does_not_leak():
    a = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())
    b = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())

    @image("my-app:1.0", registry=a.registry)
    def my_app(proc):
        proc.print("hi")
        return 0
    assert a.image_known("my-app:1.0")
    assert not b.image_known("my-app:1.0")
    assert CATALOGUE.get("my-app:1.0") is None


def test_nodes_of_one_cluster_share_the_registry():
    net = PodNetwork()
    a = ContainerRuntime(Clock(), random.Random(0), "node-1", net)
    b = ContainerRuntime(Clock(), random.Random(0), "node-2", net)
    assert a.registry is b.registry
    assert isinstance(a.registry, ImageRegistry) and a.registry.parent is CATALOGUE


def test_image_decorator_and_program(rt):
    @image("example.org/hello-reader:0.1", size="3Mi", registry=rt.registry)
    def hello(proc):
        proc.print(f"hello from {proc.hostname}")
        yield proc.sleep(1)
        return 0
    assert pull(rt, "example.org/hello-reader:0.1")[1] is None
    sb = rt.run_pod_sandbox("u", "reader", "default", "reader", "10.244.2.2")
    cid = rt.create_container(sb.id, "c", "example.org/hello-reader:0.1")
    rt.start_container(cid)
    rt.clock.run(2)
    assert rt.logs(cid) == "hello from reader\n"
    assert rt.container_status(cid).reason == "Completed"
    assert CATALOGUE.get("example.org/hello-reader:0.1") is None


def test_an_image_library_reaches_only_the_clusters_given_it():
    """Images are per cluster: a registry of one's own given to Cluster(images=...) is pulled from by
    that cluster only, and nothing registers in the shared built-in catalogue."""
    from minik8s import Cluster
    mine = ImageRegistry()

    @image("example.org/lib:1.0", registry=mine)
    def lib(proc):
        yield proc.sleep(1)
    with_it, without = Cluster(nodes=1, images=mine), Cluster(nodes=1)
    assert with_it.images.get("example.org/lib:1.0") is not None
    assert without.images.get("example.org/lib:1.0") is None and CATALOGUE.get("example.org/lib:1.0") is None
    import pytest
    with pytest.raises(TypeError):
        image("example.org/nowhere:1.0")            # a registry must be named: no process-wide images


def test_tags_the_docs_use_exist():
    for ref in ("nginx:1.14.2", "nginx:1.16.1", "nginx", "busybox", "busybox:1.28", "busybox:1.36",
                "registry.k8s.io/busybox", "registry.k8s.io/pause:3.9", "registry.k8s.io/pause:3.10",
                "registry.k8s.io/e2e-test-images/agnhost:2.40", "registry.k8s.io/goproxy:0.1", "polinux/stress",
                "vish/stress", "ubuntu", "debian", "alpine", "redis", "httpd", "minik8s/app:1.0"):
        assert CATALOGUE.get(ref) is not None, ref


# --- image behaviour ----------------------------------------------------------------------------
def start(rt, ref, ip, **kw):
    if not rt.has_image(ref):
        assert pull(rt, ref)[1] is None
    sb = rt.run_pod_sandbox("u" + ip, "p" + ip.replace(".", "-"), "default", "web-" + ip.rsplit(".", 1)[1], ip)
    cid = rt.create_container(sb.id, "c", ref, **kw)
    rt.start_container(cid)
    return cid


def test_nginx_serves_the_welcome_page_and_logs(rt):
    cid = start(rt, "nginx:1.14.2", "10.244.1.20")
    r = rt.http("10.244.1.20", 80, "GET", "/", {"User-Agent": "curl/8.5.0"})
    assert r.status == 200 and "<title>Welcome to nginx!</title>" in r.body
    assert len(r.body) == 612                      # nginx 1.14's index.html
    assert r.headers["Server"] == "nginx/1.14.2" and r.headers["X-Served-By"] == "web-20"
    missing = rt.http("10.244.1.20", 80, "GET", "/nope")
    assert missing.status == 404 and "<center>nginx/1.14.2</center>" in missing.body
    assert rt.logs(cid).splitlines() == [
        '10.244.1.1 - - [01/Jan/2025:00:00:02 +0000] "GET / HTTP/1.1" 200 612 "-" "curl/8.5.0" "-"',
        '10.244.1.1 - - [01/Jan/2025:00:00:02 +0000] "GET /nope HTTP/1.1" 404 169 "-" "-" "-"']


def test_newer_nginx_prints_its_entrypoint_lines(rt):
    cid = start(rt, "nginx:1.27", "10.244.1.21")
    rt.clock.run(1)
    logs = rt.logs(cid).splitlines()
    assert logs[0] == "/docker-entrypoint.sh: /docker-entrypoint.d/ is not empty, will attempt to perform configuration"
    assert logs[-1].endswith("[notice] 1#1: start worker process 29")
    assert len(rt.http("10.244.1.21", 80, "GET", "/").body) == 615
    assert rt.exec_sync(cid, ["ps"]).output.splitlines()[1].endswith("nginx -g daemon off;")


def test_nginx_serves_a_mounted_document_root(rt):
    from minik8s.runtime import Dir, File, Mount
    html = Dir()
    html.entries["index.html"] = File("hello from a volume\n")
    start(rt, "nginx:1.16.1", "10.244.1.22", mounts=[Mount("/usr/share/nginx/html", html, read_only=True)])
    assert rt.http("10.244.1.22", 80, "GET", "/").body == "hello from a volume\n"


def test_agnhost_liveness_turns_bad_after_10_seconds(rt):
    """The docs' liveness-http example: /healthz is 200 for the first 10 s, then 500."""
    start(rt, "registry.k8s.io/e2e-test-images/agnhost:2.40", "10.244.1.23", args=["liveness"])
    rt.clock.run(10)
    assert rt.http("10.244.1.23", 8080, "GET", "/healthz").status == 200
    rt.clock.run(1)
    r = rt.http("10.244.1.23", 8080, "GET", "/healthz")
    assert (r.status, r.body) == (500, "error: 11")


def test_agnhost_netexec_and_serve_hostname(rt):
    start(rt, "registry.k8s.io/e2e-test-images/agnhost:2.40", "10.244.1.24", args=["netexec", "--http-port=8080"])
    assert rt.http("10.244.1.24", 8080, "GET", "/hostname").body == "web-24"
    assert rt.http("10.244.1.24", 8080, "GET", "/echo?msg=hi").body == "hi"
    start(rt, "registry.k8s.io/e2e-test-images/agnhost:2.40", "10.244.1.25", args=["serve-hostname"])
    assert rt.http("10.244.1.25", 9376, "GET", "/").body == "web-25"


def test_goproxy_accepts_tcp_on_8080(rt):
    """The docs' tcpSocket probe example checks port 8080 of registry.k8s.io/goproxy:0.1."""
    start(rt, "registry.k8s.io/goproxy:0.1", "10.244.1.26")
    assert rt.tcp_connect("10.244.1.26", 8080)
    assert not rt.tcp_connect("10.244.1.26", 8081)


def test_pause_exits_zero_on_sigterm(rt):
    cid = start(rt, "registry.k8s.io/pause:3.10", "10.244.1.27")
    rt.stop_container(cid, 30)
    rt.clock.run(0)
    st = rt.container_status(cid)
    assert (st.exit_code, rt.logs(cid)) == (0, "Shutting down, got signal: Terminated\n")


def test_redis_and_httpd(rt):
    redis = start(rt, "redis", "10.244.1.28")
    rt.clock.run(1)
    assert rt.logs(redis).splitlines()[-1].endswith("* Ready to accept connections tcp")
    assert rt.tcp_connect("10.244.1.28", 6379)
    start(rt, "httpd", "10.244.1.29")
    assert rt.http("10.244.1.29", 80, "GET", "/").body == "<html><body><h1>It works!</h1></body></html>\n"


def test_get_a_shell_to_a_running_container(rt):
    """https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/: write
    nginx's index.html from inside, then curl localhost."""
    cid = start(rt, "nginx:1.27", "10.244.1.30")
    rt.exec_sync(cid, ["sh", "-c", "echo 'Hello shell demo' > /usr/share/nginx/html/index.html"])
    assert rt.exec_sync(cid, ["curl", "http://localhost/"]).output == "Hello shell demo\n"
    assert "/etc/hosts" in rt.exec_sync(cid, ["cat", "/proc/mounts"]).output
    r = rt.exec_sync(cid, ["curl", "-s", "http://localhost:8080/"])
    assert (r.exit_code, r.output) == (7, "curl: (7) Failed to connect to localhost port 8080 after 0 ms: "
                                          "Couldn't connect to server\n")
    assert rt.exec_sync(cid, ["curl", "http://web/"]).output == "curl: (6) Could not resolve host: web\n"
    rt.resolver = lambda proc, name: "10.244.1.30" if name == "web" else None
    assert rt.exec_sync(cid, ["curl", "-I", "http://web/"]).output.startswith("HTTP/1.1 200 OK\r\nServer: nginx/")


def test_perl_pi_job_from_the_jobs_docs(rt):
    """https://kubernetes.io/docs/concepts/workloads/controllers/job/#running-an-example-job:
    ``perl -Mbignum=bpi -wle 'print bpi(2000)'`` prints pi to 2000 digits."""
    cid = start(rt, "perl:5.34.0", "10.244.1.40", command=["perl", "-Mbignum=bpi", "-wle", "print bpi(2000)"])
    rt.clock.run(4)
    assert rt.container_status(cid).state == "running"          # it computes for 5 CPU-seconds
    rt.clock.run(2)
    out = rt.logs(cid).strip()
    assert rt.container_status(cid).reason == "Completed"
    assert out.startswith("3.14159265358979323846264338327950288419716939937510")
    assert len(out) == 2001


def test_tutorial_apps(rt):
    start(rt, "gcr.io/google-samples/kubernetes-bootcamp:v1", "10.244.1.41")
    assert rt.http("10.244.1.41", 8080).body == "Hello Kubernetes bootcamp! | Running on: web-41 | v=1\n"
    start(rt, "us-docker.pkg.dev/google-samples/containers/gke/hello-app:2.0", "10.244.1.42")
    assert rt.http("10.244.1.42", 8080).body == "Hello, world!\nVersion: 2.0.0\nHostname: web-42\n"
    start(rt, "registry.k8s.io/echoserver:1.4", "10.244.1.43")
    assert "real path=/x" in rt.http("10.244.1.43", 8080, "GET", "/x").body


def test_hpa_example_burns_cpu_per_request(rt):
    """The HorizontalPodAutoscaler walkthrough's php-apache: load shows up as CPU use."""
    cid = start(rt, "registry.k8s.io/hpa-example", "10.244.1.44")
    assert rt.http("10.244.1.44", 80).body == "OK!"
    rt.clock.run(0.05)
    assert rt.stats(cid)["cpu"] == 1000
    rt.clock.run(1)
    assert rt.stats(cid)["cpu"] == 0
    assert rt.stats(cid)["cpu_seconds"] == pytest.approx(0.1)
