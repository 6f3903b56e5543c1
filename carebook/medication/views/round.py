"""The medication round: pick where you are working, then see who has doses due."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_http_methods

from carebook.access.policy import Action, require
from carebook.core.web import remember_location
from carebook.organisations.models import Unit
from carebook.people.access import access_location_for_user, locations_for_user

DEVICE_COOKIE = "carebook_round"  # remembers location and unit on this device
DEVICE_COOKIE_AGE = 180 * 24 * 3600


@login_required
@require_http_methods(["GET", "POST"])
def round_start(request: HttpRequest) -> HttpResponse:
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
                unit = Unit.objects.filter(location=location, pk=unit_id).first() if _is_uuid(unit_id) else None
                if unit is None:
                    error = "Choose a unit from the list."
            if not error:
                remember_location(request, location, unit)
                target = redirect("medication:round", location_id=location.pk)
                if unit is not None:
                    target["Location"] += f"?unit={unit.pk}"
                target.set_cookie(
                    DEVICE_COOKIE,
                    choice,
                    max_age=DEVICE_COOKIE_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
                return target
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
        {"options": options, "error": error, "remembered": remembered},
        status=422 if error else 200,
    )


def _is_uuid(value: str) -> bool:
    import uuid

    try:
        uuid.UUID(value)
    except ValueError:
        return False
    return True


urlpatterns: list[URLPattern] = [
    path("round/", round_start, name="round_start"),
]
