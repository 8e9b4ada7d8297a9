"""What every minik8s component is built from: a client, informers, a work queue.

This is the shape of a Kubernetes controller (client-go and controller-runtime):

* a :class:`Client` to the API server, the component's only way to read or change
  anything (every write it makes is recorded in the trace as an action);
* :class:`Informer` s: a local cache of one kind of object, filled by a LIST and
  kept current by a WATCH; event handlers only turn changes into keys;
* a :class:`WorkQueue` of ``namespace/name`` keys, deduplicated, retried with
  exponential back-off when a reconcile fails;
* one level-based ``reconcile(key)`` that reads the current state, compares it
  with the desired state and acts through the API. It is safe to call twice.

A :class:`Component` can be stopped and started (``c.stop("kube-scheduler")``):
a stopped component has no watches, no timers and does nothing.
"""

from __future__ import annotations

from collections import OrderedDict
from dataclasses import dataclass, field
from typing import Callable

from . import errors
from .api.labels import Selector
from .api.meta import EPOCH, key_of, rfc3339

_EPOCH_SECONDS = EPOCH.timestamp()      # virtual time 0, as Unix seconds (for Event names)


@dataclass
class Result:
    """What a reconcile returns: look again after ``requeue_after`` seconds (or not)."""

    requeue_after: float | None = None


@dataclass
class Context:
    """What a component is given: the API server to talk to, the clock, the RNG, the trace."""

    apiserver: object
    clock: object
    rng: object
    trace: object
    network: object = None     # the pod network (data plane), shared by every node's runtime
    # the cluster's storage backend (data plane too): disk name -> Dir for the volumes that are not
    # node-local (CSI, nfs), and which nodes each disk is attached to for which pods (storage/volumes.py)
    disks: dict = field(default_factory=dict)
    volume_attachments: dict = field(default_factory=dict)


class Client:
    """A component's connection to the API server. Writes are recorded in the current trace step.

    Like client-go's typed clients, it sends objects the component built from known fields, so the
    API server skips its decoding check (wrong JSON types) for its creates and updates; defaulting,
    admission and validation still apply. Hand-written manifests (``kubectl``, ``Cluster.apply``,
    the HTTP API) are always decoded strictly.
    """

    def __init__(self, apiserver, component: str, trace):
        self._api = apiserver
        self.component = component
        self._trace = trace

    def _record(self, action: str) -> None:
        step = self._trace.current
        if step is not None:
            step.actions.append(action)

    @staticmethod
    def _describe(resource, obj_or_name, namespace=None) -> str:
        if isinstance(obj_or_name, dict):
            md = obj_or_name.get("metadata", {})
            name = md.get("name") or (md.get("generateName", "") + "*")
            namespace = md.get("namespace") or namespace
        else:
            name = obj_or_name
        kind = resource if isinstance(resource, str) else resource.plural
        return f"{kind} {namespace}/{name}" if namespace else f"{kind} {name}"

    # reads (not recorded: the trace's "observed" says what mattered)
    def get(self, resource, name, namespace=None, **kw):
        return self._api.get(resource, name, namespace, **kw)

    def list(self, resource, namespace=None, **kw):
        return self._api.list(resource, namespace, **kw)

    def watch(self, resource, handler, namespace=None, **kw):
        return self._api.watch(resource, handler, namespace, **kw)

    # writes
    def create(self, resource, obj, namespace=None, **kw):
        kw.setdefault("typed", True)
        out = self._api.create(resource, obj, namespace, **kw)
        sub = kw.get("subresource")
        if sub == "binding":
            self._record(f"bind pod {obj['metadata'].get('namespace') or namespace}/"
                         f"{obj['metadata']['name']} to {obj['target']['name']}")
        elif getattr(self._api.resource(resource), "kind", "") != "Event":
            self._record(f"create {self._describe(resource, out, namespace)}")
        return out

    def update(self, resource, obj, namespace=None, **kw):
        kw.setdefault("typed", True)
        out = self._api.update(resource, obj, namespace, **kw)
        sub = kw.get("subresource")
        self._record(f"update {self._describe(resource, out, namespace)}" + (f" ({sub})" if sub else ""))
        return out

    def patch(self, resource, name, patch, namespace=None, **kw):
        out = self._api.patch(resource, name, patch, namespace, **kw)
        if getattr(self._api.resource(resource), "kind", "") != "Event":
            sub = kw.get("subresource")
            self._record(f"patch {self._describe(resource, name, namespace)}" + (f" ({sub})" if sub else ""))
        return out

    def delete(self, resource, name, namespace=None, **kw):
        kw.setdefault("owned", True)    # components never use what a delete returns: no copy
        out = self._api.delete(resource, name, namespace, **kw)
        self._record(f"delete {self._describe(resource, name, namespace)}")
        return out


