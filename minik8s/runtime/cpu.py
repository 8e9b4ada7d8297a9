"""The node's CPUs, shared by the containers' busy processes as the Linux CFS scheduler shares them.

A process computing (``yield proc.compute(cpu_seconds, threads)``) wants ``threads`` cores. What it
gets depends on two cgroup settings the kubelet writes from the pod spec
(https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#how-pods-with-resource-limits-are-run):

* the CPU *limit* becomes a quota (``cpu.max``): the container never runs more than L millicores,
  even on an idle node; the time it wanted but could not have is *throttled* time;
* the CPU *request* becomes a weight (``cpu.weight``): when the node's cores are all busy, each
  container gets a share in proportion to its weight (a container without a request has weight 1).

:class:`NodeCpu` recomputes every busy container's rate whenever a computation starts or ends
(weighted max-min fairness, capped by each container's demand and limit), and reschedules when
each computation will finish. With ``capacity=None`` the node has as many cores as anyone wants.
"""

from __future__ import annotations


def cpu_weight(request_millis: int | None) -> int:
    """cgroup v2 cpu.weight from a CPU request: shares = millis * 1024 / 1000 (at least 2, the
    kubelet's value for no request), converted as runc does: 1 + (shares - 2) * 9999 / 262142."""
    shares = max(2, (request_millis or 0) * 1024 // 1000)
    return 1 + ((shares - 2) * 9999) // 262142


def share_cpu(capacity: float | None, demands: dict, weights: dict) -> dict:
    """Millicores each container gets: ``demands[c]`` (already capped by its limit) shared out of
    ``capacity`` in proportion to ``weights[c]``, nobody above its demand (max-min fairness).

    >>> share_cpu(1000, {"a": 1000, "b": 1000}, {"a": 3, "b": 1})
    {'a': 750.0, 'b': 250.0}
    >>> share_cpu(1000, {"a": 200, "b": 1000}, {"a": 3, "b": 1})
    {'a': 200, 'b': 800.0}
    """
    if capacity is None or sum(demands.values()) <= capacity:
        return dict(demands)
    out: dict = {}
    left = float(capacity)
    active = sorted(demands)
    while active:
        total_w = sum(weights[c] for c in active)
        capped = [c for c in active if demands[c] <= left * weights[c] / total_w]
        if not capped:
            for c in active:
                out[c] = left * weights[c] / total_w
            break
        for c in capped:
            out[c] = demands[c]
            left -= demands[c]
            active.remove(c)
    return {c: out[c] for c in sorted(out)}


class Job:
    """One computation in progress: who, how much CPU time is left, and at what rate it runs."""

    def __init__(self, proc, cpu_seconds: float, threads: int, now: float):
        self.proc = proc
        self.container = proc.container
        self.remaining = cpu_seconds     # CPU-seconds left as of ``since``
        self.threads = threads
        self.rate = 0.0                  # millicores since ``since``
        self.throttled = 0.0             # fraction of wall time the quota holds it back
        self.since = now
        self.timer = None

    def settle(self, now: float) -> None:
        """Charge the CPU used since ``since`` to the job and its cgroup."""
        dt = now - self.since
        self.since = now
        if dt <= 0:
            return
        done = min(self.remaining, self.rate / 1000.0 * dt)
        self.remaining -= done
        cg = self.container.cgroup
        cg.cpu_seconds += done
        if self.throttled > 0:
            cg.throttled_seconds += dt * self.throttled
            cg.throttled_periods += dt / 0.1     # settle() runs often: keep the fractions
            cg.nr_throttled = int(cg.throttled_periods + 1e-9)


class NodeCpu:
    """The node's cores and every computation running on them."""

    def __init__(self, clock, capacity: float | None = None):
        self.clock = clock
        self.capacity = capacity         # millicores; None: unlimited (no contention)
        self.by_container: dict[str, list[Job]] = {}
        self._saturated = False

    def start(self, proc, cpu_seconds: float, threads: int) -> Job:
        job = Job(proc, cpu_seconds, threads, self.clock.now)
        self.by_container.setdefault(proc.container.id, []).append(job)
        self._rebalance(proc.container.id)
        return job

    def cancel(self, job: Job) -> None:
        jobs = self.by_container.get(job.container.id, [])
        if job in jobs:
            job.settle(self.clock.now)
            if job.timer is not None:
                job.timer.cancel()
            self._remove(job)
            self._rebalance(job.container.id)

    def account(self, cid: str) -> None:
        """Bring container ``cid``'s CPU counters up to now (they are charged lazily)."""
        for job in self.by_container.get(cid, []):
            job.settle(self.clock.now)

    def refresh(self, cid: str) -> None:
        """Container ``cid`` computes at a new speed (it started or stopped swapping)."""
        self._rebalance(cid, force=True)

    def usage(self) -> float:
        """Millicores in use on the node."""
        return sum(j.rate for jobs in self.by_container.values() for j in jobs)

    def _remove(self, job: Job) -> None:
        jobs = self.by_container[job.container.id]
        jobs.remove(job)
        if not jobs:
            del self.by_container[job.container.id]
            job.container.cgroup.running_millis = 0

    def _demand(self, cid: str) -> tuple[float, float]:
        """(what the container's busy threads want, what its limit lets them have)."""
        jobs = self.by_container[cid]
        want = sum(1000.0 * j.threads for j in jobs)
        limit = jobs[0].container.cgroup.cpu_limit
        return want, want if limit is None else min(want, float(limit))

    def _rebalance(self, changed: str, force: bool = False) -> None:
        """New rates (and finish times) after container ``changed`` started or ended a computation.

        While the node has cores to spare only that container's jobs change; once the busy
        containers want more than the node has, everyone's share is recomputed.
        """
        caps = {cid: self._demand(cid)[1] for cid in sorted(self.by_container)} if self.capacity is not None \
            else None
        saturated = caps is not None and sum(caps.values()) > self.capacity
        if saturated or self._saturated:
            weights = {cid: cpu_weight(self.by_container[cid][0].container.cpu_request) for cid in caps}
            rates = share_cpu(self.capacity, caps, weights)
            targets = sorted(rates)
        else:
            targets = [changed] if changed in self.by_container else []
            rates = {cid: self._demand(cid)[1] for cid in targets}
        self._saturated = saturated
        now = self.clock.now
        for cid in targets:
            want, capped = self._demand(cid)
            jobs = self.by_container[cid]
            slow = jobs[0].container.cgroup.slowdown()          # swapped-out memory makes it crawl
            jobs[0].container.cgroup.running_millis = rates[cid] / slow
            throttled = 1 - capped / want if capped < want else 0.0
            for job in jobs:
                rate = max(rates[cid] * 1000.0 * job.threads / want / slow, 1e-6)
                if rate == job.rate and job.timer is not None and throttled == job.throttled and not force:
                    continue
                job.settle(now)
                job.rate, job.throttled = rate, throttled
                if job.timer is not None:
                    job.timer.cancel()
                job.timer = self.clock.call_later(job.remaining * 1000.0 / rate, self._done, job)

    def _done(self, job: Job) -> None:
        job.settle(self.clock.now)
        job.timer = None
        self._remove(job)
        self._rebalance(job.container.id)
        job.proc._compute_done()
