"""The ``sh`` program: ``sh -c 'script' [name [args...]]``, ``sh script.sh [args]``, or ``sh``
reading stdin (an interactive shell waits at its prompt).
"""

from __future__ import annotations

from ..process import OpenStdin, Pipe
from .builtins import BUILTINS
from .control import IO
from .interpreter import Shell


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
        shell = Shell(proc, BUILTINS, args[2] if len(args) > 2 else "sh", args[3:])
    elif args:
        try:
            script = proc.fs.read(args[0], proc.cwd)
        except Exception:
            proc.error(f"sh: can't open '{args[0]}': No such file or directory")
            return 127
        shell = Shell(proc, BUILTINS, args[0], args[1:])
    else:
        if isinstance(proc.stdin, OpenStdin):
            # an interactive shell (stdin: true): it waits at its prompt for input
            if proc.container.tty:
                proc.write("/ # " if proc.uid == 0 else "~ $ ")
            yield proc.forever()
        script = (yield from proc.read_all()) if isinstance(proc.stdin, Pipe) else (proc.stdin or "")
        shell = Shell(proc, BUILTINS, "sh")
    code = yield from shell.run_script(script, io, exec_last=args[:1] == ["-c"])
    return code
