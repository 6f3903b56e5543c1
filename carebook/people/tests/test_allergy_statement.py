"""One way of saying a person's allergy status, and the recording page says it the same way as the round."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.urls import reverse

from carebook.medication.models import DueDose
from carebook.people.allergies import AllergyState, allergy_statement
from carebook.people.models import Allergy, AllergyStatus
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("status", "rows", "state", "warning"),
    [
        (AllergyStatus.HAS_ALLERGIES, [("Penicillin", "severe", "rash")], AllergyState.LISTED, False),
        (AllergyStatus.NO_KNOWN_ALLERGIES, [], AllergyState.NONE_KNOWN, False),
        (AllergyStatus.NOT_RECORDED, [], AllergyState.NOT_RECORDED, True),
        (AllergyStatus.HAS_ALLERGIES, [], AllergyState.NONE_LISTED, True),  # never "no known allergies"
        (AllergyStatus.NO_KNOWN_ALLERGIES, [("Latex", "mild", "")], AllergyState.LISTED, False),  # rows win
    ],
)
def test_the_statement_for_each_way_allergies_can_be_recorded(status, rows, state, warning):
    allergies = [Allergy(substance=s, severity=sev, reaction=r) for s, sev, r in rows]
    statement = allergy_statement(status, allergies)
    assert statement.state == state and statement.warning == warning
    if state == AllergyState.LISTED:
        assert statement.text == "; ".join(f"{s} ({sev}{': ' + r if r else ''})" for s, sev, r in rows)
    if state == AllergyState.NONE_LISTED:
        assert "no known" not in statement.text.lower() and "none are listed" in statement.text


def test_the_recording_page_never_says_no_known_allergies_for_someone_recorded_as_having_allergies(client, world):
    """The December 2026 review reproduced this: the allergies prompt said "No known allergies."."""
    ada = world.ada
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(ada, MedicineFactory(name="Amlodipine"), by=world.sam, checker=world.tia)
    # Then the record says she has allergies, with none listed (no new check is allowed like this: ADR 0022).
    ada.allergy_status = AllergyStatus.HAS_ALLERGIES
    ada.save(update_fields=["allergy_status"])
    dose = DueDose.objects.get(prescription=rx, local_date=MORNING.date())
    client.force_login(world.carla)
    with time_machine.travel(MORNING, tick=False):
        record_page = client.get(reverse("medication:record_dose", args=[dose.pk])).content.decode()
        round_page = client.get(reverse("medication:round", args=[world.home.pk])).content.decode()
        person_page = client.get(reverse("people:person", args=[ada.pk])).content.decode()
    for page in (record_page, round_page, person_page):
        assert "No known allergies" not in page
        assert "none are listed" in page
