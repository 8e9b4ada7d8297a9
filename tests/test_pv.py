"""PersistentVolumes, claims and StorageClasses: binding, reclaiming, provisioning, placement.

Docs: https://kubernetes.io/docs/concepts/storage/persistent-volumes/,
https://kubernetes.io/docs/concepts/storage/storage-classes/,
https://kubernetes.io/docs/concepts/storage/dynamic-provisioning/,
https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/.
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.runtime import Dir
from minik8s.api.persistentvolume import find_best_match, mismatch
from minik8s.storage.backend import disks


def pv(name, size="1Gi", modes=("ReadWriteOnce",), cls="", policy="Retain", labels=None, source=None, **spec):
    body = {"capacity": {"storage": size}, "accessModes": list(modes), "storageClassName": cls,
            "persistentVolumeReclaimPolicy": policy}
    body.update(source or {"nfs": {"server": "nfs.example.com", "path": "/" + name}})
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolume", "metadata": {"name": name, "labels": labels or {}},
            "spec": body}


def pvc(name, size="1Gi", modes=("ReadWriteOnce",), cls="", **spec):
    body = {"accessModes": list(modes), "resources": {"requests": {"storage": size}}}
    if cls is not None:
        body["storageClassName"] = cls
    body.update(spec)
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": name}, "spec": body}


def user(name, claim, script="sleep 3600", node=None, node_selector=None):
    spec = {"terminationGracePeriodSeconds": 0,
            "containers": [{"name": "app", "image": "busybox", "command": ["sh", "-c", script],
                            "volumeMounts": [{"name": "data", "mountPath": "/data"}]}],
            "volumes": [{"name": "data", "persistentVolumeClaim": {"claimName": claim}}]}
    if node:
        spec["nodeName"] = node
    if node_selector:
        spec["nodeSelector"] = node_selector
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def phase(c, kind, name):
    return (c.get(kind, name).get("status") or {}).get("phase")


def bound_to(c, claim):
    return c.get("pvc", claim)["spec"].get("volumeName")


def events(c, name):
    return [(e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == name]


def running(c, name, timeout=120):
    c.run_until(lambda c: phase(c, "pod", name) == "Running", timeout=timeout)
    c.run(1)


def gone(c, name):
    c.run_until(lambda c: all(p["metadata"]["name"] != name for p in c.list("pods")), timeout=60)


# --- binding rules ------------------------------------------------------------------------------

def test_binds_the_smallest_volume_that_fits():
    """A claim is bound to the smallest matching volume (persistent-volumes/#binding)."""
    c = Cluster(nodes=1)
    c.apply([pv("big", "10Gi"), pv("small", "1Gi"), pv("medium", "5Gi"), pvc("claim", "2Gi")])
    c.run(2)
    assert bound_to(c, "claim") == "medium"
    assert phase(c, "pvc", "claim") == "Bound" and phase(c, "pv", "medium") == "Bound"
    assert phase(c, "pv", "big") == "Available" and phase(c, "pv", "small") == "Available"
    st = c.get("pvc", "claim")["status"]
    assert st["capacity"] == {"storage": "5Gi"} and st["accessModes"] == ["ReadWriteOnce"]
    ref = c.get("pv", "medium")["spec"]["claimRef"]
    assert (ref["namespace"], ref["name"], ref["uid"]) == ("default", "claim", c.get("pvc", "claim")["metadata"]["uid"])


def test_access_modes_superset_binds_and_subset_does_not():
    """A volume offering every requested mode (a superset) binds; one missing a mode does not
    (persistent-volumes/#access-modes)."""
    c = Cluster(nodes=1)
    c.apply([pv("rwo", "1Gi", ["ReadWriteOnce"]), pv("multi", "2Gi", ["ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"]),
             pvc("shared", "1Gi", ["ReadWriteMany"])])
    c.run(2)
    assert bound_to(c, "shared") == "multi"
    c.apply(pvc("rwop", "1Gi", ["ReadWriteOncePod"]))
    c.run(2)
    assert phase(c, "pvc", "rwop") == "Pending"
    assert ("FailedBinding", "no persistent volumes available for this claim and no storage class is set") \
        in events(c, "rwop")


def test_storage_class_must_match_and_empty_means_classless():
    """A claim of class X binds only volumes of class X; storageClassName "" binds only volumes
    with no class (persistent-volumes/#class-1)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "manual"},
             "provisioner": "kubernetes.io/no-provisioner"})
    c.apply([pv("manual-pv", "1Gi", cls="manual"), pvc("classless", "1Gi", cls="")])
    c.run(2)
    assert phase(c, "pvc", "classless") == "Pending"
    c.apply([pvc("manual-claim", "1Gi", cls="manual"), pv("plain-pv", "1Gi")])
    c.run(16)     # a pending claim is looked at again every sync period (--pvclaimbinder-sync-period 15s)
    assert bound_to(c, "manual-claim") == "manual-pv"
    assert bound_to(c, "classless") == "plain-pv"


def test_selector_and_volume_mode():
    """A claim's selector filters volumes by label; volumeMode must match (Filesystem vs Block)."""
    c = Cluster(nodes=1)
    c.apply([pv("ssd", "1Gi", labels={"disk": "ssd"}), pv("hdd", "1Gi", labels={"disk": "hdd"}),
             pv("block", "1Gi", volumeMode="Block", labels={"disk": "ssd"}),
             pvc("fast", "1Gi", selector={"matchLabels": {"disk": "ssd"}}),
             pvc("raw", "1Gi", volumeMode="Block")])
    c.run(2)
    assert bound_to(c, "fast") == "ssd"
    assert bound_to(c, "raw") == "block"
    assert mismatch(pv("x", "1Gi"), pvc("y", "2Gi")) == "requested PV is too small"
    assert find_best_match(pvc("y", "500Mi"), [pv("a", "1Gi"), pv("b", "1Gi")])["metadata"]["name"] == "a"


def test_pre_binding_by_claim_ref_and_volume_name():
    """An administrator reserves a volume with claimRef; a user asks for one with volumeName
    (persistent-volumes/#reserving-a-persistentvolume)."""
    c = Cluster(nodes=1)
    c.apply([pv("reserved", "1Gi", claimRef={"namespace": "default", "name": "vip"}), pv("other", "1Gi"),
             pvc("someone", "1Gi")])
    c.run(2)
    assert bound_to(c, "someone") == "other"            # the reserved volume is not for anyone else
    c.apply(pvc("vip", "1Gi"))
    c.run(2)
    assert bound_to(c, "vip") == "reserved"
    c.apply([pv("wanted", "5Gi"), pv("tiny", "1Gi"), pvc("picky", "1Gi", volumeName="wanted")])
    c.run(2)
    assert bound_to(c, "picky") == "wanted" and phase(c, "pvc", "picky") == "Bound"
    c.apply(pvc("greedy", "10Gi", volumeName="tiny"))
    c.run(2)
    assert phase(c, "pvc", "greedy") == "Pending"
    assert ("VolumeMismatch", 'Cannot bind to requested volume "tiny": requested PV is too small') in events(c, "greedy")


# --- data and reclaim policies -----------------------------------------------------------------

def test_pv_data_outlives_the_pod():
    """A PersistentVolume's data survives the pods that use it."""
    c = Cluster(nodes=1)
    c.apply([pv("disk", "1Gi"), pvc("data", "1Gi"), user("writer", "data", "echo saved > /data/f; sleep 3600")])
    running(c, "writer")
    c.delete("pod", "writer")
    gone(c, "writer")
    c.apply(user("reader", "data"))
    running(c, "reader")
    assert c.exec("reader", "cat /data/f") == "saved\n"


def test_retain_policy_keeps_volume_and_data_until_reused_by_hand():
    """Retain: deleting the claim leaves the volume Released with its data; once the
    administrator removes claimRef it is Available and a new claim gets the old data
    (persistent-volumes/#retain)."""
    c = Cluster(nodes=1)
    c.apply([pv("keep", "1Gi", policy="Retain"), pvc("first", "1Gi"), user("w", "first", "echo old > /data/f; sleep 3600")])
    running(c, "w")
    c.delete("pod", "w")
    gone(c, "w")
    c.delete("pvc", "first")
    c.run(2)
    assert phase(c, "pv", "keep") == "Released"
    assert c.kubectl("get pv keep").splitlines()[1].split()[4:6] == ["Released", "default/first"]
    c.apply(pvc("second", "1Gi"))
    c.run(2)
    assert phase(c, "pvc", "second") == "Pending"        # a Released volume is not bound again
    assert c.kubectl("""patch pv keep --type=json -p='[{"op":"remove","path":"/spec/claimRef"}]'""") == \
        "persistentvolume/keep patched\n"
    c.run(20)
    assert phase(c, "pv", "keep") in ("Available", "Bound")
    c.run_until(lambda c: bound_to(c, "second") == "keep", timeout=60)
    c.apply(user("r", "second"))
    running(c, "r")
    assert c.exec("r", "cat /data/f") == "old\n"


def test_delete_policy_removes_dynamic_volume_and_its_data():
    """Delete: a dynamically provisioned volume and its storage go with the claim
    (persistent-volumes/#delete, dynamic-provisioning)."""
    c = Cluster(nodes=1)
    c.apply([pvc("dyn", "1Gi", cls=None), user("w", "dyn", "echo x > /data/f; sleep 3600")])
    running(c, "w")
    name = bound_to(c, "dyn")
    assert name.startswith("pvc-") and name in disks(c.ctx)
    c.delete("pod", "w")
    gone(c, "w")
    c.delete("pvc", "dyn")
    c.run(5)
    assert all(v["metadata"]["name"] != name for v in c.list("persistentvolumes"))
    assert name not in disks(c.ctx)


def test_delete_policy_on_an_in_tree_hostpath_volume_fails():
    """The hostPath deleter only deletes under /tmp: elsewhere the volume turns Failed."""
    c = Cluster(nodes=1)
    c.apply([pv("hp", "1Gi", policy="Delete", source={"hostPath": {"path": "/mnt/data"}}), pvc("c1", "1Gi")])
    c.run(2)
    c.delete("pvc", "c1")
    c.run(2)
    got = c.get("pv", "hp")
    assert got["status"]["phase"] == "Failed"
    assert got["status"]["message"] == "host_path deleter only supports /tmp/.+ but received provided /mnt/data"
    assert ("VolumeFailedDelete", got["status"]["message"]) in events(c, "hp")


def test_claim_is_lost_when_its_volume_disappears():
    """A bound volume is protected (it stays Terminating); if it is removed anyway (its finalizer
    taken off by hand), the claim is Lost (ClaimLost)."""
    c = Cluster(nodes=1)
    c.apply([pv("v", "1Gi"), pvc("c1", "1Gi")])
    c.run(2)
    c.delete("pv", "v")
    c.run(2)
    assert c.get("pv", "v")["metadata"].get("deletionTimestamp") and phase(c, "pvc", "c1") == "Bound"
    c.kubectl("""patch pv v --type=merge -p '{"metadata":{"finalizers":null}}'""")
    c.run(2)
    assert phase(c, "pvc", "c1") == "Lost"
    assert ("ClaimLost", "Bound claim has lost its PersistentVolume. Data on the volume is lost!") in events(c, "c1")


# --- dynamic provisioning and binding modes ------------------------------------------------------

def test_default_storage_class_and_kubectl_columns():
    """The cluster starts with a default StorageClass; a claim without a class gets it
    (storage-classes/#default-storageclass); kubectl get sc/pv/pvc columns."""
    c = Cluster(nodes=1)
    lines = c.kubectl("get sc").splitlines()
    assert lines[0].split() == ["NAME", "PROVISIONER", "RECLAIMPOLICY", "VOLUMEBINDINGMODE", "ALLOWVOLUMEEXPANSION",
                                "AGE"]
    assert lines[1].split()[:6] == ["standard", "(default)", "minik8s.io/hostpath", "Delete", "WaitForFirstConsumer",
                                    "false"]
    c.apply([pvc("auto", "1Gi", cls=None), user("u", "auto")])
    running(c, "u")
    assert c.get("pvc", "auto")["spec"]["storageClassName"] == "standard"
    row = c.kubectl("get pvc auto").splitlines()[1].split()
    assert row[:2] == ["auto", "Bound"] and row[3:6] == ["1Gi", "RWO", "standard"]
    row = c.kubectl("get pv").splitlines()[1].split()
    assert row[1:7] == ["1Gi", "RWO", "Delete", "Bound", "default/auto", "standard"]


def test_wait_for_first_consumer_binds_on_the_scheduled_node():
    """volumeBindingMode WaitForFirstConsumer delays binding and provisioning until a pod using
    the claim is scheduled; the volume is then made for that node
    (storage-classes/#volume-binding-mode)."""
    c = Cluster(nodes=3)
    c.apply(pvc("late", "1Gi", cls="standard"))
    c.run(5)
    assert phase(c, "pvc", "late") == "Pending"
    assert ("WaitForFirstConsumer", "waiting for first consumer to be created before binding") in events(c, "late")
    assert c.list("persistentvolumes") == []
    c.apply(user("consumer", "late", "echo here > /data/f; sleep 3600",
                 node_selector={"kubernetes.io/hostname": "node-3"}))
    running(c, "consumer")
    claim = c.get("pvc", "late")
    assert claim["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == "node-3"
    vol = c.get("pv", claim["spec"]["volumeName"])
    terms = vol["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"]
    assert terms == [{"matchExpressions": [{"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-3"]}]}]
    reasons = [r for r, _m in events(c, "late")]
    assert reasons.index("ExternalProvisioning") < reasons.index("ProvisioningSucceeded")
    # a later pod using the claim goes where the volume is (VolumeBinding filter)
    c.delete("pod", "consumer")
    gone(c, "consumer")
    c.apply(user("again", "late"))
    running(c, "again")
    assert c.get("pod", "again")["spec"]["nodeName"] == "node-3"
    assert c.exec("again", "cat /data/f") == "here\n"


def test_local_volume_node_affinity_places_the_pod():
    """A local PersistentVolume has nodeAffinity; the scheduler puts its pods on that node, and a
    pod that cannot go there is unschedulable (https://kubernetes.io/docs/concepts/storage/volumes/#local)."""
    c = Cluster(nodes=3)
    # the administrator's disk, mounted on node-2 only (a local volume's path must exist)
    c.kubelets["node-2"].volume_manager.node_root.entries["mnt"] = Dir()
    c.kubelets["node-2"].volume_manager.node_root.entries["mnt"].entries["disk"] = Dir()
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "local-storage"},
             "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "WaitForFirstConsumer"})
    affinity = {"required": {"nodeSelectorTerms": [{"matchExpressions": [
        {"key": "kubernetes.io/hostname", "operator": "In", "values": ["node-2"]}]}]}}
    c.apply([pv("local-pv", "1Gi", cls="local-storage", source={"local": {"path": "/mnt/disk"}}, nodeAffinity=affinity),
             pvc("local-claim", "1Gi", cls="local-storage"), user("placed", "local-claim", "echo local > /data/f; sleep 3600")])
    running(c, "placed")
    assert c.get("pod", "placed")["spec"]["nodeName"] == "node-2"
    assert bound_to(c, "local-claim") == "local-pv"
    assert c.kubelets["node-2"].volume_manager.node_root.entries["mnt"].entries["disk"].entries["f"].data == "local\n"
    c.apply(user("elsewhere", "local-claim", node_selector={"kubernetes.io/hostname": "node-1"}))
    c.run(5)
    msgs = [m for r, m in events(c, "elsewhere") if r == "FailedScheduling"]
    assert msgs and "node(s) had volume node affinity conflict" in msgs[-1]


