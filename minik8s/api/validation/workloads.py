"""Validation of the workload kinds: Deployment, ReplicaSet, DaemonSet, StatefulSet (pkg/apis/apps/
validation) and Job, CronJob (pkg/apis/batch/validation), with the pod template and selector
checks they share.
"""

from __future__ import annotations

import re

from ..labels import selector_from_object
from .common import (Cause, _Raw, _go_repr, _int, forbidden, invalid_value, qualified_name_errors, required,
                     unsupported_value, validate_annotations, validate_labels, validator)
from .pods import validate_pod_spec


def validate_template(template, field: str, selector=None, restart_policies=None) -> list[Cause]:
    if not isinstance(template, dict):
        return [required(field)]
    md = template.get("metadata") or {}
    causes = validate_labels(md.get("labels"), f"{field}.metadata.labels")
    causes += validate_annotations(md.get("annotations"), f"{field}.metadata.annotations")
    causes += validate_pod_spec(template.get("spec"), f"{field}.spec")
    return causes


def _selector_repr(sel) -> str:
    """%#v of a metav1.LabelSelector, as ``field is immutable`` errors print it."""
    if not isinstance(sel, dict):
        return "nil"
    ml = sel.get("matchLabels")
    ml_s = ("map[string]string{" + ", ".join(f'"{k}":"{v}"' for k, v in sorted(ml.items())) + "}"
            if isinstance(ml, dict) and ml else "map[string]string(nil)")
    exprs = sel.get("matchExpressions")
    if exprs:
        items = ", ".join(
            "v1.LabelSelectorRequirement{Key:\"%s\", Operator:\"%s\", Values:%s}" % (
                e.get("key", ""), e.get("operator", ""),
                ("[]string{" + ", ".join(f'"{v}"' for v in e.get("values")) + "}") if e.get("values")
                else "[]string(nil)")
            for e in exprs if isinstance(e, dict))
        ex_s = "[]v1.LabelSelectorRequirement{" + items + "}"
    else:
        ex_s = "[]v1.LabelSelectorRequirement(nil)"
    return f"v1.LabelSelector{{MatchLabels:{ml_s}, MatchExpressions:{ex_s}}}"


def validate_selector(sel, field: str) -> list[Cause]:
    """ValidateLabelSelector: keys, values and operators."""
    if not isinstance(sel, dict):
        return [invalid_value(field, sel, "must be a label selector")]
    causes = validate_labels(sel.get("matchLabels"), f"{field}.matchLabels")
    for i, e in enumerate(sel.get("matchExpressions") or []):
        ef = f"{field}.matchExpressions[{i}]"
        if not isinstance(e, dict):
            causes.append(invalid_value(ef, e, "must be an object"))
            continue
        op = e.get("operator")
        values = e.get("values") or []
        if op in ("In", "NotIn"):
            if not values:
                causes.append(required(f"{ef}.values", "must be specified when `operator` is 'In' or 'NotIn'"))
        elif op in ("Exists", "DoesNotExist"):
            if values:
                causes.append(forbidden(f"{ef}.values",
                                        "may not be specified when `operator` is 'Exists' or 'DoesNotExist'"))
        else:
            causes.append(invalid_value(f"{ef}.operator", op, "not a valid selector operator"))
        causes += [invalid_value(f"{ef}.key", e.get("key"), m) for m in qualified_name_errors(str(e.get("key")))]
    return causes


def selector_matches(sel: dict, labels: dict) -> bool:
    return selector_from_object(sel).matches(labels)


