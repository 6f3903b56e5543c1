"""A late dose too close to the next one, as Carla meets it on the unit's tablet (ADR 0021).

Addie's morning antibiotic was missed: it was due five hours ago and the next dose is due in two hours, so given
now it would be closer than half the interval (3 h 30 min) to the next. Carla cannot simply give it. For the
antibiotic she gives it now and moves the next dose later; for her vitamin D she omits this one. The taps each
recording takes are counted (a tap is a click, a check or focusing a text box), and every page is checked by
axe-core at 768 px and 360 px.

The live server runs on the real clock, so the times are made around it.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from carebook.core import clock
from carebook.medication.models import Administration, DueDose, LateDoseDecision, Prescription
from carebook.medication.rules import care_day, care_day_of_slot, round_for_time
from carebook.testing.factories import MedicineFactory, prescribe
from tests.e2e.taps import Taps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@dataclass
class Late:
    due_at: dt.datetime  # local: the missed dose
    next_at: dt.datetime  # local: the next dose
    antibiotic: Prescription
    vitamin: Prescription


@pytest.fixture
def late_doses(world) -> Late:
    now = clock.local_now().replace(second=0, microsecond=0)
    due_at, next_at = now - dt.timedelta(hours=5), now + dt.timedelta(hours=2)
    times = [due_at.strftime("%H:%M"), next_at.strftime("%H:%M")]
    with time_machine.travel(clock.now() - dt.timedelta(hours=6), tick=True):
        antibiotic = prescribe(
            world.ada,
            MedicineFactory(name="Co-amoxiclav", strength="500/125 mg"),
            by=world.sam,
            checker=world.tia,
            times=times,
            directions="ONE tablet twice a day",
        )
        vitamin = prescribe(
            world.ada,
            MedicineFactory(name="Colecalciferol", strength="800 unit"),
            by=world.sam,
            checker=world.tia,
            times=times,
            directions="ONE capsule twice a day",
        )
    return Late(due_at, next_at, antibiotic, vitamin)


def answer_every_check(taps: Taps, page: Page) -> None:
    checks = page.get_by_role("group", name=re.compile(r"^\d+\. "))
    for index in range(checks.count()):
        taps.check(checks.nth(index).get_by_label("Yes, confirmed", exact=True))


def dose_row(page: Page | Locator, medicine: str) -> Locator:
    return page.get_by_test_id("dose").filter(has_text=medicine)


def overdue(page: Page | Locator, medicine: str, due: str) -> Locator:
    return dose_row(page, medicine).filter(has_text=f"Overdue (due {due})")  # type: ignore[arg-type]


def late_choice(page: Page, label: str) -> Locator:
    return page.get_by_test_id("late-choice").get_by_label(label, exact=True)


def missed(rx: Prescription) -> DueDose:
    return DueDose.objects.filter(prescription=rx).order_by("scheduled_at").first()  # type: ignore[return-value]


def open_round(ui, world) -> None:
    page = ui.page
    ui.sign_in("carla")
    ui.check()
    page.get_by_label("Oakfield House, Rowan").check()
    page.get_by_role("button", name="Open the round").click()
    ui.check()
    assert ui.path.startswith(f"/locations/{world.home.pk}/round/")


def test_carla_moves_the_next_dose_of_a_late_antibiotic_and_omits_a_late_vitamin(ui, world, late_doses):
    page = ui.page
    late = late_doses
    ui.expect_status("/doses/", 422)  # the first save, without a choice, is refused on purpose
    open_round(ui, world)
    due = late.due_at.strftime("%H:%M")

    # The missed doses are overdue at the top of the round
    addie = page.get_by_test_id("round-person").filter(has=page.get_by_role("heading", name="Addie"))
    expect(overdue(addie, "Co-amoxiclav", due)).to_have_count(1)

    # 1. The antibiotic: the page says at once that it is too close to the next dose, and why
    taps = Taps(page)
    taps.click(overdue(addie, "Co-amoxiclav", due).get_by_role("link", name=re.compile("^Record")))
    ui.check()
    warning = page.get_by_test_id("late-too-close")
    expect(warning).to_contain_text("Late, and too close to the next dose")
    expect(warning).to_contain_text("doses must be at least 3 hours 30 minutes apart")
    answer_every_check(taps, page)
    taps.check(page.get_by_role("group", name="Outcome").get_by_label("Given", exact=True))
    # Saving "Given" without a choice is refused, naming the choices; nothing is written
    page.get_by_role("button", name="Save record").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_role("alert")).to_contain_text("Choose what to do")
    assert not Administration.objects.filter(prescription=late.antibiotic).exists()
    taps.count = 0  # count the recording a carer who reads the warning makes

    # She chooses to give it now and move the next dose; a time a little after the earliest is suggested
    taps.check(late_choice(page, "Give it now, and move the next dose later"))
    new_time_field = page.get_by_label("If you move the next dose: its new time")
    expect(new_time_field).to_have_value(re.compile(r"^\d\d:\d\d$"))
    suggested = new_time_field.input_value()
    taps.type(page.get_by_label("Why? (needed)"), "Pharmacist advised to keep 3 and a half hours apart")
    taps.click(page.get_by_role("button", name="Save record"))
    page.wait_for_url(re.compile(r"/round/"))  # saved: back on the round (not the form still being left)
    ui.check()
    move_taps = taps.count
    assert move_taps == 3  # her checks and "Given" were kept: choose, say why, save

    given = Administration.objects.get(prescription=late.antibiotic)
    assert given.outcome == "given" and given.minutes_late > 0
    moved = DueDose.objects.get(prescription=late.antibiotic, moved_from__isnull=False)
    assert f"{clock.to_local(moved.scheduled_at):%H:%M}" == suggested
    assert moved.scheduled_at - given.administered_at >= dt.timedelta(hours=3, minutes=30)  # the gap is kept
    assert LateDoseDecision.objects.get(administration=given).choice == "move_next"

    # 2. The vitamin: she omits this one, from a fresh page, counting every tap from the round
    taps = Taps(page)
    addie = page.get_by_test_id("round-person").filter(has=page.get_by_role("heading", name="Addie"))
    taps.click(overdue(addie, "Colecalciferol", due).get_by_role("link", name=re.compile("^Record")))
    ui.check()
    answer_every_check(taps, page)
    taps.check(page.get_by_role("group", name="Outcome").get_by_label("Not required", exact=True))
    taps.check(late_choice(page, "Do not give this dose: omit it"))
    taps.type(page.get_by_label("Why? (needed)"), "Too late today; next dose as usual")
    taps.click(page.get_by_role("button", name="Save record"))
    page.wait_for_load_state()
    ui.check()
    omit_taps = taps.count
    assert omit_taps == 12  # Record, 7 checks, the outcome, the choice, the reason, Save
    omitted = Administration.objects.get(prescription=late.vitamin)
    assert omitted.outcome == "not_required" and "Too late today" in omitted.reason

    # The round of the moved dose's new time shows it there (when that round is still today's)
    new_time = clock.to_local(moved.scheduled_at)
    if care_day_of_slot(new_time.date(), new_time.time()) == care_day(clock.now()):
        page.goto(ui.url(f"/locations/{world.home.pk}/round/?round={round_for_time(new_time.time())}"))
        ui.check()
        row = dose_row(page, "Co-amoxiclav").filter(has_text="Moved from")
        expect(row).to_contain_text(f"at {new_time:%H:%M}")
        expect(row).to_contain_text(f"Moved from {late.next_at:%H:%M}: the dose before was given late")

    # Addie's page: the late dose, what happened to the next, the reason and who decided
    page.goto(ui.url(f"/people/{world.ada.pk}/"))
    ui.check()
    decisions = page.get_by_test_id("late-decisions")
    expect(decisions).to_contain_text("was moved to")
    expect(decisions).to_contain_text("Pharmacist advised to keep 3 and a half hours apart")
    expect(decisions).to_contain_text("Decided by Carla Carer")
    expect(decisions).to_contain_text("Too late today")
    expect(page.get_by_test_id("recent-records")).to_contain_text("Late: given")
    if moved.local_date == clock.today():
        today = page.get_by_test_id("today-doses")
        expect(dose_row(today, "Co-amoxiclav").filter(has_text="Moved from")).to_have_count(1)

    # The MAR: the late mark after her initials, the moved time in the next dose's cell, the decisions listed
    page.get_by_role("link", name="MAR chart").click()
    ui.check()
    if missed(late.antibiotic).local_date.month == clock.today().month:
        expect(page.get_by_test_id("mar-grid")).to_contain_text(f"+{given.minutes_late}")
    if moved.local_date.month == clock.today().month:
        expect(page.get_by_test_id("mar-grid")).to_contain_text(f"→{new_time:%H:%M}")
    expect(page.get_by_test_id("mar-late-decisions")).to_contain_text("Pharmacist advised")
    print(f"\ntaps: move the next dose {move_taps} after the warning; omit this one {omit_taps} from the round")


def test_on_a_phone_the_choices_fit_and_pass_axe(phone_ui, world, late_doses):
    page = phone_ui.page
    phone_ui.sign_in("carla")
    phone_ui.check()
    page.goto(phone_ui.url(f"/doses/{missed(late_doses.antibiotic).pk}/record/"))
    phone_ui.check()
    expect(page.get_by_test_id("late-choice")).to_be_visible()
    expect(late_choice(page, "Give it now, and do not give the next dose")).to_be_visible()
