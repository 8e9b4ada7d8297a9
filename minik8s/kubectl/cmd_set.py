"""``kubectl set image TYPE/NAME CONTAINER=IMAGE ...`` and ``kubectl set env TYPE/NAME KEY=VAL|KEY-``.

Changing a Deployment's pod template (its image, its environment) is what starts a
rolling update: the Deployment controller sees a new template hash and creates a new
ReplicaSet (https://kubernetes.io/docs/concepts/workloads/controllers/deployment/#updating-a-deployment).
``CONTAINER=IMAGE`` with ``*`` as the container name sets every container.
"""

from __future__ import annotations

from ..api.meta import clone
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed, qualified, split_targets

FLAGS = {"all": "bool", "selector": "str", "dry-run": "str", "output": "str", "local": "bool",
         "namespace": "str", "filename": "list", "record": "bool", "field-manager": "str",
         "containers": "str", "env": "list", "list": "bool", "overwrite": "bool", "from": "str",
         "prefix": "str", "keys": "list", "resolve": "bool"}
ALIASES = {"l": "selector", "o": "output", "n": "namespace", "f": "filename", "c": "containers", "e": "env"}


def pod_spec_of(obj: dict) -> dict:
    if obj.get("kind") == "Pod":
        return obj["spec"]
    if obj.get("kind") == "CronJob":
        return obj["spec"]["jobTemplate"]["spec"]["template"]["spec"]
    return obj["spec"]["template"]["spec"]


def _split_objects_and_pairs(pos: list[str]) -> tuple[list[str], list[str]]:
    """Arguments before the first ``=`` (or trailing ``-``) name objects; the rest are changes."""
    for i, a in enumerate(pos):
        if "=" in a or (a.endswith("-") and i > 0):
            return pos[:i], pos[i:]
    return pos, []


def _objects(inv, targets, flags):
    ns = flags.get("namespace") or inv.ns()
    out = []
    for res, name in split_targets(targets):
        if name is None:
            out += [(res, o) for o in inv.api.list(res, ns, label_selector=flags.get("selector"))["items"]]
        else:
            out.append((res, inv.api.get(res, name, ns)))
    return out


def set_image(inv: Invocation, pos: list[str], flags: dict) -> str:
    targets, pairs = _split_objects_and_pairs(pos)
    if not pairs:
        raise KubectlError("error: at least one image update is required\nSee 'kubectl set image -h' for help "
                           "and examples")
    images = {}
    for p in pairs:
        c, eq, img = p.partition("=")
        if not eq or not img:
            raise KubectlError(f"error: invalid image update: {p}")
        images[c] = img
    out = []
    for res, obj in _objects(inv, targets, flags):
        new = clone(obj)
        spec = pod_spec_of(new)
        containers = (spec.get("initContainers") or []) + (spec.get("containers") or [])
        for cname, img in images.items():
            hit = False
            for c in containers:
                if cname in ("*", c["name"]):
                    c["image"] = img
                    hit = True
            if not hit:
                raise KubectlError(f'error: unable to find container named "{cname}"')
        if new == obj:
            continue
        if flags.get("dry-run") != "client":
            inv.api.update(res, new, obj["metadata"].get("namespace"))
        out.append(f"{qualified(res, obj['metadata']['name'])} image updated")
    return "\n".join(out)


def set_env(inv: Invocation, pos: list[str], flags: dict) -> str:
    targets, pairs = _split_objects_and_pairs(pos)
    pairs += flags.get("env") or []
    if not pairs and not flags.get("list"):
        raise KubectlError("error: at least one environment variable must be provided")
    out = []
    for res, obj in _objects(inv, targets, flags):
        new = clone(obj)
        spec = pod_spec_of(new)
        want = flags.get("containers", "*")
        for c in spec.get("containers") or []:
            if want not in ("*", c["name"]):
                continue
            env = c.setdefault("env", [])
            for p in pairs:
                if p.endswith("-") and "=" not in p:
                    c["env"] = env = [e for e in env if e["name"] != p[:-1]]
                    continue
                k, _, v = p.partition("=")
                for e in env:
                    if e["name"] == k:
                        e.pop("valueFrom", None)
                        e["value"] = v
                        break
                else:
                    env.append({"name": k, "value": v})
            if not c["env"]:
                c.pop("env")
        if new == obj:
            continue
        if flags.get("dry-run") != "client":
            inv.api.update(res, new, obj["metadata"].get("namespace"))
        out.append(f"{qualified(res, obj['metadata']['name'])} env updated")
    return "\n".join(out)


@command("set", "Set specific features on objects")
@printed
def set_cmd(inv: Invocation) -> str:
    if not inv.args or inv.args[0] not in ("image", "env"):
        raise KubectlError(f'error: unknown command "{inv.args[0]}" for "kubectl set"' if inv.args
                           else "error: Required resource not specified.\nSee 'kubectl set -h' for help and examples")
    sub = inv.args[0]
    pos, flags = parse_flags(inv.args[1:], FLAGS, ALIASES, verb=f"set {sub}")
    if not pos:
        raise KubectlError(f"error: You must provide one or more resources by argument or filename.")
    return set_image(inv, pos, flags) if sub == "image" else set_env(inv, pos, flags)
