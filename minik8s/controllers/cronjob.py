"""The CronJob controller: create Jobs on a schedule.

https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ — the real one is
``pkg/controller/cronjob/cronjob_controllerv2.go``. One reconcile of a CronJob:

* update ``status.active`` from its Jobs (a finished one leaves it: ``SawCompletedJob``)
  and ``status.lastSuccessfulTime``;
* unless suspended, find the most recent schedule time not yet run (since
  ``lastScheduleTime``, or creation); too late for ``startingDeadlineSeconds`` ->
  ``MissSchedule``; ``concurrencyPolicy: Forbid`` with a Job still active -> skip
  (``JobAlreadyActive``); ``Replace`` -> delete the active Jobs first;
* create the Job ``<cronjob>-<scheduled time in minutes since the Unix epoch>`` and set
  ``lastScheduleTime``;
* keep ``successfulJobsHistoryLimit`` (3) succeeded and ``failedJobsHistoryLimit`` (1)
  failed Jobs, deleting older ones;
* look again 100 ms after the next schedule time.

Times are on the virtual clock, whose t=0 is 2025-01-01T00:00:00Z (``api.meta.EPOCH``);
``spec.timeZone`` (an IANA name) sets the zone the schedule is read in (default UTC).
"""

from __future__ import annotations

import datetime

from .. import errors
from ..api.meta import EPOCH, clone, key_of, owner_reference, parse_time, rfc3339
from ..component import Component, Result
from .. import params as P
from .cronschedule import CronError, parse_schedule
from .job import job_finished
from .podutil import resync_later

UNIX_EPOCH_OFFSET = int(EPOCH.timestamp())


def job_name(cronjob_name: str, scheduled: float) -> str:
    """getJobName: ``<cronjob>-<scheduled time in minutes since the Unix epoch>``."""
    return f"{cronjob_name}-{(UNIX_EPOCH_OFFSET + int(scheduled)) // 60}"


def _zone(name: str | None):
    if not name:
        return datetime.timezone.utc
    from zoneinfo import ZoneInfo
    return ZoneInfo(name)


def to_datetime(t: float, tz) -> datetime.datetime:
    return (EPOCH + datetime.timedelta(seconds=t)).astimezone(tz)


def to_virtual(dt: datetime.datetime) -> float:
    return (dt - EPOCH).total_seconds()


def schedule_times(schedule, earliest: float, now: float, tz, limit: int = 101) -> list[float]:
    """Schedule times in (earliest, now], oldest first, at most ``limit`` of them (the last ones kept)."""
    out = []
    t = schedule.next(to_datetime(earliest, tz))
    while to_virtual(t) <= now:
        out.append(to_virtual(t))
        if len(out) > limit:
            out.pop(0)
        t = schedule.next(t)
    return out


