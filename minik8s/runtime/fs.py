"""A container's filesystem: its mount namespace, in memory.

A Linux container sees its own root filesystem: the image's files (an overlay
of the image layers plus a writable layer private to the container) with
volumes mounted on top at their ``mountPath``
(https://kubernetes.io/docs/concepts/storage/volumes/). Two containers of the
same image never see each other's writes; two containers that mount the same
``emptyDir`` do.

This module models exactly that and no more: :class:`Dir` and :class:`File`
nodes with a mode and an owner, and a :class:`FileSystem` that resolves paths
through its mount table. A volume is just a :class:`Dir` (or a :class:`File`,
for a ``subPath`` mount of one file) that several filesystems mount.
Errors carry the kernel's wording (``No such file or directory``), which the
shell and the applets print the way busybox does.
"""

from __future__ import annotations

import posixpath


class FsError(Exception):
    """A failed system call: ``errno`` is the kernel's text, ``path`` the name it was about."""

    def __init__(self, errno: str, path: str):
        super().__init__(f"{path}: {errno}")
        self.errno = errno
        self.path = path


ENOENT = "No such file or directory"
EISDIR = "Is a directory"
ENOTDIR = "Not a directory"
EEXIST = "File exists"
EROFS = "Read-only file system"
EACCES = "Permission denied"
ENOTEMPTY = "Directory not empty"


class Node:
    """An inode: permission bits, owner and modification time (virtual seconds).

    ``shared`` marks a node of an image layer: read-only, shared by every container of the
    image. A container that changes one gets its own copy first (copy-on-write, as overlayfs
    copies a file up into the container's writable layer).
    """

    shared = False
    tmpfs = False       # a Dir that is a memory-backed volume (emptyDir medium: Memory)

    def __init__(self, mode: int, uid: int = 0, gid: int = 0, mtime: float = 0.0):
        self.mode = mode
        self.uid = uid
        self.gid = gid
        self.mtime = mtime


class File(Node):
    """A regular file; its content is text."""

    def __init__(self, data: str = "", mode: int = 0o644, uid: int = 0, gid: int = 0, mtime: float = 0.0):
        super().__init__(mode, uid, gid, mtime)
        self.data = data


class Dir(Node):
    """A directory: name -> node."""

    def __init__(self, mode: int = 0o755, uid: int = 0, gid: int = 0, mtime: float = 0.0):
        super().__init__(mode, uid, gid, mtime)
        self.entries: dict[str, Node] = {}

    def layer(self) -> "Dir":
        """A container's root over this image root: a new top directory; the rest is shared until written."""
        new = Dir(self.mode, self.uid, self.gid, self.mtime)
        new.entries = dict(self.entries)
        return new

    def freeze(self) -> "Dir":
        """Mark this tree as an image layer (shared, copied on write)."""
        for node in self.entries.values():
            node.shared = True
            if isinstance(node, Dir):
                node.freeze()
        self.shared = True
        return self

    def copy(self) -> "Dir":
        """A deep copy."""
        new = Dir(self.mode, self.uid, self.gid, self.mtime)
        for name, node in self.entries.items():
            new.entries[name] = node.copy() if isinstance(node, Dir) else \
                File(node.data, node.mode, node.uid, node.gid, node.mtime)
        return new


def tree(files: dict[str, str], mtime: float = 0.0) -> Dir:
    """A directory tree from ``{"/etc/os-release": "...", "/usr/share/nginx/html/": None}``.

    A path ending in ``/`` is a directory; a path whose content starts with ``#!`` or lives under
    ``bin`` is made executable.
    """
    root = Dir(mtime=mtime)
    for path in sorted(files):
        parts = [p for p in path.split("/") if p]
        d = root
        for name in parts[:-1] if not path.endswith("/") else parts:
            d = d.entries.setdefault(name, Dir(mtime=mtime))
        if not path.endswith("/"):
            data = files[path] or ""
            exe = data.startswith("#!") or "/bin/" in path
            d.entries[parts[-1]] = File(data, 0o755 if exe else 0o644, mtime=mtime)
    return root


