"""The JSON shapes of the API: what comes in (strict, extra fields refused) and what goes out.

Input models check shape only (types, lengths, time zones). Every clinical rule
is checked by the services, once, for the pages and the API alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from carebook.core.limits import SHORT_TEXT_MAX, TEXT_MAX
from carebook.medication.models import Outcome, Prompt, PromptResult, RequiredCheck, ScheduleKind, Source
from carebook.medication.vocab import FollowUpEffect, ReadingAction, ReadingDecision
from carebook.people.api.schemas import (
    PersonRef,
)

# --- Shared input types ----------------------------------------------------------

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain a NUL character.")
    return value


def _sane_moment(value: dt.datetime) -> dt.datetime:
    try:
        utc = value.astimezone(dt.UTC)
    except (OverflowError, ValueError):
        raise ValueError(f"Give a time between {EARLIEST_YEAR} and {LATEST_YEAR}.") from None
    if not EARLIEST_YEAR <= utc.year <= LATEST_YEAR:
        raise ValueError(f"Give a time between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


def _sane_day(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
ShortText = Annotated[str, Field(max_length=SHORT_TEXT_MAX), AfterValidator(_no_nul)]
LongText = Annotated[str, Field(max_length=TEXT_MAX), AfterValidator(_no_nul)]
# An instant with its offset (ISO 8601, e.g. 2026-06-10T08:00:00+01:00). A naive time is refused.
Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment)]
Day = Annotated[dt.date, AfterValidator(_sane_day)]
MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"


class StrictIn(BaseModel):
    """Input bodies refuse unknown fields: who and when never come from the body."""

    model_config = ConfigDict(extra="forbid")


# --- Errors -----------------------------------------------------------------------


class StaffRef(BaseModel):
    username: str
    full_name: str
    initials: str


class MedicineOut(BaseModel):
    id: int
    name: str
    strength: str
    form: str
    dose_unit: str
    default_route: str
    dmd_code: str
    controlled_drug_schedule: int | None
    needs_witness: bool
    time_critical: bool
    high_risk: bool
    required_check: str


class DoseOut(BaseModel):
    min: str = Field(description="A decimal number, as a string.")
    max: str
    unit: str
    text: str = Field(examples=["1 to 2 tablet"])


class ScheduleOut(BaseModel):
    kind: str
    times: list[str] = Field(description='Europe/London wall-clock times, "HH:MM".')
    days_of_week: list[int] = Field(description="0 = Monday … 6 = Sunday.")
    interval_days: int | None
    start_date: dt.date
    end_date: dt.date | None
    course_days: int | None
    prn_min_interval_minutes: int | None
    prn_max_quantity_24h: str | None


class ReadingLimitsOut(BaseModel):
    """The prescriber's limits for the reading before each dose (limits are exclusive: "below 60" gives at 60)."""

    check: str = Field(description="The reading the limits are for: pulse | blood_glucose | blood_pressure.")
    unit: str = Field(examples=["beats per minute"])
    below: str | None = Field(description="A decimal number, as a string; null when there is no lower limit.")
    below_action: str = Field(description="withhold (do not give) | give_and_tell; empty without a lower limit.")
    above: str | None
    above_action: str
    plan: str = Field(description="What to do outside the limits, as the prescriber wrote it.")
    lines: list[str] = Field(examples=[["Do not give if pulse below 60 beats per minute"]])


class PrescriptionOut(BaseModel):
    id: uuid.UUID
    person_id: uuid.UUID
    medicine: MedicineOut
    status: str
    dose: DoseOut
    route: str
    directions: str
    indication: str
    instructions: str
    required_check: str
    reading_limits: ReadingLimitsOut | None = Field(description="The prescriber's limits for the reading, if any.")
    schedule: ScheduleOut
    prescriber: str
    source: str
    entered_by: StaffRef
    entered_at: dt.datetime
    transcription_check_required: bool
    transcription_checked_by: StaffRef | None
    transcription_checked_at: dt.datetime | None
    supersedes: uuid.UUID | None
    superseded_by: uuid.UUID | None


class PromptAnswerOut(BaseModel):
    position: int
    prompt: str
    result: str
    value: str | None
    unit: str = Field(description="The reading's unit (empty for a check that is not a reading).")
    note: str
    answered_at: dt.datetime
    decision: ReadingDecision | None = Field(
        description="What the reading meant under the prescription's limits when it was recorded: give | withhold "
        "(do not give) | give_and_tell. Null when there were no limits, or for a check that is not a reading."
    )
    reading_text: str = Field(
        description="The reading in words, with its unit and decision, as the pages say it (empty if none).",
        examples=["Pulse 52 beats per minute: below 60, do not give"],
    )


class CorrectionOut(BaseModel):
    reason: str
    by: StaffRef
    at: dt.datetime


class FollowUpOut(BaseModel):
    effect: str
    note: str
    recorded_by: StaffRef
    recorded_at: dt.datetime


class AdministrationOut(BaseModel):
    id: uuid.UUID
    due_dose_id: uuid.UUID | None
    prescription_id: uuid.UUID
    person_id: uuid.UUID
    medicine_name: str
    outcome: str
    outcome_label: str
    mar_code: str
    status: str
    reason: str
    dose_given: str | None
    dose_unit: str
    administered_at: dt.datetime = Field(description="When it was given or not given, as the carer stated.")
    recorded_at: dt.datetime = Field(description="The server's clock when it was recorded.")
    recorded_by: StaffRef
    late_entry: bool
    minutes_late: int = Field(
        0, description="Minutes after its dose window closed that it was given (0: in its window)."
    )
    witness: StaffRef | None
    witnessed_at: dt.datetime | None
    site: str
    observations: str
    prn_reason: str
    idempotency_key: str | None
    corrects: uuid.UUID | None


