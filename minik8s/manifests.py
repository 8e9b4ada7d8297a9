"""Reading manifests: YAML or JSON text, files, dicts, lists and ``kind: List``.

What ``kubectl apply -f`` accepts, minik8s accepts: one or more YAML documents
separated by ``---``, a JSON object, a ``List`` of items, or a path to a file or
a directory of ``.yaml``/``.yml``/``.json`` files. Errors read as kubectl's.
"""

from __future__ import annotations

import json
import os

import yaml

from .errors import ApiError


class ManifestError(ApiError):
    """A manifest that cannot be read: kubectl reports these with ``error:`` and no server call."""

    def __init__(self, message: str):
        super().__init__(400, "BadRequest", message)


def _yaml_error(source: str, e: yaml.YAMLError) -> ManifestError:
    mark = getattr(e, "problem_mark", None)
    problem = getattr(e, "problem", None) or str(e)
    line = f"line {mark.line + 1}: " if mark is not None else ""
    return ManifestError(f"error parsing {source}: error converting YAML to JSON: yaml: {line}{problem}")


def _flatten(doc, source: str) -> list[dict]:
    if doc is None:
        return []
    if not isinstance(doc, dict):
        raise ManifestError(f"error validating \"{source}\": error validating data: invalid object "
                            f"to validate; if you choose to ignore these errors, turn validation off "
                            f"with --validate=false")
    if doc.get("kind") == "List" or (doc.get("kind", "").endswith("List") and "items" in doc):
        out = []
        for item in doc.get("items") or []:
            out.extend(_flatten(item, source))
        return out
    if "kind" not in doc or not doc.get("kind"):
        raise ManifestError(f"error validating \"{source}\": error validating data: kind not set; if you "
                            f"choose to ignore these errors, turn validation off with --validate=false")
    if "apiVersion" not in doc or not doc.get("apiVersion"):
        raise ManifestError(f"error validating \"{source}\": error validating data: apiVersion not set; "
                            f"if you choose to ignore these errors, turn validation off with "
                            f"--validate=false")
    return [doc]


def parse_text(text: str, source: str = "STDIN") -> list[dict]:
    """Every object in a YAML/JSON text, in order."""
    stripped = text.lstrip()
    if stripped.startswith("{") or stripped.startswith("["):
        try:
            doc = json.loads(text)
        except json.JSONDecodeError as e:
            raise ManifestError(f"error parsing {source}: {e}") from None
        docs = doc if isinstance(doc, list) else [doc]
    else:
        try:
            docs = list(yaml.safe_load_all(text))
        except yaml.YAMLError as e:
            raise _yaml_error(source, e) from None
    out = []
    for d in docs:
        out.extend(_flatten(d, source))
    return out


def read_path(path: str) -> list[dict]:
    if os.path.isdir(path):
        out = []
        for name in sorted(os.listdir(path)):
            if name.endswith((".yaml", ".yml", ".json")):
                out.extend(read_path(os.path.join(path, name)))
        return out
    if not os.path.exists(path):
        raise ManifestError(f'the path "{path}" does not exist')
    with open(path, encoding="utf-8") as f:
        return parse_text(f.read(), path)


def load_manifests(source) -> list[dict]:
    """Objects from a YAML/JSON string, a path, a dict or a list of dicts."""
    if isinstance(source, dict):
        return _flatten(source, "object")
    if isinstance(source, (list, tuple)):
        out = []
        for s in source:
            out.extend(load_manifests(s))
        return out
    if isinstance(source, os.PathLike):
        return read_path(os.fspath(source))
    if isinstance(source, str):
        if "\n" not in source and source.strip().endswith((".yaml", ".yml", ".json")):
            return read_path(source.strip())
        if "\n" not in source and os.path.isdir(source):
            return read_path(source)
        return parse_text(source)
    raise ManifestError(f"cannot read a manifest from {type(source).__name__}")
