"""The header's "Incidents" link, for the roles the policy table lets see incidents (no permission in a template)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carebook.access.policy import Action, can


def incidents_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_incidents_url": reverse("incidents:list") if can(user, Action.VIEW_INCIDENTS) else ""}
