"""``kubectl delete``: remove objects by type and name, by file, by label or all of a type.

kubectl sends one DELETE per object with the propagation policy of
``--cascade`` (background by default, ``foreground``, ``orphan``) and the
``--grace-period``; ``--force`` with a zero grace period removes a pod at once
and prints kubectl's warning. With ``--wait`` (the default) kubectl then waits
until the objects are really gone: here the cluster's virtual clock advances
until they are, bounded by ``--timeout`` (kubectl's default is a week; here the
longer of the grace period and 30s, plus a minute, so a stuck finalizer does not
spin the clock for days)
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/,
https://kubernetes.io/docs/concepts/architecture/garbage-collection/).
"""

from __future__ import annotations

from ..api import resources as R
from ..errors import ApiError
from .inputs import mapping_error, qualified, read_inputs, report_errors
from .registry import Invocation, KubectlError, command, parse_duration, parse_flags
from .targets import parse_targets

DELETE_FLAGS = {"filename": "list", "selector": "str", "all": "bool", "all-namespaces": "bool",
                "grace-period": "int", "force": "bool", "cascade": "str", "wait": "bool", "timeout": "str",
                "now": "bool", "ignore-not-found": "bool", "output": "str", "dry-run": "str",
                "field-selector": "str", "recursive": "bool", "raw": "str", "interactive": "bool"}
DELETE_ALIASES = {"f": "filename", "l": "selector", "o": "output", "R": "recursive", "i": "interactive"}

FORCE_WARNING = ("Warning: Immediate deletion does not wait for confirmation that the running resource has "
                 "been terminated. The resource may continue to run on the cluster indefinitely.")

NO_RESOURCE = ("error: You must provide one or more resources by argument or filename.\n"
               "Example resource specifications include:\n"
               "   '-f rsrc.yaml'\n"
               "   '--filename=rsrc.json'\n"
               "   '<resource> <name>'\n"
               "   '<resource>'")


def cascade_policy(value: str | None) -> tuple[str, str]:
    """--cascade: (propagationPolicy, warning text)."""
    if value is None or value in ("background", "true"):
        warn = ("warning: --cascade=true is deprecated (boolean value) and can be replaced with "
                "--cascade=background.\n") if value == "true" else ""
        return "Background", warn
    if value == "foreground":
        return "Foreground", ""
    if value in ("orphan", "false"):
        warn = ("warning: --cascade=false is deprecated (boolean value) and can be replaced with "
                "--cascade=orphan.\n") if value == "false" else ""
        return "Orphan", warn
    raise KubectlError(f'error: invalid cascade value ({value}). Must be "background", "foreground", or '
                       f'"orphan".')


@command("delete", "Delete resources by file names, stdin, resources and names, or by resources and label "
                   "selector")
def delete(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, DELETE_FLAGS, DELETE_ALIASES, "delete")
    all_ns = inv.all_namespaces or flags.get("all-namespaces", False)
    policy, out = cascade_policy(flags.get("cascade"))
    grace = flags.get("grace-period", -1)
    force = flags.get("force", False)
    if flags.get("now"):
        if grace != -1:
            raise KubectlError("error: --now and --grace-period cannot be specified together")
        grace = 1
    if grace == 0 and not force:
        grace = 1          # kubectl turns --grace-period=0 into 1 unless --force is given
    if force and grace < 0:
        grace = 0
    dry = flags.get("dry-run")
    if dry not in (None, "none", "client", "server"):
        raise KubectlError(f'error: Invalid dry-run value ({dry}). Must be "none", "server", or "client".')
    suffix = {"client": " (dry run)", "server": " (server dry run)"}.get(dry or "", "")
    # what to delete: (resource, name, namespace)
    todo: list[tuple[R.Resource, str, str | None]] = []
    errors: list = []
    if flags.get("filename"):
        if args:
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        for source, obj in read_inputs(inv, flags["filename"]):
            try:
                res = R.for_kind(obj.get("kind"), obj.get("apiVersion"))
            except ApiError as e:
                errors.append(mapping_error(obj, source, e))
                continue
            md = obj.get("metadata") or {}
            ns = (inv.namespace or md.get("namespace") or inv.ns()) if res.namespaced else None
            todo.append((res, md.get("name", ""), ns))
    else:
        if not args:
            raise KubectlError(NO_RESOURCE)
        targets, _multi, _single = parse_targets(args)
        by_selector = flags.get("selector") is not None or flags.get("field-selector") is not None
        for res, names in targets:
            if names is not None:
                if by_selector or flags.get("all"):
                    raise KubectlError("error: name cannot be provided when a selector is specified")
                if all_ns:
                    raise KubectlError("error: a resource cannot be retrieved by name across all namespaces")
                for n in names:
                    todo.append((res, n, inv.ns() if res.namespaced else None))
                continue
            if not by_selector and not flags.get("all"):
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            ns = None if (all_ns or not res.namespaced) else inv.ns()
            lst = inv.api.list(res, ns, label_selector=flags.get("selector"),
                               field_selector=flags.get("field-selector"))
            for o in lst["items"]:
                todo.append((res, o["metadata"]["name"], o["metadata"].get("namespace")))
        if not todo and not errors:
            if all_ns or not all(r.namespaced for r, _ in targets):
                return out + "No resources found\n"
            return out + f"No resources found in {inv.ns()} namespace.\n" if not flags.get("ignore-not-found") \
                else out
    if grace == 0 and force:
        out += FORCE_WARNING + "\n"
    deleted = []
    for res, name, ns in todo:
        try:
            gone = inv.api.delete(res, name, ns, grace_period_seconds=None if grace < 0 else grace,
                                  propagation_policy=policy, dry_run=bool(dry and dry != "none"))
        except ApiError as e:
            if e.code == 404 and flags.get("ignore-not-found"):
                continue
            errors.append(e)
            continue
        if flags.get("output") == "name":
            out += f"{qualified(res)}/{name}\n"
        else:
            verb = "force deleted" if (force and grace == 0) else "deleted"
            out += f'{qualified(res)} "{name}" {verb}{suffix}\n'
        deleted.append((res, name, ns, ((gone or {}).get("metadata") or {}).get("uid")))
    if deleted and flags.get("wait", True) and not dry:
        bound = parse_duration(flags["timeout"]) if flags.get("timeout") else max(grace, 30) + 60
        api = inv.api
        try:
            inv.cluster.clock.run_until(lambda: not any(_still_there(api, *d) for d in deleted),
                                        bound, "deletion")
        except Exception:
            left = [(d[0], d[1]) for d in deleted if _still_there(api, *d)]
            for r, n in left:
                errors.append(KubectlError(f"error: timed out waiting for the condition on {r.plural}/{n}"))
    return out + report_errors(errors)


def _still_there(api, res, name, ns, uid) -> bool:
    """kubectl delete waits with cmdwait.IsDeleted and the deleted objects' UIDs: an object re-created
    under the same name (a StatefulSet's Pod, say) has another UID and does not count."""
    if not api.exists(res, name, ns):
        return False
    if uid is None:
        return True
    try:
        return api.get(res, name, ns)["metadata"].get("uid") == uid
    except ApiError:
        return False
