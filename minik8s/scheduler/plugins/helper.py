"""What several plugins share: the score range and the default normalisation
(pkg/scheduler/framework/plugins/helper)."""

from __future__ import annotations

MAX_NODE_SCORE = 100


def default_normalize(scores: list[int], reverse: bool = False) -> list[int]:
    """helper.DefaultNormalizeScore: scale so the largest is 100 (reverse: 100 - that)."""
    top = max(scores) if scores else 0
    if top == 0:
        return [MAX_NODE_SCORE if reverse else 0] * len(scores)
    out = []
    for s in scores:
        v = MAX_NODE_SCORE * s // top
        out.append(MAX_NODE_SCORE - v if reverse else v)
    return out
