"""Access fails closed: a role the policy table does not name is refused everywhere.

A role added to the product later (an inspector, a family member, a night nurse) must get nothing
until someone writes it into ``carebook/access/policy.py``. These tests make such a role for real:
a user row whose role the database would normally refuse (its CHECK constraint is lifted for the
test only), signed in, walking every page and every API endpoint the matrices know.
"""

from __future__ import annotations

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.access.models import User
from carebook.access.policy import POLICY, Action, actions_for, can
from carebook.medication.api.testing import api_as
from carebook.medication.tests.test_api_permissions import ENDPOINTS, MORNING, call, records_at
from carebook.medication.tests.test_pages_permissions import NOW, PAGES, scenes  # noqa: F401 (a fixture)
from carebook.testing.factories import UserFactory
from carebook.testing.matrix import NEW_ROLE, role_check_lifted


@pytest.fixture
def newcomer(world) -> User:
    with role_check_lifted():
        user = UserFactory(username="nina", role=NEW_ROLE, at=world.home, provider=world.provider)
    user = User.objects.get(pk=user.pk)
    assert user.role == NEW_ROLE
    return user


def test_the_policy_table_grants_a_new_role_nothing(newcomer):
    assert all(NEW_ROLE not in roles for roles in POLICY.values())
    assert not any(can(newcomer, action) for action in Action)
    assert actions_for(newcomer) == frozenset()


def test_every_action_names_its_roles_one_by_one():
    """No action is granted to "every role": each set is a subset of the roles that exist, written out."""
    from carebook.access.models import Role

    for action in Action:
        assert action in POLICY, f"{action} has no row: nobody may do it, say so explicitly"
        assert POLICY[action] <= set(Role.values)


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_a_new_role_is_refused_every_page(newcomer, scenes, page):  # noqa: F811
    client = Client()
    client.force_login(newcomer)
    with time_machine.travel(NOW, tick=False):
        response = client.get(page.url(scenes["own"]))
    assert response.status_code == 403, f"{page.name}: {response.status_code}"


def test_a_new_role_gets_no_home_page_only_a_note_to_ask_for_access(newcomer):
    client = Client()
    client.force_login(newcomer)
    response = client.get(reverse("home"))
    assert response.status_code == 403
    assert "no access" in response.content.decode().lower()


@time_machine.travel(MORNING, tick=False)
def test_a_new_role_is_refused_every_api_endpoint(world, newcomer):
    objects = records_at(world, world.ada, world.home)
    api = api_as(newcomer)
    statuses = {endpoint.name: call(api, endpoint, objects).status_code for endpoint in ENDPOINTS}
    assert statuses == {endpoint.name: 403 for endpoint in ENDPOINTS}


def test_a_role_added_to_the_roles_later_is_granted_nothing_until_the_table_names_it(monkeypatch):
    """Re-read the policy table as if a developer had added a role: it must appear in no action's set.

    (A set written as "every role" would hand the newcomer every view at once.)
    """
    import importlib.util

    from django.db.models import TextChoices

    from carebook.access import models, policy

    members = [(m.name, (m.value, m.label)) for m in models.Role] + [("INSPECTOR", ("inspector", "Inspector"))]
    extended = TextChoices("Role", members)  # type: ignore[arg-type]
    monkeypatch.setattr(models, "Role", extended)
    spec = importlib.util.spec_from_file_location("policy_with_a_new_role", policy.__file__)
    assert spec is not None and spec.loader is not None
    reread = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reread)
    assert all("inspector" not in roles for roles in reread.POLICY.values())
    assert {role for roles in reread.POLICY.values() for role in roles} == set(policy.ALL_GRANTED_ROLES)
