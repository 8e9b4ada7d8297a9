"""kubectl get pods (READY, STATUS, RESTARTS) and kubectl describe pod for the states of issue 5,
laid out as kubectl 1.33 prints them (printPod in pkg/printers/internalversion/printers.go,
describePod in staging/src/k8s.io/kubectl/pkg/describe/describe.go).

Docs: https://kubernetes.io/docs/tasks/debug/debug-application/debug-pods/ and the probes page,
whose sample ``kubectl describe pod liveness-http`` output these sections follow:
https://kubernetes.io/docs/tasks/configure-pod-container/configure-liveness-readiness-startup-probes/
"""

from __future__ import annotations

from pod_helpers import Run, cluster, pod

AGNHOST = "registry.k8s.io/e2e-test-images/agnhost:2.40"


def liveness_http(c):
    return Run(c, pod("liveness-http", [{
        "name": "liveness", "image": AGNHOST, "args": ["liveness"],
        "livenessProbe": {"httpGet": {"path": "/healthz", "port": 8080,
                                      "httpHeaders": [{"name": "Custom-Header", "value": "Awesome"}]},
                          "initialDelaySeconds": 3, "periodSeconds": 3}}]))


def get(c, name):
    return c.kubectl(f"get pod {name}")


def test_get_pods_through_a_liveness_restart():
    """READY/STATUS/RESTARTS before and after the kill at 18 s; RESTARTS shows how long ago."""
    c = cluster()
    r = liveness_http(c)
    r.run_to(10)
    assert get(c, "liveness-http") == ("NAME            READY   STATUS    RESTARTS   AGE\n"
                                       "liveness-http   1/1     Running   0          10s\n")
    r.run_to(25)
    assert get(c, "liveness-http") == ("NAME            READY   STATUS    RESTARTS     AGE\n"
                                       "liveness-http   1/1     Running   1 (7s ago)   25s\n")


def test_describe_after_a_liveness_restart():
    """State, Last State, Ready, Restart Count, the Liveness line and the Unhealthy/Killing events."""
    c = cluster()
    r = liveness_http(c)
    r.run_to(20)
    out = c.kubectl("describe pod liveness-http")
    assert ("    State:          Running\n"
            "      Started:      Wed, 01 Jan 2025 00:00:18 +0000\n"
            "    Last State:     Terminated\n"
            "      Reason:       Error\n"
            "      Exit Code:    2\n"
            "      Started:      Wed, 01 Jan 2025 00:00:00 +0000\n"
            "      Finished:     Wed, 01 Jan 2025 00:00:18 +0000\n"
            "    Ready:          True\n"
            "    Restart Count:  1\n"
            "    Liveness:       http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3\n"
            "    Environment:    <none>\n") in out
    assert "  Warning  Unhealthy  2s (x3 over 8s)   kubelet  Liveness probe failed: HTTP probe failed with " \
           "statuscode: 500\n" in out
    assert "  Normal   Killing    2s                kubelet  Container liveness failed liveness probe, will be " \
           "restarted\n" in out


