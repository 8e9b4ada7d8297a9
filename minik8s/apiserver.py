"""kube-apiserver: the only door to the cluster's state.

Every component and every user talks to the API server, and only the API
server talks to etcd (https://kubernetes.io/docs/concepts/overview/components/#kube-apiserver).
A request goes through the same stages as in Kubernetes:

1. resolve the resource (``pods``, ``deployments.apps``) and the namespace;
2. decode and **default** the object (``api/defaults.py``);
3. **admission**: mutating plugins (default tolerations, ...) then validating ones
   (the namespace must exist and not be terminating);
4. **validate** it (``api/validation.py``): a failure is a 422 with Kubernetes' message
   and nothing is stored;
5. write to etcd (``store.py``) with compare-and-swap on ``resourceVersion``;
6. tell every **watch** whose filters match, in revision order.

Subresources: ``status`` (only status changes), ``scale``, ``binding`` (the
scheduler's way to assign a pod to a node), ``log`` and ``exec`` (proxied to the
kubelet of the pod's node), ``finalize`` (namespaces).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Callable

from . import errors
from .api import admission, schema
from .api import resources as R
from .api.defaults import apply_defaults
from .api.labels import (field_selector_matches, parse_field_selector, parse_selector,
                         selector_from_object)
from .api.meta import clone, key_of, random_suffix, random_uid, rfc3339
from .api.patch import ApiUnsupported, apply_patch
from .api.validation import validate
from .store import CompareFailed, KeyExists, KeyMissing, Store

# Namespaces that exist when the cluster starts (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/#initial-namespaces).
INITIAL_NAMESPACES = ("default", "kube-node-lease", "kube-public", "kube-system")

CONNECTION_REFUSED = ("The connection to the server 127.0.0.1:6443 was refused - "
                      "did you specify the right host or port?")

# Field selectors each kind supports (others get "field label not supported").
FIELD_SELECTORS = {
    "Pod": ("metadata.name", "metadata.namespace", "spec.nodeName", "spec.restartPolicy",
            "spec.schedulerName", "spec.serviceAccountName", "spec.hostNetwork", "status.phase",
            "status.podIP", "status.nominatedNodeName"),
    "Event": ("metadata.name", "metadata.namespace", "involvedObject.kind", "involvedObject.namespace",
              "involvedObject.name", "involvedObject.uid", "involvedObject.apiVersion",
              "involvedObject.resourceVersion", "involvedObject.fieldPath", "reason",
              "reportingComponent", "source", "type"),
    "Node": ("metadata.name", "spec.unschedulable"),
    "Namespace": ("metadata.name", "status.phase"),
    "Secret": ("metadata.name", "metadata.namespace", "type"),
    "ReplicaSet": ("metadata.name", "metadata.namespace", "status.replicas"),
}


@dataclass
class Watch:
    """A live watch. ``handler(type, obj)`` receives ADDED/MODIFIED/DELETED (and ERROR) events."""

    resource: R.Resource
    handler: Callable[[str, dict], None]
    namespace: str | None
    labels: object
    fields: list
    server: "APIServer" = field(repr=False)
    active: bool = True
    since: int = 0        # revision the watch starts after: older commits are not delivered live
    seq: int = 0
    keyed: bool = False   # handler(type, obj, key): informers index by the store's namespace/name key

    def stop(self) -> None:
        if self.active:
            self.active = False
            self.server._unregister(self)

    @property
    def node_name(self) -> str | None:
        """The node a kubelet-style watch is pinned to (``spec.nodeName=X``), used to index watches."""
        for f, op, v in self.fields:
            if f == "spec.nodeName" and op == "=":
                return v
        return None

    def _matches(self, obj: dict | None) -> bool:
        if obj is None:
            return False
        md = obj["metadata"]
        if self.namespace and md.get("namespace") != self.namespace:
            return False
        if not self.labels.matches(md.get("labels")):
            return False
        return not self.fields or field_selector_matches(obj, self.fields)

    def __post_init__(self) -> None:
        # a watch on the whole resource (no namespace, no selectors) sees every event as it is
        self._everything = (not self.namespace and not self.fields
                            and getattr(self.labels, "empty", lambda: False)())

    def _translate(self, ev) -> tuple[str, dict] | None:
        """Turn a store event into what this watch sees: an object leaving the filter is DELETED."""
        if self._everything:
            return ev.type, ev.obj
        now_in = ev.type != "DELETED" and self._matches(ev.obj)
        was_in = ev.prev is not None and self._matches(ev.prev)
        if ev.type == "DELETED":
            return ("DELETED", ev.obj) if was_in else None
        if now_in and was_in:
            return ("MODIFIED", ev.obj)
        if now_in:
            return ("ADDED", ev.obj)
        if was_in:
            return ("DELETED", ev.obj)
        return None


class APIServer:
    """The API server. ``clock`` schedules watch delivery; ``rng`` draws uids and generated names."""

    def __init__(self, store: Store, clock, rng):
        self.store = store
        self.clock = clock
        self.rng = rng
        self.running = True           # kube-apiserver process up?
        self.etcd_running = True      # can it reach etcd?
        self._watches: list[Watch] = []                   # in registration order
        self._by_resource: dict[str, list[Watch]] = {}    # resource -> watches (no node pin)
        self._by_node: dict[tuple[str, str], list[Watch]] = {}   # (resource, node) -> pinned watches
        self._merged: dict[tuple, list[Watch]] = {}   # _watches_for's answers until watches change
        self._watch_seq = 0
        self._pending: list = []      # store events not yet delivered to watches
        self._dispatch_scheduled = False
        self.kubelets: dict[str, object] = {}   # node name -> kubelet server (for log/exec)
        # admission plugins: fn(op, resource, obj, old) -> None; may mutate obj or raise ApiError
        self.mutating_admission: list[Callable] = []
        self.validating_admission: list[Callable] = [self._namespace_lifecycle]
        # per-kind hooks run on create after defaulting (e.g. pods' initial status)
        self.prepare_create: dict[str, Callable[[dict], None]] = {}
        # per-kind delete behaviour: fn(obj, grace) -> grace seconds to use (pods are graceful)
        self.grace_period: dict[str, Callable[[dict, int | None], int]] = {}
        # per-kind hooks run after a create is stored (e.g. a namespace's default ServiceAccount)
        self.after_create: dict[str, Callable[[dict], None]] = {}
        store.add_listener(self._on_commit)
        admission.install(self)       # ServiceAccount, Priority, DefaultTolerationSeconds, ...

    # --- plumbing --------------------------------------------------------------------------
    def _check_up(self) -> None:
        if not self.running:
            raise errors.ApiError(503, "ServiceUnavailable", CONNECTION_REFUSED,
                                  {"connectionRefused": True})
        if not self.etcd_running:
            # etcd's error is not an APIStatus: ErrorToAPIStatus makes it a 500 with reason
            # StatusReasonUnknown (""), which kubectl prints as "Error from server: <message>".
            raise errors.ApiError(500, "", "etcdserver: request timed out")

    @staticmethod
    def resource(resource) -> R.Resource:
        return resource if isinstance(resource, R.Resource) else R.lookup(resource)

    @staticmethod
    def _out(stored: dict, owned: bool) -> dict:
        """What a write returns: a copy of the stored object, or (``owned``) the object itself."""
        return stored if owned else clone(stored)

    @staticmethod
    def _key(res: R.Resource, namespace: str | None, name: str) -> str:
        return f"{namespace}/{name}" if res.namespaced else name

    def _namespace(self, res: R.Resource, namespace: str | None, obj: dict | None = None) -> str | None:
        if not res.namespaced:
            return None
        ns = namespace or (obj or {}).get("metadata", {}).get("namespace") or "default"
        return ns

    def _not_found(self, res: R.Resource, name: str) -> errors.ApiError:
        return errors.not_found(res.plural, name, res.group)

    # --- admission -------------------------------------------------------------------------
    def _namespace_lifecycle(self, op: str, res: R.Resource, obj: dict, old: dict | None) -> None:
        """NamespaceLifecycle: no objects in a missing or terminating namespace."""
        if not res.namespaced or op != "CREATE":
            return
        ns = obj["metadata"]["namespace"]
        nsobj = self.store.peek("namespaces", ns)
        if nsobj is None:
            raise errors.not_found("namespaces", ns)
        if nsobj["metadata"].get("deletionTimestamp") and res.kind != "Event":
            raise errors.ApiError(
                403, "Forbidden",
                f'{res.plural} "{obj["metadata"].get("name") or obj["metadata"].get("generateName", "")}" '
                f"is forbidden: unable to create new content in namespace {ns} because it is being terminated",
                {"name": obj["metadata"].get("name", ""), "kind": res.plural})

    def _invalid(self, obj: dict, causes) -> errors.ApiError:
        res_group = ""
        try:
            res_group = R.for_kind(obj.get("kind", "")).group
        except errors.ApiError:
            pass
        return errors.invalid(obj.get("kind", ""), obj.get("metadata", {}).get("name", ""), causes, res_group)

    # --- verbs -----------------------------------------------------------------------------
    def create(self, resource, obj: dict, namespace: str | None = None, *, dry_run: bool = False,
               subresource: str | None = None, typed: bool = False, owned: bool = False) -> dict:
        """POST: store a new object (defaults, admission and validation applied).

        ``typed``: the object comes from a component's typed client (client-go builds requests
        from Go structs, which always decode), so the decoding check is skipped; validation and
        admission still run. ``owned``: the caller hands ``obj`` over, will not touch it again and
        will not modify what is returned (the stored object itself): the event recorder, which
        writes and forgets, spares two copies of every Event that way."""
        self._check_up()
        res = self.resource(resource)
        if subresource == "binding":
            return self._bind(res, obj, namespace)
        if subresource == "eviction":
            return self._evict(res, obj, namespace)
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata", {}), dict):
            raise errors.bad_request("the body of the request was in an unknown format")
        if not owned:
            obj = clone(obj)
        obj.setdefault("apiVersion", res.api_version)
        obj.setdefault("kind", res.kind)
        if obj["kind"] != res.kind:
            raise errors.bad_request(f"the API version in the data ({obj.get('apiVersion')}) does not "
                                     f"match the expected API version ({res.api_version})")
        md = obj.setdefault("metadata", {})
        ns = self._namespace(res, namespace, obj)
        if res.namespaced:
            if md.get("namespace") and namespace and md["namespace"] != namespace:
                raise errors.bad_request("the namespace of the provided object does not match the "
                                         "namespace sent on the request")
            md["namespace"] = ns
        else:
            md.pop("namespace", None)
        if not md.get("name") and md.get("generateName"):
            md["name"] = md["generateName"] + random_suffix(self.rng)
        for k in ("uid", "resourceVersion", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "creationTimestamp", "generation", "selfLink"):
            md.pop(k, None)
        if not typed:
            schema.check(obj, strict=False)     # decoding: wrong JSON types, bad quantities (400)
        apply_defaults(obj)
        for plugin in self.mutating_admission:
            plugin("CREATE", res, obj, None)
        causes = validate(obj, None)
        if causes:
            raise self._invalid(obj, causes)
        for plugin in self.validating_admission:
            plugin("CREATE", res, obj, None)
        md["uid"] = random_uid(self.rng)
        md["creationTimestamp"] = rfc3339(self.clock.now)
        if res.generation:
            md["generation"] = 1
        hook = self.prepare_create.get(res.kind)
        if hook:
            hook(obj)
        key = self._key(res, ns, md["name"])
        if dry_run:
            if self.store.peek(res.plural, key) is not None:
                raise errors.already_exists(res.plural, md["name"], res.group)
            return obj
        try:
            stored = self.store.create(res.plural, key, obj, owned=True)
        except KeyExists:
            raise errors.already_exists(res.plural, md["name"], res.group) from None
        after = self.after_create.get(res.kind)
        if after:
            after(stored)
        return self._out(stored, owned)

    def get(self, resource, name: str, namespace: str | None = None, *,
            subresource: str | None = None) -> dict:
        self._check_up()
        res = self.resource(resource)
        ns = self._namespace(res, namespace)
        obj = self.store.get(res.plural, self._key(res, ns, name))
        if obj is None:
            raise self._not_found(res, name)
        if subresource == "scale":
            return self._scale_of(res, obj)
        if subresource == "status" or subresource is None:
            return obj
        raise errors.not_found(f"{res.plural}/{subresource}", name)

    def exists(self, resource, name: str, namespace: str | None = None) -> bool:
        res = self.resource(resource)
        return self.store.peek(res.plural, self._key(res, self._namespace(res, namespace), name)) is not None

    def list(self, resource, namespace: str | None = None, *, label_selector=None,
             field_selector: str | None = None, limit: int | None = None,
             continue_: str | None = None) -> dict:
        """LIST: a ``<Kind>List`` whose ``metadata.resourceVersion`` is the store's revision."""
        self._check_up()
        res = self.resource(resource)
        labels = (label_selector if hasattr(label_selector, "matches")
                  else parse_selector(label_selector))
        fields = self._parse_fields(res, field_selector)
        prefix = f"{namespace}/" if (res.namespaced and namespace) else ""
        items = []
        key_prev = ""
        start = continue_ or ""
        more = None
        for key, obj in self.store.iter_raw(res.plural):
            if prefix and not key.startswith(prefix):
                continue
            if start and key <= start:
                continue
            if not labels.matches(obj["metadata"].get("labels")):
                continue
            if fields and not field_selector_matches(obj, fields):
                continue
            if limit and len(items) >= limit:
                more = key_prev
                break
            items.append(clone(obj))
            key_prev = key
        meta = {"resourceVersion": str(self.store.revision)}
        if more:
            meta["continue"] = more
        return {"apiVersion": res.api_version, "kind": res.kind + "List", "metadata": meta, "items": items}

    def _parse_fields(self, res: R.Resource, text: str | None):
        fields = parse_field_selector(text)
        allowed = FIELD_SELECTORS.get(res.kind, ("metadata.name", "metadata.namespace"))
        for f, _op, _v in fields:
            if f not in allowed:
                raise errors.bad_request(f'field label not supported: {f}')
        return fields

    def update(self, resource, obj: dict, namespace: str | None = None, *,
               subresource: str | None = None, dry_run: bool = False, typed: bool = False,
               owned: bool = False) -> dict:
        """PUT: replace an object. With ``subresource="status"`` only its status changes.
        ``typed`` and ``owned``: as for :meth:`create` (a kubelet's status writes are owned)."""
        self._check_up()
        res = self.resource(resource)
        if not isinstance(obj, dict) or not isinstance(obj.get("metadata") or {}, dict):
            raise errors.bad_request("the body of the request was in an unknown format")
        if not owned and subresource != "status":   # a status update copies only the status
            obj = clone(obj)
        md = obj.get("metadata") or {}
        name = md.get("name")
        ns = self._namespace(res, namespace, obj)
        key = self._key(res, ns, name)
        old = self.store.peek(res.plural, key)
        if old is None:
            raise self._not_found(res, name)
        if subresource == "scale":
            return self._update_scale(res, old, obj, dry_run)
        rv = md.get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(res.plural, name, res.group)
        new = self._merge_update(res, old, obj, subresource, owned)
        return self._write_update(res, key, old, new, dry_run, subresource, typed, owned)

    def _merge_update(self, res: R.Resource, old: dict, obj: dict, subresource: str | None,
                      owned: bool = False) -> dict:
        """What an update stores: status from the status subresource only; server fields kept."""
        if subresource == "status":
            # Everything but the status is the stored object's. Stored objects are never changed in
            # place (every write stores a new object), so the new one shares the old spec instead of
            # copying it; metadata is copied one level, since the write sets resourceVersion.
            new = dict(old)
            new["metadata"] = dict(old["metadata"])
            status = obj.get("status", {})
            new["status"] = status if owned else clone(status)
            return new
        if subresource == "finalize":
            new = clone(old)
            new["spec"] = obj.get("spec", {})
            return new
        new = obj
        new.setdefault("apiVersion", res.api_version)
        new.setdefault("kind", res.kind)
        md = new.setdefault("metadata", {})
        omd = old["metadata"]
        for k in ("uid", "creationTimestamp", "deletionTimestamp", "deletionGracePeriodSeconds",
                  "namespace", "generation"):
            if k in omd:
                md[k] = omd[k]
            else:
                md.pop(k, None)
        if res.has_status:
            if "status" in old:
                new["status"] = clone(old["status"])
            else:
                new.pop("status", None)
        apply_defaults(new)
        return new

    def _write_update(self, res: R.Resource, key: str, old: dict, new: dict, dry_run: bool,
                      subresource: str | None = None, typed: bool = False, owned: bool = False) -> dict:
        md = new["metadata"]
        if old["metadata"].get("deletionTimestamp"):
            # An object being deleted can lose finalizers but not gain new ones.
            added = set(md.get("finalizers") or []) - set(old["metadata"].get("finalizers") or [])
            if added:
                raise errors.invalid(res.kind, md["name"], [(
                    "metadata.finalizers", "FieldValueForbidden",
                    f"Forbidden: no new finalizers can be added if the object is being deleted, "
                    f"found new finalizers {sorted(added)}")], res.group)
        if typed:
            pass
        elif subresource == "status":
            # A status update cannot change the spec (it was copied from the stored object), so only
            # the status is checked, as upstream's status strategies do (ValidatePodStatusUpdate).
            schema.check({k: new[k] for k in ("apiVersion", "kind", "metadata", "status") if k in new},
                         strict=False)
        else:
            schema.check(new, strict=False)
        for plugin in self.mutating_admission:
            plugin("UPDATE", res, new, old)
        causes = validate(new, old) if subresource != "status" else []
        if causes:
            raise self._invalid(new, causes)
        for plugin in self.validating_admission:
            plugin("UPDATE", res, new, old)
        if res.generation and new.get("spec") != old.get("spec"):
            md["generation"] = old["metadata"].get("generation", 1) + 1
        md["resourceVersion"] = old["metadata"]["resourceVersion"]
        if new == old:          # a no-op write does not bump the revision (as Kubernetes)
            return self._out(old, owned)
        if dry_run:
            return new
        # Last finalizer gone from an object being deleted (and its grace period over): delete it.
        if (md.get("deletionTimestamp") and not md.get("finalizers")
                and not self._graceful_pending(res, new)):
            try:
                self.store.update(res.plural, key, new, md["resourceVersion"], owned=True)
                return self._out(self.store.delete(res.plural, key), owned)
            except CompareFailed:
                raise errors.conflict(res.plural, md["name"], res.group) from None
        try:
            stored = self.store.update(res.plural, key, new, md["resourceVersion"], owned=True)
            return self._out(stored, owned)
        except CompareFailed:
            raise errors.conflict(res.plural, md["name"], res.group) from None

    def _graceful_pending(self, res: R.Resource, obj: dict) -> bool:
        """Deletion still waits: a pod for its kubelet, a namespace for its spec.finalizers."""
        if res.kind == "Pod":
            return (obj["metadata"].get("deletionGracePeriodSeconds") or 0) > 0
        if res.kind == "Namespace":
            return bool((obj.get("spec") or {}).get("finalizers"))
        return False

    def patch(self, resource, name: str, patch, namespace: str | None = None, *,
              patch_type: str = "merge", subresource: str | None = None, dry_run: bool = False) -> dict:
        """PATCH: apply a merge, JSON or strategic merge patch to the current object."""
        self._check_up()
        res = self.resource(resource)
        ns = self._namespace(res, namespace)
        key = self._key(res, ns, name)
        old = self.store.peek(res.plural, key)
        if old is None:
            raise self._not_found(res, name)
        if subresource == "scale":
            scale = self._scale_of(res, old)
            try:
                patched = apply_patch(scale, patch, patch_type, "Scale")
            except ApiUnsupported:
                raise errors.ApiError(415, "UnsupportedMediaType",
                                      f'the body of the request was in an unknown format') from None
            return self._update_scale(res, old, patched, dry_run)
        try:
            patched = apply_patch(old, patch, patch_type, res.kind)
            if patch_type == "strategic":
                patched = clone(patched)   # it shares untouched parts with the stored object
        except ApiUnsupported:
            raise errors.ApiError(415, "UnsupportedMediaType",
                                  f"the body of the request was in an unknown format - accepted media types "
                                  f"include: application/json-patch+json, application/merge-patch+json, "
                                  f"application/apply-patch+yaml") from None
        pmd = patched.get("metadata") or {}
        if pmd.get("name") != name:
            raise errors.bad_request("the name of the object does not match the name on the URL")
        rv = (patch.get("metadata") or {}).get("resourceVersion") if isinstance(patch, dict) else None
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(res.plural, name, res.group)
        patched["metadata"]["resourceVersion"] = old["metadata"]["resourceVersion"]
        new = self._merge_update(res, old, patched, subresource)
        return self._write_update(res, key, old, new, dry_run, subresource)

    def delete(self, resource, name: str, namespace: str | None = None, *,
               grace_period_seconds: int | None = None, propagation_policy: str | None = None,
               dry_run: bool = False, preconditions: dict | None = None, owned: bool = False) -> dict:
        """DELETE: remove an object, or mark it for deletion (graceful pods, finalizers).

        Returns the object as it was removed, or as it now stands while deletion waits
        for its kubelet or finalizers (with ``metadata.deletionTimestamp`` set); with ``owned``,
        the stored object itself, which the caller must not modify (components ignore it).
        """
        self._check_up()
        res = self.resource(resource)
        ns = self._namespace(res, namespace)
        key = self._key(res, ns, name)
        old = self.store.peek(res.plural, key)
        if old is None:
            raise self._not_found(res, name)
        if preconditions:
            if preconditions.get("uid") and preconditions["uid"] != old["metadata"]["uid"]:
                raise errors.conflict_message(res.plural, name, (
                    f"Precondition failed: UID in precondition: {preconditions['uid']}, "
                    f"UID in object meta: {old['metadata']['uid']}"), res.group)
            if (preconditions.get("resourceVersion")
                    and preconditions["resourceVersion"] != old["metadata"]["resourceVersion"]):
                raise errors.conflict_message(res.plural, name, (   # storage.Preconditions.Check
                    f"Precondition failed: ResourceVersion in precondition: {preconditions['resourceVersion']}, "
                    f"ResourceVersion in object meta: {old['metadata']['resourceVersion']}"), res.group)
        if propagation_policy not in (None, "Background", "Foreground", "Orphan"):
            raise errors.invalid("DeleteOptions", "", [(
                "propagationPolicy", "FieldValueNotSupported",
                f'Unsupported value: "{propagation_policy}": supported values: "Foreground", '
                f'"Background", "Orphan", "nil"')])
        # The object as deletion leaves it shares all but its metadata with the stored one.
        new = dict(old, metadata=dict(old["metadata"]))
        md = new["metadata"]
        finalizers = list(md.get("finalizers") or [])
        if res.kind == "Namespace":
            if name in ("default", "kube-system", "kube-public"):
                raise errors.forbidden(f'namespaces "{name}" is forbidden: this namespace may not be '
                                       f'deleted')
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = rfc3339(self.clock.now)
                md["deletionGracePeriodSeconds"] = 0
                new["status"] = dict(new.get("status") or {}, phase="Terminating")
            if dry_run:
                return clone(new)
            return self._out(self.store.update(res.plural, key, new, owned=True), owned)
        if propagation_policy == "Foreground" and "foregroundDeletion" not in finalizers:
            finalizers.append("foregroundDeletion")
        if propagation_policy == "Orphan" and "orphan" not in finalizers:
            finalizers.append("orphan")
        grace = 0
        hook = self.grace_period.get(res.kind)
        if hook:
            grace = hook(old, grace_period_seconds)
        if md.get("deletionTimestamp"):
            # Already being deleted: a shorter grace period may shorten it; nothing else changes.
            cur = md.get("deletionGracePeriodSeconds") or 0
            if grace < cur:
                md["deletionGracePeriodSeconds"] = grace
                md["deletionTimestamp"] = rfc3339(self.clock.now + grace)
            elif finalizers == (md.get("finalizers") or []):
                return clone(old)
        if finalizers or grace > 0:
            if not md.get("deletionTimestamp"):
                md["deletionTimestamp"] = rfc3339(self.clock.now + grace)
                md["deletionGracePeriodSeconds"] = grace
            if finalizers:
                md["finalizers"] = finalizers
            if res.generation:
                md["generation"] = md.get("generation", 1) + 1
            if dry_run:
                return clone(new)
            if not finalizers and grace == 0:
                return self._out(self.store.delete(res.plural, key), owned)
            return self._out(self.store.update(res.plural, key, new, owned=True), owned)
        if dry_run:
            return clone(new)
        return self._out(self.store.delete(res.plural, key), owned)

    # --- watch -----------------------------------------------------------------------------
    def watch(self, resource, handler: Callable[[str, dict], None], namespace: str | None = None, *,
              resource_version: str | None = None, label_selector=None,
              field_selector: str | None = None, keyed: bool = False) -> Watch:
        """WATCH: call ``handler(type, obj)`` for every later change that passes the filters.

        With ``resource_version``, changes after that revision are replayed first (in
        order, none lost); a revision older than the store's history gives an ERROR event
        with a 410 Expired status, as Kubernetes does. ``keyed``: call ``handler(type, obj, key)``
        with the object's ``namespace/name`` (``name`` if cluster-scoped), the key an informer's
        cache uses, which the store already has (``None`` with ERROR).
        """
        self._check_up()
        res = self.resource(resource)
        labels = (label_selector if hasattr(label_selector, "matches")
                  else parse_selector(label_selector))
        w = Watch(res, handler, namespace if res.namespaced else None, labels,
                  self._parse_fields(res, field_selector), self, since=self.store.revision, keyed=keyed)
        self._register(w)
        if resource_version not in (None, "", "0"):
            try:
                backlog = self.store.events_since(int(resource_version), res.plural)
            except CompareFailed:
                status = errors.gone(f"too old resource version: {resource_version} "
                                     f"({self.store._history_start})").status
                self.clock.call_soon(self._deliver_one, w, "ERROR", status)
                w.active = False
                self._unregister(w)
                return w
            for ev in backlog:
                t = w._translate(ev)
                if t:
                    self.clock.call_soon(self._deliver_one, w, t[0], clone(t[1]))
        return w

    def _deliver_one(self, w: Watch, typ: str, obj: dict) -> None:
        if w.active or typ == "ERROR":
            if w.keyed:
                w.handler(typ, obj, None if typ == "ERROR" else key_of(obj))
            else:
                w.handler(typ, obj)

    def _on_commit(self, ev) -> None:
        self._pending.append(ev)
        if not self._dispatch_scheduled:
            self._dispatch_scheduled = True
            self.clock.call_soon(self._dispatch)

    def _register(self, w: Watch) -> None:
        self._watch_seq += 1
        w.seq = self._watch_seq
        self._merged.clear()
        self._watches.append(w)
        # buckets are replaced, never changed in place: a dispatch in progress keeps its list
        node = w.node_name
        if node is None:
            self._by_resource[w.resource.plural] = self._by_resource.get(w.resource.plural, []) + [w]
        else:
            key = (w.resource.plural, node)
            self._by_node[key] = self._by_node.get(key, []) + [w]

    def _unregister(self, w: Watch) -> None:
        self._watches = [x for x in self._watches if x is not w]
        self._merged.clear()
        node = w.node_name
        buckets, key = ((self._by_resource, w.resource.plural) if node is None
                        else (self._by_node, (w.resource.plural, node)))
        if any(x is w for x in buckets.get(key, ())):
            buckets[key] = [x for x in buckets[key] if x is not w]

    def _watches_for(self, ev) -> list[Watch]:
        """Watches that may care about ``ev``, in registration order."""
        if not self._by_node:
            return self._by_resource.get(ev.resource, ())
        nodes = {((ev.obj.get("spec") or {}).get("nodeName")),
                 ((ev.prev or {}).get("spec") or {}).get("nodeName")}
        key = (ev.resource, *sorted(x for x in nodes if x))
        found = self._merged.get(key)
        if found is None:
            found = list(self._by_resource.get(ev.resource, ()))
            pinned = [w for n in key[1:] for w in self._by_node.get((ev.resource, n), ())]
            if pinned:
                found = sorted(found + pinned, key=lambda w: w.seq)
            self._merged[key] = found
        return found

    def _dispatch(self) -> None:
        """Deliver committed events to watches: revision order, then watch-registration order."""
        self._dispatch_scheduled = False
        pending, self._pending = self._pending, []
        for ev in pending:
            # Every watch that receives the event gets the stored object itself, not a copy:
            # watchers (informer caches) treat delivered objects as read-only, as in client-go, and
            # the store never changes a stored object in place (a write stores a new one).
            for w in self._watches_for(ev):
                if not w.active or ev.revision <= w.since:
                    continue
                if w._everything:           # the common case, without a call to _translate
                    typ, obj = ev.type, ev.obj
                else:
                    t = w._translate(ev)
                    if not t:
                        continue
                    typ, obj = t
                if w.keyed:
                    w.handler(typ, obj, ev.key)
                else:
                    w.handler(typ, obj)

    # --- subresources ----------------------------------------------------------------------
    def _bind(self, res: R.Resource, binding: dict, namespace: str | None) -> dict:
        """pods/binding: assign a pod to a node (what kube-scheduler does)."""
        name = binding["metadata"]["name"]
        ns = namespace or binding["metadata"].get("namespace") or "default"
        key = self._key(res, ns, name)
        pod = self.store.peek("pods", key)
        if pod is None:
            raise self._not_found(res, name)
        target = (binding.get("target") or {}).get("name")
        if pod["metadata"].get("deletionTimestamp"):
            raise errors.conflict_message("pods", name, "pod is being deleted, cannot be assigned to a host")
        if pod["spec"].get("nodeName"):
            raise errors.conflict_message(
                "pods/binding", name,
                f'pod {name} is already assigned to node "{pod["spec"]["nodeName"]}"')
        # A new object that shares what does not change with the stored one (never changed in place).
        new = dict(pod, metadata=dict(pod["metadata"]), spec=dict(pod["spec"], nodeName=target))
        status = new["status"] = dict(pod.get("status") or {})
        status["conditions"] = [
            {"type": "PodScheduled", "status": "True", "lastProbeTime": None,
             "lastTransitionTime": rfc3339(self.clock.now)},
            *(c for c in status.get("conditions") or [] if c.get("type") != "PodScheduled")]
        self.store.update("pods", key, new, pod["metadata"]["resourceVersion"], owned=True)
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def _evict(self, res: R.Resource, eviction: dict, namespace: str | None) -> dict:
        """pods/eviction: a graceful delete (PodDisruptionBudgets are not modelled)."""
        name = eviction["metadata"]["name"]
        opts = eviction.get("deleteOptions") or {}
        self.delete(res, name, namespace, grace_period_seconds=opts.get("gracePeriodSeconds"))
        return {"kind": "Status", "apiVersion": "v1", "metadata": {}, "status": "Success", "code": 201}

    def _scale_of(self, res: R.Resource, obj: dict) -> dict:
        if "scale" not in res.subresources:
            raise errors.not_found(f"{res.plural}/scale", obj["metadata"]["name"])
        sel = obj.get("spec", {}).get("selector")
        return {
            "kind": "Scale", "apiVersion": "autoscaling/v1",
            "metadata": {k: obj["metadata"][k] for k in ("name", "namespace", "uid", "resourceVersion",
                                                          "creationTimestamp") if k in obj["metadata"]},
            "spec": {"replicas": obj.get("spec", {}).get("replicas", 0)},
            "status": {"replicas": obj.get("status", {}).get("replicas", 0),
                       "selector": str(selector_from_object(sel)) if sel is not None else ""},
        }

    def _update_scale(self, res: R.Resource, old: dict, scale: dict, dry_run: bool) -> dict:
        replicas = (scale.get("spec") or {}).get("replicas")
        name = old["metadata"]["name"]
        if not isinstance(replicas, int) or isinstance(replicas, bool) or replicas < 0:
            raise errors.invalid("Scale", name, [(
                "spec.replicas", "FieldValueInvalid",
                f"Invalid value: {replicas}: must be greater than or equal to 0")], "autoscaling")
        rv = (scale.get("metadata") or {}).get("resourceVersion")
        if rv and rv != old["metadata"]["resourceVersion"]:
            raise errors.conflict(res.plural, name, res.group)
        new = clone(old)
        new["spec"]["replicas"] = replicas
        key = self._key(res, old["metadata"].get("namespace"), name)
        stored = self._write_update(res, key, old, new, dry_run)
        return self._scale_of(res, stored)

    def pod_logs(self, name: str, namespace: str = "default", container: str | None = None, *,
                 previous: bool = False, tail: int | None = None) -> str:
        """pods/log: the API server asks the kubelet of the pod's node for the log."""
        return self._kubelet_call(name, namespace, "logs", container=container, previous=previous, tail=tail)

    def pod_exec(self, name: str, namespace: str, command, container: str | None = None,
                 stdin: str | None = None):
        """pods/exec: run a command in a container, through the kubelet of the pod's node."""
        return self._kubelet_call(name, namespace, "exec", command=command, container=container, stdin=stdin)

    def _kubelet_call(self, name: str, namespace: str, verb: str, **kw):
        self._check_up()
        pod = self.store.peek("pods", f"{namespace}/{name}")
        if pod is None:
            raise errors.not_found("pods", name)
        node = pod["spec"].get("nodeName")
        kubelet = self.kubelets.get(node) if node else None
        if kubelet is None:
            container = kw.get("container") or pod["spec"]["containers"][0]["name"]
            raise errors.bad_request(f'container "{container}" in pod "{name}" is waiting to start: '
                                     "ContainerCreating")
        return getattr(kubelet, verb)(pod, **kw)
