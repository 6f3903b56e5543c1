"""The governance dashboard (one location, or every location the user may see), the records behind each figure,
and the figures as CSV. Thin adapters: the role (403) and the scope (404) through ``locations_for_report``, the
periods from the query string (a bad date: the form's error, 422), the figures from ``selectors.report``."""

from __future__ import annotations

import csv
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.organisations.models import Location
from carebook.reports import rules
from carebook.reports.chart import trend_svg
from carebook.reports.figures import FIGURES, MAX_ROWS, PART_LABELS
from carebook.reports.rules import show
from carebook.reports.selectors import as_rows, figure_records, locations_for_report, report

PARAMS = ("from", "to", "baseline_from", "baseline_to")
FIELD_IDS = {name: f"period-{name.replace('_', '-')}" for name in PARAMS}


def _asked(request: AuthenticatedRequest) -> dict[str, str]:
    return {name: request.GET.get(name, "").strip() for name in PARAMS}


def _periods(asked: dict[str, str]) -> rules.Periods:
    return rules.periods_from(
        today=clock.today(),
        start=asked["from"],
        last_day=asked["to"],
        baseline_start=asked["baseline_from"],
        baseline_last_day=asked["baseline_to"],
    )


def _query(asked: dict[str, str]) -> str:
    given = {k: v for k, v in asked.items() if v}
    return f"?{urlencode(given)}" if given else ""


def _of(v: rules.FigureValue | rules.WeekValue) -> str:
    if v.numerator is not None and v.denominator is not None:
        return f"{v.numerator} of {v.denominator}"
    if v.denominator is not None:
        return f"of {v.denominator}"
    return ""


def _urls(location: Location | None) -> dict[str, str]:
    if location is None:
        return {"dashboard": reverse("reports:provider"), "csv": reverse("reports:provider_csv")}
    return {
        "dashboard": reverse("reports:location", args=[location.pk]),
        "csv": reverse("reports:location_csv", args=[location.pk]),
    }


def _figure_url(location: Location | None, key: str) -> str:
    if location is None:
        return reverse("reports:provider_figure", args=[key])
    return reverse("reports:location_figure", args=[location.pk, key])


def _dashboard(request: AuthenticatedRequest, location_id: str | None) -> HttpResponse:
    locations = locations_for_report(request.user, location_id)
    location = locations[0] if location_id is not None else None
    asked = _asked(request)
    context: dict[str, Any] = {
        "location": location,
        "locations": locations,
        "asked": asked,
        "field_ids": FIELD_IDS,
        "urls": _urls(location),
        "query": _query(asked),
        # The evidence pack (carebook.evidence) of a location: its page, for those who may build one.
        "may_build_pack": can(request.user, Action.BUILD_EVIDENCE_PACK),
    }
    try:
        periods = _periods(asked)
    except ValidationFailed as error:
        field = error.field or "from"
        context.update(
            errors=[(FIELD_IDS.get(field, "maincontent"), error.message)], field_errors={field: error.message}
        )
        return render(request, "reports/dashboard.html", context, status=422)
    items = []
    for r in report(locations, periods, clock.now()):
        key = r.definition.key
        unit = r.definition.unit
        items.append(
            {
                "report": r,
                "values": [
                    ("This period", periods.chosen, show(r.chosen.value, unit), _of(r.chosen), ""),
                    ("Previous period", periods.previous, show(r.previous.value, unit), _of(r.previous), r.vs_previous),
                    ("Baseline", periods.baseline, show(r.baseline.value, unit), _of(r.baseline), r.vs_baseline),
                ],
                "parts": [
                    (
                        PART_LABELS.get(group, (group, {}))[0],
                        [(PART_LABELS.get(group, (group, {}))[1].get(k, k), n) for k, n in counts.items()],
                    )
                    for group, counts in r.chosen.parts.items()
                ],
                "weeks": [(w.start, show(w.value, unit), _of(w)) for w in r.chosen.weeks],
                "url": _figure_url(location, key) + context["query"],
                "chart": mark_safe(  # noqa: S308 (chart.trend_svg escapes every text it writes)
                    trend_svg(
                        chart_id=f"chart-{key}",
                        title=f"{r.definition.name}, week by week, {periods.chosen.label()}",
                        weeks=r.chosen.weeks,
                        unit=r.definition.unit,
                    )
                )
                if r.definition.main
                else "",
            }
        )
    context.update(periods=periods, items=items)
    return render(request, "reports/dashboard.html", context)


@login_required
@never_cache
@require_GET
def provider_dashboard(request: AuthenticatedRequest) -> HttpResponse:
    return _dashboard(request, None)


@login_required
@never_cache
@require_GET
def location_dashboard(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    return _dashboard(request, location_id)


def _figure(request: AuthenticatedRequest, location_id: str | None, key: str) -> HttpResponse:
    locations = locations_for_report(request.user, location_id)
    figure = FIGURES.get(key)
    if figure is None:
        raise Http404("No such figure.")
    location = locations[0] if location_id is not None else None
    asked = _asked(request)
    periods = _periods(asked)  # a bad date here came from a hand-made link: the 422 page
    rows = figure_records(figure, locations, periods, clock.now())
    return render(
        request,
        "reports/figure.html",
        {
            "figure": figure.definition,
            "location": location,
            "periods": periods,
            "rows": rows,
            "max_rows": MAX_ROWS,
            "back": _urls(location)["dashboard"] + _query(asked),
        },
    )


@login_required
@never_cache
@require_GET
def provider_figure(request: AuthenticatedRequest, key: str) -> HttpResponse:
    return _figure(request, None, key)


@login_required
@never_cache
@require_GET
def location_figure(request: AuthenticatedRequest, location_id: str, key: str) -> HttpResponse:
    return _figure(request, location_id, key)


def _csv(request: AuthenticatedRequest, location_id: str | None) -> HttpResponse:
    locations = locations_for_report(request.user, location_id)
    periods = _periods(_asked(request))
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    name = "provider" if location_id is None else f"location-{locations[0].pk}"
    response["Content-Disposition"] = (
        f'attachment; filename="figures-{name}-{periods.chosen.start}-{periods.chosen.last_day}.csv"'
    )
    writer = csv.writer(response)
    writer.writerows(as_rows(report(locations, periods, clock.now()), periods))
    return response


@login_required
@never_cache
@require_GET
def provider_csv(request: AuthenticatedRequest) -> HttpResponse:
    return _csv(request, None)


@login_required
@never_cache
@require_GET
def location_csv(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    return _csv(request, location_id)


urlpatterns: list[URLPattern] = [
    path("reports/", provider_dashboard, name="provider"),
    path("reports/figures.csv", provider_csv, name="provider_csv"),
    path("reports/figures/<str:key>/", provider_figure, name="provider_figure"),
    path("reports/locations/<str:location_id>/", location_dashboard, name="location"),
    path("reports/locations/<str:location_id>/figures.csv", location_csv, name="location_csv"),
    path("reports/locations/<str:location_id>/figures/<str:key>/", location_figure, name="location_figure"),
]
