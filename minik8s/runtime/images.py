"""Container images: references, the registry catalogue, and ``@image`` for your own.

An image is a filesystem plus a default command (Docker's ENTRYPOINT and CMD)
that a registry serves under a *reference* such as ``nginx:1.14.2``, which the
runtime normalises to ``docker.io/library/nginx:1.14.2``
(https://kubernetes.io/docs/concepts/containers/images/). In minik8s an
image's executables are Python programs (see ``process.py`` for the API they
are written against). Register your own in a cluster's registry::

    @c.image("my-app:1.0")                        # cluster c can pull it
    def my_app(proc):
        proc.print("hello")
        yield proc.sleep(3600)

or in a registry of your own that clusters are given (``Cluster(images=mine)``)::

    mine = ImageRegistry()
    @image("my-app:2.0", registry=mine, base="busybox")   # with a shell
    def my_app2(proc): ...

The built-in images (``catalogue.py``) are in :data:`CATALOGUE`, filled once when the runtime is
imported and read-only afterwards: every cluster's registry falls back on it, and nothing a
cluster registers reaches another cluster.

A pull of a reference the registry does not hold fails with containerd's own
message (``... not found``, ``pull access denied ...``, ``no such host``),
which the kubelet reports as ``ErrImagePull``.
"""

from __future__ import annotations

import functools
import hashlib
import re

from .fs import Dir, tree

# Registries that exist (a pull from any other host fails to resolve its name).
KNOWN_REGISTRIES = ("docker.io", "registry.k8s.io", "k8s.gcr.io", "gcr.io", "quay.io", "ghcr.io",
                    "mcr.microsoft.com", "public.ecr.aws", "us-docker.pkg.dev")

# Simulated download bandwidth and per-pull overhead: pull time = overhead + size / bandwidth.
PULL_BANDWIDTH = 25 * 10 ** 6      # bytes per virtual second
PULL_OVERHEAD = 0.5                # seconds: resolve the reference, fetch the manifest

_REF = re.compile(r"^(?:(?P<name>[a-z0-9]+(?:[._-]+[a-z0-9]+)*(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)*"
                  r"|[A-Za-z0-9.-]+(?::[0-9]+)?(?:/[a-z0-9]+(?:[._-]+[a-z0-9]+)*)+))"
                  r"(?::(?P<tag>[\w][\w.-]{0,127}))?(?:@(?P<digest>sha256:[0-9a-f]{64}))?$")


# cgroup v2 interface files a container sees under /sys/fs/cgroup (containerd.Container fills them).
CGROUP_FILES = ("memory.max", "memory.current", "memory.events", "memory.oom.group", "memory.swap.max",
                "memory.swap.current", "cpu.max", "cpu.weight", "cpu.stat")


class ImagePullError(Exception):
    """A pull failed; ``str(e)`` is containerd's message, ``code`` the CRI's gRPC status code."""

    def __init__(self, message: str, code: str = "Unknown"):
        super().__init__(message)
        self.code = code


class PullFailure(str):
    """The error string a pull's ``on_done`` receives; ``.code`` is the gRPC code (NotFound, Unknown)
    the kubelet prints: ``Failed to pull image "x": rpc error: code = NotFound desc = <message>``."""

    code = "Unknown"

    def __new__(cls, message: str, code: str = "Unknown"):
        s = super().__new__(cls, message)
        s.code = code
        return s


def parse_size(size) -> int:
    if isinstance(size, int):
        return size
    from ..api.quantity import memory_bytes
    return memory_bytes(size)


