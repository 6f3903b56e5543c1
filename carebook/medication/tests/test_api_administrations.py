"""Recording doses through the JSON API: who and when from the token and the server clock, every rule enforced."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.medication import rules
from carebook.medication.api.testing import api_as
from carebook.medication.models import Administration, DueDose, Medicine, PromptAnswer
from carebook.medication.services.prescriptions import prescription_suspend
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
DAY_BEFORE = MORNING - dt.timedelta(days=1)


def all_confirmed(check: str = "") -> list[dict]:
    return [
        {"prompt": p, "result": "confirmed", **({"value": "72"} if p in rules.READING_PROMPTS else {})}
        for p in rules.prompts_for(check)
    ]


def given(dose, **extra) -> dict:
    return {"due_dose_id": str(dose.pk), "outcome": "given", "prompts": all_confirmed(), **extra}


@pytest.fixture
def morning_dose(world):
    with time_machine.travel(DAY_BEFORE, tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


@pytest.fixture
def paracetamol_prn(world):
    with time_machine.travel(DAY_BEFORE, tick=False):
        return prescribe_paracetamol_prn(
            world.ada,
            by=world.sam,
            checker=world.tia,
            directions="One or two tablets up to four times a day when required for pain",
        )


@time_machine.travel(MORNING, tick=False)
def test_recording_a_due_dose_takes_who_from_the_token_and_when_from_the_server(world, morning_dose):
    response = api_as(world.carla).post("/administrations", given(morning_dose))
    assert response.status_code == 201, response.content
    body = response.json()
    record = Administration.objects.get(pk=body["id"])
    assert record.recorded_by == world.carla and record.recorded_at == MORNING
    assert body["recorded_by"]["username"] == "carla"
    assert dt.datetime.fromisoformat(body["recorded_at"]) == MORNING
    assert body["outcome"] == "given" and body["dose_given"] == "1" and body["late_entry"] is False
    assert [p["prompt"] for p in body["prompts"]] == list(rules.prompts_for(""))
    assert PromptAnswer.objects.filter(administration=record, result="confirmed").count() == 7
    morning_dose.refresh_from_db()
    assert morning_dose.state == DueDose.State.RECORDED
    assert AuditEvent.objects.filter(action="administration.recorded", actor=world.carla).count() == 1


@time_machine.travel(MORNING, tick=False)
@pytest.mark.parametrize(
    "field",
    [
        {"recorded_by": "sam"},
        {"recorded_at": "2026-06-10T06:00:00Z"},
        {"late_entry": False},
    ],
)
def test_who_and_when_in_the_body_are_refused(world, morning_dose, field):
    response = api_as(world.carla).post("/administrations", given(morning_dose, **field))
    assert response.status_code == 422
    assert response.json()["field"] == next(iter(field))
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_carers_earlier_time_is_kept_beside_the_servers_as_a_late_entry(world, morning_dose):
    response = api_as(world.carla).post(
        "/administrations", given(morning_dose, administered_at="2026-06-10T07:20:00+01:00")
    )
    assert response.status_code == 201
    body = response.json()
    assert dt.datetime.fromisoformat(body["administered_at"]) == MORNING - dt.timedelta(minutes=40)
    assert dt.datetime.fromisoformat(body["recorded_at"]) == MORNING
    assert body["late_entry"] is True


@time_machine.travel(MORNING, tick=False)
def test_a_naive_time_is_422(world, morning_dose):
    response = api_as(world.carla).post("/administrations", given(morning_dose, administered_at="2026-06-10T07:20:00"))
    assert response.status_code == 422 and response.json()["field"] == "administered_at"
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_the_same_dose_again_is_409_saying_by_whom_and_when(world, morning_dose):
    assert api_as(world.carla).post("/administrations", given(morning_dose)).status_code == 201
    with time_machine.travel(MORNING + dt.timedelta(minutes=5), tick=False):
        response = api_as(world.sam).post("/administrations", given(morning_dose))
    assert response.status_code == 409
    body = response.json()
    assert body["code"] == "already_recorded"
    assert "Carla Carer" in body["message"] and "08:00" in body["message"]
    assert body["details"]["recorded_by"] == "Carla Carer"
    assert dt.datetime.fromisoformat(body["details"]["recorded_at"]) == MORNING
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_an_idempotency_key_retry_returns_the_first_record(world, morning_dose):
    api = api_as(world.carla)
    first = api.post("/administrations", given(morning_dose), headers={"Idempotency-Key": "tablet-7-0001"})
    assert first.status_code == 201
    retry = api.post("/administrations", given(morning_dose), headers={"Idempotency-Key": "tablet-7-0001"})
    assert retry.status_code == 200
    assert retry.json()["id"] == first.json()["id"]
    assert retry.json()["idempotency_key"] == "tablet-7-0001"
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_an_empty_idempotency_key_is_422(world, morning_dose):
    response = api_as(world.carla).post("/administrations", given(morning_dose), headers={"Idempotency-Key": " "})
    assert response.status_code == 422
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_prn_dose_too_soon_is_422_with_the_time_it_is_allowed(world, paracetamol_prn):
    body = {
        "prescription_id": str(paracetamol_prn.pk),
        "outcome": "given",
        "dose_given": "2",
        "prompts": all_confirmed(),
        "prn_reason": "Knee pain",
    }
    api = api_as(world.carla)
    assert api.post("/administrations", body).status_code == 201
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False):
        response = api.post("/administrations", body)
    assert response.status_code == 422
    error = response.json()
    assert error["code"] == "prn_too_soon"
    assert dt.datetime.fromisoformat(error["details"]["allowed_from"]) == MORNING + dt.timedelta(hours=4)
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_a_prn_follow_up(world, paracetamol_prn):
    body = {
        "prescription_id": str(paracetamol_prn.pk),
        "outcome": "given",
        "prompts": all_confirmed(),
        "dose_given": "1",
        "prn_reason": "Headache",
    }
    record = api_as(world.carla).post("/administrations", body).json()
    with time_machine.travel(MORNING + dt.timedelta(minutes=45), tick=False):
        response = api_as(world.carla).post(
            f"/administrations/{record['id']}/follow-up", {"effect": "effective", "note": "Headache gone"}
        )
    assert response.status_code == 200
    assert response.json()["follow_up"]["effect"] == "effective"
    again = api_as(world.carla).post(f"/administrations/{record['id']}/follow-up", {"effect": "partly"})
    assert again.status_code == 409


@time_machine.travel(MORNING, tick=False)
def test_a_controlled_drug_without_a_witness_is_422_and_with_one_is_recorded(world):
    morphine = MedicineFactory(
        name="Morphine sulfate", strength="10 mg/5 mL", form=Medicine.Form.LIQUID, dose_unit="mL",
        controlled_drug_schedule=2,
    )  # fmt: skip
    with time_machine.travel(DAY_BEFORE, tick=False):
        rx = prescribe(world.ada, morphine, by=world.sam, checker=world.tia, dose_min="5")
    dose = DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))
    api = api_as(world.carla)
    response = api.post("/administrations", given(dose))
    assert response.status_code == 422 and response.json()["code"] == "witness_required"
    wrong = api.post("/administrations", given(dose, witness={"username": "sam", "password": "nope-nope-nope"}))
    assert wrong.status_code == 422 and wrong.json()["code"] == "witness_invalid"
    assert Administration.objects.count() == 0
    ok = api.post("/administrations", given(dose, witness={"username": "sam", "password": PASSWORD}))
    assert ok.status_code == 201
    assert ok.json()["witness"]["username"] == "sam" and ok.json()["recorded_by"]["username"] == "carla"


@time_machine.travel(MORNING, tick=False)
def test_a_suspended_prescription_is_422_prescription_not_active(world, morning_dose):
    prescription_suspend(prescription=morning_dose.prescription, by=world.sam, reason="Hold: low BP")
    response = api_as(world.carla).post("/administrations", given(morning_dose))
    assert response.status_code == 422
    assert response.json()["code"] == "prescription_not_active"
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_a_failed_prompt_cannot_be_given(world, morning_dose):
    prompts = [{"prompt": "right_person", "result": "confirmed"}, {"prompt": "right_medicine", "result": "failed"}]
    response = api_as(world.carla).post("/administrations", given(morning_dose, prompts=prompts))
    assert response.status_code == 422
    refused = api_as(world.carla).post(
        "/administrations",
        {"due_dose_id": str(morning_dose.pk), "outcome": "other", "reason": "Label wrong", "prompts": prompts},
    )
    assert refused.status_code == 201 and refused.json()["dose_given"] is None


@time_machine.travel(MORNING, tick=False)
def test_due_dose_and_prescription_together_or_neither_are_422(world, morning_dose, paracetamol_prn):
    api = api_as(world.carla)
    neither = api.post("/administrations", {"outcome": "given", "prompts": all_confirmed()})
    assert neither.status_code == 422
    both = api.post("/administrations", given(morning_dose, prescription_id=str(paracetamol_prn.pk)))
    assert both.status_code == 422
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_entered_in_error_keeps_the_original_and_the_dose_can_be_recorded_again(world, morning_dose):
    api = api_as(world.carla)
    wrong = api.post(
        "/administrations",
        {
            "due_dose_id": str(morning_dose.pk),
            "outcome": "refused",
            "reason": "Refused",
            "prompts": all_confirmed()[:1],
        },
    ).json()
    assert api.post(f"/administrations/{wrong['id']}/entered-in-error", {"reason": ""}).status_code == 422
    response = api.post(f"/administrations/{wrong['id']}/entered-in-error", {"reason": "Tapped the wrong person"})
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "entered_in_error"
    assert body["correction"]["reason"] == "Tapped the wrong person" and body["correction"]["by"]["username"] == "carla"
    again = api.post(f"/administrations/{wrong['id']}/entered-in-error", {"reason": "twice"})
    assert again.status_code == 409
    right = api.post("/administrations", given(morning_dose))
    assert right.status_code == 201 and right.json()["corrects"] == wrong["id"]
    listed = api.get("/administrations", {"person": world.ada.pk}).json()
    assert [(a["outcome"], a["status"]) for a in listed] == [("refused", "entered_in_error"), ("given", "completed")]
    only_effective = api.get("/administrations", {"person": world.ada.pk, "include_entered_in_error": False}).json()
    assert [a["id"] for a in only_effective] == [right.json()["id"]]


@time_machine.travel(MORNING, tick=False)
def test_another_carer_may_not_mark_someone_elses_record_but_a_senior_may(world, morning_dose):
    record = api_as(world.carla).post("/administrations", given(morning_dose)).json()
    from carebook.testing.factories import UserFactory

    other_carer = UserFactory(username="cara", at=world.home)
    denied = api_as(other_carer).post(f"/administrations/{record['id']}/entered-in-error", {"reason": "x"})
    assert denied.status_code == 403
    assert Administration.objects.get(pk=record["id"]).status == "completed"
    allowed = api_as(world.tia).post(f"/administrations/{record['id']}/entered-in-error", {"reason": "Wrong dose"})
    assert allowed.status_code == 200


@time_machine.travel(MORNING, tick=False)
def test_reading_records_by_person_and_time_and_one_record_in_detail(world, morning_dose):
    record = api_as(world.carla).post("/administrations", given(morning_dose)).json()
    api = api_as(world.maria)
    listed = api.get(
        "/administrations",
        {"person": world.ada.pk, "from": "2026-06-10T00:00:00+01:00", "to": "2026-06-11T00:00:00+01:00"},
    )
    assert listed.status_code == 200 and [a["id"] for a in listed.json()] == [record["id"]]
    earlier = api.get("/administrations", {"from": "2026-06-01T00:00:00Z", "to": "2026-06-02T00:00:00Z"})
    assert earlier.json() == []
    detail = api.get(f"/administrations/{record['id']}").json()
    assert len(detail["prompts"]) == 7 and detail["correction"] is None and detail["follow_up"] is None
    assert api_as(world.otto).get(f"/administrations/{record['id']}").status_code == 404
    assert api_as(world.otto).get("/administrations", {"person": world.ada.pk}).status_code == 404
    assert api_as(world.otto).get("/administrations").json() == []
    due = api.get("/due-doses", {"location": world.home.pk}).json()
    assert due[0]["state"] == "recorded" and due[0]["administration"]["id"] == record["id"]
