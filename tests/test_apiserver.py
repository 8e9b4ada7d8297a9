"""The API server's verbs, subresources and watches.
https://kubernetes.io/docs/reference/using-api/api-concepts/
"""

from __future__ import annotations

import pytest

from minik8s import ApiError, Cluster


@pytest.fixture
def c():
    c = Cluster(nodes=0)
    for name in list(c.components):
        c.stop(name)           # the API server alone: no controller reacts
    return c


def cm(name, ns=None, labels=None, **data):
    md = {"name": name}
    if ns:
        md["namespace"] = ns
    if labels:
        md["labels"] = labels
    return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": md, "data": data}


def deploy(name="web", replicas=1):
    return {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
            "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                     "template": {"metadata": {"labels": {"app": name}},
                                  "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}}


def test_initial_namespaces_and_missing_namespace(c):
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces"""
    names = [n["metadata"]["name"] for n in c.apiserver.list("namespaces")["items"]]
    assert names == ["default", "kube-node-lease", "kube-public", "kube-system"]
    with pytest.raises(ApiError) as e:
        c.apiserver.create("configmaps", cm("x"), "nowhere")
    assert (e.value.code, e.value.message) == (404, 'namespaces "nowhere" not found')


def test_terminating_namespace_refuses_new_content(c):
    c.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "t"}})
    c.apiserver.delete("namespaces", "t")
    assert c.apiserver.get("namespaces", "t")["status"]["phase"] == "Terminating"
    with pytest.raises(ApiError) as e:
        c.apiserver.create("configmaps", cm("x"), "t")
    assert e.value.message == ('configmaps "x" is forbidden: unable to create new content in namespace t '
                               'because it is being terminated')
    with pytest.raises(ApiError) as e:
        c.apiserver.delete("namespaces", "default")
    assert e.value.code == 403


def test_namespace_deletion_removes_content():
    """https://kubernetes.io/docs/tasks/administer-cluster/namespaces/#deleting-a-namespace"""
    c = Cluster(nodes=0)
    c.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "gone"}})
    c.apiserver.create("configmaps", cm("a"), "gone")
    c.apiserver.delete("namespaces", "gone")
    c.run(10)
    assert not c.apiserver.exists("namespaces", "gone")
    assert not c.apiserver.exists("configmaps", "a", "gone")


def test_generation_bumps_only_on_spec_change(c):
    d = c.apiserver.create("deployments", deploy(), "default")
    assert d["metadata"]["generation"] == 1
    d = c.apiserver.patch("deployments", "web", {"metadata": {"labels": {"x": "y"}}}, "default")
    assert d["metadata"]["generation"] == 1
    d = c.apiserver.patch("deployments", "web", {"spec": {"replicas": 3}}, "default")
    assert d["metadata"]["generation"] == 2


def test_status_subresource(c):
    """https://kubernetes.io/docs/reference/using-api/api-concepts/#subresources: a main-resource update
    keeps the old status; the status subresource changes only the status."""
    d = c.apiserver.create("deployments", deploy(), "default")
    d["status"] = {"replicas": 7}
    d["spec"]["replicas"] = 4
    out = c.apiserver.update("deployments", d, "default")
    assert "status" not in out and out["spec"]["replicas"] == 4
    out["status"] = {"replicas": 7}
    out["spec"]["replicas"] = 9
    out = c.apiserver.update("deployments", out, "default", subresource="status")
    assert out["status"] == {"replicas": 7} and out["spec"]["replicas"] == 4


def test_update_conflict(c):
    d = c.apiserver.create("deployments", deploy(), "default")
    c.apiserver.patch("deployments", "web", {"spec": {"replicas": 2}}, "default")
    with pytest.raises(ApiError) as e:
        c.apiserver.update("deployments", d, "default")
    assert e.value.message == ('Operation cannot be fulfilled on deployments.apps "web": the object has been '
                               'modified; please apply your changes to the latest version and try again')


