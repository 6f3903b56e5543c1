"""Readings that can stop a dose: the prescriber's limits for a pulse, a blood glucose or a blood pressure.

A prescription that asks for a reading before each dose (``RequiredCheck``) may carry the prescriber's
limits, as they wrote them: a lower limit, an upper limit, or both, each with its action (do not give;
or give, and tell someone), and the plan in their words ("follow the hypoglycaemia plan"). From one
reading and the rule, ``decide`` says give, do not give, or give and tell someone; ``check_readings``
(composed into ``recording.check_record``) refuses a taken outcome when a reading says do not give. The
carer then records a not-given outcome, and the reading and its decision are kept with the record.

Limits are exclusive, as prescribers write them: "do not give if pulse below 60" gives at 60; "tell the
GP if above 20 mmol/L" is silent at 20. A reading that cannot be a person's (a pulse of 600) is refused,
so a slip of the finger is taken again rather than judged. ADR 0017.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.errors import DomainError, ValidationFailed
from carebook.core.text import format_quantity
from carebook.medication.rules.prompts import Answer
from carebook.medication.vocab import (
    READING_NAMES,
    READING_PROMPTS,
    READING_UNITS,
    Outcome,
    PromptResult,
    ReadingAction,
    ReadingDecision,
    RequiredCheck,
)

# What a person's reading can be, wide enough for anyone alive, narrow enough to catch a slip (600 for 60).
PLAUSIBLE: Mapping[str, tuple[Decimal, Decimal]] = {
    RequiredCheck.PULSE: (Decimal(20), Decimal(300)),
    RequiredCheck.BLOOD_GLUCOSE: (Decimal("0.5"), Decimal(60)),
    RequiredCheck.BLOOD_PRESSURE: (Decimal(40), Decimal(300)),
}
_DECISION_OF_ACTION = {
    ReadingAction.WITHHOLD: ReadingDecision.WITHHOLD,
    ReadingAction.GIVE_AND_TELL: ReadingDecision.GIVE_AND_TELL,
}
WITHHELD_OUTCOME = Outcome.NOT_REQUIRED  # "withheld on a clinical instruction": what the carer records


class ReadingOutsideLimits(DomainError):
    """A taken outcome refused: the reading is beyond a limit the prescriber said means do not give."""

    code = "reading_outside_limits"
    status = 422


def reading_with_unit(check: str, value: Decimal) -> str:
    """'52 beats per minute', '3.2 mmol/L', '96 mmHg (systolic)'."""
    return f"{format_quantity(value)} {READING_UNITS.get(check, '')}".strip()


@dataclass(frozen=True)
class ReadingRule:
    """The prescriber's limits for the reading taken before each dose, as entered on the prescription."""

    check: str  # a RequiredCheck
    below: Decimal | None = None
    below_action: str = ""  # a ReadingAction
    above: Decimal | None = None
    above_action: str = ""
    plan: str = ""

    @property
    def name(self) -> str:
        return READING_NAMES.get(self.check, self.check)

    @property
    def has_limits(self) -> bool:
        return self.below is not None or self.above is not None

    def lines(self) -> list[str]:
        """The rule in words, one line per limit: 'Do not give if pulse below 60 beats per minute'."""
        lines = []
        for side, limit, action in (("below", self.below, self.below_action), ("above", self.above, self.above_action)):
            if limit is None:
                continue
            what = f"{self.name} {side} {reading_with_unit(self.check, limit)}"
            if action == ReadingAction.WITHHOLD:
                lines.append(f"Do not give if {what}")
            else:
                lines.append(f"If {what}, give it and tell someone")
        return lines

    @property
    def text(self) -> str:
        """The limits and the plan in one paragraph, for a summary, a tooltip or the PDF."""
        text = ". ".join(self.lines())
        if text and self.plan:
            text += f". {self.plan.rstrip('.')}"
        return text + "." if text else ""


@dataclass(frozen=True)
class ReadingVerdict:
    """What one reading means for this dose."""

    check: str
    value: Decimal
    decision: str  # a ReadingDecision
    side: str = ""  # "below" or "above": the limit crossed ("" when within)
    limit: Decimal | None = None
    plan: str = ""

    @property
    def outside(self) -> bool:
        return self.decision != ReadingDecision.GIVE

    @property
    def message(self) -> str:
        """'Pulse 52 beats per minute is below 60: do not give.'"""
        name = READING_NAMES.get(self.check, self.check).capitalize()
        reading = f"{name} {reading_with_unit(self.check, self.value)}"
        if not self.outside:
            return f"{reading} is within the prescribed limits: give."
        assert self.limit is not None
        crossed = f"{reading} is {self.side} {format_quantity(self.limit)}"
        if self.decision == ReadingDecision.WITHHOLD:
            return f"{crossed}: do not give."
        return f"{crossed}: give it, and tell someone."


