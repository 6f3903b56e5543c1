"""Domain errors: what went wrong in words a care worker understands.

Every error carries a stable machine-readable ``code``, a plain-English
``message``, optionally the ``field`` it concerns, and the HTTP status the API
and pages map it to. Services raise them; views and the API render them.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    code = "invalid"
    status = 422

    def __init__(self, message: str, *, field: str | None = None, code: str | None = None, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        if code is not None:
            self.code = code
        self.details = details

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        return body


class NotFound(DomainError):
    """Missing, or outside what the user may see: the same answer for both."""

    code = "not_found"
    status = 404


class PermissionDenied(DomainError):
    code = "forbidden"
    status = 403


class Conflict(DomainError):
    code = "conflict"
    status = 409


class ValidationFailed(DomainError):
    code = "invalid"
    status = 422
