"""Governance audits' rules, pure (no Django, no data access): when an audit falls due, where a due audit stands,
what an answer must be, who may do an audit, and what must be true before one is signed (ADR 0029).

A period is ``[start, end)`` of the home's local dates, as the governance figures' (``reports.rules.Period``):
a day, a week from Monday, or a calendar month. It is due by the end of ``grace_days`` after its last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from carebook.audits.vocab import AnswerType, ConductedBy, Frequency, SlotState, YesNo
from carebook.core.errors import ValidationFailed

DAY = dt.timedelta(days=1)
MAX_ANSWER = 2000
MAX_SLOTS = 400  # periods listed at once (a year and more of daily audits): a longer span is refused


@dataclass(frozen=True)
class Slot:
    """One period of one template: [start, end), due by the end of ``due_on``."""

    start: dt.date
    end: dt.date
    due_on: dt.date

    @property
    def last_day(self) -> dt.date:
        return self.end - DAY


def period_containing(frequency: str, day: dt.date) -> tuple[dt.date, dt.date]:
    """The period of a frequency that holds ``day``: [start, end)."""
    if frequency == Frequency.DAILY:
        return day, day + DAY
    if frequency == Frequency.WEEKLY:
        start = day - dt.timedelta(days=day.weekday())
        return start, start + dt.timedelta(days=7)
    if frequency == Frequency.MONTHLY:
        start = day.replace(day=1)
        return start, (start + dt.timedelta(days=32)).replace(day=1)
    raise ValueError(f"unknown frequency {frequency!r}")


def slot_for(frequency: str, day: dt.date, grace_days: int) -> Slot:
    start, end = period_containing(frequency, day)
    return Slot(start, end, end - DAY + dt.timedelta(days=grace_days))


def slots(frequency: str, *, grace_days: int, starts_on: dt.date, first: dt.date, last: dt.date) -> list[Slot]:
    """Every period that starts on or after the template's ``starts_on`` and holds a day of ``[first, last]``,
    in order. Refused beyond ``MAX_SLOTS`` (a caller asks for a bounded span)."""
    found: list[Slot] = []
    day = max(first, starts_on)
    while day <= last:
        slot = slot_for(frequency, day, grace_days)
        if slot.start >= starts_on:  # the period holding starts_on began before it: the next is the first
            found.append(slot)
        if len(found) > MAX_SLOTS:
            raise ValidationFailed(f"Ask for at most {MAX_SLOTS} audit periods at once.", field="to")
        day = slot.end
    return found


def slots_due_between(
    frequency: str, *, grace_days: int, starts_on: dt.date, first: dt.date, end: dt.date
) -> list[Slot]:
    """The periods whose due day falls in ``[first, end)`` (what "completed on time" counts for that span)."""
    reach = first - dt.timedelta(days=grace_days + 31)
    return [
        s
        for s in slots(frequency, grace_days=grace_days, starts_on=starts_on, first=reach, last=end - DAY)
        if first <= s.due_on < end
    ]


def slot_state(slot: Slot, *, today: dt.date, started: bool, signed_on: dt.date | None) -> SlotState:
    """Where a due audit stands today: signed (on time or late, by the home's date it was signed), or not yet
    (in progress, due, or overdue from the day after its due day)."""
    if signed_on is not None:
        return SlotState.DONE_ON_TIME if signed_on <= slot.due_on else SlotState.DONE_LATE
    if today > slot.due_on:
        return SlotState.OVERDUE
    return SlotState.IN_PROGRESS if started else SlotState.DUE


def counts_in_figure(state: SlotState) -> bool:
    """A slot counts in "audits completed on time" once it is signed or past its due day (one still open within
    its time is neither on time nor late yet)."""
    return state in (SlotState.DONE_ON_TIME, SlotState.DONE_LATE, SlotState.OVERDUE)


def may_conduct(role: str, conducted_by: str) -> bool:
    """Who may start, answer and sign an audit of a template: a team leader's audits by a team leader, the
    coordinator or the registered manager; a registered manager's by the registered manager."""
    if conducted_by == ConductedBy.TEAM_LEADER:
        return role in ("team_leader", "coordinator", "registered_manager")
    return role == "registered_manager"


def check_may_start(slot: Slot, *, today: dt.date) -> None:
    if slot.start > today:
        raise ValidationFailed("This audit's period has not started yet.", field="period_start")


def clean_answer(answer_type: str, value: str) -> str:
    """The answer as stored: yes/no/na for a yes-no question, a number as written (decimal), or the text."""
    text = (value or "").strip()
    if not text:
        raise ValidationFailed("Answer the question.", field="value")
    if len(text) > MAX_ANSWER:
        raise ValidationFailed(f"Keep the answer to {MAX_ANSWER} characters.", field="value")
    if answer_type == AnswerType.YES_NO:
        if text not in YesNo.values:
            raise ValidationFailed("Answer yes, no or not applicable.", field="value")
        return text
    if answer_type == AnswerType.NUMBER:
        try:
            number = Decimal(text)
        except InvalidOperation:
            raise ValidationFailed("Give a number.", field="value") from None
        if not number.is_finite() or number < 0 or number > Decimal("1000000"):
            raise ValidationFailed("Give a number from 0 to 1,000,000.", field="value")
        return format(number.normalize(), "f")
    return text


def check_finding(*, text: str, with_action: bool, no_action_reason: str) -> None:
    if not text.strip():
        raise ValidationFailed("Say what the audit found.", field="text")
    if not with_action and not no_action_reason.strip():
        raise ValidationFailed(
            "Set a corrective action for this finding, or say why none is needed.", field="no_action_reason"
        )
    if with_action and no_action_reason.strip():
        raise ValidationFailed("A finding has an action or a reason why none is needed, not both.", field="action")


@dataclass(frozen=True)
class QuestionFacts:
    position: int
    text: str
    answer: str | None  # the latest answer, or None
    no_needs_action: bool
    has_finding_with_action: bool


def sign_problems(questions: Sequence[QuestionFacts]) -> list[str]:
    """Why an audit cannot be signed yet (empty: it can): a question unanswered; a "no" that needs an action
    without a finding that has one. (A finding has an action or a reason why none is needed: the database holds
    that, ``audit_finding_action_or_reason``.)"""
    problems = [f"Question {q.position} is not answered." for q in questions if q.answer is None]
    problems += [
        f"Question {q.position} was answered no: record a finding with a corrective action for it."
        for q in questions
        if q.answer == YesNo.NO and q.no_needs_action and not q.has_finding_with_action
    ]
    return problems


def check_sign(questions: Sequence[QuestionFacts]) -> None:
    problems = sign_problems(questions)
    if problems:
        raise ValidationFailed(" ".join(problems), field="audit")


def check_text(text: str, field: str, what: str) -> str:
    cleaned = (text or "").strip()
    if not cleaned:
        raise ValidationFailed(f"Write the {what}.", field=field)
    if len(cleaned) > 5000:
        raise ValidationFailed(f"Keep the {what} to 5,000 characters.", field=field)
    return cleaned
