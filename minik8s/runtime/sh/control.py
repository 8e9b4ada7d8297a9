"""What carries a command's streams and what unwinds the interpreter.

:class:`IO` is a command's stdout/stderr Streams and stdin text; ``break``, ``continue`` and
``return`` unwind the running tree as exceptions, and :class:`ShellError` ends the current
command with a message (``sh: ...``).
"""

from __future__ import annotations

from ..process import Stream


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


class ShellError(Exception):
    """An error that ends the current command with a message (``sh: ...``)."""
