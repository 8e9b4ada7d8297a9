"""``kubectl rollout status|history|undo|pause|resume|restart``.

These commands read and write what the Deployment controller keeps: the
``deployment.kubernetes.io/revision`` annotation of each ReplicaSet is a
revision, its pod template the revision's content
(https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#rolling-back-a-deployment).

* ``status`` watches the object and prints kubectl's progress sentences until the
  rollout completes (``deployment "web" successfully rolled out``) or fails. Here
  "waiting" means advancing the cluster's virtual clock, event by event.
* ``history`` lists revisions with their ``kubernetes.io/change-cause``.
* ``undo`` copies the pod template of an older revision back into the Deployment
  (a JSON patch, as kubectl does); the controller then rolls it out as a *new* revision.
* ``pause``/``resume`` set ``spec.paused``; ``restart`` stamps the template with
  ``kubectl.kubernetes.io/restartedAt`` so every pod is replaced.

Messages are those of k8s.io/kubectl/pkg/polymorphichelpers (rollout_status.go,
history.go, rollback.go, objectpauser.go, objectrestarter.go).
"""

from __future__ import annotations

import re

from ..api.meta import clone, rfc3339
from ..api.podtemplate import templates_equal
from ..errors import ApiError
from .describe.pods import describe_pod_template
from .describe.workloads import deployment_replicasets
from .describe.writer import PrefixWriter, tabwrite
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, qualified, split_targets

REVISION = "deployment.kubernetes.io/revision"
CHANGE_CAUSE = "kubernetes.io/change-cause"
RESTARTED_AT = "kubectl.kubernetes.io/restartedAt"
# Deployment annotations a rollback keeps from the Deployment instead of copying from the ReplicaSet.
ANNOTATIONS_TO_SKIP = ("kubectl.kubernetes.io/last-applied-configuration", REVISION,
                       "deployment.kubernetes.io/revision-history", "deployment.kubernetes.io/desired-replicas",
                       "deployment.kubernetes.io/max-replicas", "deprecated.deployment.rollback.to")
# How long `rollout status` waits at most when no --timeout is given (virtual seconds).
STATUS_WAIT_CAP = 3600


class RolloutFailed(Exception):
    pass


# --- status: pure functions of the object, one per kind -------------------------------------

def deployment_status(d: dict, revision: int = 0) -> tuple[str, bool]:
    """DeploymentStatusViewer.Status: (message, done); raises RolloutFailed on a dead rollout."""
    name = d["metadata"]["name"]
    spec, st = d.get("spec") or {}, d.get("status") or {}
    if revision > 0:
        cur = int((d["metadata"].get("annotations") or {}).get(REVISION, "0") or 0)
        if cur != revision:
            raise RolloutFailed(f"desired revision ({revision}) is different from the running revision ({cur})")
    if d["metadata"].get("generation", 0) <= st.get("observedGeneration", 0):
        cond = next((c for c in st.get("conditions") or [] if c.get("type") == "Progressing"), None)
        if cond is not None and cond.get("reason") == "ProgressDeadlineExceeded":
            raise RolloutFailed(f'deployment "{name}" exceeded its progress deadline')
        replicas = spec.get("replicas", 1)
        updated = st.get("updatedReplicas", 0)
        if updated < replicas:
            return (f'Waiting for deployment "{name}" rollout to finish: {updated} out of {replicas} '
                    f"new replicas have been updated..."), False
        if st.get("replicas", 0) > updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {st.get("replicas", 0) - updated} '
                    f"old replicas are pending termination..."), False
        if st.get("availableReplicas", 0) < updated:
            return (f'Waiting for deployment "{name}" rollout to finish: {st.get("availableReplicas", 0)} of '
                    f"{updated} updated replicas are available..."), False
        return f'deployment "{name}" successfully rolled out', True
    return "Waiting for deployment spec update to be observed...", False


