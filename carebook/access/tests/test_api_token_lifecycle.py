"""API tokens expire, record when they were last used (without a write per request), and can be revoked.

Sam, a senior carer, uses a token for the pharmacy's stock tool. It stops working after 90 days; Sam or Pat
(the provider admin) can revoke it at once, which is audited. Otto, from another provider, cannot touch it,
and Pat cannot touch Otto's.
"""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from carebook.access.models import ApiToken, Role
from carebook.access.services import LAST_USED_EVERY, api_token_create, api_token_revoke
from carebook.audit_log.models import AuditEvent
from carebook.medication.api.testing import api_as

MADE = dt.datetime(2026, 6, 1, 9, 0, tzinfo=dt.UTC)


def make_token(user, **kwargs):
    with time_machine.travel(MADE, tick=False):
        return api_token_create(user=user, **kwargs)


# --- expiry ---------------------------------------------------------------------------------------------------


def test_a_token_expires_90_days_after_it_is_made_by_default(world):
    token, _ = make_token(world.sam)
    assert token.expires_at == MADE + dt.timedelta(days=90)


def test_the_token_lifetime_is_set_by_the_environment(world, settings):
    with override_settings(CAREBOOK={**settings.CAREBOOK, "API_TOKEN_DAYS": 7}):
        token, _ = make_token(world.sam)
    assert token.expires_at == MADE + dt.timedelta(days=7)


def test_an_expired_token_gets_401_saying_it_expired(world):
    token, raw = make_token(world.sam)

    with time_machine.travel(token.expires_at - dt.timedelta(seconds=1), tick=False):
        assert api_as(None, raw).get("/locations").status_code == 200
    with time_machine.travel(token.expires_at, tick=False):
        response = api_as(None, raw).get("/locations")

    assert response.status_code == 401
    body = response.json()
    assert body["code"] == "token_expired"
    assert "expired on 30 August 2026" in body["message"]
    assert 'error="invalid_token"' in response["WWW-Authenticate"]


def test_a_revoked_token_gets_401_saying_it_was_revoked(world):
    token, raw = make_token(world.sam)
    with time_machine.travel(MADE + dt.timedelta(days=1), tick=False):
        api_token_revoke(token=token, by=world.sam)
        response = api_as(None, raw).get("/locations")

    assert response.status_code == 401
    assert response.json()["code"] == "token_revoked"
    assert "was revoked on 2 June 2026" in response.json()["message"]


def test_a_token_never_made_still_gets_the_plain_401(world):
    response = api_as(None, "cb_not-a-token-we-made").get("/locations")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"


def test_create_api_token_prints_the_expiry(world):
    out, err = StringIO(), StringIO()
    with time_machine.travel(MADE, tick=False):
        call_command("create_api_token", "sam", stdout=out, stderr=err)
        call_command("create_api_token", "sam", "--days", "30", stdout=StringIO(), stderr=StringIO())
    assert "expires on 30 August 2026 at 10:00 UK time (2026-08-30T09:00:00+00:00)" in err.getvalue()
    assert sorted(t.expires_at for t in ApiToken.objects.filter(user=world.sam)) == [
        MADE + dt.timedelta(days=30),
        MADE + dt.timedelta(days=90),
    ]


# --- last used, without a write on every request ------------------------------------------------------------


