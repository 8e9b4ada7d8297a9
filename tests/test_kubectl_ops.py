"""kubectl's operational verbs: logs, exec, top, set, cordon/uncordon/drain, taint, expose and
`create <kind>` generators, with kubectl 1.33's messages.

Where a real kubelet is not needed the tests register a small fake kubelet in
``c.apiserver.kubelets`` (the API server proxies pods/log, pods/exec and the Summary API to it).
"""

import base64
import json

from minik8s import Cluster


class FakeKubelet:
    """Answers the API server's proxied calls like a kubelet would, from canned data."""

    running = True

    def __init__(self, logs=None, exec_result=None, stats=None):
        self._logs = logs or {}
        self._exec = exec_result
        self._stats = stats
        self.calls = []

    def logs(self, pod, container=None, previous=False, tail=None, **_):
        self.calls.append(("logs", pod["metadata"]["name"], container, previous))
        return self._logs[(pod["metadata"]["name"], container, previous)]

    def exec(self, pod, command=None, container=None, stdin=None, **_):
        self.calls.append(("exec", pod["metadata"]["name"], container, list(command)))
        return self._exec

    def stats_summary(self):
        return self._stats


class ExecResult:
    def __init__(self, exit_code, output):
        self.exit_code, self.output = exit_code, output


def _pod(c, name, containers=("app",), node="fake-node", labels=None, init=(), annotations=None):
    md = {"name": name, "labels": labels or {"app": "web"}}
    if annotations:
        md["annotations"] = annotations
    spec = {"nodeName": node, "containers": [{"name": n, "image": "busybox"} for n in containers]}
    if init:
        spec["initContainers"] = [{"name": n, "image": "busybox"} for n in init]
    pod = c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": md, "spec": spec})
    pod["status"] = {"phase": "Running"}
    return c.apiserver.update("pods", pod, subresource="status")


# --- logs -----------------------------------------------------------------------------------------

def test_logs_defaults_to_the_first_container_and_says_so():
    """kubectl 1.33 picks the first container and prints `Defaulted container "a" out of: a, b`
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_logs/)."""
    c = Cluster(nodes=0)
    kl = FakeKubelet(logs={("web", "a", False): "one\ntwo\nthree\n", ("web", "b", False): "bee\n",
                           ("web", "a", True): "before the crash\n", ("web", "init", False): "init done\n"})
    c.apiserver.kubelets["fake-node"] = kl
    _pod(c, "web", containers=("a", "b"), init=("init",))
    assert c.kubectl("logs web") == 'Defaulted container "a" out of: a, b, init (init)\none\ntwo\nthree\n'
    assert c.kubectl("logs web -c b") == "bee\n"
    assert c.kubectl("logs web b") == "bee\n"
    assert c.kubectl("logs web -c a --tail=2") == "two\nthree\n"
    assert c.kubectl("logs web -c a -p") == "before the crash\n"
    assert c.kubectl("logs web --all-containers --prefix") == \
        "[pod/web/init] init done\n[pod/web/a] one\n[pod/web/a] two\n[pod/web/a] three\n[pod/web/b] bee\n"
    assert c.kubectl("logs -f web -c b") == "bee\n"      # follow: what has been logged so far
    assert c.kubectl("logs nope") == 'Error from server (NotFound): pods "nope" not found\n'


def test_logs_default_container_annotation_and_selector():
    """`kubectl.kubernetes.io/default-container` picks the container; `-l` reads every matching pod,
    10 lines each by default."""
    c = Cluster(nodes=0)
    lines = "".join(f"{i}\n" for i in range(15))
    kl = FakeKubelet(logs={("w1", "b", False): lines, ("w2", "b", False): "w2\n"})
    c.apiserver.kubelets["fake-node"] = kl
    ann = {"kubectl.kubernetes.io/default-container": "b"}
    _pod(c, "w1", containers=("a", "b"), annotations=ann)
    _pod(c, "w2", containers=("a", "b"), annotations=ann)
    assert c.kubectl("logs w1") == lines
    assert c.kubectl("logs -l app=web") == "".join(f"{i}\n" for i in range(5, 15)) + "w2\n"
    assert c.kubectl("logs -l app=web --prefix --tail=1") == "[pod/w1/b] 14\n[pod/w2/b] w2\n"


