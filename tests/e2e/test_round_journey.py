"""A whole medication round, as Carla (a care worker) does it on the unit's tablet.

The live server runs on the real clock, so the data is made around the real time: the prescriptions were
entered (and checked) an hour ago, and Addie's doses are due at the current minute. Every page visited is
checked by axe-core at 768 px and again at 360 px (see conftest.UI.check).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from carebook.core import clock
from carebook.medication.models import Administration, Medicine, Outcome, Prescription, PromptAnswer
from carebook.medication.selectors.round import ROUNDS, round_for_time
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe
from tests.e2e.conftest import PHONE, TABLET

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Round:
    due_at: dt.datetime  # local wall-clock time of Addie's scheduled doses
    amlodipine: Prescription
    sertraline: Prescription
    morphine: Prescription
    paracetamol: Prescription
    berts: Prescription


@pytest.fixture
def addies_round(world) -> Round:
    """Addie (Ada Lovelace, Rowan unit) has three doses due now and paracetamol when required."""
    due_at = clock.local_now().replace(second=0, microsecond=0)
    at = due_at.strftime("%H:%M")

    def medicine(**fields: object) -> Medicine:
        return MedicineFactory(**fields)

    # Entered and checked an hour ago, so today's slot at the current minute exists (slots are made from entry on).
    with time_machine.travel(clock.now() - dt.timedelta(hours=1), tick=True):
        amlodipine = prescribe(
            world.ada,
            medicine(name="Amlodipine", strength="5 mg"),
            by=world.sam,
            checker=world.tia,
            times=[at],
            directions="Take ONE tablet daily",
            indication="High blood pressure",
        )
        sertraline = prescribe(
            world.ada,
            medicine(name="Sertraline", strength="50 mg"),
            by=world.sam,
            checker=world.tia,
            times=[at],
            directions="Take ONE tablet daily",
        )
        morphine = prescribe(
            world.ada,
            medicine(
                name="Morphine sulfate",
                strength="10 mg/5 mL",
                form=Medicine.Form.LIQUID,
                dose_unit="mL",
                controlled_drug_schedule=2,
            ),
            by=world.sam,
            checker=world.tia,
            times=[at],
            dose_min=Decimal("2.5"),
            directions="Give 2.5 mL (5 mg) by mouth",
            indication="Pain",
        )
        paracetamol = prescribe(
            world.ada,
            medicine(name="Paracetamol", strength="500 mg"),
            by=world.sam,
            checker=world.tia,
            schedule_kind="prn",
            times=[],
            dose_min=Decimal("2"),
            directions="Take TWO tablets up to four times a day when required for pain",
            indication="Pain",
            prn_min_interval_minutes=240,
            prn_max_quantity_24h=Decimal("8"),
        )
        berts = prescribe(
            world.bert,
            medicine(name="Levothyroxine", strength="50 micrograms"),
            by=world.sam,
            checker=world.tia,
            times=[at],
            directions="Take ONE tablet each morning",
        )
    return Round(due_at, amlodipine, sertraline, morphine, paracetamol, berts)


# --- Steps a carer takes (accessible locators only) ---------------------------------------------------------------


def safety_checks(page: Page) -> Locator:
    """The numbered safety-check questions, each a fieldset (role group) named by its question."""
    return page.get_by_role("group", name=re.compile(r"^\d+\. "))


def answer_checks(page: Page, *, fail: str | None = None) -> list[str]:
    """Answer each safety check in order, "Yes, confirmed" (or "No" for ``fail``). Returns the questions."""
    questions = []
    checks = safety_checks(page)
    for index in range(checks.count()):
        check = checks.nth(index)
        question = check.get_by_role("heading").inner_text()
        questions.append(question)
        if fail is not None and fail in question:
            check.get_by_label("No", exact=True).check()
        else:
            check.get_by_label("Yes, confirmed", exact=True).check()
    return questions


def outcome(page: Page, label: str) -> Locator:
    return page.get_by_role("group", name="Outcome").get_by_label(label, exact=True)


def save(page: Page) -> None:
    page.get_by_role("button", name="Save record").click()
    page.wait_for_load_state()


def dose_row(page: Page, medicine: str) -> Locator:
    return page.get_by_test_id("dose").filter(has_text=medicine)


def mar_cell(page: Page, medicine: str, time_label: str, day: int) -> Locator:
    group = page.get_by_test_id("mar-rx").filter(has_text=medicine)
    row = group.get_by_role("row").filter(has=page.get_by_role("rowheader", name=re.compile(time_label)))
    return row.locator(f'td[data-day="{day}"]')


def expect_recorded_message(page: Page, medicine: str, outcome: str = "Given", reason: bool = False) -> None:
    """The feedback says what was recorded, so a wrong tap is seen at once (issue 8)."""
    message = page.get_by_role("status").filter(has_text=f"{medicine} for Addie")
    expect(message).to_contain_text(f"{outcome}: {medicine} for Addie")
    if reason:
        expect(message).to_contain_text("Reason kept.")


# --- The journey --------------------------------------------------------------------------------------------------


def test_carla_walks_a_whole_round_on_the_tablet(ui, world, addies_round):
    page = ui.page
    rx = addies_round
    at = rx.due_at.strftime("%H:%M")
    ui.expect_status("/doses/", 422)  # the refused controlled drug without a witness is a 422 form
    ui.expect_status("/prescriptions/", 422)  # the refused second PRN dose too

    # Carla signs in on the unit's tablet and is asked where she is working
    ui.sign_in("carla")
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Where are you working?")

    # She chooses Oakfield House, Rowan unit, and opens the round
    page.get_by_label("Oakfield House, Rowan").check()
    page.get_by_role("button", name="Open the round").click()
    ui.check()
    assert ui.path.startswith(f"/locations/{world.home.pk}/round/")
    expect(page.get_by_test_id("who")).to_contain_text("Oakfield House, Rowan")
    round_label = ROUNDS[round_for_time(rx.due_at.time())].label
    if page.get_by_role("heading", level=1).inner_text() != f"{round_label} round":
        # The clock crossed into the next round since the data was made: the doses are still in the next 2 hours.
        page.get_by_role("link", name="Next 2 hours").click()
        ui.check()

    # She sees Addie, with her picture, allergies and how she likes her medicines; Bert (Willow) is not here
    addie = page.get_by_test_id("round-person").filter(has=page.get_by_role("heading", name="Addie"))
    expect(addie).to_have_count(1)
    expect(addie.get_by_role("img", name="Picture of Ada Lovelace")).to_be_visible()
    expect(addie.get_by_test_id("allergies")).to_have_text("No known allergies")
    expect(addie).to_contain_text("Likes to take tablets one at a time with water.")
    expect(page.get_by_text("Bert Jones")).to_have_count(0)
    # On a 360 x 740 phone, her picture and allergies are on the first screen, before any scrolling
    page.set_viewport_size(PHONE)
    try:
        page.evaluate("() => window.scrollTo(0, 0)")
        for part in (addie.get_by_role("img", name="Picture of Ada Lovelace"), addie.get_by_test_id("allergies")):
            box = part.bounding_box()
            assert box is not None and box["y"] + box["height"] <= PHONE["height"], box
    finally:
        page.set_viewport_size(TABLET)
    expect(dose_row(addie, "Morphine sulfate")).to_contain_text("Controlled drug: witness needed")

    # 1. Amlodipine: every safety prompt confirmed, then Given
    dose_row(addie, "Amlodipine").get_by_role("link", name=re.compile("^Record")).click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Record Amlodipine 5 mg tablet")
    expect(outcome(page, "Given")).to_be_disabled()  # nothing can be recorded before the person is confirmed
    questions = answer_checks(page)
    assert questions == [
        "1. Is this Addie?",
        "2. Is this the right medicine? Check the label against this record.",
        "3. Is this the right dose?",
        "4. Is it the right time for this dose?",
        "5. Is it the right route?",
        "6. Have you checked Addie's allergies against this medicine?",
        "7. Does Addie agree to take it?",
    ]
    page.wait_for_timeout(1200)  # a pause between the checks and saving, so their times differ
    outcome(page, "Given").check()
    save(page)
    ui.check()
    expect_recorded_message(page, "Amlodipine 5 mg tablet")
    expect(dose_row(page, "Amlodipine")).to_contain_text("Given by Carla Carer at")
    given = Administration.objects.get(prescription=rx.amlodipine)
    assert (given.outcome, given.recorded_by, given.witness) == (Outcome.GIVEN, world.carla, None)
    assert PromptAnswer.objects.filter(administration=given, result="confirmed").count() == 7
    # Each check keeps the server's time of its tap (reported by the page as it was answered), before the save
    tapped = PromptAnswer.objects.filter(administration=given).values_list("answered_at", flat=True)
    assert all(at < given.recorded_at - dt.timedelta(seconds=1) for at in tapped)

    # 2. Sertraline: Addie does not agree, so only a not-given code can be chosen; Carla records a refusal
    dose_row(page, "Sertraline").get_by_role("link", name=re.compile("^Record")).click()
    ui.check()
    answer_checks(page, fail="agree to take it")
    expect(outcome(page, "Given")).to_be_disabled()
    outcome(page, "Refused (will offer again)").check()
    page.get_by_label("Reason, if not given or a different dose").fill("Said she felt sick. Will offer after lunch.")
    save(page)
    ui.check()
    expect_recorded_message(page, "Sertraline 50 mg tablet", outcome="Refused (will offer again)", reason=True)
    assert page.url.endswith(f"#person-{world.ada.pk}")  # back at Addie's card, where Carla was
    expect(page.get_by_role("status").filter(has_text="Sertraline")).to_contain_text("it stays on the round")
    # The refusal waits on the round: the dose is to be offered again by the end of its window (ADR 0034)
    expect(dose_row(page, "Sertraline")).to_contain_text("Refused at")
    expect(dose_row(page, "Sertraline")).to_contain_text("(Carla Carer): offer again by")
    expect(dose_row(page, "Sertraline").get_by_role("link", name=re.compile("^Offer again"))).to_be_visible()
    refused = Administration.objects.get(prescription=rx.sertraline)
    assert (refused.outcome, refused.reason) == (Outcome.REFUSED, "Said she felt sick. Will offer after lunch.")
    assert refused.status == Administration.Status.OFFER_AGAIN
    assert PromptAnswer.objects.get(administration=refused, prompt="consent").result == "failed"

    # 3. Morphine (schedule 2): without a witness it is refused, beside the witness fields; nothing is written
    dose_row(page, "Morphine sulfate").get_by_role("link", name=re.compile("^Record")).click()
    ui.check()
    answer_checks(page)
    outcome(page, "Given").check()
    save(page)
    ui.check()
    witness = page.get_by_test_id("witness")
    expect(witness).to_contain_text("This is a controlled drug: a second trained member of staff must witness it")
    expect(page.get_by_role("alert")).to_contain_text("There is a problem")
    assert not Administration.objects.filter(prescription=rx.morphine).exists()

    # ...so Sam, a senior carer, watches and types his own username and password on the same page
    page.get_by_label("Witness's username").fill("sam")
    page.get_by_label("Witness's password").fill(PASSWORD)
    expect(outcome(page, "Given")).to_be_checked()  # her answers were kept
    expect(safety_checks(page).get_by_label("Yes, confirmed", exact=True).first).to_be_checked()
    save(page)
    ui.check()
    expect_recorded_message(page, "Morphine sulfate 10 mg/5 mL oral liquid")
    expect(dose_row(page, "Morphine sulfate")).to_contain_text("Given by Carla Carer at")
    witnessed = Administration.objects.get(prescription=rx.morphine)
    assert (witnessed.recorded_by, witnessed.witness) == (world.carla, world.sam)

    # ...then Carla offers the sertraline again: the first refusal is on the page, a second "will offer again" is
    # not offered, and Addie takes it. Three taps after the checks: Offer again, Given, Save record.
    dose_row(page, "Sertraline").get_by_role("link", name=re.compile("^Offer again")).click()
    ui.check()
    expect(page.get_by_test_id("offered-again")).to_contain_text("Said she felt sick. Will offer after lunch.")
    expect(outcome(page, "Refused (will offer again)")).to_have_count(0)
    answer_checks(page)
    outcome(page, "Given").check()
    save(page)
    ui.check()
    expect_recorded_message(page, "Sertraline 50 mg tablet")
    expect(dose_row(page, "Sertraline")).to_contain_text("Given by Carla Carer at")
    statuses = Administration.objects.filter(prescription=rx.sertraline).order_by("recorded_at")
    assert [(a.outcome, a.status) for a in statuses] == [("refused", "offer_again"), ("given", "completed")]

    # 4. Paracetamol when required, from Addie's page, with the reason it was given
    page.get_by_role("link", name="Addie", exact=True).click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_have_text("Addie")
    prn = page.get_by_test_id("prn-offer").filter(has_text="Paracetamol")
    expect(prn.get_by_test_id("prn-status")).to_have_text("Can be given now")
    prn.get_by_role("link", name="Give Paracetamol 500 mg tablet").click()
    ui.check()
    give_url = page.url
    expect(page.get_by_role("heading", level=1)).to_have_text("Give Paracetamol 500 mg tablet")
    answer_checks(page)
    outcome(page, "Given").check()
    page.get_by_label("Why was it given?").fill("Pain in her left knee, 6 out of 10")
    save(page)
    ui.check()
    expect_recorded_message(page, "Paracetamol 500 mg tablet")
    first = Administration.objects.get(prescription=rx.paracetamol)
    assert first.prn_reason == "Pain in her left knee, 6 out of 10"
    allowed = clock.to_local(first.administered_at + dt.timedelta(hours=4)).strftime("%H:%M")
    prn = page.get_by_test_id("prn-offer").filter(has_text="Paracetamol")
    expect(prn.get_by_test_id("prn-status")).to_contain_text(f"Next dose allowed from {allowed}")
    expect(prn.get_by_role("link", name=re.compile("^Give"))).to_have_count(0)

    # ...and a second dose at once is refused, with the time it becomes allowed; nothing more is written
    page.goto(give_url)
    ui.check()
    expect(page.get_by_test_id("prn-not-yet")).to_contain_text(f"Next dose allowed from {allowed}")
    answer_checks(page)
    outcome(page, "Given").check()
    page.get_by_label("Why was it given?").fill("Still in pain")
    save(page)
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text(f"The next dose can be given from {allowed}")
    assert Administration.objects.filter(prescription=rx.paracetamol).count() == 1

    # 5. The MAR chart shows the codes and initials of today's round
    page.get_by_role("link", name=re.compile("^Back")).first.click()
    ui.check()
    page.get_by_role("link", name="MAR chart").click()
    ui.check()
    expect(page.get_by_role("heading", level=1)).to_contain_text("MAR chart")
    today = rx.due_at.day
    expect(mar_cell(page, "Amlodipine", at, today)).to_contain_text("CC")
    expect(mar_cell(page, "Sertraline", at, today)).to_contain_text("R")  # the first refusal stays on the MAR...
    expect(mar_cell(page, "Sertraline", at, today).get_by_test_id("mar-offered-again")).to_have_count(1)
    expect(mar_cell(page, "Sertraline", at, today)).to_contain_text("CC")  # ...then the outcome of the second offer
    expect(mar_cell(page, "Morphine sulfate", at, today)).to_contain_text("CC/SS")
    given_at = clock.to_local(first.administered_at).strftime("%H:%M")
    expect(page.get_by_test_id("mar-prn-rx").filter(has_text="Paracetamol")).to_contain_text(f"{given_at} 2 CC")
    expect(page.get_by_test_id("mar-grid")).not_to_contain_text("Levothyroxine")  # Bert's, not Addie's
