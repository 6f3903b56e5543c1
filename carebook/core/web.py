"""Small helpers shared by the HTML views, and the middleware every response passes through."""

from __future__ import annotations

import logging
import sys
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, HttpResponseServerError, JsonResponse
from django.shortcuts import render
from django.template.loader import render_to_string

from carebook.core.db import database_unavailable
from carebook.core.errors import DomainError, NotFound, PermissionDenied

logger = logging.getLogger("carebook.web")


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


# --- Responses every request can get: no caching, too large, database down ----------------------------------

RETRY_AFTER_SECONDS = 30


class NoStoreMiddleware:
    """``Cache-Control: no-store`` on every response Django makes: pages, JSON, PDFs, errors, redirects.

    Nearly everything Carebook serves carries a person's record, so nothing may be kept by a browser (a shared
    tablet's back button or disk cache) or by a proxy. The rule is the simplest safe one: every response that
    is not a static file. Static files (CSS, scripts, icons) are answered by WhiteNoise before this middleware
    and keep their long cache lifetimes. Listed straight after WhiteNoise, so responses made by the other
    middleware (CSRF failures, lockouts, 413, 500, 503) get the header too.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response["Cache-Control"] = "no-store"
        return response


def wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def too_large_response(request: HttpRequest) -> HttpResponse:
    """413: the body is larger than Django reads (DATA_UPLOAD_MAX_MEMORY_SIZE). JSON for the API, a page else."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if wants_json(request):
        body = {
            "code": "too_large",
            "message": f"The request body is larger than the {limit} bytes accepted.",
            "details": {"max_bytes": limit},
        }
        return JsonResponse(body, status=413)
    return HttpResponse(render_to_string("errors/413.html"), status=413)


def database_unavailable_response(request: HttpRequest) -> HttpResponse:
    """503 with Retry-After: the database cannot be reached. No traceback; the page needs no database."""
    if wants_json(request):
        body = {
            "code": "database_unavailable",
            "message": "The database is not answering, so nothing was read or saved. Try again in a minute.",
            "details": {"retry_after_seconds": RETRY_AFTER_SECONDS},
        }
        response: HttpResponse = JsonResponse(body, status=503)
    else:
        response = HttpResponse(render_to_string("errors/503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceErrorMiddleware:
    """413 for a body over the limit, and 503 when the database is down, instead of a 400 or a 500.

    The size is checked from Content-Length before anything reads the body (the CSRF check reads a form's body
    before the view runs). A database that cannot be reached raises OperationalError wherever it is first
    needed; ``process_exception`` answers those raised in a view, ``server_error`` (handler500) those raised
    in other middleware (saving the session), and the API has its own handler (carebook/api.py).
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if _declared_length(request) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE:
            return too_large_response(request)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, RequestDataTooBig):
            return too_large_response(request)
        if database_unavailable(exception):
            logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
            return database_unavailable_response(request)
        return None


def _declared_length(request: HttpRequest) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: a real bug is a 500 (JSON for the API); a database that cannot be reached is a 503."""
    exception = sys.exc_info()[1]
    if exception is not None and database_unavailable(exception):
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exception)
        return database_unavailable_response(request)
    if wants_json(request):
        body = {"code": "server_error", "message": "Something went wrong on our side. It has been logged."}
        return JsonResponse(body, status=500)
    return HttpResponseServerError(render_to_string("500.html"))
