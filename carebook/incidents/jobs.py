"""The incidents app's background job (ADR 0008: declared here, scheduled by the registry)."""

from __future__ import annotations

import datetime as dt
import logging

from carebook.access.models import Membership, Role, User
from carebook.actions.models import CorrectiveAction
from carebook.actions.services import actions_claim_overdue
from carebook.actions.vocab import SourceKind
from carebook.core import clock
from carebook.core.jobs import job
from carebook.incidents.models import Incident

logger = logging.getLogger("carebook.incidents")


def _tell(*, recipient: User, action: CorrectiveAction, incident: Incident) -> None:
    """TO WIRE (the lead, after merging carebook.notifications): an overdue corrective action tells its owner and
    the registered manager. Replace the log line with
    ``notify(recipient=recipient, key=f"action-overdue:{action.pk}:{recipient.pk}", subject=..., body=...,
    link=reverse("incidents:incident", args=[incident.pk]))``. Called once per action and recipient (the job claims
    each overdue action once)."""
    logger.warning(
        "Corrective action overdue: %s (due %s, owner %s) on incident %s: telling %s",
        action.what[:80],
        action.due_on.isoformat(),
        action.owner_id,
        incident.pk,
        recipient.username,
    )


def _recipients(action: CorrectiveAction) -> list[User]:
    managers = User.objects.filter(
        is_active=True,
        role=Role.REGISTERED_MANAGER,
        pk__in=Membership.objects.filter(location_id=action.location_id).values("user"),
    ).order_by("username")
    return [action.owner, *(m for m in managers if m.pk != action.owner_id)]


@job(name="incidents.overdue_actions", every=dt.timedelta(hours=1))
def tell_overdue_actions() -> int:
    """Tell the owner and the registered manager of each incident's corrective action that has become overdue.

    Idempotent and safe when two workers run it at once: each overdue action is claimed once (a compare-and-set on
    its ``overdue_noticed_at``), so its people are told once. Returns the actions newly found overdue.
    """
    claimed = actions_claim_overdue(today=clock.today(), source_kind=SourceKind.INCIDENT)
    incidents = Incident.objects.in_bulk([a.source_id for a in claimed])
    for action in claimed:
        incident = incidents.get(action.source_id)
        if incident is None:
            continue
        for recipient in _recipients(action):
            _tell(recipient=recipient, action=action, incident=incident)
    return len(claimed)
