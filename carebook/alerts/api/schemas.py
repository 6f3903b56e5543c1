"""The alerts' JSON shapes: what comes in (strict, extra fields refused: who and when are the server's) and what
goes out. Every coded field is typed from ``carebook.alerts.vocab``, so the OpenAPI lists its values; which fields a
step needs (an answer, the advice, an outcome's details) is the rules' to say (422 with the field).
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, WithJsonSchema

from carebook.alerts.vocab import (
    ActionKind,
    AlertKind,
    AlertStatus,
    CareWorkerAnswer,
    EscalatedTo,
    Informed,
    Outcome,
    Professional,
    Severity,
)
from carebook.core.schemas import _NO_NUL, LongText, _no_nul
from carebook.core.vocab import Vocabulary
from carebook.medication.api.schemas import Moment, StaffRef, StrictIn
from carebook.people.api.schemas import PersonRef


class AlertStatusFilter(Vocabulary):
    """What ``GET /alerts?status=`` accepts: a stored status, or one of the dashboard's two lists."""

    OPEN = AlertStatus.OPEN.value, AlertStatus.OPEN.label
    ACKNOWLEDGED = AlertStatus.ACKNOWLEDGED.value, AlertStatus.ACKNOWLEDGED.label
    RESOLVED = AlertStatus.RESOLVED.value, AlertStatus.RESOLVED.label
    NEEDS_ATTENTION = "needs_attention", "Needs attention (open or acknowledged, not carried on, not cleared)"
    CLEARED = "cleared", "Cleared by itself (the dose was recorded), not yet resolved"


# The administrations' outcome is the component "Outcome" already (medication.vocab.Outcome): the alerts' own is
# written in place under its own title, so that neither replaces the other in the OpenAPI.
AlertOutcome = Annotated[
    Outcome,
    WithJsonSchema(
        {"type": "string", "enum": Outcome.values, "title": "AlertOutcome", "description": str(Outcome.__doc__)}
    ),
]


# --- Out -----------------------------------------------------------------------------------------------------------


class AlertOut(BaseModel):
    id: uuid.UUID
    kind: AlertKind
    kind_label: str = Field(examples=["Overdue dose"])
    severity: Severity
    status: AlertStatus
    needs_attention: bool = Field(
        description="Open or acknowledged, not carried on by a more serious alert, not cleared by itself."
    )
    summary: str = Field(description="What was noticed, in words, when it was raised.")
    person: PersonRef | None = Field(description="The person it is about; none for an alert about a member of staff.")
    staff: StaffRef | None = Field(
        default=None, description="The member of staff it is about (repeated safety checks skipped or failed)."
    )
    location_id: uuid.UUID
    prescription_id: uuid.UUID | None
    medicine: str | None = Field(description="The prescription's medicine, in words.", examples=["Ramipril 5 mg"])
    due_dose_id: uuid.UUID | None
    administration_id: uuid.UUID | None = Field(description="The dose record it is about, for a kind raised from one.")
    due_at: dt.datetime | None = Field(
        description="When the dose behind it was due (for a kind raised from records: the record that crossed its "
        "threshold)."
    )
    raised_at: dt.datetime
    acknowledged_by: StaffRef | None
    acknowledged_at: dt.datetime | None
    resolved_by: StaffRef | None
    resolved_at: dt.datetime | None
    outcome: AlertOutcome | None = Field(description="What was decided (set when resolved: the last outcome recorded).")
    outcome_label: str | None
    cleared_at: dt.datetime | None = Field(description="When its condition cleared by itself (the dose was recorded).")
    cleared_reason: str = Field(description="Why it cleared, in words: the record, who made it and when.")
    cleared_by_administration_id: uuid.UUID | None
    follows: uuid.UUID | None = Field(description="The alert this one grew out of (an overdue dose became missed).")
    superseded_by: uuid.UUID | None = Field(description="The more serious alert that carries this one on.")
    escalated_to: EscalatedTo = Field(
        description="Who it is with: the staff on shift, or (nobody acknowledged it in time) the team leader, then "
        "the registered manager."
    )
    escalated_at: dt.datetime | None = Field(description="When it last went up a level.")


class AlertKindCount(BaseModel):
    kind: AlertKind
    label: str
    count: int = Field(description="Alerts of this kind needing attention.")


class AlertListOut(BaseModel):
    counts: list[AlertKindCount] = Field(
        description="Every kind, with the number needing attention at the location(s) asked for (whatever "
        "``status`` and ``kind`` say)."
    )
    needs_attention: int = Field(description="The sum of ``counts``.")
    alerts: list[AlertOut] = Field(description="Most severe first, then oldest first.")


class AlertActionOut(BaseModel):
    id: uuid.UUID
    kind: ActionKind
    label: str = Field(examples=["Contacted the care worker"])
    note: str
    answer: CareWorkerAnswer | None = Field(description="contacted_care_worker: what the care worker said.")
    professional: Professional | None = Field(description="escalated: who was asked for advice.")
    advice: str = Field(description="escalated: the advice received, in words.")
    outcome: AlertOutcome | None = Field(description="advice_outcome: what was decided.")
    new_prescription_id: uuid.UUID | None = Field(description="medication_changed: the new prescription version.")
    observe_what: str = Field(description="observe: what to watch for.")
    observe_until: dt.datetime | None = Field(description="observe: until when.")
    informed: Informed | None = Field(description="informed: who was told.")
    by: StaffRef
    at: dt.datetime = Field(description="The server's clock when it was recorded.")


