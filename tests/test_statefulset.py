"""StatefulSets: stable identity, ordered start and stop, storage per replica.

Doc: https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ and the tutorial
https://kubernetes.io/docs/tutorials/stateful-application/basic-stateful-set/ (its manifest below).
"""

from __future__ import annotations

from minik8s import Cluster
from minik8s.controllers.statefulset import claim_name, ordinal_of, pod_name
from minik8s.errors import ApiError

WEB = """
apiVersion: v1
kind: Service
metadata:
  name: nginx
  labels: {app: nginx}
spec:
  ports: [{port: 80, name: web}]
  clusterIP: None
  selector: {app: nginx}
---
apiVersion: apps/v1
kind: StatefulSet
metadata:
  name: web
spec:
  serviceName: "nginx"
  replicas: 2
  podManagementPolicy: POLICY
  selector:
    matchLabels: {app: nginx}
  template:
    metadata:
      labels: {app: nginx}
    spec:
      terminationGracePeriodSeconds: 0
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{containerPort: 80, name: web}]
        readinessProbe:
          tcpSocket: {port: 80}     # the www volume starts empty: GET / would be a 404
          initialDelaySeconds: 5
          periodSeconds: 2
        volumeMounts:
        - name: www
          mountPath: /usr/share/nginx/html
  volumeClaimTemplates:
  - metadata:
      name: www
    spec:
      accessModes: [ "ReadWriteOnce" ]
      resources:
        requests:
          storage: 1Gi
"""


def web(policy="OrderedReady", nodes=2):
    c = Cluster(nodes=nodes)
    c.apply(WEB.replace("POLICY", policy))
    return c


def pods(c):
    return sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=nginx")
                  if not p["metadata"].get("deletionTimestamp"))


def ready(c, name):
    try:
        p = c.get("pod", name)
    except ApiError as e:
        if e.code != 404:
            raise
        return False
    return any(cd["type"] == "Ready" and cd["status"] == "True" for cd in (p.get("status") or {}).get("conditions") or [])


def all_ready(c, n):
    c.run_until(lambda c: c.get("statefulset", "web").get("status", {}).get("readyReplicas") == n
                and len(pods(c)) == n, timeout=300)


def test_names_identity_and_claims():
    """Pods are named web-0, web-1 with hostname = name and subdomain = serviceName; each gets its
    own claim www-web-N from the volumeClaimTemplates (statefulset/#stable-network-id,
    #stable-storage)."""
    assert pod_name("web", 3) == "web-3" and claim_name("www", "web", 0) == "www-web-0"
    assert ordinal_of("web", "web-12") == 12 and ordinal_of("web", "webby-1") is None
    c = web()
    all_ready(c, 2)
    assert pods(c) == ["web-0", "web-1"]
    p = c.get("pod", "web-1")
    assert p["spec"]["hostname"] == "web-1" and p["spec"]["subdomain"] == "nginx"
    labels = p["metadata"]["labels"]
    assert labels["statefulset.kubernetes.io/pod-name"] == "web-1" and labels["apps.kubernetes.io/pod-index"] == "1"
    assert labels["controller-revision-hash"].startswith("web-")
    assert {"name": "www", "persistentVolumeClaim": {"claimName": "www-web-1"}} in p["spec"]["volumes"]
    assert c.exec("web-1", "hostname") == "web-1\n"
    claims = sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims"))
    assert claims == ["www-web-0", "www-web-1"]
    assert all(x["status"]["phase"] == "Bound" for x in c.list("persistentvolumeclaims"))
    assert c.get("pvc", "www-web-0")["metadata"]["labels"] == {"app": "nginx"}
    rows = c.kubectl("get sts").splitlines()
    assert rows[0].split() == ["NAME", "READY", "AGE"] and rows[1].split()[:2] == ["web", "2/2"]


