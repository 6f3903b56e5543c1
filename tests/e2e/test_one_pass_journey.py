"""One pass per person (ADR 0036): Carla gives Addie her five morning medicines in one pass, on the tablet and on a
phone, and the test counts every tap. The figure goes in docs/benchmarks.md ("Taps of a five-medicine visit").

A tap is a click, a check or a focus into a field (typing a reading is one tap, then keys). Before the pass, a
regular dose took 10 taps on its own page (seven checks, the outcome, save, and the link to it): 50 for five.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from bench.report import FIVE_MEDICINE_VISIT_TAPS, TAPS_PER_EXTRA_MEDICINE
from carebook.core import clock
from carebook.medication.models import Administration, Medicine, Prescription, PromptAnswer
from carebook.medication.vocab import BASE_PROMPTS
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Taps:
    count: int = 0
    log: list[str] = field(default_factory=list)

    def click(self, locator: Locator, what: str) -> None:
        locator.click()
        self._count(what)

    def check(self, locator: Locator, what: str) -> None:
        locator.check()
        self._count(what)

    def type_into(self, locator: Locator, text: str, what: str) -> None:
        locator.click()  # the one tap; the keys that follow are typing
        locator.press_sequentially(text)
        self._count(what)

    def _count(self, what: str) -> None:
        self.count += 1
        self.log.append(what)


@pytest.fixture
def addies_morning(world) -> list[Prescription]:
    """Five medicines due at the current minute; the digoxin asks for her pulse first. Someone on her unit is also
    called Ada."""
    at = clock.local_now().replace(second=0, microsecond=0).strftime("%H:%M")
    PersonFactory(location=world.home, unit=world.rowan, given_name="Ada", family_name="Byron", room="9")
    names = [("Amlodipine", "5 mg", ""), ("Sertraline", "50 mg", ""), ("Metformin", "500 mg", "")]
    names += [("Omeprazole", "20 mg", ""), ("Digoxin", "125 micrograms", "pulse")]
    with time_machine.travel(clock.now() - dt.timedelta(hours=1), tick=True):
        return [
            prescribe(
                world.ada,
                MedicineFactory(name=name, strength=strength, form=Medicine.Form.TABLET),
                by=world.sam,
                checker=world.tia,
                times=[at],
                required_check=check,
            )
            for name, strength, check in names
        ]


def medicine_card(page: Page, name: str) -> Locator:
    return page.get_by_test_id("pass-dose").filter(has_text=name)


def open_addies_pass(ui, world, taps: Taps) -> Page:
    page = ui.page
    ui.sign_in("carla")
    ui.check()  # where are you working?
    ui.goto(f"/locations/{world.home.pk}/round/?unit={world.rowan.pk}&round=next2h")
    addie = page.get_by_test_id("round-person").filter(has=page.get_by_role("heading", name="Addie"))
    taps.click(addie.get_by_role("link", name="Start Addie's medicines (5 now)"), "open the pass")
    ui.check()
    return page


def walk_the_pass(ui, world, taps: Taps) -> None:
    page = open_addies_pass(ui, world, taps)
    expect(page.get_by_role("heading", level=1)).to_have_text("Addie's medicines")
    expect(page.get_by_test_id("namesakes")).to_contain_text("Ada Byron (room 9) has the same first name")
    expect(page.get_by_test_id("pass-dose")).to_have_count(5)
    expect(page.locator("input:checked")).to_have_count(0)  # nothing safety-relevant is pre-ticked
    # Who she is and her allergies come first: on the first screen, even on a 360 x 740 phone
    viewport = page.viewport_size or {"height": 0}
    for part in (page.get_by_role("img", name="Picture of Ada Lovelace"), page.get_by_test_id("allergies")):
        box = part.bounding_box()
        assert box is not None and box["y"] + box["height"] <= viewport["height"], box

    # The checks of the person, once for the visit
    for question in ("Is this Ada Lovelace?", "Have you checked Addie's allergies", "Does Addie agree"):
        group = page.get_by_role("group", name=question)
        taps.check(group.get_by_label("Yes", exact=True), question)
    after_person = taps.count

    # Each medicine: its label, what its rule asks, and its outcome
    for name in ("Amlodipine", "Sertraline", "Metformin", "Omeprazole", "Digoxin"):
        card = medicine_card(page, name)
        before = taps.count
        taps.check(card.get_by_label("Yes, the label matches"), f"{name}: label")
        if name == "Digoxin":
            taps.type_into(card.get_by_label("Pulse (beats per minute) before Digoxin"), "68", f"{name}: pulse")
        taps.check(card.get_by_label("Given", exact=True), f"{name}: given")
        assert taps.count - before <= TAPS_PER_EXTRA_MEDICINE, taps.log[before:]
    taps.click(page.get_by_role("button", name="Save"), "save")
    page.wait_for_load_state()
    ui.check()
    assert ui.path.startswith(f"/locations/{world.home.pk}/round/") and page.url.endswith(f"#person-{world.ada.pk}")
    for name in ("Amlodipine", "Sertraline", "Metformin", "Omeprazole", "Digoxin"):
        expect(page.get_by_role("status").filter(has_text=f"Given: {name}")).to_have_count(1)
    assert taps.count - after_person <= 5 * TAPS_PER_EXTRA_MEDICINE + 1

    records = list(Administration.objects.filter(person=world.ada).order_by("prescription__medicine__name"))
    assert [(r.outcome, r.recorded_by) for r in records] == [("given", world.carla)] * 5
    for record in records:
        answers = PromptAnswer.objects.filter(administration=record, result="confirmed")
        assert set(BASE_PROMPTS) <= set(answers.values_list("prompt", flat=True))  # every check, per medicine
    digoxin = next(r for r in records if r.prescription.medicine.name == "Digoxin")
    assert PromptAnswer.objects.get(administration=digoxin, prompt="pulse").value == 68


def test_a_five_medicine_visit_in_one_pass_on_the_tablet(ui, world, addies_morning):
    taps = Taps()
    walk_the_pass(ui, world, taps)
    print(f"\nTaps of a five-medicine visit (tablet): {taps.count}: {', '.join(taps.log)}")
    # 1 to open, 3 for the person, 2 a medicine (3 with the pulse), 1 to save: the figure in docs/benchmarks.md
    assert taps.count == FIVE_MEDICINE_VISIT_TAPS, taps.log


def test_a_five_medicine_visit_in_one_pass_on_a_phone(phone_ui, world, addies_morning):
    taps = Taps()
    walk_the_pass(phone_ui, world, taps)
    print(f"\nTaps of a five-medicine visit (phone): {taps.count}")
    assert taps.count == FIVE_MEDICINE_VISIT_TAPS, taps.log


def test_a_refusal_without_a_reason_is_told_beside_the_medicine_and_nothing_is_saved(ui, world, addies_morning):
    ui.expect_status("/people/", 422)
    taps = Taps()
    page = open_addies_pass(ui, world, taps)
    for question in ("Is this Ada Lovelace?", "Have you checked Addie's allergies", "Does Addie agree"):
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    card = medicine_card(page, "Sertraline")
    card.get_by_label("Yes, the label matches").check()
    card.get_by_label("Refused (will offer again)").check()
    amlodipine = medicine_card(page, "Amlodipine")
    amlodipine.get_by_label("Yes, the label matches").check()
    amlodipine.get_by_label("Given", exact=True).check()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    ui.check()  # the error summary has the focus
    expect(page.get_by_role("alert")).to_contain_text(
        "Sertraline 50 mg tablet: Say in words why the dose was not given."
    )
    expect(medicine_card(page, "Sertraline")).to_contain_text("Say in words why the dose was not given.")
    expect(medicine_card(page, "Amlodipine").get_by_label("Given", exact=True)).to_be_checked()  # kept as typed
    assert not Administration.objects.exists()

    card = medicine_card(page, "Sertraline")
    card.get_by_label("Reason, if not given").fill("Said she felt sick")
    card.get_by_label("Yes, the label matches").check()
    for question in ("Is this Ada Lovelace?", "Have you checked Addie's allergies", "Does Addie agree"):
        expect(page.get_by_role("group", name=question).get_by_label("Yes", exact=True)).to_be_checked()
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_role("status").filter(has_text="Refused (will offer again): Sertraline")).to_have_count(1)
    assert Administration.objects.filter(person=world.ada).count() == 2
