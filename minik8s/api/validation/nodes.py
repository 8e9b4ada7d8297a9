"""Node and PriorityClass validation (pkg/apis/core/validation, pkg/apis/scheduling/validation).
"""

from __future__ import annotations

from ..admission import SYSTEM_PRIORITY_CLASSES
from .common import (Cause, _int, forbidden, invalid_value, qualified_name_errors, required,
                     unsupported_value, validator)


@validator("Node")
def validate_node(node: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/architecture/nodes/"""
    causes = []
    for i, t in enumerate(((node.get("spec") or {}).get("taints")) or []):
        tf = f"spec.taints[{i}]"
        if not isinstance(t, dict):
            causes.append(invalid_value(tf, t, "must be an object"))
            continue
        if not t.get("key"):
            causes.append(required(f"{tf}.key"))
        else:
            causes += [invalid_value(f"{tf}.key", t["key"], m) for m in qualified_name_errors(t["key"])]
        if t.get("effect") not in ("NoSchedule", "PreferNoSchedule", "NoExecute"):
            causes.append(unsupported_value(f"{tf}.effect", t.get("effect"),
                                            ["NoSchedule", "PreferNoSchedule", "NoExecute"]))
    return causes


@validator("PriorityClass")
def validate_priorityclass(pc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/scheduling-eviction/pod-priority-preemption/#priorityclass"""
    causes = []
    name = (pc.get("metadata") or {}).get("name") or ""
    value = pc.get("value")
    if name.startswith("system-") and name not in SYSTEM_PRIORITY_CLASSES:
        causes.append(invalid_value("metadata.name", name,
                                    "priority class names with 'system-' prefix are reserved"))
    elif _int(value) and value > 1000000000 and name not in SYSTEM_PRIORITY_CLASSES:
        causes.append(forbidden("value", "maximum allowed value of a user defined priority is 1000000000"))
    if old is not None and value != old.get("value"):
        causes.append(forbidden("value", "may not be changed in an update."))
    pp = pc.get("preemptionPolicy")
    if pp not in ("Never", "PreemptLowerPriority"):
        causes.append(unsupported_value("preemptionPolicy", pp, ["Never", "PreemptLowerPriority"]))
    return causes
