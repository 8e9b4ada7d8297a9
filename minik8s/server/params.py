"""Query parameters as the Kubernetes API server parses them: typed, ranged, with its errors.

Upstream decodes a request's query string into the verb's options struct (``ListOptions``,
``DeleteOptions``, ``CreateOptions``, ``PodLogOptions``...) with ``ParameterCodec.DecodeParameters``
(k8s.io/apimachinery/pkg/runtime/conversion.go); a value that does not convert is a 400
BadRequest carrying Go's own ``strconv`` error, and the decoded options are then validated
(k8s.io/apimachinery/pkg/apis/meta/v1/validation: ``ValidateDryRun``, ``ValidateFieldValidation``,
``ValidateDeleteOptions``), a 422 Invalid naming the options kind. The rules reproduced here:

- int64 fields (``limit``, ``timeoutSeconds``, ``gracePeriodSeconds``, ``tailLines``,
  ``sinceSeconds``, ``limitBytes``): ``strconv.ParseInt(s, 10, 64)``: an optional sign and ASCII
  digits, within [-2^63, 2^63-1]; else ``strconv.ParseInt: parsing "1e9": invalid syntax`` or
  ``...: value out of range``.
- booleans (``watch``, ``follow``, ``previous``, ``allowWatchBookmarks``...): absent, ``"false"``
  (any case) and ``"0"`` are false; anything else, even an empty value, is true
  (``Convert_Slice_string_To_bool``). They never fail.
- ``dryRun``: every value must be ``All``; ``fieldValidation``: "", Ignore, Warn or Strict;
  ``propagationPolicy``: Foreground, Background or Orphan.
"""

from __future__ import annotations

import re

from .. import errors

INT64_MIN = -(2 ** 63)
INT64_MAX = 2 ** 63 - 1
_INT = re.compile(r"[+-]?[0-9]+\Z")      # strconv.ParseInt, base 10: no spaces, no "_", no "1e9"

FIELD_VALIDATION = ("", "Ignore", "Strict", "Warn")
PROPAGATION = ("Background", "Foreground", "Orphan")


def go_quote(text: str) -> str:
    """Go's ``strconv.Quote`` (%q) of ``text``, as error messages show a value."""
    out = ['"']
    for ch in text:
        if ch in '"\\':
            out.append("\\" + ch)
        elif ch == "\n":
            out.append("\\n")
        elif ch == "\t":
            out.append("\\t")
        elif ch == "\r":
            out.append("\\r")
        elif ch == "\ufffd" or not ch.isprintable():
            o = ord(ch)
            out.append(f"\\x{o:02x}" if o < 0x80 else f"\\u{o:04x}" if o <= 0xFFFF else f"\\U{o:08x}")
        else:
            out.append(ch)
    out.append('"')
    return "".join(out)


def first(query: dict, key: str, default=None):
    vals = query.get(key)
    return vals[0] if vals else default


def parse_int64(text: str) -> int:
    """``strconv.ParseInt(text, 10, 64)``, its errors as 400 BadRequest."""
    if not _INT.match(text):
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: invalid syntax")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise errors.bad_request(f"strconv.ParseInt: parsing {go_quote(text)}: value out of range")
    return value


def int64(query: dict, key: str) -> int | None:
    """An int64 query parameter, or None when absent."""
    vals = query.get(key)
    if not vals:
        return None
    return parse_int64(vals[0])


def boolean(query: dict, key: str) -> bool:
    """A boolean query parameter as upstream converts it (see the module's docstring)."""
    vals = query.get(key)
    if not vals:
        return False
    return not (vals[0] == "0" or vals[0].lower() == "false")


def _go_string_slice(values: list[str]) -> str:
    return "[]string{" + ", ".join(go_quote(v) for v in values) + "}"


def dry_run(query: dict, options_kind: str) -> bool:
    """``dryRun``: absent (False) or every value ``All`` (True); else upstream's 422."""
    vals = query.get("dryRun")
    if not vals:
        return False
    if any(v != "All" for v in vals):
        raise errors.invalid_options(options_kind, [(
            "dryRun", "FieldValueNotSupported",
            f'Unsupported value: {_go_string_slice(vals)}: supported values: "All"')])
    return True


def field_validation(query: dict, options_kind: str) -> str:
    """``fieldValidation``: "", Ignore, Warn or Strict; else upstream's 422."""
    value = first(query, "fieldValidation", "")
    if value not in FIELD_VALIDATION:
        supported = ", ".join(go_quote(v) for v in FIELD_VALIDATION)
        raise errors.invalid_options(options_kind, [(
            "fieldValidation", "FieldValueNotSupported",
            f"Unsupported value: {go_quote(value)}: supported values: {supported}")])
    return value


def propagation_policy(value) -> str | None:
    """``propagationPolicy`` (query or DeleteOptions body): None or one of :data:`PROPAGATION`."""
    if value is None:
        return None
    if value not in PROPAGATION:
        raise errors.invalid_options("DeleteOptions", [(
            "propagationPolicy", "FieldValueNotSupported",
            f'Unsupported value: {go_quote(str(value))}: supported values: "Foreground", "Background", '
            f'"Orphan", "nil"')])
    return value
