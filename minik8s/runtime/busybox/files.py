"""busybox's file applets: ``ls``, ``touch``, ``mkdir``, ``rm``, ``rmdir``, ``cp``, ``mv``,
``chmod``, ``basename``, ``dirname``, on the container's filesystem (:mod:`..fs`).
"""

from __future__ import annotations

import datetime
import posixpath

from ...api.meta import EPOCH
from ..fs import Dir, File, FsError
from .text import split_flags


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
    flags, paths = split_flags(proc.argv[1:], "laA1hFRd")
    paths = paths or ["."]
    fs = proc.fs
    status = 0
    out: list[str] = []

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
    _, files = split_flags(proc.argv[1:], "cam")
    status = 0
    for f in files:
        try:
            proc.fs.touch(f, proc.cwd, uid=proc.uid)
        except FsError as e:
            proc.error(f"touch: {f}: {e.errno}")
            status = 1
    return status


def mkdir(proc):
    flags, dirs = split_flags(proc.argv[1:], "p")
    status = 0
    for d in dirs:
        try:
            proc.fs.mkdir(d, proc.cwd, parents="p" in flags, uid=proc.uid)
        except FsError as e:
            proc.error(f"mkdir: can't create directory '{d}': {e.errno}")
            status = 1
    return status


def rm(proc):
    flags, files = split_flags(proc.argv[1:], "rfRvi")
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
    flags, args = split_flags(proc.argv[1:], "rRaf")
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
    _, args = split_flags(proc.argv[1:], "fin")
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
