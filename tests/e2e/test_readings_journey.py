"""Readings can stop a dose, and NHS numbers are checked: what Sam, Carla and a tablet without JavaScript do.

The live server runs on the real clock: the prescriptions are entered (and checked) an hour ago, with a dose
due at the current minute. Every page is checked by axe-core at 768 px and 360 px (conftest.UI.check).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator
from typing import Any

import pytest
import time_machine
from playwright.sync_api import Browser, Page, expect

from carebook.core import clock
from carebook.medication.models import Administration, DueDose, Prescription, PromptAnswer
from carebook.people.models import Person
from carebook.testing.factories import MedicineFactory, prescribe
from tests.e2e.conftest import PHONE, TABLET, UI

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def digoxin_due_now(world: Any) -> DueDose:
    """Addie's digoxin, "do not give if pulse below 60", entered and checked an hour ago, due now."""
    at = clock.local_now().strftime("%H:%M")
    with time_machine.travel(clock.now() - dt.timedelta(hours=1), tick=True):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Digoxin", strength="125 micrograms", required_check="pulse"),
            by=world.sam,
            checker=world.tia,
            times=[at],
            directions="Take ONE tablet each morning. Do not give if pulse below 60.",
            reading_below="60",
            reading_below_action="withhold",
            reading_plan="Tell the senior on shift and the GP surgery the same day.",
        )
    return DueDose.objects.get(prescription=rx, local_date=clock.local_now().date(), local_time__hour=int(at[:2]))


def answer_every_check(page: Page) -> None:
    checks = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    for index in range(checks.count()):
        checks.nth(index).get_by_label("Yes, confirmed", exact=True).check()


def outcome(page: Page, label: str) -> Any:
    return page.get_by_role("group", name="Outcome").get_by_label(label, exact=True)


def test_sam_writes_the_pulse_limit_on_the_prescription_form(ui, world):
    page = ui.page
    MedicineFactory(name="Digoxin", strength="125 micrograms", required_check="pulse")
    ui.sign_in("sam")
    ui.check()
    ui.goto(f"/people/{world.ada.pk}/prescriptions/new/")
    page.get_by_label("Search for the medicine").fill("digox")
    page.get_by_test_id("medicine-options").get_by_label("Digoxin 125 micrograms tablet").check()
    page.get_by_label("Dose", exact=True).fill("1")
    page.get_by_label("Prescriber's directions, as written").fill("ONE each morning. Do not give if pulse below 60.")
    limits = page.get_by_test_id("reading-limits")
    limits.get_by_label("If the reading is below").fill("60")
    limits.get_by_role("group", name=re.compile("if the reading is below")).get_by_label("Do not give").check()
    limits.get_by_label("What to do when the reading is outside the limits").fill("Tell the GP the same day.")
    page.get_by_label("Every day at set times").check()
    page.get_by_label("Time 1").fill("08:00")
    page.get_by_label("Prescriber", exact=True).fill("Dr A Khan, Riverside Surgery")
    page.get_by_role("button", name="Save the prescription").click()
    ui.check()
    details = page.get_by_test_id("details")
    expect(details).to_contain_text("Do not give if pulse below 60 beats per minute. Tell the GP the same day.")
    rx = Prescription.objects.get(person=world.ada)
    assert (rx.required_check, rx.reading_below, rx.reading_below_action) == ("pulse", 60, "withhold")


def test_carla_withholds_digoxin_when_addies_pulse_is_52(ui, world):
    page = ui.page
    dose = digoxin_due_now(world)
    ui.sign_in("carla")
    ui.check()
    ui.goto(f"/doses/{dose.pk}/record/")
    pulse = page.get_by_role("group", name="8. Take Addie's pulse")
    expect(pulse.get_by_test_id("reading-rule-pulse")).to_contain_text(
        "Do not give if pulse below 60 beats per minute."
    )

    # She takes the pulse and types it: the server's decision appears at once, and "Given" is no longer offered
    answer_every_check(page)
    pulse.get_by_label("Pulse (beats per minute)").fill("52")
    decision = pulse.get_by_test_id("reading-decision-pulse")
    expect(decision).to_contain_text("Pulse 52 beats per minute is below 60: do not give.")
    expect(decision).to_contain_text("Tell the senior on shift and the GP surgery the same day.")
    expect(outcome(page, "Given")).to_be_disabled()
    ui.check()
    assert not Administration.objects.exists()

    outcome(page, "Not required").check()
    page.get_by_label("Reason, if not given or a different dose").fill("Pulse 52: withheld. Told Sam and the GP.")
    page.get_by_role("button", name="Save record").click()
    ui.check()
    expect(page.get_by_role("status").filter(has_text="Withheld on the prescriber's instruction")).to_contain_text(
        "Pulse 52 beats per minute: below 60, do not give"
    )
    record = Administration.objects.get(due_dose=dose)
    assert record.outcome == "not_required"
    assert PromptAnswer.objects.get(administration=record, prompt="pulse").decision == "withhold"

    # The reading is on Addie's page and on her MAR chart, with its unit and what it decided
    ui.goto(f"/people/{world.ada.pk}/")
    expect(page.get_by_test_id("reading").first).to_contain_text("Pulse 52 beats per minute: below 60, do not give")
    ui.goto(f"/people/{world.ada.pk}/mar/")
    expect(page.get_by_test_id("mar-readings")).to_contain_text("Pulse 52 beats per minute: below 60, do not give")
    expect(page.get_by_test_id("mar-cell-reading").first).to_contain_text("P 52")
    # On a phone: one medicine at a time instead of the wide grid, each opening to its doses (checked by axe too).
    size = page.viewport_size
    page.set_viewport_size({"width": 360, "height": 740})
    expect(page.get_by_test_id("mar-grid")).to_be_hidden()
    digoxin = page.get_by_test_id("mar-phone-rx").filter(has_text="Digoxin")
    digoxin.locator("summary").click()
    expect(digoxin).to_contain_text("Pulse 52 beats per minute: below 60, do not give")
    ui.check()
    assert size is not None
    page.set_viewport_size(size)