def _workload(obj: dict, old: dict | None, kind: str, restart_always: bool = True,
              pod_spec: bool = True) -> list[Cause]:
    """ValidateDeploymentSpec / ReplicaSetSpec / DaemonSetSpec / StatefulSetSpec's shared part."""
    spec = obj.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = []
    replicas = spec.get("replicas")
    if replicas is not None and (not _int(replicas) or replicas < 0):
        causes.append(invalid_value("spec.replicas", replicas, "must be greater than or equal to 0"))
    sel = spec.get("selector")
    template = spec.get("template")
    if sel is None:
        causes.append(required("spec.selector"))
    else:
        causes += validate_selector(sel, "spec.selector")
        if isinstance(sel, dict) and not sel.get("matchLabels") and not sel.get("matchExpressions"):
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(sel)),
                                        f"empty selector is invalid for {kind.lower()}"))
        elif isinstance(template, dict) and isinstance(sel, dict):
            labels = (template.get("metadata") or {}).get("labels") or {}
            try:
                ok = selector_matches(sel, labels)
            except Exception:          # an invalid selector was reported above
                ok = True
            if not ok:
                causes.append(invalid_value("spec.template.metadata.labels", _Raw(_go_repr(labels)),
                                            "`selector` does not match template `labels`"))
    if pod_spec:
        causes += validate_template(template, "spec.template")
    elif isinstance(template, dict):
        md = template.get("metadata") or {}
        causes += validate_labels(md.get("labels"), "spec.template.labels")
        causes += validate_annotations(md.get("annotations"), "spec.template.annotations")
    else:
        causes.append(required("spec.template"))
    if isinstance(template, dict) and restart_always:
        rp = (template.get("spec") or {}).get("restartPolicy") if isinstance(template.get("spec"), dict) else None
        if rp and rp != "Always":
            causes.append(unsupported_value("spec.template.spec.restartPolicy", rp, ["Always"]))
    for key in ("minReadySeconds", "revisionHistoryLimit"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"spec.{key}", v, "must be greater than or equal to 0"))
    if old is not None:
        osel = (old.get("spec") or {}).get("selector")
        if sel != osel:
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(sel)), "field is immutable"))
    return causes


def _intstr_repr(v) -> str:
    if isinstance(v, str):
        return f'intstr.IntOrString{{Type:1, IntVal:0, StrVal:"{v}"}}'
    return f'intstr.IntOrString{{Type:0, IntVal:{v}, StrVal:""}}'


def _int_or_percent(v, field: str) -> list[Cause]:
    """ValidatePositiveIntOrPercent + IsNotMoreThan100Percent."""
    if isinstance(v, str):
        m = re.match(r"^([0-9]+)%$", v)
        if not m:
            return [invalid_value(field, v, "a valid percent string must be a numeric string followed by an "
                                  "ending '%' (e.g. '1%',  or '93%', regex used for validation is "
                                  "'[0-9]+%')")]
        if int(m.group(1)) > 100:
            return [invalid_value(field, v, "must not be greater than 100%")]
        return []
    if _int(v) and v < 0:
        return [invalid_value(field, v, "must be greater than or equal to 0")]
    return []


def _is_zero(v) -> bool:
    return v == 0 or (isinstance(v, str) and re.match(r"^0+%$", v) is not None)


