"""Who may do what with incidents through the API: every role (and a role the table does not know) × every incidents
endpoint × {own location, another location}, against the policy table itself (carebook/access/policy.py).

As for the alerts' matrix: a role that may not see incidents is 403 everywhere; another location's incident (or, to
report one, another location's person) is 404, the same as a missing one; a role that may see an incident but not
act on it is 403; a refused write changes nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine

from carebook.access.models import Role
from carebook.access.policy import POLICY, Action
from carebook.incidents.tests.conftest import NOW, TODAY
from carebook.incidents.tests.test_pages_permissions import _writes, scenes  # noqa: F401 (a fixture)
from carebook.medication.api.testing import api_as
from carebook.testing.matrix import NEW_ROLE, member_of_staff, walk

LATER = NOW + dt.timedelta(minutes=30)
TOLD = (NOW + dt.timedelta(minutes=10)).isoformat()


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    operation: str
    path: Callable[[dict[str, Any]], str]
    needs: frozenset[Action]  # besides VIEW_INCIDENTS, which every incidents endpoint needs first
    ok: int = 200
    body: Callable[[dict[str, Any]], Any] | None = None


MANAGE = frozenset({Action.MANAGE_INCIDENT})

ENDPOINTS = [
    Endpoint("list incidents", "GET", "/incidents", lambda o: "/incidents", frozenset()),
    Endpoint(
        "read incident", "GET", "/incidents/{incident_id}", lambda o: f"/incidents/{o['working'].pk}", frozenset()
    ),
    Endpoint(
        "report",
        "POST",
        "/incidents",
        lambda o: "/incidents",
        frozenset({Action.REPORT_INCIDENT}),
        ok=201,
        body=lambda o: {
            "kind": "wrong_time",
            "what_happened": "Given an hour late",
            "occurred_at": NOW.isoformat(),
            "discovered_at": NOW.isoformat(),
            "harm": "none",
            "person_id": str(o["person"].pk),
        },
    ),
    Endpoint(
        "who was told",
        "POST",
        "/incidents/{incident_id}/notices",
        lambda o: f"/incidents/{o['working'].pk}/notices",
        MANAGE,
        ok=201,
        body=lambda o: {"party": "pharmacist", "told_at": TOLD},
    ),
    Endpoint(
        "CQC notification",
        "POST",
        "/incidents/{incident_id}/cqc-notification",
        lambda o: f"/incidents/{o['working'].pk}/cqc-notification",
        MANAGE,
        ok=201,
        body=lambda o: {"notified_at": TOLD, "reference": "CQC-77"},
    ),
    Endpoint(
        "duty of candour",
        "POST",
        "/incidents/{incident_id}/candour",
        lambda o: f"/incidents/{o['working'].pk}/candour",
        MANAGE,
        ok=201,
        body=lambda o: {
            "told": "person",
            "told_on": TODAY.isoformat(),
            "apology": True,
            "written_on": TODAY.isoformat(),
        },
    ),
    Endpoint(
        "finding",
        "POST",
        "/incidents/{incident_id}/findings",
        lambda o: f"/incidents/{o['working'].pk}/findings",
        MANAGE,
        ok=201,
        body=lambda o: {"text": "The round was interrupted"},
    ),
    Endpoint(
        "add an action",
        "POST",
        "/incidents/{incident_id}/actions",
        lambda o: f"/incidents/{o['working'].pk}/actions",
        MANAGE,
        ok=201,
        body=lambda o: {
            "kind": "supervision",
            "what": "Observe a round",
            "owner": o["owner"].username,
            "due_on": (TODAY + dt.timedelta(days=5)).isoformat(),
        },
    ),
    Endpoint(  # not the caller's own action: only a team leader or above
        "complete an action",
        "POST",
        "/incidents/{incident_id}/actions/{action_id}/complete",
        lambda o: f"/incidents/{o['working'].pk}/actions/{o['action'].pk}/complete",
        frozenset({Action.COMPLETE_ACTION, Action.COMPLETE_ANY_ACTION}),
        body=lambda o: {"note": "Done"},
    ),
    Endpoint(
        "sign off",
        "POST",
        "/incidents/{incident_id}/sign-off",
        lambda o: f"/incidents/{o['ready'].pk}/sign-off",
        frozenset({Action.SIGN_OFF_INCIDENT}),
        body=lambda o: {"note": "Closed"},
    ),
]

ROLES = [*Role.values, NEW_ROLE]


def expected_status(role: str, endpoint: Endpoint, scope: str) -> int:
    if role not in POLICY[Action.VIEW_INCIDENTS]:
        return 403
    if scope == "other location" and endpoint.name != "list incidents":
        return 404
    if not all(role in POLICY[action] for action in endpoint.needs):
        return 403
    return endpoint.ok


user_with = member_of_staff


def call(api: Any, endpoint: Endpoint, objects: dict[str, Any]) -> Any:
    path = endpoint.path(objects)
    if endpoint.method == "GET":
        return api.get(path)
    return api.post(path, endpoint.body(objects) if endpoint.body else {})


@pytest.mark.parametrize("scope", ["own location", "other location"])
@pytest.mark.parametrize("role", ROLES)
def test_incidents_permission_matrix(world, scenes, role, scope):  # noqa: F811
    user = user_with(role, world)
    objects = dict(scenes["own" if scope == "own location" else "other"])
    objects["person"] = world.ada if scope == "own location" else world.stranger
    with time_machine.travel(LATER, tick=False):
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
    assert expected_status(Role.CARE_WORKER, ENDPOINTS[2], "own location") == 201  # a care worker reports
    assert expected_status(Role.TEAM_LEADER, ENDPOINTS[-1], "own location") == 403  # only the manager signs off


def test_every_incidents_operation_in_the_openapi_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1/incidents")}
    assert operations == {(e.method, "/api/v1" + e.operation) for e in ENDPOINTS}
