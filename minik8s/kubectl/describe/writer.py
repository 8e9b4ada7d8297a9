"""What every ``kubectl describe`` page is written with.

kubectl's describers (``k8s.io/kubectl/pkg/describe/describe.go``) write lines
such as ``Name:\\tweb`` through a *prefix writer* (two spaces per indentation
level) into Go's ``text/tabwriter`` (minwidth 0, tabwidth 8, padding 2, pad
with spaces). The tabwriter is what aligns the values after ``Name:``,
``Namespace:`` ... into one column. This module reproduces both, plus the small
formatters every describer shares (labels, annotations, taints, tolerations,
quantities, the Events table).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from ...api.labels import selector_from_object
from ...api.meta import EPOCH, parse_time
from ...api.quantity import QuantityError, format_memory, parse_quantity
from ..printers import since

LAST_APPLIED = "kubectl.kubernetes.io/last-applied-configuration"
MAX_ANNOTATION_LEN = 140


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
