"""Pods on a node, from binding to Running / Completed / CrashLoopBackOff / deletion, at exact virtual times.

Each test names the Kubernetes doc page whose rule it encodes. Timing tests use images
preloaded on the node (no pull time) and pods bound with ``spec.nodeName``, so the
container starts at the instant the pod is created.
"""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.api.meta import parse_time
from pod_helpers import IMAGES    # the kubelet-test/* images


PRELOADED = ["kubelet-test/exit:1.0", "kubelet-test/server:1.0", "kubelet-test/stubborn:1.0"]


def cluster(**kw):
    return Cluster(nodes=[{"name": "node-1", "images": PRELOADED}], images=IMAGES, **kw)


def pod(name, image_ref, args=None, restart="Always", **extra):
    c = {"name": "app", "image": image_ref}
    if args is not None:
        c["args"] = [str(a) for a in args]
    spec = {"nodeName": "node-1", "restartPolicy": restart, "containers": [c]}
    spec.update(extra)
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def status(c, name):
    return c.get("pods", name)["status"]


def cstatus(c, name, i=0):
    return status(c, name)["containerStatuses"][i]


def pod_events(c, name):
    return [(e["reason"], e["message"]) for e in c.events()
            if e["involvedObject"]["kind"] == "Pod" and e["involvedObject"]["name"] == name]


def run_to(c, t):
    assert t >= c.now
    c.run(t - c.now)


# --- the docs' nginx pod ------------------------------------------------------------------------

NGINX = """
apiVersion: v1
kind: Pod
metadata:
  name: nginx
spec:
  containers:
  - name: nginx
    image: nginx:1.14.2
    ports:
    - containerPort: 80
"""   # https://kubernetes.io/docs/concepts/workloads/pods/#using-pods (simple-pod.yaml)


def test_nginx_pod_goes_pending_container_creating_running():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase and #pod-conditions"""
    c = Cluster(nodes=1)
    c.run(2)
    c.apply(NGINX)
    c.run_until(lambda c: c.get("pods", "nginx")["spec"].get("nodeName"), timeout=10)
    st = status(c, "nginx")
    assert st["phase"] == "Pending"
    assert cstatus(c, "nginx")["state"] == {"waiting": {"reason": "ContainerCreating"}}
    bound = c.now
    pull = c.kubelets["node-1"].runtime.pull_seconds("nginx:1.14.2")
    assert pull > 0
    c.run_until(lambda c: status(c, "nginx").get("phase") == "Running", timeout=120)
    assert c.now == pytest.approx(bound + pull, abs=1e-6)
    st = status(c, "nginx")
    assert [x["type"] for x in st["conditions"]] == ["PodReadyToStartContainers", "Initialized", "Ready",
                                                       "ContainersReady", "PodScheduled"]
    assert all(x["status"] == "True" for x in st["conditions"])
    assert st["podIP"].startswith("10.244.") and st["podIPs"] == [{"ip": st["podIP"]}]
    assert st["hostIP"] == st["hostIPs"][0]["ip"]
    assert st["qosClass"] == "BestEffort"
    cs = st["containerStatuses"][0]
    assert cs["ready"] is True and cs["started"] is True and cs["restartCount"] == 0
    assert cs["containerID"].startswith("containerd://")
    assert "running" in cs["state"] and cs["lastState"] == {}
    assert cs["imageID"]
    reasons = [r for r, _ in pod_events(c, "nginx")]
    assert reasons[-4:] == ["Pulling", "Pulled", "Created", "Started"]
    msgs = dict(pod_events(c, "nginx"))
    assert msgs["Pulling"] == 'Pulling image "nginx:1.14.2"'
    assert msgs["Pulled"].startswith('Successfully pulled image "nginx:1.14.2" in ')
    assert "including waiting). Image size: " in msgs["Pulled"]
    assert msgs["Created"] == "Created container: nginx"
    assert msgs["Started"] == "Started container nginx"


