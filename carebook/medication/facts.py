"""From rows to the plain facts the rules read: one mapping, used by the services and the pages alike.

The rules (``carebook.medication.rules``) know nothing of the ORM; these functions say what a
prescription, a due dose or a record means to them. A page deciding what to offer and the service
deciding what to accept therefore read the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from decimal import Decimal

from django.core.exceptions import ObjectDoesNotExist

from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Prescription, TranscriptionCheck


def transcription_check_of(prescription: Prescription) -> TranscriptionCheck | None:
    """The prescription's transcription check, or None (no query when the caller joined it)."""
    try:
        return prescription.transcription_check
    except ObjectDoesNotExist:
        return None


def awaiting_transcription_check(prescription: Prescription) -> bool:
    """Its entry needs a second person's check and has not had it: no dose may be given yet."""
    return prescription.transcription_check_required and transcription_check_of(prescription) is None


def prescription_facts(rx: Prescription) -> rules.PrescriptionFacts:
    """The prescription as the rules read it (its medicine and transcription check joined)."""
    medicine = rx.medicine
    prn = None
    if rx.is_prn:
        assert rx.prn_min_interval_minutes is not None and rx.prn_max_quantity_24h is not None
        prn = rules.PrnLimits(
            min_interval=dt.timedelta(minutes=rx.prn_min_interval_minutes), max_24h=rx.prn_max_quantity_24h
        )
    return rules.PrescriptionFacts(
        status=rx.status,
        start_date=rx.start_date,
        end_date=rx.end_date,
        awaiting_check=awaiting_transcription_check(rx),
        is_prn=rx.is_prn,
        dose_min=rx.dose_min,
        dose_max=rx.dose_max,
        dose_text=rx.dose_text,
        required_check=rx.effective_check,
        time_critical=medicine.time_critical,
        needs_witness=medicine.needs_witness,
        site_recorded=medicine.site_recorded,
        form_label=medicine.get_form_display(),
        prn=prn,
        reading_rule=rx.reading_rule,
    )


def slot_facts(dose: DueDose) -> rules.SlotFacts:
    return rules.SlotFacts(
        state=dose.state,
        scheduled_at=dose.scheduled_at,
        opens_at=dose.window_opens_at,
        closes_at=dose.window_closes_at,
        local_date=dose.local_date,
    )


def recorded_by(record: Administration | None) -> rules.RecordedBy | None:
    """The effective record of a slot, as the "already recorded" refusal says it (recorded_by joined)."""
    if record is None:
        return None
    return rules.RecordedBy(
        name=record.recorded_by.display_name,
        recorded_at=record.recorded_at,
        outcome=record.outcome,
        administration_id=str(record.pk),
    )


def prn_doses(records: Iterable[tuple[dt.datetime, Decimal | None]], rx: Prescription) -> list[rules.PrnDose]:
    """(administered_at, dose_given) pairs as PRN history: a dose recorded without an amount counts as the least."""
    return [rules.PrnDose(at=at, quantity=given or rx.dose_min) for at, given in records]
