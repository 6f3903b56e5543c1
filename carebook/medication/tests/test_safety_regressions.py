"""Safety bugs found in review, each pinned by a test of the safe behaviour.

Every test here failed before its fix (docs/safety/hazard-log.md names them).
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.urls import reverse

from carebook.core.clock import LONDON
from carebook.core.errors import DomainError, ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Medicine
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.services.prescriptions import (
    PrescriptionInput,
    prescription_change,
    prescription_check_transcription,
    prescription_discontinue,
    prescription_resume,
    prescription_suspend,
)
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

DAY = dt.date(2026, 6, 10)


def at(hour: int, minute: int = 0, day: dt.date = DAY) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON).astimezone(dt.UTC)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def once_daily(world, name: str = "Ramipril", **overrides):
    with time_machine.travel(at(7) - dt.timedelta(days=2), tick=False):
        return prescribe(world.ada, MedicineFactory(name=name), by=world.sam, checker=world.tia, **overrides)


def test_a_back_dated_prn_dose_cannot_break_the_interval_or_the_24_hour_maximum(world):
    with time_machine.travel(at(8) - dt.timedelta(days=2), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)  # 4 h apart, at most 8 a day
    kw = dict(by=world.carla, prescription=rx, outcome="given", prompts=confirmed(), prn_reason="Knee pain")
    with time_machine.travel(at(8), tick=False):
        administration_record(dose_given=Decimal("2"), **kw)
    with time_machine.travel(at(9), tick=False):
        with pytest.raises(rules.TooSoon):
            administration_record(dose_given=Decimal("2"), administered_at=at(7), **kw)  # an hour before 08:00
        for hour in (4, 0):  # 04:00 and 00:00 are 4 hours apart: allowed, 6 tablets in all
            administration_record(dose_given=Decimal("2"), administered_at=at(hour), **kw)
        # 20:00 the evening before: 8 tablets in the 24 hours to 08:00, the most allowed
        administration_record(dose_given=Decimal("2"), administered_at=at(20, day=DAY - dt.timedelta(days=1)), **kw)
        with pytest.raises(rules.MaxDailyDoseReached):  # 16:00 the day before would make it 10
            administration_record(dose_given=Decimal("2"), administered_at=at(16, day=DAY - dt.timedelta(days=1)), **kw)
    assert Administration.objects.count() == 4


@pytest.mark.parametrize("outcome", ["given", "given_partial", "self_administered", "destroyed"])
def test_a_controlled_drug_needs_a_witness_whatever_taken_outcome_is_chosen(world, outcome):
    morphine = MedicineFactory(name="Morphine", form=Medicine.Form.LIQUID, dose_unit="mL", controlled_drug_schedule=2)
    with time_machine.travel(at(7) - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, morphine, by=world.sam, checker=world.tia, dose_min="5")
    dose = DueDose.objects.get(prescription=rx, local_date=DAY)
    with time_machine.travel(at(8), tick=False), pytest.raises(rules.WitnessRequired):
        administration_record(
            by=world.carla,
            due_dose=dose,
            outcome=outcome,
            prompts=confirmed(),
            dose_given=Decimal("5"),
            reason="Half was spilt",
        )


def test_given_by_family_is_only_for_people_supported_at_home(world):
    rx = once_daily(world)
    dose = DueDose.objects.get(prescription=rx, local_date=DAY)
    with time_machine.travel(at(8), tick=False), pytest.raises(ValidationFailed) as err:
        administration_record(by=world.carla, due_dose=dose, outcome="given_by_family", prompts=confirmed())
    assert err.value.field == "outcome"


def test_doses_that_fell_during_a_suspension_do_not_come_back_on_resume(world, client):
    rx = once_daily(world, "Warfarin", times=["08:00", "18:00"])
    with time_machine.travel(at(7), tick=False):
        prescription_suspend(prescription=rx, by=world.sam, reason="INR high: GP says hold")
    with time_machine.travel(at(20), tick=False):
        prescription_resume(prescription=rx, by=world.sam, reason="GP says restart")
        due_doses_extend_horizon()
        client.force_login(world.carla)
        page = client.get(reverse("medication:round", args=[world.home.pk]) + "?round=teatime").content.decode()
    assert not DueDose.objects.filter(
        prescription=rx, state=DueDose.State.PENDING, scheduled_at__gte=at(7), scheduled_at__lt=at(19)
    ).exists()
    assert "Overdue" not in page
    tomorrow = DueDose.objects.filter(prescription=rx, local_date=DAY + dt.timedelta(days=1), state="pending")
    assert tomorrow.count() == 2


def test_changing_a_suspended_prescription_keeps_it_suspended(world):
    rx = once_daily(world)
    with time_machine.travel(at(7), tick=False):
        prescription_suspend(prescription=rx, by=world.sam, reason="BP low")
        new = prescription_change(
            prescription=rx,
            by=world.sam,
            reason="Dose halved for when it restarts",
            data=PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="0.5",
                directions="HALF a tablet at 08:00",
                times=["08:00"],
                prescriber="Dr K",
            ),
        )
    assert new.status == "suspended" and not DueDose.objects.filter(prescription=new).exists()
    assert [e.kind for e in new.events.all()] == ["created", "suspended"]


def test_a_change_inside_a_doses_window_moves_that_dose_to_the_new_version(world):
    rx = once_daily(world)
    old_dose = DueDose.objects.get(prescription=rx, local_date=DAY)
    with time_machine.travel(at(8, 15), tick=False):
        new = prescription_change(
            prescription=rx,
            by=world.sam,
            reason="New pack from the pharmacy",
            data=PrescriptionInput(
                medicine_id=rx.medicine_id,
                dose_min="1",
                directions="ONE at 08:00",
                times=["08:00"],
                prescriber="Dr K",
            ),
        )
        prescription_check_transcription(prescription=new, by=world.tia)
        old_dose.refresh_from_db()
        new_dose = DueDose.objects.get(prescription=new, local_date=DAY)
        administration_record(by=world.carla, due_dose=new_dose, outcome="given", prompts=confirmed())
    assert old_dose.state == DueDose.State.WITHDRAWN


def test_a_missed_dose_of_a_stopped_prescription_can_still_be_explained_but_not_given(world):
    rx = once_daily(world)
    missed = DueDose.objects.get(prescription=rx, local_date=DAY)
    with time_machine.travel(at(11), tick=False):
        prescription_discontinue(prescription=rx, by=world.sam, reason="Stopped at review")
        with pytest.raises(rules.PrescriptionNotActive):
            administration_record(by=world.carla, due_dose=missed, outcome="given", prompts=confirmed())
        record = administration_record(
            by=world.carla, due_dose=missed, outcome="asleep", reason="Asleep at 08:00", prompts=confirmed()[:1]
        ).administration
    assert record.outcome == "asleep"


def test_an_idempotency_key_reused_for_another_dose_is_refused(world):
    a = once_daily(world, "A")
    b = once_daily(world, "B")
    da = DueDose.objects.get(prescription=a, local_date=DAY)
    db = DueDose.objects.get(prescription=b, local_date=DAY)
    with time_machine.travel(at(8), tick=False):
        administration_record(by=world.carla, due_dose=da, outcome="given", prompts=confirmed(), idempotency_key="k1")
        with pytest.raises(DomainError) as err:
            administration_record(
                by=world.carla, due_dose=db, outcome="given", prompts=confirmed(), idempotency_key="k1"
            )
    assert err.value.code == "idempotency_key_reused" and err.value.status == 422


@pytest.mark.parametrize("where", ["search", "form"])
def test_a_non_ascii_digit_as_medicine_id_is_a_form_error_not_a_500(world, client, where):
    client.force_login(world.sam)
    if where == "search":
        response = client.get(reverse("medication:medicine_search"), {"medicine_id": "²"})
    else:
        response = client.post(
            reverse("medication:prescription_new", args=[world.ada.pk]),
            {
                "medicine_id": "²",
                "dose_min": "1",
                "directions": "x",
                "prescriber": "y",
                "schedule_kind": "fixed_times",
                "time_1": "08:00",
                "source": "gp",
            },
        )
    assert response.status_code < 500


def test_the_last_dose_of_a_course_can_be_given_in_its_window_after_midnight(world):
    with time_machine.travel(at(7) - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Amoxicillin"),
            by=world.sam,
            checker=world.tia,
            times=["23:30"],
            course_days=2,
        )
    last = DueDose.objects.filter(prescription=rx).order_by("-scheduled_at").first()
    with time_machine.travel(last.scheduled_at + dt.timedelta(minutes=40), tick=False):
        administration_record(by=world.carla, due_dose=last, outcome="given", prompts=confirmed())
    assert Administration.objects.filter(due_dose=last).exists()


@pytest.mark.parametrize("also_run_the_job", [False, True])
def test_a_change_just_after_a_dose_was_given_does_not_put_that_dose_on_the_round_again(world, also_run_the_job):
    """08:00 given at 08:05; at 08:20 the GP's new dose is entered: the new version's 08:00 is not due again today
    (it would be a second dose), from the change itself or from the due-dose job catching up afterwards."""
    with time_machine.travel(at(7, 0, DAY - dt.timedelta(days=1)), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Bisoprolol"), by=world.sam, checker=world.tia)
    with time_machine.travel(at(8, 5), tick=False):
        dose = DueDose.objects.get(prescription=rx, local_date=DAY)
        administration_record(by=world.carla, outcome="given", prompts=confirmed(), due_dose=dose)
    with time_machine.travel(at(8, 20), tick=False):
        data = PrescriptionInput(
            medicine_id=rx.medicine_id, dose_min="2", directions="TWO each morning", times=["08:00"], prescriber="Dr K"
        )
        new = prescription_change(prescription=rx, by=world.sam, data=data, reason="GP increased the dose")
        if also_run_the_job:
            due_doses_extend_horizon()
    assert not DueDose.objects.filter(prescription=new, local_date=DAY).exists()
    assert DueDose.objects.filter(prescription=new, local_date=DAY + dt.timedelta(days=1)).exists()
