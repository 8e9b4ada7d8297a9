"""The kubelet's pure pieces (phase, conditions, QoS, pull policy, back-off, /etc/hosts) and its
server side (``pods/log``, ``pods/exec``, the stats summary)."""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.errors import ApiError
from minik8s.kubelet.backoff import Backoff
from minik8s.kubelet.containers import (cri_error, default_pull_policy, go_duration, hosts_file, resolv_conf,
                                        should_restart)
from minik8s.kubelet.status import pod_conditions, pod_phase, qos_class

import test_pod_lifecycle as lifecycle   # its cluster() and pod() helpers


# --- pure functions --------------------------------------------------------------------------------

@pytest.mark.parametrize("ref,policy", [
    ("nginx", "Always"), ("nginx:latest", "Always"), ("nginx:1.14.2", "IfNotPresent"),
    ("registry.k8s.io/pause:3.10", "IfNotPresent"), ("localhost:5000/app", "Always"),
    ("busybox@sha256:" + "a" * 64, "IfNotPresent"),
])
def test_default_image_pull_policy(ref, policy):
    """https://kubernetes.io/docs/concepts/containers/images/#imagepullpolicy-defaulting"""
    assert default_pull_policy(ref) == policy


@pytest.mark.parametrize("policy,code,restart", [
    ("Always", 0, True), ("Always", 1, True), ("OnFailure", 0, False), ("OnFailure", 2, True),
    ("Never", 0, False), ("Never", 1, False),
])
def test_restart_policy(policy, code, restart):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy"""
    assert should_restart(policy, code) is restart


def test_pull_errors_arrive_as_grpc_status_errors():
    """What ``kubectl describe pod`` shows for a missing tag and for a missing repository
    (https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff)."""
    assert cri_error('failed to pull and unpack image "docker.io/library/nginx:9": failed to resolve reference '
                     '"docker.io/library/nginx:9": docker.io/library/nginx:9: not found').startswith(
        "rpc error: code = NotFound desc = failed to pull and unpack image")
    assert cri_error("failed to pull and unpack image: pull access denied").startswith(
        "rpc error: code = Unknown desc = ")
    assert cri_error("rpc error: code = Unknown desc = x") == "rpc error: code = Unknown desc = x"


@pytest.mark.parametrize("seconds,text", [(0, "0s"), (0.5, "500ms"), (2.178, "2.178s"), (10, "10s"),
                                          (80, "1m20s"), (300, "5m0s")])
def test_go_duration(seconds, text):
    assert go_duration(seconds) == text


def test_backoff_doubles_caps_and_expires():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts"""
    b = Backoff(10, 300)
    seen = []
    t = 0.0
    for _ in range(8):
        seen.append(b.next("k", t, t))
        t += 1
    assert seen == [10, 20, 40, 80, 160, 300, 300, 300]
    assert b.in_backoff("k", t, t + 299)
    assert not b.in_backoff("k", t, t + 300)
    assert not b.in_backoff("k", t + 601, t + 601)          # stable for 10 minutes: forgotten
    assert b.next("k", t + 601, t + 601) == 10


def _cs(name, state, last=None, ready=False):
    return {"name": name, "state": state, "lastState": last or {}, "ready": ready}


