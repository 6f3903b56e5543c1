"""The governance figures as JSON: ``GET /reports/kpis`` for one location (or every location the caller may see),
the chosen period beside the previous one and a baseline, each figure with its written definition.

The same functions as the dashboard and the CSV (``carebook.reports.selectors``). Bad dates, a period ending before
it starts or longer than a year: 422 with the field. Another provider's location: 404. A role without the action
(team leaders, coordinators and registered managers have it): 403."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from ninja import Query, Router

from carebook.access.api import READ_ERRORS, caller
from carebook.core import clock
from carebook.reports import rules
from carebook.reports.api.schemas import KpisOut
from carebook.reports.selectors import as_dict, locations_for_report, report

router = Router(tags=["reports"])

FROM = Query("", alias="from", description="The period's first day (YYYY-MM-DD, Europe/London).")
TO = Query("", alias="to", description="The period's last day, included (YYYY-MM-DD). Periods are at most 366 days.")


@router.get("/reports/kpis", response={200: KpisOut, **READ_ERRORS}, operation_id="reports_kpis")
def reports_kpis(
    request: HttpRequest,
    location: Query[str | None] = None,
    start: str = FROM,
    last_day: str = TO,
    baseline_from: Query[str] = "",
    baseline_to: Query[str] = "",
) -> dict[str, Any]:
    """The figures of a location (or of all the caller's locations) for the period ``from``..``to`` (both days
    included, Europe/London dates; default: the last 28 whole days), the previous period of the same length and a
    baseline (``baseline_from``..``baseline_to``; default: the period before the previous)."""
    user = caller(request)
    locations = locations_for_report(user, location)
    periods = rules.periods_from(
        today=clock.today(),
        start=start,
        last_day=last_day,
        baseline_start=baseline_from,
        baseline_last_day=baseline_to,
    )
    return as_dict(report(locations, periods, clock.now()), periods, locations)
