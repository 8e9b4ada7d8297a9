"""What the verbs that read manifests share: ``-f`` inputs, ``--dry-run``, error reports.

``kubectl apply|create|replace|delete|label|patch -f FILE|DIR|-`` read their objects
the same way (a directory contributes its .yaml/.yml/.json files in name order, ``-``
is stdin), accept the same ``--dry-run=none|client|server`` and report several
failures as one aggregate, each line as ``cmdutil.CheckErr`` prints it
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_apply/).
"""

from __future__ import annotations

import os

from ..api import resources as R
from ..errors import ApiError
from ..manifests import ManifestError, parse_text
from .registry import Invocation, KubectlError, format_error


def read_inputs(inv: Invocation, filenames: list[str]) -> list[tuple[str, dict]]:
    """(source, object) for every object in ``-f`` arguments: ``-`` is stdin (source ``STDIN``),
    a directory contributes its .yaml/.yml/.json files in name order."""
    out: list[tuple[str, dict]] = []
    for f in filenames:
        if f == "-":
            out.extend(("STDIN", o) for o in parse_text(inv.stdin or "", "STDIN"))
            continue
        if os.path.isdir(f):
            for name in sorted(os.listdir(f)):
                if name.endswith((".yaml", ".yml", ".json")):
                    p = os.path.join(f, name)
                    out.extend((p, o) for o in _read_file(p))
            continue
        if not os.path.exists(f):
            raise KubectlError(f'error: the path "{f}" does not exist')
        out.extend((f, o) for o in _read_file(f))
    return out


def _read_file(path: str) -> list[dict]:
    with open(path, encoding="utf-8") as fh:
        return parse_text(fh.read(), path)


def dry_run_mode(flags) -> str | None:
    v = flags.get("dry-run")
    if v is None:
        return None
    if v in ("client", "server", "none"):
        return None if v == "none" else v
    if v in ("true", ""):
        return "client"
    if v == "false":
        return None
    raise KubectlError(f'error: Invalid dry-run value ({v}). Must be "none", "server", or "client".')


def dry_run_suffix(mode: str | None) -> str:
    return {"client": " (dry run)", "server": " (server dry run)"}.get(mode or "", "")


def qualified(res: R.Resource) -> str:
    """``deployment.apps`` / ``pod``: how kubectl names a kind in its messages."""
    return res.kind.lower() + (f".{res.group}" if res.group else "")


def mapping_error(obj: dict, source: str, err: ApiError) -> str:
    md = obj.get("metadata") or {}
    return (f'resource mapping not found for name: "{md.get("name", "")}" namespace: '
            f'"{md.get("namespace", "")}" from "{source}": {err.message}\nensure CRDs are installed first')


def with_source(err: ApiError, verb: str, source: str) -> ApiError:
    """cmdutil.AddSourceToErr: ``error when creating "STDIN": ...`` in the server's message."""
    if err.reason == "Invalid":
        # CheckErr prints a lone Invalid error from its details ("The Deployment "web" is invalid: ...");
        # inside an aggregate it prints the server's message with the source, kept here.
        err = ApiError(err.code, err.reason, err.message, err.details)
        msg = err.message[4:] if err.message.startswith("The ") else err.message
        group = (err.details or {}).get("group")
        kind = (err.details or {}).get("kind")
        if group and kind and msg.startswith(kind + " "):
            msg = f"{kind}.{group}" + msg[len(kind):]
        err.aggregate_message = f'error when {verb} "{source}": {msg}'
        return err
    return ApiError(err.code, err.reason, f'error when {verb} "{source}": {err.message}', err.details)


def report_errors(errors: list) -> str:
    """One error as CheckErr prints it; several as an aggregate (each on its own line)."""
    if not errors:
        return ""
    if len(errors) == 1:
        e = errors[0]
        return (format_error(e) if not isinstance(e, str) else
                (e if e.startswith("error: ") else "error: " + e)) + "\n"
    lines = []
    for e in errors:
        if isinstance(e, str):
            lines.append(e)
        elif isinstance(e, KubectlError):
            lines.append(str(e))
        elif isinstance(e, ManifestError) or (e.details or {}).get("connectionRefused"):
            lines.append(e.message)
        else:
            msg = getattr(e, "aggregate_message", None) or e.message
            lines.append(f"Error from server ({e.reason}): {msg}" if e.reason
                         else f"Error from server: {msg}")
    return "".join(line + "\n" for line in lines)