def _size(node: Node) -> int:
    if isinstance(node, File):
        return len(node.data)
    return sum(_size(child) for child in node.entries.values())


def _new_gid(parent: "Dir", uid: int) -> int:
    """The group of a new file: the directory's if it has the setgid bit (as fsGroup volumes do),
    else the creator's (its uid here: a teaching simplification of the primary group)."""
    return parent.gid if parent.mode & 0o2000 else uid


def _copy_up(node: Node) -> Node:
    """A container-private copy of an image node (a directory's children stay shared)."""
    if isinstance(node, Dir):
        new = Dir(node.mode, node.uid, node.gid, node.mtime)
        new.entries = dict(node.entries)
        return new
    return File(node.data, node.mode, node.uid, node.gid, node.mtime)


class Mount:
    """A volume mounted into a container (what the kubelet passes to the runtime).

    ``volume_dir`` is the volume's :class:`Dir` (an emptyDir, a configMap's files, ...);
    ``sub_path`` mounts one entry of it instead (``subPath``), which may be a single file.
    """

    def __init__(self, path: str, volume_dir: Node, read_only: bool = False, sub_path: str | None = None):
        self.path = path
        self.volume_dir = volume_dir
        self.read_only = read_only
        self.sub_path = sub_path

    def __repr__(self):
        return f"Mount({self.path!r}, read_only={self.read_only}, sub_path={self.sub_path!r})"


