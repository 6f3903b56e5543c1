"""Fuzz every operation of the API from its own OpenAPI document: no input gives a 500, every answer is documented.

Schemathesis generates valid and invalid requests for each operation and sends them to the Django WSGI
application in-process (nothing leaves the machine), authenticated as a senior carer by a bearer token.
Each operation is fuzzed with random ids and, so that the services are reached too, with the ids of real
records. Bounded: a few examples per operation (fewer on PostgreSQL), derandomised so a run is repeatable.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
import schemathesis
import time_machine
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections, connection
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    positive_data_acceptance,
    response_schema_conformance,
    status_code_conformance,
)

from carebook.access.services import api_token_create
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.incidents.services import IncidentInput, incident_report
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
# Generating the cases, not answering them, is most of this test's time (about 40 draws per run, most of them
# filtered out). The full count on SQLite; half on PostgreSQL, which make test runs second: every operation
# and mode is still fuzzed on both databases.
EXAMPLES = 10 if connection.vendor == "sqlite" else 5
SLOW = {"/api/v1/people/{person_id}/mar.pdf": 2}  # rendering a PDF takes about a second


def schema_valid_input_passes_shape_validation(ctx: Any, response: Any, case: Any) -> bool | None:
    """A request generated valid by the schema must never be refused for its shape (a 422 listing pydantic errors).

    Writes may still be refused by a clinical rule the schema cannot say (the dose is not due, the prompts
    are not all answered): those are 422s from the services, with no ``details.errors``.
    """
    if case.meta is None or not case.meta.generation.mode.is_positive or response.status_code != 422:
        return None
    body = response.json()
    errors = (body.get("details") or {}).get("errors")
    if errors:
        raise AssertionError(f"A schema-valid request was refused for its shape: {body['message']} ({errors})")
    return None


CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
    schema_valid_input_passes_shape_validation,
]
# A read has no clinical rule to break: a schema-valid read is answered (2xx, or 401/403/404 for ids and roles).
READ_CHECKS = [*CHECKS, positive_data_acceptance]


def real_records(world: Any) -> dict[str, Any]:
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=MORNING.date())
    with time_machine.travel(MORNING, tick=False):
        record = administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        ).administration
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        forgotten = prescribe(world.ada, MedicineFactory(name="Bisoprolol"), by=world.sam, checker=world.tia)
    with time_machine.travel(MORNING + dt.timedelta(minutes=61), tick=False):  # its window has closed: overdue
        alerts_scan()
    alert = Alert.objects.get(prescription=forgotten, due_at=MORNING)
    with time_machine.travel(MORNING + dt.timedelta(minutes=62), tick=False):
        incident = incident_report(
            by=world.sam,
            data=IncidentInput(
                kind="omission",
                what_happened=alert.summary,
                occurred_at=MORNING,
                discovered_at=MORNING + dt.timedelta(minutes=61),
                harm="none",
                alert_id=alert.pk,
            ),
        )
    return {
        "person_id": world.ada.pk,
        "prescription_id": rx.pk,
        "administration_id": record.pk,
        "alert_id": alert.pk,
        "incident_id": incident.pk,
    }


@contextmanager
def connections_kept_open() -> Iterator[None]:
    """The WSGI handler closes the database connection after each request, which would end the test's
    transaction on PostgreSQL. Django's own test client stops that the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


def fuzz(operation: Any, mode: GenerationMode, headers: dict[str, str], path_parameters: dict[str, Any]) -> None:
    strategy = operation.as_strategy(generation_mode=mode, path_parameters=path_parameters or None)

    @given(case=strategy)
    @settings(
        max_examples=SLOW.get(operation.path, EXAMPLES),
        deadline=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def run(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=READ_CHECKS if operation.method.upper() == "GET" else CHECKS)

    run()


# The operations in shards, so the test workers share them (one shard was the suite's longest test: 150 s).
SHARDS = 3


@pytest.mark.parametrize("shard", range(SHARDS), ids=lambda n: f"shard {n + 1} of {SHARDS}")
def test_no_input_breaks_the_api(world, shard):
    ids = real_records(world)
    token = api_token_create(user=world.sam)[1]
    headers = {"Authorization": f"Bearer {token}"}
    with connections_kept_open():
        schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", get_wsgi_application())
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 18
    with connections_kept_open():
        for operation in operations[shard::SHARDS]:
            known = {name: value for name, value in ids.items() if "{" + name + "}" in operation.path}
            fuzz(operation, GenerationMode.POSITIVE, headers, {})
            fuzz(operation, GenerationMode.NEGATIVE, headers, {})
            if known:  # reach the services with bodies and parameters built from the schema
                fuzz(operation, GenerationMode.POSITIVE, headers, known)
                if operation.method.upper() == "POST":
                    fuzz(operation, GenerationMode.NEGATIVE, headers, known)
