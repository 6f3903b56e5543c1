"""The effect of a when-required dose, recorded after it."""

from __future__ import annotations

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, ValidationFailed
from carebook.core.events import announce
from carebook.medication.audit import MedicationAudit
from carebook.medication.events import PrnFollowUpRecorded
from carebook.medication.locks import lock_person_for_administration
from carebook.medication.models import Administration, PrnFollowUp
from carebook.medication.vocab import TAKEN, FollowUpEffect


def prn_follow_up_record(*, administration: Administration, by: User, effect: str, note: str = "") -> PrnFollowUp:
    require(by, Action.RECORD_ADMINISTRATION)
    if effect not in FollowUpEffect.values:
        raise ValidationFailed("Choose whether it worked.", field="effect")
    now = clock.now()
    with transaction.atomic():
        locked = lock_person_for_administration(administration.pk, scope=scope_for(by).q("location"))
        if not locked.prescription.is_prn or locked.outcome not in TAKEN:
            raise ValidationFailed("Only a when-required dose that was given has a follow-up.", field="administration")
        if locked.status != Administration.Status.COMPLETED:
            raise Conflict("This record was entered in error.", code="entered_in_error")
        if PrnFollowUp.objects.filter(administration=locked).exists():
            raise Conflict("The effect of this dose has already been recorded.", code="already_followed_up")
        follow_up = PrnFollowUp.objects.create(
            administration=locked, effect=effect, note=note.strip(), recorded_by=by, recorded_at=now
        )
        record_event(
            actor=by,
            action=MedicationAudit.PRN_FOLLOW_UP_RECORDED,
            entity=locked,
            location=locked.location,
            after={"effect": effect, "note": note.strip()},
            at=now,
        )
        announce(PrnFollowUpRecorded.of(follow_up))
    return follow_up
