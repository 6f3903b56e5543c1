"""The append-only tables with committed rows (transactional tests): another session stays refused while this one
is unlocked, and the test suite's flush afterwards gets past the triggers. See test_append_only.py (ADR 0005).
"""

from __future__ import annotations

import threading

import pytest
from django.db import IntegrityError, connection, connections, transaction

from carebook.core.append_only import unlocked
from carebook.medication.models import PromptAnswer
from carebook.medication.tests.test_append_only import Records, build_records, qn, raw, refused


@pytest.fixture
def records(world) -> Records:
    return build_records(world)


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite has one writer: the other would wait")
@pytest.mark.django_db(transaction=True)
def test_committed_records_are_refused_to_another_session_while_one_is_unlocked(records):
    """Committed rows (a transactional test): a second connection, in another thread, is refused while this
    one is unlocked; afterwards pytest-django's flush empties the tables through the test-suite unlock."""
    errors: list[str] = []

    def elsewhere() -> None:
        try:
            with transaction.atomic():
                raw(f"DELETE FROM {qn('medication_promptanswer')}")
        except IntegrityError as error:
            errors.append(str(error))
        finally:
            connections.close_all()

    with unlocked(reason="test: this connection only"):
        thread = threading.Thread(target=elsewhere)
        thread.start()
        thread.join()
    assert len(errors) == 1 and "DELETE refused" in errors[0]
    assert PromptAnswer.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_transactional_test_is_emptied_afterwards_through_the_test_suites_unlock(records):
    refused(f"DELETE FROM {qn('medication_promptanswer')}")
    assert PromptAnswer.objects.exists()  # the flush after this test must get past the triggers
