"""The only way a medication object is fetched for a member of staff, and who may act on it.

Each ``access_*`` function checks the role (403 via PermissionDenied) and the location scope
(404 via NotFound: the same answer for missing and out of scope) in one query: the scope is a
subquery of the same read (``carebook.access.scopes``).
"""

from __future__ import annotations

from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid
from carebook.medication.models import Administration, DosingInstruction, DueDose, Prescription, Visit


def access_prescription_for_user(
    user: User, prescription_id: object, action: Action = Action.VIEW_PRESCRIPTIONS
) -> Prescription:
    require(user, action)
    pid = as_uuid(prescription_id, "prescription")
    prescription = (
        Prescription.objects.filter(scope_for(user).q("person__location"), pk=pid)
        .select_related("medicine", "person__location", "entered_by", "transcription_check")
        .first()
    )
    if prescription is None:
        raise NotFound("No prescription with that id.")
    return prescription


def access_dosing_instruction_for_user(
    user: User, instruction_id: object, action: Action = Action.VIEW_PRESCRIPTIONS
) -> DosingInstruction:
    """A clinic's dosing instruction, scoped by its prescription's person (out of scope: the same 404 as missing)."""
    require(user, action)
    pk = as_uuid(instruction_id, "dosing instruction")
    instruction = (
        DosingInstruction.objects.filter(scope_for(user).q("prescription__person__location"), pk=pk)
        .select_related(
            "entered_by", "prescription__medicine", "prescription__person__location", "prescription__entered_by"
        )
        .first()
    )
    if instruction is None:
        raise NotFound("No dosing instruction with that id.")
    return instruction


def access_visit_for_user(user: User, visit_id: object, action: Action = Action.VIEW_ROUND) -> Visit:
    """A home-care visit, scoped by its location (out of scope: the same 404 as missing)."""
    require(user, action)
    pk = as_uuid(visit_id, "visit")
    visit = (
        Visit.objects.filter(scope_for(user).q("location"), pk=pk)
        .select_related("person__location", "assigned_to", "closed_by", "planned_by")
        .first()
    )
    if visit is None:
        raise NotFound("No visit with that id.")
    return visit


def access_due_dose_for_user(user: User, due_dose_id: object, action: Action = Action.VIEW_ROUND) -> DueDose:
    require(user, action)
    did = as_uuid(due_dose_id, "due dose")
    dose = (
        DueDose.objects.filter(scope_for(user).q("location"), pk=did)
        .select_related(
            "prescription__medicine", "prescription__transcription_check", "person__location", "person__unit"
        )
        .first()
    )
    if dose is None:
        raise NotFound("No due dose with that id.")
    return dose


def access_administration_for_user(
    user: User, administration_id: object, action: Action = Action.VIEW_PEOPLE
) -> Administration:
    require(user, action)
    aid = as_uuid(administration_id, "administration")
    administration = (
        Administration.objects.filter(scope_for(user).q("location"), pk=aid)
        .select_related("prescription__medicine", "person", "recorded_by", "witness")
        .first()
    )
    if administration is None:
        raise NotFound("No administration with that id.")
    return administration


def may_correct(user: User | object, administration: Administration) -> bool:
    """Whether ``user`` may mark this record entered in error: a senior, or whoever recorded it (the policy decides)."""
    if can(user, Action.CORRECT_ANY_ADMINISTRATION):
        return True
    own = administration.recorded_by_id == getattr(user, "pk", None)
    return own and can(user, Action.CORRECT_OWN_ADMINISTRATION)


def may_check_transcription(user: User | object, prescription: Prescription) -> bool:
    """A second trained member of staff checks an entry: the policy's checkers, never the person who entered it."""
    return can(user, Action.CHECK_TRANSCRIPTION) and prescription.entered_by_id != getattr(user, "pk", None)
