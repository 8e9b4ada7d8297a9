"""PersistentVolumes and claims: which volume can serve which claim.

The pure rules of https://kubernetes.io/docs/concepts/storage/persistent-volumes/#binding that
both the PV controller (:mod:`minik8s.controllers.persistentvolume`, which binds) and the
scheduler's VolumeBinding plugin (which picks a node where a volume can be bound) apply:
upstream keeps them in pkg/controller/volume/persistentvolume/util, shared the same way.
A volume serves a claim when its capacity covers the request, it offers every requested access
mode, the ``volumeMode`` and ``storageClassName`` are the same, the claim's ``selector`` matches,
and (for a node-local volume) its ``nodeAffinity`` allows the node.
"""

from __future__ import annotations

from .labels import selector_from_object
from .nodeaffinity import match_node_selector_terms
from .quantity import memory_bytes

ANN_BIND_COMPLETED = "pv.kubernetes.io/bind-completed"
ANN_BOUND_BY_CONTROLLER = "pv.kubernetes.io/bound-by-controller"
ANN_SELECTED_NODE = "volume.kubernetes.io/selected-node"
ANN_STORAGE_PROVISIONER = "volume.kubernetes.io/storage-provisioner"
ANN_BETA_STORAGE_PROVISIONER = "volume.beta.kubernetes.io/storage-provisioner"
ANN_PROVISIONED_BY = "pv.kubernetes.io/provisioned-by"
NO_PROVISIONER = "kubernetes.io/no-provisioner"


def storage_request(pvc: dict) -> int:
    """The claim's ``resources.requests.storage`` in bytes (0 when missing)."""
    req = (((pvc.get("spec") or {}).get("resources") or {}).get("requests") or {}).get("storage")
    return memory_bytes(str(req)) if req is not None else 0


def pv_capacity(pv: dict) -> int:
    cap = ((pv.get("spec") or {}).get("capacity") or {}).get("storage")
    return memory_bytes(str(cap)) if cap is not None else 0


def claim_class(pvc: dict) -> str:
    """The claim's class: ``spec.storageClassName`` (``""`` = no class)."""
    return (pvc.get("spec") or {}).get("storageClassName") or ""


def claim_ref_matches(pv: dict, pvc: dict) -> bool:
    """Does ``pv.spec.claimRef`` name this claim (and, when it has a uid, this very object)?"""
    ref = (pv.get("spec") or {}).get("claimRef")
    if not ref:
        return False
    md = pvc["metadata"]
    if ref.get("name") != md["name"] or (ref.get("namespace") or "default") != md.get("namespace", "default"):
        return False
    return not ref.get("uid") or ref["uid"] == md.get("uid")


def node_affinity_allows(pv: dict, node: dict | None) -> bool:
    """Is the volume reachable from ``node`` (its ``spec.nodeAffinity.required`` terms, ORed)?"""
    req = (((pv.get("spec") or {}).get("nodeAffinity") or {}).get("required") or {})
    terms = req.get("nodeSelectorTerms") or []
    if not terms or node is None:
        return True
    return match_node_selector_terms(terms, node["metadata"].get("labels") or {}, node["metadata"]["name"])


def mismatch(pv: dict, pvc: dict) -> str | None:
    """Why ``pv`` cannot serve ``pvc`` (checkVolumeSatisfyClaim's words), or None if it can."""
    spec, cspec = pv.get("spec") or {}, pvc.get("spec") or {}
    if pv_capacity(pv) < storage_request(pvc):
        return "requested PV is too small"
    if (spec.get("storageClassName") or "") != claim_class(pvc):
        return "storageClassName does not match"
    if (spec.get("volumeMode") or "Filesystem") != (cspec.get("volumeMode") or "Filesystem"):
        return "incompatible volumeMode"
    if not set(cspec.get("accessModes") or []) <= set(spec.get("accessModes") or []):
        return "incompatible accessMode"
    return None


def find_best_match(pvc: dict, pvs: list[dict], node: dict | None = None) -> dict | None:
    """findBestMatchForClaim: the volume pre-bound to the claim, else the smallest Available one
    that satisfies it (capacity, access modes, volumeMode, class, selector, and - in
    WaitForFirstConsumer mode - the node affinity of the chosen ``node``)."""
    selector = (pvc.get("spec") or {}).get("selector")
    sel = selector_from_object(selector) if selector else None
    best = None
    for pv in sorted(pvs, key=lambda v: (pv_capacity(v), v["metadata"]["name"])):
        if pv["metadata"].get("deletionTimestamp"):
            continue
        if mismatch(pv, pvc) is not None:
            continue
        if node is not None and not node_affinity_allows(pv, node):
            continue
        if claim_ref_matches(pv, pvc):
            return pv                       # pre-bound to this claim
        if (pv.get("spec") or {}).get("claimRef"):
            continue                        # bound or pre-bound to another claim
        if (pv.get("status") or {}).get("phase") not in ("Available", "Pending", None):
            continue
        if sel is not None and not sel.matches(pv["metadata"].get("labels") or {}):
            continue
        if best is None:
            best = pv
    return best
