"""``kubectl explain``: the documentation of a kind and its fields, from the API's schema.

kubectl fetches the server's OpenAPI v3 document and renders it with the
template k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl: a KIND/VERSION
header, the DESCRIPTION wrapped at 76 columns, and FIELDS with their types
(``<string>``, ``<[]Container>``, ``<map[string]string>``) and ``-required-``
markers (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_explain/).
minik8s reads the Kubernetes v1.33 schemas shipped with the ``kubernetes-validate``
package; they carry no ``enum`` lists, so the ENUM lines kubectl prints for some
fields are missing.
"""

from __future__ import annotations

import json
import os

from ..api import resources as R
from ..api.schema import schema_dir
from ..errors import ApiError
from .registry import Invocation, KubectlError, command, parse_flags

SCHEMA_VERSION = "v1.33.0-local"
_CACHE: dict = {}        # the parsed schema file, read once (immutable data shared by clusters)


def definitions() -> dict:
    if "defs" not in _CACHE:
        base = os.path.join(schema_dir(), SCHEMA_VERSION, "_definitions.json")
        with open(base, encoding="utf-8") as f:
            _CACHE["defs"] = json.load(f)["$defs"]
    return _CACHE["defs"]


def _resolve(ref: str | None) -> dict | None:
    if not ref:
        return None
    return definitions().get(ref.rsplit("/", 1)[-1])


def _v3(schema: dict) -> dict:
    """OpenAPI v3 wraps a described reference as ``{"allOf": [{"$ref": ...}], "description": ...}``."""
    if "$ref" in schema and len(schema) > 1:
        rest = {k: v for k, v in schema.items() if k != "$ref"}
        rest["allOf"] = [{"$ref": schema["$ref"]}]
        return rest
    return schema


def _type(schema: dict) -> str:
    t = schema.get("type")
    if isinstance(t, list):
        t = next((x for x in t if x != "null"), None)
    return t or ""


def type_guess(schema: dict) -> str:
    """The template's "typeGuess": ``string``, ``Object``, ``[]Container``, ``map[string]string``."""
    schema = _v3(schema)
    if schema.get("items"):
        return "[]" + type_guess(schema["items"])
    ap = schema.get("additionalProperties")
    if ap and not isinstance(ap, bool):
        return "map[string]" + type_guess(ap)
    if schema.get("allOf") and not schema.get("properties") and len(schema["allOf"]) == 1:
        return type_guess(schema["allOf"][0])
    if schema.get("$ref"):
        ref = schema["$ref"]
        target = _resolve(ref)
        if not target or not _type(target) or _type(target) == "object":
            return ref.rsplit("/", 1)[-1].rsplit(".", 1)[-1] or "Object"
        return _type(target) or "Object"
    t = _type(schema)
    return "Object" if t in ("object", "") else t


def wrap(text: str, limit: int) -> str:
    """github.com/mitchellh/go-wordwrap WrapString, which kubectl's "wrap" template function uses."""
    out: list[str] = []
    current = 0
    word, space = "", ""
    for ch in text:
        if ch == "\n":
            if not word:
                if current + len(space) > limit:
                    current = 0
                else:
                    out.append(space)
            else:
                out.append(space + word)
            word, space = "", ""
            out.append("\n")
            current = 0
        elif ch.isspace() and ch != "\u00a0":
            if not space or word:
                current += len(space) + len(word)
                out.append(space + word)
                space, word = "", ""
            space += ch
        else:
            word += ch
            if current + len(space) + len(word) > limit and len(word) < limit:
                out.append("\n")
                current = 0
                space = ""
    if not word:
        if current + len(space) <= limit:
            out.append(space)
    else:
        out.append(space + word)
    return "".join(out)


def indent(n: int, text: str) -> str:
    pad = " " * n
    return pad + text.replace("\n", "\n" + pad)


def _description(schema: dict) -> str:
    schema = _v3(schema)
    s = _resolve(schema.get("$ref")) or schema
    s = _v3(s)
    out = ""
    if s.get("description"):
        out += s["description"] + "\n"
    for sub in s.get("allOf") or []:
        out += _description(sub)
    if s.get("items"):
        out += _description(s["items"])
    ap = s.get("additionalProperties")
    if ap and not isinstance(ap, bool):
        out += _description(ap)
    return out


