"""Reads of incidents: the list (scoped, filtered, overdue first), one incident's rows, and its timeline.

Each is a fixed number of queries whatever the number of incidents or rows.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, IntegerField, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.actions.audit import ActionsAudit
from carebook.actions.models import CorrectiveAction
from carebook.actions.selectors import actions_for, actions_overdue, overdue_q
from carebook.actions.vocab import SourceKind
from carebook.audit_log.models import AuditEvent
from carebook.core.text import moment
from carebook.incidents.access import RELATED
from carebook.incidents.audit import IncidentsAudit
from carebook.incidents.models import (
    CandourRecord,
    CqcNotification,
    Incident,
    IncidentFinding,
    IncidentNotice,
    IncidentStaff,
)


def _count_of(rows: QuerySet[CorrectiveAction]) -> Coalesce:
    counted = (
        rows.filter(source_kind=SourceKind.INCIDENT, source_id=OuterRef("pk"))
        .order_by()
        .values("source_id")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def incidents_in_scope(user: User, *, today: dt.date, status: str | None = None) -> QuerySet[Incident]:
    """The incidents of the user's locations, with ``cb_overdue`` (overdue actions) and ``cb_open`` (open actions):
    those with an overdue action first, then the newest first."""
    require(user, Action.VIEW_INCIDENTS)
    rows = Incident.objects.filter(scope_for(user).q("location"))
    if status:
        rows = rows.filter(status=status)
    return (
        rows.select_related("person", "location", "prescription__medicine", "reported_by")
        .annotate(
            cb_overdue=_count_of(CorrectiveAction.objects.filter(overdue_q(today))),
            cb_open=_count_of(CorrectiveAction.objects.filter(completed_at__isnull=True)),
        )
        .order_by("-cb_overdue", "-reported_at")
    )


def overdue_for_manager(user: User, *, today: dt.date, limit: int = 5) -> tuple[int, list[CorrectiveAction]]:
    """The overdue incident actions of the user's locations (the home panel): how many, and the longest overdue."""
    rows = actions_overdue(scope_for(user), today).filter(source_kind=SourceKind.INCIDENT)
    return rows.count(), list(rows[:limit])


@dataclass
class IncidentRows:
    incident: Incident
    staff: list[IncidentStaff]
    notices: list[IncidentNotice]
    cqc: list[CqcNotification]
    candour: list[CandourRecord]
    findings: list[IncidentFinding]
    actions: list[CorrectiveAction]


def incident_rows(incident: Incident) -> IncidentRows:
    return IncidentRows(
        incident=incident,
        staff=list(IncidentStaff.objects.filter(incident=incident).select_related("user").order_by("user__full_name")),
        notices=list(IncidentNotice.objects.filter(incident=incident).select_related("by").order_by("told_at")),
        cqc=list(CqcNotification.objects.filter(incident=incident).select_related("by").order_by("at")),
        candour=list(CandourRecord.objects.filter(incident=incident).select_related("by").order_by("at")),
        findings=list(IncidentFinding.objects.filter(incident=incident).select_related("by").order_by("at")),
        actions=list(actions_for(SourceKind.INCIDENT, [incident.pk])),
    )


def incident_with_related(incident_id: uuid.UUID) -> Incident:
    return Incident.objects.select_related(*RELATED).get(pk=incident_id)


# What each audit event says on the timeline.
TIMELINE_WHAT: dict[str, str] = {
    IncidentsAudit.INCIDENT_REPORTED.value: "Reported",
    IncidentsAudit.INCIDENT_NOTICE_RECORDED.value: "Who was told",
    IncidentsAudit.INCIDENT_CQC_NOTIFIED.value: "CQC notified",
    IncidentsAudit.INCIDENT_CANDOUR_RECORDED.value: "Duty of candour",
    IncidentsAudit.INCIDENT_FINDING_RECORDED.value: "Finding",
    IncidentsAudit.INCIDENT_REVIEW_STARTED.value: "Under review",
    IncidentsAudit.INCIDENT_SIGNED_OFF.value: "Signed off and closed",
    ActionsAudit.ACTION_ADDED.value: "Corrective action set",
    ActionsAudit.ACTION_COMPLETED.value: "Corrective action completed",
    ActionsAudit.ACTION_OVERDUE.value: "Corrective action overdue",
}


@dataclass
class Entry:
    """One line of an incident's timeline: what, who and when, from its audit event; details from its row."""

    action: str
    what: str
    by: str
    at: dt.datetime
    details: list[str] = field(default_factory=list)
    entity_id: str = ""


def incident_timeline(rows: IncidentRows) -> list[Entry]:
    """Everything that happened to the incident, oldest first: its audit events (the incident's own and those of
    its rows: notices, the CQC notification, candour, findings, corrective actions), each with who and when."""
    by_id: dict[str, Any] = {str(rows.incident.pk): rows.incident}
    for group in (rows.notices, rows.cqc, rows.candour, rows.findings, rows.actions):
        by_id.update({str(r.pk): r for r in group})
    events = AuditEvent.objects.filter(entity_id__in=list(by_id)).select_related("actor").order_by("at", "id")
    entries = []
    for event in events:
        row = by_id.get(event.entity_id)
        entries.append(
            Entry(
                action=event.action,
                what=TIMELINE_WHAT.get(event.action, event.action),
                by=event.actor.display_name if event.actor is not None else "Carebook",
                at=event.at,
                details=_details(event, row),
                entity_id=event.entity_id,
            )
        )
    return entries


def _details(event: AuditEvent, row: Any) -> list[str]:
    if isinstance(row, IncidentNotice):
        return [f"Told: {row.get_party_display()} at {moment(row.told_at)}", *([row.note] if row.note else [])]
    if isinstance(row, CqcNotification):
        return [f"Notified at {moment(row.notified_at)}, reference {row.reference}"]
    if isinstance(row, CandourRecord):
        return [
            f"{row.get_told_display()} told on {row.told_on:%d %B %Y}, with an apology; "
            f"in writing on {row.written_on:%d %B %Y}"
        ]
    if isinstance(row, IncidentFinding) and event.action == "incident.finding_recorded":
        return [row.text]
    if isinstance(row, CorrectiveAction):
        if event.action == "corrective_action.added":
            return [
                f"{row.get_kind_display()}: {row.what}",
                f"Owner: {row.owner.display_name}, due {row.due_on:%d %B %Y}",
            ]
        if event.action == "corrective_action.completed":
            return [f"{row.get_kind_display()}: {row.what}", f"Done: {row.completion_note}"]
        if event.action == "corrective_action.overdue":
            return [f"{row.get_kind_display()}: {row.what}", f"Was due {row.due_on:%d %B %Y}"]
    if isinstance(row, Incident) and event.action == "incident.signed_off" and row.sign_off_note:
        return [row.sign_off_note]
    return []