def test_pod_ip_comes_from_the_node_pod_cidr():
    """https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model"""
    c = cluster()
    for i in range(3):
        c.apply(pod(f"p{i}", "kubelet-test/server:1.0"))
    c.run(1)
    cidr = c.get("nodes", "node-1")["spec"]["podCIDR"]
    prefix = cidr.rsplit(".", 1)[0] + "."
    ips = [status(c, f"p{i}")["podIP"] for i in range(3)]
    assert all(ip.startswith(prefix) for ip in ips)
    assert len(set(ips)) == 3


# --- restarts and CrashLoopBackOff ------------------------------------------------------------------

def test_crash_loop_back_off_is_0_10_20_40_80_160_then_300s():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts :
    exponential back-off (10 s, 20 s, 40 s, ...) capped at five minutes; first restart immediate."""
    c = cluster()
    c.apply(pod("crash", "kubelet-test/exit:1.0", args=[0, 1]))
    t0 = c.now
    # restart k happens at t0 + sum of the delays before it
    delays = [0, 10, 20, 40, 80, 160, 300, 300]
    when, t = [], t0
    for d in delays:
        t += d
        when.append(t)
    for k, at in enumerate(when, start=1):
        if at - 0.5 > c.now:
            run_to(c, at - 0.5)
            assert cstatus(c, "crash")["restartCount"] == k - 1, f"before restart {k}"
        run_to(c, at + 0.001)
        assert cstatus(c, "crash")["restartCount"] == k, f"restart {k} at t0+{at - t0:g}"


def test_crash_loop_status_and_events():
    """https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/ (CrashLoopBackOff)"""
    c = cluster()
    c.apply(pod("crash", "kubelet-test/exit:1.0", args=[0, 3]))
    run_to(c, c.now + 5)
    st = status(c, "crash")
    cs = st["containerStatuses"][0]
    uid = c.get("pods", "crash")["metadata"]["uid"]
    assert st["phase"] == "Running"          # restartPolicy Always: the pod stays Running
    assert cs["state"]["waiting"]["reason"] == "CrashLoopBackOff"
    assert cs["state"]["waiting"]["message"] == (
        f"back-off 10s restarting failed container=app pod=crash_default({uid})")
    term = cs["lastState"]["terminated"]
    assert term["exitCode"] == 3 and term["reason"] == "Error"
    assert cs["containerID"] == term["containerID"]      # describe's "Container ID" during the back-off
    assert cs["restartCount"] == 1 and cs["ready"] is False
    assert ("BackOff", f"Back-off restarting failed container app in pod crash_default({uid})") in \
        pod_events(c, "crash")
    back = [e for e in c.events() if e["reason"] == "BackOff"][0]
    assert back["type"] == "Warning" and back["involvedObject"]["fieldPath"] == "spec.containers{app}"
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["Ready"]["reason"] == "ContainersNotReady"
    assert conds["Ready"]["message"] == "containers with unready status: [app]"


def test_back_off_resets_after_ten_minutes_of_running():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts :
    after a container has run for 10 minutes without problems the back-off timer is reset."""
    c = cluster()
    c.apply(pod("long", "kubelet-test/exit:1.0", args=[700, 1]))
    t0 = c.now
    run_to(c, t0 + 700.001)
    assert cstatus(c, "long")["restartCount"] == 1
    run_to(c, t0 + 1400.001)     # ran 700 s > 10 min since the last restart: restarted at once again
    assert cstatus(c, "long")["restartCount"] == 2
    c2 = cluster()
    c2.apply(pod("short", "kubelet-test/exit:1.0", args=[5, 1]))
    t0 = c2.now
    run_to(c2, t0 + 10.001)      # crashed at 5 (restart at once) and at 10: now backing off 10 s
    assert cstatus(c2, "short")["restartCount"] == 1
    run_to(c2, t0 + 20.001)
    assert cstatus(c2, "short")["restartCount"] == 2


