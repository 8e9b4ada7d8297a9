"""Service validation (pkg/apis/core/validation: ValidateService): types, ports, clusterIP(s),
nodePorts, selectors.
"""

from __future__ import annotations

from ..meta import dns1123_label_errors
from .common import (Cause, _Raw, _int, duplicate, forbidden, invalid_value, required, unsupported_value,
                     validate_labels, validator)
from .pods import PROTOCOLS, _port_num_or_name, _port_number


SERVICE_TYPES = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"]
NODE_PORT_RANGE = (30000, 32767)      # --service-node-port-range


@validator("Service")
def validate_service(svc: dict, old: dict | None) -> list[Cause]:
    """https://kubernetes.io/docs/concepts/services-networking/service/"""
    spec = svc.get("spec")
    if not isinstance(spec, dict):
        return [required("spec")]
    causes = []
    typ = spec.get("type")
    if typ not in SERVICE_TYPES:
        causes.append(unsupported_value("spec.type", typ, SERVICE_TYPES))
    ports = spec.get("ports") or []
    headless = spec.get("clusterIP") == "None"
    if typ == "ExternalName":
        if not spec.get("externalName"):
            causes.append(required("spec.externalName"))
    elif not ports and not headless:
        causes.append(required("spec.ports"))
    names, seen = set(), set()
    for i, p in enumerate(ports):
        pf = f"spec.ports[{i}]"
        if not isinstance(p, dict):
            causes.append(invalid_value(pf, p, "must be an object"))
            continue
        name = p.get("name")
        if len(ports) > 1 and not name:
            causes.append(required(f"{pf}.name"))
        elif name:
            causes += [invalid_value(f"{pf}.name", name, m) for m in dns1123_label_errors(str(name))]
            if name in names:
                causes.append(duplicate(f"{pf}.name", name))
            names.add(name)
        causes += _port_number(f"{pf}.port", p.get("port"))
        if p.get("protocol") not in PROTOCOLS:
            causes.append(unsupported_value(f"{pf}.protocol", p.get("protocol"), PROTOCOLS))
        if p.get("targetPort") is not None:
            causes += _port_num_or_name(f"{pf}.targetPort", p["targetPort"])
        np_ = p.get("nodePort")
        if np_:
            if typ == "ClusterIP":
                causes.append(forbidden(f"{pf}.nodePort", "may not be used when `type` is 'ClusterIP'"))
            elif _int(np_) and not NODE_PORT_RANGE[0] <= np_ <= NODE_PORT_RANGE[1]:
                causes.append(invalid_value(f"{pf}.nodePort", np_,
                                            "provided port is not in the valid range. The range of valid "
                                            f"ports is {NODE_PORT_RANGE[0]}-{NODE_PORT_RANGE[1]}"))
        key = (p.get("port"), p.get("protocol"))
        if key in seen:
            causes.append(duplicate(pf, _Raw(f'core.ServicePort{{Name:"{name or ""}", '
                                             f'Protocol:"{p.get("protocol")}", Port:{p.get("port")}, ...}}')))
        seen.add(key)
    sa = spec.get("sessionAffinity")
    if sa not in ("ClientIP", "None"):
        causes.append(unsupported_value("spec.sessionAffinity", sa, ["ClientIP", "None"]))
    causes += validate_labels(spec.get("selector"), "spec.selector")
    if old is not None:
        ospec = old.get("spec") or {}
        if ospec.get("clusterIP") and spec.get("clusterIP") != ospec.get("clusterIP") and \
                typ != "ExternalName" and ospec.get("type") != "ExternalName":
            causes.append(invalid_value("spec.clusterIPs[0]", spec.get("clusterIP") or "",
                                        "may not change once set"))
    return causes
