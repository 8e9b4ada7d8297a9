"""Word expansion (POSIX 2.6): parameters, command substitution, arithmetic, field splitting,
pathname expansion.

Each function takes the running :class:`~minik8s.runtime.sh.interpreter.Shell` (its variables
and parameters). Expansion is a generator, as command substitution runs commands in virtual time.
"""

from __future__ import annotations

import ast
import fnmatch
import operator

from ..process import ProcessExit, Stream
from .control import IO, ShellError
from .lexer import ShellSyntaxError, Word, tokenize
from .parser import parse


def _arith(expr: str, lookup) -> int:
    """``$((...))``: integer arithmetic with C's operators on shell variables."""
    src = expr.replace("&&", " and ").replace("||", " or ")
    if "!" in src.replace("!=", ""):
        src = src.replace("!=", "\0").replace("!", " not ").replace("\0", "!=")
    tree = ast.parse(src.strip() or "0", mode="eval")
    bins = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul,
            ast.Mod: lambda a, b: int(__import__("math").fmod(a, b)),
            ast.Div: lambda a, b: int(a / b), ast.FloorDiv: lambda a, b: int(a / b),
            ast.LShift: operator.lshift, ast.RShift: operator.rshift, ast.BitAnd: operator.and_,
            ast.BitOr: operator.or_, ast.BitXor: operator.xor}
    cmps = {ast.Lt: operator.lt, ast.Gt: operator.gt, ast.LtE: operator.le, ast.GtE: operator.ge,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}

    def ev(n):
        if isinstance(n, ast.Expression):
            return ev(n.body)
        if isinstance(n, ast.Constant) and isinstance(n.value, int):
            return n.value
        if isinstance(n, ast.Name):
            v = lookup(n.id)
            try:
                return int(v or 0)
            except ValueError:
                return 0
        if isinstance(n, ast.BinOp) and type(n.op) in bins:
            b = ev(n.right)
            if isinstance(n.op, (ast.Div, ast.FloorDiv, ast.Mod)) and b == 0:
                raise ValueError("divide by zero")
            return bins[type(n.op)](ev(n.left), b)
        if isinstance(n, ast.UnaryOp):
            v = ev(n.operand)
            return {ast.USub: -v, ast.UAdd: v, ast.Not: int(not v), ast.Invert: ~v}[type(n.op)]
        if isinstance(n, ast.Compare) and len(n.ops) == 1 and type(n.ops[0]) in cmps:
            return int(cmps[type(n.ops[0])](ev(n.left), ev(n.comparators[0])))
        if isinstance(n, ast.BoolOp):
            vals = [ev(v) for v in n.values]
            return int(all(vals) if isinstance(n.op, ast.And) else any(vals))
        raise ValueError("syntax error")
    return ev(tree)


def _escape_glob(text: str) -> str:
    """A quoted case pattern matches literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def expand_part(sh, part, io: IO):
    """A part's text (a generator: command substitution runs commands)."""
    kind = part[0]
    if kind in ("lit", "sq"):
        return part[1]
    if kind == "dq":
        out = []
        for p in part[1]:
            out.append((yield from expand_part(sh, p, io)))
        return "".join(out)
    if kind == "var":
        _, name, op, arg = part
        value = sh.lookup(name)
        if op == "#":
            return str(len(sh.lookup(name) or ""))
        if op in (":-", "-"):
            if value is None or (op == ":-" and value == ""):
                return (yield from expand_text(sh, arg, io))
        elif op in (":=", "="):
            if value is None or (op == ":=" and value == ""):
                value = yield from expand_text(sh, arg, io)
                sh.vars[name] = value
        elif op in (":+", "+"):
            if value is not None and (op == "+" or value != ""):
                return (yield from expand_text(sh, arg, io))
            return ""
        if value is None and "u" in sh.vars.get("-", ""):
            raise ShellError(f"sh: {name}: parameter not set")
        return value or ""
    if kind == "cmd":
        buf: list[str] = []
        sub = sh.subshell()
        try:
            tree = parse(part[1])
            yield from sub.run(tree, IO(Stream(buf.append), io.stderr, io.stdin))
            sh.status = sub.status
        except ShellSyntaxError as e:
            io.stderr.write(f"sh: {e}\n")
            sh.status = 2
        except ProcessExit as e:
            sh.status = e.code
        return "".join(buf).rstrip("\n")
    if kind == "arith":
        text = yield from expand_text(sh, part[1], io)
        try:
            return str(_arith(text, sh.lookup))
        except (ValueError, SyntaxError, KeyError, TypeError):
            raise ShellError(f"sh: arithmetic syntax error") from None
    raise AssertionError(kind)


