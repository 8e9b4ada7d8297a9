"""Request bodies, decoded defensively: size, encoding, nesting depth, JSON types.

Whatever bytes a client sends, decoding ends in a Python object of JSON's types (dict with
string keys, list, str, int, finite float, bool, None) or a 4xx Status; never in a traceback.

Limits, and where upstream draws them:

- :data:`MAX_BODY`: 3 MiB. kube-apiserver reads at most ``MaxRequestBodyBytes`` (3 * 1024 * 1024,
  k8s.io/apiserver/pkg/server/config.go) of a request body; more is a 413
  ``Request entity too large: limit is 3145728`` (``limitedReadBody`` in
  k8s.io/apiserver/pkg/endpoints/handlers/rest.go).
- :data:`MAX_DEPTH`: 100 levels of arrays and objects. Go's JSON decoder stops at 10000 levels
  (``maxNestingDepth`` in encoding/json's scanner, copied by sigs.k8s.io/json; go-yaml says
  ``exceeded max depth of 10000``); Python's parsers recurse, and so does much of the engine,
  so minik8s stops far earlier. No Kubernetes object nests a tenth as deep.
- :data:`MAX_NODES`: a YAML document with aliases may not expand past 300,000 values (go-yaml:
  ``document contains excessive aliasing``), the "billion laughs" document.

JSON follows Go's ``encoding/json``: bytes that are not UTF-8 become U+FFFD inside strings (and
a syntax error elsewhere); ``NaN``/``Infinity`` and numbers too large for a float64 are errors.
YAML is read as sigs.k8s.io/yaml reads it, converted to JSON: keys become strings, timestamps
stay the text they were written as; not UTF-8 is an error.
"""

from __future__ import annotations

import json
import math
import re

import yaml

from .. import errors

MAX_BODY = 3 * 1024 * 1024
MAX_DEPTH = 100
MAX_NODES = 300_000
UPSTREAM_MAX_DEPTH = 10000

# The message Go's json.Unmarshal gives when a body that must be an object is not one (the API
# server first reads apiVersion and kind into this struct: runtime/serializer/json's findKind).
_FIND_KIND = ('struct { APIVersion string "json:\\"apiVersion,omitempty\\""; '
              'Kind string "json:\\"kind,omitempty\\"" }')


def too_deep(fmt: str) -> errors.ApiError:
    return errors.bad_request(
        f"{fmt}: exceeded max depth: the request body nests arrays and objects more than {MAX_DEPTH} "
        f"levels deep (minik8s's limit; the Kubernetes API server's decoder stops at {UPSTREAM_MAX_DEPTH})")


def json_kind(value) -> str:
    if isinstance(value, dict):
        return "object"
    if isinstance(value, list):
        return "array"
    if isinstance(value, str):
        return "string"
    if isinstance(value, bool):
        return "bool"
    if value is None:
        return "null"
    return "number"


def not_an_object(value) -> errors.ApiError:
    """A body that must be an object (a Kubernetes object, DeleteOptions) is a ``value``."""
    return errors.bad_request(f"couldn't get version/kind; json parse error: json: cannot unmarshal "
                              f"{json_kind(value)} into Go value of type {_FIND_KIND}")


def _reject_constant(name: str):
    raise ValueError(f"invalid character '{name[0]}' looking for beginning of value")


