"""busybox ``sh``: a real subset of the POSIX shell, running in virtual time.

Pod manifests in the Kubernetes docs are full of ``command: ["sh", "-c", "..."]``
(``while true; do echo hello; sleep 10; done``, ``touch /tmp/healthy; sleep 30;
rm -f /tmp/healthy; sleep 600``). This module reads such a script the way a
shell does -- tokens, then a syntax tree, then execution -- and runs it as the
container's process:

* lists ``;`` ``&`` newline, ``&&`` ``||``, pipelines ``|`` (one process per stage, joined by
  pipes, all running at once), ``!``;
* ``if/elif/else/fi``, ``while``, ``until``, ``for x in ...``, ``case ... in pat|pat) ...;; esac``,
  ``{ ...; }``, ``( ... )``, ``break``, ``continue``, functions ``f() { ...; }``;
* words: ``'single'``, ``"double $VAR"``, ``$VAR`` ``${VAR}`` ``${VAR:-default}`` ``$?`` ``$$`` ``$!``
  ``$#`` ``$1``, ``$(command)`` and backquotes, ``$((arithmetic))``, ``~``; unquoted expansions
  are split into fields; unquoted ``*`` ``?`` ``[...]`` expand to matching paths;
* redirections ``>`` ``>>`` ``<`` ``2>`` ``2>&1`` ``>&2`` ``&>``, here-documents ``<<EOF`` ``<<'EOF'`` ``<<-EOF``;
* builtins (run inside the shell process, like ash's): ``echo printf test [ [[ true false : exit cd pwd
  export unset set shift trap kill wait read eval local return``; every other command is a
  child process found on ``$PATH`` (``ps`` shows it), e.g. ``sleep``, ``cat``, ``ls``.

Signals: as PID 1 the shell ignores SIGTERM unless a ``trap`` handles it, and a trapped signal runs
its handler only when the foreground command ends (``sleep 3600`` is not interrupted; the ``wait``
builtin is). That is POSIX, and the reason many pods take their full grace period to stop.
"""

from __future__ import annotations

import ast
import fnmatch
import functools
import operator

from .process import Pipe, ProcessExit, Stream, signal_name

OPERATORS = ("&&", "||", ";;", "<<-", "<<", ">>", "2>&1", ">&2", "1>&2", "&>", "2>>", "2>", "1>>", "1>", ";", "&", "|",
             "(", ")", "<", ">", "\n")
KEYWORDS = {"if", "then", "elif", "else", "fi", "while", "until", "do", "done", "for", "in", "{", "}", "!"}
_OP_START = set(o[0] for o in OPERATORS)
REDIRECTS = {">", ">>", "<", "<<", "<<-", "2>", "2>>", "2>&1", ">&2", "1>&2", "&>", "1>", "1>>"}


# CPU-seconds charged for a loop iteration that ran only builtins (see Shell._loop_tick).
LOOP_ITERATION_CPU = 0.001


class ShellSyntaxError(Exception):
    pass


class HereDoc:
    """The text of a here-document (``cat <<EOF ... EOF``): expanded like double quotes unless the
    delimiter was quoted (``<<'EOF'``); ``<<-`` strips leading tabs."""

    def __init__(self, delimiter: str, quoted: bool, strip_tabs: bool):
        self.delimiter, self.quoted, self.strip_tabs = delimiter, quoted, strip_tabs
        self.body: str | None = None


# --- words -----------------------------------------------------------------------------------
# A word is a list of parts: ("lit", text), ("sq", text), ("dq", [parts]), ("var", name, op, arg),
# ("cmd", source), ("arith", source). Quoted parts are not field-split.

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
            i += 1
            for doc in pending_heredocs:          # the bodies follow the line that named them
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
            parts.append(("dq", dq))
            in_word = True
            i = j + 1
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
                    while i < len(src) and src[i] in " \t":
                        i += 1
                    j = i
                    while j < len(src) and src[j] not in " \t\n;&|<>()":
                        j += 1
                    raw = src[i:j]
                    doc = HereDoc(raw.replace("'", "").replace('"', "").replace("\\", ""),
                                  any(q in raw for q in "'\"\\"), op == "<<-")
                    tokens.append(doc)
                    pending_heredocs.append(doc)
                    i = j
                continue
        lit.append(c)
        in_word = True
        i += 1
    end_word()
    return tokens


# --- syntax tree -----------------------------------------------------------------------------
class Simple:
    def __init__(self, assigns, words, redirs):
        self.assigns, self.words, self.redirs = assigns, words, redirs


class Pipeline:
    def __init__(self, cmds, negate=False):
        self.cmds, self.negate = cmds, negate


class AndOr:
    def __init__(self, first, rest):
        self.first, self.rest = first, rest          # rest: [(op, pipeline)]


class Sequence:
    def __init__(self, items):
        self.items = items                            # [(and_or, background)]


class If:
    def __init__(self, clauses, else_body, redirs=None):
        self.clauses, self.else_body, self.redirs = clauses, else_body, redirs or []


class Loop:
    def __init__(self, until, cond, body, redirs=None):
        self.until, self.cond, self.body, self.redirs = until, cond, body, redirs or []


class For:
    def __init__(self, var, words, body, redirs=None):
        self.var, self.words, self.body, self.redirs = var, words, body, redirs or []


