"""minik8s.viz: diagrams, the reconcile stepper, timelines and show_source.

Until the kubelet, scheduler and controllers are wired in, these tests build pods and nodes by hand
through the API server of a ``Cluster(nodes=0)``, as a kubelet or controller would write them.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from minik8s import Cluster
from minik8s.viz import Stepper, diagram, show_source, source_of, timeline
from minik8s.viz.diagram import (POD_COLOURS, build_graph, dot_binary, pod_category, pod_status, render_svg,
                                 ready_count, use_dot, view_of)
from minik8s.viz.source import resolve
from minik8s.viz.timeline import Timeline

ROOT = Path(__file__).resolve().parent.parent


# --- helpers: objects as the components would write them --------------------------------------

def make_node(c, name, ready=True):
    node = c.apiserver.create("nodes", {"apiVersion": "v1", "kind": "Node", "metadata": {"name": name}})
    node["status"] = {"conditions": [{"type": "Ready", "status": "True" if ready else "False"}]}
    return c.apiserver.update("nodes", node, subresource="status")


def make_pod(c, name, node=None, owner=None, labels=None):
    pod = {"apiVersion": "v1", "kind": "Pod",
           "metadata": {"name": name, "namespace": "default", "labels": labels or {"app": "web"}},
           "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}
    if node:
        pod["spec"]["nodeName"] = node
    if owner:
        pod["metadata"]["ownerReferences"] = [{"apiVersion": "apps/v1", "kind": owner["kind"],
                                               "name": owner["metadata"]["name"],
                                               "uid": owner["metadata"]["uid"], "controller": True}]
    return c.apiserver.create("pods", pod)


def set_pod_state(c, name, phase, ready=False, waiting=None):
    pod = c.apiserver.get("pods", name, "default")
    state = {"waiting": {"reason": waiting}} if waiting else ({"running": {}} if phase == "Running" else {})
    pod["status"] = {"phase": phase,
                     "conditions": [{"type": "Ready", "status": "True" if ready else "False"}],
                     "containerStatuses": [{"name": "nginx", "ready": ready, "state": state}]}
    return c.apiserver.update("pods", pod, "default", subresource="status")


DEPLOYMENT = {"apiVersion": "apps/v1", "kind": "Deployment",
              "metadata": {"name": "web", "namespace": "default"},
              "spec": {"replicas": 2, "selector": {"matchLabels": {"app": "web"}},
                       "template": {"metadata": {"labels": {"app": "web"}},
                                    "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}}}}


def make_deployment_chain(c):
    dep = c.apiserver.create("deployments", DEPLOYMENT, "default")
    rs = dict(DEPLOYMENT, kind="ReplicaSet")
    rs["metadata"] = {"name": "web-5d4f8", "namespace": "default", "labels": {"app": "web"},
                      "ownerReferences": [{"apiVersion": "apps/v1", "kind": "Deployment", "name": "web",
                                           "uid": dep["metadata"]["uid"], "controller": True}]}
    rs = c.apiserver.create("replicasets", rs, "default")
    return dep, rs


# --- the dot program ----------------------------------------------------------------------------

def test_a_dot_program_is_found_and_renders():
    path = use_dot()
    assert Path(path).exists() and path == dot_binary()
    import graphviz
    svg = graphviz.Digraph(body=["a -> b"]).pipe(format="svg", encoding="utf-8")
    assert "<svg" in svg


# --- pod_status: kubectl's STATUS column --------------------------------------------------------
# Rules from kubectl's printPod (kubernetes/pkg/printers/internalversion/printers.go) and the pod
# lifecycle page: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/

def _pod(phase="Pending", containers=None, init=None, init_specs=0, deleting=False, reason=None):
    pod = {"metadata": {"name": "p"}, "spec": {"containers": [{"name": "c"}]},
           "status": {"phase": phase}}
    if containers is not None:
        pod["status"]["containerStatuses"] = containers
    if init is not None:
        pod["status"]["initContainerStatuses"] = init
        pod["spec"]["initContainers"] = [{"name": f"i{k}"} for k in range(init_specs or len(init))]
    if deleting:
        pod["metadata"]["deletionTimestamp"] = "2025-01-01T00:00:10Z"
    if reason:
        pod["status"]["reason"] = reason
    return pod


@pytest.mark.parametrize("pod, expected", [
    (_pod("Pending"), "Pending"),
    (_pod("Pending", [{"state": {"waiting": {"reason": "ContainerCreating"}}}]), "ContainerCreating"),
    (_pod("Running", [{"ready": True, "state": {"running": {}}}]), "Running"),
    (_pod("Running", [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]), "CrashLoopBackOff"),
    (_pod("Succeeded", [{"state": {"terminated": {"exitCode": 0, "reason": "Completed"}}}]), "Completed"),
    (_pod("Failed", [{"state": {"terminated": {"exitCode": 137}}}]), "ExitCode:137"),
    (_pod("Pending", [], init=[{"state": {"running": {}}}], init_specs=2), "Init:0/2"),
    (_pod("Pending", [], init=[{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}]), "Init:CrashLoopBackOff"),
    (_pod("Running", [{"ready": True, "state": {"running": {}}}], deleting=True), "Terminating"),
    (_pod("Failed", reason="Evicted"), "Evicted"),
])
def test_pod_status_is_kubectls_status_column(pod, expected):
    assert pod_status(pod) == expected


def test_pod_colour_follows_phase_and_readiness():
    assert pod_category(_pod("Pending")) == "Pending"
    assert pod_category(_pod("Running", [{"ready": False, "state": {"running": {}}}])) == "Running"
    ready = _pod("Running", [{"ready": True, "state": {"running": {}}}])
    ready["status"]["conditions"] = [{"type": "Ready", "status": "True"}]
    assert pod_category(ready) == "Ready"
    assert pod_category(_pod("Running", [{"state": {"waiting": {"reason": "CrashLoopBackOff"}}}])) == "Failed"
    assert pod_category(_pod("Running", [{"ready": True, "state": {"running": {}}}], deleting=True)) == "Terminating"
    assert ready_count(ready) == "1/1"


# --- diagram -------------------------------------------------------------------------------------

def test_diagram_draws_nodes_pods_and_control_plane():
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    make_node(c, "node-2", ready=False)
    make_pod(c, "web-a", node="node-1")
    make_pod(c, "web-b")                                  # not scheduled
    set_pod_state(c, "web-a", "Running", ready=True)
    d = c.diagram()
    svg = html.unescape(d.svg())
    for text in ("node-1 (Ready)", "node-2 (NotReady)", "web-a", "web-b", "not scheduled",
                 "kube-apiserver", "etcd", "namespace-controller", "kube-controller-manager"):
        assert text in svg, text
    # the Ready pod is green, the unscheduled one yellow
    src = d.source
    assert re.search(r'web-a\\nRunning 1/1"[^\]]*fillcolor="%s"' % POD_COLOURS["Ready"], src)
    assert re.search(r'web-b\\nPending 0/1"[^\]]*fillcolor="%s"' % POD_COLOURS["Pending"], src)
    # every control-plane component points at the API server
    assert "comp_kube_controller_manager -> comp_kube_apiserver" in src
    assert "comp_kube_apiserver -> comp_etcd" in src
    assert "<?xml" not in svg and ' id="' not in svg          # fit to inline many times in one page
    assert d._repr_html_().startswith('<div class="minik8s-diagram"')


def test_diagram_shows_ownership_deployment_replicaset_pods():
    """Ownership from metadata.ownerReferences:
    https://kubernetes.io/docs/concepts/overview/working-with-objects/owners-dependents/"""
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    dep, rs = make_deployment_chain(c)
    pod = make_pod(c, "web-5d4f8-x1", node="node-1", owner=rs)
    src = diagram(c).source
    uid = lambda o: re.sub(r"[^A-Za-z0-9]", "_", o["metadata"]["uid"])
    assert f"obj_{uid(dep)} -> obj_{uid(rs)}" in src
    assert f"obj_{uid(rs)} -> obj_{uid(pod)}" in src
    assert "deploy/web" in src and "rs/web-5d4f8" in src


