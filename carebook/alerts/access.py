"""The only way an alert is fetched for a member of staff: the role (403) and the location scope (404, the same
answer as missing) in one query."""

from __future__ import annotations

from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.alerts.models import Alert
from carebook.alerts.vocab import STAFF_KINDS
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid


def access_alert_for_user(user: User, alert_id: object, action: Action = Action.VIEW_ALERTS) -> Alert:
    require(user, action)
    aid = as_uuid(alert_id, "alert")
    alert = (
        Alert.objects.filter(scope_for(user).q("location"), pk=aid)
        .select_related(
            "person",
            "staff",
            "location",
            "prescription__medicine",
            "due_dose",
            "visit__assigned_to",
            "acknowledged_by",
            "resolved_by",
        )
        .first()
    )
    if alert is None or (alert.kind in STAFF_KINDS and not can(user, Action.VIEW_COMPLIANCE)):
        # An alert about a member of staff is their supervisors' (ADR 0030): to anyone else it does not exist.
        raise NotFound("No alert with that id.")
    return alert
