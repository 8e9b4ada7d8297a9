"""Liveness, readiness and startup probes at exact virtual times.

Docs: https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
and https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes .
Timing model (pkg/kubelet/prober/worker.go, without the start-up jitter): a probe worker ticks
every periodSeconds from the moment the kubelet first syncs the pod; at that first tick the
container has no ID yet, so with the container starting at t=0 the probes run at t=period,
2*period, ...
"""

from __future__ import annotations

import pytest

from minik8s.errors import ApiError
from pod_helpers import Run, cluster, pod

APP = "minik8s/app:1.0"


def app(env=None, **fields):
    c = {"name": "app", "image": APP, "ports": [{"name": "http", "containerPort": 8080}]}
    if env:
        c["env"] = [{"name": k, "value": str(v)} for k, v in env.items()]
    c.update(fields)
    return c


def test_liveness_http_period_5_threshold_3_app_breaks_at_20():
    """The issue's scenario: /healthz turns 500 at t=20; probes at 20, 25, 30 fail; the third
    failure kills the container (Killing ... will be restarted), which is started again at once:
    restartCount 1. https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes"""
    c = cluster()
    r = Run(c, pod("web", [app({"HEALTHZ_FAIL_AFTER": 20},
                               livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5})]))
    r.run_to(29.9)
    assert r.cs()["restartCount"] == 0
    unhealthy = "Liveness probe failed: HTTP probe failed with statuscode: 500"
    assert r.when("Unhealthy", unhealthy) == [20, 25]
    r.run_to(30.001)
    assert r.when("Unhealthy", unhealthy) == [20, 25, 30]
    assert r.when("Killing", "Container app failed liveness probe, will be restarted") == [30]
    ev = [e for e in r.events if e[2] == "Unhealthy"][0]
    assert ev[1] == "Warning" and ev[4] == "spec.containers{app}"
    cs = r.cs()
    assert cs["restartCount"] == 1 and "running" in cs["state"]
    assert cs["lastState"]["terminated"]["exitCode"] == 0        # the app exits 0 on SIGTERM
    # after the restart the probe worker sees a new container: healthy again for 20 s
    r.run_to(49.9)
    assert r.cs()["restartCount"] == 1
    assert r.when("Killing") == [30]


def test_docs_liveness_http_agnhost_killed_at_18s():
    """The docs' liveness-http example: agnhost liveness answers 500 once it has run more than
    10 s; initialDelaySeconds 3, periodSeconds 3 -> probes at 3, 6, 9 (ok), 12, 15, 18 (500).
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-http-request"""
    c = cluster()
    r = Run(c, pod("liveness-http", [{
        "name": "liveness", "image": "registry.k8s.io/e2e-test-images/agnhost:2.40", "args": ["liveness"],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080,
                                      "httpHeaders": [{"name": "Custom-Header", "value": "Awesome"}]},
                          "initialDelaySeconds": 3, "periodSeconds": 3}}]))
    r.run_to(20)
    assert r.when("Unhealthy") == [12, 15, 18]
    assert r.when("Killing", "Container liveness failed liveness probe, will be restarted") == [18]
    cs = r.cs()
    assert cs["restartCount"] == 1
    # Go programs exit with status 2 on SIGTERM
    assert cs["lastState"]["terminated"]["exitCode"] == 2
    assert cs["lastState"]["terminated"]["reason"] == "Error"


def test_docs_liveness_exec_busybox_ignores_sigterm_and_is_killed_after_grace():
    """The docs' liveness-exec example: the file goes just after t=30 (the probe at 30 still finds
    it); probes (delay 5, period 5) fail at 35, 40, 45; Killing at 45; busybox sh as PID 1 ignores
    SIGTERM, so the container dies of SIGKILL after the 30 s grace period (exit 137) and restarts
    at 75. https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-liveness-command"""
    c = cluster()
    r = Run(c, pod("liveness-exec", [{
        "name": "liveness", "image": "busybox:1.36", "args": ["/bin/sh", "-c",
                                                              "touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600"],
        "livenessProbe": {"exec": {"command": ["cat", "/tmp/healthy"]}, "initialDelaySeconds": 5,
                          "periodSeconds": 5}}]))
    r.run_to(46)
    msg = "Liveness probe failed: cat: can't open '/tmp/healthy': No such file or directory\n"
    assert r.when("Unhealthy", msg) == [35, 40, 45]
    assert r.when("Killing", "Container liveness failed liveness probe, will be restarted") == [45]
    r.run_to(74.9)
    assert r.cs()["restartCount"] == 0 and "running" in r.cs()["state"]
    r.run_to(75.001)
    cs = r.cs()
    assert cs["restartCount"] == 1
    assert cs["lastState"]["terminated"]["exitCode"] == 137
    assert cs["lastState"]["terminated"]["reason"] == "Error"


