"""Reading one's own notifications: the list, and the unread count the header shows."""

from __future__ import annotations

from django.db.models import QuerySet

from carebook.access.models import User
from carebook.notifications.models import Notification

LIST_LIMIT = 200  # the page and the API list the newest this many
COUNT_CAP = 99  # the header says "99+" beyond this, so counting stays cheap


def own_notifications(user: User, *, unread_only: bool = False) -> QuerySet[Notification]:
    rows = Notification.objects.filter(recipient=user).select_related("email").order_by("-created_at", "-pk")
    if unread_only:
        rows = rows.filter(read_at__isnull=True)
    return rows


def unread_count(user: User) -> int:
    """How many of the user's notifications are unread, up to COUNT_CAP + 1: one query (the partial index)."""
    return Notification.objects.filter(recipient=user, read_at__isnull=True)[: COUNT_CAP + 1].count()
