"""Behaviour chapters 0-3 of the book rely on (book/intro.md, ch1-containers.md, ch2-control-plane.md,
ch3-pods.md), pinned so that an engine change which would silently change a chapter's story fails here."""

from __future__ import annotations

from minik8s import Cluster


def _cpu_stat(c, pod):
    out = c.kubectl(f"exec {pod} -- cat /sys/fs/cgroup/cpu.stat")
    return {k: int(v) for k, v in (line.split() for line in out.splitlines() if line.strip())}


def test_cpu_limit_throttles_and_counts_throttled_periods():
    """cgroup v2 cpu.stat: nr_periods counts CFS periods (100 ms) and nr_throttled those in which the
    group hit its quota (https://docs.kernel.org/scheduler/sched-bwc.html, "Statistics"); a limit of
    250m is cpu.max "25000 100000" (https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/).
    A busy loop under that limit is throttled in (nearly) every period and gets a quarter of a core."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: busy
spec:
  containers:
  - name: burn
    image: busybox:1.36
    command: ["sh", "-c", "yes > /dev/null"]
    resources:
      limits:
        cpu: 250m
""")
    c.run(20)
    assert c.kubectl("exec busy -- cat /sys/fs/cgroup/cpu.max").split() == ["25000", "100000"]
    st = _cpu_stat(c, "busy")
    assert st["nr_periods"] > 100
    assert 0.9 * st["nr_periods"] <= st["nr_throttled"] <= st["nr_periods"]
    # a quarter of a core: used ~ limit x wall time, throttled ~ the other three quarters
    wall = st["nr_periods"] / 10
    assert abs(st["usage_usec"] / 1e6 - 0.25 * wall) < 0.5
    assert abs(st["throttled_usec"] / 1e6 - 0.75 * wall) < 1.0


def test_unlimited_busy_loop_is_never_throttled():
    """No limit: cpu.max is "max 100000" and nothing is throttled (sched-bwc.html)."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: free
spec:
  containers:
  - name: burn
    image: busybox:1.36
    command: ["sh", "-c", "yes > /dev/null"]
""")
    c.run(10)
    assert c.kubectl("exec free -- cat /sys/fs/cgroup/cpu.max").split()[0] == "max"
    assert _cpu_stat(c, "free")["nr_throttled"] == 0


def test_etcd_down_kubectl_says_what_kubectl_says():
    """With etcd unreachable the API server answers etcd's own error, which is not an APIStatus:
    apimachinery's ErrorToAPIStatus turns it into a 500 with an empty (Unknown) reason, and kubectl
    prints "Error from server: etcdserver: request timed out" (as reported in e.g.
    https://github.com/kubernetes/kubeadm/issues/3095). Running containers are untouched
    (https://kubernetes.io/docs/concepts/overview/components/)."""
    c = Cluster(nodes=1, seed=0)
    c.kubectl("run web --image=nginx:1.27")
    c.run(10)
    c.stop("etcd")
    assert c.kubectl("get pods") == "Error from server: etcdserver: request timed out\n"
    c.run(60)
    c.start("etcd")
    assert "Running" in c.kubectl("get pod web")


def test_api_server_down_connection_refused_and_nothing_changes():
    """kubectl's error when nothing listens (https://kubernetes.io/docs/reference/kubectl/):
    'The connection to the server ... was refused'; no controller acts meanwhile."""
    c = Cluster(nodes=2, seed=0)
    c.kubectl("create deployment web --image=nginx:1.27 --replicas=2")
    c.run(20)
    c.stop("kube-apiserver")
    out = c.kubectl("scale deployment web --replicas=5")
    assert out.startswith("The connection to the server 127.0.0.1:6443 was refused")
    c.run(60)
    c.start("kube-apiserver")
    c.run(5)
    assert len(c.list("pods", selector="app=web")) == 2


TWO = """
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


def test_pod_containers_share_net_ipc_uts_but_not_pid_or_mnt():
    """A Pod's containers share the network, IPC and UTS namespaces and have their own PID and
    mount namespaces unless shareProcessNamespace is set
    (https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers,
    https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/). Chapter 1 shows it."""
    c = Cluster(nodes=1, seed=0)
    c.apply(TWO)
    c.run(20)
    pod = c.get("pod", "two")
    rt = c.kubelets[pod["spec"]["nodeName"]].runtime
    ns = {cs["name"]: rt.namespaces(cs["containerID"].split("://")[1]) for cs in pod["status"]["containerStatuses"]}
    for kind in ("net", "ipc", "uts"):
        assert ns["web"][kind] == ns["shell"][kind], kind
    for kind in ("pid", "mnt"):
        assert ns["web"][kind] != ns["shell"][kind], kind
    assert c.kubectl("exec two -c shell -- ps").splitlines()[1].split()[:1] == ["1"]
    assert c.kubectl("exec two -c shell -- hostname") == "two\n"
    assert "Welcome to nginx!" in c.kubectl("exec two -c shell -- wget -qO- http://localhost/")


def test_memory_limit_is_memory_max_and_oom_kills_with_137():
    """limits.memory becomes memory.max; a container allocating past it is OOM-killed: reason
    OOMKilled, exit code 137 (https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/)."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: memory-hog
