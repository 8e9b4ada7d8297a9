"""What the Deployment controller knows about its objects (``deploymentutil``,
pkg/controller/deployment/util): the ``pod-template-hash`` (``ComputeHash``), revisions and their
annotations, the strategy's maxSurge/maxUnavailable, the conditions and their reasons. Pure functions.
"""

from __future__ import annotations

import json

from ..api.meta import NAME_ALPHABET, parse_time, rfc3339
from ..api.podtemplate import template_without_hash
from .. import params as P

# Condition reasons (pkg/controller/deployment/util/deployment_util.go).
NEW_RS_CREATED = "NewReplicaSetCreated"
FOUND_NEW_RS = "FoundNewReplicaSet"
RS_UPDATED = "ReplicaSetUpdated"
NEW_RS_AVAILABLE = "NewReplicaSetAvailable"
TIMED_OUT = "ProgressDeadlineExceeded"
PAUSED = "DeploymentPaused"
RESUMED = "DeploymentResumed"
MIN_AVAILABLE = "MinimumReplicasAvailable"
MIN_UNAVAILABLE = "MinimumReplicasUnavailable"


def fnv32a(data: bytes) -> int:
    h = 0x811C9DC5
    for byte in data:
        h ^= byte
        h = (h * 0x01000193) & 0xFFFFFFFF
    return h


def safe_encode(s: str) -> str:
    """rand.SafeEncodeString: map each byte onto the vowel-free alphabet (no bad words)."""
    return "".join(NAME_ALPHABET[ord(ch) % len(NAME_ALPHABET)] for ch in s)


def pod_template_hash(template: dict, collision_count: int | None = None) -> str:
    """ComputeHash: FNV-32a of the template (plus collisionCount), printed in decimal, safe-encoded.

    Upstream hashes Go's printed form of the struct; minik8s hashes canonical JSON of the
    normalised template, so the names have upstream's shape (``web-7d4b9c8f5``) but not
    the same digits as a real cluster would give.
    """
    data = json.dumps(template_without_hash(template), sort_keys=True, separators=(",", ":")).encode()
    h = 0x811C9DC5
    for byte in data:
        h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    if collision_count is not None:
        for byte in int(collision_count).to_bytes(4, "little"):
            h = ((h ^ byte) * 0x01000193) & 0xFFFFFFFF
    return safe_encode(str(h))


def _replicas(rs) -> int:
    return (rs or {}).get("spec", {}).get("replicas", 0) or 0 if rs else 0


def _status(rs, field: str) -> int:
    return ((rs or {}).get("status") or {}).get(field, 0) or 0


def revision_of(rs: dict) -> int:
    try:
        return int((rs["metadata"].get("annotations") or {}).get(P.REVISION_ANNOTATION, "0"))
    except ValueError:
        return 0


def _by_creation(rss: list[dict]) -> list[dict]:
    return sorted(rss, key=lambda r: (parse_time(r["metadata"].get("creationTimestamp")) or 0,
                                      r["metadata"]["name"]))


def get_condition(status: dict, type_: str) -> dict | None:
    for c in status.get("conditions") or []:
        if c["type"] == type_:
            return c
    return None


def set_condition(status: dict, type_: str, cond_status: str, reason: str, message: str, now: float) -> None:
    """SetDeploymentCondition: same status and reason -> unchanged; same status -> keep transition time."""
    cur = get_condition(status, type_)
    if cur and cur["status"] == cond_status and cur["reason"] == reason:
        return
    ts = rfc3339(now)
    new = {"type": type_, "status": cond_status, "lastUpdateTime": ts, "lastTransitionTime": ts,
           "reason": reason, "message": message}
    if cur and cur["status"] == cond_status:
        new["lastTransitionTime"] = cur["lastTransitionTime"]
    status["conditions"] = [c for c in status.get("conditions") or [] if c["type"] != type_] + [new]


def remove_condition(status: dict, type_: str) -> None:
    status["conditions"] = [c for c in status.get("conditions") or [] if c["type"] != type_]


def deployment_complete(d: dict, status: dict) -> bool:
    r = d["spec"].get("replicas", 1)
    return (status.get("updatedReplicas", 0) == r and status.get("replicas", 0) == r
            and status.get("availableReplicas", 0) == r
            and status.get("observedGeneration", 0) >= d["metadata"].get("generation", 1))


def compact_status(st: dict) -> dict:
    return {k: v for k, v in st.items() if v not in (0, None, []) or k == "observedGeneration"}


def set_new_rs_annotations(d: dict, rs: dict, new_revision: str, exists: bool, surge: int) -> bool:
    """SetNewReplicaSetAnnotations: copy the Deployment's annotations, bump the revision."""
    ann = rs["metadata"].setdefault("annotations", {})
    changed = False
    for k, v in sorted((d["metadata"].get("annotations") or {}).items()):
        if k in P.ANNOTATIONS_NOT_COPIED:
            continue
        if ann.get(k) != v:
            ann[k] = v
            changed = True
    old_rev = ann.get(P.REVISION_ANNOTATION)
    try:
        old_int = int(old_rev) if old_rev else 0
    except ValueError:
        return changed
    if old_int < int(new_revision):
        ann[P.REVISION_ANNOTATION] = new_revision
        changed = True
        if old_rev:
            # Rolling back to this ReplicaSet: remember the revisions it had.
            hist = ann.get(P.REVISION_HISTORY_ANNOTATION)
            ann[P.REVISION_HISTORY_ANNOTATION] = f"{hist},{old_rev}" if hist else old_rev
    if not exists:
        changed = set_replicas_annotations(d, rs, surge) or changed
    return changed


def set_replicas_annotations(d: dict, rs: dict, surge: int) -> bool:
    """The desired-replicas and max-replicas annotations (replicas + maxSurge) of a ReplicaSet."""
    ann = rs["metadata"].setdefault("annotations", {})
    want = {P.DESIRED_REPLICAS_ANNOTATION: str(d["spec"].get("replicas", 1)),
            P.MAX_REPLICAS_ANNOTATION: str(d["spec"].get("replicas", 1) + surge)}
    if all(ann.get(k) == v for k, v in want.items()):
        return False
    ann.update(want)
    return True