def test_logs_of_a_deployment_picks_one_pod():
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    kl = FakeKubelet(logs={("web-1", "app", False): "from web-1\n", ("web-2", "app", False): "from web-2\n"})
    c.apiserver.kubelets["fake-node"] = kl
    c.apiserver.create("deployments", {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "web"},
                                       "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                                                "template": {"metadata": {"labels": {"app": "web"}},
                                                             "spec": {"containers": [{"name": "app",
                                                                                      "image": "busybox"}]}}}})
    _pod(c, "web-1")
    _pod(c, "web-2")
    assert c.kubectl("logs deployment/web") == "Found 2 pods, using pod/web-1\nfrom web-1\n"


def test_logs_and_exec_with_real_kubelet():
    """End to end: busybox writes to stdout; exec runs in the container
    (https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "counter"},
             "spec": {"containers": [{"name": "count", "image": "busybox:1.28",
                                      "args": ["/bin/sh", "-c", "echo hello; echo world; sleep 3600"]}]}})
    c.run(20)
    assert c.kubectl("logs counter") == "hello\nworld\n"
    assert c.kubectl("exec counter -- echo hi") == "hi\n"
    assert c.kubectl("exec counter -- sh -c 'exit 3'") == "command terminated with exit code 3\n"


# --- exec -----------------------------------------------------------------------------------------

def test_exec_forms_and_errors():
    """`kubectl exec POD CMD` without `--` is refused; non-zero exit codes are reported."""
    c = Cluster(nodes=0)
    kl = FakeKubelet(exec_result=ExecResult(2, "ls: /nope: No such file or directory\n"))
    c.apiserver.kubelets["fake-node"] = kl
    _pod(c, "web", containers=("a", "b"))
    assert c.kubectl("exec web ls /nope") == (
        "error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] instead\n"
        "See 'kubectl exec -h' for help and examples\n")
    assert c.kubectl("exec web -c b -- ls /nope") == \
        "ls: /nope: No such file or directory\ncommand terminated with exit code 2\n"
    assert kl.calls[-1] == ("exec", "web", "b", ["ls", "/nope"])
    assert c.kubectl("exec web -- ls /nope").startswith('Defaulted container "a" out of: a, b\n')
    assert c.kubectl("exec web") == "error: you must specify at least one command for the container\n"
    assert c.kubectl("exec web -c zz -- ls") == "error: container zz not found in pod web\n"
    assert c.kubectl("exec -it nope -- sh") == 'Error from server (NotFound): pods "nope" not found\n'


# --- top ------------------------------------------------------------------------------------------

def test_top_pods_and_nodes_columns():
    """`kubectl top` columns (k8s.io/kubectl/pkg/metricsutil): millicores, MiB, node percentages of
    allocatable (https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/)."""
    c = Cluster(nodes=0)
    c.apiserver.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": "fake-node"}})
    node = c.apiserver.get("nodes", "fake-node")
    node["status"] = {"capacity": {"cpu": "2", "memory": "4Gi"}, "allocatable": {"cpu": "2", "memory": "4Gi"}}
    c.apiserver.update("nodes", node, subresource="status")
    c.apiserver.kubelets["fake-node"] = FakeKubelet(stats={
        "node": {"cpu_millicores": 250, "memory_bytes": 1024 * 1024 * 1024},
        "pods": [{"namespace": "default", "name": "web", "containers": [
            {"name": "a", "cpu_millicores": 5, "memory_bytes": 3 * 1024 * 1024},
            {"name": "b", "cpu_millicores": 1, "memory_bytes": 1024 * 1024}]}]})
    _pod(c, "web", containers=("a", "b"))
    assert c.kubectl("top nodes") == ("NAME        CPU(cores)   CPU(%)   MEMORY(bytes)   MEMORY(%)   \n"
                                      "fake-node   250m         12%      1024Mi          25%         \n")
    assert c.kubectl("top pods") == ("NAME   CPU(cores)   MEMORY(bytes)   \n"
                                     "web    6m           4Mi             \n")
    assert c.kubectl("top pod --containers") == ("POD   NAME   CPU(cores)   MEMORY(bytes)   \n"
                                                 "web   a      5m           3Mi             \n"
                                                 "web   b      1m           1Mi             \n")
    assert c.kubectl("top pods -A").startswith("NAMESPACE   NAME   CPU(cores)   MEMORY(bytes)   \n")
    assert c.kubectl("top pods -n kube-system") == "No resources found in kube-system namespace.\n"


# --- set ------------------------------------------------------------------------------------------

def _deploy(c, name="web"):
    return c.apiserver.create("deployments", {
        "apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
        "spec": {"replicas": 1, "selector": {"matchLabels": {"app": name}},
                 "template": {"metadata": {"labels": {"app": name}},
                              "spec": {"containers": [{"name": "nginx", "image": "nginx:1.14.2",
                                                       "ports": [{"containerPort": 80}]}]}}}})


def test_set_image_and_env():
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment"""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    _deploy(c)
    assert c.kubectl("set image deployment/web nginx=nginx:1.16.1") == "deployment.apps/web image updated\n"
    assert c.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.16.1"
    assert c.kubectl("set image deployment/web nginx=nginx:1.16.1") == ""       # nothing changed
    assert c.kubectl("set image deployment/web foo=nginx") == 'error: unable to find container named "foo"\n'
    assert c.kubectl("set image deploy web *=nginx:1.17") == "deployment.apps/web image updated\n"
    assert c.kubectl("set env deployment/web GREETING=hello") == "deployment.apps/web env updated\n"
    env = c.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]["env"]
    assert env == [{"name": "GREETING", "value": "hello"}]
    assert c.kubectl("set env deployment/web GREETING-") == "deployment.apps/web env updated\n"
    assert "env" not in c.get("deployments", "web")["spec"]["template"]["spec"]["containers"][0]


