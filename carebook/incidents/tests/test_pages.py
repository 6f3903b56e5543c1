"""The incidents pages with the test client: the list (scoped, filtered, overdue first), "Report an incident"
(standalone and from an alert, pre-filled), the incident page's forms, the home panel and the header link."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.actions.models import CorrectiveAction
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.audit_log.models import AuditEvent
from carebook.incidents import services
from carebook.incidents.models import Incident
from carebook.incidents.tests.conftest import NOW, TODAY, report
from carebook.incidents.vocab import IncidentStatus
from carebook.testing.factories import MedicineFactory, prescribe


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def at_now():
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        yield


def test_report_a_standalone_incident_then_work_it_to_sign_off(world, at_now):
    maria = client_for(world.maria)
    page = maria.get(reverse("incidents:report"))
    assert page.status_code == 200 and b"Report an incident" in page.content
    response = maria.post(
        reverse("incidents:report"),
        {
            "kind": "wrong_dose",
            "what_happened": "Two tablets given instead of one",
            "occurred_at": "2026-06-10 08:00",
            "discovered_at": "2026-06-10 08:30",
            "harm": "low",
            "person": str(world.ada.pk),
            "staff": [str(world.carla.pk)],
        },
    )
    incident = Incident.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("incidents:incident", args=[incident.pk])
    assert incident.person == world.ada and incident.reported_by == world.maria
    assert list(incident.staff.values_list("user__username", flat=True)) == ["carla"]
    url = reverse("incidents:incident", args=[incident.pk])
    assert b"Carla Carer" in maria.get(url).content
    assert (
        maria.post(reverse("incidents:finding", args=[incident.pk]), {"finding-text": "Two strips"}).status_code == 302
    )
    assert (
        maria.post(
            reverse("incidents:action_add", args=[incident.pk]),
            {
                "action-kind": "training",
                "action-what": "Refresher",
                "action-owner": str(world.carla.pk),
                "action-due_on": "2026-06-20",
            },
        ).status_code
        == 302
    )
    action = CorrectiveAction.objects.get()
    page = maria.get(url)
    assert b"sign-off-problems" in page.content and b"still open" in page.content
    carla = client_for(world.carla)
    done = carla.post(
        reverse("incidents:action_complete", args=[incident.pk, action.pk]),
        {f"complete-{action.pk}-note": "Done the e-learning"},
    )
    assert done.status_code == 302
    assert maria.post(reverse("incidents:sign_off", args=[incident.pk]), {"sign_off-note": ""}).status_code == 302
    incident.refresh_from_db()
    assert incident.status == IncidentStatus.CLOSED
    page = maria.get(url)
    assert b"Signed off by Maria Manager" in page.content and b"timeline" in page.content


def test_a_bad_form_shows_the_error_beside_its_field_and_writes_nothing(world, incident, at_now):
    maria = client_for(world.maria)
    events = AuditEvent.objects.count()
    response = maria.post(reverse("incidents:report"), {"kind": "omission", "harm": "none"})
    assert response.status_code == 422 and b"Say what happened." in response.content
    response = maria.post(
        reverse("incidents:candour", args=[incident.pk]),
        {"candour-told": "family", "candour-told_on": "2026-06-10", "candour-written_on": "2026-06-10"},
    )
    assert response.status_code == 422 and b"needs an apology" in response.content
    response = maria.post(reverse("incidents:sign_off", args=[incident.pk]), {})
    assert response.status_code == 422 and b"Record the investigation" in response.content
    assert AuditEvent.objects.count() == events and Incident.objects.count() == 1


def test_open_an_incident_from_an_alert_pre_filled(world):
    due = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(due - dt.timedelta(hours=12), tick=False):
        prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    with time_machine.travel(due + dt.timedelta(minutes=65), tick=False):
        (alert_id,) = alerts_scan().raised
        alert = Alert.objects.get(pk=alert_id)
        maria = client_for(world.maria)
        page = maria.get(reverse("alerts:alert", args=[alert.pk]))
        assert f'href="/incidents/new/?alert={alert.pk}"'.encode() in page.content
        form = maria.get(reverse("incidents:report") + f"?alert={alert.pk}")
        assert form.status_code == 200
        text = form.content.decode()
        assert 'value="2026-06-10T08:00"' in text  # occurred: when it was due (08:00 BST)
        assert 'value="omission" checked' in text and "Ramipril" in text
        response = maria.post(
            reverse("incidents:report"),
            {
                "alert": str(alert.pk),
                "kind": "omission",
                "what_happened": alert.summary,
                "occurred_at": "2026-06-10T08:00",
                "discovered_at": "2026-06-10T09:00",
                "harm": "none",
            },
        )
        assert response.status_code == 302
    assert Incident.objects.get().alert == alert


def test_the_list_is_scoped_filtered_and_puts_overdue_first(world):
    older = report(world)
    newer = report(world)
    elsewhere_manager = world.otto
    with time_machine.travel(NOW, tick=False):
        services.incident_action_add(
            incident=older, by=world.maria, kind="training", what="Refresher", owner_id=world.carla.pk, due_on=TODAY
        )
    with time_machine.travel(NOW + dt.timedelta(days=2), tick=False):
        page = client_for(world.maria).get(reverse("incidents:list")).content.decode()
        assert page.index(f"incident-{older.pk}") < page.index(f"incident-{newer.pk}")
        assert "1 corrective action overdue" in page
        home = client_for(world.maria).get(reverse("home")).content.decode()
        assert "Corrective actions overdue (1)" in home and 'aria-label="Main"' in home and ">Incidents</a>" in home
        closed = client_for(world.maria).get(reverse("incidents:list") + "?status=closed").content.decode()
        assert "no-incidents" in closed
        assert "no-incidents" in client_for(elsewhere_manager).get(reverse("incidents:list")).content.decode()
        assert ">Incidents</a>" not in client_for(world.pat).get(reverse("home")).content.decode()
