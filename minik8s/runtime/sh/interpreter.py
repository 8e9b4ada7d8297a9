"""The shell's interpreter: :class:`Shell` runs a syntax tree in the container's process.

Sequences, ``&&``/``||``, pipelines (one process per stage, joined by pipes), background jobs,
``if``/loops/``case``/groups/functions, redirections and simple commands: a function, a builtin
(the table given to the Shell, :mod:`.builtins`) or a child process found on ``$PATH``. Running is a
generator: a command that waits (``sleep``, ``wait``, a pipe) yields to the virtual clock.

Signals: as PID 1 the shell ignores SIGTERM unless a ``trap`` handles it, and a trapped signal runs
its handler only when the foreground command ends (``sleep 3600`` is not interrupted; the ``wait``
builtin is). That is POSIX, and the reason many pods take their full grace period to stop.
"""

from __future__ import annotations

import fnmatch
import functools

from ..process import Pipe, ProcessExit, Stream
from .control import BreakLoop, ContinueLoop, IO, ReturnFunc, ShellError
from .expand import _escape_glob, expand_text, expand_word, expand_words
from .lexer import ShellSyntaxError
from .parser import AndOr, Case, For, FuncDef, Group, If, Loop, Pipeline, Sequence, Simple, parse


# CPU-seconds charged for a loop iteration that ran only builtins (see Shell._loop_tick).
LOOP_ITERATION_CPU = 0.001


class Shell:
    """One shell: its variables, positional parameters, traps and functions, running in ``proc``."""

    def __init__(self, proc, builtins: dict, argv0: str = "sh", params: list[str] | None = None):
        self.proc = proc
        self.builtins = builtins          # name -> b_<name>(sh, argv, io): run inside this process
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
                code = self.status = self.builtins["exec"](self, ["exec", *self.params], io)
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


    # --- running the tree ------------------------------------------------------------------
    def subshell(self) -> "Shell":
        sub = Shell(self.proc, self.builtins, self.argv0, self.params)
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
                items = self.params if node.words is None else (yield from expand_words(self, node.words, io))
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
                value = "".join((yield from expand_word(self, node.word, io, split=False)))
                for patterns, body in node.clauses:
                    for pat in patterns:
                        text = "".join((yield from expand_word(self, pat, io, split=False)))
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
                inp = body if target.quoted else (yield from expand_text(self, body, io))
                continue
            fields = yield from expand_word(self, target, io)
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
        argv = yield from expand_words(self, node.words, io)
        assigns = {}
        for name, word in node.assigns:
            value = yield from expand_word(self, word, io, split=False)
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
        elif name in self.builtins:
            result = self.builtins[name](self, argv, rio)
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


def _file_stream(fs, path: str, uid: int) -> Stream:
    def write(text: str) -> None:
        try:
            fs.write(path, text, append=True, uid=uid)
        except Exception:
            pass
    return Stream(write)
