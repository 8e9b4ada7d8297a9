"""Schema checks: what the API server's decoder refuses before anything else runs.

The API server decodes a manifest into Go structs. With strict field validation
(``kubectl apply``/``create`` ask for it by default since v1.27,
https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation) a field
the struct does not have is an error, and a value of the wrong JSON type always is.
Both are 400 BadRequest, worded as upstream's decoder words them::

    Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field
    "spec.containers[0].livenessProbe.succesThreshold"
    Pod in version "v1" cannot be handled as a Pod: json: cannot unmarshal string into Go
    struct field Probe.spec.containers.livenessProbe.periodSeconds of type int32

The structs are the official OpenAPI schemas of Kubernetes v1.33 shipped in the
``kubernetes-validate`` package (its ``v1.33.0-local-strict`` definitions). They are
loaded once, lazily. Rather than run a generic JSON-schema validator (about 8 ms a Pod)
:func:`check` walks the object and the definitions side by side, which is what the Go
decoder does and costs tens of microseconds.
"""

from __future__ import annotations

import importlib.util
import json
import os

from ..errors import bad_request
from .quantity import QUANTITY_ERROR, QuantityError, parse_quantity

SCHEMA_VERSION = "1.33.0"
_DEFS: dict | None = None
_BY_GVK: dict[tuple[str, str], str] = {}
_ROOTS: dict[str, tuple] = {}


def schema_dir() -> str:
    """The folder of JSON schemas that the kubernetes-validate package ships, one per version.

    Only the package's data files are read: finding the package without importing it spares every
    new process the import of jsonschema, whose format checkers compile grammars (about 2 s).
    """
    spec = importlib.util.find_spec("kubernetes_validate")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError("kubernetes-validate is not installed (pip install -r requirements.txt)")
    return os.path.join(list(spec.submodule_search_locations)[0], "kubernetes-json-schema")


def _load() -> dict:
    """The v1.33 definitions (``$defs`` of ``_definitions.json``), read on first use."""
    global _DEFS
    if _DEFS is None:
        base = schema_dir()
        versions = sorted(d for d in os.listdir(base) if d.endswith("-local-strict"))
        name = f"v{SCHEMA_VERSION}-local-strict"
        if name not in versions:                        # the nearest version shipped
            want = tuple(int(x) for x in SCHEMA_VERSION.split("."))
            name = min(versions, key=lambda v: abs(int(v[1:].split(".")[1]) - want[1]))
        with open(os.path.join(base, name, "_definitions.json"), encoding="utf-8") as f:
            defs = json.load(f)["$defs"]
        for def_name, d in defs.items():
            for gvk in d.get("x-kubernetes-group-version-kind") or []:
                api_version = f"{gvk['group']}/{gvk['version']}" if gvk["group"] else gvk["version"]
                _BY_GVK.setdefault((api_version, gvk["kind"]), def_name)
        _DEFS = defs
    return _DEFS


def definition_for(api_version: str, kind: str) -> str | None:
    """The definition name of a kind (``io.k8s.api.core.v1.Pod`` for ``("v1", "Pod")``)."""
    _load()
    return _BY_GVK.get((api_version, kind))


class _Decode(Exception):
    pass


# A definition is compiled once into a small node the walker dispatches on:
#   (STRUCT, go_name, {field: node}, strict)  (MAP, node)  (ARRAY, node)
#   (SCALAR, json_kinds, go_type)  (INTSTR, go_type)  (QUANTITY, go_type)  (ANY,)
STRUCT, MAP, ARRAY, SCALAR, INTSTR, QUANTITY, ANY = range(7)
_COMPILED: dict = {}


def _resolve(schema: dict) -> tuple[dict, str | None]:
    ref = schema.get("$ref")
    if ref:
        name = ref.rsplit("/", 1)[-1]
        return _DEFS[name], name
    return schema, None


def _types(schema: dict) -> list[str]:
    t = schema.get("type")
    if isinstance(t, str):
        return [t]
    return list(t or [])