def test_scale_subresource(c):
    """https://kubernetes.io/docs/reference/kubernetes-api/workload-resources/deployment-v1/ (scale)."""
    c.apiserver.create("deployments", deploy(), "default")
    s = c.apiserver.get("deployments", "web", "default", subresource="scale")
    assert s["kind"] == "Scale" and s["spec"] == {"replicas": 1} and s["status"]["selector"] == "app=web"
    s["spec"]["replicas"] = 5
    c.apiserver.update("deployments", s, "default", subresource="scale")
    assert c.apiserver.get("deployments", "web", "default")["spec"]["replicas"] == 5


def test_binding(c):
    """https://kubernetes.io/docs/reference/kubernetes-api/cluster-resources/binding-v1/"""
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
                                "spec": {"containers": [{"name": "a", "image": "nginx"}]}}, "default")
    b = {"apiVersion": "v1", "kind": "Binding", "metadata": {"name": "p", "namespace": "default"},
         "target": {"kind": "Node", "name": "node-1"}}
    c.apiserver.create("pods", b, "default", subresource="binding")
    p = c.apiserver.get("pods", "p", "default")
    assert p["spec"]["nodeName"] == "node-1"
    assert p["status"]["conditions"][0]["type"] == "PodScheduled"
    with pytest.raises(ApiError) as e:
        c.apiserver.create("pods", b, "default", subresource="binding")
    assert e.value.code == 409 and 'is already assigned to node "node-1"' in e.value.message


