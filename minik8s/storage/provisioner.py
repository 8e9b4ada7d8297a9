"""A dynamic provisioner, as an external CSI provisioner runs it, and the default StorageClass.

https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/ and
https://kubernetes.io/docs/concepts/storage/storage-classes/. A StorageClass names a
``provisioner``; a claim of that class that no existing volume satisfies is handed to it
(the PV controller writes the ``volume.kubernetes.io/storage-provisioner`` annotation). This
provisioner, ``minik8s.io/hostpath`` (like kind's ``rancher.io/local-path`` or minikube's
hostpath provisioner), then:

* creates a PersistentVolume ``pvc-<claim uid>`` of the requested size and access modes, with
  the class's ``reclaimPolicy`` and ``mountOptions``, *pre-bound* to the claim (``claimRef``),
  backed by a disk of the cluster's storage backend (``csi.volumeHandle``); the PV controller
  finishes the binding;
* in ``WaitForFirstConsumer`` mode waits for the scheduler's choice of node (the
  ``volume.kubernetes.io/selected-node`` annotation) and pins the volume to that node with
  ``nodeAffinity``, so later pods using the claim go to the same node;
* deletes the volume and its data when a ``Delete`` volume is released;
* expands a bound claim's volume when its request grows and the class has
  ``allowVolumeExpansion: true`` (what the external resizer does).

At start it creates the default StorageClass ``standard`` (annotation
``storageclass.kubernetes.io/is-default-class: "true"``), as kind and minikube do.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import clone
from ..component import Component, Result
from .pv_controller import (ANN_PROVISIONED_BY, ANN_SELECTED_NODE, ANN_STORAGE_PROVISIONER, claim_class,
                            pv_capacity, storage_request)
from ..runtime import Dir
from .backend import CSI_DRIVER, disks

PROVISIONER = CSI_DRIVER
DEFAULT_CLASS = "standard"
DEFAULT_CLASS_ANNOTATION = "storageclass.kubernetes.io/is-default-class"


def default_storage_class() -> dict:
    """The cluster's default class: WaitForFirstConsumer and Delete, as kind's ``standard``."""
    return {"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass",
            "metadata": {"name": DEFAULT_CLASS, "annotations": {DEFAULT_CLASS_ANNOTATION: "true"}},
            "provisioner": PROVISIONER, "reclaimPolicy": "Delete", "volumeBindingMode": "WaitForFirstConsumer"}


def provisioned_volume(pvc: dict, sc: dict, node: str | None) -> dict:
    """The PersistentVolume the provisioner creates for ``pvc`` (pure: a chapter can show it)."""
    md = pvc["metadata"]
    spec = pvc.get("spec") or {}
    name = f"pvc-{md['uid']}"
    pv = {"apiVersion": "v1", "kind": "PersistentVolume",
          "metadata": {"name": name, "annotations": {ANN_PROVISIONED_BY: sc["provisioner"]},
                       "finalizers": ["external-provisioner.volume.kubernetes.io/finalizer"]},
          "spec": {"accessModes": list(spec.get("accessModes") or []),
                   "capacity": {"storage": ((spec.get("resources") or {}).get("requests") or {}).get("storage")},
                   "claimRef": {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "name": md["name"],
                                "namespace": md.get("namespace", "default"), "uid": md["uid"],
                                "resourceVersion": md.get("resourceVersion")},
                   "csi": {"driver": sc["provisioner"], "fsType": "ext4", "volumeHandle": name},
                   "persistentVolumeReclaimPolicy": sc.get("reclaimPolicy") or "Delete",
                   "storageClassName": sc["metadata"]["name"],
                   "volumeMode": spec.get("volumeMode") or "Filesystem"}}
    if sc.get("mountOptions"):
        pv["spec"]["mountOptions"] = list(sc["mountOptions"])
    if node:
        pv["spec"]["nodeAffinity"] = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
            {"key": "kubernetes.io/hostname", "operator": "In", "values": [node]}]}]}}
    return pv


class HostPathProvisioner(Component):
    """The ``minik8s.io/hostpath`` provisioner (keys ``pvc/<ns>/<name>`` and ``pv/<name>``)."""

    name = "hostpath-provisioner"

    @property
    def event_source(self) -> str:
        return PROVISIONER

    def setup(self) -> None:
        if not self.informers:
            self.pvcs = self.informer("persistentvolumeclaims", self._on_pvc)
            self.pvs = self.informer("persistentvolumes", self._on_pv)
            self.classes = self.informer("storageclasses")
        self.after(0, self._ensure_default_class)

    def _ensure_default_class(self) -> None:
        try:
            self.api.get("storageclasses", DEFAULT_CLASS)
            return
        except errors.ApiError as e:
            if e.code != 404:
                return
        try:
            self.api.create("storageclasses", default_storage_class())
        except errors.ApiError:
            pass

    def _on_pvc(self, typ, pvc, old=None) -> None:
        if typ != "DELETED":
            md = pvc["metadata"]
            self.enqueue(f"pvc/{md.get('namespace', 'default')}/{md['name']}")

    def _on_pv(self, typ, pv, old=None) -> None:
        if typ != "DELETED":
            self.enqueue("pv/" + pv["metadata"]["name"])

    def reconcile(self, key: str) -> Result | None:
        kind, _, rest = key.partition("/")
        if kind == "pv":
            pv = self.pvs.get(rest)
            return self.sync_volume(pv) if pv is not None else None
        pvc = self.pvcs.get(rest)
        return self.sync_claim(pvc) if pvc is not None else None

    def sync_claim(self, pvc: dict) -> Result | None:
        md = pvc["metadata"]
        anns = md.get("annotations") or {}
        sc = self.classes.get(claim_class(pvc)) if claim_class(pvc) else None
        if sc is None or sc.get("provisioner") != PROVISIONER or md.get("deletionTimestamp"):
            return None
        if (pvc.get("spec") or {}).get("volumeName"):
            return self.expand(pvc, sc)
        if anns.get(ANN_STORAGE_PROVISIONER) != PROVISIONER:
            return None
        node = anns.get(ANN_SELECTED_NODE)
        if sc.get("volumeBindingMode") == "WaitForFirstConsumer" and not node:
            return None
        ns = md.get("namespace", "default")
        name = f"pvc-{md['uid']}"
        if self.pvs.get(name) is not None:
            return None
        self.event(pvc, "Normal", "Provisioning", f'External provisioner is provisioning volume for claim "{ns}/{md["name"]}"')
        if (pvc.get("spec") or {}).get("selector"):
            self.event(pvc, "Warning", "ProvisioningFailed",
                       "failed to provision volume with StorageClass \"%s\": claim Selector is not supported"
                       % sc["metadata"]["name"])
            return None
        pv = provisioned_volume(pvc, sc, node)
        self.diff(f"provision volume {name} for claim {ns}/{md['name']}" + (f" on node {node}" if node else ""))
        try:
            self.api.create("persistentvolumes", pv)
        except errors.ApiError as e:
            if e.code != 409:
                raise
        disks(self.ctx)[name] = Dir(0o777, mtime=self.clock.now)     # the new, empty disk
        self.event(pvc, "Normal", "ProvisioningSucceeded", f"Successfully provisioned volume {name}")
        return None

    def expand(self, pvc: dict, sc: dict, pv: dict | None = None) -> Result | None:
        """The external resizer: a bound claim asks for more than its volume has; once the volume
        has grown, the claim's status.capacity follows (the filesystem resize)."""
        pv = pv or self.pvs.get(pvc["spec"]["volumeName"])
        if pv is None or not sc.get("allowVolumeExpansion"):
            return None
        want = storage_request(pvc)
        if want <= pv_capacity(pv):
            cap = ((pvc.get("status") or {}).get("capacity") or {}).get("storage")
            size = pv["spec"]["capacity"]["storage"]
            if (pvc.get("status") or {}).get("phase") == "Bound" and cap != size:
                new = clone(pvc)
                new["status"]["capacity"] = {"storage": size}
                self.api.update("persistentvolumeclaims", new, pvc["metadata"].get("namespace"),
                                subresource="status")
                self.event(pvc, "Normal", "FileSystemResizeSuccessful",
                           f'MountVolume.NodeExpandVolume succeeded for volume "{pv["metadata"]["name"]}"')
            return None
        size = pvc["spec"]["resources"]["requests"]["storage"]
        self.event(pvc, "Normal", "Resizing", f"External resizer is resizing volume {pv['metadata']['name']}")
        new_pv = clone(pv)
        new_pv["spec"]["capacity"]["storage"] = size
        self.diff(f"expand volume {pv['metadata']['name']} to {size}")
        new_pv = self.api.update("persistentvolumes", new_pv)
        self.event(pvc, "Normal", "VolumeResizeSuccessful", "Resize volume succeeded")
        return self.expand(pvc, sc, new_pv)

    def sync_volume(self, pv: dict) -> Result | None:
        """A released ``Delete`` volume this provisioner made: delete its disk, then the PV."""
        md = pv["metadata"]
        if (md.get("annotations") or {}).get(ANN_PROVISIONED_BY) != PROVISIONER:
            return None
        spec = pv.get("spec") or {}
        released = (pv.get("status") or {}).get("phase") == "Released" or md.get("deletionTimestamp")
        if not released or spec.get("persistentVolumeReclaimPolicy") != "Delete":
            if md.get("deletionTimestamp") and "external-provisioner.volume.kubernetes.io/finalizer" in (
                    md.get("finalizers") or []):
                self._drop_finalizer(pv)
            return None
        self.diff(f"volume {md['name']} released with policy Delete: delete its data and the PV")
        disks(self.ctx).pop((spec.get("csi") or {}).get("volumeHandle") or md["name"], None)
        self._drop_finalizer(pv)
        try:
            self.api.delete("persistentvolumes", md["name"])
        except errors.ApiError as e:
            if e.code != 404:
                raise
        return None

    def _drop_finalizer(self, pv: dict) -> None:
        fins = [f for f in pv["metadata"].get("finalizers") or []
                if f != "external-provisioner.volume.kubernetes.io/finalizer"]
        if fins != (pv["metadata"].get("finalizers") or []):
            new = clone(pv)
            new["metadata"]["finalizers"] = fins
            try:
                self.api.update("persistentvolumes", new)
            except errors.ApiError:
                pass
