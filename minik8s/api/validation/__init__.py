"""Validation: the checks the API server makes before it stores an object.

A rejected object gets a 422 ``Invalid`` error in Kubernetes' own words
(``The Deployment "web" is invalid: spec.selector: Required value``) and the
cluster is left unchanged. The rules and messages are upstream's
(pkg/apis/core/validation/validation.go, pkg/apis/apps/validation,
pkg/apis/batch/validation, k8s.io/apimachinery/pkg/util/validation). Each kind's
validator is registered in :data:`.common.VALIDATORS` by ``@validator("Kind")`` and
returns a list of causes: ``(field, type, message)``; ``old`` is the stored object on
update (None on create).

The validators live by kind group: :mod:`.pods`, :mod:`.workloads`, :mod:`.services`,
:mod:`.config`, :mod:`.storage`, :mod:`.nodes`; what they share is in :mod:`.common`.
Importing this package imports them all, so every kind's validator is registered.
"""

from __future__ import annotations

from . import config, nodes, pods, services, storage, workloads  # noqa: F401 (each registers its kinds)
from .common import VALIDATORS, Cause, validate_metadata


def validate(obj: dict, old: dict | None = None) -> list[Cause]:
    """All causes for ``obj`` (metadata first, then the kind's own rules)."""
    causes = validate_metadata(obj)
    fn = VALIDATORS.get(obj.get("kind"))
    if fn is not None:
        causes.extend(fn(obj, old))
    return causes
