"""Who may open and post each page: every role × every page × {own location, another provider's}.

Expected answers come from one table. Another location's record is never shown (404; a role that may not
use the page at all is refused first with 403, which says nothing about the record). A refused POST
writes nothing: no clinical row, no audit event.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse

from carebook.access.models import Role
from carebook.audit_log.models import AuditEvent
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.medication.services.administrations import administration_record
from carebook.people.services import allergy_record
from carebook.testing.factories import MedicineFactory, PersonFactory, UserFactory, curated_medicine, prescribe

NOW = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST, the morning round
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
RECORDING = frozenset({Role.CARE_WORKER, Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})
SENIOR = frozenset({Role.SENIOR_CARER, Role.TEAM_LEADER, Role.REGISTERED_MANAGER})


@dataclass(frozen=True)
class Page:
    name: str
    url: Callable[[dict[str, Any]], str]
    allowed: frozenset[Role]
    ok: int = 200
    post: Callable[[dict[str, Any]], dict[str, Any]] | None = None  # a valid POST body, for write pages
    scoped: bool = True
    gate: frozenset[Role] | None = None  # roles let past the role check, when wider than `allowed`


def _all_confirmed() -> dict[str, str]:
    return {f"prompt_{p}": "confirmed" for p in rules.prompts_for("")}


PAGES = [
    Page("round start", lambda s: reverse("medication:round_start"), ALL, scoped=False),
    Page("people list", lambda s: reverse("people:list"), ALL, scoped=False),
    Page("round", lambda s: reverse("medication:round", args=[s["location"].pk]), ALL),
    Page("picture", lambda s: reverse("people:picture", args=[s["person"].pk]), ALL),
    Page("person", lambda s: reverse("people:person", args=[s["person"].pk]), ALL),
    Page("prescriptions", lambda s: reverse("medication:person_prescriptions", args=[s["person"].pk]), ALL),
    Page("prescription", lambda s: reverse("medication:prescription", args=[s["rx"].pk]), ALL),
    Page("MAR chart", lambda s: reverse("medication:mar", args=[s["person"].pk]) + "?month=2026-06", ALL),
    Page(
        "record a dose",
        lambda s: reverse("medication:record_dose", args=[s["dose"].pk]),
        RECORDING,
        post=lambda s: {**_all_confirmed(), "outcome": "given"},
    ),
    Page("give PRN", lambda s: reverse("medication:give_prn", args=[s["prn"].pk]), RECORDING),
    Page(
        "new prescription",
        lambda s: reverse("medication:prescription_new", args=[s["person"].pk]),
        SENIOR,
        post=lambda s: {
            "medicine_id": str(s["medicine"].pk),
            "dose_min": "1",
            "route": "oral",
            "directions": "One at night",
            "schedule_kind": "fixed_times",
            "time_1": "22:00",
            "start_date": "2026-06-10",
            "prescriber": "Dr Khan",
            "source": "gp",
        },
    ),
    Page("change", lambda s: reverse("medication:prescription_change", args=[s["rx"].pk]), SENIOR),
    Page(
        "discontinue",
        lambda s: reverse("medication:prescription_discontinue", args=[s["rx"].pk]),
        SENIOR,
        post=lambda s: {"reason": "Stopped by the GP"},
    ),
    Page("suspend", lambda s: reverse("medication:prescription_suspend", args=[s["rx"].pk]), SENIOR),
    Page("check", lambda s: reverse("medication:prescription_check", args=[s["unchecked"].pk]), SENIOR),
    Page(
        "send back",
        lambda s: reverse("medication:prescription_send_back", args=[s["unchecked"].pk]),
        SENIOR,
        ok=302,  # its form is on the check page
        post=lambda s: {"verdict": "query", "send_back_reason": "Is it 5 mg or 0.5 mg?"},
    ),
    Page(
        "entered in error",
        lambda s: reverse("medication:administration_entered_in_error", args=[s["record"].pk]),
        SENIOR,  # a care worker may correct only their own records; this one is Carla's
        post=lambda s: {"reason": "Recorded against the wrong person"},
        gate=ALL,  # the record is looked up first (404 out of scope), then the correction rule applies
    ),
    Page("PRN follow-up", lambda s: reverse("medication:prn_follow_up", args=[s["prn_record"].pk]), RECORDING),
    Page(
        "change NHS number",
        lambda s: reverse("people:nhs_number", args=[s["person"].pk]),
        SENIOR,
        post=lambda s: {"nhs_number": "999 000 1103", "reason": "GP letter"},
    ),
    # Allergies (ADR 0022): anyone may read them; seniors record, correct and decide.
    Page("allergies", lambda s: reverse("people:allergies", args=[s["person"].pk]), ALL),
    Page(
        "record an allergy",
        lambda s: reverse("people:allergy_new", args=[s["person"].pk]),
        SENIOR,
        post=lambda s: {"allergen": "other", "allergen_text": "Latex", "severity": "mild", "kind": "allergy"},
    ),
    Page(
        "no known allergies",
        lambda s: reverse("people:allergies_none_known", args=[s["person"].pk]),
        SENIOR,
        post=lambda s: {"confirm": "yes", "note": "Asked her"},
    ),
    Page(
        "correct an allergy",
        lambda s: reverse("people:allergy_correct", args=[s["allergic"].pk, s["allergy"].pk]),
        SENIOR,
        post=lambda s: {"kind": "entered_in_error", "reason": "Wrong person"},
    ),
    Page(
        "allergy decision",
        lambda s: reverse("medication:prescription_allergy_decision", args=[s["allergy_match"].pk]),
        SENIOR,
        post=lambda s: {"allergy_reason": "GP confirmed the rash was viral"},
    ),
]


def _scene(world, location, person, by, checker) -> dict[str, Any]:
    medicine = MedicineFactory()
    with time_machine.travel(NOW - dt.timedelta(days=1), tick=False):
        rx = prescribe(person, medicine, by=by, checker=checker)
        prn = prescribe(
            person,
            MedicineFactory(),
            by=by,
            checker=checker,
            schedule_kind="prn",
            times=[],
            indication="Pain",
            prn_min_interval_minutes=240,
            prn_max_quantity_24h="8",
        )
        unchecked = prescribe(person, MedicineFactory(), by=by)
        coamoxiclav = curated_medicine("coamoxiclav_500_125")
        allergic = PersonFactory(location=location, given_name="Penny")
        allergy = allergy_record(person=allergic, by=by, class_code="penicillins", severity="severe")
        allergy_match = prescribe(allergic, coamoxiclav, by=by)
    recorder = world.carla if person.location == world.home else world.otto
    with time_machine.travel(NOW, tick=False):
        doses = list(DueDose.objects.filter(prescription=rx).order_by("scheduled_at"))
        answers = [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]
        # Yesterday's dose, given on time and recorded now (given now, it would be too close to today's).
        record = administration_record(
            by=recorder,
            due_dose=doses[0],
            outcome="given",
            prompts=answers,
            administered_at=doses[0].scheduled_at,
        ).administration
        prn_record = administration_record(
            by=recorder, prescription=prn, outcome="given", prompts=answers, prn_reason="Pain"
        ).administration
    return {
        "location": location,
        "person": person,
        "rx": rx,
        "prn": prn,
        "unchecked": unchecked,
        "dose": doses[1],
        "record": record,
        "prn_record": prn_record,
        "medicine": medicine,
        "allergic": allergic,
        "allergy": allergy,
        "allergy_match": allergy_match,
    }


@pytest.fixture
def scenes(world):
    from carebook.access.models import Membership

    other_senior = UserFactory(role=Role.SENIOR_CARER, at=world.elsewhere)
    other_checker = UserFactory(role=Role.TEAM_LEADER, at=world.elsewhere)
    Membership.objects.get_or_create(user=world.otto, location=world.elsewhere)
    return {
        "own": _scene(world, world.home, world.ada, world.sam, world.tia),
        "other": _scene(world, world.elsewhere, world.stranger, other_senior, other_checker),
    }


def _member(world, role: Role):
    if role == Role.PROVIDER_ADMIN:
        return UserFactory(role=role, provider=world.provider)
    return UserFactory(role=role, at=world.home, provider=world.provider)


def _expected(page: Page, role: Role, where: str) -> set[int]:
    if role not in (page.gate or page.allowed):
        return {403}
    if where == "other":
        return {404}
    if role not in page.allowed:
        return {403}
    return {page.ok, 302} if page.name == "round start" else {page.ok}


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.name)
def test_every_role_at_every_page(world, scenes, page):
    for role in Role:
        user = _member(world, role)
        client = Client()
        client.force_login(user)
        for where in ("own", "other") if page.scoped else ("own",):
            with time_machine.travel(NOW, tick=False):
                status = client.get(page.url(scenes[where])).status_code
            assert status in _expected(page, role, where), f"{role} GET {page.name} ({where}): {status}"


@pytest.mark.parametrize("page", [p for p in PAGES if p.post], ids=lambda p: p.name)
def test_a_refused_post_writes_nothing(world, scenes, page):
    for role in Role:
        user = _member(world, role)
        client = Client()
        client.force_login(user)
        for where in ("own", "other"):
            if role in page.allowed and where == "own":
                continue  # allowed: covered by each page's own tests
            counts = (AuditEvent.objects.count(), Administration.objects.count(), Prescription.objects.count())
            with time_machine.travel(NOW, tick=False):
                status = client.post(page.url(scenes[where]), page.post(scenes[where])).status_code
            assert status in _expected(page, role, where), f"{role} POST {page.name} ({where}): {status}"
            after = (AuditEvent.objects.count(), Administration.objects.count(), Prescription.objects.count())
            assert after == counts, f"{role} POST {page.name} ({where}) wrote something"


def test_signed_out_visitors_are_sent_to_sign_in(world, scenes):
    client = Client()
    for page in PAGES:
        response = client.get(page.url(scenes["own"]))
        assert response.status_code == 302 and reverse("access:sign_in") in response["Location"], page.name
