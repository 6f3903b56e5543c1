"""Sending the outbox: the job ``notifications.send_email`` (every minute) sends the emails that are due.

Each email is claimed before it is sent by a conditional UPDATE (``... WHERE status = 'pending' AND attempts = n``,
which moves ``next_attempt_at`` a lease ahead): of two workers at once, one claims it and the other finds nothing to
do. The claim commits before the mail server is called, so no transaction is held open across the network, and a
worker that dies mid-send leaves a claim that lapses (``rules.LEASE``): it is tried again (at least once, so an
email can, rarely, arrive twice; never silently lost).

A failure is kept (the error, when next) and tried again after 1, 5, 15 and 60 minutes, then every hour, up to
``rules.MAX_ATTEMPTS`` attempts; then the email is failed for good, audited, logged as an error and listed in the
registered manager's digest. The notification stays in the product whatever became of its email.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.mail import EmailMessage
from django.db import transaction

from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.notifications import rules
from carebook.notifications.audit import NotificationsAudit
from carebook.notifications.models import EmailDelivery
from carebook.notifications.vocab import EmailStatus

logger = logging.getLogger(__name__)

BATCH = 100  # emails one run sends at most: the rest wait for the next minute


@dataclass
class SendReport:
    sent: list[int] = field(default_factory=list)
    retrying: list[int] = field(default_factory=list)
    failed: list[int] = field(default_factory=list)


def send_pending_emails(*, now: dt.datetime | None = None, batch: int = BATCH) -> SendReport:
    """Send the emails that are due, each claimed first; record how each attempt ended."""
    now = now or clock.now()
    report = SendReport()
    due = (
        EmailDelivery.objects.filter(status=EmailStatus.PENDING, next_attempt_at__lte=now)
        .order_by("next_attempt_at", "pk")
        .values_list("pk", "attempts")[:batch]
    )
    for pk, attempts in list(due):
        if not _claim(pk, attempts, now):
            continue  # another worker has it
        delivery = EmailDelivery.objects.select_related("notification").get(pk=pk)
        try:
            _send(delivery)
        except Exception as exc:  # whatever the backend raises: kept, retried, never raised to the caller
            _failed(delivery, attempts + 1, exc, report)
        else:
            _sent(delivery, attempts + 1, report)
    return report


def _claim(pk: int, attempts: int, now: dt.datetime) -> bool:
    return bool(
        EmailDelivery.objects.filter(
            pk=pk, status=EmailStatus.PENDING, attempts=attempts, next_attempt_at__lte=now
        ).update(attempts=attempts + 1, next_attempt_at=now + rules.LEASE)
    )


def email_text(delivery: EmailDelivery) -> tuple[str, str]:
    """The subject and plain-text body of a notification's email: what the notification says, and its link."""
    notification = delivery.notification
    base = str(settings.CAREBOOK.get("BASE_URL", "")).rstrip("/")
    body = (
        f"{notification.body}\n\n"
        f"Open it in Carebook: {base}{notification.link}\n\n"
        "You are sent this because of your role in Carebook. Sign in to see the details."
    )
    return f"Carebook: {notification.subject}", body


def _send(delivery: EmailDelivery) -> None:
    subject, body = email_text(delivery)
    message = EmailMessage(subject=subject, body=body, to=[delivery.to_address])
    message.send(fail_silently=False)


def _sent(delivery: EmailDelivery, attempt: int, report: SendReport) -> None:
    now = clock.now()
    with transaction.atomic():
        changed = EmailDelivery.objects.filter(pk=delivery.pk, status=EmailStatus.PENDING, attempts=attempt).update(
            status=EmailStatus.SENT, sent_at=now, last_error=""
        )
        if changed:
            record_event(
                actor=None,
                action=NotificationsAudit.EMAIL_SENT,
                entity=delivery,
                location=delivery.notification.location_id,
                before={"status": EmailStatus.PENDING.value},
                after={"status": EmailStatus.SENT.value, "attempt": attempt, "sent_at": now.isoformat()},
                at=now,
            )
            report.sent.append(delivery.pk)


def _failed(delivery: EmailDelivery, attempt: int, exc: Exception, report: SendReport) -> None:
    now = clock.now()
    error = f"{type(exc).__name__}: {exc}"[:2000]
    delay = rules.retry_delay(attempt)
    with transaction.atomic():
        mine = EmailDelivery.objects.filter(pk=delivery.pk, status=EmailStatus.PENDING, attempts=attempt)
        if delay is None:
            changed = mine.update(status=EmailStatus.FAILED, last_error=error)
            action = NotificationsAudit.EMAIL_FAILED
            after = {"status": EmailStatus.FAILED.value, "attempt": attempt, "error": error}
        else:
            changed = mine.update(next_attempt_at=now + delay, last_error=error)
            action = NotificationsAudit.EMAIL_RETRY
            after = {"attempt": attempt, "next_attempt_at": (now + delay).isoformat(), "error": error}
        if changed:
            record_event(
                actor=None,
                action=action,
                entity=delivery,
                location=delivery.notification.location_id,
                before={"status": EmailStatus.PENDING.value},
                after=after,
                at=now,
            )
    if delay is None:
        logger.error("Email %s failed for good after %s attempts: %s", delivery.pk, attempt, error)
        report.failed.append(delivery.pk)
    else:
        logger.warning("Email %s failed (attempt %s), retrying in %s: %s", delivery.pk, attempt, delay, error)
        report.retrying.append(delivery.pk)
