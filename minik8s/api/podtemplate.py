"""Pod templates compared the way the Deployment controller and kubectl compare them.

A Deployment's *new* ReplicaSet is the one whose pod template equals the
Deployment's, ignoring the ``pod-template-hash`` label the controller adds
(``deploymentutil.EqualIgnoreHash`` in ``pkg/controller/deployment/util``; kubectl's
``describe`` and ``rollout`` use the same function). The controller, ``kubectl
describe deployment`` and ``kubectl rollout undo`` all call :func:`templates_equal`
(https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#pod-template-hash-label).
"""

from __future__ import annotations

from .meta import clone

POD_TEMPLATE_HASH_LABEL = "pod-template-hash"  # apps/v1 DefaultDeploymentUniqueLabelKey


def _normalise(value):
    """Drop what the API treats as unset (null, {}, []), so a template sent back by
    ``kubectl rollout undo`` (``creationTimestamp: null``, ``resources: {}``) compares equal."""
    if isinstance(value, dict):
        out = {}
        for k, v in value.items():
            v = _normalise(v)
            if v is None or v == {} or v == []:
                continue
            out[k] = v
        return out
    if isinstance(value, list):
        return [_normalise(v) for v in value]
    return value


def template_without_hash(template: dict) -> dict:
    """A normalised copy of ``template`` without the ``pod-template-hash`` label."""
    t = _normalise(clone(template or {}))
    labels = (t.get("metadata") or {}).get("labels")
    if labels and POD_TEMPLATE_HASH_LABEL in labels:
        labels.pop(POD_TEMPLATE_HASH_LABEL)
        if not labels:
            t["metadata"].pop("labels")
        if not t["metadata"]:
            t.pop("metadata")
    return t


def templates_equal(a: dict, b: dict) -> bool:
    """EqualIgnoreHash: two pod templates are the same ignoring the pod-template-hash label."""
    return template_without_hash(a) == template_without_hash(b)
