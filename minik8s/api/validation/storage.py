"""PersistentVolume and PersistentVolumeClaim validation (pkg/apis/core/validation):
access modes, capacity, sources, the claim's immutable spec.
"""

from __future__ import annotations

from ..defaults.common import VOLUME_SOURCES
from .common import Cause, forbidden, required, unsupported_value, validator


ACCESS_MODES = ["ReadOnlyMany", "ReadWriteMany", "ReadWriteOnce", "ReadWriteOncePod"]


def _access_modes(modes, field: str, pv: bool) -> list[Cause]:
    if not modes:
        return [required(field, "" if pv else "at least 1 access mode is required")]
    causes = [unsupported_value(field, m, ACCESS_MODES) for m in modes if m not in ACCESS_MODES]
    if "ReadWriteOncePod" in modes and len(modes) > 1:
        causes.append(forbidden(field, "may not use ReadWriteOncePod with other access modes"))
    return causes


@validator("PersistentVolume")
def validate_persistentvolume(pv: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistent-volumes"""
    spec = pv.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = _access_modes(spec.get("accessModes"), "spec.accessModes", True)
    cap = spec.get("capacity")
    if not cap:
        causes.append(required("spec.capacity"))
    elif isinstance(cap, dict):
        if "storage" not in cap or len(cap) != 1:
            causes.append(unsupported_value("spec.capacity", sorted(cap) and sorted(cap)[0], ["storage"]))
    sources = [k for k in VOLUME_SOURCES + ("local",) if spec.get(k) is not None]
    if not sources:
        causes.append(required("spec", "must specify a volume type"))
    for s in sources[1:]:
        causes.append(forbidden(f"spec.{s}", "may not specify more than 1 volume type"))
    rp = spec.get("persistentVolumeReclaimPolicy")
    if rp not in ("Delete", "Recycle", "Retain"):
        causes.append(unsupported_value("spec.persistentVolumeReclaimPolicy", rp, ["Delete", "Recycle", "Retain"]))
    vm = spec.get("volumeMode")
    if vm not in ("Block", "Filesystem"):
        causes.append(unsupported_value("spec.volumeMode", vm, ["Block", "Filesystem"]))
    return causes


PVC_UPDATE_FORBIDDEN = ("spec is immutable after creation except resources.requests and "
                        "volumeAttributesClassName for bound claims")


@validator("PersistentVolumeClaim")
def validate_persistentvolumeclaim(pvc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/storage/persistent-volumes/#persistentvolumeclaims"""
    spec = pvc.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = _access_modes(spec.get("accessModes"), "spec.accessModes", False)
    req = ((spec.get("resources") or {}).get("requests") or {}) if isinstance(spec.get("resources"), dict) else {}
    if "storage" not in req:
        causes.append(required("spec.resources[storage]"))
    vm = spec.get("volumeMode")
    if vm not in ("Block", "Filesystem"):
        causes.append(unsupported_value("spec.volumeMode", vm, ["Block", "Filesystem"]))
    if old is not None:
        ospec = old.get("spec") or {}
        strip = ("resources", "volumeAttributesClassName", "volumeName")

        def view(s):
            return {k: v for k, v in s.items() if k not in strip}
        if view(spec) != view(ospec) or (ospec.get("volumeName") and spec.get("volumeName") != ospec["volumeName"]):
            causes.append(forbidden("spec", PVC_UPDATE_FORBIDDEN))
    return causes
