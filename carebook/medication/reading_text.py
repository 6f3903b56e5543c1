"""A reading in words, with its unit and what it decided: one wording for the person's page, the MAR, the PDF and
the API (ADR 0017).

    Pulse 72 beats per minute: within the limits
    Pulse 52 beats per minute: below 60, do not give
    Blood glucose 22 mmol/L: above 20, give and tell someone
    Blood pressure 128 mmHg (systolic)                       (no limits on the prescription)
    Pulse not taken: "resident asleep"

Pure functions over rows already loaded (no queries).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from carebook.core.text import format_quantity
from carebook.medication import rules
from carebook.medication.models import Prescription, PromptAnswer
from carebook.medication.rules.readings import reading_with_unit
from carebook.medication.vocab import (
    READING_NAMES,
    READING_PROMPTS,
    READING_UNITS,
    Prompt,
    PromptResult,
    ReadingDecision,
)

# A reading in a MAR cell, short enough for a day's column.
READING_ABBREVIATIONS: dict[str, str] = {Prompt.PULSE: "P", Prompt.BLOOD_GLUCOSE: "BG", Prompt.BLOOD_PRESSURE: "BP"}

_DECIDED = {
    ReadingDecision.GIVE: "within the limits",
    ReadingDecision.WITHHOLD: "do not give",
    ReadingDecision.GIVE_AND_TELL: "give and tell someone",
}


@dataclass(frozen=True)
class ReadingLine:
    prompt: str
    name: str  # "Pulse"
    value: str  # "52" ("" when not taken)
    unit: str  # "beats per minute"
    decision: str  # a ReadingDecision, or ""
    text: str  # the whole line, as above
    outside: bool  # beyond a limit: do not give, or tell someone

    @property
    def short(self) -> str:
        """The reading in a MAR cell: "P 68", "BG 4.2", "BP 120/80" ("" when not taken)."""
        if not self.value:
            return ""
        return f"{READING_ABBREVIATIONS.get(self.prompt, self.name[:2])} {self.value}"

    @property
    def withheld(self) -> bool:
        return self.decision == ReadingDecision.WITHHOLD


def reading_line(answer: PromptAnswer, rx: Prescription) -> ReadingLine | None:
    """The reading of one prompt answer (None for a check that is not a reading)."""
    if answer.prompt not in READING_PROMPTS:
        return None
    name = READING_NAMES.get(answer.prompt, answer.prompt).capitalize()
    unit = READING_UNITS.get(answer.prompt, "")
    decision = answer.decision or ""
    if answer.result == PromptResult.SKIPPED or answer.value is None:
        note = f': "{answer.note}"' if answer.note else ""
        text = f"{name} not taken{note}" if answer.result == PromptResult.SKIPPED else f"{name}: check answered No"
        return ReadingLine(answer.prompt, name, "", unit, "", text, False)
    text = f"{name} {reading_with_unit(answer.prompt, answer.value)}"
    if decision:
        verdict = rules.decide(rx.reading_rule, check=answer.prompt, value=answer.value)
        crossed = ""
        if verdict is not None and verdict.decision == decision and verdict.limit is not None:
            crossed = f"{verdict.side} {format_quantity(verdict.limit)}, "
        text += f": {crossed}{_DECIDED.get(ReadingDecision(decision), decision)}"
    return ReadingLine(
        answer.prompt,
        name,
        format_quantity(answer.value),
        unit,
        decision,
        text,
        decision in (ReadingDecision.WITHHOLD, ReadingDecision.GIVE_AND_TELL),
    )


def readings_of(answers: Iterable[PromptAnswer], rx: Prescription) -> list[ReadingLine]:
    return [line for a in answers if (line := reading_line(a, rx)) is not None]


def answer_reading_text(answer: PromptAnswer, rx: Prescription) -> str:
    line = reading_line(answer, rx)
    return line.text if line is not None else ""


def reading_limits(rx: Prescription) -> dict[str, Any] | None:
    """The prescriber's limits as the API gives them (None: no limits)."""
    rule = rx.reading_rule
    if rule is None:
        return None
    return {
        "check": rule.check,
        "unit": READING_UNITS.get(rule.check, ""),
        "below": format_quantity(rule.below) if rule.below is not None else None,
        "below_action": rule.below_action,
        "above": format_quantity(rule.above) if rule.above is not None else None,
        "above_action": rule.above_action,
        "plan": rule.plan,
        "lines": rule.lines(),
    }
