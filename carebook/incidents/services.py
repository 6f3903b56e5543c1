"""A medication incident's writes: report it, then record who was told, the CQC notification, the duty of candour,
findings and corrective actions, and sign it off.

Each runs in one transaction, audited in it; who and when are the signed-in user passed in and the server clock,
never the request. Every write after the report takes the incident's row first (``locks.lock_incident``: the
only lock these take, never with a person's, so it adds nothing to the lock order), so a corrective action added
while the manager signs off cannot slip past "no close with an open action". A refusal writes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.actions import services as actions
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import ActionKind, SourceKind
from carebook.alerts.access import access_alert_for_user
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import NotFound, ValidationFailed
from carebook.incidents import rules
from carebook.incidents.audit import IncidentsAudit
from carebook.incidents.facts import sign_off_facts
from carebook.incidents.locks import lock_incident
from carebook.incidents.models import (
    CandourRecord,
    CqcNotification,
    Incident,
    IncidentFinding,
    IncidentNotice,
    IncidentStaff,
)
from carebook.incidents.vocab import CandourTold, Harm, IncidentKind, IncidentStatus, Party
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.organisations.models import Location
from carebook.people.models import Person


@dataclass(frozen=True)
class IncidentInput:
    kind: str
    what_happened: str
    occurred_at: dt.datetime | None
    discovered_at: dt.datetime | None
    harm: str
    immediate_actions: str = ""
    alert_id: uuid.UUID | None = None
    person_id: uuid.UUID | None = None
    location_id: uuid.UUID | None = None
    prescription_id: uuid.UUID | None = None
    due_dose_id: uuid.UUID | None = None
    administration_id: uuid.UUID | None = None
    staff_ids: list[int] = field(default_factory=list)  # users' ids


@dataclass
class _Links:
    location: Location
    person: Person | None = None
    prescription: Prescription | None = None
    due_dose: DueDose | None = None
    administration: Administration | None = None
    alert_id: uuid.UUID | None = None


def _links(by: User, data: IncidentInput) -> _Links:
    """What the incident concerns, each in the reporter's scope (another location's: the same as missing)."""
    scope = scope_for(by)
    if data.alert_id is not None:
        alert = access_alert_for_user(by, data.alert_id)
        return _Links(
            location=alert.location,
            person=alert.person,
            prescription=alert.prescription,
            due_dose=alert.due_dose,
            administration=alert.administration,
            alert_id=alert.pk,
        )
    person = None
    if data.person_id is not None:
        person = Person.objects.filter(scope.q("location"), pk=data.person_id).select_related("location").first()
        if person is None:
            raise ValidationFailed("Choose a person at your locations.", field="person")
    if person is not None:
        location = person.location
    elif data.location_id is not None:
        found = Location.objects.filter(scope.q("id"), pk=data.location_id).first()
        if found is None:
            raise ValidationFailed("Choose one of your locations.", field="location")
        location = found
    else:
        mine = list(Location.objects.filter(scope.q("id"))[:2])
        if len(mine) != 1:
            raise ValidationFailed("Choose the person, or the location, the incident happened at.", field="location")
        location = mine[0]
    links = _Links(location=location, person=person)
    if data.prescription_id is not None:
        links.prescription = Prescription.objects.filter(pk=data.prescription_id, person=person).first()
        if person is None or links.prescription is None:
            raise ValidationFailed("Choose a prescription of this person.", field="prescription")
    if data.due_dose_id is not None:
        links.due_dose = DueDose.objects.filter(pk=data.due_dose_id, prescription__person=person).first()
        if person is None or links.due_dose is None:
            raise ValidationFailed("Choose a dose of this person.", field="due_dose")
    if data.administration_id is not None:
        links.administration = Administration.objects.filter(
            pk=data.administration_id, prescription__person=person
        ).first()
        if person is None or links.administration is None:
            raise ValidationFailed("Choose a dose record of this person.", field="administration")
    return links


def _staff(location: Location, staff_ids: list[int]) -> list[User]:
    wanted = set(staff_ids)
    if not wanted:
        return []
    members = list(
        User.objects.filter(pk__in=wanted, is_active=True, memberships__location=location).distinct().order_by("pk")
    )
    if len(members) != len(wanted):
        raise ValidationFailed("Choose staff of this home.", field="staff")
    return members


def incident_report(*, by: User, data: IncidentInput) -> Incident:
    """Report an incident, on its own or from an alert (which gives its person, medicine, dose and location)."""
    require(by, Action.REPORT_INCIDENT)
    now = clock.now()
    if data.kind not in IncidentKind.values:
        raise ValidationFailed("Choose what kind of incident it was.", field="kind")
    if not data.what_happened.strip():
        raise ValidationFailed("Say what happened.", field="what_happened")
    if data.harm not in Harm.values:
        raise ValidationFailed("Choose the harm to the person.", field="harm")
    rules.check_times(occurred_at=data.occurred_at, discovered_at=data.discovered_at, now=now)
    assert data.occurred_at is not None and data.discovered_at is not None
    links = _links(by, data)
    staff = _staff(links.location, data.staff_ids)
    with transaction.atomic():
        incident = Incident.objects.create(
            location=links.location,
            person=links.person,
            prescription=links.prescription,
            due_dose=links.due_dose,
            administration=links.administration,
            alert_id=links.alert_id,
            kind=data.kind,
            what_happened=data.what_happened.strip(),
            occurred_at=data.occurred_at,
            discovered_at=data.discovered_at,
            harm=data.harm,
            immediate_actions=data.immediate_actions.strip(),
            reported_by=by,
            reported_at=now,
        )
        for member in staff:
            IncidentStaff.objects.create(incident=incident, user=member, by=by, at=now)
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_REPORTED,
            entity=incident,
            location=links.location.pk,
            after={**snapshot(incident), "staff": [m.pk for m in staff]},
            at=now,
        )
    return incident


def _locked(incident: Incident) -> Incident:
    """The incident's row, locked for the rest of the transaction, and refused when it is closed."""
    current = lock_incident(incident.pk)
    rules.check_open(current.status)
    return current


