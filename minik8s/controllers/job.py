"""The Job controller: run pods until enough of them succeed.

https://kubernetes.io/docs/concepts/workloads/controllers/job/ — the real one is
``pkg/controller/job/job_controller.go``. One reconcile of a (non-indexed) Job:

* count its pods: **active** (not finished, not being deleted), **succeeded**, **failed**.
  Each pod carries the ``batch.kubernetes.io/job-tracking`` finalizer until the controller
  has counted it in ``status.succeeded``/``status.failed``;
* finished? ``succeeded >= completions`` -> ``SuccessCriteriaMet`` then ``Complete``;
  ``failed > backoffLimit`` (Never) or container restarts reaching ``backoffLimit``
  (OnFailure) -> ``FailureTarget`` then ``Failed`` reason ``BackoffLimitExceeded``;
  running longer than ``activeDeadlineSeconds`` -> ``DeadlineExceeded``. A failing Job
  deletes its active pods first;
* otherwise keep ``min(parallelism, completions - succeeded)`` pods active, creating new
  ones after the pod failure back-off (10 s, 20 s, 40 s, ... capped at 6 min)
  (https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-backoff-failure-policy).

``completionMode: Indexed`` gives each pod an index (``<job>-<index>-<random>``, the
``batch.kubernetes.io/job-completion-index`` annotation, ``JOB_COMPLETION_INDEX``) and the Job
completes when every index has succeeded; ``podFailurePolicy`` rules can fail the Job at once
or ignore a failure; ``suspend`` removes the active pods until the Job is resumed.
"""

from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import clone, key_of, owner_reference, parse_time, rfc3339
from ..component import Component, Result
from .. import params as P
from .podutil import PodIndex, resync_later, is_pod_ready, rank_pods_for_deletion, template_pod


def backoff_delay(failures: int) -> float:
    """Delay before a new pod after ``failures`` consecutive failures: 10 s doubling, capped 6 min."""
    if failures <= 0:
        return 0.0
    return min(P.JOB_BACKOFF_BASE * 2 ** (failures - 1), P.JOB_BACKOFF_MAX)


def wanted_active(parallelism: int, completions: int | None, succeeded: int) -> int:
    """How many pods should be running now (NonIndexed completion mode)."""
    if completions is None:          # work queue: once one succeeded, start no more
        return 0 if succeeded > 0 else parallelism
    return max(0, min(parallelism, completions - succeeded))


COMPLETION_INDEX = "batch.kubernetes.io/job-completion-index"


def format_indexes(indexes) -> str:
    """status.completedIndexes: sorted, three or more consecutive numbers as ``first-last``
    (1, 3, 4, 5, 7 -> ``"1,3-5,7"``)."""
    out, run = [], []
    for i in sorted(set(indexes)):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
        run = [i]
    if run:
        out.append(f"{run[0]}-{run[-1]}" if len(run) >= 3 else ",".join(map(str, run)))
    return ",".join(out)


def parse_indexes(text: str | None) -> set[int]:
    out: set[int] = set()
    for part in (text or "").split(","):
        if "-" in part:
            a, b = part.split("-", 1)
            out.update(range(int(a), int(b) + 1))
        elif part:
            out.add(int(part))
    return out


def _index_of(pod: dict) -> int | None:
    v = (pod["metadata"].get("annotations") or {}).get(COMPLETION_INDEX)
    return int(v) if v is not None and v.isdigit() else None


def match_pod_failure_policy(policy: dict | None, pod: dict) -> tuple[str, str] | None:
    """The first podFailurePolicy rule a failed pod matches: (action, message), or None.

    https://kubernetes.io/docs/concepts/workloads/controllers/job/#pod-failure-policy :
    ``onExitCodes`` (In/NotIn, optionally one container) or ``onPodConditions``; actions
    FailJob, Ignore (not counted against backoffLimit), Count, FailIndex.
    """
    st = pod.get("status") or {}
    md = pod["metadata"]
    for i, rule in enumerate((policy or {}).get("rules") or []):
        codes = rule.get("onExitCodes")
        if codes:
            for cs in (st.get("initContainerStatuses") or []) + (st.get("containerStatuses") or []):
                if codes.get("containerName") and codes["containerName"] != cs.get("name"):
                    continue
                code = ((cs.get("state") or {}).get("terminated") or {}).get("exitCode")
                if code is None or code == 0:
                    continue
                hit = code in codes.get("values", []) if codes.get("operator") == "In" else \
                    code not in codes.get("values", [])
                if hit:
                    return rule["action"], (f"Container {cs['name']} for pod {md['namespace']}/{md['name']} "
                                            f"failed with exit code {code} matching {rule['action']} rule at index {i}")
        for pc in rule.get("onPodConditions") or []:
            for c in st.get("conditions") or []:
                if c.get("type") == pc.get("type") and c.get("status") == pc.get("status", "True"):
                    return rule["action"], (f"Pod {md['namespace']}/{md['name']} has condition {c['type']} "
                                            f"matching {rule['action']} rule at index {i}")
    return None


