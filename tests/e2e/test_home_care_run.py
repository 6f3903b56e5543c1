"""A home-care run of three visits (ADR 0038), on the phone a care worker carries: Hana signs in and lands on her
run; at each visit she gives the medicines in one pass and closes the visit; the third she tries to close before
recording, is told which medicine has no outcome, records it (given by Lily's daughter), and closes it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.medication.models import Administration, Medicine, Visit
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe
from tests.e2e.home_care import give_in_one_pass, home_care_branch

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

# The morning of the run (GMT): every visit and dose in the morning round, each dose open at the start.
START = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
VISITS = (  # person, medicine, dose time, window
    ("Edna", "Amlodipine", "09:00", (dt.time(8, 30), dt.time(9, 15))),
    ("Frank", "Metformin", "09:20", (dt.time(9, 15), dt.time(9, 45))),
    ("Lily", "Levothyroxine", "09:50", (dt.time(9, 45), dt.time(10, 30))),
)


@pytest.fixture
def run(world):
    home = home_care_branch(world)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        for n, (name, medicine, at, (start, end)) in enumerate(VISITS):
            person = PersonFactory(
                location=home.branch,
                given_name=name,
                family_name=f"Walker{n}",
                room=f"{n + 3} Mill Lane",
                key_safe_note=f"Key safe by the door, code 10{n}2",
            )
            prescribe(
                person,
                MedicineFactory(name=medicine, strength="", form=Medicine.Form.TABLET),
                by=home.ravi,
                checker=home.tess,
                times=[at],
            )
            home.plan(person, date=START.date(), start=start, end=end)
    return home.branch


def test_a_home_care_run_of_three_visits_on_a_phone(phone_ui, world, run):
    walk_the_run(phone_ui)


def test_a_home_care_run_of_three_visits_on_a_tablet(ui, world, run):
    walk_the_run(ui)  # and each page again at 360 px


def walk_the_run(ui) -> None:
    page = ui.page
    with time_machine.travel(START, tick=True):
        ui.sign_in("hana")
        ui.check()
        assert ui.path.startswith("/run/"), ui.path  # her run is her round
        expect(page.get_by_test_id("run-visit")).to_have_count(3)
        first = page.get_by_test_id("run-visit").first
        expect(first).to_contain_text("Edna")
        expect(first).to_contain_text("Key safe by the door, code 1002")

        for n, (name, medicine, _at, _window) in enumerate(VISITS):
            page.get_by_test_id("run-visit").nth(n).get_by_role("link").first.click()
            ui.check()
            expect(page.get_by_test_id("address")).to_contain_text(f"{n + 3} Mill Lane")
            if name == "Lily":
                ui.expect_status("/visits/", 422)
                page.get_by_role("button", name="Close the visit").click()
                page.wait_for_load_state()
                ui.check()  # refused: the summary has the focus and names the medicine
                expect(page.get_by_role("alert")).to_contain_text(f"{medicine} tablet at 09:50")
                assert Visit.objects.get(person__given_name=name).closed_at is None
                give_in_one_pass(ui, name, medicine, outcome="Given by family")
            else:
                ui.check()
                give_in_one_pass(ui, name, medicine)
            ui.check()
            assert ui.path.startswith("/visits/"), ui.path  # the pass returns to the visit
            page.get_by_role("button", name="Close the visit").click()
            page.wait_for_load_state()
            ui.check()
            expect(page.get_by_role("status").filter(has_text=f"Visit closed: {name}")).to_have_count(1)

    assert Visit.objects.filter(closed_at__isnull=False, closed_by__username="hana").count() == 3
    outcomes = dict(Administration.objects.values_list("person__given_name", "outcome"))
    assert outcomes == {"Edna": "given", "Frank": "given", "Lily": "given_by_family"}
