"""apps/v1 and batch/v1 defaults (pkg/apis/apps/v1/defaults.go, pkg/apis/batch/v1/defaults.go):
ReplicaSet, ReplicationController, Deployment (``replicas: 1``, a 25%/25% rolling update),
DaemonSet, StatefulSet, Job, CronJob.
"""

from __future__ import annotations

from .common import _dict, _dicts, defaulter
from .core import default_pvc
from .pods import _default_template


@defaulter("ReplicaSet")
def default_replicaset(rs: dict) -> None:
    """SetDefaults_ReplicaSet: replicas 1."""
    spec = _dict(rs, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    _default_template(spec.get("template"))


@defaulter("ReplicationController")
def default_replicationcontroller(rc: dict) -> None:
    default_replicaset(rc)


@defaulter("Deployment")
def default_deployment(d: dict) -> None:
    """SetDefaults_Deployment: replicas 1, RollingUpdate 25%/25%, history 10, deadline 600 s.

    https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec
    """
    spec = _dict(d, "spec")
    if spec is None:
        return
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    strategy = spec.get("strategy")
    if not isinstance(strategy, dict):
        strategy = spec["strategy"] = {}
    if not strategy.get("type"):
        strategy["type"] = "RollingUpdate"
    if strategy["type"] == "RollingUpdate":
        ru = strategy.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = strategy["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = "25%"
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = "25%"
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    if spec.get("progressDeadlineSeconds") is None:
        spec["progressDeadlineSeconds"] = 600
    _default_template(spec.get("template"))


@defaulter("DaemonSet")
def default_daemonset(ds: dict) -> None:
    """SetDefaults_DaemonSet: RollingUpdate with maxUnavailable 1 and maxSurge 0, history 10."""
    spec = _dict(ds, "spec")
    if spec is None:
        return
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    if not us.get("type"):
        us["type"] = "RollingUpdate"
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        if ru.get("maxUnavailable") is None:
            ru["maxUnavailable"] = 1
        if ru.get("maxSurge") is None:
            ru["maxSurge"] = 0
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    _default_template(spec.get("template"))


@defaulter("StatefulSet")
def default_statefulset(sts: dict) -> None:
    """SetDefaults_StatefulSet: OrderedReady, RollingUpdate partition 0, replicas 1, history 10,
    PVC retention Retain/Retain; volumeClaimTemplates get the PVC spec defaults."""
    spec = _dict(sts, "spec")
    if spec is None:
        return
    if not spec.get("podManagementPolicy"):
        spec["podManagementPolicy"] = "OrderedReady"
    us = spec.get("updateStrategy")
    if not isinstance(us, dict):
        us = spec["updateStrategy"] = {}
    if not us.get("type"):
        us["type"] = "RollingUpdate"
    if us["type"] == "RollingUpdate":
        ru = us.get("rollingUpdate")
        if not isinstance(ru, dict):
            ru = us["rollingUpdate"] = {}
        if ru.get("partition") is None:
            ru["partition"] = 0
    policy = spec.get("persistentVolumeClaimRetentionPolicy")
    if not isinstance(policy, dict):
        policy = spec["persistentVolumeClaimRetentionPolicy"] = {}
    policy.setdefault("whenDeleted", "Retain")
    policy.setdefault("whenScaled", "Retain")
    if spec.get("replicas") is None:
        spec["replicas"] = 1
    if spec.get("revisionHistoryLimit") is None:
        spec["revisionHistoryLimit"] = 10
    for pvc in _dicts(spec, "volumeClaimTemplates"):
        default_pvc(pvc)
        pvc.setdefault("apiVersion", "v1")
        pvc.setdefault("kind", "PersistentVolumeClaim")
    _default_template(spec.get("template"))


# --- batch/v1 -----------------------------------------------------------------------------
def default_job_spec(spec: dict) -> None:
    """SetDefaults_Job's spec part: completions/parallelism 1, backoffLimit 6, NonIndexed, ...

    https://kubernetes.io/docs/concepts/workloads/controllers/job/
    """
    if spec.get("completions") is None and spec.get("parallelism") is None:
        spec["completions"] = 1
        spec["parallelism"] = 1
    if spec.get("parallelism") is None:
        spec["parallelism"] = 1
    if spec.get("backoffLimit") is None:
        spec["backoffLimit"] = 2147483647 if spec.get("backoffLimitPerIndex") is not None else 6
    if not spec.get("completionMode"):
        spec["completionMode"] = "NonIndexed"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    pfp = _dict(spec, "podFailurePolicy")
    if pfp is not None:
        for rule in _dicts(pfp, "rules"):
            for pat in _dicts(rule, "onPodConditions"):
                if not pat.get("status"):
                    pat["status"] = "True"
    if not spec.get("podReplacementPolicy"):
        spec["podReplacementPolicy"] = "Failed" if pfp is not None else "TerminatingOrFailed"
    if spec.get("manualSelector") is None:
        spec["manualSelector"] = False
    _default_template(spec.get("template"))


@defaulter("Job")
def default_job(job: dict) -> None:
    spec = _dict(job, "spec")
    if spec is None:
        return
    default_job_spec(spec)
    tmpl = _dict(spec, "template") or {}
    tlabels = (_dict(tmpl, "metadata") or {}).get("labels")
    md = _dict(job, "metadata")
    if md is not None and isinstance(tlabels, dict) and tlabels and not md.get("labels"):
        md["labels"] = dict(tlabels)       # a Job without labels takes its template's


@defaulter("CronJob")
def default_cronjob(cj: dict) -> None:
    """SetDefaults_CronJob: Allow, not suspended, keep 3 successful and 1 failed Jobs.

    https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#jobs-history-limits
    """
    spec = _dict(cj, "spec")
    if spec is None:
        return
    if not spec.get("concurrencyPolicy"):
        spec["concurrencyPolicy"] = "Allow"
    if spec.get("suspend") is None:
        spec["suspend"] = False
    if spec.get("successfulJobsHistoryLimit") is None:
        spec["successfulJobsHistoryLimit"] = 3
    if spec.get("failedJobsHistoryLimit") is None:
        spec["failedJobsHistoryLimit"] = 1
    jt = _dict(spec, "jobTemplate") or {}
    jspec = _dict(jt, "spec")
    if jspec is not None:
        _default_template(jspec.get("template"))
