"""busybox: the small Unix userland most example pods run (``busybox:1.28``).

busybox is one binary that behaves as ``sleep``, ``cat``, ``ls``... depending on
the name it is called by (https://busybox.net/downloads/BusyBox.html). Here
each applet is a program ``fn(proc)`` -- a generator when it waits, a plain
function otherwise -- and messages are busybox's own (``cat: can't open 'x':
No such file or directory``). :data:`APPLETS` is the command table; a runtime
copies it into ``rt.programs`` so other modules can add applets (``wget``,
``nslookup``, ``nc``) to one cluster without touching another.
"""

from __future__ import annotations

import posixpath

from .fs import Dir, File, FsError
from .process import SIGNALS, signal_name
from .sh import sh_main


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


def _split_flags(args: list[str], known: str):
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


# --- text helpers shared with the shell's builtins ----------------------------------------------
def _escapes(text: str) -> tuple[str, bool]:
    """Interpret backslash escapes; the bool is False after ``\\c`` (stop output)."""
    out, i = [], 0
    table = {"n": "\n", "t": "\t", "\\": "\\", "a": "\a", "b": "\b", "r": "\r", "v": "\v", "f": "\f", "e": "\x1b"}
    while i < len(text):
        c = text[i]
        if c == "\\" and i + 1 < len(text):
            n = text[i + 1]
            if n in table:
                out.append(table[n])
                i += 2
                continue
            if n == "c":
                return "".join(out), False
            if n == "0":
                j = i + 2
                while j < len(text) and j < i + 5 and text[j] in "01234567":
                    j += 1
                out.append(chr(int(text[i + 2:j] or "0", 8)))
                i = j
                continue
        out.append(c)
        i += 1
    return "".join(out), True


def echo_text(args: list[str]) -> str:
    newline, escapes = True, False
    while args and args[0].startswith("-") and len(args[0]) > 1 and set(args[0][1:]) <= set("neE"):
        if "n" in args[0]:
            newline = False
        if "e" in args[0]:
            escapes = True
        if "E" in args[0]:
            escapes = False
        args = args[1:]
    text = " ".join(args)
    if escapes:
        text, go_on = _escapes(text)
        if not go_on:
            return text
    return text + ("\n" if newline else "")


def printf_text(fmt: str, args: list[str]) -> tuple[str, bool]:
    """printf(1): %s %d %i %u %x %o %c %f %e %g %b %%, with widths; the format repeats over extra args."""
    out: list[str] = []
    ok = True
    args = list(args)
    first = True
    while first or args:
        first = False
        i = 0
        consumed = False
        while i < len(fmt):
            c = fmt[i]
            if c == "\\":
                text, _ = _escapes(fmt[i:i + 2] if fmt[i + 1:i + 2] != "0" else fmt[i:i + 5])
                out.append(text)
                i += 2 if fmt[i + 1:i + 2] != "0" else 5
                continue
            if c != "%":
                out.append(c)
                i += 1
                continue
            j = i + 1
            while j < len(fmt) and fmt[j] in "-+ #0123456789.":
                j += 1
            if j >= len(fmt):
                out.append(fmt[i:])
                break
            conv, spec = fmt[j], fmt[i:j]
            i = j + 1
            if conv == "%":
                out.append("%")
                continue
            arg = args.pop(0) if args else ""
            consumed = True
            try:
                if conv in "diouxX":
                    n = int(arg or 0, 0) if arg[:2].lower() in ("0x",) else int(float(arg or 0)) \
                        if arg.replace(".", "", 1).lstrip("-").isdigit() or not arg else int(arg)
                    out.append((spec + ("d" if conv in "iu" else conv)) % n)
                elif conv in "feEgG":
                    out.append((spec + conv) % float(arg or 0))
                elif conv == "c":
                    out.append(arg[:1])
                elif conv == "b":
                    out.append(_escapes(arg)[0])
                else:
                    out.append((spec + "s") % arg)
            except ValueError:
                out.append("0")
                ok = False
        if not consumed:
            break
    return "".join(out), ok


