"""Pictures of a live cluster, drawn with Graphviz from the objects in the API server.

A Kubernetes cluster is two halves (https://kubernetes.io/docs/concepts/overview/components/):
the *control plane* (kube-apiserver in front of etcd; kube-controller-manager, kube-scheduler and
others, which all talk only to the API server) and the *nodes*, each with a kubelet running pods.
:func:`diagram` draws both halves as they are now: every component with its arrow to the API
server, every node with its pods coloured by phase and readiness, and the ownership chains
Deployment -> ReplicaSet -> Pod read from ``metadata.ownerReferences``
(https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/).

Nothing here acts on the cluster: a diagram reads the objects (as ``kubectl get`` would) and the
list of components. The reconcile stepper draws one small diagram per step with the same code.

Graphviz needs a ``dot`` program. :func:`use_dot` picks the system's when there is one, otherwise
the ``graphviz-pure`` program that the pip wheel of the same name installs beside the Python
interpreter, so the book builds with nothing but pip.
"""

from __future__ import annotations

import html
import os
import re
import shutil
import sys
import sysconfig
from pathlib import Path

import graphviz

# Which kinds the pictures show, as (resource, short name used in labels).
WORKLOAD_KINDS = [("deployments", "deploy"), ("replicasets", "rs"), ("statefulsets", "sts"),
                  ("daemonsets", "ds"), ("cronjobs", "cj"), ("jobs", "job")]
VIEW_RESOURCES = ["nodes", "pods"] + [r for r, _ in WORKLOAD_KINDS]

# Pod colours by the state a reader cares about (see :func:`pod_category`).
POD_COLOURS = {
    "Pending": "#ffe08a",       # not scheduled yet, or containers being created
    "Running": "#ffc285",       # running but not Ready: no traffic from Services yet
    "Ready": "#8fd19e",         # Running and Ready
    "Succeeded": "#a9c8f5",     # every container exited 0 (Jobs)
    "Failed": "#f29b9b",        # failed, crash-looping, or cannot pull its image
    "Terminating": "#d4d4d4",   # deletionTimestamp set, shutting down
    "Unknown": "#ffffff",
}


# --- the dot program --------------------------------------------------------------------------

def dot_binary() -> str:
    """The path of the Graphviz ``dot`` program to use: the system's, else ``graphviz-pure``."""
    system = shutil.which("dot")
    if system:
        return system
    candidates = [sysconfig.get_path("scripts"), os.path.dirname(sys.executable)]
    for folder in candidates:
        if folder:
            for name in ("graphviz-pure", "graphviz-pure.exe"):
                path = Path(folder) / name
                if path.exists():
                    return str(path)
    found = shutil.which("graphviz-pure")
    if found:
        return found
    raise RuntimeError("no Graphviz `dot` program found: install Graphviz, or `pip install graphviz-pure`")


def use_dot() -> str:
    """Point the graphviz package at :func:`dot_binary` (idempotent); return the path."""
    from graphviz.backend import dot_command
    path = dot_binary()
    if Path(path).name != "dot":
        dot_command.DOT_BINARY = Path(path)
    return path


# --- reading objects --------------------------------------------------------------------------

