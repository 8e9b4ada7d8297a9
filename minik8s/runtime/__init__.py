"""The container runtime: what runs a pod's containers on a node (containerd, in the small).

* ``containerd.py`` -- :class:`ContainerRuntime`, the CRI the kubelet drives (sandboxes, containers,
  logs, exec, stats); ``container.py`` -- what a container *is*: namespaces plus a cgroup;
  ``sandbox.py`` -- the pod sandbox; ``capabilities.py``; ``command.py`` -- ENTRYPOINT/CMD + command/args;
* ``process.py`` -- processes in virtual time and the API image programs are written against,
  PID namespaces, the memory cgroup, pipes and signals; ``cpu.py`` -- the node's CPUs shared by
  cgroup weight and quota;
* ``images.py`` -- references, the registry, ``@image`` to register your own; ``catalogue.py`` --
  the built-in images (nginx, busybox, pause, agnhost, ...); ``app.py`` -- the teaching app;
* ``sh/`` -- busybox ``sh`` (lexer, parser, expand, interpreter, builtins); ``busybox/`` -- the
  applets; ``fs.py`` -- the mount namespace.

The pod network the sandboxes plug into (the wire, network namespaces, HTTP and TCP clients) is
:mod:`minik8s.net.podnetwork`, as containerd calls a CNI plugin.
"""

from .catalogue import register_builtin_images
from .command import command_line
from .container import ContainerStatus
from .containerd import ContainerRuntime, ExecResult
from .fs import Dir, File, FileSystem, FsError, Mount
from .images import CATALOGUE, Image, ImagePullError, ImageRegistry, image, normalize
from .process import Process
from .sandbox import Sandbox

register_builtin_images()

__all__ = ["ContainerRuntime", "ContainerStatus", "ExecResult", "Sandbox", "command_line", "Dir", "File",
           "FileSystem", "FsError", "Mount", "CATALOGUE", "Image", "ImagePullError", "ImageRegistry", "image",
           "normalize", "Process"]
