"""The reconcile stepper: a cluster's control loops, one decision at a time.

Every Kubernetes controller is a loop that observes the current state, diffs it against the desired
state and acts through the API server
(https://kubernetes.io/docs/concepts/architecture/controller/). minik8s records each turn of
every loop in ``cluster.trace`` (:mod:`minik8s.trace`). A :class:`Stepper` runs a scenario on a
cluster, keeps the steps the scenario caused, and remembers what the cluster looked like after
each one. It shows them as frames: the component acting, what it observed, the difference it
found, the API calls it made, a small diagram of the cluster at that moment and the objects table.

The frames sit in an ipywidgets ``Stack``. A slider and, in every frame, "prev / next" toggle
buttons select the frame; they are tied together with ``jslink``, which runs in the browser, so
stepping works in a live notebook and in the static HTML book alike (Python callbacks never run
in a static page, and ``ipywidgets.Play`` does not work there).
"""

from __future__ import annotations

import html
from dataclasses import dataclass

from .diagram import (VIEW_RESOURCES, WORKLOAD_KINDS, build_graph, components_of,
                      node_ready, pod_status, ready_count, render_svg, view_of)


FRAME_PODS_PER_NODE = 3      # pods drawn one by one per node in a frame; the rest are summarised
FRAME_POD_ROWS = 12          # pod rows in a frame's table before unchanged ones are summarised

# A frame is HTML inside an ipywidgets HTML widget, shown in the book and in JupyterLab alike, so its
# looks are inline: text no smaller than 12 px, long lines wrap (anywhere, if a word is longer than
# the column) instead of being cut off, and colours that read on a light panel (pydata-sphinx-theme
# puts widget outputs on a light panel in dark mode too; book/_static/minik8s.css adds the rest).
FRAME_STYLE = ("font-size:13px;line-height:1.4;max-width:100%;min-width:0;white-space:normal;"
               "overflow-wrap:anywhere;color:#1b1b1b")
COMPONENT_COLOUR = "#b03a2e"
KEY_STYLE = ("font-family:SFMono-Regular,Menlo,Consolas,'DejaVu Sans Mono',monospace;color:#174a7c;"
             "background:#e8eef7;border-radius:3px;padding:0 3px")
MUTED = "#5c5c5c"


@dataclass
class Frame:
    """One recorded step and the cluster as it was right after it."""

    step: object                        # a minik8s.trace.Step
    revision: int                       # etcd revision when the step ended
    view: dict                          # {resource: {key: obj}} at that revision
    changed: frozenset                  # (resource, key) pairs written since the previous frame


def _idle(step, changed) -> bool:
    """True for a step with nothing to show: it observed nothing, found no difference, and wrote
    none of the objects a frame draws (its API calls, if any, touched only other resources, as a
    Lease renewal does)."""
    return not step.observed and not step.diff and not changed


def _apply_scenario(cluster, scenario) -> None:
    """Run ``scenario``: a callable ``f(cluster)``, a number of seconds, a kubectl command line, or a
    list of these, in order."""
    if scenario is None:
        return
    if isinstance(scenario, (list, tuple)):
        for item in scenario:
            _apply_scenario(cluster, item)
        return
    if callable(scenario):
        scenario(cluster)
    elif isinstance(scenario, (int, float)):
        cluster.run(scenario)
    elif isinstance(scenario, str):
        cluster.kubectl(scenario)
    else:
        raise TypeError(f"a scenario step is a callable, a number of seconds or a kubectl command, "
                        f"not {type(scenario).__name__}")


