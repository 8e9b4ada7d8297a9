"""Cron schedules: the five-field syntax CronJobs use.

https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#schedule-syntax —
Kubernetes parses ``spec.schedule`` with robfig/cron's standard parser::

    # ┌───────────── minute (0 - 59)
    # │ ┌───────────── hour (0 - 23)
    # │ │ ┌───────────── day of the month (1 - 31)
    # │ │ │ ┌───────────── month (1 - 12, or jan-dec)
    # │ │ │ │ ┌───────────── day of the week (0 - 6, Sunday to Saturday, or sun-sat; 7 is Sunday too)
    # * * * * *

Each field takes ``*``, ``?``, numbers, ranges ``a-b``, steps ``*/n`` or ``a-b/n`` and
comma lists; the macros ``@yearly`` (``@annually``), ``@monthly``, ``@weekly``, ``@daily``
(``@midnight``) and ``@hourly`` stand for the usual fields. As in cron, when both
day-of-month and day-of-week are restricted, a day matching *either* runs the job.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

MACROS = {
    "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *", "@monthly": "0 0 1 * *",
    "@weekly": "0 0 * * 0", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@hourly": "0 * * * *",
}
MONTHS = {m: i + 1 for i, m in enumerate("jan feb mar apr may jun jul aug sep oct nov dec".split())}
DAYS = {d: i for i, d in enumerate("sun mon tue wed thu fri sat".split())}
BOUNDS = [(0, 59, {}), (0, 23, {}), (1, 31, {}), (1, 12, MONTHS), (0, 6, DAYS)]
FIELD_NAMES = ["minute", "hour", "day of month", "month", "day of week"]


class CronError(ValueError):
    """A schedule robfig/cron would not parse (message as its error)."""


def _number(text: str, names: dict) -> int:
    low = text.lower()
    if low in names:
        return names[low]
    try:
        n = int(text)
    except ValueError:
        raise CronError(f"failed to parse int from {text}: strconv.Atoi: parsing \"{text}\": invalid syntax") from None
    if n < 0:
        raise CronError(f"negative number ({n}) not allowed: {text}")
    return n


def parse_field(expr: str, lo: int, hi: int, names: dict, dow: bool = False) -> tuple[frozenset[int], bool]:
    """The values one field allows, and whether it started with ``*``/``?`` (robfig's starBit)."""
    values: set[int] = set()
    star = False
    for part in expr.split(","):
        range_part, _, step_part = part.partition("/")
        if range_part in ("*", "?"):
            start, end = lo, hi
            star = True
        elif "-" in range_part:
            a, b = range_part.split("-", 1)
            start, end = _number(a, names), _number(b, names)
        else:
            start = end = _number(range_part, names)
            if step_part:
                end = hi
        step = 1
        if step_part:
            step = _number(step_part, {})
            if step == 0:
                raise CronError(f"step of range should be a positive number: {part}")
        if dow and end == 7:
            end = 7
        top = 7 if dow else hi
        if start < lo:
            raise CronError(f"beginning of range ({start}) below minimum ({lo}): {part}")
        if end > top:
            raise CronError(f"end of range ({end}) above maximum ({hi}): {part}")
        if start > end:
            raise CronError(f"beginning of range ({start}) beyond end of range ({end}): {part}")
        for v in range(start, end + 1, step):
            values.add(0 if dow and v == 7 else v)
    return frozenset(values), star


@dataclass(frozen=True)
class Schedule:
    minutes: frozenset
    hours: frozenset
    days: frozenset
    months: frozenset
    weekdays: frozenset
    dom_star: bool
    dow_star: bool
    text: str = ""

    def day_matches(self, d: datetime.date) -> bool:
        dom = d.day in self.days
        dow = (d.isoweekday() % 7) in self.weekdays
        if self.dom_star or self.dow_star:
            return dom and dow
        return dom or dow

    def next(self, after: datetime.datetime) -> datetime.datetime:
        """The first time strictly after ``after`` the schedule fires (in ``after``'s time zone)."""
        tz = after.tzinfo
        t = after.replace(second=0, microsecond=0, tzinfo=None) + datetime.timedelta(minutes=1)
        limit = t.year + 5
        while t.year <= limit:
            if t.month not in self.months:
                t = (t.replace(day=1, hour=0, minute=0) + datetime.timedelta(days=32)).replace(day=1)
                continue
            if not self.day_matches(t.date()):
                t = t.replace(hour=0, minute=0) + datetime.timedelta(days=1)
                continue
            if t.hour not in self.hours:
                t = t.replace(minute=0) + datetime.timedelta(hours=1)
                continue
            if t.minute not in self.minutes:
                t += datetime.timedelta(minutes=1)
                continue
            return t.replace(tzinfo=tz)
        raise CronError(f"schedule {self.text!r} never fires")


def parse_schedule(text: str) -> Schedule:
    """Parse a standard cron schedule (robfig/cron ParseStandard)."""
    spec = text.strip()
    if not spec:
        raise CronError("empty spec string")
    if spec.startswith("TZ=") or spec.startswith("CRON_TZ="):
        raise CronError("CRON_TZ or TZ used in schedule is not supported, please use timeZone field")
    if spec.startswith("@"):
        if spec not in MACROS:
            raise CronError(f"unrecognized descriptor: {spec}")
        spec = MACROS[spec]
    fields = spec.split()
    if len(fields) != 5:
        raise CronError(f"expected exactly 5 fields, found {len(fields)}: [{' '.join(fields)}]")
    parsed = [parse_field(f, lo, hi, names, dow=(i == 4)) for i, (f, (lo, hi, names)) in enumerate(zip(fields, BOUNDS))]
    return Schedule(parsed[0][0], parsed[1][0], parsed[2][0], parsed[3][0], parsed[4][0],
                    parsed[2][1], parsed[4][1], text)
