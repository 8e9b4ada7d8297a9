"""Labels and selectors: how Kubernetes objects find each other.

A Deployment finds its ReplicaSets, a ReplicaSet its Pods and a Service its
endpoints by *label selector*, never by name. Two forms exist
(https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/):

* the string form ``kubectl -l`` takes: equality-based (``app=web``, ``app==web``,
  ``tier!=db``) and set-based (``env in (prod,qa)``, ``env notin (dev)``,
  ``release``, ``!release``), comma-separated and ANDed;
* the object form in manifests: ``matchLabels`` plus ``matchExpressions`` with
  operators In, NotIn, Exists and DoesNotExist.

Both compile to a list of :class:`Requirement`; an object matches when every
requirement holds. An empty selector matches everything; a ``None`` selector
(as in a Service with no selector) matches nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import bad_request


@dataclass(frozen=True)
class Requirement:
    key: str
    op: str  # "=", "!=", "in", "notin", "exists", "!"
    values: tuple[str, ...] = ()

    def matches(self, labels: dict) -> bool:
        has = self.key in labels
        if self.op == "=":
            return has and labels[self.key] == self.values[0]
        if self.op == "!=":
            return not has or labels[self.key] != self.values[0]
        if self.op == "in":
            return has and labels[self.key] in self.values
        if self.op == "notin":
            return not has or labels[self.key] not in self.values
        if self.op == "exists":
            return has
        if self.op == "!":
            return not has
        raise ValueError(self.op)

    def __str__(self) -> str:
        if self.op in ("=", "!="):
            return f"{self.key}{self.op}{self.values[0]}"
        if self.op in ("in", "notin"):
            return f"{self.key} {self.op} ({','.join(self.values)})"
        if self.op == "exists":
            return self.key
        return f"!{self.key}"


class Selector:
    """A compiled label selector. ``Selector.nothing()`` matches no object."""

    def __init__(self, requirements: list[Requirement], match_nothing: bool = False):
        self.requirements = requirements
        self.match_nothing = match_nothing
        # Most selectors are matchLabels only (key=value pairs): those are checked as pairs, the
        # same test as Requirement.matches with op "=", without a call per requirement.
        self._pairs = (tuple((r.key, r.values[0]) for r in requirements)
                       if all(r.op == "=" for r in requirements) else None)

    @classmethod
    def everything(cls) -> "Selector":
        return cls([])

    @classmethod
    def nothing(cls) -> "Selector":
        return cls([], match_nothing=True)

    def matches(self, labels: dict | None) -> bool:
        if self.match_nothing:
            return False
        labels = labels or {}
        if self._pairs is not None:
            for k, v in self._pairs:
                if k not in labels or labels[k] != v:
                    return False
            return True
        return all(r.matches(labels) for r in self.requirements)

    def empty(self) -> bool:
        return not self.requirements and not self.match_nothing

    def __str__(self) -> str:
        return ",".join(str(r) for r in self.requirements)

    def __repr__(self) -> str:
        return f"Selector({str(self)!r})"


_TOKEN = re.compile(r"\s*(!=|==|=|\(|\)|,|!|[^\s!=(),]+)")


def parse_selector(text: str | None) -> Selector:
    """Parse the string form (``-l app=web,env in (a,b)``). Raises ApiError 400 on bad syntax."""
    if text is None or not text.strip():
        return Selector.everything()
    tokens = []
    pos = 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m or m.end() == pos:
            raise bad_request(f"unable to parse requirement: found '{text[pos:]}'")
        tokens.append(m.group(1))
        pos = m.end()
        while pos < len(text) and text[pos].isspace():
            pos += 1
    reqs: list[Requirement] = []
    i = 0

    def err(msg: str):
        return bad_request(f"unable to parse requirement: {msg}")

    while i < len(tokens):
        tok = tokens[i]
        if tok == "!":
            if i + 1 >= len(tokens):
                raise err("found '', expected: identifier")
            reqs.append(Requirement(tokens[i + 1], "!"))
            i += 2
        else:
            key = tok
            if key in ("=", "==", "!=", "(", ")", ","):
                raise err(f"found '{key}', expected: !, identifier, or 'end of string'")
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt == ",":
                reqs.append(Requirement(key, "exists"))
                i += 1
            elif nxt in ("=", "==", "!="):
                if i + 2 >= len(tokens) or tokens[i + 2] in (",", "(", ")"):
                    value = ""
                    i += 2
                else:
                    value = tokens[i + 2]
                    i += 3
                reqs.append(Requirement(key, "!=" if nxt == "!=" else "=", (value,)))
            elif nxt in ("in", "notin"):
                if i + 2 >= len(tokens) or tokens[i + 2] != "(":
                    raise err("found '', expected: '('")
                j = i + 3
                values = []
                while j < len(tokens) and tokens[j] != ")":
                    if tokens[j] != ",":
                        values.append(tokens[j])
                    j += 1
                if j >= len(tokens):
                    raise err("found '', expected: ')'")
                reqs.append(Requirement(key, nxt, tuple(sorted(values))))
                i = j + 1
            else:
                raise err(f"found '{nxt}', expected: in, notin, =, ==, !=, gt, lt")
        if i < len(tokens):
            if tokens[i] != ",":
                raise err(f"found '{tokens[i]}', expected: ','")
            i += 1
    for r in reqs:
        _check_key(r.key)
    return Selector(reqs)


_KEY_NAME = re.compile(r"^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$")


def _check_key(key: str) -> None:
    name = key.split("/", 1)[-1]
    if not name or len(name) > 63 or not _KEY_NAME.match(name):
        raise bad_request(f"unable to parse requirement: invalid label key \"{key}\": name part must "
                          "consist of alphanumeric characters, '-', '_' or '.', and must start and end "
                          "with an alphanumeric character")


def selector_from_object(sel: dict | None) -> Selector:
    """Compile a LabelSelector object (matchLabels/matchExpressions).

    ``None`` matches nothing (a Service without a selector); ``{}`` matches everything.
    """
    if sel is None:
        return Selector.nothing()
    reqs = [Requirement(k, "=", (str(v),)) for k, v in sorted((sel.get("matchLabels") or {}).items())]
    ops = {"In": "in", "NotIn": "notin", "Exists": "exists", "DoesNotExist": "!"}
    for expr in sel.get("matchExpressions") or []:
        op = ops.get(expr.get("operator"))
        if op is None:
            raise bad_request(f"\"{expr.get('operator')}\" is not a valid label selector operator")
        reqs.append(Requirement(expr["key"], op, tuple(sorted(expr.get("values") or []))))
    return Selector(reqs)


def selector_from_map(labels: dict | None) -> Selector:
    """The selector of a plain map (Service.spec.selector, ReplicationController): equality on each key.

    ``None`` or ``{}`` matches nothing, as a Service without selector selects no pods.
    """
    if not labels:
        return Selector.nothing()
    return Selector([Requirement(k, "=", (str(v),)) for k, v in sorted(labels.items())])


def format_labels(labels: dict | None) -> str:
    """``a=1,b=2`` (sorted), or ``<none>``, as kubectl prints labels."""
    if not labels:
        return "<none>"
    return ",".join(f"{k}={v}" for k, v in sorted(labels.items()))


def format_selector_object(sel: dict | None) -> str:
    """A LabelSelector object in kubectl's string form (``app=web``), ``<none>`` if empty."""
    if sel is None:
        return "<none>"
    s = str(selector_from_object(sel))
    return s or "<none>"


# --- field selectors --------------------------------------------------------------------

def parse_field_selector(text: str | None, supported: tuple[str, ...] | None = None):
    """Parse ``metadata.name=x,spec.nodeName!=`` into (field, op, value) triples."""
    if not text:
        return []
    out = []
    for part in text.split(","):
        part = part.strip()
        if not part:
            continue
        if "!=" in part:
            f, v = part.split("!=", 1)
            op = "!="
        elif "==" in part:
            f, v = part.split("==", 1)
            op = "="
        elif "=" in part:
            f, v = part.split("=", 1)
            op = "="
        else:
            raise bad_request(f"invalid selector: '{text}'; can't understand '{part}'")
        out.append((f.strip(), op, v.strip()))
    return out


def field_value(obj: dict, path: str):
    cur = obj
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
        if cur is None:
            return ""
    return cur if isinstance(cur, str) else str(cur)


def field_selector_matches(obj: dict, reqs) -> bool:
    for f, op, v in reqs:
        actual = field_value(obj, f)
        if (actual == v) != (op == "="):
            return False
    return True
