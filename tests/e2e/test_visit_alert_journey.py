"""A home-care visit left open is an alert (ADR 0038, hazard H68), walked to its outcome by the office: Chloe, the
coordinator, sees that Edna's morning visit was not closed, opens the alert and from it the visit (Amlodipine has no
outcome), acknowledges it and records that she rang Hana: not given, Hana was held up. Hana gives it and closes the
visit; the scan clears the alert, saying who closed it; Chloe records the outcome and resolves it. Every page is
checked by axe-core at 768 px and 360 px, and Chloe's taps are counted."""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertKind, AlertStatus
from carebook.medication.models import Administration, Medicine, Visit
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe
from tests.e2e.home_care import give_in_one_pass, home_care_branch
from tests.e2e.taps import Taps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# GMT: the visit is 08:30 to 09:15; 30 minutes after, it is still open. Edna's amlodipine is due at 09:00.
NOW = dt.datetime(2026, 12, 4, 9, 50, tzinfo=dt.UTC)
MAX_TAPS = 11  # open the alert, open the visit, back, acknowledge, 3 for the step, 3 for the outcome, resolve


@pytest.fixture
def open_visit(world) -> Alert:
    home = home_care_branch(world)
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        edna = PersonFactory(location=home.branch, given_name="Edna", family_name="Price", room="12 Mill Lane")
        prescribe(
            edna,
            MedicineFactory(name="Amlodipine", strength="5 mg", form=Medicine.Form.TABLET),
            by=home.ravi,
            checker=home.tess,
            times=["09:00"],
        )
        home.plan(edna, date=NOW.date(), start=dt.time(8, 30), end=dt.time(9, 15))
    with time_machine.travel(NOW, tick=False):
        alerts_scan()  # the minute's scan raises it
    return Alert.objects.get(kind=AlertKind.VISIT_NOT_CLOSED)


def save_step(taps: Taps, ui, kind: str, choice: str) -> None:
    """One step on the alert: what was done and its answer, saved."""
    form = ui.page.get_by_test_id("step-form")
    taps.check(form.get_by_label(kind, exact=True))
    taps.check(form.get_by_label(choice, exact=True))
    taps.click(form.get_by_role("button", name="Save the step"))
    ui.check()


def test_the_office_walks_a_visit_left_open_to_its_outcome(ui, world, open_visit):
    alert = open_visit
    page = ui.page
    taps = Taps(page)
    with time_machine.travel(NOW, tick=True):
        ui.sign_in("chloe")
        ui.check()
        ui.goto("/alerts/")
        card = page.get_by_test_id(f"alert-{alert.pk}")
        expect(card).to_contain_text("Edna Price")
        expect(card).to_contain_text("Visit not closed")
        taps.click(card.get_by_role("link", name=re.compile("^Visit not closed")))
        ui.check()

        # The visit behind it: still open, and which medicine has no outcome
        records = page.get_by_test_id("alert-records")
        taps.click(records.get_by_role("link", name="The morning visit on Hana Ahmed's run"))
        ui.check()
        expect(page.get_by_test_id("visit-state")).to_contain_text("Not closed yet: 1 medicine without an outcome")
        expect(page.get_by_role("list", name="Medicines for Edna in this visit")).to_contain_text("Amlodipine")
        expect(page.get_by_test_id("key-safe")).to_have_count(0)  # the key safe is for the worker going in
        expect(page.get_by_role("button", name="Close the visit")).to_have_count(0)  # Hana's, or a senior's
        taps.back()  # to the alert
        ui.check()

        taps.click(page.get_by_role("button", name="Acknowledge"))
        ui.check()
        save_step(taps, ui, "Contacted the care worker", "Not given")
        ui.sign_out()

        # Hana, held up at her last visit, arrives: gives the amlodipine in one pass and closes the visit
        ui.sign_in("hana")
        ui.check()
        page.get_by_test_id("run-visit").first.get_by_role("link").first.click()
        page.wait_for_load_state()
        ui.check()
        give_in_one_pass(ui, "Edna", "Amlodipine")
        ui.check()
        page.get_by_role("button", name="Close the visit").click()
        page.wait_for_load_state()
        ui.check()
        expect(page.get_by_role("status").filter(has_text="Visit closed: Edna Price")).to_have_count(1)
        ui.sign_out()
        alerts_scan()  # the minute's scan clears it: the visit is closed

        ui.sign_in("chloe")
        ui.goto(f"/alerts/{alert.pk}/")
        expect(page.get_by_test_id("cleared-reason")).to_contain_text("The visit was closed by Hana Ahmed at")
        save_step(taps, ui, "Outcome", "Give the dose now")
        taps.click(page.get_by_role("button", name="Resolve"))
        ui.check()

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by is not None and alert.resolved_by.username == "chloe"
    visit = Visit.objects.get()
    assert visit.closed_by is not None and visit.closed_by.username == "hana"
    assert Administration.objects.get().outcome == "given"
    assert taps.count <= MAX_TAPS, taps.count
    ui.assert_every_page_checked()