class CronJobController(Component):
    name = "cronjob-controller"

    def setup(self) -> None:
        if not self.informers:
            self.cronjobs = self.informer("cronjobs", self.enqueue_obj)
            self.jobs = self.informer("jobs", self.on_job)
        resync_later(self, self.cronjobs)

    def on_job(self, typ, job, old) -> None:
        for ref in job["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "CronJob":
                self.enqueue(f"{job['metadata']['namespace']}/{ref['name']}")

    def _jobs_of(self, cj: dict) -> list[dict]:
        uid = cj["metadata"]["uid"]
        return [j for j in self.jobs.list(cj["metadata"]["namespace"])
                if any(r.get("uid") == uid and r.get("controller") for r in j["metadata"].get("ownerReferences") or [])]

    def reconcile(self, key: str):
        cached = self.cronjobs.get(key)
        if cached is None:
            return None
        cj = clone(cached)
        ns, name = cj["metadata"]["namespace"], cj["metadata"]["name"]
        spec, st = cj["spec"], cj.setdefault("status", {})
        old_status = clone(st)
        now = self.clock.now
        jobs = self._jobs_of(cj)
        active = {a["uid"]: a for a in st.get("active") or []}
        by_uid = {j["metadata"]["uid"]: j for j in jobs}
        for j in jobs:
            uid = j["metadata"]["uid"]
            fin = job_finished(j)
            if uid in active and fin:
                del active[uid]
                self.event(cj, "Normal", "SawCompletedJob",
                           f"Saw completed job: {j['metadata']['name']}, condition: {fin}")
            elif uid not in active and not fin:
                active[uid] = self._ref(j)
            if fin == "Complete":
                done = (j.get("status") or {}).get("completionTime")
                if done and (not st.get("lastSuccessfulTime") or parse_time(st["lastSuccessfulTime"]) < parse_time(done)):
                    st["lastSuccessfulTime"] = done
        for uid in sorted(active):
            if uid not in by_uid:
                self.event(cj, "Normal", "MissingJob", f"Active job went missing: {active[uid]['name']}")
                del active[uid]
        self.observe(f"CronJob {name}: {len(active)} active Job(s)")
        result = None
        if not cj["metadata"].get("deletionTimestamp") and not spec.get("suspend"):
            result = self.maybe_start(cj, st, active, now)
        st["active"] = sorted(active.values(), key=lambda a: a["name"]) or None
        if st["active"] is None:
            st.pop("active")
        if st != old_status:
            cj["status"] = st
            self.api.update("cronjobs", cj, ns, subresource="status")
        self.cleanup_finished(cj)
        return result

    @staticmethod
    def _ref(job: dict) -> dict:
        md = job["metadata"]
        return {"apiVersion": "batch/v1", "kind": "Job", "name": md["name"], "namespace": md["namespace"],
                "resourceVersion": md.get("resourceVersion"), "uid": md["uid"]}

    def maybe_start(self, cj: dict, st: dict, active: dict, now: float) -> Result | None:
        spec, name, ns = cj["spec"], cj["metadata"]["name"], cj["metadata"]["namespace"]
        try:
            tz = _zone(spec.get("timeZone"))
        except Exception:   # noqa: BLE001 - zoneinfo raises several kinds
            self.event(cj, "Warning", "UnknownTimeZone", f"invalid timeZone: {spec.get('timeZone')!r}")
            return None
        try:
            sched = parse_schedule(spec["schedule"])
        except CronError as e:
            self.event(cj, "Warning", "UnparseableSchedule",
                       f"unparseable schedule: {spec['schedule']!r} : {e}")
            return None
        earliest = parse_time(st.get("lastScheduleTime")) or parse_time(cj["metadata"]["creationTimestamp"]) or 0
        deadline = spec.get("startingDeadlineSeconds")
        if deadline is not None:
            earliest = max(earliest, now - deadline)
        times = schedule_times(sched, earliest, now, tz)
        next_run = to_virtual(sched.next(to_datetime(now, tz)))
        requeue = Result(requeue_after=next_run - now + P.CRONJOB_NEXT_SCHEDULE_DELTA)
        if not times:
            return requeue
        if len(times) > P.CRONJOB_MAX_MISSED:
            self.event(cj, "Warning", "TooManyMissedTimes",
                       f"too many missed start times: {len(times)}. Set or decrease .spec.startingDeadlineSeconds "
                       f"or check clock skew")
        scheduled = times[-1]
        if deadline is not None and scheduled + deadline < now:
            self.event(cj, "Warning", "MissSchedule", "Missed scheduled time to start a job: "
                       + to_datetime(scheduled, datetime.timezone.utc).strftime("%a, %d %b %Y %H:%M:%S +0000"))
            return requeue
        jname = job_name(name, scheduled)
        if any(a["name"] == jname for a in active.values()) or st.get("lastScheduleTime") == rfc3339(scheduled):
            return requeue
        policy = spec.get("concurrencyPolicy", "Allow")
        if policy == "Forbid" and active:
            self.observe("a Job is still active and concurrencyPolicy is Forbid")
            self.event(cj, "Normal", "JobAlreadyActive",
                       "Not starting job because prior execution is running and concurrency policy is Forbid")
            return requeue
        if policy == "Replace":
            for uid in sorted(active):
                self.diff(f"concurrencyPolicy Replace: delete active Job {active[uid]['name']}")
                self._delete_job(cj, active[uid]["name"])
                del active[uid]
        tmpl = clone(spec.get("jobTemplate") or {})
        md = tmpl.get("metadata") or {}
        ann = dict(md.get("annotations") or {})
        ann[P.CRONJOB_SCHEDULED_TIMESTAMP_ANNOTATION] = to_datetime(scheduled, tz).isoformat().replace("+00:00", "Z")
        job = {"apiVersion": "batch/v1", "kind": "Job",
               "metadata": {"name": jname, "namespace": ns, "labels": dict(md.get("labels") or {}),
                            "annotations": ann, "ownerReferences": [owner_reference(cj)]},
               "spec": tmpl.get("spec") or {}}
        if not job["metadata"]["labels"]:
            job["metadata"].pop("labels")
        self.diff(f"schedule time {rfc3339(scheduled)} has no Job: create {jname}")
        try:
            out = self.api.create("jobs", job, ns)
        except errors.ApiError as e:
            if e.code == 409:
                out = self.api.get("jobs", jname, ns)
            else:
                self.event(cj, "Warning", "FailedCreate", f"Error creating job: {e.message}")
                raise
        else:
            self.event(cj, "Normal", "SuccessfulCreate", f"Created job {jname}")
        active[out["metadata"]["uid"]] = self._ref(out)
        st["lastScheduleTime"] = rfc3339(scheduled)
        return requeue

    def _delete_job(self, cj: dict, name: str) -> None:
        try:
            self.api.delete("jobs", name, cj["metadata"]["namespace"], propagation_policy="Background")
        except errors.ApiError as e:
            if e.code != 404:
                raise
            return
        self.event(cj, "Normal", "SuccessfulDelete", f"Deleted job {name}")

    def cleanup_finished(self, cj: dict) -> None:
        """cleanupFinishedJobs: keep the newest successfulJobsHistoryLimit / failedJobsHistoryLimit Jobs."""
        spec = cj["spec"]
        jobs = [j for j in self._jobs_of(cj) if not j["metadata"].get("deletionTimestamp")]
        for kind, limit in (("Complete", spec.get("successfulJobsHistoryLimit", P.CRONJOB_SUCCESSFUL_HISTORY)),
                            ("Failed", spec.get("failedJobsHistoryLimit", P.CRONJOB_FAILED_HISTORY))):
            if limit is None:
                continue
            done = [j for j in jobs if job_finished(j) == kind]
            if len(done) <= limit:
                continue
            done.sort(key=lambda j: (parse_time((j.get("status") or {}).get("startTime")) or float("inf"),
                                     j["metadata"]["name"]))
            for j in done[: len(done) - limit]:
                self.diff(f"{kind} Job {j['metadata']['name']} is beyond the history limit {limit}: delete it")
                self._delete_job(cj, j["metadata"]["name"])
