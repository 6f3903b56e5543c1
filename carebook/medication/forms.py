"""Prescription forms: they check the shape of what was typed, nothing more.

The clinical validation (a dose above zero, times that exist, PRN limits, an
end after the start...) lives once, in ``services.prescriptions._clean``; the
views map its ``DomainError.field`` back onto these fields. A form only turns
text into the types ``PrescriptionInput`` expects, so a word typed where a
number belongs is a plain error here rather than a crash later.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms

from carebook.core.limits import TEXT_MAX
from carebook.medication import rules
from carebook.medication.models import Prescription, RequiredCheck, ScheduleKind, Source
from carebook.medication.models.prescriptions import format_quantity
from carebook.medication.services.prescriptions import PrescriptionInput
from carebook.medication.vocab import ApplyHow, ReadingAction
from carebook.medication.wording import DAY_NAMES

TIME_SLOTS = 6
DAYS = [(str(number), name) for number, name in enumerate(DAY_NAMES)]
COMMON_ROUTES = [
    "oral",
    "sublingual",
    "buccal",
    "topical",
    "transdermal",
    "inhaled",
    "subcutaneous",
    "intramuscular",
    "rectal",
    "vaginal",
    "eye",
    "ear",
    "nasal",
    "enteral tube (PEG)",
]

# Where each form field's error is shown. Several inputs share one place
# (the six times; hours and minutes of the PRN interval).
ERROR_KEY = {f"time_{i}": "times" for i in range(1, TIME_SLOTS + 1)} | {
    "prn_interval_hours": "prn_min_interval_minutes",
    "prn_interval_minutes": "prn_min_interval_minutes",
    "gap_hours": "min_gap_minutes",
    "gap_minutes": "min_gap_minutes",
}

# The order of the error summary, and the element each error links to.
FIELD_ANCHORS: list[tuple[str, str]] = [
    ("medicine_id", "medicine-search"),
    ("dose_min", "dose_min"),
    ("dose_max", "dose_max"),
    ("route", "route"),
    ("directions", "directions"),
    ("indication", "indication"),
    ("instructions", "instructions"),
    ("required_check", "required_check-0"),
    ("reading_below", "reading_below"),
    ("reading_below_action", "reading_below_action-0"),
    ("reading_above", "reading_above"),
    ("reading_above_action", "reading_above_action-0"),
    ("reading_plan", "reading_plan"),
    ("schedule_kind", "schedule_kind-0"),
    ("days_of_week", "days_of_week-0"),
    ("interval_days", "interval_days"),
    ("prn_min_interval_minutes", "prn_interval_hours"),
    ("prn_max_quantity_24h", "prn_max_quantity_24h"),
    ("times", "time_1"),
    ("min_gap_minutes", "gap_hours"),
    ("start_date", "start_date"),
    ("end_date", "end_date"),
    ("course_days", "course_days"),
    ("site_gap", "site_gap"),
    ("dose_from_instructions", "dose_from_instructions"),
    ("apply_to", "apply_to-0"),
    ("apply_how", "apply_how-0"),
    ("prescriber", "prescriber"),
    ("source", "source-0"),
    ("reason", "reason"),
    ("confirm", "confirm"),
    ("note", "note"),
    ("verdict", "verdict-query"),
    ("send_back_reason", "send_back_reason"),
    # Before saving: an allergy match (views/prescription_review.py).
    ("allergy_choice", "allergy_choice-confirm"),
    ("allergy_reason", "allergy_reason"),
]
KNOWN_FIELDS = {name for name, _ in FIELD_ANCHORS}


def _text(label: str, *, max_length: int = 200, required: bool = False) -> forms.CharField:
    return forms.CharField(
        required=required,
        max_length=max_length,
        error_messages={
            "required": f"Enter {label}.",
            "max_length": f"{label.capitalize()} must be {max_length} characters or fewer.",
        },
    )


def _whole_number(label: str, *, min_value: int = 0, max_value: int = 10_000) -> forms.IntegerField:
    return forms.IntegerField(
        required=False,
        min_value=min_value,
        max_value=max_value,
        error_messages={
            "invalid": f"{label} must be a whole number, like 3.",
            "min_value": f"{label} must be {min_value} or more.",
            "max_value": f"{label} must be {max_value:,} or less.",
        },
    )


def _date(label: str) -> forms.DateField:
    return forms.DateField(
        required=False,
        input_formats=["%Y-%m-%d", "%d/%m/%Y"],
        error_messages={"invalid": f"{label} must be a real date, like 17/05/2026."},
    )


class PrescriptionForm(forms.Form):
    """What the prescriber's directions say, typed by a senior member of staff."""

    medicine_id = forms.CharField(required=False, max_length=20)
    dose_min = _text("the dose", max_length=20)
    dose_max = _text("the largest dose", max_length=20)
    route = _text("the route", max_length=30)
    directions = _text("the prescriber's directions", max_length=TEXT_MAX)
    indication = _text("what it is for", max_length=200)
    instructions = _text("the instructions", max_length=TEXT_MAX)
    required_check = forms.ChoiceField(
        required=False,
        choices=RequiredCheck.choices,
        error_messages={"invalid_choice": "Choose a check from the list, or none."},
    )
    # The prescriber's limits for the reading (ADR 0017); the service checks them whole.
    reading_below = _text("the lower limit", max_length=10)
    reading_below_action = forms.ChoiceField(
        required=False,
        choices=ReadingAction.choices,
        error_messages={"invalid_choice": "Choose what to do below the limit."},
    )
    reading_above = _text("the upper limit", max_length=10)
    reading_above_action = forms.ChoiceField(
        required=False,
        choices=ReadingAction.choices,
        error_messages={"invalid_choice": "Choose what to do above the limit."},
    )
    reading_plan = _text("the plan", max_length=TEXT_MAX)
    schedule_kind = forms.ChoiceField(
        required=False,
        choices=ScheduleKind.choices,
        error_messages={"invalid_choice": "Choose how often it is given."},
    )
    days_of_week = forms.MultipleChoiceField(
        required=False, choices=DAYS, error_messages={"invalid_choice": "Choose days from the list."}
    )
    interval_days = _whole_number("The number of days", min_value=1, max_value=366)
    prn_interval_hours = _whole_number("Hours", max_value=168)
    prn_interval_minutes = _whole_number("Minutes", max_value=10_080)
    prn_max_quantity_24h = _text("the 24-hour maximum", max_length=20)
    start_date = _date("The start date")
    end_date = _date("The end date")
    course_days = _whole_number("The course length", min_value=1, max_value=366)
    site_gap = _whole_number("The applications before a site is used again", min_value=1, max_value=7)
    dose_from_instructions = forms.BooleanField(required=False)
    apply_to = forms.MultipleChoiceField(
        required=False,
        choices=[(area, area.capitalize()) for area in rules.sites.TOPICAL_AREAS],
        error_messages={"invalid_choice": "Choose the areas from the list."},
    )
    apply_how = forms.ChoiceField(
        required=False,
        choices=[("", "Not said"), *ApplyHow.choices],
        error_messages={"invalid_choice": "Choose how thickly it goes on from the list."},
    )
    gap_hours = _whole_number("Hours", max_value=168)
    gap_minutes = _whole_number("Minutes", max_value=10_080)
    prescriber = _text("the prescriber", max_length=200)
    source = forms.ChoiceField(
        required=False,
        choices=Source.choices,
        error_messages={"invalid_choice": "Say where the prescription came from."},
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for i in range(1, TIME_SLOTS + 1):
            self.fields[f"time_{i}"] = forms.CharField(required=False, max_length=8)

    @property
    def time_fields(self) -> list[forms.BoundField]:
        return [self[f"time_{i}"] for i in range(1, TIME_SLOTS + 1)]

    @property
    def area_choices(self) -> list[tuple[str, str, bool]]:
        """The body areas a cream or an ointment may be prescribed for: value, label, chosen."""
        chosen = {str(v) for v in (self["apply_to"].value() or [])}
        return [(area, area.capitalize(), area in chosen) for area in rules.sites.TOPICAL_AREAS]

    @property
    def how_choices(self) -> list[tuple[str, str, bool]]:
        chosen = str(self["apply_how"].value() or "")
        return [(value, label, value == chosen) for value, label in ApplyHow.choices]

    @property
    def chosen_days(self) -> list[str]:
        value = self["days_of_week"].value() or []
        return [str(v) for v in value]

    def error_dict(self) -> dict[str, str]:
        """The form's own errors, keyed by where they are shown (first error per place)."""
        errors: dict[str, str] = {}
        for name, messages in self.errors.items():
            key = ERROR_KEY.get(name, name)
            if key not in KNOWN_FIELDS:
                key = "__all__"
            errors.setdefault(key, str(messages[0]))
        return errors

    def to_input(self) -> PrescriptionInput:
        """The service's input. Parts that belong to another kind of schedule are ignored, as the page says."""
        data = self.cleaned_data
        kind = data.get("schedule_kind") or ""
        is_prn = kind == ScheduleKind.PRN
        times = [] if is_prn else [_hh_mm(data[f"time_{i}"]) for i in range(1, TIME_SLOTS + 1) if data[f"time_{i}"]]
        hours, minutes = data.get("prn_interval_hours"), data.get("prn_interval_minutes")
        interval = None if hours is None and minutes is None else (hours or 0) * 60 + (minutes or 0)
        gap_h, gap_m = data.get("gap_hours"), data.get("gap_minutes")
        gap = None if gap_h is None and gap_m is None else (gap_h or 0) * 60 + (gap_m or 0)
        return PrescriptionInput(
            medicine_id=data.get("medicine_id") or "",  # type: ignore[arg-type]  # the service checks it
            dose_min=data.get("dose_min", ""),
            dose_max=data.get("dose_max") or None,
            route=data.get("route", ""),
            directions=data.get("directions", ""),
            schedule_kind=kind,
            times=times,
            days_of_week=[int(d) for d in data.get("days_of_week", [])] if kind == ScheduleKind.DAYS_OF_WEEK else [],
            interval_days=data.get("interval_days") if kind == ScheduleKind.EVERY_N_DAYS else None,
            start_date=data.get("start_date"),
            end_date=data.get("end_date"),
            course_days=data.get("course_days"),
            min_gap_minutes=gap if not is_prn else None,
            site_gap=data.get("site_gap"),
            dose_from_instructions=bool(data.get("dose_from_instructions")),
            apply_to=list(data.get("apply_to") or []),
            apply_how=data.get("apply_how") or "",
            prn_min_interval_minutes=interval if is_prn else None,
            prn_max_quantity_24h=(data.get("prn_max_quantity_24h") or None) if is_prn else None,
            indication=data.get("indication", ""),
            instructions=data.get("instructions", ""),
            required_check=data.get("required_check", ""),
            prescriber=data.get("prescriber", ""),
            source=data.get("source", ""),
            **_reading_limits_input(data),
        )

    @staticmethod
    def initial_for_new(today: dt.date) -> dict[str, Any]:
        return {
            "schedule_kind": ScheduleKind.FIXED_TIMES,
            "required_check": RequiredCheck.NONE,
            "source": Source.GP,
            "start_date": today.isoformat(),
        }

    @staticmethod
    def initial_from(prescription: Prescription, today: dt.date) -> dict[str, Any]:
        """The form pre-filled from a version, for a change. A change starts today, not on the old start date."""
        minutes = prescription.prn_min_interval_minutes
        initial: dict[str, Any] = {
            "medicine_id": str(prescription.medicine_id),
            "dose_min": format_quantity(prescription.dose_min),
            "dose_max": format_quantity(prescription.dose_max) if prescription.is_variable_dose else "",
            "route": prescription.route,
            "directions": prescription.directions,
            "indication": prescription.indication,
            "instructions": prescription.instructions,
            "required_check": prescription.required_check,
            "schedule_kind": prescription.schedule_kind,
            "days_of_week": [str(d) for d in prescription.days_of_week],
            "interval_days": prescription.interval_days or "",
            "prn_interval_hours": minutes // 60 if minutes else "",
            "prn_interval_minutes": minutes % 60 if minutes else "",
            "prn_max_quantity_24h": format_quantity(prescription.prn_max_quantity_24h)
            if prescription.prn_max_quantity_24h
            else "",
            "start_date": max(prescription.start_date, today).isoformat(),
            # A course counted in doses is changed by its length (the same length continues it, ADR 0020);
            # any other prescription keeps its end date.
            "end_date": prescription.end_date.isoformat()
            if prescription.end_date and not prescription.is_counted_course
            else "",
            "course_days": prescription.course_days if prescription.is_counted_course else "",
            "site_gap": prescription.site_gap or "",
            "dose_from_instructions": prescription.dose_from_instructions,
            "apply_to": list(prescription.apply_to),
            "apply_how": prescription.apply_how,
            "gap_hours": prescription.min_gap_minutes // 60 if prescription.min_gap_minutes else "",
            "gap_minutes": prescription.min_gap_minutes % 60 if prescription.min_gap_minutes else "",
            "prescriber": prescription.prescriber,
            "source": prescription.source,
            "reading_below": format_quantity(prescription.reading_below) if prescription.reading_below else "",
            "reading_below_action": prescription.reading_below_action,
            "reading_above": format_quantity(prescription.reading_above) if prescription.reading_above else "",
            "reading_above_action": prescription.reading_above_action,
            "reading_plan": prescription.reading_plan,
        }
        for i, value in enumerate(prescription.times[:TIME_SLOTS], start=1):
            initial[f"time_{i}"] = value
        return initial


def _reading_limits_input(data: dict[str, Any]) -> dict[str, Any]:
    """The limits as typed; an action chosen for a limit left empty is ignored, as the page says."""
    below, above = data.get("reading_below") or None, data.get("reading_above") or None
    return {
        "reading_below": below,
        "reading_below_action": (data.get("reading_below_action") or "") if below else "",
        "reading_above": above,
        "reading_above_action": (data.get("reading_above_action") or "") if above else "",
        "reading_plan": data.get("reading_plan", ""),
    }


def _hh_mm(value: str) -> str:
    """A browser's time input may send seconds ("08:00:00"); the schedule keeps "HH:MM"."""
    value = value.strip()
    return value[:5] if len(value) == 8 and value[5] == ":" and value.endswith(":00") else value


class ReasonForm(forms.Form):
    """Why a prescription is changed, suspended, resumed or discontinued. The service requires it."""

    reason = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": "The reason must be 2,000 characters or fewer."},
    )


class SendBackForm(forms.Form):
    """The checker's query or rejection: the shape only (the service decides whether it may be sent back)."""

    verdict = forms.ChoiceField(
        choices=[("query", "Query"), ("reject", "Reject")],
        error_messages={
            "required": "Choose whether you are querying or rejecting the entry.",
            "invalid_choice": "Choose whether you are querying or rejecting the entry.",
        },
    )
    send_back_reason = forms.CharField(
        max_length=TEXT_MAX,
        error_messages={
            "required": "Say what does not match, so the person who entered it can correct it.",
            "max_length": "The reason must be 2,000 characters or fewer.",
        },
    )


class TranscriptionCheckForm(forms.Form):
    confirm = forms.BooleanField(
        required=True,
        error_messages={"required": "Confirm that you have checked the entry against the prescriber's directions."},
    )
    note = forms.CharField(
        required=False,
        max_length=TEXT_MAX,
        error_messages={"max_length": "The note must be 2,000 characters or fewer."},
    )