def test_unbound_immediate_claim_and_missing_claim_block_scheduling():
    """The scheduler waits for Immediate claims to be bound, and for claims to exist."""
    c = Cluster(nodes=2)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "slow"},
             "provisioner": "kubernetes.io/no-provisioner", "volumeBindingMode": "Immediate"})
    c.apply([pvc("never", "1Gi", cls="slow"), user("stuck", "never"), user("orphan", "nope")])
    c.run(5)
    assert phase(c, "pod", "stuck") == "Pending" and phase(c, "pod", "orphan") == "Pending"
    stuck = [m for r, m in events(c, "stuck") if r == "FailedScheduling"]
    # a PreFilter rejection: its message replaces the per-node reasons
    assert stuck[-1] == ("0/2 nodes are available: pod has unbound immediate PersistentVolumeClaims. preemption: "
                         "0/2 nodes are available: 2 Preemption is not helpful for scheduling..")
    orphan = [m for r, m in events(c, "orphan") if r == "FailedScheduling"]
    assert orphan[-1].startswith('0/2 nodes are available: persistentvolumeclaim "nope" not found. preemption:')
    # a matching volume appears: the claim binds and the pod is scheduled
    c.apply(pv("late-pv", "1Gi", cls="slow"))
    running(c, "stuck", timeout=60)


