"""Processes in virtual time, and the API an image's program is written against.

A container is not a small VM: it is an ordinary process on the node, started
in its own *namespaces* (what it can see) and *cgroup* (what it may use)
(https://kubernetes.io/docs/concepts/containers/). minik8s runs each process
as a Python generator on the cluster's virtual clock, as SimPy does: the
program ``yield`` s what it waits for, and the runtime resumes it when that
happens. An image's program receives its :class:`Process` and looks like this::

    @c.image("my-app:1.0", size="12Mi")                  # c: a Cluster
    def my_app(proc):
        proc.print("starting")                       # a line in `kubectl logs`
        yield proc.sleep(5)                          # five virtual seconds pass
        proc.allocate(50 * 2**20)                    # 50 MiB more resident memory
        yield proc.compute(2.0)                      # 2 CPU-seconds of work (slower under a CPU limit)
        proc.listen(8080, lambda req: proc.reply(200, "ok\\n"))   # serve HTTP on port 8080
        proc.on_signal("SIGTERM", lambda sig: proc.exit(0))        # graceful shutdown
        yield proc.forever()                         # serve until stopped
        return 0                                     # exit code (also: proc.exit(n))

What a program may ``yield`` (each is made by a method of :class:`Process`):

* ``proc.sleep(seconds)``: wait; no CPU used.
* ``proc.compute(cpu_seconds, threads=1)``: CPU-bound work. Without a limit it takes
  ``cpu_seconds / threads``; under a CPU limit of L millicores at most L/1000 cores run it, so it takes
  longer and the cgroup counts *throttled* time (CFS bandwidth control).
* ``proc.wait(child)``: wait for a child process (``proc.spawn(argv)``) to exit; the yield returns
  its exit status. ``proc.run(argv)`` is spawn + wait.
* ``proc.forever()``: wait until killed (a server that only answers requests).
* ``proc.read()``: the next text on stdin (None at end of file); ``yield from proc.read_all()`` reads it all.

Other calls: ``proc.spawn(argv)`` (a child process), ``proc.request(ip, port, path=...)`` (an HTTP
client in the pod's network namespace), ``proc.fs`` (the container's filesystem), ``proc.env``,
``proc.hostname``, ``proc.uptime()``, ``proc.kill(pid, sig)``, ``proc.execve(argv, program)``.

Signals follow Linux. SIGKILL always kills (exit status 137 = 128 + 9). Other signals run the
handler installed with ``proc.on_signal``; without one, the default action terminates the
process (143 = 128 + 15 for SIGTERM) -- except for PID 1 of a PID namespace, to which the kernel
delivers no signal it has no handler for. That is why a shell running as PID 1 ignores SIGTERM,
and the kubelet has to SIGKILL it when the grace period ends.
A handler may return a generator: it then replaces the program's main line (a graceful shutdown
that takes time, for instance) .

Memory: ``proc.allocate(n)`` / ``proc.free(n)`` change the process's resident memory, charged to
the container's memory cgroup; going over ``memory.max`` triggers the OOM killer, which (as the
kubelet configures cgroup v2, ``memory.oom.group``) kills every process of the container:
reason ``OOMKilled``, exit code 137.
"""

from __future__ import annotations

import traceback
from typing import Callable

SIGNALS = {"SIGHUP": 1, "SIGINT": 2, "SIGQUIT": 3, "SIGKILL": 9, "SIGUSR1": 10, "SIGUSR2": 12,
           "SIGPIPE": 13, "SIGTERM": 15, "SIGCHLD": 17, "SIGCONT": 18, "SIGSTOP": 19, "SIGWINCH": 28}
# Signals whose default action is to do nothing.
IGNORED_BY_DEFAULT = {"SIGCHLD", "SIGWINCH", "SIGCONT"}

MiB = 2 ** 20


def signal_name(sig) -> str:
    """``15``, ``"15"``, ``"TERM"``, ``"SIGTERM"`` -> ``"SIGTERM"``; ValueError if unknown."""
    s = str(sig).upper()
    if s.isdigit():
        for name, num in SIGNALS.items():
            if num == int(s):
                return name
        raise ValueError(sig)
    if not s.startswith("SIG"):
        s = "SIG" + s
    if s not in SIGNALS:
        raise ValueError(sig)
    return s


