"""``kubectl describe TYPE [NAME_PREFIX | -l selector]`` and ``kubectl describe TYPE/NAME``.

kubectl fetches the object, then what its describer needs (the object's Events,
a Deployment's ReplicaSets, a node's pods and Lease, a Service's EndpointSlices)
and prints the page the describers of :mod:`minik8s.kubectl.describe` build. Several objects are
separated by a blank line. ``kubectl describe pods web`` describes the pod named
``web`` or, if there is none, every pod whose name starts with ``web``
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/).
"""

from __future__ import annotations

from ..errors import ApiError
from ..api.labels import selector_from_object
from .describe.config import (describe_configmap, describe_namespace, describe_priorityclass, describe_secret,
                              describe_service_account)
from .describe.generic import describe_generic
from .describe.nodes import describe_node
from .describe.pods import describe_pod
from .describe.services import describe_endpoints, describe_endpointslice, describe_service
from .describe.storage import describe_pv, describe_pvc, describe_storageclass
from .describe.workloads import (describe_cronjob, describe_daemonset, describe_deployment, describe_job,
                                 describe_replicaset, describe_statefulset)
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, split_targets

FLAGS = {"selector": "str", "all-namespaces": "bool", "namespace": "str", "show-events": "bool",
         "chunk-size": "int", "filename": "list", "recursive": "bool"}
ALIASES = {"l": "selector", "A": "all-namespaces", "n": "namespace", "f": "filename", "R": "recursive"}


def events_for(api, obj: dict) -> list[dict]:
    """The Events whose involvedObject is ``obj`` (searchEvents: name, namespace, kind, uid).

    A pod's events are matched without kind; a node's by its uid or by its name
    (kubelets use the node name as uid, controllers the real uid).
    """
    md = obj["metadata"]
    kind = obj.get("kind")
    ns = md.get("namespace")
    out = []
    for e in api.list("events", ns)["items"]:
        io = e.get("involvedObject") or {}
        if io.get("name") != md["name"]:
            continue
        if ns and io.get("namespace", ns) != ns:
            continue
        if kind != "Pod" and io.get("kind") and io.get("kind") != kind:
            continue
        uid = io.get("uid")
        if kind == "Node":
            if uid and uid not in (md.get("uid"), md["name"]):
                continue
        elif uid and uid != md.get("uid"):
            continue
        out.append(e)
    return out


def describe_object(cluster, obj: dict, show_events: bool = True) -> str:
    """The text ``kubectl describe`` prints for one object."""
    api = cluster.apiserver
    now = cluster.clock.now
    kind = obj.get("kind")
    md = obj["metadata"]
    ns = md.get("namespace")
    ev = events_for(api, obj) if show_events else None
    if kind == "Pod":
        return describe_pod(obj, ev, now)
    if kind == "Node":
        pods = [p for p in api.list("pods", field_selector=f"spec.nodeName={md['name']}")["items"]
                if (p.get("status") or {}).get("phase") not in ("Succeeded", "Failed")]
        try:
            lease = api.get("leases", md["name"], "kube-node-lease")
        except ApiError:
            lease = None
        return describe_node(obj, pods, lease, ev, now)
    if kind == "Deployment":
        return describe_deployment(obj, api.list("replicasets", ns)["items"], ev, now)
    if kind in ("ReplicaSet", "DaemonSet", "StatefulSet"):
        sel = (obj.get("spec") or {}).get("selector")
        pods = api.list("pods", ns, label_selector=selector_from_object(sel))["items"]
        fn = {"ReplicaSet": describe_replicaset, "DaemonSet": describe_daemonset,
              "StatefulSet": describe_statefulset}[kind]
        return fn(obj, pods, ev, now)
    if kind == "Job":
        return describe_job(obj, ev, now)
    if kind == "CronJob":
        return describe_cronjob(obj, ev, now)
    if kind == "Service":
        slices = api.list("endpointslices", ns,
                          label_selector=f"kubernetes.io/service-name={md['name']}")["items"]
        return describe_service(obj, slices, ev, now)
    if kind == "EndpointSlice":
        return describe_endpointslice(obj, ev, now)
    if kind == "Endpoints":
        return describe_endpoints(obj, ev, now)
    if kind == "ConfigMap":
        return describe_configmap(obj, ev, now)
    if kind == "Secret":
        return describe_secret(obj)
    if kind == "Namespace":
        return describe_namespace(obj)
    if kind == "ServiceAccount":
        return describe_service_account(obj, api.list("secrets", ns)["items"], ev, now)
    if kind == "PersistentVolume":
        return describe_pv(obj, ev, now)
    if kind == "PersistentVolumeClaim":
        return describe_pvc(obj, api.list("pods", ns)["items"], ev, now)
    if kind == "StorageClass":
        return describe_storageclass(obj, ev, now)
    if kind == "PriorityClass":
        return describe_priorityclass(obj, ev, now)
    return describe_generic(obj, ev, now)


@command("describe", "Show details of a specific resource or group of resources")
@printed
def describe(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS, ALIASES, verb="describe")
    namespace = flags.get("namespace") or inv.ns()
    all_ns = flags.get("all-namespaces") or inv.all_namespaces
    show_events = flags.get("show-events", True)
    if not pos:
        raise KubectlError("You must specify the type of resource to describe. Use \"kubectl api-resources\" "
                           "for a complete list of supported resources.\n\n"
                           "error: Required resource not specified.\n"
                           "Use \"kubectl explain <resource>\" for a detailed description of that resource "
                           "(e.g. kubectl explain pods).\n"
                           "See 'kubectl describe -h' for help and examples")
    api = inv.api
    selector = flags.get("selector")
    objs: list[dict] = []
    for res, name in split_targets(pos):
        ns = None if (all_ns or not res.namespaced) else namespace
        if name is None:
            objs.extend(api.list(res, ns, label_selector=selector)["items"])
            continue
        if selector:
            raise KubectlError("error: name cannot be provided when a selector is specified")
        try:
            objs.append(api.get(res, name, ns if res.namespaced else None))
        except ApiError as e:
            if e.code != 404 or "/" in pos[0]:
                raise
            # describe falls back to a name-prefix match (kubectl describe pods frontend).
            matches = [o for o in api.list(res, ns)["items"] if o["metadata"]["name"].startswith(name)]
            if not matches:
                raise
            objs.extend(matches)
    if not objs:
        if all_ns:
            return "No resources found"
        return f"No resources found in {namespace} namespace."
    return "\n\n".join(describe_object(inv.cluster, o, show_events) for o in objs)