class Informer:
    """A cache of one resource kept current by LIST + WATCH (client-go's shared informer).

    Handlers are called as ``handler(type, obj, old)`` after the cache is updated;
    ``old`` is the previous cached object (None on ADDED).
    """

    def __init__(self, api: Client, resource: str, namespace: str | None = None,
                 label_selector: str | None = None, field_selector: str | None = None):
        self.api = api
        self.resource = resource
        self.namespace = namespace
        self.label_selector = label_selector
        self.field_selector = field_selector
        self.cache: dict[str, dict] = {}
        self.handlers: list[Callable] = []
        self._watch = None
        self.synced = False

    def add_handler(self, fn: Callable) -> None:
        """Call ``fn`` on every change; adding the same handler twice (a restart) adds it once."""
        if fn not in self.handlers:
            self.handlers.append(fn)

    def start(self) -> None:
        """LIST then WATCH from the list's revision.

        As client-go's reflector on a relist, every listed object is handed to the handlers:
        ADDED if the cache did not hold it, MODIFIED otherwise (a resync, even if unchanged),
        and DELETED for cached objects that are gone.
        """
        self.stop()
        try:
            lst = self.api.list(self.resource, self.namespace, label_selector=self.label_selector,
                                field_selector=self.field_selector)
        except errors.ApiError:
            self.synced = False
            return
        fresh = {key_of(o): o for o in lst["items"]}
        old_cache, self.cache = self.cache, fresh
        for key in sorted(old_cache):
            if key not in fresh:
                self._notify("DELETED", old_cache[key], old_cache[key])
        for key in sorted(fresh):
            old = old_cache.get(key)
            if old is None:
                self._notify("ADDED", fresh[key], None)
            else:
                self._notify("MODIFIED", fresh[key], old)
        self._watch = self.api.watch(self.resource, self._on_event, self.namespace,
                                     resource_version=lst["metadata"]["resourceVersion"],
                                     label_selector=self.label_selector,
                                     field_selector=self.field_selector, keyed=True)
        self.synced = True

    def stop(self) -> None:
        if self._watch is not None:
            self._watch.stop()
            self._watch = None

    def _notify(self, typ, obj, old):
        for h in self.handlers:
            h(typ, obj, old)

    def _on_event(self, typ: str, obj: dict, key: str | None = None) -> None:
        if typ == "ERROR":
            self.start()    # 410 Gone: relist, as a reflector does
            return
        if key is None:
            key = key_of(obj)
        old = self.cache.get(key)
        if typ == "DELETED":
            self.cache.pop(key, None)
        else:
            self.cache[key] = obj
        for h in self.handlers:      # _notify, inline: this runs for every event of every watch
            h(typ, obj, old)

    # --- reading the cache (objects are shared: do not modify them) ------------------------
    def get(self, key: str) -> dict | None:
        return self.cache.get(key)

    def get_by_name(self, name: str, namespace: str | None = None) -> dict | None:
        return self.cache.get(f"{namespace}/{name}" if namespace else name)

    def list(self, namespace: str | None = None, selector: Selector | None = None) -> list[dict]:
        """Cached objects, sorted by key, optionally in one namespace and matching a selector."""
        out = []
        for key in sorted(self.cache):
            obj = self.cache[key]
            if namespace is not None and obj["metadata"].get("namespace") != namespace:
                continue
            if selector is not None and not selector.matches(obj["metadata"].get("labels")):
                continue
            out.append(obj)
        return out

    def __len__(self) -> int:
        return len(self.cache)


class WorkQueue:
    """A deduplicating FIFO of keys, processed one per clock callback, with per-key back-off.

    As client-go's rate-limited queue: a key added while queued is not added twice;
    a failed key is retried after 5 ms, 10 ms, 20 ms, ... capped at 1000 s.
    """

    BASE_DELAY = 0.005
    MAX_DELAY = 1000.0

    def __init__(self, clock, process: Callable[[str], None]):
        self.clock = clock
        self.process = process
        self._queue: list[str] = []
        self._head = 0
        self._dirty: set[str] = set()
        self._scheduled = False
        self._failures: dict[str, int] = {}
        self._timers: list = []
        self.active = True

    def add(self, key: str) -> None:
        if not self.active or key in self._dirty:
            return
        self._dirty.add(key)
        self._queue.append(key)
        if not self._scheduled:
            self._scheduled = True
            self.clock.call_soon(self._run_one)

    def add_after(self, key: str, delay: float) -> None:
        if delay <= 0:
            self.add(key)
            return
        self._timers.append(self.clock.call_later(delay, self.add, key))
        if len(self._timers) > 256:
            self._timers = [t for t in self._timers if not t.cancelled and t.time >= self.clock.now]

    def add_rate_limited(self, key: str) -> None:
        n = self._failures.get(key, 0)
        self._failures[key] = n + 1
        self.add_after(key, min(self.BASE_DELAY * (2 ** min(n, 40)), self.MAX_DELAY))

    def forget(self, key: str) -> None:
        self._failures.pop(key, None)

    def _run_one(self) -> None:
        self._scheduled = False
        if not self.active or self._head >= len(self._queue):
            return
        key = self._queue[self._head]
        self._head += 1
        if self._head > 1024 and self._head * 2 > len(self._queue):
            del self._queue[: self._head]
            self._head = 0
        self._dirty.discard(key)
        if self._head < len(self._queue):
            self._scheduled = True
            self.clock.call_soon(self._run_one)
        self.process(key)

    def shutdown(self) -> None:
        self.active = False
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self._queue.clear()
        self._head = 0
        self._dirty.clear()

    def restart(self) -> None:
        self.active = True

    def __len__(self) -> int:
        return len(self._queue) - self._head


