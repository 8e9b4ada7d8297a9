"""The TTL-after-finished controller: delete finished Jobs after ``ttlSecondsAfterFinished``.

https://kubernetes.io/docs/concepts/workloads/controllers/ttlafterfinished/ — the real one is
``pkg/controller/ttlafterfinished``. A Job with ``ttlSecondsAfterFinished`` that has a
``Complete`` or ``Failed`` condition is deleted (propagationPolicy Foreground, so its pods
go first) once ``finishTime + ttl`` has passed; until then the controller looks again then.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import parse_time
from ..component import Component, Result
from .podutil import resync_later


def finish_time(job: dict) -> float | None:
    for c in (job.get("status") or {}).get("conditions") or []:
        if c["type"] in ("Complete", "Failed") and c["status"] == "True":
            return parse_time(c.get("lastTransitionTime"))
    return None


class TTLAfterFinishedController(Component):
    name = "ttl-after-finished-controller"

    def setup(self) -> None:
        if not self.informers:
            self.jobs = self.informer("jobs", self.enqueue_obj)
        resync_later(self, self.jobs)

    def reconcile(self, key: str):
        job = self.jobs.get(key)
        if job is None or job["metadata"].get("deletionTimestamp"):
            return None
        ttl = job["spec"].get("ttlSecondsAfterFinished")
        finished = finish_time(job)
        if ttl is None or finished is None:
            return None
        left = finished + ttl - self.clock.now
        if left > 0:
            self.observe(f"Job {job['metadata']['name']} finished; {left:g}s of its TTL left")
            return Result(requeue_after=left)
        self.diff(f"Job {job['metadata']['name']} finished {ttl}s ago (ttlSecondsAfterFinished): delete it")
        try:
            self.api.delete("jobs", job["metadata"]["name"], job["metadata"]["namespace"],
                            propagation_policy="Foreground")
        except errors.ApiError as e:
            if e.code != 404:
                raise
        return None