def test_diagram_marks_stopped_components():
    c = Cluster(nodes=0)
    c.stop("namespace-controller")
    svg = html.unescape(c.diagram().svg())
    assert "namespace-controller" in svg and "(stopped)" in svg


def test_diagram_namespace_filter():
    c = Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "other"}})
    make_pod(c, "here")
    c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "there",
                        "namespace": "other"}, "spec": {"containers": [{"name": "c", "image": "nginx"}]}})
    assert "there" in diagram(c).source and "here" in diagram(c).source
    only = diagram(c, "default").source
    assert "here" in only and "there" not in only


# --- stepper -------------------------------------------------------------------------------------

def namespace_scenario():
    c = Cluster(nodes=0)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}})
    c.apply({"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": "settings", "namespace": "demo"},
             "data": {"colour": "blue"}})
    return c


def test_stepper_records_the_steps_a_scenario_causes():
    """Deleting a namespace: the namespace controller empties it, then removes the finalizer
    (https://kubernetes.io/docs/concepts/overview/working-with-objects/namespaces/)."""
    c = namespace_scenario()
    before = len(c.trace)
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], namespace=None)
    assert len(s) == len(c.trace) - before == 2
    first, second = s.frames
    assert first.step.component == "namespace-controller" and first.step.key == "demo"
    assert any("delete configmaps demo/settings" in a for a in first.step.actions)
    assert second.step.time > first.step.time
    html0 = s.frame_html(0)
    assert "namespace-controller" in html0 and "delete configmaps demo/settings" in html0
    assert "T=0.000s" in html0
    assert "> namespace-controller" in html.unescape(html0)            # the acting controller is marked
    assert s.text().count("namespace-controller") == 2


