"""The outbox sender: due emails sent through the configured backend, failures retried with back-off, given up
after the limit (visibly), a claim so two workers never send one twice, and a mail server that is down never
blocking a dose, an alert or the scan."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.core import mail
from django.db import connection, connections

from carebook.audit_log.models import AuditEvent
from carebook.core.jobs import get_job, run_job
from carebook.notifications import rules
from carebook.notifications.models import EmailDelivery, Notification
from carebook.notifications.sender import send_pending_emails
from carebook.notifications.services import notify
from carebook.notifications.tests import backends

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
MINUTE = dt.timedelta(minutes=1)
DOWN = "carebook.notifications.tests.backends.DownBackend"


def tell(world, recipients, key="alert:1:raised"):
    return notify(
        recipients=recipients,
        key=key,
        subject="Overdue dose alert at Oakfield House",
        body="An alert needs acknowledging.",
        link="/alerts/1/",
        location=world.home,
        at=NOW,
    )


def send_at(moment):
    with time_machine.travel(moment, tick=False):
        return send_pending_emails()


def test_a_due_email_is_sent_once_with_the_subject_a_link_and_nothing_more(staff, settings):
    settings.CAREBOOK = {**settings.CAREBOOK, "BASE_URL": "https://carebook.example.org/"}
    tell(staff, [staff.sam])
    report = send_at(NOW)
    assert len(report.sent) == 1 and len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sam@example.org"] and message.subject == "Carebook: Overdue dose alert at Oakfield House"
    assert "https://carebook.example.org/alerts/1/" in message.body
    email = EmailDelivery.objects.get()
    assert (email.status, email.attempts, email.sent_at) == ("sent", 1, NOW)
    assert AuditEvent.objects.filter(action="notification.email_sent", entity_id=str(email.pk)).count() == 1
    assert send_at(NOW + MINUTE).sent == [] and len(mail.outbox) == 1  # never again


def test_the_job_is_declared_every_minute_and_returns_how_many_it_sent(staff):
    assert get_job("notifications.send_email").every == MINUTE
    tell(staff, [staff.sam, staff.tia])
    with time_machine.travel(NOW, tick=False):
        assert run_job("notifications.send_email") == 2


def test_a_failure_is_retried_after_1_5_15_60_minutes_then_hourly_then_failed_for_good(staff, settings):
    tell(staff, [staff.sam])
    settings.EMAIL_BACKEND = DOWN
    at = NOW
    waits = []
    for _ in range(rules.MAX_ATTEMPTS - 1):
        report = send_at(at)
        assert len(report.retrying) == 1
        email = EmailDelivery.objects.get()
        assert email.status == "pending" and "mail server down" in email.last_error
        waits.append(int((email.next_attempt_at - at).total_seconds() // 60))
        assert send_at(email.next_attempt_at - dt.timedelta(seconds=1)).retrying == []  # not before its time
        at = email.next_attempt_at
    assert waits == [1, 5, 15, 60, 60, 60, 60, 60, 60]
    report = send_at(at)
    assert len(report.failed) == 1
    email = EmailDelivery.objects.get()
    assert (email.status, email.attempts) == ("failed", rules.MAX_ATTEMPTS)
    assert AuditEvent.objects.filter(action="notification.email_retry").count() == rules.MAX_ATTEMPTS - 1
    assert AuditEvent.objects.filter(action="notification.email_failed").count() == 1
    assert send_at(at + dt.timedelta(days=1)).failed == []  # given up: never tried again
    # The notification itself is still there, in the product.
    assert Notification.objects.get().read_at is None


def test_the_server_back_up_sends_what_waited(staff, settings):
    tell(staff, [staff.sam])
    settings.EMAIL_BACKEND = DOWN
    send_at(NOW)
    settings.EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
    assert send_at(NOW + MINUTE).sent and len(mail.outbox) == 1
    assert EmailDelivery.objects.get().attempts == 2


def test_a_claim_whose_worker_died_lapses_and_the_email_is_tried_again(staff):
    tell(staff, [staff.sam])
    # A worker claimed it at NOW and died before sending.
    EmailDelivery.objects.update(attempts=1, next_attempt_at=NOW + rules.LEASE)
    assert send_at(NOW + MINUTE).sent == []
    assert len(send_at(NOW + rules.LEASE).sent) == 1
    assert EmailDelivery.objects.get().attempts == 2


def test_a_mail_server_that_is_down_never_blocks_a_dose_an_alert_or_the_scan(staff, settings):
    """The whole chain with the backend raising: the dose is recorded, the scan raises the alert, the alerts'
    notifier tells the seniors, the sender fails and keeps the email for later."""
    from carebook.alerts.models import Alert
    from carebook.alerts.notify import notify_alerts
    from carebook.alerts.services import alerts_scan
    from carebook.medication import rules as med_rules
    from carebook.medication.models import DueDose
    from carebook.medication.services.administrations import administration_record
    from carebook.testing.factories import MedicineFactory, prescribe

    settings.EMAIL_BACKEND = DOWN
    morning = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)
    with time_machine.travel(morning - dt.timedelta(days=1), tick=False):
        ramipril = prescribe(staff.ada, MedicineFactory(name="Ramipril"), by=staff.sam, checker=staff.tia)
        bisoprolol = prescribe(staff.ada, MedicineFactory(name="Bisoprolol"), by=staff.sam, checker=staff.tia)
    dose = DueDose.objects.get(prescription=ramipril, local_date=dt.date(2026, 6, 10))
    with time_machine.travel(morning + dt.timedelta(hours=3), tick=False):
        result = alerts_scan()
        assert result.raised  # both doses overdue
        assert notify_alerts() > 0
        assert send_pending_emails().retrying  # the server is down: kept for later
        answers = [med_rules.Answer(p, "confirmed") for p in med_rules.prompts_for("")]
        recorded = administration_record(by=staff.carla, due_dose=dose, outcome="given", prompts=answers)
    assert recorded.administration.pk is not None
    assert Alert.objects.filter(prescription=bisoprolol).exists()
    assert EmailDelivery.objects.filter(status="pending").exists()


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two senders at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_sending_at_once_send_each_email_once(world, settings):
    from carebook.testing.factories import UserFactory

    settings.EMAIL_BACKEND = "carebook.notifications.tests.backends.CountingBackend"
    backends.SENT.clear()
    people = [UserFactory(email=f"carer{n}@example.org", at=world.home) for n in range(30)]
    tell(world, people)
    start = threading.Barrier(2)
    results: dict[int, object] = {}

    def sender(n: int) -> None:
        try:
            start.wait(10)
            results[n] = send_at(NOW)
        except BaseException as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=sender, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(isinstance(r, BaseException) for r in results.values()), results
    sent = [pk for r in results.values() for pk in r.sent]  # type: ignore[attr-defined]
    assert len(sent) == len(set(sent)) == 30
    assert sorted(backends.SENT) == sorted(p.email for p in people)  # each address once
    assert EmailDelivery.objects.filter(status="sent", attempts=1).count() == 30
    assert AuditEvent.objects.filter(action="notification.email_sent").count() == 30
