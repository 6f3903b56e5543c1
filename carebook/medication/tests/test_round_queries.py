"""The round's number of queries does not grow with the number of people."""

from __future__ import annotations

import datetime as dt

import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.selectors.round import round_due_doses
from carebook.medication.services.administrations import administration_record
from carebook.people.models import Allergy, AllergyStatus
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

NOW = dt.datetime(2026, 6, 10, 9, 30, tzinfo=LONDON).astimezone(dt.UTC)


def add_people(world, count: int) -> None:
    """People on Rowan unit, each with an allergy, a due dose, an overdue dose and a recorded dose."""
    medicine = MedicineFactory(name="Amlodipine")
    for n in range(count):
        person = PersonFactory(
            location=world.home, unit=world.rowan, given_name=f"P{n}", allergy_status=AllergyStatus.HAS_ALLERGIES
        )
        Allergy.objects.create(person=person, substance="Penicillin", severity="severe")
        with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
            rx = prescribe(person, medicine, by=world.sam, checker=world.tia, times=["06:30", "08:00", "10:00"])
        recorded = DueDose.objects.get(prescription=rx, local_date=NOW.date(), local_time=dt.time(8, 0))
        with time_machine.travel(NOW, tick=False):
            administration_record(
                by=world.carla,
                due_dose=recorded,
                outcome="given",
                prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
                administered_at=recorded.scheduled_at,  # given at 08:00, recorded now
            )


def count_selector_queries(world) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as ctx:
        view = round_due_doses(location=world.home, unit=world.rowan, round_name="morning", now=NOW)
        people = len(view.people)
    return len(ctx.captured_queries), people


def count_page_queries(client, world) -> tuple[int, int]:
    url = reverse("medication:round", args=[world.home.pk]) + f"?unit={world.rowan.pk}&round=morning"
    with time_machine.travel(NOW, tick=False), CaptureQueriesContext(connection) as ctx:
        response = client.get(url)
    assert response.status_code == 200
    return len(ctx.captured_queries), response.content.decode().count('data-testid="round-person"')


def test_round_selector_queries_do_not_grow_with_people(world):
    add_people(world, 2)
    small, people = count_selector_queries(world)
    assert people == 2
    add_people(world, 18)
    large, people = count_selector_queries(world)
    assert people == 20
    assert small == large
    assert large <= 5  # doses, allergies, records, follow-ups, and the names compared for namesakes (H64)


def test_round_page_queries_do_not_grow_with_people(client, world):
    client.force_login(world.carla)
    add_people(world, 2)
    client.get(reverse("medication:round", args=[world.home.pk]) + f"?unit={world.rowan.pk}")  # warm the session
    small, people = count_page_queries(client, world)
    assert people == 2
    add_people(world, 18)
    large, people = count_page_queries(client, world)
    assert people == 20
    assert small == large
