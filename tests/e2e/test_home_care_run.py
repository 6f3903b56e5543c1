"""A home-care run of three visits (ADR 0038), on the phone a care worker carries: Hana signs in and lands on her
run; at each visit she gives the medicines in one pass and closes the visit; the third she tries to close before
recording, is told which medicine has no outcome, records it (given by Lily's daughter), and closes it."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.access.models import Role
from carebook.medication.models import Administration, Medicine, Visit
from carebook.medication.services.visits import visit_plan
from carebook.organisations.models import Location
from carebook.testing.factories import LocationFactory, MedicineFactory, PersonFactory, UserFactory, prescribe

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
    branch = LocationFactory(provider=world.provider, name="Oakfield at Home", kind=Location.Kind.HOME_CARE)
    hana = UserFactory(username="hana", full_name="Hana Ahmed", initials="HA", role=Role.CARE_WORKER, at=branch)
    ravi = UserFactory(username="ravi", full_name="Ravi Patel", role=Role.SENIOR_CARER, at=branch)
    tess = UserFactory(username="tess", full_name="Tess Leader", role=Role.TEAM_LEADER, at=branch)
    chloe = UserFactory(username="chloe", full_name="Chloe Morgan", role=Role.COORDINATOR, at=branch)
    with time_machine.travel(START - dt.timedelta(days=1), tick=False):
        for n, (name, medicine, at, (start, end)) in enumerate(VISITS):
            person = PersonFactory(
                location=branch,
                given_name=name,
                family_name=f"Walker{n}",
                room=f"{n + 3} Mill Lane",
                key_safe_note=f"Key safe by the door, code 10{n}2",
            )
            prescribe(
                person,
                MedicineFactory(name=medicine, strength="", form=Medicine.Form.TABLET),
                by=ravi,
                checker=tess,
                times=[at],
            )
            visit_plan(
                by=chloe,
                person=person,
                assigned_to=hana,
                date=START.date(),
                label="morning",
                window_start=start,
                window_end=end,
            )
    return branch


def give_in_one_pass(ui, name: str, medicine: str, outcome: str = "Given") -> None:
    page = ui.page
    page.get_by_role("link", name=f"Start {name}'s medicines (1 now)").click()
    ui.check()
    for question in (f"Is this {name} ", f"Have you checked {name}'s allergies", f"Does {name} agree"):
        page.get_by_role("group", name=question).get_by_label("Yes", exact=True).check()
    card = page.get_by_test_id("pass-dose").filter(has_text=medicine)
    card.get_by_label("Yes, the label matches").check()
    card.get_by_label(outcome, exact=True).check()
    if outcome != "Given":
        card.get_by_label("Reason, if not given").fill("Her daughter gave it at 09:30, before I arrived")
    page.get_by_role("button", name="Save").click()
    page.wait_for_load_state()


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
