"""Safety-prompt compliance for a location and a period: the one function the page and the API call (ADR 0030).

Three aggregate queries whatever the number of people or records: the walks (prompts shown, walks abandoned),
the answers (confirmed, failed, skipped), and the records saved without their full prompts, each grouped by
member of staff, unit, week or month. The definitions are ``rules.compliance.DEFINITIONS``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth, TruncWeek

from carebook.core import clock
from carebook.medication.models import Administration, PromptAnswer, PromptResult, PromptShowing
from carebook.medication.rules.compliance import Figures

EFFECTIVE = Q(administration__isnull=True) | Q(administration__status=Administration.Status.COMPLETED)


@dataclass(frozen=True)
class ComplianceRow:
    key: str
    label: str
    figures: Figures


@dataclass(frozen=True)
class ComplianceReport:
    location_id: uuid.UUID
    start: dt.date
    end: dt.date  # the day after the period
    group_by: str
    rows: list[ComplianceRow] = field(default_factory=list)

    @property
    def total(self) -> Figures:
        total = Figures()
        for row in self.rows:
            total = total + row.figures
        return total


def showings_in(
    *,
    location_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    unit_id: uuid.UUID | None = None,
    staff_id: int | None = None,
) -> QuerySet[PromptShowing]:
    """The walks counted for [start, end) local dates at a location (a unit, a member of staff): entered in error
    excluded."""
    rows = PromptShowing.objects.filter(
        EFFECTIVE,
        location_id=location_id,
        shown_at__gte=clock.local_wall_time(start, dt.time(0)),
        shown_at__lt=clock.local_wall_time(end, dt.time(0)),
    )
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if staff_id is not None:
        rows = rows.filter(user_id=staff_id)
    return rows


def _group(group_by: str, prefix: str = "") -> tuple[dict[str, Any], Callable[[dict[str, Any]], tuple[str, str]]]:
    """The expressions a query groups by, and how a grouped row names its group (key, label)."""
    if group_by == "staff":
        return (
            {
                "g_id": F(f"{prefix}user_id"),
                "g_name": F(f"{prefix}user__full_name"),
                "g_login": F(f"{prefix}user__username"),
            },
            lambda r: (str(r["g_id"]), r["g_name"] or r["g_login"]),
        )
    if group_by == "unit":
        return (
            {"g_id": F(f"{prefix}unit_id"), "g_name": Coalesce(F(f"{prefix}unit__name"), Value("No unit"))},
            lambda r: (str(r["g_id"] or "none"), r["g_name"]),
        )
    trunc = {"week": TruncWeek, "month": TruncMonth, "day": TruncDate}[group_by]
    day = trunc(f"{prefix}shown_at", tzinfo=clock.LONDON)
    word = {"week": "Week of {:%-d %b %Y}", "month": "{:%B %Y}", "day": "{:%-d %b %Y}"}[group_by]
    return ({"g_id": day}, lambda r: (_day(r["g_id"]).isoformat(), word.format(_day(r["g_id"]))))


def _day(value: dt.date | dt.datetime) -> dt.date:
    return clock.to_local(value).date() if isinstance(value, dt.datetime) else value


def prompt_compliance(
    *,
    location_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    group_by: str = "staff",
    unit_id: uuid.UUID | None = None,
    staff_id: int | None = None,
) -> ComplianceReport:
    """Prompts shown, confirmed, failed, skipped, unanswered; walks abandoned; records without their full prompts;
    the rate; for [start, end) of local dates, grouped by ``group_by`` (staff, unit, week, month; or day, for the
    governance figure of carebook.reports). Three queries."""
    walks = showings_in(location_id=location_id, start=start, end=end, unit_id=unit_id, staff_id=staff_id)
    exprs, name = _group(group_by)
    keys = list(exprs)
    counts: dict[tuple[str, str], dict[str, int]] = {}

    def add(rows: Any) -> None:
        for r in rows:
            slot = counts.setdefault(name(r), {})
            for k, v in r.items():
                if k not in keys:
                    slot[k] = slot.get(k, 0) + (v or 0)

    add(
        walks.annotate(**exprs)
        .values(*keys)
        .annotate(
            walks=Count("pk"),
            shown=Sum("prompt_count"),
            abandoned=Count("pk", filter=Q(administration__isnull=True)),
        )
        .order_by()
    )
    answer_exprs, _ = _group(group_by, prefix="administration__showing__")
    add(
        PromptAnswer.objects.filter(administration__showing__in=walks.values("pk"))
        .annotate(**answer_exprs)
        .values(*keys)
        .annotate(
            confirmed=Count("pk", filter=Q(result=PromptResult.CONFIRMED)),
            failed=Count("pk", filter=Q(result=PromptResult.FAILED)),
            skipped=Count("pk", filter=Q(result=PromptResult.SKIPPED)),
        )
        .order_by()
    )
    add(
        without_full_prompts(walks)
        .annotate(**exprs)
        .values(*keys)
        .annotate(without_full_prompts=Count("pk"))
        .order_by()
    )
    rows = [ComplianceRow(key=key, label=label, figures=Figures(**c)) for (key, label), c in counts.items()]
    rows.sort(key=lambda r: r.key if group_by in ("week", "month") else r.label.lower())
    return ComplianceReport(location_id=location_id, start=start, end=end, group_by=group_by, rows=rows)


def without_full_prompts(walks: QuerySet[PromptShowing]) -> QuerySet[PromptShowing]:
    """``DEFINITIONS["without_full_prompts"]``: the walks saved as a record with fewer prompts confirmed than
    shown, and none failed."""
    answers = PromptAnswer.objects.filter(administration=OuterRef("administration"))
    confirmed = (
        answers.filter(result=PromptResult.CONFIRMED)
        .order_by()
        .values("administration")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        walks.filter(administration__isnull=False)
        .alias(n_confirmed=Coalesce(Subquery(confirmed, output_field=IntegerField()), 0))
        .filter(~Exists(answers.filter(result=PromptResult.FAILED)), n_confirmed__lt=F("prompt_count"))
    )


def records_without_full_prompts(
    *,
    location_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    unit_id: uuid.UUID | None = None,
    staff_id: int | None = None,
    limit: int = 200,
) -> list[PromptShowing]:
    """The records behind the figure, newest first (the page lists them; at most ``limit``)."""
    walks = showings_in(location_id=location_id, start=start, end=end, unit_id=unit_id, staff_id=staff_id)
    return list(
        without_full_prompts(walks)
        .select_related("user", "person", "prescription__medicine", "administration")
        .order_by("-shown_at")[:limit]
    )