@functools.lru_cache(maxsize=4096)
def normalize(ref: str) -> str:
    """The full reference containerd uses: ``nginx`` -> ``docker.io/library/nginx:latest``.

    Raises ImagePullError("invalid reference format...") for a malformed reference.
    """
    ref = ref.strip()
    name = ref.split("@")[0]
    if any(c.isupper() for c in (name.rsplit(":", 1)[0] if ":" in name.rsplit("/", 1)[-1] else name)):
        raise ImagePullError("invalid reference format: repository name must be lowercase")
    m = _REF.match(ref)
    if not m or not ref:
        raise ImagePullError("invalid reference format")
    name = ref.split("@")[0]
    tag = None
    last = name.rsplit("/", 1)[-1]
    if ":" in last:
        name, tag = name.rsplit(":", 1)
    first = name.split("/", 1)[0]
    if "/" in name and ("." in first or ":" in first or first == "localhost"):
        domain, path = name.split("/", 1)
    else:
        domain, path = "docker.io", name
    if domain == "docker.io" and "/" not in path:
        path = "library/" + path
    full = f"{domain}/{path}"
    if "@" in ref:
        return full + ("" if tag is None else ":" + tag) + "@" + ref.split("@", 1)[1]
    return f"{full}:{tag or 'latest'}"


def repository(full_ref: str) -> str:
    """``docker.io/library/nginx:1.14.2`` -> ``docker.io/library/nginx``."""
    name = full_ref.split("@")[0]
    last = name.rsplit("/", 1)[-1]
    return name.rsplit(":", 1)[0] if ":" in last else name


def digest_of(full_ref: str) -> str:
    """A stable content digest for an image (the same reference always has the same one)."""
    return "sha256:" + hashlib.sha256(full_ref.encode()).hexdigest()


class Image:
    """What a registry serves for one reference.

    ``programs`` maps executable paths in the image to program functions; ``files`` is the
    rest of the filesystem (path -> text, a trailing ``/`` for a directory); ``base="busybox"``
    adds a busybox userland (``/bin/sh`` and its applets).
    """

    def __init__(self, ref: str, programs: dict, entrypoint: list[str] | None = None,
                 cmd: list[str] | None = None, env: dict | None = None, files: dict | None = None,
                 size="5Mi", workdir: str = "/", base: str | None = None, user: int = 0):
        self.ref = normalize(ref)
        self.programs = dict(programs)
        self.entrypoint = list(entrypoint or [])
        self.cmd = list(cmd or [])
        self.env = {"PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"}
        self.env.update(env or {})
        self.files = dict(files or {})
        self.size = parse_size(size)
        self.workdir = workdir
        self.base = base
        self.user = user
        self._rootfs: Dir | None = None      # the unpacked layers, built on first use
        self.path_cache: dict = {}           # $PATH lookups (see containerd.Container.find_program)

    # An image is immutable once registered (its ref never changes), so its digests are
    # computed once: the kubelet reads ``repo_digest`` for every container status it builds.
    @functools.cached_property
    def id(self) -> str:
        """The image ID (digest of its config)."""
        return digest_of(self.ref + "#config")

    @functools.cached_property
    def repo_digest(self) -> str:
        """``docker.io/library/nginx@sha256:...``: what a pod's status shows as imageID."""
        return f"{repository(self.ref)}@{digest_of(self.ref)}"

    def rootfs(self) -> Dir:
        """A fresh copy of the image's filesystem for one container (its writable layer)."""
        if self._rootfs is None:
            self._rootfs = self._build_rootfs().freeze()
        return self._rootfs.layer()

    def _build_rootfs(self) -> Dir:
        files = {"/etc/": None, "/tmp/": None, "/root/": None, "/var/": None, "/proc/": None,
                 "/dev/": None, "/dev/null": "", "/bin/": None, "/usr/bin/": None,
                 "/dev/termination-log": "",      # the kubelet's terminationMessagePath default
                 # mount points: every container gets the pod's files mounted over them
                 "/etc/hosts": "", "/etc/resolv.conf": "", "/etc/hostname": ""}
        for name in CGROUP_FILES:          # their content comes from the container's cgroup
            files["/sys/fs/cgroup/" + name] = ""
        files["/proc/mounts"] = ""
        if self.base == "busybox":
            from .busybox import busybox_files
            files.update(busybox_files())
        files.update(self.files)
        for path, prog in self.programs.items():
            files[path] = f"#!minik8s {prog if isinstance(prog, str) else path}\n"
        root = tree(files)
        root.entries["tmp"].mode = 0o1777
        return root

    def program_for(self, path: str, data: str, programs: dict):
        """The program behind executable ``path`` (None if it is not one)."""
        if path in self.programs and not isinstance(self.programs[path], str):
            return self.programs[path]
        if data.startswith("#!minik8s "):
            name = data[len("#!minik8s "):].strip()
            prog = self.programs.get(name) if not isinstance(self.programs.get(name), str) else None
            prog = prog or programs.get(name)
            if prog is None:
                from .busybox import APPLET_NAMES, applet_not_found
                if name in APPLET_NAMES:
                    return applet_not_found
            return prog
        return None