def test_expr(args: list[str], proc) -> bool:
    """test(1) / ``[ ]``: -f -d -e -s -r -w -x -z -n, = != -eq -ne -lt -le -gt -ge, ! -a -o."""
    if not args:
        return False
    if "-o" in args[1:-1]:
        k = args.index("-o", 1)
        return test_expr(args[:k], proc) or test_expr(args[k + 1:], proc)
    if "-a" in args[1:-1]:
        k = args.index("-a", 1)
        return test_expr(args[:k], proc) and test_expr(args[k + 1:], proc)
    if args[0] == "!":
        return not test_expr(args[1:], proc)
    if len(args) == 1:
        return args[0] != ""
    if len(args) == 2:
        op, x = args
        fs = proc.fs
        if op == "-z":
            return x == ""
        if op == "-n":
            return x != ""
        if op == "-e":
            return fs.exists(x, proc.cwd)
        if op == "-f":
            return fs.isfile(x, proc.cwd)
        if op == "-d":
            return fs.isdir(x, proc.cwd)
        if op == "-s":
            return fs.isfile(x, proc.cwd) and fs.read(x, proc.cwd) != ""
        if op in ("-r", "-w"):
            return fs.exists(x, proc.cwd)
        if op == "-x":
            return fs.exists(x, proc.cwd) and bool(fs.get(x, proc.cwd).mode & 0o111)
        raise ValueError(f"{op}: unknown operand")
    if len(args) == 3:
        a, op, b = args
        if op == "=" or op == "==":
            return a == b
        if op == "!=":
            return a != b
        ints = {"-eq": "__eq__", "-ne": "__ne__", "-lt": "__lt__", "-le": "__le__", "-gt": "__gt__",
                "-ge": "__ge__"}
        if op in ints:
            try:
                return getattr(int(a), ints[op])(int(b))
            except ValueError:
                bad = a if not a.lstrip("-").isdigit() else b
                raise ValueError(f"{bad}: bad number") from None
    raise ValueError("syntax error")


def kill_main(proc, argv, io) -> int:
    """kill [-SIG] PID...: signal processes in this PID namespace (``kill -l`` lists signals)."""
    args = argv[1:]
    sig = "SIGTERM"
    if args and args[0] == "-l":
        io.stdout.write(" ".join(n[3:] for n in sorted(SIGNALS, key=SIGNALS.get)) + "\n")
        return 0
    if args and args[0].startswith("-"):
        spec = args[0][1:]
        if spec == "s" and len(args) > 1:
            spec, args = args[1], args[1:]
        try:
            sig = signal_name(spec)
        except ValueError:
            io.stderr.write(f"kill: bad signal name '{spec}'\n")
            return 1
        args = args[1:]
    if not args:
        io.stderr.write("kill: usage: kill [-SIG] PID...\n")
        return 1
    status = 0
    for a in args:
        try:
            pid = int(a)
        except ValueError:
            io.stderr.write(f"kill: can't kill pid {a}: No such process\n")
            status = 1
            continue
        target = proc.container.pidns.get(pid)
        if target is None or not target.alive:
            io.stderr.write(f"kill: can't kill pid {a}: No such process\n")
            status = 1
            continue
        target.signal(sig, sender=proc)     # killing ourselves raises Killed and unwinds us
    return status


# --- applets -----------------------------------------------------------------------------------
def sleep(proc):
    args = proc.argv[1:]
    if not args:
        proc.error("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.\n\nUsage: sleep [N]...")
        return 1
    total = 0.0
    for a in args:
        unit = {"s": 1, "m": 60, "h": 3600, "d": 86400}.get(a[-1:], None)
        num = a[:-1] if unit else a
        try:
            total += float(num) * (unit or 1)
        except ValueError:
            proc.error(f"sleep: invalid number '{a}'")
            return 1
    if total == float("inf"):
        yield proc.forever()
    yield proc.sleep(total)
    return 0


def cat(proc):
    flags, files = _split_flags(proc.argv[1:], "nuAe")
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


def _mode_string(node) -> str:
    kind = "d" if isinstance(node, Dir) else "-"
    bits = ""
    for shift in (6, 3, 0):
        m = (node.mode >> shift) & 7
        bits += ("r" if m & 4 else "-") + ("w" if m & 2 else "-") + ("x" if m & 1 else "-")
    if node.mode & 0o2000:
        bits = bits[:5] + ("s" if node.mode & 0o010 else "S") + bits[6:]
    if node.mode & 0o1000:
        bits = bits[:-1] + ("t" if node.mode & 1 else "T")
    return kind + bits


