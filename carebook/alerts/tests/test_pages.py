"""The alerts pages with the test client: the dashboard and its fragment, one alert, and its three POSTs.

Ada's ramipril is due at 08:00 BST (07:00 UTC); its window closes at 09:00 BST, when the scan raises an overdue
alert. The pages are read at 09:10 BST.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.access.models import Role
from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.rules import ActionInput
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import ActionKind, AlertStatus, Outcome
from carebook.audit_log.models import AuditEvent
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, PersonFactory, UserFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
WINDOW_CLOSES = DUE + dt.timedelta(minutes=60)
NOW = WINDOW_CLOSES + dt.timedelta(minutes=10)


def _prescribe(world, person, name, **medicine):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        return prescribe(person, MedicineFactory(name=name, **medicine), by=world.sam, checker=world.tia)


def _scan(at=WINDOW_CLOSES):
    with time_machine.travel(at, tick=False):
        return alerts_scan()


@pytest.fixture
def ramipril(world):
    return _prescribe(world, world.ada, "Ramipril")


@pytest.fixture
def alert(world, ramipril):
    _scan()
    return Alert.objects.get(prescription=ramipril)


def as_user(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def get(client, url, **kwargs):
    with time_machine.travel(NOW, tick=False):
        return client.get(url, **kwargs)


def post(client, url, data=None):
    with time_machine.travel(NOW, tick=False):
        return client.post(url, data or {})


def written() -> tuple[int, int, int]:
    return AuditEvent.objects.count(), AlertAction.objects.count(), Alert.objects.filter(status="open").count()


def text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


# --- The dashboard ---------------------------------------------------------------------------------------


def test_the_dashboard_lists_the_alerts_most_severe_then_oldest_with_counts(world, ramipril):
    _scan()  # ramipril: medium, raised at 09:00
    insulin = _prescribe(world, world.bert, "Insulin aspart", time_critical=True, high_risk=True)  # high
    _scan(WINDOW_CLOSES + dt.timedelta(minutes=5))
    response = get(as_user(world.colin), reverse("alerts:dashboard"))
    assert response.status_code == 200
    body = text(response)
    ids = re.findall(r'data-testid="alert-([0-9a-f-]{36})"', body)
    high = Alert.objects.get(prescription=insulin)
    medium = Alert.objects.get(prescription=ramipril)
    assert ids == [str(high.pk), str(medium.pk)]  # high first, though raised later
    assert 'data-kind="overdue_dose"><strong>2</strong> overdue doses' in body
    assert 'data-kind="missed_dose"><strong>0</strong>' in body
    assert 'High<span class="nhsuk-u-visually-hidden"> severity' in body  # severity as text
    assert reverse("people:person", args=[world.ada.pk]) in body and "Ada Lovelace" in body
    assert "10 minutes ago" in body and "Open: nobody has acknowledged it yet" in body
    assert reverse("alerts:alert", args=[medium.pk]) in body
    assert 'aria-live="polite"' in body and 'hx-trigger="every 30s"' in body


def test_an_acknowledged_alert_says_by_whom(world, alert):
    with time_machine.travel(NOW, tick=False):
        alert_acknowledge(alert=alert, by=world.tia)
    body = text(get(as_user(world.colin), reverse("alerts:dashboard")))
    assert "Acknowledged by Tia Leader at 09:10 on 10 June" in body


def test_an_alert_nobody_took_on_says_who_it_went_to_and_when(world, alert):
    _scan(WINDOW_CLOSES + dt.timedelta(minutes=60))  # an hour unacknowledged: the team leader
    later = WINDOW_CLOSES + dt.timedelta(minutes=70)
    with time_machine.travel(later, tick=False):
        body = text(as_user(world.colin).get(reverse("alerts:dashboard")))
        page = text(as_user(world.colin).get(reverse("alerts:alert", args=[alert.pk])))
    words = "Open: nobody acknowledged it in time; escalated to the team leader at 10:00 on 10 June"
    assert words in body and words in page


def test_a_dose_recorded_late_moves_its_alert_to_cleared_with_the_reason(world, alert):
    prompts = [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("")]
    with time_machine.travel(NOW - dt.timedelta(minutes=5), tick=False):
        administration_record(by=world.carla, outcome="given", prompts=prompts, due_dose=alert.due_dose)
    _scan(NOW - dt.timedelta(minutes=4))
    body = text(get(as_user(world.colin), reverse("alerts:dashboard")))
    cleared = body.split('data-testid="cleared"', 1)[1]
    assert f'data-testid="alert-{alert.pk}"' in cleared
    assert "recorded by Carla Carer" in cleared
    assert 'data-testid="no-alerts"' in body


def test_the_fragment_is_the_lists_and_the_counts_out_of_band(world, alert):
    response = get(as_user(world.colin), reverse("alerts:dashboard_fragment"), HTTP_HX_REQUEST="true")
    body = text(response)
    assert response.status_code == 200
    assert "<html" not in body and "<h1" not in body
    assert f'data-testid="alert-{alert.pk}"' in body
    assert '<div id="alert-counts" hx-swap-oob="innerHTML">' in body


def test_the_fragment_is_checked_like_the_page(world, alert):
    assert get(as_user(world.pat), reverse("alerts:dashboard_fragment")).status_code == 403
    assert f"alert-{alert.pk}" not in text(get(as_user(world.otto), reverse("alerts:dashboard_fragment")))
    response = Client().get(reverse("alerts:dashboard_fragment"))
    assert response.status_code == 302


def test_another_providers_staff_see_none_of_these_alerts(world, alert):
    body = text(get(as_user(world.otto), reverse("alerts:dashboard")))
    assert str(alert.pk) not in body and "Ada" not in body


def test_a_location_filter_outside_the_scope_is_not_found(world, alert):
    client = as_user(world.colin)
    assert get(client, reverse("alerts:dashboard") + f"?location={world.elsewhere.pk}").status_code == 404
    assert get(client, reverse("alerts:dashboard") + "?location=nonsense").status_code == 404
    own = get(client, reverse("alerts:dashboard") + f"?location={world.home.pk}")
    assert own.status_code == 200 and str(alert.pk) in text(own)


def _dashboard_queries(client) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert get(client, reverse("alerts:dashboard")).status_code == 200
    return len(queries)


def test_the_dashboard_reads_a_fixed_number_of_queries_for_1_or_10_alerts(world, ramipril):
    _scan()
    client = as_user(world.colin)
    one = _dashboard_queries(client)
    for n in range(9):
        _prescribe(world, PersonFactory(location=world.home, unit=world.rowan), f"Medicine {n}")
    _scan(WINDOW_CLOSES + dt.timedelta(minutes=1))
    assert Alert.objects.count() == 10
    assert _dashboard_queries(client) == one


# --- The home page and the header ------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["colin", "tia"])
def test_the_coordinators_and_team_leaders_home_page_leads_with_the_alerts(world, alert, who):
    body = text(get(as_user(getattr(world, who)), reverse("home")))
    assert 'data-testid="home-alerts"' in body
    assert body.index("home-alerts") < body.index("awaiting-checks")
    assert reverse("alerts:alert", args=[alert.pk]) in body and re.search(r"Ramipril[^<]* for Ada Lovelace", body)
    assert f'href="{reverse("alerts:dashboard")}">Alerts</a>' in body


def test_the_home_panel_shows_the_top_five(world, ramipril):
    for n in range(6):
        _prescribe(world, PersonFactory(location=world.home), f"Medicine {n}")
    _scan()
    body = text(get(as_user(world.colin), reverse("home")))
    assert len(re.findall(r'data-testid="home-alert-[0-9a-f]', body)) == 5
    assert "Alerts needing attention (7)" in body


def test_a_role_without_alerts_gets_no_link_and_no_panel(world, alert):
    body = text(get(as_user(world.pat), reverse("home")))
    assert "home-alerts" not in body and '">Alerts</a>' not in body


# --- One alert -------------------------------------------------------------------------------------------


def test_the_alert_page_says_what_was_noticed_and_links_the_records(world, alert):
    body = text(get(as_user(world.colin), reverse("alerts:alert", args=[alert.pk])))
    assert alert.summary in body
    assert reverse("people:person", args=[world.ada.pk]) in body
    assert reverse("medication:prescription", args=[alert.prescription_id]) in body
    assert reverse("medication:record_dose", args=[alert.due_dose_id]) not in body  # a coordinator records no dose
    carla = text(get(as_user(world.carla), reverse("alerts:alert", args=[alert.pk])))
    assert reverse("medication:record_dose", args=[alert.due_dose_id]) in carla


def test_the_forms_each_role_sees(world, alert):
    url = reverse("alerts:alert", args=[alert.pk])
    carla = text(get(as_user(world.carla), url))
    assert "acknowledge-form" not in carla and "step-form" in carla and "Resolve" not in carla
    assert 'value="advice_outcome"' not in carla  # a care worker records what they were asked, not an outcome
    sam = text(get(as_user(world.sam), url))
    assert "acknowledge-form" in sam and 'value="advice_outcome"' in sam and 'id="resolve"' not in sam
    colin = text(get(as_user(world.colin), url))
    assert "acknowledge-form" in colin and "resolve-needs-acknowledge" in colin and "resolve-form" not in colin


def test_acknowledge_then_the_page_says_who(world, alert):
    client = as_user(world.colin)
    response = post(client, reverse("alerts:acknowledge", args=[alert.pk]))
    assert response.status_code == 302 and response["Location"] == reverse("alerts:alert", args=[alert.pk])
    alert.refresh_from_db()
    assert alert.status == AlertStatus.ACKNOWLEDGED and alert.acknowledged_by == world.colin
    assert alert.acknowledged_at == NOW  # the server clock
    body = text(get(client, reverse("alerts:alert", args=[alert.pk])))
    assert "Acknowledged</strong>: Colin Coordinator, 09:10 on 10 June" in body
    assert "resolve-needs-outcome" in body and "acknowledge-form" not in body


def test_acknowledging_twice_is_a_conflict_that_says_who_and_writes_nothing(world, alert):
    with time_machine.travel(NOW, tick=False):
        alert_acknowledge(alert=alert, by=world.tia)
    before = written()
    response = post(as_user(world.colin), reverse("alerts:acknowledge", args=[alert.pk]))
    assert response.status_code == 409
    assert "Tia Leader acknowledged this alert at 09:10 on 10 June" in text(response)
    assert 'data-testid="error-summary"' in text(response)
    assert written() == before


def test_a_care_worker_may_not_acknowledge(world, alert):
    before = written()
    assert post(as_user(world.carla), reverse("alerts:acknowledge", args=[alert.pk])).status_code == 403
    assert written() == before


def test_record_contacting_the_care_worker(world, alert):
    client = as_user(world.carla)
    response = post(
        client, reverse("alerts:step", args=[alert.pk]), {"kind": "contacted_care_worker", "answer": "not_given"}
    )
    assert response.status_code == 302
    step = AlertAction.objects.get(alert=alert)
    assert (step.kind, step.answer, step.by, step.at) == ("contacted_care_worker", "not_given", world.carla, NOW)
    body = text(get(client, reverse("alerts:alert", args=[alert.pk])))
    assert "Contacted the care worker</strong>: Carla Carer, 09:10 on 10 June" in body
    assert "The care worker said: Not given" in body


@pytest.mark.parametrize(
    ("data", "field", "message"),
    [
        ({}, "kind", "Choose what was done."),
        ({"kind": "contacted_care_worker"}, "answer", "Say what the care worker said"),
        ({"kind": "escalated", "professional": "gp", "advice": "  "}, "advice", "Write down the advice received."),
        ({"kind": "escalated", "advice": "Give it"}, "professional", "Choose who was asked for advice."),
        ({"kind": "advice_outcome"}, "outcome", "Choose the outcome from the list."),
        (
            {"kind": "advice_outcome", "outcome": "medication_changed"},
            "new_prescription",
            "Link the new version of the prescription.",
        ),
        ({"kind": "advice_outcome", "outcome": "observe"}, "observe_what", "Say what to observe."),
        (
            {
                "kind": "advice_outcome",
                "outcome": "observe",
                "observe_what": "Blood pressure",
                "observe_until": "2026-06-10T09:00",
            },
            "observe_until",
            "a time still to come",
        ),
        ({"kind": "informed"}, "informed", "Choose who was told."),
        ({"kind": "note", "note": " "}, "note", "Write the note."),
        ({"kind": "note", "note": "x", "observe_until": "tomorrow"}, "observe_until", "Enter the date and time"),
    ],
)
def test_a_step_that_does_not_say_what_it_must_is_refused_beside_its_field(world, alert, data, field, message):
    before = written()
    response = post(as_user(world.colin), reverse("alerts:step", args=[alert.pk]), data)
    body = text(response)
    assert response.status_code == 422
    assert 'data-testid="error-summary"' in body and f'href="#{field}"' in body
    assert f'id="{field}-error"' in body and message in body
    assert written() == before


def test_a_care_worker_may_not_record_an_outcome(world, alert):
    before = written()
    response = post(
        as_user(world.carla), reverse("alerts:step", args=[alert.pk]), {"kind": "advice_outcome", "outcome": "give_now"}
    )
    assert response.status_code == 422 and "Choose what was done." in text(response)
    assert written() == before


def test_medication_changed_links_a_new_version_of_this_persons_prescription(world, alert, ramipril):
    with time_machine.travel(NOW, tick=False):
        new = prescription_change(
            prescription=ramipril,
            by=world.tia,
            data=PrescriptionInput(
                medicine_id=ramipril.medicine_id,
                dose_min=Decimal("2"),
                route="oral",
                directions="TWO each morning",
                times=["08:00"],
                prescriber="Dr A Khan",
            ),
            reason="GP doubled the dose",
        )
    client = as_user(world.colin)
    page = text(get(client, reverse("alerts:alert", args=[alert.pk])))
    assert f'<option value="{new.pk}"' in page and f'<option value="{ramipril.pk}"' not in page  # current only
    response = post(
        client,
        reverse("alerts:step", args=[alert.pk]),
        {"kind": "advice_outcome", "outcome": "medication_changed", "new_prescription": str(new.pk)},
    )
    assert response.status_code == 302
    assert AlertAction.objects.get(alert=alert).new_prescription == new


def test_another_persons_prescription_is_refused(world, alert):
    other = _prescribe(world, world.bert, "Atorvastatin")
    before = written()
    response = post(
        as_user(world.colin),
        reverse("alerts:step", args=[alert.pk]),
        {"kind": "advice_outcome", "outcome": "medication_changed", "new_prescription": str(other.pk)},
    )
    assert response.status_code == 422 and "Choose a prescription of this person." in text(response)
    assert written() == before


def test_observe_until_a_time_to_come(world, alert):
    response = post(
        as_user(world.colin),
        reverse("alerts:step", args=[alert.pk]),
        {
            "kind": "advice_outcome",
            "outcome": "observe",
            "observe_what": "Blood pressure",
            "observe_until": "2026-06-10T18:00",
        },
    )
    assert response.status_code == 302
    step = AlertAction.objects.get(alert=alert)
    assert step.observe_until == dt.datetime(2026, 6, 10, 17, 0, tzinfo=dt.UTC)  # 18:00 BST


def _decided(world, alert):
    with time_machine.travel(NOW, tick=False):
        alert_acknowledge(alert=alert, by=world.colin)
        alert_action_record(
            alert=alert, by=world.colin, step=ActionInput(kind=ActionKind.ADVICE_OUTCOME, outcome="no_harm_expected")
        )


def test_resolve_with_the_last_outcome(world, alert):
    _decided(world, alert)
    client = as_user(world.colin)
    assert "resolve-form" in text(get(client, reverse("alerts:alert", args=[alert.pk])))
    response = post(client, reverse("alerts:resolve", args=[alert.pk]), {"note": "Spoke to the GP"})
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.outcome, alert.resolved_by, alert.resolved_at) == (
        AlertStatus.RESOLVED,
        Outcome.NO_HARM_EXPECTED,
        world.colin,
        NOW,
    )
    body = text(get(client, reverse("alerts:alert", args=[alert.pk])))
    assert "Resolved</strong>: Colin Coordinator" in body and "Outcome: No harm expected" in body
    assert "step-form" not in body and "resolve-form" not in body


def test_resolving_without_an_outcome_is_refused_and_writes_nothing(world, alert):
    with time_machine.travel(NOW, tick=False):
        alert_acknowledge(alert=alert, by=world.colin)
    before = written()
    response = post(as_user(world.colin), reverse("alerts:resolve", args=[alert.pk]))
    assert response.status_code == 422
    assert "An alert cannot be resolved without an outcome" in text(response)
    assert written() == before and Alert.objects.get(pk=alert.pk).status == AlertStatus.ACKNOWLEDGED


def test_resolving_an_open_alert_is_refused(world, alert):
    before = written()
    response = post(as_user(world.colin), reverse("alerts:resolve", args=[alert.pk]))
    assert response.status_code == 409 and "Acknowledge the alert before resolving it." in text(response)
    assert written() == before


def test_a_senior_carer_may_not_resolve(world, alert):
    _decided(world, alert)
    before = written()
    assert post(as_user(world.sam), reverse("alerts:resolve", args=[alert.pk])).status_code == 403
    assert written() == before


def test_nothing_more_is_recorded_on_a_resolved_alert(world, alert):
    _decided(world, alert)
    post(as_user(world.colin), reverse("alerts:resolve", args=[alert.pk]))
    before = written()
    response = post(as_user(world.colin), reverse("alerts:step", args=[alert.pk]), {"kind": "note", "note": "More"})
    assert response.status_code == 409 and "This alert is resolved" in text(response)
    assert written() == before


@pytest.mark.parametrize("name", ["alert", "acknowledge", "step", "resolve"])
def test_out_of_scope_or_missing_is_not_found(world, alert, name):
    client = as_user(UserFactory(role=Role.COORDINATOR, at=world.elsewhere))  # may do each, but not there
    url = reverse(f"alerts:{name}", args=[alert.pk])
    before = written()
    response = get(client, url) if name == "alert" else post(client, url, {"kind": "note", "note": "x"})
    assert response.status_code == 404
    assert written() == before
    assert get(as_user(world.colin), reverse("alerts:alert", args=["not-an-id"])).status_code == 404


def test_who_and_when_come_from_the_session_not_the_form(world, alert):
    post(
        as_user(world.carla),
        reverse("alerts:step", args=[alert.pk]),
        {"kind": "note", "note": "Checked", "by": str(world.maria.pk), "at": "2020-01-01T00:00"},
    )
    step = AlertAction.objects.get(alert=alert)
    assert step.by == world.carla and step.at == NOW


def test_the_dose_stays_pending_while_the_alert_is_handled(world, alert):
    _decided(world, alert)
    assert DueDose.objects.get(pk=alert.due_dose_id).state == DueDose.State.PENDING
