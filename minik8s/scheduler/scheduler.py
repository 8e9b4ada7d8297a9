"""kube-scheduler: assigns each new pod to a node.

https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/

The real kube-scheduler watches pods whose ``spec.nodeName`` is empty and whose
``spec.schedulerName`` is ``default-scheduler``. It keeps them in a scheduling
queue (:mod:`minik8s.scheduler.queue`), takes them one at a time, highest
priority first, and for each runs one *scheduling cycle*
(:mod:`minik8s.scheduler.framework`): filter the nodes, score the feasible
ones, pick the best. It then *assumes* the pod on that node in its own cache
(so the next pod already sees the room it takes) and *binds* it by creating a
``pods/binding`` subresource; the kubelet of that node takes it from there.

A pod that fits nowhere stays Pending: its ``PodScheduled`` condition becomes
``False`` with reason ``Unschedulable``, a ``FailedScheduling`` event says why
in the scheduler's own words, and the pod waits until something changes in the
cluster (a node is added or updated, a pod is deleted) or five minutes pass. If
evicting lower-priority pods would make room (:mod:`minik8s.scheduler.preemption`),
the scheduler deletes them and nominates the node in ``status.nominatedNodeName``.

Every decision is a trace step: the filter verdicts per node, the weighted
scores per node, the chosen node and the binding. ``explain()`` in
:mod:`minik8s.scheduler.framework` gives the same table for any pod in a notebook.
Students add score plugins with :meth:`Scheduler.add_score_plugin`.

The package: ``scheduler.py`` (this component: informers, cache, queue, binding), ``queue.py``,
``node_info.py`` (the cache's PodInfo / NodeInfo), ``framework.py`` (one attempt, the reference
path), ``fast.py`` (the same decisions with fewer calls, used when nothing is traced),
``profile.py`` (the default plugins and weights), ``plugins/`` (one module per plugin),
``preemption.py``, ``status.py`` (failure codes, the FitError message).
"""

from __future__ import annotations

import random

from .. import errors
from ..api.meta import controller_of, key_of, rfc3339
from ..api.quantity import format_cpu, format_memory
from ..component import Component
from . import fast, framework, profile
from .node_info import DEFAULT_SCHEDULER_NAME, NodeInfo, PodInfo
from .plugins import podtopologyspread, volumebinding
from .plugins.imagelocality import image_node_counts
from .queue import NODE_EVENTS, POD_ADDED, POD_DELETED, VOLUME_EVENTS, SchedulingQueue

TERMINAL = ("Succeeded", "Failed")


# events.k8s.io notes are at most 1 kB; the scheduler cuts longer messages (the condition keeps it all)
NOTE_LENGTH_LIMIT = 1024
# up to this many nodes the trace shows every node's filter verdict and scores
TRACE_ALL_NODES = 20


def truncate_message(message: str) -> str:
    if len(message) <= NOTE_LENGTH_LIMIT:
        return message
    return message[:NOTE_LENGTH_LIMIT - 3] + "..."


def _images(node: dict | None):
    return ((node or {}).get("status") or {}).get("images")


def _same_to_the_cache(old: dict, new: dict) -> bool:
    """Would ``new`` give the same PodInfo as ``old`` (spec other than nodeName, namespace, labels,
    terminating)? Status changes (the kubelet's updates) do not matter to the scheduler's cache."""
    om, nm = old["metadata"], new["metadata"]
    if (om.get("labels") != nm.get("labels") or om.get("namespace") != nm.get("namespace")
            or bool(om.get("deletionTimestamp")) != bool(nm.get("deletionTimestamp"))):
        return False
    os_, ns_ = old.get("spec") or {}, new.get("spec") or {}
    if os_.get("nodeName") == ns_.get("nodeName"):
        return os_ == ns_
    return ({k: v for k, v in os_.items() if k != "nodeName"}
            == {k: v for k, v in ns_.items() if k != "nodeName"})


