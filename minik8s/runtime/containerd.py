"""containerd: the container runtime the kubelet drives through the CRI.

The kubelet does not run containers itself: it asks a CRI runtime (containerd,
CRI-O) to pull images, to create a *pod sandbox* (the network namespace every
container of the pod shares, kept alive by the ``pause`` process) and to
create, start, stop and remove containers in it
(https://kubernetes.io/docs/concepts/architecture/cri/). This module is that
runtime for one node. What makes a container here is what makes one on Linux:

* a PID namespace: the entrypoint is PID 1, ``ps`` sees only the container's processes;
* a mount namespace: its own copy of the image's files, plus volumes and the pod's
  ``/etc/hosts``, ``/etc/resolv.conf`` and ``/etc/hostname``;
* a UTS namespace: ``hostname`` is the pod's hostname;
* the pod's network namespace, shared with the other containers of the pod (same IP,
  ``localhost`` reaches their ports);
* a cgroup: a memory limit enforced by the OOM killer, a CPU quota that throttles.

Stopping a container is ``SIGTERM`` to PID 1, then ``SIGKILL`` when the grace
period ends (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/#pod-termination).
Every state change is announced to subscribers, as the kubelet's PLEG (pod
lifecycle event generator) learns of them.
"""

from __future__ import annotations

import hashlib
import shlex
from dataclasses import dataclass

from .fs import File, FileSystem, FsError
from .images import CATALOGUE, PULL_OVERHEAD, ImagePullError, ImageRegistry, PullFailure, normalize
from ..net.podnetwork import HttpResponse, NetNamespace, PodNetwork, http_request, tcp_connect
from .cpu import NodeCpu, cpu_weight
from .process import Cgroup, OpenStdin, PidNamespace, Process, Stream

# Resident memory a process has before its program allocates anything (a small C program).
BASE_RSS = 256 * 1024
# The sandbox (infra) container's image: the kubelet's --pod-infra-container-image default in v1.33.
SANDBOX_IMAGE = "registry.k8s.io/pause:3.10"
# The first host PID the node hands out to containers (PIDs below belong to systemd, kubelet, ...).
FIRST_HOST_PID = 4000


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


@dataclass
class ExecResult:
    """The outcome of an exec: exit code, combined stdout+stderr, and whether it timed out."""

    exit_code: int
    output: str
    timed_out: bool = False


class Sandbox(NetNamespace):
    """A pod sandbox: the pod's network namespace (IP, port table) and its shared /etc files."""

    def __init__(self, sid: str, pod_uid: str, name: str, namespace: str, hostname: str, ip: str,
                 hosts: str, resolv_conf: str):
        super().__init__(ip)
        self.id = sid
        self.pod_uid = pod_uid
        self.name = name
        self.namespace = namespace
        self.hostname = hostname
        self.state = "ready"    # ready | notready (stopped)
        self.etc_hosts = File(hosts)
        self.etc_resolv = File(resolv_conf)
        self.etc_hostname = File(hostname + "\n")
        self.containers: list[str] = []
        self.pidns: PidNamespace | None = None   # shared by the pod's containers (shareProcessNamespace)
        self.pause: "Container | None" = None    # the infra container holding the shared namespaces
        self.ns_inodes: dict[str, int] = {}       # net, ipc, uts: the namespaces its containers share
        self.cgroup_parent = ""


def default_hosts(hostname: str, ip: str) -> str:
    """/etc/hosts as the kubelet writes it for a pod (kubelet_pods.go, managedHostsFileContent)."""
    return ("# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
            f"{ip}\t{hostname}\n")


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
        from .fs import Dir as FsDir

        def directory(names):
            d = FsDir(0o555)
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
        before = cg.memory
        cg.memory += nbytes
        if self.runtime.containers.get(self.id) is self:      # keep runtime.memory_bound current
            self.runtime.memory_bound += max(cg.memory, 0) - max(before, 0)
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


