"""A whole Kubernetes cluster in one Python object: the facade notebooks use.

``Cluster(nodes=3, seed=0)`` boots, in this order (one line each in ``__init__``,
as xv6's ``main.c`` boots its kernel):

* etcd, the store of all state;
* kube-apiserver, the only component that talks to etcd;
* kube-controller-manager, a process running many controllers;
* kube-scheduler, which assigns pods to nodes;
* one kubelet per node (with its container runtime), which runs the pods;
* kube-proxy and CoreDNS, which let pods find and reach each other.

Every component runs on one virtual clock and talks only through the API
server. Nothing happens until time advances: ``c.run(30)`` runs thirty virtual
seconds of the cluster's life.
"""

from __future__ import annotations

import gc
import json
import random
from contextlib import contextmanager

from . import errors
from .api.meta import clone, random_suffix
from .apiserver import allocator, bootstrap
from .apiserver.server import INITIAL_NAMESPACES, APIServer
from .clock import Clock
from .component import Component, Context
from .controllers.endpoints import endpoints_object
from .controllers.endpointslice import SERVICE_NAME_LABEL, desired_slices, slice_object
from .kubelet import Kubelet
from .manifests import load_manifests
from .net import applets
from .net.kube_proxy import KubeProxy, Router
from .net.podnetwork import PodNetwork
from .notebook import net as notebook_net
from .runtime.images import CATALOGUE, ImageRegistry
from .runtime.images import image as _image
from .scheduler import framework as scheduler_framework
from .store import Store
from .trace import Trace

# Components that run in kube-controller-manager, in start order. Each entry is
# (module under minik8s.controllers, class name). Later issues append theirs.
CONTROLLERS = [
    ("namespace", "NamespaceController"),
    ("replicaset", "ReplicaSetController"),          # keeps N pods matching a selector
    ("deployment", "DeploymentController"),          # rollouts through ReplicaSets
    ("garbagecollector", "GarbageCollector"),        # deletes dependents of deleted owners
    ("nodelifecycle", "NodeLifecycleController"),    # silent nodes -> Unknown, taints
    ("tainteviction", "TaintEvictionController"),    # evicts pods from NoExecute-tainted nodes
    ("job", "JobController"),                        # run-to-completion pods
    ("ttlafterfinished", "TTLAfterFinishedController"),  # deletes finished Jobs after their TTL
    ("cronjob", "CronJobController"),                # Jobs on a schedule
    ("daemonset", "DaemonSetController"),            # one pod per eligible node
    ("statefulset", "StatefulSetController"),        # ordered pods web-0, web-1 with their own claims
    ("endpointslice", "EndpointSliceController"),    # Service -> EndpointSlices of its ready pods
    ("endpoints", "EndpointsController"),            # the legacy v1 Endpoints view
    ("endpointslicemirroring", "EndpointSliceMirroringController"),   # hand-written Endpoints -> slices
]

# Control-plane components outside kube-controller-manager, in start order:
# (module under minik8s, class name); each class is built as cls(ctx).
COMPONENTS = [
    ("scheduler.scheduler", "Scheduler"),
    ("net.coredns", "CoreDNS"),                      # cluster DNS at 10.96.0.10
    ("controllers.cloud_controller_manager", "CloudControllerManager"),   # LoadBalancer IPs
    ("controllers.persistentvolume", "PersistentVolumeController"),   # binds claims to volumes (in kube-controller-manager)
    ("controllers.provisioner", "HostPathProvisioner"),  # dynamic volumes; the default StorageClass
    ("controllers.storageprotection", "StorageProtectionController"),   # claims in use / bound volumes are not removed
]


@contextmanager
def collector_paused():
    """CPython's cyclic garbage collector is off while a cluster's clock runs (``Cluster(pause_collector=
    True)``, the default). The engine makes almost no reference cycles and reference counting frees the
    rest; left on, the collector only re-scans what a run keeps (stored objects, caches): 8% of a
    3,000-pod run, seconds per full collection at 10,000 pods. What the run made is frozen, then handed
    to the oldest generation (a later full collection still finds its cycles); the collector is
    enabled again. A caller who turned it off, or an outer run, is left alone."""
    if not gc.isenabled() or gc.get_freeze_count():
        yield
        return
    gc.disable()
    gc.freeze()
    try:
        yield
    finally:
        gc.freeze()
        gc.unfreeze()
        gc.enable()