class Stepper:
    """Record what ``scenario`` makes the control plane do, and show it step by step.

    ``scenario`` is a callable ``f(cluster)``, a number of seconds to run, a kubectl command line,
    or a list of these. ``components`` keeps only the steps of those components (names as in the
    trace, e.g. ``"replicaset-controller"``); ``keys`` only those object keys. ``namespace`` limits
    the diagrams and tables (default ``"default"``; ``None`` for all). At most ``max_frames`` steps
    are kept (the first ones), so a page stays light.

    A step that observed nothing, found no difference and changed none of the objects a frame
    shows (a kubelet renewing its node's Lease, say: one API call on a Lease, nothing else) makes
    no frame: there would be nothing to see in it. :attr:`skipped` counts those steps, and the
    widget's header says how many there were; ``keep_idle=True`` keeps them.

        s = Stepper(c, [lambda c: c.apply(rs_yaml), 10], components=["replicaset-controller"])
        s          # the widget
        s.frames   # the recorded frames
    """

    def __init__(self, cluster, scenario=None, *, components=None, keys=None,
                 namespace: str | None = "default", max_frames: int = 40, diagrams: bool = True,
                 title: str | None = None, keep_idle: bool = False):
        self.cluster = cluster
        self.components = list(components) if components else None
        self.keys = list(keys) if keys else None
        self.namespace = namespace
        self.max_frames = max_frames
        self.diagrams = diagrams
        self.title = title
        self.keep_idle = keep_idle
        self.frames: list[Frame] = []
        self.dropped = 0                # steps past max_frames
        self.skipped = 0                # idle steps: nothing observed, no diff, no pictured change
        self._widget = None
        if scenario is not None:
            self.record(scenario)

    # --- recording -------------------------------------------------------------------------------
    def _wanted(self, step) -> bool:
        if self.components and step.component not in self.components:
            return False
        if self.keys and step.key not in self.keys:
            return False
        return True

    def record(self, scenario) -> "Stepper":
        """Run ``scenario`` on the cluster, keeping a frame for each step it causes."""
        cluster = self.cluster
        trace, store = cluster.trace, cluster.store
        if not trace.enabled:
            raise RuntimeError("this cluster does not record a trace: create it with Cluster(..., trace=True)")
        start_rev = store.revision
        base = view_of(cluster)
        ends: list[tuple[object, int]] = []
        original_end = trace.end

        def end(step):                  # note the etcd revision at which each step finished
            original_end(step)
            if step is not None and trace.steps and trace.steps[-1] is step:
                ends.append((step, store.revision))

        trace.end = end                 # an instance attribute shadowing Trace.end, removed below
        try:
            _apply_scenario(cluster, scenario)
        finally:
            del trace.end
        events = store.events_since(start_rev)
        self._build_frames(base, events, [(s, r) for s, r in ends if self._wanted(s)])
        self._widget = None
        return self

    def _build_frames(self, base: dict, events: list, ends: list) -> None:
        """Replay etcd's events onto ``base`` to get the cluster as it was at the end of each step."""
        watched = set(VIEW_RESOURCES)
        view = {res: dict(objs) for res, objs in base.items()}
        i = 0
        last_rev = None
        for step, rev in ends:
            changed = set()
            while i < len(events) and events[i].revision <= rev:
                ev = events[i]
                i += 1
                if ev.resource not in watched:
                    continue
                if ev.type == "DELETED":
                    view[ev.resource].pop(ev.key, None)
                else:
                    view[ev.resource][ev.key] = ev.obj
                changed.add((ev.resource, ev.key))
            if last_rev is not None and rev == last_rev and self.frames:
                changed = set()
            last_rev = rev
            if not self.keep_idle and _idle(step, changed):
                self.skipped += 1
                continue
            if len(self.frames) >= self.max_frames:
                self.dropped += 1
                continue
            snapshot = {res: dict(objs) for res, objs in view.items()}
            self.frames.append(Frame(step, rev, snapshot, frozenset(changed)))

    # --- rendering -------------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.frames)

    def text(self) -> str:
        """The recorded steps as plain text (what ``print(cluster.trace.to_text())`` shows)."""
        return "\n".join(str(f.step) for f in self.frames)

    def frame_html(self, i: int) -> str:
        """The HTML of frame ``i``: the step, a small diagram and the objects table."""
        f = self.frames[i]
        s = f.step
        parts = [f'<div class="minik8s-frame" style="{FRAME_STYLE}">',
                 f'<div class="minik8s-frame-head" style="font-weight:bold;margin-bottom:0.3em">'
                 f'T={s.time:.3f}s &nbsp; <span class="minik8s-component" style="color:{COMPONENT_COLOUR}">'
                 f'{html.escape(s.component)}</span> &nbsp; reconciles <span class="minik8s-key" '
                 f'style="{KEY_STYLE}">{html.escape(s.key)}</span></div>',
                 '<table class="minik8s-steps" style="border-collapse:collapse;margin-bottom:0.4em;'
                 'width:100%;table-layout:auto">']
        for label, lines in (("observed", s.observed), ("diff", s.diff), ("API calls", s.actions)):
            body = "<br>".join(html.escape(x) for x in lines) or f'<span style="color:{MUTED}">(none)</span>'
            parts.append(f'<tr><td style="vertical-align:top;padding:1px 8px 1px 0;color:{MUTED};'
                         f'white-space:nowrap;width:1%">{label}</td><td style="padding:1px 0">{body}</td></tr>')
        parts.append("</table>")
        if self.diagrams:
            node = None
            if s.component == "kubelet":          # a kubelet acts on a pod of its own node
                before = self.frames[i - 1].view if i else {}
                pod = f.view.get("pods", {}).get(s.key) or before.get("pods", {}).get(s.key) or {}
                node = (pod.get("spec") or {}).get("nodeName")
            graph = build_graph(f.view, self._components, None, namespace=self.namespace,
                                highlight=s.component, highlight_node=node, small=True,
                                focus=f.changed | {("pods", s.key)}, max_pods=FRAME_PODS_PER_NODE)
            parts.append(f'<div class="minik8s-frame-diagram" style="max-width:100%">{render_svg(graph)}</div>')
        parts.append(objects_table(f.view, f.changed, self.namespace, focus={("pods", s.key)}))
        parts.append("</div>")
        return "".join(parts)

    @property
    def _components(self):
        return components_of(self.cluster)

    def widget(self):
        """The ipywidgets stepper: a slider, prev/next toggle buttons and the frames, linked in the browser."""
        if self._widget is None:
            self._widget = self._build_widget()
        return self._widget

    def _build_widget(self):
        import ipywidgets as W
        n = len(self.frames)
        title = html.escape(self.title or "Reconcile stepper")
        if n == 0:
            return W.HTML(f"<b>{title}</b>: the scenario caused no recorded reconcile steps.")
        note = (f" (first {n} of {n + self.dropped} steps)" if self.dropped else f" ({n} steps)")
        if self.skipped:
            note += (f"; {self.skipped} idle step{'s' if self.skipped != 1 else ''} not shown "
                     f"(nothing observed, nothing changed)")
        header = (f'<div class="minik8s-stepper-title" style="font-size:14px;white-space:normal">'
                  f"<b>{title}</b>{note}</div>")
        return frames_widget(header, [self.frame_html(i) for i in range(n)])

    def _repr_mimebundle_(self, **kwargs):
        return self.widget()._repr_mimebundle_(**kwargs)

    def __repr__(self) -> str:
        return f"<Stepper: {len(self.frames)} frames>"


