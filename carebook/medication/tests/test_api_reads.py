"""Reading through the JSON API: scoped to the caller's locations, documented, never a 500."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose
from carebook.people.models import Allergy, AllergyStatus
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST


@pytest.fixture
def ada_on_ramipril(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(world.ada, MedicineFactory(name="Ramipril", strength="5 mg"), by=world.sam, checker=world.tia)


def test_openapi_is_published_and_the_cdn_docs_page_is_not(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json()
    assert spec["info"]["title"] == "Carebook API" and spec["info"]["version"] == "1"
    assert "/api/v1/administrations" in spec["paths"] and "/api/v1/due-doses" in spec["paths"]
    assert client.get("/api/v1/docs").status_code == 404


def test_without_credentials_every_endpoint_answers_401_json(world, client):
    response = client.get("/api/v1/people")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"
    response = client.post("/api/v1/administrations", "{}", content_type="application/json")
    assert response.status_code == 401


def test_a_wrong_or_revoked_token_is_401(world):
    assert api_as(None, token="cb_not-a-real-token").get("/people").status_code == 401
    api = api_as(world.sam)
    assert api.get("/people").status_code == 200
    world.sam.api_tokens.update(revoked_at=MORNING)
    assert api.get("/people").status_code == 401


def test_locations_are_those_the_caller_works_at(world):
    body = api_as(world.carla).get("/locations").json()
    assert [loc["name"] for loc in body] == ["Oakfield House"]
    assert {u["name"] for u in body[0]["units"]} == {"Rowan", "Willow"}


def test_people_are_scoped_to_the_callers_locations(world):
    api = api_as(world.carla)
    names = {p["full_name"] for p in api.get("/people").json()}
    assert names == {"Ada Lovelace", "Bert Jones"}
    assert len(api.get("/people", {"location": world.home.pk}).json()) == 2
    response = api.get("/people", {"location": world.elsewhere.pk})
    assert response.status_code == 404 and response.json()["code"] == "not_found"
    assert {p["full_name"] for p in api_as(world.otto).get("/people").json()} == {"Stan Ranger"}


def test_a_care_worker_reads_a_person_with_allergies_and_preferences_but_not_the_picture_bytes(world):
    world.ada.allergy_status = AllergyStatus.HAS_ALLERGIES
    world.ada.save()
    Allergy.objects.create(person=world.ada, substance="Penicillin", reaction="Rash", severity="severe")
    response = api_as(world.carla).get(f"/people/{world.ada.pk}")
    assert response.status_code == 200
    body = response.json()
    assert body["preferred_name"] == "Addie" and body["allergy_status"] == "has_allergies"
    [allergy] = body["allergies"]
    assert {k: allergy[k] for k in ("substance", "reaction", "severity", "kind", "coded_class")} == {
        "substance": "Penicillin",
        "reaction": "Rash",
        "severity": "severe",
        "kind": "allergy",
        "coded_class": None,  # written in words: matched by name only
    }
    assert body["medicine_preferences"].startswith("Likes to take tablets")
    assert body["picture_url"] == f"/people/{world.ada.pk}/picture.svg"
    assert "picture_svg" not in body


def test_another_locations_person_is_404_the_same_as_a_missing_one(world):
    api = api_as(world.carla)
    other = api.get(f"/people/{world.stranger.pk}")
    missing = api.get("/people/00000000-0000-4000-8000-000000000000")
    assert other.status_code == missing.status_code == 404
    assert other.json() == missing.json()


def test_a_malformed_id_is_422_naming_the_field(world):
    response = api_as(world.carla).get("/people/not-a-uuid")
    assert response.status_code == 422
    assert response.json()["field"] == "person_id"


def test_medicine_search_by_name(world):
    MedicineFactory(name="Paracetamol", strength="500 mg")
    MedicineFactory(name="Paracetamol", strength="250 mg/5 mL")
    MedicineFactory(name="Ramipril", strength="5 mg")
    body = api_as(world.carla).get("/medicines", {"q": "parac"}).json()
    assert [m["strength"] for m in body] == ["250 mg/5 mL", "500 mg"]
    assert body[0]["needs_witness"] is False


def test_medicine_search_returns_at_most_50(world):
    MedicineFactory.create_batch(55, name="Aspirin")
    assert len(api_as(world.carla).get("/medicines", {"q": "aspirin"}).json()) == 50


def test_prescriptions_of_a_person_show_status_dose_schedule_and_check(world, ada_on_ramipril):
    response = api_as(world.carla).get(f"/people/{world.ada.pk}/prescriptions")
    assert response.status_code == 200
    [rx] = response.json()
    assert rx["id"] == str(ada_on_ramipril.pk)
    assert rx["status"] == "active" and rx["medicine"]["name"] == "Ramipril"
    assert rx["dose"] == {"min": "1", "max": "1", "unit": "tablet", "text": "1 tablet"}
    assert rx["schedule"]["kind"] == "fixed_times" and rx["schedule"]["times"] == ["08:00"]
    assert rx["entered_by"]["username"] == "sam"
    assert rx["transcription_checked_by"]["username"] == "tia" and rx["transcription_checked_at"]
    assert rx["supersedes"] is None
    assert api_as(world.otto).get(f"/people/{world.ada.pk}/prescriptions").status_code == 404


@time_machine.travel(MORNING, tick=False)
def test_due_doses_of_a_location_in_a_range(world, ada_on_ramipril):
    api = api_as(world.carla)
    response = api.get(
        "/due-doses",
        {"location": world.home.pk, "from": "2026-06-10T06:00:00+01:00", "to": "2026-06-11T06:00:00+01:00"},
    )
    assert response.status_code == 200
    [dose] = response.json()
    assert dose["person"]["full_name"] == "Ada Lovelace"
    assert dose["medicine"]["name"] == "Ramipril" and dose["prescription_id"] == str(ada_on_ramipril.pk)
    assert dose["local_time"] == "08:00" and dose["local_date"] == "2026-06-10"
    assert dt.datetime.fromisoformat(dose["scheduled_at"]) == MORNING
    assert dose["state"] == "pending" and dose["administration"] is None


@time_machine.travel(MORNING, tick=False)
def test_due_doses_refuse_naive_times_and_other_locations(world, ada_on_ramipril):
    api = api_as(world.carla)
    naive = api.get("/due-doses", {"location": world.home.pk, "from": "2026-06-10T06:00:00"})
    assert naive.status_code == 422 and naive.json()["field"] == "from"
    assert api.get("/due-doses", {"location": world.elsewhere.pk}).status_code == 404
    assert api.get("/due-doses").status_code == 422  # the location is required


def test_due_doses_answer_a_long_window_a_week_at_a_time_and_a_backwards_one_the_right_way_round(
    world, ada_on_ramipril
):
    # Any from/to pair the OpenAPI admits is answered, none refused (a request valid by the schema is valid).
    # Ada's ramipril is due at 08:00 from 9 June.
    api = api_as(world.carla)
    where = {"location": world.home.pk}
    long = api.get("/due-doses", {**where, "from": "2026-06-03T00:00:00Z", "to": "2026-06-11T00:00:00Z"})
    assert long.status_code == 200
    assert [d["local_date"] for d in long.json()] == ["2026-06-09"]  # 3 to 10 June: the first 7 days
    assert long["Link"] == (
        f"</api/v1/due-doses?location={world.home.pk}&from=2026-06-10T00%3A00%3A00%2B00%3A00"
        '&to=2026-06-11T00%3A00%3A00%2B00%3A00>; rel="next"'
    )
    rest = api.get(long["Link"][1 : long["Link"].index(">")].removeprefix("/api/v1"))
    assert rest.status_code == 200 and "Link" not in rest
    assert [d["local_date"] for d in rest.json()] == ["2026-06-10"]
    backwards = api.get("/due-doses", {**where, "from": "2026-06-11T00:00:00Z", "to": "2026-06-10T00:00:00Z"})
    assert backwards.status_code == 200 and [d["local_date"] for d in backwards.json()] == ["2026-06-10"]
    empty = api.get("/due-doses", {**where, "from": "2026-06-10T07:00:00Z", "to": "2026-06-10T07:00:00Z"})
    assert empty.status_code == 200 and empty.json() == []


@time_machine.travel(MORNING, tick=False)
def test_due_doses_default_to_the_day_around_now(world, ada_on_ramipril):
    body = api_as(world.carla).get("/due-doses", {"location": world.home.pk}).json()
    assert [d["local_date"] for d in body] == ["2026-06-10"]
    assert DueDose.objects.filter(prescription=ada_on_ramipril).count() > 1  # later days exist but are not asked for
