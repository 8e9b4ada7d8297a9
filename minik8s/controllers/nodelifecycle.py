"""The node lifecycle controller: notice nodes that stopped talking, taint them.

https://kubernetes.io/docs/concepts/architecture/nodes/#node-controller and
https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats — the real one is
``pkg/controller/nodelifecycle``. Every ``NODE_MONITOR_PERIOD`` (5 s) it looks at each node:

* a node is *heard from* when its Lease in ``kube-node-lease`` is renewed or the
  ``lastHeartbeatTime`` of its Ready condition changes (the controller notes when it saw
  that, on its own clock);
* not heard from for more than ``NODE_MONITOR_GRACE_PERIOD`` (50 s): its Ready,
  MemoryPressure, DiskPressure and PIDPressure conditions become ``Unknown``
  (reason ``NodeStatusUnknown``, message ``Kubelet stopped posting node status.``);
* taints follow the Ready condition
  (https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions):
  ``Unknown`` -> ``node.kubernetes.io/unreachable``, ``False`` -> ``node.kubernetes.io/not-ready``,
  each as NoSchedule and NoExecute; pressure conditions and ``spec.unschedulable`` give
  NoSchedule taints; ``True`` removes them;
* when a node stops being Ready it records ``NodeNotReady`` and marks the pods on it
  ``Ready=False`` (MarkPodsNotReady). Evicting them is the taint eviction controller's job.
"""

from __future__ import annotations

from ..api.meta import clone, rfc3339
from ..component import Component
from .. import params as P
from .podutil import condition

WATCHED_CONDITIONS = ("Ready", "MemoryPressure", "DiskPressure", "PIDPressure")

# Node condition (type, status) -> NoSchedule taint key (nodeConditionToTaintKeyStatusMap).
NO_SCHEDULE_TAINTS = [
    (("Ready", "False"), P.TAINT_NOT_READY),
    (("Ready", "Unknown"), P.TAINT_UNREACHABLE),
    (("MemoryPressure", "True"), P.TAINT_MEMORY_PRESSURE),
    (("DiskPressure", "True"), P.TAINT_DISK_PRESSURE),
    (("NetworkUnavailable", "True"), P.TAINT_NETWORK_UNAVAILABLE),
    (("PIDPressure", "True"), P.TAINT_PID_PRESSURE),
]
CONTROLLER_TAINT_KEYS = {P.TAINT_NOT_READY, P.TAINT_UNREACHABLE, P.TAINT_MEMORY_PRESSURE,
                         P.TAINT_DISK_PRESSURE, P.TAINT_NETWORK_UNAVAILABLE, P.TAINT_PID_PRESSURE,
                         P.TAINT_UNSCHEDULABLE}


def desired_taints(node: dict) -> list[tuple[str, str]]:
    """(key, effect) of the taints the controller wants on ``node``, from its conditions."""
    out = []
    for (ctype, cstatus), key in NO_SCHEDULE_TAINTS:
        c = condition(node, ctype)
        if c and c.get("status") == cstatus:
            out.append((key, "NoSchedule"))
    if (node.get("spec") or {}).get("unschedulable"):
        out.append((P.TAINT_UNSCHEDULABLE, "NoSchedule"))
    ready = condition(node, "Ready")
    if ready and ready.get("status") == "False":
        out.append((P.TAINT_NOT_READY, "NoExecute"))
    elif ready and ready.get("status") == "Unknown":
        out.append((P.TAINT_UNREACHABLE, "NoExecute"))
    return out