@pytest.mark.parametrize("policy,code,phase,reason,cond_reason,restarts", [
    ("Never", 0, "Succeeded", "Completed", "PodCompleted", 0),
    ("Never", 1, "Failed", "Error", "PodFailed", 0),
    ("OnFailure", 0, "Succeeded", "Completed", "PodCompleted", 0),
])
def test_restart_policy_never_and_on_failure_finish_the_pod(policy, code, phase, reason, cond_reason, restarts):
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy and #pod-phase"""
    c = cluster()
    c.apply(pod("job", "kubelet-test/exit:1.0", args=[3, code], restart=policy))
    t0 = c.now
    run_to(c, t0 + 2.9)
    assert status(c, "job")["phase"] == "Running"
    run_to(c, t0 + 3.001)
    st = status(c, "job")
    assert st["phase"] == phase
    cs = st["containerStatuses"][0]
    term = cs["state"]["terminated"]
    assert term["reason"] == reason and term["exitCode"] == code
    assert parse_time(term["finishedAt"]) - parse_time(term["startedAt"]) == 3
    assert cs["restartCount"] == restarts
    conds = {x["type"]: x for x in st["conditions"]}
    assert conds["Ready"]["status"] == "False" and conds["Ready"]["reason"] == cond_reason
    assert conds["ContainersReady"]["reason"] == cond_reason
    assert conds["PodReadyToStartContainers"]["status"] == "False"   # the sandbox is gone
    run_to(c, t0 + 100)
    assert status(c, "job")["phase"] == phase and cstatus(c, "job")["restartCount"] == restarts


def test_on_failure_restarts_a_failed_container():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy"""
    c = cluster()
    c.apply(pod("retry", "kubelet-test/exit:1.0", args=[2, 1], restart="OnFailure"))
    t0 = c.now
    run_to(c, t0 + 2.001)
    st = status(c, "retry")
    assert st["phase"] == "Running" and st["containerStatuses"][0]["restartCount"] == 1


# --- image pulls ------------------------------------------------------------------------------------

def test_unknown_image_gives_err_image_pull_then_image_pull_back_off():
    """https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff"""
    c = cluster()
    c.apply(pod("bad", "kubelet-test/does-not-exist:1.0"))
    c.run_until(lambda c: cstatus(c, "bad")["state"]["waiting"]["reason"] == "ErrImagePull", timeout=5)
    st = status(c, "bad")
    assert st["phase"] == "Pending"
    c.run_until(lambda c: cstatus(c, "bad")["state"]["waiting"]["reason"] == "ImagePullBackOff", timeout=60)
    w = cstatus(c, "bad")["state"]["waiting"]
    assert w["message"].startswith('Back-off pulling image "kubelet-test/does-not-exist:1.0": ErrImagePull: '
                                   'rpc error: code = Unknown desc = failed to pull and unpack image '
                                   '"docker.io/kubelet-test/does-not-exist:1.0"')
    evs = pod_events(c, "bad")
    assert ("Pulling", 'Pulling image "kubelet-test/does-not-exist:1.0"') in evs
    assert any(r == "Failed" and m.startswith('Failed to pull image "kubelet-test/does-not-exist:1.0": rpc error: ')
               for r, m in evs)
    assert ("Failed", "Error: ErrImagePull") in evs
    assert ("BackOff", 'Back-off pulling image "kubelet-test/does-not-exist:1.0"') in evs
    assert ("Failed", "Error: ImagePullBackOff") in evs
    with pytest.raises(Exception) as err:
        c.logs("bad")
    assert str(err.value) in ('container "app" in pod "bad" is waiting to start: trying and failing to pull image',
                              'container "app" in pod "bad" is waiting to start: image can\'t be pulled')


def test_image_pull_retries_back_off_and_stay_capped():
    """https://kubernetes.io/docs/concepts/containers/images/#imagepullbackoff :
    the delay grows exponentially up to a 300 s cap."""
    c = cluster()
    c.apply(pod("bad", "kubelet-test/does-not-exist:1.0"))
    c.run(3600)
    pulls = [e for e in c.events() if e["reason"] == "Pulling"][0]
    n = pulls["count"]
    # one try at 0, then back-offs 10, 20, 40, 80, 160, 300, 300...: about 14 tries in an hour
    assert 10 <= n <= 16


def test_pull_policy_never_with_missing_image():
    """https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy (Never)"""
    c = cluster()
    manifest = pod("never", "kubelet-test/absent:1.0")
    manifest["spec"]["containers"][0]["imagePullPolicy"] = "Never"
    c.apply(manifest)
    c.run(1)
    w = cstatus(c, "never")["state"]["waiting"]
    assert w == {"reason": "ErrImageNeverPull",
                 "message": 'Container image "kubelet-test/absent:1.0" is not present with pull policy of Never'}
    assert ("ErrImageNeverPull", w["message"]) in pod_events(c, "never")


def test_if_not_present_uses_the_node_cache_and_always_pulls():
    """https://kubernetes.io/docs/concepts/containers/images/#image-pull-policy"""
    c = cluster()
    c.apply(pod("cached", "kubelet-test/server:1.0"))
    c.run(1)
    assert ("Pulled", 'Container image "kubelet-test/server:1.0" already present on machine') in \
        pod_events(c, "cached")
    assert status(c, "cached")["phase"] == "Running"
    always = pod("always", "kubelet-test/server:1.0")
    always["spec"]["containers"][0]["imagePullPolicy"] = "Always"
    c.apply(always)
    c.run(30)
    assert ("Pulling", 'Pulling image "kubelet-test/server:1.0"') in pod_events(c, "always")


