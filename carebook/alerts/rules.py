"""When a dose becomes an alert, and how serious it is: pure rules, no Django (plain values in, decisions out).

- **Overdue**: a due dose past its window (``window_closes_at``: 60 minutes after its time, 30 for a
  time-critical medicine; medication.rules.windows) with no outcome recorded.
- **Missed**: still no outcome when its round has ended (or at a time the location or prescription sets:
  ``missed_minutes`` after the dose's time), and its window has closed: an omission to investigate.
  The overdue alert is then followed by the missed-dose alert, which says what it follows.

Severity: a time-critical or high-risk medicine (insulin, anticoagulants, anti-epileptics, Parkinson's
medicines...) ranks one level higher than the kind's own (``KIND_SEVERITY``); a missed dose of any medicine is at
least medium.

The other kinds (ADR 0026) and their thresholds, each default written once here (``Thresholds``), overridden per
location and per prescription (``alerts.thresholds.thresholds_for``):

- **Refused, to offer again**: the dose's record is "Refused (will offer again)" when its window closes.
- **Repeated refusal**: the same medicine refused ``refusal_count`` times in ``refusal_days`` days (3 in 7).
- **Repeated omissions**: ``omission_count`` omissions (``OMISSIONS`` outcomes, and missed doses) in
  ``omission_days`` days (3 in 7), for a person, for one of their medicines, or for a round of a location.
- **When-required pattern**: the 24-hour maximum reached (medication.rules.prn), or the medicine taken on
  ``prn_days`` or more of the last ``prn_days_of`` days (5 of 7): its protocol is due a review.
- **Safety check skipped or failed**, **reading outside its rule**, **allergy warning overridden**: one each.
- **Late recording**: recorded more than ``late_recording_minutes`` after it was given (60).
- **Transcription check outstanding**: an unchecked prescription's dose due within ``transcription_lead_minutes``
  (120), or past.

- **Visit not closed**: a home-care visit still open ``VISIT_CLOSE_GRACE`` (30 minutes) after its window ended
  (``visit_not_closed_at``): the visit may not have happened, or left a medicine without an outcome (ADR 0038).

A repeated condition is one alert: while an alert of the same condition was raised in its window (``ongoing``),
the later records are added to it, not raised again.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, replace
from decimal import Decimal

from carebook.alerts.vocab import (
    ESCALATION_ORDER,
    FOLLOW_UPS,
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
from carebook.medication.rules.prn import PrnDose, prn_next_allowed
from carebook.medication.rules.windows import ROUNDS, round_for_time
from carebook.medication.vocab import Outcome as DoseOutcome
from carebook.medication.vocab import Prompt


@dataclass(frozen=True)
class DoseFacts:
    """A pending due dose, as the scan reads it."""

    scheduled_at: dt.datetime
    local_date: dt.date
    local_time: dt.time
    window_closes_at: dt.datetime
    time_critical: bool
    high_risk: bool


# How long after its window a home-care visit may still be closed before it is an alert: the care worker's next visit
# has begun by then, and the office should know that a visit may not have happened.
VISIT_CLOSE_GRACE = dt.timedelta(minutes=30)


def visit_not_closed_at(window_end: dt.datetime) -> dt.datetime:
    """From when an open visit is an alert (ADR 0038)."""
    return window_end + VISIT_CLOSE_GRACE


def round_ends_at(local_date: dt.date, local_time: dt.time) -> dt.datetime:
    """When the round of a slot ends (UTC; the night round ends the next morning)."""
    definition = ROUNDS[round_for_time(local_time)]
    end_date = local_date
    if definition.wraps_midnight and local_time >= definition.starts:
        end_date = local_date + dt.timedelta(days=1)
    return local_wall_time(end_date, definition.ends)


def overdue_at(dose: DoseFacts, overdue_minutes: int | None = None) -> dt.datetime:
    """From when a pending dose is overdue: when its window closes (medication.rules.windows, stored on the due
    dose), or later when the location or prescription sets a longer threshold. Never earlier: a dose still in its
    window is not late (ADR 0026)."""
    if overdue_minutes is None:
        return dose.window_closes_at
    return max(dose.window_closes_at, dose.scheduled_at + dt.timedelta(minutes=overdue_minutes))


def missed_at(dose: DoseFacts, overdue_minutes: int | None = None, missed_minutes: int | None = None) -> dt.datetime:
    """From when a dose with no outcome is missed: its round has ended (or, where the location or prescription sets
    ``missed_minutes``, that many minutes after its time has passed instead), and it is overdue."""
    if missed_minutes is None:
        ends = round_ends_at(dose.local_date, dose.local_time)
    else:
        ends = dose.scheduled_at + dt.timedelta(minutes=missed_minutes)
    return max(ends, overdue_at(dose, overdue_minutes))


def dose_alert_kind(
    dose: DoseFacts, now: dt.datetime, overdue_minutes: int | None = None, missed_minutes: int | None = None
) -> str | None:
    """What a pending dose is now: missed, overdue, or nothing yet."""
    if now >= missed_at(dose, overdue_minutes, missed_minutes):
        return AlertKind.MISSED_DOSE
    if now >= overdue_at(dose, overdue_minutes):
        return AlertKind.OVERDUE_DOSE
    return None


# The kind's own severity; a time-critical or high-risk medicine ranks one level higher.
KIND_SEVERITY: dict[str, Severity] = {
    AlertKind.OVERDUE_DOSE: Severity.MEDIUM,
    AlertKind.MISSED_DOSE: Severity.MEDIUM,
    AlertKind.REFUSED_OFFER_AGAIN: Severity.MEDIUM,
    AlertKind.REPEATED_REFUSAL: Severity.MEDIUM,
    AlertKind.REPEATED_OMISSIONS: Severity.MEDIUM,
    AlertKind.PRN_PATTERN: Severity.LOW,
    AlertKind.PROMPT_NOT_CONFIRMED: Severity.MEDIUM,
    AlertKind.READING_OUTSIDE_RULE: Severity.MEDIUM,
    AlertKind.ALLERGY_OVERRIDDEN: Severity.MEDIUM,
    AlertKind.LATE_RECORDING: Severity.LOW,
    AlertKind.TRANSCRIPTION_OUTSTANDING: Severity.MEDIUM,
    AlertKind.DOSING_INSTRUCTION_MISSING: Severity.HIGH,
    AlertKind.VISIT_NOT_CLOSED: Severity.MEDIUM,
    AlertKind.PROMPT_NON_COMPLIANCE: Severity.MEDIUM,
}


def severity_for(*, time_critical: bool, high_risk: bool, kind: str = AlertKind.OVERDUE_DOSE) -> str:
    base = KIND_SEVERITY.get(kind, Severity.MEDIUM)
    if not (time_critical or high_risk):
        return base
    return Severity.HIGH if base in (Severity.HIGH, Severity.MEDIUM) else Severity.MEDIUM


def alert_key(kind: str, subject: object) -> str:
    """The one alert a condition may raise: two scans, or two workers, find the same key (a unique constraint)."""
    return f"{kind}:{subject}"


# --- Thresholds ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Thresholds:
    """When each kind is raised. The defaults, once; a location's and a prescription's settings override them."""

    overdue_minutes: int | None = None  # after the due time; None: the dose window (60 minutes, 30 time-critical)
    missed_minutes: int | None = None  # after the due time; None: when its round ends
    refusal_count: int = 3
    refusal_days: int = 7
    omission_count: int = 3
    omission_days: int = 7
    prn_days: int = 5
    prn_days_of: int = 7
    late_recording_minutes: int = 60
    transcription_lead_minutes: int = 120
    prompt_skip_count: int = 3  # a member of staff's safety checks skipped or failed ...
    prompt_skip_days: int = 7  # ... in this many days (ADR 0030)


DEFAULTS = Thresholds()
THRESHOLD_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(Thresholds))
# What a prescription may set for itself (the rest are the location's).
PRESCRIPTION_THRESHOLD_FIELDS: tuple[str, ...] = (
    "overdue_minutes",
    "missed_minutes",
    "refusal_count",
    "refusal_days",
    "prn_days",
)
# The widest look-back any setting may ask for: what bounds the scan.
MAX_DAYS = 31
LIMITS: dict[str, tuple[int, int]] = {
    "overdue_minutes": (1, 24 * 60),
    "missed_minutes": (1, 24 * 60),
    "refusal_count": (2, 50),
    "refusal_days": (1, MAX_DAYS),
    "omission_count": (2, 50),
    "omission_days": (1, MAX_DAYS),
    "prn_days": (1, MAX_DAYS),
    "prn_days_of": (1, MAX_DAYS),
    "late_recording_minutes": (5, 24 * 60),
    "transcription_lead_minutes": (15, 7 * 24 * 60),
    "prompt_skip_count": (2, 50),
    "prompt_skip_days": (1, MAX_DAYS),
}


def merged_thresholds(
    location: Mapping[str, int | None] | None = None, prescription: Mapping[str, int | None] | None = None
) -> Thresholds:
    """The defaults, then the location's settings, then the prescription's (a None or missing setting: the one
    before it)."""
    values: dict[str, int | None] = {}
    for layer, allowed in ((location, THRESHOLD_FIELDS), (prescription, PRESCRIPTION_THRESHOLD_FIELDS)):
        for name in allowed:
            value = (layer or {}).get(name)
            if value is not None:
                values[name] = value
    merged = replace(DEFAULTS, **values)  # type: ignore[arg-type]
    if merged.prn_days > merged.prn_days_of:
        merged = replace(merged, prn_days=merged.prn_days_of)
    return merged


def check_thresholds(values: Mapping[str, int | None]) -> None:
    """Refuse a setting out of its range (the field and the range)."""
    for name, value in values.items():
        if value is None:
            continue
        low, high = LIMITS[name]
        if not low <= value <= high:
            raise ValidationFailed(f"Enter a whole number from {low} to {high}.", field=name)
    days, of = values.get("prn_days"), values.get("prn_days_of")
    if days is not None and of is not None and days > of:
        raise ValidationFailed("The days used cannot be more than the days counted.", field="prn_days")


# --- The kinds raised from records ---------------------------------------------------------------

REFUSALS: frozenset[str] = frozenset(
    {DoseOutcome.REFUSED, DoseOutcome.REFUSED_NOT_OFFERED_AGAIN, DoseOutcome.REFUSED_DESTROYED}
)
# An omission: not given for a reason the service should look into. Refusals have their own kind; in hospital, on
# leave, not required and a paper MAR are not omissions.
OMISSIONS: frozenset[str] = frozenset(
    {
        DoseOutcome.NAUSEA_VOMITING,
        DoseOutcome.ASLEEP,
        DoseOutcome.DESTROYED,
        DoseOutcome.NOT_AVAILABLE,
        DoseOutcome.OTHER,
    }
)


def refused_to_offer_again(offer_again_until: dt.datetime, *, now: dt.datetime) -> bool:
    """A dose refused (or asleep) "will offer again" whose time to be offered again has come with no outcome yet (its
    waiting refusal is read with the dose still due: medication ADR 0034)."""
    return now >= offer_again_until


def count_in_days(times: Iterable[dt.datetime], *, at: dt.datetime, days: int) -> int:
    """How many of ``times`` fall in the ``days`` days up to ``at``: after ``at - days``, not after ``at``."""
    start = at - dt.timedelta(days=days)
    return sum(1 for t in times if start < t <= at)


def repeated(times: Iterable[dt.datetime], *, at: dt.datetime, count: int, days: int) -> bool:
    """``count`` or more in the ``days`` days up to ``at``."""
    return count_in_days(times, at=at, days=days) >= count


def ongoing(raised: Iterable[dt.datetime], *, at: dt.datetime, days: int) -> bool:
    """An alert of the same condition was raised in the window: the record joins it, no new one is raised."""
    return count_in_days(raised, at=at, days=days) > 0


def prn_days_used(local_dates: Iterable[dt.date], *, today: dt.date, of_days: int) -> int:
    """On how many of the ``of_days`` days up to ``today`` (local dates) the medicine was taken."""
    first = today - dt.timedelta(days=of_days - 1)
    return len({d for d in local_dates if first <= d <= today})


def prn_overused(local_dates: Iterable[dt.date], *, today: dt.date, days: int, of_days: int) -> bool:
    return prn_days_used(local_dates, today=today, of_days=of_days) >= days


def prn_max_reached(history: Sequence[PrnDose], *, at: dt.datetime, smallest: Decimal, max_24h: Decimal) -> bool:
    """After the doses up to ``at``, not even the smallest dose could be given at ``at``: the 24-hour maximum is
    reached (the PRN rule of medication.rules.prn, the interval aside)."""
    allowed = prn_next_allowed(
        history=history, now=at, quantity=smallest, min_interval=dt.timedelta(0), max_24h=max_24h
    )
    return allowed is not None


def prompts_to_alert(*, skipped: Iterable[str], failed: Iterable[str], outcome: str) -> list[str]:
    """The safety checks worth an alert: every reading skipped, every check failed, except the person's consent
    failing on a refusal (that is the refusal, which has its own kinds)."""
    return [*skipped, *(p for p in failed if not (p == Prompt.CONSENT and outcome in REFUSALS))]


def recorded_late(*, administered_at: dt.datetime, recorded_at: dt.datetime, minutes: int) -> bool:
    """Recorded more than ``minutes`` after the time it was given."""
    return recorded_at - administered_at > dt.timedelta(minutes=minutes)


def transcription_due(*, first_due_at: dt.datetime, now: dt.datetime, lead_minutes: int) -> bool:
    """An unchecked prescription's dose is due within the lead time, or past."""
    return now >= first_due_at - dt.timedelta(minutes=lead_minutes)


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
    if action.kind in FOLLOW_UPS and not action.note.strip():
        raise ValidationFailed("Say what was agreed with the member of staff.", field="note")


