"""busybox's text applets: ``cat``, ``echo``, ``printf``, ``test``/``[``, ``tail`` (``-f``),
``head``, ``wc``, ``grep``, ``seq``, ``yes``, ``tee``, and the input helpers the applets share.
"""

from __future__ import annotations

import re

from ..fs import FsError
from ..sh.builtins import b_printf, echo_text, test_expr
from ..sh.control import IO


def _read_input(proc, files: list[str], applet: str):
    """``text, ok = yield from _read_input(...)``: the text of ``files`` (or all of stdin), and whether
    every file could be read."""
    if not files or files == ["-"]:
        return (yield from proc.read_all()), True
    out, ok = [], True
    for f in files:
        if f == "-":
            out.append((yield from proc.read_all()))
            continue
        try:
            out.append(proc.fs.read(f, proc.cwd))
        except FsError as e:
            proc.error(f"{applet}: can't open '{f}': {e.errno}" if e.errno != "Is a directory"
                       else f"{applet}: read error: Is a directory")
            ok = False
    return "".join(out), ok


def _next_lines(proc, state: dict):
    """The next complete lines from stdin (a list), or None at end of file."""
    while True:
        buf = state.get("buf", "")
        if "\n" in buf:
            *lines, rest = buf.split("\n")
            state["buf"] = rest
            return [line + "\n" for line in lines]
        chunk = yield proc.read()
        if chunk is None:
            state["buf"] = ""
            return [buf] if buf else None
        state["buf"] = buf + chunk


def split_flags(args: list[str], known: str):
    """``-la`` style flags (letters in ``known``) and the remaining operands."""
    flags, rest = set(), []
    for i, a in enumerate(args):
        if a == "--":
            rest.extend(args[i + 1:])
            break
        if a.startswith("-") and len(a) > 1 and all(c in known for c in a[1:]):
            flags |= set(a[1:])
        else:
            rest.append(a)
    return flags, rest


def cat(proc):
    flags, files = split_flags(proc.argv[1:], "nuAe")
    if (not files or files == ["-"]) and "n" not in flags:
        while True:                       # copy stdin as it arrives (an open, silent stdin: forever)
            chunk = yield proc.read()
            if chunk is None:
                return 0
            proc.write(chunk)
    text, ok = yield from _read_input(proc, files, "cat")
    if "n" in flags:
        text = "".join(f"{i:6d}\t{line}\n" for i, line in enumerate(text.splitlines(), 1))
    proc.write(text)
    return 0 if ok else 1


def echo(proc):
    proc.write(echo_text(proc.argv[1:]))
    return 0


def printf(proc):
    return b_printf(None, proc.argv, IO(proc.stdout, proc.stderr, proc.stdin))


def test(proc):
    args = proc.argv[1:]
    if proc.argv[0].endswith("["):
        if not args or args[-1] != "]":
            proc.error("[: missing ]")
            return 2
        args = args[:-1]
    try:
        return 0 if test_expr(args, proc) else 1
    except ValueError as e:
        proc.error(f"test: {e}")
        return 2


def tail(proc):
    """tail [-n N|+N] [-f|-F] FILE: the last N lines (``+N``: from line N on); ``-f`` follows the
    file, checking it every second (``-F`` also waits for a file that does not exist yet)."""
    args = proc.argv[1:]
    n, from_line, follow, files = 10, None, False, []
    i = 0
    while i < len(args):
        a = args[i]
        if a in ("-f", "-F"):
            follow = True
        elif a.startswith("-n"):
            value = a[2:] or args[i + 1]
            i += 0 if a[2:] else 1
            if value.startswith("+"):
                from_line = int(value[1:])
            else:
                n = int(value)
        elif a.startswith("-") and a[1:].isdigit():
            n = int(a[1:])
        else:
            files.append(a)
        i += 1
    if follow and files and "-F" in args and not proc.fs.exists(files[0], proc.cwd):
        text, ok = "", True               # -F: retry until the file appears
    else:
        text, ok = yield from _read_input(proc, files[:1], "tail")
    lines = text.splitlines(keepends=True)
    if from_line is not None:
        proc.write("".join(lines[max(0, from_line - 1):]))
    else:
        proc.write("".join(lines[-n:] if n else []))
    if not follow or not files:
        return 0 if ok else 1
    seen = len(text)
    while True:                        # busybox tail -f polls once a second
        yield proc.sleep(1)
        try:
            now = proc.fs.read(files[0], proc.cwd)
        except FsError:
            continue
        if len(now) < seen:
            proc.error(f"tail: {files[0]}: file truncated")
            seen = 0
        if len(now) > seen:
            proc.write(now[seen:])
            seen = len(now)


