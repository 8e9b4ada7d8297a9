"""kubectl's generic describer, used for kinds without their own page: every field of
the object printed unstructured, with ``smart_label`` turning field names into titles.
"""

from __future__ import annotations

from .writer import PrefixWriter, annotations_multiline, describe_events, go_bool, labels_multiline


def smart_label(field: str) -> str:
    """smartLabelFor: ``holderIdentity`` -> ``Holder Identity``, ``apiVersion`` -> ``API Version``."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts: list[str] = []
    cur = ""
    for i, ch in enumerate(field):
        if cur and ch.isupper() and (not cur[-1].isupper() or
                                     (i + 1 < len(field) and field[i + 1].islower())):
            parts.append(cur)
            cur = ""
        cur += ch
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        if p.upper() in ("API", "URL", "UID", "GUID"):
            out.append(p.upper())
        elif p.lower() == p:
            out.append(p[:1].upper() + p[1:])
        else:
            out.append(p)
    return " ".join(out)


def _go_scalar(v) -> str:
    if isinstance(v, bool):
        return go_bool(v)
    if v is None:
        return "<nil>"
    return str(v)


def _unstructured(w: PrefixWriter, level: int, content: dict, prefix: str, skip: tuple) -> None:
    for field in sorted(content):
        value = content[field]
        expr = f"{prefix}.{field}"
        if expr in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, expr, skip)
                else:
                    w.write(level + 1, f"{_go_scalar(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_scalar(value)}\n")


def describe_generic(obj: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = obj["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    _unstructured(w, 0, obj, "", (".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                  ".metadata.labels", ".metadata.annotations"))
    describe_events(events, w, now)
    return w.text()
