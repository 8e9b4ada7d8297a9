"""The runtime's and kubelet's fast paths give the answer of their general path.

Each fast path in ``minik8s/runtime`` and ``minik8s/kubelet`` (a shortcut taken for the common
case) is checked here against the slow path it replaces, so a later change to one of them
cannot make them disagree silently.
"""

import random

from minik8s.clock import Clock
from minik8s.net.podnetwork import PodNetwork
from minik8s.runtime import ContainerRuntime, Dir, Mount
from minik8s.api.expansion import expand_env_refs
from minik8s.runtime.fs import FileSystem, tree
from minik8s.runtime.images import Image, digest_of, repository
from minik8s.kubelet.env import expand
from minik8s.kubelet.status import readiness_gate_messages


def _runtime():
    rt = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork())
    img = rt.registry.resolve("busybox:1.36")
    rt.images[img.ref] = img
    return rt


def _container(rt, name="c", mounts=None):
    sb = rt.run_pod_sandbox("uid-" + name, name, "default", name, "10.244.1.%d" % (len(rt.sandboxes) + 2))
    return rt.containers[rt.create_container(sb.id, name, "busybox:1.36", command=["sleep", "3600"],
                                             mounts=mounts)]


def test_log_writes_of_whole_lines_match_the_line_splitter():
    """Container.stream: a write of exactly one line is appended directly; any mix of writes logs
    the same lines as splitting the concatenated output."""
    rt = _runtime()
    c = _container(rt)
    out = c.stream("stdout")
    writes = ["one\n", "two\nthree\n", "par", "tial\n", "\n", "x\n", "last without newline"]
    for w in writes:
        out.write(w)
    text = "".join(writes)
    *lines, rest = text.split("\n")
    assert [line for _, _, line, _ in c.log] == lines
    assert all(done for *_, done in c.log)
    assert c._partial["stdout"] == rest


def test_expansion_without_dollar_returns_the_text():
    env = {"A": "1"}
    for text in ["plain", "", "daemon off;", "-g"]:
        assert expand_env_refs(text, env) == text and expand(text, env) == text
    assert expand_env_refs("$(A)-$$(A)-$(B)", env) == "1-$(A)-$(B)"
    assert expand("$(A)-$$(A)-$(B)", env) == "1-$(A)-$(B)"


def test_mount_over_an_existing_entry_leaves_the_image_layer_shared():
    """FileSystem.mount copies a directory up only to add a mount point it lacks; either way the
    mounted node is what the path shows, and other containers of the image do not see it."""
    root = tree({"/etc/hosts": "", "/etc/passwd": "root\n", "/usr/": None}).freeze()
    a, b = FileSystem(root.layer()), FileSystem(root.layer())
    hosts = tree({"f": "10.0.0.1 a\n"}).entries["f"]
    a.mount("/etc/hosts", hosts)
    assert a.root.entries["etc"] is root.entries["etc"]          # no copy: the entry was there
    assert a.read("/etc/hosts") == "10.0.0.1 a\n" and b.read("/etc/hosts") == ""
    a.mount("/etc/new", Dir())                                     # a new mount point: copied up
    assert a.root.entries["etc"] is not root.entries["etc"]
    assert "new" in a.listdir("/etc") and "new" not in b.listdir("/etc")
    assert "new" not in root.entries["etc"].entries
    a.mount("usr//share/./x/", Dir())                              # a path that is not normal
    assert "/usr/share/x" in a.mounts and a.isdir("/usr/share/x")


def test_every_container_sees_the_pods_etc_files():
    rt = _runtime()
    vol = Dir(0o777)
    c1, c2 = _container(rt, "a", [Mount("/data", vol)]), _container(rt, "b")
    for c in (c1, c2):
        assert c.fs.read("/etc/hostname") == c.name + "\n"
        assert c.fs.read("/etc/hosts").endswith(f"\t{c.name}\n")
        assert {"hosts", "hostname", "resolv.conf", "passwd"} <= set(c.fs.listdir("/etc"))
    assert c1.fs.isdir("/data") and not c2.fs.exists("/data")


