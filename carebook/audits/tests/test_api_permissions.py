"""Who may do what with audits through the API: every role (and a role the table does not know) × every audits
endpoint × {own location, another location of the same provider}, against the policy table itself
(carebook/access/policy.py).

A role that may not see audits is 403 everywhere; another location's audit (or, to start one, another location) is
404, the same as a missing one; a role that may see an audit but not do the step is 403; a refused request writes
nothing, and an accepted write writes.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from carebook.access.models import Role, User
from carebook.access.policy import POLICY, Action
from carebook.actions.models import CorrectiveAction
from carebook.audit_log.models import AuditEvent
from carebook.audits import services
from carebook.audits.models import Audit, AuditAddendum, AuditAnswer, AuditFinding, AuditQuestion
from carebook.audits.tests.conftest import NOW, TODAY
from carebook.medication.api.testing import api_as
from carebook.testing.factories import LocationFactory, UserFactory
from carebook.testing.matrix import NEW_ROLE, member_of_staff, walk

DAY = dt.timedelta(days=1)


def _answer_all(audit: Audit, by: User) -> None:
    given = {"yes_no": "yes", "number": "0", "text": "None"}
    questions = AuditQuestion.objects.filter(version_id=audit.version_id)
    services.audit_answers_record(
        audit=audit, by=by, answers=[services.AnswerInput(q.pk, given[q.answer_type]) for q in questions]
    )


def _scene(location: Any, leader: User, manager: User, daily: Any) -> dict[str, Any]:
    def started(day: dt.date) -> Audit:
        return services.audit_start(by=leader, location_id=location.pk, template=daily, day=day)

    working = started(TODAY - DAY)
    finding = services.audit_finding_add(
        audit=working,
        by=leader,
        text="A gap on the MAR",
        action=services.ActionInput(kind="training", what="Refresher", owner_id=manager.pk, due_on=TODAY + DAY),
    )
    ready = started(TODAY - 2 * DAY)
    _answer_all(ready, leader)
    signed = started(TODAY - 3 * DAY)
    _answer_all(signed, leader)
    services.audit_sign(audit=signed, by=leader)
    return {
        "location": location,
        "working": working,
        "action": CorrectiveAction.objects.get(pk=finding.action_id),
        "ready": ready,
        "signed": signed,
        "daily": daily,
        "question": AuditQuestion.objects.filter(version_id=working.version_id).order_by("position").first(),
    }


@pytest.fixture
def scenes(world, templates):
    beech = LocationFactory(provider=world.provider, name="Beech Court")
    with time_machine.travel(NOW, tick=False):
        return {
            "own": _scene(world.home, world.tia, world.maria, templates["daily"]),
            "other": _scene(
                beech,
                UserFactory(role=Role.TEAM_LEADER, at=beech, provider=world.provider),
                UserFactory(role=Role.REGISTERED_MANAGER, at=beech, provider=world.provider),
                templates["daily"],
            ),
        }


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    operation: str
    path: Callable[[dict[str, Any]], str]
    needs: frozenset[Action]  # besides VIEW_AUDITS, which every audits endpoint needs first
    ok: int = 200
    body: Callable[[dict[str, Any]], Any] | None = None
    scoped: bool = True  # another location's is 404


CONDUCT = frozenset({Action.CONDUCT_AUDIT})

ENDPOINTS = [
    Endpoint("list audits", "GET", "/audits", lambda o: "/audits", frozenset(), scoped=False),
    Endpoint("templates", "GET", "/audit-templates", lambda o: "/audit-templates", frozenset(), scoped=False),
    Endpoint("read audit", "GET", "/audits/{audit_id}", lambda o: f"/audits/{o['working'].pk}", frozenset()),
    Endpoint(
        "start",
        "POST",
        "/audits",
        lambda o: "/audits",
        CONDUCT,
        ok=201,
        body=lambda o: {"location_id": str(o["location"].pk), "template_id": str(o["daily"].pk)},
    ),
    Endpoint(
        "answer",
        "POST",
        "/audits/{audit_id}/answers",
        lambda o: f"/audits/{o['working'].pk}/answers",
        CONDUCT,
        body=lambda o: {"answers": [{"question_id": str(o["question"].pk), "value": "yes"}]},
    ),
    Endpoint(
        "finding with an action",
        "POST",
        "/audits/{audit_id}/findings",
        lambda o: f"/audits/{o['working'].pk}/findings",
        CONDUCT | {Action.ASSIGN_ACTION},
        ok=201,
        body=lambda o: {
            "text": "Two signatures missing",
            "action": {
                "kind": "supervision",
                "what": "Observe a round",
                "owner": o["action"].owner.username,
                "due_on": (TODAY + 5 * DAY).isoformat(),
            },
        },
    ),
    Endpoint(  # not the caller's own action: only a team leader or above
        "complete an action",
        "POST",
        "/audits/{audit_id}/actions/{action_id}/complete",
        lambda o: f"/audits/{o['working'].pk}/actions/{o['action'].pk}/complete",
        frozenset({Action.COMPLETE_ACTION, Action.COMPLETE_ANY_ACTION}),
        body=lambda o: {"note": "Done"},
    ),
    Endpoint(
        "sign", "POST", "/audits/{audit_id}/sign", lambda o: f"/audits/{o['ready'].pk}/sign", CONDUCT, body=lambda o: {}
    ),
    Endpoint(
        "addendum",
        "POST",
        "/audits/{audit_id}/addenda",
        lambda o: f"/audits/{o['signed'].pk}/addenda",
        CONDUCT,
        ok=201,
        body=lambda o: {"text": "A later fact"},
    ),
]

ROLES = [*Role.values, NEW_ROLE]


def expected_status(role: str, endpoint: Endpoint, scope: str) -> int:
    if role not in POLICY[Action.VIEW_AUDITS]:
        return 403
    if not all(role in POLICY[action] for action in endpoint.needs):
        return 403
    if scope == "other location" and endpoint.scoped:
        return 404
    return endpoint.ok


user_with = member_of_staff


def _writes() -> tuple[Any, ...]:
    return (
        AuditEvent.objects.count(),
        sorted(Audit.objects.values_list("pk", "status")),
        AuditAnswer.objects.count(),
        AuditFinding.objects.count(),
        AuditAddendum.objects.count(),
        sorted(CorrectiveAction.objects.values_list("pk", "completed_at")),
    )


def call(api: Any, endpoint: Endpoint, objects: dict[str, Any]) -> Any:
    path = endpoint.path(objects)
    if endpoint.method == "GET":
        return api.get(path)
    return api.post(path, endpoint.body(objects) if endpoint.body else {})


@pytest.mark.parametrize("scope", ["own location", "other location"])
@pytest.mark.parametrize("role", ROLES)
def test_audits_permission_matrix(world, scenes, role, scope):
    user = user_with(role, world)
    objects = scenes["own" if scope == "own location" else "other"]
    with time_machine.travel(NOW + dt.timedelta(minutes=30), tick=False):
        api = api_as(user)
        expected, actual = walk(
            ENDPOINTS,
            call=lambda e: call(api, e, objects),
            expected=lambda e: expected_status(role, e, scope),
            writes=_writes,
        )
    assert actual == expected


def test_the_matrix_asks_something_of_every_role():
    for endpoint in ENDPOINTS:
        answers = {expected_status(role, endpoint, "own location") for role in ROLES}
        assert endpoint.ok in answers and 403 in answers, endpoint.name
    assert expected_status(Role.CARE_WORKER, ENDPOINTS[0], "own location") == 403  # audits are the leaders'


def test_a_list_of_another_location_is_404_and_lists_only_the_callers_own(world, scenes):
    with time_machine.travel(NOW, tick=False):
        api = api_as(world.tia)
        assert api.get("/audits", {"location": str(scenes["other"]["location"].pk)}).status_code == 404
        listed = api.get("/audits").json()["audits"]
    assert {r["location_id"] for r in listed} == {str(world.home.pk)}
    assert str(scenes["own"]["working"].pk) in {r["audit_id"] for r in listed}


def test_every_audits_operation_in_the_openapi_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1/audit")}
    assert operations == {(e.method, "/api/v1" + e.operation) for e in ENDPOINTS}