# --- deletion ------------------------------------------------------------------------------------------

def _graceful(c):
    """A pod is deleted gracefully (deletionTimestamp first, the kubelet removes it once its containers
    stopped): the API server's grace-period hook for Pods must be installed, else these tests fail
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)."""
    assert "Pod" in c.apiserver.grace_period, "the API server's pod grace-period delete hook is missing"


def test_delete_stops_containers_then_removes_the_pod():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    _graceful(c)
    c.apply(pod("web", "kubelet-test/server:1.0"))
    c.run(1)
    rt = c.kubelets["node-1"].runtime
    c.delete("pod", "web")
    assert ("Killing", "Stopping container app") in pod_events(c, "web") or c.list("pods") == []
    c.run(1)
    assert c.list("pods") == []
    assert rt.list_containers() == []


def test_sigterm_ignored_means_sigkill_after_the_grace_period():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination :
    after terminationGracePeriodSeconds the kubelet sends SIGKILL."""
    c = cluster()
    _graceful(c)
    manifest = pod("stubborn", "kubelet-test/stubborn:1.0", terminationGracePeriodSeconds=10)
    c.apply(manifest)
    c.run(1)
    t0 = c.now
    c.delete("pod", "stubborn")
    run_to(c, t0 + 9.9)
    p = c.get("pods", "stubborn")
    assert p["metadata"].get("deletionTimestamp")
    run_to(c, t0 + 10.1)
    assert c.list("pods") == []


def test_force_deleted_pod_containers_are_killed():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination-forced"""
    c = cluster()
    c.apply(pod("web", "kubelet-test/stubborn:1.0"))
    c.run(1)
    rt = c.kubelets["node-1"].runtime
    assert len(rt.list_containers()) == 1
    c.delete("pod", "web", grace_period_seconds=0)
    assert c.list("pods") == []
    c.run(3)
    assert rt.list_containers() == []
    assert rt.sandboxes == {}


# --- environment --------------------------------------------------------------------------------------

