"""Medication incidents: the list of the caller's incidents, one incident with everything added to it and its
timeline, and its steps: report, who was told, the CQC notification, the duty of candour, findings, corrective
actions (set, complete) and the registered manager's sign-off.

Every incident is fetched through ``access_incident_for_user`` (another location's incident is 404, as a missing
one) and changed only by ``carebook.incidents.services``: who and when are the signed-in user and the server clock.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router, Status

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller, user_ids
from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.incidents import rules, services
from carebook.incidents.access import access_incident_action, access_incident_for_user
from carebook.incidents.api import present
from carebook.incidents.api.schemas import (
    ActionIn,
    CandourIn,
    CompleteIn,
    CqcIn,
    FindingIn,
    IncidentDetail,
    IncidentIn,
    IncidentListOut,
    NoticeIn,
    SignOffIn,
)
from carebook.incidents.selectors import incident_rows, incident_with_related, incidents_in_scope
from carebook.incidents.vocab import IncidentStatus
from carebook.people.access import access_location_for_user, access_person_for_user

router = Router(tags=["incidents"])


def _detail(incident_id: uuid.UUID) -> dict[str, Any]:
    return present.detail(incident_rows(incident_with_related(incident_id)), clock.today())


@router.get("/incidents", response={200: IncidentListOut, **READ_ERRORS}, operation_id="incidents_list")
def incidents_list(
    request: HttpRequest, status: Query[IncidentStatus | None] = None, location: Query[uuid.UUID | None] = None
) -> dict[str, Any]:
    """The incidents of the caller's locations (or of one): those with an overdue corrective action first, then the
    newest first (at most 500)."""
    user = caller(request)
    require(user, Action.VIEW_INCIDENTS)
    rows = incidents_in_scope(user, today=clock.today(), status=status.value if status is not None else None)
    if location is not None:
        rows = rows.filter(location_id=access_location_for_user(user, location).pk)
    return {
        "incidents": [
            present.incident(i, open_actions=i.cb_open, overdue_actions=i.cb_overdue)  # type: ignore[attr-defined]
            for i in rows[:500]
        ]
    }


@router.post("/incidents", response={201: IncidentDetail, **WRITE_ERRORS}, operation_id="incident_report")
def incident_report(request: HttpRequest, payload: IncidentIn) -> Status[dict[str, Any]]:
    """Report an incident (those who record doses, the coordinator, team leaders, the manager). An alert, person or
    location outside the caller's locations is 404."""
    user = caller(request)
    require(user, Action.REPORT_INCIDENT)
    if payload.alert_id is None and payload.person_id is not None:
        access_person_for_user(user, payload.person_id)  # 404 out of scope
    if payload.location_id is not None:
        access_location_for_user(user, payload.location_id)
    incident = services.incident_report(
        by=user,
        data=services.IncidentInput(
            kind=payload.kind.value,
            what_happened=payload.what_happened,
            occurred_at=payload.occurred_at,
            discovered_at=payload.discovered_at,
            harm=payload.harm.value,
            immediate_actions=payload.immediate_actions,
            alert_id=payload.alert_id,
            person_id=None if payload.alert_id is not None else payload.person_id,
            location_id=payload.location_id,
            prescription_id=payload.prescription_id,
            due_dose_id=payload.due_dose_id,
            administration_id=payload.administration_id,
            staff_ids=user_ids(payload.staff, "staff"),
        ),
    )
    return Status(201, _detail(incident.pk))


@router.get("/incidents/{incident_id}", response={200: IncidentDetail, **READ_ERRORS}, operation_id="incident_detail")
def incident_detail(request: HttpRequest, incident_id: uuid.UUID) -> dict[str, Any]:
    """One incident: what happened, who was told, the CQC notification, candour, findings, corrective actions, what
    stands in the way of sign-off, and its timeline (oldest first, with who and when)."""
    incident = access_incident_for_user(caller(request), incident_id)
    return present.detail(incident_rows(incident), clock.today())


