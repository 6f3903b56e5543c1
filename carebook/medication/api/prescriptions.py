"""Prescriptions: list, enter, change, transcription check, suspend, resume, discontinue."""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from carebook.access.policy import Action
from carebook.medication.access import access_prescription_for_user
from carebook.medication.api import present
from carebook.medication.api.common import READ_ERRORS, WRITE_ERRORS, caller
from carebook.medication.api.schemas import (
    AllergyDecisionIn,
    NoteIn,
    PrescriptionChangeIn,
    PrescriptionIn,
    PrescriptionOut,
    ReasonIn,
)
from carebook.medication.contents import contents_of, current_prescriptions_of, safety_of
from carebook.medication.models import Prescription, PrescriptionStatus
from carebook.medication.services import prescriptions as services
from carebook.medication.services.allergies import allergy_decision_record
from carebook.people.access import access_person_for_user

router = Router(tags=["prescriptions"])


def _as_input(payload: PrescriptionIn) -> services.PrescriptionInput:
    data = payload.model_dump(exclude={"reason", "allergy_decision_reason"})
    return services.PrescriptionInput(**{k: (v.value if hasattr(v, "value") else v) for k, v in data.items()})


def _presented(rows: list[Prescription]) -> list[dict]:
    """Prescriptions with their allergy findings and shared ingredients, in a fixed number of queries."""
    if not rows:
        return []
    current = current_prescriptions_of({rx.person_id for rx in rows})
    medicines = contents_of({rx.medicine_id: rx.medicine for rx in [*rows, *current]}.values())
    found = safety_of(rows, current=current, contents=medicines)
    return [present.prescription(rx, found[rx.pk], medicines[rx.medicine_id]) for rx in rows]


def _fresh(prescription_id: Any) -> dict:
    rx = Prescription.objects.select_related(*present.PRESCRIPTION_RELATED).get(pk=prescription_id)
    return _presented([rx])[0]


@router.get(
    "/people/{person_id}/prescriptions",
    response={200: list[PrescriptionOut], **READ_ERRORS},
    operation_id="prescriptions_list",
)
def prescriptions_list(
    request: HttpRequest, person_id: uuid.UUID, status: Query[PrescriptionStatus | None] = None
) -> list[dict]:
    """A person's prescriptions, newest first, with their status (all statuses unless one is asked for)."""
    person = access_person_for_user(caller(request), person_id, Action.VIEW_PRESCRIPTIONS)
    rows = Prescription.objects.filter(person=person).select_related(*present.PRESCRIPTION_RELATED)
    if status is not None:
        rows = rows.filter(status=status)
    return _presented(list(rows.order_by("-entered_at", "medicine__name")))


@router.post(
    "/people/{person_id}/prescriptions",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_create",
)
def prescription_create(request: HttpRequest, person_id: uuid.UUID, payload: PrescriptionIn) -> Status[dict]:
    """Enter a prescription from the prescriber's directions. It needs a transcription check before its first dose."""
    person = access_person_for_user(caller(request), person_id)
    rx = services.prescription_create(
        person=person, by=caller(request), data=_as_input(payload), allergy_reason=payload.allergy_decision_reason
    )
    return Status(201, _fresh(rx.pk))


@router.get(
    "/prescriptions/{prescription_id}",
    response={200: PrescriptionOut, **READ_ERRORS},
    operation_id="prescription_detail",
)
def prescription_detail(request: HttpRequest, prescription_id: uuid.UUID) -> dict:
    """One prescription version: what was entered, its status, its transcription check, what it replaced."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    return _fresh(rx.pk)


@router.post(
    "/prescriptions/{prescription_id}/change",
    response={201: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_change",
)
def prescription_change(
    request: HttpRequest, prescription_id: uuid.UUID, payload: PrescriptionChangeIn
) -> Status[dict]:
    """Replace a prescription by a new version (the old one stays in the history). The new one needs a check."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    new = services.prescription_change(
        prescription=rx,
        by=caller(request),
        data=_as_input(payload),
        reason=payload.reason,
        allergy_reason=payload.allergy_decision_reason,
    )
    return Status(201, _fresh(new.pk))


@router.post(
    "/prescriptions/{prescription_id}/transcription-check",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_check_transcription",
)
def prescription_check_transcription(
    request: HttpRequest, prescription_id: uuid.UUID, payload: NoteIn | None = None
) -> dict:
    """A second trained member of staff confirms the entry matches the prescriber's directions."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    services.prescription_check_transcription(
        prescription=rx, by=caller(request), note=payload.note if payload is not None else ""
    )
    return _fresh(rx.pk)


@router.post(
    "/prescriptions/{prescription_id}/suspend",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_suspend",
)
def prescription_suspend(request: HttpRequest, prescription_id: uuid.UUID, payload: ReasonIn) -> dict:
    """Hold a prescription: its future doses leave the round at once."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    services.prescription_suspend(prescription=rx, by=caller(request), reason=payload.reason)
    return _fresh(rx.pk)


@router.post(
    "/prescriptions/{prescription_id}/resume",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_resume",
)
def prescription_resume(request: HttpRequest, prescription_id: uuid.UUID, payload: ReasonIn) -> dict:
    """Lift a hold: its doses return to the round from now (doses that fell during the hold do not come back)."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    services.prescription_resume(prescription=rx, by=caller(request), reason=payload.reason)
    return _fresh(rx.pk)


@router.post(
    "/prescriptions/{prescription_id}/discontinue",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_discontinue",
)
def prescription_discontinue(request: HttpRequest, prescription_id: uuid.UUID, payload: ReasonIn) -> dict:
    """Stop a prescription, with the reason: its future doses leave the round at once."""
    rx = access_prescription_for_user(caller(request), prescription_id)
    services.prescription_discontinue(prescription=rx, by=caller(request), reason=payload.reason)
    return _fresh(rx.pk)


@router.post(
    "/prescriptions/{prescription_id}/allergy-decisions",
    response={200: PrescriptionOut, **WRITE_ERRORS},
    operation_id="prescription_allergy_decide",
)
def prescription_allergy_decide(request: HttpRequest, prescription_id: uuid.UUID, payload: AllergyDecisionIn) -> dict:
    """A senior confirms, with the reason, that it is safe to go on despite an allergy finding (ADR 0022): the
    prescription's taken doses may then be recorded."""
    rx = access_prescription_for_user(caller(request), prescription_id)  # 404 first; the service checks the role
    allergy_decision_record(prescription=rx, by=caller(request), reason=payload.reason, allergy_id=payload.allergy_id)
    return _fresh(rx.pk)
