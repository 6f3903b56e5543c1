"""Every write is audited in the same transaction; audit rows are append-only."""

from __future__ import annotations

import pytest
from django.db import transaction

from carebook.audit_log.models import AuditEvent
from carebook.audit_log.services import record_event
from carebook.core.append_only import AppendOnlyViolation
from carebook.core.errors import ValidationFailed
from carebook.medication.audit import MedicationAudit
from carebook.medication.models import Prescription
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_create
from carebook.testing.factories import MedicineFactory


def test_a_prescription_write_and_its_audit_event_commit_together(world):
    medicine = MedicineFactory()
    prescription_create(
        person=world.ada,
        by=world.sam,
        data=PrescriptionInput(
            medicine_id=medicine.pk, dose_min="1", directions="One daily", times=["08:00"], prescriber="Dr Khan"
        ),
    )
    event = AuditEvent.objects.get(action="prescription.created")
    assert event.actor == world.sam and event.location == world.home
    assert event.after["medicine_id"] == medicine.pk and event.before is None


def test_a_refused_write_leaves_no_record_and_no_audit(world):
    with pytest.raises(ValidationFailed):
        prescription_create(
            person=world.ada,
            by=world.sam,
            data=PrescriptionInput(
                medicine_id=MedicineFactory().pk, dose_min="0", directions="x", times=["08:00"], prescriber="Dr Khan"
            ),
        )
    assert not Prescription.objects.exists() and not AuditEvent.objects.exists()


def test_an_audit_event_rolls_back_with_its_change(world):
    with pytest.raises(RuntimeError), transaction.atomic():
        record_event(actor=world.sam, action=MedicationAudit.PRESCRIPTION_CREATED, entity=world.ada)
        raise RuntimeError("the change failed after auditing")
    assert not AuditEvent.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_audit_outside_a_transaction_is_refused():
    with pytest.raises(RuntimeError):
        record_event(actor=None, action=MedicationAudit.PRESCRIPTION_CREATED, entity="x")


def test_audit_rows_cannot_be_edited_or_deleted_through_the_orm(world):
    with transaction.atomic():
        event = record_event(
            actor=world.sam, action=MedicationAudit.PRESCRIPTION_CREATED, entity=world.ada, after={"a": 1}
        )
    event.action = "prescription.changed"
    with pytest.raises(AppendOnlyViolation):
        event.save()
    with pytest.raises(AppendOnlyViolation):
        event.delete()
