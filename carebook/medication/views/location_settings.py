"""A location's medicine settings: how it keeps its MAR (ADR 0039). The registered manager's page."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.medication.services.location_settings import location_medicine_settings_set
from carebook.people.access import access_location_for_user


@login_required
@require_http_methods(["GET", "POST"])
def medicine_settings(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    require(request.user, Action.SET_MEDICINE_SETTINGS)
    location = access_location_for_user(request.user, location_id)
    values = {
        "keeps": "cycle" if location.mar_cycle_start else "month",
        "cycle_start": location.mar_cycle_start.isoformat() if location.mar_cycle_start else "",
        "cycle_days": str(location.mar_cycle_days),
    }
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        values = {k: request.POST.get(k, "").strip() for k in values}
        start = None
        days = None
        if values["keeps"] not in ("cycle", "month"):
            errors["keeps"] = "Choose how the MAR is kept."
        if values["keeps"] == "cycle":
            try:
                start = dt.date.fromisoformat(values["cycle_start"])
            except ValueError:
                errors["cycle_start"] = "Enter the first day of a cycle, for example 2026-11-19."
        if values["cycle_days"]:
            try:
                days = int(values["cycle_days"])
            except ValueError:
                errors["cycle_days"] = "Enter the number of days, for example 28."
        if not errors:
            try:
                location_medicine_settings_set(location=location, by=request.user, cycle_start=start, cycle_days=days)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as error:
                errors[error.field or "keeps"] = error.message
            else:
                how = f"on a {days or 28}-day cycle from {start:%-d %B %Y}" if start else "by calendar month"
                messages.success(request, f"{location.name} now keeps its MAR {how}.")
                return redirect("medication:medicine_settings", location_id=location.pk)
        status = 422
    anchors = {"keeps": "keeps-cycle"}
    context = {
        "location": location,
        "values": values,
        "errors": errors,
        "error_list": [(f"#{anchors.get(k, k)}", v) for k, v in errors.items()],
    }
    return render(request, "medication/medicine_settings.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("locations/<str:location_id>/medicine-settings/", medicine_settings, name="medicine_settings"),
]
