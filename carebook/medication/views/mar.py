"""The MAR chart pages: a person's month as an accessible HTML table, and as an A4-landscape PDF."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.medication.pdf import mar_pdf_response
from carebook.medication.selectors.mar import mar_chart, parse_month
from carebook.people.access import access_person_for_user


@login_required
@require_GET
def mar_page(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The MAR chart for one month (?month=YYYY-MM, default this month)."""
    person = access_person_for_user(request.user, person_id, Action.VIEW_MAR)
    raw_month = request.GET.get("month", "")
    try:
        month = parse_month(raw_month)
    except ValidationFailed as error:
        this_month = clock.today().replace(day=1)
        context = {
            "person": person,
            "error": error.message,
            "month_value": raw_month[:20],
            "this_month": f"{this_month:%Y-%m}",
            "person_url": reverse("people:person", args=[person.pk]),
        }
        return render(request, "medication/mar.html", context, status=422)
    chart = mar_chart(person, month)
    context = {
        "person": person,
        "chart": chart,
        "month_value": chart.slug,
        "this_month": f"{clock.today():%Y-%m}",
        "person_url": reverse("people:person", args=[person.pk]),
        "day_count": len(chart.days),
    }
    return render(request, "medication/mar.html", context)


@login_required
@require_GET
def mar_pdf(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The same chart as a PDF, A4 landscape, ready to print. A bad ?month= is a 422 page."""
    person = access_person_for_user(request.user, person_id, Action.VIEW_MAR)
    month = parse_month(request.GET.get("month", ""))  # ValidationFailed → the 422 page (middleware)
    return mar_pdf_response(person, mar_chart(person, month))


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/mar/", mar_page, name="mar"),
    path("people/<str:person_id>/mar.pdf", mar_pdf, name="mar_pdf"),
]
