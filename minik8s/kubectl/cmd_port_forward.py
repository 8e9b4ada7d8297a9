"""``kubectl port-forward TYPE/NAME [LOCAL_PORT:]REMOTE_PORT...``: local ports into a pod.

https://kubernetes.io/docs/tasks/access-application-cluster/port-forward-access-application-cluster/
The real command blocks while it forwards; here it prints what kubectl prints, and the forward
stays open for the notebook: ``c.http("http://localhost:8080/")`` (no ``from_pod``) goes through it,
and ``c.port_forward(...)`` returns the same kind of handle. A Service or workload picks one of its
running pods (a Service port is translated to its targetPort), as kubectl does.
"""

from __future__ import annotations

from ..errors import ApiError
from ..notebook import net as client
from .registry import Invocation, KubectlError, command, parse_flags

FLAGS = {"address": "list", "pod-running-timeout": "str", "namespace": "str"}
ALIASES = {"n": "namespace"}


@command("port-forward", "Forward one or more local ports to a pod")
def port_forward(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, FLAGS, ALIASES, "port-forward")
    if len(args) < 2:
        raise KubectlError("error: TYPE/NAME and list of ports are required for port-forward")
    ns = flags.get("namespace") or inv.ns()
    out = []
    for spec in args[1:]:
        try:
            handle = client.port_forward(inv.cluster, args[0], spec, ns)
        except ApiError as e:
            if e.message.startswith("unable to forward port"):     # kubectl's own check, not the server's
                raise KubectlError("error: " + e.message) from None
            raise
        client.forwards(inv.cluster)[handle.local_port] = handle
        out += handle.log[:2]
    return "\n".join(out) + "\n"
