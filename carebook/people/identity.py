"""Who a person is: the one write to their identifying details (today, the NHS number).

A mistyped NHS number can join a person to someone else's records (GP letters, hospital discharge,
a future FHIR import), so a change is for seniors only (``Action.EDIT_PERSON_DETAILS``), needs a
reason, is checked (``nhs_numbers.clean_nhs_number``), must not be another person's number at the same
provider, and is audited with the value before and after: the old number is never lost.
"""

from __future__ import annotations

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, ValidationFailed
from carebook.people.audit import PeopleAudit
from carebook.people.models import Person
from carebook.people.nhs_numbers import clean_nhs_number


def person_nhs_number_change(*, person: Person, by: User, nhs_number: str, reason: str) -> Person:
    """Record the person's NHS number as typed (spaces or dashes allowed), or clear it (blank)."""
    require(by, Action.EDIT_PERSON_DETAILS)
    digits = clean_nhs_number(nhs_number)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            "Say where the number comes from, for example: GP letter of 3 June, or the NHS card.", field="reason"
        )
    now = clock.now()
    with transaction.atomic():
        current = Person.objects.select_related("location").get(pk=person.pk)
        before = current.nhs_number
        if digits == before:
            raise Conflict("That is already the NHS number recorded: nothing was changed.", field="nhs_number")
        if digits:
            taken = (
                Person.objects.filter(nhs_number=digits, location__provider_id=current.location.provider_id)
                .exclude(pk=current.pk)
                .exists()
            )
            if taken:
                raise ValidationFailed(
                    "This NHS number is already recorded for another person: check the digits, and check "
                    "that this is the right person.",
                    field="nhs_number",
                    code="nhs_number_in_use",
                )
        # Compare and set, so the audit's "before" is the value replaced (no row lock outside medication.locks).
        if not Person.objects.filter(pk=current.pk, nhs_number=before).update(nhs_number=digits):
            raise Conflict("Someone changed this NHS number a moment ago: look at it again.", field="nhs_number")
        record_event(
            actor=by,
            action=PeopleAudit.NHS_NUMBER_CHANGED,
            entity=current,
            location=current.location,
            before={"nhs_number": before},
            after={"nhs_number": digits, "reason": reason},
            at=now,
        )
    person.nhs_number = digits
    person._stored_nhs_number = digits
    return person


KEY_SAFE_MAX = 200


def person_key_safe_note_set(*, person: Person, by: User, note: str) -> Person:
    """How a care worker gets into the home (the key safe's place and code): seniors only; shown to the care worker
    on a visit that day, nowhere else (ADR 0038, H68). The audit keeps that it changed, never the code itself."""
    require(by, Action.EDIT_PERSON_DETAILS)
    note = " ".join((note or "").split())
    if len(note) > KEY_SAFE_MAX:
        raise ValidationFailed(f"Keep it to {KEY_SAFE_MAX} characters.", field="key_safe_note")
    now = clock.now()
    with transaction.atomic():
        current = Person.objects.select_related("location").get(pk=person.pk)
        if current.location.kind != "home_care":
            raise ValidationFailed("A key-safe note is for someone supported at home.", field="key_safe_note")
        before = current.key_safe_note
        if not Person.objects.filter(pk=current.pk, key_safe_note=before).update(key_safe_note=note):
            raise Conflict("Someone changed this note a moment ago: look at it again.", field="key_safe_note")
        record_event(
            actor=by,
            action=PeopleAudit.KEY_SAFE_NOTE_SET,
            entity=current,
            location=current.location,
            before={"key_safe_note": "recorded" if before else ""},
            after={"key_safe_note": "recorded" if note else ""},
            at=now,
        )
    person.key_safe_note = note
    return person
