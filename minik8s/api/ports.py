"""A Service's ``targetPort`` on a pod: a number, or the name of one of the pod's container ports.

https://kubernetes.io/docs/concepts/services-networking/service/#field-spec-ports
(k8s.io/kubernetes/pkg/api/v1/pod FindPort). The EndpointSlice controller uses it for every
endpoint, ``kubectl port-forward`` to translate a Service's port.
"""

from __future__ import annotations


def find_port(pod: dict, target, protocol: str = "TCP") -> int | None:
    """podutil.FindPort: a number is itself; a name is looked up among the containers' ports."""
    if isinstance(target, int):
        return target
    if isinstance(target, str) and target.isdigit():
        return int(target)
    spec = pod.get("spec") or {}
    for c in (spec.get("containers") or []) + (spec.get("initContainers") or []):
        for p in c.get("ports") or []:
            if p.get("name") == target and (p.get("protocol") or "TCP") == protocol:
                return p.get("containerPort")
    return None