def ls(proc):
    flags, paths = _split_flags(proc.argv[1:], "laA1hFRd")
    paths = paths or ["."]
    fs = proc.fs
    status = 0
    out: list[str] = []
    from ..api.meta import EPOCH
    import datetime

    def fmt(name, node):
        if "l" not in flags:
            return name
        size = len(node.data) if isinstance(node, File) else 4096
        t = EPOCH + datetime.timedelta(seconds=int(node.mtime))
        owner = "root" if node.uid == 0 else str(node.uid)
        group = "root" if node.gid == 0 else str(node.gid)
        return f"{_mode_string(node)} {2 if isinstance(node, Dir) else 1:4d} {owner:<8} {group:<8} " \
               f"{size:8d} {t.strftime('%b %e %H:%M')} {name}"

    files, dirs = [], []
    for p in paths:
        try:
            node = fs.get(p, proc.cwd)
        except FsError as e:
            proc.error(f"ls: {p}: {e.errno}")
            status = 1
            continue
        (dirs if isinstance(node, Dir) and "d" not in flags else files).append((p, node))
    for p, node in files:
        out.append(fmt(p, node))
    for k, (p, node) in enumerate(dirs):
        if len(paths) > 1:
            if out:
                out.append("")
            out.append(f"{p}:")
        names = fs.listdir(p, proc.cwd)
        if "a" in flags:
            names = [".", ".."] + names
        elif "A" not in flags:
            names = [n for n in names if not n.startswith(".")]
        if "l" in flags:
            out.append(f"total {len(names) * 4}")
        for n in names:
            child = node if n in (".", "..") else fs.get(posixpath.join(p, n), proc.cwd)
            out.append(fmt(n, child))
    if out:
        proc.write("\n".join(out) + "\n")
    return status


def touch(proc):
    _, files = _split_flags(proc.argv[1:], "cam")
    status = 0
    for f in files:
        try:
            proc.fs.touch(f, proc.cwd, uid=proc.uid)
        except FsError as e:
            proc.error(f"touch: {f}: {e.errno}")
            status = 1
    return status


def mkdir(proc):
    flags, dirs = _split_flags(proc.argv[1:], "p")
    status = 0
    for d in dirs:
        try:
            proc.fs.mkdir(d, proc.cwd, parents="p" in flags, uid=proc.uid)
        except FsError as e:
            proc.error(f"mkdir: can't create directory '{d}': {e.errno}")
            status = 1
    return status


def rm(proc):
    flags, files = _split_flags(proc.argv[1:], "rfRvi")
    status = 0
    for f in files:
        try:
            proc.fs.remove(f, proc.cwd, recursive=bool(flags & {"r", "R"}), uid=proc.uid)
        except FsError as e:
            if e.errno == "No such file or directory" and "f" in flags:
                continue
            if e.errno == "Is a directory":
                proc.error(f"rm: '{f}' is a directory")
            else:
                proc.error(f"rm: can't remove '{f}': {e.errno}")
            status = 1
    return status


def rmdir(proc):
    status = 0
    for d in proc.argv[1:]:
        try:
            proc.fs.rmdir(d, proc.cwd, uid=proc.uid)
        except FsError as e:
            proc.error(f"rmdir: '{d}': {e.errno}")
            status = 1
    return status


def cp(proc):
    flags, args = _split_flags(proc.argv[1:], "rRaf")
    if len(args) < 2:
        proc.error("cp: missing file operand" if not args else f"cp: missing destination file operand after '{args[0]}'")
        return 1
    *srcs, dst = args
    status = 0
    for s in srcs:
        try:
            node = proc.fs.get(s, proc.cwd)
            target = posixpath.join(dst, posixpath.basename(s)) if proc.fs.isdir(dst, proc.cwd) else dst
            if isinstance(node, Dir):
                if not flags & {"r", "R", "a"}:
                    proc.error(f"cp: omitting directory '{s}'")
                    status = 1
                    continue
                proc.fs.mkdir(target, proc.cwd, parents=True, uid=proc.uid)
                full = proc.fs.get(target, proc.cwd, write=True)
                full.entries.update(node.copy().entries)
            else:
                proc.fs.write(target, node.data, proc.cwd, uid=proc.uid)
                proc.fs.get(target, proc.cwd, write=True).mode = node.mode
        except FsError as e:
            proc.error(f"cp: can't stat '{s}': {e.errno}" if e.path == s else f"cp: can't create '{dst}': {e.errno}")
            status = 1
    return status


def mv(proc):
    _, args = _split_flags(proc.argv[1:], "fin")
    if len(args) < 2:
        proc.error("mv: missing file operand")
        return 1
    *srcs, dst = args
    status = 0
    for s in srcs:
        try:
            proc.fs.rename(s, dst, proc.cwd, uid=proc.uid)
        except FsError as e:
            proc.error(f"mv: can't rename '{s}': {e.errno}")
            status = 1
    return status


