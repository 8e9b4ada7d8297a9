"""The container runtime: processes in virtual time, namespaces, cgroups, signals, logs, exec, network.

Pages encoded: Pod Lifecycle / termination
(https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination), Define a Command
and Arguments (https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/),
Assign Memory / CPU Resources
(https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/,
https://kubernetes.io/docs/tasks/configure-pod-container/assign-cpu-resource/), and the Kubernetes
network model (https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model).
"""

import random

import pytest

from minik8s.clock import Clock
from minik8s.net.podnetwork import ConnectionRefused, NoRouteToHost, PodNetwork, Timeout
from minik8s.runtime import ContainerRuntime, Dir, Mount, command_line, image
from minik8s.runtime.app import healthz_status, ready_status, settings
from minik8s.api.expansion import expand_env_refs
from minik8s.runtime.images import ImageRegistry
from minik8s.runtime.process import MiB


@pytest.fixture
def rt():
    clock = Clock()
    return ContainerRuntime(clock, random.Random(0), "node-1", PodNetwork())


def pulled(rt, ref):
    done = []
    rt.pull_image(ref, lambda err, iid: done.append(err))
    rt.clock.run_until(lambda: bool(done), timeout=60)
    assert done == [None]


def run(rt, image_ref, sandbox=None, name="c", ip="10.244.1.5", pod="pod", **kw):
    if not rt.has_image(image_ref):
        pulled(rt, image_ref)
    if sandbox is None:
        sandbox = rt.run_pod_sandbox("uid-" + pod, pod, "default", pod, ip)
    cid = rt.create_container(sandbox.id, name, image_ref, **kw)
    rt.start_container(cid)
    return cid


def state(rt, cid):
    s = rt.container_status(cid)
    return s.state, s.exit_code, s.reason


# --- processes in virtual time ------------------------------------------------------------------
def test_program_api_sleep_compute_exit(rt):
    reg = ImageRegistry(parent=rt.registry)
    rt.registry = reg
    marks = []

    @image("example.com/timer:1", registry=reg, size="1Mi")
    def timer(proc):
        marks.append(proc.now)
        yield proc.sleep(5)
        marks.append(proc.now)
        yield proc.compute(2.0)
        marks.append(proc.now)
        proc.print("done")
        return 4
    pulled(rt, "example.com/timer:1")
    cid = run(rt, "example.com/timer:1")
    start = rt.clock.now
    rt.clock.run(60)
    assert [m - start for m in marks] == [0, 5, 7]
    assert state(rt, cid) == ("exited", 4, "Error")
    assert rt.container_status(cid).finished_at - start == 7
    assert rt.logs(cid) == "done\n"


def test_completed_reason_and_pleg_events(rt):
    events = []
    rt.subscribe(lambda cid, ev: events.append((rt.clock.now, ev)))
    cid = run(rt, "busybox:1.28", command=["sh", "-c", "sleep 3; echo ok"])
    t0 = rt.clock.now
    rt.clock.run(10)
    assert state(rt, cid) == ("exited", 0, "Completed")
    assert [(t - t0, ev) for t, ev in events] == [(0, "started"), (3, "exited")]


# --- command and args ---------------------------------------------------------------------------
def test_command_and_args_override_entrypoint_and_cmd():
    """https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes"""
    ep, cmd = ["/docker-entrypoint.sh"], ["nginx", "-g", "daemon off;"]
    assert command_line(ep, cmd, None, None) == ep + cmd
    assert command_line(ep, cmd, ["sh"], None) == ["sh"]                 # command: CMD ignored
    assert command_line(ep, cmd, None, ["-v"]) == ep + ["-v"]            # args replace CMD
    assert command_line(ep, cmd, ["printenv"], ["HOSTNAME"]) == ["printenv", "HOSTNAME"]


def test_dependent_environment_variables_expand():
    """https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/"""
    env = {"MESSAGE": "hello world"}
    assert expand_env_refs("$(MESSAGE)", env) == "hello world"
    assert expand_env_refs("$(UNDEFINED) $$(MESSAGE)", env) == "$(UNDEFINED) $(MESSAGE)"


def test_args_from_env_in_the_docs_example(rt):
    """The docs' example: command ["/bin/echo"], args ["$(MESSAGE)"] with env MESSAGE."""
    cid = run(rt, "busybox:1.28", command=["/bin/echo"], args=["$(MESSAGE)"], env={"MESSAGE": "hello world"})
    rt.clock.run(1)
    assert rt.logs(cid) == "hello world\n"


def test_unknown_executable_is_a_start_error(rt):
    cid = run(rt, "busybox:1.28", command=["nosuch"])
    st = rt.container_status(cid)
    assert (st.state, st.exit_code, st.reason) == ("exited", 128, "StartError")
    assert st.message.endswith('exec: "nosuch": executable file not found in $PATH: unknown')


def test_default_command_of_a_shell_image_exits_without_a_terminal(rt):
    """`ubuntu` runs bash with no stdin: it exits 0 at once (a classic CrashLoopBackOff)."""
    cid = run(rt, "ubuntu:24.04")
    rt.clock.run(1)
    assert state(rt, cid) == ("exited", 0, "Completed")


