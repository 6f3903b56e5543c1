"""A home-care visit still open after its window is an alert (ADR 0038, hazard H68): the office learns that a visit
may not have happened, or left a medicine without an outcome; closing the visit clears it, saying by whom."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.access.models import Role
from carebook.alerts import rules
from carebook.alerts.detect import detect_visits_not_closed
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertKind, Severity
from carebook.audit_log.models import AuditEvent
from carebook.medication.services.visits import visit_close, visit_plan
from carebook.organisations.models import Location
from carebook.testing.factories import LocationFactory, PersonFactory, UserFactory

DAY = dt.date(2026, 12, 4)
PLANNING = dt.datetime(2026, 12, 3, 15, 0, tzinfo=dt.UTC)
WINDOW_END = dt.datetime(2026, 12, 4, 9, 30, tzinfo=dt.UTC)  # GMT: the morning visit is 08:00 to 09:30
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def branch(world):
    branch = LocationFactory(provider=world.provider, name="Oakfield at Home", kind=Location.Kind.HOME_CARE)
    return {
        "branch": branch,
        "hana": UserFactory(username="hana", full_name="Hana Ahmed", role=Role.CARE_WORKER, at=branch),
        "chloe": UserFactory(username="chloe", full_name="Chloe Morgan", role=Role.COORDINATOR, at=branch),
        "edna": PersonFactory(location=branch, given_name="Edna", family_name="Price", room="12 Mill Lane"),
    }


def plan(b, *, person=None, start=dt.time(8), end=dt.time(9, 30)):
    with time_machine.travel(PLANNING, tick=False):
        return visit_plan(
            by=b["chloe"],
            person=person or b["edna"],
            assigned_to=b["hana"],
            date=DAY,
            label="morning",
            window_start=start,
            window_end=end,
        )


def scan_at(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return alerts_scan()


def visit_alerts():
    return Alert.objects.filter(kind=AlertKind.VISIT_NOT_CLOSED)


def test_an_open_visit_is_an_alert_once_its_grace_has_passed_and_closing_it_clears_it(world, branch):
    visit = plan(branch)
    assert rules.visit_not_closed_at(WINDOW_END) == WINDOW_END + 30 * MINUTE
    scan_at(WINDOW_END + 29 * MINUTE)
    assert not visit_alerts().exists()  # still in its grace: the worker may be closing it now
    scan_at(WINDOW_END + 30 * MINUTE)
    alert = visit_alerts().get()
    assert (alert.visit, alert.person, alert.location, alert.severity) == (
        visit,
        branch["edna"],
        branch["branch"],
        Severity.MEDIUM,
    )
    assert alert.summary == (
        "Edna Price's morning visit (08:00 to 09:30, Hana Ahmed) was not closed. Check that it took place and that "
        "each medicine due in it has an outcome."
    )
    assert AuditEvent.objects.filter(action="alert.raised", entity_id=str(alert.pk)).count() == 1
    scan_at(WINDOW_END + 40 * MINUTE)
    assert visit_alerts().count() == 1  # one alert per visit
    with time_machine.travel(WINDOW_END + 45 * MINUTE, tick=False):
        visit_close(by=branch["hana"], visit=visit)  # nothing was due in it
    scan_at(WINDOW_END + 46 * MINUTE)
    alert.refresh_from_db()
    assert alert.cleared_at == WINDOW_END + 46 * MINUTE
    assert alert.cleared_reason == "The visit was closed by Hana Ahmed at 10:15 on 04 December."


def test_no_alert_for_a_visit_closed_in_time(world, branch):
    visit = plan(branch)
    with time_machine.travel(WINDOW_END - 5 * MINUTE, tick=False):
        visit_close(by=branch["hana"], visit=visit)
    scan_at(WINDOW_END + dt.timedelta(hours=2))
    assert not visit_alerts().exists()


def test_the_scan_reads_the_open_visits_in_one_query_whatever_their_number(world, branch):
    later = WINDOW_END + dt.timedelta(hours=1)
    plan(branch)
    detect_visits_not_closed(now=later)
    with CaptureQueriesContext(connection) as one:
        assert detect_visits_not_closed(now=later) == []  # alerted already: read, not raised again
    for n in range(4):
        plan(branch, person=PersonFactory(location=branch["branch"], given_name=f"P{n}"))
    assert len(detect_visits_not_closed(now=later)) == 4
    with CaptureQueriesContext(connection) as five:
        assert detect_visits_not_closed(now=later) == []
    assert len(one.captured_queries) == len(five.captured_queries) == 1


def test_the_alert_page_links_to_the_visit(client, world, branch):
    visit = plan(branch)
    scan_at(WINDOW_END + dt.timedelta(hours=1))
    alert = visit_alerts().get()
    with time_machine.travel(WINDOW_END + dt.timedelta(hours=1), tick=False):
        client.force_login(branch["chloe"])
        page = client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
    assert reverse("medication:visit", args=[visit.pk]) in page
    assert "The morning visit on Hana Ahmed&#x27;s run" in page
