from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest


def carebook(request: HttpRequest) -> dict[str, Any]:
    """Who is signed in and where: shown on every page."""
    user = getattr(request, "user", None)
    context: dict[str, Any] = {"carebook_version": getattr(settings, "CAREBOOK_VERSION", "0.1")}
    if user is not None and user.is_authenticated:
        context["current_location_name"] = request.session.get("location_name", "")
    return context
