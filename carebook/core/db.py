"""Is the database there? Telling "the database is down" (503) apart from a bug (500)."""

from __future__ import annotations

from types import TracebackType

from django.db import connections
from django.db.utils import InterfaceError, OperationalError


def database_unavailable(exc: BaseException) -> bool:
    """True when ``exc`` says the database cannot be reached, rather than that a query was wrong.

    - raised while opening a connection: refused, unknown host, a database that does not exist, a SQLite
      file that cannot be opened;
    - SQLite busy beyond its timeout ("database is locked"): try again later;
    - the server went away under an open connection (PostgreSQL restarted): the driver marks it broken.
    Any other OperationalError (on SQLite a bad query is one) stays a 500: a bug to fix.
    """
    if not isinstance(exc, OperationalError | InterfaceError):
        return False
    if _raised_while_connecting(exc.__traceback__):
        return True
    if "database is locked" in str(exc):
        return True
    return any(_lost(conn.connection) for conn in connections.all(initialized_only=True))


def _lost(driver_connection: object) -> bool:
    """The driver says the connection was lost under us (psycopg: ``broken``, or closed without Django closing it).

    Asked of the driver, not by a query: after a failed statement inside a transaction PostgreSQL refuses every query,
    which would look like an outage.
    """
    if driver_connection is None:
        return False
    return bool(getattr(driver_connection, "broken", False) or getattr(driver_connection, "closed", False))


def _raised_while_connecting(tb: TracebackType | None) -> bool:
    while tb is not None:
        frame = tb.tb_frame
        if frame.f_code.co_name == "connect" and frame.f_globals.get("__name__") == "django.db.backends.base.base":
            return True
        tb = tb.tb_next
    return False
