"""Two care workers record the same dose at the same moment (PostgreSQL): exactly one record, the other gets 409."""

from __future__ import annotations

import datetime as dt
import threading
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, DueDose
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST

pytestmark = [
    pytest.mark.postgres_only,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"),
]


def record_at_the_same_moment(clients: list[Any], body: dict[str, Any]) -> list[Any]:
    barrier = threading.Barrier(len(clients))
    responses: list[Any] = [None] * len(clients)
    errors: list[BaseException] = []

    def carer(i: int) -> None:
        try:
            barrier.wait(timeout=10)
            responses[i] = clients[i].post("/administrations", body)
        except BaseException as exc:  # reported in the main thread
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=carer, args=(i,)) for i in range(len(clients))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert not errors, errors
    return responses


@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=False)
def test_two_carers_recording_the_same_dose_at_once_get_one_record_and_one_409(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Co-careldopa"),
            by=world.sam,
            checker=world.tia,
            times=["06:30", "07:00", "07:30", "08:00", "08:30"],
        )
    doses = DueDose.objects.filter(prescription=rx, local_date=MORNING.date()).order_by("scheduled_at")
    assert doses.count() == 5
    clients = [api_as(world.carla), api_as(world.sam)]
    prompts = [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")]
    for dose in doses:  # five races, one per dose
        # Each given at its own time and recorded now (given now, the earlier ones would be too close to the next).
        given_at = min(dose.scheduled_at, MORNING).isoformat()
        body = {"due_dose_id": str(dose.pk), "outcome": "given", "prompts": prompts, "administered_at": given_at}
        responses = record_at_the_same_moment(clients, body)
        statuses = sorted(r.status_code for r in responses)
        assert statuses == [201, 409], [r.content for r in responses]
        loser = next(r for r in responses if r.status_code == 409).json()
        winner = next(r for r in responses if r.status_code == 201).json()
        assert loser["code"] == "already_recorded"
        assert loser["details"]["administration_id"] == winner["id"]
        assert winner["recorded_by"]["full_name"] in loser["message"]
        assert Administration.objects.filter(due_dose=dose).count() == 1
