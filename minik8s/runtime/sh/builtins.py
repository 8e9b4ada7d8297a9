"""The shell's builtins: commands run inside the shell process, like ash's.

``echo printf test [ [[ true false : exit cd pwd export unset set shift trap kill wait read eval
break continue return local exec``. Each is ``b_<name>(sh, argv, io) -> status`` (a generator
when it waits). ``echo``, ``printf``, ``test`` and ``kill`` share their text with busybox's
applets of the same name (:func:`echo_text`, :func:`printf_text`, :func:`test_expr`,
:func:`kill_main`), as busybox's ash calls the applets' code.
"""

from __future__ import annotations

from ..process import SIGNALS, OpenStdin, Pipe, ProcessExit, signal_name
from .control import BreakLoop, ContinueLoop, ReturnFunc
from .lexer import ShellSyntaxError
from .parser import parse


# --- text shared with busybox's echo, printf, test and kill applets ----------------------------

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


# --- builtins ---------------------------------------------------------------------------------

def b_echo(sh, argv, io):
    io.stdout.write(echo_text(argv[1:]))
    return 0


def b_printf(sh, argv, io):
    if len(argv) < 2:
        io.stderr.write("printf: usage: printf FORMAT [ARGUMENT...]\n")
        return 1
    text, ok = printf_text(argv[1], argv[2:])
    io.stdout.write(text)
    return 0 if ok else 1


def b_test(sh, argv, io):
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
