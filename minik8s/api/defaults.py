"""Defaulting: the fields the API server fills in when a manifest leaves them out.

Kubernetes applies defaults when an object is created or updated, so
``kubectl get -o yaml`` shows more than the manifest said: a Pod gets
``restartPolicy: Always``, ``terminationGracePeriodSeconds: 30``,
``dnsPolicy: ClusterFirst``; a Deployment gets ``replicas: 1`` and a 25%/25%
rolling update. Each kind's defaulter is registered in :data:`DEFAULTERS`.
"""

from __future__ import annotations

from typing import Callable

DEFAULTERS: dict[str, Callable[[dict], None]] = {}


def defaulter(kind: str):
    """Register ``fn(obj)`` as the defaulter of ``kind``; it fills in missing fields in place."""
    def register(fn):
        DEFAULTERS[kind] = fn
        return fn
    return register


def apply_defaults(obj: dict) -> None:
    fn = DEFAULTERS.get(obj.get("kind"))
    if fn is not None:
        fn(obj)


@defaulter("Namespace")
def default_namespace(ns: dict) -> None:
    ns.setdefault("spec", {}).setdefault("finalizers", ["kubernetes"])
    ns.setdefault("status", {}).setdefault("phase", "Active")
