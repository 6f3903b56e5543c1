"""How a location keeps its MAR (ADR 0039): on the pharmacy's cycle (its first day and length) or by calendar month.
The registered manager's, audited with before and after."""

from __future__ import annotations

import datetime as dt

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, location_ids_for_user, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import NotFound, ValidationFailed
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.locks import lock_location
from carebook.organisations.models import Location


def location_medicine_settings_set(
    *, location: Location, by: User, cycle_start: dt.date | None, cycle_days: int | None
) -> Location:
    """``cycle_start`` None: by calendar month. A start more than a year away either way is a typing error."""
    require(by, Action.SET_MEDICINE_SETTINGS)
    if location.pk not in location_ids_for_user(by):
        raise NotFound("No such location.")
    days = cycle_days if cycle_days is not None else 28
    if not rules.cycles.SHORTEST <= days <= rules.cycles.LONGEST:
        raise ValidationFailed(
            f"A cycle is {rules.cycles.SHORTEST} to {rules.cycles.LONGEST} days: 28 for most pharmacies.",
            field="cycle_days",
        )
    today = clock.to_local(clock.now()).date()
    if cycle_start is not None and abs((cycle_start - today).days) > 366:
        raise ValidationFailed("Give the first day of a recent cycle (within a year of today).", field="cycle_start")
    now = clock.now()
    with transaction.atomic():
        row = lock_location(location.pk)
        before = {
            "mar_cycle_start": row.mar_cycle_start.isoformat() if row.mar_cycle_start else None,
            "mar_cycle_days": row.mar_cycle_days,
        }
        row.mar_cycle_start, row.mar_cycle_days = cycle_start, days
        row.save(update_fields=["mar_cycle_start", "mar_cycle_days"])
        record_event(
            actor=by,
            action=MedicationAudit.LOCATION_MEDICINE_SETTINGS_SET,
            entity=row,
            location=row.pk,
            before=before,
            after={"mar_cycle_start": cycle_start.isoformat() if cycle_start else None, "mar_cycle_days": days},
            at=now,
        )
    return row
