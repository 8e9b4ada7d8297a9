"""minik8s serve, driven by the real kubectl binary (skipped, saying why, when none is installed).

Each test session gets its own HOME and KUBECACHEDIR: kubectl caches discovery and OpenAPI per
host:port on disk. kubectl's behaviour is documented at https://kubernetes.io/docs/reference/kubectl/
(commands) and https://kubernetes.io/docs/reference/using-api/api-concepts/ (what it asks the server).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time

import pytest

from minik8s import Cluster

KUBECTL = shutil.which("kubectl")
pytestmark = pytest.mark.skipif(
    KUBECTL is None, reason="no kubectl binary on this machine: the real-kubectl tests need one on PATH "
                            "(tests/test_server.py drives the same server with the Python client)")

DEPLOY = """\
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
        ports:
        - containerPort: 80
"""


# kubectl <= v1.32 reads an exec WebSocket before it has registered its streams and drops a frame that
# arrives in between, saying so on stderr (client-go's remotecommand/websocket.go, fixed upstream by
# waiting for the streams). The server waits before its first frame; on a loaded machine the client
# can still lose the race, and then the command is run again, as a user would.
CLIENT_STREAM_RACE = "Unknown stream id"


def kubectl(args: str | list[str], env: dict, stdin: str | None = None, timeout: float = 60,
            cwd: str | None = None) -> subprocess.CompletedProcess:
    argv = [KUBECTL] + (args.split() if isinstance(args, str) else args)
    for _attempt in range(3):
        p = subprocess.run(argv, input=stdin, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd)
        if CLIENT_STREAM_RACE not in p.stderr:
            break
    return p


@pytest.fixture(scope="module")
def kube(tmp_path_factory):
    home = tmp_path_factory.mktemp("kubectl-home")
    c = Cluster(nodes=2, seed=0)
    srv = c.serve(port=0, speed=20, kubeconfig=str(home / "kubeconfig"))
    env = dict(os.environ, HOME=str(home), KUBECONFIG=str(home / "kubeconfig"),
               KUBECACHEDIR=str(home / "cache"))

    def run(args: str | list[str], stdin: str | None = None, timeout: float = 60, check: bool = True):
        p = kubectl(args, env, stdin=stdin, timeout=timeout, cwd=str(home))
        if check and p.returncode != 0:
            raise AssertionError(f"kubectl {args} exited {p.returncode}:\n{p.stdout}\n{p.stderr}")
        return p
    run.server, run.home, run.env = srv, home, env
    yield run
    srv.stop()


def configmap(name: str, **data) -> str:
    """A ConfigMap manifest (``kubectl create configmap`` sends protobuf, which this server does not decode)."""
    body = "".join(f"\n  {k}: \"{v}\"" for k, v in data.items())
    return f"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n" + (f"data:{body}\n" if data else "")


def wait_for(pred, timeout=30.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        v = pred()
        if v:
            return v
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


def lines(text: str) -> list[list[str]]:
    return [ln.split() for ln in text.splitlines() if ln.strip()]


def test_version_and_nodes(kube):
    """The dispatcher runs the kubectl matching the server's minor (33)."""
    out = kube("version").stdout
    assert "Server Version: v1.33.0" in out
    rows = lines(kube("get nodes").stdout)
    assert rows[0] == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert [r[0] for r in rows[1:]] == ["node-1", "node-2"] and all(r[1] == "Ready" for r in rows[1:])
    wide = kube("get nodes -o wide").stdout.splitlines()[0]
    assert "INTERNAL-IP" in wide and "CONTAINER-RUNTIME" in wide


def test_api_resources_from_discovery(kube):
    rows = lines(kube("api-resources").stdout)
    assert ["deployments", "deploy", "apps/v1", "true", "Deployment"] in rows
    assert ["pods", "po", "v1", "true", "Pod"] in rows
    assert ["pods", "metrics.k8s.io/v1beta1", "true", "PodMetrics"] in rows     # what kubectl top reads


def test_apply_creates_then_configures_then_unchanged(kube):
    """kubectl apply: https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/"""
    (kube.home / "web.yaml").write_text(DEPLOY)
    assert kube("apply -f web.yaml").stdout == "deployment.apps/web created\n"
    assert kube("apply -f web.yaml").stdout == "deployment.apps/web unchanged\n"
    (kube.home / "web.yaml").write_text(DEPLOY.replace("replicas: 2", "replicas: 3"))
    assert kube("apply -f web.yaml").stdout == "deployment.apps/web configured\n"
    out = kube("get deploy web -o jsonpath={.spec.replicas}").stdout
    assert out == "3"
    wait_for(lambda: kube("get deploy web -o jsonpath={.status.readyReplicas}").stdout == "3",
             what="3 ready replicas")


