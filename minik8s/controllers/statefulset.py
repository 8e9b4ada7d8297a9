"""The StatefulSet controller: pods with a stable identity and their own storage.

https://kubernetes.io/docs/concepts/workloads/controllers/statefulset/ — the real one is
``pkg/controller/statefulset``. Unlike a ReplicaSet's interchangeable pods, each pod of a
StatefulSet ``web`` has an *ordinal*:

* **stable names** - ``web-0``, ``web-1``, ... (labels ``statefulset.kubernetes.io/pod-name`` and
  ``apps.kubernetes.io/pod-index``), hostname the pod's name and ``subdomain`` the governing
  ``serviceName``, so ``web-0.nginx`` resolves once the headless Service exists;
* **stable storage** - every ``volumeClaimTemplates`` entry ``www`` gives each pod its own claim
  ``www-web-0``, created before the pod and *kept* when the pod is deleted or the set is scaled
  down (``persistentVolumeClaimRetentionPolicy`` Retain), so a re-created ``web-0`` gets the same
  data back;
* **ordering** (``podManagementPolicy: OrderedReady``) - pods are created one at a time in
  ordinal order, each after the previous one is Running and Ready; scale-down removes the
  highest ordinal first, one at a time; ``Parallel`` creates and deletes without waiting;
* **rolling update** (``updateStrategy: RollingUpdate``) - pods whose revision differs from the
  template's are deleted from the highest ordinal down to ``partition``, one at a time once the
  others are Ready; ``OnDelete`` waits for the user to delete them.
"""

from __future__ import annotations

import re

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import clone, owner_reference
from ..component import Component, Result
from .deployment_util import pod_template_hash
from .podutil import is_pod_available, is_pod_ready, resync_later

POD_NAME_LABEL = "statefulset.kubernetes.io/pod-name"
POD_INDEX_LABEL = "apps.kubernetes.io/pod-index"
REVISION_LABEL = "controller-revision-hash"


def pod_name(sts_name: str, ordinal: int) -> str:
    """``web`` + 2 -> ``web-2``."""
    return f"{sts_name}-{ordinal}"


def claim_name(template: str, sts_name: str, ordinal: int) -> str:
    """The claim of template ``www`` for pod ``web-0``: ``www-web-0``."""
    return f"{template}-{pod_name(sts_name, ordinal)}"


def ordinal_of(sts_name: str, name: str) -> int | None:
    """``web-3`` -> 3 for the set ``web`` (None when the name is not one of its pods)."""
    m = re.fullmatch(re.escape(sts_name) + r"-(\d+)", name)
    return int(m.group(1)) if m else None


def start_ordinal(sts: dict) -> int:
    return int(((sts.get("spec") or {}).get("ordinals") or {}).get("start") or 0)


