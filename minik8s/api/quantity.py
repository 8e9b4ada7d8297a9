"""Resource quantities: ``250m`` CPU, ``128Mi`` memory, ``1Gi``, ``0.5``, ``1e3``.

Kubernetes writes amounts of CPU and memory as *quantities*
(https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/):
a number with an optional suffix, binary (Ki Mi Gi Ti Pi Ei), decimal
(n u m k M G T P E) or an exponent (``1e3``). CPU is counted in millicores
(``500m`` is half a core), memory in bytes (``128Mi`` is 134217728 bytes).
"""

from __future__ import annotations

import re
from functools import lru_cache
from decimal import Decimal, InvalidOperation

BINARY = {"Ki": 2 ** 10, "Mi": 2 ** 20, "Gi": 2 ** 30, "Ti": 2 ** 40, "Pi": 2 ** 50, "Ei": 2 ** 60}
DECIMAL = {"n": Decimal("1e-9"), "u": Decimal("1e-6"), "m": Decimal("1e-3"), "": Decimal(1),
           "k": Decimal("1e3"), "M": Decimal("1e6"), "G": Decimal("1e9"), "T": Decimal("1e12"),
           "P": Decimal("1e15"), "E": Decimal("1e18")}

_QUANTITY = re.compile(r"^([+-]?[0-9.]+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?[0-9]+)?$")

QUANTITY_ERROR = "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"


class QuantityError(ValueError):
    pass


def parse_quantity(value) -> Decimal:
    """The exact value of a quantity (``"128Mi"`` -> 134217728, ``"250m"`` -> 0.25)."""
    if isinstance(value, bool):
        raise QuantityError(QUANTITY_ERROR)
    if isinstance(value, (int, float)):
        return Decimal(str(value))
    if not isinstance(value, str):
        raise QuantityError(QUANTITY_ERROR)
    return _parse_text(value)


@lru_cache(maxsize=4096)
def _parse_text(value: str) -> Decimal:
    # A cluster writes the same few quantities ("100m", "128Mi") over and over; Decimals are
    # immutable, so each text is parsed once.
    m = _QUANTITY.match(value.strip())
    if not m or m.group(1) in (".", "+", "-", ""):
        raise QuantityError(QUANTITY_ERROR)
    try:
        number = Decimal(m.group(1))
    except InvalidOperation:
        raise QuantityError(QUANTITY_ERROR) from None
    suffix = m.group(2) or ""
    if suffix in BINARY:
        return number * BINARY[suffix]
    if suffix in DECIMAL:
        return number * DECIMAL[suffix]
    return number * (Decimal(10) ** int(suffix[1:]))


def cpu_millis(value) -> int:
    """CPU in millicores, rounded up as Kubernetes does (``"0.5"`` -> 500, ``"250m"`` -> 250)."""
    v = parse_quantity(value) * 1000
    return int(v.to_integral_value(rounding="ROUND_CEILING"))


def memory_bytes(value) -> int:
    """Memory in bytes, rounded up (``"128Mi"`` -> 134217728, ``"1G"`` -> 1000000000)."""
    v = parse_quantity(value)
    return int(v.to_integral_value(rounding="ROUND_CEILING"))


def format_cpu(millis: int) -> str:
    """Millicores as kubectl prints them: ``500m``, ``2``."""
    return str(millis // 1000) if millis % 1000 == 0 else f"{millis}m"


def format_memory(n: int) -> str:
    """Bytes in the largest binary unit that divides them exactly (``128Mi``), as Kubernetes prints."""
    if n == 0:
        return "0"
    for suffix in ("Ei", "Pi", "Ti", "Gi", "Mi", "Ki"):
        unit = BINARY[suffix]
        if n % unit == 0:
            return f"{n // unit}{suffix}"
    return str(n)
