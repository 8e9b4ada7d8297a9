"""A small subset of Go's text/template, for ``kubectl get -o go-template=...``.

Supported: ``{{.a.b}}`` field chains (``{{.}}`` the current value), quoted
strings ``{{"\\n"}}``, ``{{range .items}}...{{end}}`` (``.`` becomes each item),
``{{if .x}}...{{else}}...{{end}}`` and ``{{index .metadata.labels "app"}}``.
Values print as Go's ``fmt`` does: maps as ``map[k:v]``, missing keys as ``<no value>``
(https://kubernetes.io/docs/reference/kubectl/#output-options, https://pkg.go.dev/text/template).
"""

from __future__ import annotations

import json
import re

from .registry import KubectlError

_TOKEN = re.compile(r"\{\{-?\s*(.*?)\s*-?\}\}", re.S)
_MISSING = object()


def _tokens(tpl: str):
    pos = 0
    for m in _TOKEN.finditer(tpl):
        if m.start() > pos:
            yield ("text", tpl[pos:m.start()])
        yield ("action", m.group(1))
        pos = m.end()
    if pos < len(tpl):
        yield ("text", tpl[pos:])


def _parse(tokens, stop=("end",)):
    nodes = []
    for typ, s in tokens:
        if typ == "text":
            nodes.append(("text", s))
        elif s.startswith("range "):
            body, _ = _parse(tokens)
            nodes.append(("range", s[6:].strip(), body))
        elif s.startswith("if "):
            body, ended = _parse(tokens, ("end", "else"))
            other = []
            if ended == "else":
                other, _ = _parse(tokens)
            nodes.append(("if", s[3:].strip(), body, other))
        elif s in stop:
            return nodes, s
        else:
            nodes.append(("expr", s))
    return nodes, None


def _words(expr: str) -> list[str]:
    return re.findall(r'"(?:[^"\\]|\\.)*"|\S+', expr)


def _value(word: str, dot):
    if word.startswith('"'):
        return json.loads(word)
    if word == ".":
        return dot
    if word.startswith("."):
        v = dot
        for part in word[1:].split("."):
            if isinstance(v, dict) and part in v:
                v = v[part]
            else:
                return _MISSING
        return v
    try:
        return int(word)
    except ValueError:
        raise KubectlError(f'error: error parsing template {word}, template: output:1: function "{word}" '
                           f'not defined') from None


def _eval(expr: str, dot):
    words = _words(expr)
    if words and words[0] == "index":
        v = _value(words[1], dot)
        for w in words[2:]:
            k = _value(w, dot)
            if isinstance(v, dict):
                v = v.get(k, _MISSING)
            elif isinstance(v, list) and isinstance(k, int) and 0 <= k < len(v):
                v = v[k]
            else:
                v = _MISSING
        return v
    if words and words[0] == "len":
        v = _value(words[1], dot)
        return len(v) if isinstance(v, (list, dict, str)) else 0
    return _value(words[0], dot) if words else dot


def _fmt(v) -> str:
    if v is _MISSING or v is None:
        return "<no value>"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, dict):
        return "map[" + " ".join(f"{k}:{_fmt(v[k])}" for k in sorted(v)) + "]"
    if isinstance(v, list):
        return "[" + " ".join(_fmt(x) for x in v) + "]"
    return str(v)


def _exec(nodes, dot) -> str:
    out = []
    for n in nodes:
        if n[0] == "text":
            out.append(n[1])
        elif n[0] == "expr":
            out.append(_fmt(_eval(n[1], dot)))
        elif n[0] == "range":
            v = _eval(n[1], dot)
            items = v if isinstance(v, list) else ([v[k] for k in sorted(v)] if isinstance(v, dict) else [])
            for it in items:
                out.append(_exec(n[2], it))
        elif n[0] == "if":
            v = _eval(n[1], dot)
            out.append(_exec(n[2] if (v is not _MISSING and v) else n[3], dot))
    return "".join(out)


def render(template: str, data) -> str:
    nodes, _ = _parse(iter(list(_tokens(template))))
    return _exec(nodes, data)
