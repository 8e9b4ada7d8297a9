"""kubectl apply / create -f / replace -f / delete / label / annotate, as kubectl prints them.

https://kubernetes.io/docs/tasks/manage-kubernetes-objects/declarative-config/
https://kubernetes.io/docs/tasks/manage-kubernetes-objects/imperative-config/
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_delete/
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_label/
"""

import pytest

from minik8s.cluster import Cluster
from minik8s.errors import ApiError

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
CM = """---
apiVersion: v1
kind: ConfigMap
metadata:
  name: cfg
data:
  a: "1"
"""
FOO = """---
apiVersion: v1
kind: Foo
metadata:
  name: x
"""


@pytest.fixture
def c():
    return Cluster(nodes=0, start=False)


def test_apply_created_unchanged_configured(c):
    """The declarative-config page: `deployment.apps/nginx-deployment created`, then unchanged/configured."""
    assert c.kubectl("apply -f -", stdin=DEP + CM) == "deployment.apps/web created\nconfigmap/cfg created\n"
    assert c.kubectl("apply -f -", stdin=DEP + CM) == "deployment.apps/web unchanged\nconfigmap/cfg unchanged\n"
    assert c.kubectl("apply -f -", stdin=DEP.replace("replicas: 2", "replicas: 3")) == \
        "deployment.apps/web configured\n"
    assert c.get("deployments", "web")["spec"]["replicas"] == 3
    ann = c.get("deployments", "web")["metadata"]["annotations"]
    assert '"replicas":3' in ann["kubectl.kubernetes.io/last-applied-configuration"]


def test_apply_from_a_file_path(c, tmp_path):
    p = tmp_path / "cm.yaml"
    p.write_text(CM)
    assert c.kubectl(f"apply -f {p}") == "configmap/cfg created\n"
    assert c.kubectl("apply -f /no/such.yaml") == 'error: the path "/no/such.yaml" does not exist\n'


def test_apply_unknown_kind_applies_the_rest_and_reports(c):
    """kubectl applies each object it can map and reports the unmappable one at the end."""
    out = c.kubectl("apply -f -", stdin=CM + FOO)
    assert out == ('configmap/cfg created\n'
                   'error: resource mapping not found for name: "x" namespace: "" from "STDIN": '
                   'no matches for kind "Foo" in version "v1"\nensure CRDs are installed first\n')
    assert c.apiserver.exists("configmaps", "cfg", "default")


def test_facade_apply_is_all_or_nothing(c):
    """c.apply (the notebook facade) validates everything first: one bad document changes nothing."""
    with pytest.raises(ApiError):
        c.apply(CM + FOO)
    assert not c.apiserver.exists("configmaps", "cfg", "default")


def test_apply_dry_run_creates_nothing(c):
    assert c.kubectl("apply -f - --dry-run=client", stdin=CM) == "configmap/cfg created (dry run)\n"
    assert c.kubectl("apply -f - --dry-run=server", stdin=CM) == "configmap/cfg created (server dry run)\n"
    assert not c.apiserver.exists("configmaps", "cfg", "default")
    assert c.kubectl("apply -f - --dry-run=maybe", stdin=CM) == \
        'error: Invalid dry-run value (maybe). Must be "none", "server", or "client".\n'


def test_apply_output_yaml_prints_the_object(c):
    out = c.kubectl("apply -f - -o yaml", stdin=CM)
    assert out.startswith("apiVersion: v1\ndata:\n  a: \"1\"\nkind: ConfigMap\nmetadata:\n  annotations:\n"
                          "    kubectl.kubernetes.io/last-applied-configuration: |\n      {")
    assert "\n  name: cfg\n  namespace: default\n" in out


def test_apply_namespace_mismatch(c):
    doc = CM.replace("name: cfg", "name: cfg\n  namespace: kube-system")
    assert c.kubectl("apply -n default -f -", stdin=doc) == (
        'error: the namespace from the provided object "kube-system" does not match the namespace "default". '
        "You must pass '--namespace=kube-system' to perform this operation.\n")


def test_create_and_replace(c):
    assert c.kubectl("create -f -", stdin=CM) == "configmap/cfg created\n"
    assert c.kubectl("create -f -", stdin=CM) == \
        'Error from server (AlreadyExists): error when creating "STDIN": configmaps "cfg" already exists\n'
    assert c.kubectl("replace -f -", stdin=CM.replace('"1"', '"2"')) == "configmap/cfg replaced\n"
    assert c.get("configmaps", "cfg")["data"] == {"a": "2"}
    assert c.kubectl("create -f -", stdin=FOO).startswith("error: resource mapping not found")


def test_apply_parse_error(c):
    assert c.kubectl("apply -f -", stdin="a: [b").startswith("error: error parsing STDIN: ")
    assert c.kubectl("apply") == "error: must specify one of -f and -k\n"