def test_volume_expansion_needs_allow_volume_expansion():
    """A claim of a class with allowVolumeExpansion: true can grow: edit its request and the
    volume is resized (persistent-volumes/#expanding-persistent-volumes-claims)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "growable"},
             "provisioner": "minik8s.io/hostpath", "allowVolumeExpansion": True})
    c.apply(pvc("grow", "1Gi", cls="growable"))
    c.run_until(lambda c: phase(c, "pvc", "grow") == "Bound", timeout=30)
    assert c.kubectl("""patch pvc grow -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'""") == \
        "persistentvolumeclaim/grow patched\n"
    c.run(5)
    assert c.get("pv", bound_to(c, "grow"))["spec"]["capacity"]["storage"] == "2Gi"
    assert c.get("pvc", "grow")["status"]["capacity"]["storage"] == "2Gi"


def test_read_write_once_volume_multi_attach_error():
    """ReadWriteOnce: the volume can be mounted read-write by a single node; a pod on a second
    node waits with a Multi-Attach error until the first node lets go
    (persistent-volumes/#access-modes)."""
    c = Cluster(nodes=2)
    c.apply([pv("disk", "1Gi", ["ReadWriteOnce"]), pvc("data", "1Gi"),
             user("first", "data", "echo one > /data/f; sleep 3600", node_selector={"kubernetes.io/hostname": "node-1"})])
    running(c, "first")
    c.apply(user("second", "data", node_selector={"kubernetes.io/hostname": "node-2"}))
    c.run(10)
    assert phase(c, "pod", "second") == "Pending"
    assert ("FailedAttachVolume", 'Multi-Attach error for volume "disk" Volume is already used by pod(s) first') \
        in events(c, "second")
    c.delete("pod", "first")
    gone(c, "first")
    running(c, "second", timeout=180)
    assert c.exec("second", "cat /data/f") == "one\n"
    # ReadWriteMany volumes attach to many nodes at once
    c.apply([pv("shared", "1Gi", ["ReadWriteMany"]), pvc("many", "1Gi", ["ReadWriteMany"])])
    c.run(16)
    c.apply([user("m1", "many", node_selector={"kubernetes.io/hostname": "node-1"}),
             user("m2", "many", node_selector={"kubernetes.io/hostname": "node-2"})])
    running(c, "m1")
    running(c, "m2")