def test_env_from_configmap_and_downward_api_and_missing_configmap():
    """https://kubernetes.io/docs/tasks/inject-data-application/environment-variable-expose-pod-information/
    and https://kubernetes.io/docs/tasks/configure-pod-container/configure-pod-configmap/"""
    c = cluster()
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"}, "data": {"level": "debug"}})
    manifest = pod("env", "kubelet-test/server:1.0")
    manifest["spec"]["containers"][0]["env"] = [
        {"name": "MY_POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
        {"name": "MY_NODE_NAME", "valueFrom": {"fieldRef": {"fieldPath": "spec.nodeName"}}},
        {"name": "LEVEL", "valueFrom": {"configMapKeyRef": {"name": "cfg", "key": "level"}}},
        {"name": "GREETING", "value": "pod $(MY_POD_NAME)"},
    ]
    c.apply(manifest)
    c.run(1)
    kl = c.kubelets["node-1"]
    cid = kl.workers["default/env"].containers["app"].cid
    env = kl.runtime.containers[cid].env
    assert env["MY_POD_NAME"] == "env" and env["MY_NODE_NAME"] == "node-1"
    assert env["LEVEL"] == "debug" and env["GREETING"] == "pod env"
    broken = pod("broken", "kubelet-test/server:1.0")
    broken["spec"]["containers"][0]["env"] = [
        {"name": "X", "valueFrom": {"configMapKeyRef": {"name": "nope", "key": "k"}}}]
    c.apply(broken)
    c.run(1)
    assert cstatus(c, "broken")["state"]["waiting"] == {"reason": "CreateContainerConfigError",
                                                        "message": 'configmap "nope" not found'}
    assert ("Failed", 'Error: configmap "nope" not found') in pod_events(c, "broken")


# --- the docs' busybox pods -----------------------------------------------------------------------------

MYAPP = """
apiVersion: v1
kind: Pod
metadata:
  name: myapp-pod
  labels:
    app.kubernetes.io/name: MyApp
spec:
  containers:
  - name: myapp-container
    image: busybox:1.28
    command: ['sh', '-c', 'echo The app is running! && sleep 3600']
"""   # https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#init-containers-in-use (app part)


def test_busybox_pod_runs_its_shell_command_and_logs():
    """https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#init-containers-in-use"""
    c = Cluster(nodes=1)
    c.apply(MYAPP)
    c.run_until(lambda c: status(c, "myapp-pod").get("phase") == "Running", timeout=60)
    assert c.logs("myapp-pod") == "The app is running!\n"
    assert c.exec("myapp-pod", ["hostname"]) == "myapp-pod\n"
    c.run(3600)
    st = cstatus(c, "myapp-pod")
    assert st["restartCount"] == 1                 # sleep 3600 ended with exit 0; restartPolicy Always
    assert st["lastState"]["terminated"]["reason"] == "Completed"
    assert st["lastState"]["terminated"]["exitCode"] == 0


def test_busybox_exit_codes_give_completed_and_error():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-state-terminated"""
    c = Cluster(nodes=1)
    c.apply("""
apiVersion: v1
kind: Pod
metadata: {name: ok}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:1.28, command: ['sh', '-c', 'echo done']}
---
apiVersion: v1
kind: Pod
metadata: {name: fail}
spec:
  restartPolicy: Never
  containers:
  - {name: main, image: busybox:1.28, command: ['sh', '-c', 'echo oops; exit 3']}
