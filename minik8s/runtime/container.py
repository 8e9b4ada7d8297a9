"""One container as Linux makes it: namespaces, a cgroup, processes, logs, and its CRI state.

* a PID namespace: the entrypoint is PID 1, ``ps`` sees only the container's processes;
* a mount namespace: its own copy of the image's files, plus volumes and the pod's
  ``/etc/hosts``, ``/etc/resolv.conf`` and ``/etc/hostname``;
* a UTS namespace: ``hostname`` is the pod's hostname;
* the pod's network namespace (:mod:`.sandbox`), shared with the other containers of the pod;
* a cgroup: a memory limit enforced by the OOM killer (:meth:`Container.charge`), a CPU quota
  that throttles.

The container's view of ``/proc`` and ``/sys/fs/cgroup`` is generated from that state.
"""

from __future__ import annotations

from dataclasses import dataclass

from .fs import Dir, File, FileSystem, FsError
from .cpu import cpu_weight
from .process import Cgroup, OpenStdin, PidNamespace, Process, Stream
from .capabilities import DEFAULT_CAPS, proc_status
from .sandbox import Sandbox

# Resident memory a process has before its program allocates anything (a small C program).
BASE_RSS = 256 * 1024


@dataclass
class ContainerStatus:
    """What the CRI's ContainerStatus returns (times in virtual seconds)."""

    id: str
    name: str
    state: str                  # created | running | exited
    exit_code: int | None
    reason: str
    message: str
    started_at: float | None
    finished_at: float | None
    image: str
    image_id: str
    pid: int | None             # PID 1's PID on the node (outside the namespace)
    created_at: float = 0.0


