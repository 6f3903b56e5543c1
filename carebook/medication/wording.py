"""A prescription in words: its schedule, its PRN interval and its quantities, one wording for every page.

Pure functions over a Prescription (no queries). The person's page and the
MAR chart use the brief wording; the prescription pages use the detailed one:

    brief                                            detailed
    Every day at 08:00, 18:00                        Every day at 08:00 and 18:00
    Mon, Thu at 08:00                                On Monday and Thursday at 08:00
    Weekly at 09:00, from 02 March 2026              Every 7 days (weekly), counting from the start date, at 09:00
    When required, at least 4 hours apart,           When required: at least 4 hours between doses,
      at most 8 tablets in 24 hours                    no more than 8 tablets in 24 hours

With ``until=True`` (the person's page, which shows no end date elsewhere) the text ends with
", until 31 March 2026" when the prescription has an end date.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.clock import to_local
from carebook.core.text import and_list, clock_time, format_quantity, minutes_text, plural, quantity_with_unit
from carebook.medication import rules
from carebook.medication.models import Administration, Medicine, Prescription, ScheduleKind
from carebook.medication.vocab import TAKEN, Outcome, RequiredCheck

__all__ = [
    "DAY_NAMES",
    "MedicineFlag",
    "and_list",
    "course_text",
    "dose_on_day_text",
    "interval_text",
    "medicine_flags",
    "quantity_text",
    "recorded_text",
    "schedule_text",
    "setting_words",
]

DAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def quantity_text(value: Decimal | None) -> str:
    """A quantity as a carer writes it ("2", "2.5", "0.125"); nothing for no quantity."""
    return "" if value is None else format_quantity(value)


interval_text = minutes_text


def dose_on_day_text(prescription: Prescription, amount: Decimal | None) -> str:
    """The dose as the round shows it: a dose set by the clinic's instructions (warfarin, ADR 0037) names that day's
    dose and where it came from; any other, the prescribed dose."""
    if not prescription.dose_from_instructions:
        return prescription.dose_text
    if amount is None:
        return "Dose from the clinic's instructions: none in force for this day"
    return f"{quantity_with_unit(amount, prescription.dose_unit)} (the clinic's dose for this day)"


def schedule_text(prescription: Prescription, *, detailed: bool = False, until: bool = False) -> str:
    """The schedule in words: brief for the person's page and the MAR chart, detailed for the prescription pages."""
    if prescription.schedule_kind == ScheduleKind.PRN:
        text = _when_required_text(prescription, detailed=detailed)
    else:
        text = _set_times_text(prescription, detailed=detailed)
    if until and prescription.end_date is not None:
        text += f", until {prescription.end_date:%d %B %Y}"
    return text


def course_text(prescription: Prescription) -> str:
    """A course counted in doses (ADR 0020): "Course of 21 doses: first 14:00 Mon 1 June, last 08:00 Mon 8 June"."""
    first, last = prescription.course_first_dose_at, prescription.course_last_dose_at
    if prescription.course_doses is None or first is None or last is None:
        return ""
    doses = plural(prescription.course_doses, "dose")
    return f"Course of {doses}: first {_when(first)}, last {_when(last)}"


def _when(at: dt.datetime) -> str:
    local = to_local(at)
    return f"{local:%H:%M} {local:%a} {local.day} {local:%B %Y}"


def _set_times_text(rx: Prescription, *, detailed: bool) -> str:
    times = list(rx.times)
    at = f" at {and_list(times) if detailed else ', '.join(times)}" if times else ""
    every = rx.interval_days or 1
    if rx.schedule_kind == ScheduleKind.DAYS_OF_WEEK:
        days = [DAY_NAMES[day] for day in sorted(int(d) for d in rx.days_of_week) if 0 <= day <= 6]
        if detailed:
            return f"On {and_list(days)}{at}"
        return ", ".join(day[:3] for day in days) + at
    if rx.schedule_kind == ScheduleKind.EVERY_N_DAYS and every > 1:
        if detailed:
            weekly = " (weekly)" if every == 7 else ""
            return f"Every {every} days{weekly}, counting from the start date" + (f",{at}" if at else "")
        cycle = "Weekly" if every == 7 else f"Every {every} days"
        return f"{cycle}{at}, from {rx.start_date:%d %B %Y}"
    return f"Every day{at}"