def expand_text(sh, text: str, io: IO):
    """Expand ``$...`` in a piece of text (as inside double quotes)."""
    if "$" not in text and "`" not in text:
        return text
    toks = tokenize('"' + text.replace('"', '\\"') + '"')
    out = []
    for tok in toks:
        if isinstance(tok, Word):
            for p in tok.parts:
                out.append((yield from expand_part(sh, p, io)))
    return "".join(out)


def expand_word(sh, word: Word, io: IO, split: bool = True):
    """One word -> fields (unquoted expansions split on whitespace)."""
    fields: list[str] = []
    cur: list[str] = []
    have = False
    for idx, part in enumerate(word.parts):
        if part[0] == "dq" and any(p[0] == "var" and p[1] == "@" for p in part[1]):
            text = ""
        else:
            text = yield from expand_part(sh, part, io)
        if part[0] == "lit" and idx == 0 and text.startswith("~") and (len(text) == 1 or text[1] == "/"):
            text = sh.vars.get("HOME", "/root") + text[1:]
        if part[0] == "dq" and any(p[0] == "var" and p[1] == "@" for p in part[1]):
            # "$@": each positional parameter is its own field, even inside double quotes
            for p in part[1]:
                if p[0] == "var" and p[1] == "@":
                    for j, param in enumerate(sh.params):
                        if j > 0:
                            fields.append("".join(cur))
                            cur = []
                        cur.append(param)
                        have = True
                else:
                    cur.append((yield from expand_part(sh, p, io)))
                    have = True
            continue
        if part[0] in ("var", "cmd", "arith") and split:
            pieces = text.split()
            if not pieces:
                continue
            if text[:1].isspace() and (cur or have):
                fields.append("".join(cur))
                cur = []
            for j, piece in enumerate(pieces):
                if j > 0:
                    fields.append("".join(cur))
                    cur = []
                cur.append(piece)
            have = True
            if text[-1:].isspace():
                fields.append("".join(cur))
                cur = []
                have = False
        else:
            cur.append(text)
            have = True
    if have or cur:
        fields.append("".join(cur))
    return fields


def expand_words(sh, words, io: IO):
    """Words -> fields; an unquoted ``*``, ``?`` or ``[`` makes a field a pathname pattern."""
    out = []
    for w in words:
        fields = yield from expand_word(sh, w, io)
        if any(p[0] == "lit" and any(c in p[1] for c in "*?[") for p in w.parts):
            for f in fields:
                out.extend(glob(sh, f) or [f])       # no match: the pattern stays as written
        else:
            out.extend(fields)
    return out


def glob(sh, pattern: str) -> list[str]:
    """Pathname expansion (POSIX 2.13.3): the matching paths, sorted; hidden files need a dot."""
    fs, cwd = sh.proc.fs, sh.proc.cwd
    absolute = pattern.startswith("/")
    matches = ["/" if absolute else ""]
    for part in [p for p in pattern.split("/") if p]:
        nxt = []
        for base in matches:
            if not any(c in part for c in "*?["):
                cand = base + ("" if base in ("", "/") else "/") + part
                if fs.exists(cand or ".", cwd):
                    nxt.append(cand)
                continue
            try:
                names = fs.listdir(base or ".", cwd)
            except Exception:
                continue
            for name in names:
                if name.startswith(".") and not part.startswith("."):
                    continue
                if fnmatch.fnmatchcase(name, part):
                    nxt.append(base + ("" if base in ("", "/") else "/") + name)
        matches = nxt
    return sorted(m for m in matches if m)
