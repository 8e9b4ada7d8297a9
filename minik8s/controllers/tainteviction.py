"""The taint eviction controller: delete pods that do not tolerate a node's NoExecute taints.

https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions —
the real one is ``pkg/controller/tainteviction`` (the "taint manager"). For each pod on a
node with NoExecute taints:

* a taint the pod does not tolerate: the pod is deleted at once;
* all tolerated: the pod is deleted after the smallest ``tolerationSeconds`` among the
  tolerations used (none set: it stays forever). The default 300 s tolerations for
  ``not-ready`` and ``unreachable`` come from the DefaultTolerationSeconds admission plugin;
* the taints go away first: the scheduled deletion is cancelled.

Before deleting, it adds the ``DisruptionTarget`` condition to the pod and records
``TaintManagerEviction`` (``Marking for deletion Pod default/web-...``).
"""

from __future__ import annotations

from .. import errors
from ..api.meta import clone, key_of, rfc3339
from ..component import Component
from .podutil import resync_later, tolerates


def no_execute_taints(node: dict | None) -> list[dict]:
    return [t for t in ((node or {}).get("spec") or {}).get("taints") or [] if t.get("effect") == "NoExecute"]


def min_toleration_seconds(tolerations: list[dict], taints: list[dict]) -> float | None:
    """How long the pod may stay: None if some taint is not tolerated; inf if forever.

    GetMatchingTolerations + getMinTolerationTime.
    """
    used = []
    for taint in taints:
        matching = [t for t in tolerations if tolerates(t, taint)]
        if not matching:
            return None
        used.extend(matching)
    secs = [t["tolerationSeconds"] for t in used if t.get("tolerationSeconds") is not None]
    if not secs:
        return float("inf")
    return float(max(0, min(secs)))


class TaintEvictionController(Component):
    name = "taint-eviction-controller"

    def setup(self) -> None:
        if not self.informers:      # first start; informers and the pod index outlive a restart
            self.pods_by_node: dict[str, set[str]] = {}
            self._node_of: dict[str, str] = {}
            self.nodes = self.informer("nodes", self.on_node)
            self.pods = self.informer("pods", self.on_pod)
        self.scheduled: dict[str, tuple[float, float, object]] = {}   # pod key -> (start, trigger, timer)
        resync_later(self, self.pods)

    def on_stop(self) -> None:
        self.scheduled.clear()

    def on_node(self, typ, node, old) -> None:
        if typ != "DELETED" and old is not None and no_execute_taints(old) == no_execute_taints(node):
            return
        for key in sorted(self.pods_by_node.get(node["metadata"]["name"], ())):
            self.enqueue(key)

    def on_pod(self, typ, pod, old) -> None:
        key = key_of(pod)
        prev = self._node_of.pop(key, None)
        if prev:
            self.pods_by_node.get(prev, set()).discard(key)
        node = (pod.get("spec") or {}).get("nodeName")
        if typ == "DELETED" or not node:
            self._cancel(key, event=None)
            return
        self._node_of[key] = node
        self.pods_by_node.setdefault(node, set()).add(key)
        if old is None or (old.get("spec") or {}).get("tolerations") != (pod.get("spec") or {}).get("tolerations") \
                or (old.get("spec") or {}).get("nodeName") != node:
            self.enqueue(key)

    def _cancel(self, key: str, event) -> None:
        entry = self.scheduled.pop(key, None)
        if entry is None:
            return
        entry[2].cancel()
        if event is not None:
            self.diff(f"pod {key} tolerates the node again: cancel its eviction")
            self.event(event, "Normal", "TaintManagerEviction", f"Cancelling deletion of Pod {key}")

    def reconcile(self, key: str):
        pod = self.pods.get(key)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            self._cancel(key, None)
            return None
        node = self.nodes.get((pod.get("spec") or {}).get("nodeName") or "")
        taints = no_execute_taints(node)
        if not taints:
            self._cancel(key, pod)
            return None
        wait = min_toleration_seconds((pod.get("spec") or {}).get("tolerations") or [], taints)
        taint_desc = ", ".join(f"{t['key']}:NoExecute" for t in taints)
        if wait is None:
            self.observe(f"pod {key} on {node['metadata']['name']} does not tolerate {taint_desc}")
            self.evict(key, "it does not tolerate its node's NoExecute taints")
            return None
        if wait == float("inf"):
            self._cancel(key, pod)
            return None
        now = self.clock.now
        start = now
        entry = self.scheduled.get(key)
        if entry is not None:
            start = entry[0]
            if entry[1] <= start + wait:
                return None
            entry[2].cancel()
        trigger = start + wait
        self.observe(f"pod {key} tolerates {taint_desc} for {wait:g}s")
        self.diff(f"evict pod {key} at T={trigger:.3f}")
        timer = self.after(trigger - now, self.traced, key, self.evict, key,
                           f"its tolerationSeconds ({wait:g}s) for {taint_desc} are over")
        self.scheduled[key] = (start, trigger, timer)
        return None

    def evict(self, key: str, why: str) -> None:
        self.scheduled.pop(key, None)
        pod = self.pods.get(key)
        if pod is None or pod["metadata"].get("deletionTimestamp"):
            return
        ns, name = pod["metadata"]["namespace"], pod["metadata"]["name"]
        self.diff(f"pod {key}: {why}: delete it")
        self.event(pod, "Normal", "TaintManagerEviction", f"Marking for deletion Pod {key}")
        new = clone(pod)
        conds = [c for c in new.setdefault("status", {}).get("conditions") or [] if c["type"] != "DisruptionTarget"]
        conds.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                      "lastTransitionTime": rfc3339(self.clock.now), "reason": "DeletionByTaintManager",
                      "message": "Taint manager: deleting due to NoExecute taint"})
        new["status"]["conditions"] = conds
        new["metadata"].pop("resourceVersion", None)
        try:
            self.api.update("pods", new, ns, subresource="status")
            self.api.delete("pods", name, ns)
        except errors.ApiError as e:
            if e.code not in (404, 409):
                raise
