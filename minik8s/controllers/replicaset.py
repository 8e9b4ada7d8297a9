"""The ReplicaSet controller: keep ``spec.replicas`` pods matching a selector.

https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/ — the real one is
``pkg/controller/replicaset/replica_set.go`` in kube-controller-manager. One reconcile:

1. **claim** pods: keep the pods it controls whose labels still match its selector,
   *release* the ones that stopped matching (remove the ownerReference) and *adopt*
   orphans that match (add an ownerReference with ``controller: true``);
2. **manage** replicas: too few active pods -> create the difference (at most
   ``BURST_REPLICAS``, in slow-start batches 1, 2, 4, ...); too many -> delete the
   ones :func:`~minik8s.controllers.podutil.rank_pods_for_deletion` ranks first;
3. write **status**: replicas, fullyLabeledReplicas, readyReplicas, availableReplicas
   (ready for ``minReadySeconds``), observedGeneration.

*Expectations* remember creations and deletions not yet seen through the watch, so a
reconcile that runs before the informer catches up does not create pods twice.
"""

from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import key_of, owner_reference, rfc3339
from ..component import Component, Result
from .. import params as P
from .podutil import (PodIndex, condition, resync_later, is_available_since, is_pod_active, is_pod_ready,
                      rank_pods_for_deletion, slow_start_batches, template_pod)


class Expectations:
    """ControllerExpectations: creations/deletions a controller waits to observe, per key."""

    def __init__(self, clock):
        self.clock = clock
        self._adds: dict[str, int] = {}
        self._dels: dict[str, set[str]] = {}
        self._since: dict[str, float] = {}

    def expect(self, key: str, adds: int = 0, deletes: list[str] = ()) -> None:
        self._adds[key] = self._adds.get(key, 0) + adds
        self._dels.setdefault(key, set()).update(deletes)
        self._since[key] = self.clock.now

    def created(self, key: str) -> None:
        if self._adds.get(key, 0) > 0:
            self._adds[key] -= 1

    def deleted(self, key: str, pod_key: str) -> None:
        self._dels.get(key, set()).discard(pod_key)

    def satisfied(self, key: str) -> bool:
        if key not in self._since:
            return True
        if self._adds.get(key, 0) <= 0 and not self._dels.get(key):
            return True
        return self.clock.now - self._since[key] > P.EXPECTATIONS_TIMEOUT

    def forget(self, key: str) -> None:
        for d in (self._adds, self._dels, self._since):
            d.pop(key, None)


def replicaset_status(rs: dict, pods: list[dict], now: float) -> dict:
    """calculateStatus: the counts a ReplicaSet reports for its active pods."""
    tmpl_labels = tuple((((rs["spec"].get("template") or {}).get("metadata") or {}).get("labels") or {}).items())
    mrs = rs["spec"].get("minReadySeconds") or 0
    fully = ready = avail = 0
    for p in pods:          # one pass: this runs on every sync, over every pod of the ReplicaSet
        labels = p["metadata"].get("labels") or {}
        for k, v in tmpl_labels:
            if labels.get(k) != v:
                break
        else:
            fully += 1      # every label of the template
        cond = condition(p, "Ready")
        if cond is not None and cond.get("status") == "True":        # is_pod_ready
            ready += 1
            if is_available_since(cond, mrs, now):                    # is_pod_available
                avail += 1
    st = {"replicas": len(pods), "fullyLabeledReplicas": fully, "readyReplicas": ready,
          "availableReplicas": avail, "observedGeneration": rs["metadata"].get("generation", 1)}
    old = rs.get("status") or {}
    if old.get("conditions"):
        st["conditions"] = old["conditions"]
    return st


def _compact(status: dict) -> dict:
    # The API omits zero counts (omitempty); replicas is always shown.
    return {k: v for k, v in status.items() if v or k == "replicas"}


