"""The DaemonSet controller: one pod on every eligible node.

https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/ — the real one is
``pkg/controller/daemon``. One reconcile of a DaemonSet looks at every node:

* a node is *eligible* when the daemon pod would fit there: its ``nodeSelector`` and
  required node affinity match the node, and it tolerates the node's NoSchedule and
  NoExecute taints. Daemon pods automatically tolerate not-ready/unreachable (NoExecute)
  and disk-/memory-/pid-pressure and unschedulable (NoSchedule)
  (https://kubernetes.io/docs/concepts/workloads/controllers/daemonset/#taints-and-tolerations);
* an eligible node without a daemon pod gets one: created with a node affinity naming
  the node (``matchFields metadata.name``), which the default scheduler honours;
* a node that stopped being eligible (NoExecute taint not tolerated, labels changed)
  or that has several daemon pods loses the extra ones; failed pods are replaced;
* ``RollingUpdate``: pods whose ``controller-revision-hash`` is not the current
  template's are deleted, at most ``maxUnavailable`` (default 1) nodes unavailable at
  once, and replaced by new ones;
* status: desiredNumberScheduled, currentNumberScheduled, numberMisscheduled,
  numberReady, updatedNumberScheduled, numberAvailable, numberUnavailable.
"""

from __future__ import annotations

import math

from .. import errors
from ..api.labels import selector_from_object
from ..api.meta import clone, key_of, owner_reference
from ..api.nodeaffinity import match_node_selector_terms
from ..component import Component, Result
from .. import params as P
from .deployment_util import pod_template_hash
from .podutil import PodIndex, resync_later, is_pod_available, is_pod_ready, template_pod, tolerates_all
from .replicaset import Expectations

# AddOrUpdateDaemonPodTolerations (pkg/controller/daemon/util/daemonset_util.go).
DAEMON_TOLERATIONS = [
    {"key": P.TAINT_NOT_READY, "operator": "Exists", "effect": "NoExecute"},
    {"key": P.TAINT_UNREACHABLE, "operator": "Exists", "effect": "NoExecute"},
    {"key": P.TAINT_DISK_PRESSURE, "operator": "Exists", "effect": "NoSchedule"},
    {"key": P.TAINT_MEMORY_PRESSURE, "operator": "Exists", "effect": "NoSchedule"},
    {"key": P.TAINT_PID_PRESSURE, "operator": "Exists", "effect": "NoSchedule"},
    {"key": P.TAINT_UNSCHEDULABLE, "operator": "Exists", "effect": "NoSchedule"},
]
HOST_NETWORK_TOLERATION = {"key": P.TAINT_NETWORK_UNAVAILABLE, "operator": "Exists", "effect": "NoSchedule"}


def daemon_tolerations(pod_spec: dict) -> list[dict]:
    """The pod's tolerations plus the ones every daemon pod gets (not duplicated)."""
    tols = [dict(t) for t in pod_spec.get("tolerations") or []]
    extra = DAEMON_TOLERATIONS + ([HOST_NETWORK_TOLERATION] if pod_spec.get("hostNetwork") else [])
    for t in extra:
        if not any(x.get("key") == t["key"] and x.get("effect") == t["effect"] for x in tols):
            tols.append(dict(t))
    return tols


def node_matches_affinity(pod_spec: dict, node: dict) -> bool:
    """nodeSelector and requiredDuringSchedulingIgnoredDuringExecution node affinity."""
    labels = node["metadata"].get("labels") or {}
    for k, v in (pod_spec.get("nodeSelector") or {}).items():
        if labels.get(k) != v:
            return False
    req = (((pod_spec.get("affinity") or {}).get("nodeAffinity") or {})
           .get("requiredDuringSchedulingIgnoredDuringExecution"))
    if not req:
        return True
    return match_node_selector_terms(req.get("nodeSelectorTerms") or [], labels, node["metadata"]["name"])


