"""``kubectl describe`` for the workload kinds: Deployment, ReplicaSet, DaemonSet,
StatefulSet, Job, CronJob.
"""

from __future__ import annotations

from ...api.labels import format_labels
from ...api.meta import parse_time
from ...api.podtemplate import templates_equal
from ..printers import human_duration
from .pods import describe_pod_template
from .writer import (PrefixWriter, annotations_multiline, controlled_by, describe_events, format_selector,
                     go_bool, go_list, labels_multiline, print_bool, rfc1123z)


def _pods_status(pods: list[dict], uid: str) -> tuple[int, int, int, int]:
    """getPodStatusForController: Running / Waiting (Pending) / Succeeded / Failed of owned pods."""
    n = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for p in pods:
        ref = next((r for r in p["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if ref is None or ref.get("uid") != uid:
            continue
        phase = (p.get("status") or {}).get("phase")
        if phase in n:
            n[phase] += 1
    return n["Running"], n["Pending"], n["Succeeded"], n["Failed"]


def _status_line(pods, uid) -> str:
    r, wt, s, f = _pods_status(pods, uid)
    return f"{r} Running / {wt} Waiting / {s} Succeeded / {f} Failed"


def deployment_replicasets(deploy: dict, rss: list[dict]) -> tuple[list[dict], dict | None]:
    """(old ReplicaSets, new ReplicaSet) of a Deployment, as deploymentutil finds them."""
    uid = deploy["metadata"].get("uid")
    owned = [rs for rs in rss
             if any(r.get("controller") and r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])]
    owned.sort(key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))
    new = next((rs for rs in owned if templates_equal(rs["spec"].get("template"),
                                                          deploy["spec"].get("template"))), None)
    old = [rs for rs in owned if rs is not new]
    return old, new


def _rs_list(rss: list[dict]) -> str:
    s = ", ".join(f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
                  f"{rs['spec'].get('replicas', 1)} replicas created)" for rs in rss)
    return s or "<none>"


def _int_or_percent(v) -> str:
    return str(v) if v is not None else ""


def describe_deployment(d: dict, rss: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{_int_or_percent(ru.get('maxUnavailable'))} max unavailable, "
                   f"{_int_or_percent(ru.get('maxSurge'))} max surge\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    old, new = deployment_replicasets(d, rss)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
    describe_events(events, w, now)
    return w.text()


def describe_replicaset(rs: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    ctl = controlled_by(rs)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, "Pods Status:\t")
    w.write(0, _status_line(pods, md.get("uid")) + "\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    describe_events(events, w, now)
    return w.text()


def describe_daemonset(ds: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = ds["metadata"], ds.get("spec") or {}, ds.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(((spec.get('template') or {}).get('spec') or {}).get('nodeSelector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Desired Number of Nodes Scheduled: {st.get('desiredNumberScheduled', 0)}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {st.get('currentNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {st.get('updatedNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Available Pods: {st.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {st.get('numberMisscheduled', 0)}\n")
    w.write(0, f"Pods Status:\t{_status_line(pods, md.get('uid'))}\n")
    describe_pod_template(spec.get("template"), w)
    describe_events(events, w, now)
    return w.text()


def describe_statefulset(ss: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = ss["metadata"], ss.get("spec") or {}, ss.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('replicas', 0)} total\n")
    us = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{us.get('type', '')}\n")
    ru = us.get("rollingUpdate")
    if ru is not None and ru.get("partition") is not None:
        w.write(1, f"Partition:\t{ru['partition']}\n")
        if ru.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
    w.write(0, f"Pods Status:\t{_status_line(pods, md.get('uid'))}\n")
    describe_pod_template(spec.get("template"), w)
    vcts = spec.get("volumeClaimTemplates") or []
    if not vcts:
        w.write(0, "Volume Claims:\t<none>\n")
    else:
        w.write(0, "Volume Claims:\n")
        for pvc in vcts:
            pmd, pspec = pvc.get("metadata") or {}, pvc.get("spec") or {}
            w.write(1, f"Name:\t{pmd.get('name')}\n")
            w.write(1, f"StorageClass:\t{pspec.get('storageClassName', '')}\n")
            labels_multiline(w, "Labels", pmd.get("labels"), initial="  ")
            labels_multiline(w, "Annotations", pmd.get("annotations"), initial="  ")
            cap = ((pspec.get("resources") or {}).get("requests") or {}).get("storage")
            w.write(1, f"Capacity:\t{cap if cap is not None else '<default>'}\n")
            w.write(1, f"Access Modes:\t{go_list(pspec.get('accessModes'))}\n")
    describe_events(events, w, now)
    return w.text()


def describe_job(job: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = job["metadata"], job.get("spec") or {}, job.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector')) if spec.get('selector') else ''}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    ctl = controlled_by(job)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    if spec.get("parallelism") is not None:
        w.write(0, f"Parallelism:\t{spec['parallelism']}\n")
    if spec.get("completions") is not None:
        w.write(0, f"Completions:\t{spec['completions']}\n")
    else:
        w.write(0, "Completions:\t<unset>\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{go_bool(spec['suspend'])}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
    if st.get("completionTime"):
        w.write(0, f"Completed At:\t{rfc1123z(st['completionTime'])}\n")
    if st.get("startTime") and st.get("completionTime"):
        w.write(0, f"Duration:\t{human_duration(parse_time(st['completionTime']) - parse_time(st['startTime']))}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    if st.get("ready") is None:
        w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active / {st.get('succeeded', 0)} Succeeded / "
                   f"{st.get('failed', 0)} Failed\n")
    else:
        w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active ({st['ready']} Ready) / "
                   f"{st.get('succeeded', 0)} Succeeded / {st.get('failed', 0)} Failed\n")
    if spec.get("completionMode") == "Indexed":
        w.write(0, f"Completed Indexes:\t{st.get('completedIndexes') or '<none>'}\n")
    describe_pod_template(spec.get("template"), w)
    describe_events(events, w, now)
    return w.text()


def describe_cronjob(cj: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = cj["metadata"], cj.get("spec") or {}, cj.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    w.write(0, f"Suspend:\t{print_bool(spec['suspend']) if spec.get('suspend') is not None else '<unset>'}\n")
    w.write(0, f"Time Zone:\t{spec.get('timeZone') or '<unset>'}\n")
    for key, title in (("successfulJobsHistoryLimit", "Successful Job History Limit"),
                       ("failedJobsHistoryLimit", "Failed Job History Limit")):
        w.write(0, f"{title}:\t{spec[key] if spec.get(key) is not None else '<unset>'}\n")
    sds = spec.get("startingDeadlineSeconds")
    w.write(0, f"Starting Deadline Seconds:\t{f'{sds}s' if sds is not None else '<unset>'}\n")
    jt = (spec.get("jobTemplate") or {}).get("spec") or {}
    w.write(0, f"Selector:\t{format_selector(jt['selector']) if jt.get('selector') else '<unset>'}\n")
    w.write(0, f"Parallelism:\t{jt['parallelism'] if jt.get('parallelism') is not None else '<unset>'}\n")
    w.write(0, f"Completions:\t{jt['completions'] if jt.get('completions') is not None else '<unset>'}\n")
    if jt.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{jt['activeDeadlineSeconds']}s\n")
    describe_pod_template(jt.get("template"), w)
    lst = st.get("lastScheduleTime")
    w.write(0, f"Last Schedule Time:\t{rfc1123z(lst) if lst else '<unset>'}\n")
    w.write(0, "Active Jobs:\t")
    active = st.get("active") or []
    w.line(", ".join(j.get("name", "") for j in active) if active else "<none>")
    describe_events(events, w, now)
    return w.text()
