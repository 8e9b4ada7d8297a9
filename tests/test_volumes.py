"""Pod volumes: where the data lives and when it dies (minik8s/kubelet/volumes.py).

Doc: https://kubernetes.io/docs/concepts/storage/volumes/ (emptyDir, hostPath, downwardAPI,
projected, subPath, readOnly) and https://kubernetes.io/docs/concepts/storage/persistent-volumes/.
Each lifetime rule is checked against container restart, pod deletion and node loss.
"""

from __future__ import annotations

import pytest

from minik8s import Cluster
from minik8s.errors import ApiError
from minik8s.runtime import Dir, File
from minik8s.kubelet.volume_sources import MountError, config_files, downward_value, hostpath_check


def pod(name, containers, volumes, node=None, labels=None):
    spec = {"containers": containers, "volumes": volumes, "terminationGracePeriodSeconds": 0}
    if node:
        spec["nodeName"] = node
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": spec}


def box(name, script, mounts):
    return {"name": name, "image": "busybox", "command": ["sh", "-c", script], "volumeMounts": mounts}


def phase(c, name):
    return (c.get("pod", name).get("status") or {}).get("phase")


def running(c, name):
    def ok(c):
        try:
            return phase(c, name) == "Running" and all(
                s.get("ready") for s in c.get("pod", name)["status"].get("containerStatuses") or [])
        except ApiError as e:
            if e.code != 404:
                raise
            return False
    c.run_until(ok, timeout=120, what=f"{name} running")


def delete_and_wait(c, name):
    c.delete("pod", name)
    c.run_until(lambda c: not c.list("pods", selector=f"app={name}") or all(
        p["metadata"]["name"] != name for p in c.list("pods")), timeout=120)