def decide(rule: ReadingRule | None, *, check: str, value: Decimal) -> ReadingVerdict | None:
    """What this reading means under the rule; None when the prescription sets no limits for this reading."""
    if rule is None or not rule.has_limits or rule.check != check:
        return None
    if rule.below is not None and value < rule.below:
        return ReadingVerdict(
            check, value, _DECISION_OF_ACTION[ReadingAction(rule.below_action)], "below", rule.below, rule.plan
        )
    if rule.above is not None and value > rule.above:
        return ReadingVerdict(
            check, value, _DECISION_OF_ACTION[ReadingAction(rule.above_action)], "above", rule.above, rule.plan
        )
    return ReadingVerdict(check, value, ReadingDecision.GIVE, plan=rule.plan)


def implausible(check: str, value: Decimal) -> ValidationFailed | None:
    """A reading no person could have (a slip of the finger), or None."""
    low, high = PLAUSIBLE.get(check, (None, None))
    if low is None or high is None or low <= value <= high:
        return None
    name = READING_NAMES.get(check, check)
    return ValidationFailed(
        f"A {name} of {reading_with_unit(check, value)} cannot be right: take the reading again and enter it "
        f"({format_quantity(low)} to {format_quantity(high)}).",
        field=f"prompts.{check}",
    )


def refusal(verdict: ReadingVerdict) -> ReadingOutsideLimits:
    """Why a taken outcome is refused, with the plan in the prescriber's words and what to record instead."""
    plan = f" The prescriber's plan: {verdict.plan.strip()}" if verdict.plan.strip() else ""
    if plan and not plan.endswith((".", "!", "?")):
        plan += "."
    return ReadingOutsideLimits(
        f"{verdict.message}{plan} Record the dose as not given: choose "
        f"“{Outcome.label_of(WITHHELD_OUTCOME)}” (withheld on the prescriber's instruction) and say why.",
        field="outcome",
        prompt=verdict.check,
        value=format_quantity(verdict.value),
        limit=format_quantity(verdict.limit) if verdict.limit is not None else None,
        decision=verdict.decision,
        plan=verdict.plan,
    )


def check_readings(rule: ReadingRule | None, answers: Sequence[Answer], *, taken: bool) -> dict[str, str]:
    """Each reading taken → its decision (blank without limits); a 'do not give' refuses a taken outcome.

    A reading skipped with its note decides nothing and is allowed, as before limits existed.
    """
    decisions: dict[str, str] = {}
    for answer in answers:
        if answer.prompt not in READING_PROMPTS or answer.result != PromptResult.CONFIRMED or answer.value is None:
            continue
        wrong = implausible(answer.prompt, answer.value)
        if wrong is not None:
            raise wrong
        verdict = decide(rule, check=answer.prompt, value=answer.value)
        decisions[answer.prompt] = verdict.decision if verdict is not None else ""
        if verdict is not None and verdict.decision == ReadingDecision.WITHHOLD and taken:
            raise refusal(verdict)
    return decisions


# --- Entering the rule on a prescription ------------------------------------------------------------------


def _limit_problem(check: str, limit: Decimal, side: str) -> str:
    low, high = PLAUSIBLE[check]
    name = READING_NAMES.get(check, check)
    if not limit.is_finite() or not low <= limit <= high:
        return (
            f"A {name} limit must be between {format_quantity(low)} and {format_quantity(high)} "
            f"{READING_UNITS.get(check, '')}.".replace(" .", ".")
        )
    if limit.as_tuple().exponent < -1:  # type: ignore[operator]
        return f"Give the {side} limit with at most one decimal place, like 4 or 3.5."
    return ""


def check_rule(rule: ReadingRule) -> None:
    """A rule as entered must be whole: a reading to apply to, an action per limit, limits that make sense, a plan."""
    limits = (("below", rule.below, rule.below_action), ("above", rule.above, rule.above_action))
    if not rule.has_limits:
        for side, _limit, action in limits:
            if action:
                raise ValidationFailed(
                    f"Give the reading {side} which this applies, or leave the action empty.", field=f"reading_{side}"
                )
        if rule.plan.strip():
            raise ValidationFailed(
                "Give the limit the plan applies to, for example below 4 mmol/L.", field="reading_below"
            )
        return
    if rule.check not in PLAUSIBLE:
        raise ValidationFailed(
            "Limits need a reading: choose the check before each dose (pulse, blood glucose or blood pressure).",
            field="required_check",
        )
    for side, limit, action in limits:
        if limit is None:
            if action:
                raise ValidationFailed(
                    f"Give the reading {side} which this applies, or leave the action empty.", field=f"reading_{side}"
                )
            continue
        problem = _limit_problem(rule.check, limit, side)
        if problem:
            raise ValidationFailed(problem, field=f"reading_{side}")
        if action not in ReadingAction.values:
            raise ValidationFailed(
                f"Say what to do if the reading is {side} {format_quantity(limit)}: do not give, or give it and tell "
                "someone.",
                field=f"reading_{side}_action",
            )
    if rule.below is not None and rule.above is not None and rule.above <= rule.below:
        raise ValidationFailed("The upper limit must be more than the lower limit.", field="reading_above")
    if not rule.plan.strip():
        raise ValidationFailed(
            "Copy what the prescriber says to do when the reading is outside the limits, for example: follow "
            "the hypoglycaemia plan and tell the GP the same day.",
            field="reading_plan",
        )