def incident_notice_record(
    *, incident: Incident, by: User, party: str, told_at: dt.datetime | None, note: str = ""
) -> IncidentNotice:
    """Who was told (GP, pharmacist, family, local authority safeguarding), and when."""
    require(by, Action.MANAGE_INCIDENT)
    now = clock.now()
    if party not in Party.values:
        raise ValidationFailed("Choose who was told.", field="party")
    rules.check_told_at(told_at=told_at, occurred_at=incident.occurred_at, now=now, field="told_at")
    assert told_at is not None
    with transaction.atomic():
        _locked(incident)
        notice = IncidentNotice.objects.create(
            incident=incident, party=party, told_at=told_at, note=note.strip(), by=by, at=now
        )
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_NOTICE_RECORDED,
            entity=notice,
            location=incident.location_id,
            after=snapshot(notice),
            at=now,
        )
    return notice


def incident_cqc_record(
    *, incident: Incident, by: User, notified_at: dt.datetime | None, reference: str
) -> CqcNotification:
    """That the CQC was notified: when, and its reference."""
    require(by, Action.MANAGE_INCIDENT)
    now = clock.now()
    rules.check_told_at(told_at=notified_at, occurred_at=incident.occurred_at, now=now, field="notified_at")
    assert notified_at is not None
    if not reference.strip():
        raise ValidationFailed("Enter the reference the CQC gave the notification.", field="reference")
    with transaction.atomic():
        _locked(incident)
        row = CqcNotification.objects.create(
            incident=incident, notified_at=notified_at, reference=reference.strip(), by=by, at=now
        )
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_CQC_NOTIFIED,
            entity=row,
            location=incident.location_id,
            after=snapshot(row),
            at=now,
        )
    return row


def incident_candour_record(*, incident: Incident, by: User, candour: rules.CandourInput) -> CandourRecord:
    """The duty of candour: who was told, when, the apology, and when it was put in writing."""
    require(by, Action.MANAGE_INCIDENT)
    now = clock.now()
    if candour.told and candour.told not in CandourTold.values:
        raise ValidationFailed("Choose who was told.", field="told")
    rules.check_candour(candour, today=clock.today(), occurred_on=clock.to_local(incident.occurred_at).date())
    assert candour.told_on is not None and candour.written_on is not None
    with transaction.atomic():
        _locked(incident)
        row = CandourRecord.objects.create(
            incident=incident,
            told=candour.told,
            told_on=candour.told_on,
            apology=candour.apology,
            written_on=candour.written_on,
            note=candour.note.strip(),
            by=by,
            at=now,
        )
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_CANDOUR_RECORDED,
            entity=row,
            location=incident.location_id,
            after=snapshot(row),
            at=now,
        )
    return row


