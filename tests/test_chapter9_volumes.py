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
from minik8s.api.persistentvolume import access_mode_groups, find_best_match


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


def test_emptydir_survives_container_restarts_not_the_pod():
    """"A container crashing does not remove a Pod from a node. The data in an emptyDir volume is
    safe across container crashes"; when the Pod is removed "the data in the emptyDir is deleted
    permanently" (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir). The chapter's
    counter: one line per start."""
    c = Cluster(nodes=1, seed=0)
    counter = _busybox_pod("counter", [{"name": "data", "emptyDir": {}}],
                           script="date >> /data/starts; cat /data/starts; sleep 10; exit 1")
    c.apply(counter)
    c.run(40)
    assert len(c.logs("counter").splitlines()) == 3
    c.delete("pod", "counter")
    c.run_until(lambda c: not c.list("pods"), timeout=60)
    c.apply(counter)
    _running(c, "counter")
    assert len(c.logs("counter").splitlines()) == 1


def test_hostpath_is_shared_on_one_node_only():
    """hostPath mounts a file or directory of the node: Pods on the same node see the same files,
    Pods elsewhere another directory (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)."""
    c = Cluster(nodes=2, seed=0)
    vol = [{"name": "host", "hostPath": {"path": "/var/lib/demo", "type": "DirectoryOrCreate"}}]
    c.apply(_busybox_pod("a", vol, script="echo a >> /host/notes; sleep 3600", mount="/host", node="node-1"))
    _running(c, "a")
    c.delete("pod", "a")
    c.run_until(lambda c: not c.list("pods"), timeout=60)
    c.apply(_busybox_pod("b", vol, mount="/host", node="node-1"))
    c.apply(_busybox_pod("other", vol, mount="/host", node="node-2"))
    _running(c, "b")
    _running(c, "other")
    assert c.exec("b", "cat /host/notes") == "a\n"
    assert "No such file" in c.exec("other", "cat /host/notes")


def test_configmap_update_reaches_files_not_env():
    """Mounted ConfigMaps are updated automatically (at the kubelet's periodic sync, --sync-frequency
    1m by default); "ConfigMaps consumed as environment variables are not updated automatically and
    require a pod restart"; configMap volumes are read-only
    (https://kubernetes.io/docs/concepts/configuration/configmap/#mounted-configmaps-are-updated-automatically,
    https://kubernetes.io/docs/reference/command-line-tools-reference/kubelet/)."""
    from minik8s.kubelet.volumes import SYNC_FREQUENCY
    assert SYNC_FREQUENCY == 60.0
    c = Cluster(nodes=1, seed=0)
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "app-config"}, "data": {"greeting": "hello"}})
    pod = _busybox_pod("configured", [{"name": "config", "configMap": {"name": "app-config"}}], mount="/etc/app")
    pod["spec"]["containers"][0]["env"] = [{"name": "GREETING", "valueFrom": {
        "configMapKeyRef": {"name": "app-config", "key": "greeting"}}}]
    c.apply(pod)
    _running(c, "configured")
    c.kubectl("""patch configmap app-config -p '{"data":{"greeting":"bonjour"}}'""")
    c.run(SYNC_FREQUENCY + 10)
    assert c.exec("configured", "sh -c 'echo $(cat /etc/app/greeting) $GREETING'") == "bonjour hello\n"
    assert "Read-only file system" in c.exec("configured", "sh -c 'echo x > /etc/app/greeting'")


# --- PersistentVolumes and claims ---------------------------------------------------------------

def test_claim_binder_resync_period_is_15_seconds():
    """kube-controller-manager --pvclaimbinder-sync-period defaults to 15s: pending claims are
    looked at again that often (https://kubernetes.io/docs/reference/command-line-tools-reference/kube-controller-manager/)."""
    from minik8s.params import PV_RESYNC_PERIOD
    assert PV_RESYNC_PERIOD == 15.0