def test_apply_with_unknown_field_fails_strictly(kube):
    """Server-side field validation (Strict): https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation"""
    (kube.home / "typo.yaml").write_text(DEPLOY.replace("name: web", "name: typo").replace(
        "containerPort: 80", "containerPort: 80\n          protocl: TCP"))
    p = kube("apply -f typo.yaml", check=False)
    assert p.returncode == 1
    assert 'strict decoding error: unknown field "spec.template.spec.containers[0].ports[0].protocl"' in p.stderr


def test_get_pods_table_wide_all_namespaces_labels(kube):
    rows = lines(kube("get pods -l app=web").stdout)
    assert rows[0] == ["NAME", "READY", "STATUS", "RESTARTS", "AGE"]
    assert len(rows) == 4 and all(r[2] == "Running" for r in rows[1:])
    wide = kube("get pods -l app=web -o wide").stdout.splitlines()[0].split()
    assert wide[-6:] == ["IP", "NODE", "NOMINATED", "NODE", "READINESS", "GATES"]
    allns = lines(kube("get pods -A --show-labels").stdout)
    assert allns[0][0] == "NAMESPACE" and allns[0][-1] == "LABELS"
    assert any(r[0] == "default" and "app=web" in r[-1] for r in allns[1:])
    names = [r[0] for r in lines(kube("get pods -l app=web --sort-by=.metadata.name --no-headers").stdout)]
    assert names == sorted(names)


def test_describe_shows_events(kube):
    pod = lines(kube("get pods -l app=web --no-headers").stdout)[0][0]
    out = kube(f"describe pod {pod}").stdout
    assert out.startswith(f"Name:             {pod}\n")
    assert "Controlled By:  ReplicaSet/web-" in out
    assert "Events:" in out and "Scheduled" in out and "Successfully assigned default/" in out
    dep = kube("describe deployment web").stdout
    assert "Replicas:               3 desired | 3 updated | 3 total | 3 available | 0 unavailable" in dep


def test_logs_and_exec(kube):
    pod = lines(kube("get pods -l app=web --no-headers").stdout)[0][0]
    assert "/docker-entrypoint.sh" in kube(f"logs {pod}").stdout
    assert kube(f"exec {pod} -- cat /etc/hostname").stdout == pod + "\n"
    p = kube(["exec", pod, "--", "sh", "-c", "echo out; exit 3"], check=False)
    assert p.returncode == 3 and p.stdout == "out\n"
    assert p.stderr == "command terminated with exit code 3\n"
    assert kube(f"exec -i {pod} -- cat", stdin="from stdin\n").stdout == "from stdin\n"


def test_logs_follow_streams_until_the_container_ends(kube):
    (kube.home / "counter.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: counter\nspec:\n  restartPolicy: Never\n"
        "  containers:\n  - name: c\n    image: busybox\n"
        "    command: [sh, -c, 'for i in 1 2 3 4 5 6; do echo tick $i; sleep 1; done']\n")
    kube("apply -f counter.yaml")
    wait_for(lambda: kube("get pod counter -o jsonpath={.status.phase}").stdout in ("Running", "Succeeded"),
             what="counter started")
    out = kube("logs -f counter", timeout=30).stdout
    assert out.splitlines() == [f"tick {i}" for i in range(1, 7)]


def test_scale_and_rollout_history_undo(kube):
    """Deployments: https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-back-a-deployment"""
    assert kube("scale deployment web --replicas=2").stdout == "deployment.apps/web scaled\n"
    assert kube("set image deployment/web nginx=nginx:1.28").stdout == "deployment.apps/web image updated\n"
    out = kube("rollout status deployment/web --timeout=60s", timeout=90).stdout
    assert out.splitlines()[-1] == 'deployment "web" successfully rolled out'
    hist = lines(kube("rollout history deployment/web").stdout)
    assert hist[0] == ["deployment.apps/web"] and [r[0] for r in hist[2:]] == ["1", "2"]
    assert kube("rollout undo deployment/web").stdout == "deployment.apps/web rolled back\n"
    kube("rollout status deployment/web --timeout=60s", timeout=90)
    rs = lines(kube("get rs -l app=web --no-headers").stdout)
    assert len(rs) == 2, "undo must reuse the first ReplicaSet, not create a third"
    image = kube("get deploy web -o jsonpath={.spec.template.spec.containers[0].image}").stdout
    assert image == "nginx:1.27"