def test_readiness_flips_ready_but_leaves_the_container_running():
    """Readiness failure: container not ready, ContainersReady and Ready False, no restart; the
    probe goes on, and success turns it ready again.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-readiness-probes"""
    c = cluster()
    # /ready: 503 until 12 s, then flapping every 20 s: 200 in [12, 32), 503 in [32, 52), ...
    r = Run(c, pod("web", [app({"READY_AFTER": 12, "READY_FLAP": 20},
                               readinessProbe={"httpGet": {"path": "/ready", "port": "http"}, "periodSeconds": 5,
                                               "failureThreshold": 2})]))
    r.run_to(0.5)
    assert r.cs()["ready"] is False and r.cs()["started"] is True
    assert r.cond("Ready")["status"] == "False"
    assert r.cond("ContainersReady")["message"] == "containers with unready status: [app]"
    r.run_to(14.9)
    assert r.cs()["ready"] is False
    r.run_to(15.001)                                   # probe at 15 succeeds (successThreshold 1)
    assert r.cs()["ready"] is True and r.cond("Ready")["status"] == "True"
    assert r.get_pods()[1:4] == ["1/1", "Running", "0"]
    r.run_to(39.9)                                     # 503 at 35: one failure is below the threshold
    assert r.cs()["ready"] is True
    r.run_to(40.001)                                   # second failure at 40: not ready
    assert r.cs()["ready"] is False
    assert r.cond("Ready")["reason"] == "ContainersNotReady"
    assert r.get_pods()[1:4] == ["0/1", "Running", "0"]
    assert r.when("Unhealthy", "Readiness probe failed: HTTP probe failed with statuscode: 503")[-2:] == [35, 40]
    assert r.cs()["restartCount"] == 0 and not r.when("Killing")
    r.run_to(55.001)                                   # 200 again from 52: ready at the probe at 55
    assert r.cs()["ready"] is True


def test_startup_probe_holds_back_liveness_until_it_succeeds():
    """A slow start (listens after 25 s) protected by a startup probe (period 10): the startup
    probe fails at 10, 20, succeeds at 30; started and ready from 30; liveness (period 5) only
    then begins. https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes"""
    c = cluster()
    r = Run(c, pod("slow", [app({"STARTUP_DELAY": 25},
                                livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5,
                                               "failureThreshold": 1},
                                startupProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 10,
                                              "failureThreshold": 30})]))
    r.run_to(29.9)
    cs = r.cs()
    assert cs["started"] is False and cs["ready"] is False and "running" in cs["state"]
    ip = r.status()["podIP"]
    refused = (f'Startup probe failed: Get "http://{ip}:8080/healthz": dial tcp {ip}:8080: connect: '
               f"connection refused")
    assert r.when("Unhealthy", refused) == [10, 20]
    assert not r.when("Unhealthy", None)[2:]           # liveness never ran (it would have killed it)
    r.run_to(30.001)
    assert r.cs()["started"] is True and r.cs()["ready"] is True
    w = c.kubelets["node-1"].workers["default/slow"].probes[("app", "liveness")]
    assert w.probes == 0
    r.run_to(35.001)
    assert w.probes == 1 and r.cs()["restartCount"] == 0


def test_startup_probe_failure_kills_the_container():
    """failureThreshold x periodSeconds is the time the app has to start; then it is killed
    and restarted. https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-startup-probes"""
    c = cluster()
    r = Run(c, pod("never", [app({"STARTUP_DELAY": 1000},
                                 startupProbe={"tcpSocket": {"port": 8080}, "periodSeconds": 10,
                                               "failureThreshold": 2})]))
    r.run_to(20.001)
    ip = r.status()["podIP"]
    assert r.when("Unhealthy", f"Startup probe failed: dial tcp {ip}:8080: connect: connection refused") == [10, 20]
    assert r.when("Killing", "Container app failed startup probe, will be restarted") == [20]
    assert r.cs()["restartCount"] == 1


