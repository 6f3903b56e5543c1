"""The header's "Audits" link, for the roles the policy table lets see the governance audits."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse

from carebook.access.policy import Action, can


def audits_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    return {"nav_audits_url": reverse("audits:home") if can(user, Action.VIEW_AUDITS) else ""}
