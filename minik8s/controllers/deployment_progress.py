"""A Deployment's status and the ``Progressing`` condition (pkg/controller/deployment: sync.go's
calculateStatus, progress.go's syncRolloutStatus and requeueStuckDeployment, the paused conditions).

Pure functions of the Deployment, its ReplicaSets and the virtual time ``now``; the controller
writes what they return (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#deployment-status):
``Available`` once enough replicas are available, ``Progressing`` with ``NewReplicaSetAvailable``,
``ReplicaSetUpdated`` or, after ``progressDeadlineSeconds`` without progress, ``ProgressDeadlineExceeded``.
"""

from __future__ import annotations

from ..api.meta import clone, parse_time, rfc3339
from ..component import Result
from .. import params as P
from .deployment_util import (MIN_AVAILABLE, MIN_UNAVAILABLE, NEW_RS_AVAILABLE, PAUSED, RESUMED, RS_UPDATED,
                              TIMED_OUT, _replicas, _status, deployment_complete, get_condition,
                              remove_condition, set_condition)


def has_progress_deadline(d: dict) -> bool:
    pds = d["spec"].get("progressDeadlineSeconds", P.DEPLOYMENT_PROGRESS_DEADLINE)
    return pds is not None and pds != 2147483647


def calculate_status(d: dict, new: dict | None, olds: list[dict], max_unavailable: int, now: float) -> dict:
    """calculateStatus: the counts over the ReplicaSets and ``Available`` (at least replicas -
    maxUnavailable available)."""
    all_rs = [r for r in [new] + olds if r is not None]
    available = sum(_status(r, "availableReplicas") for r in all_rs)
    total = sum(_replicas(r) for r in all_rs)
    old = d.get("status") or {}
    st = {"observedGeneration": d["metadata"].get("generation", 1),
          "replicas": sum(_status(r, "replicas") for r in all_rs),
          "updatedReplicas": _status(new, "replicas") if new else 0,
          "readyReplicas": sum(_status(r, "readyReplicas") for r in all_rs),
          "availableReplicas": available,
          "unavailableReplicas": max(0, total - available),
          "conditions": clone(old.get("conditions") or [])}
    if old.get("collisionCount") is not None:
        st["collisionCount"] = old["collisionCount"]
    if available >= d["spec"].get("replicas", 1) - max_unavailable:
        set_condition(st, "Available", "True", MIN_AVAILABLE, "Deployment has minimum availability.", now)
    else:
        set_condition(st, "Available", "False", MIN_UNAVAILABLE,
                      "Deployment does not have minimum availability.", now)
    return st


def rollout_status(d: dict, st: dict, new: dict | None, olds: list[dict], now: float) -> dict:
    """syncRolloutStatus: ``st`` (calculate_status) with ``Progressing`` against
    progressDeadlineSeconds and a ReplicaSet's ``ReplicaFailure`` copied up."""
    old = d.get("status") or {}
    if not has_progress_deadline(d):
        remove_condition(st, "Progressing")
    cur = get_condition(old, "Progressing")
    complete_before = (st["replicas"] == st["updatedReplicas"] and cur is not None
                       and cur["reason"] == NEW_RS_AVAILABLE)
    if has_progress_deadline(d) and not complete_before:
        rs_name = new["metadata"]["name"] if new else None
        old_old = old.get("replicas", 0) - old.get("updatedReplicas", 0)
        new_old = st["replicas"] - st["updatedReplicas"]
        if deployment_complete(d, st):
            set_condition(st, "Progressing", "True", NEW_RS_AVAILABLE,
                          f'ReplicaSet "{rs_name}" has successfully progressed.', now)
        elif (st["updatedReplicas"] > old.get("updatedReplicas", 0) or new_old < old_old
              or st["readyReplicas"] > old.get("readyReplicas", 0)
              or st["availableReplicas"] > old.get("availableReplicas", 0)):
            msg = f'ReplicaSet "{rs_name}" is progressing.' if rs_name else \
                f'Deployment "{d["metadata"]["name"]}" is progressing.'
            ts = rfc3339(now)
            cond = {"type": "Progressing", "status": "True", "lastUpdateTime": ts, "lastTransitionTime": ts,
                    "reason": RS_UPDATED, "message": msg}
            if cur is not None and cur["status"] == "True":
                cond["lastTransitionTime"] = cur["lastTransitionTime"]
            remove_condition(st, "Progressing")
            st["conditions"].append(cond)
        elif timed_out(d, st, now):
            msg = f'ReplicaSet "{rs_name}" has timed out progressing.' if rs_name else \
                f'Deployment "{d["metadata"]["name"]}" has timed out progressing.'
            set_condition(st, "Progressing", "False", TIMED_OUT, msg, now)
    # getReplicaFailures: a ReplicaSet that cannot create pods (e.g. quota) shows on the Deployment.
    failure = None
    for rs in [r for r in [new] + olds if r is not None]:
        failure = next((c for c in (rs.get("status") or {}).get("conditions") or []
                        if c["type"] == "ReplicaFailure"), None)
        if failure:
            break
    if failure:
        set_condition(st, "ReplicaFailure", failure["status"], failure["reason"], failure["message"], now)
    else:
        remove_condition(st, "ReplicaFailure")
    return st


def timed_out(d: dict, st: dict, now: float) -> bool:
    cond = get_condition(st, "Progressing")
    if cond is None or cond["reason"] == NEW_RS_AVAILABLE:
        return False
    if cond["reason"] == TIMED_OUT:
        return True
    since = parse_time(cond["lastUpdateTime"]) or 0
    return since + d["spec"].get("progressDeadlineSeconds", P.DEPLOYMENT_PROGRESS_DEADLINE) < now


def requeue_stuck(d: dict, st: dict, now: float) -> Result | None:
    """requeueStuckDeployment: look again when the progress deadline would pass."""
    cond = get_condition(st, "Progressing")
    if (not has_progress_deadline(d) or cond is None or cond["status"] != "True"
            or cond["reason"] == NEW_RS_AVAILABLE or deployment_complete(d, st)):
        return None
    after = (parse_time(cond["lastUpdateTime"]) or 0) + d["spec"].get("progressDeadlineSeconds", P.DEPLOYMENT_PROGRESS_DEADLINE) \
        - now
    if after < 1:
        return Result(requeue_after=0.005)
    return Result(requeue_after=after + 1)


def paused_status(d: dict, now: float) -> dict | None:
    """checkPausedConditions: the status with ``Progressing`` Unknown/DeploymentPaused (or
    DeploymentResumed) when ``spec.paused`` changed, else None (nothing to write)."""
    if not has_progress_deadline(d):
        return None
    st = clone(d.get("status") or {})
    cond = get_condition(st, "Progressing")
    if cond and cond["reason"] == TIMED_OUT:
        return None
    paused_exists = cond is not None and cond["reason"] == PAUSED
    if d["spec"].get("paused") and not paused_exists:
        set_condition(st, "Progressing", "Unknown", PAUSED, "Deployment is paused", now)
    elif not d["spec"].get("paused") and paused_exists:
        set_condition(st, "Progressing", "Unknown", RESUMED, "Deployment is resumed", now)
    else:
        return None
    return st
