"""Checks for the chapter 2 exercise (the control plane), run by the otter tests of
`ch2-control-plane.ipynb` through `minik8s.grading.run_check`, in a clean process.

Each function gets the student's answer (a value, or a proxy that calls the student's function in
its own process) and returns a JSON report of what a fresh, seeded minik8s cluster did.
"""

from minik8s import Cluster, ApiError

SEED = 0

REPLICASET = """
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web
spec:
  replicas: 3
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: nginx
        image: nginx:1.27
"""


def _phases(c, selector):
    pods = c.list("pods", selector=selector)
    return sorted(p["status"].get("phase", "") for p in pods)


def _scenario(component):
    """Stop one control-plane component, apply the ReplicaSet, run 30 s."""
    c = Cluster(nodes=3, seed=SEED)
    c.run(5)
    c.stop(component)
    c.apply(REPLICASET)
    c.run(30)
    phases = _phases(c, "app=web")
    return {"pods": len(phases), "pending": phases.count("Pending"), "running": phases.count("Running")}


def q1(prediction):
    """How many Pods exist (and how many are Pending) 30 s after applying a 3-replica ReplicaSet
    while the scheduler, or the controller-manager, is stopped.
    (https://kubernetes.io/docs/concepts/overview/components/)"""
    if not isinstance(prediction, dict):
        return {"error": "q1_prediction must be a dict with the keys \"scheduler\" and \"controller_manager\""}
    out = {}
    for key, comp in (("scheduler", "kube-scheduler"), ("controller_manager", "kube-controller-manager")):
        actual = _scenario(comp)
        p = prediction.get(key) if isinstance(prediction.get(key), dict) else {}
        out[key] = {"predicted": {k: p.get(k) for k in ("pods", "pending")},
                    "actual": {k: actual[k] for k in ("pods", "pending")}}
    return out


def q2(manifest):
    """A ReplicaSet `web` keeps 3 nginx Pods running: after one is deleted, and after a node's
    kubelet stops (its Pods are replaced elsewhere once they are evicted: the node is marked unreachable
    after the 50 s node-monitor grace period, and Pods tolerate that taint for 300 s;
    https://kubernetes.io/docs/concepts/scheduling-eviction/taint-and-toleration/#taint-based-evictions).
    (https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/)"""
    if not isinstance(manifest, str) or not manifest.strip():
        return {"error": "q2_manifest must be a YAML manifest in a string"}
    c = Cluster(nodes=3, seed=SEED)
    try:
        c.apply(manifest)
    except ApiError as e:
        return {"error": f"applying your manifest failed: {e}"}
    except Exception as e:
        return {"error": f"applying your manifest failed: {type(e).__name__}: {e}"}
    try:
        rs = c.get("replicaset", "web")
    except ApiError:
        return {"error": "no ReplicaSet named web: kind ReplicaSet, metadata.name web"}
    c.run(30)
    sel = "app=web"
    report = {"running_at_start": _phases(c, sel).count("Running")}
    pods = c.list("pods", selector=sel)
    images = sorted({ct["image"] for p in pods for ct in p["spec"]["containers"]})
    owners = sorted({ref["name"] for p in pods for ref in p["metadata"].get("ownerReferences", [])})
    report.update(images=images, owners=owners, replicas=rs["spec"].get("replicas"))
    if pods:
        c.delete("pod", pods[0]["metadata"]["name"])
    c.run(30)
    report["running_after_delete"] = _phases(c, sel).count("Running")
    # a node dies: its pods are evicted after the 300 s toleration and replaced elsewhere
    running = [p for p in c.list("pods", selector=sel) if p["status"].get("phase") == "Running"]
    if running:
        node = running[0]["spec"]["nodeName"]
        c.stop("kubelet", node=node)
        c.run(400)
        alive = [p for p in c.list("pods", selector=sel)
                 if p["status"].get("phase") == "Running" and p["spec"].get("nodeName") != node
                 and not p["metadata"].get("deletionTimestamp")]
        report["running_elsewhere_after_node_failure"] = len(alive)
    return report


def _node_view(ni):
    """What the student's score function gets for a node: a JSON dict."""
    return {"name": ni.name, "labels": dict(ni.labels), "pods": len(ni.pods),
            "requested_cpu": ni.requested_cpu, "alloc_cpu": ni.alloc_cpu}


