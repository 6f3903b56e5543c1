"""Due doses: generating the MAR slots ahead, and withdrawing them when a prescription stops or changes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable

from django.conf import settings
from django.db import transaction

from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import DueDose, Prescription, PrescriptionStatus, ScheduleKind


def schedule_of(prescription: Prescription) -> rules.Schedule:
    return rules.Schedule(
        kind=prescription.schedule_kind,
        times=tuple(prescription.wall_times),
        start_date=prescription.start_date,
        end_date=prescription.end_date,
        days_of_week=frozenset(int(d) for d in prescription.days_of_week),
        interval_days=prescription.interval_days,
    )


def horizon_end(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.CAREBOOK["DUE_DOSE_HORIZON_HOURS"])


def _slots_for(prescription: Prescription, start: dt.datetime, end: dt.datetime) -> list[DueDose]:
    return [
        DueDose(
            prescription=prescription,
            person_id=prescription.person_id,
            location_id=prescription.person.location_id,
            scheduled_at=slot.scheduled_at,
            local_date=slot.local_date,
            local_time=slot.local_time,
        )
        for slot in rules.scheduled_slots(schedule_of(prescription), start, end)
    ]


def due_doses_generate(*, prescription: Prescription, start: dt.datetime, end: dt.datetime) -> int:
    """Create the missing slots of one prescription in [start, end). Idempotent."""
    if prescription.schedule_kind == ScheduleKind.PRN or prescription.status != PrescriptionStatus.ACTIVE:
        return 0
    start = max(start, prescription.entered_at)
    rows = _slots_for(prescription, start, end)
    if not rows:
        return 0
    before = DueDose.objects.filter(prescription=prescription).exclude(state=DueDose.State.WITHDRAWN).count()
    DueDose.objects.bulk_create(rows, ignore_conflicts=True)
    after = DueDose.objects.filter(prescription=prescription).exclude(state=DueDose.State.WITHDRAWN).count()
    return after - before


def due_doses_withdraw_future(*, prescription: Prescription, by: object, reason: str, now: dt.datetime) -> int:
    """Withdraw the not-yet-due, unrecorded slots of a prescription. Recorded ones are never touched."""
    ids = list(
        DueDose.objects.filter(
            prescription=prescription, state=DueDose.State.PENDING, scheduled_at__gte=now
        ).values_list("id", flat=True)
    )
    if not ids:
        return 0
    count = DueDose.objects.filter(id__in=ids, state=DueDose.State.PENDING).update(
        state=DueDose.State.WITHDRAWN, withdrawn_at=now, withdrawn_reason=reason[:200]
    )
    record_event(
        actor=by,
        action="due_doses.withdrawn",
        entity=prescription,
        location=prescription.person.location,
        before={"state": "pending", "due_doses": [str(i) for i in ids]},
        after={"state": "withdrawn", "reason": reason},
        at=now,
    )
    return count


def due_doses_extend_horizon(
    *, now: dt.datetime | None = None, prescriptions: Iterable[Prescription] | None = None
) -> int:
    """The background job: keep every active scheduled prescription's slots generated ahead.

    Looks back 24 hours so that slots missed while the worker was down are
    created (and then show as overdue or missed, never silently absent).
    Safe to run twice at once: the unique constraint makes inserts idempotent.
    """
    now = now or clock.now()
    start, end = now - dt.timedelta(hours=24), horizon_end(now)
    if prescriptions is None:
        prescriptions = (
            Prescription.objects.filter(status=PrescriptionStatus.ACTIVE)
            .exclude(schedule_kind=ScheduleKind.PRN)
            .select_related("person")
        )
    created = 0
    for prescription in prescriptions:
        rows = _slots_for(prescription, max(start, prescription.entered_at), end)
        if rows:
            with transaction.atomic():
                DueDose.objects.bulk_create(rows, ignore_conflicts=True)
            created += len(rows)
    return created
