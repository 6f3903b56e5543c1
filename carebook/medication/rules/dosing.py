"""Variable doses set by a clinic (warfarin and other anticoagulants): the dose of each day comes from the latest
dosing instructions (ADR 0037, H66).

The anticoagulant clinic tests the person's INR and sends the dose for each day until the next test. A senior enters
it and a second person checks it, as for a transcription. A dose of such a prescription may be given only on a day an
instruction that has had its check covers, and only in that day's amount; with no current instruction nothing is
given and the round says why, before any prompt.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.errors import DomainError, ValidationFailed
from carebook.core.text import format_quantity

# An INR outside these is a typing error, not a result (therapeutic ranges are 2-4; a clinic acts on up to ~8).
INR_LOWEST = Decimal("0.5")
INR_HIGHEST = Decimal("15")
# Clinics test again within days to a few weeks; longer than this is not a plan the round should keep giving on.
LONGEST_INSTRUCTION = dt.timedelta(days=84)


class NoDosingInstruction(DomainError):
    code = "no_dosing_instruction"
    status = 422


@dataclass(frozen=True)
class InstructionFacts:
    """One set of dosing instructions, as the rules read it."""

    id: str
    inr: Decimal
    inr_date: dt.date
    next_inr_date: dt.date
    doses: Mapping[dt.date, Decimal]  # every day from its first to the next test, inclusive
    entered_at: dt.datetime
    checked: bool

    @property
    def first_day(self) -> dt.date:
        return min(self.doses)

    def covers(self, day: dt.date) -> bool:
        return day in self.doses


def current_instruction(instructions: Sequence[InstructionFacts], day: dt.date) -> InstructionFacts | None:
    """The instruction in force on ``day``: the latest entered and checked one that covers it. An unchecked one does
    not count: it is not yet a dose anyone may give."""
    covering = [i for i in instructions if i.checked and i.covers(day)]
    return max(covering, key=lambda i: i.entered_at) if covering else None


def dosing_refusal(instructions: Sequence[InstructionFacts], day: dt.date) -> NoDosingInstruction | None:
    """Why no dose of a dose-by-instructions prescription may be given on ``day``, or None."""
    if current_instruction(instructions, day) is not None:
        return None
    waiting = [i for i in instructions if not i.checked and i.covers(day)]
    if waiting:
        return NoDosingInstruction(
            "The anticoagulant clinic's dosing instructions for today have not had their second check: a second "
            "trained member of staff must check them against the clinic's letter before this dose.",
            field="prescription",
        )
    return NoDosingInstruction(
        f"There is no dosing instruction from the anticoagulant clinic for {day:%-d %B %Y}: do not guess the dose. "
        "Ask a senior to enter the clinic's latest instructions (and a second person to check them), or to contact "
        "the clinic.",
        field="prescription",
    )


def day_dose(instructions: Sequence[InstructionFacts], day: dt.date) -> Decimal | None:
    """The dose for ``day`` from the instruction in force, or None (none is in force)."""
    found = current_instruction(instructions, day)
    return found.doses[day] if found is not None else None


def next_inr_date(instructions: Sequence[InstructionFacts]) -> dt.date | None:
    """The next INR test of the latest checked instruction (None: none is checked)."""
    checked = [i for i in instructions if i.checked]
    if not checked:
        return None
    return max(checked, key=lambda i: i.entered_at).next_inr_date


def check_instruction(
    *,
    inr: Decimal | None,
    inr_date: dt.date | None,
    next_inr_date: dt.date | None,
    doses: Mapping[dt.date, Decimal | None],
    today: dt.date,
    dose_max: Decimal,
    unit: str,
) -> None:
    """The shape of a clinic's instruction, refused in words beside its field: a plausible INR tested on or before
    today, a next test after it and within 12 weeks, and a dose for every day from today to the next test, none
    above the prescription's maximum."""
    if inr is None or not inr.is_finite():
        raise ValidationFailed("Enter the INR from the clinic's letter, for example 2.6.", field="inr")
    if not INR_LOWEST <= inr <= INR_HIGHEST:
        raise ValidationFailed(
            f"An INR is between {INR_LOWEST} and {INR_HIGHEST}: check the clinic's letter.", field="inr"
        )
    if inr_date is None:
        raise ValidationFailed("Enter the date of the INR test.", field="inr_date")
    if inr_date > today:
        raise ValidationFailed("The INR test date cannot be in the future.", field="inr_date")
    if next_inr_date is None:
        raise ValidationFailed("Enter the date of the next INR test, as the clinic gave it.", field="next_inr_date")
    if next_inr_date <= max(inr_date, today - dt.timedelta(days=1)):
        raise ValidationFailed(
            "The next INR test must be after the last one and not in the past.", field="next_inr_date"
        )
    if next_inr_date - today > LONGEST_INSTRUCTION:
        raise ValidationFailed(
            "The next INR test is more than 12 weeks away: check the date with the clinic.", field="next_inr_date"
        )
    day = today
    while day <= next_inr_date:
        amount = doses.get(day)
        field_name = f"dose_{day.isoformat()}"
        if amount is None:
            raise ValidationFailed(f"Enter the dose for {day:%A %-d %B}, as the clinic gave it.", field=field_name)
        if not amount.is_finite() or amount <= 0:
            raise ValidationFailed(
                f"The dose for {day:%A %-d %B} must be more than zero. If the clinic says to miss a day, "
                "ask the prescriber to suspend the prescription for that day.",
                field=field_name,
            )
        if amount > dose_max:
            raise ValidationFailed(
                f"The dose for {day:%A %-d %B} is more than the prescription's maximum of "
                f"{format_quantity(dose_max)} {unit}: check the clinic's letter and the prescription.",
                field=field_name,
            )
        day += dt.timedelta(days=1)
    extra = [d for d, amount in doses.items() if amount is not None and not today <= d <= next_inr_date]
    if extra:
        raise ValidationFailed(
            "Doses can be entered only from today to the next INR test.", field=f"dose_{min(extra).isoformat()}"
        )


def instruction_days(today: dt.date, next_inr_date: dt.date) -> list[dt.date]:
    """The days an instruction entered today gives a dose for: today to the next test, inclusive."""
    return [today + dt.timedelta(days=n) for n in range((next_inr_date - today).days + 1)]