def pod_status(pod: dict) -> str:
    """The STATUS column ``kubectl get pods`` prints for ``pod``.

    A compact form of kubectl's ``printPod`` (kubernetes/pkg/printers/internalversion/printers.go):
    the pod's phase or reason, overridden by an init container's state (``Init:0/1``,
    ``Init:CrashLoopBackOff``), then by a container's waiting or terminated reason
    (``ContainerCreating``, ``CrashLoopBackOff``, ``Completed``, ``Error``), and ``Terminating`` once
    the pod has a deletionTimestamp (https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/).
    """
    status = pod.get("status") or {}
    # The API server sets phase Pending on create; a pod without a phase has not been seen yet.
    reason = status.get("reason") or status.get("phase") or "Pending"
    init_specs = (pod.get("spec") or {}).get("initContainers") or []
    init_statuses = status.get("initContainerStatuses") or []
    initializing = False
    for i, cs in enumerate(init_statuses):
        state = cs.get("state") or {}
        term, wait = state.get("terminated"), state.get("waiting")
        restartable = (i < len(init_specs) and init_specs[i].get("restartPolicy") == "Always")
        if term and term.get("exitCode", 0) == 0:
            continue
        if restartable and cs.get("started"):
            continue                                  # a running native sidecar
        if term:
            if term.get("reason"):
                reason = "Init:" + term["reason"]
            elif term.get("signal"):
                reason = f"Init:Signal:{term['signal']}"
            else:
                reason = f"Init:ExitCode:{term.get('exitCode', 0)}"
        elif wait and wait.get("reason") and wait["reason"] != "PodInitializing":
            reason = "Init:" + wait["reason"]
        else:
            reason = f"Init:{i}/{len(init_specs)}"
        initializing = True
        break
    if not initializing:
        has_running = False
        for cs in reversed(status.get("containerStatuses") or []):
            state = cs.get("state") or {}
            wait, term = state.get("waiting"), state.get("terminated")
            if wait and wait.get("reason"):
                reason = wait["reason"]
            elif term and term.get("reason"):
                reason = term["reason"]
            elif term:
                reason = (f"Signal:{term['signal']}" if term.get("signal")
                          else f"ExitCode:{term.get('exitCode', 0)}")
            elif state.get("running") and cs.get("ready"):
                has_running = True
        if reason == "Completed" and has_running:
            reason = "Running"
    if (pod.get("metadata") or {}).get("deletionTimestamp"):
        reason = "Unknown" if status.get("reason") == "NodeLost" else "Terminating"
    return reason


