"""``kubectl describe``: a human-readable page about one object and its events.

kubectl's describers (``k8s.io/kubectl/pkg/describe/describe.go``) write lines
such as ``Name:\\tweb`` through a *prefix writer* (two spaces per indentation
level) into Go's ``text/tabwriter`` (minwidth 0, tabwidth 8, padding 2, pad
with spaces). The tabwriter is what aligns the values after ``Name:``,
``Namespace:`` ... into one column. This module reproduces both, then one
``describe_<kind>`` function per kind, written in the same order as upstream's
so that the output matches kubectl v1.33 line for line
(https://kubernetes.io/docs/reference/kubectl/generated/kubectl_describe/).

Every describer is a pure function of the object and what the API server
returns for it (events, pods, ReplicaSets), so a chapter can show it and a test
can pin it. ``now`` (virtual seconds) decides the ages (``5s``, ``3m2s``).
"""

from __future__ import annotations

import base64
import datetime
from decimal import Decimal

from ..api.labels import format_labels, selector_from_object
from ..api.meta import EPOCH, parse_time
from ..api.quantity import (QuantityError, cpu_millis, format_cpu, format_memory, memory_bytes,
                            parse_quantity)
from .printers import human_duration, since  # kubectl's HumanDuration, shared with get

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


# --- Go's text/tabwriter ------------------------------------------------------------------

def tabwrite(text: str, padding: int = 2, minwidth: int = 0) -> str:
    """Align tab-separated cells as Go's ``tabwriter`` (pad with spaces, flags 0).

    describe.go uses minwidth 0 and padding 2; kubectl's table printers (``top``) use
    minwidth 6 and padding 3 (``printers.GetNewTabWriter``).

    A cell is text terminated by a tab; the text after a line's last tab is not a cell and
    does not widen its column. A *column block* is a run of consecutive lines that all
    have a cell in that column; each block gets its own width (widest cell + padding).
    """
    if not text:
        return ""
    raw = text.split("\n")
    terminated = text.endswith("\n")
    if terminated:
        raw = raw[:-1]
    lines = [r.split("\t") for r in raw]
    out: list[str] = []

    def write_lines(l0: int, l1: int, widths: list[int]) -> None:
        for i in range(l0, l1):
            parts = []
            for j, c in enumerate(lines[i]):
                parts.append(c)
                if j < len(widths):
                    parts.append(" " * (widths[j] - len(c)))
            out.append("".join(parts))

    def fmt(l0: int, l1: int, widths: list[int]) -> None:
        column = len(widths)
        this = l0
        while this < l1:
            if column >= len(lines[this]) - 1:
                this += 1
                continue
            write_lines(l0, this, widths)
            l0 = this
            width = minwidth
            while this < l1 and column < len(lines[this]) - 1:
                width = max(width, len(lines[this][column]) + padding)
                this += 1
            fmt(l0, this, widths + [width])
            l0 = this
        write_lines(l0, l1, widths)

    fmt(0, len(lines), [])
    return "\n".join(out) + ("\n" if terminated else "")


class PrefixWriter:
    """describe.go's prefixWriter: ``write(level, text)`` indents by two spaces per level.

    ``flush()`` formats what was written so far as one tabwriter block, as
    ``DescribeEvents`` does before its table (so the Events table aligns on its own).
    """

    def __init__(self):
        self._done: list[str] = []
        self._buf: list[str] = []

    def write(self, level: int, text: str) -> None:
        self._buf.append("  " * level + text)

    def line(self, text: str = "") -> None:
        """WriteLine: ``text`` and a newline, no indentation."""
        self._buf.append(text + "\n")

    def flush(self) -> None:
        self._done.append(tabwrite("".join(self._buf)))
        self._buf = []

    def text(self) -> str:
        self.flush()
        return "".join(self._done)


# --- small formatters (describe.go helpers) --------------------------------------------------

def rfc1123z(ts: str | None) -> str:
    """Go's ``time.RFC1123Z`` (``Mon, 02 Jan 2006 15:04:05 -0700``); the zero time if unset."""
    if not ts:
        return "Mon, 01 Jan 0001 00:00:00 +0000"
    t = EPOCH + datetime.timedelta(seconds=parse_time(ts))
    return t.strftime("%a, %d %b %Y %H:%M:%S +0000")



def format_selector(sel: dict | None) -> str:
    """metav1.FormatLabelSelector / LabelSelectorAsSelector().String()."""
    if sel is None:
        return "<none>"
    s = str(selector_from_object(sel))
    return s if s else "<none>"


def go_list(items) -> str:
    """Go's ``%v`` of a []string: ``[a b]``."""
    return "[" + " ".join(str(i) for i in (items or [])) + "]"


def go_bool(v) -> str:
    return "true" if v else "false"


def print_bool(v) -> str:
    return "True" if v else "False"


_DEC_SUFFIX = ((18, "E"), (15, "P"), (12, "T"), (9, "G"), (6, "M"), (3, "k"), (0, ""), (-3, "m"), (-6, "u"),
               (-9, "n"))


def quantity_str(q) -> str:
    """Quantity.String(): the canonical form (``1024Mi`` -> ``1Gi``, ``0.5`` -> ``500m``, ``1000m`` -> ``1``).

    Binary suffixes stay binary (largest unit with an integer mantissa), everything else is
    written with the largest decimal SI suffix that keeps the number whole.
    """
    if q is None:
        return "0"
    text = str(q).strip()
    try:
        value = parse_quantity(q)
    except QuantityError:
        return text
    if value == 0:
        return "0"
    if any(text.endswith(u) for u in ("Ki", "Mi", "Gi", "Ti", "Pi", "Ei")) and value == int(value):
        return format_memory(int(value))
    if "e" in text.lower() and not text.lower().endswith("e"):
        return text              # DecimalExponent quantities keep their form
    for exp, suffix in _DEC_SUFFIX:
        scaled = value / (Decimal(10) ** exp)
        if scaled == scaled.to_integral_value() and abs(scaled) >= 1:
            return f"{int(scaled)}{suffix}"
    return text


def labels_multiline(w: PrefixWriter, title: str, labels: dict | None, initial: str = "",
                     inner: str = "\t") -> None:
    w.write(0, f"{initial}{title}:{inner}")
    if not labels:
        w.line("<none>")
        return
    for i, k in enumerate(sorted(labels)):
        if i:
            w.write(0, initial + inner)
        w.write(0, f"{k}={labels[k]}\n")


def annotations_multiline(w: PrefixWriter, title: str, annotations: dict | None) -> None:
    w.write(0, f"{title}:\t")
    keys = sorted(k for k in (annotations or {}) if k != LAST_APPLIED)
    if not keys:
        w.line("<none>")
        return
    for i, k in enumerate(keys):
        if i:
            w.write(0, "\t")
        value = str(annotations[k])
        if value.endswith("\n"):
            value = value[:-1]
        if len(value) + len(k) + 2 > MAX_ANNOTATION_LEN or "\n" in value:
            w.write(0, f"{k}:\n")
            for s in value.split("\n"):
                if len(s) > MAX_ANNOTATION_LEN - 2:
                    s = s[:MAX_ANNOTATION_LEN - 2] + "..."
                w.write(0, f"\t  {s}\n")
        else:
            w.write(0, f"{k}: {value}\n")