def date(proc):
    """date: the virtual time (the cluster's clock; virtual second 0 is meta.EPOCH), in UTC."""
    import datetime
    from ..api.meta import EPOCH
    t = EPOCH + datetime.timedelta(seconds=int(proc.now))
    fmt = next((a[1:] for a in proc.argv[1:] if a.startswith("+")), None)
    if fmt is None:
        proc.print(t.strftime("%a %b %e %H:%M:%S UTC %Y"))
    else:
        proc.print(t.strftime(fmt.replace("%N", "000000000")))
    return 0


def env_(proc):
    args = proc.argv[1:]
    env = dict(proc.env)
    while args and "=" in args[0]:
        k, _, v = args[0].partition("=")
        env[k] = v
        args = args[1:]
    if args:
        status = yield proc.run(args, env=env)
        return status
    proc.write("".join(f"{k}={v}\n" for k, v in env.items()))
    return 0


def printenv(proc):
    names = proc.argv[1:]
    if not names:
        proc.write("".join(f"{k}={v}\n" for k, v in proc.env.items()))
        return 0
    status = 0
    for n in names:
        if n in proc.env:
            proc.print(proc.env[n])
        else:
            status = 1
    return status


def hostname(proc):
    if "-i" in proc.argv[1:]:
        proc.print(proc.ip)
    else:
        proc.print(proc.hostname)
    return 0


def ps(proc):
    """ps: the processes of this PID namespace only (busybox's columns)."""
    lines = ["PID   USER     TIME  COMMAND"]
    for p in proc.container.ps():
        cpu = 0
        lines.append(f"{p.pid:5d} {'root' if p.uid == 0 else p.uid:<8} {cpu // 60:2d}:{cpu % 60:02d} {p.cmdline}")
    proc.write("\n".join(lines) + "\n")
    return 0


def killall(proc):
    """killall [-SIG] NAME...: signal every process of this PID namespace running NAME
    (``killall -0 nginx`` only checks that one exists)."""
    args = proc.argv[1:]
    sig = "SIGTERM"
    if args and args[0].startswith("-"):
        spec, args = args[0][1:], args[1:]
        if spec == "0":
            sig = None
        else:
            try:
                sig = signal_name(spec)
            except ValueError:
                proc.error(f"killall: bad signal name '{spec}'")
                return 1
    status = 0
    for name in args:
        targets = [p for p in proc.container.ps() if p.argv and posixpath.basename(p.argv[0]) == name]
        if not targets:
            proc.error(f"killall: {name}: no process killed")
            status = 1
        for p in targets:
            if sig is not None:
                p.signal(sig, sender=proc)
    return status


def kill(proc):
    from .sh import IO
    return kill_main(proc, proc.argv, IO(proc.stdout, proc.stderr, proc.stdin))


def true(proc):
    return 0


def false(proc):
    return 1


def echo(proc):
    proc.write(echo_text(proc.argv[1:]))
    return 0


def printf(proc):
    from .sh import IO, b_printf
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
    flags, files = _split_flags(proc.argv[1:], "lwc")
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
    import re
    flags, args = _split_flags(proc.argv[1:], "ivcqnEFwo")
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
    flags, files = _split_flags(proc.argv[1:], "a")
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


def uname(proc):
    flags, _ = _split_flags(proc.argv[1:], "asnrmo")
    if "a" in flags:
        proc.print(f"Linux {proc.hostname} 6.8.0-minik8s #1 SMP x86_64 GNU/Linux")
    elif "n" in flags:
        proc.print(proc.hostname)
    elif "r" in flags:
        proc.print("6.8.0-minik8s")
    elif "m" in flags:
        proc.print("x86_64")
    else:
        proc.print("Linux")
    return 0


def id_(proc):
    """id: uid, gid (runAsGroup) and supplementary groups (fsGroup, supplementalGroups)."""
    if proc.uid == 0 and proc.gid == 0 and not proc.groups:
        proc.print("uid=0(root) gid=0(root) groups=0(root),10(wheel)")
        return 0
    name = lambda i: f"{i}(root)" if i == 0 else str(i)  # noqa: E731
    groups = proc.groups or [proc.gid]
    proc.print(f"uid={name(proc.uid)} gid={name(proc.gid)} groups={','.join(name(g) for g in groups)}")
    return 0


def whoami(proc):
    if proc.uid == 0:
        proc.print("root")
        return 0
    proc.error(f"whoami: unknown uid {proc.uid}")
    return 1


def pwd(proc):
    proc.print(proc.cwd)
    return 0