@validator("Deployment")
def validate_deployment(d: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#writing-a-deployment-spec"""
    causes = _workload(d, old, "Deployment")
    spec = d.get("spec") if isinstance(d.get("spec"), dict) else {}
    strategy = spec.get("strategy") or {}
    typ = strategy.get("type")
    if typ not in ("Recreate", "RollingUpdate"):
        causes.append(unsupported_value("spec.strategy.type", typ, ["Recreate", "RollingUpdate"]))
    elif typ == "Recreate" and strategy.get("rollingUpdate") is not None:
        causes.append(forbidden("spec.strategy.rollingUpdate",
                                "may not be specified when strategy `type` is 'Recreate'"))
    ru = strategy.get("rollingUpdate")
    if typ == "RollingUpdate" and isinstance(ru, dict):
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        causes += _int_or_percent(mu, "spec.strategy.rollingUpdate.maxUnavailable")
        causes += _int_or_percent(ms, "spec.strategy.rollingUpdate.maxSurge")
        if _is_zero(mu) and _is_zero(ms):
            causes.append(invalid_value("spec.strategy.rollingUpdate.maxUnavailable", _Raw(_intstr_repr(mu)),
                                        "may not be 0 when `maxSurge` is 0"))
    pds = spec.get("progressDeadlineSeconds")
    if pds is not None:
        if not _int(pds) or pds < 0:
            causes.append(invalid_value("spec.progressDeadlineSeconds", pds, "must be greater than or equal to 0"))
        elif pds <= (spec.get("minReadySeconds") or 0):
            causes.append(invalid_value("spec.progressDeadlineSeconds", pds,
                                        "must be greater than minReadySeconds"))
    return causes


@validator("ReplicaSet")
def validate_replicaset(rs: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#writing-a-replicaset-manifest"""
    return _workload(rs, old, "ReplicaSet")


@validator("DaemonSet")
def validate_daemonset(ds: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#writing-a-daemonset-spec"""
    causes = _workload(ds, old, "DaemonSet")
    spec = ds.get("spec") if isinstance(ds.get("spec"), dict) else {}
    us = spec.get("updateStrategy") or {}
    if us.get("type") not in ("OnDelete", "RollingUpdate"):
        causes.append(unsupported_value("spec.updateStrategy.type", us.get("type"), ["OnDelete", "RollingUpdate"]))
    ru = us.get("rollingUpdate")
    if us.get("type") == "RollingUpdate" and isinstance(ru, dict):
        mu, ms = ru.get("maxUnavailable"), ru.get("maxSurge")
        causes += _int_or_percent(mu, "spec.updateStrategy.rollingUpdate.maxUnavailable")
        causes += _int_or_percent(ms, "spec.updateStrategy.rollingUpdate.maxSurge")
        if _is_zero(mu) and _is_zero(ms):
            causes.append(invalid_value("spec.updateStrategy.rollingUpdate.maxUnavailable",
                                        _Raw(_intstr_repr(mu)), "cannot be 0 when maxSurge is 0"))
    return causes


STATEFULSET_UPDATE_FORBIDDEN = (
    "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', "
    "'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden")


@validator("StatefulSet")
def validate_statefulset(sts: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/"""
    # ValidatePodTemplateSpecForStatefulSet checks only the template's labels and annotations
    # (its volume mounts may name volumeClaimTemplates, which are not pod volumes).
    causes = _workload(sts, None, "StatefulSet", pod_spec=False)
    spec = sts.get("spec") if isinstance(sts.get("spec"), dict) else {}
    pmp = spec.get("podManagementPolicy")
    if pmp not in ("OrderedReady", "Parallel"):
        causes.append(unsupported_value("spec.podManagementPolicy", pmp, ["OrderedReady", "Parallel"]))
    if old is not None:
        mutable = ("replicas", "ordinals", "template", "updateStrategy", "persistentVolumeClaimRetentionPolicy",
                   "minReadySeconds")
        ospec = old.get("spec") or {}
        if {k: v for k, v in spec.items() if k not in mutable} != \
                {k: v for k, v in ospec.items() if k not in mutable}:
            causes.append(forbidden("spec", STATEFULSET_UPDATE_FORBIDDEN))
    return causes


def _job_spec(spec, field: str, old_spec=None, generated: bool = False) -> list[Cause]:
    if not isinstance(spec, dict):
        return [required(field)]
    causes = []
    for key in ("parallelism", "completions", "backoffLimit"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"{field}.{key}", v, "must be greater than or equal to 0"))
    ad = spec.get("activeDeadlineSeconds")
    if ad is not None and (not _int(ad) or ad <= 0):
        causes.append(invalid_value(f"{field}.activeDeadlineSeconds", ad, "must be greater than 0"))
    cm = spec.get("completionMode")
    if cm is not None and cm not in ("NonIndexed", "Indexed"):
        causes.append(unsupported_value(f"{field}.completionMode", cm, ["NonIndexed", "Indexed"]))
    if cm == "Indexed" and spec.get("completions") is None:
        causes.append(required(f"{field}.completions", "when completion mode is Indexed"))
    template = spec.get("template")
    causes += validate_template(template, f"{field}.template")
    sel = spec.get("selector")
    if sel is None:
        if spec.get("manualSelector") is True:
            causes.append(required(f"{field}.selector"))
    elif isinstance(sel, dict) and isinstance(template, dict):
        causes += validate_selector(sel, f"{field}.selector")
        labels = (template.get("metadata") or {}).get("labels") or {}
        if (sel.get("matchLabels") or sel.get("matchExpressions")) and not selector_matches(sel, labels) \
                and spec.get("manualSelector") is True:
            causes.append(invalid_value(f"{field}.template.metadata.labels", _Raw(_go_repr(labels)),
                                        "`selector` does not match template `labels`"))
    if isinstance(template, dict) and isinstance(template.get("spec"), dict):
        rp = template["spec"].get("restartPolicy")
        if rp not in ("OnFailure", "Never"):
            causes.append(required(f"{field}.template.spec.restartPolicy", 'valid values: "OnFailure", "Never"'))
    return causes


@validator("Job")
def validate_job(job: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/job/#writing-a-job-spec"""
    spec = job.get("spec")
    causes = _job_spec(spec, "spec")
    if old is not None and isinstance(spec, dict):
        ospec = old.get("spec") or {}
        if spec.get("completions") != ospec.get("completions") and spec.get("completionMode") != "Indexed":
            causes.append(invalid_value("spec.completions", spec.get("completions"), "field is immutable"))
        if spec.get("selector") != ospec.get("selector"):
            causes.append(invalid_value("spec.selector", _Raw(_selector_repr(spec.get("selector"))),
                                        "field is immutable"))
        if spec.get("template") != ospec.get("template") and not ospec.get("suspend"):
            causes.append(invalid_value("spec.template", _Raw("core.PodTemplateSpec{...}"),
                                        "field is immutable"))
    return causes


_CRON_FIELD = re.compile(r"^[0-9A-Za-z*/,\-?]+$")
_CRON_DESCRIPTORS = {"@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"}


def cron_schedule_error(schedule: str) -> str | None:
    """robfig/cron ParseStandard's complaint about ``schedule``, or None."""
    s = schedule.strip()
    if not s:
        return "empty spec string"
    if s.startswith("TZ=") or s.startswith("CRON_TZ="):
        return None
    if s.startswith("@"):
        if s in _CRON_DESCRIPTORS or s.startswith("@every "):
            return None
        return f"unrecognized descriptor: {s}"
    fields = s.split()
    if len(fields) != 5:
        return f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]"
    bounds = [(0, 59), (0, 23), (1, 31), (1, 12), (0, 6)]
    names = [None, None, None, ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov",
                                "dec"], ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]]
    for f, (lo, hi), nm in zip(fields, bounds, names):
        for part in f.split(","):
            rng, _, step = part.partition("/")
            if step and not step.isdigit():
                return f"failed to parse int from {step}: strconv.Atoi: parsing \"{step}\": invalid syntax"
            if rng in ("*", "?"):
                continue
            lo_s, _, hi_s = rng.partition("-")
            for v in (lo_s, hi_s) if hi_s else (lo_s,):
                if nm and v.lower() in nm:
                    continue
                if not v.isdigit():
                    return f"failed to parse int from {v}: strconv.Atoi: parsing \"{v}\": invalid syntax"
                if not lo <= int(v) <= hi:
                    return (f"end of range ({v}) above maximum ({hi}): {rng}" if int(v) > hi
                            else f"beginning of range ({v}) below minimum ({lo}): {rng}")
    return None


@validator("CronJob")
def validate_cronjob(cj: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#writing-a-cronjob-spec"""
    causes = []
    name = (cj.get("metadata") or {}).get("name")
    if isinstance(name, str) and len(name) > 52:
        causes.append(invalid_value("metadata.name", name, "must be no more than 52 characters"))
    spec = cj.get("spec")
    if not isinstance(spec, dict):
        return causes + [required("spec")]
    sched = spec.get("schedule")
    if not sched:
        causes.append(required("spec.schedule"))
    elif isinstance(sched, str):
        if "TZ=" in sched:
            causes.append(invalid_value("spec.schedule", sched,
                                        "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"))
        else:
            err = cron_schedule_error(sched)
            if err:
                causes.append(invalid_value("spec.schedule", sched, err))
    cp = spec.get("concurrencyPolicy")
    if cp not in ("Allow", "Forbid", "Replace"):
        causes.append(unsupported_value("spec.concurrencyPolicy", cp, ["Allow", "Forbid", "Replace"]))
    for key in ("successfulJobsHistoryLimit", "failedJobsHistoryLimit", "startingDeadlineSeconds"):
        v = spec.get(key)
        if v is not None and (not _int(v) or v < 0):
            causes.append(invalid_value(f"spec.{key}", v, "must be greater than or equal to 0"))
    jt = spec.get("jobTemplate")
    if not isinstance(jt, dict):
        causes.append(required("spec.jobTemplate"))
    else:
        causes += _job_spec(jt.get("spec"), "spec.jobTemplate.spec")
    return causes