# --- what a program yields ---------------------------------------------------------------
class Wait:
    """Something a process waits for."""


class Sleep(Wait):
    def __init__(self, seconds: float):
        self.seconds = max(0.0, float(seconds))


class Compute(Wait):
    def __init__(self, cpu_seconds: float, threads: int = 1):
        self.cpu_seconds = max(0.0, float(cpu_seconds))
        self.threads = max(1, int(threads))


class WaitChild(Wait):
    def __init__(self, child: "Process"):
        self.child = child


class Forever(Wait):
    pass


class ReadInput(Wait):
    """Wait for input (stdin, or ``source``): the yield returns the next text available, or None at EOF."""

    def __init__(self, source=None):
        self.source = source


class BrokenPipe(Exception):
    """Written to a pipe nobody reads any more: the kernel sends the writer SIGPIPE (exit 141)."""


class Pipe:
    """A pipe between two processes (``yes | head -n 2``): text written at one end, read at the other.

    A reader waiting on an empty pipe sleeps until a writer writes or the last writer exits (end
    of file); a writer whose reader has exited dies of SIGPIPE.
    """

    def __init__(self, clock):
        self.clock = clock
        self.chunks: list[str] = []
        self.writers = 0
        self.reader_gone = False
        self._waiting = None             # the reading process's wake-up, while it waits

    def writer_stream(self) -> "Stream":
        self.writers += 1
        return Stream(self.write)

    def write(self, text: str) -> None:
        if self.reader_gone:
            raise BrokenPipe()
        if text:
            self.chunks.append(text)
            self._wake()

    def close_writer(self) -> None:
        self.writers -= 1
        if self.writers <= 0:
            self._wake()

    def close_reader(self) -> None:
        self.reader_gone = True
        self.chunks.clear()

    def take(self):
        """Everything buffered; None at end of file; False if the reader must wait."""
        if self.chunks:
            text = "".join(self.chunks)
            self.chunks.clear()
            return text
        return None if self.writers <= 0 else False

    def unread(self, text: str) -> None:
        if text:
            self.chunks.insert(0, text)

    def _wake(self) -> None:
        wake, self._waiting = self._waiting, None
        if wake is not None:
            self.clock.call_soon(wake)


class ProcessExit(Exception):
    """Raised by ``proc.exit(code)`` to end the program."""

    def __init__(self, code: int):
        super().__init__(code)
        self.code = code


class Exec(Exception):
    """Raised by ``proc.execve(argv, program)``: the process runs a new program (same PID)."""

    def __init__(self, argv, env, program):
        super().__init__(argv[0] if argv else "")
        self.argv, self.env, self.program = argv, env, program


class Killed(Exception):
    """Raised inside a program that was killed while it was running (e.g. by the OOM killer)."""


class OpenStdin(str):
    """Standard input that is open but has no data yet (a container with ``stdin: true``):
    a program reading it waits for input that never comes."""


class Stream:
    """Where a process writes: a container log stream, a file, or a buffer (a pipe, ``$(...)``)."""

    def __init__(self, write: Callable[[str], None]):
        self.write = write