spec:
  containers:
  - name: stress
    image: polinux/stress
    command: ["stress"]
    args: ["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"]
    resources:
      limits:
        memory: 100Mi
""")
    c.run(15)
    cs = c.get("pod", "memory-hog")["status"]["containerStatuses"][0]
    assert cs["lastState"]["terminated"]["reason"] == "OOMKilled"
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    assert cs["restartCount"] >= 1


RS = """
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


def _node_ready(c, name):
    return [x for x in c.get("node", name)["status"]["conditions"] if x["type"] == "Ready"][0]["status"]


def test_kubelet_down_node_unknown_after_grace_then_pods_evicted_after_300s():
    """Chapter 2's timeline: heartbeats stop; after node-monitor-grace-period (50 s) Ready is Unknown
    and the node is tainted unreachable:NoExecute; pods tolerate it for 300 s (DefaultTolerationSeconds),
    then are deleted and replaced elsewhere
    (https://kubernetes.io/docs/concepts/architecture/nodes/#node-status,
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions)."""
    c = Cluster(nodes=3, seed=0)
    c.apply(RS)
    c.run(15)
    on2 = [p["metadata"]["name"] for p in c.list("pods", selector="app=web") if p["spec"]["nodeName"] == "node-2"]
    assert on2
    c.stop("kubelet", node="node-2")
    c.run(35)
    assert _node_ready(c, "node-2") == "True"          # not yet: the grace period is 50 s
    c.run(25)
    assert _node_ready(c, "node-2") == "Unknown"
    assert "node-2   NotReady" in c.kubectl("get nodes")
    taints = {(t["key"], t["effect"]) for t in c.get("node", "node-2")["spec"].get("taints", [])}
    assert ("node.kubernetes.io/unreachable", "NoExecute") in taints
    c.run(240)                                          # ~300 s after the taint: not yet evicted
    assert all(not c.get("pod", n)["metadata"].get("deletionTimestamp") for n in on2)
    c.run(70)
    assert all(c.get("pod", n)["metadata"].get("deletionTimestamp") for n in on2)
    running = [p for p in c.list("pods", selector="app=web")
               if not p["metadata"].get("deletionTimestamp") and p["status"].get("phase") == "Running"]
    assert len(running) == 3 and all(p["spec"]["nodeName"] != "node-2" for p in running)


def test_scheduler_down_pending_controller_manager_down_not_replaced():
    """Chapter 2: without kube-scheduler new pods stay Pending (no nodeName); without
    kube-controller-manager a deleted pod is not replaced (https://kubernetes.io/docs/concepts/overview/components/)."""
    c = Cluster(nodes=2, seed=0)
    c.apply(RS)
    c.run(15)
    c.stop("kube-scheduler")
    c.kubectl("scale rs web --replicas=4")
    c.run(30)
    pending = [p for p in c.list("pods", selector="app=web") if not p["spec"].get("nodeName")]
    assert len(pending) == 1 and pending[0]["status"]["phase"] == "Pending"
    c.start("kube-scheduler")
    c.run(10)
    assert all(p["spec"].get("nodeName") for p in c.list("pods", selector="app=web"))
    c.stop("kube-controller-manager")
    c.kubectl(f"delete pod {c.list('pods', selector='app=web')[0]['metadata']['name']}")
    c.run(30)
    assert len(c.list("pods", selector="app=web")) == 3
    c.start("kube-controller-manager")
    c.run(10)
    assert len(c.list("pods", selector="app=web")) == 4


def _frames(stepper):
    return [(f.step.component, f.step.key, list(f.step.observed), list(f.step.diff)) for f in stepper.frames]