@router.post(
    "/incidents/{incident_id}/notices", response={201: IncidentDetail, **WRITE_ERRORS}, operation_id="incident_notice"
)
def incident_notice(request: HttpRequest, incident_id: uuid.UUID, payload: NoticeIn) -> Status[dict[str, Any]]:
    """Who was told (team leaders and above; the coordinator). 409 ``closed`` once signed off."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    services.incident_notice_record(
        incident=incident, by=user, party=payload.party.value, told_at=payload.told_at, note=payload.note
    )
    return Status(201, _detail(incident.pk))


@router.post(
    "/incidents/{incident_id}/cqc-notification",
    response={201: IncidentDetail, **WRITE_ERRORS},
    operation_id="incident_cqc_notification",
)
def incident_cqc(request: HttpRequest, incident_id: uuid.UUID, payload: CqcIn) -> Status[dict[str, Any]]:
    """That the CQC was notified: when, and its reference (team leaders and above; the coordinator)."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    services.incident_cqc_record(
        incident=incident, by=user, notified_at=payload.notified_at, reference=payload.reference
    )
    return Status(201, _detail(incident.pk))


@router.post(
    "/incidents/{incident_id}/candour", response={201: IncidentDetail, **WRITE_ERRORS}, operation_id="incident_candour"
)
def incident_candour(request: HttpRequest, incident_id: uuid.UUID, payload: CandourIn) -> Status[dict[str, Any]]:
    """The duty of candour (team leaders and above; the coordinator)."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    services.incident_candour_record(
        incident=incident,
        by=user,
        candour=rules.CandourInput(
            told=payload.told.value,
            told_on=payload.told_on,
            apology=payload.apology,
            written_on=payload.written_on,
            note=payload.note,
        ),
    )
    return Status(201, _detail(incident.pk))


@router.post(
    "/incidents/{incident_id}/findings", response={201: IncidentDetail, **WRITE_ERRORS}, operation_id="incident_finding"
)
def incident_finding(request: HttpRequest, incident_id: uuid.UUID, payload: FindingIn) -> Status[dict[str, Any]]:
    """An investigation finding (team leaders and above; the coordinator). The first puts the incident under
    review."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    services.incident_finding_record(incident=incident, by=user, text=payload.text)
    return Status(201, _detail(incident.pk))


@router.post(
    "/incidents/{incident_id}/actions",
    response={201: IncidentDetail, **WRITE_ERRORS},
    operation_id="incident_action_add",
)
def incident_action_add(request: HttpRequest, incident_id: uuid.UUID, payload: ActionIn) -> Status[dict[str, Any]]:
    """Set a corrective action (team leaders and above; the coordinator): its owner is a member of staff of the
    home (422 on ``owner`` otherwise); due today or later, within a year (422 on ``due_on``)."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    require(user, Action.MANAGE_INCIDENT)  # before the owner is looked up
    (owner_id,) = user_ids([payload.owner], "owner")
    services.incident_action_add(
        incident=incident, by=user, kind=payload.kind.value, what=payload.what, owner_id=owner_id, due_on=payload.due_on
    )
    return Status(201, _detail(incident.pk))


@router.post(
    "/incidents/{incident_id}/actions/{action_id}/complete",
    response={200: IncidentDetail, **WRITE_ERRORS},
    operation_id="incident_action_complete",
)
def incident_action_complete(
    request: HttpRequest, incident_id: uuid.UUID, action_id: uuid.UUID, payload: CompleteIn
) -> dict[str, Any]:
    """Complete a corrective action (its owner, or a team leader or above). 409 ``already_completed`` says who and
    when."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    corrective = access_incident_action(incident, action_id)
    services.incident_action_complete(incident=incident, action=corrective, by=user, note=payload.note)
    return _detail(incident.pk)


@router.post(
    "/incidents/{incident_id}/sign-off",
    response={200: IncidentDetail, **WRITE_ERRORS},
    operation_id="incident_sign_off",
)
def incident_sign_off(request: HttpRequest, incident_id: uuid.UUID, payload: SignOffIn) -> dict[str, Any]:
    """The registered manager signs the incident off: closed. 409 ``open_actions`` while a corrective action is
    open; 422 ``findings_required``, ``candour_required`` or ``cqc_notification_required``; 409 ``already_closed``."""
    user = caller(request)
    incident = access_incident_for_user(user, incident_id)
    services.incident_sign_off(incident=incident, by=user, note=payload.note)
    return _detail(incident.pk)
