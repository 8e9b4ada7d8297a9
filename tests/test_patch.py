"""Patches: JSON merge patch (RFC 7386), JSON patch (RFC 6902) and strategic merge patch with
upstream's merge keys and directives.
https://kubernetes.io/docs/tasks/manage-kubernetes-objects/update-api-object-kubectl-patch/
https://github.com/kubernetes/community/blob/master/contributors/devel/sig-api-machinery/strategic-merge-patch.md
"""

from __future__ import annotations

import pytest

from minik8s import ApiError, Cluster
from minik8s.api.patch import apply_patch, json_patch, merge_patch
from minik8s.api.strategic import strategic_merge_patch as smp
from minik8s.api.strategic import three_way_patch


def test_merge_patch_replaces_lists_and_null_deletes():
    """RFC 7386."""
    assert merge_patch({"a": [1, 2], "b": {"c": 1, "d": 2}}, {"a": [3], "b": {"c": None}}) == {"a": [3], "b": {"d": 2}}


def test_json_patch_ops():
    doc = {"spec": {"containers": [{"name": "a"}]}}
    out = json_patch(doc, [{"op": "add", "path": "/spec/containers/-", "value": {"name": "b"}},
                           {"op": "replace", "path": "/spec/containers/0/name", "value": "z"}])
    assert out == {"spec": {"containers": [{"name": "z"}, {"name": "b"}]}}
    with pytest.raises(ApiError):
        json_patch(doc, [{"op": "test", "path": "/spec/containers/0/name", "value": "q"}])


def test_docs_patch_file_containers_are_merged_by_name():
    """The docs' patch-file.yaml: a strategic patch adds a container; a merge patch replaces the list."""
    dep = {"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr", "image": "nginx"}]}}}}
    patch = {"spec": {"template": {"spec": {"containers": [{"name": "patch-demo-ctr-2", "image": "redis"}]}}}}
    assert [c["name"] for c in smp(dep, patch, "Deployment")["spec"]["template"]["spec"]["containers"]] == \
        ["patch-demo-ctr", "patch-demo-ctr-2"]
    assert [c["name"] for c in merge_patch(dep, patch)["spec"]["template"]["spec"]["containers"]] == \
        ["patch-demo-ctr-2"]


def test_tolerations_are_replaced_not_merged():
    """The docs: PodSpec tolerations has no patch strategy, so a strategic patch replaces it."""
    dep = {"spec": {"template": {"spec": {"tolerations": [{"key": "a", "effect": "NoSchedule"}]}}}}
    patch = {"spec": {"template": {"spec": {"tolerations": [{"key": "b", "effect": "NoSchedule"}]}}}}
    assert smp(dep, patch, "Deployment")["spec"]["template"]["spec"]["tolerations"] == [{"key": "b",
                                                                                         "effect": "NoSchedule"}]


def test_merge_keys_of_container_fields():
    pod = {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "http"}],
                                    "env": [{"name": "A", "value": "1"}],
                                    "volumeMounts": [{"name": "v", "mountPath": "/a"}], "args": ["x"]}]}}
    patch = {"spec": {"containers": [{"name": "c", "ports": [{"containerPort": 80, "name": "web"},
                                                             {"containerPort": 443}],
                                      "env": [{"name": "B", "value": "2"}],
                                      "volumeMounts": [{"name": "w", "mountPath": "/a"}], "args": ["y"]}]}}
    c = smp(pod, patch, "Pod")["spec"]["containers"][0]
    assert c["ports"] == [{"containerPort": 80, "name": "web"}, {"containerPort": 443}]
    assert c["env"] == [{"name": "A", "value": "1"}, {"name": "B", "value": "2"}]
    assert c["volumeMounts"] == [{"name": "w", "mountPath": "/a"}]
    assert c["args"] == ["y"]


def test_delete_and_replace_directives():
    pod = {"spec": {"containers": [{"name": "a"}, {"name": "b"}], "nodeSelector": {"x": "1", "y": "2"}}}
    out = smp(pod, {"spec": {"containers": [{"name": "a", "$patch": "delete"}]}}, "Pod")
    assert out["spec"]["containers"] == [{"name": "b"}]
    out = smp(pod, {"spec": {"containers": [{"name": "z"}, {"$patch": "replace"}]}}, "Pod")
    assert out["spec"]["containers"] == [{"name": "z"}]
    out = smp(pod, {"spec": {"nodeSelector": {"z": "3", "$patch": "replace"}}}, "Pod")
    assert out["spec"]["nodeSelector"] == {"z": "3"}
    out = smp(pod, {"spec": {"nodeSelector": {"$patch": "delete"}}}, "Pod")
    assert "nodeSelector" not in out["spec"]
    assert pod["spec"]["containers"] == [{"name": "a"}, {"name": "b"}]     # input untouched