def _field_list(schema: dict, level: int, recursive: bool, history: frozenset) -> str:
    schema = _v3(schema)
    ref = schema.get("$ref") or ""
    if ref and ref in history:
        return ""
    history = history | {ref}
    resolved = _v3(_resolve(ref) or schema)
    out = ""
    props = resolved.get("properties") or {}
    required = resolved.get("required") or []
    for name in sorted(props):
        sub = props[name]
        ind = level * 2
        out += indent(ind, name) + "\t<" + type_guess(sub) + ">"
        if name in required:
            out += " -required-"
        out += "\n"
        if not recursive:
            out += indent(ind + 2, wrap(sub.get("description") or "<no description>", 78 - ind)) + "\n"
            out += "\n"
        else:
            out += _field_list(sub, level + 1, recursive, history)
    for sub in resolved.get("allOf") or []:
        out += _field_list(sub, level, recursive, history)
    if resolved.get("items"):
        out += _field_list(resolved["items"], level, recursive, history)
    ap = resolved.get("additionalProperties")
    if ap and not isinstance(ap, bool):
        out += _field_list(ap, level, recursive, history)
    return out


def _output(schema: dict, path: list[str], recursive: bool, history: frozenset) -> str:
    schema = _v3(schema)
    ref = schema.get("$ref") or ""
    nxt = history | {ref}
    resolved = _v3(_resolve(ref) or schema)
    if not path:
        out = "DESCRIPTION:\n" + indent(4, wrap(_description(resolved) or "<empty>", 76)) + "\n"
        fields = _field_list(resolved, 1, recursive, frozenset())
        if fields:
            out += "FIELDS:\n" + fields
        return out
    if ref and ref in history:
        return ""
    props = resolved.get("properties") or {}
    if path[0] in props:
        sub = props[path[0]]
        out = ""
        if len(path) == 1:
            out += f"FIELD: {path[0]} <{type_guess(sub)}>\n" + "\n" + "\n"
        return out + _output(sub, path[1:], recursive, frozenset())
    if resolved.get("items"):
        return _output(resolved["items"], path, recursive, nxt)
    ap = resolved.get("additionalProperties")
    if ap and not isinstance(ap, bool):
        return _output(ap, path, recursive, nxt)
    for sub in resolved.get("allOf") or []:
        out = _output(sub, path, recursive, nxt)
        if out:
            return out
    return ""


def explain_text(resource: str, recursive: bool = False) -> str:
    parts = resource.split(".")
    try:
        res = R.lookup(parts[0])
    except ApiError:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{parts[0]}"') from None
    path = parts[1:]
    # `deployments.apps` names a group, not a field
    if path and res.group and ".".join(path) == res.group:
        path = []
    schema = None
    for key, d in definitions().items():
        for gvk in d.get("x-kubernetes-group-version-kind") or []:
            if gvk.get("kind") == res.kind and gvk.get("group", "") == res.group and gvk.get("version") == res.version:
                schema = d
                break
        if schema is not None:
            break
    if schema is None:
        raise KubectlError(f"error: GVR ({res.group}/{res.version}, Resource={res.plural}) not found in "
                           f"OpenAPI schema")
    head = (f"GROUP:      {res.group}\n" if res.group else "") + f"KIND:       {res.kind}\nVERSION:    {res.version}\n\n"
    body = _output(schema, path, recursive, frozenset())
    if not body:
        raise KubectlError(f'error: field "{path[-1]}" does not exist')
    return head + body + "\n"


@command("explain", "Get documentation for a resource")
def explain(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, {"recursive": "bool", "api-version": "str", "output": "str"},
                              {"o": "output"}, "explain")
    if not args:
        raise KubectlError("You must specify the type of resource to explain. Use \"kubectl api-resources\" for a "
                           "complete list of supported resources.\n\nerror: Required resource not specified.\n"
                           "See 'kubectl explain -h' for help and examples")
    return explain_text(args[0], flags.get("recursive", False))