def test_finalizers_hold_deletion(c):
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/finalizers/"""
    obj = cm("f")
    obj["metadata"]["finalizers"] = ["example.com/hold"]
    c.apiserver.create("configmaps", obj, "default")
    out = c.apiserver.delete("configmaps", "f", "default")
    assert out["metadata"]["deletionTimestamp"]
    with pytest.raises(ApiError) as e:
        c.apiserver.patch("configmaps", "f", {"metadata": {"finalizers": ["example.com/hold", "x/y"]}}, "default")
    assert e.value.code == 422
    c.apiserver.patch("configmaps", "f", {"metadata": {"finalizers": None}}, "default")
    assert not c.apiserver.exists("configmaps", "f", "default")


def test_watch_delivers_every_event_in_order(c):
    seen = []
    c.apiserver.watch("configmaps", lambda t, o: seen.append((t, o["metadata"]["name"],
                                                                int(o["metadata"]["resourceVersion"]))))
    for i in range(50):
        c.apiserver.create("configmaps", cm(f"m{i}"), "default")
    for i in range(0, 50, 2):
        c.apiserver.delete("configmaps", f"m{i}", "default")
    c.run(0)
    assert len(seen) == 75
    assert [rv for _t, _n, rv in seen] == sorted(rv for _t, _n, rv in seen)
    assert [t for t, _n, _rv in seen].count("DELETED") == 25


def test_watch_from_revision_and_compaction(c):
    """https://kubernetes.io/docs/reference/using-api/api-concepts/#efficient-detection-of-changes
    (410 Gone when the revision has been compacted)."""
    c.apiserver.create("configmaps", cm("a"), "default")
    rv = c.apiserver.list("configmaps", "default")["metadata"]["resourceVersion"]
    c.apiserver.create("configmaps", cm("b"), "default")
    seen = []
    c.apiserver.watch("configmaps", lambda t, o: seen.append((t, o["metadata"]["name"])), resource_version=rv)
    c.run(0)
    assert seen == [("ADDED", "b")]
    c.store.compact()
    errs = []
    c.apiserver.watch("configmaps", lambda t, o: errs.append((t, o)), resource_version=rv)
    c.run(0)
    assert errs[0][0] == "ERROR" and errs[0][1]["code"] == 410 and errs[0][1]["reason"] == "Expired"


def test_filtered_watch_sees_deleted_when_object_leaves(c):
    """A watch with a label selector gets DELETED when an object stops matching (watch cache semantics)."""
    seen = []
    c.apiserver.watch("configmaps", lambda t, o: seen.append((t, o["metadata"]["name"])), "default",
                      label_selector="tier=web")
    c.apiserver.create("configmaps", cm("a", labels={"tier": "web"}), "default")
    c.apiserver.create("configmaps", cm("b", labels={"tier": "db"}), "default")
    c.apiserver.patch("configmaps", "a", {"metadata": {"labels": {"tier": "db"}}}, "default")
    c.apiserver.patch("configmaps", "b", {"metadata": {"labels": {"tier": "web"}}}, "default")
    c.run(0)
    assert seen == [("ADDED", "a"), ("DELETED", "a"), ("ADDED", "b")]


def test_field_selectors(c):
    """https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/"""
    for name in ("a", "b"):
        c.apiserver.create("configmaps", cm(name), "default")
    assert [o["metadata"]["name"] for o in c.apiserver.list("configmaps", field_selector="metadata.name!=a")["items"]
            if o["metadata"]["namespace"] == "default"] == ["b"]
    with pytest.raises(ApiError) as e:
        c.apiserver.list("pods", field_selector="spec.bogus=1")
    assert e.value.message == "field label not supported: spec.bogus"


def test_event_field_selectors_on_involved_object(c):
    """``kubectl get events --field-selector involvedObject.name=web,involvedObject.kind=Pod``
    (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_events/)."""
    def ev(name, kind, obj, reason):
        return {"apiVersion": "v1", "kind": "Event", "metadata": {"name": name},
                "involvedObject": {"kind": kind, "name": obj, "namespace": "default"}, "reason": reason,
                "type": "Normal", "message": "m"}
    c.apiserver.create("events", ev("e1", "Pod", "web", "Scheduled"), "default")
    c.apiserver.create("events", ev("e2", "Deployment", "web", "ScalingReplicaSet"), "default")
    c.apiserver.create("events", ev("e3", "Pod", "db", "Pulled"), "default")
    names = lambda sel: [e["metadata"]["name"] for e in c.apiserver.list("events", "default", field_selector=sel)["items"]]
    assert names("involvedObject.name=web") == ["e1", "e2"]
    assert names("involvedObject.name=web,involvedObject.kind=Pod") == ["e1"]
    assert names("reason=Pulled") == ["e3"]
    seen = []
    c.apiserver.watch("events", lambda t, o: seen.append(o["metadata"]["name"]), "default",
                      field_selector="involvedObject.kind=Deployment")
    c.apiserver.create("events", ev("e4", "Deployment", "api", "ScalingReplicaSet"), "default")
    c.apiserver.create("events", ev("e5", "Pod", "api", "Pulled"), "default")
    c.run(0)
    assert seen == ["e4"]


def test_generate_name_and_list_paging(c):
    o = cm("x")
    del o["metadata"]["name"]
    o["metadata"]["generateName"] = "cfg-"
    out = c.apiserver.create("configmaps", o, "default")
    assert out["metadata"]["name"].startswith("cfg-") and len(out["metadata"]["name"]) == 9
    for i in range(5):
        c.apiserver.create("configmaps", cm(f"p{i}"), "default")
    page = c.apiserver.list("configmaps", "default", limit=2)
    assert len(page["items"]) == 2 and page["metadata"]["continue"]
    rest = c.apiserver.list("configmaps", "default", continue_=page["metadata"]["continue"])
    got = [o["metadata"]["name"] for o in page["items"] + rest["items"]]
    assert got == [o["metadata"]["name"] for o in c.apiserver.list("configmaps", "default")["items"]]


def test_apiserver_down(c):
    c.apiserver.running = False
    with pytest.raises(ApiError) as e:
        c.apiserver.list("pods")
    assert e.value.message == ("The connection to the server 127.0.0.1:6443 was refused - did you specify the "
                               "right host or port?")