def test_the_exercise_cases_bind_in_a_live_cluster_as_the_matcher_says():
    """Exercise 9 question 1 compares the student's function with find_best_match; here the
    PV controller of a live cluster binds each of those claims (those that need no pre-set phase)
    to the volume find_best_match names (persistent-volumes/#binding)."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "ch9_checks", Path(__file__).resolve().parent.parent / "exercises" / "ch9-volumes" / "checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    tried = 0
    for what, claim, volumes, _public in checks.CASES:
        if any(v["status"]["phase"] != "Available" or v["spec"].get("claimRef") for v in volumes):
            continue
        expected = find_best_match(claim, volumes)
        c = Cluster(nodes=1, seed=0)
        for v in volumes:
            v = {k: v[k] for k in ("apiVersion", "kind", "metadata", "spec")}
            c.apply(v)
        c.run(1)
        c.apply({"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "data"},
                 "spec": claim["spec"]})
        c.run(2)
        got = c.get("pvc", "data")["spec"].get("volumeName")
        assert got == _name(expected), what
        tried += 1
    assert tried >= 8


PVS = """
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-small}
spec: {storageClassName: manual, capacity: {storage: 1Gi}, accessModes: [ReadWriteOnce],
       persistentVolumeReclaimPolicy: Retain, hostPath: {path: /mnt/pv-small}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-medium}
spec: {storageClassName: manual, capacity: {storage: 5Gi}, accessModes: [ReadWriteOnce],
       persistentVolumeReclaimPolicy: Retain, hostPath: {path: /mnt/pv-medium}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-ssd, labels: {disk: ssd}}
spec: {storageClassName: manual, capacity: {storage: 8Gi}, accessModes: [ReadWriteOnce],
       persistentVolumeReclaimPolicy: Retain, hostPath: {path: /mnt/pv-ssd}}
---
apiVersion: v1
kind: PersistentVolume
metadata: {name: pv-nfs}
spec: {storageClassName: manual, capacity: {storage: 20Gi}, accessModes: [ReadWriteOnce, ReadWriteMany],
       persistentVolumeReclaimPolicy: Retain, nfs: {server: nfs.example.com, path: /exports/shared}}