def test_readiness_failure_shows_0_of_1_running_and_conditions_false():
    c = cluster()
    r = Run(c, pod("notready", [{"name": "app", "image": "minik8s/app:1.0",
                                 "env": [{"name": "READY_AFTER", "value": "1000"}],
                                 "readinessProbe": {"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5}}]))
    r.run_to(12)
    assert get(c, "notready").splitlines()[1].split() == ["notready", "0/1", "Running", "0", "12s"]
    out = c.kubectl("describe pod notready")
    assert ("Conditions:\n"
            "  Type                        Status\n"
            "  PodReadyToStartContainers   True \n"
            "  Initialized                 True \n"
            "  Ready                       False \n"
            "  ContainersReady             False \n"
            "  PodScheduled                True \n") in out
    assert "    Ready:          False\n" in out
    assert "    Readiness:      http-get http://:8080/ready delay=0s timeout=1s period=5s #success=1 #failure=3\n" in out


def test_startup_probe_not_started_yet():
    """A running container whose startup probe has not succeeded: 0/1 Running; describe's Startup line."""
    c = cluster()
    r = Run(c, pod("slow", [{"name": "app", "image": "minik8s/app:1.0",
                             "env": [{"name": "STARTUP_DELAY", "value": "100"}],
                             "startupProbe": {"tcpSocket": {"port": 8080}, "failureThreshold": 30,
                                              "periodSeconds": 10}}]))
    r.run_to(15)
    assert get(c, "slow").splitlines()[1].split()[1:3] == ["0/1", "Running"]
    assert "    Startup:        tcp-socket :8080 delay=0s timeout=1s period=10s #success=1 #failure=30\n" in \
        c.kubectl("describe pod slow")


def test_sidecar_counts_in_ready_and_terminating_status():
    c = cluster()
    r = Run(c, pod("web", [{"name": "app", "image": "nginx:1.27"}],
                   init=[{"name": "shipper", "image": "busybox:1.36", "restartPolicy": "Always",
                          "command": ["sh", "-c", "while true; do sleep 1; done"]}]))
    r.run_to(5)
    assert get(c, "web").splitlines()[1].split() == ["web", "2/2", "Running", "0", "5s"]
    c.delete("pods", "web")
    r.run_to(6)
    assert get(c, "web").splitlines()[1].split() == ["web", "1/2", "Terminating", "0", "6s"]


def test_statuses_of_finished_and_crashing_containers():
    """Completed, Error, OOMKilled, CrashLoopBackOff as kubectl's STATUS column shows them."""
    c = cluster()
    job = lambda name, args, **kw: Run(c, pod(name, [{"name": "main", "image": "pods-test/job:1.0",
                                                      "args": [str(a) for a in args]}], **kw))
    ok = job("ok", [1, 0], restartPolicy="Never")
    job("fail", [1, 3], restartPolicy="Never")
    Run(c, pod("oom", [{"name": "main", "image": "pods-test/hog:1.0", "args": ["300"],
                        "resources": {"limits": {"memory": "100Mi"}}}], restartPolicy="Never"))
    job("crash", [1, 3])
    ok.run_to(5)
    rows = {line.split()[0]: line.split()[1:4] for line in c.kubectl("get pods").splitlines()[1:]}
    assert rows["ok"] == ["0/1", "Completed", "0"]
    assert rows["fail"] == ["0/1", "Error", "0"]
    assert rows["oom"] == ["0/1", "OOMKilled", "0"]
    assert rows["crash"][:2] == ["0/1", "CrashLoopBackOff"]
    assert c.kubectl("get pod crash --no-headers").split()[3:6] == ["1", "(3s", "ago)"]


def test_init_container_statuses_in_describe_and_get():
    c = cluster()
    r = Run(c, pod("myapp", [{"name": "app", "image": "busybox:1.36", "command": ["sleep", "3600"]}],
                   init=[{"name": "init-myservice", "image": "busybox:1.36", "command": ["sh", "-c", "sleep 2; exit 1"]}]))
    r.run_to(5)
    assert get(c, "myapp").splitlines()[1].split()[1:3] == ["0/1", "Init:CrashLoopBackOff"]
    out = c.kubectl("describe pod myapp")
    section = out[out.index("Init Containers:"):out.index("Containers:\n  app:")]
    assert ("    State:          Waiting\n"
            "      Reason:       CrashLoopBackOff\n"
            "    Last State:     Terminated\n"
            "      Reason:       Error\n"
            "      Exit Code:    1\n") in section
    assert "    Restart Count:  1\n" in section
    app = out[out.index("Containers:\n  app:"):]
    assert "    State:          Waiting\n      Reason:       PodInitializing\n" in app
    assert "  Initialized                 False \n" in out


def test_a_watch_sees_error_before_each_restart():
    """SyncPod writes the status it observed before it acts, so ``kubectl get pods -w`` shows Error
    between a crash and the restart (then CrashLoopBackOff while the back-off holds it).
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts"""
    from minik8s.kubectl.printers import pod_status_reason
    c = cluster()
    seen = []
    c.apiserver.watch("pods", lambda t, p: seen.append((round(c.now, 3),) + tuple(
        pod_status_reason(p)[i] for i in (0, 4))), "default")
    r = Run(c, pod("crash", [{"name": "main", "image": "pods-test/job:1.0", "args": ["1", "3"]}]))
    r.run_to(14)
    changes = [x for i, x in enumerate(seen) if i == 0 or seen[i - 1][1:] != x[1:]]
    assert changes == [(0, "Pending", 0), (0, "Running", 0), (1, "Error", 0), (1, "Running", 1),
                       (2, "Error", 1), (2, "CrashLoopBackOff", 1), (12, "Running", 2), (13, "Error", 2),
                       (13, "CrashLoopBackOff", 2)]