def node_should_run(ds: dict, node: dict) -> tuple[bool, bool]:
    """NodeShouldRunDaemonPod: (should run a daemon pod, should keep a running one)."""
    spec = ds["spec"]["template"].get("spec") or {}
    if spec.get("nodeName") and spec["nodeName"] != node["metadata"]["name"]:
        return False, False
    if not node_matches_affinity(spec, node):
        return False, False
    tols = daemon_tolerations(spec)
    taints = (node.get("spec") or {}).get("taints") or []
    no_exec = [t for t in taints if t.get("effect") == "NoExecute"]
    sched = [t for t in taints if t.get("effect") in ("NoSchedule", "NoExecute")]
    keep = tolerates_all(tols, no_exec)
    return tolerates_all(tols, sched) and keep, keep


def max_unavailable(ds: dict, desired: int) -> int:
    """maxUnavailable of a DaemonSet's RollingUpdate: a percentage of desired nodes, rounded up."""
    ru = ((ds["spec"].get("updateStrategy") or {}).get("rollingUpdate") or {})
    v = ru.get("maxUnavailable", 1)
    if isinstance(v, str) and v.endswith("%"):
        return math.ceil(int(v[:-1]) * desired / 100)
    return int(v)


def _pod_node(pod: dict) -> str | None:
    node = (pod.get("spec") or {}).get("nodeName")
    if node:
        return node
    req = ((((pod.get("spec") or {}).get("affinity") or {}).get("nodeAffinity") or {})
           .get("requiredDuringSchedulingIgnoredDuringExecution") or {})
    for term in req.get("nodeSelectorTerms") or []:
        for f in term.get("matchFields") or []:
            if f.get("key") == "metadata.name" and f.get("values"):
                return f["values"][0]
    return None


