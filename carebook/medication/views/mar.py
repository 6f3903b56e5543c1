"""The MAR chart pages: a person's month as an accessible HTML table, and as an A4-landscape PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.medication.pdf import mar_pdf_response
from carebook.medication.selectors.mar import chart_for
from carebook.people.access import access_person_for_user


@login_required
@require_GET
def mar_page(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The MAR chart for a month (?month=YYYY-MM) or a pharmacy cycle (?cycle=YYYY-MM-DD, any day of it); by default
    the location's current cycle where it keeps one (ADR 0039), else this month."""
    person = access_person_for_user(request.user, person_id, Action.VIEW_MAR)
    raw_month, raw_cycle = request.GET.get("month", ""), request.GET.get("cycle", "")
    has_cycle = person.location.mar_cycle_start is not None
    try:
        chart = chart_for(person, month=raw_month, cycle=raw_cycle)
    except ValidationFailed as error:
        this_month = clock.today().replace(day=1)
        context = {
            "person": person,
            "error": error.message,
            "month_value": raw_month[:20],
            "this_month": f"{this_month:%Y-%m}",
            "person_url": reverse("people:person", args=[person.pk]),
            "has_cycle": has_cycle,
        }
        return render(request, "medication/mar.html", context, status=422)
    current = chart_for(person).slug if has_cycle else f"{clock.today():%Y-%m}"
    context = {
        "person": person,
        "chart": chart,
        "month_value": f"{chart.month:%Y-%m}",
        "this_month": current,
        "person_url": reverse("people:person", args=[person.pk]),
        "day_count": len(chart.days),
        "has_cycle": has_cycle,
        "settings_url": reverse("medication:medicine_settings", args=[person.location_id])
        if can(request.user, Action.SET_MEDICINE_SETTINGS)
        else "",
    }
    return render(request, "medication/mar.html", context)


@login_required
@require_GET
def mar_pdf(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The same chart as a PDF, A4 landscape, ready to print. A bad ?month= or ?cycle= is a 422 page."""
    person = access_person_for_user(request.user, person_id, Action.VIEW_MAR)
    chart = chart_for(person, month=request.GET.get("month", ""), cycle=request.GET.get("cycle", ""))
    return mar_pdf_response(person, chart)  # ValidationFailed above → the 422 page (middleware)


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/mar/", mar_page, name="mar"),
    path("people/<str:person_id>/mar.pdf", mar_pdf, name="mar_pdf"),
]
