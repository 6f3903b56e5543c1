"""Who may ask for, follow and download an evidence pack, on the pages and through the API: every role (and a role
the table does not know) × each address × {own location, another location of the same provider}, against the policy
table (carebook/access/policy.py). A pack holds MAR charts and every incident and alert of its period: only the
registered manager of its location. A refused request writes nothing; a download is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.test import Client

from carebook.access.models import Role
from carebook.access.policy import POLICY, Action
from carebook.audit_log.models import AuditEvent
from carebook.audits.tests.test_api_permissions import user_with
from carebook.evidence import services
from carebook.evidence.models import EvidencePack
from carebook.medication.api.testing import api_as
from carebook.testing.factories import LocationFactory, UserFactory
from carebook.testing.shared import module_transaction, shared_copy
from carebook.testing.world import make_world

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
FIRST, LAST = dt.date(2026, 6, 1), dt.date(2026, 6, 9)
ROLES = [*Role.values, "night_nurse"]


@pytest.fixture(scope="module")
def _module_data(django_db_setup, django_db_blocker):
    """The personas and their packs, built once for the module (each pack renders a PDF); every test rolled back."""
    with module_transaction(django_db_blocker):
        with django_db_blocker.unblock():
            world = make_world()
            made = build_packs(world)
        yield world, made


@pytest.fixture
def _data(db, _module_data):
    return shared_copy(_module_data)


@pytest.fixture
def world(_data):
    return _data[0]


@pytest.fixture
def packs(_data):
    return _data[1]


def build_packs(world):
    beech = LocationFactory(provider=world.provider, name="Beech Court")
    beech_manager = UserFactory(role=Role.REGISTERED_MANAGER, at=beech, provider=world.provider)
    with time_machine.travel(NOW, tick=False):
        made = {}
        for where, location, manager in (("own", world.home, world.maria), ("other", beech, beech_manager)):
            ready = services.evidence_pack_request(by=manager, location_id=location.pk, first=FIRST, last=LAST)
            services.evidence_pack_build(ready.pk)
            waiting = services.evidence_pack_request(by=manager, location_id=location.pk, first=FIRST, last=FIRST)
            made[where] = {"location": location, "ready": ready, "waiting": waiting}
    return made


def allowed(role: str) -> bool:
    return role in POLICY[Action.BUILD_EVIDENCE_PACK]


def writes() -> tuple[int, int]:
    return EvidencePack.objects.count(), AuditEvent.objects.count()


@pytest.mark.parametrize("role", ROLES)
def test_the_pages_by_role_and_place(world, packs, role):
    client = Client()
    client.force_login(user_with(role, world))
    with time_machine.travel(NOW, tick=False):
        for where in ("own", "other"):
            o = packs[where]
            ok = allowed(role)
            expected = 200 if ok and where == "own" else (404 if ok else 403)
            page = client.get(f"/evidence/locations/{o['location'].pk}/")
            assert page.status_code == expected, (role, where, "page")
            assert client.get(f"/evidence/locations/{o['location'].pk}/list/").status_code == expected
            pdf = client.get(f"/evidence/{o['ready'].pk}/evidence-pack.pdf")
            assert pdf.status_code == expected, (role, where, "pdf")
            if expected == 200:
                assert pdf["Content-Type"] == "application/pdf" and "no-store" in pdf["Cache-Control"]
                assert client.get(f"/evidence/{o['waiting'].pk}/evidence-pack.zip").status_code in (200, 404)
            before = writes()
            posted = client.post(
                f"/evidence/locations/{o['location'].pk}/", {"first": "2026-06-01", "last": "2026-06-09"}
            )
            assert posted.status_code == (302 if expected == 200 else expected), (role, where, "post")
            if posted.status_code >= 400:
                assert writes() == before


@pytest.mark.parametrize("role", ROLES)
def test_the_api_by_role_and_place(world, packs, role):
    api = api_as(user_with(role, world))
    with time_machine.travel(NOW, tick=False):
        listed = api.get("/evidence-packs")
        assert listed.status_code == (200 if allowed(role) else 403)
        if allowed(role):
            assert {p["location_id"] for p in listed.json()["packs"]} == {str(world.home.pk)}
        for where in ("own", "other"):
            o = packs[where]
            ok = allowed(role)
            expected = 200 if ok and where == "own" else (404 if ok else 403)
            assert api.get(f"/evidence-packs/{o['ready'].pk}").status_code == expected
            assert api.get(f"/evidence-packs/{o['ready'].pk}/pdf").status_code == expected
            assert api.get(f"/evidence-packs/{o['ready'].pk}/zip").status_code == expected
            before = writes()
            asked = api.post(
                "/evidence-packs", {"location_id": str(o["location"].pk), "from": "2026-06-01", "to": "2026-06-09"}
            )
            assert asked.status_code == (202 if expected == 200 else expected), (role, where, asked.json())
            if asked.status_code >= 400:
                assert writes() == before and set(asked.json()) >= {"code", "message"}


def test_the_manager_follows_a_pack_through_the_api_and_a_download_is_audited(world, packs):
    api = api_as(world.maria)
    with time_machine.travel(NOW, tick=False):
        waiting = api.get(f"/evidence-packs/{packs['own']['waiting'].pk}").json()
        assert (waiting["status"], waiting["pdf_url"], waiting["figures"]) == ("queued", None, None)
        not_ready = api.get(f"/evidence-packs/{packs['own']['waiting'].pk}/pdf")
        assert (not_ready.status_code, not_ready.json()["code"]) == (409, "not_ready")
        ready = api.get(f"/evidence-packs/{packs['own']['ready'].pk}").json()
        assert ready["status"] == "ready" and ready["progress"] == 100
        assert ready["figures"]["period"] == {"from": "2026-06-01", "to": "2026-06-09"}
        events = AuditEvent.objects.filter(action="evidence.pack_downloaded").count()
        pdf = api.get(ready["pdf_url"].removeprefix("/api/v1"))
        assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    assert AuditEvent.objects.filter(action="evidence.pack_downloaded", actor=world.maria).count() == events + 1


@pytest.mark.parametrize(
    "body, field",
    [
        ({"from": "2026-06-09", "to": "2026-06-01"}, "to"),
        ({"from": "2025-01-01", "to": "2026-06-09"}, "from"),
        ({"from": "2026-07-01", "to": "2026-07-02"}, "from"),
        ({"from": "2026-06-01", "to": "2026-06-09", "requested_by": "someone"}, "requested_by"),
    ],
)
def test_a_bad_request_names_its_field_and_writes_nothing(world, packs, body, field):
    api = api_as(world.maria)
    with time_machine.travel(NOW, tick=False):
        api.get("/evidence-packs")  # signed in (its token made) before counting
        before = writes()
        refused = api.post("/evidence-packs", {"location_id": str(world.home.pk), **body})
    assert refused.status_code == 422 and refused.json().get("field") == field, refused.json()
    assert writes() == before


def test_the_page_shows_progress_while_building_and_the_links_when_ready(world, packs):
    client = Client()
    client.force_login(world.maria)
    with time_machine.travel(NOW, tick=False):
        page = client.get(f"/evidence/locations/{world.home.pk}/").content.decode()
    assert 'data-testid="pack-progress"' in page and "hx-trigger=" in page  # the waiting one: polled
    assert f"/evidence/{packs['own']['ready'].pk}/evidence-pack.pdf" in page
    bad = client.post(f"/evidence/locations/{world.home.pk}/", {"first": "2026-06-09", "last": "2026-06-01"})
    assert bad.status_code == 422 and "end on or after" in bad.content.decode()


def test_every_evidence_operation_in_the_openapi_is_here(client):
    spec = client.get("/api/v1/openapi.json").json()
    ops = {(m.upper(), p) for p, o in spec["paths"].items() for m in o if p.startswith("/api/v1/evidence-packs")}
    assert ops == {
        ("GET", "/api/v1/evidence-packs"),
        ("POST", "/api/v1/evidence-packs"),
        ("GET", "/api/v1/evidence-packs/{pack_id}"),
        ("GET", "/api/v1/evidence-packs/{pack_id}/pdf"),
        ("GET", "/api/v1/evidence-packs/{pack_id}/zip"),
    }
