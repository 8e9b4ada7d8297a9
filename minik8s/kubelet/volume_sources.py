"""What each volume type puts in its directory, as pure functions the volume manager calls.

The files of a ``configMap``/``secret`` (one per key; ``items`` pick keys and paths, ``defaultMode``
and ``mode`` set permissions), a ``downwardAPI`` item's value, a service account token, the
``hostPath`` type check, and writing a set of files into a volume's directory
(https://kubernetes.io/docs/concepts/storage/volumes/). :class:`MountError` is a volume that cannot
be set up, in the kubelet's words.
"""

from __future__ import annotations

import base64
import posixpath

from ..api.quantity import cpu_millis, memory_bytes
from ..runtime import Dir, File
DEFAULT_MODE = 0o644               # configMap/secret/downwardAPI defaultMode (420)


class MountError(Exception):
    """A volume could not be set up; ``str()`` is the kubelet's message after ``SetUp failed ...: ``."""


def config_files(data: dict, items: list | None, default_mode: int | None, optional: bool,
                 what: str, name: str) -> dict:
    """The files of a configMap/secret volume: ``{relative path: (text, mode)}``.

    Without ``items`` every key becomes a file named after it; with ``items`` only those keys,
    at their ``path``, each with its own ``mode`` if given. A missing key is an error unless the
    volume is ``optional`` (https://kubernetes.io/docs/concepts/storage/volumes/#configmap).
    """
    mode = DEFAULT_MODE if default_mode is None else int(default_mode)
    if not items:
        return {k: (data[k], mode) for k in sorted(data)}
    out = {}
    for it in items:
        key = it.get("key")
        if key not in data:
            if optional:
                continue
            raise MountError(f'configmap references non-existent config key: {key}' if what == "configmap"
                             else f'references non-existent secret key: {key}')
        out[it.get("path") or key] = (data[key], int(it["mode"]) if it.get("mode") is not None else mode)
    return out


def downward_value(pod: dict, item: dict) -> str:
    """One downwardAPI file: a ``fieldRef`` (labels and annotations as ``key="value"`` lines,
    sorted) or a ``resourceFieldRef`` (https://kubernetes.io/docs/concepts/workloads/pods/downward-api/)."""
    md = pod["metadata"]
    if item.get("fieldRef"):
        path = item["fieldRef"].get("fieldPath", "")
        if path in ("metadata.labels", "metadata.annotations"):
            src = md.get(path.split(".")[1]) or {}
            return "\n".join(f'{k}="{src[k]}"' for k in sorted(src))
        for prefix in ("metadata.labels", "metadata.annotations"):
            if path.startswith(prefix + "['") and path.endswith("']"):
                return str((md.get(prefix.split(".")[1]) or {}).get(path[len(prefix) + 2:-2], ""))
        simple = {"metadata.name": md.get("name"), "metadata.namespace": md.get("namespace"),
                  "metadata.uid": md.get("uid")}
        return str(simple.get(path) or "")
    ref = item.get("resourceFieldRef") or {}
    target = next((c for c in pod["spec"].get("containers") or [] if c["name"] == ref.get("containerName")),
                  (pod["spec"].get("containers") or [{}])[0])
    kind, _, resource = (ref.get("resource") or "").partition(".")
    value = ((target.get("resources") or {}).get(kind) or {}).get(resource)
    if value is None:
        return "0"
    divisor = ref.get("divisor") or "1"
    if resource == "cpu":
        return str(-(-cpu_millis(str(value)) // cpu_millis(str(divisor))))
    return str(-(-memory_bytes(str(value)) // memory_bytes(str(divisor))))


def hostpath_check(node_root: Dir, path: str, typ: str, now: float = 0.0):
    """The node's file or directory at ``path`` for a hostPath volume of ``type`` ``typ``,
    created for ``DirectoryOrCreate`` (mode 0755) / ``FileOrCreate`` (0644), and for an empty
    type when missing (as the runtime creates a bind-mount source); ``Directory``, ``File``,
    ``Socket``, ... must already exist as that
    (https://kubernetes.io/docs/concepts/storage/volumes/#hostpath-volume-types)."""
    parts = [p for p in path.split("/") if p]
    node = node_root
    for i, name in enumerate(parts):
        if not isinstance(node, Dir):
            raise MountError(f"hostPath type check failed: {path} is not a directory")
        child = node.entries.get(name)
        if child is None:
            last = i == len(parts) - 1
            if typ in ("DirectoryOrCreate", "", None) or (typ == "FileOrCreate" and not last):
                child = node.entries[name] = Dir(0o755, mtime=now)
            elif typ == "FileOrCreate":
                child = node.entries[name] = File("", 0o644, mtime=now)
            elif typ == "Directory":
                raise MountError(f"hostPath type check failed: {path} is not a directory")
            elif typ == "File":
                raise MountError(f"hostPath type check failed: {path} is not a file")
            else:
                raise MountError(f"hostPath type check failed: {path} is not a {typ.lower()}")
        node = child
    if typ in ("Directory", "DirectoryOrCreate") and not isinstance(node, Dir):
        raise MountError(f"hostPath type check failed: {path} is not a directory")
    if typ in ("File", "FileOrCreate") and not isinstance(node, File):
        raise MountError(f"hostPath type check failed: {path} is not a file")
    return node


def write_files(d: Dir, files: dict, now: float) -> None:
    """Replace the contents of ``d`` with ``files`` (the atomic writer's swap of ``..data``): new
    File objects, so a ``subPath`` mount of an old file keeps seeing the old content."""
    d.entries = {}
    for rel in sorted(files):
        text, mode = files[rel]
        parts = [p for p in rel.split("/") if p]
        cur = d
        for name in parts[:-1]:
            nxt = cur.entries.get(name)
            if not isinstance(nxt, Dir):
                nxt = cur.entries[name] = Dir(0o755, mtime=now)
            cur = nxt
        cur.entries[parts[-1]] = File(text, mode, mtime=now)


def walk_files(d: Dir, prefix: str = ""):
    for name in sorted(d.entries):
        node = d.entries[name]
        rel = posixpath.join(prefix, name) if prefix else name
        if isinstance(node, Dir):
            yield from walk_files(node, rel)
        else:
            yield rel, node


def service_account_token(pod: dict, sa: str) -> str:
    """A projected service account token: a JWT-shaped string naming the pod and account
    (minik8s has no token signer; nothing verifies it)."""
    def b64(s: str) -> str:
        return base64.urlsafe_b64encode(s.encode()).decode().rstrip("=")
    md = pod["metadata"]
    claims = ('{"aud":["https://kubernetes.default.svc.cluster.local"],"iss":"https://kubernetes.default.svc'
              f'.cluster.local","kubernetes.io":{{"namespace":"{md.get("namespace")}","pod":{{"name":"{md["name"]}",'
              f'"uid":"{md.get("uid")}"}},"serviceaccount":{{"name":"{sa}"}}}},"sub":"system:serviceaccount:'
              f'{md.get("namespace")}:{sa}"}}')
    return b64('{"alg":"RS256","kid":"minik8s"}') + "." + b64(claims) + "." + b64("unsigned")
