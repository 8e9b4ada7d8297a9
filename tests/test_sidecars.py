"""Sidecar containers: native sidecars (init containers with restartPolicy Always) and the classic
pattern (two app containers sharing an emptyDir and localhost).

Docs: https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ and
https://kubernetes.io/docs/tutorials/configuration/pod-sidecar-containers/ .
"""

from __future__ import annotations

from pod_helpers import Run, cluster, pod


def bb(name, script, **kw):
    return dict(name=name, image="busybox:1.36", command=["sh", "-c", script], **kw)


def side(name, drain, **kw):
    """A sidecar that takes ``drain`` seconds to exit after SIGTERM (it logs when SIGTERM came)."""
    return dict(name=name, image="pods-test/slow-term:1.0", args=[str(drain)], restartPolicy="Always", **kw)


def test_sidecars_start_in_order_and_the_next_init_container_starts_once_they_have_started():
    """A sidecar starts in its place among the init containers; the next one starts once it has
    started; it keeps running with the app containers. READY counts sidecars.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle"""
    c = cluster()
    r = Run(c, pod("sc", [dict(name="app", image="pods-test/slow-term:1.0", args=["0"])],
                   init=[side("logshipper", 0), bb("migrate", "sleep 2")]))
    assert r.trace(4) == [(0, ("1/2", "Init:1/2")), (2, ("2/2", "Running"))]
    started = [(t, m) for t, _, reason, m, _ in r.events if reason == "Started"]
    assert started == [(0, "Started container logshipper"), (0, "Started container migrate"),
                       (2, "Started container app")]
    ship = r.cs("logshipper", init=True)
    assert "running" in ship["state"] and ship["started"] is True and ship["ready"] is True


def test_a_sidecar_startup_probe_holds_back_the_next_init_container():
    """The next init container waits for the sidecar's startupProbe to succeed.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle"""
    c = cluster()
    proxy = dict(name="proxy", image="minik8s/app:1.0", restartPolicy="Always",
                 env=[{"name": "STARTUP_DELAY", "value": "8"}],
                 startupProbe={"httpGet": {"path": "/healthz", "port": 8080}, "periodSeconds": 5})
    r = Run(c, pod("gated", [bb("app", "sleep 3600")], init=[proxy]))
    r.run_to(9.9)
    assert r.get_pods()[1:3] == ["0/2", "Init:0/1"]
    assert r.cs("proxy", init=True)["started"] is False
    r.run_to(10.001)                          # probes at 5 (refused) and 10 (ok)
    assert r.get_pods()[1:3] == ["2/2", "Running"]
    assert r.cs("app")["state"]["running"]["startedAt"] == "2025-01-01T00:00:10Z"


def test_a_sidecar_is_restarted_when_it_exits_and_the_app_keeps_running():
    """Sidecars are restarted on exit (whatever the pod's restartPolicy) while the app runs on.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#differences-from-init-containers"""
    c = cluster()
    r = Run(c, pod("flaky", [bb("app", "sleep 3600")], init=[bb("agent", "sleep 10; exit 3", restartPolicy="Always")],
                   restartPolicy="Never"))
    r.run_to(10.001)
    agent = r.cs("agent", init=True)
    assert agent["restartCount"] == 1 and "running" in agent["state"]
    assert agent["lastState"]["terminated"]["exitCode"] == 3
    assert r.cs("app")["restartCount"] == 0 and "running" in r.cs("app")["state"]
    assert r.status()["phase"] == "Running"
    assert r.get_pods()[3].startswith("1")     # RESTARTS counts the sidecar's restarts


def test_sidecar_readiness_counts_for_the_pod():
    """A sidecar's readiness probe decides the pod's Ready condition with the app containers'.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle"""
    c = cluster()
    proxy = dict(name="proxy", image="minik8s/app:1.0", restartPolicy="Always",
                 env=[{"name": "READY_AFTER", "value": "12"}],
                 readinessProbe={"httpGet": {"path": "/ready", "port": 8080}, "periodSeconds": 5})
    r = Run(c, pod("rd", [bb("app", "sleep 3600")], init=[proxy]))
    r.run_to(11)
    assert r.get_pods()[1:3] == ["1/2", "Running"]
    assert r.cond("Ready")["message"] == "containers with unready status: [proxy]"
    r.run_to(15.001)
    assert r.get_pods()[1:3] == ["2/2", "Running"]
    assert r.cond("Ready")["status"] == "True"


def test_sidecars_do_not_block_job_completion():
    """When the app containers of a restartPolicy Never/OnFailure pod have finished, the kubelet
    stops the sidecars and the pod Succeeds; a Job with such pods completes.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#jobs-with-sidecar-containers"""
    c = cluster()
    r = Run(c, pod("task", [dict(name="main", image="pods-test/job:1.0", args=["5", "0"])],
                   init=[side("logshipper", 1)], restartPolicy="Never"))
    r.run_to(5.001)
    assert r.when("Killing", "Stopping container logshipper") == [5]
    assert r.status()["phase"] == "Running"           # the sidecar is still shutting down
    r.run_to(6.001)
    st = r.status()
    assert st["phase"] == "Succeeded"
    assert r.cs("main")["state"]["terminated"]["reason"] == "Completed"
    assert r.get_pods()[1:3] == ["0/2", "Completed"]
    c.apply({"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "job"},
             "spec": {"template": {"spec": {"restartPolicy": "Never",
                                            "initContainers": [side("logshipper", 1)],
                                            "containers": [dict(name="main", image="pods-test/job:1.0",
                                                                args=["5", "0"])]}}}})
    c.run_until(lambda c: any(x["type"] == "Complete" and x["status"] == "True"
                              for x in c.get("jobs", "job").get("status", {}).get("conditions") or []),
                timeout=60)


