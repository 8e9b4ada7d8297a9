"""The kinds the API server serves: names, groups, scope and short names.

This is minik8s's discovery document (what ``kubectl api-resources`` prints).
Adding a kind is one :func:`register` call here, plus (optionally) defaulting
and validation functions registered in ``minik8s/api/defaults/`` and
``minik8s/api/validation/`` (in the module of the kind's group) and a printer in
``minik8s/kubectl/printers.py``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..errors import ApiError


@dataclass(frozen=True)
class Resource:
    kind: str
    plural: str
    singular: str
    group: str
    version: str
    namespaced: bool
    short_names: tuple[str, ...] = ()
    categories: tuple[str, ...] = ()
    verbs: tuple[str, ...] = ("create", "delete", "deletecollection", "get", "list", "patch",
                              "update", "watch")
    subresources: tuple[str, ...] = ()
    # Does a change of .spec bump metadata.generation? (workloads and most kinds with a spec)
    generation: bool = False
    # Kinds whose status is only written through the status subresource.
    has_status: bool = False
    extra: dict = field(default_factory=dict, compare=False, hash=False)

    @property
    def api_version(self) -> str:
        return f"{self.group}/{self.version}" if self.group else self.version

    @property
    def group_resource(self) -> str:
        """``deployments.apps`` or ``pods``: how errors name the resource."""
        return f"{self.plural}.{self.group}" if self.group else self.plural


_BY_PLURAL: dict[str, Resource] = {}
_ALIASES: dict[str, Resource] = {}


def register(res: Resource) -> Resource:
    _BY_PLURAL[res.plural] = res
    names = {res.plural, res.singular, res.kind.lower(), *res.short_names}
    for n in names:
        _ALIASES[n] = res
        if res.group:
            _ALIASES[f"{n}.{res.group}"] = res
            _ALIASES[f"{n}.{res.version}.{res.group}"] = res
    return res


def all_resources() -> list[Resource]:
    return sorted(_BY_PLURAL.values(), key=lambda r: (r.group, r.plural))


def lookup(name: str) -> Resource:
    """Resolve what a user typed (``po``, ``pods``, ``Pod``, ``deploy``, ``deployments.apps``)."""
    res = _ALIASES.get(name) or _ALIASES.get(name.lower())
    if res is None:
        raise ApiError(404, "NotFound", f'the server doesn\'t have a resource type "{name}"')
    return res


def for_kind(kind: str, api_version: str | None = None) -> Resource:
    """The resource serving objects of ``kind`` (as in a manifest)."""
    for res in _BY_PLURAL.values():
        if res.kind == kind and (api_version is None or res.api_version == api_version):
            return res
    if api_version is not None:
        for res in _BY_PLURAL.values():
            if res.kind == kind:
                raise ApiError(400, "BadRequest",
                               f'no matches for kind "{kind}" in version "{api_version}"')
    raise ApiError(400, "BadRequest", f'no matches for kind "{kind}" in version "{api_version or ""}"')


_CORE = ""
register(Resource("Namespace", "namespaces", "namespace", _CORE, "v1", False, ("ns",),
                  verbs=("create", "delete", "get", "list", "patch", "update", "watch"),
                  subresources=("finalize", "status"), has_status=True))
register(Resource("Node", "nodes", "node", _CORE, "v1", False, ("no",),
                  subresources=("proxy", "status"), has_status=True))
register(Resource("Pod", "pods", "pod", _CORE, "v1", True, ("po",), ("all",),
                  subresources=("attach", "binding", "ephemeralcontainers", "eviction", "exec",
                                "log", "portforward", "proxy", "resize", "status"),
                  has_status=True))
register(Resource("Event", "events", "event", _CORE, "v1", True, ("ev",)))
register(Resource("ConfigMap", "configmaps", "configmap", _CORE, "v1", True, ("cm",)))
register(Resource("Secret", "secrets", "secret", _CORE, "v1", True))
register(Resource("ServiceAccount", "serviceaccounts", "serviceaccount", _CORE, "v1", True, ("sa",)))
register(Resource("Lease", "leases", "lease", "coordination.k8s.io", "v1", True))
register(Resource("ReplicaSet", "replicasets", "replicaset", "apps", "v1", True, ("rs",), ("all",),
                  subresources=("scale", "status"), generation=True, has_status=True))
register(Resource("Deployment", "deployments", "deployment", "apps", "v1", True, ("deploy",), ("all",),
                  subresources=("scale", "status"), generation=True, has_status=True))
register(Resource("DaemonSet", "daemonsets", "daemonset", "apps", "v1", True, ("ds",), ("all",),
                  subresources=("status",), generation=True, has_status=True))
register(Resource("StatefulSet", "statefulsets", "statefulset", "apps", "v1", True, ("sts",), ("all",),
                  subresources=("scale", "status"), generation=True, has_status=True))
register(Resource("ControllerRevision", "controllerrevisions", "controllerrevision", "apps", "v1", True))
register(Resource("Job", "jobs", "job", "batch", "v1", True, (), ("all",),
                  subresources=("status",), generation=True, has_status=True))
register(Resource("CronJob", "cronjobs", "cronjob", "batch", "v1", True, ("cj",), ("all",),
                  subresources=("status",), generation=True, has_status=True))
register(Resource("Service", "services", "service", _CORE, "v1", True, ("svc",), ("all",),
                  subresources=("proxy", "status"), has_status=True))
register(Resource("Endpoints", "endpoints", "endpoints", _CORE, "v1", True, ("ep",)))
register(Resource("EndpointSlice", "endpointslices", "endpointslice", "discovery.k8s.io", "v1", True))
register(Resource("PersistentVolume", "persistentvolumes", "persistentvolume", _CORE, "v1", False, ("pv",),
                  subresources=("status",), has_status=True))
register(Resource("PersistentVolumeClaim", "persistentvolumeclaims", "persistentvolumeclaim", _CORE, "v1",
                  True, ("pvc",), subresources=("status",), has_status=True))
register(Resource("StorageClass", "storageclasses", "storageclass", "storage.k8s.io", "v1", False, ("sc",)))
register(Resource("PriorityClass", "priorityclasses", "priorityclass", "scheduling.k8s.io", "v1", False, ("pc",)))