class Group:
    def __init__(self, body, subshell, redirs=None):
        self.body, self.subshell, self.redirs = body, subshell, redirs or []


class Case:
    def __init__(self, word, clauses, redirs=None):
        self.word, self.clauses, self.redirs = word, clauses, redirs or []   # clauses: [(patterns, body)]


class FuncDef:
    def __init__(self, name, body):
        self.name, self.body = name, body


class Parser:
    """Recursive descent over the token list (the POSIX shell grammar, reduced)."""

    def __init__(self, tokens):
        self.toks = tokens
        self.i = 0

    def peek(self):
        return self.toks[self.i] if self.i < len(self.toks) else None

    def kw(self, tok=None):
        tok = self.peek() if tok is None else tok
        return tok.literal() if isinstance(tok, Word) else None

    def take(self):
        tok = self.peek()
        self.i += 1
        return tok

    def expect_kw(self, word):
        """Consume keyword ``word`` or fail as ash does: ``syntax error: unexpected end of file
        (expecting "fi")``, ``syntax error: unexpected "done"``."""
        if self.kw() != word:
            got = self.peek()
            if got is None:
                raise ShellSyntaxError(f'syntax error: unexpected end of file (expecting "{word}")')
            shown = "newline" if got == "\n" else (self.kw(got) or (got if isinstance(got, str) else "word"))
            raise ShellSyntaxError(f'syntax error: unexpected "{shown}" (expecting "{word}")')
        self.take()

    def skip_newlines(self):
        while self.peek() == "\n":
            self.take()

    def parse(self):
        seq = self.sequence(())
        if self.peek() is not None:
            tok = self.peek()
            raise ShellSyntaxError(f"syntax error: unexpected \"{self.kw(tok) or tok}\"")
        return seq

    def sequence(self, stop):
        items = []
        while True:
            while self.peek() in ("\n", ";"):
                if self.peek() == ";" and not items:
                    raise ShellSyntaxError('syntax error: unexpected ";"')
                self.take()
            tok = self.peek()
            if tok is None or tok in (")", ";;") or self.kw(tok) in stop:
                break
            node = self.and_or()
            bg = False
            if self.peek() == "&":
                self.take()
                bg = True
            items.append((node, bg))
            if not bg and self.peek() not in (";", "\n", "&", None, ";;") and self.peek() != ")" and \
                    self.kw() not in stop:
                tok = self.peek()
                raise ShellSyntaxError(f"syntax error: unexpected \"{self.kw(tok) or tok}\"")
        return Sequence(items)

    def and_or(self):
        first = self.pipeline()
        rest = []
        while self.peek() in ("&&", "||"):
            op = self.take()
            self.skip_newlines()
            rest.append((op, self.pipeline()))
        return AndOr(first, rest) if rest else first

    def pipeline(self):
        negate = False
        if self.kw() == "!":
            self.take()
            negate = True
        cmds = [self.command()]
        while self.peek() == "|":
            self.take()
            self.skip_newlines()
            cmds.append(self.command())
        return Pipeline(cmds, negate) if negate or len(cmds) > 1 else cmds[0]

    def redirs(self):
        out = []
        while self.peek() in REDIRECTS:
            op = self.take()
            if op in ("2>&1", ">&2", "1>&2"):
                out.append((op, None))
            else:
                target = self.take()
                if isinstance(target, HereDoc):
                    out.append((op, target))
                    continue
                if not isinstance(target, Word):
                    raise ShellSyntaxError(f"syntax error: unexpected \"{target or 'newline'}\"")
                out.append((op, target))
        return out

    def command(self):
        k = self.kw()
        if k == "if":
            self.take()
            clauses = []
            cond = self.sequence(("then",))
            self.expect_kw("then")
            body = self.sequence(("elif", "else", "fi"))
            clauses.append((cond, body))
            else_body = None
            while self.kw() == "elif":
                self.take()
                cond = self.sequence(("then",))
                self.expect_kw("then")
                clauses.append((cond, self.sequence(("elif", "else", "fi"))))
            if self.kw() == "else":
                self.take()
                else_body = self.sequence(("fi",))
            self.expect_kw("fi")
            return If(clauses, else_body, self.redirs())
        if k in ("while", "until"):
            self.take()
            cond = self.sequence(("do",))
            self.expect_kw("do")
            body = self.sequence(("done",))
            self.expect_kw("done")
            return Loop(k == "until", cond, body, self.redirs())
        if k == "for":
            self.take()
            var = self.take()
            if not isinstance(var, Word) or not var.literal():
                raise ShellSyntaxError("syntax error: bad for loop variable")
            while self.peek() == "\n":
                self.take()
            words = None
            if self.kw() == "in":
                self.take()
                words = []
                while isinstance(self.peek(), Word) and self.kw() != "do":
                    words.append(self.take())
            while self.peek() in (";", "\n"):
                self.take()
            self.expect_kw("do")
            body = self.sequence(("done",))
            self.expect_kw("done")
            return For(var.literal(), words, body, self.redirs())
        if k == "{":
            self.take()
            body = self.sequence(("}",))
            self.expect_kw("}")
            return Group(body, False, self.redirs())
        if self.peek() == "(":
            self.take()
            body = self.sequence(())
            if self.take() != ")":
                raise ShellSyntaxError('syntax error: unexpected end of file (expecting ")")')
            return Group(body, True, self.redirs())
        if k == "case":
            self.take()
            word = self.take()
            if not isinstance(word, Word):
                raise ShellSyntaxError("syntax error: unexpected newline")
            while self.peek() == "\n":
                self.take()
            self.expect_kw("in")
            clauses = []
            while True:
                while self.peek() in ("\n", ";"):
                    self.take()
                if self.kw() == "esac" or self.peek() is None:
                    break
                if self.peek() == "(":
                    self.take()
                patterns = []
                while True:
                    pat = self.take()
                    if not isinstance(pat, Word):
                        raise ShellSyntaxError(f'syntax error: unexpected "{pat}"')
                    patterns.append(pat)
                    if self.peek() == "|":
                        self.take()
                        continue
                    break
                if self.take() != ")":
                    raise ShellSyntaxError('syntax error: unexpected word (expecting ")")')
                body = self.sequence(("esac",))
                clauses.append((patterns, body))
                if self.peek() == ";;":
                    self.take()
                elif self.kw() != "esac":
                    raise ShellSyntaxError('syntax error: unexpected word (expecting ";;")')
            self.expect_kw("esac")
            return Case(word, clauses, self.redirs())
        if k == "[[":
            # [[ ... ]]: && and || inside are the test's operators, not the shell's lists
            words = [self.take()]
            while True:
                tok = self.take()
                if tok is None or tok == "\n":
                    raise ShellSyntaxError("syntax error: unexpected end of file (expecting \"]]\")")
                words.append(tok if isinstance(tok, Word) else Word([("lit", tok)]))
                if isinstance(tok, Word) and tok.literal() == "]]":
                    break
            return Simple([], words, self.redirs())
        if k in ("then", "fi", "do", "done", "elif", "else", "}", "esac"):
            raise ShellSyntaxError(f'syntax error: unexpected "{k}"')
        # function definition: name() { ... }
        if isinstance(self.peek(), Word) and k and self.i + 2 < len(self.toks) and \
                self.toks[self.i + 1] == "(" and self.toks[self.i + 2] == ")":
            self.i += 3
            while self.peek() == "\n":
                self.take()
            return FuncDef(k, self.command())
        assigns, words, redirs = [], [], []
        while True:
            tok = self.peek()
            if tok in REDIRECTS:
                redirs.extend(self.redirs())
            elif isinstance(tok, Word):
                lit0 = tok.parts[0][1] if tok.parts and tok.parts[0][0] == "lit" else ""
                name = lit0.split("=", 1)[0]
                if not words and "=" in lit0 and name and name.replace("_", "a").isalnum() \
                        and not name[0].isdigit():
                    rest = [("lit", lit0.split("=", 1)[1])] + tok.parts[1:]
                    assigns.append((name, Word(rest)))
                else:
                    words.append(tok)
                self.take()
            else:
                break
        if not assigns and not words and not redirs:
            tok = self.peek()
            raise ShellSyntaxError(f"syntax error: unexpected \"{'end of file' if tok is None else tok!s}\""
                                   .replace('"\n"', "newline"))
        return Simple(assigns, words, redirs)