def test_probe_timeout_fails_the_probe_after_timeout_seconds():
    """A probe that takes longer than timeoutSeconds fails (Go's Client.Timeout message), and its
    result comes at tick + timeout. https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes"""
    c = cluster()
    r = Run(c, pod("slowready", [app({"READY_DELAY": 2},
                                     readinessProbe={"httpGet": {"path": "/ready", "port": 8080},
                                                     "periodSeconds": 10, "timeoutSeconds": 1})]))
    r.run_to(12)
    ip = r.status()["podIP"]
    msg = (f'Readiness probe failed: Get "http://{ip}:8080/ready": context deadline exceeded '
           f"(Client.Timeout exceeded while awaiting headers)")
    assert 11 in r.when("Unhealthy", msg)
    assert r.cs()["ready"] is False


def test_exec_probe_timeout_message():
    """An exec probe still running at timeoutSeconds fails: ``command "sleep 5" timed out``."""
    c = cluster()
    r = Run(c, pod("exec", [{"name": "app", "image": "busybox:1.36", "args": ["sleep", "3600"],
                             "readinessProbe": {"exec": {"command": ["sleep", "5"]}, "periodSeconds": 10,
                                                "timeoutSeconds": 2}}]))
    r.run_to(13)
    assert r.when("Unhealthy", 'Readiness probe failed: command "sleep 5" timed out') == [12]


def test_initial_delay_skips_ticks_until_whole_seconds_since_start_reach_it():
    """initialDelaySeconds 7, period 5: ticks at 5 (too early), 10 (first probe).
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes"""
    c = cluster()
    r = Run(c, pod("delay", [app(readinessProbe={"httpGet": {"path": "/ready", "port": 8080},
                                                 "initialDelaySeconds": 7, "periodSeconds": 5})]))
    r.run_to(9.9)
    assert r.cs()["ready"] is False       # readiness is Failure before its initial delay
    r.run_to(10.001)
    assert r.cs()["ready"] is True


def test_http_probe_sends_kube_probe_user_agent_and_headers():
    """The kubelet's HTTP probes send ``User-Agent: kube-probe/1.33`` and ``Accept: */*``;
    httpHeaders add (or override) headers.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#http-probes"""
    c = cluster()
    r = Run(c, pod("hdr", [{"name": "app", "image": "pods-test/headers:1.0",
                            "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080,
                                                          "httpHeaders": [{"name": "X-Probe", "value": "yes"}]},
                                              "periodSeconds": 10}}]))
    r.run_to(10.5)
    log = c.logs("hdr")
    assert "GET /healthz " in log
    assert "User-Agent=kube-probe/1.33" in log and "Accept=*/*" in log and "X-Probe=yes" in log


def test_grpc_probe():
    """grpc probes use the gRPC health checking protocol: SERVING passes, anything else fails with
    ``service unhealthy (responded with "NOT_SERVING")``.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe"""
    c = cluster()
    r = Run(c, pod("grpc", [{"name": "etcd", "image": "pods-test/grpc:1.0",
                             "env": [{"name": "NOT_SERVING_AFTER", "value": "15"}],
                             "livenessProbe": {"grpc": {"port": 9000}, "periodSeconds": 10,
                                               "failureThreshold": 1}}]))
    r.run_to(20.001)
    assert r.when("Unhealthy", 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")') == [20]
    assert r.when("Killing", "Container etcd failed liveness probe, will be restarted") == [20]


def test_liveness_failure_with_restart_policy_never_ends_the_pod():
    """restartPolicy applies to a container killed by its liveness probe: with Never it is not
    restarted (the Killing message has no ', will be restarted').
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#restart-policy"""
    c = cluster()
    r = Run(c, pod("once", [app({"HEALTHZ_FAIL_AFTER": 0},
                                livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5,
                                               "failureThreshold": 1})], restartPolicy="Never"))
    r.run_to(6)
    assert r.when("Killing") == [5]
    assert r.when("Killing", "Container app failed liveness probe") == [5]
    st = r.status()
    assert st["phase"] == "Succeeded"           # it exited 0 on SIGTERM
    assert st["containerStatuses"][0]["restartCount"] == 0


