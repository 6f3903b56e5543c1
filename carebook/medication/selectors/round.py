"""Reads for the medication round: who has doses due in a round, overdue first.

A fixed number of queries whatever the number of people: one for the doses
(with person, unit, prescription, medicine and transcription check joined),
one for the allergies of the people in the list and one for the records of
the doses already recorded.

Rounds are named by the dose's prescribed Europe/London wall time:
morning 06:00-10:59, lunchtime 11:00-13:59, teatime 14:00-17:59 and night
18:00-05:59. A care day runs from 06:00 to 06:00, so at 02:00 the current
round is the night that started the evening before, and its after-midnight
doses belong to it.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Q

from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, PrescriptionStatus, ScheduleKind
from carebook.medication.models.administrations import TAKEN_OUTCOMES
from carebook.medication.selectors.common import awaiting_transcription_check, past_window
from carebook.organisations.models import Location, Unit
from carebook.people.models import Allergy, Person

NEXT_2H = "next2h"
DAY_STARTS = dt.time(6, 0)
NEXT_WINDOW = dt.timedelta(hours=2)


@dataclass(frozen=True)
class RoundDefinition:
    name: str
    label: str
    starts: dt.time
    ends: dt.time  # exclusive; the night round wraps past midnight

    @property
    def hours(self) -> str:
        last = (dt.datetime.combine(dt.date(2000, 1, 1), self.ends) - dt.timedelta(minutes=1)).time()
        return f"{self.starts:%H:%M} to {last:%H:%M}"


ROUNDS: dict[str, RoundDefinition] = {
    "morning": RoundDefinition("morning", "Morning", dt.time(6, 0), dt.time(11, 0)),
    "lunchtime": RoundDefinition("lunchtime", "Lunchtime", dt.time(11, 0), dt.time(14, 0)),
    "teatime": RoundDefinition("teatime", "Teatime", dt.time(14, 0), dt.time(18, 0)),
    "night": RoundDefinition("night", "Night", dt.time(18, 0), dt.time(6, 0)),
}
ROUND_CHOICES: tuple[tuple[str, str], ...] = (
    *((r.name, r.label) for r in ROUNDS.values()),
    (NEXT_2H, "Next 2 hours"),
)


def round_for_time(local_time: dt.time) -> str:
    """The round a Europe/London wall time belongs to."""
    for definition in ROUNDS.values():
        if definition.starts <= definition.ends:
            if definition.starts <= local_time < definition.ends:
                return definition.name
        elif local_time >= definition.starts or local_time < definition.ends:
            return definition.name
    return "night"  # unreachable: the rounds cover the whole day


def current_round(now: dt.datetime) -> str:
    return round_for_time(clock.to_local(now).time())


def care_day(now: dt.datetime) -> dt.date:
    """The day a round belongs to: before 06:00 it is still the night of the day before."""
    local = clock.to_local(now)
    return local.date() - dt.timedelta(days=1) if local.time() < DAY_STARTS else local.date()


def is_round_name(value: str) -> bool:
    return value in ROUNDS or value == NEXT_2H


@dataclass(frozen=True)
class RoundDose:
    id: str
    prescription_id: str
    medicine: str
    dose_text: str
    route: str
    instructions: str
    scheduled_at: dt.datetime
    local_time: dt.time
    status: str  # later | due | overdue | given | not_given
    status_label: str
    can_record: bool
    opens_at: dt.datetime
    time_critical: bool
    controlled_drug: bool
    high_risk: bool
    awaiting_transcription_check: bool
    recorded_by: str = ""
    administered_at: dt.datetime | None = None
    outcome_label: str = ""

    @property
    def is_pending(self) -> bool:
        return self.status in ("later", "due", "overdue")


@dataclass
class RoundPerson:
    person: Person
    allergies: list[Allergy] = field(default_factory=list)
    doses: list[RoundDose] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(1 for d in self.doses if d.status == "overdue")

    @property
    def pending_count(self) -> int:
        return sum(1 for d in self.doses if d.is_pending)


@dataclass
class RoundView:
    round_name: str
    label: str
    hours: str
    day: dt.date
    now: dt.datetime
    people: list[RoundPerson]
    follow_ups_due: list[Administration] = field(default_factory=list)

    @property
    def overdue_count(self) -> int:
        return sum(p.overdue_count for p in self.people)

    @property
    def pending_count(self) -> int:
        return sum(p.pending_count for p in self.people)

    @property
    def dose_count(self) -> int:
        return sum(len(p.doses) for p in self.people)


def _round_condition(round_name: str, day: dt.date, now: dt.datetime) -> Q:
    if round_name == NEXT_2H:
        # Due now (inside the usual window) or scheduled in the next two hours.
        return Q(scheduled_at__gte=now - rules.DEFAULT_WINDOW, scheduled_at__lt=now + NEXT_WINDOW)
    definition = ROUNDS[round_name]
    if definition.starts < definition.ends:
        return Q(local_date=day, local_time__gte=definition.starts, local_time__lt=definition.ends)
    return Q(local_date=day, local_time__gte=definition.starts) | Q(
        local_date=day + dt.timedelta(days=1), local_time__lt=definition.ends
    )


def _overdue_condition(now: dt.datetime) -> Q:
    """Pending doses of today past their window (time-critical medicines have a tighter one)."""
    local = clock.to_local(now)
    midnight = clock.local_wall_time(local.date(), dt.time(0, 0))
    day_start = clock.local_wall_time(care_day(now), DAY_STARTS)
    since = min(midnight, day_start)
    return Q(state=DueDose.State.PENDING, scheduled_at__gte=since) & past_window(now)


def _status_of(dose: DueDose, admin: Administration | None, now: dt.datetime) -> tuple[str, str]:
    if admin is not None:
        local = clock.to_local(admin.administered_at)
        if admin.outcome in TAKEN_OUTCOMES:
            verb = admin.get_outcome_display()
            return "given", f"{verb} by {admin.recorded_by.display_name} at {local:%H:%M}"
        return (
            "not_given",
            f"{admin.get_outcome_display()}, recorded by {admin.recorded_by.display_name} at {local:%H:%M}",
        )
    if dose.state == DueDose.State.RECORDED:
        return "given", "Recorded"
    time_critical = dose.prescription.medicine.time_critical
    timing = rules.timing_of(dose.scheduled_at, now, time_critical)
    if timing == "late":
        return "overdue", f"Overdue (due {clock.to_local(dose.scheduled_at):%H:%M})"
    if timing == "early":
        return "later", f"Due at {clock.to_local(dose.scheduled_at):%H:%M}"
    return "due", f"Due at {clock.to_local(dose.scheduled_at):%H:%M}"


def build_round_dose(dose: DueDose, admin: Administration | None, now: dt.datetime) -> RoundDose:
    """One dose as the round and the person's page show it (prescription and medicine already joined)."""
    rx = dose.prescription
    medicine = rx.medicine
    status, label = _status_of(dose, admin, now)
    return RoundDose(
        id=str(dose.pk),
        prescription_id=str(rx.pk),
        medicine=str(medicine),
        dose_text=rx.dose_text,
        route=rx.route,
        instructions=rx.instructions,
        scheduled_at=dose.scheduled_at,
        local_time=dose.local_time,
        status=status,
        status_label=label,
        can_record=status in ("due", "overdue") and rx.status == PrescriptionStatus.ACTIVE,
        opens_at=dose.scheduled_at - rules.dose_window(medicine.time_critical),
        time_critical=medicine.time_critical,
        controlled_drug=medicine.needs_witness,
        high_risk=medicine.high_risk,
        awaiting_transcription_check=awaiting_transcription_check(rx),
        recorded_by=admin.recorded_by.display_name if admin else "",
        administered_at=admin.administered_at if admin else None,
        outcome_label=admin.get_outcome_display() if admin else "",
    )