# --- cordon, drain, taint ---------------------------------------------------------------------------

def test_cordon_uncordon():
    """https://kubernetes.io/docs/reference/kubectl/generated/kubectl_cordon/"""
    c = Cluster(nodes=2)
    assert c.kubectl("cordon node-1") == "node/node-1 cordoned\n"
    assert c.get("nodes", "node-1")["spec"]["unschedulable"] is True
    assert c.kubectl("cordon node-1") == "node/node-1 already cordoned\n"
    assert c.kubectl("uncordon node-1") == "node/node-1 uncordoned\n"
    assert "unschedulable" not in c.get("nodes", "node-1")["spec"]
    assert c.kubectl("uncordon node-1") == "node/node-1 already uncordoned\n"
    assert c.kubectl("cordon node-9") == 'Error from server (NotFound): nodes "node-9" not found\n'


def test_drain_refuses_unmanaged_and_daemonset_pods_then_evicts():
    """https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/: DaemonSet pods need
    --ignore-daemonsets, pods without a controller need --force; evicted pods are replaced elsewhere."""
    c = Cluster(nodes=2)
    c.apply("""
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      nodeSelector: {kubernetes.io/hostname: node-1}
      containers: [{name: nginx, image: nginx}]
""")
    c.run(20)
    c.apply("""
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      containers: [{name: a, image: nginx}]
""")
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "lone"},
                                "spec": {"nodeName": "node-1", "containers": [{"name": "a", "image": "nginx"}]}})
    c.run(10)
    agent = [p["metadata"]["name"] for p in c.list("pods", selector="app=agent")
             if p["spec"].get("nodeName") == "node-1"][0]
    assert c.kubectl("drain node-1") == (
        "node/node-1 cordoned\n"
        'error: unable to drain node "node-1" due to error: [cannot delete DaemonSet-managed Pods (use '
        f"--ignore-daemonsets to ignore): default/{agent}, cannot delete Pods declare no controller (use --force to "
        "override): default/lone], continuing command...\n"
        "There are pending nodes to be drained:\n"
        " node-1\n"
        f"cannot delete DaemonSet-managed Pods (use --ignore-daemonsets to ignore): default/{agent}\n"
        "cannot delete Pods declare no controller (use --force to override): default/lone\n")
    assert c.get("nodes", "node-1")["spec"]["unschedulable"] is True
    out = c.kubectl("drain node-1 --ignore-daemonsets --force")
    lines = out.splitlines()
    assert lines[0] == "node/node-1 already cordoned"
    assert lines[1] == ("Warning: deleting Pods that declare no controller: default/lone; "
                        f"ignoring DaemonSet-managed Pods: default/{agent}")
    evicting = [l for l in lines if l.startswith("evicting pod ")]
    evicted = [l for l in lines if l.endswith(" evicted")]
    assert len(evicting) == 3 and len(evicted) == 3
    assert "evicting pod default/lone" in evicting
    assert lines[-1] == "node/node-1 drained"
    assert [p["metadata"]["name"] for p in c.list("pods") if p["spec"].get("nodeName") == "node-1"] == [agent]
    assert not c.apiserver.exists("pods", "lone")


