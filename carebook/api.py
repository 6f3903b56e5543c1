"""The JSON API under /api/v1: the same permissions and services as the pages.

Authentication: the Django session of the pages (with CSRF for unsafe methods)
or ``Authorization: Bearer <token>`` (a personal token made by
``manage.py create_api_token`` or on the "Your API tokens" page; it expires,
90 days by default). Every error is JSON in one shape,
``{"code", "message", "field"?, "details"?}``.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.db.utils import InterfaceError, OperationalError
from django.http import Http404, HttpRequest, HttpResponse
from ninja import NinjaAPI
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from carebook.access import tokens_api as access_api
from carebook.access.models import User
from carebook.access.services import api_token_authenticate
from carebook.alerts.api import endpoints as alerts
from carebook.audits.api import endpoints as audits
from carebook.core.db import database_unavailable
from carebook.core.errors import DomainError
from carebook.core.web import RETRY_AFTER_SECONDS, database_unavailable_response, too_large_response
from carebook.evidence.api import endpoints as evidence
from carebook.incidents.api import endpoints as incidents
from carebook.medication.api import administrations, doses, mar, medicines, prescriptions
from carebook.notifications.api import endpoints as notifications
from carebook.people.api import endpoints as people
from carebook.reports.api import compliance
from carebook.reports.api import endpoints as reports

logger = logging.getLogger("carebook.api")


class BearerToken(HttpBearer):
    """``Authorization: Bearer <token>``: a personal API token, stored hashed.

    An expired or revoked token is answered 401 with a message saying which (``token_expired``,
    ``token_revoked``); a token we never made, like no token, gets the generic 401.
    """

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        return api_token_authenticate(token.strip())


class SignedInSession(APIKeyCookie):
    """The pages' sign-in. Unsafe methods need the CSRF token, as a form post does.

    The CSRF check runs only for a request that carries a signed-in session, so a
    request with neither a session nor a good token is answered 401, not 403.
    """

    param_name = settings.SESSION_COOKIE_NAME

    def _get_key(self, request: HttpRequest) -> str | None:
        if not request.user.is_authenticated:
            return None
        return super()._get_key(request)

    def authenticate(self, request: HttpRequest, key: str | None) -> User | None:
        user = request.user
        if isinstance(user, User) and user.is_authenticated and user.is_active:
            return user
        return None


# Any operation can answer these, before or outside its own logic: they are added to every operation of the
# OpenAPI document rather than to each response list.
EVERY_OPERATION_RESPONSES: dict[str, dict[str, Any]] = {
    "413": {
        "description": "The request body is larger than the server accepts (DATA_UPLOAD_MAX_MEMORY_SIZE, "
        "2.5 MB by default): code `too_large`, with `details.max_bytes`."
    },
    "503": {
        "description": "The database cannot be reached: code `database_unavailable`. Nothing was read or saved; "
        "try again after the number of seconds in the `Retry-After` header.",
        "headers": {
            "Retry-After": {
                "description": "Seconds to wait before trying again.",
                "schema": {"type": "integer", "example": RETRY_AFTER_SECONDS},
            }
        },
    },
}


class CarebookAPI(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix: str | None = None, path_params: Any = None) -> Any:
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        error = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
        for path_item in schema["paths"].values():
            for operation in path_item.values():
                responses = operation.setdefault("responses", {})
                for status, response in EVERY_OPERATION_RESPONSES.items():
                    if status not in responses and int(status) not in responses:
                        responses[status] = {**response, "content": error}
        return schema


api = CarebookAPI(
    title="Carebook API",
    version="1",
    description=(
        "The Carebook eMAR: people, prescriptions, due doses, administrations, MAR charts, alerts, medication "
        "incidents, governance figures, audits and evidence packs. "
        "Authenticate with `Authorization: Bearer <token>` (`manage.py create_api_token USERNAME`, or the "
        "'Your API tokens' page; a token expires, 90 days by default, and can be revoked: an expired or revoked "
        "token is answered 401 with code `token_expired` or `token_revoked`) or the signed-in session. "
        "Ids are UUIDs; times are ISO 8601 with an offset. "
        'Errors are JSON: {"code", "message", "field"?, "details"?}.'
    ),
    urls_namespace="api",
    docs_url=None,  # the interactive docs load scripts from a CDN: blocked by our CSP and the closed network
    auth=[BearerToken(), SignedInSession()],
)


def error_response(request: HttpRequest, status: int, body: dict[str, Any]) -> HttpResponse:
    return api.create_response(request, body, status=status)


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    response = error_response(request, exc.status, exc.as_dict())
    if exc.status == 401:  # an expired or revoked token (RFC 6750)
        response["WWW-Authenticate"] = 'Bearer realm="carebook", error="invalid_token"'
    return response


@api.exception_handler(AuthenticationError)
def on_not_authenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    response = error_response(
        request,
        401,
        {"code": "not_authenticated", "message": "Sign in, or send a valid API token as 'Authorization: Bearer …'."},
    )
    response["WWW-Authenticate"] = 'Bearer realm="carebook"'
    return response


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [_plain_error(e) for e in exc.errors]
    first = errors[0] if errors else {"field": None, "message": "The request is not valid."}
    body: dict[str, Any] = {
        "code": "invalid",
        "message": f"{first['field']}: {first['message']}" if first["field"] else first["message"],
        "details": {"errors": errors},
    }
    if first["field"]:
        body["field"] = first["field"]
    return error_response(request, 422, body)


def _plain_error(error: dict[str, Any]) -> dict[str, Any]:
    """A pydantic error, reduced to what a client needs: the field, the message, the kind."""
    loc = [str(part) for part in error.get("loc", ())]
    if loc and loc[0] in {"body", "query", "path", "header", "cookie", "form"}:
        source, parts = loc[0], loc[1:]
    else:
        source, parts = "", loc
    # ninja names a single body model after the view's argument ("payload"); the client never sees that name.
    if source == "body" and parts and parts[0] == "payload":
        parts = parts[1:]
    message = str(error.get("msg", "Not valid."))
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    if error.get("type") == "extra_forbidden":
        message = "This field is not accepted here (who recorded it, and when, are set by the server)."
    return {"field": ".".join(parts) or None, "message": message, "type": str(error.get("type", "")), "in": source}


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    status = exc.status_code
    if status == 400:
        body = {"code": "malformed", "message": "The request body is not valid JSON."}
    elif status == 403:
        body = {"code": "csrf_failed", "message": "The CSRF check failed: send the X-CSRFToken header."}
    else:
        body = {"code": "error", "message": str(exc)}
    return error_response(request, status, body)


@api.exception_handler(Http404)
def on_http_404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, 404, {"code": "not_found", "message": "Not found."})


@api.exception_handler(RequestDataTooBig)
def on_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    return too_large_response(request)


@api.exception_handler(OperationalError)
@api.exception_handler(InterfaceError)
def on_database_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database is down (refused, missing, gone away): 503 with Retry-After. Any other database error: a bug."""
    if database_unavailable(exc):
        logger.error("Database unavailable for %s %s: %s", request.method, request.path, exc)
        return database_unavailable_response(request)
    return on_unexpected_error(request, exc)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug, not a bad request: logged with its traceback, answered in the same JSON shape (never HTML)."""
    logger.exception("Unexpected error in %s %s", request.method, request.path, exc_info=exc)
    return error_response(
        request, 500, {"code": "server_error", "message": "Something went wrong on our side. It has been logged."}
    )


api.add_router("", access_api.router)
api.add_router("", people.router)
api.add_router("", medicines.router)
api.add_router("", prescriptions.router)
api.add_router("", doses.router)
api.add_router("", administrations.router)
api.add_router("", mar.router)
api.add_router("", compliance.router)
api.add_router("", alerts.router)
api.add_router("", notifications.router)
api.add_router("", incidents.router)
api.add_router("", reports.router)
api.add_router("", audits.router)
api.add_router("", evidence.router)
