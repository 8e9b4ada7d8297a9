"""Checks for the chapter 9 exercise (Volumes and storage), run by the otter tests of
`ch9-volumes.ipynb` through `minik8s.grading.run_check`.

Each function gets the student's answer (a value, or for a function answer a proxy that calls the
student's function in its own process) and returns a JSON report of what a fresh, seeded minik8s
cluster did, or what minik8s's own code decides. Nothing here runs in the student's process;
expected values are what minik8s does, never constants typed in here.
"""

from minik8s import Cluster, ApiError
from minik8s.storage.pv_controller import find_best_match

SEED = 0


def _apply(c, manifest):
    """Apply the student's manifest; an error becomes the report's `error`, worded as kubectl would."""
    if not isinstance(manifest, str) or not manifest.strip():
        return "the answer must be a YAML manifest in a string"
    try:
        c.apply(manifest)
    except ApiError as e:
        return f"applying your manifest failed: {e}"
    except Exception as e:      # YAML syntax and the like
        return f"applying your manifest failed: {type(e).__name__}: {e}"
    return None


def _phase(c, kind, name):
    try:
        return (c.get(kind, name).get("status") or {}).get("phase")
    except ApiError:
        return None


def _pod_names(c):
    return sorted(p["metadata"]["name"] for p in c.list("pods"))


def _wait_running(c, name, timeout=120):
    try:
        c.run_until(lambda c: _phase(c, "pod", name) == "Running", timeout=timeout)
    except Exception:
        return False
    c.run(1)
    return True


# --- q1: the binder's choice --------------------------------------------------------------------

def _pv(name, size, modes=("ReadWriteOnce",), cls="manual", phase="Available", labels=None,
        claim=None, mode=None, policy="Retain"):
    spec = {"capacity": {"storage": size}, "accessModes": list(modes),
            "persistentVolumeReclaimPolicy": policy, "volumeMode": mode or "Filesystem",
            "nfs": {"server": "nfs.example.com", "path": "/exports/" + name}}
    if cls is not None:
        spec["storageClassName"] = cls
    if claim:
        spec["claimRef"] = {"kind": "PersistentVolumeClaim", "namespace": "default", "name": claim,
                            "uid": "uid-" + claim}
    return {"apiVersion": "v1", "kind": "PersistentVolume",
            "metadata": {"name": name, "labels": dict(labels or {})}, "spec": spec, "status": {"phase": phase}}


def _claim(size, modes=("ReadWriteOnce",), cls="manual", selector=None, mode=None, name="data"):
    spec = {"accessModes": list(modes), "resources": {"requests": {"storage": size}},
            "volumeMode": mode or "Filesystem", "storageClassName": cls}
    if selector:
        spec["selector"] = {"matchLabels": dict(selector)}
    return {"apiVersion": "v1", "kind": "PersistentVolumeClaim",
            "metadata": {"name": name, "namespace": "default", "uid": "uid-" + name}, "spec": spec,
            "status": {"phase": "Pending"}}


RWO, ROX, RWX = "ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany"

CASES = [  # (what it tests, claim, volumes, public)
    ("the smallest volume that is big enough",
     _claim("3Gi"), [_pv("pv-1g", "1Gi"), _pv("pv-10g", "10Gi"), _pv("pv-5g", "5Gi")], True),
    ("the claim's storageClassName",
     _claim("1Gi", cls="slow"), [_pv("fast-1g", "1Gi", cls="fast"), _pv("slow-4g", "4Gi", cls="slow")], True),
    ("every requested access mode",
     _claim("1Gi", modes=[RWX]), [_pv("rwo-1g", "1Gi"), _pv("rwx-8g", "8Gi", modes=[RWO, RWX])], True),
    ("nothing is big enough",
     _claim("50Gi"), [_pv("pv-10g", "10Gi"), _pv("pv-20g", "20Gi")], True),
    ("the claim's selector (matchLabels)",
     _claim("1Gi", selector={"disk": "ssd"}),
     [_pv("hdd-1g", "1Gi", labels={"disk": "hdd"}), _pv("ssd-6g", "6Gi", labels={"disk": "ssd", "zone": "a"}),
      _pv("plain-2g", "2Gi")], False),
    ("volumes already Bound or Released are not candidates",
     _claim("1Gi"), [_pv("bound-1g", "1Gi", phase="Bound", claim="other"),
                     _pv("released-2g", "2Gi", phase="Released", claim="gone"), _pv("free-9g", "9Gi")], False),
    ("plain ReadWriteOnce volumes are tried before volumes with more modes",
     _claim("2Gi"), [_pv("multi-3g", "3Gi", modes=[RWO, RWX]), _pv("rwo-10g", "10Gi")], False),
    ("...but only if one of them fits",
     _claim("12Gi"), [_pv("multi-15g", "15Gi", modes=[RWO, ROX, RWX]), _pv("rwo-10g", "10Gi"),
                      _pv("rwo-rox-20g", "20Gi", modes=[RWO, ROX])], False),
    ("storageClassName \"\" binds only volumes without a class",
     _claim("1Gi", cls=""), [_pv("classy-1g", "1Gi", cls="standard"), _pv("classless-5g", "5Gi", cls=None)], False),
    ("units: 2G (decimal) is less than 2Gi (binary)",
     _claim("2Gi"), [_pv("two-g", "2G"), _pv("three-g", "3G"), _pv("four-gi", "4Gi")], False),
    ("volumeMode must match",
     _claim("1Gi", mode="Block"), [_pv("fs-1g", "1Gi"), _pv("block-2g", "2Gi", mode="Block")], False),
    ("a volume pre-bound to this claim (claimRef) wins",
     _claim("1Gi"), [_pv("small-1g", "1Gi"), _pv("reserved-5g", "5Gi", claim="data")], False),
    ("a selector that no volume matches",
     _claim("1Gi", selector={"disk": "nvme"}), [_pv("ssd-1g", "1Gi", labels={"disk": "ssd"})], False),
]


