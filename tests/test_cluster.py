"""The notebook-facing facade (DESIGN.md): Cluster, apply/create, run_until, stop/start, save/load."""

import pytest

from minik8s import ApiError, Cluster, Timeout

POD_WITH_TYPO = """
apiVersion: v1
kind: Pod
metadata: {name: p}
spec:
  containers:
  - name: c
    image: nginx
    livenessProbe: {httpGet: {path: /, port: 80}, succesThreshold: 1}
"""


def test_create_is_strict_like_kubectl_create():
    """kubectl create asks for strict field validation: an unknown field is a 400 and nothing is created.
    https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation"""
    c = Cluster(nodes=0)
    with pytest.raises(ApiError) as e:
        c.create(POD_WITH_TYPO)
    assert e.value.code == 400
    assert 'unknown field "spec.containers[0].livenessProbe.succesThreshold"' in e.value.message
    assert c.list("pods") == []
    out = c.kubectl("create -f -", stdin=POD_WITH_TYPO)
    assert out.startswith('Error from server (BadRequest): error when creating "STDIN": Pod in version "v1" '
                          'cannot be handled as a Pod: strict decoding error: unknown field')


def test_apply_and_create_are_all_or_nothing():
    """A manifest with one bad document leaves the cluster unchanged (our facade's promise)."""
    c = Cluster(nodes=0)
    good = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: good}\n"
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: Bad_Name}\n"
    for verb in (c.apply, c.create):
        with pytest.raises(ApiError) as e:
            verb(good + "---\n" + bad)
        assert 'The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name"' in e.value.message
        assert [cm["metadata"]["name"] for cm in c.list("configmaps")] == []


def test_run_until_names_what_it_awaited():
    c = Cluster(nodes=0)
    with pytest.raises(Timeout, match="timed out after 5s of virtual time waiting for pod_ready"):
        c.run_until(lambda c: False, timeout=5, what="pod_ready")
    assert c.now == 5


def test_scheduler_plugins_and_explain():
    """Readers plug score plugins in at construction; explain() shows why a node was chosen.
    https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/"""
    def prefer_node3(pod, node_info):
        return 100 if node_info.node["metadata"]["name"] == "node-3" else 0

    c = Cluster(nodes=3, scheduler_plugins=[("PreferNode3", prefer_node3, 10)])
    c.kubectl("run a --image=nginx")
    c.run(5)
    assert c.get("pod", "a")["spec"]["nodeName"] == "node-3"
    assert "PreferNode3" in str(c.explain("a"))


def test_stopped_scheduler_leaves_pods_pending_until_started():
    """Without kube-scheduler nothing binds pods (the control-plane chapter's first failure)."""
    c = Cluster(nodes=2)
    c.stop("kube-scheduler")
    c.kubectl("run a --image=nginx")
    c.run(30)
    assert c.get("pod", "a")["status"]["phase"] == "Pending"
    assert "nodeName" not in c.get("pod", "a")["spec"]
    c.start("kube-scheduler")
    c.run(10)
    assert c.get("pod", "a")["status"]["phase"] == "Running"


def test_apiserver_down_refuses_and_comes_back():
    c = Cluster(nodes=1)
    c.stop("kube-apiserver")
    assert c.kubectl("get pods").strip() == ("The connection to the server 127.0.0.1:6443 was refused - "
                                             "did you specify the right host or port?")
    c.start("kube-apiserver")
    c.kubectl("run a --image=nginx")
    c.run(10)
    assert c.get("pod", "a")["status"]["phase"] == "Running"


def test_save_and_load_lose_nothing(tmp_path):
    c = Cluster(nodes=2, seed=3)
    c.apply("apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n")
    c.kubectl("run a --image=nginx")
    c.run(10)
    path = tmp_path / "cluster.json"
    c.save(str(path))
    d = Cluster.load(str(path))
    assert d.now == c.now
    assert d.get("configmap", "cfg") == c.get("configmap", "cfg")
    assert d.get("pod", "a")["metadata"]["uid"] == c.get("pod", "a")["metadata"]["uid"]
    assert sorted(n["metadata"]["name"] for n in d.list("nodes", None)) == ["node-1", "node-2"]
    d.run(10)
    assert d.get("pod", "a")["status"]["phase"] == "Running"


