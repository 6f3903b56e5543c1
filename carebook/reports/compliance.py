"""Safety-prompt compliance for a location and a period: the one function the page, the API and the governance
figure call (ADR 0030, 0033).

The counts are kept per location, local date, unit and member of staff: a day whose rollup is built (and has no
change waiting) is read from ``DailyPromptRollup``; every other day is read from the walks and their answers by
``raw_prompt_counts``, the same three aggregate queries the job builds the rollups with, so the two cannot
disagree (a property test says so). Grouped afterwards by member of staff, unit, day, week or month. The
definitions are ``medication.rules.compliance.DEFINITIONS``.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from typing import Any

from django.db.models import Count, Exists, F, IntegerField, OuterRef, Q, QuerySet, Subquery, Sum
from django.db.models.functions import Coalesce, TruncDate

from carebook.access.models import User
from carebook.core import clock
from carebook.medication.models import PromptAnswer, PromptResult, PromptShowing
from carebook.medication.rules.compliance import Figures
from carebook.medication.vocab import STANDING_STATUSES
from carebook.organisations.models import Unit
from carebook.reports.models import DailyDoseRollup, DailyPromptRollup, waiting_change
from carebook.reports.rules import DAY, date_runs

# The walks that count: not saved, or saved with a record that stands (the dose's outcome, or a refusal waiting to
# be offered again, ADR 0034); a record entered in error takes its walk out.
EFFECTIVE = Q(administration__isnull=True) | Q(administration__status__in=STANDING_STATUSES)
FIGURE_FIELDS = tuple(f.name for f in fields(Figures))
GROUPINGS = ("staff", "unit", "week", "month", "day")

# (location, local date, unit, member of staff): the finest grain the counts are kept at.
Grain = tuple[Any, dt.date, Any, Any]


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
    return _walks({location_id: [start + DAY * n for n in range((end - start).days)]}, unit_id, staff_id)


def _walks(
    wanted: Mapping[Any, Iterable[dt.date]], unit_id: Any = None, staff_id: Any = None
) -> QuerySet[PromptShowing]:
    """The effective walks shown on these local dates at these locations."""
    days = Q(pk__in=[])
    for location_id, dates in wanted.items():
        for p in date_runs(dates):
            days |= Q(location_id=location_id, shown_at__gte=p.starts_at, shown_at__lt=p.ends_at)
    rows = PromptShowing.objects.filter(EFFECTIVE).filter(days)
    if unit_id is not None:
        rows = rows.filter(unit_id=unit_id)
    if staff_id is not None:
        rows = rows.filter(user_id=staff_id)
    return rows


def _grain(prefix: str = "") -> dict[str, Any]:
    return {
        "g_location": F(f"{prefix}location_id"),
        "g_day": TruncDate(f"{prefix}shown_at", tzinfo=clock.LONDON),
        "g_unit": F(f"{prefix}unit_id"),
        "g_user": F(f"{prefix}user_id"),
    }


def raw_prompt_counts(
    wanted: Mapping[Any, Iterable[dt.date]], *, unit_id: Any = None, staff_id: Any = None
) -> dict[Grain, Figures]:
    """The counts of these (location, local dates), read from the walks and their answers, by location, date,
    unit and member of staff: three aggregate queries whatever their number (none when nothing is wanted)."""
    wanted = {loc: list(dates) for loc, dates in wanted.items() if dates}
    counts: dict[Grain, dict[str, int]] = defaultdict(dict)
    if not wanted:
        return {}
    walks = _walks(wanted, unit_id, staff_id)

    def add(rows: Any) -> None:
        for r in rows:
            slot = counts[(r.pop("g_location"), r.pop("g_day"), r.pop("g_unit"), r.pop("g_user"))]
            for k, v in r.items():
                slot[k] = slot.get(k, 0) + (v or 0)

    grain = _grain()
    add(
        walks.annotate(**grain)
        .values(*grain)
        .annotate(
            walks=Count("pk"),
            shown=Sum("prompt_count"),
            abandoned=Count("pk", filter=Q(administration__isnull=True)),
        )
        .order_by()
    )
    answer_grain = _grain("administration__showing__")
    add(
        PromptAnswer.objects.filter(administration__showing__in=walks.values("pk"))
        .annotate(**answer_grain)
        .values(*answer_grain)
        .annotate(
            confirmed=Count("pk", filter=Q(result=PromptResult.CONFIRMED)),
            failed=Count("pk", filter=Q(result=PromptResult.FAILED)),
            skipped=Count("pk", filter=Q(result=PromptResult.SKIPPED)),
        )
        .order_by()
    )
    add(
        without_full_prompts(walks)
        .annotate(**grain)
        .values(*grain)
        .annotate(without_full_prompts=Count("pk"))
        .order_by()
    )
    return {key: Figures(**c) for key, c in counts.items()}


def prompt_counts(
    location_ids: Iterable[Any],
    start: dt.date,
    end: dt.date,
    *,
    unit_id: Any = None,
    staff_id: Any = None,
    use_rollups: bool = True,
) -> dict[Grain, Figures]:
    """The counts of [start, end) at these locations, by location, local date, unit and member of staff: the
    built days from their rollups, the rest from the records."""
    ids = list(location_ids)
    days = [start + DAY * n for n in range((end - start).days)]
    found: dict[Grain, Figures] = {}
    held: set[tuple[Any, dt.date]] = set()
    if use_rollups and ids and days:
        held = set(
            DailyDoseRollup.objects.filter(location_id__in=ids, local_date__gte=start, local_date__lt=end)
            .exclude(waiting_change())
            .values_list("location_id", "local_date")
        )
    if held:
        rows = DailyPromptRollup.objects.filter(location_id__in=ids, local_date__gte=start, local_date__lt=end)
        if unit_id is not None:
            rows = rows.filter(unit_id=unit_id)
        if staff_id is not None:
            rows = rows.filter(user_id=staff_id)
        for r in rows.values("location_id", "local_date", "unit_id", "user_id", *FIGURE_FIELDS):
            if (r["location_id"], r["local_date"]) in held:
                key = (r["location_id"], r["local_date"], r["unit_id"], r["user_id"])
                found[key] = Figures(**{name: r[name] for name in FIGURE_FIELDS})
    wanted = {loc: [d for d in days if (loc, d) not in held] for loc in ids}
    found.update(raw_prompt_counts(wanted, unit_id=unit_id, staff_id=staff_id))
    return found


def _group_key(group_by: str, grain: Grain) -> Any:
    _location, day, unit, user = grain
    if group_by == "staff":
        return user
    if group_by == "unit":
        return unit
    if group_by == "week":
        return day - DAY * day.weekday()
    if group_by == "month":
        return day.replace(day=1)
    return day


def _labels(group_by: str, keys: Iterable[Any]) -> dict[Any, tuple[str, str]]:
    """Each group's (key, label): a member of staff's name, a unit's, a day's, a week's or a month's."""
    keys = list(keys)
    if group_by == "staff":
        users = User.objects.filter(pk__in=keys).values_list("pk", "full_name", "username")
        return {pk: (str(pk), name or login) for pk, name, login in users}
    if group_by == "unit":
        names = dict(Unit.objects.filter(pk__in=[k for k in keys if k is not None]).values_list("pk", "name"))
        return {k: (str(k) if k is not None else "none", names.get(k, "No unit")) for k in keys}
    word = {"week": "Week of {:%-d %b %Y}", "month": "{:%B %Y}", "day": "{:%-d %b %Y}"}[group_by]
    return {k: (k.isoformat(), word.format(k)) for k in keys}


def prompt_compliance(
    *,
    location_id: uuid.UUID,
    start: dt.date,
    end: dt.date,
    group_by: str = "staff",
    unit_id: uuid.UUID | None = None,
    staff_id: int | None = None,
    use_rollups: bool = True,
) -> ComplianceReport:
    """Prompts shown, confirmed, failed, skipped, unanswered; walks abandoned; records without their full prompts;
    the rate; for [start, end) of local dates, grouped by ``group_by`` (staff, unit, week, month; or day, for the
    governance figure). At most six queries whatever the number of people, records or days."""
    grouped: dict[Any, Figures] = defaultdict(Figures)
    for grain, figures in prompt_counts(
        [location_id], start, end, unit_id=unit_id, staff_id=staff_id, use_rollups=use_rollups
    ).items():
        key = _group_key(group_by, grain)
        grouped[key] = grouped[key] + figures
    labels = _labels(group_by, grouped)
    rows = [ComplianceRow(key=labels[k][0], label=labels[k][1], figures=f) for k, f in grouped.items()]
    rows.sort(key=lambda r: r.label.lower() if group_by in ("staff", "unit") else r.key)
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