# Linux capabilities by bit (include/uapi/linux/capability.h), as securityContext names them.
CAPABILITIES = ["CHOWN", "DAC_OVERRIDE", "DAC_READ_SEARCH", "FOWNER", "FSETID", "KILL", "SETGID", "SETUID",
                "SETPCAP", "LINUX_IMMUTABLE", "NET_BIND_SERVICE", "NET_BROADCAST", "NET_ADMIN", "NET_RAW",
                "IPC_LOCK", "IPC_OWNER", "SYS_MODULE", "SYS_RAWIO", "SYS_CHROOT", "SYS_PTRACE", "SYS_PACCT",
                "SYS_ADMIN", "SYS_BOOT", "SYS_NICE", "SYS_RESOURCE", "SYS_TIME", "SYS_TTY_CONFIG", "MKNOD",
                "LEASE", "AUDIT_WRITE", "AUDIT_CONTROL", "SETFCAP", "MAC_OVERRIDE", "MAC_ADMIN", "SYSLOG",
                "WAKE_ALARM", "BLOCK_SUSPEND", "AUDIT_READ", "PERFMON", "BPF", "CHECKPOINT_RESTORE"]
# containerd's default set for a container (oci/spec.go defaultUnixCaps).
DEFAULT_CAPS = sum(1 << CAPABILITIES.index(c) for c in (
    "CHOWN", "DAC_OVERRIDE", "FSETID", "FOWNER", "MKNOD", "NET_RAW", "SETGID", "SETUID", "SETFCAP", "SETPCAP",
    "NET_BIND_SERVICE", "SYS_CHROOT", "KILL", "AUDIT_WRITE"))
ALL_CAPS = (1 << len(CAPABILITIES)) - 1


def capability_set(add=None, drop=None, privileged: bool = False) -> int:
    """The bounding set from ``capabilities: {add: [...], drop: [...]}`` ("ALL" allowed)."""
    caps = ALL_CAPS if privileged else DEFAULT_CAPS
    for name in drop or []:
        caps = 0 if name == "ALL" else caps & ~(1 << CAPABILITIES.index(name.removeprefix("CAP_")))
    for name in add or []:
        caps = ALL_CAPS if name == "ALL" else caps | (1 << CAPABILITIES.index(name.removeprefix("CAP_")))
    return caps


def proc_status(proc: Process) -> str:
    """/proc/PID/status: name, state, PIDs, ids and capabilities (a non-root user's effective and
    permitted sets are empty; the bounding set stays)."""
    caps = proc.container.caps
    eff = caps if proc.uid == 0 else 0
    state = "R (running)" if proc._compute is not None else "S (sleeping)"
    name = posixpath_basename(proc.argv[0]) if proc.argv else ""
    groups = " ".join(str(g) for g in proc.groups)
    return (f"Name:\t{name[:15]}\nState:\t{state}\nPid:\t{proc.pid}\nPPid:\t{proc.ppid}\n"
            f"Uid:\t{proc.uid}\t{proc.uid}\t{proc.uid}\t{proc.uid}\n"
            f"Gid:\t{proc.gid}\t{proc.gid}\t{proc.gid}\t{proc.gid}\nGroups:\t{groups}\n"
            f"VmRSS:\t{proc.memory // 1024} kB\n"
            f"CapInh:\t{0:016x}\nCapPrm:\t{eff:016x}\nCapEff:\t{eff:016x}\nCapBnd:\t{caps:016x}\n"
            f"CapAmb:\t{0:016x}\n")


def posixpath_basename(path: str) -> str:
    return path.rsplit("/", 1)[-1]


def _script(interp_prog, interp_argv, path):
    """``#!/bin/sh`` scripts: run the interpreter with the script's path as its argument."""
    def run(proc):
        proc.argv = list(interp_argv) + [path] + proc.argv[1:]
        return interp_prog(proc)
    return run


