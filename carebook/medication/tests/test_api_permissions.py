"""Who may do what through the API: every role × every endpoint × {own location, another location}.

The expected answers come from one table below. Another location's record is 404 (the same as a
missing one), whatever the role; a role that may not act on a record it can see is 403; a refused
write changes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client

from carebook.access.models import Role
from carebook.audit_log.models import AuditEvent
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import prescription_suspend
from carebook.people.services import allergy_record
from carebook.testing.factories import (
    MedicineFactory,
    PersonFactory,
    UserFactory,
    curated_medicine,
    prescribe,
    prescribe_paracetamol_prn,
)

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST

# Every staff role, named: a role added later is not in it until the policy grants it
# (see access/tests/test_fail_closed.py).
ALL = frozenset(
    {
        Role.CARE_WORKER,
        Role.SENIOR_CARER,
        Role.TEAM_LEADER,
        Role.COORDINATOR,
        Role.REGISTERED_MANAGER,
        Role.PROVIDER_ADMIN,
    }
)
ADMINISTERING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})
SENIOR = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})
SUPERVISING = frozenset({Role.TEAM_LEADER, Role.COORDINATOR, Role.REGISTERED_MANAGER})


def confirmed() -> list[dict[str, Any]]:
    return [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")]


def rx_body(medicine_id: int) -> dict[str, Any]:
    return {
        "medicine_id": medicine_id,
        "dose_min": "1",
        "directions": "Take ONE tablet at night",
        "times": ["22:00"],
        "prescriber": "Dr A Khan",
    }


@dataclass(frozen=True)
class Endpoint:
    name: str
    method: str
    path: Callable[[dict[str, Any]], str]
    allowed: frozenset[Role]
    ok: int = 200
    body: Callable[[dict[str, Any]], Any] | None = None
    params: Callable[[dict[str, Any]], dict[str, Any]] | None = None
    scoped: bool = True  # False: not about one location's records (no "other location" case)


# The one table: endpoint → the roles that may use it on their own location's records, and the success status.
ENDPOINTS = [
    Endpoint(
        "prompt compliance",
        "GET",
        lambda o: "/reports/prompt-compliance",
        SUPERVISING,
        params=lambda o: {"location": o["location"].pk, "from": "2026-06-01", "to": "2026-07-01", "group_by": "unit"},
    ),
    Endpoint("list locations", "GET", lambda o: "/locations", ALL, scoped=False),
    Endpoint("search medicines", "GET", lambda o: "/medicines", ALL, params=lambda o: {"q": "a"}, scoped=False),
    Endpoint("list people", "GET", lambda o: "/people", ALL, params=lambda o: {"location": o["location"].pk}),
    Endpoint("read person", "GET", lambda o: f"/people/{o['person'].pk}", ALL),
    Endpoint("list prescriptions", "GET", lambda o: f"/people/{o['person'].pk}/prescriptions", ALL),
    Endpoint(
        "enter prescription",
        "POST",
        lambda o: f"/people/{o['person'].pk}/prescriptions",
        SENIOR,
        ok=201,
        body=lambda o: rx_body(o["medicine"].pk),
    ),
    Endpoint("read prescription", "GET", lambda o: f"/prescriptions/{o['active'].pk}", ALL),
    Endpoint(
        "check transcription", "POST", lambda o: f"/prescriptions/{o['unchecked'].pk}/transcription-check", SENIOR
    ),
    Endpoint(
        "change prescription",
        "POST",
        lambda o: f"/prescriptions/{o['to_change'].pk}/change",
        SENIOR,
        ok=201,
        body=lambda o: {**rx_body(o["medicine"].pk), "reason": "GP letter"},
    ),
    Endpoint(
        "suspend prescription",
        "POST",
        lambda o: f"/prescriptions/{o['to_suspend'].pk}/suspend",
        SENIOR,
        body=lambda o: {"reason": "Hold"},
    ),
    Endpoint(
        "resume prescription",
        "POST",
        lambda o: f"/prescriptions/{o['suspended'].pk}/resume",
        SENIOR,
        body=lambda o: {"reason": "Restart"},
    ),
    Endpoint(
        "discontinue prescription",
        "POST",
        lambda o: f"/prescriptions/{o['to_stop'].pk}/discontinue",
        SENIOR,
        body=lambda o: {"reason": "Stopped by GP"},
    ),
    Endpoint("list due doses", "GET", lambda o: "/due-doses", ALL, params=lambda o: {"location": o["location"].pk}),
    Endpoint(
        "record a dose",
        "POST",
        lambda o: "/administrations",
        ADMINISTERING,
        ok=201,
        body=lambda o: {"due_dose_id": str(o["dose"].pk), "outcome": "given", "prompts": confirmed()},
    ),
    Endpoint("list records", "GET", lambda o: "/administrations", ALL, params=lambda o: {"person": o["person"].pk}),
    Endpoint("read record", "GET", lambda o: f"/administrations/{o['record'].pk}", ALL),
    Endpoint(
        "mark entered in error",  # a record made by someone else: only a senior may correct it
        "POST",
        lambda o: f"/administrations/{o['record'].pk}/entered-in-error",
        SENIOR,
        body=lambda o: {"reason": "Wrong person"},
    ),
    Endpoint(
        "PRN follow-up",
        "POST",
        lambda o: f"/administrations/{o['prn_record'].pk}/follow-up",
        ADMINISTERING,
        body=lambda o: {"effect": "effective"},
    ),
    Endpoint(
        "read MAR chart", "GET", lambda o: f"/people/{o['person'].pk}/mar", ALL, params=lambda o: {"month": "2026-06"}
    ),
    Endpoint(
        "change NHS number",
        "POST",
        lambda o: f"/people/{o['person'].pk}/nhs-number",
        SENIOR,
        body=lambda o: {"nhs_number": "999 000 1103", "reason": "GP letter"},
    ),
    # Allergies (ADR 0022): seniors record and correct them, and decide on a prescription that matches one.
    Endpoint("allergen table", "GET", lambda o: "/allergens", ALL, params=lambda o: {"q": "pen"}, scoped=False),
    Endpoint("read allergies", "GET", lambda o: f"/people/{o['person'].pk}/allergies", ALL),
    Endpoint(
        "state no known allergies",
        "POST",
        lambda o: f"/people/{o['person'].pk}/no-known-allergies",
        SENIOR,
        ok=201,
        body=lambda o: {"note": "Asked her and her son"},
    ),
    Endpoint(
        "record an allergy",
        "POST",
        lambda o: f"/people/{o['person'].pk}/allergies",
        SENIOR,
        ok=201,
        body=lambda o: {"name": "Latex", "severity": "mild", "reaction": "Itchy hands"},
    ),
    Endpoint(
        "correct an allergy",
        "POST",
        lambda o: f"/allergies/{o['wrong_allergy'].pk}/correction",
        SENIOR,
        body=lambda o: {"kind": "entered_in_error", "reason": "Recorded for the wrong person"},
    ),
    Endpoint(
        "decide on an allergy match",
        "POST",
        lambda o: f"/prescriptions/{o['allergy_match'].pk}/allergy-decisions",
        SENIOR,
        body=lambda o: {"reason": "GP confirmed the rash was viral, not the penicillin"},
    ),
]

ROLES = {
    Role.CARE_WORKER: "carla",
    Role.SENIOR_CARER: "sam",
    Role.TEAM_LEADER: "tia",
    Role.COORDINATOR: "colin",
    Role.REGISTERED_MANAGER: "maria",
    Role.PROVIDER_ADMIN: "pat",
}


def records_at(world: Any, person: Any, location: Any) -> dict[str, Any]:
    """Everything the endpoints act on, at one location, entered by a senior who is not a persona under test."""
    sue = UserFactory(username=f"sue-{location.pk.hex[:6]}", role=Role.SENIOR_CARER, at=location)
    checker = UserFactory(username=f"cal-{location.pk.hex[:6]}", role=Role.TEAM_LEADER, at=location)
    medicine = MedicineFactory(name="Atenolol")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        active = prescribe(person, medicine, by=sue, checker=checker)
        suspended = prescribe(person, medicine, by=sue, checker=checker)
        prescription_suspend(prescription=suspended, by=sue, reason="Hold")
        prn = prescribe_paracetamol_prn(
            person,
            by=sue,
            checker=checker,
            dose_max=None,
            prn_min_interval_minutes=60,
        )
        given_earlier = prescribe(person, medicine, by=sue, checker=checker, times=["07:00"])
        objects = {
            "location": location,
            "person": person,
            "medicine": medicine,
            "active": active,
            "unchecked": prescribe(person, medicine, by=sue),
            "to_change": prescribe(person, medicine, by=sue, checker=checker),
            "to_suspend": prescribe(person, medicine, by=sue, checker=checker),
            "to_stop": prescribe(person, medicine, by=sue, checker=checker),
            "suspended": suspended,
        }
        # Another person, allergic to penicillins, prescribed co-amoxiclav (held until a senior decides), and a
        # mistaken allergy to correct.
        coamoxiclav = curated_medicine("coamoxiclav_500_125")  # loads the substances table too
        allergic = PersonFactory(location=location, given_name="Penny")
        allergy_record(person=allergic, by=sue, class_code="penicillins", severity="severe", reaction="Hives")
        objects["wrong_allergy"] = allergy_record(person=allergic, by=sue, name="Peanuts", severity="mild")
        objects["allergy_match"] = prescribe(allergic, coamoxiclav, by=sue)
    objects["dose"] = DueDose.objects.get(prescription=active, local_date=MORNING.date())
    with time_machine.travel(MORNING - dt.timedelta(minutes=50), tick=False):
        early = DueDose.objects.get(prescription=given_earlier, local_date=MORNING.date())
        objects["record"] = administration_record(
            by=sue, due_dose=early, outcome="given", prompts=[rules.Answer(**a) for a in confirmed()]
        ).administration
        objects["prn_record"] = administration_record(
            by=sue,
            prescription=prn,
            outcome="given",
            prompts=[rules.Answer(**a) for a in confirmed()],
            prn_reason="Back pain",
        ).administration
    return objects


def call(api: Any, endpoint: Endpoint, objects: dict[str, Any]) -> Any:
    path = endpoint.path(objects)
    if endpoint.method == "GET":
        return api.get(path, endpoint.params(objects) if endpoint.params else None)
    return api.post(path, endpoint.body(objects) if endpoint.body else {})


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize("scope", ["own location", "other location"])
@pytest.mark.parametrize("role", list(ROLES), ids=[r.value for r in ROLES])
def test_permission_matrix(world, role, scope):
    user = getattr(world, ROLES[role])
    if scope == "own location":
        objects = records_at(world, world.ada, world.home)
    else:
        objects = records_at(world, world.stranger, world.elsewhere)
    api = api_as(user)
    endpoints = [e for e in ENDPOINTS if e.scoped or scope == "own location"]
    expected = {}
    actual = {}
    for endpoint in endpoints:
        if scope == "other location":
            expected[endpoint.name] = 404
        else:
            expected[endpoint.name] = endpoint.ok if role in endpoint.allowed else 403
        writes_before = AuditEvent.objects.count()
        response = call(api, endpoint, objects)
        actual[endpoint.name] = response.status_code
        assert response["Content-Type"].startswith("application/json"), endpoint.name
        if response.status_code >= 400:
            assert set(response.json()) >= {"code", "message"}, endpoint.name
            assert AuditEvent.objects.count() == writes_before, f"{endpoint.name}: a refused request wrote"
    assert actual == expected


def test_every_operation_in_the_openapi_is_in_the_matrix(client):
    spec = client.get("/api/v1/openapi.json").json()
    operations = {(m.upper(), p) for p, ops in spec["paths"].items() for m in ops}
    pdf = {op for op in operations if op[1].endswith("/mar.pdf")}  # the same access as the JSON chart; slow to render
    # API tokens are not a location's records: their role matrix is in carebook/access/tests/test_api_token_lifecycle.py
    tokens = {op for op in operations if op[1].startswith("/api/v1/tokens")}
    # Alerts have their own matrix, against the policy table: carebook/alerts/tests/test_api_permissions.py
    alerts = {op for op in operations if op[1].startswith("/api/v1/alerts")}
    # Incidents too: carebook/incidents/tests/test_api_permissions.py
    incidents = {op for op in operations if op[1].startswith("/api/v1/incidents")}
    # One's own notifications: carebook/notifications/tests/test_pages_and_api.py (own only, every role)
    notifications = {op for op in operations if op[1].startswith("/api/v1/notifications")}
    # The governance figures: carebook/reports/tests/test_api_permissions.py (prompt compliance is this app's: here)
    reports = {op for op in operations if op[1].startswith("/api/v1/reports")} - {
        ("GET", "/api/v1/reports/prompt-compliance")
    }
    # Governance audits: carebook/audits/tests/test_api_permissions.py
    audits = {op for op in operations if op[1].startswith("/api/v1/audit")}
    # Evidence packs: carebook/evidence/tests/test_access.py
    evidence = {op for op in operations if op[1].startswith("/api/v1/evidence-packs")}
    rest = operations - pdf - tokens - alerts - incidents - notifications - reports - audits - evidence
    assert len(rest) == len(ENDPOINTS)


# --- Session sign-in, with CSRF for writes -------------------------------------------------------


@time_machine.travel(MORNING, tick=False)
def test_the_pages_session_works_and_a_write_needs_the_csrf_token(world):
    objects = records_at(world, world.ada, world.home)
    browser = Client(enforce_csrf_checks=True)
    browser.get("/sign-in/")  # the sign-in page sets the CSRF cookie, as in a browser
    csrf = browser.cookies["csrftoken"].value
    browser.force_login(world.carla)
    assert browser.get("/api/v1/people").status_code == 200
    body = {"due_dose_id": str(objects["dose"].pk), "outcome": "given", "prompts": confirmed()}
    no_token = browser.post("/api/v1/administrations", json.dumps(body), content_type="application/json")
    assert no_token.status_code == 403 and no_token.json()["code"] == "csrf_failed"
    response = browser.post(
        "/api/v1/administrations", json.dumps(body), content_type="application/json", headers={"X-CSRFToken": csrf}
    )
    assert response.status_code == 201 and response.json()["recorded_by"]["username"] == "carla"
