"""Public identifiers: UUIDs in URLs and the API."""

from __future__ import annotations

import uuid
from typing import Any

from carebook.core.errors import NotFound


def as_uuid(value: Any, what: str) -> uuid.UUID:
    """``value`` as a UUID, or NotFound ("No <what> with that id."): a malformed id is a missing record."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"No {what} with that id.") from None


def parse_uuid(value: Any) -> uuid.UUID | None:
    """``value`` as a UUID, or None when it is not one (for optional query values)."""
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        return None
