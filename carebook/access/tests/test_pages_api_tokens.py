"""The "Your API tokens" pages: make a token (shown once), see them listed, revoke one after a confirmation.

Carla makes a token for the home's stock app; Pat, the provider admin, sees every token of Oakfield's staff
and revokes one; nobody reaches a token outside their reach (404), and a refused revoke changes nothing.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from django.urls import reverse

from carebook.access.models import ApiToken, Role
from carebook.access.services import api_token_create, user_for_token
from carebook.audit_log.models import AuditEvent

TOKENS = reverse("access:api_tokens")
STAFF_TOKENS = reverse("access:staff_api_tokens")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def revoke_url(token) -> str:
    return reverse("access:api_token_revoke", args=[token.public_id])


def shown_token(html: str) -> str | None:
    found = re.search(r'id="new-token-value" type="text" readonly value="(cb_[^"]+)"', html)
    return found.group(1) if found else None


def test_carla_makes_a_token_and_sees_it_only_once(world):
    carla = signed_in(world.carla)
    assert "You have no API tokens." in carla.get(TOKENS).content.decode()

    made = carla.post(TOKENS)

    assert made.status_code == 201
    raw = shown_token(made.content.decode())
    assert raw is not None and user_for_token(raw) == world.carla  # the token works on the API
    token = ApiToken.objects.get(user=world.carla)
    assert "Copy your new token now" in made.content.decode()
    assert made["Cache-Control"] == "no-store"
    # Listed with its prefix, dates and state; the token itself is never shown again.
    again = carla.get(TOKENS).content.decode()
    assert shown_token(again) is None and raw not in again
    assert f"{token.prefix}…" in again and "Active" in again and token.expires_at.strftime("%Y") in again
    assert AuditEvent.objects.filter(action="api_token.created", actor=world.carla).count() == 1


def test_carla_revokes_her_token_after_a_confirmation(world):
    token, raw = api_token_create(user=world.carla)
    carla = signed_in(world.carla)

    confirm = carla.get(revoke_url(token))
    assert confirm.status_code == 200
    assert "Any program using it stops working at once" in confirm.content.decode()
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None  # asking is not doing

    done = carla.post(revoke_url(token), follow=True)

    assert done.redirect_chain[-1][0] == TOKENS
    html = done.content.decode()
    assert "is revoked: it no longer works" in html and "Revoked" in html and "by Carla Carer" in html
    token.refresh_from_db()
    assert token.revoked_by == world.carla and user_for_token(raw) is None
    assert AuditEvent.objects.filter(action="api_token.revoked", actor=world.carla).count() == 1


def test_pat_sees_every_token_of_her_staff_and_revokes_one(world):
    carla_token, _ = api_token_create(user=world.carla)
    sam_token, _ = api_token_create(user=world.sam)
    otto_token, _ = api_token_create(user=world.otto)
    pat = signed_in(world.pat)

    page = pat.get(STAFF_TOKENS)

    assert page.status_code == 200
    html = page.content.decode()
    assert "Carla Carer (carla)" in html and "Sam Senior (sam)" in html
    assert "Otto" not in html and otto_token.prefix not in html
    assert pat.post(revoke_url(sam_token)).status_code == 302
    assert ApiToken.objects.get(pk=sam_token.pk).revoked_by == world.pat
    assert ApiToken.objects.get(pk=carla_token.pk).revoked_at is None


def test_the_staff_list_is_for_provider_admins_only(world):
    for user in (world.carla, world.sam, world.tia, world.colin, world.maria, world.otto):
        assert signed_in(user).get(STAFF_TOKENS).status_code == 403, user.username
    assert "API tokens of all your staff" not in signed_in(world.maria).get(TOKENS).content.decode()
    assert "API tokens of all your staff" in signed_in(world.pat).get(TOKENS).content.decode()


@pytest.mark.parametrize(
    ("who", "whose"),
    [("pat", "otto"), ("otto", "carla"), ("carla", "sam"), ("maria", "carla"), ("tia", "pat")],
)
def test_a_token_out_of_reach_is_404_and_a_refused_revoke_changes_nothing(world, who, whose):
    token, _ = api_token_create(user=getattr(world, whose))
    client = signed_in(getattr(world, who))

    assert client.get(revoke_url(token)).status_code == 404
    assert client.post(revoke_url(token)).status_code == 404
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_every_role_manages_its_own_tokens(world):
    staff = {Role.CARE_WORKER: world.carla, Role.SENIOR_CARER: world.sam, Role.TEAM_LEADER: world.tia}
    staff |= {Role.COORDINATOR: world.colin, Role.REGISTERED_MANAGER: world.maria, Role.PROVIDER_ADMIN: world.pat}
    assert set(staff) == set(Role)
    for user in staff.values():
        client = signed_in(user)
        assert client.post(TOKENS).status_code == 201, user.username
        token = ApiToken.objects.get(user=user)
        assert client.post(revoke_url(token)).status_code == 302, user.username


def test_revoking_an_already_revoked_token_says_so(world):
    token, _ = api_token_create(user=world.carla)
    carla = signed_in(world.carla)
    assert carla.post(revoke_url(token)).status_code == 302

    again = carla.get(revoke_url(token))
    assert "It no longer works" in again.content.decode()
    assert carla.post(revoke_url(token)).status_code == 409
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


def test_signed_out_visitors_are_sent_to_sign_in(world):
    token, _ = api_token_create(user=world.carla)
    for path in (TOKENS, STAFF_TOKENS, revoke_url(token)):
        response = Client().get(path)
        assert response.status_code == 302 and reverse("access:sign_in") in response["Location"]
    assert Client().post(TOKENS).status_code == 302 and not ApiToken.objects.exclude(pk=token.pk).exists()
