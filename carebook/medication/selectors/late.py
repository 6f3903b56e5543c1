"""Reads of late doses too close to the next one, and what was decided (ADR 0021), in one wording.

The person's page and the MAR chart (HTML, JSON, PDF) show each decision the same way: the late dose, what
happened to the next dose (moved, and to when; omitted) or to this one (omitted), the reason, who decided and
who confirmed. One query for any number of decisions.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

from carebook.core import clock
from carebook.core.text import clock_time, duration, moment
from carebook.medication import rules
from carebook.medication.facts import next_dose_of, prescribed_at, prescription_facts
from carebook.medication.models import DueDose, LateDoseDecision
from carebook.medication.vocab import LateDoseChoice


@dataclass(frozen=True)
class LateDecisionRow:
    id: str
    administration_id: str
    medicine: str
    due_at: dt.datetime  # local: when the late dose was due
    given_at: dt.datetime  # local: when it was given (or would have been)
    choice: str  # a LateDoseChoice
    choice_label: str
    what: str  # what was done, in words
    next_due_at: dt.datetime  # local: when the next dose was due before the decision
    moved_to_at: dt.datetime | None  # local: the next dose's new time (move_next)
    gap: str  # "6 hours": the least time there had to be between the two
    reason: str
    decided_by: str
    decided_by_initials: str
    decided_at: dt.datetime  # local
    confirmed_by: str  # the senior (time-critical medicines), or ""


def _what(decision: LateDoseDecision) -> str:
    due = clock.to_local(decision.due_dose.scheduled_at)
    given = clock.to_local(decision.given_at)
    nxt = clock.to_local(decision.next_scheduled_at)
    late = f"The {due:%H:%M} dose was given late, at {given:%H:%M} on {given:%-d %B}"
    if decision.choice == LateDoseChoice.MOVE_NEXT and decision.moved_to is not None:
        moved = clock.to_local(decision.moved_to.scheduled_at)
        return f"{late}; the next dose ({nxt:%H:%M}) was moved to {moved:%H:%M} on {moved:%-d %B}."
    if decision.choice == LateDoseChoice.OMIT_NEXT:
        return f"{late}; the next dose ({nxt:%H:%M} on {nxt:%-d %B}) was omitted."
    return (
        f"The {due:%H:%M} dose was omitted: at {given:%H:%M} it was too late, too close to the next dose ({nxt:%H:%M})."
    )


def late_decision_row(decision: LateDoseDecision) -> LateDecisionRow:
    """One decision as the pages say it (due dose, its prescription's medicine, moved slot and staff joined)."""
    moved = decision.moved_to
    medicine = decision.due_dose.prescription.medicine
    return LateDecisionRow(
        id=str(decision.pk),
        administration_id=str(decision.administration_id),
        medicine=f"{medicine.name} {medicine.strength}".strip(),
        due_at=clock.to_local(decision.due_dose.scheduled_at),
        given_at=clock.to_local(decision.given_at),
        choice=decision.choice,
        choice_label=decision.get_choice_display(),
        what=_what(decision),
        next_due_at=clock.to_local(decision.next_scheduled_at),
        moved_to_at=clock.to_local(moved.scheduled_at) if moved is not None else None,
        gap=duration(dt.timedelta(minutes=decision.gap_minutes)),
        reason=decision.reason,
        decided_by=decision.decided_by.display_name,
        decided_by_initials=decision.decided_by.initials or "?",
        decided_at=clock.to_local(decision.decided_at),
        confirmed_by=decision.confirmed_by.display_name if decision.confirmed_by is not None else "",
    )


def late_decisions(*, person: Any, condition: Q | None = None) -> list[LateDecisionRow]:
    """The person's late-dose decisions (``condition`` narrows them), oldest first: one query."""
    rows = LateDoseDecision.objects.filter(due_dose__person=person)
    if condition is not None:
        rows = rows.filter(condition)
    rows = rows.select_related("due_dose__prescription__medicine", "moved_to", "decided_by", "confirmed_by").order_by(
        "decided_at"
    )
    return [late_decision_row(d) for d in rows]


def recent_late_decisions(*, person: Any, now: dt.datetime, days: int) -> list[LateDecisionRow]:
    """For the person's page: the decisions of the last ``days`` days, newest first."""
    since = now - dt.timedelta(days=days)
    return list(reversed(late_decisions(person=person, condition=Q(decided_at__gte=since))))


# --- The recording page's offer --------------------------------------------------------------


@dataclass(frozen=True)
class LateChoiceOption:
    value: str
    label: str
    hint: str


@dataclass(frozen=True)
class LateOffer:
    """Given now, this dose would be too close to the next: what the page offers (the service decides again)."""

    conflict: rules.TooClose
    message: str
    options: list[LateChoiceOption]
    next_due_at: dt.datetime  # local
    earliest_move: dt.datetime | None  # local
    latest_move: dt.datetime | None  # local
    suggested_move: dt.datetime | None  # local: what the page fills in (rules.suggested_move)
    gap: str
    needs_senior: bool


def late_offer_for(dose: DueDose, *, now: dt.datetime) -> LateOffer | None:
    """Whether a dose given now would be too close to the next one, and the choices (None: it would not).

    The same facts and rule as the recording service (``facts.next_dose_of``, ``rules.too_close``).
    """
    if dose.state != DueDose.State.PENDING:
        return None
    rx = dose.prescription
    _row, next_dose = next_dose_of(dose)
    conflict = rules.too_close(
        given_at=now,
        this_prescribed_at=prescribed_at(dose),
        next_dose=next_dose,
        setting=prescription_facts(rx).min_gap,
    )
    if conflict is None:
        return None
    nxt = clock.to_local(conflict.next.scheduled_at)
    gap = duration(conflict.gap)
    hints: dict[str, str] = {
        LateDoseChoice.MOVE_NEXT: (
            f"The next dose ({nxt:%H:%M}) moves later: to {clock_time(conflict.earliest_move)} or later, at least "
            f"{gap} after this one"
            + (f", and no later than {moment(conflict.latest_move)}" if conflict.latest_move is not None else "")
            + "."
        )
        if conflict.earliest_move is not None
        else "",
        LateDoseChoice.OMIT_NEXT: f"The {nxt:%H:%M} dose is recorded as not required now, with your reason.",
        LateDoseChoice.OMIT_THIS: f"This dose is recorded as not required, with your reason. Give the {nxt:%H:%M} "
        "dose as usual.",
    }
    suggested = rules.suggested_move(conflict)
    return LateOffer(
        conflict=conflict,
        message=rules.too_close_message(conflict),
        options=[LateChoiceOption(c, LateDoseChoice.label_of(c), hints[c]) for c in conflict.choices],
        next_due_at=nxt,
        earliest_move=clock.to_local(conflict.earliest_move) if conflict.earliest_move is not None else None,
        latest_move=clock.to_local(conflict.latest_move) if conflict.latest_move is not None else None,
        suggested_move=clock.to_local(suggested) if suggested is not None else None,
        gap=gap,
        needs_senior=rx.medicine.time_critical,
    )
