"""Pod states over virtual time: which pod was Pending, Running, Ready or Terminating when.

Probes, rolling updates and restarts are stories told in time: a readiness probe keeps a Running
pod out of Service endpoints for ``initialDelaySeconds`` (https://kubernetes.io/docs/concepts/
workloads/pods/pod-lifecycle/#container-probes); a rolling update keeps at most ``maxSurge`` extra
pods and at most ``maxUnavailable`` missing ones (https://kubernetes.io/docs/concepts/workloads/
controllers/deployment/#rolling-update-deployment). A :class:`Timeline` records every change to the
pods in etcd, with the virtual time it happened at, and draws one row per pod as plain SVG.

    tl = Timeline(c, selector="app=web")    # starts recording
    c.apply(deployment); c.run(60)
    tl                                       # the picture

or in one call: ``timeline(c, lambda c: c.apply(deployment), run=60, selector="app=web")``.
The state names are the STATUS column of ``kubectl get pods`` (:func:`~minik8s.viz.diagram.pod_status`),
with a Running pod shown as ``Ready`` once its Ready condition is True.
"""

from __future__ import annotations

import html

from .diagram import POD_COLOURS, pod_ready, pod_status

# The chart is drawn for a 660 px column (the book's text column is 688 px wide on a laptop) with
# 12-13 px text; on a narrower screen it shrinks to the column's width (max-width:100%), whole.
WIDTH = 660           # px, whole picture
LABEL_WIDTH = 150     # px, pod names column (widened for long names, see _label_width)
ROW = 20              # px per pod row
FONT = 13             # px, names and title
SMALL = 12            # px, states, ticks, legend
CHAR = 0.62           # average character width of Helvetica/DejaVu, in ems (to fit labels)
LEGEND_COLUMNS = 4


def pod_state(pod: dict) -> str:
    """The state a timeline shows for ``pod``: kubectl's STATUS, ``Ready`` for a ready Running pod."""
    status = pod_status(pod)
    if status == "Running" and pod_ready(pod):
        return "Ready"
    return status