def _place(score, ssd_nodes, n_pods):
    """Schedule n_pods bare nginx Pods, one at a time, on 3 nodes (those in ssd_nodes labelled
    disktype=ssd), with the student's plugin added to kube-scheduler at weight 10. Returns the Pods
    per node and what is wrong with the scores the plugin gave the nodes in each scheduling cycle."""
    nodes = [{"name": f"node-{i}", "labels": {"disktype": "ssd"} if f"node-{i}" in ssd_nodes else {}}
             for i in (1, 2, 3)]
    c = Cluster(nodes=nodes, seed=SEED)
    problems, calls = [], []

    def plugin(pod, ni):
        if problems:
            return 0
        view = _node_view(ni)
        try:
            s = score(pod, view)
        except Exception as e:          # AnswerRaised or AnswerTimeout: report it, score 0
            problems.append(f"{type(e).__name__}: {e}")
            return 0
        if isinstance(s, bool) or not isinstance(s, int) or not 0 <= s <= 100:
            problems.append(f"scores must be ints from 0 to 100; it returned {s!r} for {ni.name}")
            return 0
        calls.append((pod["metadata"]["name"], view["name"], view["labels"].get("disktype") == "ssd",
                      view["pods"], s))
        return s

    c.component("kube-scheduler").add_score_plugin("StudentScore", plugin, weight=10)
    for i in range(n_pods):
        c.apply({"apiVersion": "v1", "kind": "Pod", "metadata": {"name": f"p{i}"},
                 "spec": {"containers": [{"name": "nginx", "image": "nginx:1.27"}]}})
        c.run(5)
    per_node = {n["name"]: 0 for n in nodes}
    for p in c.list("pods"):
        if p["spec"].get("nodeName"):
            per_node[p["spec"]["nodeName"]] += 1
    order = []
    for a in calls:
        for b in calls:
            if a[0] != b[0] or a[1] >= b[1]:
                continue
            better, worse = (a, b) if (a[2], -a[3]) > (b[2], -b[3]) else (b, a)
            if better[2] and (better[2], -better[3]) != (worse[2], -worse[3]) and better[4] <= worse[4]:
                order.append(f"scheduling {a[0]}: {better[1]} (ssd={better[2]}, {better[3]} pods) scored "
                             f"{better[4]}, not more than {worse[1]} (ssd={worse[2]}, {worse[3]} pods): {worse[4]}")
    return {"per_node": per_node, "calls": len(calls), "problems": problems[:1], "order": order[:3]}


def q3(score):
    """The student's score plugin, plugged into kube-scheduler's Score phase
    (https://kubernetes.io/docs/concepts/scheduling-eviction/scheduling-framework/#scoring):
    Pods go to nodes labelled disktype=ssd, the one with fewer Pods first; with no ssd node they
    still schedule (a score never filters)."""
    return {"two_ssd": _place(score, {"node-2", "node-3"}, 4),
            "one_ssd": _place(score, {"node-1"}, 2),
            "no_ssd": _place(score, set(), 3)}


def _where(nodes, pods, pod):
    c = Cluster(nodes=nodes, seed=SEED)
    for p in pods:
        c.apply(p)
    c.run(10)
    c.apply(pod)
    c.run(10)
    return c.get("pod", pod["metadata"]["name"])["spec"].get("nodeName")


def _pod(name, cpu=None, node_name=None, selector=None):
    spec = {"containers": [{"name": "app", "image": "nginx:1.27"}]}
    if cpu:
        spec["containers"][0]["resources"] = {"requests": {"cpu": cpu}}
    if node_name:
        spec["nodeName"] = node_name
    if selector:
        spec["nodeSelector"] = selector
    return {"apiVersion": "v1", "kind": "Pod", "metadata": {"name": name}, "spec": spec}


def q4(prediction):
    """Which node kube-scheduler picks: (a) node-1 tainted NoSchedule, node-2 already has a Pod
    requesting 1500m of its 2 CPUs, the new Pod requests 1 CPU; (b) the new Pod's nodeSelector
    asks for zone=b, which two nodes have, one of them already running a Pod requesting 1500m.
    (https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation)"""
    if not isinstance(prediction, dict):
        return {"error": "q4_prediction must be a dict with the keys \"a\" and \"b\""}
    a = _where([{"name": "node-1", "taints": [{"key": "maintenance", "value": "true", "effect": "NoSchedule"}]},
                {"name": "node-2"}, {"name": "node-3"}],
               [_pod("big", cpu="1500m", node_name="node-2")], _pod("new", cpu="1"))
    b = _where([{"name": "node-1", "labels": {"zone": "a"}}, {"name": "node-2", "labels": {"zone": "b"}},
                {"name": "node-3", "labels": {"zone": "b"}}],
               [_pod("big", cpu="1500m", node_name="node-3")], _pod("new", cpu="250m", selector={"zone": "b"}))
    return {"a": {"predicted": prediction.get("a"), "actual": a},
            "b": {"predicted": prediction.get("b"), "actual": b}}