# --- signals and stop -----------------------------------------------------------------------------
def test_nginx_exits_zero_promptly_on_sigterm(rt):
    cid = run(rt, "nginx:1.14.2")
    rt.clock.run(5)
    done = []
    t0 = rt.clock.now
    rt.stop_container(cid, 30, lambda: done.append(rt.clock.now - t0))
    rt.clock.run(40)
    assert done == [0]
    assert state(rt, cid) == ("exited", 0, "Completed")


def test_grace_period_then_sigkill(rt):
    """Pod termination: SIGTERM, then SIGKILL when terminationGracePeriodSeconds runs out: 137."""
    cid = run(rt, "busybox:1.28", command=["sh", "-c", "sleep 3600"])
    done = []
    t0 = rt.clock.now
    rt.stop_container(cid, 5, lambda: done.append(rt.clock.now - t0))
    rt.clock.run(10)
    assert done == [5]
    assert state(rt, cid) == ("exited", 137, "Error")


def test_zero_grace_kills_at_once(rt):
    cid = run(rt, "nginx:1.16.1")
    rt.stop_container(cid, 0)
    rt.clock.run(0)
    assert state(rt, cid) == ("exited", 137, "Error")


def test_process_that_dies_of_sigterm_exits_143(rt):
    """A non-init process without a handler dies of SIGTERM: 128 + 15."""
    cid = run(rt, "busybox:1.28", command=["sh", "-c", "sleep 100 & wait $!; echo status=$?"])
    rt.clock.run(1)
    rt.exec_sync(cid, ["kill", "2"])
    rt.clock.run(1)
    assert rt.logs(cid) == "status=143\n"


def test_app_graceful_shutdown_delay(rt):
    cid = run(rt, "minik8s/app:1.0", env={"SHUTDOWN_DELAY": "4"})
    rt.clock.run(2)
    t0 = rt.clock.now
    done = []
    rt.stop_container(cid, 30, lambda: done.append(rt.clock.now - t0))
    rt.clock.run(10)
    assert done == [4]
    assert state(rt, cid) == ("exited", 0, "Completed")
    assert rt.logs(cid).splitlines()[-2:] == ["received SIGTERM, shutting down", "exiting with code 0"]


def test_go_program_as_pid_1_exits_2_on_sigterm(rt):
    cid = run(rt, "registry.k8s.io/e2e-test-images/agnhost:2.40", args=["liveness"])
    rt.stop_container(cid, 30)
    rt.clock.run(1)
    assert state(rt, cid) == ("exited", 2, "Error")


