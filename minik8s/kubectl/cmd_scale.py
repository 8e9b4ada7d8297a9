"""``kubectl scale TYPE/NAME --replicas=N [--current-replicas=M]``.

kubectl writes ``spec.replicas`` through the **scale subresource**
(``/apis/apps/v1/namespaces/ns/deployments/web/scale``), so it works the same for
Deployments, ReplicaSets and StatefulSets; the owning controller then creates or
deletes pods (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_scale/).
"""

from __future__ import annotations

from ..errors import ApiError
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, qualified, split_targets

FLAGS = {"replicas": "int", "current-replicas": "int", "resource-version": "str", "selector": "str",
         "all": "bool", "namespace": "str", "timeout": "str", "dry-run": "str", "output": "str"}
ALIASES = {"l": "selector", "n": "namespace", "o": "output"}


def scale(api, res, name: str, namespace: str | None, replicas: int, current: int | None = None,
          dry_run: bool = False) -> dict:
    """Set a workload's replicas through its scale subresource, checking ``--current-replicas``."""
    sc = api.get(res, name, namespace, subresource="scale")
    if current is not None and current != -1 and sc["spec"]["replicas"] != current:
        raise KubectlError(f"error: Expected replicas to be {current}, was {sc['spec']['replicas']}")
    sc["spec"]["replicas"] = replicas
    return api.update(res, sc, namespace, subresource="scale", dry_run=dry_run)


@command("scale", "Set a new size for a deployment, replica set, or replication controller")
@printed
def scale_cmd(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS, ALIASES, verb="scale")
    if "replicas" not in flags:
        raise KubectlError('error: required flag(s) "replicas" not set')
    if flags["replicas"] < 0:
        raise KubectlError("error: The --replicas=COUNT flag is required, and COUNT must be greater than "
                           "or equal to 0")
    ns = flags.get("namespace") or inv.ns()
    dry = flags.get("dry-run") in ("client", "server")
    targets = split_targets(pos)
    if not targets:
        raise KubectlError("error: resource(s) were provided, but no name was specified")
    out = []
    for res, name in targets:
        names = [name] if name else [o["metadata"]["name"] for o in
                                     inv.api.list(res, ns, label_selector=flags.get("selector"))["items"]]
        if name is None and not flags.get("all") and not flags.get("selector"):
            raise KubectlError("error: resource(s) were provided, but no name was specified")
        if "scale" not in res.subresources:
            raise ApiError(404, "NotFound", f'{res.group_resource} "{names[0] if names else ""}" not found')
        for n in names:
            if flags.get("dry-run") != "client":
                scale(inv.api, res, n, ns, flags["replicas"], flags.get("current-replicas"),
                      dry_run=flags.get("dry-run") == "server")
            else:
                inv.api.get(res, n, ns)
            out.append(f"{qualified(res, n)} scaled" + (" (dry run)" if dry and flags.get("dry-run") == "client"
                                                        else " (server dry run)" if dry else ""))
    return "\n".join(out)
