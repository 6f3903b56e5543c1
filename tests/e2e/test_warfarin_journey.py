"""Warfarin by the anticoagulant clinic (ADR 0037): with no letter entered the round says no dose can be given;
Sam enters the clinic's letter, Tia checks it, and Carla gives the clinic's dose for today from the pass."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.core import clock
from carebook.medication.models import Administration, DosingInstruction, Medicine
from carebook.testing.factories import MedicineFactory, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def warfarin(world):
    at = clock.local_now().replace(second=0, microsecond=0).strftime("%H:%M")
    with time_machine.travel(clock.now() - dt.timedelta(hours=1), tick=True):
        return prescribe(
            world.ada,
            MedicineFactory(name="Warfarin", strength="1 mg", form=Medicine.Form.TABLET, dose_unit="mg"),
            by=world.sam,
            checker=world.tia,
            dose_min="0.5",
            dose_max="10",
            times=[at],
            directions="Warfarin as directed by the anticoagulant clinic",
            dose_from_instructions=True,
        )


def test_a_warfarin_dose_from_the_clinics_instructions(ui, world, warfarin):
    page = ui.page
    today = clock.local_now().date()
    round_url = f"/locations/{world.home.pk}/round/?unit={world.rowan.pk}&round=next2h"

    # No letter yet: the round says why nothing can be given, before any prompt.
    ui.sign_in("carla")
    ui.check()
    ui.goto(round_url)
    expect(page.get_by_test_id("round-person").filter(has_text="Warfarin")).to_contain_text(
        "no dosing instruction from the anticoagulant clinic"
    )
    ui.sign_out()

    # Sam copies the clinic's letter.
    ui.sign_in("sam")
    ui.check()  # the seniors' home page
    ui.expect_status("/prescriptions/", 422)  # the letter refused once, below
    ui.goto(f"/prescriptions/{warfarin.pk}/")
    expect(page.get_by_test_id("no-dose-today")).to_be_visible()
    page.get_by_test_id("dosing-new").click()
    ui.check()
    page.get_by_label("INR", exact=True).fill("2.6")
    page.get_by_label("Date of that INR test").fill((today - dt.timedelta(days=1)).isoformat())
    page.get_by_label("Date of the next INR test").fill((today + dt.timedelta(days=2)).isoformat())
    for n, amount in enumerate(("3", "3")):
        page.get_by_label(f"{today + dt.timedelta(days=n):%A} {(today + dt.timedelta(days=n)).day}").fill(amount)
    page.get_by_role("button", name="Save the instructions").click()
    page.wait_for_load_state()
    ui.check()  # refused: the third day has no dose; the error summary has the focus
    expect(page.get_by_role("alert")).to_contain_text("Enter the dose for")
    assert not DosingInstruction.objects.exists()
    third = today + dt.timedelta(days=2)
    page.get_by_label(f"{third:%A} {third.day}").fill("2.5")
    page.get_by_role("button", name="Save the instructions").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_test_id("no-dose-today")).to_contain_text("second check")
    ui.sign_out()

    # Tia checks it against the letter.
    ui.sign_in("tia")
    ui.check()
    ui.goto(f"/prescriptions/{warfarin.pk}/")
    page.get_by_role("link", name="Check these instructions").click()
    ui.check()
    page.get_by_label("I have checked the INR").check()
    page.get_by_role("button", name="Record the check").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_test_id("dose-today")).to_contain_text("Today's dose: 3 mg")
    ui.sign_out()

    # Carla gives today's dose from the pass.
    ui.sign_in("carla")
    ui.check()
    ui.goto(round_url)
    page.get_by_role("link", name="Start Addie's medicines (1 now)").click()
    ui.check()
    card = page.get_by_test_id("pass-dose").filter(has_text="Warfarin")
    expect(card).to_contain_text("3 mg (the clinic's dose for this day)")
    for question in ("Is this Ada Lovelace?", "Have you checked Addie's allergies", "Does Addie agree"):
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    card.get_by_label("Yes, the label matches").check()
    card.get_by_label("Given", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    ui.check()
    record = Administration.objects.get(prescription=warfarin)
    assert (record.outcome, record.dose_given, record.recorded_by) == ("given", Decimal("3"), world.carla)