@functools.lru_cache(maxsize=1024)
def parse(src: str) -> Sequence:
    """The syntax tree of a script (cached: the tree is never changed by running it)."""
    return Parser(tokenize(src)).parse()


# --- execution -------------------------------------------------------------------------------
class BreakLoop(Exception):
    def __init__(self, n):
        self.n = n


class ContinueLoop(Exception):
    def __init__(self, n):
        self.n = n


class ReturnFunc(Exception):
    def __init__(self, code):
        self.code = code


class IO:
    """A command's standard streams: stdout/stderr Streams and stdin text (None: the terminal)."""

    def __init__(self, stdout: Stream, stderr: Stream, stdin: str | None):
        self.stdout, self.stderr, self.stdin = stdout, stderr, stdin


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


class Shell:
    """One shell: its variables, positional parameters, traps and functions, running in ``proc``."""

    def __init__(self, proc, argv0: str = "sh", params: list[str] | None = None):
        self.proc = proc
        self.vars: dict[str, str] = dict(proc.env)
        self.exported: set[str] = set(proc.env)
        self.argv0 = argv0
        self.params = list(params or [])
        self.status = 0
        self.last_bg: int | None = None
        self.traps: dict[str, str] = {}
        self.pending: list[str] = []
        self.functions: dict = {}
        self.in_wait = False
        self.bg_jobs: list = []

    # --- the entry points ---------------------------------------------------------------
    def run_script(self, src: str, io: IO, exec_last: bool = False):
        """Parse and run ``src``; return the exit status (the EXIT trap runs at the end).

        ``exec_last`` (``sh -c``): like ash, the script's last command, if it is a simple external
        command and no trap is set, replaces the shell (``sh -c "sleep 1h"`` shows as PID 1
        ``sleep 1h`` in ps; ``touch /tmp/healthy; ...; sleep 600`` ends as ``sleep 600``).
        """
        try:
            tree = parse(src)
        except ShellSyntaxError as e:
            io.stderr.write(f"sh: {e}\n")
            return 2
        try:
            if _execs_its_arguments(tree) and "exec" not in self.functions:
                # fast path: the whole script is `exec "$@"` (the nginx image's docker-entrypoint.sh,
                # run at every nginx start). The general path would expand the two words to the same
                # argv, run the exec builtin on it and set the same status.
                code = self.status = b_exec(self, ["exec", *self.params], io)
            elif exec_last and tree.items and not tree.items[-1][1] and isinstance(tree.items[-1][0], Simple):
                yield from self.run(Sequence(tree.items[:-1]), io)
                self.exec_simple = not self.traps
                code = yield from self.run(Sequence(tree.items[-1:]), io)
            else:
                code = yield from self.run(tree, io)
        except ProcessExit as e:
            code = e.code
        except (BreakLoop, ContinueLoop):
            code = 0
        if "EXIT" in self.traps:
            trap, self.traps["EXIT"] = self.traps.pop("EXIT"), ""
            try:
                yield from self.run(parse(trap), io)
            except ProcessExit as e:
                code = e.code
        return code

    # --- traps ---------------------------------------------------------------------------
    def on_signal(self, sig: str) -> None:
        self.pending.append(sig)
        if self.in_wait:
            self.proc.interrupt("signal")

    def run_traps(self, io: IO):
        while self.pending:
            sig = self.pending.pop(0)
            action = self.traps.get(sig)
            if action:
                saved = self.status
                yield from self.run(parse(action), io)
                self.status = saved

    # --- variables -----------------------------------------------------------------------
    def lookup(self, name: str) -> str | None:
        if name == "?":
            return str(self.status)
        if name == "$":
            return str(self.proc.pid if not hasattr(self, "toplevel_pid") else self.toplevel_pid)
        if name == "!":
            return "" if self.last_bg is None else str(self.last_bg)
        if name == "#":
            return str(len(self.params))
        if name in ("@", "*"):
            return " ".join(self.params)
        if name == "0":
            return self.argv0
        if name.isdigit():
            n = int(name)
            return self.params[n - 1] if n <= len(self.params) else None
        if name == "RANDOM":
            return str(self.proc.container.runtime.rng.randrange(32768))
        if name == "SECONDS":
            return str(int(self.proc.uptime()))
        return self.vars.get(name)

    def child_env(self, extra: dict | None = None) -> dict:
        env = {k: self.vars[k] for k in sorted(self.exported) if k in self.vars}
        env.update(extra or {})
        return env

    # --- expansion -----------------------------------------------------------------------
    def expand_part(self, part, io: IO):
        """A part's text (a generator: command substitution runs commands)."""
        kind = part[0]
        if kind in ("lit", "sq"):
            return part[1]
        if kind == "dq":
            out = []
            for p in part[1]:
                out.append((yield from self.expand_part(p, io)))
            return "".join(out)
        if kind == "var":
            _, name, op, arg = part
            value = self.lookup(name)
            if op == "#":
                return str(len(self.lookup(name) or ""))
            if op in (":-", "-"):
                if value is None or (op == ":-" and value == ""):
                    return (yield from self.expand_text(arg, io))
            elif op in (":=", "="):
                if value is None or (op == ":=" and value == ""):
                    value = yield from self.expand_text(arg, io)
                    self.vars[name] = value
            elif op in (":+", "+"):
                if value is not None and (op == "+" or value != ""):
                    return (yield from self.expand_text(arg, io))
                return ""
            if value is None and "u" in self.vars.get("-", ""):
                raise ShellError(f"sh: {name}: parameter not set")
            return value or ""
        if kind == "cmd":
            buf: list[str] = []
            sub = self.subshell()
            try:
                tree = parse(part[1])
                yield from sub.run(tree, IO(Stream(buf.append), io.stderr, io.stdin))
                self.status = sub.status
            except ShellSyntaxError as e:
                io.stderr.write(f"sh: {e}\n")
                self.status = 2
            except ProcessExit as e:
                self.status = e.code
            return "".join(buf).rstrip("\n")
        if kind == "arith":
            text = yield from self.expand_text(part[1], io)
            try:
                return str(_arith(text, self.lookup))
            except (ValueError, SyntaxError, KeyError, TypeError):
                raise ShellError(f"sh: arithmetic syntax error") from None
        raise AssertionError(kind)

    def expand_text(self, text: str, io: IO):
        """Expand ``$...`` in a piece of text (as inside double quotes)."""
        if "$" not in text and "`" not in text:
            return text
        toks = tokenize('"' + text.replace('"', '\\"') + '"')
        out = []
        for tok in toks:
            if isinstance(tok, Word):
                for p in tok.parts:
                    out.append((yield from self.expand_part(p, io)))
        return "".join(out)

    def expand_word(self, word: Word, io: IO, split: bool = True):
        """One word -> fields (unquoted expansions split on whitespace)."""
        fields: list[str] = []
        cur: list[str] = []
        have = False
        for idx, part in enumerate(word.parts):
            if part[0] == "dq" and any(p[0] == "var" and p[1] == "@" for p in part[1]):
                text = ""
            else:
                text = yield from self.expand_part(part, io)
            if part[0] == "lit" and idx == 0 and text.startswith("~") and (len(text) == 1 or text[1] == "/"):
                text = self.vars.get("HOME", "/root") + text[1:]
            if part[0] == "dq" and any(p[0] == "var" and p[1] == "@" for p in part[1]):
                # "$@": each positional parameter is its own field, even inside double quotes
                for p in part[1]:
                    if p[0] == "var" and p[1] == "@":
                        for j, param in enumerate(self.params):
                            if j > 0:
                                fields.append("".join(cur))
                                cur = []
                            cur.append(param)
                            have = True
                    else:
                        cur.append((yield from self.expand_part(p, io)))
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

    def expand_words(self, words, io: IO):
        """Words -> fields; an unquoted ``*``, ``?`` or ``[`` makes a field a pathname pattern."""
        out = []
        for w in words:
            fields = yield from self.expand_word(w, io)
            if any(p[0] == "lit" and any(c in p[1] for c in "*?[") for p in w.parts):
                for f in fields:
                    out.extend(self.glob(f) or [f])       # no match: the pattern stays as written
            else:
                out.extend(fields)
        return out

    def glob(self, pattern: str) -> list[str]:
        """Pathname expansion (POSIX 2.13.3): the matching paths, sorted; hidden files need a dot."""
        fs, cwd = self.proc.fs, self.proc.cwd
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

    # --- running the tree ------------------------------------------------------------------
    def subshell(self) -> "Shell":
        sub = Shell(self.proc, self.argv0, self.params)
        sub.vars = dict(self.vars)
        sub.exported = set(self.exported)
        sub.functions = dict(self.functions)
        sub.status = self.status
        sub.toplevel_pid = getattr(self, "toplevel_pid", self.proc.pid)
        return sub

    def run(self, node, io: IO):
        try:
            if isinstance(node, Sequence):
                status = 0
                for item, background in node.items:
                    if background:
                        status = self.background(item, io)
                    else:
                        status = yield from self.run(item, io)
                    self.status = status
                    if self.pending:
                        yield from self.run_traps(io)
                return self.status
            if isinstance(node, AndOr):
                status = yield from self.run(node.first, io)
                for op, pipe in node.rest:
                    if (op == "&&") == (status == 0):
                        status = yield from self.run(pipe, io)
                    self.status = status
                return status
            if isinstance(node, Pipeline):
                status = yield from self.pipeline(node, io)
                self.status = (0 if status else 1) if node.negate else status
                return self.status
            if isinstance(node, Simple):
                return (yield from self.simple(node, io))
            if isinstance(node, FuncDef):
                self.functions[node.name] = node.body
                return 0
            io = yield from self.redirect(node.redirs, io)
            if io is None:
                return 1
            if isinstance(node, If):
                for cond, body in node.clauses:
                    if (yield from self.run(cond, io)) == 0:
                        return (yield from self.run(body, io))
                if node.else_body is not None:
                    return (yield from self.run(node.else_body, io))
                return 0
            if isinstance(node, Loop):
                status = 0
                while True:
                    waited = self.proc._token
                    c = yield from self.run(node.cond, io)
                    if (c == 0) == node.until:
                        break
                    try:
                        status = yield from self.run(node.body, io)
                    except BreakLoop as b:
                        if b.n > 1:
                            raise BreakLoop(b.n - 1)
                        break
                    except ContinueLoop as cl:
                        if cl.n > 1:
                            raise ContinueLoop(cl.n - 1)
                    if self.proc._token == waited:
                        yield from self._loop_tick()
                return status
            if isinstance(node, For):
                items = self.params if node.words is None else (yield from self.expand_words(node.words, io))
                status = 0
                for item in items:
                    self.vars[node.var] = item
                    try:
                        status = yield from self.run(node.body, io)
                    except BreakLoop as b:
                        if b.n > 1:
                            raise BreakLoop(b.n - 1)
                        break
                    except ContinueLoop as cl:
                        if cl.n > 1:
                            raise ContinueLoop(cl.n - 1)
                return status
            if isinstance(node, Case):
                value = "".join((yield from self.expand_word(node.word, io, split=False)))
                for patterns, body in node.clauses:
                    for pat in patterns:
                        text = "".join((yield from self.expand_word(pat, io, split=False)))
                        glob = text if any(p[0] == "lit" for p in pat.parts) else _escape_glob(text)
                        if fnmatch.fnmatchcase(value, glob):
                            return (yield from self.run(body, io))
                return 0
            if isinstance(node, Group):
                if node.subshell:
                    sub = self.subshell()
                    try:
                        return (yield from sub.run(node.body, io))
                    except ProcessExit as e:
                        return e.code
                return (yield from self.run(node.body, io))
        except ShellError as e:
            io.stderr.write(str(e) + "\n")
            self.status = 2 if "syntax" in str(e) else 1
            return self.status
        raise AssertionError(type(node))

    def _loop_tick(self):
        """A loop iteration that waited for nothing (``while true; do echo x; done``) would spin
        forever at one instant; it costs a millisecond of CPU instead (a slow CPU, to keep the
        simulation small)."""
        yield self.proc.compute(LOOP_ITERATION_CPU)

    def pipeline(self, node: Pipeline, io: IO):
        """``a | b | c``: one process per stage, connected by pipes, all running at once; the
        status is the last stage's. A stage that exits early (``head``) breaks its pipe: the
        writer before it dies of SIGPIPE."""
        if len(node.cmds) == 1:
            return (yield from self.run(node.cmds[0], io))
        container = self.proc.container
        stages = []
        stdin = io.stdin
        for k, cmd in enumerate(node.cmds):
            last = k == len(node.cmds) - 1
            hooks = []
            if last:
                out = io.stdout
                pipe = None
            else:
                pipe = Pipe(self.proc.clock)
                out = pipe.writer_stream()
                hooks.append(pipe.close_writer)
            if isinstance(stdin, Pipe):
                hooks.append(stdin.close_reader)
            sub = self.subshell()
            sub.exec_simple = _single_simple(cmd) is not None
            stage_io = IO(out, io.stderr, stdin)

            def program(p, sub=sub, cmd=cmd, stage_io=stage_io):
                sub.proc = p
                return sub.run_script_tree(cmd, stage_io)
            stages.append(container.spawn(["sh"], self.child_env(), self.proc.cwd, out, io.stderr, stdin=stdin,
                                          parent=self.proc, uid=self.proc.uid, program=program, on_exit=hooks))
            stdin = pipe
        status = 0
        for child in stages:
            status = yield self.proc.wait(child)
        return status

    def background(self, node, io: IO) -> int:
        sub = self.subshell()
        sub.exec_simple = _single_simple(node) is not None    # `sleep 9 &`: the forked shell execs sleep

        def program(proc):
            sub.proc = proc
            return sub.run_script_tree(node, IO(io.stdout, io.stderr, "" if io.stdin is None else io.stdin))
        child = self.proc.container.spawn(["sh"], self.child_env(), self.proc.cwd, io.stdout, io.stderr,
                                          parent=self.proc, uid=self.proc.uid, program=program)
        self.last_bg = child.pid
        self.bg_jobs.append(child)
        return 0

    def run_script_tree(self, tree, io: IO):
        try:
            return (yield from self.run(tree, io))
        except ProcessExit as e:
            return e.code

    def redirect(self, redirs, io: IO):
        """Apply redirections; returns the new IO, or None (after printing ash's error) on failure."""
        if not redirs:
            return io
        out, err, inp = io.stdout, io.stderr, io.stdin
        fs, proc = self.proc.fs, self.proc
        for op, target in redirs:
            if op == "2>&1":
                err = out
                continue
            if op in (">&2", "1>&2"):
                out = err
                continue
            if op in ("<<", "<<-"):
                body = target.body or ""
                inp = body if target.quoted else (yield from self.expand_text(body, io))
                continue
            fields = yield from self.expand_word(target, io)
            path = fields[0] if fields else ""
            if op == "<":
                try:
                    inp = fs.read(path, proc.cwd)
                except Exception as e:
                    io.stderr.write(f"sh: can't open {path}: {getattr(e, 'errno', 'No such file or directory')}\n")
                    return None
                continue
            append = op in (">>", "2>>", "1>>")
            try:
                if path == "/dev/null":
                    stream = Stream(lambda text: None)
                else:
                    fs.write(path, "", proc.cwd, append=True, uid=proc.uid)
                    if not append:
                        fs.write(path, "", proc.cwd, uid=proc.uid)
                    stream = _file_stream(fs, fs.abspath(path, proc.cwd), proc.uid)
            except Exception as e:
                errno = getattr(e, "errno", "")
                why = "nonexistent directory" if errno == "No such file or directory" else errno
                io.stderr.write(f"sh: can't create {path}: {why}\n")
                return None
            if op in ("2>", "2>>"):
                err = stream
            elif op == "&>":
                out = err = stream
            else:
                out = stream
        return IO(out, err, inp)

    def simple(self, node: Simple, io: IO):
        argv = yield from self.expand_words(node.words, io)
        assigns = {}
        for name, word in node.assigns:
            value = yield from self.expand_word(word, io, split=False)
            assigns[name] = "".join(value)
        if not argv:
            self.vars.update(assigns)
            rio = yield from self.redirect(node.redirs, io)
            self.status = 0 if rio is not None else 1
            return self.status
        rio = yield from self.redirect(node.redirs, io)
        if rio is None:
            self.status = 1
            return 1
        name = argv[0]
        if name in self.functions:
            saved = self.params
            self.params = argv[1:]
            try:
                status = yield from self.run(self.functions[name], rio)
            except ReturnFunc as r:
                status = r.code
            finally:
                self.params = saved
        elif name in BUILTINS:
            result = BUILTINS[name](self, argv, rio)
            status = (yield from result) if hasattr(result, "send") else result
        elif getattr(self, "exec_simple", False):
            _, program = self.proc.container.find_program(name, self.child_env(assigns), self.proc.cwd)
            if program is not None:
                self.proc.stdout, self.proc.stderr, self.proc.stdin = rio.stdout, rio.stderr, rio.stdin
                self.proc.execve(argv, program, self.child_env(assigns))
            rio.stderr.write(f"sh: {name}: not found\n")
            status = 127
        else:
            child = self.proc.spawn(argv, env=self.child_env(assigns), stdout=rio.stdout, stderr=rio.stderr,
                                    stdin=rio.stdin)
            status = yield self.proc.wait(child)
        self.status = status
        return status


