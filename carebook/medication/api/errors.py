"""The error statuses each kind of operation documents in the OpenAPI."""

from __future__ import annotations

from typing import Any

from carebook.medication.api.schemas import Error

# Any authenticated operation: not signed in (401), role may not (403), missing or out of scope (404),
# bad parameters (422).
READ_ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}
# A write also answers 400 for a body that is not JSON, and 409 for a conflict (e.g. already recorded).
WRITE_ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}