class Container:
    """One container: namespaces, cgroup, processes, logs and its CRI state."""

    def __init__(self, runtime: "ContainerRuntime", cid: str, sandbox: Sandbox, name: str, img,
                 argv: list[str], env: dict, working_dir: str, mounts, memory_limit, cpu_limit,
                 memory_request, cpu_request, uid: int, stdin: bool, tty: bool, swap_limit: int = 0):
        self.runtime = runtime
        self.id = cid
        self.sandbox = sandbox
        self.name = name
        self.image = img
        self.argv = argv
        self.env = env
        self.working_dir = working_dir
        self.uid = uid
        self.gid = 0                  # runAsGroup
        self.groups: list[int] = []   # supplementary groups (fsGroup, supplementalGroups)
        self.clock = runtime.clock
        self.cgroup = Cgroup(memory_limit, cpu_limit, swap_limit)
        self.memory_request = memory_request
        self.cpu_request = cpu_request
        self.stdin_open = stdin
        self.tty = tty
        self.hostname = sandbox.hostname
        self.fs = FileSystem(img.rootfs(), runtime.clock)
        self.fs.mount("/etc/hosts", sandbox.etc_hosts)
        self.fs.mount("/etc/resolv.conf", sandbox.etc_resolv)
        self.fs.mount("/etc/hostname", sandbox.etc_hostname)
        for m in sorted(mounts or [], key=lambda m: m.path):
            self.fs.mount_volume(m)
        self.fs.on_tmpfs = lambda delta: self.charge(None, delta)
        self.fs.procfs = self._procfs
        self.caps = DEFAULT_CAPS                  # the capability bounding set (securityContext.capabilities)
        if not self.fs.exists(working_dir):
            self.fs.makedirs(working_dir)
        self._cgroup_files()
        # the PID namespace: the container's own, or the pod's (shareProcessNamespace)
        if sandbox.pidns is not None:
            self.pidns = sandbox.pidns
        else:
            self.pidns = PidNamespace()
            self.pidns.inode = runtime._alloc_ns_inode()
        self.mnt_inode = runtime._alloc_ns_inode()
        self.own: dict[int, Process] = {}       # the processes in this container's cgroup
        self.init: Process | None = None          # the entrypoint (PID 1 unless the namespace is shared)
        # (name, $PATH) -> path where it was found: shared by the image's containers, and
        # checked against the container's own filesystem before use
        self._path_cache: dict = img.path_cache
        self.state = "created"
        self.exit_code: int | None = None
        self.reason = ""
        self.message = ""
        self.created_at = runtime.clock.now
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.host_pid: int | None = None
        # (time, "stdout"|"stderr", text, complete): complete lines end with a newline
        self.log: list[tuple[float, str, str, bool]] = []
        self._partial = {"stdout": "", "stderr": ""}
        self._oom = False
        self._kill_timer = None
        self._stop_callbacks: list = []
        self.notify = True                # PLEG events (not for the sandbox's own pause container)

    def _cgroup_files(self) -> None:
        """/sys/fs/cgroup as the container sees it (cgroup v2, its own cgroup namespace)."""
        cg = self.cgroup
        # path -> fn() giving the file's text; the files themselves are in every image's rootfs
        self.fs.dynamic.update({
            "/proc/mounts": self._proc_mounts,
            "/sys/fs/cgroup/memory.max": lambda: f"{cg.memory_limit if cg.memory_limit is not None else 'max'}\n",
            "/sys/fs/cgroup/memory.current": lambda: f"{cg.ram}\n",
            "/sys/fs/cgroup/memory.swap.max": lambda: f"{cg.swap_limit}\n",
            "/sys/fs/cgroup/memory.swap.current": lambda: f"{cg.swap}\n",
            "/sys/fs/cgroup/memory.events": lambda: f"low 0\nhigh 0\nmax {cg.oom_kills}\noom {cg.oom_kills}\n"
                                                    f"oom_kill {cg.oom_kills}\noom_group_kill {cg.oom_kills}\n",
            "/sys/fs/cgroup/memory.oom.group": lambda: "1\n",
            # the kubelet's MilliCPUToQuota: quota = millicores x period / 1000, at least 1000 us
            "/sys/fs/cgroup/cpu.max": lambda: ("max" if cg.cpu_limit is None else str(max(cg.cpu_limit * 100, 1000)))
            + " 100000\n",
            "/sys/fs/cgroup/cpu.weight": lambda: f"{cpu_weight(self.cpu_request)}\n",
            "/sys/fs/cgroup/cpu.stat": self._cpu_stat,
        })

    def _procfs(self, parts: list[str]):
        """/proc as this container sees it: one directory per process of its PID namespace."""
        def directory(names):
            d = Dir(0o555)
            for n in names:
                d.entries[n] = File("", 0o444)
            return d
        if not parts:
            return directory([str(p.pid) for p in self.pidns.ps()] + ["meminfo", "mounts", "uptime"])
        head, rest = parts[0], parts[1:]
        if head == "mounts" and not rest:
            return File(self._proc_mounts(), 0o444)
        if head == "uptime" and not rest:
            return File(f"{self.clock.now:.2f} {self.clock.now:.2f}\n", 0o444)
        if head == "meminfo" and not rest:     # the node's memory, not the container's limit
            return File("MemTotal:        4194304 kB\nMemFree:         "
                        f"{4194304 - self.cgroup.ram // 1024} kB\n", 0o444)
        if not head.isdigit():
            return None
        proc = self.pidns.get(int(head))
        if proc is None or not proc.alive:
            return None
        if not rest:
            return directory(["cmdline", "environ", "root", "status"])
        if rest[0] == "cmdline" and len(rest) == 1:
            return File("\0".join(proc.argv) + "\0", 0o444)
        if rest[0] == "environ" and len(rest) == 1:
            return File("".join(f"{k}={v}\0" for k, v in proc.env.items()), 0o400)
        if rest[0] == "status" and len(rest) == 1:
            return File(proc_status(proc), 0o444)
        if rest[0] == "root":                   # that process's filesystem (its mount namespace)
            try:
                return proc.container.fs.get("/" + "/".join(rest[1:]))
            except FsError:
                return None
        return None

    def _proc_mounts(self) -> str:
        """/proc/mounts: the overlay root, the kernel filesystems, and every volume and /etc file."""
        lines = ["overlay / overlay rw,relatime,lowerdir=/var/lib/containerd/snapshots,upperdir=/var/lib/"
                 f"containerd/{self.id[:12]}/fs 0 0", "proc /proc proc rw,nosuid,nodev,noexec,relatime 0 0",
                 "tmpfs /dev tmpfs rw,nosuid,size=65536k,mode=755 0 0",
                 "cgroup /sys/fs/cgroup cgroup2 ro,nosuid,nodev,noexec,relatime 0 0"]
        for path in sorted(self.fs.mounts):
            _, ro = self.fs.mounts[path]
            lines.append(f"/dev/sda1 {path} ext4 {'ro' if ro else 'rw'},relatime 0 0")
        return "\n".join(lines) + "\n"

    def _cpu_stat(self) -> str:
        self.runtime.cpu.account(self.id)
        cg = self.cgroup
        usage = int(cg.cpu_seconds * 1e6)
        periods = int((self.clock.now - (self.started_at or self.clock.now)) / 0.1) if cg.cpu_limit else 0
        return (f"usage_usec {usage}\nuser_usec {usage}\nsystem_usec 0\nnr_periods {periods}\n"
                f"nr_throttled {cg.nr_throttled}\nthrottled_usec {int(cg.throttled_seconds * 1e6)}\n")

    # --- logs: the container's stdout and stderr, line by line (what `kubectl logs` reads) ---
    def stream(self, name: str) -> Stream:
        def write(text: str) -> None:
            if not self._partial[name] and text.endswith("\n") and text.count("\n") == 1:
                self.log.append((self.clock.now, name, text[:-1], True))   # one whole line (most writes)
                return
            buf = self._partial[name] + text
            *lines, self._partial[name] = buf.split("\n")
            for line in lines:
                self.log.append((self.clock.now, name, line, True))
        return Stream(write)

    def _flush_logs(self) -> None:
        """At exit, an unfinished last line is logged as it is (the CRI log marks it partial)."""
        for name in ("stdout", "stderr"):
            if self._partial[name]:
                self.log.append((self.clock.now, name, self._partial[name], False))
                self._partial[name] = ""

    # --- processes ------------------------------------------------------------------
    def find_program(self, argv0: str, env: dict, cwd: str):
        """execve's search: ``argv0`` as a path, or along $PATH. Returns (path, program) or (None, None)."""
        if "/" in argv0:
            candidates = [self.fs.abspath(argv0, cwd)]
        else:
            search = env.get("PATH", "")
            hit = self._path_cache.get((argv0, search))
            if hit is not None:          # where it was found last time, if it is still a program there
                try:
                    node = self.fs.get(hit)
                    prog = self.image.program_for(hit, node.data, self.runtime.programs) \
                        if isinstance(node, File) else None
                    if prog is not None:
                        return hit, prog
                except FsError:
                    pass
            candidates = [(d or ".") + "/" + argv0 for d in search.split(":")]
        for path in candidates:
            try:
                node = self.fs.get(path, cwd)
            except FsError:
                continue
            if not isinstance(node, File):
                continue
            prog = self.image.program_for(path, node.data, self.runtime.programs)
            if prog is not None:
                if "/" not in argv0:
                    self._path_cache[(argv0, env.get("PATH", ""))] = path
                return path, prog
            if node.data.startswith("#!") and node.mode & 0o111:
                interp = node.data[2:].split("\n", 1)[0].strip().split()
                if interp:
                    ipath, iprog = self.find_program(interp[0], env, cwd)
                    if iprog is not None:
                        return path, _script(iprog, interp, path)
        return None, None

    def spawn(self, argv, env, cwd, stdout, stderr, stdin=None, parent=None, uid=0, program=None,
              on_exit=None) -> Process:
        """fork+exec inside this container's namespaces; an unknown program exits 127.

        ``on_exit``: callbacks run when the process exits (a pipeline closes its pipe ends).
        """
        proc = self.pidns.add(lambda pid: Process(self, pid, argv, env, cwd, stdout, stderr, stdin, parent, uid))
        proc.host_pid = self.runtime._alloc_host_pid()     # the same process, as the node numbers it
        proc.on_exit = list(on_exit or [])
        self.own[proc.pid] = proc
        if self.init is None:
            self.init = proc
        if parent is not None:
            parent.children.append(proc)
        if program is None:
            _, program = self.find_program(argv[0], env, cwd) if argv else (None, None)
        if program is None:
            proc.start(lambda p: _not_found(p, argv[0] if argv else ""))
            return proc
        proc.memory = BASE_RSS
        self.charge(proc, BASE_RSS, check=False)
        proc.start(program)
        return proc

    def charge(self, proc: Process, nbytes: int, check: bool = True) -> None:
        """Charge memory to the cgroup; over ``memory.max`` the OOM killer kills the container."""
        cg = self.cgroup
        swapped = cg.swap
        cg.charge(nbytes)
        if check and nbytes > 0 and cg.memory_limit is not None and cg.memory > cg.memory_limit + cg.swap_limit:
            self.oom_kill(proc)
        elif cg.swap != swapped and self.runtime.cpu.by_container.get(self.id):
            self.runtime.cpu.refresh(self.id)          # swapping changes how fast it computes
        if check and nbytes > 0 and self.runtime.memory_watch is not None and self.state == "running":
            self.runtime.memory_watch(self.id)         # the node may be out of memory: the kernel decides

    def oom_kill(self, culprit: Process | None = None) -> None:
        """The kernel's OOM killer, with memory.oom.group: every process of the cgroup gets SIGKILL."""
        self._oom = True
        self.cgroup.oom_kills += 1
        victims = [p for _, p in sorted(self.own.items()) if p.alive and p is not culprit]
        for p in sorted(victims, key=lambda p: p._executing):   # a running one unwinds: kill it last
            p.signal("SIGKILL")
        if culprit is not None and culprit.alive:
            culprit.signal("SIGKILL")       # raises Killed inside the running program

    def process_exited(self, proc: Process) -> None:
        self.sandbox.release(proc)
        self.pidns.procs.pop(proc.pid, None)       # reaped: gone from the PID table
        self.own.pop(proc.pid, None)
        if proc.parent is not None and proc in proc.parent.children:
            proc.parent.children.remove(proc)
        if proc is self.init and self.state == "running":
            # the entrypoint died: the rest of the container goes too (when it was the namespace's
            # init the kernel kills every process in it; otherwise the runtime kills the cgroup)
            doomed = self.pidns.ps() if proc.pid == 1 else [p for _, p in sorted(self.own.items())]
            for p in doomed:
                if p.alive:
                    p._finish(137, "SIGKILL")
            self._exited(proc.exit_code)

    def ps(self) -> list[Process]:
        """The processes this container can see (its PID namespace)."""
        return self.pidns.ps()

    # --- lifecycle ------------------------------------------------------------------
    def start(self, notify: bool = True) -> None:
        self.notify = notify
        self.state = "running"
        self.started_at = self.clock.now
        path, program = self.find_program(self.argv[0], self.env, self.working_dir) if self.argv else (None, None)
        if program is None:
            # runc cannot exec the entrypoint: the container never runs (kubelet: StartError)
            what = self.argv[0] if self.argv else ""
            self.state = "exited"
            self.exit_code = 128
            self.reason = "StartError"
            self.message = ("failed to create containerd task: failed to create shim task: OCI runtime create "
                            "failed: runc create failed: unable to start container process: exec: "
                            f'"{what}": executable file not found in $PATH: unknown')
            self.finished_at = self.clock.now
            if self.notify:
                self.runtime._notify(self.id, "exited")
            return
        init = self.spawn(self.argv, self.env, self.working_dir, self.stream("stdout"), self.stream("stderr"),
                          stdin=OpenStdin() if self.stdin_open else None, uid=self.uid, program=program)
        self.host_pid = init.host_pid
        if self.state == "running" and self.notify:
            self.runtime._notify(self.id, "started")

    def _exited(self, code: int) -> None:
        self.state = "exited"
        self.exit_code = code
        self.finished_at = self.clock.now
        self._flush_logs()
        if self._oom:
            self.reason = "OOMKilled"
        else:
            self.reason = "Completed" if code == 0 else "Error"
        if self._kill_timer is not None:
            self._kill_timer.cancel()
            self._kill_timer = None
        callbacks, self._stop_callbacks = self._stop_callbacks, []
        if self.notify:
            self.runtime._notify(self.id, "exited")
        for cb in callbacks:
            cb()

    def status(self) -> ContainerStatus:
        return ContainerStatus(self.id, self.name, self.state, self.exit_code, self.reason, self.message,
                               self.started_at, self.finished_at, self.image.ref, self.image.repo_digest,
                               self.host_pid, self.created_at)


def _not_found(proc: Process, name: str):
    proc.error(f"sh: {name}: not found")
    return 127


def _script(interp_prog, interp_argv, path):
    """``#!/bin/sh`` scripts: run the interpreter with the script's path as its argument."""
    def run(proc):
        proc.argv = list(interp_argv) + [path] + proc.argv[1:]
        return interp_prog(proc)
    return run
