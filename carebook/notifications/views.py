"""The notifications page: one's own notifications, newest first, unread marked; marking one, or all, as read.

Thin adapters: the policy table (403), one's own rows only (another's is 404, as a missing one), the services.
A POST redirects back (POST/redirect/GET).
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from carebook.access.http import AuthenticatedRequest
from carebook.access.policy import Action, require
from carebook.core.text import moment
from carebook.notifications.selectors import LIST_LIMIT, own_notifications
from carebook.notifications.services import (
    access_notification_for_user,
    notification_mark_read,
    notifications_mark_all_read,
)
from carebook.notifications.vocab import EmailStatus


@login_required
@never_cache
@require_GET
def notifications_list(request: AuthenticatedRequest) -> HttpResponse:
    require(request.user, Action.VIEW_OWN_NOTIFICATIONS)
    rows = list(own_notifications(request.user)[:LIST_LIMIT])
    items = []
    for n in rows:
        email = getattr(n, "email", None)  # the reverse one-to-one: None when no email was queued
        items.append(
            {
                "n": n,
                "when": moment(n.created_at),
                "email_failed": email is not None and email.status == EmailStatus.FAILED,
            }
        )
    return render(
        request,
        "notifications/list.html",
        {"items": items, "unread": sum(1 for n in rows if n.read_at is None), "limit": LIST_LIMIT},
    )


@login_required
@never_cache
@require_POST
def notification_read(request: AuthenticatedRequest, notification_id: str) -> HttpResponse:
    notification = access_notification_for_user(request.user, notification_id)
    notification_mark_read(notification=notification, by=request.user)
    messages.success(request, f"Marked as read: {notification.subject}.")
    return redirect("notifications:list")


@login_required
@never_cache
@require_POST
def notifications_read_all(request: AuthenticatedRequest) -> HttpResponse:
    count = notifications_mark_all_read(by=request.user)
    messages.success(request, f"Marked {count} notification{'' if count == 1 else 's'} as read.")
    return redirect("notifications:list")


urlpatterns: list[URLPattern] = [
    path("notifications/", notifications_list, name="list"),
    path("notifications/read-all/", notifications_read_all, name="read_all"),
    path("notifications/<str:notification_id>/read/", notification_read, name="read"),
]