def head(proc):
    args = proc.argv[1:]
    n, files = 10, []
    i = 0
    while i < len(args):
        a = args[i]
        if a == "-n":
            n = int(args[i + 1])
            i += 1
        elif a.startswith("-n"):
            n = int(a[2:])
        elif a.startswith("-") and a[1:].isdigit():
            n = int(a[1:])
        else:
            files.append(a)
        i += 1
    if not files or files == ["-"]:
        state: dict = {}
        left = n
        while left > 0:                   # stop reading after n lines: the writer gets SIGPIPE
            batch = yield from _next_lines(proc, state)
            if batch is None:
                break
            proc.write("".join(batch[:left]))
            left -= len(batch[:left])
        return 0
    text, ok = yield from _read_input(proc, files, "head")
    proc.write("".join(text.splitlines(keepends=True)[:n]))
    return 0 if ok else 1


def wc(proc):
    flags, files = split_flags(proc.argv[1:], "lwc")
    text, ok = yield from _read_input(proc, files, "wc")
    counts = {"l": text.count("\n"), "w": len(text.split()), "c": len(text.encode())}
    chosen = [k for k in "lwc" if k in flags] or ["l", "w", "c"]
    nums = [counts[k] for k in chosen]
    name = f" {files[0]}" if files else ""
    if len(nums) == 1:
        proc.print(f"{nums[0]}{name}")
    else:
        proc.print(" ".join(f"{x:9d}" for x in nums) + name)
    return 0 if ok else 1


def grep(proc):
    """grep [-ivcqnE] PATTERN [FILE...] (patterns are Python regular expressions)."""
    flags, args = split_flags(proc.argv[1:], "ivcqnEFwo")
    if not args:
        proc.error("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\n"
                   "Usage: grep [-HhnlLoqvsrRiwFE] [-m N] [-A|B|C N] { PATTERN | -e PATTERN... | -f FILE... } [FILE]...")
        return 2
    pattern, files = args[0], args[1:]
    if "F" in flags:
        pattern = re.escape(pattern)
    elif "E" not in flags:
        pattern = pattern.replace("\\|", "|").replace("\\(", "(").replace("\\)", ")")
    if "w" in flags:
        pattern = rf"\b(?:{pattern})\b"
    try:
        rx = re.compile(pattern, re.IGNORECASE if "i" in flags else 0)
    except re.error:
        rx = re.compile(re.escape(pattern), re.IGNORECASE if "i" in flags else 0)
    if not files and not flags & {"c", "q"}:
        state: dict = {}
        number, found = 0, False
        while True:                       # filter stdin line by line, as it arrives (tail -f | grep)
            batch = yield from _next_lines(proc, state)
            if batch is None:
                return 0 if found else 1
            for line in batch:
                number += 1
                text = line.rstrip("\n")
                if bool(rx.search(text)) != ("v" in flags):
                    found = True
                    proc.print(f"{number}:{text}" if "n" in flags else text)
    text, ok = yield from _read_input(proc, files, "grep")
    hits = [(i, line) for i, line in enumerate(text.splitlines(), 1) if bool(rx.search(line)) != ("v" in flags)]
    if "q" in flags:
        return 0 if hits else 1
    if "c" in flags:
        proc.print(len(hits))
    else:
        for i, line in hits:
            proc.print(f"{i}:{line}" if "n" in flags else line)
    if not ok:
        return 2
    return 0 if hits else 1


def seq(proc):
    args = proc.argv[1:]
    try:
        nums = [float(a) if "." in a else int(a) for a in args]
    except ValueError:
        proc.error(f"seq: invalid number '{args}'")
        return 1
    if len(nums) == 1:
        first, step, last = 1, 1, nums[0]
    elif len(nums) == 2:
        first, step, last = nums[0], 1, nums[1]
    elif len(nums) == 3:
        first, step, last = nums
    else:
        proc.error("Usage: seq [-w] [-s SEP] [FIRST [INC]] LAST")
        return 1
    out, x = [], first
    while (step > 0 and x <= last) or (step < 0 and x >= last):
        out.append(str(x))
        x += step
    if out:
        proc.write("\n".join(out) + "\n")
    return 0


def yes(proc):
    """yes: prints its argument forever -- in virtual time, a line per millisecond of CPU."""
    word = " ".join(proc.argv[1:]) or "y"
    while True:
        proc.write((word + "\n") * 1000)
        yield proc.compute(0.001)


def tee(proc):
    flags, files = split_flags(proc.argv[1:], "a")
    status = 0
    ok_files = []
    for f in files:
        try:
            proc.fs.write(f, "", proc.cwd, append="a" in flags, uid=proc.uid)
            ok_files.append(f)
        except FsError as e:
            proc.error(f"tee: {f}: {e.errno}")
            status = 1
    while True:
        chunk = yield proc.read()
        if chunk is None:
            return status
        for f in ok_files:
            proc.fs.write(f, chunk, proc.cwd, append=True, uid=proc.uid)
        proc.write(chunk)