def test_stepper_frames_show_the_cluster_at_that_step():
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}})
    pod = {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": "doomed", "namespace": "demo"},
           "spec": {"containers": [{"name": "c", "image": "nginx"}]}}
    c.apiserver.create("pods", pod)
    c.run(1)
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], namespace=None,
                components=["namespace-controller"])
    keys_before = set(view_of(c)["pods"])
    assert "demo/doomed" not in keys_before                    # gone at the end ...
    # ... and the first frame is taken after the controller deleted it: the pod row is gone or
    # terminating, and the frame marks what changed.
    first = s.frames[0]
    pod_now = first.view["pods"].get("demo/doomed")
    assert pod_now is None or pod_now["metadata"].get("deletionTimestamp")
    assert ("pods", "demo/doomed") in first.changed


def test_stepper_filters_and_limits():
    c = namespace_scenario()
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], components=["kube-scheduler"])
    assert len(s) == 0
    assert "no recorded reconcile steps" in s.widget().value
    c = namespace_scenario()
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], max_frames=1)
    assert len(s) == 1 and s.dropped == 1


def test_stepper_widget_is_linked_in_the_browser_without_play():
    import ipywidgets as W
    c = namespace_scenario()
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], namespace=None)
    box = s.widget()
    stack = [w for w in box.children if isinstance(w, W.Stack)][0]
    slider = [w for w in box.children if isinstance(w, W.IntSlider)][0]
    assert len(stack.children) == len(s) and slider.max == len(s) - 1
    navs = [f.children[0] for f in stack.children]
    assert all(isinstance(n, W.ToggleButtons) for n in navs)
    links = box._minik8s_links
    assert all(type(link).__name__ == "Link" for link in links)   # jslink: runs in the browser
    linked = {(id(link.source[0]), link.source[1], id(link.target[0]), link.target[1]) for link in links}
    assert (id(slider), "value", id(stack), "selected_index") in linked
    for nav in navs:
        assert (id(slider), "value", id(nav), "index") in linked
    # frame 0's "next" button is option 1; frame 1's "prev" is option 0
    assert navs[0].options[1][0] == "next \u25b6" and navs[1].options[0][0] == "\u25c0 prev"

    def walk(w):
        yield w
        for child in getattr(w, "children", ()):
            yield from walk(child)
    assert not any(isinstance(w, W.Play) for w in walk(box))
    assert "application/vnd.jupyter.widget-view+json" in s._repr_mimebundle_()


