"""What an evidence pack holds, read from the records by the same functions the pages use: the figures
(``reports.selectors.report``, the dashboard's), the incidents with their corrective actions, the audits with their
findings and actions (``audits.selectors``), the alerts with their steps, and the MAR charts
(``medication.selectors.mar.mar_chart``). Plain data: the PDF and the CSVs are made from it (``render.py``)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from carebook.actions.models import CorrectiveAction
from carebook.actions.selectors import actions_for
from carebook.actions.vocab import SourceKind
from carebook.alerts.models import Alert, AlertAction
from carebook.audits.selectors import AuditView, SlotRow, audit_view, slot_rows
from carebook.core import clock
from carebook.incidents.models import Incident
from carebook.medication.selectors.mar import MarChart, add_months, mar_chart, month_start
from carebook.organisations.models import Location
from carebook.people.models import Person
from carebook.reports import rules
from carebook.reports.selectors import FigureReport, as_dict, report

Progress = Callable[[int, str], None]


@dataclass
class PackContent:
    location: Location
    periods: rules.Periods
    as_of: dt.datetime
    figures: list[FigureReport] = field(default_factory=list)
    figures_json: dict[str, Any] = field(default_factory=dict)
    incidents: list[tuple[Incident, list[CorrectiveAction]]] = field(default_factory=list)
    audits: list[tuple[SlotRow, AuditView | None]] = field(default_factory=list)
    alerts: list[tuple[Alert, list[AlertAction]]] = field(default_factory=list)
    charts: list[tuple[Person, MarChart]] = field(default_factory=list)

    @property
    def period(self) -> rules.Period:
        return self.periods.chosen


def _bounds(p: rules.Period) -> tuple[dt.datetime, dt.datetime]:
    return clock.local_wall_time(p.start, dt.time(0, 0)), clock.local_wall_time(p.end, dt.time(0, 0))


def months_of(p: rules.Period) -> list[dt.date]:
    """The calendar months a period touches (a MAR chart is a month)."""
    months, month = [], month_start(p.start)
    while month <= p.last_day:
        months.append(month)
        month = add_months(month, 1)
    return months


def collect(
    location: Location,
    period: rules.Period,
    people: Sequence[Person],
    *,
    as_of: dt.datetime,
    progress: Progress = lambda _n, _step: None,
) -> PackContent:
    periods = rules.periods_for(period)
    content = PackContent(location=location, periods=periods, as_of=as_of)
    start, end = _bounds(period)

    progress(5, "Working out the figures")
    content.figures = report([location], periods, as_of)
    content.figures_json = as_dict(content.figures, periods, [location])

    progress(25, "Reading the incidents")
    incidents = list(
        Incident.objects.filter(location=location, occurred_at__gte=start, occurred_at__lt=end)
        .select_related("person", "prescription__medicine", "reported_by", "signed_off_by")
        .order_by("occurred_at")
    )
    actions: dict[Any, list[CorrectiveAction]] = {}
    for a in actions_for(SourceKind.INCIDENT, [i.pk for i in incidents]).select_related("owner", "completed_by"):
        actions.setdefault(a.source_id, []).append(a)
    content.incidents = [(i, actions.get(i.pk, [])) for i in incidents]

    progress(35, "Reading the audits")
    rows = slot_rows([location], today=clock.to_local(as_of).date(), first=period.start, last=period.last_day)
    content.audits = [(row, audit_view(row.audit) if row.audit is not None else None) for row in rows]

    progress(45, "Reading the alerts")
    alerts = list(
        Alert.objects.filter(location=location, raised_at__gte=start, raised_at__lt=end)
        .select_related("person", "staff", "prescription__medicine", "acknowledged_by", "resolved_by")
        .order_by("raised_at")
    )
    steps: dict[Any, list[AlertAction]] = {}
    for s in AlertAction.objects.filter(alert__in=[a.pk for a in alerts]).select_related("by").order_by("at"):
        steps.setdefault(s.alert_id, []).append(s)
    content.alerts = [(a, steps.get(a.pk, [])) for a in alerts]

    wanted = [(person, month) for person in people for month in months_of(period)]
    for n, (person, month) in enumerate(wanted):
        progress(55 + (25 * n) // max(len(wanted), 1), f"The MAR chart of {person.full_name}, {month:%B %Y}")
        content.charts.append((person, mar_chart(person, month)))
    return content
