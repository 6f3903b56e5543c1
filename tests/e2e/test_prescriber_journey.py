"""A senior enters a prescription from the GP's directions; a second senior does the transcription check."""

from __future__ import annotations

import pytest
from playwright.sync_api import expect

from carebook.medication.models import Prescription, TranscriptionCheck
from carebook.testing.factories import MedicineFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def medicines(world) -> None:
    MedicineFactory(name="Amlodipine", strength="5 mg")
    MedicineFactory(name="Amlodipine", strength="10 mg")
    MedicineFactory(name="Amiloride", strength="5 mg")
    MedicineFactory(name="Paracetamol", strength="500 mg")


def test_sam_enters_a_prescription_and_tia_checks_it(ui, world, medicines):
    page = ui.page
    ada = world.ada
    ui.expect_status(f"/people/{ada.pk}/prescriptions/new/", 422)  # the first, empty attempt

    # Sam, a senior carer, signs in and sees his home page: nothing is awaiting a check yet
    ui.sign_in("sam")
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Today's medicines")
    expect(page.get_by_test_id("no-awaiting-checks")).to_be_visible()

    # He opens Ada's prescriptions (the person's medicines page does not link here yet: see the H6 report)
    ui.goto(f"/people/{ada.pk}/prescriptions/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Prescriptions for Ada Lovelace")
    page.get_by_role("link", name="Add a prescription").click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Add a prescription")

    # Saving an empty form explains each problem beside its field; nothing is written
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    medicine_group = page.get_by_role("group", name="Medicine")
    expect(medicine_group.locator(".nhsuk-error-message")).to_be_visible()
    assert not Prescription.objects.filter(person=ada).exists()

    # He finds the medicine by typing part of its name, and chooses it from the list
    page.get_by_label("Search for the medicine").fill("amlo 5")
    options = page.get_by_test_id("medicine-options")
    expect(options.get_by_label("Amlodipine 5 mg tablet")).to_be_visible()
    expect(options.get_by_label("Amiloride 5 mg tablet")).to_have_count(0)
    options.get_by_label("Amlodipine 5 mg tablet").check()
    ui.check()  # the list arrived by htmx: check the page as it is now

    # ...and copies the GP's directions
    page.get_by_label("Dose", exact=True).fill("1")
    page.get_by_label("Prescriber's directions, as written").fill("Take ONE tablet each morning")
    page.get_by_label("What it is for (indication)").fill("High blood pressure")
    page.get_by_label("Every day at set times").check()
    page.get_by_label("Time 1", exact=True).fill("08:00")
    page.get_by_label("Prescriber", exact=True).fill("Dr A Khan, Riverside Surgery")
    page.get_by_label("GP prescription").check()
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()

    # The prescription is saved, awaiting a second person's check; Sam cannot check his own entry
    expect(page.get_by_role("heading", level=1)).to_have_text("Amlodipine 5 mg tablet")
    expect(page.get_by_role("status")).to_contain_text("Amlodipine 5 mg tablet added for Ada Lovelace")
    expect(page.get_by_test_id("check-awaiting")).to_be_visible()
    expect(page.get_by_role("link", name="Check this prescription")).to_have_count(0)
    prescription = Prescription.objects.get(person=ada)
    assert (prescription.entered_by, prescription.times, prescription.directions) == (
        world.sam,
        ["08:00"],
        "Take ONE tablet each morning",
    )
    assert not TranscriptionCheck.objects.filter(prescription=prescription).exists()
    ui.sign_out()
    ui.check()

    # Tia, the team leader, signs in: the entry waits for her check on her home page
    ui.sign_in("tia")
    ui.check()
    awaiting = page.get_by_test_id("awaiting-checks")
    expect(awaiting).to_contain_text("Amlodipine 5 mg tablet")
    expect(awaiting).to_contain_text("Entered by Sam Senior")
    awaiting.get_by_role("link", name="Check Amlodipine 5 mg tablet for Ada Lovelace").click()
    ui.check()

    # She compares the entry with the directions and confirms that it matches
    expect(page.get_by_role("heading", level=1)).to_have_text("Transcription check")
    expect(page.get_by_test_id("directions")).to_have_text("Take ONE tablet each morning")
    page.get_by_label("I have checked this against the prescriber's directions and it matches").check()
    page.get_by_role("button", name="Record the check").click()
    ui.check()

    # The check is recorded with her name, and the first dose can now be given
    expect(page.get_by_role("status")).to_contain_text("Transcription check recorded")
    expect(page.get_by_test_id("check-done")).to_contain_text("Tia Leader")
    check = TranscriptionCheck.objects.get(prescription=prescription)
    assert check.checked_by == world.tia
