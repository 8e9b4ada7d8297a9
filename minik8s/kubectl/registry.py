"""The kubectl command table and the pieces every command shares.

Each kubectl verb is a function registered with :func:`command` in one of the
``minik8s/kubectl/cmd_*.py`` modules. It receives an :class:`Invocation` (the
cluster, the arguments after the verb, stdin, the global flags) and returns the
text kubectl would print. A user error raises :class:`KubectlError` with the
message kubectl prints (``error: ...``); an :class:`~minik8s.errors.ApiError`
from the server is printed as ``Error from server (Reason): message``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Callable

from ..errors import ApiError
from ..manifests import ManifestError

COMMANDS: dict[str, Callable[["Invocation"], str]] = {}
# Short help shown by `kubectl` with no arguments / unknown command suggestions.
HELP: dict[str, str] = {}


def command(name: str, help: str = ""):
    """Register ``fn(inv) -> str`` as the kubectl verb ``name``."""
    def register(fn):
        COMMANDS[name] = fn
        HELP[name] = help
        return fn
    return register


class KubectlError(Exception):
    """A client-side error; ``str(e)`` is printed as is (it usually starts with ``error:``)."""


@dataclass
class Invocation:
    cluster: object
    verb: str
    args: list[str]
    stdin: str | None = None
    namespace: str | None = None          # -n/--namespace, None when not given
    all_namespaces: bool = False          # -A/--all-namespaces
    flags: dict = field(default_factory=dict)

    @property
    def api(self):
        return self.cluster.apiserver

    def ns(self) -> str:
        """The namespace to act in: -n, else the context's namespace, else default."""
        return self.namespace or getattr(self.cluster, "kubeconfig_namespace", None) or "default"


def parse_flags(args: list[str], spec: dict[str, str], aliases: dict[str, str] | None = None,
                verb: str = "") -> tuple[list[str], dict]:
    """Split ``args`` into positionals and flags.

    ``spec`` maps long flag names to their type: ``"bool"``, ``"str"``, ``"int"`` or
    ``"list"`` (repeatable). ``aliases`` maps short names (``"o"``) to long ones.
    Accepts ``--flag=value``, ``--flag value``, ``-o value``, ``-ovalue`` and ``--``.
    Unknown flags raise KubectlError with kubectl's wording.
    """
    aliases = aliases or {}
    pos: list[str] = []
    flags: dict = {}
    i = 0
    while i < len(args):
        a = args[i]
        if a == "--":
            pos.append("--")
            pos.extend(args[i + 1:])
            break
        if a.startswith("-") and len(a) > 1 and not _is_number(a):
            if a.startswith("--"):
                body = a[2:]
                name, eq, val = body.partition("=")
            else:
                name, eq, val = a[1:2], "", ""
                rest = a[2:]
                if rest.startswith("="):
                    eq, val = "=", rest[1:]
                elif rest:
                    eq, val = "=", rest
                name = aliases.get(name, None) or _unknown(a, verb)
            if name not in spec:
                _unknown(a if a.startswith("--") else a, verb)
            typ = spec[name]
            if typ == "bool":
                if eq:
                    if val.lower() not in ("true", "false"):
                        raise KubectlError(f'error: invalid argument "{val}" for "{a.split("=")[0]}" flag: '
                                           f'strconv.ParseBool: parsing "{val}": invalid syntax')
                    flags[name] = val.lower() == "true"
                else:
                    flags[name] = True
            else:
                if not eq:
                    if i + 1 >= len(args):
                        raise KubectlError(f"error: flag needs an argument: {a}")
                    val = args[i + 1]
                    i += 1
                if typ == "int":
                    try:
                        val = int(val)
                    except ValueError:
                        raise KubectlError(f'error: invalid argument "{val}" for "{a}" flag: '
                                           f'strconv.ParseInt: parsing "{val}": invalid syntax') from None
                if typ == "list":
                    flags.setdefault(name, []).append(val)
                else:
                    flags[name] = val
        else:
            pos.append(a)
        i += 1
    return pos, flags


def _is_number(s: str) -> bool:
    try:
        float(s)
        return True
    except ValueError:
        return False


def _unknown(flag: str, verb: str):
    if flag.startswith("--"):
        msg = f"error: unknown flag: {flag.split('=')[0]}"
    else:
        msg = f"error: unknown shorthand flag: '{flag[1]}' in {flag}"
    if verb:
        msg += f"\nSee 'kubectl {verb} --help' for usage."
    raise KubectlError(msg)


def format_error(err: Exception) -> str:
    """What kubectl prints for an error (k8s.io/kubectl/pkg/cmd/util.CheckErr)."""
    if isinstance(err, KubectlError):
        return str(err)
    if isinstance(err, ApiError):
        if isinstance(err, ManifestError):
            msg = err.message
            return msg if msg.startswith("error: ") else "error: " + msg
        if (err.details or {}).get("connectionRefused"):
            return err.message              # no server answered: kubectl prints the dial error alone
        if err.message.startswith("the server doesn't have a resource type"):
            return "error: " + err.message
        if err.reason == "Invalid" and err.details:
            d = err.details
            s = f'The {d.get("kind", "")} "{d.get("name", "")}" is invalid'
            causes = d.get("causes") or []
            if not causes:
                return s
            msgs = [f"{c.get('field')}: {c.get('message')}" if c.get("field") else c.get("message", "")
                    for c in causes]
            if len(msgs) == 1:
                return f"{s}: {msgs[0]}"
            return f"{s}: \n" + "\n".join(f"* {m}" for m in msgs)
        if err.reason:
            return f"Error from server ({err.reason}): {err.message}"
        return f"Error from server: {err.message}"
    return f"error: {err}"


def parse_duration(text: str) -> float:
    """A Go duration or plain seconds (``30s``, ``1m``, ``2m30s``, ``45``)."""
    if re.fullmatch(r"\d+(\.\d+)?", text):
        return float(text)
    total, pos = 0.0, 0
    for m in re.finditer(r"(\d+(?:\.\d+)?)(ms|h|m|s)", text):
        if m.start() != pos:
            break
        total += float(m.group(1)) * {"h": 3600, "m": 60, "s": 1, "ms": 0.001}[m.group(2)]
        pos = m.end()
    if pos != len(text) or not text:
        raise KubectlError(f'error: invalid argument "{text}" for "--request-timeout" flag: time: '
                           f'invalid duration "{text}"')
    return total