def test_probe_level_termination_grace_period():
    """A probe's terminationGracePeriodSeconds replaces the pod's for a liveness kill: a process
    ignoring SIGTERM is SIGKILLed 5 s after the Killing event, not 30 s.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#probe-level-terminationgraceperiodseconds"""
    c = cluster()
    r = Run(c, pod("stub", [{"name": "app", "image": "pods-test/stubborn:1.0",
                             "livenessProbe": {"tcpSocket": {"port": 8080}, "periodSeconds": 10,
                                               "failureThreshold": 1, "terminationGracePeriodSeconds": 5}}]))
    r.run_to(14.9)
    assert r.when("Killing") == [10] and r.cs()["restartCount"] == 0
    r.run_to(15.001)
    assert r.cs()["restartCount"] == 1
    assert r.cs()["lastState"]["terminated"]["exitCode"] == 137


def test_liveness_success_threshold_must_be_1():
    """Validation: successThreshold must be 1 for liveness and startup probes.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#configure-probes"""
    c = cluster()
    bad = pod("bad", [app(livenessProbe={"httpGet": {"path": "/", "port": 8080}, "successThreshold": 2})])
    with pytest.raises(ApiError) as e:
        c.apply(bad)
    assert "spec.containers[0].livenessProbe.successThreshold: Invalid value: 2: must be 1" in str(e.value)


def test_no_probe_means_ready_as_soon_as_running():
    """No readiness probe: the container counts as ready once running (success by default).
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes"""
    c = cluster()
    r = Run(c, pod("plain", [app()]))
    r.run_to(0.001)
    assert r.cs()["ready"] is True and r.cond("Ready")["status"] == "True"


def test_liveness_probes_stop_when_the_pod_is_deleted():
    """During graceful termination liveness probes stop (the kubelet sets them to success), so a
    slow shutdown is not cut short by a restart.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    r = Run(c, pod("bye", [app({"SHUTDOWN_DELAY": 20},
                               livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 2,
                                              "failureThreshold": 1})]))
    r.run_to(3)
    c.delete("pods", "bye")
    r.run_to(19)
    assert not r.when("Killing", "Container app failed liveness probe, will be restarted")
    assert r.cs()["restartCount"] == 0


def test_teaching_app_answers_grpc_health_probes():
    """The teaching app serves grpc.health.v1.Health on its port: NOT_SERVING once /healthz turns bad.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe"""
    c = cluster()
    r = Run(c, pod("g", [app({"HEALTHZ_FAIL_AFTER": 12},
                             livenessProbe={"grpc": {"port": 8080}, "periodSeconds": 5, "failureThreshold": 1})]))
    r.run_to(15.001)
    assert r.when("Unhealthy", 'Liveness probe failed: service unhealthy (responded with "NOT_SERVING")') == [15]
    assert r.cs()["restartCount"] == 1


def test_docs_grpc_liveness_example_with_etcd():
    """The docs' etcd pod with a grpc liveness probe on 2379 (initialDelaySeconds 10): healthy, so it
    is probed from 10 s on and never restarted.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-grpc-liveness-probe"""
    c = cluster(images=["registry.k8s.io/etcd:3.5.1-0"])
    r = Run(c, pod("etcd-with-grpc", [{
        "name": "etcd", "image": "registry.k8s.io/etcd:3.5.1-0",
        "command": ["/usr/local/bin/etcd", "--data-dir", "/var/lib/etcd", "--listen-client-urls",
                    "http://0.0.0.0:2379", "--advertise-client-urls", "http://127.0.0.1:2379", "--log-level", "debug"],
        "ports": [{"containerPort": 2379}],
        "livenessProbe": {"grpc": {"port": 2379}, "initialDelaySeconds": 10}}]))
    r.run_to(60)
    w = c.kubelets["node-1"].workers["default/etcd-with-grpc"].probes[("etcd", "liveness")]
    assert w.probes == 6 and w.result == "Success"          # at 10, 20, 30, 40, 50 and 60
    assert r.cs()["restartCount"] == 0 and not r.when("Unhealthy")
    assert "    Liveness:       grpc <pod>:2379  delay=10s timeout=1s period=10s #success=1 #failure=3\n" in \
        c.kubectl("describe pod etcd-with-grpc")


def test_docs_tcp_liveness_and_readiness_example_with_goproxy():
    """The docs' goproxy pod: tcpSocket readiness and liveness on 8080, initialDelaySeconds 15,
    periodSeconds 10: the ticks at 10 are too early, the first probes run at 20 and it turns ready.
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/#define-a-tcp-liveness-probe"""
    c = cluster(images=["registry.k8s.io/goproxy:0.1"])
    probe = {"tcpSocket": {"port": 8080}, "initialDelaySeconds": 15, "periodSeconds": 10}
    r = Run(c, pod("goproxy", [{"name": "goproxy", "image": "registry.k8s.io/goproxy:0.1",
                                "ports": [{"containerPort": 8080}],
                                "readinessProbe": dict(probe), "livenessProbe": dict(probe)}]))
    r.run_to(19.9)
    assert r.cs()["ready"] is False
    r.run_to(20.001)
    assert r.cs()["ready"] is True and r.get_pods()[1:3] == ["1/1", "Running"]
    r.run_to(60)
    assert r.cs()["restartCount"] == 0 and not r.when("Unhealthy")