def daemonset_status(ds: dict) -> tuple[str, bool]:
    name = ds["metadata"]["name"]
    spec, st = ds.get("spec") or {}, ds.get("status") or {}
    if (spec.get("updateStrategy") or {}).get("type", "RollingUpdate") != "RollingUpdate":
        raise RolloutFailed("rollout status is only available for RollingUpdate strategy type")
    if ds["metadata"].get("generation", 0) <= st.get("observedGeneration", 0):
        desired = st.get("desiredNumberScheduled", 0)
        if st.get("updatedNumberScheduled", 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {st.get("updatedNumberScheduled", 0)} '
                    f"out of {desired} new pods have been updated..."), False
        if st.get("numberAvailable", 0) < desired:
            return (f'Waiting for daemon set "{name}" rollout to finish: {st.get("numberAvailable", 0)} of '
                    f"{desired} updated pods are available..."), False
        return f'daemon set "{name}" successfully rolled out', True
    return "Waiting for daemon set spec update to be observed...", False


def statefulset_status(sts: dict) -> tuple[str, bool]:
    spec, st = sts.get("spec") or {}, sts.get("status") or {}
    us = spec.get("updateStrategy") or {}
    if us.get("type", "RollingUpdate") != "RollingUpdate":
        raise RolloutFailed("rollout status is only available for RollingUpdate strategy type")
    if not st.get("observedGeneration") or sts["metadata"].get("generation", 0) > st["observedGeneration"]:
        return "Waiting for statefulset spec update to be observed...", False
    replicas = spec.get("replicas", 1)
    if st.get("readyReplicas", 0) < replicas:
        return f"Waiting for {replicas - st.get('readyReplicas', 0)} pods to be ready...", False
    ru = us.get("rollingUpdate")
    if ru is not None:
        if ru.get("partition") is not None and st.get("updatedReplicas", 0) < replicas - ru["partition"]:
            return (f"Waiting for partitioned roll out to finish: {st.get('updatedReplicas', 0)} out of "
                    f"{replicas - ru['partition']} new pods have been updated..."), False
        return f"partitioned roll out complete: {st.get('updatedReplicas', 0)} new pods have been updated...", True
    if st.get("updateRevision") != st.get("currentRevision"):
        return (f"waiting for statefulset rolling update to complete {st.get('updatedReplicas', 0)} pods at "
                f"revision {st.get('updateRevision')}..."), False
    return (f"statefulset rolling update complete {st.get('currentReplicas', 0)} pods at revision "
            f"{st.get('currentRevision')}..."), True


def status_of(obj: dict, revision: int = 0) -> tuple[str, bool]:
    kind = obj.get("kind")
    if kind == "Deployment":
        return deployment_status(obj, revision)
    if kind == "DaemonSet":
        return daemonset_status(obj)
    if kind == "StatefulSet":
        return statefulset_status(obj)
    raise KubectlError(f"error: no status viewer has been implemented for {kind}")


def parse_duration(text: str) -> float:
    """A Go duration (``30s``, ``5m``, ``1h30m``, ``0``) in seconds."""
    if text in ("0", ""):
        return 0.0
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|s|m|h)", text)
    if not parts or "".join(n + u for n, u in parts) != text:
        raise KubectlError(f'error: invalid argument "{text}" for "--timeout" flag: time: invalid duration '
                           f'"{text}"')
    mult = {"ms": 0.001, "s": 1, "m": 60, "h": 3600}
    return sum(float(n) * mult[u] for n, u in parts)


