"""The Deployment controller: declarative updates through ReplicaSets.

https://kubernetes.io/docs/concepts/workloads/controllers/deployment/ — the real one is
``pkg/controller/deployment`` in kube-controller-manager. A Deployment owns one
ReplicaSet per pod template it has ever had. The *new* ReplicaSet is the one whose
template equals the Deployment's (ignoring the ``pod-template-hash`` label); it is
named ``<deployment>-<pod-template-hash>``. All others are *old*. One reconcile:

* paused, or only ``replicas`` changed (a *scaling event*): scale the ReplicaSets
  proportionally and write status;
* ``Recreate``: scale every old ReplicaSet to 0, wait until their pods are gone,
  then scale the new one up;
* ``RollingUpdate``: scale the new ReplicaSet up while the total stays within
  ``replicas + maxSurge``, scale old ones down while at least
  ``replicas - maxUnavailable`` pods stay available (:func:`rolling_update_step`);
* revisions: the new ReplicaSet carries ``deployment.kubernetes.io/revision`` one
  above the highest old one, so a rollback (kubectl copies an old template back)
  turns that old ReplicaSet into the newest revision;
* status and conditions ``Available`` and ``Progressing``, with
  ``progressDeadlineSeconds`` turning into ``ProgressDeadlineExceeded``;
* old ReplicaSets beyond ``revisionHistoryLimit`` are deleted once scaled to 0.

The rolling-update arithmetic is pure functions at the top of this module; what the
controller knows about its objects (pod-template-hash, revisions, conditions) is in
:mod:`.deployment_util`, and the status it writes (``Available``, ``Progressing``, the
progress deadline) is computed in :mod:`.deployment_progress`.
"""

from __future__ import annotations

import math

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import clone, key_of, owner_reference, parse_time
from ..api.podtemplate import POD_TEMPLATE_HASH_LABEL, templates_equal
from ..component import Component, Result
from .. import params as P
from .deployment_progress import (calculate_status, has_progress_deadline, paused_status, requeue_stuck,
                                  rollout_status)
from .deployment_util import (FOUND_NEW_RS, NEW_RS_CREATED, TIMED_OUT, _by_creation, _replicas, _status,
                              compact_status, deployment_complete, get_condition, pod_template_hash,
                              revision_of, set_condition, set_new_rs_annotations, set_replicas_annotations)
from .podutil import PodIndex, resync_later


def scaled_value(value, total: int, round_up: bool) -> int:
    """GetScaledValueFromIntOrPercent: an int as is, ``"25%"`` of ``total`` rounded up or down."""
    if isinstance(value, bool):
        raise ValueError(f"invalid value for IntOrString: {value!r}")
    if isinstance(value, int):
        return value
    if isinstance(value, str):
        if not value.endswith("%"):
            raise ValueError(f'invalid value for IntOrString: invalid type: string is not a percentage')
        try:
            pct = int(value[:-1])
        except ValueError:
            raise ValueError(f'invalid value "{value}": must be an integer or percentage (e.g \'5%\')') from None
        exact = pct * total / 100
        return math.ceil(exact) if round_up else math.floor(exact)
    raise ValueError(f"invalid value for IntOrString: {value!r}")


def _is_zero(value) -> bool:
    return value in (0, "0%")


def max_surge_and_unavailable(replicas: int, max_surge="25%", max_unavailable="25%") -> tuple[int, int]:
    """ResolveFenceposts: (maxSurge, maxUnavailable) as pod counts for ``replicas``.

    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#max-surge :
    a percentage of surge rounds **up**, of unavailable rounds **down**. Both zero is
    invalid (no pod could ever be replaced); if only rounding makes both zero,
    maxUnavailable becomes 1 so the rollout can proceed.
    """
    if _is_zero(max_surge) and _is_zero(max_unavailable):
        raise ValueError("spec.strategy.rollingUpdate.maxUnavailable: Invalid value: 0: "
                         "may not be 0 when maxSurge is 0")
    surge = scaled_value(max_surge, replicas, True)
    unavailable = scaled_value(max_unavailable, replicas, False)
    if surge == 0 and unavailable == 0:
        unavailable = 1
    return surge, unavailable


