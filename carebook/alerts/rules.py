"""When a dose becomes an alert, and how serious it is: pure rules, no Django (plain values in, decisions out).

- **Overdue**: a due dose past its window (``window_closes_at``: 60 minutes after its time, 30 for a
  time-critical medicine; medication.rules.windows) with no outcome recorded.
- **Missed**: still no outcome when its round has ended (and its window has closed): an omission to investigate.
  The overdue alert is then followed by the missed-dose alert, which says what it follows.

Severity: a time-critical or high-risk medicine (insulin, anticoagulants, anti-epileptics, Parkinson's
medicines...) ranks high; a missed dose of any medicine is at least medium.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from carebook.alerts.vocab import (
    ESCALATION_ORDER,
    ActionKind,
    AlertKind,
    AlertStatus,
    CareWorkerAnswer,
    Informed,
    Outcome,
    Professional,
    Severity,
)
from carebook.core.clock import local_wall_time
from carebook.core.errors import Conflict, ValidationFailed
from carebook.medication.rules.windows import ROUNDS, round_for_time


@dataclass(frozen=True)
class DoseFacts:
    """A pending due dose, as the scan reads it."""

    scheduled_at: dt.datetime
    local_date: dt.date
    local_time: dt.time
    window_closes_at: dt.datetime
    time_critical: bool
    high_risk: bool


def round_ends_at(local_date: dt.date, local_time: dt.time) -> dt.datetime:
    """When the round of a slot ends (UTC; the night round ends the next morning)."""
    definition = ROUNDS[round_for_time(local_time)]
    end_date = local_date
    if definition.wraps_midnight and local_time >= definition.starts:
        end_date = local_date + dt.timedelta(days=1)
    return local_wall_time(end_date, definition.ends)


def missed_at(dose: DoseFacts) -> dt.datetime:
    """From when a dose with no outcome is missed: its round has ended and its window has closed."""
    return max(round_ends_at(dose.local_date, dose.local_time), dose.window_closes_at)


def dose_alert_kind(dose: DoseFacts, now: dt.datetime) -> str | None:
    """What a pending dose is now: missed, overdue, or nothing yet."""
    if now >= missed_at(dose):
        return AlertKind.MISSED_DOSE
    if now >= dose.window_closes_at:
        return AlertKind.OVERDUE_DOSE
    return None


def severity_for(*, time_critical: bool, high_risk: bool) -> str:
    if time_critical or high_risk:
        return Severity.HIGH
    return Severity.MEDIUM


def alert_key(kind: str, subject: object) -> str:
    """The one alert a condition may raise: two scans, or two workers, find the same key (a unique constraint)."""
    return f"{kind}:{subject}"


# --- The steps of an escalation -------------------------------------------------------------


@dataclass(frozen=True)
class ActionInput:
    """One step recorded on an alert, as the page or the API sends it."""

    kind: str
    note: str = ""
    answer: str = ""  # CONTACTED_CARE_WORKER: CareWorkerAnswer
    professional: str = ""  # ESCALATED: Professional
    advice: str = ""  # ESCALATED: the advice received, in words
    outcome: str = ""  # ADVICE_OUTCOME: Outcome
    new_prescription: bool = False  # ADVICE_OUTCOME medication changed: a prescription version is linked
    observe_what: str = ""  # ADVICE_OUTCOME observe: what to watch for
    observe_until: dt.datetime | None = None  # ... and until when
    informed: str = ""  # INFORMED: Informed


def check_action(action: ActionInput, *, now: dt.datetime) -> None:
    """Refuse a step that does not say what it must (the field and the reason)."""
    if action.kind not in ActionKind.values:
        raise ValidationFailed("Choose what was done from the list.", field="kind")
    if action.kind == ActionKind.CONTACTED_CARE_WORKER and action.answer not in CareWorkerAnswer.values:
        raise ValidationFailed("Say what the care worker said: given but not recorded, or not given.", field="answer")
    if action.kind == ActionKind.ESCALATED:
        if action.professional not in Professional.values:
            raise ValidationFailed("Choose who was asked for advice.", field="professional")
        if not action.advice.strip():
            raise ValidationFailed("Write down the advice received.", field="advice")
    if action.kind == ActionKind.ADVICE_OUTCOME:
        check_outcome(
            action.outcome,
            new_prescription=action.new_prescription,
            observe_what=action.observe_what,
            observe_until=action.observe_until,
            now=now,
        )
    if action.kind == ActionKind.INFORMED and action.informed not in Informed.values:
        raise ValidationFailed("Choose who was told.", field="informed")
    if action.kind == ActionKind.NOTE and not action.note.strip():
        raise ValidationFailed("Write the note.", field="note")


def check_outcome(
    outcome: str, *, new_prescription: bool, observe_what: str, observe_until: dt.datetime | None, now: dt.datetime
) -> None:
    if outcome not in Outcome.values:
        raise ValidationFailed("Choose the outcome from the list.", field="outcome")
    if outcome == Outcome.MEDICATION_CHANGED and not new_prescription:
        raise ValidationFailed("Link the new version of the prescription.", field="new_prescription")
    if outcome == Outcome.OBSERVE:
        if not observe_what.strip():
            raise ValidationFailed("Say what to observe.", field="observe_what")
        if observe_until is None or observe_until <= now:
            raise ValidationFailed("Say until when to observe (a time still to come).", field="observe_until")


def check_resolve(*, status: str, outcomes: list[str]) -> str:
    """The outcome an alert is resolved with: the last one recorded. Refused when none is, or when not yet
    acknowledged, or already resolved."""
    if status == AlertStatus.RESOLVED:
        raise Conflict("This alert is already resolved.", code="already_resolved")
    if status != AlertStatus.ACKNOWLEDGED:
        raise Conflict("Acknowledge the alert before resolving it.", code="not_acknowledged")
    if not outcomes:
        raise ValidationFailed(
            "An alert cannot be resolved without an outcome: record what was decided first.", field="outcome"
        )
    return outcomes[-1]


# --- Escalation when nobody takes an alert on --------------------------------------------------

ACKNOWLEDGE_WITHIN_HIGH = dt.timedelta(minutes=15)  # a time-critical or high-risk medicine
ACKNOWLEDGE_WITHIN = dt.timedelta(minutes=60)


def acknowledge_within(severity: str) -> dt.timedelta:
    return ACKNOWLEDGE_WITHIN_HIGH if severity == Severity.HIGH else ACKNOWLEDGE_WITHIN


def escalation_due(*, severity: str, raised_at: dt.datetime, now: dt.datetime) -> str:
    """Who an alert nobody has acknowledged should be with now: one level up per period unacknowledged (15 minutes
    for a time-critical or high-risk medicine, 60 otherwise), at most the registered manager."""
    periods = int((now - raised_at) / acknowledge_within(severity))
    return ESCALATION_ORDER[max(0, min(periods, len(ESCALATION_ORDER) - 1))]
