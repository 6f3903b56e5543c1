"""Who hears of an alert: at raise the location's seniors, team leaders and coordinators; escalated, the team
leaders and coordinators, then the registered managers; never anyone of another location; each once."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebook.access.policy import POLICY, Action
from carebook.alerts import notify as alert_notify
from carebook.alerts.models import Alert
from carebook.alerts.notify import escalated_key, notify_alerts, raised_key
from carebook.alerts.services import alerts_scan
from carebook.medication.models import DueDose
from carebook.notifications.models import Notification
from carebook.testing.factories import MedicineFactory, UserFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
MINUTE = dt.timedelta(minutes=1)


def overdue_alert(staff, **medicine):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        rx = prescribe(staff.ada, MedicineFactory(**medicine), by=staff.sam, checker=staff.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    with time_machine.travel(dose.window_closes_at + MINUTE, tick=False):
        (alert_id,) = alerts_scan().raised
    return Alert.objects.get(pk=alert_id)


@pytest.fixture
def overdue(staff):
    """Ada's ramipril, due at 08:00, not recorded: an overdue alert once its window has closed."""
    return overdue_alert(staff, name="Ramipril")


@pytest.fixture
def overdue_time_critical(staff):
    """Ada's co-careldopa (time-critical): escalated after 15 minutes, then 30."""
    return overdue_alert(staff, name="Co-careldopa", time_critical=True)


def at(moment, func=notify_alerts):
    with time_machine.travel(moment, tick=False):
        return func()


def told(key):
    return sorted(n.recipient.username for n in Notification.objects.filter(key=key).select_related("recipient"))


def test_who_is_told_at_each_step_may_acknowledge_the_alert():
    for roles in (alert_notify.TOLD_WHEN_RAISED, *alert_notify.TOLD_AT_LEVEL.values()):
        assert roles <= POLICY[Action.ACKNOWLEDGE_ALERT]


def test_at_raise_the_seniors_team_leaders_and_coordinators_of_the_location_are_told_once(overdue, staff):
    UserFactory(username="ulla", role="senior_carer", at=staff.elsewhere)  # a senior of another home
    UserFactory(username="gone", role="senior_carer", at=staff.home, is_active=False)
    now = overdue.raised_at + MINUTE
    assert at(now) == 3
    assert told(raised_key(overdue.pk)) == ["colin", "sam", "tia"]  # not Carla, Maria, Pat, Otto, Ulla
    assert at(now + MINUTE) == 0  # once
    n = Notification.objects.filter(key=raised_key(overdue.pk)).first()
    assert n.link == f"/alerts/{overdue.pk}/" and n.location_id == staff.home.pk
    # Minimal (H55): the kind, the severity, the home; not Ada, not the medicine.
    assert "Overdue dose alert at Oakfield House" in n.subject
    for text in (n.subject, n.body):
        assert "Ada" not in text and "Lovelace" not in text and "Ramipril" not in text


def test_escalated_the_team_leaders_then_the_registered_managers_are_told(overdue_time_critical, staff):
    alert = overdue_time_critical
    assert alert.severity == "high"
    at(alert.raised_at + MINUTE)
    at(alert.raised_at + 15 * MINUTE, alerts_scan)  # nobody acknowledged within 15 minutes: the team leader
    assert at(alert.raised_at + 16 * MINUTE) == 2
    assert told(escalated_key(alert.pk, "team_leader")) == ["colin", "tia"]
    n = Notification.objects.filter(key=escalated_key(alert.pk, "team_leader")).first()
    assert n.subject.startswith("Not acknowledged:") and "gone to the team leader" in n.body
    at(alert.raised_at + 30 * MINUTE, alerts_scan)
    assert at(alert.raised_at + 31 * MINUTE) == 1
    assert told(escalated_key(alert.pk, "registered_manager")) == ["maria"]
    assert at(alert.raised_at + 32 * MINUTE) == 0


def test_an_alert_acknowledged_or_cleared_before_the_notifier_ran_is_not_announced_late(overdue, staff):
    from carebook.alerts.lifecycle import alert_acknowledge

    with time_machine.travel(overdue.raised_at, tick=False):
        alert_acknowledge(alert=overdue, by=staff.sam)
    assert at(overdue.raised_at + MINUTE) == 0


