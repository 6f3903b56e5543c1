"""notify: one notification per recipient per key, its email queued (never sent inline), all audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core import mail

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import ValidationFailed
from carebook.notifications import rules
from carebook.notifications.models import EmailDelivery, Notification
from carebook.notifications.services import notify

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)


def tell(world, recipients, key="alert:1:raised", **kw):
    args = {
        "recipients": recipients,
        "key": key,
        "subject": "Overdue dose alert at Oakfield House",
        "body": "An alert needs acknowledging.",
        "link": "/alerts/1/",
        "location": world.home,
        "at": NOW,
    }
    args.update(kw)
    return notify(**args)


def test_each_recipient_is_told_once_per_key_and_an_email_is_queued_not_sent(staff):
    written = tell(staff, [staff.sam, staff.tia])
    assert {n.recipient for n in written} == {staff.sam, staff.tia}
    assert mail.outbox == []  # never inline
    emails = EmailDelivery.objects.order_by("to_address")
    assert [e.to_address for e in emails] == ["sam@example.org", "tia@example.org"]
    assert all(e.status == "pending" and e.next_attempt_at == NOW and e.attempts == 0 for e in emails)
    assert AuditEvent.objects.filter(action="notification.created").count() == 2

    # Again, and with Colin added: only Colin is new.
    again = tell(staff, [staff.sam, staff.tia, staff.colin])
    assert [n.recipient for n in again] == [staff.colin]
    assert Notification.objects.count() == 3 == EmailDelivery.objects.count()
    assert AuditEvent.objects.filter(action="notification.created").count() == 3
    # Another key is another notification.
    assert len(tell(staff, [staff.sam], key="alert:1:escalated:team_leader")) == 1


def test_a_duplicate_that_slips_past_the_read_is_stopped_by_the_constraint(staff, monkeypatch):
    tell(staff, [staff.sam])
    from carebook.notifications import services

    monkeypatch.setattr(services, "_already_told", lambda key, ids: set())  # as if another worker raced us
    assert tell(staff, [staff.sam]) == []
    assert Notification.objects.count() == 1


def test_someone_without_an_address_is_told_in_the_product_only_and_a_switched_off_account_not_at_all(world):
    world.sam.is_active = False
    world.sam.save()
    written = tell(world, [world.carla, world.sam])
    assert [n.recipient for n in written] == [world.carla]
    assert not EmailDelivery.objects.exists()


@pytest.mark.parametrize("link", ["https://evil.example/", "//evil.example/x", "alerts/1/", "/a b", "/" + "x" * 300])
def test_a_link_outside_the_product_is_refused_and_nothing_is_written(staff, link):
    with pytest.raises(ValidationFailed) as refused:
        tell(staff, [staff.sam], link=link)
    assert refused.value.field == "link"
    assert not Notification.objects.exists() and not AuditEvent.objects.exists()


def test_no_subject_is_refused(staff):
    with pytest.raises(ValidationFailed) as refused:
        tell(staff, [staff.sam], subject="  ")
    assert refused.value.field == "subject"


def test_the_time_defaults_to_the_server_clock(staff):
    with time_machine.travel(NOW + dt.timedelta(hours=1), tick=False):
        (n,) = tell(staff, [staff.sam], at=None)
    assert n.created_at == NOW + dt.timedelta(hours=1)


def test_the_back_off_is_1_5_15_60_minutes_then_hourly_then_given_up():
    delays = [rules.retry_delay(n) for n in range(1, rules.MAX_ATTEMPTS + 1)]
    minutes = [None if d is None else int(d.total_seconds() // 60) for d in delays]
    assert minutes == [1, 5, 15, 60, 60, 60, 60, 60, 60, None]
    with pytest.raises(ValueError):
        rules.retry_delay(0)
