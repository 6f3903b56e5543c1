"""Due doses: generating the MAR slots ahead, and withdrawing them when a prescription stops or changes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q

from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.events import announce
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.events import DosesWithdrawn
from carebook.medication.locks import lock_people_skip_locked
from carebook.medication.models import DueDose, Prescription, PrescriptionEvent, PrescriptionStatus, ScheduleKind


def horizon_end(now: dt.datetime) -> dt.datetime:
    return now + dt.timedelta(hours=settings.CAREBOOK["DUE_DOSE_HORIZON_HOURS"])


def window_of(prescription: Prescription) -> dt.timedelta:
    return rules.dose_window(prescription.medicine.time_critical)


def _slots_for(prescription: Prescription, start: dt.datetime, end: dt.datetime) -> list[DueDose]:
    time_critical = prescription.medicine.time_critical
    rows = []
    for slot in rules.scheduled_slots(prescription.schedule, start, end):
        opens, closes = rules.window_bounds(slot.scheduled_at, time_critical)
        rows.append(
            DueDose(
                prescription=prescription,
                person_id=prescription.person_id,
                location_id=prescription.person.location_id,
                scheduled_at=slot.scheduled_at,
                local_date=slot.local_date,
                local_time=slot.local_time,
                window_opens_at=opens,
                window_closes_at=closes,
            )
        )
    return rows


def _earliest_slot(prescription: Prescription, since: dt.datetime | None) -> dt.datetime:
    """No slot before the prescription was entered, or before it was last resumed, less one dose window.

    A dose whose window is still open when a prescription is entered, changed or resumed is due;
    a dose that fell while it was suspended never comes back.
    """
    earliest = prescription.entered_at
    if since is not None:
        earliest = max(earliest, since)
    return earliest - window_of(prescription)


def dealt_with_by_earlier_versions(prescription: Prescription, since: dt.datetime) -> set[tuple[dt.date, dt.time]]:
    """The MAR slots (day, wall time) from ``since`` that an earlier version of this prescription already recorded.

    A change right after a dose was given (say 08:00 given, then the GP's new dose entered at 08:20) must not
    put the new version's 08:00 on the round again: that dose was dealt with, and offering it would be a second
    dose. Only versions entered after ``since`` can hold such a slot, so an old prescription costs no query.
    """
    slots: set[tuple[dt.date, dt.time]] = set()
    version = prescription
    while version.supersedes_id is not None and version.entered_at >= since:
        earlier = DueDose.objects.filter(
            prescription_id=version.supersedes_id, state=DueDose.State.RECORDED, scheduled_at__gte=since
        ).values_list("local_date", "local_time")
        slots.update(earlier)
        version = Prescription.objects.only("id", "supersedes_id", "entered_at").get(pk=version.supersedes_id)
    return slots


def _not_dealt_with(prescription: Prescription, rows: list[DueDose]) -> list[DueDose]:
    if not rows or prescription.supersedes_id is None:
        return rows
    done = dealt_with_by_earlier_versions(prescription, min(r.window_opens_at for r in rows))
    return [r for r in rows if (r.local_date, r.local_time) not in done]


def due_doses_generate(*, prescription: Prescription, end: dt.datetime, start: dt.datetime | None = None) -> None:
    """Create the missing slots of one prescription up to ``end``. Idempotent.

    From ``start`` if given, but never before the earliest slot the prescription may have.
    """
    if prescription.schedule_kind == ScheduleKind.PRN or prescription.status != PrescriptionStatus.ACTIVE:
        return
    earliest = _earliest_slot(prescription, _last_resumed(prescription))
    rows = _not_dealt_with(
        prescription, _slots_for(prescription, earliest if start is None else max(start, earliest), end)
    )
    if rows:
        DueDose.objects.bulk_create(rows, ignore_conflicts=True)


def _last_resumed(prescription: Prescription) -> dt.datetime | None:
    return (
        PrescriptionEvent.objects.filter(prescription=prescription, kind=PrescriptionEvent.Kind.RESUMED)
        .aggregate(at=Max("at"))
        .get("at")
    )


def due_doses_withdraw_future(*, prescription: Prescription, by: object, reason: str, now: dt.datetime) -> int:
    """Withdraw the unrecorded slots not yet past their window. Recorded ones are never touched.

    A dose still inside its window is withdrawn too: once a prescription stops or changes, the
    old instruction is not to be followed. Older unrecorded slots stay, to be explained.
    """
    ids = list(
        DueDose.objects.filter(
            prescription=prescription,
            state=DueDose.State.PENDING,
            window_closes_at__gte=now,
        ).values_list("id", flat=True)
    )
    if not ids:
        return 0
    count = DueDose.objects.filter(id__in=ids, state=DueDose.State.PENDING).update(
        state=DueDose.State.WITHDRAWN, withdrawn_at=now, withdrawn_reason=reason[:200]
    )
    record_event(
        actor=by,
        action=MedicationAudit.DUE_DOSES_WITHDRAWN,
        entity=prescription,
        location=prescription.person.location,
        before={"state": "pending", "due_doses": [str(i) for i in ids]},
        after={"state": "withdrawn", "reason": reason},
        at=now,
    )
    announce(DosesWithdrawn.of(prescription, ids, by=by, reason=reason, at=now))
    return count


HORIZON_BATCH = 200  # people per transaction of the horizon job


def due_doses_extend_horizon(*, now: dt.datetime | None = None) -> int:
    """The background job: keep every active scheduled prescription's slots generated ahead.

    Looks back 24 hours so that slots missed while the worker was down are created (and then
    show as overdue or missed, never silently absent), but never before the prescription was
    entered or last resumed. Returns the number of slots written.

    Race-safe: people are taken in batches, each batch in a transaction that locks the people it
    writes for (``locks.lock_people_skip_locked``) and only then reads their active prescriptions,
    so a prescription changed or stopped a moment ago never gets its withdrawn slots back. A person
    another transaction holds is skipped and caught up on the next run; two workers running the job
    at once write each slot once (the unique constraint, and the locks).
    """
    now = now or clock.now()
    start, end = now - dt.timedelta(hours=24), horizon_end(now)
    people = list(
        Prescription.objects.filter(status=PrescriptionStatus.ACTIVE)
        .exclude(schedule_kind=ScheduleKind.PRN)
        .order_by("person_id")
        .values_list("person_id", flat=True)
        .distinct()
    )
    written = 0
    for first in range(0, len(people), HORIZON_BATCH):
        with transaction.atomic():
            locked = lock_people_skip_locked(people[first : first + HORIZON_BATCH])
            if locked:
                written += _extend_for_people(locked, start=start, end=end)
    return written


def _extend_for_people(person_ids: set[Any], *, start: dt.datetime, end: dt.datetime) -> int:
    prescriptions = (
        Prescription.objects.filter(person_id__in=person_ids, status=PrescriptionStatus.ACTIVE)
        .exclude(schedule_kind=ScheduleKind.PRN)
        .select_related("person", "medicine")
        .annotate(last_resumed=Max("events__at", filter=Q(events__kind=PrescriptionEvent.Kind.RESUMED)))
    )
    rows: list[DueDose] = []
    for prescription in prescriptions:
        since = getattr(prescription, "last_resumed", None)
        rows += _not_dealt_with(
            prescription, _slots_for(prescription, max(start, _earliest_slot(prescription, since)), end)
        )
    if not rows:
        return 0
    existing = set(
        DueDose.objects.filter(
            prescription_id__in={r.prescription_id for r in rows},
            scheduled_at__gte=min(r.scheduled_at for r in rows),
        )
        .exclude(state=DueDose.State.WITHDRAWN)
        .values_list("prescription_id", "local_date", "local_time")
    )
    new_rows = [r for r in rows if (r.prescription_id, r.local_date, r.local_time) not in existing]
    DueDose.objects.bulk_create(new_rows, ignore_conflicts=True, batch_size=1000)
    return len(new_rows)