def taint_string(t: dict) -> str:
    """corev1.Taint.ToString(): ``key=value:Effect`` (``key:Effect`` without a value)."""
    if t.get("value"):
        return f"{t['key']}={t['value']}:{t.get('effect', '')}"
    return f"{t['key']}:{t.get('effect', '')}"


def taints_multiline(w: PrefixWriter, title: str, taints: list | None) -> None:
    w.write(0, f"{title}:\t")
    if not taints:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(taints, key=lambda t: f"{t.get('effect', '')},{t.get('key', '')}")):
        if i:
            w.write(0, "\t")
        w.write(0, taint_string(t) + "\n")


def tolerations_multiline(w: PrefixWriter, title: str, tolerations: list | None) -> None:
    w.write(0, f"{title}:\t")
    if not tolerations:
        w.line("<none>")
        return
    for i, t in enumerate(sorted(tolerations, key=lambda t: t.get("key", ""))):
        if i:
            w.write(0, "\t")
        s = t.get("key", "")
        if t.get("value"):
            s += "=" + t["value"]
        if t.get("effect"):
            s += ":" + t["effect"]
        if t.get("operator") == "Exists" and not t.get("value"):
            s += " op=Exists" if (t.get("key") or t.get("effect")) else "op=Exists"
        if t.get("tolerationSeconds") is not None:
            s += f" for {t['tolerationSeconds']}s"
        w.write(0, s + "\n")


def controlled_by(obj: dict) -> str:
    for ref in obj["metadata"].get("ownerReferences") or []:
        if ref.get("controller"):
            return f"{ref['kind']}/{ref['name']}"
    return ""


def access_modes(modes: list | None) -> str:
    """storageutil.GetAccessModesAsString: RWO,ROX,RWX,RWOP."""
    short = {"ReadWriteOnce": "RWO", "ReadOnlyMany": "ROX", "ReadWriteMany": "RWX",
             "ReadWriteOncePod": "RWOP"}
    seen = []
    for m in ("ReadWriteOnce", "ReadOnlyMany", "ReadWriteMany", "ReadWriteOncePod"):
        if m in (modes or []):
            seen.append(short[m])
    return ",".join(seen)


# --- events ------------------------------------------------------------------------------------

def describe_events(events: list[dict] | None, w: PrefixWriter, now: float) -> None:
    """DescribeEvents: the ``Type Reason Age From Message`` table, oldest first."""
    if events is None:
        return
    if not events:
        w.write(0, "Events:\t<none>\n")
        return
    w.flush()
    w.write(0, "Events:\n  Type\tReason\tAge\tFrom\tMessage\n")
    w.write(1, "----\t------\t----\t----\t-------\n")
    evs = sorted(events, key=lambda e: parse_time(e.get("lastTimestamp")) or 0.0)
    for e in evs:
        first = since(e.get("firstTimestamp") or e.get("eventTime"), now)
        if e.get("series"):
            interval = (f"{since(e['series'].get('lastObservedTime'), now)} "
                        f"(x{e['series'].get('count')} over {first})")
        elif (e.get("count") or 0) > 1:
            interval = f"{since(e.get('lastTimestamp'), now)} (x{e['count']} over {first})"
        else:
            interval = first
        source = (e.get("source") or {}).get("component") or e.get("reportingController") or \
            e.get("reportingComponent") or ""
        # kubectl 1.33 prints the message alone; the ``spec.containers{app}: `` prefix came with
        # kubernetes/kubernetes#133627 (kubectl 1.35)
        message = (e.get("message") or "").strip()
        w.write(1, f"{e.get('type', '')}\t{e.get('reason', '')}\t{interval}\t{source}\t{message}\n")


# --- containers and pod templates -------------------------------------------------------------

def describe_probe(p: dict) -> str:
    """DescribeProbe: ``http-get http://:8080/healthz delay=3s timeout=1s period=3s #success=1 #failure=3``."""
    attrs = (f"delay={p.get('initialDelaySeconds', 0)}s timeout={p.get('timeoutSeconds', 1)}s "
             f"period={p.get('periodSeconds', 10)}s #success={p.get('successThreshold', 1)} "
             f"#failure={p.get('failureThreshold', 3)}")
    if p.get("exec") is not None:
        return f"exec {go_list(p['exec'].get('command'))} {attrs}"
    if p.get("httpGet") is not None:
        h = p["httpGet"]
        scheme = str(h.get("scheme", "HTTP")).lower()
        port = str(h.get("port", ""))
        host = h.get("host", "")
        if ":" in host:
            host = f"[{host}]"
        return f"http-get {scheme}://{host}:{port}{h.get('path', '')} {attrs}"
    if p.get("tcpSocket") is not None:
        t = p["tcpSocket"]
        return f"tcp-socket {t.get('host', '')}:{t.get('port', '')} {attrs}"
    if p.get("grpc") is not None:
        g = p["grpc"]
        return f"grpc <pod>:{g.get('port')} {g.get('service', '')} {attrs}"
    return f"unknown {attrs}"


def _ports(ports: list, host: bool) -> str:
    out = []
    for p in ports or []:
        n = p.get("hostPort", 0) if host else p.get("containerPort")
        s = f"{n}/{p.get('protocol', 'TCP')}"
        if p.get("name"):
            s += f" ({p['name']})"
        out.append(s)
    return ", ".join(out)


def describe_state(title: str, state: dict | None, w: PrefixWriter) -> None:
    state = state or {}
    if state.get("running") is not None:
        w.write(2, f"{title}:\tRunning\n")
        w.write(3, f"Started:\t{rfc1123z(state['running'].get('startedAt'))}\n")
    elif state.get("waiting") is not None:
        w.write(2, f"{title}:\tWaiting\n")
        if state["waiting"].get("reason"):
            w.write(3, f"Reason:\t{state['waiting']['reason']}\n")
    elif state.get("terminated") is not None:
        t = state["terminated"]
        w.write(2, f"{title}:\tTerminated\n")
        if t.get("reason"):
            w.write(3, f"Reason:\t{t['reason']}\n")
        if t.get("message"):
            w.write(3, f"Message:\t{t['message']}\n")
        w.write(3, f"Exit Code:\t{t.get('exitCode', 0)}\n")
        if (t.get("signal") or 0) > 0:
            w.write(3, f"Signal:\t{t['signal']}\n")
        w.write(3, f"Started:\t{rfc1123z(t.get('startedAt'))}\n")
        w.write(3, f"Finished:\t{rfc1123z(t.get('finishedAt'))}\n")
    else:
        w.write(2, f"{title}:\tWaiting\n")


def describe_resources(res: dict | None, w: PrefixWriter, level: int) -> None:
    res = res or {}
    if res.get("limits"):
        w.write(level, "Limits:\n")
        for k in sorted(res["limits"]):
            w.write(level + 1, f"{k}:\t{quantity_str(res['limits'][k])}\n")
    if res.get("requests"):
        w.write(level, "Requests:\n")
        for k in sorted(res["requests"]):
            w.write(level + 1, f"{k}:\t{quantity_str(res['requests'][k])}\n")


