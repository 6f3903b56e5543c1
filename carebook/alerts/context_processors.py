"""The header's "Alerts" link, for the roles the policy table lets see alerts (no permission in a template)."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carebook.access.policy import Action, can


def alerts_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_alerts_url": reverse("alerts:dashboard") if can(user, Action.VIEW_ALERTS) else ""}