def test_stepper_scenario_errors_are_clear():
    c = namespace_scenario()
    with pytest.raises(TypeError, match="a scenario step is a callable"):
        Stepper(c, [object()])
    assert not hasattr(c.trace, "__dict__") or "end" not in c.trace.__dict__   # recording hook removed


def test_stepper_frames_stay_light():
    """A page should stay under 2 MB: 40 frames of a small cluster must be far below that."""
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    make_node(c, "node-2")
    dep, rs = make_deployment_chain(c)
    for i in range(6):
        make_pod(c, f"web-{i}", node=f"node-{1 + i % 2}", owner=rs)
    c.apply({"apiVersion": "v1", "kind": "Namespace", "metadata": {"name": "demo"}})
    s = Stepper(c, [lambda c: c.delete("namespace", "demo", None), 5], namespace="default")
    size = sum(len(s.frame_html(i)) for i in range(len(s)))
    assert size / max(len(s), 1) < 40_000                        # bytes per frame


# --- timeline ------------------------------------------------------------------------------------

def test_timeline_records_pod_states_over_virtual_time():
    """Pod phases and the Ready condition: https://kubernetes.io/docs/concepts/workloads/pods/pod-lifecycle/"""
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    tl = Timeline(c, selector="app=web")

    def scenario(c):
        make_pod(c, "web-1", node="node-1")
        make_pod(c, "other", labels={"app": "db"})
        c.run(5)
        set_pod_state(c, "web-1", "Pending", waiting="ContainerCreating")
        c.run(1)
        set_pod_state(c, "web-1", "Running", ready=False)
        c.run(3)
        set_pod_state(c, "web-1", "Running", ready=True)
        c.run(4)
        c.delete("pod", "web-1", grace_period_seconds=0)
        c.run(2)

    from minik8s.viz.stepper import _apply_scenario
    _apply_scenario(c, scenario)
    tl.stop()
    segs = tl.segments()
    assert list(segs) == ["web-1"]                                 # the selector left "other" out
    assert segs["web-1"] == [(0.0, 5.0, "Pending"), (5.0, 6.0, "ContainerCreating"),
                             (6.0, 9.0, "Running"), (9.0, 13.0, "Ready")]
    assert tl.state_at("web-1", 7.5) == "Running" and tl.state_at("web-1", 14) is None
    svg = tl.svg()
    assert svg.startswith("<svg") and svg.count("<rect") == 4 + 4    # 4 segments + 4 legend swatches
    assert POD_COLOURS["Ready"] in svg and "virtual time" in svg
    c.run(10)
    assert tl.end == 15.0 and len(tl.changes) == 5                 # stopped: nothing more recorded


def test_timeline_function_runs_the_scenario():
    c = Cluster(nodes=0)
    tl = timeline(c, lambda c: make_pod(c, "solo"), run=30)
    assert tl.segments() == {"solo": [(0.0, 30.0, "Pending")]}
    assert "solo" in tl._repr_html_()


# --- show_source -----------------------------------------------------------------------------------

def test_show_source_by_dotted_name():
    src = show_source("minik8s.trace.Step")
    assert "class Step" in src.code and src.file == "minik8s/trace.py"
    md = src._repr_markdown_()
    assert md.startswith("`minik8s.trace.Step` in `minik8s/trace.py`") and "```python" in md
    assert "def run_until" in source_of("minik8s.cluster.Cluster.run_until")
    assert source_of("minik8s.viz.diagram.pod_status").startswith("def pod_status")


