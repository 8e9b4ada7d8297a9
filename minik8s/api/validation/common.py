"""What every validator uses: the registry (``@validator("Kind")``), the ``field.Error``
constructors (``required``, ``invalid_value``, ...), and the checks of names, labels, annotations
and ``metadata`` that apply to every kind (k8s.io/apimachinery/pkg/util/validation,
apimachinery/pkg/api/validation/objectmeta.go).
"""

from __future__ import annotations

import re
from typing import Callable

from ..meta import dns1035_label_errors, dns1123_label_errors, dns1123_subdomain_errors
from ..quantity import parse_quantity

Cause = tuple[str, str, str]
VALIDATORS: dict[str, Callable[[dict, dict | None], list[Cause]]] = {}

# Kinds whose names must be DNS-1123 labels (not subdomains), and DNS-1035 labels.
LABEL_NAMED_KINDS = {"Namespace"}
DNS1035_NAMED_KINDS = {"Service"}


def validator(kind: str):
    """Register ``fn(obj, old) -> [causes]`` as the validator of ``kind`` (old is None on create)."""
    def register(fn):
        VALIDATORS[kind] = fn
        return fn
    return register


def required(field: str, detail: str = "") -> Cause:
    return (field, "FieldValueRequired", "Required value" + (f": {detail}" if detail else ""))


def invalid_value(field: str, value, detail: str) -> Cause:
    return (field, "FieldValueInvalid", f"Invalid value: {_go_repr(value)}: {detail}")


def unsupported_value(field: str, value, supported: list[str]) -> Cause:
    opts = ", ".join(f'"{s}"' for s in supported)
    return (field, "FieldValueNotSupported", f"Unsupported value: {_go_repr(value)}: supported values: {opts}")


def duplicate(field: str, value) -> Cause:
    return (field, "FieldValueDuplicate", f"Duplicate value: {_go_repr(value)}")


def not_found(field: str, value) -> Cause:
    return (field, "FieldValueNotFound", f"Not found: {_go_repr(value)}")


def forbidden(field: str, detail: str) -> Cause:
    return (field, "FieldValueForbidden", f"Forbidden: {detail}")


def too_long(field: str, limit: int) -> Cause:
    return (field, "FieldValueTooLong", f"Too long: may not be more than {limit} bytes")


class _Raw(str):
    """A value already formatted the Go way (printed as it is, without quotes)."""


def _go_repr(value) -> str:
    """How field.Error prints a value: strings quoted, maps as Go's %#v."""
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, str):
        return '"' + value + '"'
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    if isinstance(value, dict):
        if all(isinstance(v, str) for v in value.values()):
            inner = ", ".join(f'"{k}":"{v}"' for k, v in sorted(value.items()))
            return "map[string]string{" + inner + "}"
    return str(value)


def _int(v) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


_QUALIFIED_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")
_LABEL_VALUE = re.compile(r"^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$")
QUALIFIED_NAME_FMT = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]"
LABEL_VALUE_FMT = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?"
TOTAL_ANNOTATION_SIZE = 256 * 1024


def qualified_name_errors(value: str) -> list[str]:
    """IsQualifiedName: ``[prefix/]name`` as label and annotation keys are."""
    errs = []
    parts = value.split("/")
    if len(parts) == 1:
        name = parts[0]
    elif len(parts) == 2:
        prefix, name = parts
        if not prefix:
            errs.append("prefix part must be non-empty")
        else:
            errs.extend("prefix part " + m for m in dns1123_subdomain_errors(prefix))
    else:
        return ["a qualified name must consist of alphanumeric characters, '-', '_' or '.', and must start "
                "and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                f"used for validation is '{QUALIFIED_NAME_FMT}') with an optional DNS subdomain prefix and "
                "'/' (e.g. 'example.com/MyName')"]
    if not name:
        errs.append("name part must be non-empty")
    elif len(name) > 63:
        errs.append("name part must be no more than 63 characters")
    if name and not _QUALIFIED_NAME.match(name):
        errs.append("name part must consist of alphanumeric characters, '-', '_' or '.', and must start and "
                    "end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex "
                    f"used for validation is '{QUALIFIED_NAME_FMT}')")
    return errs


def label_value_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _LABEL_VALUE.match(value):
        errs.append("a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
                    "'.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or "
                    f"'my_value',  or '12345', regex used for validation is '{LABEL_VALUE_FMT}')")
    return errs


def validate_labels(labels, field: str) -> list[Cause]:
    if labels is None:
        return []
    if not isinstance(labels, dict):
        return [invalid_value(field, labels, "must be a map of strings")]
    causes = []
    for k in sorted(labels):
        for msg in qualified_name_errors(k):
            causes.append(invalid_value(field, k, msg))
        v = labels[k]
        if not isinstance(v, str):
            causes.append(invalid_value(f"{field}[{k}]", v, "must be a string"))
            continue
        for msg in label_value_errors(v):
            causes.append(invalid_value(field, v, msg))
    return causes


def validate_annotations(ann, field: str = "metadata.annotations") -> list[Cause]:
    if ann is None:
        return []
    if not isinstance(ann, dict):
        return [invalid_value(field, ann, "must be a map of strings")]
    causes = []
    size = 0
    for k in sorted(ann):
        for msg in qualified_name_errors(k.lower()):
            causes.append(invalid_value(field, k, msg))
        size += len(k) + len(str(ann[k]))
    if size > TOTAL_ANNOTATION_SIZE:
        causes.append((field, "FieldValueTooLong", f"Too long: must have at most {TOTAL_ANNOTATION_SIZE} bytes"))
    return causes


def validate_metadata(obj: dict) -> list[Cause]:
    """ValidateObjectMeta: name (or generateName), labels, annotations."""
    md = obj.get("metadata") or {}
    name = md.get("name")
    causes: list[Cause] = []
    if not name:
        if not md.get("generateName"):
            causes.append(required("metadata.name", "name or generateName is required"))
    elif not isinstance(name, str):
        causes.append(invalid_value("metadata.name", name, "must be a string"))
    else:
        kind = obj.get("kind")
        check = (dns1035_label_errors if kind in DNS1035_NAMED_KINDS
                 else dns1123_label_errors if kind in LABEL_NAMED_KINDS else dns1123_subdomain_errors)
        for msg in check(name):
            causes.append(invalid_value("metadata.name", name, msg))
    causes += validate_labels(md.get("labels"), "metadata.labels")
    causes += validate_annotations(md.get("annotations"))
    return causes


def canonical_quantity(value) -> str:
    """Quantity.String(): ``"0.5"`` -> ``500m``, ``"1024Mi"`` -> ``1Gi`` (the form errors print)."""
    q = parse_quantity(value)
    text = str(value).strip()
    binary = any(text.endswith(s) for s in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei"))
    if binary and q == q.to_integral_value() and q != 0:
        n = int(q)
        for suffix, exp in (("Ei", 60), ("Pi", 50), ("Ti", 40), ("Gi", 30), ("Mi", 20), ("Ki", 10)):
            if n % (1 << exp) == 0:
                return f"{n >> exp}{suffix}"
        return str(n)
    if q == 0:
        return "0"
    for suffix, exp in (("E", 18), ("P", 15), ("T", 12), ("G", 9), ("M", 6), ("k", 3), ("", 0),
                        ("m", -3), ("u", -6), ("n", -9)):
        scaled = q.scaleb(-exp)
        if scaled == scaled.to_integral_value():
            return f"{int(scaled)}{suffix}"
    return f"{int(q.scaleb(9).to_integral_value(rounding='ROUND_CEILING'))}n"
