"""The MAR chart (Medication Administration Record): one person, one calendar month or one pharmacy cycle.

Read-only. Builds the familiar paper grid — prescriptions × times × days —
from the due doses (one per slot) and their administration records, with the
PRN doses, the key, the corrections (entered-in-error records are shown struck
through, never hidden) and the reasons doses were not given.

The number of queries is fixed (about five) whatever the number of days,
doses or administrations: everything is fetched in bulk and grouped in Python.
The HTML page, the PDF and the JSON API all use ``mar_chart``;
``mar_chart_as_json`` gives the API a plain dict.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
import uuid
from collections import defaultdict
from decimal import Decimal
from enum import StrEnum
from typing import Any

from django.conf import settings
from django.db.models import Prefetch, Q

from carebook.access.models import User
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.core.text import duration, nhs_number_display, quantity_with_unit
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    Outcome,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
    PromptAnswer,
)
from carebook.medication.models.administrations import MAR_CODES, TAKEN_OUTCOMES
from carebook.medication.models.prescriptions import format_quantity
from carebook.medication.reading_text import ReadingLine, readings_of
from carebook.medication.selectors.common import awaiting_transcription_check
from carebook.medication.selectors.late import LateDecisionRow, late_decisions
from carebook.medication.vocab import READING_PROMPTS
from carebook.medication.wording import DAY_NAMES, course_text, medicine_flags, quantity_text, schedule_text
from carebook.people.allergies import allergy_statement
from carebook.people.models import Person
from carebook.people.nhs_numbers import nhs_number_problem
from carebook.people.whereabouts import room_of

EARLIEST_MONTH = dt.date(2000, 1, 1)
LATEST_MONTH = dt.date(2099, 12, 1)
_MONTH_RE = re.compile(r"^(\d{4})-(\d{2})$")


class CellState(StrEnum):
    NO_DOSE = "no_dose"  # nothing due that day: shaded
    FUTURE = "future"  # due later: empty
    DUE = "due"  # in its window now: empty
    NOT_RECORDED = "not_recorded"  # window passed with no record: "—"
    WITHDRAWN = "withdrawn"  # prescription changed or stopped: grey "X"
    GIVEN = "given"
    PARTIAL = "partial"
    NOT_GIVEN = "not_given"
    PRN = "prn"  # a when-required medicine's day: the doses given, if any


NOT_RECORDED_MARK = "—"
WITHDRAWN_MARK = "X"
LATE_MARK = "*"
IN_ERROR_MARK = "EIE"
LATE_DOSE_MARK = "+"  # "+45": given 45 minutes after its window closed
MOVED_MARK = "→"  # "→22:10": the dose was moved later because the one before was given late


# --- The chart's shape ---------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class MarFlag:
    code: str  # controlled_drug | time_critical | high_risk | check | not_checked
    short: str  # what a narrow column shows, e.g. "CD2"
    label: str  # in words


@dataclasses.dataclass
class MarPerson:
    id: str
    full_name: str
    preferred_name: str
    date_of_birth: dt.date
    age: int
    nhs_number: str  # formatted 3-3-4
    location: str
    unit: str
    room: str  # a care home's room; "" in home care (a MAR never carries an address: people.whereabouts)
    allergy_status: str  # not_recorded | no_known_allergies | has_allergies (as recorded)
    allergies: list[str]
    allergy_text: str  # people.allergies.allergy_statement: the one way it is said
    allergy_state: str  # listed | none_known | not_recorded | none_listed
    allergy_warning: bool  # nothing (or nothing listed) recorded: check with a senior before any medicine
    gp_practice: str
    pharmacy: str
    medicine_preferences: str


@dataclasses.dataclass
class MarDay:
    day: int
    date: dt.date
    weekday: str  # two letters
    weekday_name: str
    is_today: bool
    is_weekend: bool
    clock_change: str  # "" or what happens to the clocks that day


@dataclasses.dataclass
class MarEntry:
    """One administration record as the chart shows it."""

    administration_id: str
    prescription_id: str
    medicine: str
    outcome: str
    outcome_label: str
    code: str  # MAR code; "" for given (the initials are the mark)
    text: str  # the mark in the cell: "CC", "CC/SS", "P CC", "R"…
    initials: str
    witness_initials: str
    by: str
    witness: str
    scheduled_at: dt.datetime | None  # local, for a due dose
    administered_at: dt.datetime  # local, as the carer stated
    recorded_at: dt.datetime  # local, server clock
    time_label: str  # HH:MM given (PRN) or due (scheduled)
    slot_date: dt.date
    late_entry: bool
    minutes_late: int  # given after its window closed: by how many minutes (0: in its window)
    in_error: bool
    taken: bool
    quantity: str  # "2" (empty when not given)
    dose: str  # "2 tablet"
    reason: str
    prn_reason: str
    site: str
    observations: str
    follow_up: str
    corrects_id: str | None
    description: str
    # The readings taken before the dose, with their unit and decision (ADR 0017).
    readings: list[ReadingLine] = dataclasses.field(default_factory=list)
    # Refused (or asleep) at the first offer, to offer again: not the dose's outcome, the next entry (ADR 0034).
    offered_again: bool = False
    offer_again_until: dt.datetime | None = None  # local


@dataclasses.dataclass
class MarCell:
    day: int
    date: dt.date
    state: str
    mark: str  # "—" not recorded, "X" withdrawn, else ""
    entries: list[MarEntry]
    scheduled_at: dt.datetime | None  # local
    due_dose_id: str | None
    description: str
    moved_to: str = ""  # "22:10": the dose of this slot was moved to that time (ADR 0021)


@dataclasses.dataclass
class MarRow:
    time: dt.time
    label: str  # "08:00"
    cells: list[MarCell]


@dataclasses.dataclass
class MarPrescription:
    id: str
    supersedes_id: str | None
    medicine_name: str
    strength: str
    form: str
    dose_text: str
    route: str
    directions: str
    instructions: str
    indication: str
    schedule_text: str
    flags: list[MarFlag]
    start_date: dt.date
    stop_date: dt.date | None  # last day it applied (end date, or the day it was stopped or replaced)
    status: str
    status_label: str
    status_note: str  # e.g. "Discontinued on 12 Mar 2026: rash"
    history: list[str]
    prescriber: str
    source: str
    is_prn: bool
    rows: list[MarRow]  # scheduled: one per wall time
    prn_days: list[MarCell]  # PRN: one cell per day
    course_doses: int | None = None  # a course counted in doses (ADR 0020): how many this version gives
    course_first_dose: dt.datetime | None = None  # local
    course_last_dose: dt.datetime | None = None  # local
    course_text: str = ""  # "Course: 21 doses, first 14:00 Mon 1 Jun, last 08:00 Mon 8 Jun"
    reading_limits: str = ""  # the prescriber's limits for the reading, in words (ADR 0017)


@dataclasses.dataclass
class MarCorrection:
    administration_id: str
    medicine: str
    slot: dt.datetime  # local: when the dose was due (or given, for PRN)
    original: str  # what the record said
    recorded_by: str
    marked_by: str
    marked_by_initials: str
    marked_at: dt.datetime  # local
    reason: str
    replaced_by: str  # the correcting record, in words, or ""
    replaced_by_id: str | None


@dataclasses.dataclass(frozen=True)
class MarKeyItem:
    symbol: str
    meaning: str
    kind: str  # code | symbol
    used: bool


@dataclasses.dataclass(frozen=True)
class MarStaff:
    initials: str
    name: str
    role: str


@dataclasses.dataclass
class MarChart:
    person: MarPerson
    month: dt.date
    month_label: str  # "March 2026"
    previous_month: dt.date
    next_month: dt.date
    days: list[MarDay]
    prescriptions: list[MarPrescription]  # scheduled, by medicine name
    prn: list[MarPrescription]
    prn_entries: list[MarEntry]
    not_given: list[MarEntry]  # not given, or given differently (partial), with reasons
    corrections: list[MarCorrection]
    key: list[MarKeyItem]
    staff: list[MarStaff]
    generated_at: dt.datetime  # local
    period: Period | None = None  # a calendar month or a pharmacy cycle (ADR 0039)
    late_decisions: list[LateDecisionRow] = dataclasses.field(default_factory=list)  # late doses and the next
    readings: list[MarEntry] = dataclasses.field(default_factory=list)  # the records with readings, in order

    @property
    def slug(self) -> str:
        return self.period.slug if self.period is not None else f"{self.month:%Y-%m}"

    @property
    def is_cycle(self) -> bool:
        return self.period is not None and self.period.kind == "cycle"


@dataclasses.dataclass(frozen=True)
class Period:
    """What the chart covers and how to ask for the one before and after: ``?month=`` or ``?cycle=``."""

    kind: str  # "month" | "cycle"
    label: str
    slug: str
    query: str
    previous_label: str
    previous_query: str
    next_label: str
    next_query: str


@dataclasses.dataclass(frozen=True)
class _StaffRef:
    initials: str
    name: str
    role: str


_OUTCOME_LABELS: dict[str, str] = dict(Outcome.choices)
# The readings of each record (ADR 0017): one query for the month.
_READINGS = Prefetch(
    "prompt_answers",
    queryset=PromptAnswer.objects.filter(prompt__in=sorted(READING_PROMPTS)).order_by("position"),
    to_attr="reading_answers",
)
_ADMIN_FIELDS = (
    "id",
    "due_dose_id",
    "prescription_id",
    "outcome",
    "reason",
    "dose_given",
    "dose_unit",
    "administered_at",
    "recorded_at",
    "recorded_by_id",
    "late_entry",
    "minutes_late",
    "witness_id",
    "site",
    "old_patch",
    "old_patch_site",
    "observations",
    "prn_reason",
    "status",
    "offer_again_until",
    "corrects_id",
    "correction__reason",
    "correction__by_id",
    "correction__at",
    "follow_up__effect",
    "follow_up__note",
)


# --- Month handling ---------------------------------------------------------------------


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + count
    return dt.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str | None, *, default: dt.date | None = None) -> dt.date:
    """'YYYY-MM' → the first day of that month. Empty → ``default`` (this month). Raises ValidationFailed."""
    text = (value or "").strip()
    if not text:
        return month_start(default or clock.today())
    match = _MONTH_RE.match(text)
    if match is None:
        raise ValidationFailed(
            f'"{text[:20]}" is not a month. Use the year and month, like 2026-03.', field="month", code="invalid_month"
        )
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValidationFailed(
            f"{month:02d} is not a month number: use 01 to 12, like 2026-03.", field="month", code="invalid_month"
        )
    first = dt.date(year, month, 1)
    if not EARLIEST_MONTH <= first <= LATEST_MONTH:
        raise ValidationFailed(
            f"Choose a month between {EARLIEST_MONTH:%B %Y} and {LATEST_MONTH:%B %Y}.",
            field="month",
            code="invalid_month",
        )
    return first


# --- Building the chart --------------------------------------------------------------------


def mar_chart(person: Person, month: dt.date) -> MarChart:
    """The MAR chart of ``person`` for the calendar month starting ``month`` (Europe/London days)."""
    month = month_start(month)
    previous, following = add_months(month, -1), add_months(month, 1)
    return _chart(
        person,
        month,
        following,
        period=Period(
            kind="month",
            label=f"{month:%B %Y}",
            slug=f"{month:%Y-%m}",
            query=f"month={month:%Y-%m}",
            previous_label=f"{previous:%B %Y}",
            previous_query=f"month={previous:%Y-%m}",
            next_label=f"{following:%B %Y}",
            next_query=f"month={following:%Y-%m}",
        ),
    )


def mar_cycle_chart(person: Person, day: dt.date) -> MarChart:
    """The MAR chart of ``person`` for the cycle of their location's pharmacy that ``day`` falls in (ADR 0039); where
    the location keeps the MAR by calendar month, the month of ``day``."""
    location = person.location
    if location.mar_cycle_start is None:
        return mar_chart(person, day)  # kept by calendar month: the month of that day
    cycle = rules.cycles.cycle_containing(day, start=location.mar_cycle_start, length=location.mar_cycle_days)
    before, after = rules.cycles.previous_cycle(cycle), rules.cycles.next_cycle(cycle)
    return _chart(
        person,
        cycle.first,
        cycle.last + dt.timedelta(days=1),
        period=Period(
            kind="cycle",
            label=f"{cycle.first:%-d %B} to {cycle.last:%-d %B %Y} (cycle of {cycle.days} days)",
            slug=f"{cycle.first:%Y-%m-%d}",
            query=f"cycle={cycle.first:%Y-%m-%d}",
            previous_label=f"Cycle from {before.first:%-d %B %Y}",
            previous_query=f"cycle={before.first:%Y-%m-%d}",
            next_label=f"Cycle from {after.first:%-d %B %Y}",
            next_query=f"cycle={after.first:%Y-%m-%d}",
        ),
    )


def chart_for(person: Person, *, month: str | None = None, cycle: str | None = None) -> MarChart:
    """The chart a page, the PDF or the API asks for: ``?cycle=`` (any day of it), ``?month=``, or neither: the
    current cycle where the location keeps the MAR on one, else this month. A bad value: ValidationFailed."""
    if cycle:
        return mar_cycle_chart(person, rules.cycles.parse_day(cycle))
    if month or person.location.mar_cycle_start is None:
        return mar_chart(person, parse_month(month))
    return mar_cycle_chart(person, clock.today())


def _chart(person: Person, month: dt.date, next_month: dt.date, *, period: Period) -> MarChart:
    """The chart of the days from ``month`` to the day before ``next_month`` (a calendar month or a cycle)."""
    days_in_month = (next_month - month).days
    start_at = clock.local_wall_time(month, dt.time(0))
    end_at = clock.local_wall_time(next_month, dt.time(0))
    now = clock.now()
    today = clock.to_local(now).date()

    doses = list(
        DueDose.objects.filter(person=person, local_date__gte=month, local_date__lt=next_month)
        .only(
            "id",
            "prescription_id",
            "scheduled_at",
            "local_date",
            "local_time",
            "state",
            "withdrawn_reason",
            "window_opens_at",
            "window_closes_at",
            "moved_from_id",
        )
        .order_by("scheduled_at")
    )
    administrations = list(
        Administration.objects.filter(person=person)
        .filter(
            Q(due_dose__local_date__gte=month, due_dose__local_date__lt=next_month)
            | Q(due_dose__isnull=True, administered_at__gte=start_at, administered_at__lt=end_at)
        )
        .select_related("correction", "follow_up")
        .prefetch_related(_READINGS)
        .only(*_ADMIN_FIELDS)
        .order_by("recorded_at")
    )
    staff_ids = {a.recorded_by_id for a in administrations} | {a.witness_id for a in administrations if a.witness_id}
    staff_ids |= {a.correction.by_id for a in administrations if hasattr(a, "correction")}
    users = {
        u.pk: _StaffRef(u.initials or "?", u.display_name, u.get_role_display())
        for u in User.objects.filter(pk__in=staff_ids).only("id", "initials", "full_name", "username", "role")
    }
    touched = {d.prescription_id for d in doses} | {a.prescription_id for a in administrations}
    prescriptions = list(
        Prescription.objects.filter(person=person)
        .filter(
            Q(start_date__lt=next_month, entered_at__lt=end_at) & (Q(end_date__isnull=True) | Q(end_date__gte=month))
            | Q(id__in=touched)
        )
        .select_related("medicine", "transcription_check")
        .prefetch_related(Prefetch("events", queryset=PrescriptionEvent.objects.order_by("at", "id")))
        .order_by("medicine__name", "start_date", "entered_at")
    )
    allergies = list(person.allergies.all())

    doses_by_rx: dict[uuid.UUID, list[DueDose]] = defaultdict(list)
    for dose in doses:
        doses_by_rx[dose.prescription_id].append(dose)
    admins_by_dose: dict[uuid.UUID, list[Administration]] = defaultdict(list)
    prn_admins_by_rx: dict[uuid.UUID, list[Administration]] = defaultdict(list)
    for a in administrations:
        if a.due_dose_id is not None:
            admins_by_dose[a.due_dose_id].append(a)
        else:
            prn_admins_by_rx[a.prescription_id].append(a)
    dose_by_id = {d.pk: d for d in doses}
    replaced_by = {a.corrects_id: a for a in administrations if a.corrects_id is not None}

    days = [_day(month + dt.timedelta(days=n), today) for n in range(days_in_month)]
    scheduled: list[MarPrescription] = []
    prn: list[MarPrescription] = []
    entries_by_admin: dict[uuid.UUID, MarEntry] = {}
    rx_by_id = {rx.pk: rx for rx in prescriptions}

    def entry_for(a: Administration) -> MarEntry:
        if a.pk not in entries_by_admin:
            rx = rx_by_id[a.prescription_id]
            dose = dose_by_id.get(a.due_dose_id) if a.due_dose_id else None
            entries_by_admin[a.pk] = _entry(a, rx, dose, users)
        return entries_by_admin[a.pk]

    for rx in prescriptions:
        events = list(rx.events.all())
        active = _active_days(rx, events, [d.date for d in days])
        if rx.pk not in touched and not any(active.values()):
            continue  # stopped before this month began
        summary = _prescription(rx, events)
        if rx.is_prn:
            by_date: dict[dt.date, list[MarEntry]] = defaultdict(list)
            for a in prn_admins_by_rx.get(rx.pk, []):
                entry = entry_for(a)
                by_date[entry.slot_date].append(entry)
            summary.prn_days = [_prn_cell(day, active[day.date], by_date.get(day.date, [])) for day in days]
            prn.append(summary)
            continue
        rx_doses = doses_by_rx.get(rx.pk, [])
        times = sorted(set(rx.wall_times) | {d.local_time for d in rx_doses})
        by_slot: dict[tuple[dt.date, dt.time], list[DueDose]] = defaultdict(list)
        for dose in rx_doses:
            by_slot[(dose.local_date, dose.local_time)].append(dose)
        schedule = rx.schedule
        for time in times:
            cells = []
            for day in days:
                slot_doses = by_slot.get((day.date, time), [])
                slot_admins = [a for d in slot_doses for a in admins_by_dose.get(d.pk, [])]
                slot_admins.sort(key=lambda a: a.recorded_at)
                cells.append(
                    _scheduled_cell(
                        day=day,
                        time=time,
                        doses=slot_doses,
                        entries=[entry_for(a) for a in slot_admins],
                        due_on_day=active[day.date] and rules.has_slot(schedule, day.date, time),
                        time_critical=rx.medicine.time_critical,
                        now=now,
                    )
                )
            summary.rows.append(MarRow(time=time, label=f"{time:%H:%M}", cells=cells))
        scheduled.append(summary)

    all_entries = sorted(entries_by_admin.values(), key=lambda e: (e.scheduled_at or e.administered_at, e.recorded_at))
    prn_ids = {p.id for p in prn}
    prn_entries = [e for e in all_entries if e.prescription_id in prn_ids]
    not_given = [e for e in all_entries if not e.taken or e.outcome == Outcome.GIVEN_PARTIAL]
    corrections = [
        _correction(a, entries_by_admin[a.pk], replaced_by.get(a.pk), users)
        for a in administrations
        if a.status == Administration.Status.ENTERED_IN_ERROR and a.pk in entries_by_admin
    ]
    corrections.sort(key=lambda c: (c.slot, c.marked_at))
    cells = [c for rx in scheduled for row in rx.rows for c in row.cells] + [c for rx in prn for c in rx.prn_days]
    decisions = late_decisions(
        person=person, condition=Q(due_dose__local_date__gte=month, due_dose__local_date__lt=next_month)
    )

    return MarChart(
        person=_person(person, allergies, month, next_month - dt.timedelta(days=1)),
        month=month,
        month_label=period.label,
        previous_month=add_months(month, -1),
        next_month=next_month,
        period=period,
        days=days,
        prescriptions=scheduled,
        prn=prn,
        prn_entries=prn_entries,
        not_given=not_given,
        corrections=corrections,
        key=_key(cells, all_entries, scheduled + prn),
        staff=_staff(administrations, users),
        generated_at=clock.to_local(now),
        late_decisions=decisions,
        readings=[e for e in all_entries if e.readings],
    )


def _day(date: dt.date, today: dt.date) -> MarDay:
    return MarDay(
        day=date.day,
        date=date,
        weekday=DAY_NAMES[date.weekday()][:2],
        weekday_name=f"{date:%A}",
        is_today=date == today,
        is_weekend=date.weekday() >= 5,
        clock_change=_clock_change(date),
    )


def _clock_change(date: dt.date) -> str:
    before = clock.local_wall_time(date, dt.time(0)).astimezone(clock.LONDON).utcoffset()
    after = clock.local_wall_time(date + dt.timedelta(days=1), dt.time(0)).astimezone(clock.LONDON).utcoffset()
    if before is None or after is None or before == after:
        return ""
    if after > before:
        return "Clocks go forward one hour at 01:00: 01:00 to 01:59 does not happen (a dose then is due at 02:xx)."
    return "Clocks go back one hour at 02:00: 01:00 to 01:59 happens twice (a dose then is due once, the first time)."


def _active_days(rx: Prescription, events: list[PrescriptionEvent], dates: list[dt.date]) -> dict[dt.date, bool]:
    """Whether the prescription applied on each day (for at least part of it)."""
    changes: list[tuple[dt.date, str]] = [(clock.to_local(e.at).date(), e.kind) for e in events]
    stopped = (PrescriptionEvent.Kind.DISCONTINUED, PrescriptionEvent.Kind.CHANGED)
    result: dict[dt.date, bool] = {}
    for day in dates:
        if day < rx.start_date or (rx.end_date is not None and day > rx.end_date):
            result[day] = False
            continue
        running, resumed_today, stopped_before = True, False, False
        for when, kind in changes:
            if when < day:
                if kind == PrescriptionEvent.Kind.SUSPENDED:
                    running = False
                elif kind == PrescriptionEvent.Kind.RESUMED:
                    running = True
                elif kind in stopped:
                    stopped_before = True
            elif when == day and kind == PrescriptionEvent.Kind.RESUMED:
                resumed_today = True
        result[day] = not stopped_before and (running or resumed_today)
    return result


def _flags(rx: Prescription) -> list[MarFlag]:
    return [
        MarFlag(flag.code, flag.short, flag.text)
        for flag in medicine_flags(
            rx.medicine, check=rx.effective_check, awaiting_check=awaiting_transcription_check(rx)
        )
    ]


def _prescription(rx: Prescription, events: list[PrescriptionEvent]) -> MarPrescription:
    medicine: Medicine = rx.medicine
    history: list[str] = []
    stop_date = rx.end_date
    status_note = ""
    for event in events:
        when = clock.to_local(event.at)
        if event.kind in (PrescriptionEvent.Kind.CREATED, PrescriptionEvent.Kind.TRANSCRIPTION_CHECKED):
            continue
        line = f"{event.get_kind_display()} on {when:%d %b %Y}" + (f": {event.reason}" if event.reason else "")
        history.append(line)
        if event.kind in (PrescriptionEvent.Kind.DISCONTINUED, PrescriptionEvent.Kind.CHANGED):
            stop_date = when.date() if stop_date is None else min(stop_date, when.date())
        if event.kind in (
            PrescriptionEvent.Kind.SUSPENDED,
            PrescriptionEvent.Kind.DISCONTINUED,
            PrescriptionEvent.Kind.CHANGED,
        ):
            status_note = line
    if rx.status == PrescriptionStatus.ACTIVE:
        status_note = ""
    return MarPrescription(
        id=str(rx.pk),
        supersedes_id=str(rx.supersedes_id) if rx.supersedes_id else None,
        medicine_name=medicine.name,
        strength=medicine.strength,
        form=medicine.get_form_display(),
        dose_text=rx.dose_text,
        route=rx.route,
        directions=rx.directions,
        instructions=rx.instructions,
        indication=rx.indication,
        schedule_text=schedule_text(rx),
        flags=_flags(rx),
        start_date=rx.start_date,
        stop_date=stop_date,
        status=rx.status,
        status_label=rx.get_status_display(),
        status_note=status_note,
        history=history,
        prescriber=rx.prescriber,
        source=rx.get_source_display(),
        is_prn=rx.is_prn,
        rows=[],
        prn_days=[],
        course_doses=rx.course_doses,
        course_first_dose=clock.to_local(rx.course_first_dose_at) if rx.course_first_dose_at else None,
        course_last_dose=clock.to_local(rx.course_last_dose_at) if rx.course_last_dose_at else None,
        course_text=course_text(rx),
        reading_limits=rx.reading_rule.text if rx.reading_rule is not None else "",
    )


def _entry(a: Administration, rx: Prescription, dose: DueDose | None, users: dict[Any, _StaffRef]) -> MarEntry:
    recorder = users[a.recorded_by_id]
    witness_ref = users.get(a.witness_id) if a.witness_id else None
    initials = recorder.initials
    witness_initials = witness_ref.initials if witness_ref else ""
    signed = f"{initials}/{witness_initials}" if witness_initials else initials
    code = MAR_CODES.get(a.outcome, "O")
    if a.outcome == Outcome.GIVEN:
        text = signed
    elif a.outcome == Outcome.GIVEN_PARTIAL:
        text = f"P {signed}"
    else:
        text = code
    in_error = a.status == Administration.Status.ENTERED_IN_ERROR
    administered = clock.to_local(a.administered_at)
    recorded = clock.to_local(a.recorded_at)
    scheduled = clock.to_local(dose.scheduled_at) if dose is not None else None
    slot_date = dose.local_date if dose is not None else administered.date()
    time_label = f"{dose.local_time:%H:%M}" if dose is not None else f"{administered:%H:%M}"
    quantity = quantity_text(a.dose_given)
    dose_text = quantity_with_unit(a.dose_given, a.dose_unit) if quantity else ""  # "2 tablets", "1 tablet"
    follow_up = ""
    if hasattr(a, "follow_up"):
        follow_up = a.follow_up.get_effect_display() + (f": {a.follow_up.note}" if a.follow_up.note else "")
    name = f"{rx.medicine.name} {rx.medicine.strength}".strip()
    by = recorder.name
    witness = witness_ref.name if witness_ref else ""
    outcome_label = _OUTCOME_LABELS.get(a.outcome, a.outcome)
    words = [outcome_label + (f" ({dose_text})" if dose_text else "")]
    words.append(f"recorded by {by}" + (f", witnessed by {witness}" if witness else ""))
    words.append(f"at {administered:%H:%M} on {administered:%d %B}")
    if a.minutes_late:
        words.append(f"given late, {duration(dt.timedelta(minutes=a.minutes_late))} after its window closed")
    if a.late_entry:
        words.append(f"late entry, recorded at {recorded:%H:%M on %d %B}")
    if a.reason:
        words.append(f"reason: {a.reason}")
    if a.prn_reason:
        words.append(f"given for: {a.prn_reason}")
    if a.site:
        words.append(f"site: {a.site}")
    if a.old_patch_site:
        gone = "taken off" if a.old_patch == "removed" else "not found on"
        words.append(f"the old patch {gone} the {a.old_patch_site}")
    readings = readings_of(getattr(a, "reading_answers", []), rx)
    words += [reading.text for reading in readings]
    description = ", ".join(words) + "."
    offered_again = a.status == Administration.Status.OFFER_AGAIN
    until = clock.to_local(a.offer_again_until) if a.offer_again_until is not None else None
    if offered_again and until is not None:
        description = f"First offer, to offer again by {until:%H:%M}: " + description
    if in_error:
        description = "Entered in error (struck through): " + description
    return MarEntry(
        administration_id=str(a.pk),
        prescription_id=str(a.prescription_id),
        medicine=name,
        outcome=a.outcome,
        outcome_label=outcome_label,
        code=code,
        text=text,
        initials=initials,
        witness_initials=witness_initials,
        by=by,
        witness=witness,
        scheduled_at=scheduled,
        administered_at=administered,
        recorded_at=recorded,
        time_label=time_label,
        slot_date=slot_date,
        late_entry=a.late_entry,
        minutes_late=a.minutes_late,
        in_error=in_error,
        taken=a.outcome in TAKEN_OUTCOMES,
        quantity=quantity,
        dose=dose_text,
        reason=a.reason,
        prn_reason=a.prn_reason,
        site=a.site,
        observations=a.observations,
        follow_up=follow_up,
        corrects_id=str(a.corrects_id) if a.corrects_id else None,
        description=description,
        readings=readings,
        offered_again=offered_again,
        offer_again_until=until,
    )


def _scheduled_cell(
    *,
    day: MarDay,
    time: dt.time,
    doses: list[DueDose],
    entries: list[MarEntry],
    due_on_day: bool,
    time_critical: bool,
    now: dt.datetime,
) -> MarCell:
    live = [d for d in doses if d.state != DueDose.State.WITHDRAWN]
    primary = live[0] if live else (doses[0] if doses else None)
    scheduled = primary.scheduled_at if primary is not None else clock.local_wall_time(day.date, time)
    effective = [e for e in entries if not e.in_error and not e.offered_again]
    waiting = [e for e in entries if e.offered_again and not e.in_error]
    mark = ""
    if effective:
        last = effective[-1]
        if last.outcome == Outcome.GIVEN_PARTIAL:
            state = CellState.PARTIAL
        elif last.taken:
            state = CellState.GIVEN
        else:
            state = CellState.NOT_GIVEN
        description = f"{last.outcome_label}."
    elif primary is not None and live:
        if now > primary.window_closes_at:  # the window each slot was given (rules.window_bounds)
            state, mark = CellState.NOT_RECORDED, NOT_RECORDED_MARK
            description = "Not recorded: the dose's time has passed with no record."
        elif now >= primary.window_opens_at:
            state, description = CellState.DUE, "Due now."
        else:
            state, description = CellState.FUTURE, "Due later."
    elif doses:
        state, mark = CellState.WITHDRAWN, WITHDRAWN_MARK
        reason = doses[0].withdrawn_reason or "prescription changed or stopped"
        description = f"Withdrawn: {reason}."
    elif due_on_day and scheduled > now:
        state, description = CellState.FUTURE, "Due later."
    else:
        state, description = CellState.NO_DOSE, "No dose due."
    if waiting and not effective:
        first = waiting[0]
        until = f" by {first.offer_again_until:%H:%M}" if first.offer_again_until is not None else ""
        description = f"{first.outcome_label} at {first.administered_at:%H:%M}, to offer again{until}. {description}"
    elif waiting:
        description = f"{waiting[0].outcome_label} at the first offer; {description[:1].lower()}{description[1:]}"
    if any(e.in_error for e in entries):
        description = f"Corrected: {sum(e.in_error for e in entries)} record(s) entered in error. {description}"
    moved_to = ""
    if primary is not None and primary.moved_from_id is not None and primary.state != DueDose.State.WITHDRAWN:
        moved_to = f"{clock.to_local(primary.scheduled_at):%H:%M}"
        description = f"Moved to {moved_to}: the dose before was given late. {description}"
    return MarCell(
        day=day.day,
        date=day.date,
        state=state,
        mark=mark,
        entries=entries,
        scheduled_at=clock.to_local(scheduled) if primary is not None or state == CellState.FUTURE else None,
        due_dose_id=str(primary.pk) if primary is not None else None,
        description=description,
        moved_to=moved_to,
    )


def _prn_cell(day: MarDay, active: bool, todays: list[MarEntry]) -> MarCell:
    todays = sorted(todays, key=lambda e: (e.administered_at, e.recorded_at))
    if todays:
        given = sum(1 for e in todays if e.taken and not e.in_error)
        description = f"{given} dose{'' if given == 1 else 's'} given."
    else:
        description = "None given." if active else "Not prescribed that day."
    return MarCell(
        day=day.day,
        date=day.date,
        state=CellState.PRN if (active or todays) else CellState.NO_DOSE,
        mark="",
        entries=todays,
        scheduled_at=None,
        due_dose_id=None,
        description=description,
    )


def _correction(
    a: Administration, entry: MarEntry, replacement: Administration | None, users: dict[Any, _StaffRef]
) -> MarCorrection:
    correction = a.correction
    marker = users[correction.by_id]
    replaced = ""
    if replacement is not None:
        at = clock.to_local(replacement.administered_at)
        replaced = (
            f"{_OUTCOME_LABELS.get(replacement.outcome)}, recorded by {users[replacement.recorded_by_id].name} "
            f"at {at:%H:%M on %d %b}"
        )
        if replacement.status == Administration.Status.ENTERED_IN_ERROR:
            replaced += " (itself entered in error)"
    original = f"{entry.outcome_label}" + (f" ({entry.dose})" if entry.dose else "") + f", recorded by {entry.by}"
    return MarCorrection(
        administration_id=entry.administration_id,
        medicine=entry.medicine,
        slot=entry.scheduled_at or entry.administered_at,
        original=original,
        recorded_by=entry.by,
        marked_by=marker.name,
        marked_by_initials=marker.initials,
        marked_at=clock.to_local(correction.at),
        reason=correction.reason,
        replaced_by=replaced,
        replaced_by_id=str(replacement.pk) if replacement is not None else None,
    )


def _person(person: Person, allergies: list[Any], month: dt.date, last_day: dt.date) -> MarPerson:
    allergy = allergy_statement(person.allergy_status, allergies)
    nhs = nhs_number_display(person.nhs_number)
    if nhs_number_problem(person.nhs_number):
        nhs += " (not a valid NHS number: check it)"
    return MarPerson(
        id=str(person.pk),
        full_name=person.full_name,
        preferred_name=person.preferred_name,
        date_of_birth=person.date_of_birth,
        age=person.age_on(min(last_day, clock.today())),
        nhs_number=nhs or "Not recorded",
        location=person.location.name,
        unit=person.unit.name if person.unit_id and person.unit else "",
        room=room_of(person.room, person.location.kind),
        allergy_status=person.allergy_status,
        allergies=[item.text for item in allergy.items],
        allergy_text=allergy.text,
        allergy_state=allergy.state,
        allergy_warning=allergy.warning,
        gp_practice=person.gp_practice,
        pharmacy=person.pharmacy,
        medicine_preferences=person.medicine_preferences,
    )


_SYMBOLS: tuple[tuple[str, str, str], ...] = (
    ("initials", "CC", "Given: the initials of who gave it"),
    ("witnessed", "CC/SS", "Controlled drug given: who gave it / who witnessed it"),
    ("late", LATE_MARK, "Late entry: recorded more than {late} minutes after the time it was given"),
    ("late_dose", f"{LATE_DOSE_MARK}45", "Given late: 45 minutes (say) after the dose's window closed"),
    ("moved", f"{MOVED_MARK}22:10", "Moved later (to 22:10, say): the dose before was given late; see Late doses"),
    ("offered_again", f"R {MOVED_MARK} CC", "Refused (or asleep) and offered again: the first offer, then the outcome"),
    (
        "reading",
        "P 68",
        "A reading taken before the dose (P pulse, BG blood glucose, BP blood pressure); bold: outside "
        "the prescriber's limits; every reading is listed under Readings",
    ),
    ("in_error", IN_ERROR_MARK, "Entered in error: the record is struck through and kept; see Corrections"),
    ("not_recorded", NOT_RECORDED_MARK, "Not recorded: the dose's time passed with no record"),
    ("withdrawn", WITHDRAWN_MARK, "Withdrawn: the prescription changed or stopped before the dose was due"),
    ("no_dose", "Shaded", "No dose due"),
    ("due", "Outlined", "Due now: within its time window, not yet recorded"),
)


def _key(cells: list[MarCell], entries: list[MarEntry], prescriptions: list[MarPrescription]) -> list[MarKeyItem]:
    used_symbols: set[str] = set()
    states = {c.state for c in cells}
    if any(e.outcome == Outcome.GIVEN and not e.witness_initials for e in entries):
        used_symbols.add("initials")
    if any(e.witness_initials for e in entries):
        used_symbols.add("witnessed")
    if any(e.late_entry for e in entries):
        used_symbols.add("late")
    if any(e.minutes_late for e in entries):
        used_symbols.add("late_dose")
    if any(c.moved_to for c in cells):
        used_symbols.add("moved")
    if any(e.readings for e in entries):
        used_symbols.add("reading")
    if any(e.in_error for e in entries):
        used_symbols.add("in_error")
    for state in (CellState.NOT_RECORDED, CellState.WITHDRAWN, CellState.NO_DOSE, CellState.DUE):
        if state in states:
            used_symbols.add(str(state))
    used_codes = {e.code for e in entries}
    late = settings.CAREBOOK["LATE_ENTRY_MINUTES"]
    items = [
        MarKeyItem(symbol, meaning.format(late=late), "symbol", name in used_symbols)
        for name, symbol, meaning in _SYMBOLS
        if name != "due" or name in used_symbols
    ]
    for outcome, code in MAR_CODES.items():
        if code:
            items.append(MarKeyItem(code, Outcome(outcome).label, "code", code in used_codes))
    flags: dict[str, MarFlag] = {}
    for rx in prescriptions:
        for flag in rx.flags:
            flags.setdefault(flag.short, flag)
    items += [MarKeyItem(f.short, f.label, "flag", True) for f in sorted(flags.values(), key=lambda f: f.short)]
    return items


def _staff(administrations: list[Administration], users: dict[Any, _StaffRef]) -> list[MarStaff]:
    return sorted(
        (MarStaff(ref.initials, ref.name, ref.role) for ref in users.values()), key=lambda s: (s.initials, s.name)
    )


# --- JSON ------------------------------------------------------------------------------------


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}
_PLAIN = (str, int, bool, float, type(None))


def _jsonable(value: Any) -> Any:
    kind = type(value)
    if kind in _PLAIN:
        return value
    if kind is list or kind is tuple:
        return [_jsonable(v) for v in value]
    names = _FIELD_NAMES.get(kind)
    if names is None and dataclasses.is_dataclass(value):
        names = _FIELD_NAMES[kind] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _jsonable(getattr(value, name)) for name in names}
    if isinstance(value, StrEnum):
        return str(value)
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return value.strftime("%H:%M")
    if isinstance(value, Decimal):
        return format_quantity(value)
    if isinstance(value, uuid.UUID):
        return str(value)
    return value


def mar_chart_as_json(chart: MarChart) -> dict[str, Any]:
    """The chart as a plain dict of str, int, bool, None, lists and dicts (json.dumps-able)."""
    body: dict[str, Any] = _jsonable(chart)
    body["month"] = f"{chart.month:%Y-%m}"  # the month the chart starts in (a cycle may run into the next)
    body["period_start"] = chart.days[0].date.isoformat() if chart.days else ""
    body["period_end"] = chart.days[-1].date.isoformat() if chart.days else ""
    body["previous_month"] = f"{chart.previous_month:%Y-%m}"
    body["next_month"] = f"{chart.next_month:%Y-%m}"
    return body
