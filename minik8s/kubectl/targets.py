"""How kubectl's operational verbs name their objects: ``TYPE NAME``, ``TYPE/NAME``, ``-l``.

``kubectl scale deploy/web``, ``kubectl rollout status deployment web``, ``kubectl logs
deployment/web``: every verb resolves what the user typed into a resource (through
the discovery table, so ``deploy``, ``deployments.apps`` and ``Deployment`` all work)
and object names, and names the object back the way kubectl does
(``deployment.apps/web``).
"""

from __future__ import annotations

import functools

from ..api.labels import selector_from_map, selector_from_object
from ..api.resources import Resource, lookup
from ..errors import ApiError
from .registry import KubectlError


ALL_CATEGORY = ["pods", "services", "daemonsets", "deployments", "replicasets", "statefulsets",
                "cronjobs", "jobs"]


def resolve(name: str) -> Resource:
    """A resource from what the user typed; kubectl's wording when it does not exist."""
    try:
        return lookup(name)
    except ApiError:
        raise KubectlError(f'error: the server doesn\'t have a resource type "{name}"') from None


def parse_targets(args: list[str]) -> tuple[list[tuple[Resource, list[str] | None]], bool, bool]:
    """What ``get`` was asked for: [(resource, names or None for "all of them")], plus whether
    several types were requested (names then print as ``kind/name``) and whether exactly one
    object was named (yaml/json then print the object rather than a List)."""
    if not args:
        raise KubectlError(
            "You must specify the type of resource to get. Use \"kubectl api-resources\" for a complete "
            "list of supported resources.\n\nerror: Required resource not specified.\n"
            "Use \"kubectl explain <resource>\" for a detailed description of that resource "
            "(e.g. kubectl explain pods).\nSee 'kubectl get -h' for help and examples")
    targets: list[tuple[Resource, list[str] | None]] = []
    if any("/" in a for a in args):
        for a in args:
            if "/" not in a:
                raise KubectlError("error: there is no need to specify a resource type as a separate "
                                   "argument when passing arguments in resource/name form (e.g. "
                                   "'kubectl get resource/<resource_name>' instead of 'kubectl get "
                                   "resource resource/<resource_name>'")
            typ, name = a.split("/", 1)
            res = resolve(typ)
            for t in targets:
                if t[0] == res:
                    t[1].append(name)
                    break
            else:
                targets.append((res, [name]))
        multi = len(targets) > 1
        single = len(args) == 1
        return targets, multi, single
    types = [t for t in args[0].split(",") if t]
    names = args[1:]
    resources: list[Resource] = []
    for t in types:
        if t == "all":
            for p in ALL_CATEGORY:
                r = lookup(p)
                if r not in resources:
                    resources.append(r)
        else:
            r = resolve(t)
            if r not in resources:
                resources.append(r)
    multi = len(resources) > 1 or "all" in types
    targets = [(r, list(names) if names else None) for r in resources]
    single = len(resources) == 1 and len(names) == 1
    return targets, multi, single


def qualified(res: Resource, name: str) -> str:
    """``deployment.apps/web``, ``pod/web``: how kubectl names an object in its messages."""
    kind = res.kind.lower()
    return f"{kind}.{res.group}/{name}" if res.group else f"{kind}/{name}"


def split_targets(args: list[str]) -> list[tuple[Resource, str | None]]:
    """``["deploy", "a", "b"]`` or ``["deploy/a", "svc/b"]`` or ``["pods"]`` -> (resource, name) pairs.

    A bare type gives one pair with name None (meaning every object of that type).
    """
    if not args:
        return []
    if "/" in args[0]:
        out = []
        for a in args:
            if "/" not in a:
                raise KubectlError("error: there is no need to specify a resource type as a separate "
                                   "argument when passing arguments in resource/name form (e.g. "
                                   "'kubectl get resource/<resource_name>' instead of 'kubectl get "
                                   "resource resource/<resource_name>'")
            t, n = a.split("/", 1)
            out.append((resolve(t), n))
        return out
    types: list[Resource] = []
    for t in args[0].split(","):
        if t == "all":              # the "all" category (kubectl describe all)
            types += [lookup(p) for p in ALL_CATEGORY if lookup(p) not in types]
        elif t:
            r = resolve(t)
            if r not in types:
                types.append(r)
    if len(args) == 1:
        return [(r, None) for r in types]
    return [(r, n) for r in types for n in args[1:]]


