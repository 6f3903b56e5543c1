"""The registered manager's page for a location's alert thresholds (blank: the default, alerts.rules.DEFAULTS)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.views.decorators.cache import never_cache

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.alerts import rules
from carebook.alerts.thresholds import (
    location_settings,
    location_thresholds_set,
    prescription_settings,
    prescription_thresholds_set,
    thresholds_for,
)
from carebook.core.errors import NotFound, ValidationFailed
from carebook.core.ids import parse_uuid
from carebook.medication.access import access_prescription_for_user
from carebook.organisations.models import Location

# Each setting in words, with its unit; the order of the page.
LABELS: dict[str, tuple[str, str]] = {
    "overdue_minutes": ("A dose is overdue this many minutes after its time", "minutes"),
    "missed_minutes": ("A dose with no record is missed this many minutes after its time", "minutes"),
    "refusal_count": ("Repeated refusal: the same medicine refused this many times", "times"),
    "refusal_days": ("... within this many days", "days"),
    "omission_count": ("Repeated omissions: this many doses not given or missed", "doses"),
    "omission_days": ("... within this many days", "days"),
    "prn_days": ("When-required medicine: taken on this many days", "days"),
    "prn_days_of": ("... of the last this many days", "days"),
    "late_recording_minutes": ("Late recording: recorded this many minutes after it was given", "minutes"),
    "transcription_lead_minutes": (
        "Transcription check outstanding: this many minutes before the first dose",
        "minutes",
    ),
    "prompt_skip_count": ("Safety checks skipped or failed by one member of staff this many times", "times"),
    "prompt_skip_days": ("... within this many days", "days"),
}


def _location(request: AuthenticatedRequest, location_id: str) -> Location:
    require(request.user, Action.SET_ALERT_THRESHOLDS)
    pk = parse_uuid(location_id)
    if pk is None or not scope_for(request.user).allows(pk):
        raise NotFound("No such location.")
    location = Location.objects.filter(pk=pk).first()
    if location is None:
        raise NotFound("No such location.")
    return location


def _default_text(name: str) -> str:
    value = getattr(rules.DEFAULTS, name)
    if value is None and name == "missed_minutes":
        return "when its round ends"
    if value is None:
        return "the dose window: 60 minutes, 30 for a time-critical medicine"
    return f"{value} {LABELS[name][1]}"


def _read_form(request: AuthenticatedRequest, names: tuple[str, ...], raw: dict[str, str]) -> tuple[dict, dict]:
    values: dict[str, int | None] = {}
    errors: dict[str, str] = {}
    for name in names:
        text = request.POST.get(name, "").strip()[:10]
        raw[name] = text
        if not text:
            values[name] = None
        elif text.isdigit():
            values[name] = int(text)
        else:
            errors[name] = "Enter a whole number, or leave it blank for the default."
    return values, errors


def _fields(names: tuple[str, ...], raw: dict[str, str], errors: dict[str, str], defaults: dict[str, str]) -> list:
    return [
        {
            "name": name,
            "label": LABELS[name][0],
            "unit": LABELS[name][1],
            "value": raw[name],
            "default": defaults[name],
            "error": errors.get(name, ""),
        }
        for name in names
    ]


@login_required
@never_cache
def location_thresholds(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    location = _location(request, location_id)
    current = location_settings(location.pk)
    errors: dict[str, str] = {}
    raw: dict[str, str] = {name: "" if value is None else str(value) for name, value in current.items()}
    if request.method == "POST":
        values, errors = _read_form(request, rules.THRESHOLD_FIELDS, raw)
        if not errors:
            try:
                location_thresholds_set(location=location, by=request.user, values=values)
            except ValidationFailed as error:
                errors[error.field or "overdue_minutes"] = error.message
            else:
                messages.success(request, f"The alert thresholds of {location.name} are saved.")
                return redirect(reverse("alerts:thresholds", args=[location.pk]))
    context = {
        "caption": location.name,
        "intro": "When each alert is raised at this location.",
        "back": reverse("alerts:dashboard") + f"?location={location.pk}",
        "fields": _fields(
            rules.THRESHOLD_FIELDS, raw, errors, {name: _default_text(name) for name in rules.THRESHOLD_FIELDS}
        ),
        "errors": [(name, message) for name, message in errors.items()],
    }
    return render(request, "alerts/thresholds.html", context, status=422 if errors else 200)


@login_required
@never_cache
def prescription_thresholds(request: AuthenticatedRequest, prescription_id: str) -> HttpResponse:
    """One prescription's own overdue minutes, refusal count and days, and when-required days (blank: the
    location's)."""
    require(request.user, Action.SET_ALERT_THRESHOLDS)
    rx = access_prescription_for_user(request.user, prescription_id)
    names = rules.PRESCRIPTION_THRESHOLD_FIELDS
    current = prescription_settings(rx.pk)
    location_id = rx.person.location_id
    in_force = thresholds_for(location_id)
    errors: dict[str, str] = {}
    raw: dict[str, str] = {name: "" if value is None else str(value) for name, value in current.items()}
    if request.method == "POST":
        values, errors = _read_form(request, names, raw)
        if not errors:
            try:
                prescription_thresholds_set(prescription=rx, by=request.user, values=values)
            except ValidationFailed as error:
                errors[error.field or "overdue_minutes"] = error.message
            else:
                messages.success(request, f"The alert thresholds of {rx.medicine} for {rx.person.full_name} are saved.")
                return redirect(reverse("alerts:prescription_thresholds", args=[rx.pk]))

    def location_text(name: str) -> str:
        value = getattr(in_force, name)
        return _default_text(name) if value is None else f"{value} {LABELS[name][1]}"

    context = {
        "caption": f"{rx.medicine} for {rx.person.full_name}",
        "intro": "When this prescription's alerts are raised. Blank: the location's setting.",
        "back": reverse("medication:prescription", args=[rx.pk]),
        "fields": _fields(names, raw, errors, {name: location_text(name) for name in names}),
        "errors": [(name, message) for name, message in errors.items()],
    }
    return render(request, "alerts/thresholds.html", context, status=422 if errors else 200)


urlpatterns: list[URLPattern] = [
    path("locations/<str:location_id>/alert-thresholds/", location_thresholds, name="thresholds"),
    path(
        "prescriptions/<str:prescription_id>/alert-thresholds/",
        prescription_thresholds,
        name="prescription_thresholds",
    ),
]
