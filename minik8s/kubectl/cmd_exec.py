"""``kubectl exec (POD | TYPE/NAME) [-c C] [-i] [-t] -- COMMAND [ARGS...]``.

kubectl opens ``pods/NAME/exec``; the API server proxies it to the kubelet, which asks
the container runtime to start the command inside the running container's namespaces
(https://kubernetes.io/docs/tasks/debug/debug-application/get-shell-running-container/).
A non-zero exit status is reported as ``command terminated with exit code N``.
The old form without ``--`` is refused as kubectl 1.33 refuses it.
"""

from __future__ import annotations

from ..errors import ApiError
from .registry import Invocation, KubectlError, command, format_error, parse_flags
from .targets import default_container, first_pod, printed, resolve

FLAGS = {"container": "str", "stdin": "bool", "tty": "bool", "quiet": "bool", "namespace": "str",
         "filename": "list", "pod-running-timeout": "str"}
ALIASES = {"c": "container", "i": "stdin", "t": "tty", "q": "quiet", "n": "namespace", "f": "filename"}


def expand_short_bools(args: list[str], bools: str) -> list[str]:
    """pflag accepts combined boolean shorthands (``-it`` is ``-i -t``); so does this."""
    out = []
    for i, a in enumerate(args):
        if a == "--":
            return out + args[i:]
        if len(a) > 2 and a[0] == "-" and a[1] != "-" and all(ch in bools for ch in a[1:]):
            out += [f"-{ch}" for ch in a[1:]]
        else:
            out.append(a)
    return out


@command("exec", "Execute a command in a container")
@printed
def exec_cmd(inv: Invocation) -> str:
    pos, flags = parse_flags(expand_short_bools(inv.args, "itq"), FLAGS, ALIASES, verb="exec")
    command_argv: list[str] = []
    if "--" in pos:
        i = pos.index("--")
        pos, command_argv = pos[:i], pos[i + 1:]
    elif len(pos) > 1:
        raise KubectlError("error: exec [POD] [COMMAND] is not supported anymore. Use exec [POD] -- [COMMAND] "
                           "instead\nSee 'kubectl exec -h' for help and examples")
    if not pos:
        raise KubectlError("error: pod, type/name or --filename must be specified")
    if not command_argv:
        raise KubectlError("error: you must specify at least one command for the container")
    ns = flags.get("namespace") or inv.ns()
    api = inv.api
    if "/" in pos[0]:
        t, n = pos[0].split("/", 1)
        pod, _note = first_pod(api, resolve(t), n, ns)   # exec, unlike logs, does not say which pod
    else:
        pod = api.get("pods", pos[0], ns)
    phase = (pod.get("status") or {}).get("phase")
    if phase in ("Succeeded", "Failed"):
        raise KubectlError(f"error: cannot exec into a container in a completed pod; current phase is {phase}")
    container, defaulted = default_container(pod, flags.get("container"), flags.get("quiet", False))
    if flags.get("container"):
        names = [c["name"] for c in (pod["spec"].get("containers") or []) + (pod["spec"].get("initContainers") or [])]
        if container not in names:
            raise KubectlError(f"error: container {container} not found in pod {pod['metadata']['name']}")
    try:
        result = api.pod_exec(pod["metadata"]["name"], ns, command_argv, container,
                              inv.stdin if flags.get("stdin") else None)
    except ApiError as e:
        raise KubectlError(defaulted + format_error(e)) from None
    output = getattr(result, "output", result)
    code = getattr(result, "exit_code", 0)
    text = defaulted + (output or "")
    if code:
        if text and not text.endswith("\n"):
            text += "\n"
        text += f"command terminated with exit code {code}"
    return text
