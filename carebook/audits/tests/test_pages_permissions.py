"""Who may open and post each audits page: every role (and a role the table does not know) × every page × {own
location, another location of the same provider}, against the policy table (carebook/access/policy.py). A page
another location's is 404, as a missing one; a POST-only address answers a GET 405; a refused POST writes nothing
and an accepted one writes."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from carebook.access.models import Role
from carebook.access.policy import POLICY, Action
from carebook.audits.models import AuditTemplateVersion
from carebook.audits.services import templates_install_shipped
from carebook.audits.tests.conftest import NOW
from carebook.audits.tests.test_api_permissions import _writes, scenes, user_with  # noqa: F401 (a fixture)
from carebook.testing.factories import LocationFactory

LATER = NOW + dt.timedelta(minutes=30)
ROLES = [*Role.values, "night_nurse"]
VIEW = frozenset({Action.VIEW_AUDITS})
CONDUCT = VIEW | {Action.CONDUCT_AUDIT}


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[dict[str, Any]], str]
    needs: frozenset[Action]
    ok: int = 200
    post: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # a POST page: its body
    scoped: bool = True


PAGES = [
    Page("audits", lambda o: "/audits/", VIEW, ok=302, scoped=False),  # one location: straight to it
    Page("location", lambda o: f"/audits/locations/{o['location'].pk}/", VIEW),
    Page("audit", lambda o: f"/audits/{o['working'].pk}/", VIEW),
    Page("templates", lambda o: "/audits/templates/", VIEW, scoped=False),
    Page("template", lambda o: f"/audits/templates/{o['daily'].pk}/", VIEW, scoped=False),
    Page(
        "start",
        lambda o: f"/audits/locations/{o['location'].pk}/start/",
        CONDUCT,
        ok=302,
        post=lambda o: {"template": str(o["daily"].pk)},
    ),
    Page(
        "answers",
        lambda o: f"/audits/{o['working'].pk}/answers/",
        CONDUCT,
        ok=302,
        post=lambda o: {f"answer-{o['question'].pk}": "yes"},
    ),
    Page(
        "finding",
        lambda o: f"/audits/{o['working'].pk}/findings/",
        CONDUCT,
        ok=302,
        post=lambda o: {
            "finding-text": "The fridge log had a gap",
            "finding-with_action": "no",
            "finding-no_action_reason": "Filled in from the thermometer's memory",
        },
    ),
    Page(
        "complete an action",
        lambda o: f"/audits/{o['working'].pk}/actions/{o['action'].pk}/complete/",
        VIEW | {Action.COMPLETE_ACTION, Action.COMPLETE_ANY_ACTION},
        ok=302,
        post=lambda o: {f"complete-{o['action'].pk}-note": "Done"},
    ),
    Page("sign", lambda o: f"/audits/{o['ready'].pk}/sign/", CONDUCT, ok=302, post=lambda o: {"sign-note": ""}),
    Page(
        "addendum",
        lambda o: f"/audits/{o['signed'].pk}/addenda/",
        CONDUCT,
        ok=302,
        post=lambda o: {"addendum-text": "A later fact"},
    ),
    Page(
        "edit a template",
        lambda o: f"/audits/templates/{o['daily'].pk}/",
        VIEW | {Action.EDIT_AUDIT_TEMPLATES},
        ok=302,
        post=lambda o: {
            "title": "Daily medicines audit",
            "change_note": "One question for now",
            "rows": "1",
            "q1-text": "Is every dose on the MAR recorded?",
            "q1-answer_type": "yes_no",
        },
        scoped=False,
    ),
]


def _expected(page: Page, role: str, where: str) -> int:
    if not all(role in POLICY[action] for action in page.needs):
        return 403
    if where == "other" and page.scoped:
        return 404
    return page.ok


def _client(world: Any, role: str) -> Client:
    client = Client()
    client.force_login(user_with(role, world))
    return client


@pytest.mark.parametrize("page", [p for p in PAGES if p.post is None], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_at_every_page(world, scenes, page, role):  # noqa: F811
    client = _client(world, role)
    for where in ("own", "other"):
        with time_machine.travel(LATER, tick=False):
            response = client.get(page.url(scenes[where]))
        expected = _expected(page, role, where)
        assert response.status_code == expected, f"{role} GET {page.name} ({where}): {response.status_code}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.post is not None], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_post_answers_by_role_and_place_and_a_refused_one_writes_nothing(world, scenes, page, role):  # noqa: F811
    assert page.post is not None
    client = _client(world, role)
    for where in ("other", "own"):
        before, versions = _writes(), AuditTemplateVersion.objects.count()
        with time_machine.travel(LATER, tick=False):
            if page.name != "edit a template":  # the template's page answers a GET too
                assert client.get(page.url(scenes[where])).status_code == 405
            response = client.post(page.url(scenes[where]), page.post(scenes[where]))
        expected = _expected(page, role, where)
        assert response.status_code == expected, f"{role} POST {page.name} ({where}): {response.status_code}"
        added = AuditTemplateVersion.objects.count() - versions
        if expected >= 400:
            assert _writes() == before and added == 0, f"{role} POST {page.name} ({where}): refused, and wrote"
        else:
            assert _writes() != before or added == 1, f"{role} POST {page.name} ({where}): accepted, wrote nothing"


def test_another_providers_template_is_404(world, templates):
    other = LocationFactory(name="Far Away")
    with time_machine.travel(NOW, tick=False):
        (theirs, *_) = templates_install_shipped(provider_id=other.provider_id, starts_on=dt.date(2026, 6, 1))
        client = Client()
        client.force_login(world.maria)
        assert client.get(f"/audits/templates/{theirs.pk}/").status_code == 404
        assert client.post(f"/audits/templates/{theirs.pk}/", {"title": "x"}).status_code == 404
        assert client.get("/audits/templates/not-a-uuid/").status_code == 404