class EventRecorder:
    """Writes core/v1 Events, aggregating repeats as client-go's EventCorrelator does.

    The same event (object, type, reason, message, source) seen again bumps ``count``
    and ``lastTimestamp`` of the existing Event instead of creating a new one. Like the
    correlator's cache, the recorder remembers the last ``CACHE_SIZE`` distinct events only.
    """

    CACHE_SIZE = 4096       # client-go tools/record/events_cache.go: maxLruCacheEntries

    def __init__(self, api: Client, clock, component: str, host: str | None = None):
        self.api = api
        self.clock = clock
        self.component = component
        self.host = host
        self._seen: OrderedDict[tuple, str] = OrderedDict()     # least recently used first
        self._n = 0

    def _name_suffix(self) -> str:
        # client-go: fmt.Sprintf("%v.%x", ref.Name, t.UnixNano())
        self._n += 1
        nanos = int((_EPOCH_SECONDS + self.clock.now) * 1e9) + self._n
        return f"{nanos:x}"

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str | None = None) -> None:
        md = obj["metadata"]
        ref = {"kind": obj.get("kind"), "namespace": md.get("namespace"), "name": md["name"],
               "uid": md.get("uid"), "apiVersion": obj.get("apiVersion"),
               "resourceVersion": md.get("resourceVersion")}
        if not ref["namespace"]:
            ref.pop("namespace")
        if field_path:
            ref["fieldPath"] = field_path
        ns = md.get("namespace") or "default"
        agg = (ref["kind"], ns, ref["name"], ref["uid"], field_path, type_, reason, message)
        now = rfc3339(self.clock.now)
        existing = self._seen.get(agg)
        if existing:
            self._seen.move_to_end(agg)
        try:
            if existing:
                try:
                    ev = self.api.get("events", existing, ns)
                    self.api.patch("events", existing, {"count": ev.get("count", 1) + 1, "lastTimestamp": now},
                                   ns)
                    self._record_trace(ref, type_, reason, message)
                    return
                except errors.ApiError as e:
                    if e.code != 404:
                        raise
            name = f"{md['name']}.{self._name_suffix()}"
            source = {"component": self.component}
            if self.host:
                source["host"] = self.host
            ev = {
                "apiVersion": "v1", "kind": "Event",
                "metadata": {"name": name, "namespace": ns},
                "involvedObject": ref, "reason": reason, "message": message, "type": type_,
                "source": source, "firstTimestamp": now, "lastTimestamp": now, "count": 1,
                "eventTime": None, "reportingComponent": self.component,
                "reportingInstance": self.host or "",
            }
            for _ in range(8):      # two components naming an event at the same virtual nanosecond
                try:
                    self.api.create("events", ev, ns, owned=True)    # written and forgotten: no copies
                    break
                except errors.ApiError as e:
                    if e.code != 409:
                        raise
                    name = ev["metadata"]["name"] = f"{md['name']}.{self._name_suffix()}"
            self._seen[agg] = name
            if len(self._seen) > self.CACHE_SIZE:
                self._seen.popitem(last=False)
            self._record_trace(ref, type_, reason, message)
        except errors.ApiError:
            pass   # events are best effort, as in client-go

    def _record_trace(self, ref, type_, reason, message):
        step = self.api._trace.current
        if step is not None:
            step.actions.append(f"event {type_} {reason} {ref['kind']} {ref.get('namespace', '')}"
                                f"{'/' if ref.get('namespace') else ''}{ref['name']}: {message}")