@pytest.mark.parametrize("policy,states,phase", [
    ("Always", [{"waiting": {"reason": "ContainerCreating"}}], "Pending"),
    ("Always", [{"running": {}}], "Running"),
    ("Always", [{"terminated": {"exitCode": 0}}], "Running"),
    ("Never", [{"terminated": {"exitCode": 0}}], "Succeeded"),
    ("Never", [{"terminated": {"exitCode": 1}}], "Failed"),
    ("OnFailure", [{"terminated": {"exitCode": 1}}], "Running"),
    ("OnFailure", [{"terminated": {"exitCode": 0}}], "Succeeded"),
    ("Never", [{"running": {}}, {"terminated": {"exitCode": 1}}], "Running"),
    ("Never", [{"terminated": {"exitCode": 0}}, {"terminated": {"exitCode": 1}}], "Failed"),
    ("Always", [{"running": {}}, {"waiting": {"reason": "ContainerCreating"}}], "Pending"),
])
def test_pod_phase(policy, states, phase):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase"""
    spec = {"restartPolicy": policy, "containers": [{"name": f"c{i}"} for i in range(len(states))]}
    statuses = [_cs(f"c{i}", s) for i, s in enumerate(states)]
    assert pod_phase(spec, statuses) == phase


def test_crash_looping_container_counts_as_stopped_not_waiting():
    """A container waiting to restart (it has a lastState) does not make the pod Pending."""
    spec = {"restartPolicy": "Always", "containers": [{"name": "a"}]}
    st = [_cs("a", {"waiting": {"reason": "CrashLoopBackOff"}}, {"terminated": {"exitCode": 1}})]
    assert pod_phase(spec, st) == "Running"


def test_conditions_keep_transition_time_when_unchanged():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions"""
    spec = {"containers": [{"name": "a"}]}
    first = pod_conditions(spec, [_cs("a", {"running": {}}, ready=True)], "Running", True, "T1", [])
    again = pod_conditions(spec, [_cs("a", {"running": {}}, ready=True)], "Running", True, "T2", first)
    assert [c["lastTransitionTime"] for c in again] == ["T1"] * 5
    unready = pod_conditions(spec, [_cs("a", {"running": {}}, ready=False)], "Running", True, "T3", again)
    by = {c["type"]: c for c in unready}
    assert by["Ready"]["lastTransitionTime"] == "T3" and by["Initialized"]["lastTransitionTime"] == "T1"
    assert by["ContainersReady"]["message"] == "containers with unready status: [a]"


@pytest.mark.parametrize("resources,qos", [
    ([{}], "BestEffort"),
    ([{"limits": {"cpu": "700m", "memory": "200Mi"}, "requests": {"cpu": "700m", "memory": "200Mi"}}],
     "Guaranteed"),
    ([{"limits": {"cpu": "700m", "memory": "200Mi"}}], "Guaranteed"),          # requests default to limits
    ([{"limits": {"memory": "200Mi"}, "requests": {"memory": "100Mi"}}], "Burstable"),
    ([{"limits": {"cpu": "1", "memory": "1Gi"}}, {}], "Burstable"),
    ([{"limits": {"cpu": "0.5", "memory": "1Gi"}, "requests": {"cpu": "500m", "memory": "1Gi"}}],
     "Guaranteed"),
])
def test_qos_class(resources, qos):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-qos/ and
    https://kubernetes.io/docs/tasks/configure-pod-container/quality-service-pod/"""
    spec = {"containers": [{"name": f"c{i}", "resources": r} for i, r in enumerate(resources)]}
    assert qos_class(spec) == qos


def test_hosts_file_as_the_kubelet_writes_it():
    """https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/"""
    pod = {"metadata": {"name": "hostaliases-pod", "namespace": "default"},
           "spec": {"hostAliases": [{"ip": "127.0.0.1", "hostnames": ["foo.local", "bar.local"]},
                                    {"ip": "10.1.2.3", "hostnames": ["foo.remote", "bar.remote"]}]}}
    assert hosts_file(pod, "10.244.0.5") == (
        "# Kubernetes-managed hosts file.\n"
        "127.0.0.1\tlocalhost\n"
        "::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\n"
        "fe00::0\tip6-mcastprefix\n"
        "fe00::1\tip6-allnodes\n"
        "fe00::2\tip6-allrouters\n"
        "10.244.0.5\thostaliases-pod\n"
        "\n"
        "# Entries added by HostAliases.\n"
        "127.0.0.1\tfoo.local\tbar.local\n"
        "10.1.2.3\tfoo.remote\tbar.remote\n")


def test_resolv_conf_cluster_first():
    """https://kubernetes.io/docs/concepts/services-networking/dns-pod-service/#pod-s-dns-policy"""
    pod = {"metadata": {"name": "p", "namespace": "team"}, "spec": {}}
    assert resolv_conf(pod) == ("search team.svc.cluster.local svc.cluster.local cluster.local\n"
                                "nameserver 10.96.0.10\n"
                                "options ndots:5\n")


# --- logs and exec -------------------------------------------------------------------------------------

def two_container_pod():
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "web"},
            "spec": {"nodeName": "node-1", "containers": [
                {"name": "a", "image": "kubelet-test/server:1.0"},
                {"name": "b", "image": "kubelet-test/exit:1.0", "args": ["0", "1"]}]}}