def q1(choose):
    """The student's choose_volume(claim, volumes) against the PV controller's own matcher
    (findBestMatchForClaim; minik8s.storage.pv_controller.find_best_match) on varied cases
    (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#binding, #access-modes, #class-1,
    #reserving-a-persistentvolume; pkg/controller/volume/persistentvolume/index.go)."""
    cases = []
    for what, claim, volumes, public in CASES:
        expected = find_best_match(claim, volumes)
        expected = expected["metadata"]["name"] if expected else None
        try:
            got = choose(claim, volumes)
        except AnswerRaised as e:      # noqa: F821 (provided by the checker)
            got = f"raised {e}"
        if isinstance(got, dict):      # a whole PersistentVolume is fine too
            got = (got.get("metadata") or {}).get("name")
        cases.append({"what": what, "claim": claim["spec"], "volumes": [
            {"name": v["metadata"]["name"], "phase": v["status"]["phase"], **{k: v["spec"][k] for k in (
                "capacity", "accessModes", "storageClassName", "volumeMode", "claimRef") if k in v["spec"]},
             **({"labels": v["metadata"]["labels"]} if v["metadata"]["labels"] else {})} for v in volumes],
            "expected": expected, "happened": got, "public": public})
    return {"cases": cases}


# --- q2: data that survives a re-created Pod ----------------------------------------------------

TOKEN = "minik8s-ch9-token"


def q2(manifest):
    """The student's Pod `app` and claim: a file written to /data survives deleting the Pod and
    creating it again from the same manifest; the volume at /data is a PersistentVolumeClaim
    (https://kubernetes.io/docs/concepts/storage/persistent-volumes/ ,
    https://kubernetes.io/docs/tasks/configure-pod-container/configure-persistent-volume-storage/)."""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    if "app" not in _pod_names(c):
        return {"error": "no Pod named app: set kind: Pod and metadata.name: app"}
    if not _wait_running(c, "app"):
        events = [f"{e['reason']}: {e['message']}" for e in c.list("events") if e["involvedObject"]["name"] == "app"]
        return {"error": "the Pod app never ran (kubectl describe pod app): " + "; ".join(events[-2:])}
    pod = c.get("pod", "app")
    first_node = pod["spec"]["nodeName"]
    wrote = c.exec("app", f"sh -c 'echo {TOKEN} > /data/token && cat /data/token'")
    c.delete("pod", "app")
    try:
        c.run_until(lambda c: "app" not in _pod_names(c), timeout=120)
    except Exception:
        return {"error": "the Pod app was not gone 120 s after kubectl delete pod app"}
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    if not _wait_running(c, "app"):
        return {"error": "the re-created Pod app never ran (kubectl describe pod app)"}
    pod = c.get("pod", "app")
    read = c.exec("app", "cat /data/token")
    volumes = {v["name"]: v for v in pod["spec"].get("volumes") or []}
    mounts = [m for ct in pod["spec"]["containers"] for m in ct.get("volumeMounts") or [] if m["mountPath"] == "/data"]
    source = volumes.get(mounts[0]["name"], {}) if mounts else {}
    kind = next((k for k in source if k != "name"), None)
    claim = (source.get("persistentVolumeClaim") or {}).get("claimName")
    return {"wrote": wrote.strip(), "readAfterRecreate": read.strip(), "token": TOKEN,
            "volumeAtData": kind, "claim": claim, "claimPhase": _phase(c, "pvc", claim) if claim else None,
            "nodes": [first_node, pod["spec"]["nodeName"]]}


# --- q3: a StatefulSet with one claim per replica -----------------------------------------------

def _sts_ready(c, n):
    names = [f"db-{i}" for i in range(n)]
    return all(_phase(c, "pod", x) == "Running" for x in names) and len(
        [p for p in c.list("pods") if p["metadata"]["name"].startswith("db-")]) == n


