"""The garbage collector: delete objects whose owners are gone.

https://kubernetes.io/docs/concepts/architecture/garbage-collection/ and
https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/ —
the real one is ``pkg/controller/garbagecollector``. It keeps a graph of
``metadata.ownerReferences`` (owner uid -> dependents) fed by watches on every kind,
and for each object it is asked about:

* an object being deleted with the ``orphan`` finalizer (``--cascade=orphan``,
  propagationPolicy Orphan): remove the ownerReference to it from every dependent,
  then remove the finalizer;
* an object being deleted with the ``foregroundDeletion`` finalizer (Foreground): delete
  its dependents; once no dependent with ``blockOwnerDeletion: true`` is left, remove
  the finalizer and the object goes;
* an object with ownerReferences (``attemptToDelete``): if some owner still exists, drop
  references to owners that are gone; if none exists (Background: the owner is simply
  gone) delete the object; if an owner waits in foreground, delete it in foreground too.
"""

from __future__ import annotations

from .. import errors
from ..api import resources as R
from ..component import Component
from .. import params as P


def _key(res: R.Resource, obj: dict) -> str:
    md = obj["metadata"]
    return f"{res.plural}:{md['namespace']}/{md['name']}" if res.namespaced else f"{res.plural}:{md['name']}"


class GarbageCollector(Component):
    name = "garbage-collector-controller"

    # Kinds not watched: Events own nothing and are owned by nothing.
    SKIP = ("events",)

    def setup(self) -> None:
        if not self.informers:      # first start; the graph outlives a restart, as the caches do
            self.objects: dict[str, tuple[R.Resource, str]] = {}   # uid -> (resource, informer key)
            self.dependents: dict[str, set[str]] = {}              # owner uid -> dependent uids
            self.owners_of: dict[str, list[dict]] = {}             # uid -> its ownerReferences
            self.caches = {}
            for res in R.all_resources():
                if res.plural in self.SKIP:
                    continue
                inf = self.informer(res.plural, lambda typ, obj, old, res=res: self.on_event(res, typ, obj, old))
                self.caches[res.plural] = inf
        self.after(0, self.resync)

    def resync(self) -> None:
        """After a (re)start: look again at every object that has owners or awaits a finalizer."""
        for uid in sorted(self.objects, key=self._item_key):
            res, k = self.objects[uid]
            obj = self.caches[res.plural].get(k)
            if obj and (obj["metadata"].get("ownerReferences") or obj["metadata"].get("deletionTimestamp")):
                self.enqueue(self._item_key(uid))

    # --- the graph ------------------------------------------------------------------------------
    def on_event(self, res: R.Resource, typ: str, obj: dict, old: dict | None) -> None:
        md = obj["metadata"]
        uid = md.get("uid")
        if not uid:
            return
        for ref in self.owners_of.pop(uid, []):
            deps = self.dependents.get(ref.get("uid"))
            if deps is not None:
                deps.discard(uid)
        if typ == "DELETED":
            self.objects.pop(uid, None)
            for dep in sorted(self.dependents.get(uid, ())):
                if dep in self.objects:
                    self.enqueue(self._item_key(dep))
            for ref in md.get("ownerReferences") or []:
                # An owner deleting in foreground may now have no blocking dependents left.
                if ref.get("uid") in self.objects:
                    self.enqueue(self._item_key(ref["uid"]))
            return
        ns_key = f"{md['namespace']}/{md['name']}" if res.namespaced else md["name"]
        self.objects[uid] = (res, ns_key)
        refs = md.get("ownerReferences") or []
        self.owners_of[uid] = list(refs)
        for ref in refs:
            self.dependents.setdefault(ref.get("uid"), set()).add(uid)
        fins = md.get("finalizers") or []
        if md.get("deletionTimestamp") and (P.ORPHAN_FINALIZER in fins or P.FOREGROUND_FINALIZER in fins):
            self.enqueue(_key(res, obj))
        elif any(ref.get("uid") not in self.objects for ref in refs):
            self.enqueue(_key(res, obj))
        elif old is not None and (old["metadata"].get("ownerReferences") or []) != refs and refs:
            self.enqueue(_key(res, obj))

    def _item_key(self, uid: str) -> str:
        res, k = self.objects[uid]
        return f"{res.plural}:{k}"

    def _get(self, key: str) -> tuple[R.Resource, dict | None]:
        plural, k = key.split(":", 1)
        res = R.lookup(plural)
        return res, self.caches[plural].get(k)

    # --- reconcile ------------------------------------------------------------------------------
    def reconcile(self, key: str):
        res, obj = self._get(key)
        if obj is None:
            return None
        md = obj["metadata"]
        fins = md.get("finalizers") or []
        if md.get("deletionTimestamp") and P.ORPHAN_FINALIZER in fins:
            self.orphan_dependents(res, obj)
            return None
        if md.get("deletionTimestamp") and P.FOREGROUND_FINALIZER in fins:
            self.process_deleting_dependents(res, obj)
            return None
        if md.get("ownerReferences"):
            self.attempt_to_delete(res, obj)
        return None

    def _dependents(self, uid: str) -> list[tuple[R.Resource, dict]]:
        out = []
        for dep in sorted(self.dependents.get(uid, ())):
            if dep in self.objects:
                res, k = self.objects[dep]
                obj = self.caches[res.plural].get(k)
                if obj is not None:
                    out.append((res, obj))
        return out

    def orphan_dependents(self, res: R.Resource, owner: dict) -> None:
        """orphanDependents: remove the ownerReference to ``owner`` from each dependent."""
        uid = owner["metadata"]["uid"]
        deps = self._dependents(uid)
        self.observe(f"{owner['kind']} {owner['metadata']['name']} is deleted with propagationPolicy=Orphan; "
                     f"{len(deps)} dependent(s)")
        for dres, dep in deps:
            refs = [r for r in dep["metadata"].get("ownerReferences") or [] if r.get("uid") != uid]
            self.diff(f"orphan {dep['kind']} {dep['metadata']['name']}")
            try:
                self.api.patch(dres, dep["metadata"]["name"], {"metadata": {"ownerReferences": refs or None}},
                               dep["metadata"].get("namespace"))
            except errors.ApiError as e:
                if e.code != 404:
                    raise
        self._remove_finalizer(res, owner, P.ORPHAN_FINALIZER)

    def process_deleting_dependents(self, res: R.Resource, owner: dict) -> None:
        """Foreground: delete dependents; drop the finalizer once no blocking dependent is left."""
        uid = owner["metadata"]["uid"]
        blocking = [(r, d) for r, d in self._dependents(uid)
                    if any(ref.get("uid") == uid and ref.get("blockOwnerDeletion")
                           for ref in d["metadata"].get("ownerReferences") or [])]
        self.observe(f"{owner['kind']} {owner['metadata']['name']} is deleted in foreground; "
                     f"{len(blocking)} blocking dependent(s) left")
        if not blocking:
            self._remove_finalizer(res, owner, P.FOREGROUND_FINALIZER)
            return
        for dres, dep in blocking:
            if not dep["metadata"].get("deletionTimestamp"):
                self.attempt_to_delete(dres, dep)

    def _remove_finalizer(self, res: R.Resource, obj: dict, finalizer: str) -> None:
        fins = [f for f in obj["metadata"].get("finalizers") or [] if f != finalizer]
        self.diff(f"remove finalizer {finalizer} from {obj['kind']} {obj['metadata']['name']}")
        try:
            self.api.patch(res, obj["metadata"]["name"], {"metadata": {"finalizers": fins or None}},
                           obj["metadata"].get("namespace"))
        except errors.ApiError as e:
            if e.code != 404:
                raise

    def _owner_state(self, ref: dict, namespace: str | None) -> str:
        """solid, dangling (gone) or waiting (being deleted in foreground)."""
        uid = ref.get("uid")
        owner = None
        if uid in self.objects:
            ores, k = self.objects[uid]
            owner = self.caches[ores.plural].get(k)
        if owner is None:
            try:
                ores = R.for_kind(ref.get("kind"), ref.get("apiVersion"))
                owner = self.api.get(ores, ref.get("name"), namespace if ores.namespaced else None)
            except errors.ApiError as e:
                if e.code in (404, 400):
                    return "dangling"
                raise
            if owner["metadata"].get("uid") != uid:
                return "dangling"
        if owner["metadata"].get("deletionTimestamp") and \
                P.FOREGROUND_FINALIZER in (owner["metadata"].get("finalizers") or []):
            return "waiting"
        return "solid"

    def attempt_to_delete(self, res: R.Resource, obj: dict) -> None:
        md = obj["metadata"]
        refs = md.get("ownerReferences") or []
        states = [(ref, self._owner_state(ref, md.get("namespace"))) for ref in refs]
        solid = [r for r, s in states if s == "solid"]
        gone = [r for r, s in states if s != "solid"]
        waiting = [r for r, s in states if s == "waiting"]
        if solid:
            if not gone:
                return
            self.diff(f"{obj['kind']} {md['name']}: drop references to owners that are gone or going")
            keep = [r for r in refs if r in solid]
            self.api.patch(res, md["name"], {"metadata": {"ownerReferences": keep}}, md.get("namespace"))
            return
        if md.get("deletionTimestamp"):
            return
        owner_desc = ", ".join(f"{r.get('kind')} {r.get('name')}" for r in refs)
        if waiting and self.dependents.get(md["uid"]):
            policy = "Foreground"
        else:
            fins = md.get("finalizers") or []
            policy = ("Orphan" if P.ORPHAN_FINALIZER in fins else
                      "Foreground" if P.FOREGROUND_FINALIZER in fins else "Background")
        self.diff(f"owner {owner_desc} {'is being deleted in foreground' if waiting else 'no longer exists'}: "
                  f"delete {obj['kind']} {md['name']} (propagationPolicy={policy})")
        try:
            self.api.delete(res, md["name"], md.get("namespace"), propagation_policy=policy)
        except errors.ApiError as e:
            if e.code != 404:
                raise
