"""The governance figures other apps compute, put on the dashboard, the API, the CSV and docs/figures.md through the
figures' registry (``figures.register``): the function stays where its rule lives, this module only adapts it.

- **Prompt compliance**: ``reports.compliance.prompt_counts`` (ADR 0030, 0033), the counts by day summed over the
  locations (from the daily rollups where built).
"""

from __future__ import annotations

import datetime as dt

from django.urls import reverse

from carebook.core.clock import to_local
from carebook.medication.rules.compliance import DEFINITIONS, Figures
from carebook.reports import rules
from carebook.reports.compliance import prompt_counts, records_without_full_prompts
from carebook.reports.figures import MAX_ROWS, Figure, Locations, RecordRow, register
from carebook.reports.rules import FigureDefinition, FigureValue, Period, Unit

PROMPT_COMPLIANCE = FigureDefinition(
    key="prompt_compliance",
    name="Safety-prompt compliance",
    counts=f"{DEFINITIONS['rate']} {DEFINITIONS['shown']} The records behind it: {DEFINITIONS['without_full_prompts']}",
    excluded="Walks whose record was later marked entered in error.",
    unit=Unit.PERCENT,
    higher_is_better=True,
)


def prompt_compliance_rate(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    per_day: dict[dt.date, Figures] = {}
    for (_location, day, _unit, _user), figures in prompt_counts(locations, p.start, p.end).items():
        per_day[day] = per_day.get(day, Figures()) + figures
    total = sum(per_day.values(), Figures())
    days = [(day, f.confirmed, f.shown) for day, f in per_day.items()]
    return FigureValue(
        rules.rate(total.confirmed, total.shown), total.confirmed, total.shown, weeks=rules.rates_by_week(p, days)
    )


def prompt_compliance_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    rows = []
    for location_id in locations:
        rows += records_without_full_prompts(location_id=location_id, start=p.start, end=p.end, limit=MAX_ROWS)
    rows.sort(key=lambda w: w.shown_at)
    return [
        RecordRow(
            when=w.shown_at,
            person=w.person.full_name,
            what=f"{w.prescription.medicine}, recorded by {w.user.display_name}",
            counted=f"Without its full prompts ({w.prompt_count} shown)",
            url=reverse("medication:mar", args=[w.person_id]) + f"?month={to_local(w.shown_at):%Y-%m}",
        )
        for w in rows[:MAX_ROWS]
    ]


register(Figure(PROMPT_COMPLIANCE, prompt_compliance_rate, prompt_compliance_records))