def _phase(pod: dict) -> str | None:
    """The pod's phase; a deleted pod whose kubelet is done with it (grace 0) counts as Failed."""
    ph = (pod.get("status") or {}).get("phase")
    md = pod["metadata"]
    if ph not in ("Succeeded", "Failed") and md.get("deletionTimestamp") and not md.get("deletionGracePeriodSeconds"):
        return "Failed"
    return ph


def _cond(job: dict, type_: str) -> dict | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c["type"] == type_ and c["status"] == "True":
            return c
    return None


def job_finished(job: dict) -> str | None:
    """"Complete", "Failed" or None."""
    for t in ("Complete", "Failed"):
        if _cond(job, t):
            return t
    return None


class JobController(Component):
    name = "job-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers and indexes outlive a restart
            self.index = PodIndex()
            self.counted: dict[str, set[str]] = {}       # job uid -> pod uids already counted
            self.last_failure: dict[str, float] = {}     # job key -> when the last failure was seen
            self.jobs = self.informer("jobs", self.enqueue_obj)
            self.pods = self.informer("pods", self.on_pod)
        resync_later(self, self.jobs)

    def on_pod(self, typ, pod, old) -> None:
        self.index.update(typ, pod)
        for ref in pod["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "Job":
                key = f"{pod['metadata']['namespace']}/{ref['name']}"
                raw = (pod.get("status") or {}).get("phase")
                if raw == "Failed" and not (old and (old.get("status") or {}).get("phase") == "Failed"):
                    self.last_failure[key] = self.clock.now
                self.enqueue(key)

    def reconcile(self, key: str) -> Result | None:
        cached = self.jobs.get(key)
        if cached is None:
            self.last_failure.pop(key, None)
            return None
        job = clone(cached)
        ns, name, uid = job["metadata"]["namespace"], job["metadata"]["name"], job["metadata"]["uid"]
        spec = job["spec"]
        pods = self.index.owned(uid)
        now = self.clock.now
        st = job.setdefault("status", {})
        old_status = clone(st)
        counted = self.counted.setdefault(uid, set())
        # 1. count finished pods once, then release them (remove the tracking finalizer).
        newly = []
        for p in pods:
            ph = _phase(p)
            if ph in ("Succeeded", "Failed") and P.JOB_TRACKING_FINALIZER in (p["metadata"].get("finalizers") or []):
                if p["metadata"]["uid"] not in counted:
                    counted.add(p["metadata"]["uid"])
                    match = match_pod_failure_policy(spec.get("podFailurePolicy"), p) if ph == "Failed" else None
                    if match and match[0] == "Ignore":
                        self.observe(f"pod {p['metadata']['name']} failed; podFailurePolicy: Ignore")
                        newly.append(p)
                        continue
                    if match and match[0] in ("FailJob", "FailIndex") and not _cond(job, "FailureTarget"):
                        self.diff(match[1])
                        self._set_condition(st, "FailureTarget", "PodFailurePolicy", match[1])
                        self.event(job, "Warning", "PodFailurePolicy", match[1])
                    st["succeeded" if ph == "Succeeded" else "failed"] = \
                        st.get("succeeded" if ph == "Succeeded" else "failed", 0) + 1
                newly.append(p)
        active = [p for p in pods if _phase(p) not in ("Succeeded", "Failed")
                  and not p["metadata"].get("deletionTimestamp")]
        terminating = [p for p in pods if p["metadata"].get("deletionTimestamp")
                       and _phase(p) not in ("Succeeded", "Failed")]
        indexed = spec.get("completionMode") == "Indexed"
        if indexed:
            # https://kubernetes.io/docs/concepts/workloads/controllers/job/#completion-mode :
            # each index 0..completions-1 must succeed once; succeeded counts indexes.
            done_idx = parse_indexes(st.get("completedIndexes"))
            done_idx |= {_index_of(p) for p in pods if _phase(p) == "Succeeded" and _index_of(p) is not None
                         and _index_of(p) < (spec.get("completions") or 0)}
            st["completedIndexes"] = format_indexes(done_idx)
            if not st["completedIndexes"]:
                st.pop("completedIndexes")
            st["succeeded"] = len(done_idx)
        succeeded, failed = st.get("succeeded", 0), st.get("failed", 0)
        completions = spec.get("completions")
        parallelism = spec.get("parallelism", 1)
        backoff_limit = spec.get("backoffLimit", P.JOB_BACKOFF_LIMIT)
        self.observe(f"Job {name}: {len(active)} active, {succeeded} succeeded, {failed} failed")
        if job_finished(job):
            self._write(job, st, old_status, active, newly)
            return None
        if not st.get("startTime") and not spec.get("suspend"):
            st["startTime"] = rfc3339(now)
        # 2. has it finished?
        finish = None
        if _cond(job, "SuccessCriteriaMet"):
            finish = ("Complete",)
        elif _cond(job, "FailureTarget") or _cond({"status": st}, "FailureTarget"):
            c = _cond(job, "FailureTarget") or _cond({"status": st}, "FailureTarget")
            finish = ("Failed", c["reason"], c["message"])
        else:
            restarts = 0
            if spec["template"]["spec"].get("restartPolicy") == "OnFailure":
                for p in active:
                    s = p.get("status") or {}
                    restarts += sum(x.get("restartCount", 0) for x in (s.get("containerStatuses") or [])
                                    + (s.get("initContainerStatuses") or []))
            deadline = spec.get("activeDeadlineSeconds")
            started = parse_time(st.get("startTime"))
            done = (completions is not None and succeeded >= completions) or \
                   (completions is None and succeeded > 0 and not active)
            if done:
                self.diff(f"{succeeded} pod(s) succeeded: the Job is complete")
                self._set_condition(st, "SuccessCriteriaMet", "CompletionsReached",
                                    "Reached expected number of succeeded pods")
                finish = ("Complete",)
            elif failed > backoff_limit or (restarts and (restarts >= backoff_limit if backoff_limit else True)):
                self.diff(f"{failed} failure(s) with backoffLimit {backoff_limit}: the Job fails")
                finish = ("Failed", "BackoffLimitExceeded", "Job has reached the specified backoff limit")
                self._set_condition(st, "FailureTarget", *finish[1:])
            elif deadline is not None and started is not None and now - started >= deadline:
                self.diff(f"active for {now - started:g}s, activeDeadlineSeconds {deadline}: the Job fails")
                finish = ("Failed", "DeadlineExceeded", "Job was active longer than specified deadline")
                self._set_condition(st, "FailureTarget", *finish[1:])
        if finish is not None:
            deleted_any = False
            if finish[0] == "Failed":
                for p in active:
                    self._delete_pod(job, p)
                deleted_any, active = bool(active), []
            if not terminating and not deleted_any:
                if finish[0] == "Complete":
                    self._set_condition(st, "Complete", "CompletionsReached",
                                        "Reached expected number of succeeded pods")
                    st["completionTime"] = rfc3339(now)
                    self.event(job, "Normal", "Completed", "Job completed")
                else:
                    self._set_condition(st, "Failed", finish[1], finish[2])
                    self.event(job, "Warning", finish[1], finish[2])
            self._write(job, st, old_status, active, newly)
            return None if job_finished({"status": st}) else Result(requeue_after=1.0)
        # 3. suspended (https://kubernetes.io/docs/concepts/workloads/controllers/job/#suspending-a-job):
        #    no pods; resumed: the clock for activeDeadlineSeconds starts again.
        suspended = bool(spec.get("suspend"))
        cur = next((c for c in st.get("conditions") or [] if c["type"] == "Suspended"), None)
        if suspended and not (cur and cur["status"] == "True"):
            self.diff("spec.suspend is true: suspend the Job")
            self._set_condition(st, "Suspended", "JobSuspended", "Job suspended")
            st.pop("startTime", None)
            self.event(job, "Normal", "Suspended", "Job suspended")
        elif not suspended and cur and cur["status"] == "True":
            self.diff("spec.suspend is false: resume the Job")
            self._set_condition(st, "Suspended", "JobResumed", "Job resumed", status="False")
            st["startTime"] = rfc3339(now)
            self.event(job, "Normal", "Resumed", "Job resumed")
        # 4. keep the right number of pods active.
        want = 0 if suspended else wanted_active(parallelism, completions, succeeded)
        result = None
        if len(active) < want:
            wait = self._backoff_left(key, failed)
            if wait > 0:
                self.observe(f"pod failure back-off: {wait:g}s left")
                result = Result(requeue_after=wait)
            else:
                n = want - len(active)
                self.diff(f"want {want} active pod(s), have {len(active)}: create {n}")
                if indexed:
                    busy = {_index_of(p) for p in active} | done_idx
                    free = [i for i in range(completions or 0) if i not in busy][:n]
                    for i in free:
                        active.append(self._create_pod(job, i))
                else:
                    for _ in range(n):
                        active.append(self._create_pod(job))
        elif len(active) > want:
            extra = rank_pods_for_deletion(active, active, now)[: len(active) - want]
            self.diff(f"want {want} active pod(s), have {len(active)}: delete {len(extra)}")
            for p in extra:
                # Pods the controller removes (suspend, lower parallelism) are not failures:
                # their tracking finalizer goes first, so they are never counted.
                self._delete_pod(job, p, release=True)
                active.remove(p)
        deadline = spec.get("activeDeadlineSeconds")
        if deadline is not None and st.get("startTime"):
            left = parse_time(st["startTime"]) + deadline - now
            if result is None or left < result.requeue_after:
                result = Result(requeue_after=max(left, 0.001))
        self._write(job, st, old_status, active, newly)
        return result

    def _backoff_left(self, key: str, failed: int) -> float:
        last = self.last_failure.get(key)
        if not failed or last is None:
            return 0.0
        return max(0.0, last + backoff_delay(failed) - self.clock.now)

    def _set_condition(self, st: dict, type_: str, reason: str, message: str, status: str = "True") -> None:
        ts = rfc3339(self.clock.now)
        conds = [c for c in st.get("conditions") or [] if c["type"] != type_]
        conds.append({"type": type_, "status": status, "lastProbeTime": ts, "lastTransitionTime": ts,
                      "reason": reason, "message": message})
        st["conditions"] = conds

    def _create_pod(self, job: dict, index: int | None = None) -> dict:
        ns, name, uid = job["metadata"]["namespace"], job["metadata"]["name"], job["metadata"]["uid"]
        labels = {P.JOB_CONTROLLER_UID_LABEL: uid, P.JOB_NAME_LABEL: name, "controller-uid": uid, "job-name": name}
        prefix = f"{name}-"
        if index is not None:
            labels[COMPLETION_INDEX] = str(index)
            prefix = f"{name}-{index}-"
        pod = template_pod(job["spec"]["template"], prefix, ns, owner_reference(job), labels)
        if index is not None:
            # The index as an annotation, the JOB_COMPLETION_INDEX variable and the hostname.
            pod["metadata"].setdefault("annotations", {})[COMPLETION_INDEX] = str(index)
            pod["spec"]["hostname"] = f"{name}-{index}"
            for cont in pod["spec"].get("containers") or []:
                env = cont.setdefault("env", [])
                if not any(e.get("name") == "JOB_COMPLETION_INDEX" for e in env):
                    env.append({"name": "JOB_COMPLETION_INDEX", "valueFrom": {"fieldRef": {
                        "apiVersion": "v1", "fieldPath": f"metadata.annotations['{COMPLETION_INDEX}']"}}})
        pod["metadata"]["finalizers"] = sorted(set(pod["metadata"].get("finalizers") or [])
                                               | {P.JOB_TRACKING_FINALIZER})
        try:
            out = self.api.create("pods", pod, ns)
        except errors.ApiError as e:
            self.event(job, "Warning", "FailedCreate", f"Error creating: {e.message}")
            raise
        self.event(job, "Normal", "SuccessfulCreate", f"Created pod: {out['metadata']['name']}")
        return out

    def _delete_pod(self, job: dict, pod: dict, release: bool = False) -> None:
        try:
            if release and P.JOB_TRACKING_FINALIZER in (pod["metadata"].get("finalizers") or []):
                fins = [f for f in pod["metadata"]["finalizers"] if f != P.JOB_TRACKING_FINALIZER]
                self.api.patch("pods", pod["metadata"]["name"], {"metadata": {"finalizers": fins or None}},
                               pod["metadata"]["namespace"])
            self.api.delete("pods", pod["metadata"]["name"], pod["metadata"]["namespace"])
        except errors.ApiError as e:
            if e.code != 404:
                raise
            return
        self.event(job, "Normal", "SuccessfulDelete", f"Deleted pod: {pod['metadata']['name']}")

    def _write(self, job: dict, st: dict, old_status: dict, active: list[dict], newly: list[dict]) -> None:
        st["active"] = len(active)
        st["ready"] = sum(1 for p in active if is_pod_ready(p))
        st["terminating"] = sum(1 for p in self.index.owned(job["metadata"]["uid"])
                                if p["metadata"].get("deletionTimestamp") and _phase(p) not in ("Succeeded", "Failed"))
        for k in ("active", "succeeded", "failed"):
            if not st.get(k):
                st.pop(k, None)
        if st != old_status:
            job["status"] = st
            self.api.update("jobs", job, job["metadata"]["namespace"], subresource="status")
        # Counted: release the pods (remove the job-tracking finalizer).
        for p in newly:
            fins = [f for f in p["metadata"].get("finalizers") or [] if f != P.JOB_TRACKING_FINALIZER]
            try:
                self.api.patch("pods", p["metadata"]["name"], {"metadata": {"finalizers": fins or None}},
                               p["metadata"]["namespace"])
            except errors.ApiError as e:
                if e.code != 404:
                    raise
