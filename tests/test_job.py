"""Job controller and TTL-after-finished.

https://kubernetes.io/docs/concepts/workloads/controllers/job/
https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/
"""

from minik8s.controllers.job import backoff_delay, wanted_active

from ctrl_helpers import make_cluster, run_pod, finish_deleting


def job(name="pi", completions=None, parallelism=None, backoff=None, restart="Never", **spec):
    s = {"template": {"spec": {"restartPolicy": restart,
                               "containers": [{"name": "pi", "image": "perl:5.34.0"}]}}}
    if completions is not None:
        s["completions"] = completions
    if parallelism is not None:
        s["parallelism"] = parallelism
    if backoff is not None:
        s["backoffLimit"] = backoff
    s.update(spec)
    return {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": name}, "spec": s}


def pods_of(c, name="pi"):
    return [p for p in c.list("pods") if p["metadata"]["name"].startswith(name + "-")]


def live(c, name="pi"):
    return [p for p in pods_of(c, name) if p.get("status", {}).get("phase") not in ("Succeeded", "Failed")
            and not p["metadata"].get("deletionTimestamp")]


def conds(c, name="pi"):
    return {x["type"]: (x["reason"], x["message"]) for x in c.get("job", name).get("status", {}).get("conditions", [])}


def test_pure_rules():
    """#pod-backoff-failure-policy: back-off 10 s, 20 s, 40 s ... capped at six minutes."""
    assert [backoff_delay(n) for n in range(1, 8)] == [10, 20, 40, 80, 160, 320, 360]
    assert wanted_active(2, 5, 4) == 1 and wanted_active(3, None, 0) == 3 and wanted_active(3, None, 1) == 0


def test_completions_and_parallelism():
    """#parallel-jobs: completions 3, parallelism 2 -> at most 2 at a time until 3 succeed."""
    c = make_cluster()
    c.apply(job(completions=3, parallelism=2))
    c.run(1)
    pods = live(c)
    assert len(pods) == 2
    p = pods[0]
    assert p["metadata"]["labels"]["batch.kubernetes.io/job-name"] == "pi"
    assert p["metadata"]["labels"]["batch.kubernetes.io/controller-uid"] == c.get("job", "pi")["metadata"]["uid"]
    assert "batch.kubernetes.io/job-tracking" in p["metadata"]["finalizers"]
    for p in pods:
        run_pod(c, p, phase="Succeeded", ready=False)
    c.run(1)
    st = c.get("job", "pi")["status"]
    assert st["succeeded"] == 2 and st["active"] == 1 and st["ready"] == 0
    assert all("finalizers" not in p["metadata"] for p in pods_of(c) if p.get("status", {}).get("phase") == "Succeeded")
    run_pod(c, live(c)[0], phase="Succeeded", ready=False)
    c.run(1)
    st = c.get("job", "pi")["status"]
    assert st["succeeded"] == 3 and "active" not in st and st["completionTime"]
    assert conds(c) == {"SuccessCriteriaMet": ("CompletionsReached", "Reached expected number of succeeded pods"),
                        "Complete": ("CompletionsReached", "Reached expected number of succeeded pods")}
    assert ("Completed", "Job completed") in {(e["reason"], e["message"]) for e in c.events()}


def test_backoff_limit_with_back_off_between_retries():
    """#pod-backoff-failure-policy: restartPolicy Never, backoffLimit 2: replacements after 10 s then 20 s;
    the third failure exceeds the limit -> FailureTarget, then Failed BackoffLimitExceeded."""
    c = make_cluster()
    c.apply(job(backoff=2))
    c.run(1)
    created = []
    for expected_wait in (10, 20):
        (p,) = live(c)
        run_pod(c, p, phase="Failed", ready=False)
        t_fail = c.now
        c.run(expected_wait - 0.5)
        assert live(c) == []
        c.run(1)
        assert len(live(c)) == 1
        created.append(c.now - t_fail)
    (p,) = live(c)
    run_pod(c, p, phase="Failed", ready=False)
    c.run(1)
    st = c.get("job", "pi")["status"]
    assert st["failed"] == 3
    assert conds(c)["Failed"] == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")
    assert conds(c)["FailureTarget"] == ("BackoffLimitExceeded", "Job has reached the specified backoff limit")


def test_active_deadline_seconds_kills_running_pods():
    """#job-termination-and-cleanup: activeDeadlineSeconds -> Failed, reason DeadlineExceeded."""
    c = make_cluster()
    c.apply(job(activeDeadlineSeconds=30))
    c.run(1)
    run_pod(c, live(c)[0])
    c.run(28.5)
    assert "Failed" not in conds(c)
    c.run(1)
    assert conds(c)["FailureTarget"] == ("DeadlineExceeded", "Job was active longer than specified deadline")
    finish_deleting(c)
    c.run(1)
    assert conds(c)["Failed"] == ("DeadlineExceeded", "Job was active longer than specified deadline")


def test_on_failure_counts_container_restarts():
    """restartPolicy OnFailure: the kubelet restarts containers; restarts count towards backoffLimit."""
    c = make_cluster()
    c.apply(job(backoff=2, restart="OnFailure"))
    c.run(1)
    (p,) = live(c)
    run_pod(c, p)
    p = c.get("pod", p["metadata"]["name"])
    p["status"]["containerStatuses"] = [{"name": "pi", "restartCount": 2, "ready": False}]
    c.apiserver.update("pods", p, "default", subresource="status")
    c.run(1)
    assert conds(c)["FailureTarget"][0] == "BackoffLimitExceeded"


def test_ttl_seconds_after_finished_deletes_the_job():
    """ttlSecondsAfterFinished: 100 -> the Job (and its pods) are deleted 100 s after it completes."""
    c = make_cluster()
    c.apply(job(ttlSecondsAfterFinished=100))
    c.run(1)
    run_pod(c, live(c)[0], phase="Succeeded", ready=False)
    c.run(1)
    assert "Complete" in conds(c)
    c.run(98)
    assert c.list("jobs")
    c.run(1.5)
    finish_deleting(c)
    c.run(1)
    assert c.list("jobs") == []


def test_suspend_deletes_active_pods_and_resume_recreates_them():
    """#suspending-a-job: suspend: true terminates active pods; condition Suspended (JobSuspended);
    resuming sets it False (JobResumed) and creates pods again."""
    c = make_cluster()
    c.apply(job(completions=2, parallelism=2))
    c.run(1)
    assert len(live(c)) == 2
    c.apiserver.patch("jobs", "pi", {"spec": {"suspend": True}}, "default")
    c.run(1)
    assert live(c) == []
    cond = [x for x in c.get("job", "pi")["status"]["conditions"] if x["type"] == "Suspended"][0]
    assert (cond["status"], cond["reason"], cond["message"]) == ("True", "JobSuspended", "Job suspended")
    c.apiserver.patch("jobs", "pi", {"spec": {"suspend": False}}, "default")
    c.run(1)
    assert len(live(c)) == 2
    cond = [x for x in c.get("job", "pi")["status"]["conditions"] if x["type"] == "Suspended"][0]
    assert (cond["status"], cond["reason"]) == ("False", "JobResumed")


def test_end_to_end_job_runs_to_completion_on_real_kubelets():
    """With the scheduler and kubelets: completions 3, parallelism 2; kubectl shows 3/3."""
    from minik8s import Cluster
    c = Cluster(nodes=2, seed=4)
    m = job(completions=3, parallelism=2)
    m["spec"]["template"]["spec"]["containers"][0].update(image="busybox:1.36", command=["sh", "-c", "sleep 5"])
    c.apply(m)
    c.run_until(lambda c: "Complete" in conds(c), timeout=120)
    st = c.get("job", "pi")["status"]
    assert st["succeeded"] == 3 and st.get("failed", 0) == 0
    assert all("finalizers" not in p["metadata"] for p in pods_of(c))
    out = c.kubectl("get jobs")
    assert "3/3" in out and "Complete" in out


def test_indexed_completion_mode():
    """#completion-mode: Indexed — pods <job>-<index>-<random> with the completion index annotation,
    label, hostname and JOB_COMPLETION_INDEX; status.completedIndexes compresses runs of three."""
    from minik8s.controllers.job import format_indexes, parse_indexes
    assert format_indexes([1, 3, 4, 5, 7]) == "1,3-5,7" and format_indexes([0, 1]) == "0,1"
    assert parse_indexes("1,3-5,7") == {1, 3, 4, 5, 7}
    c = make_cluster()
    c.apply(job(completions=3, parallelism=2, completionMode="Indexed"))
    c.run(1)
    pods = sorted(live(c), key=lambda p: p["metadata"]["name"])
    assert [p["metadata"]["annotations"]["batch.kubernetes.io/job-completion-index"] for p in pods] == ["0", "1"]
    assert pods[0]["metadata"]["name"].startswith("pi-0-") and pods[0]["spec"]["hostname"] == "pi-0"
    env = pods[0]["spec"]["containers"][0]["env"]
    assert env[-1]["name"] == "JOB_COMPLETION_INDEX"
    run_pod(c, pods[1], phase="Succeeded", ready=False)
    c.run(1)
    st = c.get("job", "pi")["status"]
    assert st["completedIndexes"] == "1" and st["succeeded"] == 1
    (new,) = [p for p in live(c) if p["metadata"]["name"].startswith("pi-2-")]
    for p in live(c):
        run_pod(c, p, phase="Succeeded", ready=False)
    c.run(1)
    st = c.get("job", "pi")["status"]
    assert st["completedIndexes"] == "0-2" and st["succeeded"] == 3 and "Complete" in conds(c)


def _fail_with(c, pod, code):
    run_pod(c, pod, phase="Failed", ready=False)
    p = c.get("pod", pod["metadata"]["name"])
    p["status"]["containerStatuses"][0]["state"]["terminated"]["exitCode"] = code
    c.apiserver.update("pods", p, "default", subresource="status")


def test_pod_failure_policy_fail_job_and_ignore():
    """#pod-failure-policy: exit code 42 -> FailJob at once; a DisruptionTarget pod -> Ignore (not counted)."""
    policy = {"rules": [
        {"action": "FailJob", "onExitCodes": {"containerName": "pi", "operator": "In", "values": [42]}},
        {"action": "Ignore", "onPodConditions": [{"type": "DisruptionTarget"}]}]}
    c = make_cluster()
    c.apply(job(backoff=6, podFailurePolicy=policy))
    c.run(1)
    (p,) = live(c)
    run_pod(c, p, phase="Failed", ready=False)
    q = c.get("pod", p["metadata"]["name"])
    q["status"]["conditions"].append({"type": "DisruptionTarget", "status": "True", "reason": "EvictionByEvictionAPI"})
    c.apiserver.update("pods", q, "default", subresource="status")
    c.run(1)
    assert "failed" not in c.get("job", "pi")["status"] and len(live(c)) == 1
    (p,) = live(c)
    _fail_with(c, p, 42)
    c.run(1)
    reason, msg = conds(c)["Failed"]
    assert reason == "PodFailurePolicy"
    assert msg == (f"Container pi for pod default/{p['metadata']['name']} failed with exit code 42 "
                   f"matching FailJob rule at index 0")