class ContainerRuntime:
    """containerd on one node, as the kubelet sees it through the CRI (see HACKING.md)."""

    def __init__(self, clock, rng, node_name: str, network: PodNetwork | None = None,
                 registry: ImageRegistry | None = None, cpu_capacity: float | None = None):
        self.clock = clock
        # the node's cores (millicores; None: as many as anyone wants). The kubelet may set
        # rt.cpu.capacity to the node's CPU capacity so busy pods compete as on a real node.
        self.cpu = NodeCpu(clock, cpu_capacity)
        self.rng = rng
        self.node_name = node_name
        self.network = network if network is not None else PodNetwork()
        if registry is None:
            registry = getattr(self.network, "registry", None)
            if registry is None:          # one registry per cluster, reachable from every node
                registry = ImageRegistry(parent=CATALOGUE)
                self.network.registry = registry
        self.registry = registry
        from .catalogue import PROGRAMS
        # The command table: program name -> fn(proc). Other modules add theirs
        # (``rt.programs["wget"] = fn``); a busybox applet with no program here prints
        # "applet not found".
        self.programs: dict = dict(PROGRAMS)
        self.images: dict[str, object] = {}            # full ref -> Image (the node's image store)
        # How a process turns a host name into an IP (curl, wget): fn(proc, name) -> ip | None.
        # The network module installs the resolv.conf/CoreDNS resolver; without it only IPs work.
        self.resolver = None
        # fn(cid) called after a container's memory grew: the node-level OOM killer (the kubelet
        # installs it with the node's capacity and each container's oom_score_adj), or None
        self.memory_watch = None
        # the sum of max(0, cgroup memory) over self.containers: an upper bound of the RAM the
        # running containers use, which lets the OOM check skip its sum while the node has room
        self.memory_bound = 0
        self.sandboxes: dict[str, Sandbox] = {}
        self.containers: dict[str, Container] = {}
        self._subscribers: list = []
        self._seq = 0
        self._host_pid = FIRST_HOST_PID
        self._ns_inode = 4026532000           # namespace inode numbers start about here on Linux

    def _new_id(self, *parts) -> str:
        self._seq += 1
        text = "/".join([self.node_name, str(self._seq)] + [str(p) for p in parts])
        return hashlib.sha256(text.encode()).hexdigest()

    def _alloc_host_pid(self) -> int:
        self._host_pid += 1
        return self._host_pid

    def _alloc_ns_inode(self) -> int:
        """A namespace's inode number (what ``ls -l /proc/PID/ns`` shows)."""
        self._ns_inode += 1
        return self._ns_inode

    # --- the node's view ---------------------------------------------------------------------
    def node_ps(self) -> str:
        """``ps`` on the node: every container's processes, with the node's PIDs next to the PIDs
        their own namespace gives them -- a container is just processes of the node."""
        rows = ["  PID  NSPID  CONTAINER            POD                  COMMAND"]
        procs = []
        for sb in [self.sandboxes[k] for k in sorted(self.sandboxes)]:
            for c in ([sb.pause] if sb.pause is not None else []) + \
                     [self.containers[cid] for cid in sb.containers if cid in self.containers]:
                procs.extend((p.host_pid, p, c, sb) for p in c.own.values() if p.alive)
        for host_pid, p, c, sb in sorted(procs, key=lambda x: x[0]):
            rows.append(f"{host_pid:5d}  {p.pid:5d}  {c.name[:20]:<20} {sb.name[:20]:<20} {p.cmdline}")
        return "\n".join(rows) + "\n"

    def namespaces(self, cid: str) -> dict:
        """The container's namespaces as ``ls -l /proc/PID/ns`` names them, and its cgroup.

        A pod's containers share the network, IPC and UTS namespaces (the sandbox's); each has
        its own mount namespace, and its own PID namespace unless the pod shares one.
        """
        c = self.containers[cid]
        sb = c.sandbox
        return {"net": f"net:[{sb.ns_inodes['net']}]", "ipc": f"ipc:[{sb.ns_inodes['ipc']}]",
                "uts": f"uts:[{sb.ns_inodes['uts']}]", "pid": f"pid:[{c.pidns.inode}]",
                "mnt": f"mnt:[{c.mnt_inode}]", "cgroup": f"{sb.cgroup_parent}/cri-containerd-{c.id}.scope"}

    # --- images -------------------------------------------------------------------------
    def image_known(self, ref: str) -> bool:
        try:
            self.registry.resolve(ref)
            return True
        except ImagePullError:
            return False

    def has_image(self, ref: str) -> bool:
        try:
            return normalize(ref) in self.images
        except ImagePullError:
            return False

    def pull_image(self, ref: str, on_done) -> None:
        """Pull ``ref``; ``on_done(error, image_id)`` runs when the pull ends (virtual seconds later)."""
        try:
            img = self.registry.resolve(ref)
        except ImagePullError as e:
            # the failed resolve takes a round trip to the registry
            self.clock.call_later(PULL_OVERHEAD, on_done, PullFailure(str(e), e.code), None)
            return

        def done():
            self.images[img.ref] = img
            on_done(None, img.repo_digest)
        self.clock.call_later(self.registry.pull_seconds(img), done)

    def pull_seconds(self, ref: str) -> float:
        return self.registry.pull_seconds(self.registry.resolve(ref))

    def image_size(self, ref: str) -> int:
        try:
            return self.registry.resolve(ref).size
        except ImagePullError:
            return 0

    def list_images(self) -> list[str]:
        return sorted(self.images)

    def remove_image(self, ref: str) -> None:
        self.images.pop(normalize(ref), None)

    # --- pod sandboxes --------------------------------------------------------------------
    def run_pod_sandbox(self, pod_uid: str, name: str, namespace: str, hostname: str, ip: str,
                        hosts: str | None = None, resolv_conf: str | None = None,
                        share_process_namespace: bool = False, cgroup_parent: str | None = None) -> Sandbox:
        """The pod's sandbox. With ``share_process_namespace`` (``spec.shareProcessNamespace``) its
        containers share one PID namespace whose PID 1 is the sandbox's pause process.
        ``cgroup_parent``: the pod's cgroup, which the kubelet picks by QoS class
        (``/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod<uid>.slice``)."""
        sid = self._new_id("sandbox", namespace, name, pod_uid)
        sb = Sandbox(sid, pod_uid, name, namespace, hostname, ip,
                     hosts if hosts is not None else default_hosts(hostname, ip),
                     resolv_conf if resolv_conf is not None else "nameserver 10.96.0.10\n")
        self.sandboxes[sid] = sb
        sb.ns_inodes = {kind: self._alloc_ns_inode() for kind in ("net", "ipc", "uts")}
        sb.cgroup_parent = cgroup_parent or f"/kubepods.slice/kubepods-pod{pod_uid.replace('-', '_')}.slice"
        if ip:
            self.network.attach(ip, sb)
        if share_process_namespace:
            sb.pidns = PidNamespace()
            sb.pidns.inode = self._alloc_ns_inode()
            img = self.registry.resolve(SANDBOX_IMAGE)
            sb.pause = Container(self, self._new_id("pause", sid), sb, "POD", img, ["/pause"], dict(img.env), "/",
                                 [], None, None, None, None, 0, False, False)
            sb.pause.start(notify=False)
        return sb

    def stop_pod_sandbox(self, sid: str) -> None:
        sb = self.sandboxes.get(sid)
        if sb is None:
            return
        for cid in list(sb.containers):
            c = self.containers.get(cid)
            if c is not None and c.state == "running":
                self.signal(cid, "SIGKILL")
        if sb.pause is not None and sb.pause.state == "running":
            sb.pause.init.signal("SIGTERM")           # pause exits 0 on it
        sb.state = "notready"
        if sb.ip:
            self.network.detach(sb.ip, sb)

    def remove_pod_sandbox(self, sid: str) -> None:
        self.stop_pod_sandbox(sid)
        sb = self.sandboxes.pop(sid, None)
        if sb is not None:
            for cid in list(sb.containers):
                c = self.containers.pop(cid, None)
                if c is not None:
                    self.memory_bound -= max(c.cgroup.memory, 0)

    # --- containers -------------------------------------------------------------------------
    def create_container(self, sandbox_id: str, name: str, image: str, command=None, args=None, env=None,
                         working_dir=None, mounts=None, memory_limit=None, cpu_limit=None,
                         memory_request=None, cpu_request=None, tty=False, stdin=False,
                         run_as_user=None, swap_limit=None, run_as_group=None, supplemental_groups=None,
                         read_only_root=False, target_container=None, cap_add=None, cap_drop=None,
                         privileged=False) -> str:
        """Create (not start) a container; ``command``/``args`` override ENTRYPOINT/CMD as Kubernetes does.

        https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes
        """
        sb = self.sandboxes[sandbox_id]
        img = self.images.get(normalize(image)) or self.registry.resolve(image)
        argv = command_line(img.entrypoint, img.cmd, command, args)
        full_env = dict(img.env)
        full_env["HOSTNAME"] = sb.hostname
        full_env.setdefault("HOME", "/root")
        for k, v in (env or {}).items():
            full_env[k] = str(v)
        argv = [expand_env_refs(a, full_env) for a in argv]
        cid = self._new_id("container", sandbox_id, name)
        uid = img.user if run_as_user is None else int(run_as_user)
        c = Container(self, cid, sb, name, img, argv, full_env, working_dir or img.workdir, mounts,
                      memory_limit, cpu_limit, memory_request, cpu_request, uid, stdin, tty, swap_limit or 0)
        c.caps = capability_set(cap_add, cap_drop, privileged)
        if read_only_root:                     # securityContext.readOnlyRootFilesystem
            c.fs.mounts["/"] = (c.fs.root, True)
        if target_container is not None:       # an ephemeral container's targetContainerName (kubectl debug)
            target = self.containers[target_container]
            c.pidns = target.pidns
        c.gid = int(run_as_group) if run_as_group is not None else 0
        c.groups = sorted(int(g) for g in supplemental_groups or [])
        self.containers[cid] = c
        self.memory_bound += max(c.cgroup.memory, 0)
        sb.containers.append(cid)
        return cid

    def start_container(self, cid: str) -> None:
        self.containers[cid].start()

    def stop_container(self, cid: str, grace_seconds: float, on_done=None) -> None:
        """SIGTERM to PID 1, SIGKILL after ``grace_seconds``; ``on_done()`` once it has exited."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            if on_done is not None:
                self.clock.call_soon(on_done)
            return
        if on_done is not None:
            c._stop_callbacks.append(on_done)
        if c._kill_timer is None:
            c._kill_timer = self.clock.call_later(max(0.0, grace_seconds), self._kill_after_grace, cid)
        if grace_seconds <= 0:
            return
        self.signal(cid, "SIGTERM")

    def _kill_after_grace(self, cid: str) -> None:
        c = self.containers.get(cid)
        if c is not None:
            c._kill_timer = None
            if c.state == "running":
                self.signal(cid, "SIGKILL")

    def signal(self, cid: str, sig: str) -> None:
        """Send ``sig`` to the container's PID 1 (``kill`` on the node, outside the namespace)."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            return
        init = c.init
        if init is None or not init.alive:
            return
        if sig == "SIGKILL":
            # from outside the namespace SIGKILL always works, even on PID 1
            init._finish(137, "SIGKILL")
        else:
            init.signal(sig)

    def remove_container(self, cid: str) -> None:
        c = self.containers.pop(cid, None)
        if c is not None:
            self.memory_bound -= max(c.cgroup.memory, 0)
            if c.state == "running" and c.init is not None:
                c.init._finish(137, "SIGKILL")
            if cid in c.sandbox.containers:
                c.sandbox.containers.remove(cid)

    def container_status(self, cid: str) -> ContainerStatus:
        return self.containers[cid].status()

    def container_state(self, cid: str) -> str:
        """``container_status(cid).state`` ("created" | "running" | "exited") without building the
        whole status: the kubelet often needs only the state, several times per pod sync."""
        return self.containers[cid].state

    def list_containers(self, sandbox_id: str | None = None) -> list[ContainerStatus]:
        return [c.status() for _, c in sorted(self.containers.items())
                if sandbox_id is None or c.sandbox.id == sandbox_id]

    def subscribe(self, fn) -> None:
        """PLEG: ``fn(cid, "started"|"exited")`` on every container state change."""
        self._subscribers.append(fn)

    def _notify(self, cid: str, event: str) -> None:
        for fn in list(self._subscribers):
            fn(cid, event)

    # --- logs, exec, stats ------------------------------------------------------------------
    def logs(self, cid: str, tail: int | None = None, timestamps: bool = False, since: float | None = None) -> str:
        """What ``kubectl logs`` prints for this container instance: stdout and stderr interleaved as
        written; a last line without a newline (``echo -n``, a shell prompt) is printed without one.
        ``since`` is a virtual time; ``timestamps`` prefixes RFC 3339 times as ``--timestamps`` does."""
        c = self.containers[cid]
        pending = [(self.clock.now, s, p, False) for s, p in c._partial.items() if p]
        lines = [(t, text, done) for t, _, text, done in c.log + pending if since is None or t >= since]
        if tail is not None and tail >= 0:
            lines = lines[-tail:] if tail else []
        if timestamps:
            from ..api.meta import rfc3339_micro
            return "".join(f"{rfc3339_micro(t).replace('Z', '000Z')} {text}" + ("\n" if done else "")
                           for t, text, done in lines)
        return "".join(text + ("\n" if done else "") for _, text, done in lines)

    def exec_async(self, cid: str, argv: list[str], on_done, timeout: float | None = None,
                   stdin: str | None = None) -> None:
        """Run ``argv`` inside the container (its namespaces, env, working dir); ``on_done(ExecResult)``."""
        c = self.containers.get(cid)
        if c is None or c.state != "running":
            self.clock.call_soon(on_done, ExecResult(126, "OCI runtime exec failed: exec failed: cannot exec in "
                                                          "a stopped container: unknown\n"))
            return
        out: list[str] = []
        sink = Stream(out.append)
        path, program = c.find_program(argv[0], c.env, c.working_dir) if argv else (None, None)
        if program is None:
            msg = ("OCI runtime exec failed: exec failed: unable to start container process: exec: "
                   f'"{argv[0] if argv else ""}": executable file not found in $PATH: unknown\n')
            self.clock.call_soon(on_done, ExecResult(126, msg))
            return
        state = {"done": False, "timer": None}
        proc = c.spawn(list(argv), c.env, c.working_dir, sink, sink, stdin=stdin, uid=c.uid, program=program)

        def finished(code):
            if state["done"]:
                return
            state["done"] = True
            if state["timer"] is not None:
                state["timer"].cancel()
            on_done(ExecResult(code, "".join(out)))

        def expired():
            if state["done"]:
                return
            state["done"] = True
            if proc.alive:
                proc._finish(137, "SIGKILL")
            on_done(ExecResult(137, "".join(out), timed_out=True))

        if not proc.alive:
            self.clock.call_soon(finished, proc.exit_code)
        else:
            proc._waiters.append(finished)
            if timeout is not None:
                state["timer"] = self.clock.call_later(timeout, expired)

    def exec_sync(self, cid: str, argv: list[str], stdin: str | None = None, timeout: float = 60) -> ExecResult:
        """exec and run the clock until the command ends (or ``timeout`` virtual seconds pass).

        For callers outside the event loop (``kubectl exec`` from a notebook); code running inside a
        clock callback (a probe, a hook) must use :meth:`exec_async`.
        """
        box: list[ExecResult] = []
        self.exec_async(cid, argv, box.append, timeout=timeout, stdin=stdin)
        while not box and self.clock.step():
            pass
        return box[0] if box else ExecResult(137, "", timed_out=True)

    def read_file(self, cid: str, path: str) -> str | None:
        """A file in the container's filesystem, or None (the kubelet reads the termination message,
        ``terminationMessagePath``, /dev/termination-log by default, when a container exits)."""
        c = self.containers.get(cid)
        if c is None:
            return None
        try:
            return c.fs.read(path)
        except FsError:
            return None

    def oom_kill(self, cid: str) -> None:
        """The node's OOM killer picks this container (the kubelet's eviction, issue 5, decides which)."""
        c = self.containers.get(cid)
        if c is not None and c.state == "running":
            c.oom_kill()

    def stats(self, cid: str) -> dict:
        """Memory working set (bytes) and CPU in use (millicores), as cAdvisor reports them."""
        c = self.containers[cid]
        self.cpu.account(cid)
        running = c.state == "running"
        return {"memory": c.cgroup.ram if running else 0, "swap": c.cgroup.swap if running else 0,
                "cpu": int(round(c.cgroup.running_millis)) if running else 0,
                "cpu_seconds": c.cgroup.cpu_seconds, "throttled_seconds": c.cgroup.throttled_seconds,
                "nr_throttled": c.cgroup.nr_throttled}

    def sandbox_stats(self, sid: str) -> dict:
        totals = {"memory": 0, "cpu": 0}
        for cid in self.sandboxes[sid].containers:
            s = self.stats(cid)
            totals["memory"] += s["memory"]
            totals["cpu"] += s["cpu"]
        return totals

    # --- the network, seen from the node or from a pod --------------------------------------
    def _src(self, src):
        if src is None or isinstance(src, Sandbox):
            return src
        return self.sandboxes[src]

    def http(self, ip_or_sandbox, port: int, method: str = "GET", path: str = "/", headers: dict | None = None,
             timeout: float | None = None, body: str = "", src=None) -> HttpResponse:
        """An HTTP request to ``ip:port`` (from the node, or from sandbox ``src``), or to a sandbox's localhost.

        Raises ConnectionRefused / NoRouteToHost / Timeout (``net/podnetwork.py``); the response's
        ``delay`` says how many virtual seconds the server took.
        """
        if isinstance(ip_or_sandbox, Sandbox) or ip_or_sandbox in self.sandboxes:
            sb = self._src(ip_or_sandbox)
            return http_request(self.network, sb, "127.0.0.1", port, method, path, headers, body, timeout)
        return http_request(self.network, self._src(src), ip_or_sandbox, port, method, path, headers, body,
                            timeout)

    def tcp_connect(self, ip_or_sandbox, port: int, src=None) -> bool:
        if isinstance(ip_or_sandbox, Sandbox) or ip_or_sandbox in self.sandboxes:
            return tcp_connect(self.network, self._src(ip_or_sandbox), "127.0.0.1", port)
        return tcp_connect(self.network, self._src(src), ip_or_sandbox, port)