class ReplicaSetController(Component):
    name = "replicaset-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers, their caches and indexes outlive a restart
            self.index = PodIndex()
            self.rs = self.informer("replicasets", self.on_rs)
            self.pods = self.informer("pods", self.on_pod)
        self.expectations = Expectations(self.clock)     # a new process expects nothing
        resync_later(self, self.rs)

    # --- event handlers: only turn changes into keys -----------------------------------------
    def on_rs(self, typ, rs, old) -> None:
        if typ == "DELETED":
            self.expectations.forget(key_of(rs))
        self.enqueue(key_of(rs))

    def _rs_key_for(self, pod: dict) -> str | None:
        for ref in pod["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "ReplicaSet":
                return f"{pod['metadata']['namespace']}/{ref['name']}"
        return None

    def on_pod(self, typ, pod, old) -> None:
        self.index.update(typ, pod)
        key = self._rs_key_for(pod)
        pod_key = key_of(pod)
        if key:
            if typ == "ADDED":
                self.expectations.created(key)
            if typ == "DELETED" or pod["metadata"].get("deletionTimestamp"):
                self.expectations.deleted(key, pod_key)
            self.enqueue(key)
            rs = self.rs.get(key)
            if (typ == "MODIFIED" and rs and (rs["spec"].get("minReadySeconds") or 0) > 0
                    and is_pod_ready(pod) and not (old and is_pod_ready(old))):
                # Look again once the pod can count as available (upstream adds a second).
                self.queue.add_after(key, rs["spec"]["minReadySeconds"] + 1)
        old_key = self._rs_key_for(old) if old else None
        if old_key and old_key != key:
            self.enqueue(old_key)
        if not key and typ != "DELETED":
            # An orphan: every ReplicaSet whose selector matches may adopt it.
            for rs in self.rs.list(pod["metadata"]["namespace"]):
                if selector_from_object(rs["spec"].get("selector")).matches(pod["metadata"].get("labels")):
                    self.enqueue(key_of(rs))

    # --- reconcile ----------------------------------------------------------------------------
    def reconcile(self, key: str) -> Result | None:
        rs = self.rs.get(key)
        if rs is None:
            self.expectations.forget(key)
            return None
        ns, name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        pods = self.claim_pods(rs)
        active = [p for p in pods if is_pod_active(p)]
        want = rs["spec"].get("replicas", 1)
        self.observe(f"ReplicaSet {name} wants {want} replica(s); {len(active)} active pod(s) match")
        failure = None
        if self.expectations.satisfied(key) and not rs["metadata"].get("deletionTimestamp"):
            try:
                self.manage_replicas(rs, key, active, want)
            except errors.ApiError as e:
                failure = e
        status = _compact(replicaset_status(rs, active, self.clock.now))
        # ReplicaFailure: True while creating or deleting pods fails (e.g. a quota), removed after.
        conds = [c for c in status.get("conditions") or [] if c["type"] != "ReplicaFailure"]
        if failure is not None:
            prev = next((c for c in status.get("conditions") or [] if c["type"] == "ReplicaFailure"), None)
            reason = "FailedCreate" if len(active) < want else "FailedDelete"
            conds.append(prev or {   # set once, as upstream (failureCond == nil)
                "type": "ReplicaFailure", "status": "True", "lastTransitionTime": rfc3339(self.clock.now),
                "reason": reason, "message": failure.message})
        if conds:
            status["conditions"] = conds
        else:
            status.pop("conditions", None)
        old = _compact(dict(rs.get("status") or {}))
        if status != old:
            self.diff(f"status replicas={status.get('replicas', 0)} ready={status.get('readyReplicas', 0)} "
                      f"available={status.get('availableReplicas', 0)}")
            new = dict(rs, status=status)
            # owned: ``new`` is handed over, and the stored object that comes back is only read
            rs = self.api.update("replicasets", new, ns, subresource="status", owned=True)
        if failure is not None:
            raise failure
        mrs = rs["spec"].get("minReadySeconds") or 0
        st = rs.get("status") or {}
        if (mrs > 0 and st.get("readyReplicas", 0) == want and st.get("availableReplicas", 0) != want):
            return Result(requeue_after=mrs)
        return None

    def claim_pods(self, rs: dict) -> list[dict]:
        """ClaimPods: the pods this ReplicaSet controls after adopting and releasing."""
        ns = rs["metadata"]["namespace"]
        uid = rs["metadata"]["uid"]
        sel = selector_from_object(rs["spec"].get("selector"))
        deleting = bool(rs["metadata"].get("deletionTimestamp"))
        out = []
        for pod in self.index.owned(uid):
            if sel.matches(pod["metadata"].get("labels")):
                out.append(pod)
            elif not deleting:
                self.diff(f"pod {pod['metadata']['name']} no longer matches the selector: release it")
                refs = [r for r in pod["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                self._patch_refs(pod, refs)
        if deleting:
            return out
        for pod in self.index.orphans_in(ns):
            if pod["metadata"].get("deletionTimestamp") or not sel.matches(pod["metadata"].get("labels")):
                continue
            self.diff(f"orphan pod {pod['metadata']['name']} matches the selector: adopt it")
            refs = list(pod["metadata"].get("ownerReferences") or []) + [owner_reference(rs)]
            adopted = self._patch_refs(pod, refs)
            if adopted is not None:
                out.append(adopted)
        return out

    def _patch_refs(self, pod: dict, refs: list[dict]) -> dict | None:
        try:
            return self.api.patch("pods", pod["metadata"]["name"],
                                  {"metadata": {"ownerReferences": refs or None}},
                                  pod["metadata"]["namespace"])
        except errors.ApiError as e:
            if e.code == 404:
                return None
            raise

    def manage_replicas(self, rs: dict, key: str, active: list[dict], want: int) -> None:
        """manageReplicas: create or delete the difference, BURST_REPLICAS at most per sync."""
        ns, name = rs["metadata"]["namespace"], rs["metadata"]["name"]
        diff = len(active) - want
        if diff < 0:
            n = min(-diff, P.BURST_REPLICAS)
            self.diff(f"want {want}, have {len(active)}: create {n} pod(s)")
            self.expectations.expect(key, adds=n)
            ref = owner_reference(rs)
            created = 0
            for batch in slow_start_batches(n):
                for _ in range(batch):
                    pod = template_pod(rs["spec"].get("template"), f"{name}-", ns, ref)
                    try:
                        out = self.api.create("pods", pod, ns)
                    except errors.ApiError as e:
                        self.event(rs, "Warning", "FailedCreate", f"Error creating: {e.message}")
                        # The pods never created will never be observed (slowStartBatch skips the rest).
                        for _ in range(n - created):
                            self.expectations.created(key)
                        raise
                    created += 1
                    self.event(rs, "Normal", "SuccessfulCreate", f"Created pod: {out['metadata']['name']}")
        elif diff > 0:
            n = min(diff, P.BURST_REPLICAS)
            self.diff(f"want {want}, have {len(active)}: delete {n} pod(s)")
            related = self._related_pods(rs)
            victims = rank_pods_for_deletion(active, related, self.clock.now)[:n]
            self.expectations.expect(key, deletes=[key_of(p) for p in victims])
            for pod in victims:
                pname = pod["metadata"]["name"]
                try:
                    self.api.delete("pods", pname, ns)
                except errors.ApiError as e:
                    self.expectations.deleted(key, key_of(pod))
                    if e.code == 404:
                        continue
                    self.event(rs, "Warning", "FailedDelete", f"Error deleting: {e.message}")
                    raise
                self.event(rs, "Normal", "SuccessfulDelete", f"Deleted pod: {pname}")

    def _related_pods(self, rs: dict) -> list[dict]:
        """getIndirectlyRelatedPods: active pods of every ReplicaSet with the same controller owner."""
        owner = None
        for ref in rs["metadata"].get("ownerReferences") or []:
            if ref.get("controller"):
                owner = ref["uid"]
        if owner is None:
            return self.index.owned(rs["metadata"]["uid"])
        out = []
        for other in self.rs.list(rs["metadata"]["namespace"]):
            refs = other["metadata"].get("ownerReferences") or []
            if any(r.get("controller") and r.get("uid") == owner for r in refs):
                out.extend(self.index.owned(other["metadata"]["uid"]))
        return out
