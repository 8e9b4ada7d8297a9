"""``kubectl wait``: block until objects meet a condition, here on the cluster's virtual clock.

``kubectl wait --for=condition=Ready pod/web --timeout=60s`` returns
``pod/web condition met`` as soon as the pod's Ready condition is True;
``--for=delete`` waits for the object to disappear and ``--for=jsonpath='{.status.phase}'=Running``
for a field value. The clock advances only as far as needed (at most ``--timeout``,
default 30s); on timeout kubectl prints ``error: timed out waiting for the condition on pods/web``
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_wait/).
"""

from __future__ import annotations

from ..clock import Timeout
from ..errors import ApiError
from . import jsonpath
from .inputs import qualified
from .registry import Invocation, KubectlError, command, parse_duration, parse_flags
from .targets import parse_targets

WAIT_FLAGS = {"for": "str", "timeout": "str", "selector": "str", "all": "bool", "all-namespaces": "bool",
              "field-selector": "str", "filename": "list", "output": "str", "local": "bool", "recursive": "bool"}
WAIT_ALIASES = {"l": "selector", "f": "filename", "o": "output", "A": "all-namespaces", "R": "recursive"}


def condition_check(spec: str):
    """The predicate of ``--for``: fn(obj or None) -> bool."""
    if spec == "delete":
        return lambda obj: obj is None
    if spec == "create":
        return lambda obj: obj is not None
    if spec.startswith("condition="):
        rest = spec[len("condition="):]
        ctype, _, want = rest.partition("=")
        want = want or "True"

        def cond(obj):
            if obj is None:
                return False
            for c in (obj.get("status") or {}).get("conditions") or []:
                if c.get("type", "").lower() == ctype.lower():
                    return c.get("status", "").lower() == want.lower()
            return False
        return cond
    if spec.startswith("jsonpath="):
        rest = spec[len("jsonpath="):]
        expr, eq, want = rest.rpartition("=") if "}=" in rest else (rest, "", "")
        if not eq:
            expr = rest
        nodes = jsonpath.parse(jsonpath.relaxed(expr))
        steps = [n[1] for n in nodes if n[0] == "expr"]

        def jp(obj):
            if obj is None or not steps:
                return False
            vals = jsonpath.evaluate(steps[0], obj)
            if not vals:
                return False
            if not eq:
                return True
            return jsonpath.format_value(vals[0]) == want
        return jp
    raise KubectlError(f"error: unrecognized condition: \"{spec}\"")


@command("wait", "Experimental: Wait for a specific condition on one or many resources")
def wait(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, WAIT_FLAGS, WAIT_ALIASES, "wait")
    if not flags.get("for"):
        raise KubectlError("error: --for must be specified")
    check = condition_check(flags["for"])
    timeout = parse_duration(flags.get("timeout", "30s"))
    all_ns = inv.all_namespaces or flags.get("all-namespaces", False)
    if not args:
        raise KubectlError("error: You must provide one or more resources by argument or filename.\n"
                           "Example resource specifications include:\n   '-f rsrc.yaml'\n"
                           "   '--filename=rsrc.json'\n   '<resource> <name>'\n   '<resource>'")
    targets, _m, _s = parse_targets(args)
    todo = []
    for res, names in targets:
        ns = None if (all_ns or not res.namespaced) else inv.ns()
        if names is None:
            if flags.get("selector") is None and not flags.get("all") and not flags.get("field-selector"):
                raise KubectlError("error: resource(s) were provided, but no name was specified")
            for o in inv.api.list(res, ns, label_selector=flags.get("selector"),
                                  field_selector=flags.get("field-selector"))["items"]:
                todo.append((res, o["metadata"]["name"], o["metadata"].get("namespace")))
        else:
            for n in names:
                todo.append((res, n, ns))
    if not todo:
        return "error: no matching resources found\n"
    out = ""
    deadline = inv.cluster.clock.now + timeout
    for res, name, ns in todo:
        def current():
            try:
                return inv.api.get(res, name, ns)
            except ApiError as e:
                if e.code == 404:
                    return None
                raise
        if flags["for"] != "delete" and current() is None and flags["for"] != "create":
            out += f'Error from server (NotFound): {res.group_resource} "{name}" not found\n'
            continue
        try:
            inv.cluster.clock.run_until(lambda: check(current()),
                                        max(0.0, deadline - inv.cluster.clock.now), "kubectl wait")
        except Timeout:
            out += f"error: timed out waiting for the condition on {res.plural}/{name}\n"
            continue
        if flags.get("output") == "name":
            out += f"{qualified(res)}/{name}\n"
        else:
            out += f"{qualified(res)}/{name} condition met\n"
    return out
