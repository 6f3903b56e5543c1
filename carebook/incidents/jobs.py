"""The incidents app's background job (ADR 0008: declared here, scheduled by the registry).

An overdue corrective action tells its owner and the location's registered managers (ADR 0027, 0028), in the
product and by email, through ``notifications.notify``: a notification per recipient per key, so telling twice tells
once. The action is claimed first (``overdue_noticed_at``, once, audited: the flag the pages show); the telling then
covers every action noticed in the last ``TELL_WITHIN``, so one whose telling failed after its claim (the database
went away between the two) is told at the next run.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from django.urls import reverse

from carebook.access.models import Role, User
from carebook.actions.models import CorrectiveAction
from carebook.actions.selectors import overdue_q
from carebook.actions.services import actions_claim_overdue
from carebook.actions.vocab import ActionKind, SourceKind
from carebook.core import clock
from carebook.core.jobs import job
from carebook.incidents.models import Incident
from carebook.incidents.vocab import HARM_ORDER, IncidentStatus
from carebook.notifications.digest import digest_section
from carebook.notifications.recipients import staff_of
from carebook.notifications.services import notify
from carebook.organisations.models import Location

TELL_WITHIN = dt.timedelta(days=1)


def overdue_key(action: CorrectiveAction) -> str:
    return f"action:{action.pk}:overdue"


def _words(action: CorrectiveAction) -> tuple[str, str]:
    """Minimal words (they are emailed, hazard H55): the kind of action, when it was due, where; no names."""
    kind = ActionKind(action.kind).label.lower()
    where = action.location.name
    subject = f"Corrective action overdue at {where}: {kind}"
    body = (
        f"A {kind} action set on a medication incident at {where} was due on {action.due_on:%-d %B %Y} and is not "
        "recorded as done. Open the incident to complete it or see who owns it."
    )
    return subject[:200], body


def tell_overdue_actions(*, now: dt.datetime | None = None) -> int:
    """Claim the incidents' corrective actions newly overdue, and tell the owner and the registered managers of
    each action noticed overdue recently (idempotent). Returns the actions newly found overdue."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    claimed = actions_claim_overdue(today=today, source_kind=SourceKind.INCIDENT)
    noticed = list(
        CorrectiveAction.objects.filter(
            overdue_q(today), source_kind=SourceKind.INCIDENT, overdue_noticed_at__gte=now - TELL_WITHIN
        ).select_related("owner", "location")
    )
    managers = staff_of({a.location_id for a in noticed}, {Role.REGISTERED_MANAGER})
    for action in noticed:
        recipients: list[User] = [
            action.owner,
            *(m for m in managers.get(action.location_id, []) if m.pk != action.owner_id),
        ]
        subject, body = _words(action)
        notify(
            recipients=recipients,
            key=overdue_key(action),
            subject=subject,
            body=body,
            link=reverse("incidents:incident", args=[action.source_id]),
            location=action.location_id,
            at=now,
        )
    return len(claimed)


@job(name="incidents.overdue_actions", every=dt.timedelta(hours=1))
def overdue_actions_job() -> int:
    """Tell the owner and the registered manager of each incident's corrective action that has become overdue."""
    return tell_overdue_actions()


@digest_section("Medication incidents", order=20)
def incidents_digest(user: User, locations: Sequence[Location], day: dt.date) -> list[str]:
    """Incidents reported the day before by harm, those not yet signed off, and corrective actions overdue: counts
    only (emailed: no names)."""
    ids = [location.pk for location in locations]
    start = clock.local_wall_time(day - dt.timedelta(days=1), dt.time(0))
    end = clock.local_wall_time(day, dt.time(0))
    scoped = Incident.objects.filter(location_id__in=ids)
    reported = Counter(scoped.filter(reported_at__gte=start, reported_at__lt=end).values_list("harm", flat=True))
    lines = [f"Reported yesterday: {sum(reported.values())}." if reported else "None reported yesterday."]
    lines += [
        f"Reported yesterday, {harm.label.lower()}: {reported[harm.value]}"
        for harm in HARM_ORDER
        if reported[harm.value]
    ]
    waiting = scoped.exclude(status=IncidentStatus.CLOSED).count()
    lines.append(f"Not yet signed off: {waiting}.")
    overdue = CorrectiveAction.objects.filter(
        overdue_q(day), location_id__in=ids, source_kind=SourceKind.INCIDENT
    ).count()
    lines.append(f"Corrective actions overdue: {overdue}." if overdue else "No corrective action overdue.")
    return lines
