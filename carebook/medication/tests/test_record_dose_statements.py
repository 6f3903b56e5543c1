"""Recording a dose is the product's hottest write: its SQL statements are counted, and must not creep back up.

Before December 2026 a scheduled dose through the API cost 18 statements (a re-read for the response, a separate
idempotency look-up, access and already-recorded look-ups a locked read answers, memberships fetched per request).
Speed itself is measured by `make bench`, never by a timed test; this counts work, which does not vary by machine.
"""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, DueDose
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
# token, [BEGIN], the scoped lock-and-read, insert, prompt answers, slot recorded, the prompts shown (ADR 0030),
# audit, [COMMIT]
MOST_STATEMENTS = 9


def test_recording_a_scheduled_dose_through_the_api_costs_at_most_nine_statements(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        ramipril = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        bisoprolol = prescribe(world.ada, MedicineFactory(name="Bisoprolol"), by=world.sam, checker=world.tia)
    first = DueDose.objects.get(prescription=bisoprolol, local_date=MORNING.date())
    dose = DueDose.objects.get(prescription=ramipril, local_date=MORNING.date())
    api = api_as(world.carla)
    prompts = [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")]
    body = {"due_dose_id": str(dose.pk), "outcome": "given", "prompts": prompts}
    with time_machine.travel(MORNING, tick=False):
        # The token's first use is noted once (access.services); the dose measured is the carer's next.
        warm = api.post("/administrations", {**body, "due_dose_id": str(first.pk)})
        assert warm.status_code == 201, warm.content
        with CaptureQueriesContext(connection) as ctx:
            response = api.post("/administrations", body, headers={"Idempotency-Key": "first-try"})
    assert response.status_code == 201, response.content
    assert response.json()["prompts"][0]["prompt"] == "right_person"  # presented from what was written
    statements = [q["sql"] for q in ctx.captured_queries]
    assert len(statements) <= MOST_STATEMENTS, "\n".join(s[:120] for s in statements)
    assert Administration.objects.get(due_dose=dose).idempotency_key == "first-try"