def _when_required_text(rx: Prescription, *, detailed: bool) -> str:
    gap = interval_text(rx.prn_min_interval_minutes)
    most = f"{quantity_with_unit(rx.prn_max_quantity_24h, rx.dose_unit)} in 24 hours" if rx.prn_max_quantity_24h else ""
    if detailed:
        limits = [f"at least {gap} between doses" if gap else "", f"no more than {most}" if most else ""]
        said = ", ".join(part for part in limits if part)
        return f"When required: {said}" if said else "When required"
    limits = [f"at least {gap} apart" if gap else "", f"at most {most}" if most else ""]
    return ", ".join(["When required", *(part for part in limits if part)])


@dataclass(frozen=True)
class MedicineFlag:
    code: str  # controlled_drug | time_critical | high_risk | check | not_checked
    short: str  # the MAR's abbreviation
    text: str


def medicine_flags(medicine: Medicine, *, check: str | None = None, awaiting_check: bool = False) -> list[MedicineFlag]:
    """What is special about a medicine (and its prescription), said one way on the form, the pages and the MAR."""
    flags: list[MedicineFlag] = []
    if medicine.controlled_drug_schedule:
        witness = ": witness needed" if medicine.needs_witness else ""
        flags.append(
            MedicineFlag(
                "controlled_drug",
                f"CD{medicine.controlled_drug_schedule}",
                f"Controlled drug, schedule {medicine.controlled_drug_schedule}{witness}",
            )
        )
    if medicine.time_critical:
        minutes = int(rules.TIME_CRITICAL_WINDOW.total_seconds() // 60)
        flags.append(MedicineFlag("time_critical", "TC", f"Time-critical: give within {minutes} minutes of the time"))
    if medicine.high_risk:
        flags.append(MedicineFlag("high_risk", "HR", "High-risk medicine"))
    reading = medicine.required_check if check is None else check
    if reading:
        flags.append(MedicineFlag("check", "Chk", f"Check before the dose: {RequiredCheck.label_of(reading)}"))
    if awaiting_check:
        flags.append(MedicineFlag("not_checked", "Unchk", "Transcription not yet checked: no dose may be given"))
    return flags


def recorded_text(admin: Administration, *, medicine: object, person_name: str, slot_at: dt.datetime | None) -> str:
    """What was just recorded, said back to the carer so a wrong tap is seen at once (issue 8).

    "Given: Ramipril 5 mg tablet for Addie, 08:00 dose."
    "Refused (will offer again): Sertraline 50 mg tablet for Addie, 08:00 dose. Reason kept."
    "Given: Paracetamol 500 mg tablet for Addie at 14:12." (a when-required dose has no slot)
    """
    when = f", {clock_time(slot_at)} dose" if slot_at is not None else f" at {clock_time(admin.administered_at)}"
    text = f"{Outcome.label_of(admin.outcome)}: {medicine} for {person_name}{when}."
    if admin.outcome == Outcome.GIVEN_PARTIAL and admin.dose_given is not None:
        text += f" Dose given: {quantity_with_unit(admin.dose_given, admin.dose_unit)}."
    if admin.outcome not in TAKEN and admin.reason:
        text += " Reason kept."
    if admin.offer_again_until is not None:
        text += f" Offer it again by {clock_time(admin.offer_again_until)}: it stays on the round."
    return text


@dataclass(frozen=True)
class SettingWords:
    """The words of the setting (issue 8): a care home has units, rounds and a tablet on the trolley; home care has
    areas, visits and a phone."""

    unit: str
    device: str
    round_word: str


CARE_HOME_WORDS = SettingWords(unit="unit", device="tablet", round_word="round")
HOME_CARE_WORDS = SettingWords(unit="area", device="phone", round_word="visit")


def setting_words(location: object) -> SettingWords:
    return HOME_CARE_WORDS if getattr(location, "kind", "") == "home_care" else CARE_HOME_WORDS