def test_intro_stepper_shows_the_replacement_through_to_the_replicaset_counting_it_ready():
    """The intro's stepper: a deleted Pod of a ReplicaSet is replaced
    (https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works):
    the kubelet stops it, the ReplicaSet controller creates one, the scheduler binds it, a kubelet
    starts it, and the last step is the ReplicaSet controller counting three ready Pods. The five
    seconds recorded hold no kubelet heartbeat (Lease renewal, 10 s apart)."""
    from minik8s.viz import Stepper
    c = Cluster(nodes=2, seed=0)
    c.kubectl("create deployment web --image=nginx:1.27 --replicas=3")
    c.run(30)
    victim = c.list("pods", selector="app=web")[0]["metadata"]["name"]
    s = Stepper(c, [lambda c: c.kubectl(f"delete pod {victim} --wait=false"), 5],
                components=["replicaset-controller", "kube-scheduler", "kubelet"])
    frames = _frames(s)
    assert s.dropped == 0
    assert not [f for f in frames if f[1].startswith(("lease/", "node/"))], frames
    comps = [f[0] for f in frames]
    assert comps.index("replicaset-controller") < comps.index("kube-scheduler")
    assert any(f[0] == "kubelet" and f[1] == f"default/{victim}" for f in frames)
    assert any("create 1 pod" in d for f in frames for d in f[3])
    assert frames[-1][0] == "replicaset-controller"
    assert any("ready=3" in d for d in frames[-1][3]), frames[-1]


def test_chapter2_apply_stepper_ends_with_the_replicaset_counting_three_ready_pods():
    """Chapter 2's stepper, as the text lists it: the ReplicaSet controller creates 3 Pods, the
    scheduler binds each, each kubelet pulls the image and starts the container, and the ReplicaSet
    controller records them ready in its status
    (https://kubernetes.io/docs/concepts/overview/components/). Four seconds are enough for all of it,
    none of it is dropped, and no kubelet heartbeat is among the steps."""
    from minik8s.viz import Stepper
    c = Cluster(nodes=3, seed=0)
    c.run(5)
    rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet", "metadata": {"name": "web"},
          "spec": {"replicas": 3, "selector": {"matchLabels": {"app": "web"}},
                   "template": {"metadata": {"labels": {"app": "web"}},
                                "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}
    s = Stepper(c, [lambda c: c.apply(rs), 4],
                components=["replicaset-controller", "kube-scheduler", "kubelet"], max_frames=20)
    frames = _frames(s)
    assert s.dropped == 0 and len(frames) <= 20
    assert not [f for f in frames if f[1].startswith(("lease/", "node/"))], frames
    assert "create 3 pod(s)" in " ".join(frames[0][3])
    assert sum(1 for f in frames if f[0] == "kube-scheduler") == 3
    assert sum(1 for f in frames if f[0] == "kubelet" and any("pulled nginx" in d for d in f[3])) == 3
    assert sum(1 for f in frames if f[0] == "kubelet" and any("started container" in d for d in f[3])) == 3
    assert frames[-1][0] == "replicaset-controller"
    assert any("ready=3" in d for d in frames[-1][3]), frames[-1]


def test_a_failing_init_container_keeps_the_app_from_starting_and_crash_loops():
    """Chapter 3's self-check: "If a Pod's init container fails, the kubelet repeatedly restarts that
    init container until it succeeds" and the app containers wait
    (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/); kubectl shows
    Init:Error / Init:CrashLoopBackOff
    (https://kubernetes.io/docs/tasks/debug/debug-application/debug-init-containers/)."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: bad
spec:
  initContainers:
  - name: init
    image: busybox:1.36
    command: ["sh", "-c", "exit 1"]
  containers:
  - name: main
    image: busybox:1.36
    command: ["sleep", "3600"]
""")
    c.run(60)
    row = c.kubectl("get pod bad").splitlines()[1].split()
    assert row[2] in ("Init:Error", "Init:CrashLoopBackOff"), row
    status = c.get("pod", "bad")["status"]
    assert status["initContainerStatuses"][0]["restartCount"] >= 2
    main = status["containerStatuses"][0]
    assert "running" not in main["state"] and "terminated" not in main["state"]
    assert main["restartCount"] == 0


def test_two_containers_of_a_pod_cannot_both_listen_on_port_80():
    """Chapter 3's self-check: the containers of a Pod share one network namespace, so they "must
    coordinate how they use the shared network resources (such as ports)"
    (https://kubernetes.io/docs/concepts/workloads/pods/#pod-networking): a second nginx cannot
    bind port 80, says so in its log, and crash-loops."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: two80
spec:
  containers:
  - name: a
    image: nginx:1.27
  - name: b
    image: nginx:1.27
""")
    c.run(30)
    statuses = {s["name"]: s for s in c.get("pod", "two80")["status"]["containerStatuses"]}
    failed = [n for n, s in statuses.items() if s["restartCount"] > 0]
    assert len(failed) == 1, statuses
    assert "Address already in use" in c.kubectl(f"logs two80 -c {failed[0]} --previous")
