"""Reads of alerts, each a fixed number of queries whatever the number of alerts: one definition for the
dashboard page, the API and (later) the reports.

"Needs attention" = open or acknowledged, not carried on by a more serious alert (``superseded_by``), and not
cleared by itself. Cleared alerts stay listed (in their own list) until someone resolves them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, IntegerField, Q, QuerySet, Value, When

from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.alerts.models import Alert, AlertAction, AlertRecord
from carebook.alerts.vocab import OPEN_STATUSES, SEVERITY_RANK, STAFF_KINDS, AlertKind

NEEDS_ATTENTION = Q(status__in=list(OPEN_STATUSES), superseded_by__isnull=True, cleared_at__isnull=True)
CLEARED_TO_REVIEW = Q(status__in=list(OPEN_STATUSES), superseded_by__isnull=True, cleared_at__isnull=False)

_RANK = Case(
    *(When(severity=severity, then=Value(rank)) for severity, rank in SEVERITY_RANK.items()),
    default=Value(9),
    output_field=IntegerField(),
)


def alerts_in_scope(user: User, *, location_id: Any = None) -> QuerySet[Alert]:
    """Every alert of the user's locations (or of one of them), most severe first, then oldest first."""
    require(user, Action.VIEW_ALERTS)
    rows = Alert.objects.filter(scope_for(user).q("location"))
    if not can(user, Action.VIEW_COMPLIANCE):  # an alert about a member of staff is their supervisors' (ADR 0030)
        rows = rows.exclude(kind__in=list(STAFF_KINDS))
    if location_id is not None:
        rows = rows.filter(location_id=location_id)
    return (
        rows.select_related("person", "location", "prescription__medicine", "acknowledged_by", "resolved_by")
        .annotate(cb_rank=_RANK)
        .order_by("cb_rank", "raised_at")
    )


@dataclass
class Dashboard:
    needs_attention: list[Alert]
    cleared: list[Alert]
    counts: dict[str, int] = field(default_factory=dict)  # kind -> alerts needing attention

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    def count_rows(self) -> list[tuple[str, str, int]]:
        """(kind, label, count) for every kind, in the vocabulary's order."""
        return [(kind.value, kind.label, self.counts.get(kind.value, 0)) for kind in AlertKind]


def needs_attention_counts(rows: QuerySet[Alert]) -> dict[str, int]:
    """The alerts needing attention, per kind (one query): the one definition behind the dashboard and the API."""
    counts = rows.filter(NEEDS_ATTENTION).order_by().values_list("kind").annotate(n=Count("pk"))
    return {str(kind): int(n) for kind, n in counts}


def alerts_dashboard(user: User, *, location_id: Any = None, limit: int = 200) -> Dashboard:
    """The open alerts of the user's locations, most severe and oldest first; counts per kind: three queries."""
    rows = alerts_in_scope(user, location_id=location_id)
    return Dashboard(
        needs_attention=list(rows.filter(NEEDS_ATTENTION)[:limit]),
        cleared=list(rows.filter(CLEARED_TO_REVIEW).order_by("-cleared_at")[:limit]),
        counts=needs_attention_counts(rows),
    )


def alert_actions(alert: Alert) -> list[AlertAction]:
    """The steps taken on an alert, oldest first, with who took each: one query."""
    return list(
        AlertAction.objects.filter(alert=alert).select_related("by", "new_prescription__medicine").order_by("at")
    )


def alert_records(alert: Alert) -> list[AlertRecord]:
    """The records behind an alert (the refusals behind a repeated refusal...), oldest first: one query."""
    return list(
        AlertRecord.objects.filter(alert=alert)
        .select_related("administration__recorded_by", "due_dose", "allergy_decision__decided_by")
        .order_by("at", "pk")
    )
