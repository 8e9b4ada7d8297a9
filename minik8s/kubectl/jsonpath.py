"""kubectl's JSONPath templates (k8s.io/client-go/util/jsonpath).

A template mixes text and ``{expressions}``: ``{.items[*].metadata.name}``,
``{range .items[*]}{.metadata.name}{"\\n"}{end}``, filters
``{.status.conditions[?(@.type=="Ready")].status}``, recursive descent ``..``,
indexes and slices ``[0]``, ``[-1:]``, unions ``[a,b]`` and the wildcard ``*``.
The several values one expression yields are printed separated by a space;
strings print raw, maps and lists as JSON
(https://kubernetes.io/docs/reference/kubectl/jsonpath/).
"""

from __future__ import annotations

import json
import re

from .registry import KubectlError


class JSONPathError(KubectlError):
    pass


# --- parsing -------------------------------------------------------------------------------
# A template is a list of nodes: ("text", s) | ("expr", steps) | ("range", steps, body) .
# steps: list of ("field", name) | ("recursive",) | ("index", spec) | ("filter", lhs, op, rhs)
#        | ("wildcard",) | ("literal", value)


def _split_template(tpl: str) -> list[tuple[str, str]]:
    """Split into ('text', ..) and ('action', inside-braces) parts."""
    parts = []
    i = 0
    buf = ""
    while i < len(tpl):
        c = tpl[i]
        if c == "{":
            if buf:
                parts.append(("text", buf))
                buf = ""
            depth, j, quote = 1, i + 1, None
            while j < len(tpl) and depth:
                cj = tpl[j]
                if quote:
                    if cj == "\\":
                        j += 1
                    elif cj == quote:
                        quote = None
                elif cj in "\"'":
                    quote = cj
                elif cj == "{":
                    depth += 1
                elif cj == "}":
                    depth -= 1
                j += 1
            if depth:
                raise JSONPathError(f"error: error parsing jsonpath {tpl}, unclosed action")
            parts.append(("action", tpl[i + 1:j - 1]))
            i = j
            continue
        buf += c
        i += 1
    if buf:
        parts.append(("text", buf))
    return parts


def _unquote(s: str) -> str:
    if s.startswith('"'):
        return json.loads(s)
    return s[1:-1]


def _parse_value(s: str):
    s = s.strip()
    if s[:1] in "\"'":
        return ("const", _unquote(s))
    if s.startswith("@"):
        return ("path", _parse_steps(s[1:]))
    try:
        return ("const", int(s))
    except ValueError:
        pass
    try:
        return ("const", float(s))
    except ValueError:
        pass
    if s in ("true", "false"):
        return ("const", s == "true")
    return ("path", _parse_steps(s))


_FILTER_RE = re.compile(r"^\?\((.*)\)$", re.S)


def _parse_bracket(body: str):
    body = body.strip()
    m = _FILTER_RE.match(body)
    if m:
        expr = m.group(1).strip()
        for op in ("==", "!=", "<=", ">=", "<", ">", "=~"):
            idx = _find_op(expr, op)
            if idx >= 0:
                return ("filter", _parse_value(expr[:idx]), op, _parse_value(expr[idx + len(op):]))
        return ("filter", _parse_value(expr), "exists", None)
    if body == "*":
        return ("wildcard",)
    if body[:1] in "\"'":
        names = [_unquote(p.strip()) for p in _split_commas(body)]
        return ("union_fields", names)
    if "," in body:
        return ("union_index", [int(p) for p in body.split(",")])
    if ":" in body:
        parts = body.split(":")
        vals = [int(p) if p.strip() else None for p in parts]
        while len(vals) < 3:
            vals.append(None)
        return ("slice", vals[0], vals[1], vals[2])
    try:
        return ("index", int(body))
    except ValueError:
        return ("field", body)


def _split_commas(s: str) -> list[str]:
    out, buf, quote = [], "", None
    for c in s:
        if quote:
            buf += c
            if c == quote:
                quote = None
        elif c in "\"'":
            quote = c
            buf += c
        elif c == ",":
            out.append(buf)
            buf = ""
        else:
            buf += c
    out.append(buf)
    return out


def _find_op(expr: str, op: str) -> int:
    quote = None
    for i in range(len(expr)):
        c = expr[i]
        if quote:
            if c == quote:
                quote = None
            continue
        if c in "\"'":
            quote = c
            continue
        if expr.startswith(op, i):
            if op in ("<", ">") and expr[i + 1:i + 2] == "=":
                continue
            return i
    return -1


def _parse_steps(expr: str) -> list:
    steps = []
    i = 0
    n = len(expr)
    if expr.startswith("$"):
        i = 1
    while i < n:
        c = expr[i]
        if c == ".":
            if expr.startswith("..", i):
                steps.append(("recursive",))
                i += 2
                continue
            name, j = _read_name(expr, i + 1)
            if name == "*":
                steps.append(("wildcard",))
            elif name:
                steps.append(("field", name))
            i = j
        elif c == "[":
            depth, j, quote = 1, i + 1, None
            while j < n and depth:
                cj = expr[j]
                if quote:
                    if cj == quote:
                        quote = None
                elif cj in "\"'":
                    quote = cj
                elif cj == "[":
                    depth += 1
                elif cj == "]":
                    depth -= 1
                j += 1
            steps.append(_parse_bracket(expr[i + 1:j - 1]))
            i = j
        elif c.isspace():
            i += 1
        else:
            name, j = _read_name(expr, i)
            steps.append(("field", name))
            i = j
    return steps