def chmod(proc):
    args = proc.argv[1:]
    if len(args) < 2:
        proc.error("chmod: missing operand")
        return 1
    mode, files = args[0], args[1:]
    status = 0
    for f in files:
        try:
            node = proc.fs.get(f, proc.cwd, write=True)
        except FsError as e:
            proc.error(f"chmod: {f}: {e.errno}")
            status = 1
            continue
        if mode.isdigit():
            node.mode = int(mode, 8)
        elif mode in ("+x", "a+x", "u+x"):
            node.mode |= 0o111 if mode != "u+x" else 0o100
        elif mode in ("-x", "a-x"):
            node.mode &= ~0o111
    return status


def basename(proc):
    if len(proc.argv) < 2:
        return 1
    proc.print(posixpath.basename(proc.argv[1].rstrip("/")) or "/")
    return 0


def dirname(proc):
    if len(proc.argv) < 2:
        return 1
    proc.print(posixpath.dirname(proc.argv[1].rstrip("/")) or ".")
    return 0


def nproc(proc):
    cg = proc.container.cgroup
    proc.print(2 if cg.cpu_limit is None else 2)   # nproc ignores the CPU quota, as on Linux
    return 0


def free(proc):
    """free: the *node's* memory, not the container's limit (the classic container surprise)."""
    total = 4 * 2 ** 20
    used = proc.container.cgroup.memory // 1024
    proc.print("              total        used        free      shared  buff/cache   available")
    proc.print(f"Mem:      {total:9d}   {used:9d}   {total - used:9d}           0           0   {total - used:9d}")
    proc.print("Swap:             0           0           0")
    return 0


def mount_(proc):
    lines = ["overlay on / type overlay (rw,relatime)", "proc on /proc type proc (rw,nosuid,nodev,noexec,relatime)"]
    for path in sorted(proc.fs.mounts):
        node, ro = proc.fs.mounts[path]
        opts = f"{'ro' if ro else 'rw'},relatime"
        if getattr(node, "tmpfs", False):      # emptyDir medium: Memory is a tmpfs the kubelet mounts
            lines.append(f"tmpfs on {path} type tmpfs ({opts})")
        else:
            lines.append(f"/dev/sda1 on {path} type ext4 ({opts})")
    proc.write("\n".join(lines) + "\n")
    return 0


def busybox_main(proc):
    """``busybox APPLET args`` runs the applet; ``busybox`` alone lists them."""
    if len(proc.argv) < 2:
        proc.print("BusyBox v1.36.1 (2023-05-18 22:34:17 UTC) multi-call binary.")
        proc.print("Currently defined functions:\n\t" + ", ".join(sorted(APPLET_NAMES)))
        return 0
    status = yield proc.run(proc.argv[1:])
    return status


def _sh(proc):
    return sh_main(proc)


APPLETS = {
    "sh": _sh, "ash": _sh, "bash": _sh, "busybox": busybox_main,
    "echo": echo, "printf": printf, "sleep": sleep, "cat": cat, "ls": ls, "touch": touch, "mkdir": mkdir,
    "rm": rm, "rmdir": rmdir, "cp": cp, "mv": mv, "date": date, "env": env_, "printenv": printenv,
    "hostname": hostname, "ps": ps, "kill": kill, "killall": killall, "true": true, "false": false, "test": test, "[": test,
    "tail": tail, "head": head, "wc": wc, "grep": grep, "seq": seq, "yes": yes, "tee": tee,
    "uname": uname, "id": id_, "whoami": whoami, "pwd": pwd, "chmod": chmod, "basename": basename,
    "dirname": dirname, "nproc": nproc, "free": free, "mount": mount_,
}

# Applets the busybox binary has; those without a program in the runtime's table (the network
# tools until the network module adds them) answer "applet not found".
APPLET_NAMES = sorted(set(APPLETS) | {"wget", "nslookup", "nc", "ping", "telnet", "ifconfig", "ip", "netstat",
                                      "top", "vi", "sed", "awk", "sort", "uniq", "cut", "tr", "xargs", "find",
                                      "du", "df", "ln", "stat", "timeout", "watch", "which", "nohup", "expr"})


def applet_not_found(proc):
    proc.error(f"{posixpath.basename(proc.argv[0])}: applet not found")
    return 127


def busybox_files() -> dict:
    """``/bin/<applet>`` for every applet (each one "is" the busybox binary)."""
    files = {"/bin/busybox": "#!minik8s busybox\n"}
    for name in APPLET_NAMES:
        files[f"/bin/{name}"] = f"#!minik8s {name}\n"
    files["/etc/passwd"] = "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/home:/bin/false\n"
    files["/etc/group"] = "root:x:0:\nnobody:x:65534:\n"
    return files