def watch_status(cluster, res, name: str, namespace: str | None, *, revision: int = 0,
                 watch: bool = True, timeout: float = 0) -> str:
    """rollout status: print the status at each change of the object until done, advancing virtual time."""
    api, clock = cluster.apiserver, cluster.clock
    lines: list[str] = []

    def emit(obj) -> bool:
        try:
            msg, done = status_of(obj, revision)
        except RolloutFailed as e:
            raise KubectlError("".join(x + "\n" for x in lines) + f"error: {e}") from None
        if not lines or lines[-1] != msg:
            lines.append(msg)
        return done

    obj = api.get(res, name, namespace)
    if emit(obj) or not watch:
        return "\n".join(lines)
    seen: list[dict] = []
    listed_rv = int(obj["metadata"]["resourceVersion"])

    def on_event(typ, o):
        # watch from the revision we read (as kubectl's list-then-watch): older events are not news
        if typ in ("ADDED", "MODIFIED") and int(o["metadata"]["resourceVersion"]) > listed_rv:
            seen.append(o)

    w = api.watch(res, on_event, namespace, field_selector=f"metadata.name={name}")
    deadline = clock.now + (timeout if timeout > 0 else STATUS_WAIT_CAP)
    try:
        while True:
            while seen:
                if emit(seen.pop(0)):
                    return "\n".join(lines)
            nxt = clock.next_time()
            if nxt is None or nxt > deadline:
                clock.now = max(clock.now, deadline)
                raise KubectlError("".join(x + "\n" for x in lines) + "error: timed out waiting for the condition")
            clock.step()
    finally:
        w.stop()


# --- history and undo -----------------------------------------------------------------------

def revision_of(rs: dict) -> int | None:
    v = (rs["metadata"].get("annotations") or {}).get(REVISION)
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def deployment_history(api, d: dict) -> dict[int, dict]:
    """revision -> pod template (with the change-cause annotation copied in), as ViewHistory builds it."""
    old, new = deployment_replicasets(d, api.list("replicasets", d["metadata"]["namespace"])["items"])
    history: dict[int, dict] = {}
    for rs in old + ([new] if new else []):
        v = revision_of(rs)
        if v is None:
            continue
        tpl = clone(rs["spec"].get("template") or {})
        cause = (rs["metadata"].get("annotations") or {}).get(CHANGE_CAUSE)
        if cause:
            tpl.setdefault("metadata", {}).setdefault("annotations", {})[CHANGE_CAUSE] = cause
        history[v] = tpl
    return history


def print_template(tpl: dict) -> str:
    """printTemplate: DescribePodTemplate written straight to a buffer (no tabwriter: tabs stay)."""
    w = PrefixWriter()
    describe_pod_template(tpl, w)
    return "".join(w._buf)


def history_text(api, d: dict, revision: int) -> str:
    history = deployment_history(api, d)
    if not history:
        return "No rollout history found."
    if revision > 0:
        if revision not in history:
            raise KubectlError("error: unable to find the specified revision")
        return print_template(history[revision])
    rows = "REVISION\tCHANGE-CAUSE\n" + "".join(
        f"{r}\t{((history[r].get('metadata') or {}).get('annotations') or {}).get(CHANGE_CAUSE) or '<none>'}\n"
        for r in sorted(history))
    return tabwrite(rows, padding=2)


def rs_for_revision(api, d: dict, to_revision: int) -> dict:
    """deploymentRevision: the ReplicaSet of ``to_revision``, or the previous one when 0."""
    old, new = deployment_replicasets(d, api.list("replicasets", d["metadata"]["namespace"])["items"])
    latest, latest_v, prev, prev_v = None, -1, None, -1
    for rs in old + ([new] if new else []):
        v = revision_of(rs)
        if v is None:
            continue
        if to_revision == 0:
            if latest_v < v:
                prev, prev_v = latest, latest_v
                latest, latest_v = rs, v
            elif prev_v < v:
                prev, prev_v = rs, v
        elif to_revision == v:
            return rs
    if to_revision > 0:
        raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    if prev is None:
        raise KubectlError(f'error: no rollout history found for deployment "{d["metadata"]["name"]}"')
    return prev