def check_follow_up_allowed(kind: str, *, alert_kind: str) -> None:
    """A supervisor's follow-up is a step of a non-compliance alert only; that alert takes no dose steps."""
    staff = alert_kind == AlertKind.PROMPT_NON_COMPLIANCE
    if (kind in FOLLOW_UPS) != staff and kind != ActionKind.NOTE:
        if staff:
            raise ValidationFailed(
                "Record the follow-up with the member of staff: supervision held, procedure clarified or "
                "retraining arranged.",
                field="kind",
            )
        raise ValidationFailed("A supervisor's follow-up is for a safety-check non-compliance alert.", field="kind")


def prompt_non_compliance(times: Iterable[dt.datetime], *, at: dt.datetime, count: int, days: int) -> bool:
    """A member of staff's skipped or failed safety checks: ``count`` or more in the ``days`` days up to ``at``."""
    return repeated(times, at=at, count=count, days=days)


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


def check_resolve(*, status: str, outcomes: list[str], follow_ups: Sequence[str] = ()) -> str:
    """The outcome an alert is resolved with: the last one recorded. Refused when none is, or when not yet
    acknowledged, or already resolved. A non-compliance alert (about a member of staff) has no dose outcome: its
    supervisor's last follow-up (``follow_ups``, action kinds in FOLLOW_UPS, given for that kind only) is it."""
    if status == AlertStatus.RESOLVED:
        raise Conflict("This alert is already resolved.", code="already_resolved")
    if status != AlertStatus.ACKNOWLEDGED:
        raise Conflict("Acknowledge the alert before resolving it.", code="not_acknowledged")
    if not outcomes and follow_ups:
        return follow_ups[-1]
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


def unacknowledged_to_reach(level: int, *, severity: str) -> dt.timedelta:
    """How long an alert has gone unacknowledged when it reaches ``ESCALATION_ORDER[level]``."""
    return level * acknowledge_within(severity)


def escalation_due(*, severity: str, raised_at: dt.datetime, now: dt.datetime) -> str:
    """Who an alert nobody has acknowledged should be with now: one level up per period unacknowledged (15 minutes
    for a time-critical or high-risk medicine, 60 otherwise), at most the registered manager."""
    periods = int((now - raised_at) / acknowledge_within(severity))
    return ESCALATION_ORDER[max(0, min(periods, len(ESCALATION_ORDER) - 1))]
