"""The only way a medication object is fetched for a member of staff.

Each function checks the role (403 via PermissionDenied) and the location
scope (404 via NotFound: the same answer for missing and out of scope).
"""

from __future__ import annotations

from typing import Any

from carebook.access.policy import Action, location_ids_for_user, require
from carebook.core.errors import NotFound
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.people.access import as_uuid


def access_prescription_for_user(
    user: Any, prescription_id: Any, action: Action = Action.VIEW_PRESCRIPTIONS
) -> Prescription:
    require(user, action)
    pid = as_uuid(prescription_id, "prescription")
    prescription = (
        Prescription.objects.select_related("medicine", "person__location", "entered_by").filter(pk=pid).first()
    )
    if prescription is None or prescription.person.location_id not in location_ids_for_user(user):
        raise NotFound("No prescription with that id.")
    return prescription


def access_due_dose_for_user(user: Any, due_dose_id: Any, action: Action = Action.VIEW_ROUND) -> DueDose:
    require(user, action)
    did = as_uuid(due_dose_id, "due dose")
    dose = (
        DueDose.objects.select_related("prescription__medicine", "person__location", "person__unit")
        .filter(pk=did)
        .first()
    )
    if dose is None or dose.location_id not in location_ids_for_user(user):
        raise NotFound("No due dose with that id.")
    return dose


def access_administration_for_user(
    user: Any, administration_id: Any, action: Action = Action.VIEW_PEOPLE
) -> Administration:
    require(user, action)
    aid = as_uuid(administration_id, "administration")
    administration = (
        Administration.objects.select_related("prescription__medicine", "person", "recorded_by", "witness")
        .filter(pk=aid)
        .first()
    )
    if administration is None or administration.location_id not in location_ids_for_user(user):
        raise NotFound("No administration with that id.")
    return administration