def test_delete_messages(c):
    c.kubectl("apply -f -", stdin=DEP + CM)
    assert c.kubectl("delete cm cfg") == 'configmap "cfg" deleted\n'
    assert c.kubectl("delete cm cfg") == 'Error from server (NotFound): configmaps "cfg" not found\n'
    assert c.kubectl("delete cm cfg --ignore-not-found") == ""
    assert c.kubectl("delete deploy/web") == 'deployment.apps "web" deleted\n'
    assert c.kubectl("delete pods") == "error: resource(s) were provided, but no name was specified\n"
    assert c.kubectl("delete pods --all") == "No resources found in default namespace.\n"
    assert c.kubectl("delete").startswith("error: You must provide one or more resources by argument or filename.")


def test_delete_by_file_and_selector(c):
    c.kubectl("apply -f -", stdin=DEP + CM)
    assert c.kubectl("delete -f -", stdin=DEP + CM) == 'deployment.apps "web" deleted\nconfigmap "cfg" deleted\n'
    c.kubectl("apply -f -", stdin=CM + CM.replace("cfg", "other"))
    c.kubectl("label cm other tier=x")
    assert c.kubectl("delete cm -l tier=x") == 'configmap "other" deleted\n'
    assert c.kubectl("delete cm --all") == 'configmap "cfg" deleted\n'


def test_delete_force_warning(c):
    """kubectl's warning for --force --grace-period=0, and `force deleted`."""
    c.kubectl("apply -f -", stdin=CM)
    assert c.kubectl("delete cm cfg --force --grace-period=0") == (
        "Warning: Immediate deletion does not wait for confirmation that the running resource has been "
        "terminated. The resource may continue to run on the cluster indefinitely.\n"
        'configmap "cfg" force deleted\n')


def test_delete_waits_in_virtual_time(c):
    """kubectl delete waits (--wait=true) until the object is gone: a finalizer removed after 10s."""
    c.apiserver.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "held", "finalizers": ["example.com/hold"]}})

    def release():
        c.apiserver.patch("configmaps", "held", {"metadata": {"finalizers": None}}, "default")
    c.clock.call_later(10, release)
    assert c.kubectl("delete cm held") == 'configmap "held" deleted\n'
    assert c.now == 10
    assert not c.apiserver.exists("configmaps", "held", "default")


def test_delete_no_wait_returns_at_once(c):
    c.apiserver.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap",
                                      "metadata": {"name": "held", "finalizers": ["example.com/hold"]}})
    assert c.kubectl("delete cm held --wait=false") == 'configmap "held" deleted\n'
    assert c.now == 0
    assert c.apiserver.get("configmaps", "held", "default")["metadata"]["deletionTimestamp"]


def test_delete_cascade_values(c):
    c.kubectl("apply -f -", stdin=CM)
    assert c.kubectl("delete cm cfg --cascade=sideways") == \
        'error: invalid cascade value (sideways). Must be "background", "foreground", or "orphan".\n'
    # --cascade=orphan adds the "orphan" finalizer; with the garbage collector stopped, --wait=false
    # returns while the object waits for it.
    assert c.kubectl("delete cm cfg --cascade=orphan --wait=false") == 'configmap "cfg" deleted\n'
    assert c.get("configmaps", "cfg")["metadata"]["finalizers"] == ["orphan"]


def test_delete_orphan_waits_for_the_garbage_collector():
    """With the controller manager running, the garbage collector removes the orphan finalizer and
    kubectl's wait ends (https://kubernetes.io/docs/tasks/administer-cluster/use-cascading-deletion/)."""
    c = Cluster(nodes=0)
    c.kubectl("apply -f -", stdin=CM)
    assert c.kubectl("delete cm cfg --cascade=orphan") == 'configmap "cfg" deleted\n'
    assert not c.apiserver.exists("configmaps", "cfg", "default")


def test_label_and_annotate(c):
    """kubectl label: `pod/x labeled`, --overwrite, key- removal; annotate: `annotated`."""
    c.kubectl("apply -f -", stdin=CM)
    assert c.kubectl("label cm cfg app=web") == "configmap/cfg labeled\n"
    assert c.kubectl("label cm cfg app=db") == "error: 'app' already has a value (web), and --overwrite is false\n"
    assert c.kubectl("label cm cfg app=db --overwrite") == "configmap/cfg labeled\n"
    assert c.kubectl("label cm cfg app=db") == "configmap/cfg not labeled\n"
    assert c.kubectl("label cm cfg app-") == "configmap/cfg unlabeled\n"
    assert not c.get("configmaps", "cfg")["metadata"].get("labels")
    assert c.kubectl("label cm cfg app-") == 'label "app" not found.\nconfigmap/cfg not labeled\n'
    assert c.kubectl("label cm cfg") == "error: at least one label update is required\n"
    assert c.kubectl("annotate cm cfg note=hello") == "configmap/cfg annotated\n"
    assert c.kubectl("annotate cm cfg note=bye") == (
        "error: --overwrite is false but found the following declared annotation(s): "
        "'note' already has a value (hello)\n")
    assert c.get("configmaps", "cfg")["metadata"]["annotations"]["note"] == "hello"


