"""The pharmacy's cycle (ADR 0039): care homes receive medicines every 28 days (or another length) and keep the MAR
on that cycle. Pure date arithmetic: every day falls in exactly one cycle, before the first one too."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from carebook.core.errors import ValidationFailed

SHORTEST, LONGEST = 7, 56
EARLIEST, LATEST = dt.date(2000, 1, 1), dt.date(2100, 12, 31)
_DAY_RE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")


@dataclass(frozen=True)
class Cycle:
    first: dt.date
    last: dt.date  # inclusive

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @property
    def label(self) -> str:
        return f"cycle {self.first:%-d %b %Y} to {self.last:%-d %b %Y}"


def cycle_containing(day: dt.date, *, start: dt.date, length: int) -> Cycle:
    """The cycle of ``length`` days, counted from ``start`` (either way), that ``day`` falls in."""
    if not SHORTEST <= length <= LONGEST:
        raise ValueError(f"a cycle is {SHORTEST} to {LONGEST} days")
    offset = (day - start).days // length  # floor: days before the start fall in earlier cycles
    first = start + dt.timedelta(days=offset * length)
    return Cycle(first, first + dt.timedelta(days=length - 1))


def next_cycle(cycle: Cycle) -> Cycle:
    first = cycle.last + dt.timedelta(days=1)
    return Cycle(first, first + dt.timedelta(days=cycle.days - 1))


def previous_cycle(cycle: Cycle) -> Cycle:
    last = cycle.first - dt.timedelta(days=1)
    return Cycle(last - dt.timedelta(days=cycle.days - 1), last)


def parse_day(value: str, *, field: str = "cycle") -> dt.date:
    """'YYYY-MM-DD' (any day of the cycle wanted) → the date; a ValidationFailed beside ``field`` otherwise."""
    text = (value or "").strip()
    match = _DAY_RE.match(text)
    problem = f'"{text[:20]}" is not a date. Use the year, month and day, like 2026-12-04.'
    if match is None:
        raise ValidationFailed(problem, field=field, code="invalid_cycle")
    try:
        day = dt.date(int(match.group(1)), int(match.group(2)), int(match.group(3)))
    except ValueError:
        raise ValidationFailed(problem, field=field, code="invalid_cycle") from None
    if not EARLIEST <= day <= LATEST:
        raise ValidationFailed(
            f"Choose a day between {EARLIEST:%Y} and {LATEST:%Y}.", field=field, code="invalid_cycle"
        )
    return day