def test_taint_add_overwrite_remove():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    c = Cluster(nodes=1)
    assert c.kubectl("taint nodes node-1 key1=value1:NoSchedule") == "node/node-1 tainted\n"
    assert c.get("nodes", "node-1")["spec"]["taints"] == [{"key": "key1", "value": "value1", "effect": "NoSchedule"}]
    assert c.kubectl("taint nodes node-1 key1=value2:NoSchedule") == \
        "error: node node-1 already has key1 taint(s) with same effect(s) and --overwrite is false\n"
    assert c.kubectl("taint nodes node-1 key1=value2:NoSchedule --overwrite") == "node/node-1 modified\n"
    assert c.kubectl("taint nodes node-1 key1=value1:NoExecute") == "node/node-1 tainted\n"
    assert c.kubectl("taint nodes node-1 key1:NoSchedule-") == "node/node-1 untainted\n"
    assert c.get("nodes", "node-1")["spec"]["taints"] == [{"key": "key1", "value": "value1", "effect": "NoExecute"}]
    assert c.kubectl("taint nodes node-1 key1-") == "node/node-1 untainted\n"
    assert "taints" not in c.get("nodes", "node-1")["spec"]
    assert c.kubectl("taint nodes node-1 key1-") == 'error: taint "key1" not found\n'
    assert c.kubectl("taint nodes node-1 key1=v:Sometimes") == \
        "error: invalid taint effect: Sometimes, unsupported taint effect\n"
    assert c.kubectl("taint pods x a=b:NoSchedule") == "error: invalid resource type pods, only node types are supported\n"


# --- expose ---------------------------------------------------------------------------------------

def test_expose_deployment():
    """The Service kubectl expose builds: the workload's selector and labels, targetPort
    (https://kubernetes.io/docs/tutorials/services/connect-applications-service/)."""
    c = Cluster(nodes=0)
    c.stop("kube-controller-manager")
    _deploy(c)
    assert c.kubectl("expose deployment web --port=80 --target-port=8080 --dry-run=client -o yaml") == (
        "apiVersion: v1\n"
        "kind: Service\n"
        "metadata:\n"
        "  creationTimestamp: null\n"
        "  name: web\n"
        "spec:\n"
        "  ports:\n"
        "  - port: 80\n"
        "    protocol: TCP\n"
        "    targetPort: 8080\n"
        "  selector:\n"
        "    app: web\n"
        "status:\n"
        "  loadBalancer: {}\n")
    assert c.kubectl("expose deployment web --type=NodePort --name=web-np") == "service/web-np exposed\n"
    svc = c.get("services", "web-np")
    assert svc["spec"]["selector"] == {"app": "web"}
    assert svc["spec"]["type"] == "NodePort"
    assert svc["spec"]["ports"][0]["port"] == 80 and svc["spec"]["ports"][0]["targetPort"] == 80
    assert c.kubectl("expose deployment nope --port=80") == \
        'Error from server (NotFound): deployments.apps "nope" not found\n'


# --- create <kind> ---------------------------------------------------------------------------------

def test_create_deployment_dry_run_yaml():
    """`kubectl create deployment --dry-run=client -o yaml` prints the manifest with
    `creationTimestamp: null` and empty structs (https://kubernetes.io/docs/reference/kubectl/conventions/)."""
    c = Cluster(nodes=0)
    assert c.kubectl("create deployment my-dep --image=nginx --replicas=3 --port=80 --dry-run=client -o yaml") == (
        "apiVersion: apps/v1\n"
        "kind: Deployment\n"
        "metadata:\n"
        "  creationTimestamp: null\n"
        "  labels:\n"
        "    app: my-dep\n"
        "  name: my-dep\n"
        "spec:\n"
        "  replicas: 3\n"
        "  selector:\n"
        "    matchLabels:\n"
        "      app: my-dep\n"
        "  strategy: {}\n"
        "  template:\n"
        "    metadata:\n"
        "      creationTimestamp: null\n"
        "      labels:\n"
        "        app: my-dep\n"
        "    spec:\n"
        "      containers:\n"
        "      - image: nginx\n"
        "        name: nginx\n"
        "        ports:\n"
        "        - containerPort: 80\n"
        "        resources: {}\n"
        "status: {}\n")
    assert c.list("deployments") == []
    assert c.kubectl("create deployment my-dep --image=registry.k8s.io/nginx:1.14.2") == \
        "deployment.apps/my-dep created\n"
    d = c.get("deployments", "my-dep")
    assert d["spec"]["template"]["spec"]["containers"][0]["name"] == "nginx"
    assert c.kubectl("create deployment my-dep --image=nginx") == \
        'Error from server (AlreadyExists): deployments.apps "my-dep" already exists\n'
    assert c.kubectl("create deployment x") == 'error: required flag(s) "image" not set\n'


