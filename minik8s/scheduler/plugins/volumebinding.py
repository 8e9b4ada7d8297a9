"""VolumeBinding: a pod goes where its volumes are.

The scheduler plugin of https://kubernetes.io/docs/concepts/storage/storage-classes/#volume-binding-mode
(pkg/scheduler/framework/plugins/volumebinding). For each ``persistentVolumeClaim`` volume of
the pod:

* the claim must exist (``persistentvolumeclaim "data" not found``);
* a *bound* claim's volume must be reachable from the node: its ``nodeAffinity`` (a ``local`` or
  provisioned volume lives on one node) - else ``node(s) had volume node affinity conflict``;
* an *unbound* claim of an ``Immediate`` class blocks scheduling (the PV controller binds it
  first): ``pod has unbound immediate PersistentVolumeClaims``;
* an unbound claim of a ``WaitForFirstConsumer`` class is bound *after* the node is chosen: the
  node needs an Available volume that fits and is reachable from it, or a class whose
  provisioner can make one - else ``node(s) didn't find available persistent volumes to bind``.
  PreBind then writes the choice on the claim (``volume.kubernetes.io/selected-node``) for the
  PV controller and the provisioner.
"""

from __future__ import annotations

from ...api.persistentvolume import (ANN_SELECTED_NODE, NO_PROVISIONER, claim_class, find_best_match,
                                     node_affinity_allows)

ERR_NOT_FOUND = 'persistentvolumeclaim "%s" not found'
ERR_UNBOUND_IMMEDIATE = "pod has unbound immediate PersistentVolumeClaims"
ERR_NODE_CONFLICT = "node(s) had volume node affinity conflict"
ERR_BIND_CONFLICT = "node(s) didn't find available persistent volumes to bind"
ERR_PV_NOT_EXIST = "node(s) unavailable due to one or more pvc(s) bound to non-existent pv(s)"


def claim_names(pod: dict) -> list[str]:
    return [v["persistentVolumeClaim"].get("claimName") for v in (pod.get("spec") or {}).get("volumes") or []
            if isinstance(v, dict) and v.get("persistentVolumeClaim")]


class PodVolumes:
    """PreFilter's state: the pod's claims sorted into bound / to-bind-later, or a hard error."""

    def __init__(self):
        self.error: str | None = None        # a PreFilter rejection (the whole message)
        self.pv_missing = False
        self.bound: list[dict] = []          # the PVs of bound claims
        self.delayed: list[tuple] = []       # (claim, its class) waiting for a node
        self.all_pvs: list[dict] = []


def pre_filter(pod: dict, pvcs, pvs, classes) -> PodVolumes | None:
    """Sort the pod's claims (``pvcs``/``pvs``/``classes`` are informers). None: no claims."""
    names = claim_names(pod)
    if not names:
        return None
    ns = pod["metadata"].get("namespace", "default")
    out = PodVolumes()
    out.all_pvs = pvs.list()
    for name in names:
        pvc = pvcs.get(f"{ns}/{name}")
        if pvc is None or pvc["metadata"].get("deletionTimestamp"):
            out.error = ERR_NOT_FOUND % name
            return out
        volume = (pvc.get("spec") or {}).get("volumeName")
        if volume:
            pv = pvs.get(volume)
            if pv is None:
                out.pv_missing = True       # a per-node reason (Filter), not a PreFilter rejection
                continue
            out.bound.append(pv)
            continue
        sc = classes.get(claim_class(pvc)) if claim_class(pvc) else None
        if sc is None or sc.get("volumeBindingMode") != "WaitForFirstConsumer":
            out.error = ERR_UNBOUND_IMMEDIATE
            return out
        out.delayed.append((pvc, sc))
    return out


def volume_binding(pi, ni) -> list[str]:
    """The filter: the reasons this node cannot serve the pod's volumes ([] = it can)."""
    state = getattr(pi, "volumes", None)
    if state is None:
        return []
    if state.error:
        return [state.error]
    if state.pv_missing:
        return [ERR_PV_NOT_EXIST]
    node = ni.node
    for pv in state.bound:
        if not node_affinity_allows(pv, node):
            return [ERR_NODE_CONFLICT]
    taken: set[str] = set()
    for pvc, sc in state.delayed:
        free = [pv for pv in state.all_pvs if pv["metadata"]["name"] not in taken]
        pv = find_best_match(pvc, free, node)
        if pv is not None:
            taken.add(pv["metadata"]["name"])
            continue
        if (sc.get("provisioner") or NO_PROVISIONER) == NO_PROVISIONER or not _topology_allows(sc, node):
            return [ERR_BIND_CONFLICT]
    return []


def _topology_allows(sc: dict, node: dict) -> bool:
    """The class's ``allowedTopologies`` (none = every node)."""
    terms = sc.get("allowedTopologies") or []
    if not terms:
        return True
    labels = node["metadata"].get("labels") or {}
    for term in terms:
        if all(labels.get(e.get("key")) in (e.get("values") or []) for e in term.get("matchLabelExpressions") or []):
            return True
    return False


def needs_filter(pi) -> bool:
    return getattr(pi, "volumes", None) is not None


def pre_bind(api, pod: dict, node: str, state: PodVolumes | None) -> None:
    """PreBind: tell the PV controller and the provisioner which node the claims are for."""
    if state is None:
        return
    for pvc, _sc in state.delayed:
        if (pvc["metadata"].get("annotations") or {}).get(ANN_SELECTED_NODE) == node:
            continue
        api.patch("persistentvolumeclaims", pvc["metadata"]["name"],
                  {"metadata": {"annotations": {ANN_SELECTED_NODE: node}}}, pvc["metadata"].get("namespace"))
