"""The round page: who has doses in which round, overdue first, scoped to the carer's location."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.selectors.round import care_day, current_round, round_for_time
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_withdraw_future
from carebook.medication.services.prescriptions import prescription_discontinue, prescription_suspend
from carebook.people.models import Allergy, AllergyStatus
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

DAY = dt.date(2026, 6, 10)  # British Summer Time: local = UTC + 1


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def all_confirmed(check: str = "") -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed", 72 if p in rules.READING_PROMPTS else None) for p in rules.prompts_for(check)]


def round_url(world, **query: str) -> str:
    url = reverse("medication:round", args=[world.home.pk])
    if query:
        url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
    return url


@pytest.fixture
def regimen(world):
    """The day before: Ada (Rowan) has ramipril at 08:00 and 18:00; Bert (Willow) has metformin at 12:30."""
    with time_machine.travel(at(9, day=DAY - dt.timedelta(days=1)), tick=False):
        ramipril = prescribe(
            world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia, times=["08:00", "18:00"]
        )
        metformin = prescribe(
            world.bert, MedicineFactory(name="Metformin"), by=world.sam, checker=world.tia, times=["12:30"]
        )
    return {"ramipril": ramipril, "metformin": metformin}


def names_in_order(html: str) -> list[str]:
    return re.findall(r'<h2 class="nhsuk-heading-m cb-person-name" id="person-[^"]+">\s*<a [^>]+>([^<]+)</a>', html)


def test_rounds_are_named_by_local_wall_time():
    assert round_for_time(dt.time(6, 0)) == "morning"
    assert round_for_time(dt.time(10, 59)) == "morning"
    assert round_for_time(dt.time(11, 0)) == "lunchtime"
    assert round_for_time(dt.time(14, 0)) == "teatime"
    assert round_for_time(dt.time(17, 59)) == "teatime"
    assert round_for_time(dt.time(18, 0)) == "night"
    assert round_for_time(dt.time(2, 0)) == "night"
    assert round_for_time(dt.time(5, 59)) == "night"
    assert current_round(at(8)) == "morning"
    # After midnight it is still the night that began the evening before.
    assert care_day(at(2, day=DAY + dt.timedelta(days=1))) == DAY


@time_machine.travel(at(8, 10), tick=False)
def test_carer_sees_the_people_of_her_unit_in_the_morning_round(client, world, regimen):
    client.force_login(world.carla)
    response = client.get(round_url(world, unit=world.rowan.pk, round="morning"))
    assert response.status_code == 200
    html = response.content.decode()
    assert "Morning round" in html
    assert "Addie" in html and "Ada Lovelace" in html and "Ramipril" in html
    assert "Bert" not in html  # Willow unit
    assert f'src="/people/{world.ada.pk}/picture.svg" alt="Picture of Ada Lovelace"' in html
    assert "Likes to take tablets one at a time with water." in html
    assert "No known allergies" in html
    assert 'data-testid="record-link"' in html
    dose = DueDose.objects.get(prescription=regimen["ramipril"], local_date=DAY, local_time=dt.time(8, 0))
    assert reverse("medication:record_dose", args=[dose.pk]) in html
    # The evening dose belongs to the night round, not this one.
    assert html.count('data-testid="dose"') == 1
    # The location is remembered for the header.
    assert client.session["location_name"] == "Oakfield House, Rowan"
    assert "Oakfield House, Rowan" in html
    # This tablet remembers it: the round picker goes straight back to this round next time.
    assert response.cookies["carebook_round"].value == f"{world.home.pk}:{world.rowan.pk}"
    again = client.get(reverse("medication:round_start"))
    assert again.status_code == 302 and again["Location"] == round_url(world, unit=world.rowan.pk)


@time_machine.travel(at(8, 10), tick=False)
def test_the_default_round_is_the_current_one_and_all_units_show_without_a_unit(client, world, regimen):
    client.force_login(world.carla)
    html = client.get(round_url(world)).content.decode()
    assert "Morning round" in html
    assert 'aria-current="page">Morning' in html
    assert "Addie" in html
    assert "Bert" not in html  # his dose is at lunchtime
    html = client.get(round_url(world, round="lunchtime")).content.decode()
    assert "Lunchtime round" in html and "Metformin" in html and "Ramipril" not in html


@time_machine.travel(at(12, 40), tick=False)
def test_overdue_doses_of_today_come_first_in_any_round(client, world, regimen):
    client.force_login(world.carla)
    html = client.get(round_url(world, round="lunchtime")).content.decode()
    # Ada's 08:00 dose was never recorded: she is at the top, flagged overdue, before Bert's 12:30 dose.
    assert names_in_order(html) == ["Addie", "Bert"]
    assert "Overdue (due 08:00)" in html
    assert "1 overdue" in html


@time_machine.travel(at(8, 10), tick=False)
def test_a_recorded_dose_shows_who_gave_it_and_when(client, world, regimen):
    dose = DueDose.objects.get(prescription=regimen["ramipril"], local_date=DAY, local_time=dt.time(8, 0))
    administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=all_confirmed())
    client.force_login(world.sam)
    html = client.get(round_url(world, round="morning")).content.decode()
    assert "Given by Carla Carer at 08:10" in html
    assert 'data-testid="record-link"' not in html


@time_machine.travel(at(12, 40), tick=False)
def test_suspended_and_discontinued_prescriptions_leave_the_round_at_once(client, world, regimen):
    client.force_login(world.carla)
    assert "Ramipril" in client.get(round_url(world, round="morning")).content.decode()
    prescription_suspend(prescription=regimen["ramipril"], by=world.sam, reason="BP low, GP to review")
    html = client.get(round_url(world, round="morning")).content.decode()
    assert "Ramipril" not in html  # even the overdue 08:00 dose, which stays pending on the chart
    assert "Metformin" in client.get(round_url(world, round="lunchtime")).content.decode()
    prescription_discontinue(prescription=regimen["metformin"], by=world.sam, reason="Stopped by GP")
    html = client.get(round_url(world, round="lunchtime")).content.decode()
    assert "Metformin" not in html and "No doses in the lunchtime round" in html


@time_machine.travel(at(10, 0), tick=False)
def test_withdrawn_doses_are_not_shown(client, world, regimen):
    due_doses_withdraw_future(prescription=regimen["metformin"], by=world.sam, reason="Changed", now=at(10, 0))
    client.force_login(world.carla)
    html = client.get(round_url(world, round="lunchtime")).content.decode()
    assert "Metformin" not in html


def test_the_night_round_includes_doses_after_midnight(client, world):
    with time_machine.travel(at(9), tick=False):
        prescribe(
            world.ada,
            MedicineFactory(name="Levodopa", time_critical=True),
            by=world.sam,
            checker=world.tia,
            times=["02:00", "22:00"],
        )
    client.force_login(world.carla)
    with time_machine.travel(at(1, 30, day=DAY + dt.timedelta(days=1)), tick=False):
        html = client.get(round_url(world)).content.decode()
    assert "Night round" in html
    assert "at 22:00" in html and "at 02:00" in html
    assert "Time critical" in html
    assert "Overdue (due 22:00)" in html  # a time-critical dose is late 30 minutes after its time


def test_a_time_critical_dose_counts_down_on_the_round_and_a_routine_one_does_not(client, world, regimen):
    with time_machine.travel(at(7), tick=False):
        prescribe(
            world.ada,
            MedicineFactory(name="Levodopa", time_critical=True),
            by=world.sam,
            checker=world.tia,
            times=["08:00"],
        )
    client.force_login(world.carla)
    with time_machine.travel(at(8, 5), tick=False):
        html = client.get(round_url(world, round="morning")).content.decode()
    assert html.count('data-testid="countdown"') == 1  # Levodopa only, not ramipril
    assert "Give by 08:30: 25 minutes left." in html
    with time_machine.travel(at(8, 42), tick=False):
        html = client.get(round_url(world, round="morning")).content.decode()
    assert "Window closed at 08:30: 12 minutes ago." in html


def test_next_two_hours_lists_doses_due_soon(client, world, regimen):
    client.force_login(world.carla)
    with time_machine.travel(at(11, 0), tick=False):
        html = client.get(round_url(world, round="next2h")).content.decode()
    assert "Next 2 hours round" in html and "Metformin" in html
    with time_machine.travel(at(9, 0), tick=False):
        html = client.get(round_url(world, round="next2h")).content.decode()
    assert "Metformin" not in html


@time_machine.travel(at(8, 10), tick=False)
def test_allergies_are_shown_or_their_absence_flagged(client, world, regimen):
    Allergy.objects.create(person=world.ada, substance="Penicillin", reaction="Rash", severity="severe")
    world.ada.allergy_status = AllergyStatus.HAS_ALLERGIES
    world.ada.save(update_fields=["allergy_status"])
    unknown = PersonFactory(location=world.home, unit=world.rowan, given_name="Una", family_name="Known")
    with time_machine.travel(at(7), tick=False):
        prescribe(unknown, MedicineFactory(name="Senna"), by=world.sam, checker=world.tia, times=["09:00"])
    # A record whose allergy status was lost (a check now needs it recorded first: ADR 0022).
    unknown.allergy_status = AllergyStatus.NOT_RECORDED
    unknown.save(update_fields=["allergy_status"])
    client.force_login(world.carla)
    html = client.get(round_url(world, round="morning")).content.decode()
    assert "Penicillin (severe)" in html
    assert "Allergies not recorded" in html


@time_machine.travel(at(8, 10), tick=False)
def test_another_locations_round_is_not_found(client, world, regimen):
    client.force_login(world.otto)
    assert client.get(round_url(world)).status_code == 404
    client.force_login(world.carla)
    assert client.get(reverse("medication:round", args=[world.elsewhere.pk])).status_code == 404
    assert client.get(reverse("medication:round", args=["not-a-uuid"])).status_code == 404
    other_unit = world.elsewhere.units.create(name="Elm")
    assert client.get(round_url(world, unit=other_unit.pk)).status_code == 404


@time_machine.travel(at(8, 10), tick=False)
def test_a_coordinator_sees_the_round_but_no_record_buttons(client, world, regimen):
    client.force_login(world.colin)
    html = client.get(round_url(world, round="morning")).content.decode()
    assert "Ramipril" in html and 'data-testid="record-link"' not in html


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    response = client.get(round_url(world))
    assert response.status_code == 302 and "next=" in response["Location"]