def _scenario(seed):
    c = Cluster(nodes=3, seed=seed)
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 4
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: "nginx:1.14.2"}]}
""")
    c.run(30)
    c.kubectl("set image deployment/web nginx=nginx:1.16.1")
    c.run(60)
    return c


def test_same_seed_same_trace_byte_for_byte():
    """Determinism (DESIGN.md principle 2): same manifests and seed, identical trace."""
    a, b = _scenario(7), _scenario(7)
    assert a.trace.to_json() == b.trace.to_json()
    assert a.kubectl("get pods -o wide") == b.kubectl("get pods -o wide")
    assert len(a.trace) > 20


def test_a_readers_image_runs_in_its_own_cluster_only():
    """DESIGN.md: readers register their own image as a Python function."""
    c = Cluster(nodes=1)

    @c.image("my-app:1.0")
    def my_app(proc):
        proc.print("hello from my app")
        yield proc.sleep(3600)

    c.kubectl("run mine --image=my-app:1.0")
    c.run(10)
    assert c.get("pod", "mine")["status"]["phase"] == "Running"
    assert c.logs("mine") == "hello from my app\n"
    other = Cluster(nodes=1)
    other.kubectl("run mine --image=my-app:1.0")
    other.run(10)
    waiting = other.get("pod", "mine")["status"]["containerStatuses"][0]["state"]["waiting"]
    assert waiting["reason"] in ("ErrImagePull", "ImagePullBackOff")


def test_share_process_namespace_puts_containers_in_one_pid_namespace():
    """spec.shareProcessNamespace: every container sees the others' processes; PID 1 is the pause process.
    https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/"""
    c = Cluster(nodes=1)
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: nginx}
spec:
  shareProcessNamespace: true
  containers:
  - {name: nginx, image: nginx}
  - {name: shell, image: busybox:1.28, command: ["sleep", "3600"]}
""")
    c.run(20)
    ps = c.exec("nginx", "ps ax", container="shell")
    assert "/pause" in ps and "nginx: master process" in ps and "sleep 3600" in ps
    alone = Cluster(nodes=1)
    alone.apply("""
apiVersion: v1
kind: Pod
metadata: {name: solo}
spec:
  containers:
  - {name: nginx, image: nginx}
  - {name: shell, image: busybox:1.28, command: ["sleep", "3600"]}
""")
    alone.run(20)
    assert "nginx" not in alone.exec("solo", "ps ax", container="shell")


def test_tiny_cpu_limits_get_the_minimum_quota():
    """The kubelet never writes a CFS quota under 1 ms (MilliCPUToQuota's MinQuotaPeriod).
    https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run"""
    c = Cluster(nodes=1)
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: tiny}
spec:
  containers:
  - {name: c, image: busybox, command: ["sleep", "3600"], resources: {limits: {cpu: 1m}}}
""")
    c.run(20)
    assert c.exec("tiny", "cat /sys/fs/cgroup/cpu.max") == "1000 100000\n"


def test_a_rejected_strategic_patch_leaves_the_stored_object_untouched():
    """A rejected request changes nothing (DESIGN.md principle 5), even for strategic merge patches,
    whose result shares unchanged parts with the stored object."""
    c = Cluster(nodes=0)
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web, labels: {app: web}}
spec:
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: nginx, image: nginx}]}
""")
    before = c.get("deployment", "web")
    with pytest.raises(ApiError):
        c.apiserver.patch("deployments", "web", {"spec": {"replicas": -1}}, "default", patch_type="strategic")
    assert c.get("deployment", "web") == before
    c.apiserver.patch("deployments", "web", {"spec": {"replicas": 2}}, "default", patch_type="strategic")
    after = c.get("deployment", "web")
    assert after["metadata"]["generation"] == before["metadata"]["generation"] + 1
    assert c.store.events_since(0, "deployments")[0].obj["metadata"]["generation"] == 1