def test_primitive_list_directives_and_element_order():
    obj = {"metadata": {"finalizers": ["a", "b"]}, "spec": {"containers": [{"name": "a"}, {"name": "b"}]}}
    out = smp(obj, {"metadata": {"finalizers": ["c"], "$deleteFromPrimitiveList/finalizers": ["a"]}}, "Pod")
    assert out["metadata"]["finalizers"] == ["b", "c"]
    out = smp(obj, {"spec": {"$setElementOrder/containers": [{"name": "b"}, {"name": "a"}]}}, "Pod")
    assert [c["name"] for c in out["spec"]["containers"]] == ["b", "a"]
    out = smp(obj, {"spec": {"$setElementOrder/containers": [{"name": "c"}, {"name": "a"}],
                             "containers": [{"name": "c"}]}}, "Pod")
    # mergeSortedSlice: patch items in patch order, server-only items after the patch items the
    # server had before them
    assert [c["name"] for c in out["spec"]["containers"]] == ["c", "a", "b"]


def test_retain_keys_clears_rolling_update():
    """DeploymentSpec.strategy has patchStrategy retainKeys: switching to Recreate drops rollingUpdate."""
    dep = {"spec": {"strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": "25%"}}}}
    out = smp(dep, {"spec": {"strategy": {"type": "Recreate", "$retainKeys": ["type"]}}}, "Deployment")
    assert out["spec"]["strategy"] == {"type": "Recreate"}


def test_missing_merge_key_is_a_bad_request():
    with pytest.raises(ApiError) as e:
        smp({"spec": {"containers": []}}, {"spec": {"containers": [{"image": "x"}]}}, "Pod")
    assert e.value.code == 400 and "does not contain declared merge key: name" in e.value.message


def test_conditions_merge_by_type():
    st = {"status": {"conditions": [{"type": "Ready", "status": "False"}, {"type": "PodScheduled", "status": "True"}]}}
    out = smp(st, {"status": {"conditions": [{"type": "Ready", "status": "True"}]}}, "Pod")
    assert out["status"]["conditions"] == [{"type": "Ready", "status": "True"},
                                           {"type": "PodScheduled", "status": "True"}]


def test_three_way_patch_removes_what_you_stopped_declaring():
    original = {"spec": {"template": {"spec": {"containers": [
        {"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}]}, {"name": "b", "image": "y"}]}}}}
    modified = {"spec": {"template": {"spec": {"containers": [{"name": "a", "image": "x2"}]}}}}
    current = {"spec": {"replicas": 5, "template": {"spec": {"containers": [
        {"name": "a", "image": "x", "env": [{"name": "E", "value": "1"}], "imagePullPolicy": "Always"},
        {"name": "b", "image": "y"}]}}}}
    patch = three_way_patch(original, modified, current, "Deployment")
    out = smp(current, patch, "Deployment")
    assert out["spec"]["replicas"] == 5                                  # never declared: kept
    assert out["spec"]["template"]["spec"]["containers"] == [{"name": "a", "image": "x2", "imagePullPolicy": "Always"}]
    assert three_way_patch(modified, modified, out, "Deployment") == {}


def test_api_patch_types(tmp_path):
    c = Cluster(nodes=0)
    c.apiserver.create("configmaps", {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"},
                                      "data": {"a": "1"}})
    c.apiserver.patch("configmaps", "m", {"data": {"b": "2"}}, "default", patch_type="strategic")
    c.apiserver.patch("configmaps", "m", [{"op": "remove", "path": "/data/a"}], "default", patch_type="json")
    assert c.get("configmap", "m")["data"] == {"b": "2"}
    with pytest.raises(ApiError) as e:
        c.apiserver.patch("configmaps", "m", {"data": {"b": "2"}}, "default", patch_type="apply")
    assert e.value.code == 415
    assert apply_patch({"a": 1}, {"a": None}, "merge") == {}
