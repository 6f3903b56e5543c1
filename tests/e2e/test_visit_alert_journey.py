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

from carebook.access.models import Role
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertKind, AlertStatus
from carebook.medication.models import Administration, Medicine, Visit
from carebook.medication.services.visits import visit_plan
from carebook.organisations.models import Location
from carebook.testing.factories import LocationFactory, MedicineFactory, PersonFactory, UserFactory, prescribe
from tests.e2e.taps import Taps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# GMT: the visit is 08:30 to 09:15; 30 minutes after, it is still open. Edna's amlodipine is due at 09:00.
NOW = dt.datetime(2026, 12, 4, 9, 50, tzinfo=dt.UTC)
MAX_TAPS = 11  # open the alert, open the visit, back, acknowledge, 3 for the step, 3 for the outcome, resolve


@pytest.fixture
def open_visit(world) -> Alert:
    branch = LocationFactory(provider=world.provider, name="Oakfield at Home", kind=Location.Kind.HOME_CARE)
    hana = UserFactory(username="hana", full_name="Hana Ahmed", role=Role.CARE_WORKER, at=branch)
    ravi = UserFactory(username="ravi", full_name="Ravi Patel", role=Role.SENIOR_CARER, at=branch)
    tess = UserFactory(username="tess", full_name="Tess Leader", role=Role.TEAM_LEADER, at=branch)
    chloe = UserFactory(username="chloe", full_name="Chloe Morgan", role=Role.COORDINATOR, at=branch)
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        edna = PersonFactory(location=branch, given_name="Edna", family_name="Price", room="12 Mill Lane")
        prescribe(
            edna,
            MedicineFactory(name="Amlodipine", strength="5 mg", form=Medicine.Form.TABLET),
            by=ravi,
            checker=tess,
            times=["09:00"],
        )
        visit_plan(
            by=chloe,
            person=edna,
            assigned_to=hana,
            date=NOW.date(),
            label="morning",
            window_start=dt.time(8, 30),
            window_end=dt.time(9, 15),
        )
    with time_machine.travel(NOW, tick=False):
        alerts_scan()  # the minute's scan raises it
    return Alert.objects.get(kind=AlertKind.VISIT_NOT_CLOSED)


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
        page.wait_for_load_state()
        ui.check()

        # The visit behind it: still open, and which medicine has no outcome
        records = page.get_by_test_id("alert-records")
        taps.click(records.get_by_role("link", name="The morning visit on Hana Ahmed's run"))
        page.wait_for_load_state()
        ui.check()
        expect(page.get_by_test_id("visit-state")).to_contain_text("Not closed yet: 1 medicine without an outcome")
        expect(page.get_by_role("list", name="Medicines for Edna in this visit")).to_contain_text("Amlodipine")
        expect(page.get_by_test_id("key-safe")).to_have_count(0)  # the key safe is for the worker going in
        expect(page.get_by_role("button", name="Close the visit")).to_have_count(0)  # Hana's, or a senior's
        taps.back()  # to the alert
        ui.check()

        taps.click(page.get_by_role("button", name="Acknowledge"))
        page.wait_for_load_state()
        ui.check()
        form = page.get_by_test_id("step-form")
        taps.check(form.get_by_label("Contacted the care worker", exact=True))
        taps.check(form.get_by_label("Not given", exact=True))
        taps.click(form.get_by_role("button", name="Save the step"))
        page.wait_for_load_state()
        ui.check()
        ui.sign_out()

        # Hana, held up at her last visit, arrives: gives the amlodipine in one pass and closes the visit
        ui.sign_in("hana")
        ui.check()
        page.get_by_test_id("run-visit").first.get_by_role("link").first.click()
        page.wait_for_load_state()
        ui.check()
        page.get_by_role("link", name="Start Edna's medicines (1 now)").click()
        page.wait_for_load_state()
        ui.check()
        for question in ("Is this Edna ", "Have you checked Edna's allergies", "Does Edna agree"):
            page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
        dose = page.get_by_test_id("pass-dose").filter(has_text="Amlodipine")
        dose.get_by_label("Yes, the label matches").check()
        dose.get_by_label("Given", exact=True).check()
        page.get_by_role("button", name="Save").click()
        page.wait_for_load_state()
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
        form = page.get_by_test_id("step-form")
        taps.check(form.get_by_label("Outcome", exact=True))
        taps.check(form.get_by_label("Give the dose now", exact=True))
        taps.click(form.get_by_role("button", name="Save the step"))
        page.wait_for_load_state()
        ui.check()
        taps.click(page.get_by_role("button", name="Resolve"))
        page.wait_for_load_state()
        ui.check()

    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED
    assert alert.resolved_by is not None and alert.resolved_by.username == "chloe"
    visit = Visit.objects.get()
    assert visit.closed_by is not None and visit.closed_by.username == "hana"
    assert Administration.objects.get().outcome == "given"
    assert taps.count <= MAX_TAPS, taps.count
    ui.assert_every_page_checked()
