"""Incidents → JSON. Plain functions over rows already read (``selectors.incident_rows``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from carebook.actions.api import action
from carebook.incidents import rules
from carebook.incidents.facts import sign_off_facts
from carebook.incidents.models import Incident
from carebook.incidents.selectors import IncidentRows, incident_timeline
from carebook.incidents.vocab import IncidentKind
from carebook.medication.api.present import staff
from carebook.people.api.present import person_ref


def incident(i: Incident, *, open_actions: int, overdue_actions: int) -> dict[str, Any]:
    return {
        "id": i.pk,
        "kind": i.kind,
        "kind_label": IncidentKind.label_of(i.kind),
        "status": i.status,
        "harm": i.harm,
        "what_happened": i.what_happened,
        "occurred_at": i.occurred_at,
        "discovered_at": i.discovered_at,
        "immediate_actions": i.immediate_actions,
        "location_id": i.location_id,
        "person": person_ref(i.person) if i.person is not None else None,
        "prescription_id": i.prescription_id,
        "medicine": str(i.prescription.medicine) if i.prescription is not None else None,
        "due_dose_id": i.due_dose_id,
        "administration_id": i.administration_id,
        "alert_id": i.alert_id,
        "reported_by": staff(i.reported_by),
        "reported_at": i.reported_at,
        "signed_off_by": staff(i.signed_off_by),
        "signed_off_at": i.signed_off_at,
        "open_actions": open_actions,
        "overdue_actions": overdue_actions,
    }


def detail(rows: IncidentRows, today: dt.date) -> dict[str, Any]:
    i = rows.incident
    facts = sign_off_facts(i)
    actions = [action(a, today) for a in rows.actions]
    return {
        **incident(
            i,
            open_actions=sum(1 for a in rows.actions if not a.is_completed),
            overdue_actions=sum(1 for a in actions if a["overdue"]),
        ),
        "staff": [staff(s.user) for s in rows.staff],
        "notices": [
            {"id": n.pk, "party": n.party, "told_at": n.told_at, "note": n.note, "by": staff(n.by), "at": n.at}
            for n in rows.notices
        ],
        "cqc_notifications": [
            {"id": c.pk, "notified_at": c.notified_at, "reference": c.reference, "by": staff(c.by), "at": c.at}
            for c in rows.cqc
        ],
        "candour": [
            {
                "id": c.pk,
                "told": c.told,
                "told_on": c.told_on,
                "apology": c.apology,
                "written_on": c.written_on,
                "note": c.note,
                "by": staff(c.by),
                "at": c.at,
            }
            for c in rows.candour
        ],
        "findings": [{"id": f.pk, "text": f.text, "by": staff(f.by), "at": f.at} for f in rows.findings],
        "actions": actions,
        "cqc_notification_required": rules.needs_cqc(facts),
        "candour_required": rules.candour_required(harm=i.harm),
        "sign_off_problems": [message for _code, _field, message in rules.sign_off_problems(facts)],
        "timeline": [
            {"action": e.action, "what": e.what, "by": e.by, "at": e.at, "details": e.details}
            for e in incident_timeline(rows)
        ],
    }
