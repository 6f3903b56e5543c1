"""What every medication API module shares (defined once in ``carebook.access.api``)."""

from __future__ import annotations

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, Error, caller

__all__ = ["READ_ERRORS", "WRITE_ERRORS", "Error", "caller"]