def _field_value(pod: dict, path: str) -> str:
    cur = pod
    if path.startswith("metadata.labels['") or path.startswith("metadata.annotations['"):
        which = "labels" if ".labels" in path else "annotations"
        key = path.split("['", 1)[1].rstrip("']")
        return str((pod["metadata"].get(which) or {}).get(key, ""))
    for part in path.split("."):
        if not isinstance(cur, dict):
            return ""
        cur = cur.get(part)
    return "" if cur is None else str(cur)


def describe_containers(label: str, containers: list, statuses: list | None, pod: dict | None,
                        w: PrefixWriter, space: str) -> None:
    by_name = {s["name"]: s for s in statuses or []}
    w.write(0, f"{space}{label}:{'' if containers else ' <none>'}\n")
    indent = " " if space else ""
    for c in containers:
        st = by_name.get(c["name"])
        w.write(1, f"{indent}{c['name']}:\n")
        if st is not None:
            w.write(2, f"Container ID:\t{st.get('containerID', '')}\n")
        w.write(2, f"Image:\t{c.get('image', '')}\n")
        if st is not None:
            w.write(2, f"Image ID:\t{st.get('imageID', '')}\n")
        ports = _ports(c.get("ports"), False)
        if "," in ports:
            w.write(2, f"Ports:\t{ports}\n")
        else:
            w.write(2, f"Port:\t{ports or '<none>'}\n")
        hports = _ports(c.get("ports"), True)
        if "," in hports:
            w.write(2, f"Host Ports:\t{hports}\n")
        else:
            w.write(2, f"Host Port:\t{hports or '<none>'}\n")
        if c.get("command"):
            w.write(2, "Command:\n")
            for x in c["command"]:
                for s in str(x).split("\n"):
                    w.write(3, s + "\n")
        if c.get("args"):
            w.write(2, "Args:\n")
            for x in c["args"]:
                for s in str(x).split("\n"):
                    w.write(3, s + "\n")
        if st is not None:
            describe_state("State", st.get("state"), w)
            if (st.get("lastState") or {}).get("terminated") is not None:
                describe_state("Last State", st["lastState"], w)
            w.write(2, f"Ready:\t{print_bool(st.get('ready'))}\n")
            w.write(2, f"Restart Count:\t{st.get('restartCount', 0)}\n")
        describe_resources(c.get("resources"), w, 2)
        for key, title in (("livenessProbe", "Liveness"), ("readinessProbe", "Readiness"),
                           ("startupProbe", "Startup")):
            if c.get(key):
                w.write(2, f"{title}:\t{describe_probe(c[key])}\n")
        if c.get("envFrom"):
            w.write(2, "Environment Variables from:\n")
            for e in c["envFrom"]:
                if e.get("configMapRef") is not None:
                    src, ref = "ConfigMap", e["configMapRef"]
                else:
                    src, ref = "Secret", e.get("secretRef") or {}
                opt = go_bool(ref.get("optional"))
                if e.get("prefix"):
                    w.write(3, f"{ref.get('name', '')}\t{src} with prefix '{e['prefix']}'\tOptional: {opt}\n")
                else:
                    w.write(3, f"{ref.get('name', '')}\t{src}\tOptional: {opt}\n")
        env = c.get("env") or []
        w.write(2, f"Environment:{'' if env else chr(9) + '<none>'}\n")
        for e in env:
            vf = e.get("valueFrom")
            if vf is None:
                for i, s in enumerate(str(e.get("value", "")).split("\n")):
                    w.write(3, f"{e['name']}:\t{s}\n" if i == 0 else f"\t{s}\n")
            elif vf.get("fieldRef") is not None:
                fr = vf["fieldRef"]
                val = _field_value(pod, fr.get("fieldPath", "")) if pod else ""
                w.write(3, f"{e['name']}:\t{val} ({fr.get('apiVersion', 'v1')}:{fr.get('fieldPath')})\n")
            elif vf.get("resourceFieldRef") is not None:
                rf = vf["resourceFieldRef"]
                w.write(3, f"{e['name']}:\t{_resource_field(c, rf)} ({rf.get('resource')})\n")
            elif vf.get("secretKeyRef") is not None:
                r = vf["secretKeyRef"]
                w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' in secret '{r.get('name')}'>"
                           f"\tOptional: {go_bool(r.get('optional'))}\n")
            elif vf.get("configMapKeyRef") is not None:
                r = vf["configMapKeyRef"]
                w.write(3, f"{e['name']}:\t<set to the key '{r.get('key')}' of config map '{r.get('name')}'>"
                           f"\tOptional: {go_bool(r.get('optional'))}\n")
        mounts = sorted(c.get("volumeMounts") or [], key=lambda m: m.get("mountPath", ""))
        w.write(2, f"Mounts:{'' if mounts else chr(9) + '<none>'}\n")
        for m in mounts:
            flags = ["ro" if m.get("readOnly") else "rw"]
            if m.get("subPath"):
                flags.append(f'path="{m["subPath"]}"')
            w.write(3, f"{m.get('mountPath')} from {m.get('name')} ({','.join(flags)})\n")


