"""``kubectl describe`` for ConfigMap, Secret, Namespace, ServiceAccount, PriorityClass.
"""

from __future__ import annotations

import base64

from ...api.labels import format_labels
from .writer import PrefixWriter, annotations_multiline, describe_events, go_bool, labels_multiline, rfc1123z


def describe_configmap(cm: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = cm["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, "\nData\n====\n")
    for k in sorted(cm.get("data") or {}):
        w.write(0, f"{k}:\n----\n")
        w.write(0, f"{cm['data'][k]}\n")
        w.write(0, "\n")
    w.write(0, "\nBinaryData\n====\n")
    for k in sorted(cm.get("binaryData") or {}):
        w.write(0, f"{k}: {len(base64.b64decode(cm['binaryData'][k]))} bytes\n")
    w.write(0, "\n")
    describe_events(events, w, now)
    return w.text()


def describe_secret(sec: dict) -> str:
    """describeSecret: the sizes of the values, never the values."""
    w = PrefixWriter()
    md = sec["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"\nType:\t{sec.get('type', 'Opaque')}\n")
    w.write(0, "\nData\n====\n")
    data = sec.get("data") or {}
    for k in sorted(data):
        raw = base64.b64decode(data[k] or "")
        if k == "token" and sec.get("type") == "kubernetes.io/service-account-token":
            w.write(0, f"{k}:\t{raw.decode('utf-8', 'replace')}\n")
        else:
            w.write(0, f"{k}:\t{len(raw)} bytes\n")
    return w.text()


def describe_namespace(ns: dict) -> str:
    w = PrefixWriter()
    md, st = ns["metadata"], ns.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Status:\t{st.get('phase', '')}\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n")
        w.write(1, "Type\tStatus\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')}\t{c.get('status')}\t{rfc1123z(c.get('lastTransitionTime'))}\t"
                       f"{c.get('reason', '')}\t{c.get('message', '')}\n")
    w.write(0, "\n")
    w.write(0, "No resource quota.\n")
    w.write(0, "\n")
    w.write(0, "No LimitRange resource.\n")
    return w.text()


def describe_service_account(sa: dict, secrets: list[dict], events: list | None, now: float) -> str:
    """describeServiceAccount (kubectl 1.33: image pull secrets, mountable secrets, tokens).

    ``secrets`` are the namespace's Secrets: service-account-token Secrets annotated with this
    account are its Tokens; referenced Secrets that do not exist are marked ``(not found)``.
    """
    w = PrefixWriter()
    md = sa["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    existing = {s["metadata"]["name"] for s in secrets}
    tokens = []
    for s in secrets:
        ann = s["metadata"].get("annotations") or {}
        if s.get("type") == "kubernetes.io/service-account-token" and \
                ann.get("kubernetes.io/service-account.name") == md["name"] and \
                ann.get("kubernetes.io/service-account.uid", md.get("uid")) == md.get("uid"):
            # (the token controller fills in the uid annotation; a Secret without it is matched by name)
            tokens.append(s["metadata"]["name"])
    groups = {"Image pull secrets:": [r.get("name") for r in sa.get("imagePullSecrets") or []],
              "Mountable secrets: ": [r.get("name") for r in sa.get("secrets") or []],
              "Tokens:            ": tokens}
    for header in sorted(groups):
        names = groups[header]
        if not names:
            w.write(0, f"{header}\t<none>\n")
            continue
        prefix = header
        for n in names:
            missing = " (not found)" if n not in existing else ""
            w.write(0, f"{prefix}\t{n}{missing}\n")
            prefix = " " * 19
    describe_events(events, w, now)
    return w.text()


def describe_priorityclass(pc: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    w.write(0, f"Name:\t{pc['metadata']['name']}\n")
    w.write(0, f"Value:\t{pc.get('value', 0)}\n")
    w.write(0, f"GlobalDefault:\t{go_bool(pc.get('globalDefault'))}\n")
    w.write(0, f"PreemptionPolicy:\t{pc.get('preemptionPolicy', 'PreemptLowerPriority')}\n")
    w.write(0, f"Description:\t{pc.get('description', '')}\n")
    w.write(0, f"Annotations:\t{format_labels(pc['metadata'].get('annotations'))}\n")
    describe_events(events, w, now)
    return w.text()
