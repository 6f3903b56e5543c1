"""Data built once for a test module and rolled back after it, for fixtures too costly to build for every test.

Django's ``TestCase.setUpTestData`` for pytest: a module-scoped fixture opens a transaction, builds the data in
it and yields; each test then runs in its own savepoint inside that transaction (pytest-django's ``db``), so
whatever a test writes is rolled back before the next, and the module's data is rolled back when the module
ends. Each test gets deep copies of the module's objects (as ``setUpTestData`` gives), so an object changed in
memory by one test is not seen by the next.

Not for ``transactional_db`` or live-server tests: they commit and flush, which an open transaction forbids.
Keep those in a module of their own (:func:`shared_copy` refuses to hand data to them).
"""

from __future__ import annotations

import contextlib
import copy
from collections.abc import Iterator
from typing import Any, TypeVar

from django.db import connection, transaction

T = TypeVar("T")


@contextlib.contextmanager
def module_transaction(django_db_blocker: Any) -> Iterator[None]:
    """A transaction around a whole module's tests, rolled back at its end; the database is open only to build."""
    with django_db_blocker.unblock():
        atomic = transaction.atomic()
        atomic._from_testcase = True  # type: ignore[attr-defined]  # as TestCase's own: durable blocks may nest in it
        atomic.__enter__()
    try:
        yield  # build inside ``django_db_blocker.unblock()``; the tests unblock it themselves (``db``)
    finally:
        with django_db_blocker.unblock():
            transaction.set_rollback(True)
            atomic.__exit__(None, None, None)


def shared_copy(data: T) -> T:
    """A test's own copy of the module's data; the test must run inside the module's transaction (not committing)."""
    assert connection.in_atomic_block, "module data is only for tests that run in a transaction (not transactional_db)"
    return copy.deepcopy(data)