class NodeLifecycleController(Component):
    name = "node-lifecycle-controller"

    @property
    def event_source(self) -> str:
        return "node-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers and the pod index outlive a restart
            self.pods_by_node: dict[str, dict[str, dict]] = {}
            self._node_of: dict[str, str] = {}
            self.nodes = self.informer("nodes", self.on_node)
            self.leases = self.informer("leases", self.on_lease, namespace="kube-node-lease")
            self.pods = self.informer("pods", self.on_pod)
        # A (re)started controller gives every node a fresh grace period: it has heard nothing yet.
        self.health: dict[str, dict] = {}       # node -> {"probe": t, "heartbeat": str, "ready": status}
        self.every(P.NODE_MONITOR_PERIOD, self.monitor)

    # --- what counts as hearing from a node -----------------------------------------------------
    def _seen(self, name: str) -> dict:
        h = self.health.get(name)
        if h is None:
            h = self.health[name] = {"probe": self.clock.now, "heartbeat": None, "ready": None}
        return h

    def on_node(self, typ, node, old) -> None:
        name = node["metadata"]["name"]
        if typ == "DELETED":
            self.health.pop(name, None)
            return
        h = self._seen(name)
        ready = condition(node, "Ready")
        hb = ready.get("lastHeartbeatTime") if ready else None
        if hb != h["heartbeat"]:
            h["heartbeat"] = hb
            h["probe"] = self.clock.now
        self.enqueue(name)

    def on_lease(self, typ, lease, old) -> None:
        if typ == "DELETED":
            return
        name = lease["metadata"]["name"]
        renew = (lease.get("spec") or {}).get("renewTime")
        h = self._seen(name)
        if renew != h.get("lease"):
            h["lease"] = renew
            h["probe"] = self.clock.now

    def on_pod(self, typ, pod, old) -> None:
        key = f"{pod['metadata']['namespace']}/{pod['metadata']['name']}"
        prev = self._node_of.pop(key, None)
        if prev:
            self.pods_by_node.get(prev, {}).pop(key, None)
        node = (pod.get("spec") or {}).get("nodeName")
        if typ != "DELETED" and node:
            self._node_of[key] = node
            self.pods_by_node.setdefault(node, {})[key] = pod

    def monitor(self) -> None:
        """monitorNodeHealth: look at every node (each as one reconcile)."""
        for node in self.nodes.list():
            self.enqueue(node["metadata"]["name"])

    # --- reconcile --------------------------------------------------------------------------------
    def reconcile(self, name: str):
        node = self.nodes.get(name)
        if node is None:
            return None
        h = self._seen(name)
        now = self.clock.now
        observed = condition(node, "Ready")
        previous = h["ready"]
        silent = now - h["probe"]
        grace = P.NODE_MONITOR_GRACE_PERIOD if observed else P.NODE_STARTUP_GRACE_PERIOD
        if silent > grace:
            node = self.mark_unknown(node, silent, observed is None)
        ready = condition(node, "Ready")
        status = ready.get("status") if ready else None
        node = self.sync_taints(node)
        h["ready"] = status
        if status is not None and status != "True" and previous == "True":
            self.diff(f"node {name} is no longer Ready ({status}): mark its pods not ready")
            self.event(node, "Normal", "NodeNotReady", f"Node {name} status is now: NodeNotReady")
            self.mark_pods_not_ready(name)
        return None

    def mark_unknown(self, node: dict, silent: float, never: bool) -> dict:
        name = node["metadata"]["name"]
        new = clone(node)
        conds = new.setdefault("status", {}).setdefault("conditions", [])
        ts = rfc3339(self.clock.now)
        changed = False
        for ctype in WATCHED_CONDITIONS:
            c = next((x for x in conds if x["type"] == ctype), None)
            if c is None:
                conds.append({"type": ctype, "status": "Unknown", "lastHeartbeatTime": rfc3339(
                    self.clock.now), "lastTransitionTime": ts, "reason": "NodeStatusNeverUpdated",
                    "message": "Kubelet never posted node status."})
                changed = True
            elif c["status"] != "Unknown":
                c.update(status="Unknown", reason="NodeStatusUnknown",
                         message="Kubelet stopped posting node status.", lastTransitionTime=ts)
                changed = True
        if not changed:
            return node
        self.observe(f"node {name} not heard from for {silent:g}s "
                     f"(grace period {P.NODE_MONITOR_GRACE_PERIOD:g}s)")
        self.diff(f"node {name}: conditions become Unknown")
        return self.api.update("nodes", new, subresource="status")

    def sync_taints(self, node: dict) -> dict:
        want = desired_taints(node)
        taints = (node.get("spec") or {}).get("taints") or []
        have = [(t["key"], t["effect"]) for t in taints if t.get("key") in CONTROLLER_TAINT_KEYS]
        if sorted(have) == sorted(want):
            return node
        keep = [t for t in taints if t.get("key") not in CONTROLLER_TAINT_KEYS or (t["key"], t["effect"]) in want]
        kept = {(t["key"], t["effect"]) for t in keep}
        ts = rfc3339(self.clock.now)
        for key, effect in want:
            if (key, effect) not in kept:
                t = {"key": key, "effect": effect}
                if effect == "NoExecute":
                    t["timeAdded"] = ts
                keep.append(t)
        added = [f"{k}:{e}" for k, e in want if (k, e) not in set(have)]
        removed = [f"{k}:{e}" for k, e in have if (k, e) not in set(want)]
        self.diff(f"node {node['metadata']['name']} taints: "
                  + "; ".join(x for x in (("add " + ", ".join(added)) if added else "",
                                          ("remove " + ", ".join(removed)) if removed else "") if x))
        new = clone(node)
        new.setdefault("spec", {})["taints"] = keep or None
        if not keep:
            new["spec"].pop("taints")
        return self.api.update("nodes", new)

    def mark_pods_not_ready(self, node_name: str) -> None:
        """MarkPodsNotReady: set each pod's Ready condition to False."""
        pods = self.pods_by_node.get(node_name, {})
        for key in sorted(pods):
            pod = pods[key]
            ready = condition(pod, "Ready")
            if ready is None or ready.get("status") == "False":
                continue
            new = clone(pod)
            for c in new["status"]["conditions"]:
                if c["type"] == "Ready":
                    c["status"] = "False"
                    c["lastTransitionTime"] = rfc3339(self.clock.now)
            try:
                out = self.api.update("pods", new, pod["metadata"]["namespace"], subresource="status")
            except Exception:   # noqa: BLE001 - a pod that went away needs no marking
                continue
            self.event(out, "Warning", "NodeNotReady", "Node is not ready")