def new_rs_replicas(desired: int, surge: int, total_replicas: int, new_replicas: int) -> int:
    """NewRSNewReplicas: how big the new ReplicaSet may grow now (total stays <= desired + surge)."""
    max_total = desired + surge
    if total_replicas >= max_total:
        return new_replicas
    return new_replicas + min(max_total - total_replicas, desired - new_replicas)


def rolling_update_step(desired: int, max_surge, max_unavailable, new: tuple[int, int],
                        olds: list[tuple[int, int]]) -> tuple[int, list[int]]:
    """One pass of the rolling update: the sizes the controller sets this sync.

    ``new`` is the new ReplicaSet's (spec.replicas, availableReplicas); ``olds`` the same
    for each old ReplicaSet, oldest first. Returns (new size, [old sizes]). Like
    ``rolloutRolling``: scale the new ReplicaSet up if the surge allows; only if it did
    not, scale old ones down — unhealthy pods first (cleanupUnhealthyReplicas), then
    available ones while ``desired - maxUnavailable`` pods stay available.
    """
    surge, unavailable = max_surge_and_unavailable(desired, max_surge, max_unavailable)
    unavailable = min(unavailable, desired)
    new_size, new_avail = new
    sizes = [r for r, _ in olds]
    total = new_size + sum(sizes)
    if new_size > desired:
        return desired, sizes
    if new_size < desired:
        grown = new_rs_replicas(desired, surge, total, new_size)
        if grown != new_size:
            return grown, sizes
    if sum(sizes) == 0:
        return new_size, sizes
    min_available = desired - unavailable
    new_unavailable = new_size - new_avail
    max_scaled_down = total - min_available - new_unavailable
    if max_scaled_down <= 0:
        return new_size, sizes
    # 1. old pods that are not available go first: they do not count towards availability.
    cleaned = 0
    avails = [a for _, a in olds]
    for i, (r, a) in enumerate(olds):
        if cleaned >= max_scaled_down:
            break
        if sizes[i] == 0 or sizes[i] == a:
            continue
        n = min(max_scaled_down - cleaned, sizes[i] - a)
        sizes[i] -= n
        cleaned += n
    # 2. then available old pods, while enough stay available.
    available = new_avail + sum(min(a, s) for a, s in zip(avails, sizes))
    if available <= min_available:
        return new_size, sizes
    budget = available - min_available
    for i in range(len(sizes)):
        if budget <= 0:
            break
        if sizes[i] == 0:
            continue
        n = min(sizes[i], budget)
        sizes[i] -= n
        budget -= n
    return new_size, sizes


def proportional_sizes(desired: int, surge: int, sizes: list[int], max_replicas_before: list[int | None],
                       newest_first: list[int]) -> list[int]:
    """Proportional scaling (``scale``): spread a change of ``replicas`` over active ReplicaSets.

    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#proportional-scaling .
    ``sizes[i]`` are spec.replicas, ``max_replicas_before[i]`` the ``max-replicas`` annotation
    (None if absent); ``newest_first`` is the order of indices: largest first, newer first on
    ties when scaling up, older first when scaling down.
    """
    allowed = desired + surge if desired > 0 else 0
    to_add = allowed - sum(sizes)
    if to_add == 0:
        return list(sizes)
    out = list(sizes)
    added = 0
    for i in newest_first:
        if sizes[i] == 0 or to_add == added:
            continue
        if desired == 0:
            fraction = -sizes[i]
        else:
            before = max_replicas_before[i] or sum(sizes)
            fraction = _round_half_away(sizes[i] * (desired + surge) / before) - sizes[i] if before else 0
        left = to_add - added
        prop = min(fraction, left) if to_add > 0 else max(fraction, left)
        out[i] += prop
        added += prop
    first = newest_first[0]
    out[first] = max(0, out[first] + to_add - added)
    return out


def _round_half_away(x: float) -> int:
    return int(math.floor(x + 0.5)) if x >= 0 else -int(math.floor(-x + 0.5))