def test_ordered_ready_starts_one_at_a_time():
    """OrderedReady: web-1 is not created until web-0 is Running and Ready
    (statefulset/#deployment-and-scaling-guarantees)."""
    c = web()
    seen_web1_before_web0_ready = False
    for _ in range(60):
        c.run(0.5)
        if "web-1" in pods(c) and not ready(c, "web-0"):
            seen_web1_before_web0_ready = True
        if ready(c, "web-1"):
            break
    assert not seen_web1_before_web0_ready
    created = {p["metadata"]["name"]: p["metadata"]["creationTimestamp"] for p in c.list("pods")}
    assert created["web-0"] < created["web-1"]
    messages = [e["message"] for e in c.list("events") if e["involvedObject"]["name"] == "web"]
    assert messages[:4] == ["create Claim www-web-0 Pod web-0 in StatefulSet web success",
                            "create Pod web-0 in StatefulSet web successful",
                            "create Claim www-web-1 Pod web-1 in StatefulSet web success",
                            "create Pod web-1 in StatefulSet web successful"]


def test_parallel_starts_all_at_once():
    """podManagementPolicy Parallel launches all pods without waiting
    (statefulset/#parallel-pod-management)."""
    c = web("Parallel")
    c.run(1)
    assert pods(c) == ["web-0", "web-1"]


def test_deleted_pod_comes_back_with_its_name_and_data():
    """A deleted pod is re-created with the same name and re-attached to the same claim, so its
    data is still there (basic-stateful-set tutorial, 'Pods in a StatefulSet')."""
    c = web()
    all_ready(c, 2)
    c.exec("web-0", "sh -c 'echo web-0 data > /usr/share/nginx/html/index.html'")
    uid = c.get("pod", "web-0")["metadata"]["uid"]
    c.delete("pod", "web-0")
    c.run_until(lambda c: ready(c, "web-0") and c.get("pod", "web-0")["metadata"]["uid"] != uid, timeout=120)
    assert c.exec("web-0", "cat /usr/share/nginx/html/index.html") == "web-0 data\n"
    assert c.get("pod", "web-0")["spec"]["volumes"][-1]["persistentVolumeClaim"]["claimName"] == "www-web-0"


def test_scale_down_highest_first_and_claims_survive():
    """Scaling down removes the highest ordinal first, one at a time; the claims stay (whenScaled
    Retain) and scaling up again gives the same pod its old data
    (statefulset/#persistentvolumeclaim-retention)."""
    c = web()
    c.kubectl("scale sts web --replicas=3")
    all_ready(c, 3)
    c.exec("web-2", "sh -c 'echo two > /usr/share/nginx/html/index.html'")
    c.kubectl("scale sts web --replicas=1")
    all_ready(c, 1)
    assert pods(c) == ["web-0"]
    deletes = [e["message"] for e in c.list("events") if e["reason"] == "SuccessfulDelete"]
    assert deletes == ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]
    claims = sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims"))
    assert claims == ["www-web-0", "www-web-1", "www-web-2"]
    c.kubectl("scale sts web --replicas=3")
    all_ready(c, 3)
    assert c.exec("web-2", "cat /usr/share/nginx/html/index.html") == "two\n"


def test_rolling_update_goes_from_the_highest_ordinal_and_respects_partition():
    """RollingUpdate replaces pods in reverse ordinal order; with a partition, ordinals below it
    keep the old template (statefulset/#rolling-updates, #partitions)."""
    c = web()
    c.kubectl("scale sts web --replicas=3")
    all_ready(c, 3)
    old = c.get("pod", "web-0")["metadata"]["labels"]["controller-revision-hash"]
    c.kubectl("""patch sts web -p '{"spec":{"updateStrategy":{"rollingUpdate":{"partition":1}}}}'""")
    c.kubectl("set image sts/web nginx=nginx:1.25")
    c.run_until(lambda c: c.get("statefulset", "web")["status"].get("updatedReplicas") == 2
                and c.get("statefulset", "web")["status"].get("readyReplicas") == 3, timeout=300)
    images = {n: c.get("pod", n)["spec"]["containers"][0]["image"] for n in pods(c)}
    assert images == {"web-0": "registry.k8s.io/nginx-slim:0.24", "web-1": "nginx:1.25", "web-2": "nginx:1.25"}
    deletes = [e["message"] for e in c.list("events") if e["reason"] == "SuccessfulDelete"]
    assert deletes == ["delete Pod web-2 in StatefulSet web successful", "delete Pod web-1 in StatefulSet web successful"]
    st = c.get("statefulset", "web")["status"]
    assert st["currentRevision"] == old and st["updateRevision"] != old
    assert sorted(r["metadata"]["name"] for r in c.list("controllerrevisions")) == sorted([old, st["updateRevision"]])