class NoScriptUI(UI):
    """A tab with JavaScript turned off. axe-core is a script, so each page, as it was served, is checked in a
    mirror tab with scripts on (same HTML, same stylesheets), at 360 px and 768 px."""

    mirror: Page | None = None

    def check(self, *, phone: bool = True) -> None:
        self.page.wait_for_load_state()
        self.checked.add(self._page_key(self.page.url))
        self.assert_no_console_problems()
        assert self.mirror is not None
        self.mirror.set_content(self.page.content().replace("<head>", f'<head><base href="{self.base_url}/">', 1))
        twin = UI(page=self.mirror, base_url=self.base_url, axe_source=self.axe_source)
        failures = []
        for size in (PHONE, TABLET):
            self.mirror.set_viewport_size(size)
            failures += twin._axe_and_width(f"{size['width']} px, as served without JavaScript")
        assert not failures, f"Accessibility/layout problems on {self.path}:\n" + "\n".join(failures)


@pytest.fixture
def tablet_without_javascript(browser: Browser, live_server: Any, axe_source: str) -> Iterator[UI]:
    """A phone-sized browser with JavaScript turned off: the page must still tell the carer what a reading means."""
    context = browser.new_context(
        viewport=PHONE, locale="en-GB", timezone_id="Europe/London", java_script_enabled=False
    )
    context.set_default_timeout(15_000)
    mirror = browser.new_context(viewport=PHONE, locale="en-GB", timezone_id="Europe/London")
    ui = NoScriptUI(page=context.new_page(), base_url=live_server.url, axe_source=axe_source)
    ui.mirror = mirror.new_page()
    ui.attach()
    yield ui
    ui.assert_no_console_problems()
    ui.assert_every_page_checked()
    context.close()
    mirror.close()


def test_without_javascript_check_the_reading_tells_carla_and_the_server_refuses_given(
    tablet_without_javascript, world
):
    ui = tablet_without_javascript
    page = ui.page
    dose = digoxin_due_now(world)
    ui.expect_status(f"/doses/{dose.pk}/record/", 422)  # "Given" with a slow pulse is refused
    ui.sign_in("carla")
    ui.check()
    ui.goto(f"/doses/{dose.pk}/record/")
    answer_every_check(page)
    page.get_by_label("Pulse (beats per minute)").fill("52")
    page.get_by_role("button", name="Check the reading").click()
    ui.check()
    expect(page.get_by_test_id("reading-decision-pulse")).to_contain_text("below 60: do not give")
    expect(page.get_by_label("Pulse (beats per minute)")).to_have_value("52")  # what she typed is kept

    # Without JavaScript nothing stops her choosing "Given": the server does, with the plan, and writes nothing
    outcome(page, "Given").check()
    page.get_by_role("button", name="Save record").click()
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text("Pulse 52 beats per minute is below 60: do not give.")
    expect(page.get_by_role("alert")).to_contain_text("Tell the senior on shift and the GP surgery the same day.")
    assert not Administration.objects.exists()

    outcome(page, "Not required").check()
    page.get_by_label("Reason, if not given or a different dose").fill("Pulse 52: withheld. Told Sam.")
    page.get_by_role("button", name="Save record").click()
    ui.check()
    expect(page.get_by_role("status").filter(has_text="Withheld")).to_contain_text("below 60, do not give")
    assert Administration.objects.get(due_dose=dose).outcome == "not_required"


def test_sam_corrects_addies_nhs_number_and_a_typo_is_refused(phone_ui, world):
    ui = phone_ui
    page = ui.page
    ui.expect_status(f"/people/{world.ada.pk}/nhs-number/", 422)
    ui.sign_in("sam")
    ui.check()
    ui.goto(f"/people/{world.ada.pk}/")
    expect(page.get_by_test_id("nhs-number")).to_contain_text("943 476 5919")
    page.get_by_role("link", name="Change NHS number").click()
    ui.check()
    page.get_by_label("NHS number", exact=True).fill("999 000 1104")  # one digit wrong
    page.get_by_label("Where does this number come from?").fill("GP letter of 3 June")
    page.get_by_role("button", name="Save the NHS number").click()
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text("This is not a valid NHS number: check the digits.")
    assert Person.objects.get(pk=world.ada.pk).nhs_number == "9434765919"

    page.get_by_label("NHS number", exact=True).fill("999-000-1103")
    page.get_by_role("button", name="Save the NHS number").click()
    ui.check()
    expect(page.get_by_test_id("nhs-number")).to_contain_text("999 000 1103")
    assert Person.objects.get(pk=world.ada.pk).nhs_number == "9990001103"
