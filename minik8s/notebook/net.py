"""The notebook's way onto the cluster network: ``c.http``, ``c.dns`` and ``c.port_forward``.

``c.http(url, from_pod="client")`` is what ``wget -qO- URL`` in that pod does: resolve the host
with the pod's resolv.conf (CoreDNS), connect from the pod's network namespace (so kube-proxy's
rules of the pod's node pick the endpoint) and return the HttpResponse. Without ``from_pod`` the
request comes from outside the cluster: use a node IP and a NodePort, or a load balancer IP.
``c.port_forward("pod/web", "8080:80")`` is ``kubectl port-forward``: the kubelet connects to
the pod's own localhost, with no Service and no kube-proxy in between.
"""

from __future__ import annotations

from .. import errors
from ..api.labels import selector_from_map, selector_from_object
from ..api.ports import find_port
from ..net.applets import _is_ip, parse_url
from ..net.dns_config import NODE_RESOLV_CONF
from ..net.podnetwork import NetworkError, http_request
from ..net.resolver import resolve


def pod_sandbox(cluster, name: str, namespace: str = "default"):
    """The running sandbox (network namespace) of a pod, or an ApiError."""
    pod = cluster.apiserver.get("pods", name, namespace)
    node = (pod.get("spec") or {}).get("nodeName")
    kubelet = cluster.kubelets.get(node) if node else None
    worker = kubelet.workers.get(f"{namespace}/{name}") if kubelet is not None else None
    sandbox = getattr(worker, "sandbox", None)
    if sandbox is None:
        raise errors.bad_request(f"pod {name} does not have a host assigned" if not node
                                 else f'unable to upgrade connection: pod "{name}" is not running')
    return sandbox


def forwards(cluster) -> dict:
    """local port -> the PortForward ``kubectl port-forward`` left open in this cluster's notebook."""
    fw = getattr(cluster, "_port_forwards", None)
    if fw is None:
        fw = cluster._port_forwards = {}
    return fw


def dns(cluster, name: str, from_pod: str | None = None, namespace: str = "default", qtype: str = "A"):
    """Resolve ``name`` from ``from_pod`` (its /etc/hosts and resolv.conf) or from a node."""
    if from_pod is None:
        return resolve(cluster.network, NODE_RESOLV_CONF, name, qtype)
    sb = pod_sandbox(cluster, from_pod, namespace)
    return resolve(cluster.network, sb.etc_resolv.data, name, qtype, hosts=sb.etc_hosts.data)


def http(cluster, url: str, from_pod: str | None = None, namespace: str = "default", method: str = "GET",
         headers: dict | None = None, body: str = "", timeout: float | None = None):
    """One HTTP request over the cluster network; returns the HttpResponse or raises NetworkError."""
    host, port, path = parse_url(url)
    if from_pod is None and host in ("localhost", "127.0.0.1") and port in forwards(cluster):
        return forwards(cluster)[port].request(method, path, headers, body)
    sb = pod_sandbox(cluster, from_pod, namespace) if from_pod is not None else None
    ip = host
    if host == "localhost" and sb is not None:
        ip = "127.0.0.1"
    elif not _is_ip(host):
        res = dns(cluster, host, from_pod, namespace)
        if not res.ok:
            raise NetworkError(f"dial tcp: lookup {host} on {res.server}:53: "
                               + ("i/o timeout" if res.timed_out else "no such host"))
        ip = res.ips[0]
    hdrs = {"Host": host if port == 80 else f"{host}:{port}", "User-Agent": "Wget"}
    hdrs.update(headers or {})
    resp = http_request(cluster.network, sb, ip, port, method, path, hdrs, body, timeout)
    cluster.clock.run(0)
    return resp


class PortForward:
    """A running ``kubectl port-forward``: requests to ``localhost:<local_port>`` reach the pod's port."""

    def __init__(self, cluster, pod: str, namespace: str, local_port: int, remote_port: int):
        self.cluster, self.pod, self.namespace = cluster, pod, namespace
        self.local_port, self.remote_port = local_port, remote_port
        self.log = [f"Forwarding from 127.0.0.1:{local_port} -> {remote_port}",
                    f"Forwarding from [::1]:{local_port} -> {remote_port}"]
        self.open = True

    def get(self, path: str = "/", headers: dict | None = None):
        return self.request("GET", path, headers)

    def request(self, method: str = "GET", path: str = "/", headers: dict | None = None, body: str = ""):
        if not self.open:
            raise NetworkError(f"dial tcp 127.0.0.1:{self.local_port}: connect: connection refused")
        self.log.append(f"Handling connection for {self.local_port}")
        sb = pod_sandbox(self.cluster, self.pod, self.namespace)
        hdrs = {"Host": f"localhost:{self.local_port}", "User-Agent": "curl/8.5.0", "Accept": "*/*"}
        hdrs.update(headers or {})
        try:
            resp = http_request(self.cluster.network, sb, "127.0.0.1", self.remote_port, method, path, hdrs, body)
        except NetworkError as e:
            self.log.append(f"E0000 portforward.go:424] \"Unhandled Error\" err=\"an error occurred forwarding "
                            f"{self.local_port} -> {self.remote_port}: error forwarding port {self.remote_port} to "
                            f"pod {sb.pod_uid}, uid : failed to execute portforward in network namespace: "
                            f"failed to connect to localhost:{self.remote_port} inside namespace: {e}\"")
            raise
        self.cluster.clock.run(0)
        return resp

    def close(self) -> None:
        self.open = False

    def __repr__(self):
        return "\n".join(self.log)


def port_forward(cluster, target: str, ports, namespace: str = "default") -> PortForward:
    """``kubectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT``: pods, or the first ready pod of a
    Service, Deployment or ReplicaSet (a Service's port is translated to its targetPort)."""
    kind, _, name = target.partition("/") if "/" in target else ("pod", "", target)
    kind = {"po": "pod", "pods": "pod", "svc": "service", "services": "service", "deploy": "deployment",
            "deployments": "deployment", "rs": "replicaset", "replicasets": "replicaset"}.get(kind, kind)
    spec = str(ports[0] if isinstance(ports, (list, tuple)) else ports)
    local, _, remote = spec.partition(":")
    if not remote:
        remote = local
    if not (local.isdigit() and (remote.isdigit() or kind == "service")):
        raise errors.bad_request(f"Error parsing local port '{local}': "
                                 f"strconv.ParseUint: parsing \"{local}\": invalid syntax")
    pod_name = name
    remote_port = remote
    if kind == "pod":
        phase = (cluster.apiserver.get("pods", name, namespace).get("status") or {}).get("phase")
        if phase != "Running":
            raise errors.bad_request(f"unable to forward port because pod is not running. Current status={phase}")
    else:
        obj = cluster.apiserver.get(kind + "s", name, namespace)
        if kind == "service":
            sel = selector_from_map((obj.get("spec") or {}).get("selector") or {})
        else:
            sel = selector_from_object((obj.get("spec") or {}).get("selector"))
        pods = [p for p in cluster.apiserver.list("pods", namespace, label_selector=sel)["items"]
                if (p.get("status") or {}).get("phase") == "Running"]
        if not pods:
            raise errors.bad_request("unable to forward port because pod is not running. Current status=Pending")
        pod = pods[0]
        pod_name = pod["metadata"]["name"]
        if kind == "service":
            for p in obj["spec"].get("ports") or []:
                if str(p.get("port")) == remote or p.get("name") == remote:
                    remote_port = find_port(pod, p.get("targetPort", p["port"]), p.get("protocol") or "TCP")
                    break
    return PortForward(cluster, pod_name, namespace, int(local), int(remote_port))
