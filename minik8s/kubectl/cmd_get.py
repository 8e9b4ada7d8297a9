"""``kubectl get`` and ``kubectl events``: list objects as tables or in a structured format.

``get`` resolves what the user typed (``pods``, ``po``, ``pods,deploy``,
``pod/web``, ``all``), lists or gets the objects through the API server and
prints them with the table printers of :mod:`minik8s.kubectl.printers` or one
of the ``-o`` formats of :mod:`minik8s.kubectl.output`
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_get/).

``-w`` prints the current list, then watches from the list's resourceVersion
while the cluster's virtual clock advances by ``--request-timeout`` (default
0: only what is already queued at the current instant), printing each change
as a row, as ``kubectl get -w --request-timeout=30s`` does in real time.
"""

from __future__ import annotations

from ..api import resources as R
from ..errors import ApiError
from . import jsonpath, output, printers
from .gotemplate import render as gorender
from .inputs import read_inputs
from .registry import Invocation, KubectlError, command, format_error, parse_duration, parse_flags
from .targets import parse_targets

GET_FLAGS = {
    "output": "str", "selector": "str", "field-selector": "str", "show-labels": "bool",
    "sort-by": "str", "watch": "bool", "watch-only": "bool", "no-headers": "bool",
    "label-columns": "list", "ignore-not-found": "bool", "show-kind": "bool", "chunk-size": "int",
    "filename": "list", "recursive": "bool", "output-watch-events": "bool", "show-managed-fields": "bool",
    "server-print": "bool", "subresource": "str", "raw": "str", "template": "str",
    "allow-missing-template-keys": "bool",
}
GET_ALIASES = {"o": "output", "l": "selector", "w": "watch", "L": "label-columns", "f": "filename",
               "R": "recursive"}

# The "all" category, in the order discovery lists its members (core group first, then apps, batch).
def fetch(inv: Invocation, res: R.Resource, names, flags, errors: list) -> list[dict]:
    api = inv.api
    ns = None if (inv.all_namespaces or not res.namespaced) else inv.ns()
    if names is None:
        lst = api.list(res, ns, label_selector=flags.get("selector"),
                       field_selector=flags.get("field-selector"))
        return lst["items"]
    out = []
    for n in names:
        try:
            obj = api.get(res, n, ns)
        except ApiError as e:
            if e.code == 404 and flags.get("ignore-not-found"):
                continue
            errors.append(e)
            continue
        out.append(obj)
    return out


@command("get", "Display one or many resources")
def get(inv: Invocation) -> str:
    args, flags = parse_flags(inv.args, GET_FLAGS, GET_ALIASES, "get")
    fmt = flags.get("output", "")
    if fmt and fmt.split("=")[0] not in ("wide", "yaml", "json", "name", "jsonpath", "jsonpath-as-json",
                                         "custom-columns", "custom-columns-file", "go-template",
                                         "jsonpath-file", "go-template-file", "template", "templatefile"):
        raise KubectlError(f'error: unable to match a printer suitable for the output format "{fmt}", '
                           f'allowed formats are: custom-columns,custom-columns-file,go-template,'
                           f'go-template-file,json,jsonpath,jsonpath-as-json,jsonpath-file,name,template,'
                           f'templatefile,wide,yaml')
    if flags.get("filename"):
        objs_in = read_inputs(inv, flags["filename"])
        args = [f"{R.for_kind(o['kind'], o.get('apiVersion')).plural}/{o['metadata'].get('name', '')}"
                for _src, o in objs_in]
    targets, multi, single = parse_targets(args)
    if inv.all_namespaces and any(names is not None for _r, names in targets):
        raise KubectlError("error: a resource cannot be retrieved by name across all namespaces")
    if flags.get("show-kind"):
        multi = True
    errors: list[ApiError] = []
    groups: list[tuple[R.Resource, list[dict]]] = []
    for res, names in targets:
        objs = fetch(inv, res, names, flags, errors)
        if flags.get("sort-by"):
            objs = output.sort_objects(objs, flags["sort-by"])
        groups.append((res, objs))
    now = inv.cluster.clock.now
    text = render(inv, groups, flags, multi, single)
    all_objs = [o for _r, objs in groups for o in objs]
    out = text
    if any(r.kind == "Endpoints" for r, _n in targets):   # the API server's warning header (KEP-4974)
        out = "Warning: v1 Endpoints is deprecated in v1.33+; use discovery.k8s.io/v1 EndpointSlice\n" + out
    # kubectl says "No resources found" only for tables (the human-readable printer), when it wrote
    # nothing and had no error; yaml/json/name/jsonpath/custom-columns go through printGeneric.
    if fmt in ("", "wide") and not text and not errors and not flags.get("ignore-not-found") and not flags.get("watch-only"):
        if all(r.namespaced for r, _n in targets) and not inv.all_namespaces:
            out += f"No resources found in {inv.ns()} namespace.\n"
        else:
            out += "No resources found\n"
    if flags.get("watch") or flags.get("watch-only"):
        if multi:
            raise KubectlError("error: watch is only supported on individual resources and resource "
                               "collections, but 2 resources were found.")
        out = watch(inv, groups[0][0], targets[0][1], flags, out if flags.get("watch") else "", now)
    for e in errors:
        out += format_error(e) + "\n"
    return out


