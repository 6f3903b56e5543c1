"""An overdue dose, from the alert to its outcome, as Colin the coordinator meets it (the seed's operational example).

Addie's ramipril was due two hours ago and nobody recorded it, so the scan raised an alert. Colin sees it leading
his home page and on the dashboard, opens it, acknowledges it, records that he rang the care worker (not given),
that he asked the GP (with the advice), and the outcome: medication changed, linking the new version of the
prescription the GP asked for. Then he resolves it. Each step shows who and when. The taps are counted (a tap is a
click, a check, a choice from a list or focusing a text box), and every page is checked by axe-core at 768 px and
360 px.

The live server runs on the real clock, so the times are made around it.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from playwright.sync_api import Locator, Page, expect

from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertStatus, Outcome
from carebook.core import clock
from carebook.core.text import clock_time
from carebook.medication.models import Prescription
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, prescribe

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAPS = 16


class Taps:
    """Counts what Colin does: each click, check, choice or focus of a text box is one tap."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.count = 0

    def click(self, target: Locator) -> None:
        self.count += 1
        target.click()
        self.page.wait_for_load_state()

    def check(self, target: Locator) -> None:
        self.count += 1
        target.check()

    def type(self, target: Locator, text: str) -> None:
        self.count += 1
        target.fill(text)

    def choose(self, target: Locator, value: str) -> None:
        self.count += 1
        target.select_option(value)


@pytest.fixture
def overdue(world) -> tuple[Alert, Prescription]:
    """A dose due two hours ago, never recorded: the scan raises its alert; the GP's new version is entered."""
    now = clock.local_now().replace(second=0, microsecond=0)
    with time_machine.travel(clock.now() - dt.timedelta(hours=6), tick=True):
        ramipril = prescribe(
            world.ada,
            MedicineFactory(name="Ramipril", strength="2.5 mg"),
            by=world.sam,
            checker=world.tia,
            times=[(now - dt.timedelta(hours=2)).strftime("%H:%M")],
            directions="ONE capsule each morning",
        )
    raised = alerts_scan().raised
    alert = Alert.objects.get(pk__in=raised, prescription=ramipril)
    new = prescription_change(
        prescription=ramipril,
        by=world.tia,
        data=PrescriptionInput(
            medicine_id=ramipril.medicine_id,
            dose_min=Decimal("2"),
            route="oral",
            directions="TWO capsules each morning",
            times=["08:00"],
            prescriber="Dr A Khan",
        ),
        reason="GP increased the dose",
    )
    return alert, new


