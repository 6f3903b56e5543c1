"""The same ingredient across products: its 24-hour maximum counts every medicine that contains it.

Paracetamol is in paracetamol tablets, the oral suspension and co-codamol: an adult may have at most 4 g in any
24 hours from all of them together. A dose that would take an ingredient over its maximum is refused, counting
the doses on both sides of the time it is said to be given (as the when-required rule does), so a back-dated
entry cannot slip between doses. Scheduled and when-required doses are counted alike. Pure: plain facts in.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.errors import DomainError
from carebook.core.text import and_list, format_quantity, moment

DAY = dt.timedelta(hours=24)
# Doses this far either side of a new dose can affect whether it is allowed.
INGREDIENT_HISTORY = DAY


class IngredientMaximumReached(DomainError):
    code = "ingredient_max_24h_reached"
    status = 422


@dataclass(frozen=True)
class IngredientLimit:
    code: str  # the substance's code
    name: str
    max_24h_mg: Decimal


@dataclass(frozen=True)
class CappedContent:
    """How much of a capped ingredient one dose unit of a medicine holds."""

    limit: IngredientLimit
    mg_per_unit: Decimal

    def in_dose(self, quantity: Decimal) -> Decimal:
        return self.mg_per_unit * quantity


@dataclass(frozen=True)
class IngredientDose:
    """A dose the person took, as the amount of one capped ingredient in it."""

    at: dt.datetime
    code: str
    mg: Decimal
    medicine: str


@dataclass(frozen=True)
class SharedIngredient:
    """Two current prescriptions of a person contain the same substance."""

    code: str
    name: str
    other_id: str  # the other prescription
    other_medicine: str
    max_24h_mg: Decimal | None
    text: str


def mg_text(mg: Decimal) -> str:
    """'500 mg', '1 g', '2.4 g', '0.125 mg'."""
    if mg >= 1000:
        return f"{format_quantity(mg / 1000)} g"
    return f"{format_quantity(mg)} mg"


def _in_window(doses: Sequence[IngredientDose], end: dt.datetime) -> list[IngredientDose]:
    """The doses in the 24 hours ending at ``end`` (a dose exactly 24 hours before has left it)."""
    return sorted((d for d in doses if end - DAY < d.at <= end), key=lambda d: d.at)


def _given_text(doses: Sequence[IngredientDose]) -> str:
    return and_list([f"{mg_text(d.mg)} at {moment(d.at)} ({d.medicine})" for d in doses])


def next_allowed(
    *, contents: Sequence[CappedContent], quantity: Decimal, history: Sequence[IngredientDose], at: dt.datetime
) -> dt.datetime | None:
    """None if ``quantity`` of this medicine may be given at ``at`` as far as the doses before it go; otherwise the
    earliest time it may. Never-allowed (a single dose above the maximum) is the far future."""
    latest = at
    for content in contents:
        amount = content.in_dose(quantity)
        if amount > content.limit.max_24h_mg:
            return dt.datetime.max.replace(tzinfo=dt.UTC)
        before = [d for d in history if d.code == content.limit.code and d.at <= at]
        earliest = at
        while True:
            window = _in_window(before, earliest)
            if sum((d.mg for d in window), amount) <= content.limit.max_24h_mg:
                break
            earliest = window[0].at + DAY
        latest = max(latest, earliest)
    return None if latest <= at else latest


def ingredient_refusal(
    *, contents: Sequence[CappedContent], quantity: Decimal, history: Sequence[IngredientDose], at: dt.datetime
) -> DomainError | None:
    """Why ``quantity`` of this medicine at ``at`` would take an ingredient over its 24-hour maximum, or None.

    ``history`` holds the person's doses of every medicine containing these ingredients near ``at``, including
    doses recorded at a later time: every 24 hours containing the new dose must stay within the maximum.
    """
    for content in contents:
        limit = content.limit
        amount = content.in_dose(quantity)
        most = mg_text(limit.max_24h_mg)
        if amount > limit.max_24h_mg:
            return IngredientMaximumReached(
                f"This dose holds {mg_text(amount)} of {limit.name.lower()}: more than the most in 24 hours ({most}).",
                field="dose_given",
                ingredient=limit.name,
            )
        doses = [d for d in history if d.code == limit.code]
        before = _in_window(doses, at)
        total = sum((d.mg for d in before), amount)
        if total > limit.max_24h_mg:
            allowed = next_allowed(contents=[content], quantity=quantity, history=doses, at=at)
            when = (
                f" The next dose containing {limit.name.lower()} can be given from {moment(allowed)}."
                if allowed
                else ""
            )
            return IngredientMaximumReached(
                f"{limit.name}: at most {most} in 24 hours, from every medicine that contains it. Already given in "
                f"the 24 hours before: {_given_text(before)}. This dose ({mg_text(amount)}) would make "
                f"{mg_text(total)}.{when}",
                field="prescription",
                ingredient=limit.name,
                given=[{"at": d.at.isoformat(), "mg": str(d.mg), "medicine": d.medicine} for d in before],
                allowed_from=allowed.isoformat() if allowed else None,
            )
        for later in sorted((d for d in doses if at < d.at < at + DAY), key=lambda d: d.at):
            window = _in_window(doses, later.at)
            total = sum((d.mg for d in window), amount)
            if total > limit.max_24h_mg:
                after = _given_text([d for d in window if d.at > at])
                return IngredientMaximumReached(
                    f"{limit.name}: with the doses recorded after it ({after}), "
                    f"this dose ({mg_text(amount)}) would take the 24 hours to {moment(later.at)} to "
                    f"{mg_text(total)}, over the most of {most}. Check the time, or record what happened as an "
                    "incident.",
                    field="administered_at",
                    ingredient=limit.name,
                )
    return None


def shared_ingredients(
    *,
    medicine: str,
    ingredients: Sequence[tuple[str, str, Decimal | None]],
    others: Sequence[tuple[str, str, Sequence[tuple[str, str, Decimal | None]]]],
) -> list[SharedIngredient]:
    """Which of the person's other current prescriptions contain a substance this medicine contains.

    ``ingredients``: (code, name, 24-hour maximum in mg or None) of this medicine; ``others``: (prescription id,
    medicine in words, its ingredients) of each other current prescription.
    """
    found: list[SharedIngredient] = []
    mine = {code: (name, cap) for code, name, cap in ingredients}
    for other_id, other_medicine, theirs in others:
        for code, name, cap in theirs:
            if code not in mine:
                continue
            if cap is not None:
                advice = (
                    f"At most {mg_text(cap)} of {name.lower()} in 24 hours from both together: Carebook counts every "
                    "dose and refuses one that would go over."
                )
            else:
                advice = (
                    "Check with the prescriber that both are meant (for example a regular and a breakthrough dose)."
                )
            found.append(
                SharedIngredient(
                    code=code,
                    name=name,
                    other_id=other_id,
                    other_medicine=other_medicine,
                    max_24h_mg=cap,
                    text=f"{medicine} and {other_medicine} (already prescribed) both contain {name.lower()}. {advice}",
                )
            )
    return found
