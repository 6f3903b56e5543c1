"""The anticoagulant clinic's dosing instructions: enter them (a senior), check them (a second person). ADR 0037.

Thin: parse the form, fetch through the access functions, call ``services.dosing``, render. The rules of a valid
instruction live in ``rules.dosing`` and reach the page as the service's refusal, beside its field.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action
from carebook.core import clock
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.medication.access import access_dosing_instruction_for_user, access_prescription_for_user
from carebook.medication.models import Prescription
from carebook.medication.selectors.dosing import dosing_panel
from carebook.medication.services import dosing as services

ROWS_AT_LEAST = 14  # days of doses offered before the next test date is known


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value.strip()) if value and value.strip() else None
    except ValueError:
        return None


def _rows(today: dt.date, next_test: dt.date | None) -> list[dt.date]:
    """Today, and each day to the next test (at least two weeks' rows; at most twelve weeks)."""
    last = today + dt.timedelta(days=ROWS_AT_LEAST - 1)
    if next_test is not None and today <= next_test <= today + dt.timedelta(days=84):
        last = max(last, next_test)
    return [today + dt.timedelta(days=n) for n in range((last - today).days + 1)]


def _form_page(
    request: AuthenticatedRequest,
    prescription: Prescription,
    *,
    values: dict[str, str],
    errors: dict[str, str],
    status: int = 200,
) -> HttpResponse:
    today = clock.to_local(clock.now()).date()
    days = _rows(today, _date(values.get("next_inr_date", "")))
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "values": values,
        "errors": errors,
        "error_list": [(f"#{name}", message) for name, message in errors.items()],
        "days": [
            (day, f"dose_{day.isoformat()}", values.get(f"dose_{day.isoformat()}", ""), errors.get(f"dose_{day}"))
            for day in days
        ],
        "today": today,
    }
    return render(request, "medication/dosing_form.html", context, status=status)


@login_required
@require_http_methods(["GET", "POST"])
def dosing_new(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    prescription = access_prescription_for_user(request.user, prescription_id, Action.MANAGE_PRESCRIPTIONS)
    if not prescription.dose_from_instructions:
        raise NotFound("This prescription is not dosed by a clinic's instructions.")
    if request.method == "GET":
        return _form_page(request, prescription, values={}, errors={})
    values = {key: str(value) for key, value in request.POST.items() if key != "csrfmiddlewaretoken"}
    errors: dict[str, str] = {}
    inr_date, next_date = _date(values.get("inr_date", "")), _date(values.get("next_inr_date", ""))
    for name, parsed in (("inr_date", inr_date), ("next_inr_date", next_date)):
        if values.get(name, "").strip() and parsed is None:
            errors[name] = "Enter a real date, for example 2026-12-04."
    if errors:
        return _form_page(request, prescription, values=values, errors=errors, status=422)
    today = clock.to_local(clock.now()).date()
    doses: dict[dt.date, Any] = {}
    for day in _rows(today, next_date):
        value = values.get(f"dose_{day.isoformat()}", "")
        if value.strip():
            doses[day] = value
    try:
        services.dosing_instruction_enter(
            prescription=prescription,
            by=request.user,
            inr=values.get("inr", ""),
            inr_date=inr_date,
            next_inr_date=next_date,
            doses=doses,
            source_note=values.get("source_note", "")[:200],
        )
    except (PermissionDenied, NotFound):
        raise
    except DomainError as error:
        errors[error.field or "inr"] = error.message
        return _form_page(request, prescription, values=values, errors=errors, status=error.status)
    messages.success(
        request,
        "Dosing instructions entered. They set no dose until a second trained member of staff checks them "
        "against the clinic's letter.",
    )
    return redirect("medication:prescription", prescription_id=prescription.pk)


@login_required
@require_http_methods(["GET", "POST"])
def dosing_check(request: AuthenticatedRequest, instruction_id: str) -> HttpResponse:
    instruction = access_dosing_instruction_for_user(request.user, instruction_id, Action.CHECK_TRANSCRIPTION)
    prescription = instruction.prescription
    errors: dict[str, str] = {}
    status = 200
    if request.method == "POST":
        if request.POST.get("confirm") != "yes":
            errors["confirm"] = "Confirm that you have checked each day's dose against the clinic's letter."
            status = 422
        else:
            try:
                services.dosing_instruction_check(instruction=instruction, by=request.user)
            except (PermissionDenied, NotFound):
                raise
            except DomainError as error:
                errors["confirm"], status = error.message, error.status
            else:
                messages.success(request, "Dosing instructions checked: they now set the dose of each day.")
                return redirect("medication:prescription", prescription_id=prescription.pk)
    today = clock.to_local(clock.now()).date()
    context = {
        "prescription": prescription,
        "person": prescription.person,
        "instruction": instruction,
        "days": sorted(instruction.day_doses.items()),
        "entered_by_viewer": instruction.entered_by_id == request.user.pk,
        "errors": errors,
        "error_list": [("#confirm", errors["confirm"])] if "confirm" in errors else [],
        "panel": dosing_panel(prescription, request.user, today=today),
    }
    return render(request, "medication/dosing_check.html", context, status=status)


urlpatterns: list[URLPattern] = [
    path("prescriptions/<str:prescription_id>/dosing/new/", dosing_new, name="dosing_new"),
    path("dosing/<str:instruction_id>/check/", dosing_check, name="dosing_check"),
]
