"""Show minik8s code in the book by symbol, never by copy or line number.

A chapter writes ``show_source("minik8s.trace.Step")`` and the page shows the current source of
that class, so the book and the code cannot drift apart; ``tests/test_viz.py`` fails the build when
a chapter names a symbol that no longer exists (as xv6's book does for its code).
"""

from __future__ import annotations

import importlib
import inspect
import textwrap


def resolve(symbol: str):
    """The object a dotted name ``minik8s.module.Class.method`` refers to.

    Raises ``LookupError`` with a message naming what is missing when it does not resolve.
    """
    if not isinstance(symbol, str) or not (symbol == "minik8s" or symbol.startswith("minik8s.")):
        raise LookupError(f"{symbol!r} is not a minik8s symbol (it must start with 'minik8s.')")
    parts = symbol.split(".")
    module, i = None, len(parts)
    while i > 0:                                       # the longest importable module prefix
        name = ".".join(parts[:i])
        try:
            module = importlib.import_module(name)
            break
        except ModuleNotFoundError as e:
            if e.name is not None and not name.startswith(e.name) and e.name != name:
                raise                                  # a real import error inside minik8s
            i -= 1
    if module is None:
        raise LookupError(f"no module for {symbol!r}")
    obj = module
    for attr in parts[i:]:
        try:
            obj = getattr(obj, attr)
        except AttributeError:
            raise LookupError(f"{symbol!r} does not resolve: {'.'.join(parts[:parts.index(attr)])} "
                              f"has no attribute {attr!r}") from None
    return obj


def source_of(symbol: str) -> str:
    """The source text of the function, class, method or module named ``symbol``."""
    obj = resolve(symbol)
    obj = inspect.unwrap(obj)
    if isinstance(obj, property):
        obj = obj.fget
    try:
        return textwrap.dedent(inspect.getsource(obj))
    except (TypeError, OSError) as e:
        raise LookupError(f"{symbol!r} has no source to show ({e})") from None


def source_file(symbol: str) -> str:
    """The file of ``symbol`` relative to the repository (``minik8s/trace.py``)."""
    obj = inspect.unwrap(resolve(symbol))
    if isinstance(obj, property):
        obj = obj.fget
    path = inspect.getsourcefile(obj) or ""
    idx = path.replace("\\", "/").rfind("/minik8s/")
    return path[idx + 1:] if idx >= 0 else path


class Source:
    """Source code shown in a notebook: rendered as a highlighted Python block."""

    def __init__(self, symbol: str):
        self.symbol = symbol
        self.code = source_of(symbol)
        self.file = source_file(symbol)

    def _repr_markdown_(self) -> str:
        fence = "````" if "```" in self.code else "```"
        return f"`{self.symbol}` in `{self.file}`:\n\n{fence}python\n{self.code.rstrip()}\n{fence}\n"

    def __str__(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"# {self.symbol} ({self.file})\n{self.code}"


def show_source(symbol: str) -> Source:
    """Display the source of a minik8s function or class by its dotted name."""
    return Source(symbol)


__all__ = ["Source", "resolve", "show_source", "source_file", "source_of"]