def test_create_configmap_and_secret(tmp_path):
    """https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/ and
    https://kubernetes.io/docs/tasks/configmap-secret/managing-secret-using-kubectl/"""
    (tmp_path / "game.properties").write_text("enemies=aliens\nlives=3\n")
    (tmp_path / "env").write_text("# comment\nA=1\n\nB=two\n")
    c = Cluster(nodes=0)
    assert c.kubectl("create configmap special-config --from-literal=special.how=very "
                     "--from-literal=special.type=charm --dry-run=client -o yaml") == (
        "apiVersion: v1\n"
        "data:\n"
        "  special.how: very\n"
        "  special.type: charm\n"
        "kind: ConfigMap\n"
        "metadata:\n"
        "  creationTimestamp: null\n"
        "  name: special-config\n")
    assert c.kubectl(f"create configmap game-config --from-file={tmp_path / 'game.properties'}") == \
        "configmap/game-config created\n"
    assert c.get("configmaps", "game-config")["data"] == {"game.properties": "enemies=aliens\nlives=3\n"}
    c.kubectl(f"create configmap renamed --from-file=game={tmp_path / 'game.properties'}")
    assert list(c.get("configmaps", "renamed")["data"]) == ["game"]
    c.kubectl(f"create configmap envs --from-env-file={tmp_path / 'env'}")
    assert c.get("configmaps", "envs")["data"] == {"A": "1", "B": "two"}
    assert c.kubectl("create configmap dup --from-literal=a=1 --from-literal=a=2") == \
        'error: cannot add key a, another key by that name already exists in Data for ConfigMap "dup"\n'
    assert c.kubectl("create secret generic db-user-pass --from-literal=username=admin "
                     "--from-literal=password='S!B\\*d$zDsb='") == "secret/db-user-pass created\n"
    data = c.get("secrets", "db-user-pass")["data"]
    assert base64.b64decode(data["username"]) == b"admin"
    assert base64.b64decode(data["password"]) == b"S!B\\*d$zDsb="
    out = c.kubectl("create secret docker-registry regcred --docker-server=registry.example.com "
                    "--docker-username=me --docker-password=pw --dry-run=client -o yaml")
    assert "type: kubernetes.io/dockerconfigjson\n" in out
    cfg = json.loads(base64.b64decode(out.split(".dockerconfigjson: ")[1].split("\n")[0]))
    assert cfg == {"auths": {"registry.example.com": {"username": "me", "password": "pw",
                                                      "auth": base64.b64encode(b"me:pw").decode()}}}


def test_create_namespace_job_cronjob_service_serviceaccount():
    c = Cluster(nodes=0)
    assert c.kubectl("create namespace dev --dry-run=client -o yaml") == (
        "apiVersion: v1\nkind: Namespace\nmetadata:\n  creationTimestamp: null\n  name: dev\nspec: {}\nstatus: {}\n")
    assert c.kubectl("create namespace dev") == "namespace/dev created\n"
    assert c.kubectl("create job hello --image=busybox:1.28 --dry-run=client -o yaml -- echo Hello") == (
        "apiVersion: batch/v1\nkind: Job\nmetadata:\n  creationTimestamp: null\n  name: hello\nspec:\n"
        "  template:\n    metadata:\n      creationTimestamp: null\n    spec:\n      containers:\n"
        "      - command:\n        - echo\n        - Hello\n        image: busybox:1.28\n        name: hello\n"
        "        resources: {}\n      restartPolicy: Never\nstatus: {}\n")
    out = c.kubectl("create cronjob hello --image=busybox:1.28 --schedule='*/1 * * * *' --dry-run=client -o yaml")
    assert "  schedule: '*/1 * * * *'\n" in out and "          restartPolicy: OnFailure\n" in out
    assert c.kubectl("create cronjob hello --image=busybox") == 'error: required flag(s) "schedule" not set\n'
    assert c.kubectl("create service nodeport my-ns --tcp=5678:8080 --dry-run=client -o yaml") == (
        "apiVersion: v1\nkind: Service\nmetadata:\n  creationTimestamp: null\n  labels:\n    app: my-ns\n"
        "  name: my-ns\nspec:\n  ports:\n  - name: 5678-8080\n    port: 5678\n    protocol: TCP\n"
        "    targetPort: 8080\n  selector:\n    app: my-ns\n  type: NodePort\nstatus:\n  loadBalancer: {}\n")
    assert c.kubectl("create serviceaccount build-robot") == "serviceaccount/build-robot created\n"
    assert c.kubectl("create sa build-robot -n dev -o name") == "serviceaccount/build-robot\n"


