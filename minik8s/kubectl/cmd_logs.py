"""``kubectl logs POD [-c C] [--previous] [--tail N] [-l sel] [--all-containers] [--prefix] [-f]``.

kubectl asks the API server for ``pods/NAME/log``; the API server proxies the request
to the kubelet of the pod's node, which reads the container runtime's log file
(https://kubernetes.io/docs/concepts/cluster-administration/logging/). Without ``-c``
kubectl 1.33 picks the ``kubectl.kubernetes.io/default-container`` or the first
container and says so on stderr (``Defaulted container "a" out of: a, b``).
``-f`` streams in a real terminal; here it returns what has been logged so far.
"""

from __future__ import annotations

from ..errors import ApiError
from .registry import Invocation, KubectlError, command, format_error, parse_flags
from .targets import default_container, first_pod, printed, resolve

FLAGS = {"container": "str", "previous": "bool", "tail": "int", "selector": "str", "all-containers": "bool",
         "prefix": "bool", "follow": "bool", "namespace": "str", "timestamps": "bool", "since": "str",
         "since-time": "str", "limit-bytes": "int", "max-log-requests": "int", "pod-running-timeout": "str",
         "ignore-errors": "bool", "all-pods": "bool", "insecure-skip-tls-verify-backend": "bool"}
ALIASES = {"c": "container", "p": "previous", "l": "selector", "f": "follow", "n": "namespace"}


def _tail(text: str, n: int | None) -> str:
    if n is None or n < 0:
        return text
    lines = text.splitlines(keepends=True)
    return "".join(lines[-n:]) if n else ""


def pod_log_text(api, pod: dict, container: str | None, *, previous=False, tail=None, all_containers=False,
                 prefix=False, quiet=False) -> str:
    """What ``kubectl logs`` prints for one pod (stderr notes first, then the log)."""
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    spec = pod.get("spec") or {}
    if all_containers:
        names = [c["name"] for c in (spec.get("initContainers") or []) + (spec.get("containers") or [])]
        note = ""
    else:
        c, note = default_container(pod, container, quiet)
        names = [c]
    out = [note]
    for c in names:
        try:
            text = api.pod_logs(name, ns, c, previous=previous, tail=None)
        except ApiError as e:
            # the stderr note was already printed when the request failed
            raise KubectlError("".join(out) + format_error(e)) from None
        text = _tail(text, tail)
        if prefix:
            text = "".join(f"[pod/{name}/{c}] {line}" for line in text.splitlines(keepends=True))
        out.append(text)
    return "".join(out)


@command("logs", "Print the logs for a container in a pod")
@printed
def logs(inv: Invocation) -> str:
    pos, flags = parse_flags(inv.args, FLAGS, ALIASES, verb="logs")
    ns = flags.get("namespace") or inv.ns()
    api = inv.api
    container = flags.get("container")
    if len(pos) == 2 and not container and "/" not in pos[0]:
        pos, container = [pos[0]], pos[1]          # kubectl logs POD CONTAINER (still accepted)
    selector = flags.get("selector")
    if selector:
        if pos:
            raise KubectlError("error: only one of -l or a pod/type name may be specified")
        tail = flags.get("tail", 10)
        pods = api.list("pods", None if inv.all_namespaces else ns, label_selector=selector)["items"]
        if not pods:
            return "No resources found in " + ns + " namespace." if not inv.all_namespaces else "No resources found"
        return "".join(pod_log_text(api, p, container, previous=flags.get("previous", False), tail=tail,
                                    all_containers=flags.get("all-containers", False),
                                    prefix=flags.get("prefix", False)) for p in pods)
    if len(pos) != 1:
        raise KubectlError("error: expected 'logs [-f] [-p] (POD | TYPE/NAME) [-c CONTAINER]'.\n"
                           "POD or TYPE/NAME is a required argument for the logs command\n"
                           "See 'kubectl logs -h' for help and examples")
    note = ""
    if "/" in pos[0]:
        t, n = pos[0].split("/", 1)
        res = resolve(t)
        pod, note = first_pod(api, res, n, ns)
    else:
        pod = api.get("pods", pos[0], ns)
    try:
        text = pod_log_text(api, pod, container, previous=flags.get("previous", False),
                            tail=flags.get("tail"), all_containers=flags.get("all-containers", False),
                            prefix=flags.get("prefix", False))
    except KubectlError as e:
        raise KubectlError(note + str(e)) from None
    return note + text
