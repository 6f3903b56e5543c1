"""The person's medication page: who they are, allergies, prescriptions, today's doses, records, PRN offer."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.core.text import duration as duration_text
from carebook.core.text import nhs_number_display
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.selectors.person import person_page
from carebook.medication.services.administrations import (
    administration_mark_entered_in_error,
    administration_record,
)
from carebook.medication.services.prescriptions import prescription_suspend
from carebook.people.models import Allergy, AllergyStatus
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

DAY = dt.date(2026, 6, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def page_url(person) -> str:
    return reverse("people:person", args=[person.pk])


@pytest.fixture
def ada_medicines(world):
    Allergy.objects.create(person=world.ada, substance="Penicillin", reaction="Swollen lips", severity="severe")
    world.ada.allergy_status = AllergyStatus.HAS_ALLERGIES
    world.ada.communication_needs = "Hard of hearing: speak on her left side."
    world.ada.room = "12"
    world.ada.save(update_fields=["allergy_status", "communication_needs", "room"])
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        ramipril = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
        sertraline = prescribe(world.ada, MedicineFactory(name="Sertraline"), by=world.sam)  # not yet checked
        paracetamol = prescribe_paracetamol_prn(
            world.ada,
            by=world.sam,
            checker=world.tia,
            indication="Mild pain",
        )
    return {"ramipril": ramipril, "sertraline": sertraline, "paracetamol": paracetamol}


def test_formatting_helpers():
    assert nhs_number_display("9434765919") == "943 476 5919"
    assert duration_text(dt.timedelta(hours=2, minutes=5)) == "2 hours 5 minutes"
    assert duration_text(dt.timedelta(minutes=1)) == "1 minute"
    assert duration_text(dt.timedelta(days=1, hours=3)) == "1 day 3 hours"


@time_machine.travel(at(8, 30), tick=False)
def test_the_page_shows_who_they_are_and_their_allergies(client, world, ada_medicines):
    client.force_login(world.carla)
    response = client.get(page_url(world.ada))
    assert response.status_code == 200
    html = response.content.decode()
    assert "<h1" in html and "Addie</h1>" in html
    assert "Ada Lovelace" in html and "17 May 1938 (aged 88)" in html
    assert "943 476 5919" in html
    assert "Oakfield House, Rowan, room 12" in html
    assert "Penicillin</strong>: severe (Swollen lips)" in html
    assert "Likes to take tablets one at a time with water." in html
    assert "Hard of hearing: speak on her left side." in html
    assert 'alt="Picture of Ada Lovelace"' in html
    assert f'href="/people/{world.ada.pk}/mar/"' in html


@time_machine.travel(at(8, 30), tick=False)
def test_no_known_allergies_and_allergies_not_recorded(client, world):
    client.force_login(world.carla)
    assert "No known allergies." in client.get(page_url(world.bert)).content.decode()
    world.bert.allergy_status = AllergyStatus.NOT_RECORDED
    world.bert.save(update_fields=["allergy_status"])
    html = client.get(page_url(world.bert)).content.decode()
    assert "Allergies not recorded" in html and "nhsuk-warning-callout" in html


@time_machine.travel(at(8, 30), tick=False)
def test_current_prescriptions_with_status_and_transcription_flag(client, world, ada_medicines):
    prescription_suspend(prescription=ada_medicines["ramipril"], by=world.sam, reason="BP low")
    client.force_login(world.carla)
    html = client.get(page_url(world.ada)).content.decode()
    assert f'href="/prescriptions/{ada_medicines["ramipril"].pk}/"' in html
    assert "Suspended" in html
    assert "Awaiting transcription check" in html  # sertraline
    assert "Every day at 08:00" in html
    assert "Take ONE tablet each morning" in html
    assert "When required, at least 4 hours apart, at most 8 tablets in 24 hours" in html


@time_machine.travel(at(8, 30), tick=False)
def test_todays_doses_with_their_state(client, world, ada_medicines):
    client.force_login(world.carla)
    html = client.get(page_url(world.ada)).content.decode()
    dose = DueDose.objects.get(prescription=ada_medicines["ramipril"], local_date=DAY)
    assert reverse("medication:record_dose", args=[dose.pk]) + "?back=person" in html
    administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=confirmed())
    html = client.get(page_url(world.ada)).content.decode()
    assert "Given by Carla Carer at 08:30" in html


@time_machine.travel(at(8, 0), tick=False)
def test_prn_offer_says_when_the_next_dose_is_allowed(client, world, ada_medicines):
    client.force_login(world.carla)
    html = client.get(page_url(world.ada)).content.decode()
    assert "Mild pain" in html and "Can be given now" in html
    assert reverse("medication:give_prn", args=[ada_medicines["paracetamol"].pk]) in html
    administration_record(
        by=world.carla,
        prescription=ada_medicines["paracetamol"],
        outcome="given",
        dose_given=Decimal("2"),
        prompts=confirmed(),
        prn_reason="Knee pain",
    )
    with time_machine.travel(at(9, 15), tick=False):
        html = client.get(page_url(world.ada)).content.decode()
    assert "Next dose allowed from 12:00" in html
    assert "1 hour 15 minutes ago, at 08:00" in html
    assert "2 tablet" in html  # given in the last 24 hours
    assert reverse("medication:give_prn", args=[ada_medicines["paracetamol"].pk]) not in html
    # 30 minutes on, its effect is due to be followed up.
    assert "Record whether it worked" in html


@time_machine.travel(at(8, 30), tick=False)
def test_recent_records_show_prompts_late_entries_and_corrections(client, world, ada_medicines):
    dose = DueDose.objects.get(prescription=ada_medicines["ramipril"], local_date=DAY)
    answers = [rules.Answer("right_person", "confirmed"), rules.Answer("right_medicine", "failed")]
    wrong = administration_record(
        by=world.carla,
        due_dose=dose,
        outcome="other",
        reason="Label did not match",
        prompts=answers,
        administered_at=at(8, 0),
    ).administration
    client.force_login(world.carla)
    html = client.get(page_url(world.ada)).content.decode()
    assert "Check failed</strong> Right medicine: the label matches" in html
    assert "Late entry" in html
    assert reverse("medication:administration_entered_in_error", args=[wrong.pk]) in html
    administration_mark_entered_in_error(administration=wrong, by=world.sam, reason="Wrong box was ticked")
    right = administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=confirmed()).administration
    html = client.get(page_url(world.ada)).content.decode()
    assert "<del" in html and "Entered in error</strong>" in html
    assert "by Sam Senior" in html and "Wrong box was ticked" in html
    assert f'href="#record-{right.pk}"' in html
    assert html.index(f'id="record-{right.pk}"') < html.index(f'id="record-{wrong.pk}"')  # newest first
    # The entered-in-error record cannot be corrected again.
    assert reverse("medication:administration_entered_in_error", args=[wrong.pk]) not in html


@time_machine.travel(at(8, 30), tick=False)
def test_a_coordinator_reads_the_page_without_record_buttons(client, world, ada_medicines):
    client.force_login(world.colin)
    html = client.get(page_url(world.ada)).content.decode()
    assert "Ramipril" in html
    assert 'data-testid="record-link"' not in html
    assert reverse("medication:give_prn", args=[ada_medicines["paracetamol"].pk]) not in html


@time_machine.travel(at(8, 30), tick=False)
def test_someone_elsewhere_gets_not_found(client, world, ada_medicines):
    client.force_login(world.otto)
    assert client.get(page_url(world.ada)).status_code == 404
    client.force_login(world.carla)
    assert client.get(page_url(world.stranger)).status_code == 404
    assert client.get(reverse("people:person", args=["nope"])).status_code == 404


@time_machine.travel(at(8, 30), tick=False)
def test_the_page_reads_in_a_fixed_number_of_queries(world, ada_medicines):
    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            person_page(person=world.ada, user=world.carla)
        return len(ctx.captured_queries)

    def give() -> None:
        administration_record(
            by=world.carla,
            prescription=ada_medicines["paracetamol"],
            outcome="given",
            dose_given=Decimal("1"),
            prompts=confirmed(),
            prn_reason="Pain",
        )

    give()
    before = count()
    for n in range(5):
        with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
            prescribe(world.ada, MedicineFactory(name=f"Extra {n}"), by=world.sam, checker=world.tia)
    with time_machine.travel(at(13, 0), tick=False):
        give()
        assert count() == before
