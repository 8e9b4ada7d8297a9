"""Resource quantities.
https://kubernetes.io/docs/reference/kubernetes-api/common-definitions/quantity/
"""

from __future__ import annotations

import pytest

from minik8s.api.quantity import (QuantityError, cpu_millis, format_cpu, format_memory, memory_bytes,
                                  parse_quantity)


@pytest.mark.parametrize("text,millis", [("250m", 250), ("0.5", 500), ("1", 1000), ("2", 2000), ("100m", 100),
                                         ("1.5", 1500), ("0.0001", 1), (1, 1000)])
def test_cpu(text, millis):
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-cpu
    (precision finer than 1m is rounded up)."""
    assert cpu_millis(text) == millis


@pytest.mark.parametrize("text,n", [("128Mi", 134217728), ("1Gi", 1 << 30), ("1G", 10 ** 9), ("129M", 129 * 10 ** 6),
                                    ("123Mi", 128974848), ("1e3", 1000), ("1k", 1000), ("64", 64)])
def test_memory(text, n):
    """https://kubernetes.io/docs/concepts/configuration/manage-resources-containers/#meaning-of-memory"""
    assert memory_bytes(text) == n


@pytest.mark.parametrize("bad", ["", "abc", "1.2.3", "5xb", "--1", True, None, "1 Gi"])
def test_bad_quantities(bad):
    with pytest.raises(QuantityError):
        parse_quantity(bad)


def test_formatting():
    assert (format_cpu(500), format_cpu(2000), format_memory(134217728), format_memory(0)) == ("500m", "2", "128Mi", "0")
