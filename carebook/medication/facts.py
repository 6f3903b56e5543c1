"""From rows to the plain facts the rules read: one mapping, used by the services and the pages alike.

The rules (``carebook.medication.rules``) know nothing of the ORM; these functions say what a
prescription, a due dose or a record means to them. A page deciding what to offer and the service
deciding what to accept therefore read the same facts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import replace
from decimal import Decimal
from typing import Any

from django.core.exceptions import ObjectDoesNotExist

from carebook.core.clock import local_wall_time
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    DosingInstruction,
    DueDose,
    Prescription,
    PrescriptionEvent,
    TranscriptionCheck,
)
from carebook.medication.vocab import TAKEN, PrescriptionEventKind


def transcription_check_of(prescription: Prescription) -> TranscriptionCheck | None:
    """The prescription's transcription check, or None (no query when the caller joined it)."""
    try:
        return prescription.transcription_check
    except ObjectDoesNotExist:
        return None


def awaiting_transcription_check(prescription: Prescription) -> bool:
    """Its entry needs a second person's check and has not had it: no dose may be given yet."""
    return prescription.transcription_check_required and transcription_check_of(prescription) is None


SEND_BACK_KINDS = (PrescriptionEventKind.TRANSCRIPTION_QUERIED, PrescriptionEventKind.TRANSCRIPTION_REJECTED)


def sent_back(prescription: Prescription) -> PrescriptionEvent | None:
    """The latest query or rejection of this version's entry by a checker, or None (H07)."""
    return (
        PrescriptionEvent.objects.filter(prescription=prescription, kind__in=SEND_BACK_KINDS)
        .select_related("by")
        .order_by("-at", "-id")
        .first()
    )


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
        form=medicine.form,
        site_gap=rx.site_gap,
        prn=prn,
        min_gap=dt.timedelta(minutes=rx.min_gap_minutes) if rx.min_gap_minutes else None,
        reading_rule=rx.reading_rule,
        dose_unit=rx.dose_unit,
        topical=medicine.is_topical,
        apply_to=tuple(rx.apply_to),
        from_instructions=rx.dose_from_instructions,
    )


# A dose may be recorded up to a week late (rules.recording.LATE_ENTRY_LIMIT): instructions older than that are
# never read.
_INSTRUCTIONS_READ_BACK = dt.timedelta(days=8)


def instruction_facts(instruction: DosingInstruction) -> rules.dosing.InstructionFacts:
    try:
        checked = instruction.second_check is not None
    except ObjectDoesNotExist:
        checked = False
    return rules.dosing.InstructionFacts(
        id=str(instruction.pk),
        inr=instruction.inr,
        inr_date=instruction.inr_date,
        next_inr_date=instruction.next_inr_date,
        doses=instruction.day_doses,
        entered_at=instruction.entered_at,
        checked=checked,
    )


def dosing_instructions(
    prescriptions: Iterable[Prescription], *, today: dt.date
) -> dict[Any, tuple[rules.dosing.InstructionFacts, ...]]:
    """The clinic's instructions of each prescription dosed by them (ADR 0037), newest first: one query, none when
    no prescription is."""
    ids = [rx.pk for rx in prescriptions if rx.dose_from_instructions]
    found: dict[Any, list[rules.dosing.InstructionFacts]] = {pk: [] for pk in ids}
    if ids:
        rows = DosingInstruction.objects.filter(
            prescription_id__in=ids, next_inr_date__gte=today - _INSTRUCTIONS_READ_BACK
        ).select_related("second_check")
        for row in rows.order_by("-entered_at"):
            found[row.prescription_id].append(instruction_facts(row))
    return {pk: tuple(items) for pk, items in found.items()}


def with_instructions(
    facts: rules.PrescriptionFacts, instructions: dict[Any, tuple[rules.dosing.InstructionFacts, ...]], rx_id: Any
) -> rules.PrescriptionFacts:
    """The facts of a prescription dosed by instructions, with them (unchanged otherwise)."""
    if not facts.from_instructions:
        return facts
    return replace(facts, instructions=instructions.get(rx_id, ()))


def slot_facts(dose: DueDose) -> rules.SlotFacts:
    return rules.SlotFacts(
        state=dose.state,
        scheduled_at=dose.scheduled_at,
        opens_at=dose.window_opens_at,
        closes_at=dose.window_closes_at,
        local_date=dose.local_date,
        prescribed_at=prescribed_at(dose),
    )


def prescribed_at(dose: DueDose) -> dt.datetime:
    """The instant of a slot's prescribed wall time (a moved dose keeps its place on the MAR, not its time)."""
    if dose.moved_from_id is None:
        return dose.scheduled_at
    return local_wall_time(dose.local_date, dose.local_time)


def next_dose_may_be_close(dose: DueDose, given_at: dt.datetime) -> bool:
    """Whether the next dose needs reading for the late-dose rule (pure: the schedule alone, no query)."""
    rx = dose.prescription
    this = prescribed_at(dose)
    following = rules.next_slot(rx.schedule, this)
    return not rules.late.clearly_not_too_close(
        given_at=given_at,
        this_prescribed_at=this,
        next_prescribed_at=following.scheduled_at if following is not None else None,
        next_window=rules.dose_window(rx.medicine.time_critical),
        setting=dt.timedelta(minutes=rx.min_gap_minutes) if rx.min_gap_minutes else None,
    )


def next_dose_of(dose: DueDose) -> tuple[DueDose | None, rules.NextDose | None]:
    """The next dose of the same prescription after ``dose``: its row (None when not generated yet) and its facts.

    Reads (two or three queries): the next slot that stands, else the schedule's next dose beyond the horizon;
    the dose after it comes from the schedule. (None, None): there is no next dose (its course or end date).
    ``dose.prescription`` and its medicine are read already.
    """
    rx = dose.prescription
    schedule = rx.schedule
    row = (
        DueDose.objects.filter(prescription_id=rx.pk, scheduled_at__gt=dose.scheduled_at)
        .exclude(state=DueDose.State.WITHDRAWN)
        .exclude(pk=dose.pk)
        .order_by("scheduled_at")
        .first()
    )
    if row is not None:
        scheduled, prescribed, pending = row.scheduled_at, prescribed_at(row), row.state == DueDose.State.PENDING
    else:
        slot = rules.next_slot(schedule, prescribed_at(dose))
        if slot is None:
            return None, None
        scheduled, prescribed, pending = slot.scheduled_at, slot.scheduled_at, True
    given_at = None
    if row is not None and not pending:
        record = Administration.objects.effective().filter(due_dose=row).values_list("outcome", "administered_at")
        found = record.first()
        if found is not None and found[0] in TAKEN:
            given_at = found[1]
    after = rules.next_slot(schedule, prescribed)
    return row, rules.NextDose(
        scheduled_at=scheduled,
        prescribed_at=prescribed,
        pending=pending,
        given_at=given_at,
        after_prescribed_at=after.scheduled_at if after is not None else None,
        after_opens_at=rules.window_bounds(after.scheduled_at, rx.medicine.time_critical)[0]
        if after is not None
        else None,
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


def previous_sites(*, person_id: Any, medicine_id: Any, gap: int | None) -> list[str]:
    """The sites of the person's last applications of this medicine, the latest first: as many as the rotation rule
    rests (rules.sites). One query on the person's records (index ``admin_person_time_idx``)."""
    return list(
        Administration.objects.taken()
        .filter(person_id=person_id, prescription__medicine_id=medicine_id)
        .exclude(site="")
        .order_by("-administered_at", "-recorded_at")
        .values_list("site", flat=True)[: rules.sites.site_gap(gap)]
    )
