"""The scheduler's fast path (``scheduler/fast.py``) decides exactly as its reference path
(``scheduler/framework.py``) does.

``fast.schedule`` filters nodes in chunks (``fast.quick_pass`` vouching for most of them) and adds
up the node-local scores remembered per node; ``framework.schedule`` runs every filter and every
score plugin one by one and records them. Over varied nodes and pods, and again after pods join
nodes (so what nodes remembered must be forgotten), both must choose the same node with the same
totals, rejections, preemption victims and random draws; and whole clusters scheduling with one
or the other must bind the same pods to the same nodes with the same events.
https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation
"""

import random

from minik8s.api.labels import selector_from_object
from minik8s.cluster import Cluster
from minik8s.scheduler import fast
from minik8s.scheduler import framework as F
from minik8s.scheduler.node_info import NodeInfo, PodInfo
from minik8s.scheduler.profile import ScorePlugin, default_score_plugins


def node(rng, i):
    alloc = {"cpu": rng.choice(["1", "2", "4", "500m"]), "memory": rng.choice(["1Gi", "4Gi", "0"]),
             "pods": rng.choice(["3", "110"])}
    labels = {"kubernetes.io/hostname": f"n{i}", "disk": rng.choice(["ssd", "hdd"])}
    if rng.random() < 0.5:
        labels["topology.kubernetes.io/zone"] = rng.choice(["a", "b", ""])
    spec = {}
    taints = rng.choice([[], [], [], [{"key": "soft", "effect": "PreferNoSchedule"}],
                         [{"key": "hard", "value": "x", "effect": "NoSchedule"}]])
    if taints:
        spec["taints"] = taints
    if rng.random() < 0.1:
        spec["unschedulable"] = True
    images = rng.sample([{"names": ["nginx:latest"], "sizeBytes": 140 * 2 ** 20},
                         {"names": ["big:1.0"], "sizeBytes": 900 * 2 ** 20}], rng.randrange(3))
    return NodeInfo({"metadata": {"name": f"n{i}", "labels": labels}, "spec": spec,
                     "status": {"allocatable": alloc, "images": images}})


def pod(rng, name):
    req = {}
    if rng.random() < 0.7:
        req["cpu"] = rng.choice(["100m", "300m", "1500m"])
    if rng.random() < 0.7:
        req["memory"] = rng.choice(["100Mi", "1Gi"])
    c = {"name": "app", "image": rng.choice(["nginx", "big:1.0", "other"])}
    if req:
        c["resources"] = {"requests": req}
    if rng.random() < 0.15:
        c["ports"] = [{"containerPort": 80, "hostPort": 8080}]
    spec = {"containers": [c]}
    if rng.random() < 0.3:
        spec["tolerations"] = rng.choice([[{"operator": "Exists"}], [{"key": "soft", "operator": "Exists"}]])
    if rng.random() < 0.15:
        spec["nodeSelector"] = {"disk": "ssd"}
    if rng.random() < 0.15:
        spec["topologySpreadConstraints"] = [{
            "maxSkew": 1, "topologyKey": rng.choice(["kubernetes.io/hostname", "topology.kubernetes.io/zone"]),
            "whenUnsatisfiable": rng.choice(["DoNotSchedule", "ScheduleAnyway"]),
            "labelSelector": {"matchLabels": {"app": "web"}}}]
    if rng.random() < 0.1:
        spec["affinity"] = {"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
            {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "web"}}}]}}
    if rng.random() < 0.1:
        spec["affinity"] = {"nodeAffinity": {"preferredDuringSchedulingIgnoredDuringExecution": [
            {"weight": 5, "preference": {"matchExpressions": [{"key": "disk", "operator": "In", "values": ["hdd"]}]}}]}}
    labels = {"app": rng.choice(["web", "db"])}
    return {"metadata": {"name": name, "namespace": "default", "labels": labels}, "spec": spec}


def pod_info(p, rng):
    pi = PodInfo(p)
    if not p["spec"].get("topologySpreadConstraints") and rng.random() < 0.6:
        pi.default_selector = selector_from_object({"matchLabels": {"app": p["metadata"]["labels"]["app"]}})
    return pi


def decide(p, default_selector, infos, seed, plugins, start, schedule):
    pi = PodInfo(p)
    pi.default_selector = default_selector
    rng = random.Random(seed)
    d = schedule(pi, infos, rng, plugins, start=start)
    res = d.preemption
    victims = None if res is None else (res.node, [v.key for v in res.victims], res.message)
    return (d.node, d.feasible, d.totals, d.failed, d.processed, d.message, victims, rng.random())


def check(plugins, seed):
    rng = random.Random(seed)
    infos = [node(rng, i) for i in range(rng.choice([5, 30, 130]))]
    decided = 0
    for round_ in range(4):
        for i in range(15):
            p = pod(rng, f"p{round_}-{i}")
            sel = pod_info(p, rng).default_selector
            start = rng.randrange(len(infos))
            plain = decide(p, sel, infos, i, plugins, start, F.schedule)
            assert decide(p, sel, infos, i, plugins, start, fast.schedule) == plain, p
            assert decide(p, sel, infos, i, plugins, start, fast.schedule) == plain, p   # from memory
            decided += plain[0] is not None
        for i in range(20):          # pods join nodes: what the nodes remembered must not be reused
            p = pod(rng, f"bound-{round_}-{i}")
            rng.choice(infos).add_pod(PodInfo(p))
    assert decided > 10


