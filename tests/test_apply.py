"""Client-side ``kubectl apply``: created / configured / unchanged, three-way strategic merge,
strict schema checks.
https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/
"""

from __future__ import annotations

import json

import pytest
import yaml

from minik8s import ApiError, Cluster
from minik8s.kubectl.client_side_apply import LAST_APPLIED, apply_object, check_objects

DEPLOY = """
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
spec:
  selector:
    matchLabels: {app: nginx}
  minReadySeconds: 5
  template:
    metadata:
      labels: {app: nginx}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports:
        - containerPort: 80
"""


@pytest.fixture
def c():
    return Cluster(nodes=0)


def test_created_configured_unchanged(c):
    """The docs' simple_deployment.yaml walk-through."""
    obj = yaml.safe_load(DEPLOY)
    out, what = apply_object(c, obj)
    assert what == "created"
    # kubectl stores the manifest with its namespace and an emptied annotations map
    assert out["metadata"]["annotations"][LAST_APPLIED] == (
        '{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"annotations":{},"name":"nginx-deployment",'
        '"namespace":"default"},"spec":{"minReadySeconds":5,"selector":{"matchLabels":{"app":"nginx"}},'
        '"template":{"metadata":{"labels":{"app":"nginx"}},"spec":{"containers":[{"image":"nginx:1.14.2",'
        '"name":"nginx","ports":[{"containerPort":80}]}]}}}}\n')
    assert apply_object(c, obj)[1] == "unchanged"
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.16.1"
    out, what = apply_object(c, obj)
    assert what == "configured"
    assert out["spec"]["template"]["spec"]["containers"][0]["image"] == "nginx:1.16.1"
    assert out["metadata"]["generation"] == 2


def test_fields_set_by_others_survive_and_removed_fields_go(c):
    """kubectl scale sets replicas (not in the manifest): apply keeps it; minReadySeconds, removed from
    the manifest, is deleted (the docs' update_deployment.yaml example)."""
    obj = yaml.safe_load(DEPLOY)
    apply_object(c, obj)
    c.apiserver.patch("deployments", "nginx-deployment", {"spec": {"replicas": 2}}, "default")
    del obj["spec"]["minReadySeconds"]
    obj["spec"]["template"]["spec"]["containers"][0]["image"] = "nginx:1.16.1"
    out, what = apply_object(c, obj)
    assert what == "configured"
    assert out["spec"]["replicas"] == 2
    assert "minReadySeconds" not in out["spec"]


def test_removed_list_element_is_deleted_and_others_kept(c):
    obj = yaml.safe_load(DEPLOY)
    containers = obj["spec"]["template"]["spec"]["containers"]
    containers.append({"name": "sidecar", "image": "busybox", "command": ["sleep", "3600"]})
    containers[0]["env"] = [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    apply_object(c, obj)
    del containers[1]
    containers[0]["env"] = [{"name": "B", "value": "2"}]
    out, _ = apply_object(c, obj)
    got = out["spec"]["template"]["spec"]["containers"]
    assert [x["name"] for x in got] == ["nginx"]
    assert got[0]["env"] == [{"name": "B", "value": "2"}]
    assert got[0]["imagePullPolicy"] == "IfNotPresent"       # defaulted field kept


def test_unknown_field_is_rejected_strictly(c):
    """https://kubernetes.io/docs/reference/using-api/api-concepts/#field-validation (kubectl's default
    --validate=strict)."""
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
           "spec": {"containers": [{"name": "a", "image": "x", "livenessProbe": {
               "tcpSocket": {"port": 80}, "succesThreshold": 1}}]}}
    before = c.store.revision
    with pytest.raises(ApiError) as e:
        c.apply(pod)
    assert e.value.code == 400 and e.value.message == (
        'Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field '
        '"spec.containers[0].livenessProbe.succesThreshold"')
    assert c.store.revision == before


def test_wrong_type_is_a_decode_error(c):
    d = yaml.safe_load(DEPLOY)
    d["spec"]["replicas"] = "3"
    with pytest.raises(ApiError) as e:
        c.apply(d)
    assert e.value.message == ('Deployment in version "v1" cannot be handled as a Deployment: json: cannot '
                               'unmarshal string into Go struct field DeploymentSpec.spec.replicas of type int32')


def test_one_bad_document_changes_nothing(c):
    good = yaml.safe_load(DEPLOY)
    bad = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "Bad_Name"}}
    before = c.store.revision
    with pytest.raises(ApiError):
        c.apply([good, bad])
    assert c.store.revision == before