def incident_finding_record(*, incident: Incident, by: User, text: str) -> IncidentFinding:
    """An investigation finding. The first puts an open incident under review."""
    require(by, Action.MANAGE_INCIDENT)
    if not text.strip():
        raise ValidationFailed("Write the finding.", field="text")
    now = clock.now()
    with transaction.atomic():
        current = _locked(incident)
        finding = IncidentFinding.objects.create(incident=incident, text=text.strip(), by=by, at=now)
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_FINDING_RECORDED,
            entity=finding,
            location=incident.location_id,
            after=snapshot(finding),
            at=now,
        )
        if current.status == IncidentStatus.OPEN:
            _start_review(incident, by=by, now=now)
    incident.refresh_from_db()
    return finding


def _start_review(incident: Incident, *, by: User, now: dt.datetime) -> None:
    changed = Incident.objects.filter(pk=incident.pk, status=IncidentStatus.OPEN).update(
        status=IncidentStatus.UNDER_REVIEW, review_started_by=by, review_started_at=now
    )
    if changed:
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_REVIEW_STARTED,
            entity=incident,
            location=incident.location_id,
            before={"status": IncidentStatus.OPEN},
            after={"status": IncidentStatus.UNDER_REVIEW, "review_started_by": by.pk},
            at=now,
        )


def incident_action_add(
    *,
    incident: Incident,
    by: User,
    kind: ActionKind | str,
    what: str,
    owner_id: int | None,
    due_on: dt.date | None,
) -> CorrectiveAction:
    """A corrective action for this incident (carebook.actions: the one mechanism), with its owner and due date."""
    require(by, Action.MANAGE_INCIDENT)
    owner = User.objects.filter(pk=owner_id).first() if owner_id is not None else None  # action_add checks it
    with transaction.atomic():
        _locked(incident)
        return actions.action_add(
            by=by,
            source_kind=SourceKind.INCIDENT,
            source_id=incident.pk,
            location_id=incident.location_id,
            kind=kind,
            what=what,
            owner=owner,
            due_on=due_on,
        )


def incident_action_complete(*, incident: Incident, action: CorrectiveAction, by: User, note: str) -> CorrectiveAction:
    """Complete one of this incident's actions (its owner, or a team leader or above)."""
    if action.source_kind != SourceKind.INCIDENT or action.source_id != incident.pk:
        raise NotFound("No corrective action with that id on this incident.")
    with transaction.atomic():
        _locked(incident)
        return actions.action_complete(action=action, by=by, note=note)


def incident_sign_off(*, incident: Incident, by: User, note: str = "") -> Incident:
    """The registered manager's sign-off: closes the incident. Refused (nothing written) while an action is open,
    without findings, or without the duty of candour or CQC notification the rules require."""
    require(by, Action.SIGN_OFF_INCIDENT)
    now = clock.now()
    with transaction.atomic():
        current = lock_incident(incident.pk)
        rules.check_sign_off(sign_off_facts(current))
        changed = Incident.objects.filter(pk=incident.pk, status=IncidentStatus.UNDER_REVIEW).update(
            status=IncidentStatus.CLOSED, signed_off_by=by, signed_off_at=now, sign_off_note=note.strip()
        )
        if not changed:  # under the row lock the status cannot have moved; kept as a guard
            raise ValidationFailed("Only an incident under review can be signed off.", field="status")
        record_event(
            actor=by,
            action=IncidentsAudit.INCIDENT_SIGNED_OFF,
            entity=incident,
            location=incident.location_id,
            before={"status": current.status},
            after={"status": IncidentStatus.CLOSED, "signed_off_by": by.pk, "note": note.strip()},
            at=now,
        )
    incident.refresh_from_db()
    return incident
