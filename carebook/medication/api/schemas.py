"""The JSON shapes of the API: what comes in (strict, extra fields refused) and what goes out.

Input models check shape only (types, lengths, time zones). Every clinical rule
is checked by the services, once, for the pages and the API alike.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field, WithJsonSchema

from carebook.core.schemas import (
    _NO_NUL,
    LongText,
    RequiredLongText,
    RequiredShortText,
    ShortText,
    _no_nul,
)
from carebook.medication import rules
from carebook.medication.models import Outcome, Prompt, PromptResult, RequiredCheck, ScheduleKind, Source
from carebook.medication.vocab import ApplyHow, FollowUpEffect, LateDoseChoice, ReadingAction, ReadingDecision
from carebook.people.api.schemas import (
    PersonRef,
)

# --- Shared input types ----------------------------------------------------------


def _topical_area(value: str) -> str:
    if value not in rules.sites.TOPICAL_AREAS:
        raise ValueError("not a body area of the list")
    return value


# A body area a cream or an ointment goes on (rules.sites.TOPICAL_AREAS).
TopicalArea = Annotated[
    str,
    AfterValidator(_topical_area),
    WithJsonSchema({"type": "string", "enum": list(rules.sites.TOPICAL_AREAS)}),
]

EARLIEST_YEAR = 2000
LATEST_YEAR = 2100


def _sane_moment(value: dt.datetime) -> dt.datetime:
    # The year as written (what the schema's pattern says); within it, converting to UTC cannot overflow.
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"Give a time between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


def _sane_day(value: dt.date) -> dt.date:
    if not EARLIEST_YEAR <= value.year <= LATEST_YEAR:
        raise ValueError(f"Give a date between {EARLIEST_YEAR} and {LATEST_YEAR}.")
    return value


def _decimal_schema(*, minimum: str, maximum: str, places: int) -> dict[str, Any]:
    """A decimal as a JSON number or a string, with the bounds and decimal places its validator keeps."""
    step = 10**-places
    digits = len(maximum) - 1
    number: dict[str, Any] = {"type": "number", "exclusiveMaximum": int(maximum), "multipleOf": step}
    # "0.5", "12", "99999.999": digits, then at most `places` decimals (a string is read exactly).
    string: dict[str, Any] = {"type": "string", "pattern": rf"^[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"}
    if minimum == "above 0":
        number["exclusiveMinimum"] = 0
        string["pattern"] = rf"^(?=[0-9.]*[1-9])[0-9]{{1,{digits}}}(\.[0-9]{{1,{places}}})?$"
    else:
        number["minimum"] = int(minimum)
    return {"anyOf": [number, string]}


# A quantity of medicine: more than 0, under 100,000, at most 3 decimal places (as the services require).
Quantity = Annotated[
    Decimal,
    Field(gt=0, lt=100_000, decimal_places=3),
    WithJsonSchema(_decimal_schema(minimum="above 0", maximum="100000", places=3)),
]
# A clinical reading (a pulse, a blood glucose): 0 or more, under 1,000,000, at most 1 decimal place.
Reading = Annotated[
    Decimal,
    Field(ge=0, lt=1_000_000, decimal_places=1),
    WithJsonSchema(_decimal_schema(minimum="0", maximum="1000000", places=1)),
]
# A prescriber's limit for a reading (60 beats per minute, 4 mmol/L): more than 0, under 10,000, one decimal place.
ReadingLimit = Annotated[
    Decimal,
    Field(gt=0, lt=10_000, decimal_places=1),
    WithJsonSchema(_decimal_schema(minimum="above 0", maximum="10000", places=1)),
]


def _each_once(values: list[str]) -> list[str]:
    if len(set(values)) != len(values):
        raise ValueError("Give each time once.")
    return values


# "HH:MM" on the 24-hour clock, as the services read it (rules.parse_times).
TimeOfDay = Annotated[str, Field(min_length=5, max_length=5, pattern=r"^([01][0-9]|2[0-3]):[0-5][0-9]$")]

# The years the validators accept (2000 to 2100), as a pattern beside the date or date-time format.
YEAR_PATTERN = r"^(20[0-9]{2}|2100)-"
# An instant with its offset (ISO 8601, e.g. 2026-06-10T08:00:00+01:00). A naive time is refused.
Moment = Annotated[AwareDatetime, AfterValidator(_sane_moment), Field(json_schema_extra={"pattern": YEAR_PATTERN})]
Day = Annotated[dt.date, AfterValidator(_sane_day), Field(json_schema_extra={"pattern": YEAR_PATTERN})]
MONTH_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])$"
CYCLE_PATTERN = r"^20[0-9]{2}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])$"  # any day of a cycle (to the 28th: always real)


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
    ingredients: list[IngredientOut] | None = Field(
        default=None, description="What one dose unit contains (null in lists that do not read it: due doses)."
    )


class IngredientOut(BaseModel):
    substance: str = Field(description="The substance's code (GET /allergens).")
    name: str
    amount_mg: str | None = Field(description="mg in one dose unit (a tablet, 1 mL); null when not a mass.")
    max_24h_mg: str | None = Field(
        description="The adult maximum in any 24 hours across every medicine containing it, where one applies."
    )
    classes: list[str] = Field(description="The allergen classes it belongs to.")


class AllergyDecisionOut(BaseModel):
    id: uuid.UUID
    reason: str
    decided_by: StaffRef
    decided_at: dt.datetime


class AllergyFindingOut(BaseModel):
    allergy_id: int
    allergen: str = Field(description="The person's allergy, in words.")
    kind: str = Field(description="allergy | caution (possible cross-sensitivity) | intolerance (shown only).")
    matched_by: str = Field(description="substance | class | cross_sensitivity | name (an allergy in words only).")
    matched: str = Field(description="What matched: the ingredient, or the ingredient and its class.")
    severity: str
    text: str = Field(description="The finding in words, as the pages show it.")
    needs_decision: bool = Field(description="True: no taken dose until a senior decides (intolerance: false).")
    decision: AllergyDecisionOut | None


class SharedIngredientOut(BaseModel):
    ingredient: str = Field(description="The substance's code.")
    name: str
    other_prescription_id: uuid.UUID
    other_medicine: str
    max_24h_mg: str | None
    text: str


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
    site_gap: int | None = Field(
        None, description="A patch or an injection: its site is not used again within this many applications (null: 1)."
    )
    apply_to: list[str] = Field(default_factory=list, description="A cream or an ointment: the body areas it goes on.")
    apply_how: str = Field("", description="A cream or an ointment: how thickly (thin | fingertip | liberal).")
    dose_from_instructions: bool = Field(
        False, description="The dose of each day comes from the anticoagulant clinic's checked dosing instructions."
    )
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
    allergy_findings: list[AllergyFindingOut] = Field(
        description="This medicine against the person's current allergies (ADR 0022), with any senior's decision."
    )
    allergy_decision_needed: bool = Field(
        description="True while a finding holds every taken dose until a senior decides."
    )
    shared_ingredients: list[SharedIngredientOut] = Field(
        description="The person's other current prescriptions containing the same substance (ADR 0023)."
    )


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
    status: str = Field(
        description="completed (the dose's outcome), entered_in_error, or offer_again: refused or asleep, the dose "
        "still due and to be offered again by offer_again_until (its outcome is the next record)."
    )
    offer_again_until: dt.datetime | None = Field(None, description="offer_again: by when to offer the dose again.")
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
    old_patch: str = Field("", description="A new patch: the old one removed or not_found ('' for the first).")
    old_patch_site: str = Field("", description="A new patch: where the old one was.")
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

    medicine_id: int = Field(ge=1, le=99_999_999_999, description="A medicine of the list (GET /medicines).")
    dose_min: Quantity
    dose_max: Quantity | None = None
    route: ShortText = ""
    directions: RequiredLongText = Field(description="The prescriber's directions, exactly as written.")
    schedule_kind: ScheduleKind = ScheduleKind.FIXED_TIMES
    times: Annotated[list[TimeOfDay], AfterValidator(_each_once)] = Field(
        default_factory=list,
        max_length=12,
        json_schema_extra={"uniqueItems": True},
        description='Europe/London times of day, "HH:MM", each once: at least one, unless schedule_kind is "prn" '
        "(which has none).",
    )
    days_of_week: list[Annotated[int, Field(ge=0, le=6)]] = Field(
        default_factory=list, max_length=7, description='0 = Monday … 6 = Sunday; needed for "days_of_week".'
    )
    interval_days: int | None = Field(default=None, ge=1, le=366, description='Needed for "every_n_days".')
    start_date: Day | None = Field(default=None, description="Default today; within a year of today.")
    end_date: Day | None = Field(
        default=None, description="Not before the start date, at most ten years after it; not with course_days."
    )
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
    site_gap: int | None = Field(
        default=None,
        ge=1,
        le=7,
        description="A patch or an injection only: do not use the same site again within this many applications. "
        "Leave out for the default: a different site from the last one.",
    )
    apply_to: Annotated[list[TopicalArea], AfterValidator(_each_once)] = Field(
        default_factory=list,
        json_schema_extra={"uniqueItems": True},
        max_length=17,
        description="A cream or an ointment only: the body areas it goes on, from the list; each once.",
    )
    apply_how: ApplyHow | None = Field(default=None, description="A cream or an ointment only: how thickly.")
    dose_from_instructions: bool = Field(
        default=False,
        description="Warfarin and other anticoagulants: the dose of each day comes from the clinic's dosing "
        'instructions (within dose_min to dose_max), entered and checked on the prescription\'s page. Not with "prn".',
    )
    prn_min_interval_minutes: int | None = Field(
        default=None, ge=1, le=7 * 24 * 60, description='Needed for "prn": the shortest time between doses.'
    )
    prn_max_quantity_24h: Quantity | None = Field(
        default=None, description='Needed for "prn": the most in any 24 hours, at least dose_min.'
    )
    indication: ShortText = Field(default="", description='Needed (not blank) for "prn": what it is for.')
    instructions: LongText = ""
    required_check: RequiredCheck = RequiredCheck.NONE
    reading_below: ReadingLimit | None = Field(
        default=None,
        description="The prescriber's lower limit for the reading (in its unit), e.g. 60 for 'do not give if pulse "
        "below 60'. Needs reading_below_action and reading_plan.",
    )
    reading_below_action: ReadingAction | None = Field(default=None, description="withhold | give_and_tell")
    reading_above: ReadingLimit | None = Field(
        default=None,
        description="The prescriber's upper limit, e.g. 20 for 'tell the GP if blood glucose above 20 mmol/L'.",
    )
    reading_above_action: ReadingAction | None = Field(default=None, description="withhold | give_and_tell")
    reading_plan: LongText = Field(default="", description="What to do outside the limits, as the prescriber wrote it.")
    prescriber: RequiredShortText = Field(description="Who prescribed it (or the GP who authorised a homely remedy).")
    source: Source = Source.GP
    allergy_decision_reason: LongText = Field(
        default="",
        description="A senior's reason to go on despite an allergy finding (allergy_findings in the response), "
        "recorded with the prescription. Without one, a matching prescription's doses are held until a senior "
        "decides (POST /prescriptions/{id}/allergy-decisions). Refused when nothing matches.",
    )


class AllergyDecisionIn(StrictIn):
    reason: LongText = Field(description="Why it is safe to go on, e.g. after the GP's review.")
    allergy_id: int | None = Field(
        default=None, ge=1, le=2**62, description="One allergy's finding; omitted: every undecided finding."
    )


class NoteIn(StrictIn):
    note: LongText = ""


class ReasonIn(StrictIn):
    reason: RequiredLongText


class PromptAnswerIn(StrictIn):
    prompt: Prompt
    result: PromptResult
    value: Reading | None = None
    note: LongText = ""


class WitnessIn(StrictIn):
    """A second member of staff confirms a controlled drug on the same device with their own password."""

    username: Annotated[str, Field(max_length=150), _NO_NUL, AfterValidator(_no_nul)]
    password: Annotated[str, Field(max_length=200), _NO_NUL, AfterValidator(_no_nul)]


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
    dose_given: Quantity | None = None
    administered_at: Moment | None = Field(
        default=None, description="When the dose was given (for a late entry), with its offset. Defaults to now."
    )
    reason: LongText = Field(
        default="", description="Needed (not blank) when the dose was not given, or a partial or different dose."
    )
    site: Annotated[str, Field(max_length=100), _NO_NUL, AfterValidator(_no_nul)] = Field(
        default="",
        description="Needed where the medicine's form has a site (a patch, an injection): one of the body map's sites "
        "(GET /prescriptions/{id} names them), not one its rotation rule rests.",
    )
    old_patch: Literal["", "removed", "not_found"] = Field(
        default="",
        description="A patch given, when one was put on before: the old one was taken off (removed) or was not on the "
        "skin (not_found: say what happened in observations).",
    )
    observations: LongText = ""
    prn_reason: LongText = Field(default="", description="Needed (not blank) for a when-required dose given.")
    witness: WitnessIn | None = Field(
        default=None, description="Needed for a controlled drug (schedule 2 or 3) given, partly given or destroyed."
    )
    late_dose: LateDoseIn | None = Field(
        default=None, description="Only for a late dose too close to the next one: what to do (see LateDoseIn)."
    )


class FollowUpIn(StrictIn):
    effect: FollowUpEffect
    note: LongText = ""


class PrescriptionChangeIn(PrescriptionIn):
    """The new version's directions, and why it changed."""

    reason: RequiredLongText


class MarChartOut(BaseModel):
    """The MAR chart as JSON. ``prescriptions`` have ``rows`` (one per time of day) of ``cells`` (one per day),
    each cell with its ``entries`` (administration records: code, initials, times, reasons); ``prn`` have
    ``prn_days``. ``key`` explains every code and symbol; ``staff`` lists the initials used."""

    model_config = ConfigDict(extra="allow")

    person: dict[str, Any]
    month: str = Field(pattern=MONTH_PATTERN, description="The month the chart starts in.")
    month_label: str = Field(description='What it covers: "March 2026", or a cycle\'s first and last day.')
    period: dict[str, Any] | None = Field(
        None, description='kind ("month" or "cycle"), label, and the query of the period before and after.'
    )
    period_start: str = Field("", description="The chart's first day, YYYY-MM-DD.")
    period_end: str = Field("", description="The chart's last day, YYYY-MM-DD.")
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
    readings: list[dict[str, Any]] = Field(
        default_factory=list,
        description="The records with readings (each entry's ``readings``: name, value, unit, decision, text).",
    )
