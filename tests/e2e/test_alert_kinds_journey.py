"""The other alert kinds (ADR 0026) as Maria, the registered manager, meets them: a dose recorded long after it was
given raises a late-recording alert whose page links the record behind it; then she changes when a repeated refusal
is raised at Oakfield House on its thresholds page (a bad number is refused with its field, then saved). Every page
is checked by axe-core at 768 px and 360 px.

The live server runs on the real clock, so the times are made around it.
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import expect

from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.alerts.thresholds import thresholds_for
from carebook.alerts.vocab import AlertKind
from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def late_recording(world) -> Alert:
    """Ada's ramipril, given 90 minutes ago and recorded only now."""
    now = clock.local_now().replace(second=0, microsecond=0)
    due = now - dt.timedelta(minutes=95)
    with time_machine.travel(clock.now() - dt.timedelta(hours=6), tick=True):
        ramipril = prescribe(
            world.ada,
            MedicineFactory(name="Ramipril", strength="2.5 mg"),
            by=world.sam,
            checker=world.tia,
            times=[due.strftime("%H:%M")],
        )
    dose = DueDose.objects.filter(prescription=ramipril, state="pending").order_by("scheduled_at").first()
    assert dose is not None
    administration_record(
        by=world.carla,
        outcome="given",
        prompts=[rules.Answer(p, "confirmed") for p in rules.prompts_for("")],
        due_dose=dose,
        administered_at=dose.scheduled_at + dt.timedelta(minutes=5),
    )
    alerts_scan()  # the live server hears no event from the test's own write: the scan's backstop raises it
    return Alert.objects.get(kind=AlertKind.LATE_RECORDING)


def test_maria_reviews_a_late_recording_and_changes_a_threshold(ui, world, late_recording):
    page = ui.page
    ui.sign_in("maria")
    ui.check()
    ui.goto("/alerts/")
    card = page.get_by_test_id(f"alert-{late_recording.pk}")
    expect(card).to_contain_text("Ramipril")
    expect(page.get_by_test_id("alert-counts")).to_contain_text(re.compile(r"1\s+late recording", re.I))

    card.get_by_role("link", name=re.compile("^Ramipril")).click()
    page.wait_for_load_state()
    ui.check()
    records = page.get_by_test_id("alert-records")
    expect(records.get_by_role("link", name=re.compile("^Given at .* recorded by Carla Carer"))).to_be_visible()

    # This prescription's own thresholds (blank: the location's)
    page.get_by_test_id("prescription-thresholds").click()
    page.wait_for_load_state()
    ui.check()
    page.get_by_label("A dose is overdue this many minutes after its time").fill("90")
    page.get_by_role("button", name="Save the thresholds").click()
    page.wait_for_load_state()
    ui.check()
    assert thresholds_for(world.home.pk, late_recording.prescription_id).overdue_minutes == 90

    ui.goto("/alerts/")
    page.get_by_test_id("threshold-links").get_by_role("link", name=re.compile("Oakfield House")).click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_role("heading", name="Alert thresholds")).to_be_visible()

    ui.expect_status(f"/locations/{world.home.pk}/alert-thresholds/", 422)
    page.get_by_label("Repeated refusal: the same medicine refused this many times").fill("1")
    page.get_by_role("button", name="Save the thresholds").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Enter a whole number from 2 to 50.")

    page.get_by_label("Repeated refusal: the same medicine refused this many times").fill("2")
    page.get_by_role("button", name="Save the thresholds").click()
    page.wait_for_load_state()
    ui.check()
    expect(page.get_by_text("The alert thresholds of Oakfield House are saved.")).to_be_visible()
    assert thresholds_for(world.home.pk).refusal_count == 2
    ui.assert_every_page_checked()