def _go_type(schema: dict) -> str:
    """How the Go decoder names the destination type in its error."""
    s, name = _resolve(schema)
    if name:
        if name.endswith("intstr.IntOrString"):
            return "intstr.IntOrString"
        parts = name.split(".")
        return f"{parts[-2]}.{parts[-1]}"
    types = _types(s)
    if "array" in types:
        return "[]" + _go_type(s.get("items") or {})
    if "object" in types:
        return "map[string]" + _go_type(s.get("additionalProperties") or {"type": "string"})
    if "integer" in types:
        return s.get("format") or "int64"
    if "boolean" in types:
        return "bool"
    if "number" in types:
        return "float64"
    return "string"


def _compile(schema: dict, struct: str) -> tuple:
    """The node for ``schema`` (cached; recursive definitions are filled in after creation)."""
    s, name = _resolve(schema)
    key = name or id(schema)
    node = _COMPILED.get(key)
    if node is not None:
        return node
    go = _go_type(schema)
    if name and "oneOf" in s:
        node = (QUANTITY if name.endswith("resource.Quantity") else INTSTR, go)
    else:
        types = _types(s)
        if "properties" in s:
            fields: dict = {}
            node = (STRUCT, name.rsplit(".", 1)[-1] if name else struct, fields,
                    s.get("additionalProperties") is False, go)
            _COMPILED[key] = node
            for k, sub in s["properties"].items():
                fields[k] = _compile(sub, node[1])
            return node
        if "object" in types and isinstance(s.get("additionalProperties"), dict):
            node = (MAP, None, go)
            _COMPILED[key] = node
            node = (MAP, _compile(s["additionalProperties"], struct), go)
        elif "object" in types:
            node = (SCALAR, ("object",), go)
        elif "array" in types:
            node = (ARRAY, None, go)
            _COMPILED[key] = node
            node = (ARRAY, _compile(s.get("items") or {}, struct), go)
        elif types:
            kinds = set()
            for t in types:
                kinds.update({"string": ("string",), "boolean": ("bool",), "integer": ("int",),
                              "number": ("int", "number")}.get(t, ()))
            node = (SCALAR, tuple(sorted(kinds)), go, s.get("format") == "byte")
        else:
            node = (ANY,)
    _COMPILED[key] = node
    return node


def _json_kind(value) -> str:
    t = type(value)
    if t is str:
        return "string"
    if t is bool:
        return "bool"
    if t is int:
        return "int"
    if t is float:
        return "int" if value.is_integer() else "number"
    if t is list:
        return "array"
    if t is dict:
        return "object"
    return "null"


def _mismatch(value, struct: str, gopath: str, go: str) -> _Decode:
    kind = _json_kind(value)
    shown = {"int": "number", "bool": "bool"}.get(kind, kind)
    if kind == "number":
        shown = f"number {value}"
    return _Decode(f"json: cannot unmarshal {shown} into Go struct field {struct}.{gopath} of type {go}")


_B64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")


def base64_error_at(text: str) -> int | None:
    """Where Go's base64.StdEncoding gives up on ``text`` (``[]byte`` fields such as Secret data),
    or None if it decodes: the first character outside the alphabet, or, when the padding is
    missing, the start of the incomplete last group of four."""
    body = text.rstrip("=")
    pad = len(text) - len(body)
    for i, ch in enumerate(body):
        if ch not in _B64:
            return i
    if pad > 2 or len(text) % 4:
        return len(text) - len(text) % 4 if len(text) % 4 else len(body)
    return None


