"""The MAR chart pages: a person's month as an accessible HTML table, and as an A4-landscape PDF."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path, reverse
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.medication.pdf import render_mar_pdf
from carebook.medication.selectors.mar import mar_chart, parse_month
from carebook.people.access import access_person_for_user
from carebook.people.models import Person


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


def pdf_filename(person: Person, month: dt.date) -> str:
    """MAR-<surname>-<YYYY-MM>.pdf, the surname reduced to plain ASCII letters, digits and hyphens."""
    ascii_name = unicodedata.normalize("NFKD", person.family_name).encode("ascii", "ignore").decode()
    surname = re.sub(r"[^A-Za-z0-9]+", "-", ascii_name).strip("-") or "person"
    return f"MAR-{surname}-{month:%Y-%m}.pdf"


@login_required
@require_GET
def mar_pdf(request: AuthenticatedRequest, person_id: str) -> HttpResponse:
    """The same chart as a PDF, A4 landscape, ready to print. A bad ?month= is a 422 page."""
    person = access_person_for_user(request.user, person_id, Action.VIEW_MAR)
    month = parse_month(request.GET.get("month", ""))  # ValidationFailed → the 422 page (middleware)
    chart = mar_chart(person, month)
    response = HttpResponse(render_mar_pdf(chart), content_type="application/pdf")
    response["Content-Disposition"] = content_disposition_header(True, pdf_filename(person, month)) or ""
    response["Cache-Control"] = "private, no-store"
    return response


urlpatterns: list[URLPattern] = [
    path("people/<str:person_id>/mar/", mar_page, name="mar"),
    path("people/<str:person_id>/mar.pdf", mar_pdf, name="mar_pdf"),
]
