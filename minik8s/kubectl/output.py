"""kubectl's ``-o`` printers other than tables: yaml, json, name, jsonpath, custom-columns.

* ``-o yaml``: kubectl converts the JSON object to YAML with sigs.k8s.io/yaml
  (go-yaml v2): keys sorted, block style, lists at their parent's indentation
  (``- name: web``), strings double-quoted when they would read as another type
  (``"80"``, ``"true"``, timestamps), multi-line strings as ``|`` blocks.
* ``-o json``: Go's ``json.MarshalIndent(obj, "", "    ")`` of the unstructured object:
  4-space indent, keys sorted, ``<``, ``>`` and ``&`` escaped as ``\\u003c``...
* ``-o name``: ``pod/web-1``, ``deployment.apps/web``.
* ``-o custom-columns=HEADER:.path,...`` and ``--sort-by``.
(https://kubernetes.io/docs/reference/kubectl/#output-options)
"""

from __future__ import annotations

import json
import re

import yaml

from ..api.resources import for_kind
from . import jsonpath
from .printers import tabulate
from .registry import KubectlError

# --- YAML ----------------------------------------------------------------------------------

_resolver = yaml.resolver.Resolver()


# go-yaml also reads what Go's strconv.ParseFloat accepts as a number (``1e3``, ``.5``), which
# PyYAML's YAML 1.1 resolver leaves as strings: such strings must be quoted too.
_GO_NUMBER = re.compile(r"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$|^[-+]?(\.?inf|\.?Inf|NaN)$")


class _Dumper(yaml.SafeDumper):
    pass


def _repr_str(dumper, s: str):
    if "\n" in s:
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style="|")
    tag = _resolver.resolve(yaml.ScalarNode, s, (True, False))
    if tag != "tag:yaml.org,2002:str" or _GO_NUMBER.match(s):
        return dumper.represent_scalar("tag:yaml.org,2002:str", s, style='"')
    return dumper.represent_scalar("tag:yaml.org,2002:str", s)


def _repr_float(dumper, f: float):
    if f != f or f in (float("inf"), float("-inf")):
        return dumper.represent_float(f)
    if f == int(f) and abs(f) < 1e21:
        return dumper.represent_scalar("tag:yaml.org,2002:int", str(int(f)))
    return dumper.represent_scalar("tag:yaml.org,2002:float", repr(f))


_Dumper.add_representer(str, _repr_str)
_Dumper.add_representer(float, _repr_float)


def to_yaml(obj) -> str:
    """Serialize like ``kubectl get -o yaml``."""
    return yaml.dump(obj, Dumper=_Dumper, default_flow_style=False, sort_keys=True, allow_unicode=True,
                     width=80)


# --- JSON ----------------------------------------------------------------------------------

def to_json(obj) -> str:
    """Serialize like ``kubectl get -o json``: kubectl decodes what the server sends into
    unstructured maps, so encoding/json writes every key sorted; json.MarshalIndent with 4 spaces
    escapes ``<``, ``>`` and ``&``."""
    text = json.dumps(obj, indent=4, ensure_ascii=False, sort_keys=True)
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return text + "\n"


def as_list(items: list[dict]) -> dict:
    """What kubectl prints for several objects in yaml/json: a v1 ``List``."""
    return {"apiVersion": "v1", "items": items, "kind": "List", "metadata": {"resourceVersion": ""}}


# --- name ----------------------------------------------------------------------------------

def resource_name(obj: dict) -> str:
    """``pod/web-1``, ``deployment.apps/web`` (kind lowercased, qualified by its group)."""
    kind = obj.get("kind", "")
    api_version = obj.get("apiVersion", "")
    group = api_version.split("/")[0] if "/" in api_version else ""
    try:
        group = for_kind(kind, api_version or None).group
    except Exception:
        pass
    q = kind.lower() + (f".{group}" if group else "")
    return f"{q}/{obj['metadata']['name']}"


# --- custom-columns ------------------------------------------------------------------------

def go_value(v) -> str:
    """A value as Go's ``fmt.Sprintf("%v", v)`` prints it (custom-columns cells): ``map[app:web]``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "<nil>"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{go_value(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(go_value(x) for x in v) + "]"
    return str(v)


def parse_custom_columns(spec: str) -> list[tuple[str, list]]:
    if not spec:
        raise KubectlError("error: custom-columns format specified but no custom columns given")
    cols = []
    for part in spec.split(","):
        if ":" not in part:
            raise KubectlError(f'error: unexpected custom-columns spec: {part}, expected <header>:<json-path-expr>')
        header, expr = part.split(":", 1)
        nodes = jsonpath.parse(jsonpath.relaxed(expr))
        cols.append((header, nodes))
    return cols


def custom_columns(objs: list[dict], spec: str, no_headers: bool = False) -> str:
    cols = parse_custom_columns(spec)
    rows = [] if no_headers else [[h for h, _ in cols]]
    for obj in objs:
        r = []
        for _h, nodes in cols:
            vals = []
            for n in nodes:
                if n[0] == "expr":
                    vals.extend(jsonpath.evaluate(n[1], obj))
            r.append(",".join(go_value(v) for v in vals) if vals else "<none>")
        rows.append(r)
    return tabulate(rows)


# --- --sort-by -----------------------------------------------------------------------------

def sort_objects(objs: list[dict], expr: str) -> list[dict]:
    """``--sort-by=.metadata.name``: kubectl sorts by the first value of the JSONPath (stable).

    Objects without the field sort first; numbers compare as numbers; timestamps as text
    (RFC 3339 sorts chronologically).
    """
    nodes = jsonpath.parse(jsonpath.relaxed(expr))
    steps = [n[1] for n in nodes if n[0] == "expr"]
    if not steps:
        return objs

    def key(o):
        vals = jsonpath.evaluate(steps[0], o)
        if not vals:
            return (0, 0, "")
        v = vals[0]
        if isinstance(v, bool):
            return (1, int(v), "")
        if isinstance(v, (int, float)):
            return (1, v, "")
        return (2, 0, jsonpath.format_value(v))
    return sorted(objs, key=key)
