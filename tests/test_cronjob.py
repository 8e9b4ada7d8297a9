"""CronJob controller and the cron schedule parser.

https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/
"""

import datetime

import pytest

from minik8s.controllers.cronjob import job_name
from minik8s.controllers.cronschedule import CronError, parse_schedule

from ctrl_helpers import make_cluster, run_pod

UTC = datetime.timezone.utc


def nxt(spec, when):
    return parse_schedule(spec).next(when)


def test_schedule_syntax():
    """#schedule-syntax: five fields, ranges, steps, names, macros; dom OR dow when both restricted."""
    t = datetime.datetime(2025, 1, 1, 0, 0, tzinfo=UTC)           # a Wednesday
    assert nxt("*/15 * * * *", t) == t.replace(minute=15)
    assert nxt("@hourly", t) == t.replace(hour=1)
    assert nxt("@daily", t) == t.replace(day=2)
    assert nxt("@weekly", t) == t.replace(day=5)                   # next Sunday
    assert nxt("@monthly", t) == t.replace(month=2)
    assert nxt("@yearly", t) == t.replace(year=2026)
    assert nxt("0 0 13 * 5", t) == t.replace(day=3)                # Friday the 3rd: dom OR dow
    assert nxt("0 0 13 * *", t) == t.replace(day=13)
    assert nxt("30 9 * jan-mar mon-fri", t) == t.replace(hour=9, minute=30)
    assert nxt("0 0 * * 7", t) == t.replace(day=5)                 # 7 is Sunday too
    assert nxt("5-10/5 * * * *", t) == t.replace(minute=5)
    for bad in ("* * * *", "61 * * * *", "@every-day", "TZ=UTC * * * * *"):
        with pytest.raises(CronError):
            parse_schedule(bad)


def test_job_name_is_scheduled_minutes_since_unix_epoch():
    # 2025-01-01T00:01:00Z = 1735689660 s = 28928161 min
    assert job_name("hello", 60) == "hello-28928161"


def cronjob(name="hello", schedule="* * * * *", **spec):
    s = {"schedule": schedule,
         "jobTemplate": {"spec": {"template": {"spec": {
             "restartPolicy": "OnFailure",
             "containers": [{"name": "hello", "image": "busybox:1.28", "command": ["sh", "-c", "date"]}]}}}}}
    s.update(spec)
    return {"apiVersion": "batch/v1", "kind": "CronJob", "metadata": {"name": name}, "spec": s}


def jobs(c):
    return sorted(j["metadata"]["name"] for j in c.list("jobs"))


def succeed_all(c):
    for p in c.list("pods"):
        if p.get("status", {}).get("phase") not in ("Succeeded", "Failed"):
            run_pod(c, p, phase="Succeeded", ready=False)
    c.run(0.5)


def test_creates_a_job_each_minute_and_tracks_status():
    c = make_cluster()
    c.apply(cronjob())
    c.run(59.9)
    assert jobs(c) == []
    c.run(0.5)
    assert jobs(c) == ["hello-28928161"]
    cj = c.get("cronjob", "hello")
    assert cj["status"]["lastScheduleTime"] == "2025-01-01T00:01:00Z"
    assert [a["name"] for a in cj["status"]["active"]] == ["hello-28928161"]
    j = c.get("job", "hello-28928161")
    assert j["metadata"]["annotations"]["batch.kubernetes.io/cronjob-scheduled-timestamp"] == "2025-01-01T00:01:00Z"
    assert j["metadata"]["ownerReferences"][0]["kind"] == "CronJob"
    succeed_all(c)
    cj = c.get("cronjob", "hello")
    assert "active" not in cj["status"] and cj["status"]["lastSuccessfulTime"]
    assert any(e["reason"] == "SawCompletedJob" for e in c.events())


def test_successful_jobs_history_limit_keeps_three():
    """#jobs-history-limits: successfulJobsHistoryLimit defaults to 3."""
    c = make_cluster()
    c.apply(cronjob())
    for _ in range(5):
        c.run(60)
        succeed_all(c)
    c.run(1)
    assert len(c.list("jobs")) == 3
    assert jobs(c) == [job_name("hello", 60 * k) for k in (3, 4, 5)]


def test_forbid_skips_while_a_job_is_active():
    """#concurrency-policy: Forbid — the new run is skipped while the previous one still runs."""
    c = make_cluster()
    c.apply(cronjob(concurrencyPolicy="Forbid"))
    c.run(121)
    assert jobs(c) == ["hello-28928161"]
    assert any(e["reason"] == "JobAlreadyActive" for e in c.events())


def test_replace_deletes_the_running_job():
    """#concurrency-policy: Replace — the running Job is replaced by the new one."""
    c = make_cluster()
    c.apply(cronjob(concurrencyPolicy="Replace"))
    c.run(121)
    assert jobs(c) == ["hello-28928162"]
    assert any(e["message"] == "Deleted job hello-28928161" for e in c.events())


def test_allow_runs_concurrently():
    c = make_cluster()
    c.apply(cronjob())
    c.run(121)
    assert jobs(c) == ["hello-28928161", "hello-28928162"]


def test_suspend_and_starting_deadline():
    """#schedule-suspension and startingDeadlineSeconds: runs missed more than 10 s ago are not started."""
    c = make_cluster()
    c.apply(cronjob(suspend=True, startingDeadlineSeconds=10))
    c.run(150)
    assert jobs(c) == []
    c.apiserver.patch("cronjobs", "hello", {"spec": {"suspend": False}}, "default")
    c.run(1)
    assert jobs(c) == []
    c.run(30)
    assert jobs(c) == ["hello-28928163"]


def test_time_zone():
    """#time-zones: 0 9 * * * in Asia/Tokyo is 00:00 UTC."""
    c = make_cluster()
    c.apply(cronjob(schedule="0 9 * * *", timeZone="Asia/Tokyo"))
    c.run(86400 - 1)
    assert jobs(c) == []
    c.run(2)
    assert jobs(c) == [job_name("hello", 86400)]