class ImageRegistry:
    """The registries a cluster can pull from: full reference -> :class:`Image`.

    A registry may have a ``parent`` (the built-in catalogue shared by every cluster);
    registering on a cluster's own registry does not touch other clusters.
    """

    def __init__(self, parent: "ImageRegistry | None" = None):
        self.parent = parent
        self._images: dict[str, Image] = {}

    def register(self, img: Image) -> Image:
        self._images[img.ref] = img
        return img

    def get(self, ref: str) -> Image | None:
        full = normalize(ref)
        if "@" in full:
            for img in self.images():
                if img.repo_digest.split("@")[1] == full.split("@")[1] and \
                        repository(img.ref) == repository(full):
                    return img
            return None
        img = self._images.get(full)
        if img is None and self.parent is not None:
            return self.parent.get(full)
        return img

    def include(self, other: "ImageRegistry") -> None:
        """Serve ``other``'s own images too (images are immutable programs: sharing them is safe)."""
        for img in other._images.values():
            self.register(img)

    def images(self) -> list[Image]:
        out = dict((i.ref, i) for i in self.parent.images()) if self.parent else {}
        out.update(self._images)
        return [out[k] for k in sorted(out)]

    def repositories(self) -> set[str]:
        return {repository(i.ref) for i in self.images()}

    def resolve(self, ref: str) -> Image:
        """The image for ``ref`` or ImagePullError with containerd's message."""
        try:
            full = normalize(ref)
        except ImagePullError as e:
            raise ImagePullError(f'failed to pull and unpack image "{ref}": {e}') from None
        img = self.get(full)
        if img is not None:
            return img
        prefix = f'failed to pull and unpack image "{full}": failed to resolve reference "{full}"'
        domain = full.split("/", 1)[0]
        repo = repository(full)
        if domain not in KNOWN_REGISTRIES:
            path, _, tag = full.split("/", 1)[1].partition(":")
            raise ImagePullError(f'{prefix}: failed to do request: Head "https://{domain}/v2/{path}/manifests/'
                                 f'{tag or "latest"}": dial tcp: lookup {domain.split(":")[0]}: no such host')
        if domain == "docker.io" and repo not in self.repositories():
            raise ImagePullError(f"{prefix}: pull access denied, repository does not exist or may require "
                                 f"authorization: server message: insufficient_scope: authorization failed")
        raise ImagePullError(f"{prefix}: {full}: not found", code="NotFound")

    @staticmethod
    def pull_seconds(img: Image) -> float:
        """How long pulling ``img`` takes, in virtual seconds (deterministic: size / bandwidth)."""
        return round(PULL_OVERHEAD + img.size / PULL_BANDWIDTH, 3)


# The built-in images every cluster's registry falls back on (catalogue.py fills it once, at import;
# nothing registers here afterwards). It holds only images (immutable programs).
CATALOGUE = ImageRegistry()


def image(ref: str, *, registry: ImageRegistry, size="5Mi", entrypoint=None, cmd=None,
          env=None, files=None, base=None, path: str = "/app", workdir: str = "/"):
    """Decorator: register ``fn(proc)`` as the program of image ``ref`` in ``registry`` (a cluster's,
    ``c.images``, or one of your own given to ``Cluster(images=...)``).

    The program is installed at ``path`` and is the image's ENTRYPOINT unless ``entrypoint``
    says otherwise; ``cmd`` are its default arguments (a pod's ``args`` replace them).
    """
    def register(fn):
        img = Image(ref, {path: fn}, entrypoint=entrypoint or [path], cmd=cmd, env=env, files=files,
                    size=size, base=base, workdir=workdir)
        registry.register(img)
        return fn
    return register
