"""busybox's process and system applets: ``sleep``, ``date``, ``env``, ``printenv``,
``hostname``, ``ps``, ``kill``, ``killall``, ``true``, ``false``, ``uname``, ``id``, ``whoami``,
``pwd``, ``nproc``, ``free``, ``mount``.
"""

from __future__ import annotations

import datetime
import posixpath

from ...api.meta import EPOCH
from ..process import signal_name
from ..sh.builtins import kill_main
from ..sh.control import IO
from .text import split_flags


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


def date(proc):
    """date: the virtual time (the cluster's clock; virtual second 0 is meta.EPOCH), in UTC."""
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
    return kill_main(proc, proc.argv, IO(proc.stdout, proc.stderr, proc.stdin))


def true(proc):
    return 0


def false(proc):
    return 1


def uname(proc):
    flags, _ = split_flags(proc.argv[1:], "asnrmo")
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