def one_target(args: list[str], default_type: str | None = None) -> tuple[Resource, str]:
    """Exactly one object: ``TYPE NAME`` or ``TYPE/NAME`` (or ``NAME`` with a default type)."""
    if len(args) == 1 and "/" in args[0]:
        t, n = args[0].split("/", 1)
        return resolve(t), n
    if len(args) == 2 and "/" not in args[0]:
        return resolve(args[0]), args[1]
    if len(args) == 1 and default_type:
        return resolve(default_type), args[0]
    raise KubectlError("error: you must specify a resource type and name")


# --- a pod for logs/exec: kubectl's polymorphichelpers.AttachablePodForObject ------------------

_PHASE_RANK = {"Running": 0, "Unknown": 1, "Pending": 2}


def _logging_key(pod: dict):
    """ByLogging: assigned first; Running < Unknown < Pending; ready first; ready longer first;
    more restarts first; older first."""
    st = pod.get("status") or {}
    ready = next((c for c in st.get("conditions") or [] if c.get("type") == "Ready"), None)
    is_ready = bool(ready and ready.get("status") == "True")
    restarts = sum(c.get("restartCount", 0) for c in st.get("containerStatuses") or [])
    return (0 if (pod.get("spec") or {}).get("nodeName") else 1, _PHASE_RANK.get(st.get("phase"), 3),
            0 if is_ready else 1, (ready or {}).get("lastTransitionTime") or "~" if is_ready else "~",
            -restarts, pod["metadata"].get("creationTimestamp") or "~", pod["metadata"]["name"])


def pods_for(api, res: Resource, name: str, namespace: str) -> list[dict]:
    """The pods behind ``TYPE/NAME`` (a pod itself, or the pods a workload's selector matches)."""
    if res.kind == "Pod":
        return [api.get(res, name, namespace)]
    obj = api.get(res, name, namespace)
    sel = (obj.get("spec") or {}).get("selector")
    if res.kind == "Service":
        if not sel:
            raise KubectlError(f"error: cannot attach to {qualified(res, name)}: selector is empty")
        selector = selector_from_map(sel)
    elif sel is None:
        raise KubectlError(f"error: cannot attach to *{res.kind}: selector for {res.kind} not implemented")
    else:
        selector = selector_from_object(sel)
    pods = api.list("pods", namespace, label_selector=selector)["items"]
    return sorted(pods, key=_logging_key)


def first_pod(api, res: Resource, name: str, namespace: str, timeout_msg: str = "") -> tuple[dict, str]:
    """(pod, stderr note): the pod kubectl logs/exec picks for ``TYPE/NAME``."""
    pods = pods_for(api, res, name, namespace)
    if not pods:
        raise KubectlError(timeout_msg or "error: timed out waiting for the condition")
    note = f"Found {len(pods)} pods, using pod/{pods[0]['metadata']['name']}\n" if len(pods) > 1 else ""
    return pods[0], note


def all_container_names(pod: dict) -> str:
    """podcmd.AllContainerNames: ``a, b, init (init)``."""
    spec = pod.get("spec") or {}
    names = [c["name"] for c in spec.get("containers") or []]
    names += [f"{c['name']} (ephem)" for c in spec.get("ephemeralContainers") or []]
    names += [f"{c['name']} (init)" for c in spec.get("initContainers") or []]
    return ", ".join(names)


def default_container(pod: dict, container: str | None, quiet: bool = False) -> tuple[str, str]:
    """podcmd.FindOrDefaultContainerByName: (container name, the ``Defaulted container`` note)."""
    spec = pod.get("spec") or {}
    if container:
        return container, ""
    ann = (pod["metadata"].get("annotations") or {}).get("kubectl.kubernetes.io/default-container")
    names = [c["name"] for c in (spec.get("containers") or []) + (spec.get("initContainers") or [])]
    if ann and ann in names:
        return ann, ""
    first = spec["containers"][0]["name"]
    note = ""
    if not quiet and (len(spec.get("containers") or []) > 1 or spec.get("initContainers")
                      or spec.get("ephemeralContainers")):
        note = f'Defaulted container "{first}" out of: {all_container_names(pod)}\n'
    return first, note


def printed(fn):
    """Make a verb's output end with a newline, as kubectl's printers end every line."""

    @functools.wraps(fn)
    def wrapper(inv):
        out = fn(inv)
        return out if not out or out.endswith("\n") else out + "\n"
    return wrapper
