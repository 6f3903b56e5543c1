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
from carebook.medication.vocab import FollowUpEffect, LateDoseChoice

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


class Error(BaseModel):
    """Every error: a stable machine-readable code, a message in plain words, the field it concerns."""

    code: str = Field(examples=["already_recorded"])
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None


# --- Reads ------------------------------------------------------------------------


class UnitOut(BaseModel):
    id: uuid.UUID
    name: str


class LocationOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    units: list[UnitOut]


class StaffRef(BaseModel):
    username: str
    full_name: str
    initials: str


class PersonRef(BaseModel):
    id: uuid.UUID
    full_name: str
    preferred_name: str


class PersonSummary(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_name: str
    full_name: str
    date_of_birth: dt.date
    nhs_number: str
    location_id: uuid.UUID
    location_name: str
    unit_id: uuid.UUID | None
    unit_name: str | None
    room: str
    allergy_status: str
    picture_url: str


class AllergyOut(BaseModel):
    substance: str
    reaction: str
    severity: str


class PersonDetail(PersonSummary):
    allergies: list[AllergyOut]
    medicine_preferences: str
    communication_needs: str
    gp_practice: str
    pharmacy: str


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
    end_date: dt.date | None = Field(
        description="The last day a dose is due. For a course counted in doses, the day of its last dose."
    )
    course_days: int | None
    course_doses: int | None = Field(
        None,
        description="A course is counted in doses (N days x the doses a day, from the first): how many doses "
        "this version gives. A version that continues a course after a change gives the doses it had left.",
    )
    course_first_dose_at: dt.datetime | None = Field(None, description="The course's first dose (this version).")
    course_last_dose_at: dt.datetime | None = Field(None, description="The course's last dose: none is due after it.")
    min_gap_minutes: int | None = Field(
        None,
        description="The least time between a late dose and the next one; null: half the time between the two "
        "prescribed doses.",
    )
    prn_min_interval_minutes: int | None
    prn_max_quantity_24h: str | None


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
    note: str
    answered_at: dt.datetime


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


class MovedDoseOut(BaseModel):
    due_dose_id: uuid.UUID
    scheduled_at: dt.datetime
    window_opens_at: dt.datetime


class LateDecisionOut(BaseModel):
    """What was decided for a late dose that, given, would have been too close to the next dose."""

    choice: LateDoseChoice
    reason: str
    given_at: dt.datetime
    gap_minutes: int = Field(description="The least time there had to be between this dose and the next.")
    next_due_dose_id: uuid.UUID | None
    next_scheduled_at: dt.datetime = Field(description="When the next dose was due before the decision.")
    moved_to: MovedDoseOut | None = Field(description="move_next: the slot that replaces the next dose, later.")
    next_omission_id: uuid.UUID | None = Field(description="omit_next: the 'not required' record of the next dose.")
    decided_by: StaffRef
    decided_at: dt.datetime
    confirmed_by: StaffRef | None = Field(description="The senior who confirmed it (time-critical medicines).")
    confirmed_at: dt.datetime | None


class AdministrationDetail(AdministrationOut):
    prompts: list[PromptAnswerOut]
    correction: CorrectionOut | None
    follow_up: FollowUpOut | None
    late_decision: LateDecisionOut | None = Field(
        None, description="A late dose too close to the next: the choice made (see late_dose in the request)."
    )


class DueDoseOut(BaseModel):
    id: uuid.UUID
    person: PersonRef
    prescription_id: uuid.UUID
    medicine: MedicineOut
    dose: DoseOut
    route: str
    scheduled_at: dt.datetime
    local_date: dt.date
    local_time: str = Field(description='Europe/London wall-clock time, "HH:MM" (a moved dose keeps its own).')
    state: str
    moved_from: uuid.UUID | None = Field(
        None, description="A dose moved later because the one before was given late: the slot it replaces."
    )
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
    course_days: int | None = Field(
        default=None,
        ge=1,
        le=366,
        description="A course of N days, counted in doses from the first dose (the first slot still open when it "
        "is entered): the last dose is the (N x doses a day)th. Not with end_date. On a change, the same course "
        "length continues the count (the new version gives the doses left); a different one starts a new course.",
    )
    min_gap_minutes: int | None = Field(
        default=None,
        ge=1,
        le=7 * 24 * 60,
        description="The least time between a dose given late and the next (shorter than the time between doses). "
        "Leave out for the default: half the time between the two prescribed doses.",
    )
    prn_min_interval_minutes: int | None = Field(default=None, ge=1, le=7 * 24 * 60)
    prn_max_quantity_24h: Decimal | None = Field(default=None, gt=0, max_digits=9, decimal_places=3)
    indication: ShortText = ""
    instructions: LongText = ""
    required_check: RequiredCheck = RequiredCheck.NONE
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


class LateDoseIn(StrictIn):
    """A late dose that, given now, would be closer to the next dose than the prescription's minimum gap.

    Such a dose is refused (422, code ``too_close_to_next_dose``, ``details.choices``) until one of the choices
    offered comes with it: ``move_next`` (give it, and move the next dose to ``move_next_to``, at least the gap
    after this one; default the earliest), ``omit_next`` (give it, and record the next dose "not required" now)
    or ``omit_this`` (record this dose "not required"). Each needs a ``reason``; a time-critical medicine needs
    a ``senior``'s own username and password (the witness's check and cool-off).
    """

    choice: LateDoseChoice
    reason: LongText
    move_next_to: Moment | None = Field(
        default=None, description="move_next: the next dose's new time (at least the gap after this one)."
    )
    senior: WitnessIn | None = Field(
        default=None, description="A senior confirms on this device (time-critical medicines; not the recorder)."
    )


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
    late_dose: LateDoseIn | None = Field(
        default=None, description="Only for a late dose too close to the next one: what to do (see LateDoseIn)."
    )


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
    late_decisions: list[dict[str, Any]] = Field(
        default_factory=list,
        description="Late doses too close to the next one, and what was done: the next moved (to when) or "
        "omitted, or this one omitted; the reason, who decided and who confirmed.",
    )
    generated_at: dt.datetime