def test_run_dry_run_manifest(c):
    """`kubectl run nginx --image=nginx --dry-run=client -o yaml` prints exactly this manifest
    (https://kubernetes.io/docs/reference/kubectl/conventions/#generators)."""
    assert c.kubectl("run nginx --image=nginx --dry-run=client -o yaml") == (
        "apiVersion: v1\n"
        "kind: Pod\n"
        "metadata:\n"
        "  creationTimestamp: null\n"
        "  labels:\n"
        "    run: nginx\n"
        "  name: nginx\n"
        "spec:\n"
        "  containers:\n"
        "  - image: nginx\n"
        "    name: nginx\n"
        "    resources: {}\n"
        "  dnsPolicy: ClusterFirst\n"
        "  restartPolicy: Always\n"
        "status: {}\n")
    assert not c.apiserver.exists("pods", "nginx", "default")


def test_run_creates_a_pod(c):
    out = c.kubectl("run bb --image=busybox --restart=Never --port=8080 --env=A=1 --labels=app=bb "
                    "--command -- sh -c 'echo hi'")
    assert out == "pod/bb created\n"
    p = c.get("pods", "bb")
    ctr = p["spec"]["containers"][0]
    assert p["metadata"]["labels"] == {"app": "bb"}
    assert p["spec"]["restartPolicy"] == "Never"
    assert ctr["command"] == ["sh", "-c", "echo hi"]
    assert ctr["ports"][0]["containerPort"] == 8080
    assert ctr["env"] == [{"name": "A", "value": "1"}]
    assert c.kubectl("run x") == 'error: required flag(s) "image" not set\n'


def test_several_errors_print_as_kubectl_aggregates_them(c):
    """Several failures: one line each, API errors as `Error from server (Reason): error when creating
    "STDIN": ...` (cmdutil.MultipleErrors), the mapping error without the `error:` prefix."""
    bad = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: Bad_Name\n"
    one = c.kubectl("apply -f -", stdin=bad)
    assert one.startswith('The ConfigMap "Bad_Name" is invalid: metadata.name: Invalid value: "Bad_Name": ')
    two = c.kubectl("apply -f -", stdin=bad + FOO).splitlines()
    assert two[0].startswith('resource mapping not found for name: "x" namespace: "" from "STDIN"')
    assert two[1] == "ensure CRDs are installed first"
    assert two[2].startswith('Error from server (Invalid): error when creating "STDIN": ConfigMap "Bad_Name" '
                             'is invalid: metadata.name: Invalid value: "Bad_Name": ')


def test_patch_types_and_messages(c):
    """kubectl patch: strategic by default, `patched` / `patched (no change)`
    (https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/)."""
    c.kubectl("apply -f -", stdin=DEP)
    assert c.kubectl("""patch deploy web -p '{"spec":{"replicas":4}}'""") == "deployment.apps/web patched\n"
    assert c.get("deployments", "web")["spec"]["replicas"] == 4
    assert c.kubectl("""patch deploy web -p '{"spec":{"replicas":4}}'""") == \
        "deployment.apps/web patched (no change)\n"
    assert c.kubectl("""patch deploy web --type=merge -p 'spec: {paused: true}'""") == \
        "deployment.apps/web patched\n"
    assert c.kubectl("""patch deploy web --type=json -p '[{"op":"replace","path":"/spec/replicas","value":1}]'""") \
        == "deployment.apps/web patched\n"
    assert c.get("deployments", "web")["spec"]["replicas"] == 1
    assert c.kubectl("patch deploy web --type=foo -p '{}'") == \
        'error: --type must be one of [json merge strategic], not "foo"\n'
    assert c.kubectl("patch deploy nope -p '{}'") == 'Error from server (NotFound): deployments.apps "nope" not found\n'


def test_wait_on_virtual_time(c):
    """kubectl wait --for=condition / delete / jsonpath advances virtual time only as far as needed
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_wait/)."""
    c.kubectl("apply -f -", stdin=CM)

    def ready():
        c.apiserver.patch("configmaps", "cfg", {"metadata": {"labels": {"ready": "yes"}}}, "default")
    c.clock.call_later(7, ready)
    assert c.kubectl("wait --for=jsonpath='{.metadata.labels.ready}'=yes cm/cfg") == "configmap/cfg condition met\n"
    assert c.now == 7
    assert c.kubectl("wait --for=jsonpath='{.metadata.labels.ready}'=no cm/cfg --timeout=5s") == \
        "error: timed out waiting for the condition on configmaps/cfg\n"
    assert c.now == 12
    c.clock.call_later(3, lambda: c.apiserver.delete("configmaps", "cfg", "default"))
    assert c.kubectl("wait --for=delete cm/cfg") == "configmap/cfg condition met\n"
    assert c.now == 15
    assert c.kubectl("wait --for=condition=Ready pod/nope") == 'Error from server (NotFound): pods "nope" not found\n'