def test_logs_errors_are_the_api_servers():
    """Messages of ``kubectl logs`` failures (pkg/registry/core/pod/strategy.go, kubelet_pods.go)."""
    c = lifecycle.cluster()
    c.apply(two_container_pod())
    c.run(1)
    with pytest.raises(ApiError) as e:
        c.logs("web")
    assert e.value.code == 400
    assert e.value.message == "a container name must be specified for pod web, choose one of: [a b]"
    with pytest.raises(ApiError) as e:
        c.logs("web", container="zzz")
    assert e.value.message == "container zzz is not valid for pod web"
    with pytest.raises(ApiError) as e:
        c.logs("web", container="a", previous=True)
    assert e.value.message == 'previous terminated container "a" in pod "web" not found'
    assert c.logs("web", container="a") == "serving\n"
    assert "exiting 1" in c.logs("web", container="b", previous=True)


def test_logs_of_a_container_still_being_created():
    """https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/"""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "slow"},
             "spec": {"nodeName": "node-1", "containers": [{"name": "app", "image": "kubelet-test/server:1.0"}]}})
    with pytest.raises(ApiError) as e:
        c.logs("slow")
    assert e.value.message == 'container "app" in pod "slow" is waiting to start: ContainerCreating'


def test_exec_runs_in_a_running_container_only():
    c = lifecycle.cluster()
    c.apply(lifecycle.pod("job", "kubelet-test/exit:1.0", args=[5, 0], restart="Never"))
    c.apply(lifecycle.pod("srv", "kubelet-test/server:1.0"))
    c.run(1)
    kl = c.kubelets["node-1"]
    with pytest.raises(ApiError) as e:
        kl.exec(c.get("pods", "srv"), ["true"], container="nope")
    assert e.value.message == "container nope is not valid for pod srv"
    c.run(10)
    with pytest.raises(ApiError) as e:
        c.exec("job", ["true"])
    assert e.value.message == "cannot exec into a container in a completed pod; current phase is Succeeded"


def test_stats_summary_lists_running_containers():
    c = lifecycle.cluster()
    c.apply(lifecycle.pod("srv", "kubelet-test/server:1.0"))
    c.run(1)
    s = c.kubelets["node-1"].stats_summary()
    assert s["node"]["cpu_millicores"] >= 0 and s["node"]["memory_bytes"] > 0
    assert [(p["namespace"], p["name"], [x["name"] for x in p["containers"]]) for p in s["pods"]] == [
        ("default", "srv", ["app"])]
    assert set(s["pods"][0]["containers"][0]) == {"name", "cpu_millicores", "memory_bytes"}


def test_kubelet_sync_is_recorded_in_the_trace():
    c = lifecycle.cluster()
    c.apply(lifecycle.pod("srv", "kubelet-test/server:1.0"))
    c.run(1)
    steps = c.trace.filter(component="kubelet", key="default/srv")
    text = c.trace.to_text(steps)
    assert "created" in text and "started container" in text
    assert any("update pods default/srv (status)" in a for s in steps for a in s.actions)


def test_same_seed_same_trace():
    """Determinism: the same scenario twice gives the same trace, byte for byte."""
    def run():
        c = lifecycle.cluster(seed=3)
        c.apply(lifecycle.pod("crash", "kubelet-test/exit:1.0", args=[1, 1]))
        c.apply(lifecycle.pod("bad", "kubelet-test/nope:1.0"))
        c.run(120)
        return c.trace.to_json()
    assert run() == run()


def test_service_environment_variables():
    """https://kubernetes.io/docs/concepts/services-networking/connect-applications-service/#environment-variables"""
    from minik8s.kubelet.env import service_env_vars
    svc = {"metadata": {"name": "my-nginx", "namespace": "default"},
           "spec": {"clusterIP": "10.0.162.149", "ports": [{"port": 80, "protocol": "TCP"}]}}
    assert service_env_vars(svc) == {
        "MY_NGINX_SERVICE_HOST": "10.0.162.149", "MY_NGINX_SERVICE_PORT": "80",
        "MY_NGINX_PORT": "tcp://10.0.162.149:80", "MY_NGINX_PORT_80_TCP": "tcp://10.0.162.149:80",
        "MY_NGINX_PORT_80_TCP_PROTO": "tcp", "MY_NGINX_PORT_80_TCP_PORT": "80",
        "MY_NGINX_PORT_80_TCP_ADDR": "10.0.162.149"}
    headless = {"metadata": {"name": "h"}, "spec": {"clusterIP": "None", "ports": [{"port": 80}]}}
    assert service_env_vars(headless) == {}