def test_a_claim_in_use_is_not_removed_until_its_pod_is_gone():
    """Storage Object in Use Protection: deleting a claim a pod uses leaves it Terminating (with
    the kubernetes.io/pvc-protection finalizer) until the pod is gone; a bound volume likewise
    (persistent-volumes/#storage-object-in-use-protection)."""
    c = Cluster(nodes=1)
    c.apply([pv("disk", "1Gi"), pvc("data", "1Gi"), user("app", "data")])
    running(c, "app")
    assert c.get("pvc", "data")["metadata"]["finalizers"] == ["kubernetes.io/pvc-protection"]
    assert c.get("pv", "disk")["metadata"]["finalizers"] == ["kubernetes.io/pv-protection"]
    c.delete("pvc", "data")
    c.run(5)
    claim = c.get("pvc", "data")
    assert claim["metadata"].get("deletionTimestamp") and claim["status"]["phase"] == "Bound"
    assert c.kubectl("get pvc data").splitlines()[1].split()[1] == "Terminating"
    c.delete("pod", "app")
    gone(c, "app")
    c.run(2)
    assert all(x["metadata"]["name"] != "data" for x in c.list("persistentvolumeclaims"))
    assert phase(c, "pv", "disk") == "Released"


def test_describe_provisioned_volume_shows_its_csi_source_and_node_affinity():
    """kubectl describe pv of a provisioned volume: CSI source (printCSIPersistentVolumeSource),
    the node it is pinned to, the provisioned-by annotation."""
    c = Cluster(nodes=1)
    c.apply([pvc("data", "1Gi", cls=None), user("u", "data")])
    running(c, "u")
    name = bound_to(c, "data")
    out = c.kubectl(f"describe pv {name}")
    assert "Annotations:       pv.kubernetes.io/provisioned-by: minik8s.io/hostpath\n" in out
    assert "    Term 0:        kubernetes.io/hostname in [node-1]\n" in out
    assert ("Source:\n    Type:              CSI (a Container Storage Interface (CSI) volume source)\n"
            "    Driver:            minik8s.io/hostpath\n    FSType:            ext4\n"
            f"    VolumeHandle:      {name}\n    ReadOnly:          false\n    VolumeAttributes:  <none>\n") in out