class AlertRecordOut(BaseModel):
    """One record behind an alert (ADR 0026): a dose record, a due dose or an allergy decision."""

    administration_id: uuid.UUID | None
    due_dose_id: uuid.UUID | None
    allergy_decision_id: uuid.UUID | None
    at: dt.datetime = Field(description="When it happened: given or not given, due, decided.")


class AlertDetail(AlertOut):
    actions: list[AlertActionOut] = Field(description="The steps taken on it, oldest first. Never edited.")
    records: list[AlertRecordOut] = Field(
        default_factory=list,
        description="The records behind it, oldest first (the refusals behind a repeated refusal...); a later record "
        "of a repeated condition is added here.",
    )


# --- In ------------------------------------------------------------------------------------------------------------

ObserveWhat = Annotated[str, Field(max_length=300), _NO_NUL, AfterValidator(_no_nul)]


class AlertActionIn(StrictIn):
    """One step taken on an alert. Who took it and when come from the sign-in and the server clock.

    What each kind needs (422 with the field otherwise): ``contacted_care_worker`` an ``answer``; ``escalated`` a
    ``professional`` and the ``advice`` (not blank); ``advice_outcome`` an ``outcome`` (senior roles only), with
    ``new_prescription_id`` (a prescription of the same person) for ``medication_changed``, and ``observe_what``
    and ``observe_until`` (a time still to come) for ``observe``; ``informed`` who was told (``informed``);
    ``note`` the ``note`` (not blank). Not on a resolved alert (409).
    """

    kind: ActionKind
    note: LongText = ""
    answer: CareWorkerAnswer | None = None
    professional: Professional | None = None
    advice: LongText = ""
    outcome: AlertOutcome | None = None
    new_prescription_id: uuid.UUID | None = Field(
        default=None, description="medication_changed: the new version of the prescription (GET /prescriptions/{id})."
    )
    observe_what: ObserveWhat = ""
    observe_until: Moment | None = None
    informed: Informed | None = None


class AlertResolveIn(StrictIn):
    """Resolve with the last outcome recorded on the alert; a note is kept as a step."""

    note: LongText = ""


# --- Thresholds (ADR 0026) -----------------------------------------------------------------------------------------


class AlertThresholdsIn(BaseModel):
    """A location's settings; a setting left out keeps its value, null means the default (``in_force`` shows it).
    Each is checked against its range by the alerts' rules (422 with the field)."""

    model_config = ConfigDict(extra="forbid")

    overdue_minutes: int | None = Field(
        default=None, description="After the due time; never earlier than the dose window closes (ADR 0026)."
    )
    missed_minutes: int | None = Field(
        default=None, description="After the due time, a dose with no record is missed; null: when its round ends."
    )
    refusal_count: int | None = None
    refusal_days: int | None = None
    omission_count: int | None = None
    omission_days: int | None = None
    prn_days: int | None = None
    prn_days_of: int | None = None
    late_recording_minutes: int | None = None
    transcription_lead_minutes: int | None = None
    prompt_skip_count: int | None = Field(
        default=None, description="A member of staff's safety checks skipped or failed this many times ... (ADR 0030)"
    )
    prompt_skip_days: int | None = Field(default=None, description="... within this many days.")


class AlertThresholdValues(BaseModel):
    overdue_minutes: int | None
    missed_minutes: int | None
    refusal_count: int | None
    refusal_days: int | None
    omission_count: int | None
    omission_days: int | None
    prn_days: int | None
    prn_days_of: int | None
    late_recording_minutes: int | None
    transcription_lead_minutes: int | None
    prompt_skip_count: int | None
    prompt_skip_days: int | None


class AlertThresholdsOut(BaseModel):
    location_id: uuid.UUID
    settings: AlertThresholdValues = Field(description="What the location set (null: the default).")
    in_force: AlertThresholdValues = Field(
        description="What the scan uses: the defaults with the settings over them (overdue null: the dose window)."
    )


class PrescriptionThresholdsIn(BaseModel):
    """One prescription's own settings; a setting left out keeps its value, null means the location's. Checked as
    the location's are (422 with the field)."""

    model_config = ConfigDict(extra="forbid")

    overdue_minutes: int | None = None
    missed_minutes: int | None = None
    refusal_count: int | None = None
    refusal_days: int | None = None
    prn_days: int | None = None


class PrescriptionThresholdValues(BaseModel):
    overdue_minutes: int | None
    missed_minutes: int | None
    refusal_count: int | None
    refusal_days: int | None
    prn_days: int | None


class PrescriptionThresholdsOut(BaseModel):
    prescription_id: uuid.UUID
    location_id: uuid.UUID
    settings: PrescriptionThresholdValues = Field(description="What the prescription set (null: the location's).")
    in_force: AlertThresholdValues = Field(
        description="What the scan uses for this prescription: the defaults, the location's, then the prescription's."
    )
