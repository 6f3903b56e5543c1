"""Small helpers shared by the HTML views."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from carebook.core.errors import DomainError, NotFound, PermissionDenied


class DomainErrorMiddleware:
    """Turn a NotFound or PermissionDenied raised by an access function into the right page.

    Out-of-scope and missing records both answer 404, with the same page.
    The JSON API has its own handlers (carebook/api.py) and is not affected.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if request.path.startswith("/api/"):
            return None
        if isinstance(exception, NotFound):
            return render(request, "errors/404.html", {"message": exception.message}, status=404)
        if isinstance(exception, PermissionDenied):
            return render(request, "errors/403.html", {"message": exception.message}, status=403)
        if isinstance(exception, DomainError):
            return render(request, "errors/422.html", {"message": exception.message}, status=exception.status)
        return None


def form_errors_from(error: DomainError, known_fields: set[str]) -> dict[str, str]:
    """Map a service's DomainError onto a form's fields (anything else goes to the summary)."""
    field = (error.field or "").split(".")[0]
    return {field if field in known_fields else "__all__": error.message}


def remember_location(request: HttpRequest, location: Any, unit: Any = None) -> None:
    """Keep the chosen location (and unit) for the header and the next visit."""
    values = {
        "location_id": str(location.pk),
        "location_name": location.name + (f", {unit.name}" if unit is not None else ""),
        "unit_id": str(unit.pk) if unit is not None else "",
    }
    for key, value in values.items():
        if request.session.get(key) != value:  # write the session only when the place changed
            request.session[key] = value
