"""Who is told about an alert, and when: the alerts' side of notifications (ADR 0028).

The notifications app is below alerts and never imports it; this module, run by the job ``alerts.notify`` every
minute, finds the alerts raised or escalated recently that have no notification yet and calls ``notify``:

- raised: the staff of the alert's location who may acknowledge it and run the shift (senior carers, team leaders,
  coordinators; the registered manager hears at escalation and in the digest). Carebook has no rota: "on shift" is
  "works at the location in one of these roles".
- escalated to the team leader: the location's team leaders and coordinators;
- escalated to the registered manager: the location's registered managers.

Idempotent: each notification's key (``alert:<id>:raised``, ``alert:<id>:escalated:<level>``) is unique per
recipient, and the alerts already told are found in one query by key. Bounded: only alerts raised in the last
``RAISED_WITHIN`` (and, for escalations, escalated in the last ``RAISED_WITHIN`` and raised in the last
``ESCALATED_RAISED_WITHIN``) are read, per location, by the index ``alert_location_status_idx``. An alert that is no
longer waiting (acknowledged, cleared by itself, carried on by another) is not announced late.

An alert storm (hazard H46: a round not recorded, a tablet down) must not bury the alert that matters in an inbox:
when more than ``EMAIL_EACH_UP_TO`` alerts of one location reach the same step in one run, each is still a
notification in the product, but only the high-severity ones are emailed one by one; the rest are emailed as one
summary (how many, of which kinds, a link to the dashboard, which lists the most severe first).

What is emailed is minimal (hazard H55): the kind, the severity, the location and a link; never the person or the
medicine, which the alert's page shows to whoever signs in.

It also registers the alerts' section of the registered managers' daily digest.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Sequence
from typing import Any

from django.db.models import Count
from django.urls import reverse

from carebook.access.models import Role, User
from carebook.alerts.models import Alert
from carebook.alerts.selectors import NEEDS_ATTENTION
from carebook.alerts.vocab import SEVERITY_RANK, STAFF_KINDS, AlertKind, AlertStatus, EscalatedTo, Outcome, Severity
from carebook.core import clock
from carebook.core.jobs import job
from carebook.core.text import clock_time, moment, plural
from carebook.notifications.digest import digest_section
from carebook.notifications.models import Notification
from carebook.notifications.recipients import staff_of
from carebook.notifications.services import notify
from carebook.organisations.models import Location

RAISED_WITHIN = dt.timedelta(days=1)
EMAIL_EACH_UP_TO = 5  # more at one location and step in one run: the rest after the high-severity ones in one email
ESCALATED_RAISED_WITHIN = dt.timedelta(days=2)

# Who hears at each step, named one by one (each may acknowledge: a test holds them to the policy table).
TOLD_WHEN_RAISED = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR})
# An alert about a member of staff (STAFF_KINDS, ADR 0030) goes to their supervisors: the team leaders, then up the
# same ladder (the registered manager); never their peers.
TOLD_WHEN_RAISED_ABOUT_STAFF = frozenset({Role.TEAM_LEADER})
TOLD_AT_LEVEL = {
    EscalatedTo.TEAM_LEADER.value: frozenset({Role.TEAM_LEADER, Role.COORDINATOR}),
    EscalatedTo.REGISTERED_MANAGER.value: frozenset({Role.REGISTERED_MANAGER}),
}


def raised_key(alert_id: Any) -> str:
    return f"alert:{alert_id}:raised"


def escalated_key(alert_id: Any, level: str) -> str:
    return f"alert:{alert_id}:escalated:{level}"


def notify_alerts(*, now: dt.datetime | None = None) -> int:
    """Tell whoever should hear about the alerts raised or escalated recently and not told yet; how many were told."""
    now = now or clock.now()
    locations = list(Location.objects.values_list("pk", flat=True))
    waiting = Alert.objects.filter(
        location_id__in=locations, status=AlertStatus.OPEN, cleared_at__isnull=True, superseded_by__isnull=True
    ).select_related("location")
    raised = list(waiting.filter(raised_at__gt=now - RAISED_WITHIN))
    escalated = list(
        waiting.filter(raised_at__gt=now - ESCALATED_RAISED_WITHIN, escalated_at__gt=now - RAISED_WITHIN).exclude(
            escalated_to=EscalatedTo.SHIFT
        )
    )
    wanted: dict[str, tuple[Alert, frozenset[str]]] = {}
    for alert in raised:
        who = TOLD_WHEN_RAISED_ABOUT_STAFF if alert.kind in STAFF_KINDS else TOLD_WHEN_RAISED
        wanted[raised_key(alert.pk)] = (alert, who)
    for alert in escalated:
        wanted[escalated_key(alert.pk, alert.escalated_to)] = (alert, TOLD_AT_LEVEL[alert.escalated_to])
    if not wanted:
        return 0
    told = set(Notification.objects.filter(key__in=list(wanted)).values_list("key", flat=True).distinct())
    todo = {key: entry for key, entry in wanted.items() if key not in told}
    if not todo:
        return 0
    roles = frozenset().union(*(roles for _, roles in todo.values()))
    staff = staff_of({alert.location_id for alert, _ in todo.values()}, roles)
    # (location, step, who hears) -> keys: an alert about a member of staff is told to fewer roles (ADR 0030)
    groups: dict[tuple[Any, str, frozenset[Any]], list[str]] = defaultdict(list)
    for key, (alert, told_to) in todo.items():
        groups[(alert.location_id, _step(key), told_to)].append(key)
    count = 0
    for (location_id, step, hearing), keys in groups.items():
        storm = len(keys) > EMAIL_EACH_UP_TO
        alerts = [todo[key][0] for key in keys]
        recipients = [u for u in staff.get(location_id, []) if u.role in hearing]
        summarised = [a for a in alerts if storm and a.severity != Severity.HIGH]
        if summarised:  # first: a run that stops half-way summarises again at the next, rather than not at all
            count += _tell_summary(summarised, step=step, recipients=recipients, now=now)
        for key, alert in zip(keys, alerts, strict=True):
            subject, body = _words(alert, escalated=step != "raised")
            count += len(
                notify(
                    recipients=recipients,
                    key=key,
                    subject=subject,
                    body=body,
                    link=reverse("alerts:alert", args=[alert.pk]),
                    location=location_id,
                    at=now,
                    email=not (storm and alert.severity != Severity.HIGH),
                )
            )
    return count


def _step(key: str) -> str:
    """``raised`` or ``escalated:<level>``, from a notification key."""
    return key.split(":", 2)[2]


def _tell_summary(alerts: list[Alert], *, step: str, recipients: list[User], now: dt.datetime) -> int:
    """One email for the many alerts of a storm that are not high severity (each is in the product as well)."""
    where = alerts[0].location.name
    kinds = Counter(AlertKind(a.kind).label.lower() for a in alerts)
    what = ", ".join(f"{label}: {n}" for label, n in sorted(kinds.items()))
    if step == "raised":
        subject = f"{plural(len(alerts), 'more alert')} at {where}"
        verb = "was" if len(alerts) == 1 else "were"
        body = f"{plural(len(alerts), 'alert')} of medium or low severity {verb} raised at {where} by {clock_time(now)}"
    else:
        level = EscalatedTo(step.split(":", 1)[1]).label.lower()
        subject = f"{plural(len(alerts), 'more alert')} not acknowledged at {where}"
        verb = "has" if len(alerts) == 1 else "have"
        body = f"{plural(len(alerts), 'alert')} of medium or low severity at {where} {verb} gone to {level}"
    body += (
        f" ({what}). The high-severity ones were emailed one by one; every one is in your notifications. "
        "Open the alerts dashboard: the most severe are first."
    )
    return len(
        notify(
            recipients=recipients,
            key=f"alerts:{alerts[0].location_id}:{step}:{now:%Y%m%dT%H%M}",
            subject=subject,
            body=body,
            link=reverse("alerts:dashboard") + f"?location={alerts[0].location_id}",
            location=alerts[0].location_id,
            at=now,
        )
    )


def _words(alert: Alert, *, escalated: bool) -> tuple[str, str]:
    """What the notification says: the kind, the severity, the location, when. No person, no medicine (H55)."""
    kind = AlertKind(alert.kind).label
    severity = Severity(alert.severity).label.lower()
    where = alert.location.name
    if escalated:
        level = EscalatedTo(alert.escalated_to).label.lower()
        subject = f"Not acknowledged: {kind.lower()} alert at {where} ({severity} severity)"
        body = (
            f"Nobody has acknowledged this {severity}-severity {kind.lower()} alert, raised at "
            f"{moment(alert.raised_at)}. It has gone to {level}. "
            "Open it to see who and what it is about, and acknowledge it."
        )
    else:
        subject = f"{kind} alert at {where} ({severity} severity)"
        body = (
            f"A {severity}-severity {kind.lower()} alert was raised at {moment(alert.raised_at)}. "
            "Open it to see who and what it is about, and acknowledge it."
        )
    return subject[:200], body


@job(name="alerts.notify", every=dt.timedelta(minutes=1))
def notify_alerts_job() -> int:
    """Tell the staff of the alerts raised or escalated recently (once each); returns how many were told."""
    return notify_alerts()


@digest_section("Alerts", order=10)
def alerts_digest(user: User, locations: Sequence[Location], day: dt.date) -> list[str]:
    """Open alerts by kind and severity, those escalated, and those resolved the day before with their outcomes:
    counts only (emailed: no names)."""
    ids = [location.pk for location in locations]
    scoped = Alert.objects.filter(location_id__in=ids)
    lines: list[str] = []
    open_counts = (
        scoped.filter(NEEDS_ATTENTION).values("kind", "severity").annotate(n=Count("pk")).order_by("kind", "severity")
    )
    rows = [(r["kind"], r["severity"], r["n"]) for r in open_counts]
    total = sum(n for _, _, n in rows)
    lines.append(f"Open alerts: {total}." if total else "No open alerts.")
    for kind, severity, n in sorted(rows, key=lambda r: (_label(AlertKind, r[0]), SEVERITY_RANK.get(r[1], 9))):
        lines.append(f"{_label(AlertKind, kind)}, {_label(Severity, severity).lower()} severity: {n}")
    escalated = Counter(
        scoped.filter(NEEDS_ATTENTION, status=AlertStatus.OPEN)
        .exclude(escalated_to=EscalatedTo.SHIFT)
        .values_list("escalated_to", flat=True)
    )
    for level in (EscalatedTo.TEAM_LEADER, EscalatedTo.REGISTERED_MANAGER):
        if escalated.get(level.value):
            lines.append(f"Escalated, not yet acknowledged, now with {level.label.lower()}: {escalated[level.value]}")
    start = clock.local_wall_time(day - dt.timedelta(days=1), dt.time(0))
    end = clock.local_wall_time(day, dt.time(0))
    outcomes = Counter(
        scoped.filter(status=AlertStatus.RESOLVED, resolved_at__gte=start, resolved_at__lt=end).values_list(
            "outcome", flat=True
        )
    )
    resolved = sum(outcomes.values())
    lines.append(f"Resolved yesterday: {resolved}." if resolved else "None resolved yesterday.")
    for outcome, n in sorted(outcomes.items(), key=lambda item: _label(Outcome, item[0])):
        lines.append(f"Resolved yesterday, {_label(Outcome, outcome).lower()}: {n}")
    return lines


def _label(vocabulary: Any, value: str) -> str:
    try:
        return str(vocabulary(value).label)
    except ValueError:
        return value
