"""``kubectl get`` end to end through the API server of a cluster without nodes.

Expected texts are kubectl's (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/,
https://kubernetes.io/docs/reference/kubectl/jsonpath/, https://kubernetes.io/docs/reference/kubectl/#output-options).
"""

import json

import pytest
import yaml

from minik8s.cluster import Cluster


@pytest.fixture
def c():
    return Cluster(nodes=0, start=False)


def pod(name, labels=None, ns="default", image="nginx:1.27"):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "namespace": ns, "labels": labels or {"app": "web"}},
            "spec": {"containers": [{"name": "app", "image": image}]}}


def create_pod(c, name, **kw):
    """Create a pod and give it the status a new pod has (phase Pending) through the status subresource."""
    p = pod(name, **kw)
    c.apiserver.create("pods", p)
    c.apiserver.patch("pods", name, {"status": {"phase": "Pending"}}, p["metadata"]["namespace"],
                      subresource="status")


def running(c, name, ns="default", ip="10.244.1.5", node="node-1"):
    api = c.apiserver
    api.create("pods", {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": name, "namespace": ns},
                        "target": {"kind": "Node", "name": node}}, ns, subresource="binding")
    api.patch("pods", name, {"status": {"phase": "Running", "podIPs": [{"ip": ip}], "podIP": ip,
                                        "conditions": [{"type": "Ready", "status": "True"}],
                                        "containerStatuses": [{"name": "app", "ready": True, "restartCount": 0,
                                                               "image": "nginx:1.27", "imageID": "",
                                                               "started": True,
                                                               "state": {"running": {"startedAt": "2025-01-01T00:00:01Z"}}}]}},
              ns, subresource="status")


def test_get_pods_table_and_age(c):
    create_pod(c, "web-1")
    running(c, "web-1")
    c.clock.run(62)
    assert c.kubectl("get pods") == ("NAME    READY   STATUS    RESTARTS   AGE\n"
                                     "web-1   1/1     Running   0          62s\n")
    assert c.kubectl("get po web-1 -o wide") == (
        "NAME    READY   STATUS    RESTARTS   AGE   IP           NODE     NOMINATED NODE   READINESS GATES\n"
        "web-1   1/1     Running   0          62s   10.244.1.5   node-1   <none>           <none>\n")


def test_no_resources_messages(c):
    """kubectl prints 'No resources found in default namespace.' (stderr) for an empty namespaced list."""
    assert c.kubectl("get pods") == "No resources found in default namespace.\n"
    assert c.kubectl("get pods -n kube-system") == "No resources found in kube-system namespace.\n"
    assert c.kubectl("get pods -A") == "No resources found\n"
    assert c.kubectl("get pv") == "No resources found\n"
    # Only the table printer says so; yaml/json/name/custom-columns go through kubectl's printGeneric.
    assert c.kubectl("get pods -o name") == ""
    assert c.kubectl("get pods -o yaml") == 'apiVersion: v1\nitems: []\nkind: List\nmetadata:\n  resourceVersion: ""\n'
    assert c.kubectl("get pods -o custom-columns=NAME:.metadata.name") == "NAME\n"


def test_not_found_and_unknown_type(c):
    assert c.kubectl("get pod nope") == 'Error from server (NotFound): pods "nope" not found\n'
    assert c.kubectl("get deploy nope") == 'Error from server (NotFound): deployments.apps "nope" not found\n'
    assert c.kubectl("get podz") == 'error: the server doesn\'t have a resource type "podz"\n'


def test_all_namespaces_column_and_show_labels(c):
    create_pod(c, "a")
    create_pod(c, "b", ns="kube-system", labels={"tier": "x", "app": "y"})
    out = c.kubectl("get pods -A --show-labels")
    assert out.splitlines() == [
        "NAMESPACE     NAME   READY   STATUS    RESTARTS   AGE   LABELS",
        "default       a      0/1     Pending   0          0s    app=web",
        "kube-system   b      0/1     Pending   0          0s    app=y,tier=x",
    ]
    assert c.kubectl("get pods -A -L tier").splitlines()[0].endswith("AGE   TIER")


def test_several_types_print_kind_prefix_and_blank_line(c):
    """`kubectl get pods,cm`: names as kind/name, one table per type, a blank line between."""
    create_pod(c, "web")
    c.apiserver.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "cfg"},
                                      "data": {"a": "1", "b": "2"}})
    out = c.kubectl("get pods,cm")
    blocks = out.split("\n\n")
    assert len(blocks) == 2
    assert blocks[0].splitlines()[1].startswith("pod/web ")
    assert blocks[1] == ("NAME            DATA   AGE\n"
                         "configmap/cfg   2      0s\n")
    assert c.kubectl("get cm/cfg pod/web -o name") == "configmap/cfg\npod/web\n"


