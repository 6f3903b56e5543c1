"""One's own notifications: the list (newest first) and marking one as read. Anyone else's is 404."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import Field

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.notifications.api.schemas import NotificationListOut, NotificationOut
from carebook.notifications.models import Notification
from carebook.notifications.selectors import LIST_LIMIT, own_notifications
from carebook.notifications.services import access_notification_for_user, notification_mark_read

router = Router(tags=["notifications"])

ListLimit = Annotated[int, Field(default=50, ge=1, le=LIST_LIMIT)]


def present(n: Notification) -> dict[str, Any]:
    email = getattr(n, "email", None)
    return {
        "id": n.pk,
        "key": n.key,
        "subject": n.subject,
        "body": n.body,
        "link": n.link,
        "location": n.location_id,
        "created_at": n.created_at,
        "read_at": n.read_at,
        "email": email.status if email is not None else None,
    }


@router.get("/notifications", response={200: NotificationListOut, **READ_ERRORS}, operation_id="notifications_list")
def notifications_list(
    request: HttpRequest, unread: Query[bool] = False, limit: Query[ListLimit] = 50
) -> dict[str, Any]:
    """Your own notifications, newest first (``unread=true``: only those not yet read), at most ``limit``."""
    user = caller(request)
    require(user, Action.VIEW_OWN_NOTIFICATIONS)
    rows = own_notifications(user, unread_only=unread)
    return {
        "unread": Notification.objects.filter(recipient=user, read_at__isnull=True).count(),
        "notifications": [present(n) for n in rows[:limit]],
    }


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **WRITE_ERRORS},
    operation_id="notification_mark_read",
)
def notification_read(request: HttpRequest, notification_id: uuid.UUID) -> dict[str, Any]:
    """Mark one of your notifications as read (again: no change, the same answer). When: the server clock."""
    user = caller(request)
    notification = access_notification_for_user(user, notification_id)
    notification = notification_mark_read(notification=notification, by=user)
    return present(own_notifications(user).get(pk=notification.pk))
