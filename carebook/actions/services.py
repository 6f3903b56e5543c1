"""Corrective actions' writes: set one, complete one, and claim the newly overdue ones (for the job that tells).

Each runs in one transaction (joining the caller's: an incident adds its action inside its own), audited in it. Who
and when are the signed-in user passed in and the server clock. The source app checks its own state (an incident
signed off takes no new action) before it calls here; this app knows nothing of incidents.
"""

from __future__ import annotations

import datetime as dt
import uuid

from django.db import transaction

from carebook.access.models import Membership, User
from carebook.access.policy import Action, can, require
from carebook.actions import rules
from carebook.actions.audit import ActionsAudit
from carebook.actions.models import CorrectiveAction
from carebook.actions.selectors import overdue_q
from carebook.actions.vocab import ActionKind, SourceKind
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.core.text import moment


def action_add(
    *,
    by: User,
    source_kind: SourceKind | str,
    source_id: uuid.UUID,
    location_id: uuid.UUID,
    kind: ActionKind | str,
    what: str,
    owner: User | None,
    due_on: dt.date | None,
) -> CorrectiveAction:
    """Set a corrective action for a source: what, who owns it (a member of staff of that location), due by when."""
    require(by, Action.ASSIGN_ACTION)
    if kind not in ActionKind.values:
        raise ValidationFailed("Choose the kind of action.", field="kind")
    if owner is None or not owner.is_active:
        raise ValidationFailed("Choose who owns this action.", field="owner")
    if not Membership.objects.filter(user=owner, location_id=location_id).exists():
        raise ValidationFailed("The owner must be a member of staff of this home.", field="owner")
    now = clock.now()
    rules.check_add(what=what, due_on=due_on, today=clock.today())
    assert due_on is not None
    with transaction.atomic():
        action = CorrectiveAction.objects.create(
            source_kind=source_kind,
            source_id=source_id,
            location_id=location_id,
            kind=kind,
            what=what.strip(),
            owner=owner,
            due_on=due_on,
            added_by=by,
            added_at=now,
        )
        record_event(
            actor=by,
            action=ActionsAudit.ACTION_ADDED,
            entity=action,
            location=location_id,
            after=snapshot(action),
            at=now,
        )
    return action


def may_complete(user: User, action: CorrectiveAction) -> bool:
    """Its owner (a role that may complete actions), or a team leader or above."""
    if can(user, Action.COMPLETE_ANY_ACTION):
        return True
    return can(user, Action.COMPLETE_ACTION) and action.owner_id == user.pk


def action_complete(*, action: CorrectiveAction, by: User, note: str) -> CorrectiveAction:
    """Mark an action done, with what was done. Once: a second completion is told who did it, and when."""
    require(by, Action.COMPLETE_ACTION)
    if not may_complete(by, action):
        raise PermissionDenied("Only its owner, or a team leader or above, may complete this action.")
    rules.check_complete(note=note)
    now = clock.now()
    with transaction.atomic():
        changed = CorrectiveAction.objects.filter(pk=action.pk, completed_at__isnull=True).update(
            completed_at=now, completed_by=by, completion_note=note.strip()
        )
        if not changed:
            done = CorrectiveAction.objects.select_related("completed_by").get(pk=action.pk)
            assert done.completed_by is not None and done.completed_at is not None
            raise Conflict(
                f"{done.completed_by.display_name} completed this action at {moment(done.completed_at)}.",
                code="already_completed",
            )
        record_event(
            actor=by,
            action=ActionsAudit.ACTION_COMPLETED,
            entity=action,
            location=action.location_id,
            before={"completed_at": None},
            after={"completed_at": now.isoformat(), "completed_by": by.pk, "completion_note": note.strip()},
            at=now,
        )
    action.refresh_from_db()
    return action


def actions_claim_overdue(*, today: dt.date, source_kind: SourceKind | str | None = None) -> list[CorrectiveAction]:
    """The actions overdue today that nobody has been told of yet, each claimed once (compare-and-set on
    ``overdue_noticed_at``): two workers running at once never claim the same action twice. Audited."""
    now = clock.now()
    rows = CorrectiveAction.objects.filter(overdue_q(today), overdue_noticed_at__isnull=True)
    if source_kind is not None:
        rows = rows.filter(source_kind=source_kind)
    claimed: list[CorrectiveAction] = []
    for candidate in list(rows.order_by("due_on", "added_at")[:500]):
        with transaction.atomic():
            won = CorrectiveAction.objects.filter(pk=candidate.pk, overdue_noticed_at__isnull=True).update(
                overdue_noticed_at=now
            )
            if not won:
                continue
            record_event(
                actor=None,
                action=ActionsAudit.ACTION_OVERDUE,
                entity=candidate,
                location=candidate.location_id,
                after={"due_on": candidate.due_on.isoformat(), "owner": candidate.owner_id, "today": today.isoformat()},
                at=now,
            )
        candidate.overdue_noticed_at = now
        claimed.append(candidate)
    return claimed
