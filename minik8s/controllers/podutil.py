"""Pod helpers shared by the workload controllers: readiness, availability, ranking.

These mirror ``k8s.io/kubernetes/pkg/api/v1/pod`` (IsPodReady, IsPodAvailable) and
``pkg/controller/controller_utils.go`` (FilterActivePods, ActivePodsWithRanks), and
are small pure functions a chapter can show:

* a pod is **ready** when its ``Ready`` condition is ``True``;
* a pod is **available** when it has been ready for at least ``minReadySeconds``
  (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#min-ready-seconds);
* a pod is **active** while it is not Succeeded/Failed and not being deleted.
"""

from __future__ import annotations

import math

from ..api.meta import clone, parse_time
from .. import params as P


def condition(obj: dict, type_: str) -> dict | None:
    for c in (obj.get("status") or {}).get("conditions") or []:
        if c.get("type") == type_:
            return c
    return None


def is_pod_ready(pod: dict) -> bool:
    c = condition(pod, "Ready")
    return bool(c) and c.get("status") == "True"


def pod_ready_time(pod: dict) -> float | None:
    """When the pod last became Ready (virtual seconds), or None if it is not ready."""
    c = condition(pod, "Ready")
    if not c or c.get("status") != "True":
        return None
    return parse_time(c.get("lastTransitionTime"))


def is_pod_available(pod: dict, min_ready_seconds: int, now: float) -> bool:
    """Ready for more than ``min_ready_seconds`` (IsPodAvailable: readyTime + minReadySeconds is
    strictly before now)."""
    c = condition(pod, "Ready")
    if not c or c.get("status") != "True":
        return False
    return is_available_since(c, min_ready_seconds, now)


def is_available_since(ready: dict, min_ready_seconds: int, now: float) -> bool:
    """The rest of IsPodAvailable, given a pod's Ready=True condition."""
    if not min_ready_seconds:
        return True
    t = parse_time(ready.get("lastTransitionTime"))
    return t is not None and t + min_ready_seconds < now


def is_pod_active(pod: dict) -> bool:
    """FilterActivePods: not Succeeded, not Failed, no deletionTimestamp."""
    phase = (pod.get("status") or {}).get("phase")
    return phase not in ("Succeeded", "Failed") and not pod["metadata"].get("deletionTimestamp")


def is_pod_terminating(pod: dict) -> bool:
    return bool(pod["metadata"].get("deletionTimestamp"))


def max_container_restarts(pod: dict) -> int:
    st = pod.get("status") or {}
    counts = [c.get("restartCount", 0) for c in st.get("containerStatuses") or []]
    counts += [c.get("restartCount", 0) for c in st.get("initContainerStatuses") or []]
    return max(counts) if counts else 0


def deletion_cost(pod: dict) -> int:
    """controller.kubernetes.io/pod-deletion-cost (0 when absent or not an int32)."""
    raw = (pod["metadata"].get("annotations") or {}).get(P.POD_DELETION_COST_ANNOTATION)
    try:
        return int(raw) if raw is not None else 0
    except ValueError:
        return 0


def _log_rank(t: float | None, now: float) -> int:
    """logarithmicRankDiff's bucket: floor(log2(age in nanoseconds)), -1 for no age."""
    if t is None:
        return -1
    d = (now - t) * 1e9
    return int(math.log2(d)) if d > 0 else -1


_PHASE_ORDINAL = {"Pending": 0, "Unknown": 1, "Running": 2}


def deletion_sort_key(pod: dict, rank: int, now: float):
    """The key ActivePodsWithRanks.Less sorts by: pods that sort first are deleted first.

    https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#scaling-a-replicaset
    1. unassigned < assigned; 2. Pending < Unknown < Running; 3. not ready < ready;
    4. lower pod-deletion-cost first; 5. more replicas on the same node first;
    6. ready for less time first (log2 buckets); 7. more restarts first;
    8. newer first (log2 buckets); then uid.
    """
    spec, st, md = pod.get("spec") or {}, pod.get("status") or {}, pod["metadata"]
    ready = is_pod_ready(pod)
    ready_bucket = _log_rank(pod_ready_time(pod), now) if ready else 0
    created = parse_time(md.get("creationTimestamp"))
    return (
        1 if spec.get("nodeName") else 0,
        _PHASE_ORDINAL.get(st.get("phase"), 3),
        1 if ready else 0,
        deletion_cost(pod),
        -rank,
        ready_bucket,
        -max_container_restarts(pod),
        _log_rank(created, now),
        md.get("uid", ""),
    )