def _escape_glob(text: str) -> str:
    """A quoted case pattern matches literally."""
    return "".join(f"[{c}]" if c in "*?[" else c for c in text)


def _single_simple(node):
    """The Simple command if ``node`` is just one (no &&, ||, | or !), else None."""
    if isinstance(node, AndOr) and not node.rest:
        node = node.first
    if isinstance(node, Pipeline) and len(node.cmds) == 1 and not node.negate:
        node = node.cmds[0]
    return node if isinstance(node, Simple) else None


@functools.lru_cache(maxsize=1024)
def _execs_its_arguments(tree: Sequence) -> bool:
    """Is the script exactly ``exec "$@"`` (no assignment, redirection or other command)?
    (Cached per syntax tree, as :func:`parse` caches the trees.)"""
    if len(tree.items) != 1 or tree.items[0][1]:
        return False
    node = _single_simple(tree.items[0][0])
    return (node is not None and not node.assigns and not node.redirs and len(node.words) == 2
            and node.words[0].parts == [("lit", "exec")]
            and node.words[1].parts == [("dq", [("var", "@", "", "")])])


class ShellError(Exception):
    """An error that ends the current command with a message (``sh: ...``)."""


def _file_stream(fs, path: str, uid: int) -> Stream:
    def write(text: str) -> None:
        try:
            fs.write(path, text, append=True, uid=uid)
        except Exception:
            pass
    return Stream(write)