def _read_name(expr: str, i: int) -> tuple[str, int]:
    """A field name up to the next ``.`` or ``[``; ``\\.`` is a literal dot
    (``{.metadata.labels.app\\.kubernetes\\.io/name}``)."""
    name = ""
    while i < len(expr) and expr[i] not in ".[":
        if expr[i] == "\\" and i + 1 < len(expr) and expr[i + 1] == ".":
            name += "."
            i += 2
            continue
        name += expr[i]
        i += 1
    return name, i


def parse(tpl: str) -> list:
    """Parse a template into nodes (text, expressions, range ... end blocks)."""
    try:
        return _parse(tpl)
    except (ValueError, IndexError) as e:
        raise JSONPathError(f"error: error parsing jsonpath {tpl}, {e}") from None


def _parse(tpl: str) -> list:
    nodes: list = []
    stack: list = [nodes]
    for typ, s in _split_template(tpl):
        if typ == "text":
            stack[-1].append(("text", s))
            continue
        s = s.strip()
        if s == "end":
            if len(stack) == 1:
                raise JSONPathError(f"error: error parsing jsonpath {tpl}, not in range, nothing to end")
            stack.pop()
            continue
        if s.startswith(("range ", "range.")):
            body: list = []
            stack[-1].append(("range", _parse_steps(s[5:].strip()), body))
            stack.append(body)
            continue
        if s[:1] in "\"'":
            stack[-1].append(("text", _unquote(s)))
            continue
        stack[-1].append(("expr", _parse_steps(s)))
    if len(stack) != 1:
        raise JSONPathError(f"error: error parsing jsonpath {tpl}, unexpected EOF")
    return nodes


# --- evaluation ----------------------------------------------------------------------------

_MISSING = object()


def evaluate(steps: list, data) -> list:
    """All values ``steps`` select from ``data`` (missing keys select nothing)."""
    cur = [data]
    for step in steps:
        nxt = []
        kind = step[0]
        for v in cur:
            if kind == "field":
                if isinstance(v, dict) and step[1] in v:
                    nxt.append(v[step[1]])
            elif kind == "wildcard":
                if isinstance(v, dict):
                    nxt.extend(v[k] for k in sorted(v))
                elif isinstance(v, list):
                    nxt.extend(v)
            elif kind == "recursive":
                nxt.extend(_descend(v))
            elif kind == "index":
                if isinstance(v, list):
                    i = step[1]
                    if -len(v) <= i < len(v):
                        nxt.append(v[i])
                    else:
                        raise JSONPathError(f"error: error executing jsonpath: array index out of bounds: "
                                            f"index {i}, length {len(v)}")
            elif kind == "slice":
                if isinstance(v, list):
                    nxt.extend(v[slice(step[1], step[2], step[3])])
            elif kind == "union_index":
                if isinstance(v, list):
                    nxt.extend(v[i] for i in step[1] if -len(v) <= i < len(v))
            elif kind == "union_fields":
                if isinstance(v, dict):
                    nxt.extend(v[k] for k in step[1] if k in v)
            elif kind == "filter":
                items = v if isinstance(v, list) else ([v[k] for k in sorted(v)] if isinstance(v, dict) else [])
                for item in items:
                    if _filter_match(step, item):
                        nxt.append(item)
        cur = nxt
    return cur


def _descend(v):
    out = [v]
    if isinstance(v, dict):
        for k in sorted(v):
            out.extend(_descend(v[k]))
    elif isinstance(v, list):
        for x in v:
            out.extend(_descend(x))
    return out


def _operand(spec, item):
    if spec[0] == "const":
        return [spec[1]]
    return evaluate(spec[1], item)


def _filter_match(step, item) -> bool:
    _f, lhs, op, rhs = step
    left = _operand(lhs, item)
    if op == "exists":
        return bool(left)
    right = _operand(rhs, item)
    if not left or not right:
        return False
    a, b = left[0], right[0]
    try:
        if op == "==":
            return a == b
        if op == "!=":
            return a != b
        if op == "<":
            return a < b
        if op == ">":
            return a > b
        if op == "<=":
            return a <= b
        if op == ">=":
            return a >= b
        if op == "=~":
            return re.search(str(b), str(a)) is not None
    except TypeError:
        return False
    return False


def format_value(v) -> str:
    """How kubectl's JSONPath prints one value: strings raw, scalars as Go prints them, else JSON."""
    if isinstance(v, str):
        return v
    if isinstance(v, bool):
        return "true" if v else "false"
    if v is None:
        return "<nil>"
    if isinstance(v, (int, float)):
        return json.dumps(v)
    return json.dumps(v, separators=(",", ":"), sort_keys=True, ensure_ascii=False)


def execute(nodes: list, data) -> str:
    out = []
    for node in nodes:
        if node[0] == "text":
            out.append(node[1])
        elif node[0] == "expr":
            out.append(" ".join(format_value(v) for v in evaluate(node[1], data)))
        elif node[0] == "range":
            items = evaluate(node[1], data)
            if len(items) == 1 and isinstance(items[0], list):
                items = items[0]            # {range .items} iterates the list itself
            for it in items:
                out.append(execute(node[2], it))
    return "".join(out)


def render(template: str, data) -> str:
    """Render a kubectl JSONPath template against ``data`` (an object or a List)."""
    return execute(parse(template), data)


def relaxed(expr: str) -> str:
    """RelaxedJSONPathExpression: accept ``.a.b``, ``a.b`` and ``{.a.b}`` (custom-columns, --sort-by)."""
    expr = expr.strip()
    if expr.startswith("{") and expr.endswith("}"):
        expr = expr[1:-1]
    if not expr.startswith(".") and not expr.startswith("$"):
        expr = "." + expr
    return "{" + expr + "}"