def _resource_field(c: dict, rf: dict) -> str:
    res = rf.get("resource", "")
    kind, _, name = res.partition(".")
    val = ((c.get("resources") or {}).get(kind) or {}).get(name)
    if val is None:
        return "node allocatable" if res in ("limits.cpu", "limits.memory") else "0"
    if name == "cpu":
        return str(-(-cpu_millis(val) // cpu_millis(rf.get("divisor", "1"))))
    return str(-(-memory_bytes(val) // memory_bytes(rf.get("divisor", "1"))))


def describe_volumes(volumes: list | None, w: PrefixWriter, space: str) -> None:
    if not volumes:
        w.write(0, f"{space}Volumes:\t<none>\n")
        return
    w.write(0, f"{space}Volumes:\n")
    indent = " " if space else ""
    for v in volumes:
        w.write(1, f"{indent}{v['name']}:\n")
        if "hostPath" in v:
            h = v["hostPath"]
            w.write(2, f"Type:\tHostPath (bare host directory volume)\n    Path:\t{h.get('path')}\n"
                       f"    HostPathType:\t{h.get('type') or '<none>'}\n")
        elif "emptyDir" in v:
            e = v["emptyDir"] or {}
            size = e.get("sizeLimit")
            w.write(2, "Type:\tEmptyDir (a temporary directory that shares a pod's lifetime)\n"
                       f"    Medium:\t{e.get('medium', '')}\n    SizeLimit:\t{size if size else '<unset>'}\n")
        elif "secret" in v:
            s = v["secret"]
            w.write(2, f"Type:\tSecret (a volume populated by a Secret)\n    SecretName:\t{s.get('secretName')}\n"
                       f"    Optional:\t{go_bool(s.get('optional'))}\n")
        elif "configMap" in v:
            s = v["configMap"]
            w.write(2, f"Type:\tConfigMap (a volume populated by a ConfigMap)\n    Name:\t{s.get('name')}\n"
                       f"    Optional:\t{go_bool(s.get('optional'))}\n")
        elif "persistentVolumeClaim" in v:
            s = v["persistentVolumeClaim"]
            w.write(2, "Type:\tPersistentVolumeClaim (a reference to a PersistentVolumeClaim in the same "
                       f"namespace)\n    ClaimName:\t{s.get('claimName')}\n    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
        elif "downwardAPI" in v:
            w.write(2, "Type:\tDownwardAPI (a volume populated by information about the pod)\n    Items:\n")
            for it in v["downwardAPI"].get("items") or []:
                if it.get("fieldRef"):
                    w.write(3, f"{it['fieldRef'].get('fieldPath')} -> {it.get('path')}\n")
                if it.get("resourceFieldRef"):
                    w.write(3, f"{it['resourceFieldRef'].get('resource')} -> {it.get('path')}\n")
        elif "projected" in v:
            w.write(2, "Type:\tProjected (a volume that contains injected data from multiple sources)\n")
            for src in v["projected"].get("sources") or []:
                if src.get("secret") is not None:
                    w.write(2, f"SecretName:\t{src['secret'].get('name')}\n    Optional:\t"
                               f"{go_bool(src['secret'].get('optional'))}\n")
                elif src.get("downwardAPI") is not None:
                    w.write(2, "DownwardAPI:\ttrue\n")
                elif src.get("configMap") is not None:
                    w.write(2, f"ConfigMapName:\t{src['configMap'].get('name')}\n    Optional:\t"
                               f"{go_bool(src['configMap'].get('optional'))}\n")
                elif src.get("serviceAccountToken") is not None:
                    w.write(2, f"TokenExpirationSeconds:\t"
                               f"{src['serviceAccountToken'].get('expirationSeconds', 3607)}\n")
        elif "nfs" in v:
            s = v["nfs"]
            w.write(2, f"Type:\tNFS (an NFS mount that lasts the lifetime of a pod)\n    Server:\t{s.get('server')}\n"
                       f"    Path:\t{s.get('path')}\n    ReadOnly:\t{go_bool(s.get('readOnly'))}\n")
        else:
            w.write(1, "<unknown>\n")


def describe_pod_template(tpl: dict | None, w: PrefixWriter) -> None:
    """DescribePodTemplate: the ``Pod Template:`` section of workloads."""
    w.write(0, "Pod Template:\n")
    if tpl is None:
        w.write(1, "<unset>")
        return
    md = tpl.get("metadata") or {}
    spec = tpl.get("spec") or {}
    labels_multiline(w, "  Labels", md.get("labels"))
    if md.get("annotations"):
        annotations_multiline(w, "  Annotations", md["annotations"])
    if spec.get("serviceAccountName"):
        w.write(1, f"Service Account:\t{spec['serviceAccountName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], None, None, w, "  ")
    describe_containers("Containers", spec.get("containers") or [], None, None, w, "  ")
    describe_volumes(spec.get("volumes"), w, "  ")
    if spec.get("priorityClassName"):
        w.write(1, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    labels_multiline(w, "  Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "  Tolerations", spec.get("tolerations"))


# --- resources of pods (k8s.io/component-helpers/resource) -------------------------------------

def pod_requests(pod: dict) -> dict[str, int]:
    """PodRequests: max(sum of app containers (+ sidecars), each init container) per resource.

    cpu in millicores, memory in bytes
    (https://kubernetes.io/docs/concepts/workloads/pods/init-containers/#resource-sharing-within-containers).
    """
    return _pod_resources(pod, "requests")


def pod_limits(pod: dict) -> dict[str, int]:
    return _pod_resources(pod, "limits")


def _container_res(c: dict, which: str) -> dict[str, int]:
    r = (c.get("resources") or {}).get(which) or {}
    if which == "requests":
        # A limit without a request defaults the request (API defaulting).
        lim = (c.get("resources") or {}).get("limits") or {}
        r = {**lim, **r}
    out = {}
    if "cpu" in r:
        out["cpu"] = cpu_millis(r["cpu"])
    if "memory" in r:
        out["memory"] = memory_bytes(r["memory"])
    return out


def _pod_resources(pod: dict, which: str) -> dict[str, int]:
    spec = pod.get("spec") or {}
    total = {"cpu": 0, "memory": 0}
    for c in spec.get("containers") or []:
        for k, v in _container_res(c, which).items():
            total[k] += v
    sidecars = {"cpu": 0, "memory": 0}
    for c in spec.get("initContainers") or []:
        r = _container_res(c, which)
        if c.get("restartPolicy") == "Always":
            for k, v in r.items():
                total[k] += v
                sidecars[k] += v
        else:
            for k, v in r.items():
                total[k] = max(total[k], v + sidecars[k])
    return total


def qos_class(pod: dict) -> str:
    """The pod's QoS class: status.qosClass, else computed as upstream (qos.GetPodQOS)."""
    q = (pod.get("status") or {}).get("qosClass")
    if q:
        return q
    spec = pod.get("spec") or {}
    containers = list(spec.get("containers") or []) + list(spec.get("initContainers") or [])
    requests, limits = {}, {}
    guaranteed = True
    for c in containers:
        res = c.get("resources") or {}
        req = {k: v for k, v in (res.get("requests") or {}).items() if k in ("cpu", "memory")}
        lim = {k: v for k, v in (res.get("limits") or {}).items() if k in ("cpu", "memory")}
        for k, v in req.items():
            if (cpu_millis(v) if k == "cpu" else memory_bytes(v)) != 0:
                requests[k] = True
        for k, v in lim.items():
            if (cpu_millis(v) if k == "cpu" else memory_bytes(v)) != 0:
                limits[k] = True
        if set(lim) != {"cpu", "memory"}:
            guaranteed = False
        for k in ("cpu", "memory"):
            if k in req and k in lim:
                a = cpu_millis if k == "cpu" else memory_bytes
                if a(req[k]) != a(lim[k]):
                    guaranteed = False
    if not requests and not limits:
        return "BestEffort"
    if guaranteed and set(limits) == {"cpu", "memory"}:
        return "Guaranteed"
    return "Burstable"


# --- describers ---------------------------------------------------------------------------------

def describe_pod(pod: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = pod["metadata"], pod.get("spec") or {}, pod.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    if spec.get("priority") is not None:
        w.write(0, f"Priority:\t{spec['priority']}\n")
    if spec.get("priorityClassName"):
        w.write(0, f"Priority Class Name:\t{spec['priorityClassName']}\n")
    if spec.get("runtimeClassName"):
        w.write(0, f"Runtime Class Name:\t{spec['runtimeClassName']}\n")
    if spec.get("serviceAccountName"):
        w.write(0, f"Service Account:\t{spec['serviceAccountName']}\n")
    if not spec.get("nodeName"):
        w.write(0, "Node:\t<none>\n")
    else:
        w.write(0, f"Node:\t{spec['nodeName']}/{st.get('hostIP', '')}\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    if md.get("deletionTimestamp") and st.get("phase") not in ("Failed", "Succeeded"):
        w.write(0, f"Status:\tTerminating (lasts {since(md['deletionTimestamp'], now)})\n")
        w.write(0, f"Termination Grace Period:\t{md.get('deletionGracePeriodSeconds', 0)}s\n")
    else:
        w.write(0, f"Status:\t{st.get('phase', '')}\n")
    if st.get("reason"):
        w.write(0, f"Reason:\t{st['reason']}\n")
    if st.get("message"):
        w.write(0, f"Message:\t{st['message']}\n")
    w.write(0, f"IP:\t{st.get('podIP', '')}\n")
    if not st.get("podIPs"):
        w.write(0, "IPs:\t<none>\n")
    else:
        w.write(0, "IPs:\n")
        for ip in st["podIPs"]:
            w.write(1, f"IP:\t{ip.get('ip')}\n")
    ctl = controlled_by(pod)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    if st.get("nominatedNodeName"):
        w.write(0, f"NominatedNodeName:\t{st['nominatedNodeName']}\n")
    if spec.get("initContainers"):
        describe_containers("Init Containers", spec["initContainers"], st.get("initContainerStatuses"),
                            pod, w, "")
    describe_containers("Containers", spec.get("containers") or [], st.get("containerStatuses"), pod, w, "")
    if spec.get("readinessGates"):
        w.write(0, "Readiness Gates:\n  Type\tStatus\n")
        for g in spec["readinessGates"]:
            status = next((c["status"] for c in st.get("conditions") or []
                           if c.get("type") == g.get("conditionType")), "<none>")
            w.write(1, f"{g.get('conditionType')} \t{status} \n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \n")
    describe_volumes(spec.get("volumes"), w, "")
    w.write(0, f"QoS Class:\t{qos_class(pod)}\n")
    labels_multiline(w, "Node-Selectors", spec.get("nodeSelector"))
    tolerations_multiline(w, "Tolerations", spec.get("tolerations"))
    describe_events(events, w, now)
    return w.text()


def node_roles(node: dict) -> list[str]:
    roles = set()
    for k, v in (node["metadata"].get("labels") or {}).items():
        if k.startswith("node-role.kubernetes.io/"):
            role = k[len("node-role.kubernetes.io/"):]
            if role:
                roles.add(role)
        elif k == "kubernetes.io/role" and v:
            roles.add(v)
    return sorted(roles)


def _mem(n: int) -> str:
    """A sum of memory as Quantity.String() prints it: binary units when exact, else decimal (``200M``)."""
    return format_memory(n) if n % 1024 == 0 else quantity_str(str(n))


def _pct(part: int, whole: int) -> int:
    return int(part / whole * 100) if whole else 0


def describe_node(node: dict, pods: list[dict], lease: dict | None, events: list | None, now: float) -> str:
    """describeNode; ``pods`` are the node's non-terminated pods, ``lease`` its kube-node-lease Lease."""
    w = PrefixWriter()
    md, spec, st = node["metadata"], node.get("spec") or {}, node.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    roles = node_roles(node)
    w.write(0, f"Roles:\t{','.join(roles) if roles else '<none>'}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    taints_multiline(w, "Taints", spec.get("taints"))
    w.write(0, f"Unschedulable:\t{go_bool(spec.get('unschedulable'))}\n")
    if lease is None:
        w.write(0, f"Lease:\tFailed to get lease: leases.coordination.k8s.io \"{md['name']}\" not found\n")
    else:
        ls = lease.get("spec") or {}
        w.write(0, "Lease:\n")
        w.write(1, f"HolderIdentity:\t{ls.get('holderIdentity') or '<unset>'}\n")
        w.write(1, f"AcquireTime:\t{rfc1123z(ls['acquireTime']) if ls.get('acquireTime') else '<unset>'}\n")
        w.write(1, f"RenewTime:\t{rfc1123z(ls['renewTime']) if ls.get('renewTime') else '<unset>'}\n")
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tLastHeartbeatTime\tLastTransitionTime\tReason\tMessage\n")
        w.write(1, "----\t------\t-----------------\t------------------\t------\t-------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')} \t{rfc1123z(c.get('lastHeartbeatTime'))} \t"
                       f"{rfc1123z(c.get('lastTransitionTime'))} \t{c.get('reason', '')} \t{c.get('message', '')}\n")
    w.write(0, "Addresses:\n")
    for a in st.get("addresses") or []:
        w.write(1, f"{a.get('type')}:\t{a.get('address')}\n")
    for title in ("capacity", "allocatable"):
        if st.get(title):
            w.write(0, f"{title.capitalize()}:\n")
            for k in sorted(st[title]):
                w.write(0, f"  {k}:\t{quantity_str(st[title][k])}\n")
    info = st.get("nodeInfo") or {}
    w.write(0, "System Info:\n")
    for key, title in (("machineID", "Machine ID"), ("systemUUID", "System UUID"), ("bootID", "Boot ID"),
                       ("kernelVersion", "Kernel Version"), ("osImage", "OS Image"),
                       ("operatingSystem", "Operating System"), ("architecture", "Architecture"),
                       ("containerRuntimeVersion", "Container Runtime Version"),
                       ("kubeletVersion", "Kubelet Version")):
        w.write(0, f"  {title}:\t{info.get(key, '')}\n")
    if spec.get("podCIDR"):
        w.write(0, f"PodCIDR:\t{spec['podCIDR']}\n")
    if spec.get("podCIDRs"):
        w.write(0, f"PodCIDRs:\t{','.join(spec['podCIDRs'])}\n")
    if spec.get("providerID"):
        w.write(0, f"ProviderID:\t{spec['providerID']}\n")
    alloc = st.get("allocatable") or st.get("capacity") or {}
    acpu = cpu_millis(alloc.get("cpu", 0))
    amem = memory_bytes(alloc.get("memory", 0))
    aeph = memory_bytes(alloc.get("ephemeral-storage", 0))
    w.write(0, f"Non-terminated Pods:\t({len(pods)} in total)\n")
    w.write(1, "Namespace\tName\t\tCPU Requests\tCPU Limits\tMemory Requests\tMemory Limits\tAge\n")
    w.write(1, "---------\t----\t\t------------\t----------\t---------------\t-------------\t---\n")
    tot_req = {"cpu": 0, "memory": 0}
    tot_lim = {"cpu": 0, "memory": 0}
    for p in pods:
        req, lim = pod_requests(p), pod_limits(p)
        for k in tot_req:
            tot_req[k] += req[k]
            tot_lim[k] += lim[k]
        w.write(1, f"{p['metadata'].get('namespace')}\t{p['metadata']['name']}\t\t"
                   f"{format_cpu(req['cpu'])} ({_pct(req['cpu'], acpu)}%)\t"
                   f"{format_cpu(lim['cpu'])} ({_pct(lim['cpu'], acpu)}%)\t"
                   f"{_mem(req['memory'])} ({_pct(req['memory'], amem)}%)\t"
                   f"{_mem(lim['memory'])} ({_pct(lim['memory'], amem)}%)\t"
                   f"{since(p['metadata'].get('creationTimestamp'), now)}\n")
    w.write(0, "Allocated resources:\n  (Total limits may be over 100 percent, i.e., overcommitted.)\n")
    w.write(1, "Resource\tRequests\tLimits\n")
    w.write(1, "--------\t--------\t------\n")
    w.write(1, f"cpu\t{format_cpu(tot_req['cpu'])} ({_pct(tot_req['cpu'], acpu)}%)\t"
               f"{format_cpu(tot_lim['cpu'])} ({_pct(tot_lim['cpu'], acpu)}%)\n")
    w.write(1, f"memory\t{_mem(tot_req['memory'])} ({_pct(tot_req['memory'], amem)}%)\t"
               f"{_mem(tot_lim['memory'])} ({_pct(tot_lim['memory'], amem)}%)\n")
    w.write(1, f"ephemeral-storage\t0 ({_pct(0, aeph)}%)\t0 ({_pct(0, aeph)}%)\n")
    for k in sorted(alloc):
        if k.startswith("hugepages-"):
            w.write(1, f"{k}\t0 (0%)\t0 (0%)\n")
    for k in sorted(alloc):
        if k not in ("cpu", "memory", "ephemeral-storage", "pods", "storage") and not k.startswith("hugepages-") \
                and "/" in k:
            w.write(1, f"{k}\t0\t0\n")
    describe_events(events, w, now)
    return w.text()


def _pods_status(pods: list[dict], uid: str) -> tuple[int, int, int, int]:
    """getPodStatusForController: Running / Waiting (Pending) / Succeeded / Failed of owned pods."""
    n = {"Running": 0, "Pending": 0, "Succeeded": 0, "Failed": 0}
    for p in pods:
        ref = next((r for r in p["metadata"].get("ownerReferences") or [] if r.get("controller")), None)
        if ref is None or ref.get("uid") != uid:
            continue
        phase = (p.get("status") or {}).get("phase")
        if phase in n:
            n[phase] += 1
    return n["Running"], n["Pending"], n["Succeeded"], n["Failed"]


def _status_line(pods, uid) -> str:
    r, wt, s, f = _pods_status(pods, uid)
    return f"{r} Running / {wt} Waiting / {s} Succeeded / {f} Failed"


def equal_ignore_hash(a: dict, b: dict) -> bool:
    """deploymentutil.EqualIgnoreHash: two pod templates equal but for the pod-template-hash label."""
    def strip(t):
        t = dict(t or {})
        md = dict(t.get("metadata") or {})
        labels = dict(md.get("labels") or {})
        labels.pop("pod-template-hash", None)
        md["labels"] = labels
        if not labels:
            md.pop("labels")
        t["metadata"] = md
        if not md:
            t.pop("metadata")
        return t
    return strip(a) == strip(b)


def deployment_replicasets(deploy: dict, rss: list[dict]) -> tuple[list[dict], dict | None]:
    """(old ReplicaSets, new ReplicaSet) of a Deployment, as deploymentutil finds them."""
    uid = deploy["metadata"].get("uid")
    owned = [rs for rs in rss
             if any(r.get("controller") and r.get("uid") == uid for r in rs["metadata"].get("ownerReferences") or [])]
    owned.sort(key=lambda rs: (rs["metadata"].get("creationTimestamp") or "", rs["metadata"]["name"]))
    new = next((rs for rs in owned if equal_ignore_hash(rs["spec"].get("template"),
                                                          deploy["spec"].get("template"))), None)
    old = [rs for rs in owned if rs is not new]
    return old, new


def _rs_list(rss: list[dict]) -> str:
    s = ", ".join(f"{rs['metadata']['name']} ({(rs.get('status') or {}).get('replicas', 0)}/"
                  f"{rs['spec'].get('replicas', 1)} replicas created)" for rs in rss)
    return s or "<none>"


def _int_or_percent(v) -> str:
    return str(v) if v is not None else ""


def describe_deployment(d: dict, rss: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = d["metadata"], d.get("spec") or {}, d.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('updatedReplicas', 0)} updated | "
               f"{st.get('replicas', 0)} total | {st.get('availableReplicas', 0)} available | "
               f"{st.get('unavailableReplicas', 0)} unavailable\n")
    strategy = spec.get("strategy") or {}
    w.write(0, f"StrategyType:\t{strategy.get('type', '')}\n")
    w.write(0, f"MinReadySeconds:\t{spec.get('minReadySeconds', 0)}\n")
    if strategy.get("rollingUpdate") is not None:
        ru = strategy["rollingUpdate"]
        w.write(0, f"RollingUpdateStrategy:\t{_int_or_percent(ru.get('maxUnavailable'))} max unavailable, "
                   f"{_int_or_percent(ru.get('maxSurge'))} max surge\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    old, new = deployment_replicasets(d, rss)
    if old or new:
        w.write(0, f"OldReplicaSets:\t{_rs_list(old)}\n")
        w.write(0, f"NewReplicaSet:\t{_rs_list([new] if new else [])}\n")
    describe_events(events, w, now)
    return w.text()


def describe_replicaset(rs: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = rs["metadata"], rs.get("spec") or {}, rs.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    ctl = controlled_by(rs)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    w.write(0, f"Replicas:\t{st.get('replicas', 0)} current / {spec.get('replicas', 1)} desired\n")
    w.write(0, "Pods Status:\t")
    w.write(0, _status_line(pods, md.get("uid")) + "\n")
    describe_pod_template(spec.get("template"), w)
    if st.get("conditions"):
        w.write(0, "Conditions:\n  Type\tStatus\tReason\n")
        w.write(1, "----\t------\t------\n")
        for c in st["conditions"]:
            w.write(1, f"{c.get('type')} \t{c.get('status')}\t{c.get('reason', '')}\n")
    describe_events(events, w, now)
    return w.text()


def describe_daemonset(ds: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = ds["metadata"], ds.get("spec") or {}, ds.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    w.write(0, f"Node-Selector:\t{format_labels(((spec.get('template') or {}).get('spec') or {}).get('nodeSelector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Desired Number of Nodes Scheduled: {st.get('desiredNumberScheduled', 0)}\n")
    w.write(0, f"Current Number of Nodes Scheduled: {st.get('currentNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Up-to-date Pods: {st.get('updatedNumberScheduled', 0)}\n")
    w.write(0, f"Number of Nodes Scheduled with Available Pods: {st.get('numberAvailable', 0)}\n")
    w.write(0, f"Number of Nodes Misscheduled: {st.get('numberMisscheduled', 0)}\n")
    w.write(0, f"Pods Status:\t{_status_line(pods, md.get('uid'))}\n")
    describe_pod_template(spec.get("template"), w)
    describe_events(events, w, now)
    return w.text()


def describe_statefulset(ss: dict, pods: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = ss["metadata"], ss.get("spec") or {}, ss.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"CreationTimestamp:\t{rfc1123z(md.get('creationTimestamp'))}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector'))}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Replicas:\t{spec.get('replicas', 1)} desired | {st.get('replicas', 0)} total\n")
    us = spec.get("updateStrategy") or {}
    w.write(0, f"Update Strategy:\t{us.get('type', '')}\n")
    ru = us.get("rollingUpdate")
    if ru is not None and ru.get("partition") is not None:
        w.write(1, f"Partition:\t{ru['partition']}\n")
        if ru.get("maxUnavailable") is not None:
            w.write(1, f"MaxUnavailable:\t{ru['maxUnavailable']}\n")
    w.write(0, f"Pods Status:\t{_status_line(pods, md.get('uid'))}\n")
    describe_pod_template(spec.get("template"), w)
    vcts = spec.get("volumeClaimTemplates") or []
    if not vcts:
        w.write(0, "Volume Claims:\t<none>\n")
    else:
        w.write(0, "Volume Claims:\n")
        for pvc in vcts:
            pmd, pspec = pvc.get("metadata") or {}, pvc.get("spec") or {}
            w.write(1, f"Name:\t{pmd.get('name')}\n")
            w.write(1, f"StorageClass:\t{pspec.get('storageClassName', '')}\n")
            labels_multiline(w, "Labels", pmd.get("labels"), initial="  ")
            labels_multiline(w, "Annotations", pmd.get("annotations"), initial="  ")
            cap = ((pspec.get("resources") or {}).get("requests") or {}).get("storage")
            w.write(1, f"Capacity:\t{cap if cap is not None else '<default>'}\n")
            w.write(1, f"Access Modes:\t{go_list(pspec.get('accessModes'))}\n")
    describe_events(events, w, now)
    return w.text()


def describe_job(job: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = job["metadata"], job.get("spec") or {}, job.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    w.write(0, f"Selector:\t{format_selector(spec.get('selector')) if spec.get('selector') else ''}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    ctl = controlled_by(job)
    if ctl:
        w.write(0, f"Controlled By:\t{ctl}\n")
    if spec.get("parallelism") is not None:
        w.write(0, f"Parallelism:\t{spec['parallelism']}\n")
    if spec.get("completions") is not None:
        w.write(0, f"Completions:\t{spec['completions']}\n")
    else:
        w.write(0, "Completions:\t<unset>\n")
    if spec.get("completionMode"):
        w.write(0, f"Completion Mode:\t{spec['completionMode']}\n")
    if spec.get("suspend") is not None:
        w.write(0, f"Suspend:\t{go_bool(spec['suspend'])}\n")
    if spec.get("backoffLimit") is not None:
        w.write(0, f"Backoff Limit:\t{spec['backoffLimit']}\n")
    if spec.get("ttlSecondsAfterFinished") is not None:
        w.write(0, f"TTL Seconds After Finished:\t{spec['ttlSecondsAfterFinished']}\n")
    if st.get("startTime"):
        w.write(0, f"Start Time:\t{rfc1123z(st['startTime'])}\n")
    if st.get("completionTime"):
        w.write(0, f"Completed At:\t{rfc1123z(st['completionTime'])}\n")
    if st.get("startTime") and st.get("completionTime"):
        w.write(0, f"Duration:\t{human_duration(parse_time(st['completionTime']) - parse_time(st['startTime']))}\n")
    if spec.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{spec['activeDeadlineSeconds']}s\n")
    if st.get("ready") is None:
        w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active / {st.get('succeeded', 0)} Succeeded / "
                   f"{st.get('failed', 0)} Failed\n")
    else:
        w.write(0, f"Pods Statuses:\t{st.get('active', 0)} Active ({st['ready']} Ready) / "
                   f"{st.get('succeeded', 0)} Succeeded / {st.get('failed', 0)} Failed\n")
    if spec.get("completionMode") == "Indexed":
        w.write(0, f"Completed Indexes:\t{st.get('completedIndexes') or '<none>'}\n")
    describe_pod_template(spec.get("template"), w)
    describe_events(events, w, now)
    return w.text()


def describe_cronjob(cj: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = cj["metadata"], cj.get("spec") or {}, cj.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Schedule:\t{spec.get('schedule', '')}\n")
    w.write(0, f"Concurrency Policy:\t{spec.get('concurrencyPolicy', '')}\n")
    w.write(0, f"Suspend:\t{print_bool(spec['suspend']) if spec.get('suspend') is not None else '<unset>'}\n")
    w.write(0, f"Time Zone:\t{spec.get('timeZone') or '<unset>'}\n")
    for key, title in (("successfulJobsHistoryLimit", "Successful Job History Limit"),
                       ("failedJobsHistoryLimit", "Failed Job History Limit")):
        w.write(0, f"{title}:\t{spec[key] if spec.get(key) is not None else '<unset>'}\n")
    sds = spec.get("startingDeadlineSeconds")
    w.write(0, f"Starting Deadline Seconds:\t{f'{sds}s' if sds is not None else '<unset>'}\n")
    jt = (spec.get("jobTemplate") or {}).get("spec") or {}
    w.write(0, f"Selector:\t{format_selector(jt['selector']) if jt.get('selector') else '<unset>'}\n")
    w.write(0, f"Parallelism:\t{jt['parallelism'] if jt.get('parallelism') is not None else '<unset>'}\n")
    w.write(0, f"Completions:\t{jt['completions'] if jt.get('completions') is not None else '<unset>'}\n")
    if jt.get("activeDeadlineSeconds") is not None:
        w.write(0, f"Active Deadline Seconds:\t{jt['activeDeadlineSeconds']}s\n")
    describe_pod_template(jt.get("template"), w)
    lst = st.get("lastScheduleTime")
    w.write(0, f"Last Schedule Time:\t{rfc1123z(lst) if lst else '<unset>'}\n")
    w.write(0, "Active Jobs:\t")
    active = st.get("active") or []
    w.line(", ".join(j.get("name", "") for j in active) if active else "<none>")
    describe_events(events, w, now)
    return w.text()


def format_endpoint_slices(slices: list[dict], port_name: str | None) -> str:
    """formatEndpointSlices: up to three ready ``ip:port`` then ``+ N more...``."""
    if not slices:
        return "<none>"
    out: list[str] = []
    more = False
    count = 0
    for s in slices:
        eps = s.get("endpoints") or []
        if not s.get("ports"):
            for e in eps:
                if len(out) == 3:
                    more = True
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    out.append(e["addresses"][0])
                count += 1
            continue
        for p in s["ports"]:
            if port_name is not None and (p.get("name") or "") != port_name:
                continue
            for e in eps:
                if len(out) == 3:
                    more = True
                if (e.get("conditions") or {}).get("ready") is False:
                    continue
                if not more:
                    addr = e["addresses"][0]
                    host = f"[{addr}]" if ":" in addr else addr
                    out.append(f"{host}:{p.get('port')}")
                count += 1
    ret = ",".join(out)
    if more:
        return f"{ret} + {count - 3} more..."
    return ret


def describe_service(svc: dict, slices: list[dict], events: list | None, now: float) -> str:
    w = PrefixWriter()
    md, spec, st = svc["metadata"], svc.get("spec") or {}, svc.get("status") or {}
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"Selector:\t{format_labels(spec.get('selector'))}\n")
    w.write(0, f"Type:\t{spec.get('type', '')}\n")
    if spec.get("ipFamilyPolicy"):
        w.write(0, f"IP Family Policy:\t{spec['ipFamilyPolicy']}\n")
    fams = spec.get("ipFamilies") or []
    w.write(0, f"IP Families:\t{','.join(fams) if fams else '<none>'}\n")
    w.write(0, f"IP:\t{spec.get('clusterIP', '')}\n")
    ips = spec.get("clusterIPs") or []
    w.write(0, f"IPs:\t{','.join(ips) if ips else '<none>'}\n")
    if spec.get("externalIPs"):
        w.write(0, f"External IPs:\t{','.join(spec['externalIPs'])}\n")
    if spec.get("loadBalancerIP"):
        w.write(0, f"Desired LoadBalancer IP:\t{spec['loadBalancerIP']}\n")
    if spec.get("externalName"):
        w.write(0, f"External Name:\t{spec['externalName']}\n")
    ingress = (st.get("loadBalancer") or {}).get("ingress") or []
    if ingress:
        parts = []
        for i in ingress:
            if i.get("ip"):
                parts.append(i["ip"] + (f" ({i['ipMode']})" if i.get("ipMode") else ""))
            else:
                parts.append(i.get("hostname", ""))
        w.write(0, f"LoadBalancer Ingress:\t{', '.join(parts)}\n")
    for p in spec.get("ports") or []:
        name = p.get("name") or "<unset>"
        proto = p.get("protocol", "TCP")
        w.write(0, f"Port:\t{name}\t{p.get('port')}/{proto}\n")
        w.write(0, f"TargetPort:\t{p.get('targetPort', p.get('port'))}/{proto}\n")
        if p.get("appProtocol"):
            w.write(0, f"AppProtocol:\t{p['appProtocol']}\n")
        if p.get("nodePort"):
            w.write(0, f"NodePort:\t{name}\t{p['nodePort']}/{proto}\n")
        w.write(0, f"Endpoints:\t{format_endpoint_slices(slices, p.get('name') or '')}\n")
    w.write(0, f"Session Affinity:\t{spec.get('sessionAffinity', '')}\n")
    if spec.get("externalTrafficPolicy"):
        w.write(0, f"External Traffic Policy:\t{spec['externalTrafficPolicy']}\n")
    if spec.get("internalTrafficPolicy"):
        w.write(0, f"Internal Traffic Policy:\t{spec['internalTrafficPolicy']}\n")
    if spec.get("healthCheckNodePort"):
        w.write(0, f"HealthCheck NodePort:\t{spec['healthCheckNodePort']}\n")
    if spec.get("loadBalancerSourceRanges"):
        w.write(0, f"LoadBalancer Source Ranges:\t{','.join(spec['loadBalancerSourceRanges'])}\n")
    if spec.get("trafficDistribution"):
        w.write(0, f"Traffic Distribution:\t{spec['trafficDistribution']}\n")
    describe_events(events, w, now)
    return w.text()


def describe_endpointslice(eps: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = eps["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, f"AddressType:\t{eps.get('addressType', '')}\n")
    if not eps.get("ports"):
        w.write(0, "Ports: <unset>\n")
    else:
        w.write(0, "Ports:\n")
        w.write(1, "Name\tPort\tProtocol\n")
        w.write(1, "----\t----\t--------\n")
        for p in eps["ports"]:
            w.write(1, f"{p.get('name') or '<unset>'}\t{p.get('port', '<unset>')}\t{p.get('protocol', 'TCP')}\n")
    if not eps.get("endpoints"):
        w.write(0, "Endpoints: <none>\n")
    else:
        w.write(0, "Endpoints:\n")
        for e in eps["endpoints"]:
            w.write(1, f"- Addresses:\t{', '.join(e.get('addresses') or []) or '<none>'}\n")
            w.write(2, "Conditions:\n")
            ready = (e.get("conditions") or {}).get("ready")
            w.write(3, f"Ready:\t{'<unset>' if ready is None else go_bool(ready)}\n")
            w.write(2, f"Hostname:\t{e.get('hostname') or '<unset>'}\n")
            if e.get("targetRef"):
                w.write(2, f"TargetRef:\t{e['targetRef'].get('kind')}/{e['targetRef'].get('name')}\n")
            w.write(2, f"NodeName:\t{e.get('nodeName') or '<unset>'}\n")
            w.write(2, f"Zone:\t{e.get('zone') or '<unset>'}\n")
    describe_events(events, w, now)
    return w.text()


def describe_endpoints(ep: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = ep["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    w.write(0, "Subsets:\n")
    for s in ep.get("subsets") or []:
        w.write(1, f"Addresses:\t{','.join(a['ip'] for a in s.get('addresses') or []) or '<none>'}\n")
        w.write(1, f"NotReadyAddresses:\t{','.join(a['ip'] for a in s.get('notReadyAddresses') or []) or '<none>'}\n")
        if s.get("ports"):
            w.write(1, "Ports:\n")
            w.write(2, "Name\tPort\tProtocol\n")
            w.write(2, "----\t----\t--------\n")
            for p in s["ports"]:
                w.write(2, f"{p.get('name') or '<unset>'}\t{p.get('port')}\t{p.get('protocol', 'TCP')}\n")
        w.write(0, "\n")
    describe_events(events, w, now)
    return w.text()


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


# --- the generic describer (kinds without their own: Event, Lease, ControllerRevision) ---------

def smart_label(field: str) -> str:
    """smartLabelFor: ``holderIdentity`` -> ``Holder Identity``, ``apiVersion`` -> ``API Version``."""
    if any(not (ch.isalpha() or ch == "-") for ch in field):
        return field
    parts: list[str] = []
    cur = ""
    for i, ch in enumerate(field):
        if cur and ch.isupper() and (not cur[-1].isupper() or
                                     (i + 1 < len(field) and field[i + 1].islower())):
            parts.append(cur)
            cur = ""
        cur += ch
    if cur:
        parts.append(cur)
    out = []
    for p in parts:
        if p.upper() in ("API", "URL", "UID", "GUID"):
            out.append(p.upper())
        elif p.lower() == p:
            out.append(p[:1].upper() + p[1:])
        else:
            out.append(p)
    return " ".join(out)


def _go_scalar(v) -> str:
    if isinstance(v, bool):
        return go_bool(v)
    if v is None:
        return "<nil>"
    return str(v)


def _unstructured(w: PrefixWriter, level: int, content: dict, prefix: str, skip: tuple) -> None:
    for field in sorted(content):
        value = content[field]
        expr = f"{prefix}.{field}"
        if expr in skip:
            continue
        if isinstance(value, dict):
            w.write(level, f"{smart_label(field)}:\n")
            _unstructured(w, level + 1, value, expr, skip)
        elif isinstance(value, list):
            w.write(level, f"{smart_label(field)}:\n")
            for child in value:
                if isinstance(child, dict):
                    _unstructured(w, level + 1, child, expr, skip)
                else:
                    w.write(level + 1, f"{_go_scalar(child)}\n")
        else:
            w.write(level, f"{smart_label(field)}:\t{_go_scalar(value)}\n")


def describe_generic(obj: dict, events: list | None, now: float) -> str:
    w = PrefixWriter()
    md = obj["metadata"]
    w.write(0, f"Name:\t{md['name']}\n")
    w.write(0, f"Namespace:\t{md.get('namespace', '')}\n")
    labels_multiline(w, "Labels", md.get("labels"))
    annotations_multiline(w, "Annotations", md.get("annotations"))
    _unstructured(w, 0, obj, "", (".metadata.managedFields", ".metadata.name", ".metadata.namespace",
                                  ".metadata.labels", ".metadata.annotations"))
    describe_events(events, w, now)
    return w.text()
