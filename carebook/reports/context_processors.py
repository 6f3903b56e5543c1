"""The header's "Figures" link, for the roles the policy table lets read the governance figures."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carebook.access.policy import Action, can


def reports_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_reports_url": reverse("reports:provider") if can(user, Action.VIEW_REPORTS) else ""}
