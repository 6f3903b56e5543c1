""" "Audits completed on time", registered in the governance figures (``reports.figures.register``): the dashboard,
the API, the CSV, docs/figures.md and the audits' own evidence read it from this one function.

The slots come from ``selectors.slot_rows`` (the same rows as the audits pages and the home panel), so the figure
and the list an inspector opens cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict

from django.urls import reverse

from carebook.audits import rules as audit_rules
from carebook.audits.selectors import SlotRow, slot_rows
from carebook.audits.vocab import SlotState
from carebook.core.clock import local_wall_time, to_local
from carebook.organisations.models import Location
from carebook.reports import rules
from carebook.reports.figures import MAX_ROWS, Figure, Locations, RecordRow, register
from carebook.reports.rules import FigureDefinition, FigureValue, Period, Unit

AUDITS_ON_TIME = FigureDefinition(
    key="audits_on_time",
    name="Audits completed on time",
    counts=(
        "Of the governance audits falling due in the period (by their due day: the day after a daily audit's day, "
        "three days after a weekly audit's week, seven after a monthly review's month, or as the template says) "
        "that are signed or past their due day, the share signed by the end of their due day (the home's date)."
    ),
    excluded=(
        "Audits whose due day has not passed and that are not signed yet; periods before a template's first; "
        "addenda (an audit counts by when it was signed)."
    ),
    unit=Unit.PERCENT,
    higher_is_better=True,
)


def _rows(locations: Locations, p: Period, as_of: dt.datetime) -> list[SlotRow]:
    places = list(Location.objects.filter(pk__in=list(locations)).order_by("name"))
    rows = slot_rows(places, today=to_local(as_of).date(), first=p.start, last=p.last_day, by_due_day=True)
    return [r for r in rows if audit_rules.counts_in_figure(r.state)]


def audits_on_time(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    per_day: dict[dt.date, list[int]] = defaultdict(lambda: [0, 0])
    for row in _rows(locations, p, as_of):
        per_day[row.slot.due_on][0] += row.state == SlotState.DONE_ON_TIME
        per_day[row.slot.due_on][1] += 1
    days = [(day, on_time, due) for day, (on_time, due) in per_day.items()]
    numerator, denominator = sum(d[1] for d in days), sum(d[2] for d in days)
    return FigureValue(rules.rate(numerator, denominator), numerator, denominator, weeks=rules.rates_by_week(p, days))


def audits_on_time_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return [
        RecordRow(
            when=row.audit.signed_at
            if row.audit and row.audit.signed_at
            else local_wall_time(row.slot.due_on, dt.time(23, 59)),
            person=row.location.name,
            what=f"{row.title}, {row.period_label} (due {row.slot.due_on:%-d %b})",
            counted=row.state.label,
            url=(
                reverse("audits:audit", args=[row.audit.pk])
                if row.audit
                else reverse("audits:location", args=[row.location.pk])
            ),
        )
        for row in _rows(locations, p, as_of)[:MAX_ROWS]
    ]


register(Figure(AUDITS_ON_TIME, audits_on_time, audits_on_time_records))