# --- cgroups ------------------------------------------------------------------------------------
def test_memory_limit_oom_kills(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/assign-memory-resource/#exceed-a-container-s-memory-limit
    stress --vm-bytes 250M under a 100Mi limit: OOMKilled, exit code 137."""
    cid = run(rt, "polinux/stress", command=["stress"], args=["--vm", "1", "--vm-bytes", "250M", "--vm-hang", "1"],
              memory_limit=100 * MiB)
    rt.clock.run(1)
    assert state(rt, cid) == ("exited", 137, "OOMKilled")


def test_memory_within_limit_is_reported(rt):
    """The docs' memory-demo: 150M allocated under a 200Mi limit keeps running."""
    cid = run(rt, "polinux/stress", command=["stress"], args=["--vm", "1", "--vm-bytes", "150M", "--vm-hang", "1"],
              memory_limit=200 * MiB)
    rt.clock.run(10)
    assert state(rt, cid)[0] == "running"
    used = rt.stats(cid)["memory"]
    assert 150 * MiB < used < 155 * MiB
    assert rt.logs(cid) == "stress: info: [1] dispatching hogs: 0 cpu, 0 io, 1 vm, 0 hdd\n"


def test_memory_growth_ooms_at_the_limit(rt):
    """The teaching app leaking 10 MiB/s from 5 MiB hits a 64 MiB limit in its 6th second."""
    cid = run(rt, "minik8s/app:1.0", env={"MEMORY_GROWTH_MB": "10"}, memory_limit=64 * MiB)
    t0 = rt.clock.now
    rt.clock.run(30)
    st = rt.container_status(cid)
    assert (st.exit_code, st.reason) == (137, "OOMKilled")
    assert st.finished_at - t0 == 6


def test_cpu_limit_throttles_compute(rt):
    """CPU-bound work under a 500m limit takes twice as long; the cgroup counts throttled time."""
    reg = ImageRegistry(parent=rt.registry)
    rt.registry = reg
    ends = []

    @image("example.com/burn:1", registry=reg)
    def burn(proc):
        yield proc.compute(3.0)
        ends.append(proc.uptime())
    pulled(rt, "example.com/burn:1")
    fast = run(rt, "example.com/burn:1", pod="fast", ip="10.244.1.6")
    slow = run(rt, "example.com/burn:1", pod="slow", ip="10.244.1.7", cpu_limit=500)
    rt.clock.run(1)
    assert rt.stats(slow)["cpu"] == 500 and rt.stats(fast)["cpu"] == 1000
    rt.clock.run(10)
    assert sorted(ends) == [3.0, 6.0]
    assert rt.stats(slow)["throttled_seconds"] == pytest.approx(3.0)
    assert rt.stats(slow)["cpu_seconds"] == pytest.approx(3.0)
    assert rt.stats(fast)["throttled_seconds"] == 0


def test_vish_stress_is_capped_by_the_cpu_limit(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/assign-cpu-resource/: -cpus 2 under a
    limit of 1 CPU uses 1 CPU."""
    cid = run(rt, "vish/stress", args=["-cpus", "2"], cpu_limit=1000)
    rt.clock.run(30)
    assert rt.stats(cid)["cpu"] == 1000
    assert rt.stats(cid)["throttled_seconds"] > 0


# --- namespaces ----------------------------------------------------------------------------------
def test_containers_have_separate_filesystems(rt):
    sb = rt.run_pod_sandbox("u", "two", "default", "two", "10.244.1.8")
    a = run(rt, "busybox:1.28", sandbox=sb, name="a", command=["sh", "-c", "echo a > /tmp/mine; sleep 100"])
    b = run(rt, "busybox:1.28", sandbox=sb, name="b", command=["sleep", "100"])
    rt.clock.run(1)
    assert rt.exec_sync(a, ["cat", "/tmp/mine"]).output == "a\n"
    assert rt.exec_sync(b, ["cat", "/tmp/mine"]).exit_code == 1


def test_shared_volume_between_containers(rt):
    vol = Dir()
    sb = rt.run_pod_sandbox("u", "two", "default", "two", "10.244.1.8")
    w = run(rt, "busybox:1.28", sandbox=sb, name="w", mounts=[Mount("/data", vol)],
            command=["sh", "-c", "i=0; while true; do i=$((i+1)); echo line$i >> /data/log; sleep 5; done"])
    r = run(rt, "busybox:1.28", sandbox=sb, name="r", mounts=[Mount("/in", vol, read_only=True)],
            command=["tail", "-f", "/in/log"])
    rt.clock.run(11)
    assert rt.logs(r) == "line1\nline2\nline3\n"
    res = rt.exec_sync(r, ["sh", "-c", "echo x > /in/log"])
    assert res.output == "sh: can't create /in/log: Read-only file system\n"
    assert rt.logs(w) == ""


def test_hostname_and_etc_files(rt):
    sb = rt.run_pod_sandbox("u", "web-0", "default", "web-0", "10.244.1.8",
                            resolv_conf="search default.svc.cluster.local\nnameserver 10.96.0.10\n")
    cid = run(rt, "busybox:1.28", sandbox=sb, command=["sleep", "100"])
    assert rt.exec_sync(cid, ["hostname"]).output == "web-0\n"
    assert rt.exec_sync(cid, ["cat", "/etc/hostname"]).output == "web-0\n"
    assert rt.exec_sync(cid, ["cat", "/etc/resolv.conf"]).output.startswith("search default.svc")
    assert rt.exec_sync(cid, ["cat", "/etc/hosts"]).output.endswith("10.244.1.8\tweb-0\n")


def test_localhost_is_shared_within_a_pod_only(rt):
    sb = rt.run_pod_sandbox("u", "web", "default", "web", "10.244.1.10")
    run(rt, "nginx:1.14.2", sandbox=sb, name="nginx")
    other = rt.run_pod_sandbox("u2", "client", "default", "client", "10.244.1.11")
    rt.clock.run(1)
    assert rt.http(sb, 80, "GET", "/").status == 200                     # localhost in the pod
    assert rt.http("10.244.1.10", 80, "GET", "/", src=other.id).status == 200   # pod to pod
    with pytest.raises(ConnectionRefused):
        rt.http(other, 80, "GET", "/")                                   # client's own localhost
    assert rt.tcp_connect(sb, 80) and not rt.tcp_connect(other, 80)


def test_connection_errors(rt):
    with pytest.raises(NoRouteToHost) as e:
        rt.http("10.244.9.9", 80)
    assert str(e.value) == "dial tcp 10.244.9.9:80: connect: no route to host"
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.12")
    with pytest.raises(ConnectionRefused) as e:
        rt.http("10.244.1.12", 8080)
    assert str(e.value) == "dial tcp 10.244.1.12:8080: connect: connection refused"
    assert sb.listening() == []


def test_slow_handler_times_out(rt):
    cid = run(rt, "minik8s/app:1.0", env={"READY_DELAY": "3"}, ip="10.244.1.13")
    rt.clock.run(1)
    with pytest.raises(Timeout):
        rt.http("10.244.1.13", 8080, "GET", "/ready", timeout=1)
    assert rt.http("10.244.1.13", 8080, "GET", "/ready", timeout=5).delay == 3
    assert state(rt, cid)[0] == "running"


def test_port_already_in_use_in_the_pod(rt):
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.14")
    run(rt, "nginx:1.14.2", sandbox=sb, name="a")
    b = run(rt, "nginx:1.14.2", sandbox=sb, name="b")
    rt.clock.run(1)
    st = rt.container_status(b)
    assert (st.state, st.exit_code) == ("exited", 1)
    assert rt.logs(b).endswith("nginx: [emerg] bind() to 0.0.0.0:80 failed (98: Address already in use)\n")


# --- logs and exec ------------------------------------------------------------------------------
def test_logs_per_container_instance_and_tail(rt):
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.15")
    first = run(rt, "busybox:1.28", sandbox=sb, command=["sh", "-c", "echo one; echo two; exit 1"])
    rt.clock.run(1)
    second = run(rt, "busybox:1.28", sandbox=sb, command=["sh", "-c", "echo three"])
    rt.clock.run(1)
    assert rt.logs(first) == "one\ntwo\n"            # kubectl logs --previous reads the old instance
    assert rt.logs(first, tail=1) == "two\n"
    assert rt.logs(second) == "three\n"


def test_exec_runs_in_the_container_namespaces(rt):
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.16")
    cid = run(rt, "busybox:1.28", sandbox=sb, command=["sleep", "100"], env={"A": "1"}, working_dir="/work")
    r = rt.exec_sync(cid, ["sh", "-c", "echo $A $(pwd) $(hostname)"])
    assert (r.exit_code, r.output) == (0, "1 /work p\n")
    bad = rt.exec_sync(cid, ["nosuch"])
    assert bad.exit_code == 126
    assert bad.output == ('OCI runtime exec failed: exec failed: unable to start container process: exec: '
                          '"nosuch": executable file not found in $PATH: unknown\n')


def test_exec_timeout(rt):
    cid = run(rt, "busybox:1.28", command=["sleep", "100"])
    results = []
    rt.exec_async(cid, ["sleep", "10"], results.append, timeout=1)
    rt.clock.run(2)
    assert results[0].timed_out


# --- the teaching app -----------------------------------------------------------------------------
def test_app_knobs_from_env_and_args():
    cfg = settings({"PORT": "9000", "CRASH_AFTER": "5"}, ["--crash-after=7", "--exit-code", "3"])
    assert (cfg["PORT"], cfg["CRASH_AFTER"], cfg["EXIT_CODE"]) == ("9000", "7", "3")


def test_app_health_and_readiness_schedules():
    cfg = settings({"HEALTHZ_FAIL_AFTER": "20", "READY_AFTER": "5", "READY_FLAP": "10"}, [])
    assert [healthz_status(cfg, t) for t in (0, 19.9, 20, 100)] == [200, 200, 500, 500]
    assert [ready_status(cfg, t) for t in (0, 5, 14, 15, 24, 25)] == [503, 200, 200, 503, 503, 200]


def test_app_startup_delay_and_crash(rt):
    cid = run(rt, "minik8s/app:1.0", env={"STARTUP_DELAY": "5", "CRASH_AFTER": "12", "EXIT_CODE": "3"},
              ip="10.244.1.17")
    t0 = rt.clock.now
    rt.clock.run(4)
    with pytest.raises(ConnectionRefused):
        rt.http("10.244.1.17", 8080, "GET", "/")
    rt.clock.run(2)
    r = rt.http("10.244.1.17", 8080, "GET", "/")
    assert (r.status, r.body) == (200, "Hello from pod (v1.0)\n")
    rt.clock.run(20)
    st = rt.container_status(cid)
    assert (st.exit_code, st.reason, st.finished_at - t0) == (3, "Error", 12)
    assert rt.logs(cid).splitlines()[-1] == "exiting with code 3"


def test_app_cpu_knob_shows_in_stats(rt):
    cid = run(rt, "minik8s/app:1.0", env={"CPU_MILLICORES": "2000"}, cpu_limit=500)
    rt.clock.run(5.5)
    assert rt.stats(cid)["cpu"] == 500


def test_image_files_are_copy_on_write(rt):
    """Containers of one image share its layers; a write lands in the writer's own layer."""
    a = run(rt, "busybox:1.28", pod="a", ip="10.244.1.30", command=["sleep", "100"])
    b = run(rt, "busybox:1.28", pod="b", ip="10.244.1.31", command=["sleep", "100"])
    rt.exec_sync(a, ["sh", "-c", "echo changed >> /etc/passwd; chmod 700 /bin/ls; touch /bin/new; rm /bin/cat"])
    assert rt.exec_sync(a, ["grep", "-c", "changed", "/etc/passwd"]).output == "1\n"
    assert rt.exec_sync(b, ["grep", "-c", "changed", "/etc/passwd"]).output == "0\n"
    assert rt.exec_sync(b, ["ls", "-l", "/bin/ls"]).output.startswith("-rwxr-xr-x")
    assert rt.exec_sync(a, ["ls", "-l", "/bin/ls"]).output.startswith("-rwx------")
    assert rt.exec_sync(b, ["ls", "/bin/new"]).exit_code == 1
    assert rt.exec_sync(b, ["cat", "/etc/hostname"]).output == "b\n"
    assert rt.exec_sync(a, ["cat", "/etc/hostname"]).exit_code == 126      # cat was removed in a


def test_interactive_shell_waits_on_open_stdin(rt):
    """`kubectl run -it box --image=busybox -- sh`: with stdin open the shell waits at its prompt;
    without it, sh reads an empty script and exits 0."""
    cid = run(rt, "busybox:1.28", pod="it", ip="10.244.1.40", stdin=True, tty=True)
    rt.clock.run(60)
    assert rt.container_status(cid).state == "running"
    assert rt.logs(cid) == "/ # "                   # the prompt, no newline
    plain = run(rt, "busybox:1.28", pod="plain", ip="10.244.1.41")
    rt.clock.run(1)
    assert state(rt, plain) == ("exited", 0, "Completed")


def test_kill_9_on_pid_1_from_inside_does_nothing(rt):
    """The init of a PID namespace ignores even SIGKILL sent from inside the namespace."""
    cid = run(rt, "busybox:1.28", command=["sleep", "1000"])
    r = rt.exec_sync(cid, ["kill", "-9", "1"])
    assert r.exit_code == 0
    rt.clock.run(1)
    assert state(rt, cid)[0] == "running"
    rt.signal(cid, "SIGKILL")                      # from the node it always works
    assert state(rt, cid) == ("exited", 137, "Error")


def test_cgroup_files_inside_the_container(rt):
    """cgroup v2 as the container sees it: memory.max and cpu.max come from the limits; cpu.weight
    from the request (runc's shares-to-weight conversion)."""
    cid = run(rt, "busybox:1.28", command=["sleep", "1000"], memory_limit=128 * MiB, cpu_limit=500,
              cpu_request=250)
    cat = lambda f: rt.exec_sync(cid, ["cat", "/sys/fs/cgroup/" + f]).output  # noqa: E731
    assert cat("memory.max") == f"{128 * MiB}\n"
    assert cat("cpu.max") == "50000 100000\n"
    assert cat("cpu.weight") == "10\n"                 # shares 256 -> 1 + 254 * 9999 // 262142
    assert int(cat("memory.current")) > 0
    unlimited = run(rt, "busybox:1.28", pod="u", ip="10.244.1.42", command=["sleep", "1000"])
    assert rt.exec_sync(unlimited, ["cat", "/sys/fs/cgroup/memory.max"]).output == "max\n"
    assert rt.exec_sync(unlimited, ["cat", "/sys/fs/cgroup/cpu.weight"]).output == "1\n"


# --- the node's CPUs under contention -----------------------------------------------------------
def test_share_cpu_is_weighted_max_min_fair():
    from minik8s.runtime.cpu import share_cpu
    assert share_cpu(None, {"a": 3000}, {"a": 1}) == {"a": 3000}
    assert share_cpu(2000, {"a": 1000, "b": 500}, {"a": 1, "b": 1}) == {"a": 1000, "b": 500}
    assert share_cpu(1000, {"a": 1000, "b": 1000}, {"a": 3, "b": 1}) == {"a": 750.0, "b": 250.0}
    assert share_cpu(1000, {"a": 200, "b": 1000}, {"a": 3, "b": 1}) == {"a": 200, "b": 800.0}


def test_cpu_weight_from_request():
    """runc's conversion of the kubelet's cpu.shares (request millicores * 1024 / 1000) to cpu.weight."""
    from minik8s.runtime.cpu import cpu_weight
    assert [cpu_weight(None), cpu_weight(100), cpu_weight(1000), cpu_weight(2000)] == [1, 4, 39, 79]


def test_busy_containers_share_the_node_by_request():
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run:
    the CPU request is a weight; on a busy 1-core node two busy containers split it 3:1 for
    requests of 750m and 250m, and a limit caps one even when the node has cores to spare."""
    rt = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork(), cpu_capacity=1000)
    a = run(rt, "vish/stress", pod="a", ip="10.244.1.50", args=["-cpus", "1"], cpu_request=750)
    b = run(rt, "vish/stress", pod="b", ip="10.244.1.51", args=["-cpus", "1"], cpu_request=250)
    rt.clock.run(10)
    assert (rt.stats(a)["cpu"], rt.stats(b)["cpu"]) == (750, 250)
    rt.stop_container(a, 0)
    rt.clock.run(1)
    assert rt.stats(b)["cpu"] == 1000
    # a limit without a request: the API server defaults the request to the limit
    c = run(rt, "vish/stress", pod="c", ip="10.244.1.52", args=["-cpus", "1"], cpu_limit=300, cpu_request=300)
    rt.clock.run(1)
    assert (rt.stats(b)["cpu"], rt.stats(c)["cpu"]) == (700, 300)
    d = run(rt, "vish/stress", pod="d", ip="10.244.1.55", args=["-cpus", "1"])     # BestEffort: weight 1
    rt.clock.run(1)
    assert [rt.stats(x)["cpu"] for x in (b, c, d)] == [636, 300, 64]    # 700 split 10:1


def test_contention_slows_a_computation():
    """2 CPU-seconds on a 1-core node shared with an equally weighted busy neighbour take 4 s."""
    rt = ContainerRuntime(Clock(), random.Random(0), "node-1", PodNetwork(), cpu_capacity=1000)
    reg = ImageRegistry(parent=rt.registry)
    rt.registry = reg
    ends = []

    @image("example.com/job:1", registry=reg)
    def job(proc):
        yield proc.compute(2.0)
        ends.append(proc.uptime())
    pulled(rt, "example.com/job:1")
    run(rt, "vish/stress", pod="hog", ip="10.244.1.53", args=["-cpus", "1"])
    j = run(rt, "example.com/job:1", pod="job", ip="10.244.1.54")
    rt.clock.run(10)
    assert ends == [4.0]
    assert rt.stats(j)["throttled_seconds"] == 0          # contention is not throttling


def test_termination_message_file(rt):
    """https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/:
    the container writes /dev/termination-log and the kubelet reads it after the exit."""
    cid = run(rt, "busybox:1.28", command=["/bin/sh"], args=["-c", "sleep 10 && echo Sleep expired > /dev/termination-log"])
    rt.clock.run(11)
    assert state(rt, cid) == ("exited", 0, "Completed")
    assert rt.read_file(cid, "/dev/termination-log") == "Sleep expired\n"
    assert rt.read_file(cid, "/nope") is None


def test_prestop_nginx_quit_from_the_lifecycle_docs(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/attach-handler-lifecycle-event/:
    preStop ``nginx -s quit; while killall -0 nginx; do sleep 1; done`` stops nginx gracefully."""
    cid = run(rt, "nginx:1.27")
    rt.clock.run(1)
    results = []
    rt.exec_async(cid, ["/bin/sh", "-c", "nginx -s quit; while killall -0 nginx; do sleep 1; done"], results.append)
    rt.clock.run(2)
    st = rt.container_status(cid)
    assert (st.state, st.exit_code) == ("exited", 0)
    assert "signal 3 (SIGQUIT) received, shutting down" in rt.logs(cid)


def test_node_oom_killer_picks_a_container(rt):
    cid = run(rt, "nginx:1.14.2")
    rt.oom_kill(cid)
    assert state(rt, cid) == ("exited", 137, "OOMKilled")


def test_swap_instead_of_oom_and_slower(rt):
    """https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/: with swap
    (memory.swap.max > 0) memory beyond the limit is swapped out instead of OOM-killed, up to the
    swap limit; the container slows down (the model: 1 + 10 x the swapped fraction)."""
    reg = ImageRegistry(parent=rt.registry)
    rt.registry = reg
    ends = []

    @image("example.com/swapper:1", registry=reg)
    def swapper(proc):
        proc.allocate(100 * MiB)                 # with the base RSS: just over a 100 MiB limit
        yield proc.compute(1.0)
        ends.append(proc.uptime())
        proc.allocate(int(proc.env.get("MORE", "0")) * MiB)
        yield proc.forever()
    pulled(rt, "example.com/swapper:1")
    cid = run(rt, "example.com/swapper:1", memory_limit=100 * MiB, swap_limit=50 * MiB)
    rt.clock.run(5)
    s = rt.stats(cid)
    assert state(rt, cid)[0] == "running"
    assert (s["memory"], s["swap"]) == (100 * MiB, 256 * 1024)
    assert ends == [pytest.approx(1 + 10 * 0.25 / 100.25)]     # 256 KiB of 100.25 MiB swapped out
    assert rt.read_file(cid, "/sys/fs/cgroup/memory.swap.max") == f"{50 * MiB}\n"
    over = run(rt, "example.com/swapper:1", pod="over", ip="10.244.1.60", memory_limit=100 * MiB,
               swap_limit=50 * MiB, env={"MORE": "60"})
    rt.clock.run(5)
    assert state(rt, over) == ("exited", 137, "OOMKilled")


def test_share_process_namespace(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/: with
    shareProcessNamespace the pause process is PID 1, every container sees the others' processes
    and can signal them, and a container's entrypoint is no longer PID 1 -- so a shell without a
    SIGTERM trap now dies of SIGTERM at once (143) instead of waiting out the grace period."""
    pulled(rt, "nginx:1.27")
    pulled(rt, "busybox:1.28")
    sb = rt.run_pod_sandbox("u", "nginx", "default", "nginx", "10.244.1.70", share_process_namespace=True)
    web = run(rt, "nginx:1.27", sandbox=sb, name="nginx")
    shell = run(rt, "busybox:1.28", sandbox=sb, name="shell", command=["sh", "-c", "sleep 3600"])
    rt.clock.run(1)
    assert rt.exec_sync(shell, ["ps", "ax"]).output == (
        "PID   USER     TIME  COMMAND\n"
        "    1 root      0:00 /pause\n"
        "    2 root      0:00 nginx: master process nginx -g daemon off;\n"
        "    3 root      0:00 sleep 3600\n"
        "    4 root      0:00 ps ax\n")
    assert rt.exec_sync(shell, ["kill", "-HUP", "2"]).exit_code == 0
    assert "signal 1 (SIGHUP) received, reconfiguring" in rt.logs(web)
    assert rt.container_status(web).state == "running"
    t0 = rt.clock.now
    done = []
    rt.stop_container(shell, 30, lambda: done.append(rt.clock.now - t0))
    rt.clock.run(1)
    assert done == [0] and state(rt, shell) == ("exited", 143, "Error")
    rt.stop_pod_sandbox(sb.id)
    assert sb.pause.state == "exited" and rt.container_status(web).state == "exited"


def test_containers_are_processes_of_the_node(rt):
    """What the VMs-vs-containers chapter shows: on the node a container's processes have ordinary
    PIDs; inside, the entrypoint is PID 1. A pod's containers share net/ipc/uts namespaces
    (https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers) but
    each has its own pid and mnt namespace."""
    sb = rt.run_pod_sandbox("0001-aa", "web", "default", "web", "10.244.1.80")
    a = run(rt, "busybox:1.28", sandbox=sb, name="app", command=["sh", "-c", "sleep 1000; echo done"])
    b = run(rt, "busybox:1.28", sandbox=sb, name="sidecar", command=["sleep", "1000"])
    rt.clock.run(1)
    rows = rt.node_ps().splitlines()
    assert rows[0].split() == ["PID", "NSPID", "CONTAINER", "POD", "COMMAND"]
    assert [r.split(None, 4)[1:] for r in rows[1:]] == [
        ["1", "app", "web", "sh -c sleep 1000; echo done"], ["2", "app", "web", "sleep 1000"],
        ["1", "sidecar", "web", "sleep 1000"]]
    host_pids = [int(r.split()[0]) for r in rows[1:]]
    assert host_pids == sorted(host_pids) and min(host_pids) > 1
    na, nb = rt.namespaces(a), rt.namespaces(b)
    assert [na[k] == nb[k] for k in ("net", "ipc", "uts", "pid", "mnt")] == [True, True, True, False, False]
    assert na["cgroup"] == f"/kubepods.slice/kubepods-pod0001_aa.slice/cri-containerd-{a}.scope"


def test_security_context_users_and_groups(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/security-context/: runAsUser 1000,
    runAsGroup 3000, fsGroup 2000 -> ps shows user 1000, id prints ``uid=1000 gid=3000 groups=2000``,
    files created in the fsGroup volume (setgid, group 2000) belong to group 2000."""
    from minik8s.runtime import Dir
    vol = Dir(mode=0o2777, gid=2000)
    cid = run(rt, "busybox:1.28", command=["sh", "-c", "sleep 1h"], run_as_user=1000, run_as_group=3000,
              supplemental_groups=[2000], mounts=[Mount("/data/demo", vol)])
    assert rt.exec_sync(cid, ["id"]).output == "uid=1000 gid=3000 groups=2000\n"
    assert rt.exec_sync(cid, ["ps"]).output.splitlines()[1] == "    1 1000      0:00 sleep 1h"   # as the page shows
    rt.exec_sync(cid, ["sh", "-c", "echo hello > /data/demo/testfile"])
    assert rt.exec_sync(cid, ["ls", "-l", "/data/demo"]).output.splitlines()[1].split()[:5] == [
        "-rw-r--r--", "1", "1000", "2000", "6"]
    assert rt.exec_sync(cid, ["ls", "-ld", "/data/demo"]).output.split()[0] == "drwxrwsrwx"
    denied = rt.exec_sync(cid, ["touch", "/etc/x"])
    assert (denied.exit_code, denied.output) == (1, "touch: /etc/x: Permission denied\n")


def test_read_only_root_filesystem(rt):
    """securityContext.readOnlyRootFilesystem: the image's files cannot be changed; volumes can."""
    vol = Dir()
    cid = run(rt, "busybox:1.28", command=["sleep", "100"], read_only_root=True, mounts=[Mount("/scratch", vol)])
    assert rt.exec_sync(cid, ["touch", "/tmp/x"]).output == "touch: /tmp/x: Read-only file system\n"
    assert rt.exec_sync(cid, ["touch", "/scratch/x"]).exit_code == 0


def test_debug_container_shares_the_target_pid_namespace(rt):
    """https://kubernetes.io/docs/tasks/debug/debug-application/debug-running-pod/#ephemeral-container:
    ``kubectl debug --target=app`` joins the app container's PID namespace and sees its processes."""
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.90")
    app = run(rt, "nginx:1.27", sandbox=sb, name="app")
    dbg = run(rt, "busybox:1.28", sandbox=sb, name="debugger", command=["sleep", "100"], target_container=app)
    out = rt.exec_sync(dbg, ["ps"]).output.splitlines()
    assert out[1] == "    1 root      0:00 nginx: master process nginx -g daemon off;"
    assert out[2] == "    2 root      0:00 sleep 100"


def test_app_ignoring_sigterm_waits_out_the_grace_period(rt):
    cid = run(rt, "minik8s/app:1.0", env={"SHUTDOWN_DELAY": "ignore"})
    t0 = rt.clock.now
    done = []
    rt.stop_container(cid, 12, lambda: done.append(rt.clock.now - t0))
    rt.clock.run(20)
    assert done == [12] and state(rt, cid) == ("exited", 137, "Error")


def test_app_crash_endpoint_and_flapping_readiness(rt):
    cid = run(rt, "minik8s/app:1.0", env={"READY_FLAP": "5"}, ip="10.244.1.95")
    statuses = []
    for _ in range(4):
        statuses.append(rt.http("10.244.1.95", 8080, "GET", "/ready").status)
        rt.clock.run(5)
    assert statuses == [200, 503, 200, 503]
    assert rt.http("10.244.1.95", 8080, "GET", "/crash?code=42").body == "crashing with code 42\n"
    rt.clock.run(0)
    assert state(rt, cid) == ("exited", 42, "Error")


def test_memory_backed_emptydir_counts_against_the_limit(rt):
    """https://kubernetes.io/docs/concepts/storage/volumes/#emptydir: with ``medium: Memory`` the
    files written count against the container's memory limit."""
    shm = Dir()
    shm.tmpfs = True
    cid = run(rt, "busybox:1.28", command=["sleep", "1000"], memory_limit=2 * MiB, mounts=[Mount("/cache", shm)])
    before = rt.stats(cid)["memory"]
    rt.exec_sync(cid, ["sh", "-c", "printf '%01000d' 0 > /cache/a"])
    assert rt.stats(cid)["memory"] - before == 1000
    rt.exec_sync(cid, ["rm", "/cache/a"])
    assert rt.stats(cid)["memory"] == before
    r = rt.exec_sync(cid, ["sh", "-c", "yes 0123456789012345678901234567890123456789 > /cache/big"])
    assert r.exit_code == 137
    assert state(rt, cid) == ("exited", 137, "OOMKilled")


def test_runs_repeat_exactly():
    """Determinism: the same operations and seed give the same IDs, PIDs, logs and times."""
    def scenario():
        rt_ = ContainerRuntime(Clock(), random.Random(7), "node-1", PodNetwork(), cpu_capacity=1000)
        a = run(rt_, "busybox:1.28", pod="a", ip="10.244.1.2",
                command=["sh", "-c", "for i in 1 2 3; do echo $RANDOM $(date +%s); sleep 2; done"])
        b = run(rt_, "vish/stress", pod="b", ip="10.244.1.3", args=["-cpus", "2"], cpu_limit=1500)
        rt_.clock.run(10)
        return a, b, rt_.logs(a), rt_.node_ps(), rt_.stats(b), rt_.container_status(a)
    assert scenario() == scenario()


def test_proc_filesystem_and_capabilities(rt):
    """https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container:
    ``cat /proc/1/status`` shows CapEff 00000000a80425fb by default, 00000000aa0435fb with
    NET_ADMIN and SYS_TIME added."""
    plain = run(rt, "busybox:1.28", pod="a", ip="10.244.1.100", command=["sleep", "100"])
    added = run(rt, "busybox:1.28", pod="b", ip="10.244.1.101", command=["sleep", "100"],
                cap_add=["NET_ADMIN", "SYS_TIME"])
    status = rt.exec_sync(plain, ["cat", "/proc/1/status"]).output
    assert "CapEff:\t00000000a80425fb\n" in status and "Name:\tsleep\n" in status
    assert "CapEff:\t00000000aa0435fb\n" in rt.exec_sync(added, ["cat", "/proc/1/status"]).output
    assert rt.exec_sync(plain, ["ls", "/proc"]).output == "1\n3\nmeminfo\nmounts\nuptime\n"   # 3: ls itself
    assert rt.exec_sync(plain, ["cat", "/proc/1/cmdline"]).output == "sleep\x00100\x00"
    user = run(rt, "busybox:1.28", pod="c", ip="10.244.1.102", command=["sleep", "100"], run_as_user=1000)
    assert "CapEff:\t0000000000000000\n" in rt.exec_sync(user, ["cat", "/proc/1/status"]).output


def test_proc_root_shows_another_containers_files(rt):
    """With a shared PID namespace, /proc/PID/root is that process's filesystem (the docs'
    ``ls -l /proc/8/root/etc/nginx``)."""
    pulled(rt, "nginx:1.27")
    pulled(rt, "busybox:1.28")
    sb = rt.run_pod_sandbox("u", "p", "default", "p", "10.244.1.103", share_process_namespace=True)
    run(rt, "nginx:1.27", sandbox=sb, name="nginx")
    shell = run(rt, "busybox:1.28", sandbox=sb, name="shell", command=["sleep", "100"])
    assert rt.exec_sync(shell, ["ls", "/proc/2/root/etc/nginx"]).output == "conf.d\nnginx.conf\n"
    assert rt.exec_sync(shell, ["ls", "/etc/nginx"]).exit_code == 1