def test_only_an_expandable_class_lets_a_claim_grow():
    """PersistentVolumeClaimResize admission: a class without allowVolumeExpansion refuses a bigger
    request (persistent-volumes/#expanding-persistent-volumes-claims)."""
    c = Cluster(nodes=1)
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "fixed"},
             "provisioner": "minik8s.io/hostpath"})
    c.apply(pvc("fixed-size", "1Gi", cls="fixed"))
    c.run_until(lambda c: phase(c, "pvc", "fixed-size") == "Bound", timeout=30)
    out = c.kubectl("""patch pvc fixed-size -p '{"spec":{"resources":{"requests":{"storage":"2Gi"}}}}'""")
    assert out == ('Error from server (Forbidden): persistentvolumeclaims "fixed-size" is forbidden: only dynamically '
                   "provisioned pvc can be resized and the storageclass that provisions the pvc must support resize\n")


def test_read_only_claim_source():
    """persistentVolumeClaim.readOnly forces read-only mounts (volumes/#persistentvolumeclaim)."""
    c = Cluster(nodes=1)
    p = user("ro", "data")
    p["spec"]["volumes"][0]["persistentVolumeClaim"]["readOnly"] = True
    c.apply([pv("disk", "1Gi"), pvc("data", "1Gi"), p])
    running(c, "ro")
    assert "Read-only file system" in c.exec("ro", "sh -c 'echo x > /data/f'")
