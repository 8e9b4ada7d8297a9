"""Validation: the checks the API server makes before it stores an object.

A rejected object gets a 422 ``Invalid`` error in Kubernetes' own words
(``The Deployment "web" is invalid: spec.selector: Required value``) and the
cluster is left unchanged. Each kind's validator is registered in
:data:`VALIDATORS` and returns a list of causes: ``(field, type, message)``.
"""

from __future__ import annotations

from typing import Callable

from .meta import dns1123_label_errors, dns1123_subdomain_errors

Cause = tuple[str, str, str]
VALIDATORS: dict[str, Callable[[dict, dict | None], list[Cause]]] = {}

# Kinds whose names must be DNS-1123 labels (not subdomains).
LABEL_NAMED_KINDS = {"Namespace", "Service"}


def validator(kind: str):
    """Register ``fn(obj, old) -> [causes]`` as the validator of ``kind`` (old is None on create)."""
    def register(fn):
        VALIDATORS[kind] = fn
        return fn
    return register


def required(field: str) -> Cause:
    return (field, "FieldValueRequired", "Required value")


def invalid_value(field: str, value, detail: str) -> Cause:
    return (field, "FieldValueInvalid", f"Invalid value: {_go_repr(value)}: {detail}")


def unsupported_value(field: str, value, supported: list[str]) -> Cause:
    opts = ", ".join(f'"{s}"' for s in supported)
    return (field, "FieldValueNotSupported", f"Unsupported value: {_go_repr(value)}: supported values: {opts}")


def _go_repr(value) -> str:
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return str(value)


def validate_metadata(obj: dict) -> list[Cause]:
    md = obj.get("metadata") or {}
    name = md.get("name")
    causes: list[Cause] = []
    if not name:
        if md.get("generateName"):
            return causes
        causes.append(("metadata.name", "FieldValueRequired", "Required value: name or generateName is required"))
        return causes
    check = dns1123_label_errors if obj.get("kind") in LABEL_NAMED_KINDS else dns1123_subdomain_errors
    for msg in check(name):
        causes.append(invalid_value("metadata.name", name, msg))
    return causes


def validate(obj: dict, old: dict | None = None) -> list[Cause]:
    causes = validate_metadata(obj)
    fn = VALIDATORS.get(obj.get("kind"))
    if fn is not None:
        causes.extend(fn(obj, old))
    return causes
