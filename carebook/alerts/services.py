"""Raising and clearing alerts. The scan (``alerts_scan``) runs every minute in the worker (``jobs.py``) and by hand
(``manage.py scan_alerts``); it never takes an HTTP request.

Idempotent and race-safe without locks: each alert is one INSERT of its condition's ``key`` (unique), in its own
transaction with its audit event; a second scan, or a second worker at the same moment, meets the constraint and
writes nothing. Clearing is a conditional UPDATE (``... WHERE cleared_at IS NULL``): one scanner clears, the other
finds nothing to do, so each change is audited once.

The scan reads only doses whose window closed in the last ``LOOK_BACK`` (index ``due_dose_state_closes_idx``), so its
cost does not grow with the length of the history.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Subquery

from carebook.alerts import rules
from carebook.alerts.audit import AlertsAudit
from carebook.alerts.models import Alert
from carebook.alerts.vocab import ESCALATION_ORDER, OPEN_STATUSES, AlertKind, AlertStatus, Severity
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.text import clock_time, duration, moment
from carebook.medication.models import Administration, DueDose

LOOK_BACK = dt.timedelta(days=7)
DOSE_KINDS = (AlertKind.OVERDUE_DOSE, AlertKind.MISSED_DOSE)
# The alerts a later record of their dose clears: overdue and missed (any record), refused (a record after it).
CLEARED_BY_A_RECORD = (*DOSE_KINDS, AlertKind.REFUSED_OFFER_AGAIN)


@dataclass
class ScanResult:
    raised: list[uuid.UUID] = field(default_factory=list)
    cleared: list[uuid.UUID] = field(default_factory=list)
    escalated: list[uuid.UUID] = field(default_factory=list)


def alerts_scan(*, now: dt.datetime | None = None, written_after: dt.datetime | None = None) -> ScanResult:
    """Raise the alerts time has brought (overdue and missed doses, and the kinds of alerts.detect as the backstop
    of their events) and clear those whose condition cleared. ``written_after``: the records the kinds of
    alerts.detect look at were written since then (the job passes its last success, with a margin: ``jobs.py``);
    None, the whole backstop."""
    from carebook.alerts.detect import (
        clear_dosing_instruction_given,
        clear_transcription_checked,
        clear_visits_closed,
        detect_all,
    )
    from carebook.alerts.thresholds import threshold_book

    now = now or clock.now()
    result = ScanResult()
    book = threshold_book()
    for dose in _doses_to_alert(now):
        facts = rules.DoseFacts(
            scheduled_at=dose.scheduled_at,
            local_date=dose.local_date,
            local_time=dose.local_time,
            window_closes_at=dose.window_closes_at,
            time_critical=dose.prescription.medicine.time_critical,
            high_risk=dose.prescription.medicine.high_risk,
        )
        limits = book.of(dose.location_id, dose.prescription_id)
        kind = rules.dose_alert_kind(facts, now, limits.overdue_minutes, limits.missed_minutes)
        overdue_id = dose.cb_overdue_alert_id  # type: ignore[attr-defined]
        if kind is None or (kind == AlertKind.OVERDUE_DOSE and overdue_id is not None):
            continue
        raised = _raise_dose_alert(
            dose, facts, kind=kind, follows_id=overdue_id, now=now, missed_minutes=limits.missed_minutes
        )
        if raised is not None:
            result.raised.append(raised.pk)
    result.raised += detect_all(now=now, written_after=written_after)
    result.cleared = (
        alerts_clear_recorded(now=now, written_after=written_after)
        + clear_transcription_checked(now=now, written_after=written_after)
        + clear_dosing_instruction_given(now=now)
        + clear_visits_closed(now=now)
    )
    result.escalated = alerts_escalate_unacknowledged(now=now)
    return result


def alerts_escalate_unacknowledged(*, now: dt.datetime) -> list[uuid.UUID]:
    """Send up a level the alerts nobody acknowledged in time (rules.escalation_due), each once per level:
    a conditional UPDATE from the level it was at, audited."""
    escalated = []
    # Only those due their next level: one branch per level they are at and per severity's period, so the minute
    # reads the alerts it moves, not every alert left open.
    due_next = Q(pk__in=[])
    for level, was in enumerate(ESCALATION_ORDER[:-1]):
        for severity, of_severity in ((Severity.HIGH, Q(severity=Severity.HIGH)), (None, ~Q(severity=Severity.HIGH))):
            waited = rules.unacknowledged_to_reach(level + 1, severity=severity or "")
            due_next |= of_severity & Q(escalated_to=was, raised_at__lte=now - waited)
    waiting = (
        Alert.objects.filter(status=AlertStatus.OPEN, cleared_at__isnull=True, superseded_by__isnull=True)
        .filter(due_next)
        .only("pk", "severity", "raised_at", "escalated_to", "location_id")
    )
    for alert in waiting:
        due = ESCALATION_ORDER.index(rules.escalation_due(severity=alert.severity, raised_at=alert.raised_at, now=now))
        at = ESCALATION_ORDER.index(alert.escalated_to)  # type: ignore[arg-type]
        if due <= at:
            continue
        with transaction.atomic():
            # One level at a time (the database allows shift → team leader → manager only): two behind moves twice.
            for level in range(at + 1, due + 1):
                was, now_to = ESCALATION_ORDER[level - 1], ESCALATION_ORDER[level]
                changed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN, escalated_to=was).update(
                    escalated_to=now_to, escalated_at=now
                )
                if not changed:
                    break
                record_event(
                    actor=None,
                    action=AlertsAudit.ALERT_ESCALATED,
                    entity=alert,
                    location=alert.location_id,
                    before={"escalated_to": was.value},
                    after={"escalated_to": now_to.value, "escalated_at": now.isoformat()},
                    at=now,
                )
                if alert.pk not in escalated:
                    escalated.append(alert.pk)
    return escalated


def _doses_to_alert(now: dt.datetime) -> list[DueDose]:
    """Pending doses past their window (in the last LOOK_BACK) without a missed-dose alert yet and without an alert
    resolved already, with the id of their overdue alert if they have one: one query."""
    alerts = Alert.objects.filter(due_dose_id=OuterRef("pk"))
    return list(
        DueDose.objects.filter(
            state=DueDose.State.PENDING, window_closes_at__lte=now, window_closes_at__gt=now - LOOK_BACK
        )
        .exclude(Exists(alerts.filter(kind=AlertKind.MISSED_DOSE)))
        # Refused (or asleep), to offer again: its own alert when the time to offer it again passes (ADR 0034).
        .exclude(Exists(Administration.objects.offered_again().filter(due_dose_id=OuterRef("pk"))))
        # Resolved with an outcome (skip this dose, no harm expected...): someone decided; it is not missed again.
        .exclude(Exists(alerts.filter(status=AlertStatus.RESOLVED)))
        .annotate(cb_overdue_alert_id=Subquery(alerts.filter(kind=AlertKind.OVERDUE_DOSE).values("pk")[:1]))
        .select_related("prescription__medicine", "person")
        .order_by("window_closes_at")
    )


def _summary(dose: DueDose, kind: str, missed_minutes: int | None = None) -> str:
    rx = dose.prescription
    what = f"{rx.medicine} for {dose.person.full_name}, due at {moment(dose.scheduled_at)}"
    if kind == AlertKind.MISSED_DOSE:
        if missed_minutes is None:
            return f"{what}: no record by the end of its round. Find out whether it was given."[:300]
        late = duration(dt.timedelta(minutes=missed_minutes))
        return f"{what}: still no record {late} after its time. Find out whether it was given."[:300]
    return f"{what}: no record, and its window closed at {clock_time(dose.window_closes_at)}."[:300]


def _raise_dose_alert(
    dose: DueDose,
    facts: rules.DoseFacts,
    *,
    kind: str,
    follows_id: uuid.UUID | None,
    now: dt.datetime,
    missed_minutes: int | None = None,
) -> Alert | None:
    """One alert for one dose and kind; None when another scan raised it first."""
    try:
        with transaction.atomic():
            alert = Alert.objects.create(
                kind=kind,
                severity=rules.severity_for(time_critical=facts.time_critical, high_risk=facts.high_risk),
                key=rules.alert_key(kind, dose.pk),
                location_id=dose.location_id,
                person_id=dose.person_id,
                prescription_id=dose.prescription_id,
                due_dose=dose,
                summary=_summary(dose, kind, missed_minutes),
                raised_at=now,
                due_at=dose.scheduled_at,
                follows_id=follows_id,
            )
            record_event(
                actor=None,
                action=AlertsAudit.ALERT_RAISED,
                entity=alert,
                location=dose.location_id,
                after=snapshot(alert),
                at=now,
            )
            if follows_id is not None:
                superseded = Alert.objects.filter(pk=follows_id, superseded_by__isnull=True).update(superseded_by=alert)
                if superseded:
                    record_event(
                        actor=None,
                        action=AlertsAudit.ALERT_SUPERSEDED,
                        entity=follows_id,
                        location=dose.location_id,
                        before={"superseded_by": None},
                        after={"superseded_by": str(alert.pk)},
                        at=now,
                    )
    except IntegrityError:
        return None  # the same condition's alert exists: raised by another scan
    return alert


def alerts_clear_recorded(
    *, now: dt.datetime, due_dose_ids: list[uuid.UUID] | None = None, written_after: dt.datetime | None = None
) -> list[uuid.UUID]:
    """Clear the dose alerts whose dose now has a record (a refused dose: a record after the refusal): each says
    when it was recorded, by whom and what. Those of ``due_dose_ids`` (the event of a recording); or, for the
    minute's scan, those whose dose's record was written since ``written_after`` (index ``admin_recorded_at_idx``:
    an alert still about its refusal is not read again every minute); or every open one (by hand)."""
    candidates = Alert.objects.filter(
        kind__in=CLEARED_BY_A_RECORD,
        status__in=OPEN_STATUSES,
        cleared_at__isnull=True,
        superseded_by__isnull=True,
        due_dose__state=DueDose.State.RECORDED,
    )
    if due_dose_ids is not None:
        candidates = candidates.filter(due_dose_id__in=due_dose_ids)
    elif written_after is not None:
        written = Administration.objects.effective().filter(recorded_at__gt=written_after, recorded_at__lte=now)
        candidates = candidates.filter(due_dose_id__in=written.values("due_dose_id"))
    alerts = list(candidates)
    # Each dose's record, read once for them all (not once per alert).
    records = {
        r.due_dose_id: r
        for r in Administration.objects.effective()
        .filter(due_dose_id__in=[a.due_dose_id for a in alerts])
        .select_related("recorded_by")
    }
    cleared = []
    for alert in alerts:
        record = records.get(alert.due_dose_id)
        if record is None or record.pk == alert.administration_id:
            continue  # no record yet, or still the refusal the alert is about
        reason = (
            f"{record.get_outcome_display()} at {moment(record.administered_at)}, recorded by "
            f"{record.recorded_by.display_name} at {moment(record.recorded_at)}."
        )[:300]
        with transaction.atomic():
            changed = Alert.objects.filter(pk=alert.pk, cleared_at__isnull=True).update(
                cleared_at=now, cleared_reason=reason, cleared_by_administration=record
            )
            if changed:
                record_event(
                    actor=None,
                    action=AlertsAudit.ALERT_CLEARED,
                    entity=alert,
                    location=alert.location_id,
                    before={"cleared_at": None},
                    after={"cleared_at": now.isoformat(), "cleared_reason": reason, "administration": str(record.pk)},
                    at=now,
                )
                cleared.append(alert.pk)
    return cleared