# --- builtins ----------------------------------------------------------------------------------
def b_echo(sh, argv, io):
    from .busybox import echo_text
    io.stdout.write(echo_text(argv[1:]))
    return 0


def b_printf(sh, argv, io):
    from .busybox import printf_text
    if len(argv) < 2:
        io.stderr.write("printf: usage: printf FORMAT [ARGUMENT...]\n")
        return 1
    text, ok = printf_text(argv[1], argv[2:])
    io.stdout.write(text)
    return 0 if ok else 1


def b_test(sh, argv, io):
    from .busybox import test_expr
    args = argv[1:]
    if argv[0] in ("[", "[["):
        close = "]" if argv[0] == "[" else "]]"
        if not args or args[-1] != close:
            io.stderr.write(f"sh: {argv[0]}: missing {close}\n")
            return 2
        args = [{"&&": "-a", "||": "-o"}.get(a, a) for a in args[:-1]] if close == "]]" else args[:-1]
    try:
        return 0 if test_expr(args, sh.proc) else 1
    except ValueError as e:
        io.stderr.write(f"sh: {e}\n")
        return 2


def b_exit(sh, argv, io):
    code = sh.status
    if len(argv) > 1:
        try:
            code = int(argv[1]) & 0xFF
        except ValueError:
            io.stderr.write(f"sh: exit: Illegal number: {argv[1]}\n")
            code = 2
    raise ProcessExit(code)


