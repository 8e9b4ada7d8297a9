"""Chapter 9 (Volumes and storage): the numbers and behaviours the chapter quotes, each pinned
against the Kubernetes documentation (or, where the docs are silent, the kubernetes/kubernetes
source it names), and the story the chapter tells, so an engine change that would silently change
the chapter fails here.

Docs: https://kubernetes.io/docs/concepts/storage/volumes/,
https://kubernetes.io/docs/concepts/storage/persistent-volumes/,
https://kubernetes.io/docs/concepts/storage/storage-classes/,
https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/,
https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/,
https://kubernetes.io/docs/concepts/configuration/configmap/.
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.storage.pv_controller import access_mode_groups, find_best_match


def _pv(name, size, modes=("ReadWriteOnce",), cls="", phase="Available", labels=None, claim_ref=None):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls,
            "persistentVolumeReclaimPolicy": "Retain", "nfs": {"server": "nfs.example.com", "path": "/" + name}}
    if claim_ref:
        spec["claimRef"] = claim_ref
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "labels": labels or {}},
            "spec": spec, "status": {"phase": phase}}


def _pvc(name, size, modes=("ReadWriteOnce",), cls="", selector=None):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}, "storageClassName": cls}
    if selector:
        spec["selector"] = selector
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default", "uid": "u-" + name}, "spec": spec}


def _name(pv):
    return pv and pv["metadata"]["name"]


# --- the binder's choice ------------------------------------------------------------------------

def test_fewest_access_modes_first_then_smallest():
    """The PV controller looks first at the volumes whose access modes are the smallest set that
    holds the claim's, and takes the smallest fitting volume of the first such group that has one:
    a ReadWriteOnce claim gets a 10Gi RWO volume before a 5Gi RWO+RWX one
    (pkg/controller/volume/persistentvolume/index.go: findByClaim, allPossibleMatchingAccessModes;
    https://kubernetes.io/docs/concepts/storage/persistent-volumes/#access-modes: a volume offering
    more modes than asked can bind)."""
    claim = _pvc("data", "1Gi")
    pvs = [_pv("rwo-10g", "10Gi"), _pv("rwx-5g", "5Gi", ["ReadWriteOnce", "ReadWriteMany"])]
    assert _name(find_best_match(claim, pvs)) == "rwo-10g"
    assert [[_name(v) for v in g] for g in access_mode_groups(claim, pvs)] == [["rwo-10g"], ["rwx-5g"]]
    # no plain RWO volume fits: the next group is tried
    assert _name(find_best_match(_pvc("four", "4Gi"), [_pv("rwo-1g", "1Gi"), pvs[1]])) == "rwx-5g"
    # a claim for RWX cannot use the RWO volume at all
    assert _name(find_best_match(_pvc("shared", "1Gi", ["ReadWriteMany"]), pvs)) == "rwx-5g"


def test_the_cluster_binds_as_find_best_match_says():
    """The PV controller of a live cluster binds the claim to the volume find_best_match picks
    (persistent-volumes/#binding)."""
    c = Cluster(nodes=1, seed=0)
    for v in (_pv("rwo-10g", "10Gi"), _pv("rwx-5g", "5Gi", ["ReadWriteOnce", "ReadWriteMany"])):
        v.pop("status")
        c.apply(v)
    c.run(1)
    claim = _pvc("data", "1Gi")
    claim["metadata"] = {"name": "data"}
    c.apply(claim)
    c.run(2)
    assert c.get("pvc", "data")["spec"]["volumeName"] == "rwo-10g"


# --- emptyDir -------------------------------------------------------------------------------------

def _busybox_pod(name, volumes, script="sleep 3600", mount="/data", node=None, extra=None):
    spec = {"terminationGracePeriodSeconds": 0,
            "containers": [{"name": "app", "image": "busybox:1.36", "command": ["sh", "-c", script],
                            "volumeMounts": [{"name": volumes[0]["name"], "mountPath": mount}]}],
            "volumes": volumes}
    if node:
        spec["nodeName"] = node
    spec.update(extra or {})
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def _running(c, name, timeout=60):
    c.run_until(lambda c: (c.get("pod", name).get("status") or {}).get("phase") == "Running", timeout=timeout)
    c.run(1)


def test_memory_emptydir_is_a_tmpfs():
    """emptyDir with medium: Memory: "Kubernetes mounts a tmpfs (RAM-backed filesystem) for you
    instead" - `mount` in the container says tmpfs; a plain emptyDir is on the node's disk
    (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir)."""
    c = Cluster(nodes=1, seed=0)
    c.apply(_busybox_pod("ram", [{"name": "fast", "emptyDir": {"medium": "Memory"}}], mount="/fast"))
    c.apply(_busybox_pod("disk", [{"name": "slow", "emptyDir": {}}], mount="/slow"))
    _running(c, "ram")
    _running(c, "disk")
    assert "tmpfs on /fast type tmpfs (rw,relatime)" in c.exec("ram", "mount").splitlines()
    assert "/dev/sda1 on /slow type ext4 (rw,relatime)" in c.exec("disk", "mount").splitlines()
