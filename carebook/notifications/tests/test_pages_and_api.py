"""One's own notifications, on the page and through the API, for every role (and one the table does not know):
never anyone else's (404, as a missing one); the header's unread count costs one query, and none signed out."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from carebook.access.models import Role, User
from carebook.access.policy import POLICY, Action
from carebook.audit_log.models import AuditEvent
from carebook.medication.api.testing import api_as
from carebook.notifications.models import Notification
from carebook.notifications.services import notify
from carebook.testing.factories import UserFactory
from carebook.testing.matrix import NEW_ROLE, role_check_lifted

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
ROLES = [*Role.values, NEW_ROLE]


def user_with(role, world):
    if role == NEW_ROLE:
        with role_check_lifted():
            user = UserFactory(username="nina", role=NEW_ROLE, at=world.home, provider=world.provider)
        return User.objects.get(pk=user.pk)
    return UserFactory(username=f"as-{role}", role=role, at=world.home, provider=world.provider)


def tell(world, user, key, minutes=0):
    (n,) = notify(
        recipients=[user],
        key=key,
        subject=f"About {key}",
        body="Open it to see.",
        link="/alerts/",
        location=world.home,
        at=NOW + dt.timedelta(minutes=minutes),
    )
    return n


def signed_in(user):
    client = Client()
    client.force_login(user)
    return client


@time_machine.travel(NOW + dt.timedelta(hours=1), tick=False)
@pytest.mark.parametrize("role", ROLES)
def test_own_notifications_permission_matrix(world, role):
    user = user_with(role, world)
    mine = tell(world, user, "mine")
    theirs = tell(world, world.sam, "theirs")
    allowed = role in POLICY[Action.VIEW_OWN_NOTIFICATIONS]
    client, api = signed_in(user), api_as(user)

    page = client.get(reverse("notifications:list"))
    listed = api.get("/notifications")
    others_read = api.post(f"/notifications/{theirs.pk}/read")
    others_page_read = client.post(reverse("notifications:read", args=[theirs.pk]))
    own_read = api.post(f"/notifications/{mine.pk}/read")
    assert others_read["Content-Type"].startswith("application/json")
    theirs.refresh_from_db()
    assert theirs.read_at is None  # never by anyone else
    mine.refresh_from_db()
    if allowed:
        assert page.status_code == 200 and "About mine" in page.content.decode()
        assert "About theirs" not in page.content.decode()
        assert listed.status_code == 200 and [n["key"] for n in listed.json()["notifications"]] == ["mine"]
        assert others_read.status_code == 404 and others_read.json()["code"] == "not_found"
        assert others_page_read.status_code == 404
        assert own_read.status_code == 200 and own_read.json()["read_at"] is not None
        assert mine.read_at == NOW + dt.timedelta(hours=1)
    else:
        assert page.status_code == 403 and listed.status_code == 403
        assert others_read.status_code == 403 and own_read.status_code == 403 and others_page_read.status_code == 403
        assert mine.read_at is None


def test_signed_out_is_sent_to_sign_in_or_answered_401(world):
    n = tell(world, world.sam, "k")
    assert Client().get(reverse("notifications:list")).status_code == 302
    assert api_as(None).get("/notifications").status_code == 401
    assert api_as(None).post(f"/notifications/{n.pk}/read").status_code == 401
    assert api_as(None).post("/notifications/not-a-uuid/read").status_code in (401, 422)


@time_machine.travel(NOW + dt.timedelta(hours=1), tick=False)
def test_the_page_lists_newest_first_marks_unread_and_marks_one_or_all_as_read(world):
    old = tell(world, world.sam, "old", 0)
    tell(world, world.sam, "new", 5)
    client = signed_in(world.sam)
    html = client.get(reverse("notifications:list")).content.decode()
    assert html.index("About new") < html.index("About old")
    assert html.count('data-testid="unread"') == 2 and "2 unread." in html
    assert 'href="/alerts/"' in html

    response = client.post(reverse("notifications:read", args=[old.pk]))
    assert response.status_code == 302
    old.refresh_from_db()
    assert old.read_at is not None
    audit = AuditEvent.objects.get(action="notification.read")
    assert audit.actor_id == world.sam.pk and audit.entity_id == str(old.pk)
    # Again: no change, no second audit event.
    client.post(reverse("notifications:read", args=[old.pk]))
    assert AuditEvent.objects.filter(action="notification.read").count() == 1

    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(recipient=world.sam, read_at__isnull=True).exists()
    assert AuditEvent.objects.filter(action="notification.read").count() == 2
    html = client.get(reverse("notifications:list")).content.decode()
    assert "Nothing unread." in html and "cb-nav__count" not in html  # the header shows no count


@time_machine.travel(NOW + dt.timedelta(hours=1), tick=False)
def test_the_api_lists_unread_only_when_asked_and_counts_them(world):
    tell(world, world.sam, "a", 0)
    b = tell(world, world.sam, "b", 1)
    api = api_as(world.sam)
    api.post(f"/notifications/{b.pk}/read")
    body = api.get("/notifications", {"unread": "true"}).json()
    assert body["unread"] == 1 and [n["key"] for n in body["notifications"]] == ["a"]
    everything = api.get("/notifications").json()["notifications"]
    assert [n["key"] for n in everything] == ["b", "a"] and everything[0]["email"] is None
    assert api.post(f"/notifications/{b.pk}/read").status_code == 200  # again: the same answer


def test_the_header_shows_the_unread_count_for_one_query_and_nothing_when_signed_out(world):
    for n in range(3):
        tell(world, world.sam, f"k{n}")
    client = signed_in(world.sam)
    client.get(reverse("people:list"))  # warm the session
    with CaptureQueriesContext(connection) as ctx:
        html = client.get(reverse("people:list")).content.decode()
    ours = [q["sql"] for q in ctx.captured_queries if "notifications_notification" in q["sql"]]
    assert len(ours) == 1, ours
    assert 'data-testid="nav-notifications"' in html and ">3<" in html.replace(" ", "")
    with CaptureQueriesContext(connection) as ctx:
        Client().get(reverse("access:sign_in"))
    assert not any("notifications_notification" in q["sql"] for q in ctx.captured_queries)


def test_every_notifications_operation_in_the_openapi_is_tested(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if "/notifications" in p}
    assert operations == {
        ("GET", "/api/v1/notifications"),
        ("POST", "/api/v1/notifications/{notification_id}/read"),
    }