class Component:
    """A Kubernetes component: something with informers, a queue and a reconcile function.

    Subclasses set ``name`` and override :meth:`setup` (create informers, register
    handlers, start timers) and :meth:`reconcile`.
    """

    name = "component"

    def __init__(self, ctx: Context, name: str | None = None, host: str | None = None):
        if name:
            self.name = name
        self.ctx = ctx
        self.clock = ctx.clock
        self.rng = ctx.rng
        self.trace = ctx.trace
        self.api = Client(ctx.apiserver, self.name, ctx.trace)
        self.recorder = EventRecorder(self.api, ctx.clock, self.event_source, host)
        self.queue = WorkQueue(ctx.clock, self._process)
        self.informers: dict[str, Informer] = {}
        self._timers: list = []
        self.running = False
        self._step = None

    @property
    def event_source(self) -> str:
        """The ``source.component`` of this component's Events."""
        return self.name

    # --- lifecycle -------------------------------------------------------------------------
    def start(self) -> None:
        if self.running:
            return
        self.running = True
        self.queue.restart()
        self.setup()
        for inf in self.informers.values():
            inf.start()

    def stop(self) -> None:
        self.running = False
        for inf in self.informers.values():
            inf.stop()
        for t in self._timers:
            t.cancel()
        self._timers.clear()
        self.queue.shutdown()
        self.on_stop()

    def setup(self) -> None:
        """Create informers and timers. Called on every start."""

    def on_stop(self) -> None:
        """Release what the component holds when it is stopped."""

    def resync(self) -> None:
        """Re-list every informer (after the API server comes back)."""
        if self.running:
            for inf in self.informers.values():
                inf.start()

    def informer(self, resource: str, handler: Callable | None = None, **filters) -> Informer:
        """The component's informer for ``resource`` (created once; started by :meth:`start`)."""
        key = resource + repr(sorted(filters.items()))
        inf = self.informers.get(key)
        if inf is None:
            inf = Informer(self.api, resource, **filters)
            self.informers[key] = inf
            if self.running and self._started_informers():
                inf.start()
        if handler is not None:
            inf.add_handler(handler)
        return inf

    def _started_informers(self) -> bool:
        return any(i._watch is not None for i in self.informers.values())

    # --- timers ----------------------------------------------------------------------------
    def after(self, delay: float, fn: Callable, *args):
        """Run ``fn(*args)`` after ``delay`` virtual seconds, unless the component stops first."""
        def fire():
            if self.running:
                fn(*args)
        t = self.clock.call_later(delay, fire)
        self._timers.append(t)
        if len(self._timers) > 512:
            now = self.clock.now
            self._timers = [x for x in self._timers if not x.cancelled and x.time >= now]
        return t

    def every(self, period: float, fn: Callable, *args, first: float | None = None):
        """Run ``fn(*args)`` every ``period`` virtual seconds while the component runs."""
        def tick():
            if not self.running:
                return
            fn(*args)
            self.after(period, tick)
        return self.after(period if first is None else first, tick)

    # --- the loop --------------------------------------------------------------------------
    def enqueue(self, key: str) -> None:
        if self.running:
            self.queue.add(key)

    def enqueue_obj(self, typ: str, obj: dict, old: dict | None = None) -> None:
        """A ready-made informer handler: queue the object's own key."""
        self.enqueue(key_of(obj))

    def _process(self, key: str) -> None:
        if not self.running:
            return
        step = self.trace.begin(self.clock.now, self.name, key)
        self._step = step
        try:
            result = self.reconcile(key)
            self.queue.forget(key)
        except errors.ApiError as e:
            if step is not None:
                step.diff.append(f"error: {e.message}")
            self.queue.add_rate_limited(key)
            result = None
        finally:
            self._step = None
            self.trace.end(step)
        if isinstance(result, Result) and result.requeue_after is not None:
            self.queue.add_after(key, result.requeue_after)

    def reconcile(self, key: str) -> Result | None:
        """Bring the object named ``key`` to its desired state. Override me."""
        raise NotImplementedError

    def traced(self, key: str, fn: Callable, *args):
        """Run ``fn(*args)`` as one trace step on ``key`` (for work not driven by the queue)."""
        step = self.trace.begin(self.clock.now, self.name, key)
        prev, self._step = self._step, step
        try:
            return fn(*args)
        finally:
            self._step = prev
            self.trace.end(step)

    # --- what the trace shows --------------------------------------------------------------
    def observe(self, text: str) -> None:
        if self._step is not None:
            self._step.observed.append(text)

    def diff(self, text: str) -> None:
        if self._step is not None:
            self._step.diff.append(text)

    def event(self, obj: dict, type_: str, reason: str, message: str, field_path: str | None = None) -> None:
        """Record a Kubernetes Event about ``obj`` (``kubectl describe`` shows these)."""
        self.recorder.event(obj, type_, reason, message, field_path)