def b_cd(sh, argv, io):
    target = argv[1] if len(argv) > 1 else sh.vars.get("HOME", "/")
    path = sh.proc.fs.abspath(target, sh.proc.cwd)
    if not sh.proc.fs.isdir(path):
        io.stderr.write(f"sh: cd: can't cd to {target}: No such file or directory\n")
        return 2
    sh.proc.cwd = path
    sh.vars["PWD"] = path
    return 0


def b_pwd(sh, argv, io):
    io.stdout.write(sh.proc.cwd + "\n")
    return 0


def b_export(sh, argv, io):
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        if eq:
            sh.vars[name] = value
        sh.exported.add(name)
    if len(argv) == 1:
        for k in sorted(sh.exported):
            if k in sh.vars:
                io.stdout.write(f"export {k}='{sh.vars[k]}'\n")
    return 0


def b_unset(sh, argv, io):
    for name in argv[1:]:
        sh.vars.pop(name, None)
        sh.exported.discard(name)
        sh.functions.pop(name, None)
    return 0


def b_set(sh, argv, io):
    args = argv[1:]
    while args and args[0].startswith(("-", "+")) and args[0] != "--":
        flags = set(sh.vars.get("-", ""))
        if args[0][0] == "-":
            flags |= set(args[0][1:])
        else:
            flags -= set(args[0][1:])
        sh.vars["-"] = "".join(sorted(flags))
        args = args[1:]
    if args and args[0] == "--":
        args = args[1:]
    if args or (len(argv) > 1 and argv[1] == "--"):
        sh.params = list(args)
    if len(argv) == 1:
        for k in sorted(sh.vars):
            io.stdout.write(f"{k}='{sh.vars[k]}'\n")
    return 0


