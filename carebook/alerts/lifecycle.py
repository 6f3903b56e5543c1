"""An alert's lifecycle: acknowledged (who, when) → steps (each with who and when) → resolved with an outcome.

Services: one transaction each, audited in it; who and when come from the signed-in user passed in and the server
clock, never from the request. The alert's row changes by conditional UPDATEs only (``... WHERE status = 'open'``),
so two seniors acknowledging at once: one does, the other is told who did (no lock taken, so no lock order).
"""

from __future__ import annotations

import dataclasses
import uuid

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.alerts import rules
from carebook.alerts.audit import AlertsAudit
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.vocab import FOLLOW_UPS, STAFF_KINDS, ActionKind, AlertStatus
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, ValidationFailed
from carebook.core.text import moment
from carebook.medication.models import Prescription


def alert_acknowledge(*, alert: Alert, by: User) -> Alert:
    """Take the alert on. ``alert`` comes from ``access_alert_for_user``."""
    require(by, Action.ACKNOWLEDGE_ALERT)
    now = clock.now()
    with transaction.atomic():
        changed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.OPEN).update(
            status=AlertStatus.ACKNOWLEDGED, acknowledged_by=by, acknowledged_at=now
        )
        if not changed:
            raise _not_open(alert)
        record_event(
            actor=by,
            action=AlertsAudit.ALERT_ACKNOWLEDGED,
            entity=alert,
            location=alert.location_id,
            before={"status": AlertStatus.OPEN},
            after={"status": AlertStatus.ACKNOWLEDGED, "acknowledged_by": by.pk, "acknowledged_at": now.isoformat()},
            at=now,
        )
    alert.refresh_from_db()
    return alert


def _not_open(alert: Alert) -> Conflict:
    current = Alert.objects.select_related("acknowledged_by", "resolved_by").get(pk=alert.pk)
    if current.status == AlertStatus.RESOLVED and current.resolved_by is not None and current.resolved_at:
        return Conflict(
            f"{current.resolved_by.display_name} resolved this alert at {moment(current.resolved_at)}.",
            code="already_resolved",
        )
    assert current.acknowledged_by is not None and current.acknowledged_at is not None
    return Conflict(
        f"{current.acknowledged_by.display_name} acknowledged this alert at {moment(current.acknowledged_at)}.",
        code="already_acknowledged",
    )


def alert_action_record(
    *, alert: Alert, by: User, step: rules.ActionInput, new_prescription_id: uuid.UUID | None = None
) -> AlertAction:
    """Record one step taken on an alert (contacted the care worker, asked a professional, the outcome, who was
    told, a note). Not on a resolved alert; a care worker may record what they were asked, not an outcome."""
    require(by, Action.RECORD_ALERT_ACTION)
    if step.kind == ActionKind.ADVICE_OUTCOME:
        require(by, Action.ACKNOWLEDGE_ALERT)
    if step.kind in FOLLOW_UPS:  # a supervisor's follow-up of a member of staff (ADR 0030)
        require(by, Action.VIEW_COMPLIANCE)
    now = clock.now()
    new_rx = None
    if new_prescription_id is not None and alert.person_id is not None:
        new_rx = (
            Prescription.objects.filter(
                scope_for(by).q("person__location"), pk=new_prescription_id, person_id=alert.person_id
            )
            .only("pk", "person_id")
            .first()
        )
        if new_rx is None:
            raise ValidationFailed("Choose a prescription of this person.", field="new_prescription")
    rules.check_action(dataclasses.replace(step, new_prescription=new_rx is not None), now=now)
    rules.check_follow_up_allowed(step.kind, alert_kind=alert.kind)
    with transaction.atomic():
        status = Alert.objects.filter(pk=alert.pk).values_list("status", flat=True).get()
        if status == AlertStatus.RESOLVED:
            raise Conflict("This alert is resolved: nothing more can be recorded on it.", code="already_resolved")
        action = AlertAction.objects.create(
            alert=alert,
            kind=step.kind,
            note=step.note.strip(),
            answer=step.answer,
            professional=step.professional,
            advice=step.advice.strip(),
            outcome=step.outcome if step.kind == ActionKind.ADVICE_OUTCOME else "",
            new_prescription=new_rx,
            observe_what=step.observe_what.strip(),
            observe_until=step.observe_until,
            informed=step.informed,
            by=by,
            at=now,
        )
        record_event(
            actor=by,
            action=AlertsAudit.ALERT_ACTION_RECORDED,
            entity=action,
            location=alert.location_id,
            after=snapshot(action),
            at=now,
        )
    return action


def alert_resolve(*, alert: Alert, by: User, note: str = "") -> Alert:
    """Resolve an acknowledged alert with the last outcome recorded on it (none: refused)."""
    require(by, Action.RESOLVE_ALERT)
    now = clock.now()
    with transaction.atomic():
        current = Alert.objects.filter(pk=alert.pk).values_list("status", flat=True).get()
        outcomes = list(
            AlertAction.objects.filter(alert_id=alert.pk, kind=ActionKind.ADVICE_OUTCOME)
            .order_by("at")
            .values_list("outcome", flat=True)
        )
        follow_ups: list[str] = []
        if alert.kind in STAFF_KINDS:  # no dose outcome: the supervisor's last follow-up is the outcome
            follow_ups = list(
                AlertAction.objects.filter(alert_id=alert.pk, kind__in=list(FOLLOW_UPS))
                .order_by("at")
                .values_list("kind", flat=True)
            )
        outcome = rules.check_resolve(status=current, outcomes=outcomes, follow_ups=follow_ups)
        changed = Alert.objects.filter(pk=alert.pk, status=AlertStatus.ACKNOWLEDGED).update(
            status=AlertStatus.RESOLVED, resolved_by=by, resolved_at=now, outcome=outcome
        )
        if not changed:
            raise _not_open(alert)
        if note.strip():
            AlertAction.objects.create(alert=alert, kind=ActionKind.NOTE, note=note.strip(), by=by, at=now)
        record_event(
            actor=by,
            action=AlertsAudit.ALERT_RESOLVED,
            entity=alert,
            location=alert.location_id,
            before={"status": AlertStatus.ACKNOWLEDGED},
            after={"status": AlertStatus.RESOLVED, "outcome": outcome, "resolved_by": by.pk, "note": note.strip()},
            at=now,
        )
    alert.refresh_from_db()
    return alert
