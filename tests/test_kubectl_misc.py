"""kubectl's dispatcher, discovery and config commands.

https://kubernetes.io/docs/reference/kubectl/generated/kubectl_api-resources/
https://kubernetes.io/docs/reference/kubectl/generated/kubectl_config/
https://kubernetes.io/docs/tasks/access-application-cluster/configure-access-multiple-clusters/
"""

import pytest

from minik8s.cluster import Cluster
from minik8s.kubectl import format_error
from minik8s.errors import invalid, not_found


@pytest.fixture
def c():
    return Cluster(nodes=0, start=False)


def test_unknown_command_suggests(c):
    """cobra's unknown-command error with "Did you mean this?"."""
    # cobra suggests commands within Levenshtein distance 2 or with the typed prefix
    assert c.kubectl("delet pods") == 'error: unknown command "delet" for "kubectl"\n\nDid you mean this?\n\tdelete\n'
    assert c.kubectl("frobnicate") == 'error: unknown command "frobnicate" for "kubectl"\n'


def test_unknown_flag(c):
    assert c.kubectl("get pods --bogus") == "error: unknown flag: --bogus\nSee 'kubectl get --help' for usage.\n"


def test_context_flag(c):
    assert c.kubectl("get pods --context=minik8s") == "No resources found in default namespace.\n"
    assert c.kubectl("get pods --context=prod") == "error: context was not found for specified context: prod\n"


def test_error_formatting():
    """cmdutil.CheckErr: `Error from server (NotFound): ...`; Invalid errors list their causes."""
    assert format_error(not_found("pods", "x")) == 'Error from server (NotFound): pods "x" not found'
    one = invalid("Deployment", "web", [("spec.selector", "FieldValueRequired", "Required value")], "apps")
    assert format_error(one) == 'The Deployment "web" is invalid: spec.selector: Required value'
    two = invalid("Deployment", "web", [("spec.selector", "FieldValueRequired", "Required value"),
                                        ("spec.template.spec.containers", "FieldValueRequired", "Required value")],
                  "apps")
    assert format_error(two) == ('The Deployment "web" is invalid: \n'
                                 '* spec.selector: Required value\n'
                                 '* spec.template.spec.containers: Required value')


def test_api_resources_columns(c):
    out = c.kubectl("api-resources").splitlines()
    assert out[0].split() == ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"]
    rows = {line.split()[0]: line.split() for line in out[1:]}
    assert rows["pods"] == ["pods", "po", "v1", "true", "Pod"]
    assert rows["deployments"] == ["deployments", "deploy", "apps/v1", "true", "Deployment"]
    assert rows["secrets"] == ["secrets", "v1", "true", "Secret"]
    names = [line.split()[0] for line in out[1:]]
    assert names.index("services") < names.index("deployments")     # core group first
    assert c.kubectl("api-resources --namespaced=false -o name").splitlines()[:2] == ["namespaces", "nodes"]


def test_api_versions_and_version(c):
    assert c.kubectl("api-versions").splitlines()[-1] == "v1"
    assert "apps/v1" in c.kubectl("api-versions").splitlines()
    assert c.kubectl("version") == ("Client Version: v1.33.0\nKustomize Version: v5.6.0\n"
                                    "Server Version: v1.33.0\n")


def test_config_commands(c):
    assert c.kubectl("config current-context") == "minik8s\n"
    assert c.kubectl("config get-contexts") == (
        "CURRENT   NAME      CLUSTER   AUTHINFO   NAMESPACE\n"
        "*         minik8s   minik8s   minik8s    \n")
    assert c.kubectl("config use-context minik8s") == 'Switched to context "minik8s".\n'
    assert c.kubectl("config use-context nope") == 'error: no context exists with the name: "nope"\n'
    assert c.kubectl("config set-context --current --namespace=kube-system") == 'Context "minik8s" modified.\n'
    assert c.kubeconfig_namespace == "kube-system"
    view = c.kubectl("config view")
    assert "    namespace: kube-system\n" in view
    assert view.startswith("apiVersion: v1\nclusters:\n- cluster:\n    certificate-authority-data: DATA+OMITTED\n")
    assert c.kubectl("get pods") == "No resources found in kube-system namespace.\n"


