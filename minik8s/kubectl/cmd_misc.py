"""Discovery and cluster information: ``api-resources``, ``api-versions``, ``version``,
``cluster-info`` and ``kubectl events``.

``api-resources`` prints the API server's discovery document (the kinds of
:mod:`minik8s.api.resources`) as NAME SHORTNAMES APIVERSION NAMESPACED KIND
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_api-resources/).
``kubectl events`` lists Events sorted by when they last happened, with
``(x3 over 5m)`` for repeated ones
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_events/).
"""

from __future__ import annotations

from ..api import resources as R
from ..errors import CONNECTION_REFUSED
from ..api.meta import parse_time
from . import output
from .printers import since, tabulate
from .registry import Invocation, KubectlError, command, parse_flags

CLIENT_VERSION = "v1.33.0"
SERVER_VERSION = "v1.33.0"
KUSTOMIZE_VERSION = "v5.6.0"
SERVER = "https://127.0.0.1:6443"


@command("api-resources", "Print the supported API resources on the server")
def api_resources(inv: Invocation) -> str:
    _pos, flags = parse_flags(inv.args, {"namespaced": "bool", "api-group": "str", "output": "str",
                                         "no-headers": "bool", "sort-by": "str", "verbs": "list",
                                         "cached": "bool", "categories": "list"},
                              {"o": "output"}, "api-resources")
    res = R.all_resources()
    if "namespaced" in flags:
        res = [r for r in res if r.namespaced == flags["namespaced"]]
    if "api-group" in flags:
        res = [r for r in res if r.group == flags["api-group"]]
    for v in flags.get("verbs") or []:
        res = [r for r in res if all(x in r.verbs for x in v.split(","))]
    if flags.get("sort-by") == "name":
        res = sorted(res, key=lambda r: r.plural)
    elif flags.get("sort-by") == "kind":
        res = sorted(res, key=lambda r: r.kind)
    fmt = flags.get("output", "")
    if fmt == "name":
        return "".join(f"{r.plural}{'.' + r.group if r.group else ''}\n" for r in res)
    rows = [] if flags.get("no-headers") else [
        ["NAME", "SHORTNAMES", "APIVERSION", "NAMESPACED", "KIND"] + (["VERBS", "CATEGORIES"] if fmt == "wide" else [])]
    for r in res:
        row = [r.plural, ",".join(r.short_names), r.api_version, "true" if r.namespaced else "false", r.kind]
        if fmt == "wide":
            row += ["[" + " ".join(r.verbs) + "]", ",".join(r.categories)]
        rows.append(row)
    return tabulate(rows)


@command("api-versions", "Print the supported API versions on the server, in the form of \"group/version\"")
def api_versions(inv: Invocation) -> str:
    parse_flags(inv.args, {}, {}, "api-versions")
    return "".join(v + "\n" for v in sorted({r.api_version for r in R.all_resources()}))


@command("version", "Print the client and server version information")
def version(inv: Invocation) -> str:
    _pos, flags = parse_flags(inv.args, {"client": "bool", "output": "str"}, {"o": "output"}, "version")
    fmt = flags.get("output", "")
    info = {"clientVersion": _info(CLIENT_VERSION), "kustomizeVersion": KUSTOMIZE_VERSION}
    if not flags.get("client"):
        info["serverVersion"] = _info(SERVER_VERSION)
    if fmt == "json":
        return output.to_json(info)
    if fmt == "yaml":
        return output.to_yaml(info)
    if fmt:
        raise KubectlError("error: --output must be 'yaml' or 'json'")
    out = f"Client Version: {CLIENT_VERSION}\nKustomize Version: {KUSTOMIZE_VERSION}\n"
    if not flags.get("client"):
        if not getattr(inv.api, "running", True):
            return out + CONNECTION_REFUSED + "\n"
        out += f"Server Version: {SERVER_VERSION}\n"
    return out


def _info(v: str) -> dict:
    major, minor, _patch = v.lstrip("v").split(".")
    return {"buildDate": "2025-04-23T13:08:11Z", "compiler": "gc", "gitCommit": "",
            "gitTreeState": "clean", "gitVersion": v, "goVersion": "go1.24.2", "major": major,
            "minor": minor, "platform": "linux/amd64"}