def token_writes(queries) -> list[str]:
    return [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE") and "apitoken" in q["sql"]]


def test_last_used_is_written_at_most_once_per_interval_with_one_conditional_update(world):
    token, raw = make_token(world.sam)
    api = api_as(None, raw)
    first_use = MADE + dt.timedelta(hours=1)

    with time_machine.travel(first_use, tick=False), CaptureQueriesContext(connection) as first:
        assert api.get("/locations").status_code == 200
    with time_machine.travel(first_use + LAST_USED_EVERY, tick=False), CaptureQueriesContext(connection) as soon:
        assert api.get("/locations").status_code == 200
    later = first_use + LAST_USED_EVERY + dt.timedelta(seconds=1)
    with time_machine.travel(later, tick=False), CaptureQueriesContext(connection) as after:
        assert api.get("/locations").status_code == 200

    # the first use writes it once, with the condition in the statement itself
    assert len(token_writes(first)) == 1 and "last_used_at" in token_writes(first)[0]
    assert " WHERE " in token_writes(first)[0].upper()
    # within five minutes: no write at all, and no more statements than a request needs
    assert token_writes(soon) == [] and len(soon) == len(first) - 1
    # after five minutes: one write again
    assert len(token_writes(after)) == 1
    token.refresh_from_db()
    assert token.last_used_at == later


# --- listing and revoking over the API ------------------------------------------------------------------------


@pytest.fixture
def tokens(world):
    return {name: make_token(getattr(world, name))[0] for name in ("carla", "sam", "pat", "otto")}


def test_each_member_of_staff_lists_only_their_own_tokens(world, tokens):
    with time_machine.travel(MADE + dt.timedelta(hours=1), tick=False):
        carla = api_as(world.carla, make_token(world.carla)[1])
        response = carla.get("/tokens")
    assert response.status_code == 200
    assert {t["user"]["username"] for t in response.json()} == {"carla"}
    first = response.json()[-1]
    assert first["state"] == "active" and first["expires_at"] == "2026-08-30T09:00:00Z"
    assert set(first) >= {"id", "prefix", "created_at", "expires_at", "last_used_at", "revoked_at", "revoked_by"}


def test_a_provider_admin_lists_the_tokens_of_their_providers_staff_only(world, tokens):
    with time_machine.travel(MADE + dt.timedelta(hours=1), tick=False):
        pat = api_as(world.pat, make_token(world.pat)[1])
        response = pat.get("/tokens")
        only_sam = pat.get("/tokens", {"user": "sam"})
    owners = {t["user"]["username"] for t in response.json()}
    assert owners == {"carla", "sam", "pat"}  # not otto, who works for another provider
    assert {t["user"]["username"] for t in only_sam.json()} == {"sam"}


def test_sam_revokes_his_own_token_and_it_is_audited_and_kept(world, tokens):
    with time_machine.travel(MADE + dt.timedelta(days=2), tick=False):
        response = api_as(world.sam).post(f"/tokens/{tokens['sam'].public_id}/revoke")

    assert response.status_code == 200
    body = response.json()
    assert body["state"] == "revoked" and body["revoked_by"]["username"] == "sam"
    token = ApiToken.objects.get(pk=tokens["sam"].pk)  # the row stays
    assert token.revoked_at == MADE + dt.timedelta(days=2) and token.revoked_by == world.sam
    event = AuditEvent.objects.get(action="api_token.revoked")
    assert event.actor == world.sam and event.entity_id == str(token.pk)
    assert event.after["prefix"] == token.prefix and event.after["revoked_by"] == "sam"


def test_pat_revokes_a_token_of_her_staff(world, tokens):
    response = api_as(world.pat).post(f"/tokens/{tokens['carla'].public_id}/revoke")
    assert response.status_code == 200
    assert ApiToken.objects.get(pk=tokens["carla"].pk).revoked_by == world.pat


@pytest.mark.parametrize(
    ("who", "whose"),
    [("pat", "otto"), ("otto", "carla"), ("carla", "sam"), ("sam", "pat"), ("maria", "carla")],
)
def test_a_token_out_of_reach_is_404_and_stays_as_it_was(world, tokens, who, whose):
    response = api_as(getattr(world, who)).post(f"/tokens/{tokens[whose].public_id}/revoke")

    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert ApiToken.objects.get(pk=tokens[whose].pk).revoked_at is None
    assert not AuditEvent.objects.filter(action="api_token.revoked").exists()


def test_revoking_twice_is_a_409_and_changes_nothing(world, tokens):
    api = api_as(world.sam)
    assert api.post(f"/tokens/{tokens['carla'].public_id}/revoke").status_code == 404
    assert api.post(f"/tokens/{tokens['sam'].public_id}/revoke").status_code == 200
    again = api.post(f"/tokens/{tokens['sam'].public_id}/revoke")
    assert again.status_code == 409 and again.json()["code"] == "already_revoked"
    assert AuditEvent.objects.filter(action="api_token.revoked").count() == 1


ROLES = {"carla": Role.CARE_WORKER, "sam": Role.SENIOR_CARER, "tia": Role.TEAM_LEADER}
ROLES |= {"colin": Role.COORDINATOR, "maria": Role.REGISTERED_MANAGER, "pat": Role.PROVIDER_ADMIN}


@pytest.mark.parametrize("persona", list(ROLES))
def test_every_role_lists_and_revokes_its_own_token_and_only_a_provider_admin_another_s(world, persona):
    # The role matrix of the token endpoints: every role, own token and a colleague's at the same provider.
    assert set(ROLES.values()) == set(Role)
    me = getattr(world, persona)
    colleague = world.sam if persona != "sam" else world.carla
    mine, raw = api_token_create(user=me)
    theirs, _ = api_token_create(user=colleague)
    api = api_as(None, raw)

    listed = {t["id"] for t in api.get("/tokens").json()}
    assert str(mine.public_id) in listed
    assert (str(theirs.public_id) in listed) == (ROLES[persona] == Role.PROVIDER_ADMIN)
    expected = 200 if ROLES[persona] == Role.PROVIDER_ADMIN else 404
    assert api.post(f"/tokens/{theirs.public_id}/revoke").status_code == expected
    assert api.post(f"/tokens/{mine.public_id}/revoke").status_code == 200
    assert api.get("/tokens").status_code == 401  # the token it revoked was its own


def test_the_tokens_of_a_switched_off_member_of_staff_stop_working(world):
    _, raw = make_token(world.sam)
    world.sam.is_active = False
    world.sam.save(update_fields=["is_active"])
    with time_machine.travel(MADE + dt.timedelta(hours=1), tick=False):
        response = api_as(None, raw).get("/locations")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
