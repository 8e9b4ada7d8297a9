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

from ..sh.main import sh_main
from .files import basename, chmod, cp, dirname, ls, mkdir, mv, rm, rmdir, touch
from .system import (date, env_, false, free, hostname, id_, kill, killall, mount_, nproc, printenv, ps, pwd,
                     sleep, true, uname, whoami)
from .text import cat, echo, grep, head, printf, seq, tail, tee, test, wc, yes


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