class DaemonSetController(Component):
    name = "daemonset-controller"

    @property
    def event_source(self) -> str:
        return "daemonset-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers and indexes outlive a restart
            self.index = PodIndex()
            self.dss = self.informer("daemonsets", self.enqueue_obj)
            self.nodes = self.informer("nodes", self.on_node)
            self.pods = self.informer("pods", self.on_pod)
            self.revisions = self.informer("controllerrevisions")
        self.expectations = Expectations(self.clock)
        resync_later(self, self.dss)

    def on_node(self, typ, node, old) -> None:
        if old is not None and typ != "DELETED":
            same = (old["metadata"].get("labels") == node["metadata"].get("labels")
                    and (old.get("spec") or {}).get("taints") == (node.get("spec") or {}).get("taints"))
            if same:
                return
        for ds in self.dss.list():
            self.enqueue(key_of(ds))

    def on_pod(self, typ, pod, old) -> None:
        self.index.update(typ, pod)
        for ref in pod["metadata"].get("ownerReferences") or []:
            if ref.get("controller") and ref.get("kind") == "DaemonSet":
                key = f"{pod['metadata']['namespace']}/{ref['name']}"
                if typ == "ADDED":
                    self.expectations.created(key)
                if typ == "DELETED" or pod["metadata"].get("deletionTimestamp"):
                    self.expectations.deleted(key, key_of(pod))
                self.enqueue(key)

    def reconcile(self, key: str) -> Result | None:
        ds = self.dss.get(key)
        if ds is None:
            self.expectations.forget(key)
            return None
        ns, name = ds["metadata"]["namespace"], ds["metadata"]["name"]
        sel = selector_from_object(ds["spec"].get("selector"))
        h = pod_template_hash(ds["spec"]["template"], (ds.get("status") or {}).get("collisionCount"))
        if not ds["metadata"].get("deletionTimestamp"):
            self.sync_history(ds, h)
        pods = [p for p in self.index.owned(ds["metadata"]["uid"]) if sel.matches(p["metadata"].get("labels"))]
        by_node: dict[str, list[dict]] = {}
        for p in pods:
            node = _pod_node(p)
            if node:
                by_node.setdefault(node, []).append(p)
        nodes = self.nodes.list()
        self.observe(f"DaemonSet {name}: {len(nodes)} node(s), {len(pods)} daemon pod(s)")
        mrs = ds["spec"].get("minReadySeconds", 0)
        if self.expectations.satisfied(key) and not ds["metadata"].get("deletionTimestamp"):
            create, delete = [], []
            for node in nodes:
                nname = node["metadata"]["name"]
                run, keep = node_should_run(ds, node)
                here = [p for p in by_node.get(nname, []) if not p["metadata"].get("deletionTimestamp")]
                failed = [p for p in here if (p.get("status") or {}).get("phase") == "Failed"]
                for p in failed:
                    self.event(ds, "Warning", "FailedDaemonPod",
                               f"Found failed daemon pod {ns}/{p['metadata']['name']} on node {nname}, "
                               f"will try to kill it")
                delete += failed
                here = [p for p in here if p not in failed]
                if run and not by_node.get(nname):
                    # (a pod still terminating here blocks the new one, e.g. for its host ports)
                    create.append(nname)
                elif not keep:
                    delete += here
                elif len(here) > 1:
                    here.sort(key=lambda p: (p["metadata"].get("creationTimestamp") or "", p["metadata"]["name"]))
                    delete += here[1:]
            delete += self.rolling_update(ds, h, nodes, by_node, mrs)
            if create or delete:
                self.diff(f"create daemon pods on {', '.join(create) or 'no node'}; "
                          f"delete {', '.join(p['metadata']['name'] for p in delete) or 'none'}")
            self.expectations.expect(key, adds=len(create), deletes=[key_of(p) for p in delete])
            for nname in create[:P.DAEMONSET_BURST_REPLICAS]:
                self._create(ds, nname, h)
            for p in delete:
                try:
                    self.api.delete("pods", p["metadata"]["name"], ns)
                except errors.ApiError as e:
                    self.expectations.deleted(key, key_of(p))
                    if e.code != 404:
                        raise
                    continue
                self.event(ds, "Normal", "SuccessfulDelete", f"Deleted pod: {p['metadata']['name']}")
        return self.update_status(ds, nodes, by_node, h, mrs)

    def rolling_update(self, ds: dict, h: str, nodes, by_node, mrs) -> list[dict]:
        """rollingUpdate: delete old-template pods, at most maxUnavailable nodes unavailable at once."""
        strategy = (ds["spec"].get("updateStrategy") or {}).get("type", "RollingUpdate")
        if strategy != "RollingUpdate":
            return []
        now = self.clock.now
        eligible = [n["metadata"]["name"] for n in nodes if node_should_run(ds, n)[0]]
        budget = max_unavailable(ds, len(eligible))
        unavailable, old_avail, old_unavail = 0, [], []
        for nname in eligible:
            here = [p for p in by_node.get(nname, []) if not p["metadata"].get("deletionTimestamp")]
            if not here or not any(is_pod_available(p, mrs, now) for p in here):
                unavailable += 1
            for p in here:
                if p["metadata"].get("labels", {}).get(P.CONTROLLER_REVISION_HASH_LABEL) != h:
                    (old_avail if is_pod_available(p, mrs, now) else old_unavail).append(p)
        out = list(old_unavail)            # unavailable old pods can go at once
        room = budget - unavailable
        for p in old_avail:
            if room <= 0:
                break
            out.append(p)
            room -= 1
        return out

    def _create(self, ds: dict, node: str, h: str) -> None:
        ns, name = ds["metadata"]["namespace"], ds["metadata"]["name"]
        labels = {P.CONTROLLER_REVISION_HASH_LABEL: h,
                  "pod-template-generation": str(ds["metadata"].get("generation", 1))}
        pod = template_pod(ds["spec"]["template"], f"{name}-", ns, owner_reference(ds), labels)
        spec = pod["spec"]
        spec["tolerations"] = daemon_tolerations(spec)
        aff = spec.setdefault("affinity", {}).setdefault("nodeAffinity", {})
        aff["requiredDuringSchedulingIgnoredDuringExecution"] = {"nodeSelectorTerms": [{"matchFields": [
            {"key": "metadata.name", "operator": "In", "values": [node]}]}]}
        try:
            out = self.api.create("pods", pod, ns)
        except errors.ApiError as e:
            self.expectations.created(key_of(ds))
            self.event(ds, "Warning", "FailedCreate", f"Error creating: {e.message}")
            raise
        self.event(ds, "Normal", "SuccessfulCreate", f"Created pod: {out['metadata']['name']}")

    def sync_history(self, ds: dict, h: str) -> None:
        """ControllerRevisions ``<ds>-<hash>``: the template history ``kubectl rollout history`` shows."""
        ns, name = ds["metadata"]["namespace"], ds["metadata"]["name"]
        mine = [r for r in self.revisions.list(ns)
                if any(ref.get("uid") == ds["metadata"]["uid"] for ref in r["metadata"].get("ownerReferences") or [])]
        top = max([r.get("revision", 0) for r in mine] or [0])
        cur = next((r for r in mine if r["metadata"]["name"] == f"{name}-{h}"), None)
        if cur is not None and (cur.get("revision", 0) == top):
            return
        if cur is not None:
            new = clone(cur)
            new["revision"] = top + 1
            self.api.update("controllerrevisions", new, ns)
            return
        tmpl = clone(ds["spec"]["template"])
        tmpl["$patch"] = "replace"
        labels = dict((ds["spec"]["template"].get("metadata") or {}).get("labels") or {})
        labels[P.CONTROLLER_REVISION_HASH_LABEL] = h
        rev = {"apiVersion": "apps/v1", "kind": "ControllerRevision",
               "metadata": {"name": f"{name}-{h}", "namespace": ns, "labels": labels,
                            "annotations": dict(ds["metadata"].get("annotations") or {}) or None,
                            "ownerReferences": [owner_reference(ds)]},
               "data": {"spec": {"template": tmpl}}, "revision": top + 1}
        if rev["metadata"]["annotations"] is None:
            rev["metadata"].pop("annotations")
        rev["metadata"].get("annotations", {}).pop("kubectl.kubernetes.io/last-applied-configuration", None)
        if rev["metadata"].get("annotations") == {}:
            rev["metadata"].pop("annotations")
        try:
            self.api.create("controllerrevisions", rev, ns)
        except errors.ApiError as e:
            if e.code != 409:
                raise

    def update_status(self, ds: dict, nodes, by_node, h: str, mrs) -> Result | None:
        now = self.clock.now
        desired = current = mis = ready = updated = available = 0
        for node in nodes:
            nname = node["metadata"]["name"]
            run, _ = node_should_run(ds, node)
            here = [p for p in by_node.get(nname, []) if not p["metadata"].get("deletionTimestamp")]
            if run:
                desired += 1
                if here:
                    current += 1
                    p = here[0]
                    if is_pod_ready(p):
                        ready += 1
                        if is_pod_available(p, mrs, now):
                            available += 1
                    if p["metadata"].get("labels", {}).get(P.CONTROLLER_REVISION_HASH_LABEL) == h:
                        updated += 1
            elif here:
                mis += 1
        st = {"currentNumberScheduled": current, "numberMisscheduled": mis, "desiredNumberScheduled": desired,
              "numberReady": ready, "observedGeneration": ds["metadata"].get("generation", 1),
              "updatedNumberScheduled": updated, "numberAvailable": available,
              "numberUnavailable": desired - available}
        old = ds.get("status") or {}
        if old.get("collisionCount") is not None:
            st["collisionCount"] = old["collisionCount"]
        st = {k: v for k, v in st.items() if v or k in ("currentNumberScheduled", "numberMisscheduled",
                                                        "desiredNumberScheduled", "numberReady")}
        if st != {k: v for k, v in old.items() if k != "conditions"}:
            self.diff(f"status desired={desired} current={current} ready={ready} updated={updated} "
                      f"available={available}")
            self.api.update("daemonsets", dict(ds, status=st), ds["metadata"]["namespace"], subresource="status")
        if mrs and ready != available:
            return Result(requeue_after=mrs)
        return None
