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


def access_mode_groups(pvc: dict, pvs: list[dict]) -> list[list[dict]]:
    """allPossibleMatchingAccessModes: the volumes grouped by their *set* of access modes, only the
    sets that hold every mode the claim asks for, the sets with the fewest modes first - so a
    claim for ReadWriteOnce looks at plain ReadWriteOnce volumes before ReadWriteOnce+ReadWriteMany
    ones, whatever their sizes (pkg/controller/volume/persistentvolume/index.go). Sets of the same
    size come in the order of their sorted mode names."""
    wanted = set((pvc.get("spec") or {}).get("accessModes") or [])
    groups: dict[frozenset, list[dict]] = {}
    for pv in pvs:
        modes = frozenset((pv.get("spec") or {}).get("accessModes") or [])
        if wanted <= modes:
            groups.setdefault(modes, []).append(pv)
    return [groups[m] for m in sorted(groups, key=lambda m: (len(m), sorted(m)))]


def smallest_match(pvc: dict, pvs: list[dict], node: dict | None = None) -> dict | None:
    """FindMatchingVolume: among ``pvs``, the volume pre-bound to the claim, else the smallest
    Available one that satisfies it (capacity, access modes, volumeMode, class, selector, and - on
    the scheduler's path - the node affinity of ``node``). Equal sizes: the first name."""
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
            # upstream takes only Available; a volume created a moment ago (still Pending) is let
            # through so that a claim applied with it binds now, not at the next 15 s resync
            continue
        if sel is not None and not sel.matches(pv["metadata"].get("labels") or {}):
            continue
        if best is None:
            best = pv
    return best


def find_best_match(pvc: dict, pvs: list[dict], node: dict | None = None) -> dict | None:
    """The volume the binder chooses for ``pvc``, or None. The PV controller (``node`` None,
    findBestMatchForClaim) tries the access-mode groups of :func:`access_mode_groups` in turn and
    takes the :func:`smallest_match` of the first group that has one; the scheduler's path (a
    ``node``, WaitForFirstConsumer) looks at all the volumes at once."""
    if node is not None:
        return smallest_match(pvc, pvs, node)
    for group in access_mode_groups(pvc, pvs):
        best = smallest_match(pvc, group)
        if best is not None:
            return best
    return None