def test_cluster_info(c):
    """cluster-info lists kube-system Services labelled kubernetes.io/cluster-service=true; a cluster boots
    with CoreDNS's kube-dns Service, as on a kind cluster (https://kubernetes.io/docs/tasks/debug/debug-cluster/)."""
    assert c.kubectl("cluster-info") == (
        "Kubernetes control plane is running at https://127.0.0.1:6443\n"
        "CoreDNS is running at https://127.0.0.1:6443/api/v1/namespaces/kube-system/services/kube-dns:dns/proxy\n"
        "\n"
        "To further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n")
    c.kubectl("label svc kube-dns -n kube-system kubernetes.io/cluster-service-")
    assert "CoreDNS" not in c.kubectl("cluster-info")


def test_kubectl_prefix_and_quoting(c):
    assert c.kubectl("kubectl version --client") == "Client Version: v1.33.0\nKustomize Version: v5.6.0\n"
    assert c.kubectl("get pods -o 'jsonpath={.items}'") == "[]"


def test_explain_layout_follows_kubectls_plaintext_template(c):
    """k8s.io/kubectl/pkg/explain/v2/templates/plaintext.tmpl: KIND/VERSION (GROUP for named groups),
    DESCRIPTION wrapped at 76 columns and indented 4, FIELDS as `  name\\t<type>` with -required-."""
    out = c.kubectl("explain pods")
    assert out.startswith("KIND:       Pod\nVERSION:    v1\n\nDESCRIPTION:\n"
                          "    Pod is a collection of containers that can run on a host. This resource is\n"
                          "    created by clients and scheduled onto hosts.\n    \nFIELDS:\n"
                          "  apiVersion\t<string>\n")
    assert "\n  spec\t<PodSpec>\n" in out
    assert all(len(line) <= 80 or "://" in line for line in out.splitlines())
    spec = c.kubectl("explain deploy.spec")
    assert spec.startswith("GROUP:      apps\nKIND:       Deployment\nVERSION:    v1\n\n"
                           "FIELD: spec <DeploymentSpec>\n\n\nDESCRIPTION:\n")
    assert "\n  selector\t<LabelSelector> -required-\n" in spec
    assert "\n  containers\t<[]Container> -required-\n" in c.kubectl("explain pod.spec")
    assert c.kubectl("explain pod.metadata.labels").splitlines()[3] == "FIELD: labels <map[string]string>"
    assert c.kubectl("explain pod.spec.foo") == 'error: field "foo" does not exist\n'
    assert c.kubectl("explain podz") == 'error: the server doesn\'t have a resource type "podz"\n'


def test_go_wordwrap():
    """github.com/mitchellh/go-wordwrap: break at spaces before the limit, keep long words whole."""
    from minik8s.kubectl.cmd_explain import wrap
    assert wrap("aaa bbb ccc", 7) == "aaa bbb\nccc"
    assert wrap("a verylongword b", 5) == "a\nverylongword\nb"
    assert wrap("one\ntwo three", 7) == "one\ntwo\nthree"


def test_api_server_down(c):
    """With kube-apiserver stopped kubectl cannot connect and prints the dial error alone."""
    c.stop("kube-apiserver")
    assert c.kubectl("get pods") == ("The connection to the server 127.0.0.1:6443 was refused - did you specify "
                                     "the right host or port?\n")
    assert c.kubectl("version").splitlines() == [
        "Client Version: v1.33.0", "Kustomize Version: v5.6.0",
        "The connection to the server 127.0.0.1:6443 was refused - did you specify the right host or port?"]
