"""The safety-prompt compliance page of a location (ADR 0030): the figures for a chosen period by member of staff,
unit and week, with each figure's definition beside them, and the dose records without their full prompts.

The figures are ``reports.compliance.prompt_compliance``, the function the API calls.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.core.ids import parse_uuid
from carebook.medication.rules.compliance import DEFINITIONS, check_period
from carebook.people.access import access_location_for_user
from carebook.reports.compliance import prompt_compliance, records_without_full_prompts

DEFAULT_DAYS = 28
LABELS = {
    "shown": "Prompts shown",
    "confirmed": "Confirmed",
    "failed": "Failed",
    "skipped": "Skipped",
    "unanswered": "Unanswered",
    "abandoned": "Walks not saved",
    "without_full_prompts": "Doses without full prompts",
    "rate": "Compliance rate",
}


def _day(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@never_cache
@require_GET
def location_compliance(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    location = access_location_for_user(request.user, location_id)
    require(request.user, Action.VIEW_COMPLIANCE)
    today = clock.today()
    raw_from = request.GET.get("from", "")
    raw_to = request.GET.get("to", "")
    start = _day(raw_from) if raw_from else today - dt.timedelta(days=DEFAULT_DAYS - 1)
    last = _day(raw_to) if raw_to else today
    errors: list[tuple[str, str]] = []
    if raw_from and start is None:
        errors.append(("from", "Enter the first day as a date."))
    if raw_to and last is None:
        errors.append(("to", "Enter the last day as a date."))
    context: dict[str, Any] = {
        "location": location,
        "from_value": raw_from or (start.isoformat() if start else ""),
        "to_value": raw_to or (last.isoformat() if last else ""),
        "definitions": [(LABELS[k], DEFINITIONS[k]) for k in LABELS],
        "labels": LABELS,
    }
    if not errors and start is not None and last is not None:
        try:
            start, end = check_period(start, last + dt.timedelta(days=1))  # the page asks for the last day
        except ValidationFailed as error:
            errors.append(("to", error.message))
        else:
            unit_id = parse_uuid(request.GET.get("unit", ""))
            staff = request.GET.get("staff", "")
            staff_id = int(staff) if staff.isdigit() else None
            kwargs: dict[str, Any] = {"location_id": location.pk, "start": start, "end": end}
            context.update(
                reports=[
                    ("Member of staff", "staff", prompt_compliance(**kwargs, group_by="staff")),
                    ("Unit", "unit", prompt_compliance(**kwargs, group_by="unit")),
                    ("Week", "week", prompt_compliance(**kwargs, group_by="week")),
                ],
                behind=records_without_full_prompts(**kwargs, unit_id=unit_id, staff_id=staff_id),
                filtered=unit_id is not None or staff_id is not None,
                start=start,
                last=end - dt.timedelta(days=1),
            )
    context["errors"] = errors
    return render(request, "reports/compliance.html", context, status=422 if errors else 200)


urlpatterns: list[URLPattern] = [
    path("compliance/locations/<str:location_id>/", location_compliance, name="location_compliance"),
]