def test_probe_timelines_are_deterministic():
    """Same manifests, same seed: the same events at the same virtual times."""
    def once():
        c = cluster()
        r = Run(c, pod("web", [app({"HEALTHZ_FAIL_AFTER": 12, "READY_FLAP": 7},
                                   livenessProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 3},
                                   readinessProbe={"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 2})]))
        r.run_to(120)
        return r.events, r.cs()["restartCount"]
    first, second = once(), once()
    assert first == second and first[1] >= 3


def test_readiness_gate_holds_ready_until_its_condition_is_true():
    """readinessGates: Ready needs the named condition True as well as ready containers; the
    kubelet says why not (ReadinessGatesNotReady).
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-readiness-gate"""
    c = cluster()
    r = Run(c, pod("gated", [app()], readinessGates=[{"conditionType": "www.example.com/feature-1"}]))
    r.run_to(1)
    ready = r.cond("Ready")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ReadinessGatesNotReady",
        'corresponding condition of pod readiness gate "www.example.com/feature-1" does not exist.')
    assert r.cond("ContainersReady")["status"] == "True"
    c.apiserver.patch("pods", "gated", {"status": {"conditions": [
        {"type": "www.example.com/feature-1", "status": "False"}]}}, "default", patch_type="strategic",
        subresource="status")
    r.run_to(2)
    assert r.cond("Ready")["message"] == ('the status of pod readiness gate "www.example.com/feature-1" is not '
                                          '"True", but False')
    c.apiserver.patch("pods", "gated", {"status": {"conditions": [
        {"type": "www.example.com/feature-1", "status": "True"}]}}, "default", patch_type="strategic",
        subresource="status")
    r.run_to(3)
    assert r.cond("Ready")["status"] == "True"


def test_readiness_moves_the_pod_in_and_out_of_the_service_endpoints():
    """A pod failing readiness is taken out of its Service's endpoints (notReadyAddresses) while it
    keeps running; ready again, it is back in.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-probes"""
    c = cluster()
    web = pod("web", [app({"READY_AFTER": 12, "READY_FLAP": 20},
                          readinessProbe={"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5,
                                          "failureThreshold": 1})])
    web["metadata"]["labels"] = {"app": "web"}
    c.apply({"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
             "spec": {"selector": {"app": "web"}, "ports": [{"port": 80, "targetPort": 8080}]}})
    r = Run(c, web)

    def addresses():
        subsets = c.get("endpoints", "web").get("subsets") or [{}]
        return ([a["ip"] for a in subsets[0].get("addresses") or []],
                [a["ip"] for a in subsets[0].get("notReadyAddresses") or []])
    r.run_to(5)
    ip = r.status()["podIP"]
    assert addresses() == ([], [ip])
    r.run_to(15.5)                       # /ready is 200 from 12: the probe at 15 passes
    assert addresses() == ([ip], [])
    r.run_to(35.5)                       # 503 from 32: the probe at 35 fails (failureThreshold 1)
    assert addresses() == ([], [ip])
    assert r.cs()["restartCount"] == 0 and "running" in r.cs()["state"]
