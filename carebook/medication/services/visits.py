"""Home-care visits (ADR 0038): the office plans them on a care worker's run; the care worker closes each, once every
medicine due in its window has an outcome.

Who and when come from the signed-in user and the server clock. Each write locks the person (ADR 0009) and is
audited in the same transaction; a refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from carebook.access.models import Membership, User
from carebook.access.policy import Action, can, location_ids_for_user, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.core.text import clock_time
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.locks import lock_person
from carebook.medication.models import DueDose, Visit
from carebook.medication.vocab import VisitLabel
from carebook.organisations.models import Location
from carebook.people.models import Person

# A care worker may arrive a little before the window (the run ran ahead): not an hour before.
EARLY_ALLOWED = dt.timedelta(hours=1)


def visit_doses(visit: Visit) -> list[rules.visits.VisitDose]:
    """The doses due in the visit's window, each with whether it has its outcome (one query)."""
    rows = (
        DueDose.objects.filter(
            person_id=visit.person_id, scheduled_at__gte=visit.window_start, scheduled_at__lt=visit.window_end
        )
        .exclude(state=DueDose.State.WITHDRAWN)
        .select_related("prescription__medicine")
        .order_by("scheduled_at")
    )
    return [
        rules.visits.VisitDose(
            medicine=str(d.prescription.medicine),
            scheduled_at=d.scheduled_at,
            has_outcome=d.state == DueDose.State.RECORDED,
        )
        for d in rows
    ]


def visit_plan(
    *,
    by: User,
    person: Person,
    assigned_to: User | None,
    date: dt.date | None,
    label: str,
    window_start: dt.time | None,
    window_end: dt.time | None,
) -> Visit:
    """Put a visit on a care worker's run: the person, the day, its window (wall times, Europe/London)."""
    require(by, Action.PLAN_VISITS)
    if person.location_id not in location_ids_for_user(by):
        raise NotFound("No person with that id.")
    if person.location.kind != Location.Kind.HOME_CARE:
        raise ValidationFailed("Visits are for people supported at home.", field="person")
    if label not in VisitLabel.values:
        raise ValidationFailed("Choose the visit: morning, lunch, tea, bed or other.", field="label")
    if date is None:
        raise ValidationFailed("Give the day of the visit.", field="date")
    today = clock.to_local(clock.now()).date()
    if not today - dt.timedelta(days=1) <= date <= today + dt.timedelta(days=28):
        raise ValidationFailed("Plan visits from yesterday to four weeks ahead.", field="date")
    if assigned_to is None:
        raise ValidationFailed("Choose the care worker.", field="assigned_to")
    works_there = Membership.objects.filter(user=assigned_to, location_id=person.location_id).exists()
    if not (works_there and assigned_to.is_active and can(assigned_to, Action.RECORD_ADMINISTRATION)):
        raise ValidationFailed("Choose a care worker of this branch who records medicines.", field="assigned_to")
    start = clock.local_wall_time(date, window_start) if window_start is not None else None
    end = clock.local_wall_time(date, window_end) if window_end is not None else None
    rules.visits.check_window(start=start, end=end)
    assert start is not None and end is not None
    now = clock.now()
    with transaction.atomic():
        lock_person(person.pk)
        visit = Visit.objects.create(
            person=person,
            location_id=person.location_id,
            assigned_to=assigned_to,
            date=date,
            label=label,
            window_start=start,
            window_end=end,
            planned_by=by,
            planned_at=now,
        )
        record_event(
            actor=by,
            action=MedicationAudit.VISIT_PLANNED,
            entity=visit,
            location=person.location_id,
            after={
                "person": str(person.pk),
                "assigned_to": assigned_to.username,
                "date": date.isoformat(),
                "label": label,
                "window_start": start.isoformat(),
                "window_end": end.isoformat(),
            },
            at=now,
        )
    return visit


def may_close(user: User | object, visit: Visit) -> bool:
    """The care worker on the visit, or a senior of the branch."""
    if getattr(user, "pk", None) == visit.assigned_to_id:
        return can(user, Action.RECORD_ADMINISTRATION)
    return can(user, Action.PLAN_VISITS) and can(user, Action.RECORD_ADMINISTRATION)


def visit_close(*, by: User, visit: Visit) -> Visit:
    """Close a visit: refused while a medicine due in its window has no outcome, naming each."""
    require(by, Action.RECORD_ADMINISTRATION)
    if visit.location_id not in location_ids_for_user(by):
        raise NotFound("No visit with that id.")
    if not may_close(by, visit):
        raise PermissionDenied("Only the care worker on this visit, or a senior, closes it.", code="not_your_visit")
    now = clock.now()
    with transaction.atomic():
        lock_person(visit.person_id)
        row = Visit.objects.get(pk=visit.pk)
        if row.closed_at is not None:
            raise Conflict("This visit is already closed.", code="already_closed")
        if now < row.window_start - EARLY_ALLOWED:
            raise ValidationFailed(
                f"This visit starts at {clock_time(row.window_start)}: it cannot be closed yet.",
                field="visit",
                code="not_started",
            )
        refusal = rules.visits.close_refusal(visit_doses(row))
        if refusal is not None:
            raise refusal
        row.closed_at, row.closed_by = now, by
        row.save(update_fields=["closed_at", "closed_by"])
        record_event(
            actor=by,
            action=MedicationAudit.VISIT_CLOSED,
            entity=row,
            location=row.location_id,
            before={"closed_at": None},
            after={"closed_at": now.isoformat(), "closed_by": by.username},
            at=now,
        )
    return row