def _walk(value, node: tuple, path: str, gopath: str, struct: str, unknown: list) -> None:
    """Check ``value`` against ``node``; ``path`` is how strict errors name it, ``gopath``
    (no indices) and ``struct`` how type errors do."""
    if value is None:
        return
    tag = node[0]
    if tag == STRUCT:
        if type(value) is not dict:
            raise _mismatch(value, struct, gopath, node[4])
        fields = node[2]
        for k, v in value.items():
            sub = fields.get(k)
            if sub is None:
                if node[3]:
                    unknown.append(f"{path}.{k}" if path else k)
                continue
            if v is not None:
                _walk(v, sub, f"{path}.{k}" if path else k, f"{gopath}.{k}" if gopath else k, node[1], unknown)
    elif tag == ARRAY:
        if type(value) is not list:
            raise _mismatch(value, struct, gopath, node[2])
        for i, v in enumerate(value):
            if v is not None:
                _walk(v, node[1], f"{path}[{i}]", gopath, struct, unknown)
    elif tag == MAP:
        if type(value) is not dict:
            raise _mismatch(value, struct, gopath, node[2])
        for k, v in value.items():
            if v is not None:
                _walk(v, node[1], f"{path}[{k}]", gopath, struct, unknown)
    elif tag == SCALAR:
        if _json_kind(value) not in node[1]:
            raise _mismatch(value, struct, gopath, node[2])
        if len(node) > 3 and node[3]:
            bad = base64_error_at(value)
            if bad is not None:
                raise _Decode(f"illegal base64 data at input byte {bad}")
    elif tag == INTSTR or tag == QUANTITY:
        if type(value) not in (str, int, float):
            raise _mismatch(value, struct, gopath, node[1])
        if tag == QUANTITY:
            try:
                parse_quantity(value)
            except QuantityError:
                raise _Decode(QUANTITY_ERROR) from None


def _clean(value, node: tuple, strict: bool) -> bool:
    """True if ``value`` decodes against ``node`` (without unknown fields, when ``strict``).
    The fast path of every request: it builds no paths; :func:`_walk` re-walks an object
    that fails, to say where."""
    tag = node[0]
    if tag == STRUCT:
        if type(value) is not dict:
            return False
        fields = node[2]
        for k, v in value.items():
            sub = fields.get(k)
            if sub is None:
                if strict and node[3]:
                    return False
            elif v is not None and not _clean(v, sub, strict):
                return False
        return True
    if tag == ARRAY:
        if type(value) is not list:
            return False
        sub = node[1]
        return all(v is None or _clean(v, sub, strict) for v in value)
    if tag == MAP:
        if type(value) is not dict:
            return False
        sub = node[1]
        return all(v is None or _clean(v, sub, strict) for v in value.values())
    if tag == SCALAR:
        if _json_kind(value) not in node[1]:
            return False
        return not (len(node) > 3 and node[3]) or base64_error_at(value) is None
    if tag == INTSTR or tag == QUANTITY:
        if type(value) not in (str, int, float):
            return False
        if tag == QUANTITY:
            try:
                parse_quantity(value)
            except QuantityError:
                return False
    return True


def errors_of(obj: dict, strict: bool = True) -> str | None:
    """The decoder's complaint about ``obj`` (without the ``X in version`` prefix), or None.
    Unknown fields are complaints only when ``strict``."""
    _load()
    name = _BY_GVK.get((obj.get("apiVersion"), obj.get("kind")))
    if name is None:
        return None
    root = _ROOTS.get(name)
    if root is None:
        root = _ROOTS[name] = _compile(_DEFS[name], name.rsplit(".", 1)[-1])
    if _clean(obj, root, strict):
        return None
    unknown: list[str] = []
    try:
        _walk(obj, root, "", "", name.rsplit(".", 1)[-1], unknown)
    except _Decode as e:
        return str(e)
    if unknown and strict:
        return "strict decoding error: " + ", ".join(f'unknown field "{p}"' for p in unknown)
    return None


def check(obj: dict, strict: bool = True) -> None:
    """Raise the API server's 400 BadRequest if ``obj`` does not decode strictly.

    ``Deployment in version "v1" cannot be handled as a Deployment: strict decoding error: ...``
    Kinds without a shipped schema pass (the API server resolves them first and says so).
    """
    if not isinstance(obj, dict):
        return
    problem = errors_of(obj, strict)
    if problem:
        version = str(obj.get("apiVersion", "")).rsplit("/", 1)[-1]
        kind = obj.get("kind")
        raise bad_request(f'{kind} in version "{version}" cannot be handled as a {kind}: {problem}')
