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