def test_an_alert_older_than_a_day_is_not_read(overdue, staff):
    assert at(overdue.raised_at + dt.timedelta(days=1, minutes=1)) == 0


def test_the_notifier_costs_the_same_few_queries_with_nothing_new(overdue, staff):
    at(overdue.raised_at + MINUTE)
    with CaptureQueriesContext(connection) as ctx:
        at(overdue.raised_at + 2 * MINUTE)
    assert len(ctx.captured_queries) <= 4, [q["sql"] for q in ctx.captured_queries]


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two notifiers at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_notifying_at_once_tell_each_person_once(staff):
    import threading

    from django.db import connections

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        for name in ("Ramipril", "Bisoprolol", "Amlodipine", "Atorvastatin"):
            prescribe(staff.ada, MedicineFactory(name=name), by=staff.sam, checker=staff.tia)
    closes = DueDose.objects.filter(local_date=dt.date(2026, 6, 10)).first().window_closes_at
    with time_machine.travel(closes + MINUTE, tick=False):
        assert len(alerts_scan().raised) == 4
    start = threading.Barrier(2)
    results: dict[int, object] = {}

    def notifier(n: int) -> None:
        try:
            start.wait(10)
            results[n] = at(closes + 2 * MINUTE)
        except BaseException as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=notifier, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(isinstance(r, BaseException) for r in results.values()), results
    assert sum(results.values()) == 12 == Notification.objects.count()  # type: ignore[arg-type]
    from carebook.audit_log.models import AuditEvent

    assert AuditEvent.objects.filter(action="notification.created").count() == 12


def test_an_alert_storm_emails_the_high_severity_ones_each_and_the_rest_in_one_summary(staff):
    """Seven doses of one morning not recorded (H46): Sam gets seven notifications in the product, but two emails
    for the two time-critical doses and one summary for the five others, not seven."""
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        for i in range(5):
            prescribe(staff.ada, MedicineFactory(name=f"Medicine {i}"), by=staff.sam, checker=staff.tia)
        for i in range(2):
            prescribe(
                staff.ada, MedicineFactory(name=f"Critical {i}", time_critical=True), by=staff.sam, checker=staff.tia
            )
    closes = max(DueDose.objects.filter(local_date=dt.date(2026, 6, 10)).values_list("window_closes_at", flat=True))
    with time_machine.travel(closes + MINUTE, tick=False):
        raised = alerts_scan().raised
    assert len(raised) == 7 > alert_notify.EMAIL_EACH_UP_TO
    at(closes + 2 * MINUTE)
    sams = Notification.objects.filter(recipient=staff.sam).select_related("email")
    assert sams.filter(key__startswith="alert:").count() == 7  # each alert in the product
    emailed = [n for n in sams if hasattr(n, "email")]
    assert len(emailed) == 3
    (summary,) = [n for n in emailed if n.key.startswith("alerts:")]
    assert summary.subject == "5 more alerts at Oakfield House"
    assert "5 alerts of medium or low severity were raised" in summary.body and "overdue dose: 5" in summary.body
    assert summary.link == f"/alerts/?location={staff.home.pk}"
    high = [n for n in emailed if n.key.startswith("alert:")]
    assert {Alert.objects.get(pk=n.key.split(":")[1]).severity for n in high} == {"high"}
    assert at(closes + 3 * MINUTE) == 0  # told once: no second summary


def test_a_few_alerts_at_once_are_each_emailed(staff):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        for i in range(alert_notify.EMAIL_EACH_UP_TO):
            prescribe(staff.ada, MedicineFactory(name=f"Medicine {i}"), by=staff.sam, checker=staff.tia)
    closes = max(DueDose.objects.filter(local_date=dt.date(2026, 6, 10)).values_list("window_closes_at", flat=True))
    with time_machine.travel(closes + MINUTE, tick=False):
        alerts_scan()
    at(closes + 2 * MINUTE)
    sams = Notification.objects.filter(recipient=staff.sam).select_related("email")
    assert sams.count() == alert_notify.EMAIL_EACH_UP_TO
    assert all(hasattr(n, "email") for n in sams)
