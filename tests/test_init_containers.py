"""Init containers: one at a time, in order, each to success; retried under the pod's restartPolicy.

Docs: https://kubernetes.io/docs/concepts/workloads/pods/init-containers/ and, for kubectl's
STATUS column (Init:N/M, Init:Error, Init:CrashLoopBackOff, PodInitializing),
https://kubernetes.io/docs/tasks/debug/debug-application/debug-init-containers/#understanding-pod-status .
"""

from __future__ import annotations

from pod_helpers import Run, cluster, pod


def bb(name, script, **kw):
    return dict(name=name, image="busybox:1.36", command=["sh", "-c", script], **kw)


def test_init_containers_run_in_order_then_the_app():
    """Init:0/2 while the first runs, Init:1/2 while the second runs, then Running.
    https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#detailed-behavior"""
    c = cluster()
    r = Run(c, pod("myapp", [bb("app", "echo up; sleep 3600")],
                   init=[bb("init-a", "sleep 5"), bb("init-b", "sleep 3")]))
    assert r.trace(12) == [(0, ("0/1", "Init:0/2")), (5, ("0/1", "Init:1/2")), (8, ("1/1", "Running"))]
    a, b = r.cs("init-a", init=True), r.cs("init-b", init=True)
    assert a["state"]["terminated"]["reason"] == "Completed" and a["state"]["terminated"]["exitCode"] == 0
    assert a["state"]["terminated"]["finishedAt"] == "2025-01-01T00:00:05Z"
    assert b["state"]["terminated"]["startedAt"] == "2025-01-01T00:00:05Z"
    assert r.cs("app")["state"]["running"]["startedAt"] == "2025-01-01T00:00:08Z"
    assert r.cond("Initialized")["status"] == "True"


