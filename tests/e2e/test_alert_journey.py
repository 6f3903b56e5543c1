"""An overdue dose, from the alert to its outcome, as Colin the coordinator meets it (the seed's operational example).

Addie's ramipril was due two hours ago and nobody recorded it, so the scan raised an alert. Colin sees it leading
his home page and on the dashboard, opens it, acknowledges it, records that he rang the care worker (not given),
that he asked the GP (with the advice), and the outcome: medication changed, linking the new version of the
prescription the GP asked for. Then he resolves it. Maria, the registered manager, opens an incident from it, sets a
training action for Carla, completes it and signs the incident off. Each step shows who and when. The taps are
counted (a tap is a
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
from playwright.sync_api import expect

from carebook.actions.models import CorrectiveAction
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertStatus, Outcome
from carebook.core import clock
from carebook.core.text import clock_time
from carebook.incidents.models import Incident
from carebook.incidents.services import IncidentInput, incident_action_add, incident_report
from carebook.incidents.vocab import IncidentStatus
from carebook.medication.models import Prescription
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, prescribe
from tests.e2e.taps import Taps

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

MAX_TAPS = 16


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


def test_colin_resolves_an_overdue_dose_alert_and_maria_follows_it_to_an_incident_signed_off(ui, world, overdue):
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

    # 6. The same alert, the same browser: Colin signs out; Maria, the registered manager, opens the resolved alert
    # and follows it to a lesson learned.
    ui.sign_out()
    ui.sign_in("maria")
    ui.check()
    page.goto(ui.url(f"/alerts/{alert.pk}/"))
    ui.check()
    incident_taps = maria_opens_an_incident_and_signs_it_off(ui, world, alert)
    print(f"taps: the whole journey, overdue dose to incident signed off, {taps.count + incident_taps}")


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


MAX_INCIDENT_TAPS = 16


def maria_opens_an_incident_and_signs_it_off(ui, world, alert: Alert) -> int:
    """Maria, the registered manager, on the resolved alert's page: she opens an incident from it (pre-filled: Addie,
    the ramipril, the dose, the alert), says there was no harm, records the finding, sets a training action for
    Carla, completes it when Carla has done it, and signs the incident off. Every page is checked by axe at 768 px
    and 360 px; returns the taps."""
    page = ui.page

    # 1. Open an incident from the alert: the form is pre-filled from it
    taps = Taps(page)
    taps.click(page.get_by_role("link", name="Open an incident"))
    ui.check()
    assert ui.path == f"/incidents/new/?alert={alert.pk}"
    expect(page.get_by_test_id("from-alert")).to_contain_text("Ada Lovelace")
    expect(page.get_by_test_id("from-alert")).to_contain_text("Ramipril")
    form = page.get_by_test_id("report-form")
    expect(form.get_by_label("Omission (a dose not given)")).to_be_checked()
    expect(form.get_by_label("What happened")).not_to_be_empty()
    taps.check(form.get_by_label("No harm", exact=True))
    taps.click(form.get_by_role("button", name="Report the incident"))
    ui.check()
    incident = Incident.objects.get(alert=alert)
    assert ui.path == f"/incidents/{incident.pk}/"
    expect(page.get_by_test_id("incident-status")).to_have_text("Open")
    expect(page.get_by_test_id("incident-links").get_by_role("link", name="The alert it came from")).to_be_visible()
    expect(page.get_by_test_id("sign-off-problems")).to_contain_text("Record the investigation")

    # 2. The finding: the incident goes under review
    taps.click(page.get_by_text("Record a finding"))
    taps.type(page.get_by_test_id("finding-form").get_by_label("Finding"), "The dose was missed at a busy handover")
    taps.click(page.get_by_role("button", name="Save the finding"))
    expect(page.get_by_test_id("incident-status")).to_have_text("Under review")
    ui.check()

    # 3. A training action for Carla, due in two weeks (the form proposes it)
    taps.click(page.get_by_text("Add a corrective action"))
    form = page.get_by_test_id("action-form")
    taps.check(form.get_by_label("Training", exact=True))
    taps.type(form.get_by_label("What is to be done"), "Medicines handover refresher")
    taps.choose(form.get_by_label("Owner"), str(world.carla.pk))
    taps.click(form.get_by_role("button", name="Add the action"))
    expect(page.get_by_test_id("actions")).to_contain_text("Owner: Carla Carer")
    expect(page.get_by_test_id("sign-off-problems")).to_contain_text("1 corrective action is still open")
    ui.check()

    # 4. Carla did the refresher: Maria completes the action
    complete = page.get_by_test_id("complete-form")
    taps.type(complete.get_by_label("What was done"), "Carla completed the refresher on Tuesday")
    taps.click(complete.get_by_role("button", name="Complete"))
    expect(page.get_by_test_id("action-state")).to_have_text("Completed")
    ui.check()

    # 5. Sign off: closed
    taps.click(page.get_by_role("button", name="Sign off"))
    ui.check()
    expect(page.get_by_test_id("incident-status")).to_have_text("Closed (signed off)")
    expect(page.get_by_test_id("signed-off")).to_contain_text("Maria Manager")
    entries = page.get_by_test_id("timeline").get_by_test_id("entry")
    expect(entries).to_have_count(6)  # reported, finding, under review, action set, action completed, signed off
    expect(entries.first).to_contain_text("Reported")
    expect(entries.last).to_contain_text("Signed off and closed")

    # The record says the same: who and when from the session and the server clock
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED and incident.signed_off_by == world.maria
    assert (incident.person, incident.prescription, incident.due_dose) == (
        world.ada,
        alert.prescription,
        alert.due_dose,
    )
    action = CorrectiveAction.objects.get(source_id=incident.pk)
    assert (action.kind, action.owner, action.completed_by) == ("training", world.carla, world.maria)

    # The list shows it closed
    page.goto(ui.url("/incidents/"))
    ui.check()
    expect(page.get_by_test_id(f"incident-{incident.pk}").get_by_test_id("incident-status")).to_have_text(
        "Closed (signed off)"
    )

    print(f"\ntaps: from the alert to the incident signed off, {taps.count}")
    assert taps.count <= MAX_INCIDENT_TAPS  # open, harm, report, 3 for the finding, 5 for the action, 2, sign off: 14
    return taps.count


def test_on_a_phone_the_incidents_pages_fit_and_pass_axe(phone_ui, world):
    """The pages the journey does not reach, at 360 px (and 768 px): a list with an overdue action, an incident at
    moderate harm (the duties callout, every step's form open), and "Report an incident" with its errors."""
    with time_machine.travel(clock.now() - dt.timedelta(days=3), tick=True):
        found = incident_report(
            by=world.tia,
            data=IncidentInput(
                kind="wrong_dose",
                what_happened="Two tablets given instead of one",
                occurred_at=clock.now() - dt.timedelta(hours=1),
                discovered_at=clock.now(),
                harm="moderate",
                person_id=world.ada.pk,
                staff_ids=[world.carla.pk],
            ),
        )
        incident_action_add(
            incident=found,
            by=world.tia,
            kind="training",
            what="Refresher",
            owner_id=world.carla.pk,
            due_on=clock.today(),
        )
    page = phone_ui.page
    phone_ui.expect_status(f"/incidents/{found.pk}/candour/", 422)  # the form's errors, on purpose
    phone_ui.expect_status("/incidents/new/", 422)
    phone_ui.sign_in("maria")
    phone_ui.check()
    expect(page.get_by_test_id("home-incidents")).to_contain_text("Corrective actions overdue (1)")
    phone_ui.goto("/incidents/")
    expect(page.get_by_test_id(f"incident-{found.pk}").get_by_test_id("overdue-flag")).to_be_visible()
    phone_ui.goto(f"/incidents/{found.pk}/")
    expect(page.get_by_test_id("cqc-required")).to_be_visible()
    expect(page.get_by_test_id("candour-required")).to_be_visible()
    expect(page.get_by_test_id("action-state")).to_have_text("Overdue")
    for summary in ("Record a finding", "Add a corrective action", "Record who was told"):
        page.get_by_text(summary).click()
    phone_ui.check()
    page.get_by_role("button", name="Save the duty of candour").click()  # nothing filled in: the errors
    expect(page.get_by_test_id("error-summary")).to_contain_text("Choose who was told.")
    phone_ui.check()
    phone_ui.goto("/incidents/new/")
    page.get_by_role("button", name="Report the incident").click()
    expect(page.get_by_test_id("error-summary")).to_contain_text("Say what happened.")
    phone_ui.check()
