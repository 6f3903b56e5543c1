"""Home-care visits (ADR 0038): which doses a visit covers, and the rule for closing it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from carebook.core.errors import ValidationFailed
from carebook.core.text import clock_time

LONGEST_VISIT = dt.timedelta(hours=6)


@dataclass(frozen=True)
class VisitDose:
    """A due dose as the close rule reads it."""

    medicine: str
    scheduled_at: dt.datetime
    has_outcome: bool  # its effective record stands (an offer again is not an outcome yet)


def in_window(scheduled_at: dt.datetime, *, start: dt.datetime, end: dt.datetime) -> bool:
    """A dose belongs to a visit when it falls due in the visit's window (start inclusive, end exclusive)."""
    return start <= scheduled_at < end


def check_window(*, start: dt.datetime | None, end: dt.datetime | None) -> None:
    if start is None:
        raise ValidationFailed("Give the time the visit starts.", field="window_start")
    if end is None:
        raise ValidationFailed("Give the time the visit ends.", field="window_end")
    if end <= start:
        raise ValidationFailed("The visit must end after it starts.", field="window_end")
    if end - start > LONGEST_VISIT:
        raise ValidationFailed("A visit is at most 6 hours long: plan two visits.", field="window_end")


def close_refusal(doses: Sequence[VisitDose]) -> ValidationFailed | None:
    """A visit closes only when each medicine due in its window has an outcome (given, refused, given by family ...):
    None, or the refusal naming each one left."""
    left = [d for d in doses if not d.has_outcome]
    if not left:
        return None
    names = "; ".join(
        f"{d.medicine} at {clock_time(d.scheduled_at)}" for d in sorted(left, key=lambda d: d.scheduled_at)
    )
    return ValidationFailed(
        f"Record an outcome for every medicine of this visit before closing it: {names}. If it was not given, say "
        "why (refused, given by family, not available ...).",
        field="visit",
        code="visit_outcomes_missing",
    )
