"""Signing in: a switched-off account is told so, but only once it has typed its own right password."""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from carebook.testing.factories import PASSWORD

WRONG = "The username or password is not right. Check them and try again."
SWITCHED_OFF = "This account is switched off. Ask your registered manager."


def sign_in(username: str, password: str):
    return Client().post(reverse("access:sign_in"), {"username": username, "password": password})


def error_summary(response) -> list[str]:
    html = response.content.decode()
    return re.findall(r'<li><a href="#id_[a-z]+">([^<]+)</a></li>', html)


@pytest.fixture
def carla_switched_off(world):
    world.carla.is_active = False
    world.carla.save(update_fields=["is_active"])
    return world.carla


def test_a_switched_off_carer_with_her_right_password_is_told_her_account_is_switched_off(carla_switched_off):
    response = sign_in("carla", PASSWORD)

    assert response.status_code == 200  # the sign-in page again, not signed in
    assert error_summary(response) == [SWITCHED_OFF]
    assert "_auth_user_id" not in response.wsgi_request.session


def test_a_wrong_password_for_a_switched_off_account_does_not_reveal_it(carla_switched_off, world):
    refused = sign_in("carla", "not-her-password")
    active_wrong = sign_in("sam", "not-his-password")
    nobody = sign_in("nobody-at-all", "anything-at-all")

    assert error_summary(refused) == error_summary(active_wrong) == error_summary(nobody) == [WRONG]
    assert "switched off" not in refused.content.decode()


def test_an_active_carer_still_signs_in(world):
    response = sign_in("carla", PASSWORD)
    assert response.status_code == 302
    assert response.wsgi_request.session["_auth_user_id"] == str(world.carla.pk)


def test_a_switched_off_carer_cannot_use_a_session_from_before(client, world):
    client.force_login(world.carla)
    world.carla.is_active = False
    world.carla.save(update_fields=["is_active"])

    response = client.get("/")

    assert response.status_code == 302 and reverse("access:sign_in") in response["Location"]
