"""Prescriptions through the JSON API: the same roles and services as the pages."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.medication.api.testing import api_as
from carebook.medication.models import DueDose, Prescription, PrescriptionEvent, TranscriptionCheck
from carebook.testing.factories import MedicineFactory, prescribe

NOW = dt.datetime(2026, 6, 9, 10, 0, tzinfo=dt.UTC)

pytestmark = pytest.mark.usefixtures("frozen_clock")


@pytest.fixture
def frozen_clock():
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.fixture
def ramipril(db):
    return MedicineFactory(name="Ramipril", strength="5 mg")


def directions(medicine, **overrides):
    body = {
        "medicine_id": medicine.pk,
        "dose_min": "1",
        "route": "oral",
        "directions": "Take ONE tablet each morning",
        "schedule_kind": "fixed_times",
        "times": ["08:00"],
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    body.update(overrides)
    return body


def test_a_senior_enters_a_prescription_201(world, ramipril):
    response = api_as(world.sam).post(f"/people/{world.ada.pk}/prescriptions", directions(ramipril))
    assert response.status_code == 201, response.content
    body = response.json()
    rx = Prescription.objects.get(pk=body["id"])
    assert rx.entered_by == world.sam and rx.entered_at == NOW and rx.person == world.ada
    assert body["status"] == "active" and body["entered_by"]["username"] == "sam"
    assert body["transcription_check_required"] is True and body["transcription_checked_by"] is None
    assert DueDose.objects.filter(prescription=rx).exists()
    assert AuditEvent.objects.filter(action="prescription.created", actor=world.sam).count() == 1


def test_a_care_worker_may_not_enter_a_prescription_and_nothing_is_written(world, ramipril):
    response = api_as(world.carla).post(f"/people/{world.ada.pk}/prescriptions", directions(ramipril))
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"
    assert Prescription.objects.count() == 0 and DueDose.objects.count() == 0
    assert not AuditEvent.objects.filter(action__startswith="prescription").exists()


def test_a_person_at_another_location_is_404(world, ramipril):
    response = api_as(world.sam).post(f"/people/{world.stranger.pk}/prescriptions", directions(ramipril))
    assert response.status_code == 404
    assert Prescription.objects.count() == 0


def test_who_and_when_cannot_come_from_the_body(world, ramipril):
    body = directions(ramipril, entered_by="tia", entered_at="2026-01-01T00:00:00Z")
    response = api_as(world.sam).post(f"/people/{world.ada.pk}/prescriptions", body)
    assert response.status_code == 422
    assert response.json()["field"] in {"entered_by", "entered_at"}
    assert Prescription.objects.count() == 0


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"medicine_id": 999999}, "medicine_id"),
        ({"dose_min": "-1"}, "dose_min"),
        ({"dose_min": "two"}, "dose_min"),
        ({"times": ["25:00"]}, "times"),
        ({"times": []}, "times"),
        ({"directions": "  "}, "directions"),
        ({"schedule_kind": "hourly"}, "schedule_kind"),
        ({"schedule_kind": "prn", "times": [], "prn_min_interval_minutes": 240}, "indication"),
        ({"start_date": "2026-06-10", "end_date": "2026-06-01"}, "end_date"),
    ],
)
def test_bad_directions_are_422_beside_the_field(world, ramipril, overrides, field):
    response = api_as(world.sam).post(f"/people/{world.ada.pk}/prescriptions", directions(ramipril, **overrides))
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["field"].split(".")[0] == field and body["message"]  # "times.0": the first time given
    assert Prescription.objects.count() == 0


def test_malformed_json_is_400(world):
    response = api_as(world.sam).post(f"/people/{world.ada.pk}/prescriptions", "{not json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed"


def test_the_transcription_check_is_made_by_a_second_person(world, ramipril):
    rx = prescribe(world.ada, ramipril, by=world.sam)
    own = api_as(world.sam).post(f"/prescriptions/{rx.pk}/transcription-check", {"note": "Looks right"})
    assert own.status_code == 403 and own.json()["code"] == "same_person"
    assert not TranscriptionCheck.objects.exists()
    carer = api_as(world.carla).post(f"/prescriptions/{rx.pk}/transcription-check")
    assert carer.status_code == 403
    checked = api_as(world.tia).post(f"/prescriptions/{rx.pk}/transcription-check", {"note": "Matches the FP10"})
    assert checked.status_code == 200
    body = checked.json()
    assert body["transcription_checked_by"]["username"] == "tia"
    assert dt.datetime.fromisoformat(body["transcription_checked_at"]) == NOW
    again = api_as(world.maria).post(f"/prescriptions/{rx.pk}/transcription-check")
    assert again.status_code == 409 and again.json()["code"] == "already_checked"


def test_discontinue_needs_a_reason_and_withdraws_future_doses(world, ramipril):
    rx = prescribe(world.ada, ramipril, by=world.sam, checker=world.tia)
    api = api_as(world.tia)
    assert api.post(f"/prescriptions/{rx.pk}/discontinue", {}).status_code == 422
    blank = api.post(f"/prescriptions/{rx.pk}/discontinue", {"reason": "  "})
    assert blank.status_code == 422 and blank.json()["field"] == "reason"
    assert api_as(world.carla).post(f"/prescriptions/{rx.pk}/discontinue", {"reason": "x"}).status_code == 403
    rx.refresh_from_db()
    assert rx.status == "active"
    response = api.post(f"/prescriptions/{rx.pk}/discontinue", {"reason": "GP stopped it: cough"})
    assert response.status_code == 200 and response.json()["status"] == "discontinued"
    assert not DueDose.objects.filter(prescription=rx, state="pending", scheduled_at__gte=NOW).exists()
    assert PrescriptionEvent.objects.filter(prescription=rx, kind="discontinued", by=world.tia).exists()
    again = api.post(f"/prescriptions/{rx.pk}/discontinue", {"reason": "again"})
    assert again.status_code == 409


def test_suspend_and_resume(world, ramipril):
    rx = prescribe(world.ada, ramipril, by=world.sam, checker=world.tia)
    api = api_as(world.sam)
    response = api.post(f"/prescriptions/{rx.pk}/suspend", {"reason": "Hold while BP is low"})
    assert response.status_code == 200 and response.json()["status"] == "suspended"
    assert api.post(f"/prescriptions/{rx.pk}/suspend", {"reason": "again"}).status_code == 409
    response = api.post(f"/prescriptions/{rx.pk}/resume", {"reason": "BP back to normal"})
    assert response.status_code == 200 and response.json()["status"] == "active"


def test_change_makes_a_new_version_that_supersedes_the_old(world, ramipril):
    rx = prescribe(world.ada, ramipril, by=world.sam, checker=world.tia)
    body = {**directions(ramipril, dose_min="2", directions="Take TWO tablets each morning"), "reason": "GP letter"}
    response = api_as(world.tia).post(f"/prescriptions/{rx.pk}/change", body)
    assert response.status_code == 201, response.content
    new = response.json()
    assert new["supersedes"] == str(rx.pk) and new["dose"]["min"] == "2"
    assert new["transcription_checked_by"] is None
    old = api_as(world.carla).get(f"/prescriptions/{rx.pk}").json()
    assert old["status"] == "superseded" and old["superseded_by"] == new["id"]


def test_prescriptions_of_another_location_are_404(world, ramipril):
    rx = prescribe(world.stranger, ramipril, by=world.sam)
    assert api_as(world.tia).post(f"/prescriptions/{rx.pk}/transcription-check").status_code == 404
    assert api_as(world.tia).get(f"/prescriptions/{rx.pk}").status_code == 404
