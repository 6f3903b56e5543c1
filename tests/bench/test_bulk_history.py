"""The benchmark's bulk history writes the rows the services would write.

carebook/demo/history.py writes months of rounds straight into the tables. Its rows are only worth measuring if
they are the rows the services make, so for the same doses (Ada's recorded through
``administration_record``, Bert's identical prescriptions written by the bulk writer) the fields that carry a
rule must agree: the late-entry mark, a witness for a controlled drug, the dose recorded when none is sent,
the prompt answers, and the due dose's state.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from decimal import Decimal

import pytest
import time_machine

from carebook.core.errors import DomainError
from carebook.demo.history import (
    ADMIN_FIELDS,
    CORRECTION_FIELDS,
    DUE_FIELDS,
    FOLLOW_UP_FIELDS,
    PROMPT_FIELDS,
    SHOWING_FIELDS,
    DoseRecord,
    HistoryWriter,
    LocationStaff,
    _columns,
)
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    AdministrationCorrection,
    DueDose,
    Medicine,
    PrnFollowUp,
    PromptAnswer,
    PromptShowing,
)
from carebook.medication.services.administrations import WitnessCredentials, administration_record
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # the 08:00 round, BST
GIVEN_AT = MORNING + dt.timedelta(minutes=3)
RECORDED_AT = GIVEN_AT + dt.timedelta(seconds=40)


@dataclass(frozen=True)
class Case:
    medicine: dict
    prescription: dict
    dose: DoseRecord


RAMIPRIL = {"name": "Ramipril", "strength": "2.5 mg"}
MORPHINE = {
    "name": "Morphine sulfate",
    "strength": "10 mg/5 mL",
    "form": Medicine.Form.LIQUID,
    "dose_unit": "mL",
    "controlled_drug_schedule": 2,
}
PATCH = {"name": "Buprenorphine", "strength": "5 micrograms/hour", "form": Medicine.Form.PATCH, "dose_unit": "patch"}
DIGOXIN = {"name": "Digoxin", "strength": "125 micrograms", "required_check": "pulse"}

CASES = {
    "a fixed dose given, no dose sent: the prescription's dose": Case(
        RAMIPRIL, {}, DoseRecord("given", GIVEN_AT, RECORDED_AT)
    ),
    "a dose recorded 40 minutes after it was given: a late entry": Case(
        RAMIPRIL, {}, DoseRecord("given", MORNING, MORNING + dt.timedelta(minutes=40))
    ),
    "a variable dose: the amount given": Case(
        RAMIPRIL,
        {"dose_min": "1", "dose_max": "2", "directions": "ONE or TWO tablets each morning"},
        DoseRecord("given", GIVEN_AT, RECORDED_AT, dose_given=Decimal("2")),
    ),
    "refused at the consent prompt: no dose": Case(
        RAMIPRIL,
        {},
        DoseRecord("refused", GIVEN_AT, RECORDED_AT, failed="consent", reason="Refused. Will offer again."),
    ),
    "asleep: only the right-person check": Case(
        RAMIPRIL, {}, DoseRecord("asleep", GIVEN_AT, RECORDED_AT, reason="Asleep. Offered when awake.")
    ),
    "a controlled drug given: witnessed": Case(
        MORPHINE, {"dose_min": "5"}, DoseRecord("given", GIVEN_AT, RECORDED_AT, dose_given=Decimal("5"))
    ),
    "a controlled drug self-administered under supervision: witnessed": Case(
        MORPHINE, {"dose_min": "5"}, DoseRecord("self_administered", GIVEN_AT, RECORDED_AT, dose_given=Decimal("5"))
    ),
    "a controlled drug refused: no witness": Case(
        MORPHINE,
        {"dose_min": "5"},
        DoseRecord("refused", GIVEN_AT, RECORDED_AT, failed="consent", reason="Refused. Will offer again."),
    ),
    "a patch: its site": Case(
        PATCH,
        {"route": "transdermal", "directions": "Apply ONE patch each morning"},
        DoseRecord("given", GIVEN_AT, RECORDED_AT, site="left upper arm"),
    ),
    "digoxin withheld for a low pulse: the reading kept": Case(
        DIGOXIN,
        {},
        DoseRecord(
            "not_required", GIVEN_AT, RECORDED_AT, reading=Decimal("56"), failed="pulse", reason="Pulse 56: withheld."
        ),
    ),
}


def _morning_dose(rx) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


def _as_written(admin: Administration) -> dict:
    """The fields of a record that carry a rule (who and which dose aside)."""
    due = DueDose.objects.get(pk=admin.due_dose_id)
    return {
        "outcome": admin.outcome,
        "late_entry": admin.late_entry,
        "witnessed": admin.witness_id is not None,
        "witness_is_not_recorder": admin.witness_id != admin.recorded_by_id,
        "witnessed_at": admin.witnessed_at,
        "dose_given": admin.dose_given,
        "dose_unit": admin.dose_unit,
        "site": admin.site,
        "reason": admin.reason,
        "administered_at": admin.administered_at,
        "recorded_at": admin.recorded_at,
        "status": admin.status,
        "offer_again_until": admin.offer_again_until,  # refused or asleep: waits to be offered again (ADR 0034)
        "prompts": [
            (p.position, p.prompt, p.result, p.value, p.note, p.answered_at) for p in admin.prompt_answers.all()
        ],
        "due_dose_state": due.state,
        "showing": [
            (
                w.source,
                w.prompts,
                w.prompt_count,
                w.shown_at,
                w.user_id == admin.recorded_by_id,
                w.unit_id == admin.person.unit_id,
                w.due_dose_id == admin.due_dose_id,
            )
            for w in PromptShowing.objects.filter(administration=admin)
        ],
    }


@pytest.mark.parametrize("case", CASES.values(), ids=CASES.keys())
def test_bulk_history_writes_what_the_services_write(world, case):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        medicine = MedicineFactory(**case.medicine)
        service_rx = prescribe(world.ada, medicine, by=world.sam, checker=world.tia, **case.prescription)
        bulk_rx = prescribe(world.bert, medicine, by=world.sam, checker=world.tia, **case.prescription)
    dose = case.dose
    writer = HistoryWriter(
        rng=random.Random(1),
        staff={world.home.pk: LocationStaff(carers=[world.carla.pk], seniors=[world.sam.pk])},
        cutoffs={world.home.pk: RECORDED_AT + dt.timedelta(hours=1)},
        horizon_end=MORNING + dt.timedelta(days=2),
    )
    answers = writer.prompt_answers(service_rx.effective_check, dose.outcome, dose.failed, dose.reading)

    # Ada's dose through the service, as carla records it (with sam witnessing where the rules ask for one).
    with time_machine.travel(dose.recorded, tick=False):
        service_admin = administration_record(
            by=world.carla,
            due_dose=_morning_dose(service_rx),
            outcome=dose.outcome,
            prompts=answers,
            dose_given=dose.dose_given,
            administered_at=dose.at,
            reason=dose.reason,
            site=dose.site,
            witness=(
                WitnessCredentials("sam", PASSWORD)
                if service_rx.medicine.needs_witness and dose.outcome in rules.WITNESSED_OUTCOMES
                else None
            ),
        ).administration

    # Bert's identical dose, written by the bulk history.
    bulk_rx.refresh_from_db()
    admin_id = writer.record_due(bulk_rx, _morning_dose(bulk_rx).pk, dose)
    writer.flush()

    assert _as_written(Administration.objects.get(pk=admin_id)) == _as_written(service_admin)


def test_bulk_history_refuses_a_record_the_services_would_refuse(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.bert, MedicineFactory(**RAMIPRIL), by=world.sam, checker=world.tia)
    writer = HistoryWriter(
        rng=random.Random(1),
        staff={world.home.pk: LocationStaff(carers=[world.carla.pk], seniors=[world.sam.pk])},
        cutoffs={world.home.pk: RECORDED_AT},
        horizon_end=MORNING + dt.timedelta(days=2),
    )
    # A refusal with no reason: the rules refuse it, as the service would, and nothing is queued.
    with pytest.raises(DomainError):
        writer.record_due(rx, _morning_dose(rx).pk, DoseRecord("refused", GIVEN_AT, RECORDED_AT, failed="consent"))
    assert writer.batch.admins == []


def test_bulk_history_fills_every_column_of_the_tables_it_writes():
    """A field added to a clinical model must be given its value in the bulk history too: the writer refuses to
    run otherwise, and this says so in ``make test``, not first in ``make bench``."""
    tables = [
        (DueDose, DUE_FIELDS),
        (Administration, ADMIN_FIELDS),
        (PromptAnswer, PROMPT_FIELDS),
        (PromptShowing, SHOWING_FIELDS),
        (AdministrationCorrection, CORRECTION_FIELDS),
        (PrnFollowUp, FOLLOW_UP_FIELDS),
    ]
    for model, names in tables:
        assert len(_columns(model, names)) == len(names)
