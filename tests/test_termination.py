"""Graceful termination, preStop and postStart hooks, and force deletion.

Docs: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination and
https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/ .
"""

from __future__ import annotations

from pod_helpers import Run, cluster, pod


def bb(name, script, **kw):
    return dict(name=name, image="busybox:1.36", command=["sh", "-c", script], **kw)


def logs(c, name, container):
    kl = c.kubelets["node-1"]
    w = kl.workers[f"default/{name}"]
    return kl.runtime.logs(w.containers[container].cid)


def gone(c, name):
    return not [p for p in c.list("pods") if p["metadata"]["name"] == name]


def test_delete_sets_deletion_timestamp_and_nginx_exits_at_once():
    """Deleting a pod sets deletionTimestamp and deletionGracePeriodSeconds (30 by default);
    kubectl shows Terminating; nginx exits on SIGTERM at once and the pod object goes.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    r = Run(c, pod("web", [dict(name="nginx", image="nginx:1.27")]))
    r.run_to(3)
    c.apiserver.delete("pods", "web", "default")
    p = c.get("pods", "web")
    assert p["metadata"]["deletionTimestamp"] == "2025-01-01T00:00:33Z"   # now + grace, as the API sets it
    assert p["metadata"]["deletionGracePeriodSeconds"] == 30
    assert r.get_pods()[2] == "Terminating"
    assert r.when("Killing", "Stopping container nginx") == [3]
    r.run_to(3.001)
    assert gone(c, "web")


def test_process_ignoring_sigterm_is_killed_after_the_grace_period():
    """SIGTERM, then SIGKILL once terminationGracePeriodSeconds has passed (exit 137).
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    r = Run(c, pod("stub", [dict(name="app", image="pods-test/stubborn:1.0")], terminationGracePeriodSeconds=12))
    r.run_to(1)
    c.delete("pods", "stub")
    r.run_to(12.9)
    assert not gone(c, "stub") and "running" in r.cs()["state"]
    r.run_to(13.001)
    assert gone(c, "stub")


def test_busybox_sh_as_pid_1_ignores_sigterm_unless_trapped():
    """A shell as PID 1 gets no default SIGTERM action (the kernel protects a namespace's init):
    without a trap it is SIGKILLed at the end of the grace period; with ``trap ... TERM`` it
    exits when its foreground ``sleep 1`` returns.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    Run(c, pod("plain", [bb("sh", "while true; do sleep 1; done")], terminationGracePeriodSeconds=20))
    trapped = Run(c, pod("trapped", [bb("sh", "trap 'echo got TERM; exit 0' TERM; while true; do sleep 1; done")],
                         terminationGracePeriodSeconds=20))
    trapped.run_to(5.5)
    c.delete("pods", "plain")
    c.delete("pods", "trapped")
    trapped.run_to(6.6)
    assert gone(c, "trapped") and not gone(c, "plain")
    trapped.run_to(25.4)
    assert not gone(c, "plain")
    trapped.run_to(25.6)
    assert gone(c, "plain")


def test_pre_stop_runs_before_sigterm_and_counts_against_the_grace_period():
    """The preStop hook runs first; SIGTERM is sent when it returns.
    https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution"""
    c = cluster()
    r = Run(c, pod("hook", [dict(name="app", image="pods-test/slow-term:1.0", args=["1"],
                                 lifecycle={"preStop": {"exec": {"command": ["sleep", "5"]}}})]))
    r.run_to(2)
    c.delete("pods", "hook")
    r.run_to(6.9)
    assert "SIGTERM" not in logs(c, "hook", "app")
    r.run_to(7.001)
    assert "SIGTERM at 7" in logs(c, "hook", "app")
    r.run_to(8.001)
    assert gone(c, "hook")


def test_pre_stop_still_running_at_the_end_of_the_grace_period_gets_2_more_seconds():
    """If the preStop hook is still running when the grace period ends, the kubelet sends SIGTERM
    and allows a one-off 2 s extension before SIGKILL.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    r = Run(c, pod("long", [dict(name="app", image="pods-test/stubborn:1.0",
                                 lifecycle={"preStop": {"exec": {"command": ["sleep", "100"]}}})],
                   terminationGracePeriodSeconds=10))
    r.run_to(1)
    c.delete("pods", "long")
    r.run_to(12.9)
    assert not gone(c, "long")
    r.run_to(13.001)                     # 1 + 10 + 2
    assert gone(c, "long")


def test_pre_stop_http_get_reaches_the_app():
    """An httpGet preStop hook sends a GET to the pod before SIGTERM, as ``kube-lifecycle/1.33``
    (pkg/probe/http/request.go: NewRequestForHTTPGetAction with the "lifecycle" fragment).
    https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-implementations"""
    c = cluster()
    r = Run(c, pod("http", [dict(name="app", image="pods-test/headers:1.0",
                                 lifecycle={"preStop": {"httpGet": {"path": "/shutdown", "port": 8080}}})]))
    r.run_to(1)
    c.delete("pods", "http", grace_period_seconds=20)
    out = logs(c, "http", "app")
    assert "GET /shutdown " in out and "User-Agent=kube-lifecycle/1.33" in out
    assert out.index("GET /shutdown") < out.index("SIGTERM at 1")


