"""Test helpers for the controller tests: play the scheduler and the kubelet by hand.

In ``Cluster(nodes=0)`` nothing binds or runs pods; these helpers do what the scheduler
(binding) and the kubelet (status: Running, Ready) would, through the API server.
"""

from __future__ import annotations

from minik8s.api.meta import rfc3339
from minik8s.errors import ApiError


def pod_manifest(name="web", image="nginx:1.27", labels=None):
    return {"apiVersion": "v1", "kind": "Pod",
            "metadata": {"name": name, "labels": labels or {"app": name}},
            "spec": {"containers": [{"name": "c", "image": image}]}}


def template(labels, image="nginx:1.27"):
    return {"metadata": {"labels": dict(labels)},
            "spec": {"containers": [{"name": "nginx", "image": image}]}}


def add_node(c, name, labels=None, taints=None, ready=True):
    node = {"apiVersion": "v1", "kind": "Node",
            "metadata": {"name": name, "labels": dict({"kubernetes.io/hostname": name}, **(labels or {}))},
            "spec": {"taints": taints} if taints else {}}
    c.apiserver.create("nodes", node)
    set_node_ready(c, name, "True" if ready else "False")
    c.run(0)


def set_node_ready(c, name, status="True", reason="KubeletReady", message="kubelet is posting ready status"):
    node = c.apiserver.get("nodes", name)
    conds = [x for x in (node.get("status") or {}).get("conditions") or [] if x["type"] != "Ready"]
    now = rfc3339(c.now)
    conds.append({"type": "Ready", "status": status, "reason": reason, "message": message,
                  "lastHeartbeatTime": now, "lastTransitionTime": now})
    node["status"] = dict(node.get("status") or {}, conditions=conds)
    c.apiserver.update("nodes", node, subresource="status")


def renew_lease(c, name):
    lease = {"apiVersion": "coordination.k8s.io/v1", "kind": "Lease",
             "metadata": {"name": name, "namespace": "kube-node-lease"},
             "spec": {"holderIdentity": name, "leaseDurationSeconds": 40,
                      "renewTime": rfc3339(c.now) .replace("Z", ".000000Z")}}
    try:
        old = c.apiserver.get("leases", name, "kube-node-lease")
    except ApiError as e:
        if e.code != 404:
            raise
        c.apiserver.create("leases", lease, "kube-node-lease")
        return
    old["spec"] = lease["spec"]
    c.apiserver.update("leases", old, "kube-node-lease")


def run_pod(c, pod, node="node-1", ready=True, phase="Running"):
    """Bind ``pod`` (if unbound) and mark it Running (and Ready) as a kubelet would."""
    name, ns = pod["metadata"]["name"], pod["metadata"]["namespace"]
    pod = c.apiserver.get("pods", name, ns)
    if not pod["spec"].get("nodeName"):
        c.apiserver.create("pods", {"apiVersion": "v1", "kind": "Binding",
                                    "metadata": {"name": name, "namespace": ns},
                                    "target": {"kind": "Node", "name": node}}, ns, subresource="binding")
        pod = c.apiserver.get("pods", name, ns)
    now = rfc3339(c.now)
    st = dict(pod.get("status") or {})
    st["phase"] = phase
    conds = [x for x in st.get("conditions") or [] if x["type"] not in ("Ready", "ContainersReady")]
    rs = "True" if ready else "False"
    conds.append({"type": "ContainersReady", "status": rs, "lastProbeTime": None, "lastTransitionTime": now})
    conds.append({"type": "Ready", "status": rs, "lastProbeTime": None, "lastTransitionTime": now})
    st["conditions"] = conds
    if phase in ("Succeeded", "Failed"):
        code = 0 if phase == "Succeeded" else 1
        st["containerStatuses"] = [{"name": c_["name"], "ready": False, "restartCount": 0,
                                    "state": {"terminated": {"exitCode": code, "reason": "Completed" if code == 0
                                                             else "Error"}}}
                                   for c_ in pod["spec"]["containers"]]
    pod["status"] = st
    c.apiserver.update("pods", pod, ns, subresource="status")


def run_all(c, selector=None, namespace="default", node="node-1", ready=True, nodes=None):
    """Run every pending pod (optionally matching ``selector``); spread over ``nodes`` round-robin."""
    i = 0
    for p in c.list("pods", namespace, selector=selector):
        if p["metadata"].get("deletionTimestamp"):
            continue
        if (p.get("status") or {}).get("phase") in ("Running", "Succeeded", "Failed"):
            continue
        target = nodes[i % len(nodes)] if nodes else node
        i += 1
        run_pod(c, p, target, ready=ready)
    c.run(0)


def finish_deleting(c, namespace="default"):
    """What a kubelet does for pods being deleted: remove them (grace 0) once terminated."""
    for p in c.list("pods", namespace):
        if p["metadata"].get("deletionTimestamp"):
            try:
                c.apiserver.delete("pods", p["metadata"]["name"], namespace, grace_period_seconds=0)
            except ApiError as e:
                if e.code != 404:          # already gone is fine; anything else is a failure
                    raise
    c.run(0)


def names(objs):
    return sorted(o["metadata"]["name"] for o in objs)


def make_cluster(seed=0, scheduler=False):
    """``Cluster(nodes=0)``; the scheduler is stopped unless asked for, so tests bind pods themselves."""
    from minik8s import Cluster
    c = Cluster(nodes=0, seed=seed)
    if not scheduler and "kube-scheduler" in c.components:
        c.stop("kube-scheduler")
    # Graceful pod deletion as the API server does it once the kubelet is wired in: a bound pod
    # waits (terminationGracePeriodSeconds, default 30) for its kubelet; an unbound one goes at once.
    c.apiserver.grace_period.setdefault("Pod", _pod_grace)
    return c


def _pod_grace(pod, requested):
    if not (pod.get("spec") or {}).get("nodeName"):
        return 0
    if requested is not None:
        return requested
    return (pod.get("spec") or {}).get("terminationGracePeriodSeconds", 30)
