"""Property tests: a malformed manifest always gets a Kubernetes error (ApiError), never a Python
traceback, and a rejected request never changes the store (DESIGN.md principle 5)."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from minik8s import ApiError, Cluster
from minik8s.api.strategic import strategic_merge_patch

CLUSTER = Cluster(nodes=0, trace=False)
for _name in list(CLUSTER.components):
    CLUSTER.stop(_name)

BASES = [
    {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "p"},
     "spec": {"containers": [{"name": "c", "image": "nginx", "ports": [{"containerPort": 80}],
                              "resources": {"limits": {"cpu": "1"}},
                              "livenessProbe": {"httpGet": {"path": "/", "port": 80}}}],
              "volumes": [{"name": "v", "emptyDir": {}}]}},
    {"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": "d", "labels": {"app": "d"}},
     "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "d"}},
              "strategy": {"type": "RollingUpdate", "rollingUpdate": {"maxSurge": 1}},
              "template": {"metadata": {"labels": {"app": "d"}},
                           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}}},
    {"apiVersion": "v1", "kind": "Service", "metadata": {"name": "s"},
     "spec": {"selector": {"app": "d"}, "ports": [{"port": 80, "targetPort": 8080}]}},
    {"apiVersion": "batch/v1", "kind": "Job", "metadata": {"name": "j"},
     "spec": {"template": {"spec": {"containers": [{"name": "c", "image": "busybox"}], "restartPolicy": "Never"}}}},
    {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "m"}, "data": {"k": "v"}},
    {"apiVersion": "v1", "kind": "PersistentVolumeClaim", "metadata": {"name": "c"},
     "spec": {"accessModes": ["ReadWriteOnce"], "resources": {"requests": {"storage": "1Gi"}}}},
]

junk = st.recursive(
    st.none() | st.booleans() | st.integers(-5, 70000) | st.sampled_from(["", "x", "Bad_Name", "-1", "1Gi", "abc"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.sampled_from(["name", "x", "port", "image"]),
                                                                inner, max_size=3),
    max_leaves=6)


def _paths(obj, prefix=()):
    yield prefix
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, prefix + (i,))


def _mutate(base, path, value, delete):
    obj = json.loads(json.dumps(base))
    if not path:
        return value
    cur = obj
    for p in path[:-1]:
        cur = cur[p]
    if delete and isinstance(cur, dict):
        cur.pop(path[-1], None)
    else:
        cur[path[-1]] = value
    return obj


@st.composite
def malformed(draw):
    base = draw(st.sampled_from(BASES))
    paths = [p for p in _paths(base) if p[:1] not in (("apiVersion",), ("kind",))]
    path = draw(st.sampled_from(paths))
    return base, _mutate(base, path, draw(junk), draw(st.booleans()))


def _run(fn):
    try:
        fn()
    except ApiError as e:
        assert e.code in (400, 403, 404, 409, 415, 422), e


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_create_gives_api_error_and_leaves_store_unchanged(case):
    base, obj = case
    before = CLUSTER.store.snapshot()
    created = []

    def create():
        out = CLUSTER.apiserver.create(base["kind"], obj, "default")
        created.append(out)
    _run(create)
    if created:      # a valid mutant: clean up so every example starts from the same store
        md = created[0]["metadata"]
        _delete_now(base["kind"], md["name"], md.get("namespace"))
        CLUSTER.clock.run(0)
    else:
        assert CLUSTER.store.snapshot() == before


def _delete_now(kind, name, namespace):
    """Delete for good. Every controller is stopped here, so nothing would lift a finalizer (claims get
    kubernetes.io/pvc-protection at admission): take them off first."""
    try:
        CLUSTER.apiserver.patch(kind, name, {"metadata": {"finalizers": None}}, namespace)
        CLUSTER.apiserver.delete(kind, name, namespace, grace_period_seconds=0)
    except ApiError as e:
        if e.code != 404:
            raise


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_apply_gives_api_error(case):
    base, obj = case
    before = CLUSTER.store.snapshot()
    applied = []
    _run(lambda: applied.append(CLUSTER.apply(obj)))
    if applied:
        for o in applied[0]:
            _delete_now(o["kind"], o["metadata"]["name"], o["metadata"].get("namespace"))
        CLUSTER.clock.run(0)
    else:
        assert CLUSTER.store.snapshot() == before


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(BASES), junk)
def test_strategic_patch_of_junk_is_an_api_error(base, patch):
    _run(lambda: strategic_merge_patch(base, patch, base["kind"]))


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(malformed())
def test_update_with_junk_gives_api_error_and_changes_nothing(case):
    base, obj = case
    stored = CLUSTER.apiserver.create(base["kind"], base, "default")
    md = stored["metadata"]
    try:
        before = CLUSTER.store.snapshot()
        if isinstance(obj, dict):
            obj = dict(obj, metadata=dict(obj.get("metadata") if isinstance(obj.get("metadata"), dict) else {},
                                          name=md["name"]))
        ok = []
        _run(lambda: ok.append(CLUSTER.apiserver.update(base["kind"], obj, "default")))
        if not ok:
            assert CLUSTER.store.snapshot() == before
    finally:
        _delete_now(base["kind"], md["name"], md.get("namespace"))
        CLUSTER.clock.run(0)
