"""The test suite's one use of the append-only unlock: emptying the tables between transactional tests.

pytest-django empties every table after a ``transactional_db`` or live-server test with Django's ``flush``
(``DELETE FROM`` on SQLite, ``TRUNCATE`` on PostgreSQL), which the append-only triggers refuse (ADR 0005).
For the test process only, each flush runs inside :func:`carebook.core.append_only.unlocked`. In production
``manage.py flush`` stays refused.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from django.db.backends.base.operations import BaseDatabaseOperations

from carebook.core import append_only

ORIGINAL_EXECUTE_SQL_FLUSH = BaseDatabaseOperations.execute_sql_flush


@contextlib.contextmanager
def flushes_unlocked() -> Iterator[None]:
    original = ORIGINAL_EXECUTE_SQL_FLUSH

    def execute_sql_flush(self: BaseDatabaseOperations, sql_list: Any) -> None:
        with append_only.unlocked(reason="test suite: flush after a transactional test", using=self.connection.alias):
            original(self, sql_list)

    BaseDatabaseOperations.execute_sql_flush = execute_sql_flush  # type: ignore[method-assign]
    try:
        yield
    finally:
        BaseDatabaseOperations.execute_sql_flush = original  # type: ignore[method-assign]