def _parse_float(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise ValueError(f"json: cannot unmarshal number {text} into Go value of type float64")
    return value


def check_depth(obj, fmt: str) -> None:
    """Iteratively: no container nested deeper than MAX_DEPTH."""
    stack = [(obj, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > MAX_DEPTH:
            raise too_deep(fmt)
        for child in children:
            if isinstance(child, (dict, list)):
                stack.append((child, depth + 1))


def _go_char(ch: str) -> str:
    """encoding/json's quoteChar."""
    if ch == "'":
        return "'\\''"
    if ch == '"':
        return "'\"'"
    return "'" + json.dumps(ch)[1:-1] + "'"


def _go_syntax_error(e: json.JSONDecodeError) -> str:
    """The words of Go's json.SyntaxError for the commonest of Python's complaints."""
    if e.pos >= len(e.doc) or not e.doc[e.pos:].strip():
        return "unexpected end of JSON input"
    ch = _go_char(e.doc[e.pos])
    if e.msg == "Expecting value":
        return f"invalid character {ch} looking for beginning of value"
    if e.msg.startswith("Expecting property name"):
        return f"invalid character {ch} looking for beginning of object key string"
    if e.msg == "Extra data":
        return f"invalid character {ch} after top-level value"
    if e.msg == "Expecting ':' delimiter":
        return f"invalid character {ch} after object key"
    if e.msg == "Expecting ',' delimiter":
        return f"invalid character {ch} after object key:value pair or array element"
    return f"{e.msg} at offset {e.pos}"


def decode_json(body: bytes):
    """A JSON body as Go's encoding/json reads it (see the module's docstring)."""
    text = body.decode("utf-8", errors="replace")
    if not text.strip():
        raise errors.bad_request("couldn't get version/kind; json parse error: unexpected end of JSON input")
    try:
        obj = json.loads(text, parse_constant=_reject_constant, parse_float=_parse_float)
    except RecursionError:
        raise too_deep("json") from None
    except json.JSONDecodeError as e:
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {_go_syntax_error(e)}") from None
    except ValueError as e:       # a number too long, NaN/Infinity
        raise errors.bad_request(f"couldn't get version/kind; json parse error: {e}") from None
    check_depth(obj, "json")
    if _SURROGATE_ESCAPE.search(text):
        obj = _replace_surrogates(obj)
    return obj


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89abcdefABCDEF]")
_SURROGATE = re.compile("[\ud800-\udfff]")


def _replace_surrogates(value):
    """Go's decoder turns a lone UTF-16 surrogate escape (``"\\ud800"``) into U+FFFD; Python keeps
    it, and a string holding one cannot be encoded again."""
    if isinstance(value, str):
        return _SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_replace_surrogates(v) for v in value]
    if isinstance(value, dict):
        return {_replace_surrogates(k): _replace_surrogates(v) for k, v in value.items()}
    return value


_Loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)   # libyaml when PyYAML was built with it


class _JSONLoader(_Loader):
    """The safe loader, with timestamps left as strings (below)."""


def _block_depth_ok(text: str) -> bool:
    """Walk the document's events (libyaml's parser keeps its own stack: no recursion) and
    stop at the first collection nested past MAX_DEPTH, before anything recursive composes it."""
    depth = 0
    for event in yaml.parse(text, Loader=_Loader):
        if isinstance(event, yaml.CollectionStartEvent):
            depth += 1
            if depth > MAX_DEPTH:
                return False
        elif isinstance(event, yaml.CollectionEndEvent):
            depth -= 1
    return True


