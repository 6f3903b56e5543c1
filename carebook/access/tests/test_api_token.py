"""manage.py create_api_token: a personal token, printed once, stored only as a hash, usable as a bearer token."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from carebook.access.models import ApiToken
from carebook.access.services import hash_token, user_for_token


def create_token(username: str) -> str:
    out, err = StringIO(), StringIO()
    call_command("create_api_token", username, stdout=out, stderr=err)
    assert "shown only now" in err.getvalue()
    return out.getvalue().strip()


def test_the_token_is_printed_once_and_stored_hashed(world):
    raw = create_token("sam")
    token = ApiToken.objects.get(user=world.sam)
    assert raw.startswith("cb_") and len(raw) > 30
    assert token.token_hash == hash_token(raw) and raw not in (token.token_hash, token.prefix)
    assert user_for_token(raw) == world.sam


def test_the_token_authenticates_the_api_as_its_user(world):
    raw = create_token("carla")
    response = Client().get("/api/v1/locations", headers={"Authorization": f"Bearer {raw}"})
    assert response.status_code == 200 and response.json()[0]["name"] == "Oakfield House"
    wrong = Client().get("/api/v1/locations", headers={"Authorization": f"Bearer {raw}x"})
    assert wrong.status_code == 401


def test_each_call_makes_a_new_token(world):
    assert create_token("sam") != create_token("sam")
    assert ApiToken.objects.filter(user=world.sam).count() == 2


def test_an_unknown_user_is_a_clear_error_and_no_token(world):
    with pytest.raises(CommandError, match="No user called 'nobody'"):
        call_command("create_api_token", "nobody", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_an_inactive_user_gets_no_token(world):
    world.carla.is_active = False
    world.carla.save()
    with pytest.raises(CommandError, match="not an active user"):
        call_command("create_api_token", "carla", stdout=StringIO())
    assert not ApiToken.objects.exists()


def test_the_command_exits_1_for_an_unknown_user(world):
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["manage.py", "create_api_token", "nobody"])
    with pytest.raises(SystemExit) as exit_info:
        utility.execute()
    assert exit_info.value.code == 1
