"""Behaviour chapters 4-6 of the book rely on (book/ch4-probes.md, ch5-sidecars.md,
ch6-deployments.md), pinned so that an engine change which would silently change a chapter's story
fails here."""

from __future__ import annotations

from minik8s import Cluster
from minik8s.controllers.deployment import max_surge_and_unavailable, rolling_update_step
from minik8s.kubelet.backoff import Backoff


def test_backoff_never_asks_for_a_zero_wait_while_in_backoff():
    """The kubelet requeues a crashed container at ``finished + delay - now`` while
    ``in_backoff`` says it must wait (CrashLoopBackOff: 10 s doubling to 300 s,
    https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#container-restarts).
    With float virtual times the two used to disagree by one ulp (463.003 + 300 s): in back-off
    with 0 s left, so the kubelet re-synced the pod for ever at the same instant (chapter 4's
    four-handler pod hung the build)."""
    b = Backoff(10.0, 300.0)
    b.next("k", 463.003, 463.003)
    b._entries["k"][0] = 300.0
    now = 463.003 + 300.0
    assert not b.in_backoff("k", 463.003, now)
    assert not b.in_backoff_since_update("k", now)
    for ms in range(0, 5000, 7):                 # the invariant, over many fractional times
        ev = 100 + ms / 1000
        for d in (10.0, 20.0, 40.0, 80.0, 160.0, 300.0):
            b._entries["k"] = [d, ev]
            for now in (ev + d - 1e-9, ev + d, (ev + d) - ev + ev):
                if b.in_backoff("k", ev, now):
                    assert ev + d - now > 0 and now + (ev + d - now) > now


def test_crash_loop_back_off_doubles_to_five_minutes_and_time_moves_on():
    """A container that exits 1 s after each start is restarted at once, then after 10, 20, 40,
    80, 160, 300 s (pod-lifecycle#container-restarts); virtual time keeps advancing."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: crashy
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    env:
    - name: CRASH_AFTER
      value: "1"
""")
    starts = []
    last = None
    for _ in range(1300):
        c.run(1)
        st = c.get("pod", "crashy")["status"]["containerStatuses"][0]
        running = st["state"].get("running")
        if running and running["startedAt"] != last:
            last = running["startedAt"]
            starts.append(c.now)
    gaps = [round(b - a) for a, b in zip(starts, starts[1:])]
    # each gap = 1 s of running + the back-off delay (the first restart is immediate)
    assert gaps[:7] == [1, 11, 21, 41, 81, 161, 301]
    assert c.now == 1300


def test_rolling_update_arithmetic_of_chapter_6():
    """maxSurge rounds up, maxUnavailable down
    (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge); a rollout
    of 4 replicas at 25%/25% never exceeds 5 Pods nor drops below 3 available."""
    assert max_surge_and_unavailable(4) == (1, 1)
    assert max_surge_and_unavailable(1) == (1, 0)
    assert max_surge_and_unavailable(10) == (3, 2)
    new, old, seen = 0, 4, []
    for _ in range(10):
        new, (old,) = rolling_update_step(4, "25%", "25%", (new, new), [(old, old)])
        seen.append((new, old))
        assert new + old <= 5 and new + old >= 3
        if (new, old) == (4, 0):
            break
    assert seen[-1] == (4, 0)


def test_relabelled_pod_is_released_and_replaced():
    """A ReplicaSet releases a Pod whose labels stop matching its selector (orphans it) and creates
    a replacement (https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#isolating-pods-from-a-replicaset)."""
    c = Cluster(nodes=2, seed=0)
    c.kubectl("create deployment web --image=minik8s/app:1.0 --replicas=2")
    c.run(20)
    first = sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))[0]
    c.kubectl(f"label pod {first} app=debug --overwrite")
    c.run(10)
    assert len(c.list("pods", selector="app=web")) == 2
    assert not c.get("pod", first)["metadata"].get("ownerReferences")


def test_viz_ready_count_counts_native_sidecars_as_kubectl_does():
    """kubectl's READY column counts native sidecars (init containers with restartPolicy Always)
    with the app containers (printPod; https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/);
    the stepper's objects table and the diagram must say the same as `kubectl get pods`."""
    from minik8s.viz.diagram import ready_count
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: shop
spec:
  initContainers:
  - name: setup
    image: busybox:1.36
    command: ["true"]
  - name: shipper
    image: busybox:1.36
    restartPolicy: Always
    command: ["sh", "-c", "while true; do sleep 1; done"]
  containers:
  - name: app
    image: minik8s/app:1.0
