"""The header's "Notifications" link and unread count, for the signed-in user.

At most one query per page, and only when the header is drawn (the count is lazy); none for someone signed out
or whose role the policy table does not grant it.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.functional import SimpleLazyObject

from carebook.access.policy import Action, can
from carebook.notifications.selectors import COUNT_CAP, unread_count


def notifications_nav(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if not can(user, Action.VIEW_OWN_NOTIFICATIONS):
        return {"nav_notifications_url": ""}

    def unread() -> str:
        count = unread_count(user)  # type: ignore[arg-type]
        return f"{COUNT_CAP}+" if count > COUNT_CAP else str(count)

    return {
        "nav_notifications_url": reverse("notifications:list"),
        "nav_notifications_unread": SimpleLazyObject(unread),
    }
