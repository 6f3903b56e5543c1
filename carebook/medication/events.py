"""What the medication app announces after a write commits (ADR 0007).

Each event carries ids and the few facts a subscriber needs to decide whether to act, never an
ORM instance: a subscriber that needs more reads it (through a selector) in its own time. The
``of(...)`` constructors read only columns already loaded by the service, so building an event
costs no query. Field names and event names are stored for retries: add fields, never rename.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from carebook.core.events import Event, event
from carebook.medication.vocab import PromptResult

if TYPE_CHECKING:
    from carebook.medication.models import Administration, AllergyDecision, Prescription, PrnFollowUp, PromptAnswer


@event("medication.dose_recorded")
@dataclass(frozen=True, kw_only=True)
class DoseRecorded(Event):
    """A dose was recorded: given, or not given with a reason (refused, asleep, withheld, ...)."""

    administration_id: uuid.UUID
    due_dose_id: uuid.UUID | None  # None for a when-required dose
    prescription_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    outcome: str  # Outcome
    taken: bool
    administered_at: dt.datetime
    recorded_at: dt.datetime
    recorded_by_id: int
    late_entry: bool
    corrects_id: uuid.UUID | None  # the entered-in-error record this one replaces
    # When the due dose's window closed (None for a when-required dose): a dose recorded before then cannot have
    # an overdue alert yet, so the alerts app need not look (the round's doses, mostly on time, cost it nothing).
    window_closes_at: dt.datetime | None = None
    # The safety checks answered "skipped" and "failed" (Prompt values), from the answers the service just wrote.
    prompts_skipped: tuple[str, ...] = ()
    prompts_failed: tuple[str, ...] = ()

    @classmethod
    def of(cls, administration: Administration, *, answers: Sequence[PromptAnswer] = ()) -> DoseRecorded:
        a = administration
        slot = a.due_dose if a.due_dose_id is not None else None  # loaded by the recording service
        return cls(
            administration_id=a.pk,
            due_dose_id=a.due_dose_id,
            prescription_id=a.prescription_id,
            person_id=a.person_id,
            location_id=a.location_id,
            outcome=str(a.outcome),
            taken=a.taken,
            administered_at=a.administered_at,
            recorded_at=a.recorded_at,
            recorded_by_id=a.recorded_by_id,
            late_entry=a.late_entry,
            corrects_id=a.corrects_id,
            window_closes_at=slot.window_closes_at if slot is not None else None,
            prompts_skipped=tuple(str(p.prompt) for p in answers if p.result == PromptResult.SKIPPED),
            prompts_failed=tuple(str(p.prompt) for p in answers if p.result == PromptResult.FAILED),
        )


@event("medication.record_entered_in_error")
@dataclass(frozen=True, kw_only=True)
class RecordEnteredInError(Event):
    """A dose record was marked entered in error; its slot (if any) is due again."""

    administration_id: uuid.UUID
    due_dose_id: uuid.UUID | None
    prescription_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    by_id: int
    at: dt.datetime

    @classmethod
    def of(cls, administration: Administration, *, by: Any, at: dt.datetime) -> RecordEnteredInError:
        a = administration
        return cls(
            administration_id=a.pk,
            due_dose_id=a.due_dose_id,
            prescription_id=a.prescription_id,
            person_id=a.person_id,
            location_id=a.location_id,
            by_id=by.pk,
            at=at,
        )


@event("medication.doses_withdrawn")
@dataclass(frozen=True, kw_only=True)
class DosesWithdrawn(Event):
    """Due doses not yet given were withdrawn: their prescription was stopped, changed or put on hold."""

    prescription_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    due_dose_ids: tuple[uuid.UUID, ...]
    reason: str
    by_id: int | None
    at: dt.datetime

    @classmethod
    def of(
        cls, prescription: Prescription, due_dose_ids: list[Any], *, by: Any, reason: str, at: dt.datetime
    ) -> DosesWithdrawn:
        return cls(
            prescription_id=prescription.pk,
            person_id=prescription.person_id,
            location_id=prescription.person.location_id,
            due_dose_ids=tuple(due_dose_ids),
            reason=reason,
            by_id=getattr(by, "pk", None),
            at=at,
        )


class PrescriptionChange(StrEnum):
    CREATED = "created"
    NEW_VERSION = "new_version"  # prescription_id is the new version; previous_id the one it replaced
    SUSPENDED = "suspended"
    RESUMED = "resumed"
    DISCONTINUED = "discontinued"
    TRANSCRIPTION_CHECKED = "transcription_checked"


@event("medication.prescription_changed")
@dataclass(frozen=True, kw_only=True)
class PrescriptionChanged(Event):
    """A prescription was entered, replaced by a new version, put on hold, resumed, stopped or checked."""

    prescription_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    change: PrescriptionChange
    status: str  # PrescriptionStatus after the change
    previous_id: uuid.UUID | None
    by_id: int
    at: dt.datetime

    @classmethod
    def of(
        cls, prescription: Prescription, change: PrescriptionChange, *, by: Any, at: dt.datetime
    ) -> PrescriptionChanged:
        return cls(
            prescription_id=prescription.pk,
            person_id=prescription.person_id,
            location_id=prescription.person.location_id,
            change=change,
            status=str(prescription.status),
            previous_id=prescription.supersedes_id,
            by_id=by.pk,
            at=at,
        )


@event("medication.prn_follow_up_recorded")
@dataclass(frozen=True, kw_only=True)
class PrnFollowUpRecorded(Event):
    """The effect of a when-required dose was recorded (worked, partly, did not work)."""

    follow_up_id: int
    administration_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    effect: str  # PrnFollowUp.Effect
    recorded_by_id: int
    at: dt.datetime

    @classmethod
    def of(cls, follow_up: PrnFollowUp) -> PrnFollowUpRecorded:
        a = follow_up.administration
        return cls(
            follow_up_id=follow_up.pk,
            administration_id=a.pk,
            person_id=a.person_id,
            location_id=a.location_id,
            effect=str(follow_up.effect),
            recorded_by_id=follow_up.recorded_by_id,
            at=follow_up.recorded_at,
        )


@event("medication.reading_outside_rule")
@dataclass(frozen=True, kw_only=True)
class ReadingOutsideRule(Event):
    """A reading taken before a dose (pulse, blood glucose, blood pressure) fell outside its rule.

    Announced by the recording service, after the audit event, for every reading whose decision under the
    prescriber's limits (rules/readings.py) was "do not give" or "give, and tell someone".
    """

    person_id: uuid.UUID
    location_id: uuid.UUID
    prescription_id: uuid.UUID
    administration_id: uuid.UUID | None  # None when the dose was not recorded
    reading: str  # Prompt: pulse, blood_glucose, blood_pressure
    value: Decimal
    rule: str  # the rule in words, e.g. "Pulse below 60: withhold and tell the GP"
    taken_at: dt.datetime
    recorded_by_id: int


@event("medication.allergy_overridden")
@dataclass(frozen=True, kw_only=True)
class AllergyOverridden(Event):
    """A senior decided to go on with a prescription despite an allergy or caution finding (for the registered
    manager's review)."""

    decision_id: uuid.UUID
    prescription_id: uuid.UUID
    person_id: uuid.UUID
    location_id: uuid.UUID
    finding_kind: str
    decided_by_id: int
    at: dt.datetime

    @classmethod
    def of(cls, decision: AllergyDecision, *, person_id: Any, location_id: Any) -> AllergyOverridden:
        return cls(
            decision_id=decision.pk,
            prescription_id=decision.prescription_id,
            person_id=person_id,
            location_id=location_id,
            finding_kind=decision.finding_kind,
            decided_by_id=decision.decided_by_id,
            at=decision.decided_at,
        )