class Cgroup:
    """A container's cgroup: memory charged against ``memory.max``, CPU against its quota.

    ``cpu_limit`` is in millicores (``cpu.max`` quota/period x 1000); ``memory_limit`` in bytes;
    ``swap_limit`` (``memory.swap.max``) how much of it may be pushed out to swap beyond the limit
    (0 unless the kubelet's LimitedSwap gives the container some,
    https://kubernetes.io/docs/concepts/cluster-administration/swap-memory-management/).
    """

    def __init__(self, memory_limit: int | None = None, cpu_limit: int | None = None, swap_limit: int = 0):
        self.memory_limit = memory_limit
        self.cpu_limit = cpu_limit
        self.swap_limit = swap_limit or 0
        self.memory = 0                 # bytes the processes hold: in RAM plus swapped out
        self.parent: Cgroup | None = None   # the node's kubepods cgroup, which sums its children
        self.cpu_seconds = 0.0          # cpu.stat usage_usec, in seconds
        self.throttled_seconds = 0.0    # cpu.stat throttled_usec, in seconds
        self.nr_throttled = 0           # CFS periods (100 ms) in which the group was throttled
        self.throttled_periods = 0.0    # wall time spent throttled / 100 ms (nr_throttled's source)
        self.running_millis = 0         # CPU in use right now (what metrics-server would sample)
        self.oom_kills = 0

    def charge(self, nbytes: int) -> None:
        """memory.current grows by ``nbytes`` (a free is a negative charge); as in the kernel's
        hierarchy, the parent's memory (the node's kubepods cgroup) grows with it. The parent
        counts a child below zero (a tmpfs file freed by another container) as zero."""
        before = self.memory
        self.memory += nbytes
        if self.parent is not None:
            self.parent.memory += max(self.memory, 0) - max(before, 0)

    def attach(self, parent: "Cgroup") -> None:
        """Place this cgroup under ``parent`` (the container is created)."""
        self.parent = parent
        parent.memory += max(self.memory, 0)

    def detach(self) -> None:
        """Take this cgroup out of its parent (the container is removed)."""
        if self.parent is not None:
            self.parent.memory -= max(self.memory, 0)
            self.parent = None

    @property
    def swap(self) -> int:
        """Bytes swapped out (memory.swap.current): what does not fit under memory.max."""
        if self.memory_limit is None or not self.swap_limit:
            return 0
        return max(0, min(self.memory - self.memory_limit, self.swap_limit))

    @property
    def ram(self) -> int:
        """Bytes in RAM (memory.current): the working set metrics-server reports."""
        return self.memory - self.swap

    def slowdown(self) -> float:
        """How much slower the container computes while part of its memory is swapped out: every
        touch of a swapped page is a disk read. A model: 1 + 10 x the swapped fraction."""
        return 1.0 + 10.0 * self.swap / self.memory if self.memory and self.swap else 1.0



class PidNamespace:
    """A PID namespace: the process table its members see (PIDs count from 1, the namespace's init).

    Each container has its own, unless the pod sets ``shareProcessNamespace: true``: then every
    container of the pod joins the sandbox's, where the pause process is PID 1
    (https://kubernetes.io/docs/tasks/configure-pod-container/share-process-namespace/).
    """

    def __init__(self):
        self.procs: dict[int, "Process"] = {}
        self._next = 1
        self.inode = 0                  # its number in /proc/PID/ns/pid (the runtime assigns it)

    def add(self, make) -> "Process":
        """Give the next PID to ``make(pid)``'s process and list it."""
        pid = self._next
        self._next += 1
        proc = self.procs[pid] = make(pid)
        return proc

    def get(self, pid: int) -> "Process | None":
        return self.procs.get(pid)

    def ps(self) -> list["Process"]:
        return [p for _, p in sorted(self.procs.items()) if p.alive]


