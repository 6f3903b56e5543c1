"""Who may open and post each incidents page: every role, and a role the policy table does not know, × every page
and POST × {own location, another provider's}.

Expected answers come from one table (the policy's rows, written out here again on purpose: a change to either is
seen). A role that may not use the page is refused first (403, which says nothing about the record); another
location's incident is never shown (404). A refused POST writes nothing: no row, no change of status, no audit event.
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

from carebook.access.models import Role, User
from carebook.actions.models import CorrectiveAction
from carebook.audit_log.models import AuditEvent
from carebook.incidents import services
from carebook.incidents.models import CandourRecord, CqcNotification, Incident, IncidentFinding, IncidentNotice
from carebook.incidents.tests.conftest import NOW, TODAY
from carebook.testing.factories import UserFactory
from carebook.testing.matrix import NEW_ROLE, role_check_lifted

LATER = NOW + dt.timedelta(minutes=30)

VIEWING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})
REPORTING = VIEWING
MANAGING = frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})
SIGNING_OFF = frozenset({Role.REGISTERED_MANAGER})
COMPLETING = VIEWING  # the policy lets them try; only the owner (not these personas) or a manager may
COMPLETING_ANYONES = MANAGING


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[dict[str, Any]], str]
    allowed: frozenset[str]
    post: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    ok: int = 200
    scoped: bool = True
    then: frozenset[str] | None = None  # what the record itself asks once in scope (the owner or a manager)


PAGES = [
    Page("list", lambda s: reverse("incidents:list"), VIEWING, scoped=False),
    Page("list by status", lambda s: reverse("incidents:list") + "?status=open", VIEWING, scoped=False),
    Page("report form", lambda s: reverse("incidents:report"), REPORTING, scoped=False),
    Page("incident", lambda s: reverse("incidents:incident", args=[s["working"].pk]), VIEWING),
    Page(
        "report",
        lambda s: reverse("incidents:report"),
        REPORTING,
        post=lambda s: {
            "kind": "other",
            "what_happened": "Stock count wrong",
            "occurred_at": "2026-06-10 09:00",
            "discovered_at": "2026-06-10 09:30",
            "harm": "none",
        },
        ok=302,
        scoped=False,
    ),
    Page(
        "who was told",
        lambda s: reverse("incidents:notice", args=[s["working"].pk]),
        MANAGING,
        post=lambda s: {"notice-party": "gp", "notice-told_at": "2026-06-10 10:05"},
        ok=302,
    ),
    Page(
        "CQC notification",
        lambda s: reverse("incidents:cqc", args=[s["working"].pk]),
        MANAGING,
        post=lambda s: {"cqc-notified_at": "2026-06-10 10:05", "cqc-reference": "CQC-9"},
        ok=302,
    ),
    Page(
        "duty of candour",
        lambda s: reverse("incidents:candour", args=[s["working"].pk]),
        MANAGING,
        post=lambda s: {
            "candour-told": "family",
            "candour-told_on": "2026-06-10",
            "candour-apology": "on",
            "candour-written_on": "2026-06-10",
        },
        ok=302,
    ),
    Page(
        "finding",
        lambda s: reverse("incidents:finding", args=[s["working"].pk]),
        MANAGING,
        post=lambda s: {"finding-text": "The MAR page was turned"},
        ok=302,
    ),
    Page(
        "add an action",
        lambda s: reverse("incidents:action_add", args=[s["working"].pk]),
        MANAGING,
        post=lambda s: {
            "action-kind": "training",
            "action-what": "Refresher",
            "action-owner": str(s["owner"].pk),
            "action-due_on": "2026-06-20",
        },
        ok=302,
    ),
    Page(
        "complete an action",
        lambda s: reverse("incidents:action_complete", args=[s["working"].pk, s["action"].pk]),
        COMPLETING,
        post=lambda s: {f"complete-{s['action'].pk}-note": "Done"},
        ok=302,
        then=COMPLETING_ANYONES,
    ),
    Page(
        "sign off",
        lambda s: reverse("incidents:sign_off", args=[s["ready"].pk]),
        SIGNING_OFF,
        post=lambda s: {"sign_off-note": "Closed"},
        ok=302,
    ),
]


def _scene(world, location, person, manager) -> dict[str, Any]:
    owner = UserFactory(role=Role.CARE_WORKER, at=location)
    with time_machine.travel(NOW, tick=False):
        incidents = [
            services.incident_report(
                by=manager,
                data=services.IncidentInput(
                    kind="omission",
                    what_happened="Not given",
                    occurred_at=NOW - dt.timedelta(hours=1),
                    discovered_at=NOW,
                    harm="none",
                    person_id=person.pk,
                ),
            )
            for _ in range(2)
        ]
        working, ready = incidents
        action = services.incident_action_add(
            incident=working, by=manager, kind="training", what="Refresher", owner_id=owner.pk, due_on=TODAY
        )
        services.incident_finding_record(incident=ready, by=manager, text="Found")
    return {"working": working, "ready": ready, "action": action, "owner": owner}


@pytest.fixture
def scenes(world):
    other_manager = UserFactory(role=Role.REGISTERED_MANAGER, at=world.elsewhere)
    return {
        "own": _scene(world, world.home, world.ada, world.maria),
        "other": _scene(world, world.elsewhere, world.stranger, other_manager),
    }


def _member(world, role: str) -> User:
    if role == Role.PROVIDER_ADMIN:
        return UserFactory(role=role, provider=world.provider)
    if role == NEW_ROLE:
        with role_check_lifted():
            user = UserFactory(role=NEW_ROLE, at=world.home, provider=world.provider)
        return User.objects.get(pk=user.pk)
    return UserFactory(role=role, at=world.home, provider=world.provider)


ROLES = [*Role.values, NEW_ROLE]


def _expected(page: Page, role: str, where: str) -> int:
    if role not in page.allowed:
        return 403
    if where == "other":
        return 404
    if page.then is not None and role not in page.then:
        return 403
    return page.ok


def _writes() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(Incident.objects.values_list("pk", "status", "signed_off_by")),
        IncidentNotice.objects.count(),
        CqcNotification.objects.count(),
        CandourRecord.objects.count(),
        IncidentFinding.objects.count(),
        sorted(CorrectiveAction.objects.values_list("pk", "completed_at")),
    )


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_every_role_at_every_page(world, scenes, page, role):
    client = Client()
    client.force_login(_member(world, role))
    for where in ("own", "other") if page.scoped else ("own",):
        with time_machine.travel(LATER, tick=False):
            status = client.get(page.url(scenes[where])).status_code
        if page.post is not None and page.name != "report":
            expected = 405  # a POST-only address answers a GET 405 whoever asks and wherever
        elif page.post is not None:
            expected = _expected(page, role, where) if role in page.allowed else 403
            expected = 200 if expected == 302 else expected  # the report form is the same address
        else:
            expected = _expected(page, role, where)
        assert status == expected, f"{role} GET {page.name} ({where}): {status}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.post], ids=lambda p: p.name)
@pytest.mark.parametrize("role", ROLES)
def test_each_post_answers_by_role_and_place_and_a_refused_one_writes_nothing(world, scenes, page, role):
    assert page.post is not None
    client = Client()
    client.force_login(_member(world, role))
    for where in ("other", "own") if page.scoped else ("own",):
        before = _writes()
        with time_machine.travel(LATER, tick=False):
            status = client.post(page.url(scenes[where]), page.post(scenes[where])).status_code
        expected = _expected(page, role, where)
        assert status == expected, f"{role} POST {page.name} ({where}): {status}"
        if expected != page.ok:
            assert _writes() == before, f"{role} POST {page.name} ({where}) wrote something"
        else:
            assert _writes() != before, f"{role} POST {page.name} ({where}) wrote nothing"


def test_the_owner_completes_their_own_action(world, scenes):
    scene = scenes["own"]
    client = Client()
    client.force_login(scene["owner"])
    with time_machine.travel(LATER, tick=False):
        url = reverse("incidents:action_complete", args=[scene["working"].pk, scene["action"].pk])
        assert client.post(url, {f"complete-{scene['action'].pk}-note": "Done"}).status_code == 302


def test_signed_out_visitors_are_sent_to_sign_in(world, scenes):
    client = Client()
    for page in PAGES:
        response = client.post(page.url(scenes["own"])) if page.post else client.get(page.url(scenes["own"]))
        assert response.status_code == 302 and reverse("access:sign_in") in response["Location"], page.name