def command_line(entrypoint: list[str], cmd: list[str], command, args) -> list[str]:
    """The process's argv from the image's ENTRYPOINT/CMD and the container's command/args.

    https://kubernetes.io/docs/tasks/inject-data-application/define-command-argument-container/#notes:
    command replaces ENTRYPOINT (and then CMD is ignored); args replace CMD.
    """
    if command:
        return list(command) + list(args or [])
    if args:
        return list(entrypoint) + list(args)
    return list(entrypoint) + list(cmd)


def expand_env_refs(text: str, env: dict) -> str:
    """``$(VAR)`` in command/args expands to the container's env; ``$$(VAR)`` escapes it.

    https://kubernetes.io/docs/tasks/inject-data-application/define-interdependent-environment-variables/
    An undefined ``$(VAR)`` is left as written.
    """
    if "$" not in text:
        return text             # nothing to expand (most arguments): the loop below would copy it
    out = []
    i = 0
    while i < len(text):
        if text.startswith("$$", i):
            out.append("$")
            i += 2
        elif text.startswith("$(", i) and ")" in text[i:]:
            end = text.index(")", i)
            name = text[i + 2:end]
            if name in env:
                out.append(env[name])
            else:
                out.append(text[i:end + 1])
            i = end + 1
        else:
            out.append(text[i])
            i += 1
    return "".join(out)


def split_command(cmd: str) -> list[str]:
    """A command string as argv (what ``c.exec(pod, "cat /etc/hosts")`` means)."""
    return shlex.split(cmd)