def frames_widget(header_html: str, pages: list[str]):
    """HTML pages in an ipywidgets ``Stack``, stepped by a slider and prev/next buttons linked with
    ``jslink`` (browser-side, so the frames step in a static page with no kernel).

    Each frame carries its own ToggleButtons with one option per frame, all linked to the slider;
    CSS hides every button but "prev", this step and "next". Clicking "next" in frame i selects
    option i+1, which moves the slider, which shows frame i+1."""
    import ipywidgets as W
    n = len(pages)
    header = W.HTML(header_html)
    slider = W.IntSlider(value=0, min=0, max=max(n - 1, 0), description="step", readout=False,
                         continuous_update=True, layout=W.Layout(width="calc(100% - 4px)"))  # + its 2 px margins
    frames, links, css = [], [], []
    for i in range(n):
        labels = []
        for j in range(n):
            if j == i - 1:
                labels.append(("\u25c0 prev", j))
            elif j == i + 1:
                labels.append(("next \u25b6", j))
            elif j == i:
                labels.append((f"step {i + 1} / {n}", j))
            else:
                labels.append((f"{j + 1}", j))
        nav = W.ToggleButtons(options=labels, index=i, style={"button_width": "auto"})
        nav.add_class(f"mk8s-nav-{i}")
        css.append(f".mk8s-nav-{i} button{{display:none}}"
                   + "".join(f".mk8s-nav-{i} button:nth-of-type({j + 1}){{display:inline-block}}"
                             for j in (i - 1, i, i + 1) if 0 <= j < n))
        links.append(W.jslink((slider, "value"), (nav, "index")))
        frames.append(W.VBox([nav, W.HTML(pages[i])]))
    stack = W.Stack(frames, selected_index=0)
    links.append(W.jslink((slider, "value"), (stack, "selected_index")))
    style = W.HTML("<style>" + "".join(css) + "</style>")
    box = W.VBox([style, header, slider, stack], layout=W.Layout(max_width="100%", min_width="0"))
    box.add_class("minik8s-stepper")
    box._minik8s_links = links          # keep the links alive with the widget
    return box


