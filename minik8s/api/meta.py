"""Object metadata helpers: copying, keys, timestamps, names and uids.

Every Kubernetes object is a JSON document with ``apiVersion``, ``kind``,
``metadata`` and usually ``spec`` and ``status``. minik8s keeps objects as
plain dicts, exactly as ``kubectl get -o json`` shows them.
"""

from __future__ import annotations

import datetime
import re
from functools import lru_cache

# Virtual time 0 is this instant; creationTimestamps count from it.
EPOCH = datetime.datetime(2025, 1, 1, tzinfo=datetime.timezone.utc)

# k8s.io/apimachinery/pkg/util/rand: the alphabet generated names use (no vowels, no 0/1/3).
NAME_ALPHABET = "bcdfghjklmnpqrstvwxz2456789"


def clone(obj):
    """A deep copy of a JSON-like value (dicts, lists, scalars); much faster than copy.deepcopy.
    Scalars (most of an object) are shared, not passed to a call of their own."""
    if type(obj) is dict:
        out = {}
        for k, v in obj.items():
            t = type(v)
            out[k] = clone(v) if (t is dict or t is list) else v
        return out
    if type(obj) is list:
        return [clone(v) if (type(v) is dict or type(v) is list) else v for v in obj]
    return obj


def rfc3339(seconds: float) -> str:
    """Virtual time ``seconds`` as an RFC 3339 timestamp (whole seconds, as the API stores them)."""
    return _rfc3339(int(seconds))


@lru_cache(maxsize=256)
def _rfc3339(seconds: int) -> str:
    # components stamp many objects within the same virtual second
    t = EPOCH + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def rfc3339_micro(seconds: float) -> str:
    """RFC 3339 with microseconds (MicroTime fields such as Lease renewTime, Event eventTime)."""
    t = EPOCH + datetime.timedelta(seconds=seconds)
    return t.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_time(text: str | None) -> float | None:
    """Inverse of :func:`rfc3339`: virtual seconds for a timestamp, or None."""
    if not text:
        return None
    text = text.replace("Z", "+00:00")
    t = datetime.datetime.fromisoformat(text)
    return (t - EPOCH).total_seconds()


def key_of(obj: dict) -> str:
    """``namespace/name`` (or just ``name`` for cluster-scoped objects): the work-queue key."""
    md = obj.get("metadata", {})
    ns = md.get("namespace")
    return f"{ns}/{md.get('name')}" if ns else md.get("name", "")


def split_key(key: str) -> tuple[str | None, str]:
    if "/" in key:
        ns, name = key.split("/", 1)
        return ns, name
    return None, key


def labels_of(obj: dict) -> dict:
    return obj.get("metadata", {}).get("labels") or {}


def controller_of(obj: dict) -> dict | None:
    """The ownerReference with ``controller: true``, if any."""
    for ref in obj.get("metadata", {}).get("ownerReferences") or []:
        if ref.get("controller"):
            return ref
    return None


def owner_reference(owner: dict, controller: bool = True, block: bool = True) -> dict:
    """An ownerReference pointing at ``owner`` (as controllers set on what they create)."""
    return {
        "apiVersion": owner["apiVersion"],
        "kind": owner["kind"],
        "name": owner["metadata"]["name"],
        "uid": owner["metadata"]["uid"],
        "controller": controller,
        "blockOwnerDeletion": block,
    }


def random_suffix(rng, n: int = 5) -> str:
    return "".join(rng.choice(NAME_ALPHABET) for _ in range(n))


def random_uid(rng) -> str:
    """A version-4 UUID drawn from the cluster's seeded RNG (deterministic)."""
    b = rng.getrandbits(128)
    b &= ~(0xF000 << 64)
    b |= 0x4000 << 64
    b &= ~(0xC000 << 48)
    b |= 0x8000 << 48
    h = f"{b:032x}"
    return f"{h[0:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:32]}"


# --- names (k8s.io/apimachinery/pkg/util/validation) ------------------------------------

DNS1123_LABEL_FMT = "[a-z0-9]([-a-z0-9]*[a-z0-9])?"
DNS1123_SUBDOMAIN_FMT = DNS1123_LABEL_FMT + r"(\." + DNS1123_LABEL_FMT + ")*"
_label_re = re.compile("^" + DNS1123_LABEL_FMT + "$")
_subdomain_re = re.compile("^" + DNS1123_SUBDOMAIN_FMT + "$")
DNS1035_LABEL_FMT = "[a-z]([-a-z0-9]*[a-z0-9])?"
_dns1035_re = re.compile("^" + DNS1035_LABEL_FMT + "$")


def dns1123_subdomain_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 253:
        errs.append("must be no more than 253 characters")
    if not _subdomain_re.match(value):
        errs.append(
            "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, "
            "'-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', "
            "regex used for validation is '" + DNS1123_SUBDOMAIN_FMT + "')")
    return errs


def dns1123_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _label_re.match(value):
        errs.append(
            "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', "
            "and must start and end with an alphanumeric character (e.g. 'my-name',  or '123-abc', "
            "regex used for validation is '" + DNS1123_LABEL_FMT + "')")
    return errs


def dns1035_label_errors(value: str) -> list[str]:
    errs = []
    if len(value) > 63:
        errs.append("must be no more than 63 characters")
    if not _dns1035_re.match(value):
        errs.append(
            "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
            "alphabetic character, and end with an alphanumeric character (e.g. 'my-name',  or 'abc-123', "
            "regex used for validation is '" + DNS1035_LABEL_FMT + "')")
    return errs
