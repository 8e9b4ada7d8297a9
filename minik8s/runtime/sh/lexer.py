"""The shell's lexer: a script's text -> words (:class:`Word`, a list of parts) and operators.

A word is a list of parts: ``("lit", text)``, ``("sq", text)``, ``("dq", [parts])``,
``("var", name, op, arg)``, ``("cmd", source)``, ``("arith", source)``; quoted parts are not
field-split later. Here-documents (``<<EOF``) get their bodies from the lines after the one that
named them (POSIX 2.3 Token Recognition, 2.7.4 Here-Document).
"""

from __future__ import annotations


OPERATORS = ("&&", "||", ";;", "<<-", "<<", ">>", "2>&1", ">&2", "1>&2", "&>", "2>>", "2>", "1>>", "1>", ";", "&", "|",
             "(", ")", "<", ">", "\n")
KEYWORDS = {"if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "in", "{", "}", "!"}
_OP_START = set(o[0] for o in OPERATORS)
REDIRECTS = {">", ">>", "<", "<<", "<<-", "2>", "2>>", "2>&1", ">&2", "1>&2", "&>", "1>", "1>>"}


class ShellSyntaxError(Exception):
    pass


class HereDoc:
    """The text of a here-document (``cat <<EOF ... EOF``): expanded like double quotes unless the
    delimiter was quoted (``<<'EOF'``); ``<<-`` strips leading tabs."""

    def __init__(self, delimiter: str, quoted: bool, strip_tabs: bool):
        self.delimiter, self.quoted, self.strip_tabs = delimiter, quoted, strip_tabs
        self.body: str | None = None


class Word:
    def __init__(self, parts: list):
        self.parts = parts

    def literal(self) -> str | None:
        """The word's text if it has no quotes or expansions (keywords must be literal)."""
        if all(p[0] == "lit" for p in self.parts):
            return "".join(p[1] for p in self.parts)
        return None

    def __repr__(self):
        return f"Word({self.parts!r})"


def _match_paren(src: str, i: int) -> int:
    """Index just past the ``)`` matching the ``(`` before position ``i`` (quotes respected)."""
    depth = 1
    while i < len(src):
        c = src[i]
        if c == "\\":
            i += 2
            continue
        if c == "'":
            i = src.index("'", i + 1) + 1 if "'" in src[i + 1:] else len(src)
            continue
        if c == '"':
            j = i + 1
            while j < len(src) and src[j] != '"':
                j += 2 if src[j] == "\\" else 1
            i = j + 1
            continue
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise ShellSyntaxError("syntax error: unterminated $(")


def _dollar(src: str, i: int) -> tuple[tuple, int]:
    """Parse the expansion starting at ``src[i] == '$'``; return (part, next index)."""
    nxt = src[i + 1] if i + 1 < len(src) else ""
    if src.startswith("$((", i):
        try:
            end = _match_paren(src, i + 3)
        except ShellSyntaxError:
            end = len(src)
        if end < len(src) and src[end] == ")":
            return ("arith", src[i + 3:end - 1]), end + 1
        end = _match_paren(src, i + 2)          # $( (subshell) )
        return ("cmd", src[i + 2:end - 1]), end
    if nxt == "(":
        end = _match_paren(src, i + 2)
        return ("cmd", src[i + 2:end - 1]), end
    if nxt == "{":
        end = src.find("}", i)
        if end < 0:
            raise ShellSyntaxError("syntax error: bad substitution")
        body = src[i + 2:end]
        for op in (":-", ":=", ":+", "-", "=", "+"):
            name, sep, arg = body.partition(op)
            if sep and name and (name.replace("_", "a").isalnum()):
                return ("var", name, op, arg), end + 1
        if body.startswith("#"):
            return ("var", body[1:], "#", ""), end + 1
        return ("var", body, "", ""), end + 1
    if nxt and (nxt in "?$!#@*-" or nxt.isdigit()):
        return ("var", nxt, "", ""), i + 2
    j = i + 1
    while j < len(src) and (src[j].isalnum() or src[j] == "_"):
        j += 1
    if j == i + 1:
        return ("lit", "$"), i + 1
    return ("var", src[i + 1:j], "", ""), j


def _double_quoted(src: str, i: int) -> tuple[tuple, int]:
    """The ``("dq", parts)`` part of a double-quoted string starting at ``src[i] == '"'``, and the
    index after its closing quote: ``$`` and backquotes expand inside, backslash escapes ``"\\$`\\n``."""
    dq: list = []
    buf: list[str] = []
    j = i + 1
    while True:
        if j >= len(src):
            raise ShellSyntaxError("syntax error: unterminated quoted string")
        d = src[j]
        if d == '"':
            break
        if d == "\\" and j + 1 < len(src) and src[j + 1] in '"\\$`\n':
            if src[j + 1] != "\n":
                buf.append(src[j + 1])
            j += 2
            continue
        if d == "$":
            part, j2 = _dollar(src, j)
            if part[0] == "lit":
                buf.append("$")
            else:
                if buf:
                    dq.append(("lit", "".join(buf)))
                    buf = []
                dq.append(part)
            j = j2
            continue
        if d == "`":
            end = src.find("`", j + 1)
            if buf:
                dq.append(("lit", "".join(buf)))
                buf = []
            dq.append(("cmd", src[j + 1:end]))
            j = end + 1
            continue
        buf.append(d)
        j += 1
    if buf:
        dq.append(("lit", "".join(buf)))
    return ("dq", dq), j + 1


def _heredoc_delimiter(src: str, i: int, op: str) -> tuple[HereDoc, int]:
    """After ``<<`` / ``<<-``: the delimiter word (quoted: the body is not expanded), as a HereDoc
    whose body the lexer fills after the end of the line."""
    while i < len(src) and src[i] in " \t":
        i += 1
    j = i
    while j < len(src) and src[j] not in " \t\n;&|<>()":
        j += 1
    raw = src[i:j]
    doc = HereDoc(raw.replace("'", "").replace('"', "").replace("\\", ""),
                  any(q in raw for q in "'\"\\"), op == "<<-")
    return doc, j


def _heredoc_bodies(src: str, i: int, docs: list[HereDoc]) -> int:
    """Fill the bodies of ``docs`` from the lines starting at ``src[i]`` (the bodies follow the
    line that named them, each up to its delimiter line); the index after the last one."""
    for doc in docs:
        lines = []
        while i <= len(src):
            end = src.find("\n", i)
            end = len(src) if end < 0 else end
            line = src[i:end]
            i = end + 1
            check = line.lstrip("\t") if doc.strip_tabs else line
            if check == doc.delimiter:
                break
            lines.append(check)
            if end >= len(src):
                break
        doc.body = "".join(line + "\n" for line in lines)
    return i


def tokenize(src: str) -> list:
    """Split a script into words (:class:`Word`) and operator strings."""
    tokens: list = []
    i = 0
    parts: list = []
    lit: list[str] = []
    in_word = False
    pending_heredocs: list[HereDoc] = []

    def flush_lit():
        if lit:
            parts.append(("lit", "".join(lit)))
            lit.clear()

    def end_word():
        nonlocal parts, in_word
        flush_lit()
        if in_word:
            tokens.append(Word(parts))
        parts = []
        in_word = False

    while i < len(src):
        c = src[i]
        if c in " \t":
            end_word()
            i += 1
            continue
        if c == "\n" and pending_heredocs:
            end_word()
            tokens.append("\n")
            i = _heredoc_bodies(src, i + 1, pending_heredocs)
            pending_heredocs.clear()
            continue
        if c == "#" and not in_word:
            while i < len(src) and src[i] != "\n":
                i += 1
            continue
        if c == "\\":
            if src.startswith("\\\n", i):
                i += 2
                continue
            lit.append(src[i + 1] if i + 1 < len(src) else "\\")
            in_word = True
            i += 2
            continue
        if c == "'":
            end = src.find("'", i + 1)
            if end < 0:
                raise ShellSyntaxError("syntax error: unterminated quoted string")
            flush_lit()
            parts.append(("sq", src[i + 1:end]))
            in_word = True
            i = end + 1
            continue
        if c == '"':
            flush_lit()
            part, i = _double_quoted(src, i)
            parts.append(part)
            in_word = True
            continue
        if c == "$":
            part, i = _dollar(src, i)
            if part[0] == "lit":
                lit.append("$")
            else:
                flush_lit()
                parts.append(part)
            in_word = True
            continue
        if c == "`":
            end = src.find("`", i + 1)
            if end < 0:
                raise ShellSyntaxError("syntax error: unterminated `")
            flush_lit()
            parts.append(("cmd", src[i + 1:end]))
            in_word = True
            i = end + 1
            continue
        op = next((o for o in OPERATORS if src.startswith(o, i)), None) if c in _OP_START else None
        if op is not None and not (in_word and op[0] in "12"):
            if op[0] in "12" and (in_word or lit):
                pass
            else:
                end_word()
                tokens.append(op)
                i += len(op)
                if op in ("<<", "<<-"):               # the delimiter word, then the body later
                    doc, i = _heredoc_delimiter(src, i, op)
                    tokens.append(doc)
                    pending_heredocs.append(doc)
                continue
        lit.append(c)
        in_word = True
        i += 1
    end_word()
    return tokens
