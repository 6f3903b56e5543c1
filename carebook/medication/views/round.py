"""The medication round: pick where you are working, then see who has doses due."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, can, require
from carebook.core import clock
from carebook.core.errors import NotFound
from carebook.core.ids import parse_uuid
from carebook.core.web import remember_location
from carebook.medication.models import Visit
from carebook.medication.selectors.round import ROUND_CHOICES, current_round, is_round_name, round_due_doses
from carebook.medication.wording import setting_words
from carebook.organisations.models import Location, Unit
from carebook.people.access import access_location_for_user, locations_for_user

DEVICE_COOKIE = "carebook_round"  # remembers location and unit on this device
DEVICE_COOKIE_AGE = 180 * 24 * 3600


def _has_visits_today(user: Any) -> bool:
    """A home-care worker with visits today: their run is their round (ADR 0038)."""
    return Visit.objects.filter(assigned_to=user, date=clock.to_local(clock.now()).date()).exists()


@login_required
@require_http_methods(["GET", "POST"])
def round_start(request: AuthenticatedRequest) -> HttpResponse:
    """Choose location and unit; the choice is remembered on the device."""
    require(request.user, Action.VIEW_ROUND)
    locations = list(locations_for_user(request.user).prefetch_related("units"))
    error = ""
    if request.method == "POST":
        choice = request.POST.get("where", "")
        location_id, _, unit_id = choice.partition(":")
        if not location_id:
            error = "Choose where you are working."
        else:
            location = access_location_for_user(request.user, location_id)
            unit = None
            if unit_id:
                unit_pk = parse_uuid(unit_id)
                unit = Unit.objects.filter(location=location, pk=unit_pk).first() if unit_pk is not None else None
                if unit is None:
                    error = "Choose a unit from the list."
            if not error:
                remember_location(request, location, unit)
                target = redirect("medication:round", location_id=location.pk)
                if unit is not None:
                    target["Location"] += f"?unit={unit.pk}"
                _remember_on_device(target, request, choice)
                return target
    if request.method == "GET" and request.GET.get("change") is None and _has_visits_today(request.user):
        return redirect("medication:run")  # home care works in visits: the run is the care worker's round
    remembered = request.COOKIES.get(DEVICE_COOKIE, "")
    if request.method == "GET" and remembered and request.GET.get("change") is None:
        location_id, _, unit_id = remembered.partition(":")
        if any(str(loc.pk) == location_id for loc in locations):
            target = redirect("medication:round", location_id=location_id)
            if unit_id:
                target["Location"] += f"?unit={unit_id}"
            return target
    options = []
    for location in locations:
        units = list(location.units.all())
        if units:
            options += [(f"{location.pk}:{u.pk}", f"{location.name}, {u.name}") for u in units]
        options.append((f"{location.pk}:", f"{location.name}{', all units' if units else ''}"))
    return render(
        request,
        "medication/round_start.html",
        {
            "options": options,
            "error": error,
            "error_summary": [("where-0", error)] if error else [],
            "remembered": remembered,
        },
        status=422 if error else 200,
    )


@login_required
@require_http_methods(["GET"])
def round_page(request: AuthenticatedRequest, location_id: str) -> HttpResponse:
    """The people with doses due in a round of this location (and unit), overdue first."""
    require(request.user, Action.VIEW_ROUND)
    location = access_location_for_user(request.user, location_id)
    unit = _unit_from(request.GET.get("unit", ""), location)
    now = clock.now()
    requested = request.GET.get("round", "")
    round_name = requested if is_round_name(requested) else current_round(now)
    view = round_due_doses(location=location, unit=unit, round_name=round_name, now=now)
    remember_location(request, location, unit)
    units = list(location.units.all())
    back = {"round": view.round_name, **({"unit": str(unit.pk)} if unit is not None else {})}
    response = render(
        request,
        "medication/round.html",
        {
            "location": location,
            "unit": unit,
            "units": units,
            "round": view,
            "rounds": ROUND_CHOICES,
            "current_round": current_round(now),
            "record_query": "?" + urlencode(back),
            "can_record": can(request.user, Action.RECORD_ADMINISTRATION),
            "words": setting_words(location),  # unit or area, tablet or phone (issue 8)
        },
    )
    # This device now remembers where it is working (as the picker does).
    _remember_on_device(response, request, f"{location.pk}:{unit.pk if unit is not None else ''}")
    return response


def _remember_on_device(response: HttpResponse, request: HttpRequest, choice: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        choice,
        max_age=DEVICE_COOKIE_AGE,
        httponly=True,
        samesite="Lax",
        secure=request.is_secure(),
    )


def _unit_from(value: str, location: Location) -> Unit | None:
    """The unit asked for; one of another location (or not a unit id) is not found."""
    if not value:
        return None
    unit_id = parse_uuid(value)
    unit = Unit.objects.filter(location=location, pk=unit_id).first() if unit_id is not None else None
    if unit is None:
        raise NotFound("No unit with that id at this location.")
    return unit


urlpatterns: list[URLPattern] = [
    path("round/", round_start, name="round_start"),
    path("locations/<str:location_id>/round/", round_page, name="round"),
]