def test_colin_takes_an_overdue_dose_alert_from_raised_to_resolved(ui, world, overdue):
    alert, new = overdue
    page = ui.page
    ui.sign_in("colin")
    ui.check()

    # The home page leads with the alerts; the header has a link to them
    panel = page.get_by_test_id("home-alerts")
    expect(panel).to_contain_text("Alerts needing attention (1)")
    expect(panel.get_by_test_id(f"home-alert-{alert.pk}")).to_contain_text("Ramipril")
    expect(page.get_by_role("navigation", name="Main").get_by_role("link", name="Alerts")).to_be_visible()

    # The dashboard: counts, the alert with its severity in words, the person, the status
    taps = Taps(page)
    taps.click(panel.get_by_role("link", name="See all alerts"))
    ui.check()
    assert ui.path == "/alerts/"
    expect(page.get_by_test_id("alert-counts")).to_contain_text(re.compile(r"1\s+overdue dose|1\s+missed dose"))
    card = page.get_by_test_id(f"alert-{alert.pk}")
    expect(card.get_by_test_id("severity")).to_have_text(re.compile("^Medium"))
    expect(card.get_by_role("link", name="Ada Lovelace", exact=True)).to_be_visible()
    expect(card.get_by_test_id("status")).to_have_text("Open: nobody has acknowledged it yet")

    # The alert: what was noticed and the records behind it
    taps.click(card.get_by_role("link", name=re.compile("^Ramipril")))
    ui.check()
    assert ui.path == f"/alerts/{alert.pk}/"
    expect(page.get_by_test_id("alert-facts")).to_contain_text("Ada Lovelace")
    expect(
        page.get_by_test_id("alert-records").get_by_role("link", name=re.compile("^Prescription: Ramipril"))
    ).to_be_visible()

    # 1. Acknowledge
    taps.click(page.get_by_role("button", name="Acknowledge"))
    expect(page.get_by_test_id("alert-status")).to_have_text("Acknowledged")
    expect(page.get_by_test_id("resolve-needs-outcome")).to_be_visible()

    # 2. He rang the care worker: not given
    form = page.get_by_test_id("step-form")
    taps.check(form.get_by_label("Contacted the care worker", exact=True))
    taps.check(form.get_by_label("Not given", exact=True))
    taps.click(form.get_by_role("button", name="Save the step"))
    expect(page.get_by_test_id("timeline")).to_contain_text("The care worker said: Not given")

    # 3. He asked the GP, who advised
    form = page.get_by_test_id("step-form")
    taps.check(form.get_by_label("Asked a professional for advice", exact=True))
    taps.check(form.get_by_label("GP", exact=True))
    taps.type(form.get_by_label("The advice received"), "Do not give it late; increase to two each morning")
    taps.click(form.get_by_role("button", name="Save the step"))
    expect(page.get_by_test_id("timeline")).to_contain_text("Advice: Do not give it late")

    # 4. The outcome: medication changed, linking the new version
    form = page.get_by_test_id("step-form")
    taps.check(form.get_by_label("Outcome", exact=True))
    taps.check(form.get_by_label("Medication changed", exact=True))
    taps.choose(form.get_by_label("The new version of the prescription"), str(new.pk))
    taps.click(form.get_by_role("button", name="Save the step"))
    expect(page.get_by_test_id("timeline")).to_contain_text("Outcome: Medication changed")
    ui.check()

    # 5. Resolve
    taps.click(page.get_by_role("button", name="Resolve"))
    ui.check()
    expect(page.get_by_test_id("alert-status")).to_have_text("Resolved")
    timeline = page.get_by_test_id("timeline")
    steps = timeline.get_by_test_id("step")
    expect(steps).to_have_count(6)  # raised, acknowledged, three steps, resolved
    for what in ("Acknowledged", "Contacted the care worker", "Asked a professional for advice", "Outcome", "Resolved"):
        expect(steps.filter(has_text=what).first).to_contain_text("Colin Coordinator")
    expect(timeline.get_by_role("link", name="New prescription: Ramipril")).to_have_attribute(
        "href", f"/prescriptions/{new.pk}/"
    )
    expect(page.get_by_test_id("step-form")).to_have_count(0)
    expect(page.get_by_test_id("resolve-form")).to_have_count(0)

    # The record says the same: who and when from the session and the server clock
    alert.refresh_from_db()
    assert alert.status == AlertStatus.RESOLVED and alert.outcome == Outcome.MEDICATION_CHANGED
    assert alert.acknowledged_by == world.colin and alert.resolved_by == world.colin
    actions = list(AlertAction.objects.filter(alert=alert).order_by("at"))
    assert [a.kind for a in actions] == ["contacted_care_worker", "escalated", "advice_outcome"]
    assert all(a.by == world.colin for a in actions) and actions[2].new_prescription == new
    assert alert.resolved_at is not None and clock.now() - alert.resolved_at < dt.timedelta(minutes=5)
    expect(steps.filter(has_text="Resolved")).to_contain_text(clock_time(alert.resolved_at))

    # The dashboard no longer lists it
    page.goto(ui.url("/alerts/"))
    ui.check()
    expect(page.get_by_test_id(f"alert-{alert.pk}")).to_have_count(0)
    expect(page.get_by_test_id("no-alerts")).to_be_visible()

    print(f"\ntaps: from the home page to resolved, {taps.count}")
    assert taps.count <= MAX_TAPS  # see all, open, acknowledge, 3 + 4 + 4 for the steps, resolve: 15


def test_on_a_phone_the_dashboard_and_the_alert_fit_and_pass_axe(phone_ui, world, overdue):
    alert, _new = overdue
    page = phone_ui.page
    phone_ui.sign_in("colin")
    phone_ui.check()
    page.goto(phone_ui.url("/alerts/"))
    phone_ui.check()
    expect(page.get_by_test_id(f"alert-{alert.pk}")).to_be_visible()

    # The list is polled: a new alert appears without a reload, and keyboard focus stays on the link it was on
    page.get_by_test_id(f"alert-{alert.pk}").get_by_role("link", name="Ada Lovelace", exact=True).focus()
    with time_machine.travel(clock.now() - dt.timedelta(hours=6), tick=True):
        due = (clock.local_now() + dt.timedelta(hours=4)).strftime("%H:%M")  # two hours ago, on the real clock
        prescribe(world.bert, MedicineFactory(name="Metformin"), by=world.sam, checker=world.tia, times=[due])
    # (The GP's new ramipril, not yet checked, raises its transcription alert too: ADR 0026.)
    second = Alert.objects.get(pk__in=alerts_scan().raised, prescription__medicine__name="Metformin")
    page.evaluate("() => htmx.ajax('GET', '/alerts/list/', {target: '#alert-lists', swap: 'innerHTML'})")
    expect(page.get_by_test_id(f"alert-{second.pk}")).to_be_visible()
    expect(page.get_by_test_id("alert-counts")).to_contain_text("2")
    assert page.evaluate("() => document.activeElement.id") == f"alert-person-{alert.pk}"
    phone_ui.check()
    page.goto(phone_ui.url(f"/alerts/{alert.pk}/"))
    phone_ui.check()
    page.get_by_test_id("step-form").get_by_label("Outcome", exact=True).check()
    page.get_by_test_id("step-form").get_by_label("Medication changed", exact=True).check()
    expect(page.get_by_label("The new version of the prescription")).to_be_visible()
    phone_ui.check()  # with the choices open: the long option texts still fit
