"""Allergies checked by the system, and the same ingredient across products, as the staff meet them.

1. Sam (senior) records Addie's penicillin allergy and corrects a mistaken one; he enters co-amoxiclav, and the page
   stops him: it contains a penicillin. He holds its doses. Tia (team leader) checks the transcription, sees the
   finding, speaks to the GP and records her decision. Carla (care worker) is refused the dose until then, and
   afterwards sees the allergy and the decision in the allergy prompt.
2. On a phone: Sam adds co-codamol for Addie, who has paracetamol tablets; the page warns both contain paracetamol,
   and Addie's page counts it across both.

The live server runs on the real clock: prescriptions are due at the current minute. Every page is checked with
axe-core at 768 px and 360 px (conftest.UI.check).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from carebook.core import clock
from carebook.medication.models import Administration, AllergyDecision, DueDose, Prescription
from carebook.people.models import Allergy
from carebook.testing.factories import curated_medicine, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

GP_SAYS = "Dr Khan (GP) confirmed by phone: the 2009 rash came with a viral illness. Safe to give; watch for a rash."


def answer_checks(page: Page) -> None:
    checks = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    for index in range(checks.count()):
        checks.nth(index).get_by_label("Yes, confirmed", exact=True).check()


def outcome(page: Page, label: str):
    return page.get_by_role("group", name="Outcome").get_by_label(label, exact=True)


def choose_medicine(page: Page, search: str, label: str) -> None:
    page.get_by_label("Search for the medicine").fill(search)
    options = page.get_by_test_id("medicine-options")
    expect(options.get_by_label(label)).to_be_visible()
    options.get_by_label(label).check()


def test_a_penicillin_allergy_stops_co_amoxiclav_until_a_senior_decides(ui, world):
    page = ui.page
    ada = world.ada
    curated_medicine("coamoxiclav_500_125")  # the medicine list, with what each contains
    at = clock.local_now().strftime("%H:%M")
    ui.expect_status(f"/people/{ada.pk}/prescriptions/new/", 422)  # the page stops to show the finding
    ui.expect_status("/doses/", 422)  # the refused dose

    # Sam opens Addie's page and her allergies: no known allergies so far
    ui.sign_in("sam")
    ui.check()
    ui.goto(f"/people/{ada.pk}/")
    expect(page.get_by_test_id("allergies")).to_have_text("No known allergies.")
    page.get_by_role("link", name="View, record or correct allergies").click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Allergies")

    # He records the penicillin allergy from the list (the class: every penicillin matches)
    page.get_by_role("link", name="Record an allergy or intolerance").click()
    ui.check()
    page.get_by_label("What are they allergic to?").select_option(label="Penicillins")
    page.get_by_label("Allergy", exact=True).check()
    page.get_by_label("Moderate").check()
    page.get_by_label("What happened (the reaction), and when").fill("Rash all over, 2009")
    page.get_by_role("button", name="Save the allergy").click()
    ui.check()
    expect(page.get_by_role("status")).to_contain_text("Recorded for Ada Lovelace: Penicillins")
    expect(page.get_by_test_id("current-allergies")).to_contain_text("Rash all over, 2009")

    # ...and one for the wrong resident, which he marks entered in error: it stays, marked, with his reason
    page.get_by_role("link", name="Record an allergy or intolerance").click()
    ui.check()
    page.get_by_label("What are they allergic to?").select_option(label="Not in the list: I will type it")
    page.get_by_label("If it is not in the list, type it").fill("Sticking plasters")
    page.get_by_label("Mild").check()
    page.get_by_role("button", name="Save the allergy").click()
    ui.check()
    expect(page.get_by_role("status")).to_contain_text("matched by name only")
    page.get_by_role("link", name="Correct Sticking plasters").click()
    ui.check()
    page.get_by_label(re.compile("^Entered in error")).check()
    page.get_by_label("Why").fill("Recorded for Bert, not Addie")
    page.get_by_role("button", name="Mark this record").click()
    ui.check()
    expect(page.get_by_test_id("corrected-allergies")).to_contain_text("Recorded for Bert, not Addie")
    assert Allergy.objects.get(substance="Sticking plasters").status == "entered_in_error"

    # He enters the GP's co-amoxiclav: the page stops him, naming the allergy, the penicillin and the severity
    ui.goto(f"/people/{ada.pk}/prescriptions/new/")
    choose_medicine(page, "co-amox", "Co-amoxiclav 500 mg/125 mg tablet")
    page.get_by_label("Dose", exact=True).fill("1")
    page.get_by_label("Prescriber's directions, as written").fill("Take ONE tablet THREE times a day for 5 days")
    page.get_by_label("Every day at set times").check()
    page.get_by_label("Time 1", exact=True).fill(at)
    page.get_by_label("Prescriber", exact=True).fill("Dr A Khan")
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()
    review = page.get_by_test_id("prescription-review")
    expect(review).to_contain_text("Allergy match: do not give Co-amoxiclav 500 mg/125 mg tablet")
    expect(review).to_contain_text("contains amoxicillin, a penicillin")
    expect(review).to_contain_text("Penicillins (allergy, moderate: Rash all over, 2009)")
    assert not Prescription.objects.exists()
    # He holds its doses for a senior to decide after the GP has been asked
    page.get_by_label("Save it, and hold every dose until a senior records a decision").check()
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()
    expect(page.get_by_test_id("allergy-finding")).to_have_attribute("data-decided", "false")
    rx = Prescription.objects.get()
    ui.sign_out()

    # Tia checks the transcription; the check page shows the finding, and she goes to record her decision
    ui.sign_in("tia")
    ui.check()
    ui.goto(f"/prescriptions/{rx.pk}/check/")
    expect(page.get_by_test_id("prescription-safety")).to_contain_text("Allergy match: do not give")
    page.get_by_label("I have checked this against the prescriber's directions and it matches").check()
    page.get_by_role("button", name="Record the check").click()
    ui.check()
    ui.sign_out()

    # Carla opens the dose: the allergy is at the top, and "given" is refused
    dose = DueDose.objects.filter(prescription=rx, window_closes_at__gte=clock.now()).order_by("scheduled_at").first()
    ui.sign_in("carla")
    ui.check()
    ui.goto(f"/doses/{dose.pk}/record/")
    expect(page.get_by_test_id("allergy-hold")).to_contain_text("Allergy: do not give Co-amoxiclav")
    answer_checks(page)
    outcome(page, "Given").check()
    page.get_by_role("button", name="Save record").click()
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text("Do not give: Co-amoxiclav")
    assert not Administration.objects.exists()
    ui.sign_out()

    # Tia speaks to the GP and records her decision, with the reason
    ui.sign_in("tia")
    ui.check()
    ui.goto(f"/prescriptions/{rx.pk}/")
    page.get_by_role("link", name=re.compile("^Record the senior's decision")).click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Go on with Co-amoxiclav 500 mg/125 mg tablet?")
    page.get_by_label("Why it is safe to go on").fill(GP_SAYS)
    page.get_by_role("button", name="Record the decision").click()
    ui.check()
    expect(page.get_by_test_id("allergy-decision")).to_contain_text(GP_SAYS)
    assert AllergyDecision.objects.get(prescription=rx).decided_by == world.tia
    ui.sign_out()

    # Carla gives it: the allergy prompt shows Addie's allergy and the decision
    ui.sign_in("carla")
    ui.check()
    ui.goto(f"/doses/{dose.pk}/record/")
    expect(page.get_by_test_id("allergy-hold")).to_have_count(0)
    prompt = page.get_by_role("group", name=re.compile("allergies against this medicine"))
    expect(prompt.get_by_test_id("allergies")).to_contain_text("Penicillins")
    expect(prompt.get_by_test_id("allergy-decision")).to_contain_text("Decided by Tia Leader")
    answer_checks(page)
    outcome(page, "Given").check()
    page.get_by_role("button", name="Save record").click()
    ui.check()
    assert Administration.objects.get(prescription=rx).outcome == "given"


def test_co_codamol_and_paracetamol_tablets_share_one_4_g_on_a_phone(phone_ui, world):
    ui, page, ada = phone_ui, phone_ui.page, world.ada
    tablets = curated_medicine("paracetamol_500")
    ui.expect_status(f"/people/{ada.pk}/prescriptions/new/", 422)
    with time_machine.travel(clock.now() - dt.timedelta(hours=1), tick=True):
        paracetamol = prescribe(ada, tablets, by=world.sam, checker=world.tia, dose_min="2", times=["08:00"])

    ui.sign_in("sam")
    ui.check()
    ui.goto(f"/people/{ada.pk}/prescriptions/new/")
    choose_medicine(page, "co-cod", "Co-codamol 30 mg/500 mg tablet")
    page.get_by_label("Dose", exact=True).fill("1")
    page.get_by_label("Up to (variable dose only)").fill("2")
    page.get_by_label("Prescriber's directions, as written").fill("ONE or TWO when required for severe pain")
    page.get_by_label("What it is for (indication)").fill("Severe pain")
    page.get_by_label("When required (PRN)").check()
    page.get_by_role("group", name="Shortest time between doses").get_by_label("Hours", exact=True).fill("4")
    page.get_by_label("Most that may be given in 24 hours").fill("8")
    page.get_by_label("Prescriber", exact=True).fill("Dr A Khan")
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()
    shared = page.get_by_test_id("shared-ingredient")
    expect(shared).to_contain_text("Same ingredient: Paracetamol")
    expect(shared).to_contain_text(
        "Co-codamol 30 mg/500 mg tablet and Paracetamol 500 mg tablet (already prescribed) both contain paracetamol"
    )
    page.get_by_role("button", name="Save the prescription").click()  # seen: save
    ui.check()
    expect(page.get_by_test_id("prescription-safety").get_by_test_id("shared-ingredient")).to_be_visible()
    cocodamol = Prescription.objects.get(medicine__name="Co-codamol")
    assert cocodamol.supersedes is None and paracetamol.pk != cocodamol.pk

    # Addie's page counts paracetamol across both medicines
    ui.goto(f"/people/{ada.pk}/")
    offer = page.get_by_test_id("prn-offer").filter(has_text="Co-codamol")
    expect(offer.get_by_test_id("prn-ingredient").filter(has_text="Paracetamol")).to_contain_text(
        "of at most 4 g in the last 24 hours, from every medicine that contains it"
    )
