"""The registered managers' daily digest: from 07:00 Europe/London, once per manager per day, in the product and
by email, with the alerts' counts and the sections other apps register; counts only, no names."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
from carebook.alerts.models import Alert
from carebook.alerts.rules import ActionInput
from carebook.alerts.services import alerts_scan
from carebook.core.jobs import get_job
from carebook.medication.models import DueDose
from carebook.notifications import digest
from carebook.notifications.digest import digest_section, send_daily_digests
from carebook.notifications.models import EmailDelivery, Notification
from carebook.notifications.sender import send_pending_emails
from carebook.testing.factories import MedicineFactory, UserFactory, prescribe

DAY = dt.date(2026, 6, 11)
SEVEN = dt.datetime(2026, 6, 11, 6, 0, tzinfo=dt.UTC)  # 07:00 BST
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def yesterday(staff):
    """Two overdue doses yesterday (10 June): one alert resolved (no harm expected), one still open and escalated."""
    due = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(due - dt.timedelta(hours=12), tick=False):
        ramipril = prescribe(staff.ada, MedicineFactory(name="Ramipril"), by=staff.sam, checker=staff.tia)
        prescribe(staff.bert, MedicineFactory(name="Co-careldopa", time_critical=True), by=staff.sam, checker=staff.tia)
    closes = DueDose.objects.get(prescription=ramipril, local_date=dt.date(2026, 6, 10)).window_closes_at
    with time_machine.travel(closes + MINUTE, tick=False):
        alerts_scan()
        ramipril_alert = Alert.objects.get(prescription=ramipril)
        alert_acknowledge(alert=ramipril_alert, by=staff.tia)
        alert_action_record(
            alert=ramipril_alert, by=staff.tia, step=ActionInput(kind="advice_outcome", outcome="no_harm_expected")
        )
        alert_resolve(alert=ramipril_alert, by=staff.tia)
    with time_machine.travel(closes + dt.timedelta(minutes=40), tick=False):
        alerts_scan()  # the co-careldopa alert, unacknowledged: the registered manager
    return staff


def digest_at(moment):
    with time_machine.travel(moment, tick=False):
        return send_daily_digests()


def test_the_digest_waits_for_seven_then_goes_to_each_registered_manager_once_a_day(yesterday, staff):
    assert get_job("notifications.daily_digest").every == dt.timedelta(minutes=5)
    assert digest_at(SEVEN - MINUTE) == 0
    assert digest_at(SEVEN) == 1
    assert digest_at(SEVEN + dt.timedelta(hours=3)) == 0  # once a day
    (n,) = Notification.objects.filter(key="digest:2026-06-11")
    assert n.recipient == staff.maria and n.link == "/notifications/"
    assert n.subject == "Daily digest for 11 June 2026"
    assert digest_at(SEVEN + dt.timedelta(days=1)) == 1  # and the next day again


def test_the_digest_counts_open_escalated_and_resolved_alerts_without_names(yesterday, staff):
    digest_at(SEVEN)
    body = Notification.objects.get(key="digest:2026-06-11").body
    assert "The day at Oakfield House, Thursday 11 June 2026." in body
    assert "Open alerts: " in body and "Overdue dose, high severity: 1" in body
    assert "Escalated, not yet acknowledged, now with the registered manager: 1" in body
    assert "Resolved yesterday: 1." in body and "Resolved yesterday, no harm expected: 1" in body
    for name in ("Ada", "Bert", "Ramipril", "Co-careldopa", "Lovelace", "Jones"):
        assert name not in body
    # And by email, through the outbox.
    with time_machine.travel(SEVEN, tick=False):
        send_pending_emails()
    (message,) = [m for m in mail.outbox if m.subject.startswith("Carebook: Daily digest")]
    assert message.to == ["maria@example.org"] and "Resolved yesterday: 1." in message.body


def test_a_manager_sees_only_her_locations(yesterday, staff):
    other = UserFactory(username="olga", role="registered_manager", at=staff.elsewhere, email="olga@example.org")
    digest_at(SEVEN)
    body = Notification.objects.get(recipient=other).body
    assert "Elsewhere Lodge" in body and "No open alerts." in body and "None resolved yesterday." in body


def test_a_section_another_app_registers_is_included(staff):
    @digest_section("Incidents", order=20)
    def incidents(user, locations, day):
        return [f"Overdue corrective actions at {len(locations)} location(s): 2"]

    try:
        digest_at(SEVEN)
    finally:
        digest.unregister_digest_section("Incidents")
    body = Notification.objects.get(key="digest:2026-06-11").body
    assert body.index("Alerts\n") < body.index("Incidents\n- Overdue corrective actions at 1 location(s): 2")
    with pytest.raises(ValueError):
        digest_section("Alerts")(lambda user, locations, day: [])


def test_emails_given_up_on_are_listed_for_the_manager(staff):
    from carebook.notifications.services import notify

    notify(recipients=[staff.sam], key="x", subject="S", body="B", link="/", location=staff.home, at=SEVEN)
    EmailDelivery.objects.update(status="failed", attempts=10, last_error="refused")
    digest_at(SEVEN)
    body = Notification.objects.get(key="digest:2026-06-11").body
    assert "1 email(s) could not be delivered after every retry" in body
    assert DAY.isoformat() in Notification.objects.get(recipient=staff.maria).key