def q3(manifest):
    """The student's StatefulSet `db` (3 replicas): each Pod writes its name to /var/lib/db/id; the
    set is scaled to 1 and back to 3; each Pod must read its own name back, from its own claim
    (https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/#stable-storage and
    #persistentvolumeclaim-retention)."""
    c = Cluster(nodes=2, seed=SEED)
    err = _apply(c, manifest)
    if err:
        return {"error": err}
    try:
        c.get("statefulset", "db")
    except ApiError:
        return {"error": "no StatefulSet named db: set kind: StatefulSet and metadata.name: db"}
    try:
        c.run_until(lambda c: _sts_ready(c, 3), timeout=300)
    except Exception:
        return {"error": "the Pods db-0, db-1, db-2 were not all Running after 5 minutes (kubectl get pods,pvc)",
                "pods": _pod_names(c)}
    c.run(1)
    for i in range(3):
        c.exec(f"db-{i}", f"sh -c 'echo db-{i} > /var/lib/db/id'")
    claims_before = sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims"))
    c.kubectl("scale statefulset db --replicas=1")
    try:
        c.run_until(lambda c: _sts_ready(c, 1), timeout=300)
    except Exception:
        return {"error": "scaled to 1, db-1 and db-2 were still there after 5 minutes"}
    c.run(5)
    claims_scaled_down = sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims"))
    c.kubectl("scale statefulset db --replicas=3")
    try:
        c.run_until(lambda c: _sts_ready(c, 3), timeout=300)
    except Exception:
        return {"error": "scaled back to 3, the Pods were not all Running after 5 minutes"}
    c.run(1)
    read = {f"db-{i}": c.exec(f"db-{i}", "cat /var/lib/db/id").strip() for i in range(3)}
    return {"claimsBefore": claims_before, "claimsAfterScaleDown": claims_scaled_down,
            "readAfterScaleUp": read}


# --- q4: predict the phases after the claims are deleted ----------------------------------------

Q4_SETUP = """
apiVersion: storage.k8s.io/v1
kind: StorageClass
metadata:
  name: now
provisioner: minik8s.io/hostpath
reclaimPolicy: Delete
volumeBindingMode: Immediate
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: keep
spec:
  storageClassName: manual
  capacity: {storage: 5Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /mnt/keep}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: legacy
spec:
  storageClassName: manual
  capacity: {storage: 2Gi}
  accessModes: [ReadWriteMany]
  persistentVolumeReclaimPolicy: Delete
  nfs: {server: nfs.example.com, path: /exports/legacy}
---
apiVersion: v1
kind: PersistentVolume
metadata:
  name: busy
spec:
  storageClassName: manual
  capacity: {storage: 1Gi}
  accessModes: [ReadWriteOnce]
  persistentVolumeReclaimPolicy: Retain
  hostPath: {path: /mnt/busy}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: c-keep
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 5Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: c-legacy
spec:
  storageClassName: manual
  accessModes: [ReadWriteMany]
  resources: {requests: {storage: 2Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: c-busy
spec:
  storageClassName: manual
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata:
  name: c-scratch
spec:
  storageClassName: now
  accessModes: [ReadWriteOnce]
  resources: {requests: {storage: 1Gi}}
---
apiVersion: v1
kind: Pod
metadata:
  name: user
spec:
  containers:
  - name: app
    image: busybox:1.36
    command: ["sh", "-c", "sleep 3600"]
    volumeMounts:
    - {name: data, mountPath: /data}
  volumes:
  - name: data
    persistentVolumeClaim: {claimName: c-busy}
"""

Q4_VOLUMES = {"keep": "c-keep", "legacy": "c-legacy", "busy": "c-busy", "scratch": "c-scratch"}


def q4_actual():
    """What `kubectl get pv` says of each volume 60 s after `kubectl delete pvc` of all four claims
    (the volume of c-scratch is the one provisioned for it); "gone" when it no longer exists."""
    c = Cluster(nodes=1, seed=SEED)
    c.apply(Q4_SETUP)
    c.run_until(lambda c: _phase(c, "pod", "user") == "Running" and all(
        _phase(c, "pvc", claim) == "Bound" for claim in Q4_VOLUMES.values()), timeout=60)
    volume_of = {key: c.get("pvc", claim)["spec"]["volumeName"] for key, claim in Q4_VOLUMES.items()}
    c.kubectl("delete pvc " + " ".join(sorted(Q4_VOLUMES.values())))
    c.run(60)
    actual = {}
    for key in sorted(Q4_VOLUMES):
        try:
            pv = c.get("pv", volume_of[key])
        except ApiError:
            actual[key] = "gone"
            continue
        row = c.kubectl(f"get pv {volume_of[key]} --no-headers").split()
        actual[key] = row[4]             # NAME CAPACITY ACCESS-MODES RECLAIM-POLICY STATUS ...
        assert row[4] == ("Terminating" if pv["metadata"].get("deletionTimestamp") else pv["status"]["phase"])
    return actual


def q4(prediction):
    """Reclaim policies and in-use protection: the STATUS of each volume after its claim is
    deleted (https://kubernetes.io/docs/concepts/storage/persistent-volumes/#reclaiming and
    #storage-object-in-use-protection)."""
    if not isinstance(prediction, dict):
        return {"error": 'q4_status must be a dict like {"keep": ..., "legacy": ..., "busy": ..., "scratch": ...}'}
    actual = q4_actual()
    return {k: {"predicted": prediction.get(k), "actual": actual[k]} for k in sorted(actual)}