def test_output_name_yaml_json(c):
    create_pod(c, "web")
    assert c.kubectl("get pods -o name") == "pod/web\n"
    y = c.kubectl("get pod web -o yaml")
    doc = yaml.safe_load(y)
    assert doc["metadata"]["name"] == "web" and doc["kind"] == "Pod"
    # go-yaml quotes strings that would read as another type, lists at the parent's indentation.
    assert 'creationTimestamp: "2025-01-01T00:00:00Z"' in y
    assert "  containers:\n  - image: nginx:1.27\n" in y
    lst = yaml.safe_load(c.kubectl("get pods -o yaml"))
    assert lst["kind"] == "List" and lst["apiVersion"] == "v1" and len(lst["items"]) == 1
    assert lst["metadata"] == {"resourceVersion": ""}
    j = c.kubectl("get pod web -o json")
    assert j.startswith('{\n    "apiVersion": "v1",\n    "kind": "Pod",\n')
    assert json.loads(j)["spec"]["containers"][0]["image"] == "nginx:1.27"


def test_jsonpath(c):
    """https://kubernetes.io/docs/reference/kubectl/jsonpath/ examples."""
    create_pod(c, "a", image="nginx:1.27")
    create_pod(c, "b", image="redis:7")
    running(c, "a")
    assert c.kubectl("get pods -o jsonpath='{.items[*].metadata.name}'") == "a b"
    assert c.kubectl("get pods -o jsonpath='{range .items[*]}{.metadata.name}{\"\\t\"}"
                     "{.spec.containers[0].image}{\"\\n\"}{end}'") == "a\tnginx:1.27\nb\tredis:7\n"
    assert c.kubectl("get pod a -o jsonpath='{.status.conditions[?(@.type==\"Ready\")].status}'") == "True"
    assert c.kubectl("get pods -o jsonpath='{.items[0].metadata.labels}'") == '{"app":"web"}'
    assert c.kubectl("get pods -o jsonpath='{..image}'") == "nginx:1.27 nginx:1.27 redis:7"
    assert c.kubectl("get pods -o jsonpath='{.items[-1:].metadata.name}'") == "b"


def test_custom_columns_and_sort_by(c):
    create_pod(c, "b", image="redis:7")
    c.clock.run(5)
    create_pod(c, "a", image="nginx:1.27")
    out = c.kubectl("get pods -o custom-columns=NAME:.metadata.name,IMAGE:.spec.containers[*].image,"
                    "NODE:.spec.nodeName")
    assert out == ("NAME   IMAGE        NODE\n"
                   "a      nginx:1.27   <none>\n"
                   "b      redis:7      <none>\n")
    by_time = c.kubectl("get pods --sort-by=.metadata.creationTimestamp -o name")
    assert by_time == "pod/b\npod/a\n"


def test_label_and_field_selectors(c):
    create_pod(c, "a", labels={"app": "web"})
    create_pod(c, "b", labels={"app": "db"})
    assert c.kubectl("get pods -l app=db -o name") == "pod/b\n"
    assert c.kubectl("get pods -l 'app in (web,db)' -o name") == "pod/a\npod/b\n"
    assert c.kubectl("get pods --field-selector metadata.name=a -o name") == "pod/a\n"
    assert c.kubectl("get pods -l app=none") == "No resources found in default namespace.\n"


def test_namespace_flag_and_context_namespace(c):
    c.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "dev"}})
    create_pod(c, "x", ns="dev")
    assert c.kubectl("get pods -n dev -o name") == "pod/x\n"
    assert c.kubectl("get pods --namespace=dev -o name") == "pod/x\n"
    assert c.kubectl("config set-context --current --namespace=dev") == 'Context "minik8s" modified.\n'
    assert c.kubectl("get pods -o name") == "pod/x\n"
    assert c.kubectl("config view --minify -o jsonpath={..namespace}") == "dev"
    assert c.kubectl("config get-contexts").splitlines()[1].split() == ["*", "minik8s", "minik8s", "minik8s", "dev"]


def test_get_all_lists_workload_types(c):
    create_pod(c, "web")
    c.apiserver.create("services", {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "web"},
                                    "spec": {"selector": {"app": "web"}, "ports": [{"port": 80}]}})
    out = c.kubectl("get all")
    assert out.index("pod/web") < out.index("service/web")
    assert "\n\n" in out