def test_sidecars_stop_after_the_app_containers_in_reverse_order():
    """On deletion the app containers get SIGTERM first; each sidecar gets its SIGTERM once the app
    containers and every later sidecar have exited.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle"""
    c = cluster()
    r = Run(c, pod("sc", [dict(name="app", image="pods-test/slow-term:1.0", args=["3"])],
                   init=[side("logshipper", 1), side("proxy", 2)]))
    r.run_to(5)
    c.delete("pods", "sc")
    killing = [(t, m) for t, _, reason, m, _ in r.events if reason == "Killing"]
    assert killing == [(5, "Stopping container app"), (5, "Stopping container proxy"),
                       (5, "Stopping container logshipper")]
    r.run_to(7.9)
    assert r.get_pods()[1:3] == ["3/3", "Terminating"]
    kl = c.kubelets["node-1"]
    w = kl.workers["default/sc"]
    assert [kl.runtime.container_status(w.containers[n].cid).state for n in ("app", "proxy", "logshipper")] == \
        ["running"] * 3
    r.run_to(8.001)                 # app exited (3 s of draining): proxy's turn
    assert "SIGTERM at 8" in kl.runtime.logs(w.containers["proxy"].cid)
    assert "SIGTERM" not in kl.runtime.logs(w.containers["logshipper"].cid)
    r.run_to(10.001)                # proxy exited: logshipper's turn
    assert "SIGTERM at 10" in kl.runtime.logs(w.containers["logshipper"].cid)
    r.run_to(11.5)
    assert not c.list("pods")


def test_classic_sidecar_shares_an_empty_dir_with_the_app():
    """Two app containers share an emptyDir: a writer appends lines, a shipper follows the file
    with ``tail -f`` and prints them to its own log.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/ ,
    https://kubernetes.io/docs/concepts/storage/volumes/#emptydir"""
    c = cluster()
    mount = [{"name": "logs", "mountPath": "/var/log/app"}]
    r = Run(c, pod("logger", [
        bb("writer", "i=0; while true; do i=$((i+1)); echo line $i >> /var/log/app/app.log; sleep 1; done",
           volumeMounts=mount),
        bb("shipper", "tail -f /var/log/app/app.log", volumeMounts=mount)],
        volumes=[{"name": "logs", "emptyDir": {}}]))
    r.run_to(5.5)
    shipped = c.logs("logger", "shipper")
    assert "line 1\n" in shipped and "line 4\n" in shipped
    assert c.exec("logger", ["cat", "/var/log/app/app.log"], container="shipper").startswith("line 1\nline 2\n")


def test_classic_sidecar_reaches_the_app_on_localhost():
    """Containers of a pod share its network namespace: an adapter reaches the app on localhost.
    https://kubernetes.io/docs/concepts/workloads/pods/#how-pods-manage-multiple-containers"""
    c = cluster()
    r = Run(c, pod("web", [dict(name="app", image="minik8s/app:1.0"),
                           dict(name="adapter", image="nginx:1.27")]))
    r.run_to(1)
    out = c.exec("web", ["curl", "-s", "http://localhost:8080/"], container="adapter")
    assert out == "Hello from web (v1.0)\n"


def test_busybox_sidecar_ignores_sigterm_and_holds_the_pod_for_the_grace_period():
    """The sidecars chapter's lesson: a busybox ``sh`` sidecar (PID 1, no trap) ignores SIGTERM,
    so deletion waits the whole grace period and the shell is SIGKILLed (exit 137).
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination"""
    c = cluster()
    r = Run(c, pod("slow", [dict(name="app", image="nginx:1.27")],
                   init=[bb("shipper", "while true; do sleep 1; done", restartPolicy="Always")],
                   terminationGracePeriodSeconds=10))
    r.run_to(2)
    c.delete("pods", "slow")
    r.run_to(11.9)                  # nginx exits at once; the shell gets SIGTERM at 2 and ignores it
    assert r.get_pods()[2] == "Terminating"
    r.run_to(12.01)                 # SIGKILL at 2 + 10
    assert not c.list("pods")


def test_failed_init_container_under_never_stops_the_sidecars_and_fails_the_pod():
    """restartPolicy Never and a regular init container fails after a sidecar started: the pod
    fails (Init:Error) and the kubelet stops the sidecar.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#sidecar-containers-and-pod-lifecycle"""
    c = cluster()
    r = Run(c, pod("f", [bb("app", "sleep 3600")],
                   init=[dict(name="proxy", image="nginx:1.27", restartPolicy="Always"), bb("migrate", "sleep 2; exit 1")],
                   restartPolicy="Never"))
    assert r.trace(6) == [(0, ("1/2", "Init:1/2")), (2, ("0/2", "Init:Error"))]
    assert r.status()["phase"] == "Failed"
    assert r.when("Killing", "Stopping container proxy") == [2]
    assert "terminated" in r.cs("proxy", init=True)["state"]
