"""How kubectl's operational verbs name their objects: ``TYPE NAME``, ``TYPE/NAME``, ``-l``.

``kubectl scale deploy/web``, ``kubectl rollout status deployment web``, ``kubectl logs
deployment/web``: every verb resolves what the user typed into a resource (through
the discovery table, so ``deploy``, ``deployments.apps`` and ``Deployment`` all work)
and object names, and names the object back the way kubectl does
(``deployment.apps/web``).
"""

from __future__ import annotations

from ..api.resources import Resource, lookup
from ..errors import ApiError
from .registry import KubectlError


def resolve(name: str) -> Resource:
    """A resource from what the user typed; kubectl's wording when it does not exist."""
    try:
        return lookup(name)
    except ApiError:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{name}"') from None


def qualified(res: Resource, name: str) -> str:
    """``deployment.apps/web``, ``pod/web``: how kubectl names an object in its messages."""
    kind = res.kind.lower()
    return f"{kind}.{res.group}/{name}" if res.group else f"{kind}/{name}"


def split_targets(args: list[str]) -> list[tuple[Resource, str | None]]:
    """``["deploy", "a", "b"]`` or ``["deploy/a", "svc/b"]`` or ``["pods"]`` -> (resource, name) pairs.

    A bare type gives one pair with name None (meaning every object of that type).
    """
    if not args:
        return []
    if "/" in args[0]:
        out = []
        for a in args:
            if "/" not in a:
                raise KubectlError("error: there is no need to specify a resource type as a separate "
                                   "argument when passing arguments in resource/name form (e.g. "
                                   "'kubectl get resource/<resource_name>' instead of 'kubectl get "
                                   "resource resource/<resource_name>'")
            t, n = a.split("/", 1)
            out.append((resolve(t), n))
        return out
    types = [resolve(t) for t in args[0].split(",")]
    if len(args) == 1:
        return [(r, None) for r in types]
    return [(r, n) for r in types for n in args[1:]]


def one_target(args: list[str], default_type: str | None = None) -> tuple[Resource, str]:
    """Exactly one object: ``TYPE NAME`` or ``TYPE/NAME`` (or ``NAME`` with a default type)."""
    if len(args) == 1 and "/" in args[0]:
        t, n = args[0].split("/", 1)
        return resolve(t), n
    if len(args) == 2 and "/" not in args[0]:
        return resolve(args[0]), args[1]
    if len(args) == 1 and default_type:
        return resolve(default_type), args[0]
    raise KubectlError("error: you must specify a resource type and name")
