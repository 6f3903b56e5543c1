"""Safety-prompt compliance: what each figure means, and the arithmetic on counts (ADR 0030). Pure.

Each definition is written once, here: the compliance page, the API's description and docs/ read this dict.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from carebook.core.errors import ValidationFailed

GROUPINGS = ("staff", "unit", "week", "month")
LONGEST_PERIOD = dt.timedelta(days=366)

DEFINITIONS: dict[str, str] = {
    "shown": (
        "Safety prompts shown: each prompt on a recording page the first time it was shown to a member of staff for "
        "a dose (one walk), and the prompts of a dose recorded without the page (through the API). Counted on the "
        "day the page was shown. Excluded: walks whose record was later marked entered in error."
    ),
    "confirmed": "Prompts answered 'yes, checked' on the record saved from the walk.",
    "failed": "Prompts answered 'no': the check failed, and the dose was not given.",
    "skipped": "Prompts skipped: only a reading (pulse, blood glucose, blood pressure) may be, with a reason.",
    "unanswered": (
        "Prompts shown and never answered: those after a failed check, and every prompt of a walk stopped or "
        "abandoned (no record saved from it; a walk still open counts here until it is saved)."
    ),
    "abandoned": "Walks shown and never saved as a record (stopped, abandoned, or still open).",
    "without_full_prompts": (
        "Dose records saved with a prompt skipped or never answered, unless a failed check stopped the walk (that "
        "is the check working). Excluded: records marked entered in error."
    ),
    "rate": "Compliance rate: prompts confirmed ÷ prompts shown, as a percentage; none when nothing was shown.",
}


@dataclass(frozen=True)
class Figures:
    walks: int = 0
    shown: int = 0
    confirmed: int = 0
    failed: int = 0
    skipped: int = 0
    abandoned: int = 0
    without_full_prompts: int = 0

    @property
    def unanswered(self) -> int:
        return max(self.shown - self.confirmed - self.failed - self.skipped, 0)

    @property
    def rate(self) -> Decimal | None:
        return compliance_rate(confirmed=self.confirmed, shown=self.shown)

    def __add__(self, other: Figures) -> Figures:
        return Figures(
            walks=self.walks + other.walks,
            shown=self.shown + other.shown,
            confirmed=self.confirmed + other.confirmed,
            failed=self.failed + other.failed,
            skipped=self.skipped + other.skipped,
            abandoned=self.abandoned + other.abandoned,
            without_full_prompts=self.without_full_prompts + other.without_full_prompts,
        )


def compliance_rate(*, confirmed: int, shown: int) -> Decimal | None:
    """``DEFINITIONS["rate"]``: a percentage to one decimal place, or None when nothing was shown."""
    if shown <= 0:
        return None
    return (Decimal(100) * confirmed / shown).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def check_period(start: dt.date | None, end: dt.date | None) -> tuple[dt.date, dt.date]:
    """A report's period [start, end) of local dates: both given, start before end, at most a year."""
    if start is None:
        raise ValidationFailed("Give the first day of the period (YYYY-MM-DD).", field="from")
    if end is None:
        raise ValidationFailed("Give the day after the period (YYYY-MM-DD).", field="to")
    if end <= start:
        raise ValidationFailed("The period must end after it starts.", field="to")
    if end - start > LONGEST_PERIOD:
        raise ValidationFailed("A period of at most a year.", field="to")
    return start, end


def check_grouping(group_by: str) -> str:
    if group_by not in GROUPINGS:
        raise ValidationFailed("Group by staff, unit, week or month.", field="group_by")
    return group_by
