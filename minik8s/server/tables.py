"""Server-side Tables: what ``kubectl get`` asks the API server for.

kubectl sends ``Accept: application/json;as=Table;v=v1;g=meta.k8s.io`` and prints the
``meta.k8s.io/v1`` Table it gets back: ``columnDefinitions`` (wide-only columns have
``priority: 1``) and one row of ``cells`` per object, each row carrying the object itself
(``includeObject=Object``), its metadata only (``Metadata``, the default) or nothing (``None``)
(https://kubernetes.io/docs/reference/using-api/api-concepts/#receiving-resources-as-tables).
The cells come from the same printers ``c.kubectl("get ...")`` uses
(``minik8s.kubectl.printers``), so both print the same columns.
"""

from __future__ import annotations

from ..errors import bad_request
from ..kubectl import printers


def wants_table(accept: str) -> bool:
    """Does the Accept header ask for a meta.k8s.io Table (kubectl get does)?"""
    return "as=Table" in (accept or "")


def include_object_mode(query_value: str | None) -> str:
    mode = query_value or "Metadata"
    if mode not in ("None", "Metadata", "Object"):
        raise bad_request(f'Unsupported value: "{mode}": supported values: "Metadata", "None", "Object"')
    return mode


def partial_metadata(obj: dict) -> dict:
    """The PartialObjectMetadata a row carries with ``includeObject=Metadata``."""
    return {"kind": "PartialObjectMetadata", "apiVersion": "meta.k8s.io/v1",
            "metadata": obj.get("metadata", {})}


def table_row(obj: dict, now: float, mode: str) -> dict:
    row = {"cells": printers.row(obj, now, True)}
    if mode == "Object":
        row["object"] = obj
    elif mode == "Metadata":
        row["object"] = partial_metadata(obj)
    return row


def to_table(kind: str, objs: list[dict], now: float, mode: str = "Metadata",
             list_meta: dict | None = None, headers: bool = True) -> dict:
    """A meta.k8s.io/v1 Table for ``objs`` of one kind."""
    table = {"kind": "Table", "apiVersion": "meta.k8s.io/v1", "metadata": dict(list_meta or {}),
             "columnDefinitions": printers.column_definitions(kind) if headers else [],
             "rows": []}
    for obj in objs:
        obj.setdefault("kind", kind)
        table["rows"].append(table_row(obj, now, mode))
    return table
