"""``kubectl describe`` for PersistentVolume, PersistentVolumeClaim, StorageClass.
"""

from __future__ import annotations

from ...api.labels import format_labels
from ..printers import since
from .writer import (PrefixWriter, access_modes, annotations_multiline, describe_events, go_bool, go_list,
                     labels_multiline, print_bool, rfc1123z)


def describe_pv(pv: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = pv["metadata"], pv.get("spec") or {}, pv.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Finalizers:\t{go_list(md.get('finalizers'))}\n")
    w.write(0, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
    if md.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{st.get('phase', '')}\n")
    cr = spec.get("claimRef")
    w.write(0, f"Claim:\t{cr.get('namespace', '')}/{cr.get('name', '')}\n" if cr else "Claim:\t\n")
    w.write(0, f"Reclaim Policy:\t{spec.get('persistentVolumeReclaimPolicy', '')}\n")
    w.write(0, f"Access Modes:\t{access_modes(spec.get('accessModes'))}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    w.write(0, f"Capacity:\t{(spec.get('capacity') or {}).get('storage', '0')}\n")
    na = spec.get("nodeAffinity")
    w.write(0, "Node Affinity:\t")
    if not na or not na.get("required"):
        w.line("<none>")
    else:
        w.line("")
        terms = na["required"].get("nodeSelectorTerms") or []
        w.write(1, "Required Terms:\t")
        if not terms:
            w.line("<none>")
        else:
            w.line("")
            for i, term in enumerate(terms):
                w.write(2, f"Term {i}:\t")
                exprs = term.get("matchExpressions") or []
                if not exprs:
                    w.line("<none>")
                for j, r in enumerate(exprs):
                    if j:
                        w.write(2, "\t")
                    s = f"{r['key']} {r['operator'].lower()}"
                    if r.get("values"):
                        s += f" [{', '.join(r['values'])}]"
                    w.write(0, s + "\n")
    w.write(0, f"Message:\t{st.get('message', '')}\n")
    w.write(0, "Source:\n")
    if spec.get("hostPath") is not None:
        h = spec["hostPath"]
        w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{h.get('path')}\n"
                   f"    HostPathType:\t{h.get('type') or '<none>'}\n")
    elif spec.get("local") is not None:
        w.write(2, f"Type:\tLocalVolume (a persistent volume backed by local storage on a node)\n"
                   f"    Path:\t{spec['local'].get('path')}\n")
    elif spec.get("nfs") is not None:
        s = spec["nfs"]
        w.write(2, f"Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{s.get('server')}\n"
                   f"    Path:\t{s.get('path')}\n    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
    elif spec.get("csi") is not None:     # printCSIPersistentVolumeSource
        s = spec["csi"]
        w.write(2, f"Type:\tCSI (a Container Storage Interface (CSI) volume source)\n    Driver:\t{s.get('driver')}\n"
                   f"    FSType:\t{s.get('fsType', '')}\n    VolumeHandle:\t{s.get('volumeHandle')}\n"
                   f"    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
        attrs = s.get("volumeAttributes") or {}
        w.write(2, "VolumeAttributes:\t" + ("<none>\n" if not attrs else ""))
        for i, k in enumerate(sorted(attrs)):
            w.write(3 if i else 0, f"{k}={attrs[k]}\n")
    else:
        w.write(1, "<unknown>\n")
    describe_events(events, w, now)
    return w.text()


def describe_pvc(pvc: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = pvc["metadata"], pvc.get("spec") or {}, pvc.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"StorageClass:\t{spec.get('storageClassName', '')}\n")
    if md.get("deletionTimestamp"):
        w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
    else:
        w.write(0, f"Status:\t{st.get('phase', '')}\n")
    w.write(0, f"Volume:\t{spec.get('volumeName', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Finalizers:\t{go_list(md.get('finalizers'))}\n")
    cap, modes = "", ""
    if spec.get("volumeName"):
        modes = access_modes(st.get("accessModes"))
        cap = str((st.get("capacity") or {}).get("storage", "0"))
    w.write(0, f"Capacity:\t{cap}\n")
    w.write(0, f"Access Modes:\t{modes}\n")
    if spec.get("volumeMode"):
        w.write(0, f"VolumeMode:\t{spec['volumeMode']}\n")
    users = sorted({p["metadata"]["name"] for p in pods
                    if any((v.get("persistentVolumeClaim") or {}).get("claimName") == md["name"]
                           for v in (p.get("spec") or {}).get("volumes") or [])})
    w.write(0, "Used By:\t")
    if not users:
        w.line("<none>")
    for i, n in enumerate(users):
        if i:
            w.write(0, "\t")
        w.write(0, n + "\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastProbeTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastProbeTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    describe_events(events, w, now)
    return w.text()


def describe_storageclass(sc: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = sc["metadata"]
    ann = md.get("annotations") or {}
    default = "Unset"
    for key in ("storageclass.kubernetes.io/is-default-class", "storageclass.beta.kubernetes.io/is-default-class"):
        if key in ann:
            default = "Yes" if ann[key] == "true" else "No"
            break
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"IsDefaultClass:\t{default}\n")
    w.write(0, f"Annotations:\t{format_labels(ann)}\n")
    w.write(0, f"Provisioner:\t{sc.get('provisioner', '')}\n")
    w.write(0, f"Parameters:\t{format_labels(sc.get('parameters'))}\n")
    ave = sc.get("allowVolumeExpansion")
    w.write(0, f"AllowVolumeExpansion:\t{'<unset>' if ave is None else print_bool(ave)}\n")
    if not sc.get("mountOptions"):
        w.write(0, "MountOptions:\t<none>\n")
    else:
        w.write(0, "MountOptions:\n")
        for o in sc["mountOptions"]:
            w.write(1, f"{o}\n")
    if sc.get("reclaimPolicy"):
        w.write(0, f"ReclaimPolicy:\t{sc['reclaimPolicy']}\n")
    if sc.get("volumeBindingMode"):
        w.write(0, f"VolumeBindingMode:\t{sc['volumeBindingMode']}\n")
    describe_events(events, w, now)
    return w.text()