def render(inv: Invocation, groups, flags, multi: bool, single: bool) -> str:
    fmt = flags.get("output", "")
    now = inv.cluster.clock.now
    all_objs = [o for _r, objs in groups for o in objs]
    if fmt in ("yaml", "json") or fmt.startswith(("jsonpath", "go-template", "template")):
        doc = all_objs[0] if single and len(all_objs) == 1 else output.as_list(all_objs)
        if fmt == "yaml":
            return output.to_yaml(doc) if (all_objs or not single) else ""
        if fmt == "json":
            return output.to_json(doc) if (all_objs or not single) else ""
        if fmt.startswith(("jsonpath=", "jsonpath-as-json=", "template=", "go-template=")):
            if single and not all_objs:
                return ""
            tpl = fmt.split("=", 1)[1]
            if fmt.startswith("jsonpath-as-json="):
                vals = []
                for n in jsonpath.parse(tpl):
                    if n[0] == "expr":
                        vals.extend(jsonpath.evaluate(n[1], doc))
                return output.to_json(vals)
            if fmt.startswith(("template=", "go-template=")):
                return gorender(tpl, doc)
            return jsonpath.render(tpl, doc)
        raise KubectlError(f"error: template format specified but no template given")
    if fmt == "name":
        return "".join(output.resource_name(o) + "\n" for o in all_objs)
    if fmt.startswith("custom-columns="):
        return output.custom_columns(all_objs, fmt.split("=", 1)[1], flags.get("no-headers", False))
    if fmt == "custom-columns":
        raise KubectlError("error: custom-columns format specified but no custom columns given")
    wide = fmt == "wide"
    blocks = []
    for res, objs in groups:
        if not objs:
            continue
        show_kind = None
        if multi:
            show_kind = res.kind.lower() + (f".{res.group}" if res.group else "")
        rows = printers.table(res.kind, objs, now, wide=wide, namespace_col=inv.all_namespaces and res.namespaced,
                              show_labels=flags.get("show-labels", False), show_kind=show_kind,
                              no_headers=flags.get("no-headers", False),
                              label_columns=_label_columns(flags))
        blocks.append(printers.tabulate(rows))
    sep = "" if flags.get("no-headers") else "\n"
    return sep.join(blocks)


def _label_columns(flags) -> list[str]:
    out = []
    for v in flags.get("label-columns") or []:
        out.extend(x for x in v.split(",") if x)
    return out


def watch(inv: Invocation, res: R.Resource, names, flags, printed: str, now: float) -> str:
    """``-w``: what was printed for the list (unless --watch-only), then one row per change while the
    cluster's virtual time advances by --request-timeout. Rows keep the list's column widths and
    widen them as needed, as kubectl's tabwriter with remembered widths does."""
    cluster = inv.cluster
    timeout = parse_duration(str(inv.flags.get("request_timeout") or "0"))
    ns = None if (inv.all_namespaces or not res.namespaced) else inv.ns()
    sel, fsel = flags.get("selector"), flags.get("field-selector")
    lst = inv.api.list(res, ns, label_selector=sel, field_selector=fsel)
    events: list[tuple[str, dict, float]] = []

    def handler(typ, obj):                  # kubectl prints each row as the event arrives
        if names is None or obj["metadata"]["name"] in names:
            events.append((typ, obj, cluster.clock.now))

    w = inv.api.watch(res, handler, ns, resource_version=lst["metadata"]["resourceVersion"],
                      label_selector=sel, field_selector=fsel)
    try:
        cluster.clock.run(timeout)
    finally:
        w.stop()
    out = "" if printed.startswith("No resources found") else printed
    fmt = flags.get("output", "")
    if fmt not in ("", "wide"):
        for _typ, obj, _t in events:
            out += render(inv, [(res, [obj])], flags, False, True)
        return out
    opts = dict(wide=fmt == "wide", namespace_col=inv.all_namespaces and res.namespaced,
                show_labels=flags.get("show-labels", False), label_columns=_label_columns(flags))
    listed = [o for o in lst["items"] if names is None or o["metadata"]["name"] in names]
    base = printers.table(res.kind, listed, now, **opts)
    header = base[0]
    if flags.get("output-watch-events"):
        header = ["EVENT"] + header
        base = [header] + [["ADDED"] + r for r in base[1:]]
    widths = [printers.TAB_MIN_WIDTH] * len(header)
    for r in base:
        for i, cell in enumerate(r[:-1]):
            widths[i] = max(widths[i], len(cell) + printers.TAB_PADDING)
    lines = []
    for typ, obj, t in events:
        r = printers.table(res.kind, [obj], t, no_headers=True, **opts)[0]
        if flags.get("output-watch-events"):
            r = [typ] + r
        for i, cell in enumerate(r[:-1]):
            widths[i] = max(widths[i], len(cell) + printers.TAB_PADDING)
        lines.append("".join(cell.ljust(widths[i]) for i, cell in enumerate(r[:-1])) + r[-1])
    if lines and (flags.get("watch-only") or not out):
        lines.insert(0, "".join(h.ljust(widths[i]) for i, h in enumerate(header[:-1])) + header[-1])
    return out + "".join(line + "\n" for line in lines)
