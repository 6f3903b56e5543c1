"""The anticoagulant clinic's dosing instructions: entered by a senior, checked by a second person (ADR 0037, H66).

Who and when come from the signed-in user and the server clock. Each write locks the person (ADR 0009), is audited
in the same transaction, and writes nothing when refused.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import Conflict, PermissionDenied, ValidationFailed
from carebook.core.text import format_quantity
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.locks import lock_person_for_prescription
from carebook.medication.models import DosingInstruction, DosingInstructionCheck, Prescription, PrescriptionStatus


def _decimal(value: Any, field: str, message: str) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(message, field=field) from None
    if not number.is_finite():
        raise ValidationFailed(message, field=field)
    return number


def dosing_instruction_enter(
    *,
    prescription: Prescription,
    by: User,
    inr: Any,
    inr_date: dt.date | None,
    next_inr_date: dt.date | None,
    doses: dict[dt.date, Any],
    source_note: str = "",
) -> DosingInstruction:
    """Enter the clinic's latest instruction: the INR, its date, the next test and the dose of each day from today to
    the next test. It sets no dose until a second person checks it (``dosing_instruction_check``)."""
    require(by, Action.MANAGE_PRESCRIPTIONS)
    now = clock.now()
    today = clock.to_local(now).date()
    number = _decimal(inr, "inr", "Enter the INR as a number, for example 2.6.")
    amounts: dict[dt.date, Decimal | None] = {}
    for day, value in doses.items():
        amounts[day] = _decimal(
            value, f"dose_{day.isoformat()}", f"Enter the dose for {day:%A %-d %B} as a number, for example 3."
        )
    with transaction.atomic():
        locked = lock_person_for_prescription(prescription.pk)
        if not locked.dose_from_instructions:
            raise Conflict(
                "This prescription's dose is not set by a clinic's instructions: change the prescription first.",
                code="not_dosed_by_instructions",
            )
        if locked.status not in (PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED):
            raise Conflict(f"This prescription is {locked.get_status_display().lower()}.", field="status")
        rules.dosing.check_instruction(
            inr=number,
            inr_date=inr_date,
            next_inr_date=next_inr_date,
            doses=amounts,
            today=today,
            dose_max=locked.dose_max,
            unit=locked.dose_unit,
        )
        assert number is not None and inr_date is not None and next_inr_date is not None
        day_doses = {
            day.isoformat(): format_quantity(amount)
            for day, amount in sorted(amounts.items())
            if amount is not None and today <= day <= next_inr_date
        }
        instruction = DosingInstruction.objects.create(
            prescription=locked,
            inr=number,
            inr_date=inr_date,
            next_inr_date=next_inr_date,
            doses=day_doses,
            source_note=source_note.strip(),
            entered_by=by,
            entered_at=now,
        )
        record_event(
            actor=by,
            action=MedicationAudit.DOSING_INSTRUCTION_ENTERED,
            entity=instruction,
            location=locked.person.location,
            after={
                "prescription": str(locked.pk),
                "inr": str(number),
                "inr_date": inr_date.isoformat(),
                "next_inr_date": next_inr_date.isoformat(),
                "doses": day_doses,
                "source_note": instruction.source_note,
            },
            at=now,
        )
    return instruction


def dosing_instruction_check(*, instruction: DosingInstruction, by: User) -> DosingInstructionCheck:
    """A second trained member of staff confirms the entry matches the clinic's letter: from now it sets the dose."""
    require(by, Action.CHECK_TRANSCRIPTION)
    now = clock.now()
    with transaction.atomic():
        locked = lock_person_for_prescription(instruction.prescription_id)
        row = DosingInstruction.objects.get(pk=instruction.pk)
        if row.entered_by_id == by.pk:
            raise PermissionDenied(
                "You entered these instructions: a second trained member of staff must check them.",
                code="same_person",
            )
        if DosingInstructionCheck.objects.filter(instruction=row).exists():
            raise Conflict("These instructions have already been checked.", code="already_checked")
        if row.next_inr_date < clock.to_local(now).date():
            raise Conflict("These instructions ended with the last INR test: enter the clinic's latest.", code="ended")
        check = DosingInstructionCheck.objects.create(instruction=row, checked_by=by, checked_at=now)
        record_event(
            actor=by,
            action=MedicationAudit.DOSING_INSTRUCTION_CHECKED,
            entity=row,
            location=locked.person.location,
            after={"checked_by": by.username, "entered_by_id": str(row.entered_by_id)},
            at=now,
        )
    return check