def test_docs_manifest_with_a_claim_template_mount_is_accepted():
    """The tutorial's StatefulSet mounts 'www', defined only in volumeClaimTemplates: it is valid
    (a reported bug: it must not be rejected as Not found: "www")."""
    c = Cluster(nodes=1)
    out = c.kubectl("apply -f -", stdin=WEB.replace("POLICY", "OrderedReady")
                    .replace("      resources:", "      storageClassName: my-storage-class\n      resources:"))
    assert out == "service/nginx created\nstatefulset.apps/web created\n"
    c.run(10)
    assert c.get("pvc", "www-web-0")["status"]["phase"] == "Pending"
    assert ("ProvisioningFailed", 'storageclass.storage.k8s.io "my-storage-class" not found') in [
        (e["reason"], e["message"]) for e in c.list("events") if e["involvedObject"]["name"] == "www-web-0"]


def test_stable_dns_names_through_the_headless_service():
    """Each pod gets the DNS name <pod>.<serviceName>.<namespace>.svc.cluster.local from the
    headless Service (statefulset/#stable-network-id)."""
    c = web()
    all_ready(c, 2)
    c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "client"},
             "spec": {"containers": [{"name": "c", "image": "busybox", "command": ["sleep", "3600"]}]}})
    c.run_until(lambda c: c.get("pod", "client")["status"].get("phase") == "Running", timeout=60)
    out = c.exec("client", "nslookup web-0.nginx")
    assert "Name:\tweb-0.nginx.default.svc.cluster.local" in out
    assert c.get("pod", "web-0")["status"]["podIP"] in out


def test_retention_policy_when_scaled_delete():
    """persistentVolumeClaimRetentionPolicy.whenScaled: Delete removes the claims of the pods a
    scale-down removed (statefulset/#persistentvolumeclaim-retention)."""
    c = Cluster(nodes=2)
    c.apply(WEB.replace("POLICY", "Parallel").replace(
        "  volumeClaimTemplates:", "  persistentVolumeClaimRetentionPolicy: {whenScaled: Delete}\n  volumeClaimTemplates:"))
    all_ready(c, 2)
    c.kubectl("scale sts web --replicas=1")
    c.run(10)
    assert sorted(x["metadata"]["name"] for x in c.list("persistentvolumeclaims")) == ["www-web-0"]


def test_storage_scenario_repeats_exactly():
    """Determinism: the same seed gives the same trace, PV names and events, byte for byte
    (DESIGN: one clock, one seeded rng per cluster; the disks live on that cluster)."""
    def run():
        c = web(nodes=3)
        all_ready(c, 2)
        c.kubectl("scale sts web --replicas=3")
        all_ready(c, 3)
        c.delete("pod", "web-1")
        all_ready(c, 3)
        return (c.trace.to_text(c.trace.steps), c.kubectl("get pv,pvc,pods -o wide"),
                [(e["reason"], e["message"]) for e in c.list("events")])
    first, second = run(), run()
    assert first == second
    assert "pvc-" in first[1]


def test_on_delete_strategy_waits_for_the_user():
    """updateStrategy OnDelete: a new template reaches a pod only when that pod is deleted
    (statefulset/#on-delete)."""
    c = web()
    c.kubectl("""patch sts web -p '{"spec":{"updateStrategy":{"type":"OnDelete","rollingUpdate":null}}}'""")
    all_ready(c, 2)
    c.kubectl("set image sts/web nginx=nginx:1.25")
    c.run(30)
    images = {n: c.get("pod", n)["spec"]["containers"][0]["image"] for n in pods(c)}
    assert set(images.values()) == {"registry.k8s.io/nginx-slim:0.24"}
    c.delete("pod", "web-1")
    c.run_until(lambda c: "web-1" in pods(c) and ready(c, "web-1")
                and c.get("pod", "web-1")["spec"]["containers"][0]["image"] == "nginx:1.25", timeout=120)
    assert c.get("pod", "web-0")["spec"]["containers"][0]["image"] == "registry.k8s.io/nginx-slim:0.24"
    st = c.get("statefulset", "web")["status"]
    assert (st["updatedReplicas"], st["currentReplicas"]) == (1, 1)