# Timestamps stay strings (sigs.k8s.io/yaml converts YAML to JSON text, where a time is a string).
_JSONLoader.yaml_implicit_resolvers = {
    k: [(tag, rx) for tag, rx in v if tag != "tag:yaml.org,2002:timestamp"]
    for k, v in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def _key(k) -> str:
    if isinstance(k, str):
        return k
    if isinstance(k, bool):
        return "true" if k else "false"
    if k is None:
        return "null"
    if isinstance(k, (int, float)) and not isinstance(k, bool):
        return _yaml_number_key(k)
    raise errors.bad_request(f"yaml: invalid map key: {k!r}")


def _yaml_number_key(k) -> str:
    if isinstance(k, float):
        if not math.isfinite(k):
            raise errors.bad_request(f"yaml: invalid map key: {k!r}")
        return repr(k) if not k.is_integer() else str(int(k))
    return str(k)


def _to_json(root):
    """A fresh copy of a loaded YAML document in JSON's types; aliases are expanded, at most
    MAX_NODES values in all (iterative: the depth was checked while composing)."""
    count = 0
    seen: set[int] = set()
    aliased = False

    def scalar(v):
        if v is None or isinstance(v, (str, bool, int)):
            return v
        if isinstance(v, float):
            if not math.isfinite(v):
                raise errors.bad_request(f"json: unsupported value: {v!r}")
            return v
        if isinstance(v, bytes):          # !!binary: JSON has no bytes; base64 as Go's []byte
            import base64
            return base64.b64encode(v).decode()
        raise errors.bad_request(f"yaml: a value of type {type(v).__name__} cannot be converted to JSON")

    def shell(v):
        nonlocal count, aliased
        count += 1
        if isinstance(v, (dict, list, set)):
            if id(v) in seen:
                aliased = True
            seen.add(id(v))
        if count > MAX_NODES and aliased:
            raise errors.bad_request("yaml: document contains excessive aliasing")
        if isinstance(v, dict):
            return {}
        if isinstance(v, (list, tuple)):
            return []
        if isinstance(v, set):
            return {}
        return scalar(v)

    out = shell(root)
    stack = [(root, out)] if isinstance(out, (dict, list)) else []
    while stack:
        src, dst = stack.pop()
        if isinstance(src, set):
            src = {k: None for k in src}
        items = src.items() if isinstance(src, dict) else enumerate(src)
        for k, v in items:
            new = shell(v)
            if isinstance(dst, dict):
                dst[_key(k)] = new
            else:
                dst.append(new)
            if isinstance(new, (dict, list)):
                stack.append((v, new))
    return out


# What cannot hold a flow bracket: quoted scalars and comments (a cheap over-estimate of the rest).
_YAML_NOT_FLOW = re.compile(r'"(?:[^"\\\n]|\\.)*"|\'(?:[^\'\n]|\'\')*\'|(?:^|(?<=\s))#[^\n]*', re.M)
_INDENT = re.compile(r"^[ \t?:-]*", re.M)
_BRACKET = {"[": 1, "{": 1, "]": -1, "}": -1}


def _flow_depth(text: str) -> int:
    """How deep ``text``'s flow collections (``[...]``, ``{...}``) nest, at most.

    PyYAML's scanner re-examines every open flow level for each token, so a 50,000-deep flow
    sequence costs seconds before its composer sees the first level: this count comes first."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return 0
    depth = deepest = 0
    for ch in _YAML_NOT_FLOW.sub("", text):
        step = _BRACKET.get(ch)
        if step:
            depth = max(0, depth + step)
            if depth > deepest:
                deepest = depth
                if deepest > MAX_DEPTH:
                    break
    return deepest


def decode_yaml(body: bytes):
    """A YAML body as sigs.k8s.io/yaml reads it (see the module's docstring)."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as e:
        raise errors.bad_request(f"yaml: invalid leading UTF-8 octet at byte {e.start}") from None
    flow = _flow_depth(text)
    if flow > MAX_DEPTH:
        raise too_deep("yaml")
    # A block collection sits at a greater column than its parent, or at the same column as a
    # sequence under a mapping key: when twice the deepest indentation is within the limit, the
    # events need no walk.
    indent = max(map(len, _INDENT.findall(text)), default=0)
    try:
        if 2 * (indent + 1) + flow > MAX_DEPTH and not _block_depth_ok(text):
            raise too_deep("yaml")
        obj = yaml.load(text or "{}", Loader=_JSONLoader)
    except RecursionError:
        raise too_deep("yaml") from None
    except yaml.YAMLError as e:
        raise errors.bad_request(f"yaml: {e}") from None
    return _to_json(obj)


INT_RANGES = {"int32": (-(2 ** 31), 2 ** 31 - 1), "int64": (-(2 ** 63), 2 ** 63 - 1)}


def integer_range_error(obj: dict) -> str | None:
    """Go's complaint about the first integer field of ``obj`` that its Go type cannot hold
    (``replicas: 1e12`` is ``json: cannot unmarshal number 1000000000000 into Go struct field
    DeploymentSpec.spec.replicas of type int32``), or None. The engine's decoding check
    (``api/schema``) knows JSON's kinds, not int32/int64 ranges; this walks its compiled schema."""
    from ..api import schema
    schema._load()
    name = schema._BY_GVK.get((obj.get("apiVersion"), obj.get("kind")))
    if name is None:
        return None
    root = schema._ROOTS.get(name)
    if root is None:
        root = schema._ROOTS[name] = schema._compile(schema._DEFS[name], name.rsplit(".", 1)[-1])
    stack = [(obj, root, "", name.rsplit(".", 1)[-1])]
    while stack:
        value, node, gopath, struct = stack.pop()
        tag = node[0]
        if tag == schema.STRUCT and isinstance(value, dict):
            for k, v in reversed(value.items()):          # reversed onto the stack: document order
                sub = node[2].get(k)
                if sub is not None and v is not None:
                    stack.append((v, sub, f"{gopath}.{k}" if gopath else k, node[1]))
        elif tag in (schema.ARRAY, schema.MAP) and node[1] is not None:
            items = value if isinstance(value, list) else list(value.values()) if isinstance(value, dict) else []
            for v in reversed(items):
                if v is not None:
                    stack.append((v, node[1], gopath, struct))
        elif tag == schema.SCALAR and node[2] in INT_RANGES and isinstance(value, (int, float)) \
                and not isinstance(value, bool):
            low, high = INT_RANGES[node[2]]
            if not low <= value <= high:
                shown = int(value) if isinstance(value, float) and value.is_integer() and abs(value) < 1e21 \
                    else value
                return (f"json: cannot unmarshal number {shown} into Go struct field {struct}.{gopath} "
                        f"of type {node[2]}")
    return None
