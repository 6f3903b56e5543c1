"""The governance figures of a set of locations for the chosen, previous and baseline periods: every figure of the
registry (``figures.FIGURES``) computed by its one function, with its direction against the other two periods.

The dashboard, the API and the CSV all read here (``report``) and lay it out (``as_rows``, ``as_dict``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.organisations.models import Location
from carebook.people.access import access_location_for_user
from carebook.reports import rules
from carebook.reports.figures import FIGURES, Figure, RecordRow
from carebook.reports.rules import Direction, FigureDefinition, FigureValue, Periods


@dataclass(frozen=True)
class FigureReport:
    definition: FigureDefinition
    chosen: FigureValue
    previous: FigureValue
    baseline: FigureValue

    def _direction(self, other: FigureValue) -> Direction:
        return rules.direction(self.chosen.value, other.value, higher_is_better=self.definition.higher_is_better)

    @property
    def vs_previous(self) -> Direction:
        return self._direction(self.previous)

    @property
    def vs_baseline(self) -> Direction:
        return self._direction(self.baseline)


def locations_for_report(user: User, location_id: object | None) -> list[Location]:
    """The one location asked for (out of scope: 404), or every location the user may see; the role first (403)."""
    require(user, Action.VIEW_REPORTS)
    if location_id is not None:
        return [access_location_for_user(user, location_id)]
    return list(Location.objects.filter(scope_for(user).q("id")).order_by("name"))


def report(locations: Sequence[Location], periods: Periods, as_of: dt.datetime) -> list[FigureReport]:
    ids = [location.pk for location in locations]
    return [
        FigureReport(
            figure.definition,
            figure.compute(ids, periods.chosen, as_of),
            figure.compute(ids, periods.previous, as_of),
            figure.compute(ids, periods.baseline, as_of),
        )
        for figure in FIGURES.values()
    ]


def figure_records(
    figure: Figure, locations: Sequence[Location], periods: Periods, as_of: dt.datetime
) -> list[RecordRow]:
    return figure.records([location.pk for location in locations], periods.chosen, as_of)


def _value(v: FigureValue) -> dict[str, Any]:
    return {
        "value": v.value,
        "numerator": v.numerator,
        "denominator": v.denominator,
        "parts": v.parts,
        "weeks": [
            {"start": w.start.isoformat(), "value": w.value, "numerator": w.numerator, "denominator": w.denominator}
            for w in v.weeks
        ],
    }


def _period(p: rules.Period) -> dict[str, str]:
    return {"from": p.start.isoformat(), "to": p.last_day.isoformat()}


def as_dict(reports: Sequence[FigureReport], periods: Periods, locations: Sequence[Location]) -> dict[str, Any]:
    """The figures as the API answers them."""
    return {
        "locations": [{"id": str(location.pk), "name": location.name} for location in locations],
        "period": _period(periods.chosen),
        "previous_period": _period(periods.previous),
        "baseline_period": _period(periods.baseline),
        "figures": [
            {
                "key": r.definition.key,
                "name": r.definition.name,
                "counts": r.definition.counts,
                "excluded": r.definition.excluded,
                "unit": r.definition.unit.value,
                "higher_is_better": r.definition.higher_is_better,
                "chosen": _value(r.chosen),
                "previous": _value(r.previous),
                "baseline": _value(r.baseline),
                "vs_previous": r.vs_previous.value,
                "vs_baseline": r.vs_baseline.value,
            }
            for r in reports
        ],
    }


CSV_HEADER = [
    "figure",
    "name",
    "unit",
    "higher_is_better",
    "from",
    "to",
    "value",
    "numerator",
    "denominator",
    "previous_value",
    "baseline_value",
    "vs_previous",
    "vs_baseline",
    "counts",
    "excluded",
]


def _cell(value: float | int | None) -> str:
    return "" if value is None else f"{value:g}"


def as_rows(reports: Sequence[FigureReport], periods: Periods) -> list[list[str]]:
    """The figures as the CSV lists them: one row per figure, then one per part (by type, by harm)."""
    rows = [CSV_HEADER]
    p = periods.chosen
    for r in reports:
        d = r.definition
        rows.append(
            [
                d.key,
                d.name,
                d.unit.value,
                "yes" if d.higher_is_better else "no",
                p.start.isoformat(),
                p.last_day.isoformat(),
                _cell(r.chosen.value),
                _cell(r.chosen.numerator),
                _cell(r.chosen.denominator),
                _cell(r.previous.value),
                _cell(r.baseline.value),
                r.vs_previous.value,
                r.vs_baseline.value,
                d.counts,
                d.excluded,
            ]
        )
        for group, parts in r.chosen.parts.items():
            for name, count in parts.items():
                previous = r.previous.parts.get(group, {}).get(name)
                baseline = r.baseline.parts.get(group, {}).get(name)
                rows.append(
                    [
                        f"{d.key}.{group}.{name}",
                        f"{d.name}, {name}",
                        d.unit.value,
                        "no",
                        p.start.isoformat(),
                        p.last_day.isoformat(),
                        _cell(count),
                        "",
                        "",
                        _cell(previous),
                        _cell(baseline),
                        "",
                        "",
                        "",
                        "",
                    ]
                )
    return rows
