"""A senior's decision to go on with a prescription that matches one of the person's allergies (ADR 0022).

The system finds the match (``rules.allergies``, through ``contents.safety_of``); staff do not rely on a tick.
Until a senior has recorded a decision with a reason for each finding that needs one, the recording service
refuses every taken outcome of the prescription (a not-given outcome is still allowed). The decision is an
insert-only ``AllergyDecision`` linking the prescription version and the allergy, with the finding as it was
read, who and when; audited in the same transaction. A changed prescription is a new version: it needs its own.
"""

from __future__ import annotations

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, DomainError, ValidationFailed
from carebook.core.events import announce
from carebook.core.limits import TEXT_MAX
from carebook.medication.audit import MedicationAudit
from carebook.medication.contents import OPEN_STATUSES, safety_of
from carebook.medication.events import AllergyOverridden
from carebook.medication.locks import lock_person_for_prescription
from carebook.medication.models import AllergyDecision, Prescription
from carebook.people.models import AllergyStatus, Person


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(
            "Give the reason it is safe to go on, for example: GP confirmed the earlier reaction was an intolerance, "
            "not an allergy.",
            field="allergy_reason",
        )
    if len(text) > TEXT_MAX or "\x00" in text:
        raise ValidationFailed(f"The reason must be {TEXT_MAX:,} characters or fewer.", field="allergy_reason")
    return text


def allergy_status_refusal(person: Person) -> DomainError | None:
    """Why no prescription of this person can be checked yet: nobody has recorded their allergy status, or they
    are recorded as having allergies and none are listed (the statement's warning states)."""
    if person.allergy_status == AllergyStatus.NOT_RECORDED:
        return ValidationFailed(
            f"{person.full_name}'s allergies are not recorded. A senior must record their allergies, or that they have "
            "no known allergies, before any prescription is checked.",
            field="allergy_status",
            code="allergy_status_not_recorded",
        )
    if person.allergy_status == AllergyStatus.HAS_ALLERGIES and not person.allergies.filter(status="active").exists():
        return ValidationFailed(
            f"{person.full_name} is recorded as having allergies, but none are listed. A senior must list them (or "
            "record no known allergies) before any prescription is checked.",
            field="allergy_status",
            code="allergy_status_none_listed",
        )
    return None


def record_decisions(
    prescription: Prescription, *, by: User, reason: str, allergy_ids: set[int] | None = None
) -> list[AllergyDecision]:
    """Inside the caller's transaction (the person locked): record the decision on each finding of this
    prescription that needs one and has none (or only on ``allergy_ids``). Refuses if there is nothing to decide."""
    require(by, Action.DECIDE_ALLERGY_MATCH)
    reason = _reason(reason)
    safety = safety_of([prescription])[prescription.pk]
    held = [f for f in safety.held if allergy_ids is None or f.allergy_id in allergy_ids]
    if not held:
        if allergy_ids and any(f.allergy_id in allergy_ids for f in safety.findings if f.needs_decision):
            raise Conflict(
                "A senior has already decided on this allergy for this prescription.", code="already_decided"
            )
        raise ValidationFailed(
            "This medicine matches none of the person's current allergies: there is nothing to decide.",
            field="allergy_id",
            code="no_allergy_match",
        )
    now = clock.now()
    decisions = [
        AllergyDecision.objects.create(
            prescription=prescription,
            allergy_id=finding.allergy_id,
            finding=finding.text,
            finding_kind=finding.kind,
            reason=reason,
            decided_by=by,
            decided_at=now,
        )
        for finding in held
    ]
    for decision, finding in zip(decisions, held, strict=True):
        record_event(
            actor=by,
            action=MedicationAudit.PRESCRIPTION_ALLERGY_DECIDED,
            entity=prescription,
            location=prescription.person.location,
            after={
                "decision": str(decision.pk),
                "allergy": finding.allergy_id,
                "allergen": finding.allergy,
                "kind": finding.kind,
                "finding": finding.text,
                "reason": reason,
            },
            at=now,
        )
        announce(
            AllergyOverridden.of(
                decision, person_id=prescription.person_id, location_id=prescription.person.location_id
            )
        )
    return decisions


def allergy_decision_record(
    *, prescription: Prescription, by: User, reason: str, allergy_id: int | None = None
) -> list[AllergyDecision]:
    """A senior confirms, with a reason, that it is safe to go on with this prescription despite the allergy
    finding (one allergy, or every undecided one). Its taken doses may then be recorded."""
    require(by, Action.DECIDE_ALLERGY_MATCH)
    _reason(reason)
    with transaction.atomic():
        locked = lock_person_for_prescription(prescription.pk, scope=scope_for(by).q("person__location"))
        if locked.status not in OPEN_STATUSES:
            raise Conflict(
                f"This prescription is {locked.get_status_display().lower()}: there is nothing to decide.",
                field="status",
            )
        return record_decisions(
            locked, by=by, reason=reason, allergy_ids={allergy_id} if allergy_id is not None else None
        )