def objects_table(view: dict, changed=frozenset(), namespace: str | None = "default", *,
                  focus=frozenset(), max_pod_rows: int | None = FRAME_POD_ROWS) -> str:
    """An HTML table of the nodes, workloads and pods in ``view``; rows changed in this step are marked.

    Past ``max_pod_rows`` pods, only the changed (or ``focus``) pods get a row each; one line counts
    the others.
    """
    rows = []
    for key in sorted(view.get("nodes", {})):
        rows.append(("node", key, node_ready(view["nodes"][key]), "", ("nodes", key)))
    for resource, short in WORKLOAD_KINDS:
        for key in sorted(view.get(resource, {})):
            obj = view[resource][key]
            if namespace is not None and obj["metadata"].get("namespace") != namespace:
                continue
            spec, st = obj.get("spec") or {}, obj.get("status") or {}
            ready = f"{st.get('readyReplicas', 0) or 0}/{spec['replicas']}" if "replicas" in spec else ""
            state = "Terminating" if obj["metadata"].get("deletionTimestamp") else ""
            rows.append((short, obj["metadata"]["name"], state, ready, (resource, key)))
    pod_keys = [k for k in sorted(view.get("pods", {}))
                if namespace is None or view["pods"][k]["metadata"].get("namespace") == namespace]
    hidden = 0
    if max_pod_rows is not None and len(pod_keys) > max_pod_rows:
        shown = [k for k in pod_keys if ("pods", k) in changed or ("pods", k) in focus]
        hidden = len(pod_keys) - len(shown)
        pod_keys = shown
    for key in pod_keys:
        pod = view["pods"][key]
        node = (pod.get("spec") or {}).get("nodeName") or "<none>"
        rows.append(("pod", pod["metadata"]["name"], f"{pod_status(pod)} on {node}", ready_count(pod),
                     ("pods", key)))
    if hidden:
        rows.append(("pod", f"... {hidden} more pods, unchanged in this step", "", "", None))
    if not rows:
        return f'<div style="color:{MUTED}">no objects</div>'
    out = ['<table class="minik8s-objects" style="border-collapse:collapse;font-size:12px">'
           '<tr style="text-align:left"><th style="padding:0 8px 0 0">KIND</th><th style="padding:0 8px 0 0">'
           'NAME</th><th style="padding:0 8px 0 0">STATUS</th><th>READY</th></tr>']
    for kind, name, status, ready, ref in rows:
        mark = ' style="background:#fff3bf"' if ref in changed else ""
        out.append(f"<tr{mark}><td style=\"padding:0 8px 0 0\">{kind}</td><td style=\"padding:0 8px 0 0\">"
                   f"{html.escape(name)}</td><td style=\"padding:0 8px 0 0\">{html.escape(status)}</td>"
                   f"<td>{ready}</td></tr>")
    out.append("</table>")
    return "".join(out)


__all__ = ["Frame", "Stepper", "objects_table"]
