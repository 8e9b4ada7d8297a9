"""Linux capabilities of a container's processes (``securityContext.capabilities``,
``privileged``) and the ``/proc/PID/status`` text that shows them
(https://kubernetes.io/docs/tasks/configure-pod-container/security-context/#set-capabilities-for-a-container).
"""

from __future__ import annotations

from .process import Process


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
