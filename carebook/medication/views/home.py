"""The home page per role.

A care worker (anyone whose only medication work is recording doses) goes
straight to the round. Seniors, coordinators, managers and provider admins see
what needs them: entries awaiting a transcription check, and today's round
progress at their locations.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_GET

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, actions_for, can
from carebook.core import clock
from carebook.medication.home_panels import home_panels
from carebook.medication.selectors import home as selectors


def sees_dashboard(user: Any) -> bool:
    """Read from the one policy table: recording doses and nothing more means the round is home."""
    if can(user, Action.MANAGE_PRESCRIPTIONS) or can(user, Action.CHECK_TRANSCRIPTION):
        return True
    return can(user, Action.VIEW_ROUND) and not can(user, Action.RECORD_ADMINISTRATION)


def _round_url(location_id: Any, unit_id: Any = None) -> str:
    url = reverse("medication:round", kwargs={"location_id": location_id})
    return f"{url}?unit={unit_id}" if unit_id else url


@login_required
@require_GET
def home(request: AuthenticatedRequest) -> HttpResponse:
    if not actions_for(request.user):
        # A role the policy table does not name yet: signed in, but nothing to show (fails closed).
        return render(request, "errors/no_access.html", status=403)
    if not sees_dashboard(request.user):
        return redirect("medication:round_start")
    now = clock.now()
    progress = selectors.round_progress(request.user, now=now, today=clock.to_local(now).date())
    for place in progress:
        place.total.round_url = _round_url(place.location.pk)
        for unit in place.units:
            unit.round_url = _round_url(place.location.pk, unit.unit_id)
    context = {
        "awaiting": selectors.awaiting_checks(request.user),
        "sent_back": selectors.sent_back_to(request.user),
        "progress": progress,
        "now": now,
        "panels": home_panels(request),  # other apps' panels lead the page (the alerts, for those who see them)
    }
    return render(request, "medication/home.html", context)