def test_image_digests_are_computed_once_and_stay_right():
    img = Image("example.com/team/app:1.0", {})
    assert img.repo_digest == f"{repository(img.ref)}@{digest_of(img.ref)}"
    assert img.repo_digest is img.repo_digest
    assert img.id == digest_of(img.ref + "#config")


def test_no_readiness_gates_means_no_messages():
    conds = [{"type": "Ready", "status": "False"}, {"type": "x", "status": "True"}]
    assert readiness_gate_messages({}, conds) == []
    assert readiness_gate_messages({"readinessGates": []}, conds) == []
    assert readiness_gate_messages({"readinessGates": [{"conditionType": "x"}]}, conds) == []
    assert readiness_gate_messages({"readinessGates": [{"conditionType": "y"}]}, None) == [
        'corresponding condition of pod readiness gate "y" does not exist.']


def _run_exec_params(monkeypatch, fast: bool, command, image="busybox:1.36", env=None):
    """Run ``command`` in a fresh container, with the ``exec "$@"`` fast path on or off; return
    what can be seen of it: status, logs, ps while it runs, and the process's argv and env."""
    from minik8s.runtime.sh import interpreter
    if not fast:
        monkeypatch.setattr(interpreter, "_execs_its_arguments", lambda tree: False)
    rt = _runtime()
    img = rt.registry.resolve(image)
    rt.images[img.ref] = img
    sb = rt.run_pod_sandbox("uid-x", "x", "default", "x", "10.244.1.9")
    cid = rt.create_container(sb.id, "c", image, command=command, env=env or {})
    rt.start_container(cid)
    c = rt.containers[cid]
    running = (rt.node_ps(), list(c.init.argv), dict(c.init.env)) if c.init is not None else None
    rt.clock.run(5)
    st = rt.container_status(cid)
    monkeypatch.undo()
    return st.state, st.exit_code, st.reason, st.message, rt.logs(cid), running


def test_exec_of_the_positional_parameters_matches_the_general_path(monkeypatch):
    """Shell.run_script runs a script that is just ``exec "$@"`` (docker-entrypoint.sh) without
    expanding its words; status, logs, ps, argv and environment are the general path's."""
    from minik8s.runtime.sh.interpreter import _execs_its_arguments
    from minik8s.runtime.sh.parser import parse
    assert _execs_its_arguments(parse('#!/bin/sh\nexec "$@"\n'))
    for src in ['exec "$@" >/dev/null', 'exec $@', 'X=1 exec "$@"', 'exec "$@" &', ': ; exec "$@"',
                'exec "$*"', 'exec "$@" x']:
        assert not _execs_its_arguments(parse(src)), src
    cases = [
        (["sh", "-c", 'exec "$@"', "sh", "echo", "a  b", "c"], "busybox:1.36", None),
        (["sh", "-c", 'exec "$@"', "sh", "sleep", "3"], "busybox:1.36", {"A": "1"}),
        (["sh", "-c", 'exec "$@"', "sh"], "busybox:1.36", None),                      # nothing to exec: 0
        (["sh", "-c", 'exec "$@"', "sh", "no-such-program", "x"], "busybox:1.36", None),   # 127
        (["sh", "-c", 'exec "$@"'], "busybox:1.36", None),
        (None, "nginx:1.27", {"NGINX_VERSION": "1.27.5"}),                           # docker-entrypoint.sh
        (["/docker-entrypoint.sh", "sleep", "2"], "nginx:1.27", None),
    ]
    for command, image, env in cases:
        assert (_run_exec_params(monkeypatch, True, command, image, env)
                == _run_exec_params(monkeypatch, False, command, image, env)), command


def test_container_state_is_the_state_of_the_container_status():
    """ContainerRuntime.container_state (what the pod worker reads several times per sync) is
    container_status(cid).state at every step of a container's life."""
    rt = _runtime()
    c = _container(rt)
    seen = []

    def check():
        assert rt.container_state(c.id) == rt.container_status(c.id).state
        seen.append(rt.container_state(c.id))
    check()
    rt.start_container(c.id)
    check()
    rt.clock.run(1)
    check()
    rt.stop_container(c.id, 1)
    rt.clock.run(5)
    check()
    assert seen == ["created", "running", "running", "exited"]