def test_conditions_and_statuses_while_initializing():
    """Initialized is False with ContainersNotInitialized and the unfinished init containers; the app
    container waits with reason PodInitializing; the pod is Pending.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-conditions"""
    c = cluster()
    r = Run(c, pod("myapp", [bb("app", "sleep 3600")], init=[bb("init-a", "sleep 5"), bb("init-b", "sleep 3")]))
    r.run_to(1)
    st = r.status()
    assert st["phase"] == "Pending"
    init = r.cond("Initialized")
    assert (init["status"], init["reason"], init["message"]) == (
        "False", "ContainersNotInitialized", "containers with incomplete status: [init-a init-b]")
    ready = r.cond("ContainersReady")
    assert (ready["status"], ready["reason"], ready["message"]) == (
        "False", "ContainersNotReady", "containers with unready status: [app]")
    assert r.cs("app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert r.cs("init-b", init=True)["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert "running" in r.cs("init-a", init=True)["state"]
    r.run_to(6)
    assert r.cond("Initialized")["message"] == "containers with incomplete status: [init-b]"


def test_failing_init_container_is_retried_with_crash_loop_back_off():
    """restartPolicy Always: a failing init container is restarted (Init:0/1 again) with the
    back-off 10 s, 20 s, ... between (Init:CrashLoopBackOff); the app never starts.
    https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#detailed-behavior"""
    c = cluster()
    r = Run(c, pod("bad", [bb("app", "sleep 3600")], init=[bb("init", "sleep 2; exit 1")]))
    assert r.trace(40) == [(0, ("0/1", "Init:0/1")), (4, ("0/1", "Init:CrashLoopBackOff")),
                           (14, ("0/1", "Init:0/1")), (16, ("0/1", "Init:CrashLoopBackOff")),
                           (36, ("0/1", "Init:0/1")), (38, ("0/1", "Init:CrashLoopBackOff"))]
    cs = r.cs("init", init=True)
    assert cs["restartCount"] == 3
    assert cs["lastState"]["terminated"]["exitCode"] == 1
    assert r.cs("app")["state"] == {"waiting": {"reason": "PodInitializing"}}
    assert r.get_pods()[3] == "3 (3s ago)"    # RESTARTS counts init container restarts while initializing
    assert r.status()["phase"] == "Pending"


def test_failing_init_container_with_restart_policy_never_fails_the_pod():
    """restartPolicy Never: the pod fails (Init:Error) and the app never runs.
    https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#detailed-behavior"""
    c = cluster()
    r = Run(c, pod("never", [bb("app", "sleep 3600")], init=[bb("init", "sleep 2; exit 1")], restartPolicy="Never"))
    assert r.trace(6) == [(0, ("0/1", "Init:0/1")), (2, ("0/1", "Init:Error"))]
    st = r.status()
    assert st["phase"] == "Failed"
    assert "containerID" not in r.cs("app")


def test_pod_initializing_while_the_app_image_is_pulled():
    """Init containers done, app container not started yet (its image is being pulled): PodInitializing.
    https://kubernetes.io/docs/tasks/debug/debug-application/debug-init-containers/#understanding-pod-status"""
    c = cluster()
    r = Run(c, pod("pull", [{"name": "app", "image": "nginx:1.28"}], init=[bb("init", "sleep 1")]))
    pull = c.kubelets["node-1"].runtime.pull_seconds("nginx:1.28")
    out = r.trace(pull + 3)
    assert out[0] == (0, ("0/1", "Init:0/1"))
    assert out[1] == (1, ("0/1", "PodInitializing"))
    assert out[2][1] == ("1/1", "Running")
    assert r.cond("Initialized")["status"] == "True"


def test_init_container_events_point_at_init_containers():
    """Kubelet events about an init container carry fieldPath spec.initContainers{name}."""
    c = cluster()
    r = Run(c, pod("ev", [bb("app", "sleep 3600")], init=[bb("init", "true")]))
    r.run_to(1)
    started = [e for e in r.events if e[2] == "Started"]
    assert [(e[3], e[4]) for e in started] == [("Started container init", "spec.initContainers{init}"),
                                              ("Started container app", "spec.containers{app}")]


def test_describe_shows_init_containers_section():
    """kubectl describe pod lists Init Containers before Containers, with their state."""
    c = cluster()
    r = Run(c, pod("desc", [bb("app", "sleep 3600")], init=[bb("init", "sleep 2")]))
    r.run_to(3)
    out = c.kubectl("describe pod desc")
    assert out.index("Init Containers:\n  init:\n") < out.index("Containers:\n  app:\n")
    section = out[out.index("Init Containers:"):out.index("Containers:\n  app:")]
    assert "    State:          Terminated\n      Reason:       Completed\n      Exit Code:    0\n" in section
    # an init container that exited 0 is Ready (prober_manager.go: UpdatePodStatus)
    assert "    Ready:          True\n    Restart Count:  0\n" in section


def test_a_watch_sees_init_error_then_init_crash_loop_back_off():
    """``kubectl get pods -w``: Init:Error after each failure, then Init:CrashLoopBackOff during the
    back-off. https://kubernetes.io/docs/tasks/debug/debug-application/debug-init-containers/#understanding-pod-status"""
    from minik8s.kubectl.printers import pod_status_reason
    c = cluster()
    seen = []
    c.apiserver.watch("pods", lambda t, p: seen.append((round(c.now, 3), pod_status_reason(p)[0])), "default")
    r = Run(c, pod("bad", [bb("app", "sleep 3600")], init=[bb("init", "sleep 1; exit 3")]))
    r.run_to(14)
    changes = [x for i, x in enumerate(seen) if i == 0 or seen[i - 1][1] != x[1]]
    assert changes == [(0, "Pending"), (0, "Init:0/1"), (1, "Init:Error"), (1, "Init:0/1"), (2, "Init:Error"),
                       (2, "Init:CrashLoopBackOff"), (12, "Init:0/1"), (13, "Init:Error"),
                       (13, "Init:CrashLoopBackOff")]