class AdministrationDetail(AdministrationOut):
    prompts: list[PromptAnswerOut]
    correction: CorrectionOut | None
    follow_up: FollowUpOut | None


class DueDoseOut(BaseModel):
    id: uuid.UUID
    person: PersonRef
    prescription_id: uuid.UUID
    medicine: MedicineOut
    dose: DoseOut
    route: str
    scheduled_at: dt.datetime
    local_date: dt.date
    local_time: str = Field(description='Europe/London wall-clock time, "HH:MM".')
    state: str
    administration: AdministrationOut | None = Field(description="The effective record of this dose, if any.")


# --- Writes -----------------------------------------------------------------------


class PrescriptionIn(StrictIn):
    """A prescriber's directions, as entered (the same fields as the prescription form)."""

    medicine_id: int = Field(ge=1, le=2**62)
    dose_min: Decimal = Field(gt=0, max_digits=9, decimal_places=3)
    dose_max: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=3)
    route: ShortText = ""
    directions: LongText
    schedule_kind: ScheduleKind = ScheduleKind.FIXED_TIMES
    times: list[Annotated[str, Field(max_length=5)]] = Field(default_factory=list, max_length=24)
    days_of_week: list[Annotated[int, Field(ge=0, le=6)]] = Field(default_factory=list, max_length=7)
    interval_days: int | None = Field(default=None, ge=1, le=366)
    start_date: Day | None = None
    end_date: Day | None = None
    course_days: int | None = Field(default=None, ge=1, le=366)
    prn_min_interval_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    prn_max_quantity_24h: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=3)
    indication: ShortText = ""
    instructions: LongText = ""
    required_check: RequiredCheck = RequiredCheck.NONE
    reading_below: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=5,
        decimal_places=1,
        description="The prescriber's lower limit for the reading (in its unit), e.g. 60 for 'do not give if pulse "
        "below 60'. Needs reading_below_action and reading_plan.",
    )
    reading_below_action: ReadingAction | None = Field(default=None, description="withhold | give_and_tell")
    reading_above: Decimal | None = Field(
        default=None,
        gt=0,
        max_digits=5,
        decimal_places=1,
        description="The prescriber's upper limit, e.g. 20 for 'tell the GP if blood glucose above 20 mmol/L'.",
    )
    reading_above_action: ReadingAction | None = Field(default=None, description="withhold | give_and_tell")
    reading_plan: LongText = Field(default="", description="What to do outside the limits, as the prescriber wrote it.")
    prescriber: ShortText
    source: Source = Source.GP


class NoteIn(StrictIn):
    note: LongText = ""


class ReasonIn(StrictIn):
    reason: LongText


class PromptAnswerIn(StrictIn):
    prompt: Prompt
    result: PromptResult
    value: Decimal | None = Field(default=None, ge=0, max_digits=7, decimal_places=1)
    note: LongText = ""


class WitnessIn(StrictIn):
    """A second member of staff confirms a controlled drug on the same device with their own password."""

    username: Annotated[str, Field(max_length=150), AfterValidator(_no_nul)]
    password: Annotated[str, Field(max_length=200), AfterValidator(_no_nul)]


class AdministrationIn(StrictIn):
    """The outcome of a due dose, or of a when-required (PRN) dose.

    Give ``due_dose_id`` for a scheduled dose, or ``prescription_id`` for a PRN dose.
    Who recorded it and when come from the sign-in and the server clock.
    """

    due_dose_id: uuid.UUID | None = None
    prescription_id: uuid.UUID | None = None
    outcome: Outcome
    prompts: list[PromptAnswerIn] = Field(default_factory=list, max_length=20)
    dose_given: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=3)
    administered_at: Moment | None = Field(
        default=None, description="When the dose was given (for a late entry), with its offset. Defaults to now."
    )
    reason: LongText = ""
    site: Annotated[str, Field(max_length=100), AfterValidator(_no_nul)] = ""
    observations: LongText = ""
    prn_reason: LongText = ""
    witness: WitnessIn | None = None


class FollowUpIn(StrictIn):
    effect: FollowUpEffect
    note: LongText = ""


class PrescriptionChangeIn(PrescriptionIn):
    """The new version's directions, and why it changed."""

    reason: LongText


class MarChartOut(BaseModel):
    """The MAR chart as JSON. ``prescriptions`` have ``rows`` (one per time of day) of ``cells`` (one per day),
    each cell with its ``entries`` (administration records: code, initials, times, reasons); ``prn`` have
    ``prn_days``. ``key`` explains every code and symbol; ``staff`` lists the initials used."""

    model_config = ConfigDict(extra="allow")

    person: dict[str, Any]
    month: str = Field(pattern=MONTH_PATTERN)
    month_label: str
    previous_month: str
    next_month: str
    days: list[dict[str, Any]]
    prescriptions: list[dict[str, Any]]
    prn: list[dict[str, Any]]
    prn_entries: list[dict[str, Any]]
    not_given: list[dict[str, Any]]
    corrections: list[dict[str, Any]]
    key: list[dict[str, Any]]
    staff: list[dict[str, Any]]
    generated_at: dt.datetime
    readings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The records with readings (each entry's ``readings``: name, value, unit, decision, text).",
    )