def is_running_and_ready(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") == "Running" and is_pod_ready(pod)


def is_failed(pod: dict) -> bool:
    return (pod.get("status") or {}).get("phase") in ("Failed", "Succeeded")


class StatefulSetController(Component):
    name = "statefulset-controller"

    @property
    def event_source(self) -> str:
        return "statefulset-controller"

    def setup(self) -> None:
        if not self.informers:
            self.sets = self.informer("statefulsets", self.enqueue_obj)
            self.pods = self.informer("pods", self.on_pod)
            self.claims = self.informer("persistentvolumeclaims")
            self.revisions = self.informer("controllerrevisions")
        resync_later(self, self.sets)

    def on_pod(self, typ, pod, old) -> None:
        for ref in pod["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "StatefulSet":
                self.enqueue(f"{pod['metadata']['namespace']}/{ref['name']}")

    def owned_pods(self, sts: dict) -> dict[int, dict]:
        """ordinal -> pod, for the pods this set controls."""
        ns, name, uid = sts["metadata"]["namespace"], sts["metadata"]["name"], sts["metadata"]["uid"]
        sel = selector_from_object((sts.get("spec") or {}).get("selector"))
        out = {}
        for pod in self.pods.list(ns, sel):
            if not any(r.get("uid") == uid and r.get("controller") for r in pod["metadata"].get("ownerReferences") or []):
                continue
            o = ordinal_of(name, pod["metadata"]["name"])
            if o is not None:
                out[o] = pod
        return out

    # --- one reconcile ------------------------------------------------------------------------
    def reconcile(self, key: str) -> Result | None:
        sts = self.sets.get(key)
        if sts is None or sts["metadata"].get("deletionTimestamp"):
            return None
        spec = sts["spec"]
        revision = self.sync_history(sts)
        pods = self.owned_pods(sts)
        start = start_ordinal(sts)
        replicas = int(spec.get("replicas", 1))
        wanted = range(start, start + replicas)
        parallel = spec.get("podManagementPolicy") == "Parallel"
        mrs = int(spec.get("minReadySeconds") or 0)
        self.observe(f"statefulset {key}: {len(pods)} pods, want {replicas} ({'Parallel' if parallel else 'OrderedReady'})")
        # 1. create missing pods and replace failed ones, lowest ordinal first
        for o in wanted:
            pod = pods.get(o)
            if pod is not None and is_failed(pod) and not pod["metadata"].get("deletionTimestamp"):
                self.delete_pod(sts, pod, f"pod {pod['metadata']['name']} is {pod['status']['phase']}: recreate it")
                if not parallel:
                    return self.update_status(sts, revision)
                continue
            if pod is None:
                self.create_pod(sts, o, revision)
                if not parallel:
                    return self.update_status(sts, revision)
                continue
            if not parallel and (pod["metadata"].get("deletionTimestamp") or not is_running_and_ready(pod)
                                 or not is_pod_available(pod, mrs, self.clock.now)):
                # monotonic (OrderedReady): the next pod waits until this one is Running and Ready
                # (and available for minReadySeconds)
                self.observe(f"pod {pod['metadata']['name']} is not Running and Ready: wait")
                return self.update_status(sts, revision)
        # 2. delete pods beyond replicas, highest ordinal first
        extra = sorted((o for o in pods if o not in wanted), reverse=True)
        for o in extra:
            pod = pods[o]
            if pod["metadata"].get("deletionTimestamp"):
                if not parallel:
                    return self.update_status(sts, revision)
                continue
            if not parallel and any(not is_running_and_ready(p) or p["metadata"].get("deletionTimestamp")
                                    for q, p in pods.items() if q != o and q in wanted):
                self.observe("a pod is not healthy: wait before scaling down")
                return self.update_status(sts, revision)
            self.delete_pod(sts, pod, f"scale down: delete {pod['metadata']['name']}")
            self.delete_claims_on_scale_down(sts, o)
            if not parallel:
                return self.update_status(sts, revision)
        # 3. rolling update: highest ordinal first, down to the partition
        strategy = spec.get("updateStrategy") or {}
        if (strategy.get("type") or "RollingUpdate") == "RollingUpdate":
            partition = int((strategy.get("rollingUpdate") or {}).get("partition") or 0)
            if all(is_running_and_ready(pods[o]) and not pods[o]["metadata"].get("deletionTimestamp")
                   for o in wanted if o in pods) and len([o for o in wanted if o in pods]) == replicas:
                for o in sorted(wanted, reverse=True):
                    if o - start < partition:
                        break
                    pod = pods[o]
                    if (pod["metadata"].get("labels") or {}).get(REVISION_LABEL) != revision:
                        self.delete_pod(sts, pod, f"rolling update: {pod['metadata']['name']} to {revision}")
                        break
        return self.update_status(sts, revision)

    # --- pods and claims ----------------------------------------------------------------------
    def new_pod(self, sts: dict, ordinal: int, revision: str) -> dict:
        """newVersionedStatefulSetPod: the template, named and labelled for ``ordinal``, with
        its claims as volumes and ``hostname``/``subdomain`` for its DNS name."""
        md = sts["metadata"]
        name = pod_name(md["name"], ordinal)
        t = clone(sts["spec"]["template"])
        tmd = t.get("metadata") or {}
        labels = dict(tmd.get("labels") or {})
        labels.update({REVISION_LABEL: revision, POD_NAME_LABEL: name, POD_INDEX_LABEL: str(ordinal)})
        pod_md = {"name": name, "namespace": md["namespace"], "labels": labels,
                  "ownerReferences": [owner_reference(sts)]}
        if tmd.get("annotations"):
            pod_md["annotations"] = dict(tmd["annotations"])
        spec = t.get("spec") or {}
        spec["hostname"] = name
        if sts["spec"].get("serviceName"):
            spec["subdomain"] = sts["spec"]["serviceName"]
        volumes = [v for v in spec.get("volumes") or []]
        for ct in sts["spec"].get("volumeClaimTemplates") or []:
            tname = ct["metadata"]["name"]
            volumes = [v for v in volumes if v.get("name") != tname]
            volumes.append({"name": tname, "persistentVolumeClaim": {
                "claimName": claim_name(tname, md["name"], ordinal)}})
        if volumes:
            spec["volumes"] = volumes
        return {"apiVersion": "v1", "kind": "Pod", "metadata": pod_md, "spec": spec}

    def create_claims(self, sts: dict, ordinal: int) -> None:
        """One claim per template for this ordinal, unless it exists (then it is reused: its data)."""
        md = sts["metadata"]
        ns = md["namespace"]
        policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        match = ((sts["spec"].get("selector") or {}).get("matchLabels") or {})
        for ct in sts["spec"].get("volumeClaimTemplates") or []:
            cname = claim_name(ct["metadata"]["name"], md["name"], ordinal)
            if self.claims.get(f"{ns}/{cname}") is not None:
                continue
            claim = clone(ct)
            claim["apiVersion"], claim["kind"] = "v1", "PersistentVolumeClaim"
            cmd = claim.setdefault("metadata", {})
            cmd["name"], cmd["namespace"] = cname, ns
            labels = dict(cmd.get("labels") or {})
            labels.update(match)
            if labels:
                cmd["labels"] = labels
            claim.pop("status", None)
            if policy.get("whenDeleted") == "Delete":
                cmd["ownerReferences"] = [dict(owner_reference(sts), controller=True)]
            try:
                self.api.create("persistentvolumeclaims", claim, ns)
                self.event(sts, "Normal", "SuccessfulCreate",
                           f"create Claim {cname} Pod {pod_name(md['name'], ordinal)} in StatefulSet {md['name']} success")
            except errors.ApiError as e:
                if e.code != 409:
                    self.event(sts, "Warning", "FailedCreate",
                               f"create Claim {cname} for Pod {pod_name(md['name'], ordinal)} in StatefulSet "
                               f"{md['name']} failed error: {e.message}")
                    raise

    def create_pod(self, sts: dict, ordinal: int, revision: str) -> None:
        md = sts["metadata"]
        name = pod_name(md["name"], ordinal)
        self.diff(f"create {name} (ordinal {ordinal})")
        self.create_claims(sts, ordinal)
        try:
            self.api.create("pods", self.new_pod(sts, ordinal, revision), md["namespace"])
        except errors.ApiError as e:
            if e.code == 409:
                return
            self.event(sts, "Warning", "FailedCreate",
                       f"create Pod {name} in StatefulSet {md['name']} failed error: {e.message}")
            raise
        self.event(sts, "Normal", "SuccessfulCreate", f"create Pod {name} in StatefulSet {md['name']} successful")

    def delete_pod(self, sts: dict, pod: dict, why: str) -> None:
        md = sts["metadata"]
        self.diff(why)
        try:
            self.api.delete("pods", pod["metadata"]["name"], md["namespace"])
        except errors.ApiError as e:
            if e.code != 404:
                raise
        self.event(sts, "Normal", "SuccessfulDelete",
                   f"delete Pod {pod['metadata']['name']} in StatefulSet {md['name']} successful")

    def delete_claims_on_scale_down(self, sts: dict, ordinal: int) -> None:
        """``whenScaled: Delete`` removes a scaled-down pod's claims; Retain (the default) keeps them."""
        policy = sts["spec"].get("persistentVolumeClaimRetentionPolicy") or {}
        if policy.get("whenScaled") != "Delete":
            return
        md = sts["metadata"]
        for ct in sts["spec"].get("volumeClaimTemplates") or []:
            cname = claim_name(ct["metadata"]["name"], md["name"], ordinal)
            try:
                self.api.delete("persistentvolumeclaims", cname, md["namespace"])
            except errors.ApiError as e:
                if e.code != 404:
                    raise

    # --- revisions and status -----------------------------------------------------------------
    def sync_history(self, sts: dict) -> str:
        """The update revision ``web-<hash>`` of the template, kept as a ControllerRevision."""
        md = sts["metadata"]
        ns, name = md["namespace"], md["name"]
        h = pod_template_hash(sts["spec"]["template"], int((sts.get("status") or {}).get("collisionCount") or 0))
        rev_name = f"{name}-{h}"
        mine = [r for r in self.revisions.list(ns)
                if any(ref.get("uid") == md["uid"] for ref in r["metadata"].get("ownerReferences") or [])]
        top = max([r.get("revision", 0) for r in mine] or [0])
        cur = next((r for r in mine if r["metadata"]["name"] == rev_name), None)
        if cur is not None:
            if cur.get("revision", 0) != top:
                new = clone(cur)
                new["revision"] = top + 1
                self.api.update("controllerrevisions", new, ns)
            return rev_name
        tmpl = clone(sts["spec"]["template"])
        tmpl["$patch"] = "replace"
        labels = dict((sts["spec"]["template"].get("metadata") or {}).get("labels") or {})
        labels["controller.kubernetes.io/hash"] = h
        rev = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
               "metadata": {"name": rev_name, "namespace": ns, "labels": labels,
                            "ownerReferences": [owner_reference(sts)]},
               "data": {"spec": {"template": tmpl}}, "revision": top + 1}
        try:
            self.api.create("controllerrevisions", rev, ns)
        except errors.ApiError as e:
            if e.code != 409:
                raise
        return rev_name

    def update_status(self, sts: dict, revision: str) -> Result | None:
        pods = self.owned_pods(sts)
        now = self.clock.now
        mrs = int(sts["spec"].get("minReadySeconds") or 0)
        live = [p for p in pods.values() if not p["metadata"].get("deletionTimestamp") and not is_failed(p)]
        old = sts.get("status") or {}
        updated = [p for p in live if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == revision]
        current_rev = old.get("currentRevision") or revision
        if len(updated) == int(sts["spec"].get("replicas", 1)) == len(live):
            current_rev = revision
        current = [p for p in live if (p["metadata"].get("labels") or {}).get(REVISION_LABEL) == current_rev]
        status = {"observedGeneration": sts["metadata"].get("generation", 1),
                  "replicas": len(live),
                  "readyReplicas": sum(1 for p in live if is_pod_ready(p)),
                  "currentReplicas": len(current), "updatedReplicas": len(updated),
                  "currentRevision": current_rev, "updateRevision": revision,
                  "collisionCount": old.get("collisionCount", 0),
                  "availableReplicas": sum(1 for p in live if is_pod_available(p, mrs, now))}
        if status != {k: old.get(k) for k in status}:
            new = clone(sts)
            new["status"] = dict(old, **status)
            try:
                self.api.update("statefulsets", new, sts["metadata"]["namespace"], subresource="status")
            except errors.ApiError as e:
                if e.code not in (404, 409):
                    raise
        waiting = [p for p in live if is_pod_ready(p) and not is_pod_available(p, mrs, now)]
        return Result(requeue_after=1.0) if waiting and mrs else None

