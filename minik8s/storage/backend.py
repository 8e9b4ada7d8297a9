"""The cluster's storage backend: the disks behind PersistentVolumes that are not node-local.

A CSI or nfs PersistentVolume's data is a disk of the cluster (here a :class:`~minik8s.runtime.Dir`
by volumeHandle or PV name) that outlives pods and nodes; the dynamic provisioner creates and
deletes disks, the kubelet's volume manager attaches them to its node and mounts them
(https://kubernetes.io/docs/concepts/storage/persistent-volumes/). Both belong to one cluster (kept
on its Context), never shared between two clusters.
"""

from __future__ import annotations


def disks(ctx) -> dict:
    """The cluster's storage backend: disk name -> :class:`Dir`. Volumes that are not node-local
    (the provisioner's CSI volumes, nfs, ...) live here, so their data outlives pods and nodes.
    It belongs to one cluster (declared on its Context), never shared between two clusters."""
    return ctx.disks


def attachments(ctx) -> dict:
    """Which nodes each backend disk is attached to, for which pods: disk -> {node: {pod uid}}
    (what the attach/detach controller's VolumeAttachments record)."""
    return ctx.volume_attachments