class FileSystem:
    """One mount namespace: a root directory plus a mount table (path -> node, read-only flag).

    All paths given to the methods may be relative to ``cwd``. ``uid`` is the calling
    process's user: root (0) may write anything not on a read-only mount; other users need
    the write bit for "other" (a teaching simplification of owner/group/other).
    """

    def __init__(self, root: Dir, clock=None):
        self.root = root
        self.mounts: dict[str, tuple[Node, bool]] = {}
        self.dynamic: dict[str, object] = {}   # path -> fn() -> text: kernel files (/sys/fs/cgroup/...)
        # fn(delta_bytes): a file on a tmpfs volume grew or shrank. Its pages are memory, charged to
        # the writer's cgroup (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir).
        self.on_tmpfs = None
        # fn(parts after /proc) -> Node | None: the proc filesystem, built from the PID namespace
        self.procfs = None
        self._clock = clock

    # --- mounting -----------------------------------------------------------------
    def mount(self, path: str, node: Node, read_only: bool = False) -> None:
        """Mount ``node`` at ``path``, creating the mount point as ``mount(8)`` callers do."""
        if not (path[:1] == "/" and "/." not in path and "//" not in path and path[-1] != "/"):
            path = posixpath.normpath("/" + path.lstrip("/"))   # (an absolute, normal path is kept as is)
        parent, _, name = path.rpartition("/")     # posixpath.split of a normal absolute path
        parent = parent or "/"
        try:
            pdir, _ = self._lookup(parent)
        except FsError:
            self.makedirs(parent)
            pdir, _ = self._lookup(parent)
        if name and name not in pdir.entries:
            # a new mount point: the directory gets it in the container's own copy (copy-up)
            pdir, _ = self._lookup(parent, write=True)
            pdir.entries[name] = Dir() if isinstance(node, Dir) else File()
        self.mounts[path] = (node, read_only)

    def mount_volume(self, m: Mount) -> None:
        node = m.volume_dir
        if m.sub_path:
            sub = [p for p in m.sub_path.split("/") if p]
            for name in sub[:-1]:
                node = node.entries.setdefault(name, Dir())
            # the kubelet creates a missing subPath as a directory
            node = node.entries.setdefault(sub[-1], Dir()) if sub else node
        self.mount(m.path, node, m.read_only)

    def _in_tmpfs(self, full: str) -> bool:
        """Is ``full`` inside a mounted memory-backed volume?"""
        best = ""
        for mp in self.mounts:
            if (full == mp or full.startswith(mp.rstrip("/") + "/")) and len(mp) > len(best):
                best = mp
        return bool(best) and getattr(self.mounts[best][0], "tmpfs", False)

    # --- path resolution ----------------------------------------------------------
    def abspath(self, path: str, cwd: str = "/") -> str:
        if not path:
            return cwd
        if path[0] == "/" and "/." not in path and "//" not in path and (len(path) == 1 or path[-1] != "/"):
            return path                 # already absolute and normal (the common case)
        full = posixpath.normpath(posixpath.join(cwd, path))
        return "/" + full.lstrip("/")       # POSIX keeps a leading "//"; the kernel does not care

    def _lookup(self, path: str, write: bool = False) -> tuple[Node, bool]:
        """The node at absolute ``path`` and whether it lies on a read-only mount.

        With ``write``, image-layer nodes on the way are copied up first, so the caller may change
        the node it gets (and its directory entries) without touching other containers.
        """
        node, ro = self.mounts.get("/", (self.root, False))
        cur = ""
        parts = [p for p in path.split("/") if p]
        for i, name in enumerate(parts):
            if not isinstance(node, Dir):
                raise FsError(ENOTDIR, path)
            cur += "/" + name
            if cur == "/proc" and self.procfs is not None:
                found = self.procfs(parts[i + 1:])     # made up on the spot from the kernel's state
                if found is None:
                    raise FsError(ENOENT, path)
                return found, True
            if cur in self.mounts:
                node, ro = self.mounts[cur]
                continue
            child = node.entries.get(name)
            if child is None:
                raise FsError(ENOENT, path)
            if write and child.shared and not ro:
                child = _copy_up(child)
                node.entries[name] = child
            node = child
        return node, ro

    def _parent(self, path: str, cwd: str) -> tuple[Dir, str, bool, str]:
        full = self.abspath(path, cwd)
        parent, name = posixpath.split(full)
        try:
            pdir, ro = self._lookup(parent, write=True)
        except FsError as e:
            raise FsError(e.errno, path) from None
        if not isinstance(pdir, Dir):
            raise FsError(ENOTDIR, path)
        return pdir, name, ro, full

    def _now(self) -> float:
        return self._clock.now if self._clock is not None else 0.0

    def _check_write(self, node: Node, ro: bool, path: str, uid: int) -> None:
        if ro:
            raise FsError(EROFS, path)
        if uid != 0 and node.uid != uid and not node.mode & 0o002:
            raise FsError(EACCES, path)

    # --- queries ------------------------------------------------------------------
    def get(self, path: str, cwd: str = "/", write: bool = False) -> Node:
        """The node at ``path``; ``write=True`` for a node the caller will change (chmod, cp -r)."""
        full = self.abspath(path, cwd)
        try:
            return self._lookup(full, write)[0]
        except FsError as e:
            raise FsError(e.errno, path) from None

    def exists(self, path: str, cwd: str = "/") -> bool:
        try:
            self.get(path, cwd)
            return True
        except FsError:
            return False

    def isdir(self, path: str, cwd: str = "/") -> bool:
        return self.exists(path, cwd) and isinstance(self.get(path, cwd), Dir)

    def isfile(self, path: str, cwd: str = "/") -> bool:
        return self.exists(path, cwd) and isinstance(self.get(path, cwd), File)

    def read(self, path: str, cwd: str = "/") -> str:
        if self.dynamic:
            fn = self.dynamic.get(self.abspath(path, cwd))
            if fn is not None:
                return fn()
        node = self.get(path, cwd)
        if isinstance(node, Dir):
            raise FsError(EISDIR, path)
        return node.data

    def listdir(self, path: str = ".", cwd: str = "/") -> list[str]:
        node = self.get(path, cwd)
        if not isinstance(node, Dir):
            raise FsError(ENOTDIR, path)
        names = set(node.entries)
        full = self.abspath(path, cwd).rstrip("/") + "/"
        for mp in self.mounts:       # mount points show up even if the image lacked the dir
            if mp.startswith(full) and "/" not in mp[len(full):] and mp != full:
                names.add(mp[len(full):])
        return sorted(names)

    # --- changes ------------------------------------------------------------------
    def write(self, path: str, data: str, cwd: str = "/", append: bool = False, uid: int = 0) -> None:
        pdir, name, ro, full = self._parent(path, cwd)
        if full in self.mounts:
            node, ro = self.mounts[full]
        else:
            node = pdir.entries.get(name)
            if node is not None and node.shared and not ro:
                node = pdir.entries[name] = _copy_up(node)
        if isinstance(node, Dir):
            raise FsError(EISDIR, path)
        if node is None:
            self._check_write(pdir, ro, path, uid)
            node = pdir.entries[name] = File("", uid=uid, gid=_new_gid(pdir, uid))
        else:
            self._check_write(node, ro, path, uid)
        before = len(node.data)
        node.data = node.data + data if append else data
        if self.on_tmpfs is not None and len(node.data) != before and self._in_tmpfs(full):
            self.on_tmpfs(len(node.data) - before)
        node.mtime = self._now()

    def touch(self, path: str, cwd: str = "/", uid: int = 0) -> None:
        if self.exists(path, cwd):
            node = self.get(path, cwd, write=True)
            node.mtime = self._now()
        else:
            self.write(path, "", cwd, append=True, uid=uid)

    def mkdir(self, path: str, cwd: str = "/", parents: bool = False, uid: int = 0) -> None:
        if parents:
            self.makedirs(self.abspath(path, cwd), uid=uid)
            return
        pdir, name, ro, full = self._parent(path, cwd)
        if name in pdir.entries or full in self.mounts:
            raise FsError(EEXIST, path)
        self._check_write(pdir, ro, path, uid)
        pdir.entries[name] = Dir(uid=uid, gid=_new_gid(pdir, uid), mtime=self._now())

    def makedirs(self, path: str, uid: int = 0) -> None:
        cur = ""
        for name in [p for p in path.split("/") if p]:
            cur += "/" + name
            if self.exists(cur):
                if not self.isdir(cur):
                    raise FsError(ENOTDIR, path)
                continue
            self.mkdir(cur, uid=uid)

    def remove(self, path: str, cwd: str = "/", recursive: bool = False, uid: int = 0) -> None:
        pdir, name, ro, full = self._parent(path, cwd)
        if full in self.mounts:
            raise FsError("Device or resource busy", path)
        node = pdir.entries.get(name)
        if node is None:
            raise FsError(ENOENT, path)
        if isinstance(node, Dir) and not recursive:
            raise FsError(EISDIR, path)
        self._check_write(pdir, ro, path, uid)
        del pdir.entries[name]
        if self.on_tmpfs is not None and self._in_tmpfs(full):
            self.on_tmpfs(-_size(node))

    def rmdir(self, path: str, cwd: str = "/", uid: int = 0) -> None:
        node = self.get(path, cwd)
        if not isinstance(node, Dir):
            raise FsError(ENOTDIR, path)
        if node.entries:
            raise FsError(ENOTEMPTY, path)
        self.remove(path, cwd, recursive=True, uid=uid)

    def rename(self, src: str, dst: str, cwd: str = "/", uid: int = 0) -> None:
        sdir, sname, sro, sfull = self._parent(src, cwd)
        if sname not in sdir.entries:
            raise FsError(ENOENT, src)
        if self.isdir(dst, cwd):
            dst = posixpath.join(dst, sname)
        ddir, dname, dro, _ = self._parent(dst, cwd)
        self._check_write(sdir, sro, src, uid)
        self._check_write(ddir, dro, dst, uid)
        ddir.entries[dname] = sdir.entries.pop(sname)