def b_shift(sh, argv, io):
    n = int(argv[1]) if len(argv) > 1 else 1
    if n > len(sh.params):
        return 1
    sh.params = sh.params[n:]
    return 0


def b_trap(sh, argv, io):
    """``trap 'commands' TERM INT``; ``trap - TERM`` restores the default; ``trap '' TERM`` ignores."""
    if len(argv) == 1:
        for sig in sorted(sh.traps):
            io.stdout.write(f"trap -- '{sh.traps[sig]}' {sig[3:] if sig.startswith('SIG') else sig}\n")
        return 0
    action, sigs = argv[1], argv[2:]
    if not sigs:                 # `trap SIG` resets it (POSIX: when the first arg is a number/signal)
        action, sigs = "-", argv[1:]
    for s in sigs:
        if s in ("EXIT", "0"):
            if action == "-":
                sh.traps.pop("EXIT", None)
            else:
                sh.traps["EXIT"] = action
            continue
        try:
            sig = signal_name(s)
        except ValueError:
            io.stderr.write(f"sh: trap: {s}: bad trap\n")
            return 1
        if action == "-":
            sh.traps.pop(sig, None)
            sh.proc.on_signal(sig, None)
        elif action == "":
            sh.traps.pop(sig, None)
            sh.proc.ignore_signal(sig)
        else:
            sh.traps[sig] = action
            sh.proc.on_signal(sig, sh.on_signal)
    return 0