@command("cluster-info", "Display cluster information")
def cluster_info(inv: Invocation) -> str:
    pos, _flags = parse_flags(inv.args, {}, {}, "cluster-info")
    if pos and pos[0] == "dump":
        raise KubectlError('error: unknown command "dump" for "kubectl cluster-info"')
    out = f"Kubernetes control plane is running at {SERVER}\n"
    svcs = inv.api.list("services", "kube-system",
                        label_selector="kubernetes.io/cluster-service=true")["items"]
    for s in svcs:
        name = (s["metadata"].get("labels") or {}).get("kubernetes.io/name") or s["metadata"]["name"]
        ports = (s.get("spec") or {}).get("ports") or []
        svc = s["metadata"]["name"]
        if ports:                       # utilnet.JoinSchemeNamePort(scheme, name, port.Name)
            p0 = ports[0]
            scheme = "https" if (p0.get("name") == "https" or p0.get("port") == 443) else ""
            port_name = p0.get("name") or ""
            if scheme:
                svc = f"{scheme}:{svc}:{port_name}"
            elif port_name:
                svc = f"{svc}:{port_name}"
        link = f"{SERVER}/api/v1/namespaces/kube-system/services/{svc}/proxy"
        out += f"{name} is running at {link}\n"
    out += "\nTo further debug and diagnose cluster problems, use 'kubectl cluster-info dump'.\n"
    return out


def _event_time(ev: dict) -> float:
    """SortableEvents' eventTime: the series' last observation, else lastTimestamp, else eventTime."""
    series = ev.get("series") or {}
    for t in (series.get("lastObservedTime"), ev.get("lastTimestamp"), ev.get("eventTime")):
        v = parse_time(t) if t else None
        if v is not None:
            return v
    return 0.0


@command("events", "List events")
def events(inv: Invocation) -> str:
    _pos, flags = parse_flags(inv.args, {"for": "str", "types": "list", "watch": "bool", "output": "str",
                                         "no-headers": "bool", "chunk-size": "int"},
                              {"w": "watch", "o": "output"}, "events")
    ns = None if inv.all_namespaces else inv.ns()
    evs = inv.api.list("events", ns)["items"]
    if flags.get("for"):
        spec = flags["for"]
        kind, _, name = spec.partition("/")
        if not name:
            raise KubectlError(f"error: --for must be in resource/name form")
        res = R.lookup(kind)
        evs = [e for e in evs if (e.get("involvedObject") or {}).get("kind") == res.kind
               and (e.get("involvedObject") or {}).get("name") == name]
    types = [t for v in flags.get("types") or [] for t in v.split(",")]
    if types:
        for t in types:
            if t not in ("Normal", "Warning"):
                raise KubectlError(f"error: valid --types are Normal or Warning")
        evs = [e for e in evs if e.get("type") in types]
    evs = sorted(evs, key=_event_time)
    fmt = flags.get("output", "")
    if fmt in ("yaml", "json"):
        lst = output.as_list(evs)
        return output.to_yaml(lst) if fmt == "yaml" else output.to_json(lst)
    if not evs:
        if inv.all_namespaces:
            return "No events found.\n"
        return f"No events found in {inv.ns()} namespace.\n"
    now = inv.cluster.clock.now
    rows = [] if flags.get("no-headers") else [
        (["NAMESPACE"] if inv.all_namespaces else []) + ["LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]]
    for e in evs:
        first = since(e.get("eventTime"), now) if e.get("eventTime") else since(e.get("firstTimestamp"), now)
        series = e.get("series")
        count = e.get("count") or 0
        if series:
            interval = f"{since(series.get('lastObservedTime'), now)} (x{series.get('count')} over {first})"
        elif count > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{count} over {first})"
        else:
            interval = first
        io = e.get("involvedObject") or {}
        row = [interval, e.get("type", ""), e.get("reason", ""), f"{io.get('kind', '')}/{io.get('name', '')}",
               (e.get("message") or "").strip()]
        if inv.all_namespaces:
            row = [e["metadata"].get("namespace", "")] + row
        rows.append(row)
    return tabulate(rows)