def round_due_doses(
    *, location: Location, unit: Unit | None, round_name: str, now: dt.datetime | None = None
) -> RoundView:
    """The people with doses in a round of ``location`` (and ``unit``), with any overdue dose of today first.

    Only doses of active prescriptions, pending or recorded (never withdrawn).
    """
    now = now or clock.now()
    if not is_round_name(round_name):
        round_name = current_round(now)
    day = care_day(now)
    # Every round and overdue condition lies within these bounds; saying so lets the
    # (location, scheduled_at) index read a few days rather than the location's whole history.
    lower = min(clock.local_wall_time(day - dt.timedelta(days=1), dt.time(0, 0)), now - dt.timedelta(days=1))
    upper = max(clock.local_wall_time(day + dt.timedelta(days=2), dt.time(0, 0)), now + NEXT_WINDOW)
    doses_qs = (
        DueDose.objects.filter(
            location=location,
            scheduled_at__gte=lower,
            scheduled_at__lt=upper,
            prescription__status=PrescriptionStatus.ACTIVE,
            state__in=[DueDose.State.PENDING, DueDose.State.RECORDED],
        )
        .filter(_round_condition(round_name, day, now) | _overdue_condition(now))
        .select_related("person", "person__unit", "prescription", "prescription__medicine")
        .defer("person__picture_svg")  # the page links to the picture; it never needs its text here
        .select_related("prescription__transcription_check")
        .order_by("scheduled_at")
    )
    if unit is not None:
        doses_qs = doses_qs.filter(person__unit=unit)
    doses = list(doses_qs)

    person_ids = {d.person_id for d in doses}
    allergies: dict[object, list[Allergy]] = defaultdict(list)
    if person_ids:
        for allergy in Allergy.objects.filter(person_id__in=person_ids).order_by("substance"):
            allergies[allergy.person_id].append(allergy)
    recorded_ids = [d.pk for d in doses if d.state == DueDose.State.RECORDED]
    records: dict[object, Administration] = {}
    if recorded_ids:
        for admin in Administration.objects.filter(
            due_dose_id__in=recorded_ids, status=Administration.Status.COMPLETED
        ).select_related("recorded_by"):
            records[admin.due_dose_id] = admin

    people: dict[object, RoundPerson] = {}
    for dose in doses:
        entry = people.get(dose.person_id)
        if entry is None:
            entry = people[dose.person_id] = RoundPerson(person=dose.person, allergies=allergies[dose.person_id])
        entry.doses.append(build_round_dose(dose, records.get(dose.pk), now))

    for entry in people.values():
        entry.doses.sort(key=lambda d: (d.status != "overdue", d.scheduled_at))  # overdue first, then by time

    def person_order(entry: RoundPerson) -> tuple[int, dt.datetime, str, str, str]:
        if entry.overdue_count:
            group = 0
        elif entry.pending_count:
            group = 1
        else:
            group = 2
        first = min(d.scheduled_at for d in entry.doses)
        person = entry.person
        return (group, first, person.room, person.family_name, person.given_name)

    ordered = sorted(people.values(), key=person_order)
    if round_name == NEXT_2H:
        label, hours = "Next 2 hours", f"{clock.to_local(now):%H:%M} to {clock.to_local(now + NEXT_WINDOW):%H:%M}"
    else:
        label, hours = ROUNDS[round_name].label, ROUNDS[round_name].hours
    return RoundView(
        round_name=round_name,
        label=label,
        hours=hours,
        day=day,
        now=now,
        people=ordered,
        follow_ups_due=prn_follow_ups_due(location=location, unit=unit, now=now),
    )


FOLLOW_UP_AFTER = dt.timedelta(minutes=30)
FOLLOW_UP_LOOKBACK = dt.timedelta(hours=12)


def prn_follow_ups_due(*, location: Location, unit: Unit | None, now: dt.datetime) -> list[Administration]:
    """When-required doses given 30 minutes or more ago (in the last 12 hours) whose effect is not yet recorded."""
    records = (
        Administration.objects.filter(
            location=location,
            status=Administration.Status.COMPLETED,
            outcome__in=TAKEN_OUTCOMES,
            prescription__schedule_kind=ScheduleKind.PRN,
            administered_at__gte=now - FOLLOW_UP_LOOKBACK,
            administered_at__lte=now - FOLLOW_UP_AFTER,
            follow_up__isnull=True,
        )
        .select_related("person", "prescription__medicine")
        .defer("person__picture_svg")
        .order_by("administered_at")
    )
    if unit is not None:
        records = records.filter(person__unit=unit)
    return list(records)