""")
    c.run(10)
    column = c.kubectl("get pod shop").splitlines()[1].split()[1]
    assert column == "2/2"
    assert ready_count(c.get("pod", "shop")) == column


def _rollout_history(c, name="web"):
    lines = c.kubectl(f"rollout history deployment/{name}").strip().splitlines()[2:]
    return [tuple(line.split(None, 1)) for line in lines]


def test_rollback_takes_the_newest_revision_number_and_a_bad_image_keeps_three_of_four():
    """Chapter 6's rollout story. Rolling back to a template gives its ReplicaSet the next revision
    (the old number disappears from `rollout history`), and kubectl's undo copies the ReplicaSet's
    annotations over the Deployment's (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-back-a-deployment).
    A rollout to an image that cannot be pulled stalls with maxUnavailable 25% of 4 = 1: three Pods
    stay available (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-unavailable)."""
    c = Cluster(nodes=3, seed=0)
    c.kubectl("create deployment web --image=minik8s/app:1.0 --replicas=4")
    c.run(20)
    c.kubectl("set image deployment/web app=minik8s/app:2.0")
    c.run(30)
    c.kubectl("set image deployment/web app=minik8s/app:1.0")
    c.run(30)
    assert [r for r, _ in _rollout_history(c)] == ["2", "3"]
    c.kubectl("annotate deployment/web kubernetes.io/change-cause=back-to-1.0")
    c.run(2)
    assert _rollout_history(c)[-1] == ("3", "back-to-1.0")
    c.kubectl("set image deployment/web app=minik8s/app:9.9")
    c.run(60)
    d = c.get("deployment", "web")
    assert d["status"]["availableReplicas"] == 3 and d["status"]["updatedReplicas"] == 2
    assert "timed out" in c.kubectl("rollout status deployment/web --timeout=1s")
    c.kubectl("rollout undo deployment/web")
    c.run(20)
    assert "successfully rolled out" in c.kubectl("rollout status deployment/web")
    assert [r for r, _ in _rollout_history(c)] == ["2", "4", "5"]


HELLO = """
apiVersion: v1
kind: Pod
metadata:
  name: hello
spec:
  containers:
  - name: app
    image: minik8s/app:1.0
    env:
    - name: PORT
      value: "3000"
    - name: HEALTHZ_FAIL_AFTER
      value: "30"
    livenessProbe:
      httpGet:
        path: /healthz
        port: 3000
      initialDelaySeconds: 3
      periodSeconds: 5
    readinessProbe:
      httpGet:
        path: /ready
        port: 3000
      initialDelaySeconds: 15
      periodSeconds: 6
"""


def test_chapter4_stepper_kills_hello_on_the_third_failed_liveness_probe():
    """Chapter 4's stepper, as its text names the steps: the container starts, and /healthz, broken
    from 30 s on, fails three probes 5 s apart (failureThreshold 3,
    https://kubernetes.io/docs/concepts/configuration/liveness-readiness-startup-probes/): the first
    failure comes within one period of the break, the third 10 s later, so 40 to 45 s after the
    start the kubelet kills the container and restarts it in the same step (restartPolicy Always)."""
    from minik8s.viz import Stepper
    c = Cluster(nodes=1, seed=0)
    c.run(2)
    s = Stepper(c, [lambda c: c.kubectl("apply -f -", stdin=HELLO), 50],
                components=["kubelet"], keys=["default/hello"], diagrams=False)
    diffs = [(f.step.time, " ".join(f.step.diff)) for f in s.frames]
    start = next(t for t, d in diffs if "app: started container" in d)
    kill = next(t for t, d in diffs if "liveness probe failed: kill and restart" in d)
    assert 39 <= kill - start <= 46, diffs
    assert any("(restart 1)" in d for t, d in diffs if t == kill), diffs
    ready = [c for c in c.get("pod", "hello")["status"]["conditions"] if c["type"] == "Ready"]
    assert ready and ready[0]["status"] == "False"        # restarted: not ready until the probe passes


def test_a_shell_loop_as_pid_1_is_killed_only_when_the_grace_period_is_over():
    """Chapter 5's self-check: a shell without a trap as PID 1 ignores SIGTERM (the kernel applies no
    default action to a namespace's init process, signal(7) and pid_namespaces(7)), so deleting its
    Pod takes the whole terminationGracePeriodSeconds and ends in SIGKILL
    (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination)."""
    c = Cluster(nodes=1, seed=0)
    c.apply("""
apiVersion: v1
kind: Pod
metadata:
  name: shell
spec:
  terminationGracePeriodSeconds: 10
  containers:
  - name: main
    image: busybox:1.36
    command: ["sh", "-c", "while true; do sleep 1; done"]
""")
    c.run(10)
    c.kubectl("delete pod shell --wait=false")
    c.run(9)
    assert [p for p in c.list("pods") if p["metadata"]["name"] == "shell"], "gone before the grace period"
    c.run(3)
    assert not [p for p in c.list("pods") if p["metadata"]["name"] == "shell"]
