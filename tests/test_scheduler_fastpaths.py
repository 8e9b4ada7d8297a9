"""The scheduler's fast paths decide exactly as its plain path does.

Without tracing (``record=False``) ``framework.schedule`` filters nodes in chunks (quick_pass
inlined) and adds up the node-local scores remembered per node; with tracing it runs every filter
and every score plugin one by one to record them. Over varied nodes and pods, and again after pods
join nodes (so what nodes remembered must be forgotten), both must choose the same node with the
same totals, rejections and random draws.
https://kubernetes.io/docs/concepts/scheduling-eviction/kube-scheduler/#kube-scheduler-implementation
"""

import random

from minik8s.api.labels import selector_from_object
from minik8s.scheduling import framework as F
from minik8s.scheduling import plugins as P
from minik8s.scheduling.node_info import NodeInfo, PodInfo


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


def decide(p, default_selector, infos, seed, plugins, start, record):
    pi = PodInfo(p)
    pi.default_selector = default_selector
    rng = random.Random(seed)
    d = F.schedule(pi, infos, rng, plugins, start=start, record=record)
    return (d.node, d.feasible, d.totals, d.failed, d.processed, d.message, rng.random())


def check(plugins, seed):
    rng = random.Random(seed)
    infos = [node(rng, i) for i in range(rng.choice([5, 30, 130]))]
    decided = 0
    for round_ in range(4):
        for i in range(15):
            p = pod(rng, f"p{round_}-{i}")
            sel = pod_info(p, rng).default_selector
            start = rng.randrange(len(infos))
            plain = decide(p, sel, infos, i, plugins, start, record=True)
            assert decide(p, sel, infos, i, plugins, start, record=False) == plain, p
            assert decide(p, sel, infos, i, plugins, start, record=False) == plain, p   # from memory
            decided += plain[0] is not None
        for i in range(20):          # pods join nodes: what the nodes remembered must not be reused
            p = pod(rng, f"bound-{round_}-{i}")
            rng.choice(infos).add_pod(PodInfo(p))
    assert decided > 10


def test_fast_paths_agree_with_the_traced_path():
    for seed in range(4):
        check(P.default_score_plugins(), seed)


def test_fast_paths_agree_with_a_student_plugin_and_other_weights():
    plugins = P.default_score_plugins()
    plugins.append(P.ScorePlugin("Student", lambda pi, ni, ctx: len(ni.pods) * 7, 2, "default"))
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
    from minik8s.scheduling.node_info import pod_requests
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
