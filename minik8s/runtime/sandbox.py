"""A pod sandbox: the network namespace every container of the pod shares (kept alive by the
``pause`` process), with the pod's ``/etc/hosts``, ``/etc/resolv.conf`` and ``/etc/hostname``
(https://kubernetes.io/docs/concepts/architecture/cri/).
"""

from __future__ import annotations

from .fs import File
from ..net.podnetwork import NetNamespace
from .process import PidNamespace


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
