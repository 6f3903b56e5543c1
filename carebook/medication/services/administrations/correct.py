"""Marking a record entered in error: the original stays, visible, with who, when and why."""

from __future__ import annotations

from django.db import transaction

from carebook.access.models import User
from carebook.access.scopes import scope_for
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.core.events import announce
from carebook.medication.access import may_correct
from carebook.medication.audit import MedicationAudit
from carebook.medication.events import RecordEnteredInError
from carebook.medication.locks import lock_person_for_administration
from carebook.medication.models import Administration, AdministrationCorrection, DueDose


def administration_mark_entered_in_error(*, administration: Administration, by: User, reason: str) -> Administration:
    """completed (or offer_again) → entered_in_error, with an AdministrationCorrection and an audit event.

    The slot of a scheduled dose is due again (``reopened_at``), and the right record, when made, points at
    this one (``corrects``).
    """
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why this record is wrong.", field="reason")
    now = clock.now()
    with transaction.atomic():
        locked = lock_person_for_administration(administration.pk, scope=scope_for(by).q("location"))
        if not may_correct(by, locked):
            raise PermissionDenied("Only the person who recorded it, or a senior, can mark a record entered in error.")
        if locked.status == Administration.Status.ENTERED_IN_ERROR:
            raise Conflict("This record is already marked entered in error.", code="already_entered_in_error")
        before = snapshot(locked, ["status"])
        locked.status = Administration.Status.ENTERED_IN_ERROR
        locked.save(update_fields=["status"])
        AdministrationCorrection.objects.create(administration=locked, reason=reason, by=by, at=now)
        if locked.due_dose_id is not None and before["status"] == Administration.Status.OFFER_AGAIN:
            # A refusal waiting to be offered again (ADR 0034): the dose was still due; the record made in its place
            # points at this one.
            DueDose.objects.filter(pk=locked.due_dose_id, state=DueDose.State.PENDING).update(reopened_at=now)
        elif locked.due_dose_id is not None:
            DueDose.objects.filter(pk=locked.due_dose_id, state=DueDose.State.RECORDED).update(
                state=DueDose.State.PENDING, reopened_at=now
            )
        record_event(
            actor=by,
            action=MedicationAudit.ADMINISTRATION_ENTERED_IN_ERROR,
            entity=locked,
            location=locked.location,
            before=before,
            after={"status": locked.status, "reason": reason},
            at=now,
        )
        announce(RecordEnteredInError.of(locked, by=by, at=now))
    return locked