def events(c, name):
    return [(e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == name]


# --- emptyDir ---------------------------------------------------------------------------------

def test_emptydir_is_shared_by_the_pods_containers():
    """https://kubernetes.io/docs/concepts/storage/volumes/#emptydir: all containers in the Pod
    can read and write the same files in the emptyDir volume."""
    c = Cluster(nodes=1)
    c.apply(pod("share", [box("writer", "echo from-writer > /out/msg; sleep 3600", [{"name": "x", "mountPath": "/out"}]),
                          box("reader", "sleep 3600", [{"name": "x", "mountPath": "/in"}])],
                [{"name": "x", "emptyDir": {}}]))
    running(c, "share")
    assert c.exec("share", "cat /in/msg", container="reader") == "from-writer\n"


def test_emptydir_survives_a_container_restart():
    """A container crashing does not remove a Pod from a node: emptyDir data is safe across
    container crashes (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir)."""
    c = Cluster(nodes=1)
    script = "if [ -f /cache/seen ]; then echo again; sleep 3600; else touch /cache/seen; echo first; exit 1; fi"
    c.apply(pod("crash", [box("app", script, [{"name": "cache", "mountPath": "/cache"}])],
                [{"name": "cache", "emptyDir": {}}]))
    c.run_until(lambda c: c.get("pod", "crash")["status"]["containerStatuses"][0]["restartCount"] == 1, timeout=60)
    running(c, "crash")
    c.run(1)
    assert c.logs("crash") == "again\n"          # the second run found the first run's file


def test_emptydir_is_deleted_with_the_pod():
    """When a Pod is removed from a node, the data in the emptyDir is deleted permanently."""
    c = Cluster(nodes=1)
    p = pod("scratch", [box("app", "sleep 3600", [{"name": "x", "mountPath": "/x"}])], [{"name": "x", "emptyDir": {}}])
    c.apply(p)
    running(c, "scratch")
    c.exec("scratch", "sh -c 'echo data > /x/f'")
    delete_and_wait(c, "scratch")
    c.apply(p)
    running(c, "scratch")
    assert c.exec("scratch", "ls /x") == ""


def test_emptydir_medium_memory_counts_against_the_writer_memory():
    """medium: Memory mounts a tmpfs; files you write count against the container's memory limit
    (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir)."""
    c = Cluster(nodes=1)
    c.apply(pod("ram", [box("app", "sleep 3600", [{"name": "m", "mountPath": "/m"}, {"name": "d", "mountPath": "/d"}])],
                [{"name": "m", "emptyDir": {"medium": "Memory"}}, {"name": "d", "emptyDir": {}}]))
    running(c, "ram")
    kl = c.kubelets["node-1"]
    uid = c.get("pod", "ram")["metadata"]["uid"]
    cid = kl.workers["default/ram"].containers["app"].cid
    before = kl.runtime.stats(cid)["memory"]
    c.exec("ram", "sh -c 'echo 0123456789012345678901234567890123456789 > /d/f'")
    assert kl.runtime.stats(cid)["memory"] == before           # disk-backed: not memory
    c.exec("ram", "sh -c 'echo 0123456789012345678901234567890123456789 > /m/f'")
    assert kl.runtime.stats(cid)["memory"] > before            # tmpfs: the writer's memory
    assert kl.volume_manager.pods[uid].dirs["m"].tmpfs


def test_subpath_and_readonly_mounts():
    """volumeMounts.subPath mounts one entry of the volume; readOnly mounts refuse writes
    (https://kubernetes.io/docs/concepts/storage/volumes/#using-subpath)."""
    c = Cluster(nodes=1)
    c.apply(pod("sub", [box("a", "mkdir -p /all/html; echo page > /all/html/index.html; sleep 3600",
                            [{"name": "site", "mountPath": "/all"}]),
                        box("b", "sleep 3600", [{"name": "site", "mountPath": "/srv", "subPath": "html"},
                                                {"name": "site", "mountPath": "/ro", "readOnly": True}])],
                [{"name": "site", "emptyDir": {}}]))
    running(c, "sub")
    c.run(1)
    assert c.exec("sub", "cat /srv/index.html", container="b") == "page\n"
    assert "Read-only file system" in c.exec("sub", "sh -c 'echo x > /ro/f'", container="b")
    c.exec("sub", "sh -c 'echo more > /srv/other'", container="b")
    assert c.exec("sub", "cat /all/html/other", container="a") == "more\n"


# --- hostPath ---------------------------------------------------------------------------------

def test_hostpath_outlives_the_pod_and_is_shared_on_one_node_only():
    """A hostPath volume mounts a file or directory from the host node's filesystem: its data
    survives the pod and is seen by other pods on the same node, not on another node
    (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath)."""
    c = Cluster(nodes=2)
    vol = [{"name": "h", "hostPath": {"path": "/var/local/data", "type": "DirectoryOrCreate"}}]
    c.apply(pod("w", [box("app", "echo kept > /h/f; sleep 3600", [{"name": "h", "mountPath": "/h"}])], vol, node="node-1"))
    running(c, "w")
    delete_and_wait(c, "w")
    c.apply(pod("same-node", [box("app", "sleep 3600", [{"name": "h", "mountPath": "/h"}])], vol, node="node-1"))
    c.apply(pod("other-node", [box("app", "sleep 3600", [{"name": "h", "mountPath": "/h"}])], vol, node="node-2"))
    running(c, "same-node")
    running(c, "other-node")
    assert c.exec("same-node", "cat /h/f") == "kept\n"
    assert c.exec("other-node", "ls /h") == ""
    node_dir = c.kubelets["node-1"].volume_manager.node_root.entries["var"].entries["local"].entries["data"]
    assert node_dir.entries["f"].data == "kept\n"


def test_hostpath_type_checks():
    """type Directory requires an existing directory: the pod waits in ContainerCreating with a
    FailedMount event; DirectoryOrCreate creates it with 0755
    (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath-volume-types)."""
    c = Cluster(nodes=1)
    c.apply(pod("strict", [box("app", "sleep 3600", [{"name": "h", "mountPath": "/h"}])],
                [{"name": "h", "hostPath": {"path": "/srv/missing", "type": "Directory"}}]))
    c.run(20)
    assert "ContainerCreating" in c.kubectl("get pod strict")
    assert ("FailedMount", 'MountVolume.SetUp failed for volume "h" : hostPath type check failed: '
                           '/srv/missing is not a directory') in events(c, "strict")
    root = Dir()
    d = hostpath_check(root, "/a/b", "DirectoryOrCreate")
    assert isinstance(d, Dir) and d.mode == 0o755
    f = hostpath_check(root, "/a/lock", "FileOrCreate")
    assert isinstance(f, File)
    with pytest.raises(MountError, match="is not a directory"):
        hostpath_check(root, "/a/lock", "Directory")
    with pytest.raises(MountError, match="is not a file"):
        hostpath_check(root, "/a/b", "File")


# --- node loss --------------------------------------------------------------------------------

def test_node_loss_emptydir_and_hostpath_stay_behind_network_pv_follows():
    """When a node is lost, its pods are replaced elsewhere (taint-based eviction after 300 s):
    the replacement starts with an empty emptyDir and the new node's hostPath, while a network
    PersistentVolume keeps its data
    (https://kubernetes.io/docs/concepts/storage/volumes/, .../persistent-volumes/)."""
    c = Cluster(nodes=2)
    c.apply("""
apiVersion: v1
kind: PersistentVolume
metadata: {name: nfs-pv}
spec:
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteMany]
  storageClassName: ""
  nfs: {server: nfs.example.com, path: /exports}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: shared}
spec:
  storageClassName: ""
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: app}
spec:
  replicas: 1
  selector: {matchLabels: {app: app}}
  template:
    metadata: {labels: {app: app}}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: c
        image: busybox
        command: ["sh", "-c", "sleep 36000"]
        volumeMounts:
        - {name: e, mountPath: /e}
        - {name: h, mountPath: /h}
        - {name: p, mountPath: /p}
      volumes:
      - {name: e, emptyDir: {}}
      - {name: h, hostPath: {path: /data, type: DirectoryOrCreate}}
      - {name: p, persistentVolumeClaim: {claimName: shared}}
""")

    def one_running(c):
        pods = [p for p in c.list("pods", selector="app=app") if not p["metadata"].get("deletionTimestamp")
                and (p.get("status") or {}).get("phase") == "Running"]
        return pods[0] if len(pods) == 1 else None
    c.run_until(one_running, timeout=120)
    first = one_running(c)
    name, node = first["metadata"]["name"], first["spec"]["nodeName"]
    c.exec(name, "sh -c 'echo e > /e/f; echo h > /h/f; echo p > /p/f'")
    c.stop("kubelet", node=node)
    c.run_until(lambda c: one_running(c) is not None and one_running(c)["metadata"]["name"] != name, timeout=900)
    second = one_running(c)
    assert second["spec"]["nodeName"] != node
    new = second["metadata"]["name"]
    assert c.exec(new, "ls /e") == ""
    assert c.exec(new, "ls /h") == ""
    assert c.exec(new, "cat /p/f") == "p\n"


# --- downwardAPI and projected ----------------------------------------------------------------

def test_downward_api_volume_files_and_label_updates():
    """downwardAPI volume: labels as key="value" lines; a label change reaches the file
    (https://kubernetes.io/docs/concepts/workloads/pods/downward-api/,
    https://kubernetes.io/docs/tasks/inject-data-application/downward-api-volume-expose-pod-information/)."""
    c = Cluster(nodes=1)
    p = pod("dapi", [box("app", "sleep 3600", [{"name": "info", "mountPath": "/etc/podinfo"}])],
            [{"name": "info", "downwardAPI": {"items": [
                {"path": "labels", "fieldRef": {"fieldPath": "metadata.labels"}},
                {"path": "name", "fieldRef": {"fieldPath": "metadata.name"}}]}}],
            labels={"app": "dapi", "zone": "us-est-coast"})
    c.apply(p)
    running(c, "dapi")
    assert c.exec("dapi", "cat /etc/podinfo/labels") == 'app="dapi"\nzone="us-est-coast"'
    assert c.exec("dapi", "cat /etc/podinfo/name") == "dapi"
    c.kubectl("label pod dapi tier=web")
    c.run(90)
    assert 'tier="web"' in c.exec("dapi", "cat /etc/podinfo/labels")


def test_projected_volume_combines_sources():
    """A projected volume maps configMap, secret and downwardAPI sources into one directory
    (https://kubernetes.io/docs/concepts/storage/projected-volumes/)."""
    c = Cluster(nodes=1)
    c.kubectl("create configmap cfg --from-literal=mode=fast")
    c.kubectl("create secret generic creds --from-literal=user=admin")
    c.apply(pod("proj", [box("app", "sleep 3600", [{"name": "all", "mountPath": "/projected", "readOnly": True}])],
                [{"name": "all", "projected": {"sources": [
                    {"configMap": {"name": "cfg", "items": [{"key": "mode", "path": "config/mode"}]}},
                    {"secret": {"name": "creds"}},
                    {"downwardAPI": {"items": [{"path": "ns", "fieldRef": {"fieldPath": "metadata.namespace"}}]}}]}}]))
    running(c, "proj")
    assert c.exec("proj", "cat /projected/config/mode") == "fast"
    assert c.exec("proj", "cat /projected/user") == "admin"
    assert c.exec("proj", "cat /projected/ns") == "default"


def test_pure_helpers():
    """items pick keys and paths, mode/defaultMode set permissions (default 0644); labels are sorted."""
    files = config_files({"a": "1", "b": "2"}, None, None, False, "configmap", "x")
    assert files == {"a": ("1", 0o644), "b": ("2", 0o644)}
    files = config_files({"a": "1", "b": "2"}, [{"key": "b", "path": "dir/b.txt", "mode": 0o400}], 0o444,
                         False, "configmap", "x")
    assert files == {"dir/b.txt": ("2", 0o400)}
    with pytest.raises(MountError, match="non-existent config key: zz"):
        config_files({"a": "1"}, [{"key": "zz", "path": "z"}], None, False, "configmap", "x")
    assert config_files({"a": "1"}, [{"key": "zz", "path": "z"}], None, True, "configmap", "x") == {}
    p = {"metadata": {"name": "n", "labels": {"b": "2", "a": "1"}}, "spec": {"containers": [
        {"name": "c", "resources": {"limits": {"memory": "64Mi", "cpu": "500m"}}}]}}
    assert downward_value(p, {"fieldRef": {"fieldPath": "metadata.labels"}}) == 'a="1"\nb="2"'
    assert downward_value(p, {"resourceFieldRef": {"containerName": "c", "resource": "limits.memory",
                                                   "divisor": "1Mi"}}) == "64"
    assert downward_value(p, {"resourceFieldRef": {"containerName": "c", "resource": "limits.cpu",
                                                   "divisor": "1m"}}) == "500"


def test_emptydir_size_limit_evicts_the_pod():
    """An emptyDir with sizeLimit: when its usage exceeds the limit the kubelet evicts the pod
    (https://kubernetes.io/docs/concepts/storage/volumes/#emptydir-configuration-example,
    https://kubernetes.io/docs/concepts/scheduling-eviction/node-pressure-eviction/)."""
    c = Cluster(nodes=1)
    c.apply(pod("filler", [box("app", "sleep 3600", [{"name": "cache", "mountPath": "/cache"}])],
                [{"name": "cache", "emptyDir": {"sizeLimit": "1k"}}]))
    running(c, "filler")
    c.exec("filler", "sh -c 'echo small > /cache/a'")
    c.run(20)
    assert phase(c, "filler") == "Running"
    c.exec("filler", "sh -c 'for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16 17 18 19 20; do "
                     "echo 0123456789012345678901234567890123456789012345678901234567890123 >> /cache/big; done'")
    c.run(11)
    st = c.get("pod", "filler")["status"]
    assert (st["phase"], st["reason"]) == ("Failed", "Evicted")
    assert st["message"] == 'Usage of EmptyDir volume "cache" exceeds the limit "1k". '
    assert ("Evicted", st["message"]) in events(c, "filler")
