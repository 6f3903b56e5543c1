"""Alerts → JSON. Plain functions, no queries beyond what the caller selected (``ALERT_RELATED``)."""

from __future__ import annotations

from typing import Any

from carebook.alerts.models import Alert, AlertAction, AlertRecord
from carebook.alerts.vocab import OPEN_STATUSES, ActionKind, AlertKind, outcome_label
from carebook.medication.api.present import staff
from carebook.people.api.present import person_ref

# What ``alert`` reads: selectors.alerts_in_scope and access_alert_for_user select these already.
ALERT_RELATED = ("person", "prescription__medicine", "acknowledged_by", "resolved_by")


def _or_none(value: str) -> str | None:
    return value or None


def alert(a: Alert) -> dict[str, Any]:
    # selectors.NEEDS_ATTENTION, read from the row
    needs_attention = a.status in OPEN_STATUSES and a.superseded_by_id is None and a.cleared_at is None
    return {
        "id": a.pk,
        "kind": a.kind,
        "kind_label": AlertKind.label_of(a.kind),
        "severity": a.severity,
        "status": a.status,
        "needs_attention": needs_attention,
        "summary": a.summary,
        "person": person_ref(a.person) if a.person is not None else None,
        # Read only for an alert about a member of staff (few; a null staff_id costs nothing): kept out of
        # ALERT_RELATED so the lists' query (and its order of ties) stays as it was.
        "staff": staff(a.staff) if a.staff_id is not None else None,
        "location_id": a.location_id,
        "prescription_id": a.prescription_id,
        "medicine": str(a.prescription.medicine) if a.prescription is not None else None,
        "due_dose_id": a.due_dose_id,
        "administration_id": a.administration_id,
        "due_at": a.due_at,
        "raised_at": a.raised_at,
        "acknowledged_by": staff(a.acknowledged_by),
        "acknowledged_at": a.acknowledged_at,
        "resolved_by": staff(a.resolved_by),
        "resolved_at": a.resolved_at,
        "outcome": _or_none(a.outcome),
        "outcome_label": outcome_label(a.outcome) if a.outcome else None,
        "cleared_at": a.cleared_at,
        "cleared_reason": a.cleared_reason,
        "cleared_by_administration_id": a.cleared_by_administration_id,
        "follows": a.follows_id,
        "superseded_by": a.superseded_by_id,
        "escalated_to": a.escalated_to,
        "escalated_at": a.escalated_at,
    }


def action(step: AlertAction) -> dict[str, Any]:
    """One step (``by`` selected)."""
    return {
        "id": step.pk,
        "kind": step.kind,
        "label": ActionKind.label_of(step.kind),
        "note": step.note,
        "answer": _or_none(step.answer),
        "professional": _or_none(step.professional),
        "advice": step.advice,
        "outcome": _or_none(step.outcome),
        "new_prescription_id": step.new_prescription_id,
        "observe_what": step.observe_what,
        "observe_until": step.observe_until,
        "informed": _or_none(step.informed),
        "by": staff(step.by),
        "at": step.at,
    }


def record(r: AlertRecord) -> dict[str, Any]:
    return {
        "administration_id": r.administration_id,
        "due_dose_id": r.due_dose_id,
        "allergy_decision_id": r.allergy_decision_id,
        "at": r.at,
    }


def alert_detail(a: Alert, actions: list[AlertAction], records: list[AlertRecord] | None = None) -> dict[str, Any]:
    return {**alert(a), "actions": [action(step) for step in actions], "records": [record(r) for r in records or []]}
