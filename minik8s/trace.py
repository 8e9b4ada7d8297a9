"""The reconcile trace: every decision a component made, as observe -> diff -> act.

Kubernetes controllers are loops that *observe* the current state, *diff* it
against the desired state and *act* through the API server. minik8s records
each turn of every loop as a :class:`Step`: the virtual time, the component,
the object key it worked on, what it observed, the difference it found and the
API calls it made. The control-plane chapter and the reconcile stepper widget
read this trace; the golden-trace test pins it byte for byte.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field


@dataclass
class Step:
    seq: int
    time: float
    component: str
    key: str
    observed: list[str] = field(default_factory=list)
    diff: list[str] = field(default_factory=list)
    actions: list[str] = field(default_factory=list)

    @property
    def acted(self) -> bool:
        return bool(self.actions)

    def __str__(self) -> str:
        lines = [f"T={self.time:.3f} {self.component} {self.key}"]
        for o in self.observed:
            lines.append(f"  observe: {o}")
        for d in self.diff:
            lines.append(f"  diff:    {d}")
        for a in self.actions:
            lines.append(f"  act:     {a}")
        return "\n".join(lines)


class Trace:
    """The recorded steps of one cluster, in the order they happened.

    Only steps that observed a difference or acted are kept unless ``keep_idle``;
    a controller confirming that nothing needs doing is not news.
    """

    def __init__(self, enabled: bool = True, keep_idle: bool = False, limit: int | None = None):
        self.enabled = enabled
        self.keep_idle = keep_idle
        self.limit = limit
        self.steps: list[Step] = []
        self._seq = 0
        self.current: Step | None = None

    def begin(self, time: float, component: str, key: str) -> Step | None:
        if not self.enabled:
            return None
        self._seq += 1
        step = Step(self._seq, time, component, key)
        self.current = step
        return step

    def end(self, step: Step | None) -> None:
        if step is None:
            return
        if self.current is step:
            self.current = None
        if step.actions or step.diff or self.keep_idle:
            self.steps.append(step)
            if self.limit and len(self.steps) > self.limit:
                del self.steps[: len(self.steps) - self.limit]

    # --- reading ---------------------------------------------------------------------------
    def __len__(self) -> int:
        return len(self.steps)

    def __iter__(self):
        return iter(self.steps)

    def __getitem__(self, i):
        return self.steps[i]

    def filter(self, component: str | None = None, key: str | None = None,
               since: float | None = None, acted: bool | None = None) -> list[Step]:
        out = []
        for s in self.steps:
            if component and s.component != component:
                continue
            if key and s.key != key:
                continue
            if since is not None and s.time < since:
                continue
            if acted is not None and s.acted != acted:
                continue
            out.append(s)
        return out

    def to_json(self) -> str:
        return json.dumps([asdict(s) for s in self.steps], indent=1, sort_keys=True)

    def to_text(self, steps=None) -> str:
        return "\n".join(str(s) for s in (self.steps if steps is None else steps))

    def __repr__(self) -> str:
        return f"<Trace: {len(self.steps)} steps>"
