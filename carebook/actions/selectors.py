"""Reads of corrective actions: a source's actions, and the overdue ones of a scope (the same rule as
``rules.is_overdue``, in SQL: open, and its due day is over)."""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable

from django.db.models import Q, QuerySet

from carebook.access.scopes import Scope
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind


def overdue_q(today: dt.date) -> Q:
    """``rules.is_overdue`` as a filter: not completed, and due before today."""
    return Q(completed_at__isnull=True, due_on__lt=today)


def actions_for(source_kind: SourceKind | str, source_ids: Iterable[uuid.UUID]) -> QuerySet[CorrectiveAction]:
    return (
        CorrectiveAction.objects.filter(source_kind=source_kind, source_id__in=list(source_ids))
        .select_related("owner", "added_by", "completed_by")
        .order_by("due_on", "added_at")
    )


def actions_overdue(scope: Scope, today: dt.date) -> QuerySet[CorrectiveAction]:
    """The overdue actions of the locations in scope, the longest overdue first."""
    return (
        CorrectiveAction.objects.filter(scope.q("location"), overdue_q(today))
        .select_related("owner")
        .order_by("due_on", "added_at")
    )