@pytest.mark.parametrize("bad", ["minik8s.trace.NoSuchThing", "minik8s.no_such_module.f", "os.path.join", ""])
def test_show_source_rejects_what_does_not_resolve(bad):
    with pytest.raises(LookupError):
        source_of(bad)


SHOW_SOURCE = re.compile(r"""show_source\(\s*["']([^"']+)["']""")


def test_every_symbol_the_book_shows_resolves():
    """The book points at code by name; a name that no longer resolves fails the build (STYLE.md)."""
    pages = sorted((ROOT / "book").rglob("*.md"))
    pages = [p for p in pages if "_vendor" not in p.parts and "_build" not in p.parts]
    assert pages, "no book pages found"
    missing = []
    for page in pages:
        for symbol in SHOW_SOURCE.findall(page.read_text(encoding="utf-8")):
            try:
                resolve(symbol)
            except LookupError as e:
                missing.append(f"{page.relative_to(ROOT)}: {e}")
    assert not missing, "\n".join(missing)


def test_build_graph_is_deterministic():
    c = Cluster(nodes=0)
    make_node(c, "node-2")
    make_node(c, "node-1")
    for name in ("b", "a", "c"):
        make_pod(c, name, node="node-1")
    v = view_of(c)
    assert build_graph(v).source == build_graph(v).source
    assert diagram(c).svg() == diagram(c).svg()


def test_stepper_frame_marks_the_node_whose_kubelet_acts():
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    make_node(c, "node-2")
    make_pod(c, "web-a", node="node-2")
    graph = build_graph(view_of(c), None, None, highlight="kubelet", highlight_node="node-2", small=True)
    assert 'label="node-2 (Ready): kubelet acting"' in graph.source
    assert 'label="node-1 (Ready)"' in graph.source
    assert "control plane" not in graph.source


def test_large_clusters_are_summarised_in_frames_and_tables():
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    for i in range(10):
        make_pod(c, f"web-{i}", node="node-1")
    src = diagram(c, max_pods=4).source
    assert src.count("Pending 0/1") == 4 and "+6 more pods" in src and "6 Pending" in src
    assert diagram(c).source.count("Pending 0/1") == 10                  # no cap by default
    from minik8s.viz.stepper import objects_table
    table = objects_table(view_of(c), changed={("pods", "default/web-7")}, max_pod_rows=5)
    assert "web-7" in table and "web-3" not in table and "9 more pods, unchanged" in table
    assert "web-3" in objects_table(view_of(c), max_pod_rows=None)


# --- issue 20: steppers skip idle steps; figures fit a text column -----------------------------

def test_stepper_skips_steps_with_nothing_observed_and_nothing_changed():
    """A kubelet renews its node's Lease every 10 s (https://kubernetes.io/docs/concepts/architecture/
    leases/#node-heart-beats): one API call on a Lease, nothing observed, no diff, no Node or Pod
    written. Such a step makes no frame; keep_idle=True keeps it; the count is reported."""
    c = Cluster(nodes=1, seed=0)
    c.run(30)
    s = Stepper(c, 30, components=["kubelet"], namespace=None)
    assert len(s) == 0 and s.skipped == 3                    # T=40, 50, 60: three renewals
    assert "3 idle steps not shown" in s.widget().value or "no recorded" in s.widget().value
    c = Cluster(nodes=1, seed=0)
    c.run(30)
    kept = Stepper(c, 30, components=["kubelet"], namespace=None, keep_idle=True)
    assert [f.step.key for f in kept.frames] == ["lease/node-1"] * 3 and kept.skipped == 0
    assert all(f.step.actions == ["update leases kube-node-lease/node-1"] for f in kept.frames)