def undo(api, d: dict, to_revision: int, dry_run: bool = False) -> str:
    """DeploymentRollbacker.Rollback; returns kubectl's operation word(s)."""
    if to_revision < 0:
        raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    rs = rs_for_revision(api, d, to_revision)
    if dry_run:
        return print_template(rs["spec"]["template"])
    if (d.get("spec") or {}).get("paused"):
        raise KubectlError("error: you cannot rollback a paused deployment; resume it first with "
                           "'kubectl rollout resume' and try again")
    if templates_equal(rs["spec"]["template"], d["spec"]["template"]):
        return f"skipped rollback (current template already matches revision {to_revision})"
    tpl = clone(rs["spec"]["template"])
    labels = (tpl.get("metadata") or {}).get("labels") or {}
    labels.pop("pod-template-hash", None)
    annotations = {k: v for k, v in (d["metadata"].get("annotations") or {}).items() if k in ANNOTATIONS_TO_SKIP}
    for k, v in (rs["metadata"].get("annotations") or {}).items():
        if k not in ANNOTATIONS_TO_SKIP:
            annotations[k] = v
    patch = [{"op": "replace", "path": "/spec/template", "value": tpl},
             {"op": "replace", "path": "/metadata/annotations", "value": annotations}]
    try:
        api.patch("deployments", d["metadata"]["name"], patch, d["metadata"]["namespace"], patch_type="json")
    except ApiError as e:
        raise KubectlError(f"error: failed restoring revision {to_revision}: {e.message}") from None
    return "rolled back"


# --- DaemonSet and StatefulSet history: ControllerRevisions ----------------------------------------

def controller_revisions(api, obj: dict) -> list[dict]:
    """The ControllerRevisions a DaemonSet/StatefulSet controller keeps, oldest revision first."""
    uid = obj["metadata"].get("uid")
    revs = [r for r in api.list("controllerrevisions", obj["metadata"]["namespace"])["items"]
            if any(ref.get("controller") and ref.get("uid") == uid for ref in r["metadata"].get("ownerReferences") or [])]
    return sorted(revs, key=lambda r: r.get("revision", 0))


def revision_template(rev: dict) -> dict:
    """applyDaemonSetHistory: the pod template a ControllerRevision stores (its data is a patch)."""
    tpl = clone(((rev.get("data") or {}).get("spec") or {}).get("template") or {})
    tpl.pop("$patch", None)
    return tpl


def revisions_history_text(api, obj: dict, revision: int) -> str:
    """printHistory over ControllerRevisions (polymorphichelpers/history.go)."""
    revs = {r.get("revision", 0): r for r in controller_revisions(api, obj)}
    if not revs:
        return "No rollout history found."
    if revision > 0:
        if revision not in revs:
            raise KubectlError("error: unable to find the specified revision")
        return print_template(revision_template(revs[revision]))
    rows = "REVISION\tCHANGE-CAUSE\n" + "".join(
        f"{r}\t{(revs[r]['metadata'].get('annotations') or {}).get(CHANGE_CAUSE) or '<none>'}\n" for r in sorted(revs))
    return tabwrite(rows)


def revisions_undo(api, res, obj: dict, to_revision: int, dry_run: bool = False) -> str:
    """DaemonSetRollbacker / StatefulSetRollbacker.Rollback."""
    if to_revision < 0:
        raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    revs = controller_revisions(api, obj)
    if to_revision == 0 and len(revs) <= 1:
        raise KubectlError("error: no last revision to roll back to")
    if to_revision == 0:
        target = revs[-2]
    else:
        target = next((r for r in revs if r.get("revision") == to_revision), None)
        if target is None:
            raise KubectlError(f"error: unable to find specified revision {to_revision} in history")
    tpl = revision_template(target)
    if dry_run:
        return print_template(tpl)
    if templates_equal(tpl, obj["spec"]["template"]) or tpl == obj["spec"]["template"]:
        return f"skipped rollback (current template already matches revision {to_revision})"
    api.patch(res, obj["metadata"]["name"], [{"op": "replace", "path": "/spec/template", "value": tpl}],
              obj["metadata"]["namespace"], patch_type="json")
    return "rolled back"


# --- the command ------------------------------------------------------------------------------

FLAGS = {"revision": "int", "to-revision": "int", "watch": "bool", "timeout": "str", "namespace": "str",
         "selector": "str", "dry-run": "str", "output": "str", "filename": "list"}
ALIASES = {"w": "watch", "n": "namespace", "l": "selector", "o": "output", "f": "filename"}
SUPPORTED = {"status": ("Deployment", "DaemonSet", "StatefulSet"),
             "history": ("Deployment", "DaemonSet", "StatefulSet"),
             "undo": ("Deployment", "DaemonSet", "StatefulSet"), "pause": ("Deployment",), "resume": ("Deployment",),
             "restart": ("Deployment", "DaemonSet", "StatefulSet")}