def test_watch_prints_changes_while_virtual_time_runs(c):
    """-w: the list, then a row per change during --request-timeout of virtual time."""
    create_pod(c, "a")
    c.clock.call_later(3, lambda: running(c, "a"))
    out = c.kubectl("get pods -w --request-timeout=5s")
    lines = out.splitlines()
    assert lines[0].startswith("NAME")
    assert "Pending" in lines[1]
    assert lines[-1].split()[:3] == ["a", "1/1", "Running"]


def test_events_table(c):
    c.apiserver.create("events", {
        "apiVersion": "v1", "kind": "Event", "metadata": {"name": "web.1", "namespace": "default"},
        "involvedObject": {"kind": "Pod", "name": "web", "namespace": "default"}, "type": "Normal",
        "reason": "Scheduled", "message": "Successfully assigned default/web to node-1",
        "firstTimestamp": "2025-01-01T00:00:00Z", "lastTimestamp": "2025-01-01T00:00:00Z", "count": 1,
        "source": {"component": "default-scheduler"}})
    c.clock.run(7)
    assert c.kubectl("get events") == (
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n"
        "7s          Normal   Scheduled   pod/web   Successfully assigned default/web to node-1\n")
    assert c.kubectl("events") == (
        "LAST SEEN   TYPE     REASON      OBJECT    MESSAGE\n"
        "7s          Normal   Scheduled   Pod/web   Successfully assigned default/web to node-1\n")


DEP = """apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 2
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


def test_end_to_end_deployment_tables():
    """With the controllers, scheduler and kubelets running: a Deployment's tables as the Deployment
    page shows them (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/)."""
    c = Cluster(nodes=2)
    assert c.kubectl("apply -f -", stdin=DEP) == "deployment.apps/web created\n"
    c.run(30)
    assert c.kubectl("get deploy") == ("NAME   READY   UP-TO-DATE   AVAILABLE   AGE\n"
                                       "web    2/2     2            2           30s\n")
    rs = c.list("replicasets")[0]["metadata"]["name"]
    h = rs.split("-")[-1]
    out = c.kubectl("get rs -o wide")
    assert out.splitlines()[1].split() == [rs, "2", "2", "2", "30s", "nginx", "nginx:1.27",
                                          f"app=web,pod-template-hash={h}"]
    pods = c.kubectl("get pods").splitlines()
    assert len(pods) == 3
    assert all(line.split()[1:4] == ["1/1", "Running", "0"] for line in pods[1:])
    blocks = c.kubectl("get all").split("\n\n")
    # kubectl get all: pods, services (the boot `kubernetes` Service), deployments, replicasets
    assert [b.splitlines()[1].split("/")[0] for b in blocks] == ["pod", "service", "deployment.apps",
                                                                 "replicaset.apps"]
    nodes = c.kubectl("get nodes").splitlines()
    assert nodes[0].split() == ["NAME", "STATUS", "ROLES", "AGE", "VERSION"]
    assert nodes[1].split()[:3] == ["node-1", "Ready", "<none>"]


def test_end_to_end_watch_shows_pods_starting():
    c = Cluster(nodes=1)
    c.kubectl("apply -f -", stdin=DEP.replace("replicas: 2", "replicas: 1"))
    out = c.kubectl("get pods -w --request-timeout=20s")
    statuses = [line.split()[2] for line in out.splitlines()[1:]]
    assert statuses[-1] == "Running"
    assert "ContainerCreating" in statuses or "Pending" in statuses


def test_yaml_scalars_quoted_as_go_yaml_does():
    """sigs.k8s.io/yaml (go-yaml v2): strings that would read as another type are double-quoted,
    strings that cannot be plain are single-quoted, multi-line strings are literal blocks."""
    from minik8s.kubectl.output import to_yaml
    assert to_yaml({"a": "80", "b": "true", "c": "", "d": "web", "e": "x: y", "f": "l1\nl2\n", "g": "1e3",
                    "h": None, "i": [], "j": {}}) == (
        'a: "80"\nb: "true"\nc: ""\nd: web\ne: \'x: y\'\nf: |\n  l1\n  l2\ng: "1e3"\nh: null\ni: []\nj: {}\n')


def test_jsonpath_escaped_dots_in_keys():
    """https://kubernetes.io/docs/reference/kubectl/jsonpath/: `\\.` escapes a dot inside a key."""
    from minik8s.kubectl.jsonpath import render
    obj = {"metadata": {"labels": {"app.kubernetes.io/name": "web"}}}
    assert render(r"{.metadata.labels.app\.kubernetes\.io/name}", obj) == "web"