def pod_ready(pod: dict) -> bool:
    """True when the pod's ``Ready`` condition is ``True`` (it receives Service traffic)."""
    for cond in (pod.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return cond.get("status") == "True"
    return False


def ready_count(pod: dict) -> str:
    """The READY column of ``kubectl get pods``: ready containers / containers. Native sidecars
    (init containers with ``restartPolicy: Always``) count as containers, as in kubectl's printPod."""
    spec, status = pod.get("spec") or {}, pod.get("status") or {}
    sidecars = {c.get("name") for c in spec.get("initContainers") or [] if c.get("restartPolicy") == "Always"}
    total = len(spec.get("containers") or []) + len(sidecars)
    ready = sum(1 for cs in status.get("containerStatuses") or [] if cs.get("ready"))
    ready += sum(1 for cs in status.get("initContainerStatuses") or []
                 if cs.get("name") in sidecars and cs.get("ready"))
    return f"{ready}/{total}"


def pod_category(pod: dict) -> str:
    """The colour class of a pod: a key of :data:`POD_COLOURS`."""
    status = pod_status(pod)
    phase = (pod.get("status") or {}).get("phase") or "Pending"
    if status == "Terminating":
        return "Terminating"
    if status in ("Completed",) or phase == "Succeeded":
        return "Succeeded"
    if phase == "Failed" or status in ("CrashLoopBackOff", "Error", "ImagePullBackOff", "ErrImagePull",
                                       "OOMKilled", "CreateContainerConfigError", "RunContainerError") \
            or status.startswith(("Init:Error", "Init:CrashLoopBackOff", "ExitCode:", "Signal:")):
        return "Failed"
    if phase == "Running":
        return "Ready" if pod_ready(pod) else "Running"
    if phase == "Pending":
        return "Pending"
    return "Unknown"


def node_ready(node: dict) -> str:
    """``Ready``, ``NotReady`` or ``Unknown``: the STATUS of ``kubectl get nodes``."""
    for cond in (node.get("status") or {}).get("conditions") or []:
        if cond.get("type") == "Ready":
            return {"True": "Ready", "False": "NotReady"}.get(cond.get("status"), "Unknown")
    return "Unknown"


def view_of(cluster) -> dict[str, dict[str, dict]]:
    """The objects a picture needs, read from etcd without copying: ``{resource: {key: obj}}``.

    The objects are the store's own; pictures only read them.
    """
    view = {}
    for resource in VIEW_RESOURCES:
        view[resource] = dict(cluster.store.iter_raw(resource))
    return view


def components_of(cluster) -> list[tuple[str, str, bool]]:
    """``(name, process, running)`` for every control-plane component, in boot order."""
    out = [("etcd", "etcd", bool(getattr(cluster.apiserver, "etcd_running", True))),
           ("kube-apiserver", "kube-apiserver", bool(getattr(cluster.apiserver, "running", True)))]
    for name, comp in cluster.components.items():
        out.append((name, getattr(comp, "process", None) or name, bool(comp.running)))
    return out


def kubelets_of(cluster) -> dict[str, bool]:
    """Node name -> whether its kubelet runs."""
    return {name: bool(k.running) for name, k in sorted(cluster.kubelets.items())}


# --- drawing ----------------------------------------------------------------------------------

def _id(*parts: str) -> str:
    return "_".join(re.sub(r"[^A-Za-z0-9]", "_", p) for p in parts)


def _controller_owner(obj: dict) -> dict | None:
    for ref in (obj.get("metadata") or {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    refs = (obj.get("metadata") or {}).get("ownerReferences") or []
    return refs[0] if refs else None


def build_graph(view: dict, components: list | None = None, kubelets: dict | None = None, *,
                namespace: str | None = None, highlight: str | None = None,
                highlight_node: str | None = None, small: bool = False, focus=frozenset(),
                max_pods: int | None = None) -> graphviz.Digraph:
    """A ``graphviz.Digraph`` of the cluster described by ``view`` (see :func:`view_of`).

    ``namespace`` limits pods and workloads to one namespace (``None``: all). ``highlight`` names a
    component (drawn bold) — the one acting in a stepper frame; ``highlight_node`` a node (its
    kubelet acting). ``small`` leaves out the control plane except the highlighted component, and
    the kubelets, for step frames. ``max_pods`` caps the pods drawn one by one per node: the rest
    (except pods whose ``("pods", key)`` is in ``focus``) become one summary box, so a frame of a
    large cluster stays small.

    The picture is laid out to fit a book's text column: arrows run left to right (a component, then
    the API server it talks to; an owner, then what it owns), and the parts are stacked top to
    bottom — control plane, then each node with its pods one under another, then the workloads — so
    that a cluster with more nodes or pods grows taller, not wider. Labels are 10 pt (9 pt in
    ``small`` frames), so at the SVG's own size they are 13 px (12 px) on screen.
    """
    fontsize = "9" if small else "10"
    g = graphviz.Digraph("cluster_diagram")
    # mclimit: keep dot's crossing minimisation from reordering the stacked parts (it does not
    # honour the anchors' flat edges once clusters are involved); the parts come out in input order.
    g.attr(rankdir="LR", fontname="Helvetica", fontsize=fontsize, newrank="true", mclimit="0.01",
           nodesep="0.12", ranksep="0.3", bgcolor="transparent")
    # The margin leaves room for fonts wider than Graphviz's Helvetica metrics (DejaVu Sans on Linux).
    g.attr("node", fontname="Helvetica", fontsize=fontsize, shape="box", style="rounded,filled",
           fillcolor="white", height="0.3", margin="0.15,0.03")
    anchors: list[str] = []             # one invisible point per part, top to bottom (see _stack)

    def anchor(graph, name):
        """An invisible point in ``graph`` that puts the part in the stack's order."""
        graph.node(name, "", shape="point", style="invis", width="0", height="0", margin="0")
        anchors.append(name)
    g.attr("edge", fontname="Helvetica", fontsize="8", arrowsize="0.6")

    def in_ns(obj):
        return namespace is None or (obj.get("metadata") or {}).get("namespace") == namespace

    # control plane -----------------------------------------------------------------------------
    comps = components or []
    if comps and (not small or (highlight and any(c[0] == highlight for c in comps))):
        with g.subgraph(name="cluster_control_plane") as cp:
            cp.attr(label="control plane", style="rounded,dashed", color="#888888")
            anchor(cp, "anchor_control_plane")
            shown = [c for c in comps if not small or c[0] in (highlight, "kube-apiserver")]
            processes: dict[str, list] = {}
            for name, process, running in shown:
                processes.setdefault(process, []).append((name, running))
            for process, members in processes.items():
                if process == "kube-controller-manager":
                    # One process, many controllers: one box listing them (the acting one marked).
                    lines = [("> " if name == highlight else "") + name + ("" if running else " (stopped)")
                             for name, running in members]
                    any_running = any(running for _, running in members)
                    attrs = {"fillcolor": "#dde7f7" if any_running else "#eeeeee",
                             "style": "rounded,filled" if any_running else "rounded,filled,dashed"}
                    if any(name == highlight for name, _ in members):
                        attrs.update(penwidth="2.5", color="#c0392b")
                    cp.node("comp_kube_controller_manager",
                            "kube-controller-manager\\n" + "\\l".join(lines) + "\\l", **attrs)
                    g.edge("comp_kube_controller_manager", "comp_kube_apiserver",
                           style="solid" if any_running else "dotted")
                else:
                    for name, running in members:
                        _component_node(cp, name, running, name == highlight)
                        if name == "etcd":
                            g.edge("comp_kube_apiserver", "comp_etcd", style="solid" if running else "dotted")
                        elif name != "kube-apiserver":
                            g.edge(_id("comp", name), "comp_kube_apiserver",
                                   style="solid" if running else "dotted")

    # workloads (ownership chains) -----------------------------------------------------------------
    drawn: set[str] = set()
    workload_nodes = []
    for resource, short in WORKLOAD_KINDS:
        for key in sorted(view.get(resource, {})):
            obj = view[resource][key]
            if not in_ns(obj):
                continue
            workload_nodes.append((resource, short, obj))
            drawn.add(obj["metadata"].get("uid", key))

    # nodes and their pods -------------------------------------------------------------------------
    pods_by_node: dict[str, list] = {}
    summarised: dict[str, str] = {}                 # pod uid -> summary box id
    for key in sorted(view.get("pods", {})):
        pod = view["pods"][key]
        if in_ns(pod):
            pods_by_node.setdefault((pod.get("spec") or {}).get("nodeName") or "", []).append(pod)
    node_names = sorted(view.get("nodes", {}))
    kubelets = kubelets or {}
    for node_name in node_names + [n for n in sorted(pods_by_node) if n and n not in view.get("nodes", {})]:
        node = view.get("nodes", {}).get(node_name, {})
        ready = node_ready(node) if node else "Unknown"
        with g.subgraph(name=_id("cluster_node", node_name)) as ng:
            acting = node_name == highlight_node
            ng.attr(label=f"{node_name} ({ready})" + (": kubelet acting" if acting else ""),
                    style="rounded,filled", fillcolor="#f7f7f7" if ready == "Ready" else "#fbe3e3",
                    color="#c0392b" if acting else "#666666", penwidth="2.5" if acting else "1")
            anchor(ng, _id("anchor_node", node_name))
            if not small:
                running = kubelets.get(node_name, True)
                kid = _id("kubelet", node_name)
                ng.node(kid, "kubelet", shape="component", style="filled" if running else "dashed,filled",
                        fillcolor="#dde7f7" if running else "#eeeeee")
                if comps:
                    # constraint=false: the arrow is drawn but does not pull node-1 up beside the
                    # API server, above the control plane.
                    g.edge(kid, "comp_kube_apiserver", style="solid" if running else "dotted", color="#7a8fb3",
                           constraint="false")
            pods = pods_by_node.get(node_name, [])
            _draw_pods(ng, _id("more", node_name), pods, focus, max_pods, summarised)
            if not pods and small:
                ng.node(_id("empty", node_name), "no pods", shape="plaintext", style="")
    unscheduled = pods_by_node.get("", [])
    if unscheduled:
        with g.subgraph(name="cluster_unscheduled") as ug:
            ug.attr(label="not scheduled", style="rounded,dashed", color="#b08800")
            anchor(ug, "anchor_unscheduled")
            _draw_pods(ug, "more_unscheduled", unscheduled, focus, max_pods, summarised)
    if workload_nodes:
        with g.subgraph(name="cluster_workloads") as wl:
            wl.attr(label="workloads", style="rounded,dashed", color="#888888")
            anchor(wl, "anchor_workloads")
            for resource, short, obj in workload_nodes:
                md = obj["metadata"]
                spec, st = obj.get("spec") or {}, obj.get("status") or {}
                label = f"{short}/{md['name']}" + _workload_counts(resource, spec, st)
                wl.node(_id("obj", md.get("uid", md["name"])), label, fillcolor="#eef3fb",
                        style="rounded,filled,dashed" if md.get("deletionTimestamp") else "rounded,filled")
    _stack(g, anchors)

    # ownership edges ------------------------------------------------------------------------------
    owned = [obj for resource, _, obj in workload_nodes]
    owned += [p for pods in pods_by_node.values() for p in pods]
    edges = set()
    for obj in owned:
        ref = _controller_owner(obj)
        if ref and ref.get("uid") in drawn:
            uid = obj["metadata"].get("uid", obj["metadata"]["name"])
            target = summarised.get(uid) or _id("obj", uid)
            edge = (_id("obj", ref["uid"]), target)
            if edge not in edges:
                edges.add(edge)
                g.edge(*edge, style="dashed", color="#4a6fa5", arrowhead="vee")
    return g


def _stack(graph, anchors: list[str]) -> None:
    """Stack the parts top to bottom in the order of their ``anchors``.

    With ``rankdir=LR`` the nodes of one rank form a column, and an edge between two nodes of the
    same rank puts its tail above its head: the anchors share the first rank and are chained by
    invisible edges, so the parts appear in this order whatever edges run between them.
    """
    if len(anchors) < 2:
        return
    with graph.subgraph() as same:
        same.attr(rank="min")
        for name in anchors:
            same.node(name)
    for upper, lower in zip(anchors, anchors[1:]):
        graph.edge(upper, lower, style="invis")


def _workload_counts(resource: str, spec: dict, status: dict) -> str:
    """The READY-style counts ``kubectl get`` shows for a workload, as a second label line."""
    if resource == "daemonsets":
        return f"\\n{status.get('numberReady', 0) or 0}/{status.get('desiredNumberScheduled', 0) or 0} ready"
    if resource == "jobs":
        return f"\\n{status.get('succeeded', 0) or 0}/{spec.get('completions') or 1} complete"
    if "replicas" in spec:
        return f"\\n{status.get('readyReplicas', 0) or 0}/{spec.get('replicas')} ready"
    return ""


def _draw_pods(graph, more_id: str, pods: list, focus, max_pods: int | None, summarised: dict):
    """Draw ``pods`` in ``graph``; past ``max_pods``, unfocused ones go into one summary box."""
    if max_pods is None or len(pods) <= max_pods:
        for pod in pods:
            _pod_node(graph, pod)
        return pods
    keep = [p for p in pods if ("pods", _pod_key(p)) in focus]
    rest = [p for p in pods if ("pods", _pod_key(p)) not in focus]
    room = max(max_pods - len(keep), 0)
    keep, rest = keep + rest[:room], rest[room:]
    for pod in keep:
        _pod_node(graph, pod)
    counts: dict[str, int] = {}
    for pod in rest:
        counts[pod_category(pod)] = counts.get(pod_category(pod), 0) + 1
        summarised[pod["metadata"].get("uid", pod["metadata"]["name"])] = more_id
    text = ", ".join(f"{n} {cat}" for cat, n in sorted(counts.items()))
    graph.node(more_id, f"+{len(rest)} more pods\\n{text}", fillcolor="#ffffff", style="rounded,filled,dashed")
    return keep


def _pod_key(pod: dict) -> str:
    md = pod.get("metadata") or {}
    return f"{md.get('namespace')}/{md.get('name')}"


def _component_node(graph, name: str, running: bool, highlighted: bool) -> None:
    attrs = {"fillcolor": "#dde7f7" if running else "#eeeeee",
             "style": "rounded,filled" if running else "rounded,filled,dashed"}
    if name == "etcd":
        attrs["shape"] = "cylinder"
        attrs["style"] = "filled" if running else "filled,dashed"
    if highlighted:
        attrs["penwidth"] = "2.5"
        attrs["color"] = "#c0392b"
    label = name if running else f"{name}\\n(stopped)"
    graph.node(_id("comp", name), label, **attrs)


def _pod_node(graph, pod: dict) -> None:
    md = pod["metadata"]
    category = pod_category(pod)
    label = f"{md['name']}\\n{pod_status(pod)} {ready_count(pod)}"
    style = "rounded,filled,dashed" if category == "Terminating" else "rounded,filled"
    graph.node(_id("obj", md.get("uid", md["name"])), label, fillcolor=POD_COLOURS[category], style=style,
               tooltip=f"pod {md.get('namespace', '')}/{md['name']}")


SVG_FIT_STYLE = "max-width:100%;height:auto"     # inline, so it also holds in JupyterLab
# No label smaller than 9 pt, which is 12 px on screen at the picture's own size: render_svg raises
# smaller font sizes (an edge label at 8 pt, a <FONT POINT-SIZE="8"> in an HTML label) in any
# diagram, whichever module drew it.
MIN_FONTSIZE = 9
_MIN_FONTSIZE = re.compile(r'\b(fontsize|POINT-SIZE)="?([\d.]+)"?', re.I)    # attributes, HTML labels

_SVG_PROLOGUE = re.compile(r"^.*?(?=<svg)", re.S)
_SVG_COMMENT = re.compile(r"<!--.*?-->", re.S)
_SVG_ID = re.compile(r' id="[^"]*"')
_SVG_TITLE = re.compile(r"<title>[^<]*</title>\n?")


def render_svg(graph: graphviz.Digraph, scale: float | None = None) -> str:
    """Render ``graph`` to an SVG fragment fit to inline in HTML (no XML prologue, ids or comments)."""
    use_dot()
    source = _MIN_FONTSIZE.sub(lambda m: f'{m.group(1)}="{MIN_FONTSIZE}"'
                               if float(m.group(2)) < MIN_FONTSIZE else m.group(0), graph.source)
    if source != graph.source:
        graph = graphviz.Source(source)
    svg = graph.pipe(format="svg", encoding="utf-8", quiet=True)   # dot warnings would fail -W builds
    svg = _SVG_PROLOGUE.sub("", svg, count=1)
    svg = _SVG_COMMENT.sub("", svg)
    svg = _SVG_ID.sub("", svg)          # many diagrams share one page: ids would clash
    svg = _SVG_TITLE.sub("", svg)
    if scale is not None:
        svg = re.sub(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"',
                     lambda m: f'<svg width="{float(m.group(1)) * scale:.0f}pt" '
                               f'height="{float(m.group(2)) * scale:.0f}pt"', svg, count=1)
    # Never wider than the column it sits in: shrink to fit (keeping proportions) on a narrow screen.
    svg = svg.replace("<svg ", f'<svg style="{SVG_FIT_STYLE}" ', 1)
    return svg.strip()


class Diagram:
    """A cluster picture. Shows as inline SVG in a notebook; ``.svg()`` gives the text, ``.source`` the dot."""

    def __init__(self, graph: graphviz.Digraph, caption: str | None = None):
        self.graph = graph
        self.caption = caption
        self._svg: str | None = None

    @property
    def source(self) -> str:
        return self.graph.source

    def svg(self) -> str:
        if self._svg is None:
            self._svg = render_svg(self.graph)
        return self._svg

    def _repr_html_(self) -> str:
        cap = (f'<div class="minik8s-caption" style="font-size:13px;color:#555">{html.escape(self.caption)}</div>'
               if self.caption else "")
        return f'<div class="minik8s-diagram" style="max-width:100%;overflow-x:auto">{self.svg()}{cap}</div>'

    def __repr__(self) -> str:
        return f"<Diagram: {len(self.graph.body)} statements>"


def diagram(cluster, namespace: str | None = None, *, control_plane: bool = True,
            caption: str | None = None, max_pods: int | None = None) -> Diagram:
    """Draw ``cluster`` as it is now: control plane, nodes with their pods, ownership.

    ``namespace`` limits pods and workloads to one namespace (default: all). Pods are coloured by
    :func:`pod_category`: yellow Pending, orange Running but not Ready, green Ready, blue Succeeded,
    red Failed or crash-looping, grey Terminating. ``max_pods`` draws at most that many pods per
    node one by one and summarises the rest in one box (for large clusters).
    """
    graph = build_graph(view_of(cluster), components_of(cluster) if control_plane else None,
                        kubelets_of(cluster), namespace=namespace, max_pods=max_pods)
    return Diagram(graph, caption if caption is not None else f"T={cluster.now:g}s")


def legend_html() -> str:
    """A small HTML legend of the pod colours."""
    items = "".join(
        f'<span style="display:inline-block;margin-right:0.8em"><span style="display:inline-block;'
        f'width:0.9em;height:0.9em;background:{colour};border:1px solid #888;vertical-align:middle">'
        f'</span> {name}</span>' for name, colour in POD_COLOURS.items() if name != "Unknown")
    return f'<div class="minik8s-legend" style="font-size:13px">{items}</div>'


__all__ = ["Diagram", "POD_COLOURS", "build_graph", "components_of", "diagram", "dot_binary",
           "legend_html", "node_ready", "pod_category", "pod_ready", "pod_status", "ready_count",
           "render_svg", "use_dot", "view_of"]