def test_namespace_and_its_objects_in_one_manifest(c):
    """Applying a file that creates a namespace and objects in it works in one go."""
    docs = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-a"}},
            {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team-a"},
             "data": {"k": "v"}}]
    c.apply(docs)
    assert c.get("configmap", "cfg", namespace="team-a")["data"] == {"k": "v"}
    bad = [{"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "team-b"}},
           {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg", "namespace": "team-b"},
            "data": {"a b": "v"}}]
    with pytest.raises(ApiError):
        check_objects(c, bad)
    assert not c.apiserver.exists("namespaces", "team-b")


def test_dry_run_writes_nothing(c):
    before = c.store.revision
    _obj, what = apply_object(c, yaml.safe_load(DEPLOY), dry_run=True)
    assert what == "created" and c.store.revision == before


# The docs' examples (concepts/workloads/*, services, configuration), in one file.
DOCS = """apiVersion: v1
kind: Namespace
metadata: {name: demo}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: nginx-deployment, namespace: demo, labels: {app: nginx}}
spec:
  replicas: 3
  selector: {matchLabels: {app: nginx}}
  template:
    metadata: {labels: {app: nginx}}
    spec:
      containers:
      - name: nginx
        image: nginx:1.14.2
        ports: [{containerPort: 80}]
        readinessProbe: {httpGet: {path: /, port: 80}, initialDelaySeconds: 5, periodSeconds: 5}
        env: [{name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}]
        volumeMounts: [{name: cache, mountPath: /cache}]
      volumes: [{name: cache, emptyDir: {}}]
---
apiVersion: v1
kind: Service
metadata: {name: my-service, namespace: demo}
spec:
  selector: {app: nginx}
  ports: [{protocol: TCP, port: 80, targetPort: 9376}]
---
apiVersion: batch/v1
kind: Job
metadata: {name: pi, namespace: demo}
spec:
  template:
    spec:
      containers:
      - name: pi
        image: perl:5.34.0
        command: ["perl",  "-Mbignum=bpi", "-wle", "print bpi(2000)"]
      restartPolicy: Never
  backoffLimit: 4
---
apiVersion: batch/v1
kind: CronJob
metadata: {name: hello, namespace: demo}
spec:
  schedule: "* * * * *"
  jobTemplate:
    spec:
      template:
        spec:
          containers:
          - name: hello
            image: busybox:1.28
            imagePullPolicy: IfNotPresent
            command: [/bin/sh, -c, date; echo Hello from the Kubernetes cluster]
          restartPolicy: OnFailure
---
apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web, namespace: demo}
spec:
  selector: {matchLabels: {app: nginx-sts}}
  serviceName: "nginx"
  replicas: 3
  minReadySeconds: 10
  template:
    metadata: {labels: {app: nginx-sts}}
    spec:
      terminationGracePeriodSeconds: 10
      containers:
      - name: nginx
        image: registry.k8s.io/nginx-slim:0.24
        ports: [{containerPort: 80, name: web}]
        volumeMounts: [{name: www, mountPath: /usr/share/nginx/html}]
  volumeClaimTemplates:
  - metadata: {name: www}
    spec:
      accessModes: [ "ReadWriteOnce" ]
      storageClassName: "my-storage-class"
      resources: {requests: {storage: 1Gi}}
---
apiVersion: apps/v1
kind: DaemonSet
metadata: {name: fluentd-elasticsearch, namespace: kube-system, labels: {k8s-app: fluentd-logging}}
spec:
  selector: {matchLabels: {name: fluentd-elasticsearch}}
  template:
    metadata: {labels: {name: fluentd-elasticsearch}}
    spec:
      tolerations:
      - key: node-role.kubernetes.io/control-plane
        operator: Exists
        effect: NoSchedule
      containers:
      - name: fluentd-elasticsearch
        image: quay.io/fluentd_elasticsearch/fluentd:v2.5.2
        resources:
          limits: {memory: 200Mi}
          requests: {cpu: 100m, memory: 200Mi}
        volumeMounts: [{name: varlog, mountPath: /var/log}]
      terminationGracePeriodSeconds: 30
      volumes: [{name: varlog, hostPath: {path: /var/log}}]
---
apiVersion: v1
kind: Secret
metadata: {name: mysecret, namespace: demo}
type: Opaque
data: {username: YWRtaW4=, password: MWYyZDFlMmU2N2Rm}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: game-demo, namespace: demo}
data:
  player_initial_lives: "3"
  game.properties: |
    enemy.types=aliens,monsters
---
apiVersion: v1
kind: Pod
metadata: {name: liveness-exec, namespace: demo, labels: {test: liveness}}
spec:
  containers:
  - name: liveness
    image: registry.k8s.io/busybox:1.27.2
    args: [/bin/sh, -c, touch /tmp/healthy; sleep 30; rm -f /tmp/healthy; sleep 600]
    livenessProbe:
      exec: {command: [cat, /tmp/healthy]}
      initialDelaySeconds: 5
      periodSeconds: 5
"""


def test_docs_examples_apply_then_reapply_unchanged():
    """Every example is accepted, and applying the same file again changes nothing: defaulted fields,
    generated Job selectors and controller-set fields do not count as changes."""
    c = Cluster(nodes=2)
    first = c.kubectl("apply -f -", stdin=DOCS)
    assert first.splitlines() == [
        "namespace/demo created", "deployment.apps/nginx-deployment created", "service/my-service created",
        "job.batch/pi created", "cronjob.batch/hello created", "statefulset.apps/web created",
        "daemonset.apps/fluentd-elasticsearch created", "secret/mysecret created", "configmap/game-demo created",
        "pod/liveness-exec created"]
    c.run(30)
    again = c.kubectl("apply -f -", stdin=DOCS)
    assert all(line.endswith(" unchanged") for line in again.splitlines()), again