class Cluster:
    """A deterministic, in-process Kubernetes cluster on a virtual clock.

    ``nodes`` is a number (node-1..node-N with default capacity) or a list of node
    specs (dicts with ``name``, ``cpu``, ``memory``, ``pods``, ``labels``, ``taints``,
    ...). The same manifests and ``seed`` always give the same trace. ``images``: an
    ``ImageRegistry`` (or several) of your own images this cluster can pull besides the built-in
    ones (``@c.image`` registers one in this cluster only).
    """

    def __init__(self, nodes=3, seed: int = 0, *, trace: bool = True, start: bool = True,
                 scheduler_plugins=(), proxy_mode: str = "iptables", fast_scheduler: bool = True,
                 pause_collector: bool = True, images=(),
                 _snapshot: dict | None = None):
        self.seed = seed
        self.rng = random.Random(seed)                 # the one source of randomness
        self.clock = Clock(around_run=collector_paused if pause_collector else None)   # virtual time
        self.trace = Trace(enabled=trace)              # observe -> diff -> act, recorded
        self.store = Store()                           # etcd
        if _snapshot is not None:
            self.store.restore(_snapshot["store"])
            self.clock.now = float(_snapshot["now"])
        self.apiserver = APIServer(self.store, self.clock, self.rng)   # kube-apiserver
        self.network = PodNetwork()                    # the wire between pods on all nodes
        self.network.registry = ImageRegistry(parent=CATALOGUE)   # the registry nodes pull from
        for library in ([images] if isinstance(images, ImageRegistry) else images):
            self.network.registry.include(library)     # readers' (or tests') own images, this cluster only
        self.service_router = Router(self.network)     # Service IPs on the wire: each node's kube-proxy rules
        self.ctx = Context(self.apiserver, self.clock, self.rng, self.trace, self.network)
        self._bootstrap_namespaces()
        self._bootstrap_services()                     # ClusterIP/NodePort allocators; kubernetes, kube-dns
        self.proxy_mode = proxy_mode                   # kube-proxy --proxy-mode: iptables | ipvs
        self.kube_proxies: dict[str, Component] = {}   # node name -> kube-proxy
        self.components: dict[str, Component] = {}     # control-plane components by name
        self.kubelets: dict[str, Component] = {}       # node name -> kubelet
        self.node_specs: list[dict] = []
        self._controller_manager()                     # kube-controller-manager
        self._extra_components()                       # scheduler, kube-proxy, CoreDNS, ...
        scheduler = self.components["kube-scheduler"]
        if not fast_scheduler:                         # untraced attempts too on the reference path
            scheduler.untraced = scheduler_framework.schedule
        for name, fn, weight in scheduler_plugins:     # readers' own score plugins
            scheduler.add_score_plugin(name, fn, weight)
        if start:
            for comp in self.components.values():
                comp.start()
        for spec in _normalise_nodes(nodes):
            self.add_node(spec, start=start)           # kubelets register their nodes
        self.clock.run(0)

    # --- boot ------------------------------------------------------------------------------
    def _bootstrap_namespaces(self) -> None:
        for ns in INITIAL_NAMESPACES:
            if not self.store.peek("namespaces", ns):
                self.apiserver.create("namespaces", {"apiVersion": "v1", "kind": "Namespace",
                                                     "metadata": {"name": ns}})

    def _bootstrap_services(self) -> None:
        allocator.install(self.apiserver, allocator.derived_rng(self.seed, "service-ip-allocator"))
        boot_rng = random.Random("bootstrap-services")     # boot objects' uids: the run's own rng is untouched
        bootstrap.bootstrap_services(self.apiserver, boot_rng)
        # kube-dns has no CoreDNS pods here (the CoreDNS component stands in for them): the objects
        # its endpoint controllers would write exist from the start, as in a booted cluster
        dns = self.store.peek("services", "kube-system/kube-dns")
        if not any((s["metadata"].get("labels") or {}).get(SERVICE_NAME_LABEL) == "kube-dns"
                   for _k, s in self.store.iter_raw("endpointslices")):
            es = slice_object(dns, desired_slices(dns, [])[0], self.clock.now)
            es["metadata"]["name"] = "kube-dns-" + random_suffix(boot_rng)
            self.apiserver.create("endpointslices", es, rng=boot_rng)
        if not self.store.peek("endpoints", "kube-system/kube-dns"):
            self.apiserver.create("endpoints", endpoints_object(dns, [], self.clock.now), rng=boot_rng)

    def _controller_manager(self) -> None:
        import importlib
        for module, cls in CONTROLLERS:
            mod = importlib.import_module(f"minik8s.controllers.{module}")
            comp = getattr(mod, cls)(self.ctx)
            comp.process = "kube-controller-manager"
            self.components[comp.name] = comp

    def _extra_components(self) -> None:
        """Control-plane components outside the controller manager, from :data:`COMPONENTS`."""
        import importlib
        for module, cls in COMPONENTS:
            mod = importlib.import_module(f"minik8s.{module}")
            comp = getattr(mod, cls)(self.ctx)
            self.components[comp.name] = comp

    def add_node(self, spec: dict | str | None = None, start: bool = True):
        """Add a node (its kubelet registers the Node object when it starts)."""
        if spec is None:
            spec = {}
        if isinstance(spec, str):
            spec = {"name": spec}
        spec = dict(spec)
        spec.setdefault("name", f"node-{len(self.kubelets) + 1}")
        kubelet = Kubelet(self.ctx, spec, len(self.apiserver.kubelets))   # index: the node's number (podCIDR)
        self.kubelets[spec["name"]] = kubelet
        self.node_specs.append(spec)
        self.apiserver.kubelets[spec["name"]] = kubelet
        applets.install(kubelet.runtime)               # busybox's nslookup, wget, nc; the DNS resolver
        self.kube_proxies[spec["name"]] = KubeProxy(self.ctx, spec["name"], kubelet.node_ip, kubelet.pod_cidr,
                                                    self.service_router, self.proxy_mode)   # kube-proxy
        if start:
            kubelet.start()
            self.kube_proxies[spec["name"]].start()
        return kubelet

    # --- time ------------------------------------------------------------------------------
    @property
    def now(self) -> float:
        """Virtual time in seconds since the cluster started."""
        return self.clock.now

    def run(self, seconds: float = 0) -> "Cluster":
        """Advance virtual time by ``seconds``, letting every component act."""
        self.clock.run(seconds)
        return self

    def run_until(self, predicate, timeout: float = 300, what: str | None = None) -> float:
        """Advance until ``predicate(cluster)`` is true; return the virtual seconds it took.

        Raises ``Timeout`` naming what was awaited after ``timeout`` virtual seconds.
        """
        return self.clock.run_until(lambda: predicate(self), timeout,
                                    what or getattr(predicate, "__name__", None))

    # --- objects ---------------------------------------------------------------------------
    def apply(self, manifest, namespace: str | None = None) -> list[dict]:
        """``kubectl apply -f``: create or update every object in ``manifest``.

        Takes YAML/JSON text (several documents allowed), a path, a dict or a list.
        Returns the objects as stored. A bad manifest raises ApiError and changes nothing.
        """
        from .kubectl.client_side_apply import apply_object, check_objects
        objs = load_manifests(manifest)
        check_objects(self, objs, namespace)           # all or nothing: validate before writing
        out = [apply_object(self, obj, namespace)[0] for obj in objs]
        self.clock.run(0)
        return out

    def create(self, manifest, namespace: str | None = None) -> list[dict]:
        """``kubectl create -f``: create every object (AlreadyExists if one is there)."""
        from .api.schema import check
        objs = load_manifests(manifest)
        for o in objs:                                 # all or nothing: check every object first
            check(o)
            self.apiserver.create(self._resource_for(o), o, namespace, dry_run=True)
        out = [self.apiserver.create(self._resource_for(o), o, namespace) for o in objs]
        self.clock.run(0)
        return out

    @staticmethod
    def _resource_for(obj: dict):
        from .api.resources import for_kind
        return for_kind(obj.get("kind"), obj.get("apiVersion"))

    def get(self, resource: str, name: str, namespace: str = "default") -> dict:
        """An object as ``kubectl get -o json`` shows it."""
        return self.apiserver.get(resource, name, namespace)

    def list(self, resource: str, namespace: str | None = "default", selector: str | None = None,
             field_selector: str | None = None) -> list[dict]:
        """Objects of a kind (``namespace=None`` for all namespaces), optionally by label selector."""
        return self.apiserver.list(resource, namespace, label_selector=selector,
                                   field_selector=field_selector)["items"]

    def delete(self, resource: str, name: str, namespace: str = "default", **kw) -> dict:
        """Delete an object (pods terminate gracefully unless ``grace_period_seconds=0``)."""
        out = self.apiserver.delete(resource, name, namespace, **kw)
        self.clock.run(0)
        return out

    def kubectl(self, command: str, stdin: str | None = None) -> str:
        """Run a kubectl command line; return what kubectl would print (errors included)."""
        from .kubectl import kubectl
        out = kubectl(self, command, stdin=stdin)
        self.clock.run(0)
        return out

    def logs(self, pod: str, container: str | None = None, namespace: str = "default", *,
             previous: bool = False, tail: int | None = None) -> str:
        return self.apiserver.pod_logs(pod, namespace, container, previous=previous, tail=tail)

    def exec(self, pod: str, command, container: str | None = None, namespace: str = "default",
             stdin: str | None = None) -> str:
        """Run ``command`` (a shell string or argv list) in a container; return its output."""
        result = self.apiserver.pod_exec(pod, namespace, command, container, stdin)
        self.clock.run(0)
        return result.output if hasattr(result, "output") else result

    @property
    def images(self):
        """This cluster's image registry (the built-in catalogue plus images registered on it)."""
        return self.network.registry

    def image(self, ref: str, **kw):
        """Register a Python function as image ``ref`` in this cluster only (a decorator)::

            @c.image("my-app:1.0")
            def my_app(proc):
                proc.print("hello")
                yield proc.sleep(5)
        """
        return _image(ref, registry=self.images, **kw)

    def explain(self, pod: str, namespace: str = "default"):
        """Why kube-scheduler would put ``pod`` where it does: each node's filter results and scores."""
        return self.components["kube-scheduler"].explain(pod if "/" in pod else f"{namespace}/{pod}")

    def events(self, namespace: str | None = "default") -> list[dict]:
        evs = self.list("events", namespace)
        return sorted(evs, key=lambda e: (e.get("lastTimestamp") or "", e["metadata"]["name"]))

    # --- components ------------------------------------------------------------------------
    def component(self, name: str, node: str | None = None) -> Component:
        if name == "kubelet":
            if node not in self.kubelets:
                raise KeyError(f"no node {node!r}: nodes are {', '.join(sorted(self.kubelets))}")
            return self.kubelets[node]
        if name == "kube-proxy":
            if node not in self.kube_proxies:
                raise KeyError(f"no node {node!r}: nodes are {', '.join(sorted(self.kube_proxies))}")
            return self.kube_proxies[node]
        if name in self.components:
            return self.components[name]
        raise KeyError(f"no component {name!r}; components: "
                       + ", ".join(sorted(list(self.components) + ["kube-apiserver", "etcd",
                                                                   "kube-controller-manager", "kubelet"])))

    def stop(self, name: str, node: str | None = None) -> None:
        """Stop a component: ``kube-apiserver``, ``etcd``, ``kube-scheduler``,
        ``kube-controller-manager`` (all its controllers), one controller by name, or
        ``kubelet`` on ``node``."""
        if name == "kube-apiserver":
            self.apiserver.running = False
            for w in list(self.apiserver._watches):
                w.stop()
        elif name == "etcd":
            self.apiserver.etcd_running = False
        elif name == "kube-controller-manager":
            for comp in self.components.values():
                if getattr(comp, "process", None) == "kube-controller-manager":
                    comp.stop()
        else:
            self.component(name, node).stop()
        self.clock.run(0)

    def start(self, name: str, node: str | None = None) -> None:
        """Start a stopped component again (components re-list and catch up)."""
        if name == "kube-apiserver":
            self.apiserver.running = True
            self._resync_all()
        elif name == "etcd":
            self.apiserver.etcd_running = True
            self._resync_all()
        elif name == "kube-controller-manager":
            for comp in self.components.values():
                if getattr(comp, "process", None) == "kube-controller-manager":
                    comp.start()
        else:
            self.component(name, node).start()
        self.clock.run(0)

    def _resync_all(self) -> None:
        for comp in list(self.components.values()) + list(self.kubelets.values()) + \
                list(self.kube_proxies.values()):
            comp.resync()

    # --- persistence -----------------------------------------------------------------------
    def save(self, path: str) -> None:
        """Write an etcd snapshot (and the clock and node list) to ``path``."""
        data = {"version": 1, "seed": self.seed, "now": self.clock.now,
                "nodes": self.node_specs, "store": self.store.snapshot()}
        with open(path, "w", encoding="utf-8") as f:
            json.dump(data, f, sort_keys=True)

    @classmethod
    def load(cls, path: str, **kw) -> "Cluster":
        """A cluster restored from :meth:`save`: every object is as it was saved."""
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
        return cls(nodes=clone(data["nodes"]), seed=data["seed"], _snapshot=data, **kw)

    def serve(self, port: int = 6443, *, speed: float = 1.0, kubeconfig: str | None = None, **kw):
        """Serve this cluster's Kubernetes API on 127.0.0.1:``port`` in the background (``minik8s.server``).

        Returns the running server (``.url``, ``.stop()``); its clock driver advances this cluster's
        virtual time with wall time times ``speed``. ``kubeconfig`` writes a kubeconfig there.
        While it runs, touch the cluster only under ``server.lock``."""
        from .server import serve
        server = serve(self, port, speed=speed, **kw)
        if kubeconfig:
            server.write_kubeconfig(kubeconfig)
        return server

    # --- the network, from a notebook ------------------------------------------------------
    def http(self, url: str, from_pod: str | None = None, namespace: str = "default", **kw):
        """An HTTP request from ``from_pod`` (else from outside the cluster): DNS, kube-proxy, the
        endpoint. Returns the HttpResponse (``.status``, ``.headers``, ``.body``); network failures
        raise NetworkError in Go's words. See minik8s.notebook.net."""
        return notebook_net.http(self, url, from_pod, namespace, **kw)

    def dns(self, name: str, from_pod: str | None = None, namespace: str = "default", qtype: str = "A"):
        """Resolve ``name`` as ``from_pod``'s resolver would (its resolv.conf search list and ndots);
        returns a Resolution (``.ips``, ``.tried``, ``.queries``, ``.answer``)."""
        return notebook_net.dns(self, name, from_pod, namespace, qtype)

    def port_forward(self, target: str, ports, namespace: str = "default"):
        """``kubectl port-forward pod/web 8080:80``: a handle whose ``.get(path)`` reaches the pod."""
        return notebook_net.port_forward(self, target, ports, namespace)

    def diagram(self, namespace: str | None = None, **kw):
        """Draw the cluster as it is now: control plane, nodes with their pods, ownership (minik8s.viz)."""
        from .viz import diagram
        return diagram(self, namespace, **kw)

    def __repr__(self) -> str:
        return f"<Cluster nodes={len(self.kubelets)} t={self.clock.now:g}s>"




def _normalise_nodes(nodes) -> list[dict]:
    if nodes is None:
        return []
    if isinstance(nodes, int):
        return [{"name": f"node-{i}"} for i in range(1, nodes + 1)]
    return [dict(n) if isinstance(n, dict) else {"name": str(n)} for n in nodes]


__all__ = ["Cluster", "errors"]