def test_idle_means_no_observation_no_diff_and_no_pictured_change():
    from minik8s.trace import Step
    from minik8s.viz.stepper import _idle
    lease = Step(1, 10.0, "kubelet", "lease/node-1", actions=["update leases kube-node-lease/node-1"])
    assert _idle(lease, set())
    assert not _idle(lease, {("pods", "default/web")})         # it wrote something the frame draws
    assert not _idle(Step(2, 10.0, "kubelet", "default/web", observed=["pod web: 1 container"]), set())
    assert not _idle(Step(3, 10.0, "replicaset-controller", "default/web", diff=["want 3, have 2"]), set())


def test_a_stepper_with_idle_steps_keeps_the_others_and_stays_deterministic():
    def run():
        c = Cluster(nodes=2, seed=0)
        c.apply(DEPLOYMENT)
        c.run(30)
        victim = sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))[0]
        return Stepper(c, [f"delete pod {victim} --wait=false", 30],
                       components=["replicaset-controller", "kube-scheduler", "kubelet"])
    a, b = run(), run()
    assert a.text() == b.text() and a.skipped == b.skipped > 0
    assert all(f.step.observed or f.step.diff or f.changed for f in a.frames)
    comps = {f.step.component for f in a.frames}
    assert {"replicaset-controller", "kube-scheduler", "kubelet"} <= comps
    assert f"{a.skipped} idle step" in a.widget().children[1].value


def _svg_size_px(svg: str) -> tuple[float, float]:
    m = re.match(r'<svg[^>]* width="([\d.]+)(pt|px)?" height="([\d.]+)(pt|px)?"', svg)
    k = 4 / 3 if m.group(2) == "pt" else 1.0            # CSS: 1pt = 4/3 px
    return float(m.group(1)) * k, float(m.group(3)) * k


def _min_font_px(svg: str) -> float:
    """The smallest font size in an SVG drawn at its own size, in CSS px (Graphviz writes pt)."""
    k = 4 / 3 if re.match(r'<svg[^>]* width="[\d.]+pt"', svg) else 1.0
    sizes = [float(x) for x in re.findall(r'font-size="([\d.]+)"', svg)]
    return min(sizes) * k


BOOK_COLUMN_PX = 688          # the text column of the book at 1280 px (pydata-sphinx-theme)


def intro_cluster(nodes=2, replicas=3):
    c = Cluster(nodes=nodes, seed=0)
    dep = {**DEPLOYMENT, "spec": {**DEPLOYMENT["spec"], "replicas": replicas}}
    c.apply(dep)
    c.run(30)
    return c


def test_cluster_diagram_fits_the_book_column_with_legible_text():
    """The intro's cluster (control plane, two nodes, three pods) was 1,488 px wide; it must fit the
    688 px column at its own size, so its labels are not scaled below 13 px (10 pt)."""
    svg = intro_cluster().diagram().svg()
    width, _ = _svg_size_px(svg)
    assert width <= BOOK_COLUMN_PX, width
    assert _min_font_px(svg) >= 12
    assert 'style="max-width:100%;height:auto"' in svg.split(">", 1)[0]     # shrinks on a phone


def test_a_bigger_cluster_grows_taller_not_wider():
    small_w, small_h = _svg_size_px(intro_cluster(nodes=1, replicas=1).diagram().svg())
    big_w, big_h = _svg_size_px(intro_cluster(nodes=3, replicas=10).diagram().svg())
    assert big_w <= BOOK_COLUMN_PX and big_w <= small_w + 40, (small_w, big_w)
    assert big_h > small_h