def _relevant_node_fields(node: dict) -> tuple:
    """What in a Node can change where pods fit (heartbeats and conditions do not)."""
    st = node.get("status") or {}
    return (repr(node.get("spec")), repr((node.get("metadata") or {}).get("labels")),
            repr(st.get("allocatable")), repr(st.get("images")))


class Scheduler(Component):
    """The default scheduler (profile ``default-scheduler``, Kubernetes v1.33 default plugins)."""

    name = "kube-scheduler"
    scheduler_name = DEFAULT_SCHEDULER_NAME

    def __init__(self, ctx, name: str | None = None):
        super().__init__(ctx, name)
        self.score_plugins = profile.default_score_plugins()
        self.filters = list(profile.FILTERS)
        # how an untraced attempt is decided: fast.schedule, or framework.schedule (the reference,
        # always used when tracing, since the trace shows every verdict); Cluster(fast_scheduler=)
        self.untraced = fast.schedule
        self.squeue = SchedulingQueue()
        self.node_infos: dict[str, NodeInfo] = {}
        self.node_order: list[str] = []       # the scheduler cache's node list (insertion order)
        self._pod_node: dict[str, str] = {}   # assigned pod key -> node in the cache
        self.nominated: dict[str, dict[str, PodInfo]] = {}   # node -> pods that preempted for it
        self._next_start = 0
        self._image_counts = None
        self._infos = None                    # [NodeInfo] in node_order, until the node list changes
        self._loop = None
        self.decisions: list = []             # the last decisions (framework.Decision), newest last
        self.keep_decisions = 50

    @property
    def event_source(self) -> str:
        return self.scheduler_name

    # --- the student seam ----------------------------------------------------------------------
    def add_score_plugin(self, name: str, fn, weight: int = 1, normalize: bool = False) -> None:
        """Add a score plugin: ``fn(pod, node_info) -> int`` (0..100, or any non-negative number
        with ``normalize=True``, which scales the best node to 100). ``pod`` is the Pod dict;
        ``node_info`` is a :class:`~minik8s.scheduler.node_info.NodeInfo` (``.node`` the Node
        dict, ``.pods``, ``.requested_cpu``, ``.alloc_cpu``, ``.labels`` ...). Its score times
        ``weight`` is added to the node's total."""
        if any(sp.name == name for sp in self.score_plugins):
            raise ValueError(f"score plugin {name!r} already exists")
        self.score_plugins.append(profile.ScorePlugin(
            name, lambda pi, ni, ctx: fn(pi.pod, ni), weight, "default" if normalize else None))

    def remove_score_plugin(self, name: str) -> None:
        self.score_plugins = [sp for sp in self.score_plugins if sp.name != name]

    def set_plugin_weight(self, name: str, weight: int) -> None:
        for sp in self.score_plugins:
            if sp.name == name:
                sp.weight = weight
                return
        raise KeyError(name)

    # --- lifecycle --------------------------------------------------------------------------
    def setup(self) -> None:
        # Informers outlive a stop/start: on start they re-list and replay only what changed,
        # so the cache and the queue built from their events stay consistent.
        if not self.informers:
            self.nodes = self.informer("nodes", self.on_node)
            self.pods = self.informer("pods", self.on_pod)
            # for PodTopologySpread's system-default constraints (pods of Services, ReplicaSets, ...)
            self.services = self.informer("services")
            self.replicasets = self.informer("replicasets")
            self.statefulsets = self.informer("statefulsets")
            # VolumeBinding (plugins/volumebinding.py): claims, volumes and classes
            self.pvcs, self.pvs, self.storage_classes = (
                self.informer(r, lambda *a: self._move(VOLUME_EVENTS))
                for r in ("persistentvolumeclaims", "persistentvolumes", "storageclasses"))
        self.every(1.0, self._flush_backoff)
        self.every(30.0, self._flush_leftover)
        self._kick()

    def on_stop(self) -> None:
        if self._loop is not None:
            self._loop.cancel()
            self._loop = None

    # --- informer handlers: keep the cache and the queue current -------------------------------
    def on_node(self, typ: str, node: dict, old: dict | None) -> None:
        name = node["metadata"]["name"]
        if typ != "MODIFIED" or _images(old) != _images(node):
            self._image_counts = None         # ImageLocality's "how many nodes have it"
        if typ == "DELETED":
            if name in self.node_order:
                self.node_order.remove(name)
                self._infos = None
            ni = self.node_infos.get(name)
            if ni is not None:
                ni.node = None          # keep the pods still bound to it, in case it comes back
                if not ni.pods:
                    del self.node_infos[name]
            return
        ni = self.node_infos.get(name)
        if ni is None:
            ni = self.node_infos[name] = NodeInfo(name=name)
        if ni.node is None:
            ni.set_node(node)
            self.node_order.append(name)
            self._infos = None
            self._image_counts = None
            self._move(NODE_EVENTS)
            return
        ni.set_node(node)
        if old is None or _relevant_node_fields(old) != _relevant_node_fields(node):
            self._move(NODE_EVENTS)

    def on_pod(self, typ: str, pod: dict, old: dict | None) -> None:
        md, spec = pod["metadata"], pod.get("spec") or {}
        key = f"{md.get('namespace') or 'default'}/{md['name']}"
        phase = (pod.get("status") or {}).get("phase")
        if typ == "DELETED" or phase in TERMINAL:
            self.squeue.delete(key)
            self._forget_nominated(key)
            if self._forget_assigned(key):
                self._move(POD_DELETED)
            return
        node = spec.get("nodeName")
        if node:
            self.squeue.done(key)
            self._forget_nominated(key)
            newly_bound = old is None or not (old.get("spec") or {}).get("nodeName")
            if self._pod_node.get(key) == node and old is not None and _same_to_the_cache(old, pod):
                # a status update, or the binding of a pod already assumed there: nothing the
                # plugins count has changed, so the node keeps what it remembers (NodeInfo.scores)
                pi = self.node_infos[node].pods.get(key)
                if pi is not None:
                    pi.pod = pod
                    if newly_bound and self.squeue.unschedulable:
                        self._move(POD_ADDED)    # pods waiting for affinity or spreading may now fit
                    return
            old_labels = (old or {}).get("metadata", {}).get("labels")
            self._forget_assigned(key)
            ni = self.node_infos.get(node)
            if ni is None:
                ni = self.node_infos[node] = NodeInfo(name=node)   # node not seen yet
            ni.add_pod(PodInfo(pod))
            self._pod_node[key] = node
            if self.squeue.unschedulable and (newly_bound or old_labels != md.get("labels")):
                self._move(POD_ADDED)        # pods waiting for affinity or spreading may now fit
            return
        if (spec.get("schedulerName") or DEFAULT_SCHEDULER_NAME) != self.scheduler_name:
            return
        if md.get("deletionTimestamp") or spec.get("schedulingGates"):
            self.squeue.delete(key)
            return
        if typ == "ADDED" or key not in self.squeue.pods:
            self.squeue.add(pod, self.clock.now)
        else:
            changed = old is None or (old.get("spec") != spec
                                      or (old.get("metadata") or {}).get("labels") != md.get("labels"))
            self.squeue.update(pod, self.clock.now, changed)
        self._kick()

    def _forget_nominated(self, key: str) -> None:
        for node in sorted(self.nominated):
            noms = self.nominated[node]
            if noms.pop(key, None) is not None and not noms:
                del self.nominated[node]

    def _with_nominated(self, ni: NodeInfo, pi: PodInfo) -> NodeInfo:
        """The node as the pod must see it: with the pods of equal or higher priority that
        were nominated to it (they preempted to get that room) counted as already there."""
        noms = self.nominated.get(ni.name)
        if not noms:
            return ni
        extra = [p for k, p in sorted(noms.items()) if k != pi.key and p.priority >= pi.priority]
        if not extra:
            return ni
        ni = ni.clone()
        for p in extra:
            ni.add_pod(p)
        return ni

    def _forget_assigned(self, key: str) -> bool:
        node = self._pod_node.pop(key, None)
        if node is None:
            return False
        ni = self.node_infos.get(node)
        if ni is not None:
            ni.remove_pod(key)
        return True

    def _move(self, event: str) -> None:
        if self.squeue.move_for_event(event, self.clock.now):
            self._kick()

    def _flush_backoff(self) -> None:
        if self.squeue.flush_backoff_completed(self.clock.now):
            self._kick()

    def _flush_leftover(self) -> None:
        if self.squeue.flush_unschedulable_leftover(self.clock.now):
            self._kick()

    # --- the scheduling loop ------------------------------------------------------------------
    def _kick(self) -> None:
        if self._loop is None and self.running:
            self._loop = self.clock.call_soon(self._next)

    def _next(self) -> None:
        self._loop = None
        if not self.running:
            return
        qp = self.squeue.pop()
        if qp is None:
            return
        self._loop = self.clock.call_soon(self._next)
        self.traced(qp.key, self.schedule_one, qp)

    def _image_nodes(self) -> dict:
        if self._image_counts is None:
            self._image_counts = image_node_counts(
                [self.node_infos[n] for n in self.node_order])
        return self._image_counts

    def schedule_one(self, qp) -> None:
        """One scheduling cycle for one pod, then its binding."""
        pod = self.pods.get(qp.key) or qp.pod
        if (pod.get("spec") or {}).get("nodeName") or pod["metadata"].get("deletionTimestamp"):
            self.squeue.done(qp.key)
            return
        pi = PodInfo(pod)
        pi.volumes = volumebinding.pre_filter(pod, self.pvcs, self.pvs, self.storage_classes)
        if not (pod.get("spec") or {}).get("topologySpreadConstraints"):
            pi.default_selector = self._default_selector(pod, pi)
        if self._infos is None:
            self._infos = [self.node_infos[n] for n in self.node_order]
        infos = self._infos
        if self.nominated:
            infos = [self._with_nominated(ni, pi) for ni in infos]
        tracing = self._step is not None
        if tracing:
            self.observe(f"pod {qp.key} priority {pi.priority} requests cpu {format_cpu(pi.requests[0])} "
                         f"memory {format_memory(pi.requests[1])}; attempt {qp.attempts}; {len(infos)} nodes")
        start = self._next_start if infos else 0
        decide = framework.schedule if tracing else self.untraced
        d = decide(pi, infos, self.rng, self.score_plugins, start=start,
                   image_nodes=self._image_nodes(), filters=self.filters)
        if infos:
            self._next_start = (start + d.processed) % len(infos)
        self.decisions.append(d)
        if len(self.decisions) > self.keep_decisions:
            del self.decisions[0]
        if tracing:
            self._trace_decision(d)
        if d.node is None:
            self._unschedulable(qp, pod, d)
            return
        # assume: the pod takes its room in the cache now, before the binding is confirmed
        # (and no longer holds a nominated node's room)
        self._forget_nominated(qp.key)
        self._forget_assigned(qp.key)
        self.node_infos[d.node].add_pod(pi)
        self._pod_node[qp.key] = d.node
        binding = {"apiVersion": "v1", "kind": "Binding",
                   "metadata": {"name": pi.name, "namespace": pi.namespace},
                   "target": {"apiVersion": "v1", "kind": "Node", "name": d.node}}
        try:
            volumebinding.pre_bind(self.api, pod, d.node, pi.volumes)   # WaitForFirstConsumer claims
            self.api.create("pods", binding, pi.namespace, subresource="binding")
        except errors.ApiError as e:
            self._forget_assigned(qp.key)
            self._move(POD_DELETED)          # the room it was assumed to take is free again
            msg = f'binding rejected: running Bind plugin "DefaultBinder": {e.message}'
            self.diff(msg)
            self.event(pod, "Warning", "FailedScheduling", msg)
            self._set_condition(pod, msg, reason="SchedulerError")
            self.squeue.add_backoff(qp, self.clock.now)
            return
        self.squeue.done(qp.key)
        self.event(pod, "Normal", "Scheduled", f"Successfully assigned {pi.namespace}/{pi.name} to {d.node}")

    def _default_selector(self, pod: dict, pi: PodInfo):
        owner = controller_of(pod)
        owner_obj = None
        if owner is not None:
            inf = {"ReplicaSet": self.replicasets, "StatefulSet": self.statefulsets}.get(owner.get("kind"))
            if inf is not None:
                owner_obj = inf.get_by_name(owner.get("name"), pi.namespace)
        return podtopologyspread.default_selector(pod, self.services.list(pi.namespace), owner_obj)

    def _trace_decision(self, d) -> None:
        """Per-node filter verdicts and scores. In clusters of more than TRACE_ALL_NODES nodes the
        trace groups them: rejections by reason, passing nodes counted, scores of the three best
        nodes (as kube-scheduler logs its numberOfHighestScoredNodesToReport) and the chosen one."""
        if len(self.node_order) <= TRACE_ALL_NODES:
            for name in self.node_order:
                if name not in d.filters:
                    continue
                results = d.filters[name]
                if results and results[-1][1]:
                    self.observe(f"filter {name}: {results[-1][0]} rejects: {'; '.join(results[-1][1])}")
                else:
                    self.observe(f"filter {name}: passes " + ", ".join(r[0] for r in results))
            shown = [n for n in d.feasible if n in d.scores]
        else:
            groups: dict[str, list[str]] = {}
            for name in self.node_order:
                results = d.filters.get(name)
                if results and results[-1][1]:
                    why = f"{results[-1][0]} rejects: {'; '.join(results[-1][1])}"
                    groups.setdefault(why, []).append(name)
            for why in sorted(groups):
                names = groups[why]
                more = f", ... ({len(names)} nodes)" if len(names) > 5 else ""
                self.observe(f"filter {', '.join(names[:5])}{more}: {why}")
            self.observe(f"filter: {len(d.feasible)} of {len(self.node_order)} nodes pass "
                         f"({d.processed} evaluated)")
            # the three highest totals, the earlier node (in d.feasible's order, d.totals's too) first
            top = [n for _t, _i, n in sorted(zip([-t for t in d.totals.values()], range(len(d.totals)),
                                                 d.totals))[:3]]
            # (with one feasible node nothing is scored: upstream skips Score then)
            shown = [n for n in d.feasible if (n in top or n == d.node) and n in d.scores]
        for name in shown:
            parts = ", ".join(f"{p} {s}" for p, s in d.scores[name].items())
            self.observe(f"score {name}: {parts} = {d.totals[name]}")
        if d.node is not None:
            if d.totals:
                best = d.totals[d.node]
                tied = sum(1 for v in d.totals.values() if v == best)
                extra = f" (tie of {tied}, broken at random)" if tied > 1 else ""
                self.diff(f"chosen {d.node}: highest score {best} of {len(d.feasible)} feasible nodes{extra}")
            else:
                self.diff(f"chosen {d.node}: the only feasible node")
        else:
            self.diff(f"unschedulable: {d.message}")
            res = d.preemption
            if res is not None and res.node:
                self.diff(f"preemption: evict {', '.join(v.key for v in res.victims)} on {res.node}")

    def _unschedulable(self, qp, pod: dict, d) -> None:
        self.squeue.add_unschedulable(qp, d.unschedulable_plugins, self.clock.now)
        msg = d.message
        res = d.preemption
        nominate = None
        if res is not None and res.node:
            nominate = res.node
            self._preempt(pod, res)
            self._forget_nominated(qp.key)
            self.nominated.setdefault(res.node, {})[qp.key] = PodInfo(pod)
        elif res is not None and res.clear_nomination and (pod.get("status") or {}).get("nominatedNodeName"):
            nominate = ""            # preemption found no candidate any more: clear the nomination
            self._forget_nominated(qp.key)
        # otherwise (not eligible, e.g. its victims are still terminating) the nomination stands
        self.event(pod, "Warning", "FailedScheduling", truncate_message(msg))
        self._set_condition(pod, msg, nominate)

    def _preempt(self, pod: dict, res) -> None:
        """Delete the victims (graceful), marking them DisruptionTarget first, as upstream does."""
        uid = pod["metadata"].get("uid", "")
        sched_name = (pod.get("spec") or {}).get("schedulerName") or DEFAULT_SCHEDULER_NAME
        for v in res.victims:
            vpod = self.pods.get(v.key) or v.pod
            ns, name = v.namespace, v.name
            try:
                cur = self.api.get("pods", name, ns)
                conds = [c for c in (cur.get("status") or {}).get("conditions") or []
                         if c.get("type") != "DisruptionTarget"]
                conds.append({"type": "DisruptionTarget", "status": "True", "lastProbeTime": None,
                              "lastTransitionTime": rfc3339(self.clock.now), "reason": "PreemptionByScheduler",
                              "message": f"{sched_name}: preempting to accommodate a higher priority pod"})
                cur.setdefault("status", {})["conditions"] = conds
                self.api.update("pods", cur, ns, subresource="status")
                self.api.delete("pods", name, ns)
            except errors.ApiError:
                continue
            self.event(vpod, "Normal", "Preempted", f"Preempted by pod {uid} on node {res.node}")

    def _set_condition(self, pod: dict, msg: str, nominate: str | None = None,
                       reason: str = "Unschedulable") -> None:
        """PodScheduled=False, reason Unschedulable (SchedulerError for errors such as a rejected
        binding), and status.nominatedNodeName when preempting, via the status subresource,
        only if something changed."""
        md = pod["metadata"]
        ns = md.get("namespace") or "default"
        try:
            cur = self.api.get("pods", md["name"], ns)
        except errors.ApiError:
            return
        if cur["spec"].get("nodeName"):
            return
        status = cur.setdefault("status", {})
        conds = status.get("conditions") or []
        old = next((c for c in conds if c.get("type") == "PodScheduled"), None)
        same_cond = (old is not None and old.get("status") == "False" and old.get("reason") == reason
                     and old.get("message") == msg)
        same_nom = nominate is None or (status.get("nominatedNodeName") or "") == nominate
        if same_cond and same_nom:
            return
        if not same_cond:
            ltt = old.get("lastTransitionTime") if old and old.get("status") == "False" else rfc3339(self.clock.now)
            new_cond = {"type": "PodScheduled", "status": "False", "lastProbeTime": None,
                        "lastTransitionTime": ltt, "reason": reason, "message": msg}
            status["conditions"] = [c for c in conds if c.get("type") != "PodScheduled"] + [new_cond]
        if nominate:
            status["nominatedNodeName"] = nominate
        elif nominate == "":
            status.pop("nominatedNodeName", None)
        try:
            self.api.update("pods", cur, ns, subresource="status")
        except errors.ApiError:
            pass    # changed meanwhile: the next attempt writes it again

    # --- for notebooks ----------------------------------------------------------------------
    def explain(self, pod) -> framework.Explanation:
        """The filter/score table for ``pod`` (a dict or "ns/name") against the scheduler's
        current cache, without binding anything. Ties are broken with a private RNG, so calling
        this never changes the cluster's random stream (and so its later decisions)."""
        if isinstance(pod, str):
            key = pod if "/" in pod else f"default/{pod}"
            pod = self.pods.get(key)
            if pod is None:
                raise errors.not_found("pods", key.split("/", 1)[1])
        if (pod.get("spec") or {}).get("nodeName"):
            # a bound pod: show the choice as the scheduler faced it, before the binding
            pod = dict(pod, spec={k: v for k, v in pod["spec"].items() if k != "nodeName"})
        nodes = [self.node_infos[n].node for n in self.node_order]
        me = key_of(pod)
        assigned = [self.pods.get(k) for k in sorted(self._pod_node) if k != me]
        assigned = [p for p in assigned if p is not None]
        return framework.explain(pod, nodes, assigned, rng=random.Random(0), score_plugins=self.score_plugins)

    def pending(self) -> dict:
        """The scheduling queue: pod keys in activeQ, backoffQ and unschedulablePods."""
        return self.squeue.pending()