def strategy_params(d: dict) -> tuple[object, object]:
    ru = ((d["spec"].get("strategy") or {}).get("rollingUpdate") or {})
    return ru.get("maxSurge", P.DEPLOYMENT_MAX_SURGE), ru.get("maxUnavailable", P.DEPLOYMENT_MAX_UNAVAILABLE)


def is_rolling(d: dict) -> bool:
    return ((d["spec"].get("strategy") or {}).get("type") or "RollingUpdate") == "RollingUpdate"


def max_surge(d: dict) -> int:
    if not is_rolling(d):
        return 0
    s, u = strategy_params(d)
    try:
        return max_surge_and_unavailable(d["spec"].get("replicas", 1), s, u)[0]
    except ValueError:
        return 0


def max_unavailable(d: dict) -> int:
    replicas = d["spec"].get("replicas", 1)
    if not is_rolling(d) or replicas == 0:
        return 0
    s, u = strategy_params(d)
    try:
        return min(max_surge_and_unavailable(replicas, s, u)[1], replicas)
    except ValueError:
        return 1


class DeploymentController(Component):
    name = "deployment-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers and indexes outlive a restart
            self.rs_index = PodIndex()              # ReplicaSets by controlling Deployment's uid
            self.deployments = self.informer("deployments", self.enqueue_obj)
            self.rss = self.informer("replicasets", self.on_rs)
            self.pods = self.informer("pods", self.on_pod)
        resync_later(self, self.deployments)

    @property
    def event_source(self) -> str:
        return "deployment-controller"

    def _owner_key(self, obj: dict, kind: str) -> str | None:
        for ref in obj["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == kind:
                return f"{obj['metadata']['namespace']}/{ref['name']}"
        return None

    def on_rs(self, typ, rs, old) -> None:
        self.rs_index.update(typ, rs)
        key = self._owner_key(rs, "Deployment")
        if key:
            self.enqueue(key)
        elif typ != "DELETED":
            for d in self.deployments.list(rs["metadata"]["namespace"]):
                if selector_from_object(d["spec"].get("selector")).matches(rs["metadata"].get("labels")):
                    self.enqueue(key_of(d))
        if old:
            okey = self._owner_key(old, "Deployment")
            if okey and okey != key:
                self.enqueue(okey)

    def on_pod(self, typ, pod, old) -> None:
        # Only Recreate waits on pods: it scales up once the old pods are gone.
        if typ != "DELETED":
            return
        rs_key = self._owner_key(pod, "ReplicaSet")
        rs = self.rss.get(rs_key) if rs_key else None
        dkey = self._owner_key(rs, "Deployment") if rs else None
        d = self.deployments.get(dkey) if dkey else None
        if d and not is_rolling(d):
            self.enqueue(dkey)

    # --- reconcile ------------------------------------------------------------------------------
    def reconcile(self, key: str) -> Result | None:
        cached = self.deployments.get(key)
        if cached is None:
            return None
        d = clone(cached)
        rs_list = self.claim_replicasets(d)
        name = d["metadata"]["name"]
        self.observe(f"Deployment {name}: {len(rs_list)} ReplicaSet(s), wants {d['spec'].get('replicas', 1)}")
        if d["metadata"].get("deletionTimestamp"):
            new_rs, olds = self.new_and_old(d, rs_list, create=False)
            self.sync_status(d, new_rs, olds)
            return None
        d = self.check_paused_conditions(d)
        if d["spec"].get("paused"):
            return self.sync(d, rs_list)
        if self.is_scaling_event(d, rs_list):
            return self.sync(d, rs_list)
        if is_rolling(d):
            return self.rollout_rolling(d, rs_list)
        return self.rollout_recreate(d, rs_list)

    def claim_replicasets(self, d: dict) -> list[dict]:
        """ClaimReplicaSets: adopt matching orphans, release ReplicaSets that stopped matching."""
        ns, uid = d["metadata"]["namespace"], d["metadata"]["uid"]
        sel = selector_from_object(d["spec"].get("selector"))
        out = []
        for rs in self.rs_index.owned(uid):
            if sel.matches(rs["metadata"].get("labels")):
                out.append(rs)
            elif not d["metadata"].get("deletionTimestamp"):
                refs = [r for r in rs["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
                self.diff(f"ReplicaSet {rs['metadata']['name']} no longer matches: release it")
                self.api.patch("replicasets", rs["metadata"]["name"],
                               {"metadata": {"ownerReferences": refs or None}}, ns)
        if d["metadata"].get("deletionTimestamp"):
            return out
        for rs in self.rs_index.orphans_in(ns):
            if rs["metadata"].get("deletionTimestamp") or not sel.matches(rs["metadata"].get("labels")):
                continue
            self.diff(f"orphan ReplicaSet {rs['metadata']['name']} matches: adopt it")
            refs = list(rs["metadata"].get("ownerReferences") or []) + [owner_reference(d)]
            out.append(self.api.patch("replicasets", rs["metadata"]["name"],
                                      {"metadata": {"ownerReferences": refs}}, ns))
        return out

    # --- new and old ReplicaSets ------------------------------------------------------------------
    def find_new(self, d: dict, rs_list: list[dict]) -> dict | None:
        """FindNewReplicaSet: the oldest ReplicaSet whose template equals the Deployment's."""
        for rs in _by_creation(rs_list):
            if templates_equal(rs["spec"].get("template"), d["spec"].get("template")):
                return rs
        return None

    def new_and_old(self, d: dict, rs_list: list[dict], create: bool):
        """getAllReplicaSetsAndSyncRevision: (new ReplicaSet or None, old ReplicaSets)."""
        existing = self.find_new(d, rs_list)
        olds = [r for r in rs_list if r is not existing]
        new = self.get_new_rs(d, rs_list, olds, existing, create)
        return new, olds

    def get_new_rs(self, d: dict, rs_list, olds, existing, create: bool) -> dict | None:
        ns, name = d["metadata"]["namespace"], d["metadata"]["name"]
        new_revision = str(max([revision_of(r) for r in olds] or [0]) + 1)
        if existing is not None:
            rs = clone(existing)
            changed = set_new_rs_annotations(d, rs, new_revision, True, max_surge(d))
            mrs = d["spec"].get("minReadySeconds", 0)
            if changed or (rs["spec"].get("minReadySeconds", 0) != mrs):
                rs["spec"]["minReadySeconds"] = mrs
                self.diff(f"ReplicaSet {rs['metadata']['name']} becomes revision "
                          f"{rs['metadata']['annotations'][P.REVISION_ANNOTATION]}")
                rs = self.api.update("replicasets", rs, ns)
            rev = (rs["metadata"].get("annotations") or {}).get(P.REVISION_ANNOTATION)
            self._set_deployment_revision(d, rev)
            if has_progress_deadline(d) and get_condition(d.get("status") or {}, "Progressing") is None:
                st = clone(d.get("status") or {})
                set_condition(st, "Progressing", "True", FOUND_NEW_RS,
                              f'Found new replica set "{rs["metadata"]["name"]}"', self.clock.now)
                self._write_status(d, st)
            return rs
        if not create:
            return None
        template = clone(d["spec"]["template"])
        h = pod_template_hash(template, (d.get("status") or {}).get("collisionCount"))
        tmd = template.setdefault("metadata", {})
        tmd["labels"] = dict(tmd.get("labels") or {}, **{POD_TEMPLATE_HASH_LABEL: h})
        sel = clone(d["spec"]["selector"])
        sel["matchLabels"] = dict(sel.get("matchLabels") or {}, **{POD_TEMPLATE_HASH_LABEL: h})
        rs = {"apiVersion": "apps/v1", "kind": "ReplicaSet",
              "metadata": {"name": f"{name}-{h}", "namespace": ns, "labels": dict(tmd["labels"]),
                           "ownerReferences": [owner_reference(d)]},
              "spec": {"replicas": 0, "minReadySeconds": d["spec"].get("minReadySeconds", 0),
                       "selector": sel, "template": template}}
        desired = d["spec"].get("replicas", 1)
        if is_rolling(d):
            total = sum(_replicas(r) for r in olds)
            count = new_rs_replicas(desired, max_surge(d), total, 0)
        else:
            count = desired
        rs["spec"]["replicas"] = count
        set_new_rs_annotations(d, rs, new_revision, False, max_surge(d))
        self.diff(f"no ReplicaSet has the Deployment's template: create {name}-{h} (revision {new_revision})")
        try:
            created = self.api.create("replicasets", rs, ns)
        except errors.ApiError as e:
            if e.code != 409:
                raise
            # A hash collision with a ReplicaSet we do not own: bump collisionCount and retry.
            other = self.api.get("replicasets", rs["metadata"]["name"], ns)
            if templates_equal(other["spec"].get("template"), d["spec"].get("template")):
                raise
            st = clone(d.get("status") or {})
            st["collisionCount"] = st.get("collisionCount", 0) + 1
            self._write_status(d, st)
            raise
        if count > 0:
            self.event(d, "Normal", "ScalingReplicaSet",
                       f"Scaled up replica set {created['metadata']['name']} from 0 to {count}")
        st = clone(d.get("status") or {})
        if has_progress_deadline(d):
            set_condition(st, "Progressing", "True", NEW_RS_CREATED,
                          f'Created new replica set "{created["metadata"]["name"]}"', self.clock.now)
        self._set_deployment_revision(d, new_revision)
        self._write_status(d, st)
        return created

    def _set_deployment_revision(self, d: dict, revision: str | None) -> None:
        ann = d["metadata"].get("annotations") or {}
        if revision is None or ann.get(P.REVISION_ANNOTATION) == revision:
            return
        new = clone(d)
        new["metadata"].setdefault("annotations", {})[P.REVISION_ANNOTATION] = revision
        out = self.api.update("deployments", new, d["metadata"]["namespace"])
        d["metadata"] = out["metadata"]

    def _write_status(self, d: dict, status: dict) -> None:
        status = compact_status(status)
        if status == compact_status(d.get("status") or {}):
            return
        conds = ", ".join(f"{c['type']}={c['status']} ({c['reason']})" for c in status.get("conditions") or [])
        self.diff(f"status replicas={status.get('replicas', 0)} updated={status.get('updatedReplicas', 0)} "
                  f"ready={status.get('readyReplicas', 0)} available={status.get('availableReplicas', 0)}"
                  + (f"; {conds}" if conds else ""))
        new = dict(d, status=status)
        out = self.api.update("deployments", new, d["metadata"]["namespace"], subresource="status")
        d["metadata"] = out["metadata"]
        d["status"] = out.get("status") or {}

    # --- scaling ----------------------------------------------------------------------------------
    def scale_rs(self, d: dict, rs: dict, size: int, operation: str | None = None) -> dict:
        """scaleReplicaSet: set spec.replicas and the desired/max-replicas annotations; record the event."""
        new = clone(rs)
        size_changed = _replicas(rs) != size
        ann_changed = set_replicas_annotations(d, new, max_surge(d))
        if not (size_changed or ann_changed):
            return rs
        new["spec"]["replicas"] = size
        out = self.api.update("replicasets", new, rs["metadata"]["namespace"])
        if size_changed:
            op = operation or ("up" if _replicas(rs) < size else "down")
            self.event(d, "Normal", "ScalingReplicaSet",
                       f"Scaled {op} replica set {rs['metadata']['name']} from {_replicas(rs)} to {size}")
        return out

    def is_scaling_event(self, d: dict, rs_list: list[dict]) -> bool:
        new, olds = self.new_and_old(d, rs_list, create=False)
        want = str(d["spec"].get("replicas", 1))
        for rs in [r for r in [new] + olds if r is not None and _replicas(r) > 0]:
            desired = (rs["metadata"].get("annotations") or {}).get(P.DESIRED_REPLICAS_ANNOTATION)
            if desired is not None and desired != want:
                return True
        return False

    def sync(self, d: dict, rs_list: list[dict]) -> Result | None:
        """sync: proportional scaling when paused or when only replicas changed."""
        new, olds = self.new_and_old(d, rs_list, create=False)
        self.scale(d, new, olds)
        if d["spec"].get("paused"):
            self.cleanup(d, olds)
        new, olds = self._refresh(new, olds)
        self.sync_status(d, new, olds)
        return None

    def scale(self, d: dict, new: dict | None, olds: list[dict]) -> None:
        desired = d["spec"].get("replicas", 1)
        active = [r for r in [new] + olds if r is not None and _replicas(r) > 0]
        if len(active) <= 1:
            # FindActiveOrLatest: one active ReplicaSet (or the latest) takes all replicas.
            target = active[0] if active else (new or (_by_creation(olds)[-1] if olds else None))
            if target is not None and _replicas(target) != desired:
                self.diff(f"scale ReplicaSet {target['metadata']['name']} to {desired}")
                self.scale_rs(d, target, desired)
            return
        if (new is not None and _replicas(new) == desired and _status(new, "availableReplicas") == desired
                and (new["metadata"].get("annotations") or {}).get(P.DESIRED_REPLICAS_ANNOTATION) == str(desired)):
            for old in olds:
                if _replicas(old) > 0:
                    self.scale_rs(d, old, 0)
            return
        if not is_rolling(d):
            return
        sizes = [_replicas(r) for r in active]
        befores = []
        for r in active:
            v = (r["metadata"].get("annotations") or {}).get(P.MAX_REPLICAS_ANNOTATION)
            befores.append(int(v) if v and v.isdigit() else None)
        surge = max_surge(d)
        allowed = desired + surge if desired > 0 else 0
        up = allowed - sum(sizes) > 0
        created = [parse_time(r["metadata"].get("creationTimestamp")) or 0 for r in active]
        if up:   # ReplicaSetsBySizeNewer
            order = sorted(range(len(active)), key=lambda i: (-sizes[i], -created[i], active[i]["metadata"]["name"]))
        else:    # ReplicaSetsBySizeOlder
            order = sorted(range(len(active)), key=lambda i: (-sizes[i], created[i], active[i]["metadata"]["name"]))
        targets = proportional_sizes(desired, surge, sizes, befores, order)
        self.diff("proportional scaling: " + ", ".join(
            f"{r['metadata']['name']} {s}->{t}" for r, s, t in zip(active, sizes, targets)))
        for i in order:
            self.scale_rs(d, active[i], targets[i], "up" if up else "down")

    def _refresh(self, new, olds):
        """Re-read the ReplicaSets this sync may have changed (so status counts what was written)."""
        def fresh(r):
            return self.rss.get(key_of(r)) or r if r is not None else None
        return fresh(new), [fresh(r) for r in olds]

    # --- rollouts ---------------------------------------------------------------------------------
    def rollout_rolling(self, d: dict, rs_list: list[dict]) -> Result | None:
        new, olds = self.new_and_old(d, rs_list, create=True)
        olds = _by_creation(olds)
        desired = d["spec"].get("replicas", 1)
        s, u = strategy_params(d)
        sizes_before = [_replicas(r) for r in olds]
        new_size, old_sizes = rolling_update_step(
            desired, s, u, (_replicas(new), _status(new, "availableReplicas")),
            [(_replicas(r), _status(r, "availableReplicas")) for r in olds])
        self.observe(f"new ReplicaSet {new['metadata']['name']}: {_replicas(new)} "
                     f"({_status(new, 'availableReplicas')} available); old: "
                     + (", ".join(f"{r['metadata']['name']} {_replicas(r)} ({_status(r, 'availableReplicas')} "
                                  f"available)" for r in olds) or "none"))
        changed = False
        if new_size != _replicas(new):
            self.diff(f"rolling update: scale new ReplicaSet {new['metadata']['name']} to {new_size}")
            new = self.scale_rs(d, new, new_size)
            changed = True
        else:
            for i, rs in enumerate(olds):
                if old_sizes[i] != sizes_before[i]:
                    self.diff(f"rolling update: scale old ReplicaSet {rs['metadata']['name']} to {old_sizes[i]}")
                    olds[i] = self.scale_rs(d, rs, old_sizes[i])
                    changed = True
        if not changed and deployment_complete(d, d.get("status") or {}):
            self.cleanup(d, olds)
        return self.sync_rollout_status(d, new, olds)

    def rollout_recreate(self, d: dict, rs_list: list[dict]) -> Result | None:
        new, olds = self.new_and_old(d, rs_list, create=False)
        scaled_down = False
        for i, rs in enumerate(olds):
            if _replicas(rs) != 0:
                self.diff(f"Recreate: scale old ReplicaSet {rs['metadata']['name']} to 0")
                olds[i] = self.scale_rs(d, rs, 0)
                scaled_down = True
        if scaled_down:
            return self.sync_rollout_status(d, new, olds)
        running = [p for rs in olds for p in self._pods_of(rs)
                   if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        if running:
            self.observe(f"Recreate: {len(running)} old pod(s) still exist; wait")
            return self.sync_rollout_status(d, new, olds)
        if new is None:
            new, olds = self.new_and_old(d, rs_list, create=True)
        if _replicas(new) != d["spec"].get("replicas", 1):
            self.diff(f"Recreate: scale new ReplicaSet {new['metadata']['name']} up")
            new = self.scale_rs(d, new, d["spec"].get("replicas", 1))
        elif deployment_complete(d, d.get("status") or {}):
            self.cleanup(d, olds)
        return self.sync_rollout_status(d, new, olds)

    def _pods_of(self, rs: dict) -> list[dict]:
        return [p for p in self.pods.list(rs["metadata"]["namespace"])
                if any(r.get("uid") == rs["metadata"]["uid"] for r in p["metadata"].get("ownerReferences") or [])]

    def cleanup(self, d: dict, olds: list[dict]) -> None:
        """cleanupDeployment: delete old ReplicaSets beyond revisionHistoryLimit (only empty ones)."""
        limit = d["spec"].get("revisionHistoryLimit", P.DEPLOYMENT_REVISION_HISTORY)
        if limit is None:
            return
        alive = [r for r in olds if not r["metadata"].get("deletionTimestamp")]
        extra = len(alive) - limit
        if extra <= 0:
            return
        alive.sort(key=lambda r: (revision_of(r), parse_time(r["metadata"].get("creationTimestamp")) or 0,
                                  r["metadata"]["name"]))
        for rs in alive[:extra]:
            if (_status(rs, "replicas") != 0 or _replicas(rs) != 0
                    or rs["metadata"].get("generation", 1) > _status(rs, "observedGeneration")):
                continue
            self.diff(f"revisionHistoryLimit {limit}: delete old ReplicaSet {rs['metadata']['name']}")
            try:
                self.api.delete("replicasets", rs["metadata"]["name"], rs["metadata"]["namespace"])
            except errors.ApiError as e:
                if e.code != 404:
                    raise

    # --- status (deployment_progress.py computes it; the controller writes it) ------------------
    def sync_status(self, d: dict, new, olds) -> None:
        self._write_status(d, calculate_status(d, new, olds, max_unavailable(d), self.clock.now))

    def sync_rollout_status(self, d: dict, new, olds) -> Result | None:
        """syncRolloutStatus: counts, Available, and Progressing against progressDeadlineSeconds."""
        new, olds = self._refresh(new, olds)
        now = self.clock.now
        st = rollout_status(d, calculate_status(d, new, olds, max_unavailable(d), now), new, olds, now)
        old = d.get("status") or {}
        if compact_status(st) == compact_status(old):
            return requeue_stuck(d, st, now)
        cond = get_condition(st, "Progressing")
        if cond and cond["reason"] == TIMED_OUT and (get_condition(old, "Progressing") or {}).get("reason") != TIMED_OUT:
            self.diff(f"no progress for {d['spec'].get('progressDeadlineSeconds', P.DEPLOYMENT_PROGRESS_DEADLINE)}s: ProgressDeadlineExceeded")
        self._write_status(d, st)
        return None

    def check_paused_conditions(self, d: dict) -> dict:
        st = paused_status(d, self.clock.now)
        if st is not None:
            self.diff("paused" if d["spec"].get("paused") else "resumed")
            self._write_status(d, st)
        return d