@pytest.mark.parametrize("replicas", [3, 4, 6, 10])
def test_diagram_parts_are_stacked_control_plane_nodes_workloads(replicas):
    """The whole-cluster picture reads top to bottom: control plane, node-1, node-2, node-3, then the
    workloads. (Stepper frames, drawn with ``small=True``, have no kubelets to hold the nodes'
    places, and dot may order their parts differently.)"""
    import graphviz
    use_dot()
    c = intro_cluster(nodes=3, replicas=replicas)
    g = build_graph(view_of(c), __import__("minik8s.viz.diagram", fromlist=["components_of"]).components_of(c))
    plain = g.pipe(format="plain", encoding="utf-8")
    y = {p[1]: float(p[3]) for p in (line.split() for line in plain.splitlines())
         if p[0] == "node" and p[1].startswith("anchor_")}
    order = sorted(y, key=lambda k: -y[k])                  # plain y grows upwards
    assert order == ["anchor_control_plane", "anchor_node_node_1", "anchor_node_node_2",
                     "anchor_node_node_3", "anchor_workloads"], order
    assert isinstance(g, graphviz.Digraph)


def test_stepper_frames_fit_and_their_text_is_at_least_12px():
    c = intro_cluster(nodes=3, replicas=6)
    victim = sorted(p["metadata"]["name"] for p in c.list("pods", selector="app=web"))[0]
    s = Stepper(c, [f"delete pod {victim} --wait=false", 30], components=["replicaset-controller"])
    frame = s.frame_html(0)
    svg = frame[frame.index("<svg"):frame.index("</svg>") + 6]
    assert _svg_size_px(svg)[0] <= BOOK_COLUMN_PX and _min_font_px(svg) >= 12
    assert 'style="max-width:100%;height:auto"' in svg.split(">", 1)[0]
    px = [float(x) for x in re.findall(r"font-size:\s*([\d.]+)px", frame)]
    assert px and min(px) >= 12
    assert not re.search(r"font-size:\s*[\d.]+em", frame)          # no size relative to a small parent
    assert "overflow-wrap:anywhere" in frame                        # long lines wrap, never cut off
    # the object's name in the header has its own colours (readable on the dark theme's light panel)
    assert re.search(r'<span class="minik8s-key" style="[^"]*color:#[0-9a-f]{6}', frame)


def test_timeline_shows_the_whole_range_and_fits_the_column():
    """Chapter 4's hello timeline ran 100 s but showed 0-35 s: the whole range must be drawn within
    the SVG's width, which fits the column, with text of at least 12 px."""
    c = Cluster(nodes=0)
    make_node(c, "node-1")
    tl = Timeline(c)
    make_pod(c, "a-pod-with-a-rather-long-name-0123456789", node="node-1")
    c.run(100)
    svg = tl.stop().svg()
    width, _ = _svg_size_px(svg)
    assert width <= BOOK_COLUMN_PX and 'viewBox="0 0 ' in svg and "max-width:100%" in svg
    assert _min_font_px(svg) >= 12
    rects = [(float(x), float(w)) for x, w in re.findall(r'<rect x="([\d.]+)" y="[\d.]+" width="([\d.]+)"', svg)]
    assert max(x + w for x, w in rects) <= width                    # the last segment ends in view
    ticks = re.findall(r">(\d+)s</text>", svg)
    assert ticks[0] == "0" and int(ticks[-1]) >= 90                 # 0, 15, ..., 90 s
    tick_x = [float(x) for x in re.findall(r'<text x="([\d.]+)" y="[\d.]+" text-anchor="(?:middle|end)" '
                                           r'font-size="12">\d+s</text>', svg)]
    assert max(tick_x) <= width


def test_render_svg_raises_labels_below_9pt():
    """Any module's diagram (services, storage, ...) keeps its labels at 9 pt or more (12 px)."""
    import graphviz
    g = graphviz.Digraph()
    g.attr("edge", fontsize="8")
    g.node("a", fontsize="7")
    g.edge("a", "b", label="port 80")
    g.node("c", label='<<TABLE><TR><TD><FONT POINT-SIZE="8">nameserver 10.96.0.10</FONT></TD></TR></TABLE>>')
    svg = render_svg(g)
    assert _min_font_px(svg) >= 12 and "port 80" in svg and "nameserver 10.96.0.10" in svg
    assert 'fontsize=8' in g.source                       # the caller's graph is left as it was
