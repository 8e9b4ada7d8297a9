"""Defaulting: the fields the API server fills in when a manifest leaves them out.

Kubernetes applies defaults when an object is decoded, so ``kubectl get -o yaml``
shows more than the manifest said: a Pod gets ``restartPolicy: Always``,
``terminationGracePeriodSeconds: 30``, ``dnsPolicy: ClusterFirst``; a Deployment
gets ``replicas: 1`` and a 25%/25% rolling update. The rules are upstream's
``SetDefaults_*`` functions (pkg/apis/core/v1/defaults.go, pkg/apis/apps/v1/defaults.go,
pkg/apis/batch/v1/defaults.go) and are applied the way the generated defaulters apply
them: a struct's defaults wherever that struct appears (a ``PodSpec`` inside a
Deployment's template gets the same defaults as a Pod's), ``SetDefaults_Pod`` only to Pods.

As in Go, an integer field set to ``0`` counts as unset where upstream's field is not
a pointer (probe periods, thresholds). Each kind's defaulter is registered in
:data:`.common.DEFAULTERS`; :func:`apply_defaults` runs the one for ``obj["kind"]``.

The defaulters live by kind group: :mod:`.pods` (a Pod and its parts, and every pod
template), :mod:`.workloads` (apps/v1, batch/v1), :mod:`.core` (the other core/v1 kinds);
what they share is in :mod:`.common`. Importing this package imports them all, so every
kind's defaulter is registered.
"""

from __future__ import annotations

from . import core, pods, workloads  # noqa: F401 (each registers its kinds)
from .common import DEFAULTERS


def apply_defaults(obj: dict) -> None:
    """Fill in the defaults of ``obj`` (a dict of any supported kind) in place."""
    fn = DEFAULTERS.get(obj.get("kind"))
    if fn is not None:
        fn(obj)