class Process:
    """One process: a program (generator) running in a container's namespaces.

    ``container`` provides the namespaces and cgroup: ``clock``, ``fs`` (mount namespace),
    ``hostname`` (UTS), ``sandbox`` (network namespace), ``cgroup``, the PID table and
    ``find_program(argv0, env, cwd)``.
    """

    def __init__(self, container, pid: int, argv: list[str], env: dict[str, str], cwd: str,
                 stdout: Stream, stderr: Stream, stdin: str | None = None, parent: "Process | None" = None,
                 uid: int = 0):
        self.container = container
        self.pid = pid
        self.ppid = parent.pid if parent else 0
        self.parent = parent
        self.argv = list(argv)
        self.env = dict(env)
        self.cwd = cwd
        self.stdout = stdout
        self.stderr = stderr
        self.stdin = stdin
        self.uid = uid
        self.state = "created"          # created -> running -> exited
        self.exit_code: int | None = None
        self.killed_by: str | None = None
        self.started_at: float | None = None
        self.memory = 0
        self.handlers: dict[str, Callable] = {}
        self.ignored: set[str] = set()
        self.children: list[Process] = []
        self._gen = None
        self._timer = None
        self._compute = None            # (started, wall seconds, rate millicores)
        self._waiters: list[Callable[[int], None]] = []
        self._executing = False
        self._pending_kill: int | None = None
        self._replacement = None        # a handler's generator waiting to take over (see _run_handler)
        self._token = 0                 # which wait a wake-up belongs to (see interrupt())
        self.on_exit: list[Callable[[], None]] = []    # e.g. close this process's pipe ends
        self.title: str | None = None   # a process title set by the program (setproctitle)
        self.host_pid: int | None = None    # the same process's PID in the node's namespace
        self.gid = parent.gid if parent else container.gid               # runAsGroup
        self.groups = list(parent.groups if parent else container.groups)  # fsGroup, supplementalGroups

    # --- identity and environment (what /proc and the namespaces show) --------------
    @property
    def clock(self):
        return self.container.clock

    @property
    def now(self) -> float:
        return self.container.clock.now

    @property
    def fs(self):
        return self.container.fs

    @property
    def hostname(self) -> str:
        return self.container.hostname

    @property
    def ip(self) -> str:
        return self.container.sandbox.ip

    @property
    def cmdline(self) -> str:
        """What ps shows: the argv, or the title the program set (nginx: "nginx: master process ...")."""
        return self.title or " ".join(self.argv)

    @property
    def alive(self) -> bool:
        return self.state != "exited"

    def uptime(self) -> float:
        return self.now - (self.started_at if self.started_at is not None else self.now)

    # --- the waits a program yields ----------------------------------------------------
    def sleep(self, seconds: float) -> Sleep:
        return Sleep(seconds)

    def compute(self, cpu_seconds: float, threads: int = 1) -> Compute:
        return Compute(cpu_seconds, threads)

    def forever(self) -> Forever:
        return Forever()

    def read(self, source=None) -> ReadInput:
        """``text = yield proc.read()``: the next input from stdin (None at end of file)."""
        return ReadInput(source)

    def read_all(self):
        """``text = yield from proc.read_all()``: stdin until end of file."""
        out = []
        while True:
            chunk = yield self.read()
            if chunk is None:
                return "".join(out)
            out.append(chunk)

    def wait(self, child: "Process") -> WaitChild:
        return WaitChild(child)

    def spawn(self, argv: list[str], env: dict | None = None, stdout: Stream | None = None,
              stderr: Stream | None = None, stdin: str | None = None, cwd: str | None = None) -> "Process":
        """Start a child (fork + exec ``argv``), in the same namespaces; returns it running."""
        return self.container.spawn(argv, env=self.env if env is None else env, cwd=cwd or self.cwd,
                                    stdout=stdout or self.stdout, stderr=stderr or self.stderr,
                                    stdin=stdin, parent=self, uid=self.uid)

    def run(self, argv: list[str], **kw) -> WaitChild:
        """Spawn ``argv`` and wait for it: ``status = yield proc.run(["sleep", "1"])``."""
        return WaitChild(self.spawn(argv, **kw))

    # --- output --------------------------------------------------------------------------
    def write(self, text: str) -> None:
        self.stdout.write(text)

    def print(self, *parts) -> None:
        self.stdout.write(" ".join(map(str, parts)) + "\n")

    def error(self, *parts) -> None:
        self.stderr.write(" ".join(map(str, parts)) + "\n")

    def execve(self, argv: list[str], program, env: dict | None = None):
        """Replace this process's program (``exec``): same PID, new argv; handled signals reset."""
        raise Exec(list(argv), dict(self.env if env is None else env), program)

    def exit(self, code: int = 0):
        raise ProcessExit(int(code) & 0xFF)

    # --- memory --------------------------------------------------------------------------
    def allocate(self, nbytes: int) -> None:
        """Touch ``nbytes`` more memory; the OOM killer strikes if the cgroup goes over its limit."""
        self.memory += int(nbytes)
        self.container.charge(self, int(nbytes))

    def free(self, nbytes: int) -> None:
        n = min(int(nbytes), self.memory)
        self.memory -= n
        self.container.charge(self, -n)

    # --- network -------------------------------------------------------------------------
    def listen(self, port: int, handler: Callable, protocol: str = "TCP") -> None:
        """Accept connections on ``port`` in the pod's network namespace.

        ``handler(request) -> HttpResponse`` answers HTTP (see ``network.HttpRequest``); build
        replies with :meth:`reply`. Binding a port another process holds fails with
        ``bind: address already in use`` (an OSError).
        """
        self.container.sandbox.bind(port, self, handler, protocol)

    def close(self, port: int) -> None:
        self.container.sandbox.unbind(port, self)

    def request(self, ip: str, port: int, method: str = "GET", path: str = "/", headers: dict | None = None,
                timeout: float | None = None, body: str = ""):
        """An HTTP request from this process's network namespace (``localhost`` is the pod's own).

        Returns an HttpResponse or raises NetworkError (see ``net/podnetwork.py``). A client program
        should ``yield proc.sleep(resp.delay)`` to let the server's time pass.
        """
        from ..net.podnetwork import http_request
        return http_request(self.container.runtime.network, self.container.sandbox, ip, port, method, path,
                            headers, body, timeout)

    def reply(self, status: int = 200, body: str = "", headers: dict | None = None, delay: float = 0.0):
        from ..net.podnetwork import HttpResponse
        return HttpResponse(status, dict(headers or {}), body, delay)

    # --- signals -------------------------------------------------------------------------
    def on_signal(self, sig: str, handler: Callable | None) -> None:
        """Install ``handler(sig)`` for ``sig`` (None restores the default action)."""
        sig = signal_name(sig)
        if handler is None:
            self.handlers.pop(sig, None)
        else:
            self.handlers[sig] = handler
        self.ignored.discard(sig)

    def ignore_signal(self, sig: str) -> None:
        sig = signal_name(sig)
        self.handlers.pop(sig, None)
        self.ignored.add(sig)

    def kill(self, pid: int, sig: str = "SIGTERM") -> bool:
        """kill(2) within this PID namespace: False if no such process."""
        target = self.container.pidns.get(pid)
        if target is None or not target.alive:
            return False
        target.signal(sig, sender=self)
        return True

    def signal(self, sig: str, sender: "Process | None" = None) -> None:
        """Deliver ``sig`` to this process, as the kernel does.

        ``sender`` is the sending process when it lives in the same PID namespace; the namespace's
        init (PID 1) then gets only the signals it has handlers for -- not even SIGKILL, which
        from outside the namespace (the runtime, the OOM killer: no sender) always kills.
        """
        sig = signal_name(sig)
        if not self.alive:
            return
        if sig == "SIGKILL" and self.pid == 1 and sender is not None and \
                sender.container.pidns is self.container.pidns:
            return
        if sig == "SIGKILL":
            self._die(128 + 9, "SIGKILL")
            return
        if sig in self.handlers:
            self._run_handler(sig)
            return
        if sig in self.ignored or sig in IGNORED_BY_DEFAULT:
            return
        if self.pid == 1:
            return          # the init of a PID namespace gets only the signals it handles
        self._die(128 + SIGNALS[sig], sig)

    def _run_handler(self, sig: str) -> None:
        try:
            out = self.handlers[sig](sig)
        except ProcessExit as e:
            self._die(e.code, None)
            return
        except Killed:
            return
        if out is not None and hasattr(out, "send"):     # a generator: the new main line
            if self._executing:
                self._replacement = out                  # switch once the running step yields
                return
            self._cancel_wait()
            self._token += 1
            old, self._gen = self._gen, out
            if old is not None:
                old.close()
            self._timer = self.clock.call_soon(self._resume, None)

    # --- the scheduler -------------------------------------------------------------------
    def start(self, program) -> None:
        """Run ``program(self)`` (a generator function, or a plain function returning a status)."""
        self.state = "running"
        self.started_at = self.now
        result = program(self)
        if hasattr(result, "send"):
            self._gen = result
            self._resume(None)
        elif self.pid == 1:      # let the runtime report "started" before the container exits
            self.clock.call_soon(self._finish, int(result or 0) & 0xFF, None)
        else:                    # a program that never waits has exited by the time fork returns
            self._finish(int(result or 0) & 0xFF, None)

    def _resume(self, value) -> None:
        self._timer = None
        if not self.alive or self._gen is None:
            return
        self._executing = True
        try:
            wait = self._gen.send(value)
        except StopIteration as stop:
            self._executing = False
            self._finish(int(stop.value or 0) & 0xFF, None)
            return
        except ProcessExit as e:
            self._executing = False
            self._finish(e.code, None)
            return
        except Exec as e:
            self._executing = False
            self.argv, self.env = e.argv, e.env
            self.handlers.clear()
            self.title = None
            result = e.program(self)
            if hasattr(result, "send"):
                self._gen = result
                self._resume(None)
            else:
                self._gen = None
                self._finish(int(result or 0) & 0xFF, None)
            return
        except BrokenPipe:
            self._executing = False
            self._finish(128 + 13, "SIGPIPE")
            return
        except Killed:
            self._executing = False
            code, self._pending_kill = self._pending_kill, None
            self._finish(code if code is not None else 137, "SIGKILL")
            return
        except Exception as e:   # a bug in an image program: the process crashes, as a real one would
            self._executing = False
            self.stderr.write("".join(traceback.format_exception_only(type(e), e)))
            self._finish(1, None)
            return
        self._executing = False
        if not self.alive:                          # its container died under it (the OOM killer)
            return
        if self._replacement is not None:           # a signal handler took over the main line
            old, self._gen, self._replacement = self._gen, self._replacement, None
            old.close()
            self._timer = self.clock.call_soon(self._resume, None)
            return
        if self._pending_kill is not None:          # killed while running, but the program swallowed it
            code, self._pending_kill = self._pending_kill, None
            self._finish(code, "SIGKILL")
            return
        self._block(wait)

    def interrupt(self, value=None) -> bool:
        """Wake the process from its current wait (a shell's ``wait`` builtin, when a trapped
        signal arrives): the pending ``yield`` returns ``value``. False if it was not waiting."""
        if not self.alive or self._executing or self._gen is None:
            return False
        self._cancel_wait()
        self._token += 1
        self._timer = self.clock.call_soon(self._resume, value)
        return True

    def _block(self, wait) -> None:
        clock = self.clock
        self._token += 1
        if isinstance(wait, Sleep):
            self._timer = clock.call_later(wait.seconds, self._resume, None)
        elif isinstance(wait, Compute):
            self._compute = self.container.runtime.cpu.start(self, wait.cpu_seconds, wait.threads)
        elif isinstance(wait, WaitChild):
            child = wait.child
            if not child.alive:
                self._timer = clock.call_soon(self._resume, child.exit_code)
            else:
                token = self._token
                child._waiters.append(lambda code: self._child_done(code, token))
        elif isinstance(wait, Forever):
            pass
        elif isinstance(wait, ReadInput):
            self._block_read(wait.source)
        elif isinstance(wait, (int, float)):
            self._timer = clock.call_later(float(wait), self._resume, None)
        else:
            self.stderr.write(f"panic: a program yielded {wait!r}, not a wait\n")
            self._finish(2, None)

    def _block_read(self, source=None) -> None:
        src = self.stdin if source is None else source
        if isinstance(src, Pipe):
            got = src.take()
            if got is False:
                token = self._token
                src._waiting = lambda: self._token == token and self._timer is None and self._block_read(source)
                return
            self._timer = self.clock.call_soon(self._resume, got)
        elif isinstance(src, OpenStdin):
            pass                                  # open, but nobody ever types: wait forever
        else:
            if source is None:
                self.stdin = None                 # a string is read once, then end of file
            self._timer = self.clock.call_soon(self._resume, src or None)

    def _child_done(self, code: int, token: int) -> None:
        if self.alive and token == self._token and self._timer is None:
            self._timer = self.clock.call_soon(self._resume, code)

    def _compute_done(self) -> None:
        """The node's CPU scheduler finished our computation (see cpu.NodeCpu)."""
        self._compute = None
        self._resume(None)

    def _cancel_wait(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if self._compute is not None:
            job, self._compute = self._compute, None
            self.container.runtime.cpu.cancel(job)

    def _die(self, code: int, sig: str | None) -> None:
        """Terminate now: from outside (a timer) or, if the program is running, by unwinding it."""
        if not self.alive:
            return
        if self._executing:
            self._pending_kill = code
            raise Killed()
        self._finish(code, sig)

    def _finish(self, code: int, sig: str | None) -> None:
        if not self.alive:
            return
        self._cancel_wait()
        self.state = "exited"
        self.exit_code = code
        self.killed_by = sig
        gen, self._gen = self._gen, None
        if gen is not None and not self._executing:
            try:
                gen.close()
            except Exception:
                pass
        if self.memory:
            self.container.charge(self, -self.memory, check=False)
            self.memory = 0
        hooks, self.on_exit = self.on_exit, []
        for hook in hooks:
            hook()
        self.container.process_exited(self)
        waiters, self._waiters = self._waiters, []
        for notify in waiters:
            notify(code)