def rank_pods_for_deletion(pods: list[dict], related: list[dict], now: float) -> list[dict]:
    """``pods`` ordered as the ReplicaSet controller deletes them on scale-down (first = first victim).

    ``related`` are the active pods of all ReplicaSets of the same owner: the rank of a pod is
    how many of them share its node (getPodsRankedByRelatedPodsOnSameNode).
    """
    per_node: dict[str, int] = {}
    for p in related:
        node = (p.get("spec") or {}).get("nodeName")
        if node and is_pod_active(p):
            per_node[node] = per_node.get(node, 0) + 1
    ranked = [(deletion_sort_key(p, per_node.get((p.get("spec") or {}).get("nodeName") or "", 0), now), i, p)
              for i, p in enumerate(pods)]
    ranked.sort(key=lambda t: (t[0], t[1]))
    return [p for _, _, p in ranked]


# --- taints and tolerations (k8s.io/api/core/v1/toleration.go) ------------------------------
def tolerates(toleration: dict, taint: dict) -> bool:
    """Does one toleration tolerate one taint?
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/"""
    eff = toleration.get("effect") or ""
    if eff and eff != taint.get("effect"):
        return False
    key = toleration.get("key") or ""
    op = toleration.get("operator") or "Equal"
    if key and key != taint.get("key"):
        return False
    if op == "Exists":
        return True
    if not key:
        return False
    return (toleration.get("value") or "") == (taint.get("value") or "")


def tolerates_all(tolerations: list[dict], taints: list[dict]) -> bool:
    return all(any(tolerates(t, taint) for t in tolerations) for taint in taints)


def template_pod(template: dict, name_prefix: str, namespace: str, owner_ref: dict,
                 extra_labels: dict | None = None) -> dict:
    """A Pod built from a pod template, as GetPodFromTemplate does (generateName, ownerReference)."""
    t = clone(template or {})
    md = t.get("metadata") or {}
    labels = dict(md.get("labels") or {})
    labels.update(extra_labels or {})
    pod_md = {"generateName": name_prefix, "namespace": namespace, "labels": labels,
              "ownerReferences": [owner_ref]}
    if md.get("annotations"):
        pod_md["annotations"] = dict(md["annotations"])
    if md.get("finalizers"):
        pod_md["finalizers"] = list(md["finalizers"])
    return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_md, "spec": t.get("spec") or {}}


class PodIndex:
    """Pods indexed by their controller's uid, and orphans by namespace.

    Controllers look up "my pods" without scanning every pod in the cluster (client-go
    informers offer indexers for this). Fed from a pod informer's handler; idempotent.
    """

    def __init__(self):
        self.by_owner: dict[str, dict[str, dict]] = {}
        self.orphans: dict[str, dict[str, dict]] = {}
        self._owner_of: dict[str, str | None] = {}

    def update(self, typ: str, pod: dict) -> None:
        md = pod["metadata"]
        key = f"{md.get('namespace')}/{md['name']}"
        prev = self._owner_of.pop(key, "-")
        if prev != "-":
            bucket = self.by_owner.get(prev) if prev else self.orphans.get(md.get("namespace"))
            if bucket is not None:
                bucket.pop(key, None)
        if typ == "DELETED":
            return
        ref = None
        for r in md.get("ownerReferences") or []:
            if r.get("controller"):
                ref = r
        uid = ref["uid"] if ref else None
        self._owner_of[key] = uid
        if uid:
            self.by_owner.setdefault(uid, {})[key] = pod
        else:
            self.orphans.setdefault(md.get("namespace"), {})[key] = pod

    def owned(self, uid: str) -> list[dict]:
        d = self.by_owner.get(uid) or {}
        return [d[k] for k in sorted(d)]

    def orphans_in(self, namespace: str) -> list[dict]:
        d = self.orphans.get(namespace) or {}
        return [d[k] for k in sorted(d)]


def slow_start_batches(count: int, initial: int = P.SLOW_START_INITIAL_BATCH) -> list[int]:
    """slowStartBatch's batch sizes: 1, 2, 4, ... until ``count`` calls are made."""
    out, size, left = [], initial, count
    while left > 0:
        n = min(size, left)
        out.append(n)
        left -= n
        size *= 2
    return out


def resync_later(component, informer) -> None:
    """After a (re)start, reconcile every cached object once, as a new process's initial LIST would.

    An informer restarted with a warm cache only reports what changed while it was stopped,
    but a level-based controller must look at everything again (it may have missed its own
    timers, e.g. a back-off or a deadline)."""
    def enqueue_all():
        for obj in informer.list():
            component.enqueue(f"{obj['metadata']['namespace']}/{obj['metadata']['name']}"
                              if obj["metadata"].get("namespace") else obj["metadata"]["name"])
    component.after(0, enqueue_all)
