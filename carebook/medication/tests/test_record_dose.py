"""Recording a dose through the service: the rules a care worker relies on."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import DomainError, NotFound, PermissionDenied
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine, PromptAnswer
from carebook.medication.services.administrations import (
    WitnessCredentials,
    administration_mark_entered_in_error,
    administration_record,
)
from carebook.medication.services.prescriptions import prescription_discontinue, prescription_suspend
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST


def all_confirmed(check: str = "") -> list[rules.Answer]:
    return [
        rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None)
        for p in rules.prompts_for(check)
    ]


@pytest.fixture
def morning_dose(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


@time_machine.travel(MORNING, tick=False)
def test_given_dose_records_who_when_prompts_and_audit(world, morning_dose):
    result = administration_record(by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    admin = result.administration
    assert admin.recorded_by == world.carla
    assert admin.recorded_at == MORNING and admin.administered_at == MORNING
    assert admin.dose_given == Decimal("1") and not admin.late_entry
    assert PromptAnswer.objects.filter(administration=admin, result="confirmed").count() == 7
    morning_dose.refresh_from_db()
    assert morning_dose.state == DueDose.State.RECORDED
    event = AuditEvent.objects.get(action="administration.recorded")
    assert event.actor == world.carla and event.after["outcome"] == "given"


@time_machine.travel(MORNING, tick=False)
def test_a_dose_already_recorded_cannot_be_recorded_again(world, morning_dose):
    administration_record(by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    with pytest.raises(rules.AlreadyRecorded) as err:
        administration_record(by=world.sam, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    assert "Carla Carer" in err.value.message and err.value.status == 409
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_late_entry_keeps_carers_time_beside_server_time(world, morning_dose):
    earlier = MORNING - dt.timedelta(minutes=40)
    admin = administration_record(
        by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed(), administered_at=earlier
    ).administration
    assert admin.administered_at == earlier and admin.recorded_at == MORNING and admin.late_entry


@time_machine.travel(MORNING, tick=False)
def test_failed_prompt_stops_a_given_outcome(world, morning_dose):
    answers = [rules.Answer("right_person", "confirmed"), rules.Answer("right_medicine", "failed")]
    with pytest.raises(DomainError) as err:
        administration_record(by=world.carla, due_dose=morning_dose, outcome="given", prompts=answers)
    assert err.value.field in ("prompts", "outcome")
    admin = administration_record(
        by=world.carla,
        due_dose=morning_dose,
        outcome="other",
        reason="Label did not match the chart",
        prompts=answers,
    ).administration
    assert admin.outcome == "other" and admin.dose_given is None


@time_machine.travel(MORNING, tick=False)
def test_refusal_needs_a_reason(world, morning_dose):
    with pytest.raises(DomainError) as err:
        administration_record(by=world.carla, due_dose=morning_dose, outcome="refused", prompts=all_confirmed()[:1])
    assert err.value.field == "reason"
    assert (
        Administration.objects.count() == 0 and AuditEvent.objects.filter(action="administration.recorded").count() == 0
    )


@time_machine.travel(MORNING, tick=False)
def test_suspended_and_discontinued_prescriptions_are_refused(world, morning_dose):
    rx = morning_dose.prescription
    prescription_suspend(prescription=rx, by=world.sam, reason="GP asked to hold while BP low")
    morning_dose.refresh_from_db()
    assert morning_dose.state == DueDose.State.WITHDRAWN  # future slot withdrawn at once
    with pytest.raises(DomainError) as err:
        administration_record(by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    assert err.value.code == "prescription_not_active"
    rx2 = prescribe(
        world.bert,
        MedicineFactory(),
        by=world.sam,
        checker=world.tia,
        schedule_kind="prn",
        times=[],
        indication="pain",
        prn_min_interval_minutes=240,
        prn_max_quantity_24h="8",
    )
    prescription_discontinue(prescription=rx2, by=world.sam, reason="No longer needed")
    with pytest.raises(DomainError) as err:
        administration_record(
            by=world.carla, prescription=rx2, outcome="given", prompts=all_confirmed(), prn_reason="pain"
        )
    assert err.value.code == "prescription_not_active"
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING - dt.timedelta(days=1), tick=False)
def test_transcription_check_required_before_first_dose(world):
    rx = prescribe(world.ada, MedicineFactory(), by=world.sam)  # not checked
    dose = DueDose.objects.filter(prescription=rx).first()
    with time_machine.travel(dose.scheduled_at, tick=False), pytest.raises(DomainError) as err:
        administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=all_confirmed())
    assert err.value.code == "transcription_check_required"
    with pytest.raises(PermissionDenied):
        from carebook.medication.services.prescriptions import prescription_check_transcription

        prescription_check_transcription(prescription=rx, by=world.sam)  # the enterer cannot check


def _cd_dose(world):
    morphine = MedicineFactory(
        name="Morphine sulfate",
        strength="10 mg/5 mL",
        form=Medicine.Form.LIQUID,
        dose_unit="mL",
        controlled_drug_schedule=2,
    )
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, morphine, by=world.sam, checker=world.tia, dose_min="5")
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


@time_machine.travel(MORNING, tick=False)
def test_controlled_drug_needs_a_trained_witness_with_their_password(world):
    dose = _cd_dose(world)
    with pytest.raises(rules.WitnessRequired):
        administration_record(by=world.carla, due_dose=dose, outcome="given", prompts=all_confirmed())
    with pytest.raises(DomainError) as err:
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome="given",
            prompts=all_confirmed(),
            witness=WitnessCredentials("sam", "wrong-password"),
        )
    assert err.value.code == "witness_invalid"
    with pytest.raises(DomainError) as err:
        administration_record(
            by=world.sam,
            due_dose=dose,
            outcome="given",
            prompts=all_confirmed(),
            witness=WitnessCredentials("carla", PASSWORD),
        )
    assert err.value.code == "witness_not_allowed"  # a care worker is not a CD witness
    assert Administration.objects.count() == 0
    admin = administration_record(
        by=world.carla,
        due_dose=dose,
        outcome="given",
        prompts=all_confirmed(),
        witness=WitnessCredentials("sam", PASSWORD),
    ).administration
    assert admin.witness == world.sam and admin.witnessed_at == MORNING


@time_machine.travel(MORNING, tick=False)
def test_prn_too_soon_and_over_24h_maximum(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    kw = dict(by=world.carla, prescription=rx, outcome="given", prompts=all_confirmed(), prn_reason="Knee pain")
    first = administration_record(dose_given=Decimal("2"), **kw).administration
    assert first.dose_given == Decimal("2")
    with time_machine.travel(MORNING + dt.timedelta(hours=1), tick=False), pytest.raises(rules.TooSoon) as err:
        administration_record(dose_given=Decimal("2"), **kw)
    assert "12:00 on 10 June" in err.value.message  # 08:00 BST + 4 h, shown in local time
    assert Administration.objects.count() == 1
    for hours in (4, 8, 12):
        with time_machine.travel(MORNING + dt.timedelta(hours=hours), tick=False):
            administration_record(dose_given=Decimal("2"), **kw)
    with time_machine.travel(MORNING + dt.timedelta(hours=16), tick=False), pytest.raises(rules.MaxDailyDoseReached):
        administration_record(dose_given=Decimal("1"), **kw)


@time_machine.travel(MORNING, tick=False)
def test_entered_in_error_keeps_original_and_allows_the_right_record(world, morning_dose):
    wrong = administration_record(
        by=world.carla, due_dose=morning_dose, outcome="refused", reason="Refused", prompts=all_confirmed()[:1]
    ).administration
    administration_mark_entered_in_error(administration=wrong, by=world.carla, reason="Wrong person's record tapped")
    wrong.refresh_from_db()
    assert wrong.status == "entered_in_error" and wrong.correction.by == world.carla
    right = administration_record(
        by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed()
    ).administration
    assert right.corrects == wrong
    assert Administration.objects.filter(due_dose=morning_dose).count() == 2


@time_machine.travel(MORNING, tick=False)
def test_someone_from_another_location_cannot_record(world, morning_dose):
    with pytest.raises(NotFound):
        administration_record(by=world.otto, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    with pytest.raises(PermissionDenied):
        administration_record(by=world.colin, due_dose=morning_dose, outcome="given", prompts=all_confirmed())
    assert Administration.objects.count() == 0


@time_machine.travel(MORNING, tick=False)
def test_idempotency_key_returns_the_first_record(world, morning_dose):
    a = administration_record(
        by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed(), idempotency_key="tablet-7-0001"
    )
    b = administration_record(
        by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed(), idempotency_key="tablet-7-0001"
    )
    assert b.replayed and b.administration.pk == a.administration.pk
    assert Administration.objects.count() == 1


@time_machine.travel(MORNING, tick=False)
def test_a_given_dose_outside_the_prescribed_range_is_refused(world, morning_dose):
    with pytest.raises(DomainError) as err:
        administration_record(
            by=world.carla, due_dose=morning_dose, outcome="given", prompts=all_confirmed(), dose_given=Decimal("2")
        )
    assert err.value.field == "dose_given" and "partial or different dose" in err.value.message
    with pytest.raises(DomainError) as err:
        administration_record(
            by=world.carla,
            due_dose=morning_dose,
            outcome="given_partial",
            prompts=all_confirmed(),
            dose_given=Decimal("0.5"),
        )
    assert err.value.field == "reason"  # a different amount needs a reason
    assert Administration.objects.count() == 0
    admin = administration_record(
        by=world.carla,
        due_dose=morning_dose,
        outcome="given_partial",
        prompts=all_confirmed(),
        dose_given=Decimal("0.5"),
        reason="Half a tablet: the GP's note on the MAR",
    ).administration
    assert admin.dose_given == Decimal("0.5")
