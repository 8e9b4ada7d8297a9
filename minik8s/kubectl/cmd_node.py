"""Node maintenance: ``kubectl cordon``, ``uncordon``, ``drain`` and ``taint``.

* ``cordon`` sets ``spec.unschedulable`` so the scheduler's NodeUnschedulable filter
  skips the node; ``uncordon`` clears it.
* ``drain`` cordons, then evicts every pod through the ``pods/eviction`` subresource
  (which honours graceful termination) and waits until they are gone. It refuses pods
  it cannot safely move: DaemonSet pods (their controller would recreate them on the same
  node; ``--ignore-daemonsets`` skips them), pods with no controller (nothing would
  recreate them; ``--force``), pods with emptyDir data (``--delete-emptydir-data``)
  (https://kubernetes.io/docs/tasks/administer-cluster/safely-drain-node/).
* ``taint`` adds ``key=value:Effect`` or removes ``key:Effect-`` / ``key-``
  (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/).

Messages are those of k8s.io/kubectl/pkg/cmd/drain, pkg/drain/filters.go and cmd/taint.
"""

from __future__ import annotations

from ..errors import ApiError
from .cmd_rollout import STATUS_WAIT_CAP, parse_duration
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, resolve

EFFECTS = ("NoSchedule", "PreferNoSchedule", "NoExecute")

# pkg/drain/filters.go
DAEMONSET_FATAL = "DaemonSet-managed Pods (use --ignore-daemonsets to ignore)"
DAEMONSET_WARNING = "ignoring DaemonSet-managed Pods"
LOCAL_STORAGE_FATAL = "Pods with local storage (use --delete-emptydir-data to override)"
LOCAL_STORAGE_WARNING = "deleting Pods with local storage"
UNMANAGED_FATAL = "Pods declare no controller (use --force to override)"
UNMANAGED_WARNING = "deleting Pods that declare no controller"


def _node_names(inv, pos, flags) -> list[str]:
    if flags.get("selector") or flags.get("all"):
        return [n["metadata"]["name"] for n in inv.api.list("nodes", label_selector=flags.get("selector"))["items"]]
    names = []
    for a in pos:
        if "/" in a:
            t, a = a.split("/", 1)
            if resolve(t).kind != "Node":
                raise KubectlError(f"error: cannot {inv.verb} non-node resource {a}")
        names.append(a)
    if not names:
        raise KubectlError(f"error: USAGE: {inv.verb} NODE [flags]\nSee 'kubectl {inv.verb} -h' for help and examples")
    return names


def set_unschedulable(api, name: str, value: bool, dry_run: bool = False) -> str:
    """Cordon or uncordon one node; returns kubectl's line (``node/n1 cordoned``)."""
    node = api.get("nodes", name)
    word = "cordoned" if value else "uncordoned"
    if bool((node.get("spec") or {}).get("unschedulable")) == value:
        return f"node/{name} already {word}"
    if not dry_run:
        api.patch("nodes", name, {"spec": {"unschedulable": True if value else None}})
    return f"node/{name} {word}" + (" (dry run)" if dry_run else "")


FLAGS_CORDON = {"selector": "str", "dry-run": "str", "all": "bool"}


@command("cordon", "Mark node as unschedulable")
@printed
def cordon(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS_CORDON, {"l": "selector"}, verb="cordon")
    return "\n".join(set_unschedulable(inv.api, n, True, flags.get("dry-run") == "client")
                     for n in _node_names(inv, pos, flags))


@command("uncordon", "Mark node as schedulable")
@printed
def uncordon(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS_CORDON, {"l": "selector"}, verb="uncordon")
    return "\n".join(set_unschedulable(inv.api, n, False, flags.get("dry-run") == "client")
                     for n in _node_names(inv, pos, flags))


# --- drain ---------------------------------------------------------------------------------------

