"""Who may do what with alerts through the API: every role (and a role the table does not know) × every alerts
endpoint × {own location, another location}, against the policy table itself (carebook/access/policy.py).

As for the medication matrix (carebook/medication/tests/test_api_permissions.py): a role that may not see alerts
is 403 everywhere; another location's alert is 404 (the same as a missing one); a role that may see an alert but
not act on it is 403; a refused write changes nothing.
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
from carebook.alerts import lifecycle, rules
from carebook.alerts.access import access_alert_for_user
from carebook.alerts.models import Alert, AlertAction
from carebook.alerts.services import alerts_scan
from carebook.audit_log.models import AuditEvent
from carebook.medication.api.testing import api_as
from carebook.testing.factories import MedicineFactory, UserFactory, prescribe
from carebook.testing.matrix import NEW_ROLE, member_of_staff, walk

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
RAISED = DUE + dt.timedelta(minutes=60)  # its window closes: overdue
NOW = RAISED + dt.timedelta(minutes=10)  # before the morning round ends: nothing missed yet


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    operation: str  # the path in the OpenAPI, under /api/v1
    path: Callable[[dict[str, Any]], str]
    needs: frozenset[Action]  # besides VIEW_ALERTS, which every alerts endpoint needs first
    ok: int = 200
    body: Callable[[dict[str, Any]], Any] | None = None
    params: Callable[[dict[str, Any]], dict[str, Any]] | None = None


ENDPOINTS = [
    Endpoint(
        "list alerts",
        "GET",
        "/alerts",
        lambda o: "/alerts",
        frozenset(),
        params=lambda o: {"location": o["location"].pk},
    ),
    Endpoint("read alert", "GET", "/alerts/{alert_id}", lambda o: f"/alerts/{o['open'].pk}", frozenset()),
    Endpoint(
        "acknowledge",
        "POST",
        "/alerts/{alert_id}/acknowledge",
        lambda o: f"/alerts/{o['open'].pk}/acknowledge",
        frozenset({Action.ACKNOWLEDGE_ALERT}),
    ),
    Endpoint(
        "record a step",
        "POST",
        "/alerts/{alert_id}/actions",
        lambda o: f"/alerts/{o['taken'].pk}/actions",
        frozenset({Action.RECORD_ALERT_ACTION}),
        ok=201,
        body=lambda o: {"kind": "contacted_care_worker", "answer": "not_given"},
    ),
    Endpoint(  # an outcome is a senior's decision: the lifecycle asks for both
        "record an outcome",
        "POST",
        "/alerts/{alert_id}/actions",
        lambda o: f"/alerts/{o['taken'].pk}/actions",
        frozenset({Action.RECORD_ALERT_ACTION, Action.ACKNOWLEDGE_ALERT}),
        ok=201,
        body=lambda o: {"kind": "advice_outcome", "outcome": "no_harm_expected"},
    ),
    Endpoint(
        "resolve",
        "POST",
        "/alerts/{alert_id}/resolve",
        lambda o: f"/alerts/{o['decided'].pk}/resolve",
        frozenset({Action.RESOLVE_ALERT}),
        body=lambda o: {"note": "GP said no harm"},
    ),
    Endpoint(  # ADR 0026
        "read the location's thresholds",
        "GET",
        "/alerts/thresholds/{location_id}",
        lambda o: f"/alerts/thresholds/{o['location'].pk}",
        frozenset(),
    ),
    Endpoint(
        "change the location's thresholds",
        "POST",
        "/alerts/thresholds/{location_id}",
        lambda o: f"/alerts/thresholds/{o['location'].pk}",
        frozenset({Action.SET_ALERT_THRESHOLDS}),
        body=lambda o: {"refusal_count": 2},
    ),
    Endpoint(
        "read a prescription's thresholds",
        "GET",
        "/alerts/prescription-thresholds/{prescription_id}",
        lambda o: f"/alerts/prescription-thresholds/{o['open'].prescription_id}",
        frozenset(),
    ),
    Endpoint(
        "change a prescription's thresholds",
        "POST",
        "/alerts/prescription-thresholds/{prescription_id}",
        lambda o: f"/alerts/prescription-thresholds/{o['open'].prescription_id}",
        frozenset({Action.SET_ALERT_THRESHOLDS}),
        body=lambda o: {"missed_minutes": 120},
    ),
]

ROLES = [*Role.values, NEW_ROLE]


def expected_status(role: str, endpoint: Endpoint, scope: str) -> int:
    """What the policy table says: the view first (403), then the scope (404), then the action (403)."""
    if role not in POLICY[Action.VIEW_ALERTS]:
        return 403
    if scope == "other location":
        return 404
    if not all(role in POLICY[action] for action in endpoint.needs):
        return 403
    return endpoint.ok


def alerts_at(location: Any, person: Any) -> dict[str, Any]:
    """Three overdue alerts of one person: one open, one acknowledged, one acknowledged with an outcome; taken on by
    a team leader of that location who is not a persona under test."""
    lead = UserFactory(username=f"lee-{location.pk.hex[:6]}", role=Role.TEAM_LEADER, at=location)
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):  # the evening before
        for name in ("Ramipril", "Bisoprolol", "Amlodipine"):
            prescribe(
                person, MedicineFactory(name=name), by=lead, checker=UserFactory(role=Role.SENIOR_CARER, at=location)
            )
    with time_machine.travel(RAISED, tick=False):
        raised = alerts_scan().raised
    alerts = list(Alert.objects.filter(pk__in=raised).order_by("prescription__medicine__name"))
    assert len(alerts) == 3 and all(a.location_id == location.pk for a in alerts)
    with time_machine.travel(RAISED + dt.timedelta(minutes=2), tick=False):
        for a in alerts[1:]:
            lifecycle.alert_acknowledge(alert=access_alert_for_user(lead, a.pk), by=lead)
        lifecycle.alert_action_record(
            alert=alerts[2], by=lead, step=rules.ActionInput(kind="advice_outcome", outcome="give_now")
        )
    return {"location": location, "open": alerts[0], "taken": alerts[1], "decided": alerts[2]}


user_with = member_of_staff


def state() -> tuple[Any, ...]:
    return (
        sorted(Alert.objects.values_list("pk", "status", "acknowledged_by", "resolved_by", "outcome")),
        AlertAction.objects.count(),
        AuditEvent.objects.count(),
    )


def call(api: Any, endpoint: Endpoint, objects: dict[str, Any]) -> Any:
    path = endpoint.path(objects)
    if endpoint.method == "GET":
        return api.get(path, endpoint.params(objects) if endpoint.params else None)
    return api.post(path, endpoint.body(objects) if endpoint.body else {})


@time_machine.travel(NOW, tick=False)
@pytest.mark.parametrize("scope", ["own location", "other location"])
@pytest.mark.parametrize("role", ROLES)
def test_alerts_permission_matrix(world, role, scope):
    user = user_with(role, world)
    objects = (
        alerts_at(world.home, world.ada) if scope == "own location" else alerts_at(world.elsewhere, world.stranger)
    )
    api = api_as(user)  # its token is made (and audited) before the calls
    expected, actual = walk(
        ENDPOINTS,
        call=lambda e: call(api, e, objects),
        expected=lambda e: expected_status(role, e, scope),
        writes=state,
    )
    assert actual == expected


def test_the_matrix_asks_something_of_every_role():
    """Not a table of 403s: each endpoint is allowed to some role and refused to another (a change to the policy
    that opens or closes an endpoint to everyone shows here)."""
    for endpoint in ENDPOINTS:
        answers = {expected_status(role, endpoint, "own location") for role in ROLES}
        assert endpoint.ok in answers and 403 in answers, endpoint.name
    assert expected_status(Role.CARE_WORKER, ENDPOINTS[3], "own location") == 201  # a step: yes
    assert expected_status(Role.CARE_WORKER, ENDPOINTS[4], "own location") == 403  # an outcome: no


def test_every_alerts_operation_in_the_openapi_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1/alerts")}
    assert operations == {(e.method, "/api/v1" + e.operation) for e in ENDPOINTS}