ADMISSION = """
apiVersion: v1
kind: Pod
metadata: {name: big}
spec:
  nodeName: node-1
  containers: [{name: c, image: busybox:1.36, command: ["sleep", "3600"], resources: {requests: {cpu: 1200m, memory: 1Gi}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: job}
spec:
  nodeName: node-1
  restartPolicy: Never
  initContainers: [{name: i, image: busybox:1.36, command: ["true"], resources: {requests: {cpu: 500m}}}]
  containers: [{name: c, image: busybox:1.36, command: ["sleep", "5"], resources: {requests: {cpu: 300m}}}]
---
apiVersion: v1
kind: Pod
metadata: {name: crash}
spec:
  nodeName: node-1
  containers: [{name: c, image: busybox:1.36, command: ["sh", "-c", "sleep 2; exit 1"], resources: {requests: {cpu: 100m}}}]
"""


def test_admission_counts_the_admitted_pods_that_still_run():
    """The kubelet's admission compares a pod's requests with what the admitted, unfinished pods request
    (admitted_requests): a pod that does not fit next to them is rejected OutOfcpu; once they
    are deleted, the same pod fits
    (https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename)."""
    from minik8s import Cluster
    from minik8s.kubelet.admission import admitted_requests
    c = Cluster(nodes=1, seed=0)
    kl = c.kubelets["node-1"]
    c.apply(ADMISSION)
    c.run(12)
    extra = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "late"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "c", "image": "busybox:1.36",
                      "command": ["sleep", "3600"], "resources": {"requests": {"cpu": "800m"}}}]}}
    c.apply(dict(extra))                       # does not fit next to big: OutOfcpu
    c.run(2)
    assert c.get("pod", "late")["status"]["reason"] == "OutOfcpu"
    c.delete("pod", "big")
    c.delete("pod", "late")
    c.run(40)
    c.apply(dict(extra))                       # fits now that big is gone
    c.run(3)
    assert c.get("pod", "late")["status"]["phase"] == "Running"
    c.delete("pod", "crash", grace_period_seconds=0)
    c.run(5)
    assert admitted_requests(kl.workers.values())["pods"] == 1


def test_cached_service_variables_follow_the_services():
    """ContainerEnvironment.service_environment caches service_links() per (namespace, enableServiceLinks);
    the services informer's handler empties the cache, so the answer is always the general one."""
    from minik8s import Cluster
    c = Cluster(nodes=1, seed=0)
    c.run(1)
    kl = c.kubelets["node-1"]

    def pod(ns, links=None):
        spec = {"containers": []}
        if links is not None:
            spec["enableServiceLinks"] = links
        return {"metadata": {"name": "p", "namespace": ns}, "spec": spec}

    def check():
        for ns in ("default", "other", "empty"):
            for links in (None, True, False):
                got = kl.env.service_environment(pod(ns, links))
                assert got == kl.env.service_links(ns, links is not False), (ns, links)
                got["MINE"] = "x"          # the caller's changes do not reach the cache
        assert all("MINE" not in env for env in kl.env.service_env_cache.values())
    check()
    c.apply("""
apiVersion: v1
kind: Namespace
metadata: {name: other}
---
apiVersion: v1
kind: Service
metadata: {name: web, namespace: other}
spec:
  ports: [{port: 80, name: http}, {port: 53, protocol: UDP, name: dns}]
---
apiVersion: v1
kind: Service
metadata: {name: kubernetes, namespace: other}
spec:
  ports: [{port: 8443}]
""")
    c.run(1)
    check()
    assert "WEB_SERVICE_HOST" in kl.env.service_environment(pod("other"))
    c.apiserver.patch("services", "web", {"spec": {"ports": [{"port": 8080, "name": "http"}]}}, "other")
    c.run(1)
    check()
    assert kl.env.service_environment(pod("other"))["WEB_SERVICE_PORT"] == "8080"
    c.delete("service", "web", namespace="other")
    c.run(1)
    check()
    assert "WEB_SERVICE_HOST" not in kl.env.service_environment(pod("other"))
    c.stop("kubelet", node="node-1")
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "db", "namespace": "other"},
             "spec": {"ports": [{"port": 5432}]}})
    c.start("kubelet", node="node-1")
    c.run(1)
    check()
    assert "DB_SERVICE_HOST" in kl.env.service_environment(pod("other"))