def pod_delete_status(pod: dict, *, ignore_daemonsets: bool, force: bool, delete_emptydir: bool,
                      daemonsets: set) -> tuple[str, str]:
    """The drain filters for one pod: ("okay"|"skip"|"warning"|"error", message)."""
    st = pod.get("status") or {}
    finished = st.get("phase") in ("Succeeded", "Failed")
    ctl = next((r for r in pod["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
    if ctl is not None and ctl.get("kind") == "DaemonSet":
        ns = pod["metadata"].get("namespace")
        if (ns, ctl.get("name")) not in daemonsets and not force:
            return "error", f'daemonset.apps "{ctl.get("name")}" not found'
        if not ignore_daemonsets:
            return "error", DAEMONSET_FATAL
        return "skip", DAEMONSET_WARNING
    if "kubernetes.io/config.mirror" in (pod["metadata"].get("annotations") or {}):
        return "skip", "ignoring mirror pods"
    if not finished and any("emptyDir" in v for v in (pod.get("spec") or {}).get("volumes") or []):
        if not delete_emptydir:
            return "error", LOCAL_STORAGE_FATAL
        result = ("warning", LOCAL_STORAGE_WARNING)
    else:
        result = ("okay", "")
    if finished:
        return "okay", ""
    if ctl is None:
        if not force:
            return "error", UNMANAGED_FATAL
        return "warning", UNMANAGED_WARNING
    return result


def pods_for_deletion(api, node: str, **opts) -> tuple[list[dict], list[str], list[str]]:
    """GetPodsForDeletion: (pods to evict, warning lines, error lines), grouped as kubectl prints them."""
    pods = api.list("pods", field_selector=f"spec.nodeName={node}")["items"]
    daemonsets = {(d["metadata"]["namespace"], d["metadata"]["name"]) for d in api.list("daemonsets")["items"]}
    evict, warnings, errors = [], {}, {}
    for p in pods:
        kind, msg = pod_delete_status(p, daemonsets=daemonsets, **opts)
        ref = f"{p['metadata']['namespace']}/{p['metadata']['name']}"
        if kind == "error":
            errors.setdefault(msg, []).append(ref)
        elif kind in ("warning", "skip"):
            warnings.setdefault(msg, []).append(ref)
        if kind in ("okay", "warning"):
            evict.append(p)
    warn = [f"{m}: {', '.join(v)}" for m, v in sorted(warnings.items())]
    errs = [f"cannot delete {m}: {', '.join(v)}" for m, v in sorted(errors.items())]
    return evict, warn, errs


def drain_node(cluster, node: str, *, ignore_daemonsets=False, force=False, delete_emptydir=False,
               grace_period: int = -1, timeout: float = 0, dry_run: bool = False) -> tuple[list[str], list[str] | None]:
    """Evict a node's pods and wait (on the virtual clock) until they are gone.

    Returns (output lines, error lines or None)."""
    api, clock = cluster.apiserver, cluster.clock
    evict, warnings, errors = pods_for_deletion(api, node, ignore_daemonsets=ignore_daemonsets, force=force,
                                                delete_emptydir=delete_emptydir)
    if errors:
        return [], errors
    out = []
    if warnings:
        out.append("Warning: " + "; ".join(warnings))
    if dry_run:
        out += [f"evicting pod {p['metadata']['namespace']}/{p['metadata']['name']} (dry run)" for p in evict]
        return out, None
    pending = []
    for p in evict:
        ns, name = p["metadata"]["namespace"], p["metadata"]["name"]
        out.append(f"evicting pod {ns}/{name}")
        body = {"apiVersion": "policy/v1", "kind": "Eviction", "metadata": {"name": name, "namespace": ns}}
        if grace_period >= 0:
            body["deleteOptions"] = {"gracePeriodSeconds": grace_period}
        try:
            api.create("pods", body, ns, subresource="eviction")
        except ApiError as e:
            if e.code == 404:
                out.append(f"pod/{name} evicted")
                continue
            raise
        pending.append(p)
    deadline = clock.now + (timeout if timeout > 0 else STATUS_WAIT_CAP)
    while pending:
        still = []
        for p in pending:
            md = p["metadata"]
            cur = api.store.peek("pods", f"{md['namespace']}/{md['name']}")
            if cur is None or cur["metadata"].get("uid") != md.get("uid"):
                out.append(f"pod/{md['name']} evicted")
            else:
                still.append(p)
        pending = still
        if not pending:
            break
        nxt = clock.next_time()
        if nxt is None or nxt > deadline:
            clock.now = max(clock.now, deadline)
            return out, [f"drain did not complete within {_go_duration(timeout or STATUS_WAIT_CAP)}"]
        clock.step()
    return out, None


def _go_duration(seconds: float) -> str:
    s = int(seconds)
    h, rem = divmod(s, 3600)
    m, sec = divmod(rem, 60)
    if h:   # Go's time.Duration.String()
        return f"{h}h{m}m{sec}s"
    if m:
        return f"{m}m{sec}s"
    return f"{sec}s"


FLAGS_DRAIN = {"ignore-daemonsets": "bool", "delete-emptydir-data": "bool", "delete-local-data": "bool",
               "force": "bool", "grace-period": "int", "timeout": "str", "selector": "str", "dry-run": "str",
               "disable-eviction": "bool", "skip-wait-for-delete-timeout": "int", "pod-selector": "str",
               "chunk-size": "int"}


@command("drain", "Drain node in preparation for maintenance")
@printed
def drain(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS_DRAIN, {"l": "selector"}, verb="drain")
    names = _node_names(inv, pos, flags)
    timeout = parse_duration(flags.get("timeout", "0"))
    dry = flags.get("dry-run") == "client"
    out: list[str] = []
    if flags.get("delete-local-data"):
        out.append("Flag --delete-local-data has been deprecated, This option is deprecated and will be deleted. "
                   "Use --delete-emptydir-data.")
    for n in names:
        out.append(set_unschedulable(inv.api, n, True, dry))
    failed: list[str] = []
    fatal: list[str] = []
    for n in names:
        lines, errs = drain_node(inv.cluster, n, ignore_daemonsets=flags.get("ignore-daemonsets", False),
                                 force=flags.get("force", False),
                                 delete_emptydir=flags.get("delete-emptydir-data", False)
                                 or flags.get("delete-local-data", False),
                                 grace_period=flags.get("grace-period", -1), timeout=timeout, dry_run=dry)
        out += lines
        if errs is None:
            out.append(f"node/{n} drained" + (" (dry run)" if dry else ""))
        else:
            joined = errs[0] if len(errs) == 1 else "[" + ", ".join(errs) + "]"
            out.append(f'error: unable to drain node "{n}" due to error: {joined}, continuing command...')
            failed.append(n)
            fatal += errs
    if failed:
        out.append("There are pending nodes to be drained:")
        out += [f" {n}" for n in failed]
        out += fatal
        raise KubectlError("\n".join(out))
    return "\n".join(out)


# --- taint ---------------------------------------------------------------------------------------

def parse_taints(specs: list[str]) -> tuple[list[dict], list[dict]]:
    """``key=value:Effect`` to add, ``key:Effect-`` / ``key-`` to remove (taint.ParseTaints)."""
    add, remove = [], []
    seen = set()
    for spec in specs:
        if spec.endswith("-"):
            body = spec[:-1]
            key, _, effect = body.partition(":")
            if effect and effect not in EFFECTS:
                raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
            t = {"key": key}
            if effect:
                t["effect"] = effect
            remove.append(t)
            continue
        kv, sep, effect = spec.partition(":")
        if not sep or not effect:
            raise KubectlError(f"error: invalid taint spec: {spec}")
        if effect not in EFFECTS:
            raise KubectlError(f"error: invalid taint effect: {effect}, unsupported taint effect")
        key, eq, value = kv.partition("=")
        if not key:
            raise KubectlError(f"error: invalid taint spec: {spec}")
        t = {"key": key, "effect": effect}
        if eq:
            t["value"] = value
        if (key, effect) in seen:
            raise KubectlError(f"error: duplicated taints with the same key and effect: {t}")
        seen.add((key, effect))
        add.append(t)
    return add, remove


def _taint_str(t: dict) -> str:
    s = t["key"]
    if t.get("value"):
        s += "=" + t["value"]
    if t.get("effect"):
        s += ":" + t["effect"]
    return s


def reorganize_taints(old: list[dict], add: list[dict], remove: list[dict], overwrite: bool):
    """taint.reorganizeTaints: (operation, new taints, errors)."""
    new = [dict(t) for t in add]
    for o in old:
        if not any(t["key"] == o["key"] and t.get("effect") == o.get("effect") for t in new):
            new.append(o)
    added = len(old) != len(new)
    errors, deleted = [], False
    for r in remove:
        before = len(new)
        if r.get("effect"):
            new = [t for t in new if not (t["key"] == r["key"] and t.get("effect") == r["effect"])]
        else:
            new = [t for t in new if t["key"] != r["key"]]
        deleted = len(new) != before
        if not deleted:
            errors.append(f'taint "{_taint_str(r)}" not found')
    if (added and deleted) or overwrite:
        return "modified", new, errors
    if added:
        return "tainted", new, errors
    return "untainted", new, errors


FLAGS_TAINT = {"overwrite": "bool", "all": "bool", "selector": "str", "dry-run": "str", "validate": "str"}


@command("taint", "Update the taints on one or more nodes")
@printed
def taint(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS_TAINT, {"l": "selector"}, verb="taint")
    if not pos:
        raise KubectlError("error: at least one taint update is required\nSee 'kubectl taint -h' for help and "
                           "examples")
    if "/" in pos[0]:
        t, name = pos[0].split("/", 1)
        names, specs = [name], pos[1:]
    else:
        t = pos[0]
        if flags.get("all") or flags.get("selector"):
            names = [n["metadata"]["name"] for n in
                     inv.api.list("nodes", label_selector=flags.get("selector"))["items"]]
            specs = pos[1:]
        else:
            if len(pos) < 2:
                raise KubectlError("error: at least one taint update is required")
            names, specs = [pos[1]], pos[2:]
    if resolve(t).kind != "Node":
        raise KubectlError(f'error: invalid resource type {t}, only node types are supported')
    if not specs:
        raise KubectlError("error: at least one taint update is required")
    add, remove = parse_taints(specs)
    out = []
    for name in names:
        node = inv.api.get("nodes", name)
        old = list((node.get("spec") or {}).get("taints") or [])
        if not flags.get("overwrite"):
            exists = [t["key"] for t in add for o in old if t["key"] == o["key"] and t["effect"] == o.get("effect")]
            if exists:
                raise KubectlError(f"error: node {name} already has {','.join(exists)} taint(s) with same "
                                   "effect(s) and --overwrite is false")
        op, new, errors = reorganize_taints(old, add, remove, flags.get("overwrite", False))
        if errors:
            raise KubectlError("error: " + (errors[0] if len(errors) == 1 else "[" + ", ".join(errors) + "]"))
        if flags.get("dry-run") != "client":
            inv.api.patch("nodes", name, {"spec": {"taints": new or None}})
        out.append(f"node/{name} {op}" + (" (dry run)" if flags.get("dry-run") == "client" else ""))
    return "\n".join(out)
