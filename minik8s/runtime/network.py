"""The pod network: one flat layer-3 network on which every pod IP is reachable.

The Kubernetes network model (https://kubernetes.io/docs/concepts/services-networking/#the-kubernetes-network-model)
says every pod gets its own IP and can reach every other pod, on any node,
without NAT. minik8s models the wire itself as this object, shared by the
container runtimes of all nodes: an IP address maps to the network namespace
(the pod sandbox) that owns it. It is the data plane, not an API: components
still learn *which* IPs to use only through the API server.
"""

from __future__ import annotations


class PodNetwork:
    """IP address -> the pod sandbox (network namespace) that holds it."""

    def __init__(self):
        self._by_ip: dict[str, object] = {}
        self.dnat: list = []        # destination rewrites (kube-proxy), see route()
        self.registry = None        # the image registries the cluster's nodes pull from (runtime.images)

    def attach(self, ip: str, sandbox) -> None:
        self._by_ip[ip] = sandbox

    def detach(self, ip: str, sandbox=None) -> None:
        if sandbox is None or self._by_ip.get(ip) is sandbox:
            self._by_ip.pop(ip, None)

    def lookup(self, ip: str):
        """The sandbox holding ``ip``, or None (no route to host)."""
        return self._by_ip.get(ip)

    def ips(self) -> list[str]:
        return sorted(self._by_ip)

    # --- the wire: connecting to a port ------------------------------------------------
    def route(self, ip: str, port: int, src=None):
        """The network namespace that a packet to ``ip:port`` from ``src`` reaches, or None.

        ``127.0.0.1`` / ``localhost`` stay inside the sender's own namespace (the pod);
        every other address is looked up on the flat pod network. Each function in
        ``self.dnat`` may first rewrite the destination (kube-proxy's Service rules hook
        in here): ``fn(ip, port, src) -> (ip, port) | None``.
        """
        if ip in ("127.0.0.1", "localhost", "::1") and src is not None:
            return src, port
        for rewrite in self.dnat:
            out = rewrite(ip, port, src)
            if out is not None:
                ip, port = out
                break
        return self._by_ip.get(ip), port


class NetworkError(Exception):
    """A client-side network failure; ``str(e)`` reads like Go's net errors (what the kubelet prints)."""


class ConnectionRefused(NetworkError):
    """Nothing listens on the port: the kernel answers the SYN with a RST."""

    def __init__(self, ip: str, port: int):
        super().__init__(f"dial tcp {ip}:{port}: connect: connection refused")
        self.ip, self.port = ip, port


class NoRouteToHost(NetworkError):
    """No pod holds the address."""

    def __init__(self, ip: str, port: int):
        super().__init__(f"dial tcp {ip}:{port}: connect: no route to host")
        self.ip, self.port = ip, port


class Timeout(NetworkError):
    """The server did not answer within the client's timeout."""

    def __init__(self, ip: str, port: int, timeout: float):
        super().__init__("context deadline exceeded (Client.Timeout exceeded while awaiting headers)")
        self.ip, self.port, self.timeout = ip, port, timeout


class HttpRequest:
    """An HTTP request as a server's handler sees it."""

    def __init__(self, method: str = "GET", path: str = "/", headers: dict | None = None,
                 body: str = "", client_ip: str = "", host: str = ""):
        self.method = method
        self.path = path
        self.headers = dict(headers or {})
        self.body = body
        self.client_ip = client_ip
        self.host = host

    @property
    def route(self) -> str:
        """The path without its query string."""
        return self.path.split("?", 1)[0]

    @property
    def query(self) -> dict[str, str]:
        if "?" not in self.path:
            return {}
        out = {}
        for part in self.path.split("?", 1)[1].split("&"):
            k, _, v = part.partition("=")
            out[k] = v
        return out


class HttpResponse:
    """An HTTP response; ``delay`` is how many virtual seconds the server took to send it."""

    def __init__(self, status: int = 200, headers: dict | None = None, body: str = "", delay: float = 0.0):
        self.status = status
        self.headers = dict(headers or {})
        self.body = body
        self.delay = delay

    def __repr__(self):
        return f"HttpResponse({self.status}, {len(self.body)} bytes)"


class Listener:
    """A socket bound to a port in a network namespace, owned by a process."""

    def __init__(self, port: int, process, handler, protocol: str = "TCP"):
        self.port = port
        self.process = process
        self.handler = handler
        self.protocol = protocol


class NetNamespace:
    """A pod's network namespace: one IP, one loopback, one port table shared by its containers."""

    def __init__(self, ip: str):
        self.ip = ip
        self.ports: dict[int, Listener] = {}

    def bind(self, port: int, process, handler, protocol: str = "TCP") -> None:
        port = int(port)
        held = self.ports.get(port)
        if held is not None and held.process.alive:
            raise OSError(f"listen tcp :{port}: bind: address already in use")
        self.ports[port] = Listener(port, process, handler, protocol)

    def unbind(self, port: int, process=None) -> None:
        held = self.ports.get(int(port))
        if held is not None and (process is None or held.process is process):
            del self.ports[int(port)]

    def release(self, process) -> None:
        """A process exited: the kernel closes its sockets."""
        for port in sorted(self.ports):
            if self.ports[port].process is process:
                del self.ports[port]

    def listening(self) -> list[int]:
        return sorted(self.ports)


def http_request(network: PodNetwork, src, ip: str, port: int, method: str = "GET", path: str = "/",
                 headers: dict | None = None, body: str = "", timeout: float | None = None) -> HttpResponse:
    """Send one HTTP request from namespace ``src`` (None: from the node) to ``ip:port``.

    Raises NoRouteToHost, ConnectionRefused, or Timeout when the server's reply takes longer
    than ``timeout`` virtual seconds. The response's ``delay`` says how long it took.
    """
    port = int(port)
    netns, dport = network.route(ip, port, src)     # dport: after kube-proxy's DNAT
    if netns is None:
        raise NoRouteToHost(ip, port)                # errors name the address the client dialled
    listener = netns.ports.get(dport)
    if listener is None or not listener.process.alive:
        raise ConnectionRefused(ip, port)
    headers = dict(headers or {})
    host = headers.get("Host", f"{ip}:{port}")
    if src is None:          # from the node: the packet leaves through the node's bridge (cni0), x.x.x.1
        client_ip = netns.ip.rsplit(".", 1)[0] + ".1" if netns.ip else ""
    elif ip in ("127.0.0.1", "localhost"):
        client_ip = "127.0.0.1"
    else:
        client_ip = src.ip
    req = HttpRequest(method, path, headers, body, client_ip=client_ip, host=host)
    resp = listener.handler(req)
    if resp is None:                     # a plain TCP server: the connection closes without a reply
        raise NetworkError(f"Get \"http://{ip}:{port}{path}\": EOF")
    if timeout is not None and resp.delay > timeout:
        raise Timeout(ip, port, timeout)
    return resp


def tcp_connect(network: PodNetwork, src, ip: str, port: int) -> bool:
    """Can a TCP connection to ``ip:port`` be opened (what a tcpSocket probe checks)?"""
    netns, port = network.route(ip, int(port), src)
    if netns is None:
        return False
    listener = netns.ports.get(port)
    return listener is not None and listener.process.alive