class Timeline:
    """Records pod states from now on (until :meth:`stop`); shows them as an SVG chart.

    ``namespace`` (default ``"default"``, ``None`` for all) and ``selector`` (a label selector string,
    as ``kubectl get pods -l``) choose the pods.
    """

    def __init__(self, cluster, *, namespace: str | None = "default", selector: str | None = None,
                 title: str | None = None):
        from ..api.labels import parse_selector
        self.cluster = cluster
        self.namespace = namespace
        self.selector = parse_selector(selector) if selector else None
        self.title = title
        self.start = cluster.now
        self.end: float | None = None
        self.changes: list[tuple[float, str, str | None]] = []   # (time, pod name, state or None=gone)
        self._last: dict[str, str | None] = {}
        for _key, pod in cluster.store.iter_raw("pods"):
            self._see(pod, deleted=False)
        cluster.store.add_listener(self._on_event)
        self.recording = True

    def _matches(self, pod: dict) -> bool:
        md = pod.get("metadata") or {}
        if self.namespace is not None and md.get("namespace") != self.namespace:
            return False
        if self.selector is not None and not self.selector.matches(md.get("labels") or {}):
            return False
        return True

    def _see(self, pod: dict, deleted: bool) -> None:
        if not self._matches(pod):
            return
        name = pod["metadata"]["name"]
        state = None if deleted else pod_state(pod)
        if self._last.get(name, "-") != state:
            self._last[name] = state
            self.changes.append((self.cluster.now, name, state))

    def _on_event(self, ev) -> None:
        if not self.recording or ev.resource != "pods":
            return
        self._see(ev.obj if ev.type != "DELETED" else ev.prev or ev.obj, deleted=ev.type == "DELETED")

    def stop(self) -> "Timeline":
        """Stop recording; the chart ends at the current virtual time."""
        if self.recording:
            self.recording = False
            self.end = self.cluster.now
            listeners = getattr(self.cluster.store, "_listeners", None)
            if listeners is not None and self._on_event in listeners:
                listeners.remove(self._on_event)
        return self

    # --- reading -------------------------------------------------------------------------------
    def segments(self) -> dict[str, list[tuple[float, float, str]]]:
        """``{pod: [(start, end, state), ...]}``, pods in order of first appearance."""
        end = self.end if self.end is not None else self.cluster.now
        open_: dict[str, tuple[float, str]] = {}
        out: dict[str, list] = {}
        for t, name, state in self.changes:
            out.setdefault(name, [])
            if name in open_:
                t0, s0 = open_.pop(name)
                if t > t0 or not out[name]:
                    out[name].append((t0, t, s0))
            if state is not None:
                open_[name] = (t, state)
        for name, (t0, s0) in open_.items():
            out[name].append((t0, end, s0))
        return out

    def state_at(self, pod: str, t: float) -> str | None:
        """The state of ``pod`` at virtual time ``t`` (None: it did not exist)."""
        for t0, t1, state in self.segments().get(pod, []):
            if t0 <= t < t1 or (t0 == t1 == t):
                return state
        return None

    # --- drawing -------------------------------------------------------------------------------
    def svg(self) -> str:
        """The chart as an SVG string: one row per pod, time along the x axis, the whole recording.

        The SVG is :data:`WIDTH` px wide with a viewBox, and shrinks to its column when that is
        narrower (``max-width:100%``), so the whole time range is always in view.
        """
        segs = self.segments()
        t_start = self.start
        t_end = max(self.end if self.end is not None else self.cluster.now, t_start + 1e-9)
        span = t_end - t_start
        rows = list(segs)
        label_w = _label_width(rows)
        plot_w = WIDTH - label_w - 12
        states = []
        for name in rows:
            for _, _, s in segs[name]:
                if s not in states:
                    states.append(s)
        legend_rows = (len(states) + LEGEND_COLUMNS - 1) // LEGEND_COLUMNS
        top = 24 if self.title else 6
        height = top + ROW * max(len(rows), 1) + 30 + 18 * legend_rows

        def x(t):
            return label_w + (t - t_start) / span * plot_w

        out = [f'<svg xmlns="http://www.w3.org/2000/svg" width="{WIDTH}" height="{height}" '
               f'viewBox="0 0 {WIDTH} {height}" style="max-width:100%;height:auto" '
               f'font-family="Helvetica,Arial,sans-serif" font-size="{FONT}">']
        if self.title:
            out.append(f'<text x="0" y="15" font-weight="bold">{html.escape(self.title)}</text>')
        for i, name in enumerate(rows):
            y = top + i * ROW
            out.append(f'<text x="{label_w - 6}" y="{y + 14}" text-anchor="end">{html.escape(name)}</text>')
            for t0, t1, state in segs[name]:
                w = max(x(t1) - x(t0), 1.0)
                colour = POD_COLOURS[_colour_class(state)]
                out.append(f'<rect x="{x(t0):.1f}" y="{y + 2}" width="{w:.1f}" height="{ROW - 4}" '
                           f'fill="{colour}" stroke="#666" stroke-width="0.5"><title>{html.escape(name)}: '
                           f'{html.escape(state)} from T={t0:g}s to T={t1:g}s</title></rect>')
                if w > SMALL * CHAR * len(state) + 6:
                    out.append(f'<text x="{x(t0) + 3:.1f}" y="{y + 14}" font-size="{SMALL}" fill="#1b1b1b">'
                               f'{html.escape(state)}</text>')
        axis_y = top + ROW * max(len(rows), 1) + 4
        out.append(f'<line x1="{label_w}" y1="{axis_y}" x2="{label_w + plot_w}" y2="{axis_y}" stroke="#444"/>')
        ticks = _ticks(t_start, t_end)
        for k, tick in enumerate(ticks):
            anchor = "end" if k == len(ticks) - 1 and x(tick) > WIDTH - 20 else "middle"
            out.append(f'<line x1="{x(tick):.1f}" y1="{axis_y}" x2="{x(tick):.1f}" y2="{axis_y + 4}" stroke="#444"/>'
                       f'<text x="{x(tick):.1f}" y="{axis_y + 17}" text-anchor="{anchor}" font-size="{SMALL}">'
                       f'{tick:g}s</text>')
        out.append(f'<text x="{label_w - 18}" y="{axis_y + 17}" text-anchor="end" font-size="{SMALL}">virtual time</text>')
        col_w = (WIDTH - label_w) // LEGEND_COLUMNS
        for k, state in enumerate(states):
            lx = label_w + (k % LEGEND_COLUMNS) * col_w
            ly = axis_y + 26 + (k // LEGEND_COLUMNS) * 18
            out.append(f'<rect x="{lx}" y="{ly}" width="11" height="11" fill="{POD_COLOURS[_colour_class(state)]}" '
                       f'stroke="#666" stroke-width="0.5"/><text x="{lx + 15}" y="{ly + 10}" font-size="{SMALL}">'
                       f'{html.escape(state)}</text>')
        out.append("</svg>")
        return "".join(out)

    def _repr_html_(self) -> str:
        return f'<div class="minik8s-timeline" style="max-width:100%">{self.svg()}</div>'

    def __repr__(self) -> str:
        return f"<Timeline: {len(self.segments())} pods, {len(self.changes)} changes>"


def _label_width(names: list[str]) -> int:
    """The width of the pod names column: room for the longest name at :data:`FONT` px, within limits."""
    longest = max((len(n) for n in names), default=0)
    return int(min(max(LABEL_WIDTH, longest * FONT * CHAR + 12), WIDTH // 2.5))


def _colour_class(state: str) -> str:
    """Map a timeline state to a :data:`POD_COLOURS` key (the diagram's colour classes)."""
    if state in ("Ready", "Running", "Terminating", "Unknown"):
        return state
    if state in ("Completed", "Succeeded"):
        return "Succeeded"
    if state in ("Pending", "ContainerCreating", "PodInitializing"):
        return "Pending"
    if state.startswith("Init:") and state[5:6].isdigit():
        return "Pending"                  # Init:0/2: init containers still running
    return "Failed"                       # CrashLoopBackOff, Error, ImagePullBackOff, OOMKilled, ...


def _ticks(t0: float, t1: float) -> list[float]:
    """Round tick positions (1, 2, 5, 10, 20, 50... seconds apart), about eight of them."""
    span = t1 - t0
    step = 1.0
    for candidate in (0.1, 0.2, 0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 1200, 3600):
        step = candidate
        if span / candidate <= 8:
            break
    first = (int(t0 / step) + (0 if t0 % step == 0 else 1)) * step
    out, t = [], first
    while t <= t1 + 1e-9:
        out.append(round(t, 6))
        t += step
    return out


def timeline(cluster, scenario=None, *, run: float | None = None, namespace: str | None = "default",
             selector: str | None = None, title: str | None = None) -> Timeline:
    """Record pod states while ``scenario`` happens (a callable, seconds, kubectl line or list), then
    ``run`` more seconds if given; return the stopped :class:`Timeline`."""
    from .stepper import _apply_scenario
    tl = Timeline(cluster, namespace=namespace, selector=selector, title=title)
    _apply_scenario(cluster, scenario)
    if run:
        cluster.run(run)
    return tl.stop()


__all__ = ["Timeline", "pod_state", "timeline"]
