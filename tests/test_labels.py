"""Label selectors, string and object forms, and field selectors.
https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors
https://kubernetes.io/docs/concepts/overview/working-with-objects/field-selectors/
"""

from __future__ import annotations

import pytest

from minik8s import ApiError
from minik8s.api.labels import (field_selector_matches, parse_field_selector, parse_selector,
                                selector_from_object)

LABELS = {"environment": "production", "tier": "frontend", "release": "stable"}


@pytest.mark.parametrize("text,matches", [
    ("environment=production", True), ("environment==production", True), ("tier!=frontend", False),
    ("environment in (production, qa)", True), ("tier notin (frontend, backend)", False),
    ("release", True), ("!release", False), ("partition", False), ("!partition", True),
    ("environment=production,tier=frontend", True), ("environment=production,tier=backend", False),
    ("", True),
])
def test_string_selectors(text, matches):
    assert parse_selector(text).matches(LABELS) is matches


def test_object_selectors():
    sel = selector_from_object({"matchLabels": {"tier": "frontend"},
                                "matchExpressions": [{"key": "environment", "operator": "In",
                                                      "values": ["production"]},
                                                     {"key": "canary", "operator": "DoesNotExist"}]})
    assert sel.matches(LABELS)
    assert not sel.matches(dict(LABELS, canary="yes"))
    assert selector_from_object({}).matches({})
    assert not selector_from_object(None).matches(LABELS)


def test_selector_syntax_errors_are_api_errors():
    with pytest.raises(ApiError) as e:
        parse_selector("env in (a")
    assert e.value.code == 400
    with pytest.raises(ApiError):
        selector_from_object({"matchExpressions": [{"key": "a", "operator": "Maybe"}]})


def test_field_selectors():
    pod = {"metadata": {"name": "web", "namespace": "default"}, "spec": {"nodeName": "node-1"},
           "status": {"phase": "Running"}}
    assert field_selector_matches(pod, parse_field_selector("status.phase=Running,spec.nodeName=node-1"))
    assert not field_selector_matches(pod, parse_field_selector("status.phase!=Running"))
    assert field_selector_matches(pod, parse_field_selector("spec.nodeName!=node-2"))