""")
    c.run(60)
    ok, fail = cstatus(c, "ok")["state"]["terminated"], cstatus(c, "fail")["state"]["terminated"]
    assert (status(c, "ok")["phase"], ok["reason"], ok["exitCode"]) == ("Succeeded", "Completed", 0)
    assert (status(c, "fail")["phase"], fail["reason"], fail["exitCode"]) == ("Failed", "Error", 3)
    assert c.logs("ok") == "done\n" and c.logs("fail") == "oops\n"


def test_logs_and_exec_fail_while_the_kubelet_is_down():
    c = cluster()
    c.apply(pod("srv", "kubelet-test/server:1.0"))
    c.run(1)
    c.stop("kubelet", node="node-1")
    with pytest.raises(Exception) as e:
        c.logs("srv")
    assert str(e.value).endswith("dial tcp 172.18.0.2:10250: connect: connection refused")
    with pytest.raises(Exception) as e:
        c.exec("srv", ["true"])
    assert str(e.value) == "error dialing backend: dial tcp 172.18.0.2:10250: connect: connection refused"


# --- kubelet admission -------------------------------------------------------------------------------

def test_node_name_pod_that_does_not_fit_is_rejected_out_of_cpu():
    """https://kubernetes.io/docs/concepts/scheduling-eviction/assign-pod-node/#nodename :
    if the named node lacks the resources, the Pod fails with a reason such as OutOfcpu."""
    c = cluster()
    fits = pod("fits", "kubelet-test/server:1.0")
    fits["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1500m"}}
    big = pod("big", "kubelet-test/server:1.0")
    big["spec"]["containers"][0]["resources"] = {"requests": {"cpu": "1", "memory": "64Mi"}}
    c.apply(fits)
    c.apply(big)
    c.run(1)
    assert status(c, "fits")["phase"] == "Running"
    st = status(c, "big")
    assert st["phase"] == "Failed" and st["reason"] == "OutOfcpu"
    assert st["message"] == ("Pod was rejected: Node didn't have enough resource: cpu, requested: 1000, "
                             "used: 1500, capacity: 2000")
    assert ("OutOfcpu", st["message"]) in pod_events(c, "big")
    c.run(60)
    assert status(c, "big")["phase"] == "Failed"
    assert len(c.kubelets["node-1"].runtime.list_containers()) == 1


def test_deleted_pod_ends_in_a_terminal_phase_before_it_is_removed():
    """https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase : a pod whose
    containers were stopped for deletion ends Succeeded (all exited 0) or Failed."""
    c = cluster()
    _graceful(c)
    c.apply(pod("web", "kubelet-test/server:1.0"))
    c.run(1)
    phases = []
    c.apiserver.watch("pods", lambda typ, obj: phases.append(obj["status"].get("phase")), "default")
    c.delete("pod", "web")
    c.run(1)
    assert c.list("pods") == []
    assert "Succeeded" in phases        # the server exits 0 on SIGTERM


def test_changing_a_pods_image_restarts_its_container():
    """https://kubernetes.io/docs/concepts/workloads/pods/#pod-update-and-replacement :
    ``spec.containers[*].image`` may be updated; the kubelet restarts the container with the new image."""
    c = cluster()
    c.apply(pod("web", "kubelet-test/server:1.0", restart="Never"))
    c.run(1)
    c.apiserver.patch("pods", "web", {"spec": {"containers": [{"name": "app", "image": "kubelet-test/stubborn:1.0"}]}},
                      "default")
    c.run(1)
    cs = cstatus(c, "web")
    assert cs["image"] == "kubelet-test/stubborn:1.0" and "running" in cs["state"]
    assert cs["restartCount"] == 1 and cs["lastState"]["terminated"]["exitCode"] == 0
    assert ("Killing", "Container app definition changed, will be restarted") in pod_events(c, "web")


def test_kubectl_get_pods_shows_what_the_kubelet_reported():
    """kubectl's STATUS and RESTARTS columns for the kubelet's states
    (https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/)."""
    c = cluster()
    c.apply(pod("crash", "kubelet-test/exit:1.0", args=[0, 1]))
    c.apply(pod("ok", "kubelet-test/exit:1.0", args=[1, 0], restart="Never"))
    c.apply(pod("err", "kubelet-test/exit:1.0", args=[1, 2], restart="Never"))
    t0 = c.now
    run_to(c, t0 + 35)           # restarts at 0, 10, 30: the last one 5 s ago
    rows = {line.split()[0]: line.split() for line in c.kubectl("get pods").splitlines()[1:]}
    assert rows["crash"][1:5] == ["0/1", "CrashLoopBackOff", "3", "(5s"]
    assert rows["ok"][1:4] == ["0/1", "Completed", "0"]
    assert rows["err"][1:4] == ["0/1", "Error", "0"]


def test_etc_hosts_inside_the_container():
    """https://kubernetes.io/docs/tasks/network/customize-hosts-file-for-pods/#default-hosts-file-content"""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "nginx"},
             "spec": {"containers": [{"name": "nginx", "image": "nginx"}]}})
    c.run_until(lambda c: status(c, "nginx").get("phase") == "Running", timeout=60)
    ip = status(c, "nginx")["podIP"]
    assert c.exec("nginx", ["cat", "/etc/hosts"]) == (
        "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
        "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
        f"{ip}\tnginx\n")
