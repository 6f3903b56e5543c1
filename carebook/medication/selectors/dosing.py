"""The clinic's dosing instructions of a prescription, as its page shows them (ADR 0037)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from carebook.access.policy import Action, can
from carebook.medication import rules
from carebook.medication.facts import instruction_facts
from carebook.medication.models import DosingInstruction, Prescription

SHOWN = 6  # the latest instructions listed on the prescription's page


@dataclass(frozen=True)
class InstructionRow:
    instruction: DosingInstruction
    checked: bool
    in_force_today: bool
    may_check: bool
    days: list[tuple[dt.date, Decimal]]


@dataclass(frozen=True)
class DosingPanel:
    rows: list[InstructionRow]
    today: dt.date
    today_dose: Decimal | None
    refusal: str  # why no dose can be given today ("" when one is in force)
    next_inr_date: dt.date | None
    may_enter: bool


def dosing_panel(prescription: Prescription, user: Any, *, today: dt.date) -> DosingPanel:
    """The latest instructions, the one in force today and what this viewer may do (two queries)."""
    found = list(
        DosingInstruction.objects.filter(prescription=prescription)
        .select_related("entered_by", "second_check__checked_by")
        .order_by("-entered_at")[:SHOWN]
    )
    facts = [instruction_facts(row) for row in found]
    current = rules.dosing.current_instruction(facts, today)
    refusal = rules.dosing.dosing_refusal(facts, today)
    may_check = can(user, Action.CHECK_TRANSCRIPTION)
    rows = [
        InstructionRow(
            instruction=row,
            checked=fact.checked,
            in_force_today=current is not None and current.id == fact.id,
            may_check=may_check and not fact.checked and row.entered_by_id != getattr(user, "pk", None),
            days=sorted(fact.doses.items()),
        )
        for row, fact in zip(found, facts, strict=True)
    ]
    return DosingPanel(
        rows=rows,
        today=today,
        today_dose=current.doses[today] if current is not None else None,
        refusal=refusal.message if refusal is not None else "",
        next_inr_date=rules.dosing.next_inr_date(facts),
        may_enter=can(user, Action.MANAGE_PRESCRIPTIONS) and prescription.status in rules.OPEN_STATUSES,
    )