def test_append_hash_matches_kubectl_hash_vectors():
    """`--append-hash`: kubectl/pkg/util/hash (the vectors of its TestConfigMapHash)."""
    from minik8s.kubectl.cmd_create_sub import content_hash
    assert content_hash({"kind": "ConfigMap", "name": "", "data": {}}) == "42745tchd9"
    assert content_hash({"kind": "ConfigMap", "name": "", "data": {"one": ""}}) == "9g67k2htb6"
    assert content_hash({"kind": "ConfigMap", "name": "", "data": {"two": "2", "one": "", "three": "3"}}) == \
        "f5h7t85m9b"
    c = Cluster(nodes=0)
    out = c.kubectl("create configmap game --from-literal=one= --append-hash")
    assert out.startswith("configmap/game-") and out.endswith(" created\n")


def test_drain_filters_as_pure_functions():
    """pkg/drain/filters.go: which pods drain refuses, warns about or evicts
    (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/)."""
    from minik8s.kubectl.cmd_node import pod_delete_status

    def pod(owner=None, empty_dir=False, phase="Running"):
        md = {"name": "p", "namespace": "default"}
        if owner:
            md["ownerReferences"] = [{"kind": owner, "name": "o", "controller": True}]
        spec = {"volumes": [{"name": "scratch", "emptyDir": {}}]} if empty_dir else {}
        return {"metadata": md, "spec": spec, "status": {"phase": phase}}

    opts = dict(ignore_daemonsets=False, force=False, delete_emptydir=False, daemonsets={("default", "o")})
    assert pod_delete_status(pod("ReplicaSet"), **opts) == ("okay", "")
    assert pod_delete_status(pod(), **opts) == ("error", "Pods declare no controller (use --force to override)")
    assert pod_delete_status(pod(), **{**opts, "force": True}) == \
        ("warning", "deleting Pods that declare no controller")
    assert pod_delete_status(pod("DaemonSet"), **opts) == \
        ("error", "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)")
    assert pod_delete_status(pod("DaemonSet"), **{**opts, "ignore_daemonsets": True}) == \
        ("skip", "ignoring DaemonSet-managed Pods")
    assert pod_delete_status(pod("ReplicaSet", empty_dir=True), **opts) == \
        ("error", "Pods with local storage (use --delete-emptydir-data to override)")
    assert pod_delete_status(pod("ReplicaSet", empty_dir=True), **{**opts, "delete_emptydir": True}) == \
        ("warning", "deleting Pods with local storage")
    assert pod_delete_status(pod(phase="Succeeded"), **opts) == ("okay", "")


def test_taint_reorganisation_keeps_new_taints_first():
    """taint.reorganizeTaints: new taints first, then the old ones not replaced."""
    from minik8s.kubectl.cmd_node import parse_taints, reorganize_taints
    add, remove = parse_taints(["a=1:NoSchedule", "b:NoExecute-"])
    assert add == [{"key": "a", "value": "1", "effect": "NoSchedule"}]
    assert remove == [{"key": "b", "effect": "NoExecute"}]
    old = [{"key": "b", "effect": "NoExecute"}, {"key": "c", "effect": "NoSchedule"}]
    op, new, errors = reorganize_taints(old, add, remove, overwrite=False)
    assert (op, errors) == ("modified", [])
    assert new == [{"key": "a", "value": "1", "effect": "NoSchedule"}, {"key": "c", "effect": "NoSchedule"}]
