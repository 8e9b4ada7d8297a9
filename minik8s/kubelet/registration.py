"""How the kubelet keeps its Node object and its heartbeats (pkg/kubelet/kubelet_node_status.go,
pkg/kubelet/nodelease).

:func:`register_node` creates the Node (or adopts an existing one) and posts its status;
:func:`update_node_status` posts the status again when it changed or every
``nodeStatusReportFrequency``; :func:`renew_lease` renews ``kube-node-lease/<node>``, the cheap
heartbeat the node lifecycle controller watches
(https://kubernetes.io/docs/concepts/architecture/nodes/#node-heartbeats). Functions of the kubelet
``kl``; the Node and Lease objects themselves are built in :mod:`.node_status`.
"""

from __future__ import annotations

from .. import errors
from ..api.meta import rfc3339, rfc3339_micro
from .. import params as C
from .node_status import lease_object, node_conditions, node_object


def register_node(kl) -> None:
    """registerWithAPIServer: create the Node (or adopt the existing one), then post its status."""
    images = node_images(kl, )
    node = node_object(kl.spec, kl.index, kl.node_uid_seed, images)
    kl.event(kl.node_ref(), "Normal", "Starting", "Starting kubelet.")
    try:
        created = kl.api.create("nodes", node)
        kl.observe(f"{kl.node_name}: registered")
        kl.node = created
    except errors.ApiError as e:
        if e.code != 409:
            kl.observe(f"{kl.node_name}: unable to register node: {e.message}")
            return
        existing = kl.api.get("nodes", kl.node_name)
        labels = dict(existing["metadata"].get("labels") or {})
        want = node["metadata"]["labels"]
        if any(labels.get(k) != v for k, v in want.items()):
            labels.update(want)
            existing = kl.api.patch("nodes", kl.node_name, {"metadata": {"labels": labels}})
        kl.observe(f"{kl.node_name}: node already registered")
        kl.node = existing
    held = update_node_status(kl, force=True, hold=("NodeReady",))
    kl.event(kl.node_ref(), "Normal", "NodeAllocatableEnforced", "Updated Node Allocatable limit across pods")
    for ev in held:
        kl.event(kl.node_ref(), "Normal", ev, f"Node {kl.node_name} status is now: {ev}")
    renew_lease(kl, )


def node_images(kl) -> list[dict]:
    """status.images: images on the node, biggest first (at most 50, nodeStatusMaxImages)."""
    out = []
    for ref in kl.runtime.list_images():
        full = _full_ref(ref)
        digest = getattr(kl.runtime.images.get(ref), "repo_digest", None)
        names = [n for n in (digest, full) if n]      # RepoDigests, then RepoTags (as the CRI lists them)
        out.append({"names": names, "sizeBytes": kl.runtime.image_size(ref)})
    out.sort(key=lambda i: (-i["sizeBytes"], i["names"][0]))
    return out[:50]


def update_node_status(kl, force: bool = False, hold: tuple = ()) -> list[str]:
    """tryUpdateNodeStatus: post the status if it changed or the report frequency elapsed.

    Returns the condition events named in ``hold`` instead of emitting them (registration
    emits NodeReady after NodeAllocatableEnforced, in the order ``kubectl describe node`` shows).
    """
    if kl.node is None:           # registration has not succeeded yet (API server down?): retry
        register_node(kl, )
        return []
    try:
        current = kl.api.get("nodes", kl.node_name)
    except errors.ApiError as e:
        if e.code == 404:
            kl.observe(f"{kl.node_name}: Node object missing: registering again")
            kl.node = None
            register_node(kl, )
        return []
    old = current.get("status") or {}
    now = rfc3339(kl.clock.now)
    conds, events = node_conditions(old.get("conditions"), now, kl.runtime_ready, kl.node_pressure())
    status = dict(old)
    template = node_object(kl.spec, kl.index, kl.node_uid_seed, node_images(kl, ))["status"]
    for k in ("capacity", "allocatable", "addresses", "daemonEndpoints", "nodeInfo", "images"):
        status[k] = template[k]
    status["conditions"] = conds
    changed = _strip_heartbeats(status) != _strip_heartbeats(old)
    due = (kl._last_report is None
           or kl.clock.now - kl._last_report >= C.NODE_STATUS_REPORT_FREQUENCY)
    if not (changed or due or force):
        return []
    if changed:
        kl.diff(f"{kl.node_name}: node status changed")
    new = dict(current)
    new["status"] = status
    kl.node = kl.api.update("nodes", new, subresource="status")
    kl._last_report = kl.clock.now
    for ev in events:
        if ev not in hold:
            kl.event(kl.node_ref(), "Normal", ev, f"Node {kl.node_name} status is now: {ev}")
    return [ev for ev in events if ev in hold]


def renew_lease(kl) -> None:
    """Renew (or create) the node's Lease: the cheap heartbeat the node lifecycle controller watches."""
    now = rfc3339_micro(kl.clock.now)
    ns = C.NODE_LEASE_NAMESPACE
    try:
        lease = kl.api.get("leases", kl.node_name, ns)
    except errors.ApiError as e:
        if e.code != 404:
            return
        node = kl.node or {"metadata": {"name": kl.node_name}}
        try:
            kl.api.create("leases", lease_object(node, now), ns)
        except errors.ApiError:
            pass
        return
    lease = dict(lease)
    lease["spec"] = dict(lease.get("spec") or {})
    lease["spec"]["renewTime"] = now
    lease["spec"]["holderIdentity"] = kl.node_name
    lease["spec"]["leaseDurationSeconds"] = C.NODE_LEASE_DURATION
    try:
        kl.api.update("leases", lease, ns)
    except errors.ApiError:
        pass


def _strip_heartbeats(status: dict) -> dict:
    out = dict(status)
    out["conditions"] = [{k: v for k, v in c.items() if k != "lastHeartbeatTime"}
                         for c in status.get("conditions") or []]
    return out


def _full_ref(ref: str) -> str:
    """``nginx`` -> ``docker.io/library/nginx:latest`` (how containerd names an image)."""
    name, tag = ref, ""
    if "@" not in ref:
        last = ref.rsplit("/", 1)[-1]
        if ":" not in last:
            tag = ":latest"
    first = name.split("/", 1)[0]
    if "/" not in name:
        name = "docker.io/library/" + name
    elif "." not in first and ":" not in first and first != "localhost":
        name = "docker.io/" + name
    return name + tag
