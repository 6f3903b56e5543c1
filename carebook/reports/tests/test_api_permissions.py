"""Who may read the governance figures, through the API and the pages: every role (and a role the table does not
know) × every reports endpoint and page × {own location, another provider's location}, against the policy table.

A role without VIEW_REPORTS is 403 everywhere; another provider's location is 404 (the same as a missing one); the
provider-wide forms answer with the caller's own locations only."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from carebook.access.models import Role, User
from carebook.access.policy import POLICY, Action
from carebook.medication.api.testing import api_as
from carebook.testing.factories import UserFactory
from carebook.testing.matrix import NEW_ROLE, role_check_lifted

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
ROLES = [*Role.values, NEW_ROLE]


@dataclass(frozen=True)
class Endpoint:
    name: str
    path: str  # {location} is the location asked for; without it the endpoint answers for the caller's locations
    per_location: bool


API = [
    Endpoint("kpis of a location", "/reports/kpis?location={location}", True),
    Endpoint("kpis of my locations", "/reports/kpis", False),
]
PAGES = [
    Endpoint("location dashboard", "/reports/locations/{location}/", True),
    Endpoint("location figure", "/reports/locations/{location}/figures/omissions/", True),
    Endpoint("location csv", "/reports/locations/{location}/figures.csv", True),
    Endpoint("provider dashboard", "/reports/", False),
    Endpoint("provider figure", "/reports/figures/on_time_rate/", False),
    Endpoint("provider csv", "/reports/figures.csv", False),
]


def expected_status(role: str, endpoint: Endpoint, scope: str) -> int:
    if role not in POLICY[Action.VIEW_REPORTS]:
        return 403
    if scope == "other location" and endpoint.per_location:
        return 404
    return 200


def user_with(role: str, world: Any) -> User:
    if role == NEW_ROLE:
        with role_check_lifted():
            user = UserFactory(username="nina", role=NEW_ROLE, at=world.home, provider=world.provider)
        return User.objects.get(pk=user.pk)
    if role == Role.PROVIDER_ADMIN:
        return world.pat
    return UserFactory(username=f"as-{role}", role=role, at=world.home, provider=world.provider)


@pytest.mark.parametrize("scope", ["own location", "other location"])
@pytest.mark.parametrize("role", ROLES)
def test_reports_permission_matrix(world, role, scope):
    user = user_with(role, world)
    location = world.home if scope == "own location" else world.elsewhere
    expected, actual = {}, {}
    with time_machine.travel(NOW, tick=False):
        api = api_as(user)
        for endpoint in API:
            expected[endpoint.name] = expected_status(role, endpoint, scope)
            response = api.get(endpoint.path.format(location=location.pk))
            actual[endpoint.name] = response.status_code
            assert response["Content-Type"].startswith("application/json"), endpoint.name
            if response.status_code >= 400:
                assert set(response.json()) >= {"code", "message"}, endpoint.name
            else:
                names = {place["name"] for place in response.json()["locations"]}
                assert names == {world.home.name}, endpoint.name  # never another provider's location
        browser = Client()
        browser.force_login(user)
        for endpoint in PAGES:
            expected[endpoint.name] = expected_status(role, endpoint, scope)
            actual[endpoint.name] = browser.get(endpoint.path.format(location=location.pk)).status_code
    assert actual == expected


def test_the_matrix_asks_something_of_every_role():
    answers = {expected_status(role, API[0], "own location") for role in ROLES}
    assert answers == {200, 403}
    assert expected_status(Role.REGISTERED_MANAGER, API[0], "own location") == 200
    assert expected_status(Role.CARE_WORKER, API[0], "own location") == 403
    assert expected_status(NEW_ROLE, API[0], "own location") == 403


def test_every_reports_operation_in_the_openapi_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops if p.startswith("/api/v1/reports")}
    # The prompt-compliance figures are the medication app's (ADR 0030): in its matrix, not this one.
    assert operations - {("GET", "/api/v1/reports/prompt-compliance")} == {("GET", "/api/v1/reports/kpis")}
    assert {e.path.split("?")[0] for e in API} == {"/reports/kpis"}
