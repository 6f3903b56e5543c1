"""Who may open and post each alerts page: every role, and a role the policy table does not know, × every page and
POST × {own location, another provider's}.

Expected answers come from one table (the policy's rows, written out here again on purpose: a change to either is
seen). A role that may not use the page is refused first (403, which says nothing about the record); another
location's alert is never shown (404). A refused POST writes nothing: no step, no change of status, no audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.access.models import Membership, Role, User
from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.rules import ActionInput
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import ActionKind
from carebook.audit_log.models import AuditEvent
from carebook.testing.factories import MedicineFactory, UserFactory, prescribe
from carebook.testing.matrix import NEW_ROLE, role_check_lifted

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
NOW = DUE + dt.timedelta(minutes=70)

VIEWING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})
ACKNOWLEDGING = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})
RECORDING = VIEWING
RESOLVING = frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[dict[str, Any]], str]
    allowed: frozenset[str]
    post: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # a valid POST body
    ok: int = 200
    scoped: bool = True
    alert: str = "open"  # which of the scene's alerts the page is for


PAGES = [
    Page("dashboard", lambda s: reverse("alerts:dashboard"), VIEWING, scoped=False),
    Page(
        "dashboard of a location",
        lambda s: reverse("alerts:dashboard") + f"?location={s['location'].pk}",
        VIEWING,
    ),
    Page("dashboard fragment", lambda s: reverse("alerts:dashboard_fragment"), VIEWING, scoped=False),
    Page("alert", lambda s: reverse("alerts:alert", args=[s["open"].pk]), VIEWING),
    Page(
        "acknowledge",
        lambda s: reverse("alerts:acknowledge", args=[s["open"].pk]),
        ACKNOWLEDGING,
        post=lambda s: {},
        ok=302,
    ),
    Page(
        "record a step",
        lambda s: reverse("alerts:step", args=[s["open"].pk]),
        RECORDING,
        post=lambda s: {"kind": "contacted_care_worker", "answer": "not_given"},
        ok=302,
    ),
    Page(
        "resolve",
        lambda s: reverse("alerts:resolve", args=[s["decided"].pk]),
        RESOLVING,
        post=lambda s: {"note": "Done"},
        ok=302,
        alert="decided",
    ),
]


def _scene(location, person, senior, leader) -> dict[str, Any]:
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        first = prescribe(person, MedicineFactory(), by=senior, checker=leader)
        second = prescribe(person, MedicineFactory(), by=senior, checker=leader)
    with time_machine.travel(NOW, tick=False):
        alerts_scan()
        decided = Alert.objects.get(prescription=second)
        alert_acknowledge(alert=decided, by=leader)
        alert_action_record(
            alert=decided, by=leader, step=ActionInput(kind=ActionKind.ADVICE_OUTCOME, outcome="no_harm_expected")
        )
    return {"location": location, "open": Alert.objects.get(prescription=first), "decided": decided}


@pytest.fixture
def scenes(world):
    other_senior = UserFactory(role=Role.SENIOR_CARER, at=world.elsewhere)
    other_leader = UserFactory(role=Role.TEAM_LEADER, at=world.elsewhere)
    return {
        "own": _scene(world.home, world.ada, world.sam, world.tia),
        "other": _scene(world.elsewhere, world.stranger, other_senior, other_leader),
    }


def _member(world, role: str) -> User:
    if role == Role.PROVIDER_ADMIN:
        return UserFactory(role=role, provider=world.provider)
    if role == NEW_ROLE:
        with role_check_lifted():
            user = UserFactory(role=NEW_ROLE, at=world.home, provider=world.provider)
        return User.objects.get(pk=user.pk)
    return UserFactory(role=role, at=world.home, provider=world.provider)


ROLES = [*Role.values, NEW_ROLE]  # every role, and one the policy table does not know


def _expected(page: Page, role: str, where: str) -> int:
    if role not in page.allowed:
        return 403
    if where == "other":
        return 404
    return page.ok


def _writes() -> tuple[int, int, list[tuple[Any, ...]]]:
    states = list(Alert.objects.order_by("pk").values_list("pk", "status", "acknowledged_by", "resolved_by"))
    return AuditEvent.objects.count(), AlertAction.objects.count(), states


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_at_every_page(world, scenes, page, role):
    client = Client()
    client.force_login(_member(world, role))
    for where in ("own", "other") if page.scoped else ("own",):
        with time_machine.travel(NOW, tick=False):
            status = client.get(page.url(scenes[where])).status_code
        # A POST-only address answers a GET 405 whoever asks and wherever (it reads nothing).
        expected = 405 if page.post is not None else _expected(page, role, where)
        assert status == expected, f"{role} GET {page.name} ({where}): {status}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.post], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_post_answers_by_role_and_place_and_a_refused_one_writes_nothing(world, scenes, page, role):
    assert page.post is not None
    client = Client()
    client.force_login(_member(world, role))
    for where in ("other", "own"):
        before = _writes()
        with time_machine.travel(NOW, tick=False):
            status = client.post(page.url(scenes[where]), page.post(scenes[where])).status_code
        expected = _expected(page, role, where)
        assert status == expected, f"{role} POST {page.name} ({where}): {status}"
        if expected != page.ok:
            assert _writes() == before, f"{role} POST {page.name} ({where}) wrote something"
        else:
            assert _writes() != before, f"{role} POST {page.name} ({where}) wrote nothing"


def test_a_provider_admin_sees_no_alerts_even_of_the_providers_homes(world, scenes):
    Membership.objects.get_or_create(user=world.pat, location=world.home)
    client = Client()
    client.force_login(world.pat)
    assert client.get(reverse("alerts:alert", args=[scenes["own"]["open"].pk])).status_code == 403


def test_signed_out_visitors_are_sent_to_sign_in(world, scenes):
    client = Client()
    for page in PAGES:
        response = client.post(page.url(scenes["own"])) if page.post else client.get(page.url(scenes["own"]))
        assert response.status_code == 302 and reverse("access:sign_in") in response["Location"], page.name
