"""The shell's parser: tokens -> a syntax tree (POSIX 2.9 Shell Commands, 2.10 Shell Grammar).

Nodes: :class:`Simple` (assignments, words, redirections), :class:`Pipeline`, :class:`AndOr`,
:class:`Sequence` (items with their ``&`` flag), :class:`If`, :class:`Loop` (while/until),
:class:`For`, :class:`Group` (``{ }`` or a ``( )`` subshell), :class:`Case`, :class:`FuncDef`.
:func:`parse` caches trees (running a tree never changes it).
"""

from __future__ import annotations

import functools

from .lexer import HereDoc, REDIRECTS, ShellSyntaxError, Word, tokenize


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
