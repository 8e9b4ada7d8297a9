"""kubectl: the command line every Kubernetes user types, run against a minik8s cluster.

``kubectl(cluster, "get pods -o wide")`` returns exactly the text kubectl v1.33
prints (its stdout and stderr, in order), errors included. This module is the
dispatcher: it splits the command line as a shell would, takes out the global
flags (``-n/--namespace``, ``-A/--all-namespaces``, ``--context``,
``--kubeconfig``), finds the verb in :data:`~minik8s.kubectl.registry.COMMANDS`
(filled by the ``cmd_*.py`` modules of this package) and prints errors as
kubectl's ``cmdutil.CheckErr`` does
(https://kubernetes.io/docs/reference/kubectl/).
"""

from __future__ import annotations

import importlib
import os
import shlex

from ..errors import ApiError
from .registry import COMMANDS, Invocation, KubectlError, format_error
from .registry import HELP

_LOADED: list[str] = []   # module names imported once per process (the registry is code, not state)


def load_commands() -> None:
    """Import every ``minik8s/kubectl/cmd_*.py`` (sorted by name) so each registers its verbs."""
    here = os.path.dirname(__file__)
    for fname in sorted(os.listdir(here)):
        if fname.startswith("cmd_") and fname.endswith(".py"):
            mod = f"{__name__}.{fname[:-3]}"
            if mod not in _LOADED:
                importlib.import_module(mod)
                _LOADED.append(mod)


def _levenshtein(a: str, b: str) -> int:
    prev = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        cur = [i]
        for j, cb in enumerate(b, 1):
            cur.append(min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (ca != cb)))
        prev = cur
    return prev[-1]


def unknown_command(verb: str) -> str:
    """cobra's unknown-command error with its "Did you mean this?" suggestions (distance <= 2 or prefix)."""
    sugg = [name for name in sorted(COMMANDS)
            if _levenshtein(verb.lower(), name.lower()) <= 2 or name.lower().startswith(verb.lower())]
    msg = f'error: unknown command "{verb}" for "kubectl"'
    if sugg:
        msg += "\n\nDid you mean this?\n" + "".join(f"\t{s}\n" for s in sugg)
        msg = msg.rstrip("\n")
    return msg


def _global_flags(args: list[str], cluster) -> tuple[list[str], dict]:
    """Take the global flags out of ``args`` (they may appear anywhere before ``--``)."""
    out: list[str] = []
    g = {"namespace": None, "all_namespaces": False}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            out.extend(args[i:])
            break
        name, eq, val = a.partition("=")
        if a in ("-n", "--namespace") or name == "--namespace" or (a.startswith("-n") and len(a) > 2
                                                                    and not a.startswith("--")):
            if a in ("-n", "--namespace"):
                if i + 1 >= len(args):
                    raise KubectlError(f"error: flag needs an argument: '{a.lstrip('-')[0]}' in {a}"
                                       if a == "-n" else f"error: flag needs an argument: {a}")
                val = args[i + 1]
                i += 1
            elif name != "--namespace":
                val = a[2:].lstrip("=")
            g["namespace"] = val
        elif a in ("-A", "--all-namespaces") or name == "--all-namespaces":
            g["all_namespaces"] = (val.lower() != "false") if eq else True
        elif name in ("--context", "--kubeconfig", "--cluster", "--user", "--request-timeout", "-v",
                      "--v", "--as"):
            if not eq:
                if i + 1 >= len(args):
                    raise KubectlError(f"error: flag needs an argument: {a}")
                val = args[i + 1]
                i += 1
            if name == "--context" and val != context_name(cluster):
                raise KubectlError(f'error: context was not found for specified context: {val}')
            if name == "--cluster" and val != context_name(cluster):
                raise KubectlError(f'error: no server found for cluster "{val}"')
            g[name.lstrip("-").replace("-", "_")] = val
        else:
            out.append(a)
        i += 1
    return out, g


def _raw_output(args: list[str]) -> bool:
    """Is the output a template (jsonpath, go-template), which kubectl prints without a newline?"""
    for i, a in enumerate(args):
        val = None
        if a in ("-o", "--output") and i + 1 < len(args):
            val = args[i + 1]
        elif a.startswith("--output="):
            val = a[len("--output="):]
        elif a.startswith("-o") and a != "-o":
            val = a[2:].lstrip("=")
        if val is not None and val.startswith(("jsonpath", "go-template", "template")):
            return True
    return False


def context_name(cluster) -> str:
    """The kubeconfig context (and cluster and user) name of a minik8s cluster."""
    return getattr(cluster, "kubeconfig_context", None) or "minik8s"


def kubectl(cluster, command: str, stdin: str | None = None) -> str:
    """Run one kubectl command line against ``cluster``; return what kubectl prints."""
    load_commands()
    try:
        argv = shlex.split(command)
    except ValueError as e:
        return f"error: {e}\n"
    if argv and argv[0] == "kubectl":
        argv = argv[1:]
    try:
        args, g = _global_flags(argv, cluster)
        if not args:
            return kubectl_help()
        verb, rest = args[0], args[1:]
        if verb.startswith("-"):
            raise KubectlError(f"error: unknown flag: {verb}" if verb.startswith("--")
                               else f"error: unknown shorthand flag: '{verb[1]}' in {verb}")
        fn = COMMANDS.get(verb)
        if fn is None:
            raise KubectlError(unknown_command(verb))
        inv = Invocation(cluster=cluster, verb=verb, args=rest, stdin=stdin, namespace=g["namespace"],
                         all_namespaces=g["all_namespaces"], flags=g)
        out = fn(inv)
        if out and not out.endswith("\n") and not _raw_output(rest):
            out += "\n"          # every kubectl line ends with a newline; templates print raw
    except (KubectlError, ApiError) as e:
        out = format_error(e)
        if not out.endswith("\n"):
            out += "\n"
    return out


def kubectl_help() -> str:
    lines = ["kubectl controls the Kubernetes cluster manager.", "",
             " Find more information at: https://kubernetes.io/docs/reference/kubectl/", "",
             "Commands:"]
    width = max((len(n) for n in COMMANDS), default=0) + 3
    for name in sorted(COMMANDS):
        lines.append(f"  {name.ljust(width)}{HELP.get(name, '')}")
    lines += ["", "Usage:", "  kubectl [flags] [options]"]
    return "\n".join(lines) + "\n"


__all__ = ["kubectl", "format_error", "load_commands"]
