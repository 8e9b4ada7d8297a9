"""``kubectl expose (deployment|replicaset|pod|service|statefulset) NAME --port=80 [--target-port=8080]``.

kubectl builds a Service from the exposed object: the selector is the workload's
``spec.selector.matchLabels`` (a pod's own labels), the Service's labels are the
object's labels, the port comes from ``--port`` or the object's container ports, and
``targetPort`` defaults to the port (https://kubernetes.io/docs/reference/kubectl/generated/kubectl_expose/,
https://kubernetes.io/docs/tutorials/services/connect-applications-service/).
"""

from __future__ import annotations

from . import output
from .inputs import dry_run_mode, dry_run_suffix
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, one_target

FLAGS = {"port": "str", "target-port": "str", "type": "str", "name": "str", "protocol": "str",
         "selector": "str", "labels": "str", "external-ip": "str", "cluster-ip": "str",
         "session-affinity": "str", "load-balancer-ip": "str", "dry-run": "str", "output": "str",
         "namespace": "str", "override-type": "str", "overrides": "str", "filename": "list",
         "save-config": "bool", "field-manager": "str"}
ALIASES = {"l": "labels", "o": "output", "n": "namespace", "f": "filename"}
EXPOSABLE = ("Pod", "Service", "ReplicaSet", "Deployment", "StatefulSet", "ReplicationController")


def _kv(text: str) -> dict:
    out = {}
    for part in text.split(","):
        k, eq, v = part.partition("=")
        if not eq:
            raise KubectlError(f"error: invalid label spec: {part}")
        out[k] = v
    return out


def selector_for(obj: dict) -> dict:
    """polymorphichelpers.MapBasedSelectorForObject: the labels a Service should select."""
    kind = obj.get("kind")
    if kind == "Pod":
        labels = obj["metadata"].get("labels") or {}
        if not labels:
            raise KubectlError(f"error: the pod has no labels and cannot be exposed")
        return dict(labels)
    if kind == "Service":
        sel = (obj.get("spec") or {}).get("selector")
        if not sel:
            raise KubectlError("error: the service has no pod selector set")
        return dict(sel)
    sel = (obj.get("spec") or {}).get("selector") or {}
    if sel.get("matchExpressions"):
        raise KubectlError(f"error: couldn't convert expressions - \"{sel['matchExpressions'][0]}\" to map-based "
                           "selector format")
    return dict(sel.get("matchLabels") or {})


def ports_for(obj: dict) -> list[tuple[int, str]]:
    """PortsForObject / ProtocolsForObject: (port, protocol) of the object's containers."""
    if obj.get("kind") == "Service":
        return [(p["port"], p.get("protocol", "TCP")) for p in (obj.get("spec") or {}).get("ports") or []]
    spec = obj.get("spec") or {}
    pod_spec = spec if obj.get("kind") == "Pod" else ((spec.get("template") or {}).get("spec") or {})
    return [(p["containerPort"], p.get("protocol", "TCP"))
            for c in pod_spec.get("containers") or [] for p in c.get("ports") or []]


def service_for(obj: dict, flags: dict) -> dict:
    """The Service ``kubectl expose`` generates for ``obj``."""
    name = flags.get("name") or obj["metadata"]["name"]
    selector = _kv(flags["selector"]) if flags.get("selector") else selector_for(obj)
    labels = _kv(flags["labels"]) if flags.get("labels") else dict(obj["metadata"].get("labels") or {})
    if flags.get("port"):
        pairs = [(int(p), flags.get("protocol") or "TCP") for p in flags["port"].split(",")]
    else:
        pairs = ports_for(obj)
        if flags.get("protocol"):
            pairs = [(p, flags["protocol"]) for p, _ in pairs]
        if not pairs:
            raise KubectlError("error: couldn't find port via --port flag or introspection\n"
                               "See 'kubectl expose -h' for help and examples")
    ports = []
    for i, (p, proto) in enumerate(pairs):
        sp = {"port": p, "protocol": proto}
        if len(pairs) > 1:
            sp["name"] = f"port-{i + 1}"
        tp = flags.get("target-port")
        sp["targetPort"] = (int(tp) if tp.isdigit() else tp) if tp else p
        ports.append(sp)
    md: dict = {"creationTimestamp": None, "name": name}
    if labels:
        md["labels"] = labels
    spec: dict = {"ports": ports, "selector": selector}
    if flags.get("type"):
        spec["type"] = flags["type"]
    if flags.get("cluster-ip"):
        spec["clusterIP"] = flags["cluster-ip"]
    if flags.get("external-ip"):
        spec["externalIPs"] = flags["external-ip"].split(",")
    if flags.get("session-affinity"):
        spec["sessionAffinity"] = flags["session-affinity"]
    if flags.get("load-balancer-ip") and flags.get("type") == "LoadBalancer":
        spec["loadBalancerIP"] = flags["load-balancer-ip"]
    return {"apiVersion": "v1", "kind": "Service", "metadata": md, "spec": spec,
            "status": {"loadBalancer": {}}}


@command("expose", "Take a replication controller, service, deployment or pod and expose it as a new "
                   "Kubernetes service")
@printed
def expose(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS, ALIASES, verb="expose")
    if not pos:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n   '--filename=rsrc.json'\n"
                           "   '<resource> <name>'\n   '<resource>'")
    res, name = one_target(pos)
    ns = flags.get("namespace") or inv.ns()
    obj = inv.api.get(res, name, ns)
    if res.kind not in EXPOSABLE:
        raise KubectlError(f"error: cannot expose a {res.kind}")
    if flags.get("type") and flags["type"] not in ("ClusterIP", "NodePort", "LoadBalancer", "ExternalName"):
        raise KubectlError(f"error: invalid service type: {flags['type']}")
    svc = service_for(obj, flags)
    mode = dry_run_mode(flags)
    if mode != "client":
        body = {k: v for k, v in svc.items() if k != "status"}
        body["metadata"] = {k: v for k, v in svc["metadata"].items() if v is not None}
        svc = inv.api.create("services", body, ns, dry_run=(mode == "server"))
    elif inv.namespace:
        svc["metadata"]["namespace"] = inv.namespace
    fmt = flags.get("output", "")
    if fmt == "yaml":
        return output.to_yaml(svc)
    if fmt == "json":
        return output.to_json(svc)
    if fmt == "name":
        return f"service/{svc['metadata']['name']}"
    return f"service/{svc['metadata']['name']} exposed{dry_run_suffix(mode)}"
