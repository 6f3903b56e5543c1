"""Telling staff: ``notify`` writes the notifications and their outbox rows; marking them read.

``notify`` never sends an email: it writes one ``Notification`` per recipient (and an ``EmailDelivery`` for those
with an address) in one transaction, each audited, and the job ``notifications.send_email`` sends the emails later
(``sender.py``). So a mail server that is down, slow or refusing can never block or fail what caused the
notification (a dose, an alert, the scan).

Idempotent: a recipient who already has a notification with this ``key`` is left alone (read once in one query,
and, for a race with another worker, the unique constraint, each INSERT in its own savepoint).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import NotFound, ValidationFailed
from carebook.core.ids import as_uuid
from carebook.notifications import rules
from carebook.notifications.audit import NotificationsAudit
from carebook.notifications.models import EmailDelivery, Notification


def notify(
    *,
    recipients: Iterable[User],
    key: str,
    subject: str,
    body: str,
    link: str,
    location: Any = None,
    at: dt.datetime | None = None,
    email: bool = True,
) -> list[Notification]:
    """Tell each recipient once (per ``key``); queue an email for each with an address (unless ``email`` is false:
    in the product only, e.g. one alert of many that a summary email covers). Returns what was written now (nobody
    twice: a recipient already told is skipped). Switched-off accounts are not told.

    Keep ``subject`` and ``body`` minimal: they are emailed. A link to the record, no medicines, no names of the
    people cared for (hazard H55).
    """
    problem = rules.link_problem(link)
    if problem:
        raise ValidationFailed(problem, field="link")
    if not key or len(key) > 200:
        raise ValidationFailed("A notification needs a key of at most 200 characters.", field="key")
    subject, body = subject.strip()[:200], body.strip()
    if not subject:
        raise ValidationFailed("A notification needs a subject.", field="subject")
    at = at or clock.now()
    location_id = getattr(location, "pk", location)
    people = {u.pk: u for u in recipients if u.is_active}
    if not people:
        return []
    written: list[Notification] = []
    with transaction.atomic():
        told = _already_told(key, set(people))
        for user in sorted((u for pk, u in people.items() if pk not in told), key=lambda u: u.pk):
            try:
                with transaction.atomic():
                    notification = Notification.objects.create(
                        recipient=user,
                        key=key,
                        subject=subject,
                        body=body,
                        link=link,
                        location_id=location_id,
                        created_at=at,
                    )
            except IntegrityError:
                continue  # another worker told them first
            delivery = None
            if email and user.email:
                delivery = EmailDelivery.objects.create(
                    notification=notification, to_address=user.email, created_at=at, next_attempt_at=at
                )
            record_event(
                actor=None,
                action=NotificationsAudit.NOTIFICATION_CREATED,
                entity=notification,
                location=location_id,
                after={
                    "recipient": user.pk,
                    "key": key,
                    "subject": subject,
                    "link": link,
                    "email": delivery.pk if delivery else None,
                },
                at=at,
            )
            written.append(notification)
    return written


def _already_told(key: str, recipient_ids: set[Any]) -> set[Any]:
    return set(
        Notification.objects.filter(key=key, recipient_id__in=recipient_ids).values_list("recipient_id", flat=True)
    )


def access_notification_for_user(user: User, notification_id: object) -> Notification:
    """One of the user's own notifications; anyone else's is 404, as a missing one."""
    require(user, Action.VIEW_OWN_NOTIFICATIONS)
    nid = as_uuid(notification_id, "notification")
    notification = Notification.objects.filter(recipient=user, pk=nid).first()
    if notification is None:
        raise NotFound("No notification with that id.")
    return notification


def notification_mark_read(*, notification: Notification, by: User) -> Notification:
    """Mark one of ``by``'s own notifications as read (again is no change). ``notification`` comes from
    ``access_notification_for_user``."""
    require(by, Action.VIEW_OWN_NOTIFICATIONS)
    if notification.recipient_id != by.pk:
        raise NotFound("No notification with that id.")
    now = clock.now()
    with transaction.atomic():
        changed = Notification.objects.filter(pk=notification.pk, recipient=by, read_at__isnull=True).update(
            read_at=now
        )
        if changed:
            _audit_read(notification, by, now)
    notification.refresh_from_db()
    return notification


def notifications_mark_all_read(*, by: User) -> int:
    """Mark every unread notification of ``by``'s as read; how many. Each is audited."""
    require(by, Action.VIEW_OWN_NOTIFICATIONS)
    now = clock.now()
    with transaction.atomic():
        unread = list(Notification.objects.filter(recipient=by, read_at__isnull=True).only("pk", "location_id"))
        changed = 0
        for notification in unread:
            if Notification.objects.filter(pk=notification.pk, read_at__isnull=True).update(read_at=now):
                _audit_read(notification, by, now)
                changed += 1
    return changed


def _audit_read(notification: Notification, by: User, now: dt.datetime) -> None:
    record_event(
        actor=by,
        action=NotificationsAudit.NOTIFICATION_READ,
        entity=notification,
        location=notification.location_id,
        before={"read_at": None},
        after={"read_at": now.isoformat()},
        at=now,
    )