def test_fast_path_agrees_with_the_reference_path():
    for seed in range(4):
        check(default_score_plugins(), seed)


def test_fast_paths_agree_with_a_student_plugin_and_other_weights():
    plugins = default_score_plugins()
    plugins.append(ScorePlugin("Student", lambda pi, ni, ctx: len(ni.pods) * 7, 2, "default"))
    for sp in plugins:
        if sp.name == "NodeResourcesFit":
            sp.weight = 3
    check(plugins, 11)
    for sp in plugins:
        if sp.name == "ImageLocality":
            sp.weight = 0.5              # float totals: added in the plain order
    check(plugins, 12)


def test_pod_info_requests_are_pod_requests():
    """PodInfo skips the second pod_requests (missing requests counted as 100m / 200Mi) when every
    container requests both cpu and memory: the two must agree with pod_requests either way.
    https://kubernetes.io/docs/concepts/workloads/pods/sidecar-containers/#resource-sharing-within-containers"""
    from minik8s.scheduler.node_info import pod_requests
    rng = random.Random(5)
    for i in range(300):
        def container(name, **extra):
            req = {k: v for k, v in (("cpu", rng.choice(["100m", "1", None])),
                                     ("memory", rng.choice(["64Mi", "1Gi", None]))) if v is not None}
            c = {"name": name, "image": "nginx", **extra}
            if req or rng.random() < 0.5:
                c["resources"] = {"requests": req}
            return c
        spec = {"containers": [container(f"c{j}") for j in range(rng.randrange(1, 3))]}
        if rng.random() < 0.5:
            spec["initContainers"] = [container(f"i{j}", **({"restartPolicy": "Always"} if rng.random() < 0.5 else {}))
                                      for j in range(rng.randrange(1, 3))]
        if rng.random() < 0.2:
            spec["overhead"] = {"cpu": "250m", "memory": "120Mi"}
        p = {"metadata": {"name": f"p{i}"}, "spec": spec}
        pi = PodInfo(p)
        assert (pi.requests, pi.nonzero) == (pod_requests(p), pod_requests(p, non_missing=True)), spec


def cluster_run(fast_scheduler: bool):
    """Nodes with taints, zones and little room; Deployments with spreading, anti-affinity, host
    ports and priorities (preemption): where every pod lands and every scheduler event."""
    nodes = [{"name": f"node-{i}", "cpu": "2", "memory": "4Gi",
              "labels": {"topology.kubernetes.io/zone": "ab"[i % 2]},
              "taints": [{"key": "soft", "effect": "PreferNoSchedule"}] if i % 3 == 0 else []}
             for i in range(1, 7)]
    c = Cluster(nodes=nodes, seed=3, trace=False, fast_scheduler=fast_scheduler)
    c.apply({"apiVersion": "scheduling.k8s.io/v1", "kind": "PriorityClass", "metadata": {"name": "high"},
             "value": 1000})

    def deployment(name, replicas, cpu, **spec):
        c.apply({"apiVersion": "apps/v1", "kind": "Deployment", "metadata": {"name": name},
                 "spec": {"replicas": replicas, "selector": {"matchLabels": {"app": name}},
                          "template": {"metadata": {"labels": {"app": name}}, "spec": {
                              "containers": [{"name": "c", "image": "nginx",
                                              "resources": {"requests": {"cpu": cpu, "memory": "100Mi"}}}],
                              **spec}}}})
    deployment("web", 7, "300m", topologySpreadConstraints=[{
        "maxSkew": 1, "topologyKey": "topology.kubernetes.io/zone", "whenUnsatisfiable": "ScheduleAnyway",
        "labelSelector": {"matchLabels": {"app": "web"}}}])
    deployment("db", 4, "500m", affinity={"podAntiAffinity": {"requiredDuringSchedulingIgnoredDuringExecution": [
        {"topologyKey": "kubernetes.io/hostname", "labelSelector": {"matchLabels": {"app": "db"}}}]}})
    deployment("batch", 10, "400m")
    c.run(30)
    deployment("vip", 3, "1500m", priorityClassName="high")
    c.run(60)
    pods = c.apiserver.list("pods", "default")["items"]
    placed = sorted((p["metadata"]["name"], p["spec"].get("nodeName")) for p in pods)
    events = sorted((e["involvedObject"]["name"], e["reason"], e["message"])
                    for e in c.apiserver.list("events", "default")["items"]
                    if e["source"].get("component") == "default-scheduler")
    return placed, events, c.rng.random()


def test_clusters_on_the_fast_and_the_reference_path_schedule_alike():
    fast_run = cluster_run(True)
    assert any(reason == "Preempted" for _n, reason, _m in fast_run[1])       # the scenario preempts
    assert fast_run == cluster_run(False)
