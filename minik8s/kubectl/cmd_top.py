"""``kubectl top pods|nodes``: CPU and memory in use, from the kubelets' Summary API.

In a real cluster metrics-server scrapes each kubelet's ``/stats/summary`` and serves
the ``metrics.k8s.io`` API that ``kubectl top`` reads
(https://kubernetes.io/docs/tasks/debug/debug-cluster/resource-metrics-pipeline/).
minik8s asks each kubelet (``apiserver.kubelets[node].stats_summary()``) directly.
Columns and formats are kubectl's (k8s.io/kubectl/pkg/metricsutil): CPU in
millicores (``12m``), memory in MiB (``3Mi``), node percentages of allocatable; every
cell is tab-terminated in a tabwriter with padding 3, as kubectl prints it.
"""

from __future__ import annotations

from ..api.quantity import cpu_millis, memory_bytes
from ..errors import not_found
from .describe.writer import tabwrite
from .registry import Invocation, KubectlError, command, parse_flags
from .targets import printed

FLAGS = {"namespace": "str", "all-namespaces": "bool", "selector": "str", "containers": "bool",
         "no-headers": "bool", "sort-by": "str", "sum": "bool", "use-protocol-buffers": "bool",
         "show-capacity": "bool", "field-selector": "str"}
ALIASES = {"n": "namespace", "A": "all-namespaces", "l": "selector"}


def _summaries(api) -> dict[str, dict]:
    out = {}
    for node in sorted(api.kubelets):
        kubelet = api.kubelets[node]
        if not getattr(kubelet, "running", True):
            continue
        fn = getattr(kubelet, "stats_summary", None)
        if fn is not None:
            out[node] = fn()
    return out


def _cells(values) -> str:
    return "".join(f"{v}\t" for v in values) + "\n"


def top_nodes(api, names: list[str] | None, selector: str | None, no_headers: bool, sort_by: str | None,
              show_capacity: bool) -> str:
    nodes = api.list("nodes", label_selector=selector)["items"]
    if names:
        nodes = [n for n in nodes if n["metadata"]["name"] in names]
        if not nodes:
            raise not_found("nodes", names[0])
    summaries = _summaries(api)
    rows, missing = [], []
    for n in nodes:
        name = n["metadata"]["name"]
        avail = (n.get("status") or {}).get("capacity" if show_capacity else "allocatable") or {}
        s = summaries.get(name)
        if s is None:
            missing.append(name)
            continue
        cpu, mem = s["node"]["cpu_millicores"], s["node"]["memory_bytes"]
        acpu, amem = cpu_millis(avail.get("cpu", 0)), memory_bytes(avail.get("memory", 0))
        rows.append((name, cpu, mem, int(cpu / acpu * 100) if acpu else 0,
                     int(mem / amem * 100) if amem else 0))
    if not rows and not missing:
        return "error: metrics not available yet"
    if sort_by == "cpu":
        rows.sort(key=lambda r: -r[1])
    elif sort_by == "memory":
        rows.sort(key=lambda r: -r[2])
    text = "" if no_headers else _cells(["NAME", "CPU(cores)", "CPU(%)", "MEMORY(bytes)", "MEMORY(%)"])
    for name, cpu, mem, pc, pm in rows:
        text += _cells([name, f"{cpu}m", f"{pc}%", f"{mem // (1024 * 1024)}Mi", f"{pm}%"])
    for name in missing:
        text += _cells([name, "<unknown>", "<unknown>", "<unknown>", "<unknown>"])
    return tabwrite(text, padding=3, minwidth=6)


def top_pods(api, namespace: str | None, names: list[str], selector: str | None, containers: bool,
             no_headers: bool, sort_by: str | None, show_sum: bool) -> str:
    pods = api.list("pods", namespace, label_selector=selector)["items"]
    if names:
        pods = [p for p in pods if p["metadata"]["name"] in names]
        if not pods:
            raise not_found("pods", names[0])
    usage: dict[tuple[str, str], list] = {}
    for s in _summaries(api).values():
        for p in s.get("pods") or []:
            usage[(p["namespace"], p["name"])] = p.get("containers") or []
    rows = []
    for p in pods:
        key = (p["metadata"]["namespace"], p["metadata"]["name"])
        if key not in usage or (p.get("status") or {}).get("phase") != "Running":
            continue
        rows.append((key, usage[key]))
    if not rows:
        if names:
            return f"error: Metrics not available for pod {namespace or 'default'}/{names[0]}, age: unknown"
        return f"No resources found{' in ' + namespace + ' namespace' if namespace else ''}."
    def total(cs, k):
        return sum(c.get(k, 0) for c in cs)
    if sort_by == "cpu":
        rows.sort(key=lambda r: -total(r[1], "cpu_millicores"))
    elif sort_by == "memory":
        rows.sort(key=lambda r: -total(r[1], "memory_bytes"))
    cols = (["NAMESPACE"] if namespace is None else []) + (["POD"] if containers else []) + \
        ["NAME", "CPU(cores)", "MEMORY(bytes)"]
    text = "" if no_headers else _cells(cols)
    scpu = smem = 0
    for (ns, name), cs in rows:
        lead = [ns] if namespace is None else []
        if containers:
            for c in sorted(cs, key=lambda c: c["name"]):
                text += _cells(lead + [name, c["name"], f"{c.get('cpu_millicores', 0)}m",
                                       f"{c.get('memory_bytes', 0) // (1024 * 1024)}Mi"])
        else:
            cpu, mem = total(cs, "cpu_millicores"), total(cs, "memory_bytes")
            scpu, smem = scpu + cpu, smem + mem
            text += _cells(lead + [name, f"{cpu}m", f"{mem // (1024 * 1024)}Mi"])
    if show_sum and not containers:
        pad = [""] * (len(cols) - 2)
        text += _cells(pad + ["________", "________"])
        text += _cells(pad + [f"{scpu}m", f"{smem // (1024 * 1024)}Mi"])
    return tabwrite(text, padding=3, minwidth=6)


@command("top", "Display resource (CPU/memory) usage")
@printed
def top(inv: Invocation) -> str:
    if not inv.args or inv.args[0] not in ("pod", "pods", "po", "node", "nodes", "no"):
        raise KubectlError("error: Required resource not specified.\nSee 'kubectl top -h' for help and examples"
                           if not inv.args else f'error: unknown command "{inv.args[0]}" for "kubectl top"')
    what = inv.args[0]
    pos, flags = parse_flags(inv.args[1:], FLAGS, ALIASES, verb=f"top {what}")
    if what in ("node", "nodes", "no"):
        return top_nodes(inv.api, pos, flags.get("selector"), flags.get("no-headers", False),
                         flags.get("sort-by"), flags.get("show-capacity", False))
    all_ns = flags.get("all-namespaces") or inv.all_namespaces
    ns = None if all_ns else (flags.get("namespace") or inv.ns())
    return top_pods(inv.api, ns, pos, flags.get("selector"), flags.get("containers", False),
                    flags.get("no-headers", False), flags.get("sort-by"), flags.get("sum", False))