def test_failed_pre_stop_hook_is_an_event_and_termination_goes_on():
    """A failing preStop hook records FailedPreStopHook ``PreStopHook failed``; SIGTERM follows.
    https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#debugging-hook-handlers"""
    c = cluster()
    r = Run(c, pod("bad", [dict(name="app", image="nginx:1.27",
                                lifecycle={"preStop": {"exec": {"command": ["sh", "-c", "exit 3"]}}})]))
    r.run_to(1)
    c.delete("pods", "bad")
    r.run_to(1.5)
    assert r.when("FailedPreStopHook", "PreStopHook failed") == [1]
    assert gone(c, "bad")


def test_post_start_runs_after_start_and_holds_the_container_back():
    """postStart runs right after the container starts; the kubelet waits for it before the
    container is reported running. https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#container-hooks"""
    c = cluster()
    r = Run(c, pod("ps", [dict(name="app", image="nginx:1.27", lifecycle={"postStart": {"exec": {"command": [
        "sh", "-c", "sleep 3; echo Hello from the postStart handler > /usr/share/message"]}}})]))
    r.run_to(2.9)
    assert r.cs()["state"] == {"waiting": {"reason": "ContainerCreating"}}
    assert r.get_pods()[1:3] == ["0/1", "ContainerCreating"]
    r.run_to(3.001)
    assert "running" in r.cs()["state"] and r.cs()["ready"] is True
    assert c.exec("ps", ["cat", "/usr/share/message"]) == "Hello from the postStart handler\n"


def test_failed_post_start_kills_the_container():
    """A failing postStart hook: FailedPostStartHook ``PostStartHook failed``, then the container is
    killed (Killing ``FailedPostStartHook``) and restarted per restartPolicy.
    https://kubernetes.io/docs/concepts/containers/container-lifecycle-hooks/#hook-handler-execution"""
    c = cluster()
    r = Run(c, pod("psf", [dict(name="app", image="nginx:1.27",
                                lifecycle={"postStart": {"exec": {"command": ["sh", "-c", "badcommand"]}}})]))
    r.run_to(0.5)
    assert r.when("FailedPostStartHook", "PostStartHook failed")[:1] == [0]
    assert r.when("Killing", "FailedPostStartHook")[:1] == [0]
    assert r.cs()["restartCount"] >= 1


def test_force_delete_removes_the_object_at_once():
    """``kubectl delete --grace-period=0 --force``: the object is gone at once (with kubectl's
    warning); the kubelet still stops the containers.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination-forced"""
    c = cluster()
    r = Run(c, pod("stub", [dict(name="app", image="pods-test/stubborn:1.0")]))
    r.run_to(1)
    out = c.kubectl("delete pod stub --grace-period=0 --force")
    assert out == ("Warning: Immediate deletion does not wait for confirmation that the running resource has been "
                   "terminated. The resource may continue to run on the cluster indefinitely.\n"
                   'pod "stub" force deleted\n')
    assert gone(c, "stub")
    kl = c.kubelets["node-1"]
    r.run_to(3.1)                   # minimumGracePeriodInSeconds: SIGKILL 2 s later
    assert not kl.workers and not [x for x in kl.runtime.containers.values() if x.state == "running"]


def test_active_deadline_seconds_fails_the_pod():
    """activeDeadlineSeconds: once the pod has been active that long the kubelet fails it (reason
    DeadlineExceeded, event DeadlineExceeded) and stops its containers.
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-phase"""
    c = cluster()
    r = Run(c, pod("short", [dict(name="app", image="nginx:1.27")], activeDeadlineSeconds=30))
    r.run_to(29.9)
    assert r.status()["phase"] == "Running"
    r.run_to(30.001)
    st = r.status()
    assert (st["phase"], st["reason"], st["message"]) == (
        "Failed", "DeadlineExceeded", "Pod was active on the node longer than the specified deadline")
    assert r.when("DeadlineExceeded", "Pod was active on the node longer than the specified deadline") == [30]
    assert r.when("Killing", "Stopping container app") == [30]
    # printPod lets a terminated container's reason override status.reason: nginx exited 0 on SIGTERM
    assert r.get_pods()[1:3] == ["0/1", "Completed"]


def test_termination_message_from_the_termination_log():
    """A container writes why it ended to /dev/termination-log: the kubelet puts it in
    state.terminated.message (kubectl describe shows it as Message).
    https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/"""
    c = cluster()
    r = Run(c, pod("termination-demo", [bb("termination-demo-container",
                                           "sleep 10 && echo Sleep expired > /dev/termination-log")],
                   restartPolicy="Never"))
    r.run_to(10.5)
    term = r.cs()["state"]["terminated"]
    assert term["message"] == "Sleep expired\n" and term["reason"] == "Completed"
    # describe writes the message as it is: its newline ends the tabwriter block, as in kubectl
    assert "      Reason:   Completed\n      Message:  Sleep expired\n\n      Exit Code:    0\n" in \
        c.kubectl("describe pod termination-demo")


def test_fallback_to_logs_on_error():
    """terminationMessagePolicy FallbackToLogsOnError: a failed container with an empty termination
    log gets the tail of its output as the message.
    https://kubernetes.io/docs/tasks/debug/debug-application/determine-reason-pod-failure/#customizing-the-termination-message"""
    c = cluster()
    r = Run(c, pod("fallback", [bb("app", "echo starting; echo 'panic: no config' >&2; exit 2",
                                   terminationMessagePolicy="FallbackToLogsOnError")], restartPolicy="Never"))
    r.run_to(1)
    assert r.cs()["state"]["terminated"]["message"] == "starting\npanic: no config\n"
    r2 = Run(c, pod("nofallback", [bb("app", "echo starting; exit 2")], restartPolicy="Never"))
    r2.run_to(1)
    assert "message" not in r2.cs()["state"]["terminated"]