def test_run_dry_run_client_and_server(kube):
    out = kube("run x --image=nginx --dry-run=client -o yaml").stdout
    assert "kind: Pod" in out and "image: nginx" in out
    assert kube("run y --image=nginx --dry-run=server").stdout == "pod/y created (server dry run)\n"
    assert kube("get pod y", check=False).stderr.strip() == 'Error from server (NotFound): pods "y" not found'


def test_get_watch_prints_new_rows(kube):
    env = kube.env
    proc = subprocess.Popen([KUBECTL, "get", "configmaps", "-w", "--request-timeout=8s"], env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(2)
    kube("apply -f -", stdin=configmap("watched", a="b"))
    try:
        out, _err = proc.communicate(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _err = proc.communicate()
    rows = lines(out)
    assert rows[0] == ["NAME", "DATA", "AGE"]
    assert ["watched", "1"] == rows[-1][:2]


def test_delete_waits_until_gone(kube):
    kube("apply -f -", stdin=configmap("doomed"))
    assert kube("delete configmap doomed").stdout == 'configmap "doomed" deleted\n'
    pod = lines(kube("get pods -l app=web --no-headers").stdout)[0][0]
    assert kube(f"delete pod {pod}", timeout=90).stdout == f'pod "{pod}" deleted\n'
    assert kube(f"get pod {pod}", check=False).returncode == 1


def test_replace_with_stale_resource_version_conflicts(kube):
    kube("apply -f -", stdin=configmap("occ", v="1"))
    stale = kube("get configmap occ -o yaml").stdout
    kube("patch configmap occ -p {\"data\":{\"v\":\"2\"}}")
    (kube.home / "stale.yaml").write_text(stale)
    p = kube("replace -f stale.yaml", check=False)
    assert p.returncode == 1
    assert "Operation cannot be fulfilled on configmaps \"occ\": the object has been modified" in p.stderr


def test_explain_reads_openapi_v3(kube):
    out = kube("explain deployment.spec.replicas").stdout
    assert "FIELD: replicas <integer>" in out
    assert "Number of desired pods." in out


# --- the seed chapters' commands: the real kubectl prints what c.kubectl prints -----------------

TWO = """\
apiVersion: v1
kind: Pod
metadata:
  name: two
spec:
  containers:
  - name: web
    image: nginx:1.27
  - name: shell
    image: busybox:1.36
    command: ["sleep", "3600"]
"""

RS = """\
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels:
      app: web
  template:
    metadata:
      labels:
        app: web
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""

CHAPTER_COMMANDS = [
    "get nodes -o wide",
    "get pod two -o wide",
    "get pods",
    "get rs,pods -o wide",
    "get rs web -o jsonpath={.status}",
    "get pod two -o jsonpath={.status.containerStatuses[0].state}",
    "logs two -c web --tail=1",
    "exec two -c web -- hostname",
    "exec two -c shell -- hostname",
    "exec two -c web -- ls /usr/share/nginx/html",
    "exec two -c shell -- cat /sys/fs/cgroup/memory.max",
    "top pod two",
]

# describe computes the Events' ages on the client, from its own wall clock; the cluster's virtual
# clock starts at 2025-01-01T00:00:00Z, so those ages differ (a documented deviation): mask them.
DESCRIBE_COMMANDS = ["describe pod two", "describe rs web"]


def mask_event_ages(text: str) -> str:
    head, sep, events = text.partition("\nEvents:\n")
    rows = [" ".join(re.sub(r"^(  \S+\s+\S+\s+)\S+", r"\1<age>", ln).split()) for ln in events.splitlines()]
    return head + sep + "\n".join(rows)


@pytest.fixture(scope="module")
def frozen(tmp_path_factory):
    """A cluster whose clock moves only when the test says (speed 0): both kubectls see the same AGE."""
    home = tmp_path_factory.mktemp("kubectl-frozen")
    c = Cluster(nodes=2, seed=0)
    srv = c.serve(port=0, speed=0, kubeconfig=str(home / "kubeconfig"))
    env = dict(os.environ, HOME=str(home), KUBECONFIG=str(home / "kubeconfig"), KUBECACHEDIR=str(home / "cache"))

    def real(args, stdin=None):
        p = kubectl(args, env, stdin=stdin)
        return p.stdout + p.stderr

    def ours(args, stdin=None):
        with srv.lock:
            return c.kubectl(args, stdin=stdin)
    yield c, srv, real, ours
    srv.stop()


def test_seed_chapter_commands_print_the_same_with_the_real_kubectl(frozen):
    """ch1 (a Pod with two containers) and ch2 (a ReplicaSet) as a reader types them in a terminal."""
    c, srv, real, ours = frozen
    assert real("apply -f -", stdin=TWO) == "pod/two created\n"
    assert real("apply -f -", stdin=RS) == "replicaset.apps/web created\n"
    srv.run(20)
    for cmd in CHAPTER_COMMANDS:
        theirs = real(cmd)
        assert theirs == ours(cmd), f"kubectl {cmd}"
    for cmd in DESCRIBE_COMMANDS:
        assert mask_event_ages(real(cmd)) == mask_event_ages(ours(cmd)), f"kubectl {cmd}"
    assert real("scale rs web --replicas=5") == "replicaset.apps/web scaled\n"
    srv.run(15)
    assert real("get rs,pods") == ours("get rs,pods")
    assert len(c.list("pods", selector="app=web")) == 5


def test_exec_interactive_shell_on_a_terminal(kube):
    """kubectl exec -it POD -- sh (https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/)."""
    import pty
    import select
    (kube.home / "bb.yaml").write_text(
        "apiVersion: v1\nkind: Pod\nmetadata:\n  name: bb\nspec:\n  containers:\n  - name: c\n"
        "    image: busybox\n    command: [sleep, '3600']\n")
    kube("apply -f bb.yaml")
    wait_for(lambda: kube("get pod bb -o jsonpath={.status.phase}").stdout == "Running", what="bb running")
    pid, fd = pty.fork()
    if pid == 0:                                   # the child: kubectl on a terminal
        os.execvpe(KUBECTL, [KUBECTL, "exec", "-it", "bb", "--", "sh"], kube.env)
    out = b""

    def read_until(marker: bytes, timeout: float = 10) -> None:
        nonlocal out
        end = time.monotonic() + timeout
        while marker not in out and time.monotonic() < end:
            r, _, _ = select.select([fd], [], [], 0.1)
            if r:
                try:
                    out += os.read(fd, 4096)
                except OSError:
                    return
    read_until(b"/ # ")
    os.write(fd, b"echo hello\r")
    read_until(b"hello\r\n/ # ")
    os.write(fd, b"exit 5\r")
    read_until(b"\x00", timeout=5)
    _pid, status = os.waitpid(pid, 0)
    assert out.startswith(b"/ # echo hello\r\nhello\r\n/ # exit 5\r\n")
    assert os.waitstatus_to_exitcode(status) == 5


def test_port_forward_is_refused_with_a_reason(kube):
    p = kube("port-forward pod/bb 18080:80", check=False, timeout=30)
    assert p.returncode == 1
    assert "pods/portforward is not supported by minik8s" in p.stderr


CREATE_COMMANDS = [
    "create deployment made --image=nginx:1.27 --replicas=2 --port=80",
    "create namespace made",
    "create configmap made --from-literal=k=v",
    "create secret generic made --from-literal=password=s3cret",
    "create serviceaccount made",
    "create service nodeport made --tcp=80:8080",
    "create job made --image=busybox",
    "create cronjob made --image=busybox --schedule=*/5_*_*_*_*",
    "create priorityclass made --value=0 --description=teaching",
]


def _contains(big, small, path="") -> list[str]:
    """Paths where ``small`` (kubectl's --dry-run=client object) is not part of ``big`` (the stored one)."""
    if isinstance(small, dict):
        if not isinstance(big, dict):
            return [path]
        return [p for k, v in small.items() if v not in (None, {}) for p in _contains(big.get(k), v, f"{path}.{k}")]
    if isinstance(small, list):
        if not isinstance(big, list) or len(big) != len(small):
            return [path]
        return [p for i, (b, s) in enumerate(zip(big, small)) for p in _contains(b, s, f"{path}[{i}]")]
    return [] if big == small else [path]


@pytest.mark.parametrize("command", CREATE_COMMANDS)
def test_kubectl_create_sends_protobuf_and_the_object_is_what_it_meant(kube, command):
    """kubectl create <kind> sends protobuf; the stored object holds every field of its --dry-run=client JSON."""
    import json
    args = [a.replace("_", " ") for a in command.split()]
    expected = json.loads(kube(args + ["--dry-run=client", "-o", "json"]).stdout)
    out = kube(args).stdout
    assert out.rstrip().endswith("created")
    kind_arg = {"service": "service", "secret": "secret"}.get(args[1], args[1])
    got = json.loads(kube(["get", kind_arg, "made", "-o", "json"]).stdout)
    expected.pop("status", None)
    assert _contains(got, expected) == []