def test_resolv_conf_without_dns_config_is_the_general_text():
    """resolv_conf_for caches the text of pods without dnsConfig per (policy, namespace, node);
    it is what resolv_conf_text computes, for every policy, with and without hostNetwork."""
    from minik8s.net.dns_config import NODE_RESOLV_CONF, resolv_conf_for, resolv_conf_text
    for ns in ("default", "other"):
        for policy in (None, "ClusterFirst", "ClusterFirstWithHostNet", "Default", "None"):
            for host in (None, True):
                for dns, domain in (("10.96.0.10", "cluster.local"), ("", "example.org")):
                    spec = {"containers": []}
                    if policy:
                        spec["dnsPolicy"] = policy
                    if host:
                        spec["hostNetwork"] = True
                    pod = {"metadata": {"namespace": ns}, "spec": spec}
                    effective = "Default" if (policy or "ClusterFirst") == "ClusterFirst" and host else policy
                    want = resolv_conf_text(effective or "ClusterFirst", ns, {}, dns, domain, NODE_RESOLV_CONF)
                    assert resolv_conf_for(pod, dns, domain) == want
                    assert resolv_conf_for(pod, dns, domain) == want      # from the cache
    cfg = {"nameservers": ["1.1.1.1"], "searches": ["a.example"], "options": [{"name": "ndots", "value": "2"}]}
    pod = {"metadata": {"namespace": "x"}, "spec": {"dnsConfig": cfg}}
    assert resolv_conf_for(pod) == ("search x.svc.cluster.local svc.cluster.local cluster.local a.example\n"
                                    "nameserver 10.96.0.10\nnameserver 1.1.1.1\noptions ndots:2\n")


def _general_oom_victim(rt, capacity, system):
    """oom_victim without its fast path: the sum over the running containers, then the scores."""
    used = system + sum(c.cgroup.ram for c in rt.containers.values() if c.state == "running")
    if used <= capacity:
        return None
    best, best_score = None, None
    for _, c in sorted(rt.containers.items()):
        if c.state != "running":
            continue
        score = c.cgroup.ram + c.cgroup.swap + getattr(c, "oom_score_adj", 0) * capacity // 1000
        if best_score is None or score > best_score:
            best, best_score = c.id, score
    return best


def test_runtime_memory_bound_keeps_the_oom_check_exact():
    """ContainerRuntime.memory_bound is the sum of max(0, cgroup memory) over its containers,
    through charges, frees, tmpfs writes and deletes from another container, exits and removals;
    oom_victim's fast path on it answers as the general sum does."""
    from minik8s.kubelet.eviction import oom_victim
    rt = _runtime()
    shm = Dir(0o777)
    shm.tmpfs = True
    seen = []

    def check():
        assert rt.memory_bound == sum(max(c.cgroup.memory, 0) for c in rt.containers.values())
        for capacity in (0, 10 * 2**20, 50 * 2**20, 2**40):
            want = _general_oom_victim(rt, capacity, 2**20)
            assert oom_victim(rt, capacity, 2**20) == want
            seen.append(want is None)
    cs = [_container(rt, f"c{i}", [Mount("/shm", shm)]) for i in range(3)]
    check()
    for c in cs:
        rt.start_container(c.id)
    check()
    cs[0].init.allocate(8 * 2**20)
    cs[1].init.allocate(3 * 2**20)
    check()
    cs[1].init.free(2**20)
    cs[0].fs.write("/shm/big", "x" * 2**20)     # tmpfs: charged to the writer
    check()
    cs[2].fs.remove("/shm/big")                  # uncharged from the remover: below zero
    assert cs[2].cgroup.memory < 0
    check()
    rt.stop_container(cs[0].id, 1)
    rt.clock.run(3)
    check()
    rt.remove_container(cs[0].id)
    check()
    rt.remove_container(cs[1].id)                # removed while running: killed after the pop
    check()
    rt.remove_pod_sandbox(cs[2].sandbox.id)
    check()
    assert rt.memory_bound == 0 and True in seen and False in seen