"""


def _claim_doc(name, size, modes="[ReadWriteOnce]", cls="manual", extra=""):
    return (f"apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {{name: {name}}}\n"
            f"spec: {{storageClassName: {cls}, accessModes: {modes}, resources: {{requests: {{storage: {size}}}}}{extra}}}\n")


def test_the_chapters_four_claims():
    """The chapter's binding story: 3Gi -> the 5Gi volume (smallest that fits), a selector -> the
    ssd volume, ReadWriteMany -> the NFS volume, 50Gi -> Pending with ProvisioningFailed because the
    class manual has no StorageClass object (persistent-volumes/#binding; pv_controller.go
    provisionClaim: 'storageclass.storage.k8s.io "manual" not found')."""
    c = Cluster(nodes=1, seed=0)
    c.kubectl("apply -f -", stdin=PVS)
    c.run(1)
    c.kubectl("apply -f -", stdin="---\n".join([
        _claim_doc("data", "3Gi"), _claim_doc("fast", "2Gi", extra=", selector: {matchLabels: {disk: ssd}}"),
        _claim_doc("shared", "1Gi", modes="[ReadWriteMany]"), _claim_doc("huge", "50Gi")]))
    c.run(3)
    bound = {n: c.get("pvc", n)["spec"].get("volumeName") for n in ("data", "fast", "shared", "huge")}
    assert bound == {"data": "pv-medium", "fast": "pv-ssd", "shared": "pv-nfs", "huge": None}
    assert c.get("pvc", "data")["status"]["capacity"] == {"storage": "5Gi"}     # the whole volume
    assert c.get("pvc", "huge")["status"]["phase"] == "Pending"
    events = [(e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == "huge"]
    assert ("ProvisioningFailed", 'storageclass.storage.k8s.io "manual" not found') in events


def test_default_class_and_binding_modes():
    """The default StorageClass (standard: WaitForFirstConsumer, Delete); an Immediate class binds
    at once, a WaitForFirstConsumer claim waits ("waiting for first consumer to be created before
    binding") and is provisioned on the scheduled node
    (https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode,
    #default-storageclass; reclaimPolicy defaults to Delete, volumeBindingMode to Immediate)."""
    c = Cluster(nodes=2, seed=0)
    row = c.kubectl("get storageclass").splitlines()[1].split()
    assert row[:5] == ["standard", "(default)", "minik8s.io/hostpath", "Delete", "WaitForFirstConsumer"]
    c.apply({"apiVersion": "storage.k8s.io/v1", "kind": "StorageClass", "metadata": {"name": "now"},
             "provisioner": "minik8s.io/hostpath"})
    sc = c.get("storageclass", "now")
    assert (sc["reclaimPolicy"], sc["volumeBindingMode"]) == ("Delete", "Immediate")
    c.kubectl("apply -f -", stdin=_claim_doc("early", "1Gi", cls="now"))
    c.kubectl("apply -f -", stdin="apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: notes}\n"
                                  "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n")
    c.run(5)
    assert c.get("pvc", "early")["status"]["phase"] == "Bound"
    notes = c.get("pvc", "notes")
    assert notes["spec"]["storageClassName"] == "standard" and notes["status"]["phase"] == "Pending"
    assert ("WaitForFirstConsumer", "waiting for first consumer to be created before binding") in [
        (e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == "notes"]
    c.apply(_busybox_pod("user", [{"name": "data", "persistentVolumeClaim": {"claimName": "notes"}}]))
    _running(c, "user")
    notes = c.get("pvc", "notes")
    node = c.get("pod", "user")["spec"]["nodeName"]
    assert notes["metadata"]["annotations"]["volume.kubernetes.io/selected-node"] == node
    pv = c.get("pv", notes["spec"]["volumeName"])
    assert pv["metadata"]["name"] == "pvc-" + notes["metadata"]["uid"]
    assert pv["spec"]["nodeAffinity"]["required"]["nodeSelectorTerms"][0]["matchExpressions"][0]["values"] == [node]
    assert pv["spec"]["persistentVolumeReclaimPolicy"] == "Delete"


def test_data_on_a_claim_survives_a_recreated_pod():
    """A PersistentVolume's data outlives the Pods using it (persistent-volumes/#introduction):
    the chapter's counter keeps counting across a deleted and re-created Pod."""
    c = Cluster(nodes=2, seed=0)
    c.kubectl("apply -f -", stdin="apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: notes}\n"
                                  "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n")
    counter = _busybox_pod("counter", [{"name": "data", "persistentVolumeClaim": {"claimName": "notes"}}],
                           script="date >> /data/starts; cat /data/starts; sleep 10; exit 1")
    c.apply(counter)
    c.run(45)
    before = len(c.logs("counter").splitlines())
    assert before >= 2
    c.delete("pod", "counter")
    c.run_until(lambda c: not c.list("pods"), timeout=60)
    c.apply(counter)
    _running(c, "counter")
    assert len(c.logs("counter").splitlines()) == before + 1


def test_reclaim_policies_and_in_use_protection():
    """After `kubectl delete pvc`: Retain -> Released, still naming its claim; a provisioned Delete
    volume -> deleted; a hand-made nfs volume with Delete -> Failed (no deletable plugin,
    VolumeFailedDelete); a claim a Pod uses -> Terminating, its volume still Bound
    (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming,
    #storage-object-in-use-protection). Exercise 9 question 4 asks exactly this."""
    import importlib.util
    from pathlib import Path
    spec = importlib.util.spec_from_file_location(
        "ch9_checks", Path(__file__).resolve().parent.parent / "exercises" / "ch9-volumes" / "checks.py")
    checks = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(checks)
    assert checks.q4_actual() == {"keep": "Released", "legacy": "Failed", "busy": "Bound", "scratch": "gone"}
    c = Cluster(nodes=1, seed=0)
    c.apply(checks.Q4_SETUP)
    c.run(10)
    c.kubectl("delete pvc c-keep c-legacy c-busy")
    c.run(10)
    assert c.kubectl("get pv keep --no-headers").split()[4:6] == ["Released", "default/c-keep"]
    legacy = c.get("pv", "legacy")
    assert legacy["status"]["phase"] == "Failed"
    assert ("VolumeFailedDelete", legacy["status"]["message"]) in [
        (e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == "legacy"]
    assert "no deletable volume plugin matched" in legacy["status"]["message"]
    assert c.kubectl("get pvc c-busy --no-headers").split()[1] == "Terminating"
    assert c.get("pv", "busy")["status"]["phase"] == "Bound"


def test_statefulset_claims_are_stable_and_kept_on_scale_down():
    """volumeClaimTemplates: the claim of template data for Pod db-1 is data-db-1; scaling down
    keeps the claims (persistentVolumeClaimRetentionPolicy whenScaled defaults to Retain), and the
    re-created Pod gets its data back
    (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage,
    #persistentvolumeclaim-retention)."""
    from minik8s.controllers.statefulset import claim_name
    assert claim_name("data", "db", 1) == "data-db-1"
    c = Cluster(nodes=2, seed=0)
    c.apply({"apiVersion": "apps/v1", "kind": "StatefulSet", "metadata": {"name": "db"}, "spec": {
        "serviceName": "db", "replicas": 3, "selector": {"matchLabels": {"app": "db"}},
        "template": {"metadata": {"labels": {"app": "db"}}, "spec": {
            "terminationGracePeriodSeconds": 1,
            "containers": [{"name": "db", "image": "busybox:1.36",
                            "command": ["sh", "-c", "hostname >> /var/lib/db/owners; sleep 3600"],
                            "volumeMounts": [{"name": "data", "mountPath": "/var/lib/db"}]}]}},
        "volumeClaimTemplates": [{"metadata": {"name": "data"}, "spec": {
            "accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}}]}})
    c.run(20)
    claims = sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims"))
    assert claims == ["data-db-0", "data-db-1", "data-db-2"]
    c.kubectl("scale statefulset db --replicas=1")
    c.run(20)
    assert sorted(p["metadata"]["name"] for p in c.list("pods")) == ["db-0"]
    assert sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims")) == claims
    c.kubectl("scale statefulset db --replicas=3")
    c.run(20)
    assert {f"db-{i}": c.exec(f"db-{i}", "cat /var/lib/db/owners").split() for i in range(3)} == {
        "db-0": ["db-0"], "db-1": ["db-1", "db-1"], "db-2": ["db-2", "db-2"]}


def test_self_check_question_2():
    """The chapter's self-check: a 2.5Gi RWO claim gets b (4Gi RWO), not the smaller c (3Gi RWO+RWX),
    and a 1Gi RWX claim gets c (index.go: findByClaim tries the fewest access modes first)."""
    vols = [_pv("a", "2Gi", cls="fast"), _pv("b", "4Gi", cls="fast"),
            _pv("c", "3Gi", ["ReadWriteOnce", "ReadWriteMany"], cls="fast")]
    assert _name(find_best_match(_pvc("x", "2560Mi", cls="fast"), vols)) == "b"
    assert _name(find_best_match(_pvc("y", "1Gi", ["ReadWriteMany"], cls="fast"), vols)) == "c"


def test_emptydir_size_limit_evicts():
    """emptyDir sizeLimit: a Pod whose emptyDir holds more is evicted by the kubelet
    (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir-configuration-example), as the
    chapter's Try it asks; the check runs at the eviction manager's 10 s monitoring interval
    (pkg/kubelet/kubelet.go: evictionMonitoringPeriod = 10s; node-pressure-eviction: "the kubelet
    evaluates eviction thresholds based on its configured housekeeping-interval, which defaults to
    10s", https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/)."""
    from minik8s.kubelet.volumes import LIMIT_CHECK_PERIOD
    assert LIMIT_CHECK_PERIOD == 10.0
    c = Cluster(nodes=1, seed=0)
    c.apply(_busybox_pod("filler", [{"name": "data", "emptyDir": {"sizeLimit": "1Ki"}}],
                         script="i=0; while [ $i -lt 100 ]; do echo 0123456789012345678901234567890123456789 "
                                ">> /data/big; i=$((i+1)); done; sleep 3600"))
    c.run(12)
    st = c.get("pod", "filler")["status"]
    assert (st["phase"], st["reason"]) == ("Failed", "Evicted")
    assert st["message"].startswith('Usage of EmptyDir volume "data" exceeds the limit "1Ki".')


def test_storage_diagram_draws_the_chain_from_the_live_cluster():
    """The chapter's picture: Pod -> PVC -> PV -> StorageClass, read from the objects (a claim's
    spec.volumeName, a pod's persistentVolumeClaim.claimName, storageClassName), rendered as SVG;
    the same cluster gives the same picture."""
    from minik8s.viz import storage_diagram
    c = Cluster(nodes=1, seed=0)
    c.kubectl("apply -f -", stdin=PVS)
    c.kubectl("apply -f -", stdin=_claim_doc("huge", "50Gi"))
    c.kubectl("apply -f -", stdin="apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: notes}\n"
                                  "spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}\n")
    c.apply(_busybox_pod("user", [{"name": "data", "persistentVolumeClaim": {"claimName": "notes"}}]))
    _running(c, "user")
    d = storage_diagram(c)
    src = d.source
    volume = c.get("pvc", "notes")["spec"]["volumeName"].replace("-", "_")
    assert "pod_default_user -> pvc_default_notes" in src
    assert f"pvc_default_notes -> pv_{volume} [label=bound]" in src
    assert f"pv_{volume} -> sc_standard" in src
    assert "pv_pv_small -> sc_manual" in src and "(no StorageClass object)" in src
    assert "pvc_default_huge -> sc_manual" in src and "50Gi Pending" in src
    assert d.svg().startswith("<svg")
    assert storage_diagram(c).source == src