def _objects(inv, pos, flags, sub):
    ns = flags.get("namespace") or inv.ns()
    targets = split_targets(pos)
    if not targets:
        raise KubectlError("error: required resource not specified")
    out = []
    for res, name in targets:
        if res.kind not in SUPPORTED[sub]:
            gk = f"{res.kind}.{res.group}" if res.group else res.kind     # schema.GroupKind.String()
            what = {"status": "status viewer", "history": "history viewer", "undo": "rollbacker"}.get(sub)
            if what:
                raise KubectlError(f"error: no {what} has been implemented for {gk}")
            raise KubectlError(f'error: {res.group_resource} "{name}" {sub.rstrip("e")}ing is not supported')
        if name is None:
            for o in inv.api.list(res, ns, label_selector=flags.get("selector"))["items"]:
                out.append((res, o))
        else:
            out.append((res, inv.api.get(res, name, ns)))
    return out


@command("rollout", "Manage the rollout of a resource")
@printed
def rollout(inv: Invocation) -> str:
    if not inv.args or inv.args[0] not in SUPPORTED:
        raise KubectlError("error: Required resource not specified.\nSee 'kubectl rollout -h' for help and examples"
                           if not inv.args else f'error: unknown command "{inv.args[0]}" for "kubectl rollout"')
    sub = inv.args[0]
    pos, flags = parse_flags(inv.args[1:], FLAGS, ALIASES, verb=f"rollout {sub}")
    api = inv.api
    out: list[str] = []
    objects = _objects(inv, pos, flags, sub)
    if sub == "status" and len(objects) != 1:
        raise KubectlError("error: rollout status is only supported on individual resources and resource "
                           "collections are not supported yet")
    for res, obj in objects:
        name, ns = obj["metadata"]["name"], obj["metadata"].get("namespace")
        q = qualified(res, name)
        if sub == "status":
            out.append(watch_status(inv.cluster, res, name, ns, revision=flags.get("revision", 0),
                                    watch=flags.get("watch", True),
                                    timeout=parse_duration(flags.get("timeout", "0"))))
        elif sub == "history":
            rev = flags.get("revision", 0)
            text = (history_text(api, obj, rev) if res.kind == "Deployment"
                    else revisions_history_text(api, obj, rev))
            head = f"{q} with revision #{rev}" if rev > 0 else f"{q} "
            out.append(f"{head}\n{text}\n")   # the name printer adds a newline after the table
        elif sub == "undo":
            if res.kind == "Deployment":
                word = undo(api, obj, flags.get("to-revision", 0), dry_run=flags.get("dry-run") == "client")
            else:
                word = revisions_undo(api, res, obj, flags.get("to-revision", 0),
                                      dry_run=flags.get("dry-run") == "client")
            out.append(word if flags.get("dry-run") == "client" else f"{q} {word}")
        elif sub in ("pause", "resume"):
            paused = bool((obj.get("spec") or {}).get("paused"))
            if sub == "pause" and paused:
                raise KubectlError(f'error: {res.group_resource} "{name}" is already paused')
            if sub == "resume" and not paused:
                raise KubectlError(f'error: {res.group_resource} "{name}" is not paused')
            api.patch(res, name, {"spec": {"paused": True if sub == "pause" else None}}, ns)
            out.append(f"{q} {'paused' if sub == 'pause' else 'resumed'}")
        elif sub == "restart":
            if (obj.get("spec") or {}).get("paused"):
                raise KubectlError(f'error: {res.group_resource} "{name}" can\'t restart paused deployment '
                                   "(run rollout resume first)")
            api.patch(res, name, {"spec": {"template": {"metadata": {"annotations": {
                RESTARTED_AT: rfc3339(inv.cluster.clock.now)}}}}}, ns)
            out.append(f"{q} restarted")
    return "\n".join(out)