def b_kill(sh, argv, io):
    from .busybox import kill_main
    return kill_main(sh.proc, argv, io)


def b_wait(sh, argv, io):
    """Wait for background jobs; a trapped signal interrupts the wait (status 128 + signal)."""
    targets = [j for j in sh.bg_jobs if not argv[1:] or str(j.pid) in argv[1:]]
    status = 0
    for job in targets:
        if job.alive:
            sh.in_wait = True
            try:
                got = yield sh.proc.wait(job)
            finally:
                sh.in_wait = False
            if got == "signal":
                from .process import SIGNALS
                sig = sh.pending[0] if sh.pending else "SIGTERM"
                return 128 + SIGNALS.get(sig, 15)
            status = got
        else:
            status = job.exit_code
    sh.bg_jobs = [j for j in sh.bg_jobs if j.alive]
    return status


def b_read(sh, argv, io):
    """read NAME...: one line of input split into the variables (1 at end of file)."""
    names = [a for a in argv[1:] if not a.startswith("-")] or ["REPLY"]
    if isinstance(io.stdin, Pipe):
        data = ""
        while "\n" not in data:
            chunk = yield sh.proc.read(io.stdin)
            if chunk is None:
                break
            data += chunk
        line, nl, rest = data.partition("\n")
        io.stdin.unread(rest)
        if not data:
            return 1
    else:
        from .process import OpenStdin
        if isinstance(io.stdin, OpenStdin):
            yield sh.proc.forever()
        data = io.stdin or ""
        if not data:
            return 1
        line, _, rest = data.partition("\n")
        io.stdin = rest
    values = line.split(None, len(names) - 1)
    for i, name in enumerate(names):
        sh.vars[name] = values[i] if i < len(values) else ""
    return 0


def b_eval(sh, argv, io):
    try:
        tree = parse(" ".join(argv[1:]))
    except ShellSyntaxError as e:
        io.stderr.write(f"sh: {e}\n")
        return 2
    return (yield from sh.run(tree, io))


def b_break(sh, argv, io):
    raise BreakLoop(int(argv[1]) if len(argv) > 1 else 1)


def b_continue(sh, argv, io):
    raise ContinueLoop(int(argv[1]) if len(argv) > 1 else 1)


def b_return(sh, argv, io):
    raise ReturnFunc(int(argv[1]) if len(argv) > 1 else sh.status)


def b_local(sh, argv, io):
    for arg in argv[1:]:
        name, eq, value = arg.partition("=")
        sh.vars[name] = value if eq else sh.vars.get(name, "")
    return 0


def b_exec(sh, argv, io):
    """``exec cmd``: the command replaces the shell in the same process (same PID)."""
    if len(argv) == 1:
        return 0
    proc = sh.proc
    env = sh.child_env()            # (find_program only reads it; execve copies it)
    _, program = proc.container.find_program(argv[1], env, proc.cwd)
    if program is None:
        io.stderr.write(f"sh: exec: line 1: {argv[1]}: not found\n")
        raise ProcessExit(127)
    if io.stdout is not proc.stdout or io.stderr is not proc.stderr:
        proc.stdout, proc.stderr = io.stdout, io.stderr
    proc.execve(argv[1:], program, env)


BUILTINS = {
    "echo": b_echo, "printf": b_printf, "test": b_test, "[": b_test, "[[": b_test, "true": lambda sh, a, io: 0,
    ":": lambda sh, a, io: 0, "false": lambda sh, a, io: 1, "exit": b_exit, "cd": b_cd, "pwd": b_pwd,
    "export": b_export, "unset": b_unset, "set": b_set, "shift": b_shift, "trap": b_trap, "kill": b_kill,
    "wait": b_wait, "read": b_read, "eval": b_eval, "break": b_break, "continue": b_continue,
    "return": b_return, "local": b_local, "exec": b_exec,
}


def sh_main(proc):
    """The ``sh`` program: ``sh -c 'script' [name [args...]]``, ``sh script.sh [args]``, or ``sh`` reading stdin."""
    args = proc.argv[1:]
    io = IO(proc.stdout, proc.stderr, proc.stdin)
    while args and args[0] in ("-e", "-x", "-u", "-l", "-i"):
        args = args[1:]
    if args and args[0] == "-c":
        if len(args) < 2:
            proc.error("sh: -c requires an argument")
            return 2
        script = args[1]
        shell = Shell(proc, args[2] if len(args) > 2 else "sh", args[3:])
    elif args:
        try:
            script = proc.fs.read(args[0], proc.cwd)
        except Exception:
            proc.error(f"sh: can't open '{args[0]}': No such file or directory")
            return 127
        shell = Shell(proc, args[0], args[1:])
    else:
        from .process import OpenStdin
        if isinstance(proc.stdin, OpenStdin):
            # an interactive shell (stdin: true): it waits at its prompt for input
            if proc.container.tty:
                proc.write("/ # " if proc.uid == 0 else "~ $ ")
            yield proc.forever()
        script = (yield from proc.read_all()) if isinstance(proc.stdin, Pipe) else (proc.stdin or "")
        shell = Shell(proc, "sh")
    code = yield from shell.run_script(script, io, exec_last=args[:1] == ["-c"])
    return code
