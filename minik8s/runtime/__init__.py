"""The container runtime: what runs a pod's containers on a node (containerd, in the small).

* ``containerd.py`` -- :class:`ContainerRuntime`, the CRI the kubelet drives (sandboxes, containers,
  logs, exec, stats) and what a container *is*: namespaces plus a cgroup;
* ``process.py`` -- processes in virtual time and the API image programs are written against,
  PID namespaces, the memory cgroup, pipes and signals; ``cpu.py`` -- the node's CPUs shared by
  cgroup weight and quota;
* ``images.py`` -- references, the registry, ``@image`` to register your own; ``catalogue.py`` --
  the built-in images (nginx, busybox, pause, agnhost, ...); ``app.py`` -- the teaching app;
* ``sh.py`` -- busybox ``sh``; ``busybox.py`` -- its applets; ``fs.py`` -- the mount namespace.

The pod network the sandboxes plug into (the wire, network namespaces, HTTP and TCP clients) is
:mod:`minik8s.net.podnetwork`, as containerd calls a CNI plugin.
"""

from .catalogue import register_builtin_images
from .containerd import ContainerRuntime, ContainerStatus, ExecResult, Sandbox, command_line
from .fs import Dir, File, FileSystem, FsError, Mount
from .images import CATALOGUE, Image, ImagePullError, ImageRegistry, image, normalize
from .process import Process

register_builtin_images()

__all__ = ["ContainerRuntime", "ContainerStatus", "ExecResult", "Sandbox", "command_line", "Dir", "File",
           "FileSystem", "FsError", "Mount", "CATALOGUE", "Image", "ImagePullError", "ImageRegistry", "image",
           "normalize", "Process"]
