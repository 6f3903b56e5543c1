"""Reads for the medication round: who has doses due in a round, overdue first.

A fixed number of queries whatever the number of people: one for the doses
(with person, unit, prescription, medicine and transcription check joined),
one for the allergies of the people in the list and one for the records of
the doses already recorded; where a medicine has ingredients recorded or a
person an allergy, a few more (``contents.offer_facts``), never per person.

The rounds and the care day are rules (``rules.windows``): morning, lunchtime,
teatime and night, by the dose's prescribed Europe/London wall time; a care day
runs from 06:00 to 06:00.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import Q

from carebook.core import clock
from carebook.core.text import clock_time, duration
from carebook.medication import rules
from carebook.medication.contents import OfferFacts, allergies_of, has_contents, offer_facts
from carebook.medication.facts import awaiting_transcription_check, prescription_facts, slot_facts
from carebook.medication.models import Administration, DueDose, PrescriptionStatus, ScheduleKind
from carebook.medication.selectors.common import past_window
from carebook.medication.vocab import PENDING_STATUSES, TAKEN, DoseStatus, Outcome
from carebook.organisations.models import Location, Unit
from carebook.people.allergies import AllergyStatement, allergy_statement
from carebook.people.models import Allergy, Person

NEXT_2H = "next2h"
# The statuses a dose may be recorded in now (a later one first says when it may be given).
RECORDABLE = frozenset({DoseStatus.DUE, DoseStatus.OVERDUE, DoseStatus.OFFER_AGAIN})
NEXT_WINDOW = dt.timedelta(hours=2)
ROUNDS = rules.ROUNDS
ROUND_CHOICES: tuple[tuple[str, str], ...] = (
    *((r.name, r.label) for r in ROUNDS.values()),
    (NEXT_2H, "Next 2 hours"),
)
current_round = rules.current_round
care_day = rules.care_day
round_for_time = rules.round_for_time


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
    status: str  # a DoseStatus: later | due | overdue | given | not_given
    status_label: str
    can_record: bool  # nothing stops it being offered now (rules.offer_refusal)
    blocked: str  # why it cannot be offered now, in the service's words ("" when it can)
    opens_at: dt.datetime
    closes_at: dt.datetime
    time_critical: bool
    controlled_drug: bool
    high_risk: bool
    awaiting_transcription_check: bool
    recorded_by: str = ""
    administered_at: dt.datetime | None = None
    outcome_label: str = ""
    minutes_late: int = 0  # a dose given after its window closed: by how many minutes
    moved_from_time: dt.time | None = None  # moved later because the dose before was given late: its prescribed time
    countdown: str = ""  # a time-critical dose: how long is left of its window (rules.window_countdown)
    offered_again: bool = False  # refused or asleep, waiting to be offered again (ADR 0034)
    first_reason: str = ""  # why, at the first offer

    @property
    def is_pending(self) -> bool:
        return self.status in PENDING_STATUSES

    @property
    def time_label(self) -> str:
        """When it is due: its prescribed time, or a moved dose's new time."""
        return clock_time(self.scheduled_at) if self.moved_from_time is not None else f"{self.local_time:%H:%M}"

    @property
    def moved_text(self) -> str:
        if self.moved_from_time is None:
            return ""
        return f"Moved from {self.moved_from_time:%H:%M}: the dose before was given late"

    @property
    def late_text(self) -> str:
        return (
            f"Late: given {duration(dt.timedelta(minutes=self.minutes_late))} after its window"
            if self.minutes_late
            else ""
        )


@dataclass
class RoundPerson:
    person: Person
    allergies: list[Allergy] = field(default_factory=list)
    doses: list[RoundDose] = field(default_factory=list)

    @cached_property
    def allergy(self) -> AllergyStatement:
        return allergy_statement(self.person.allergy_status, self.allergies)

    @property
    def overdue_count(self) -> int:
        return sum(1 for d in self.doses if d.status == DoseStatus.OVERDUE)

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
        return Q(window_closes_at__gte=now, scheduled_at__lt=now + NEXT_WINDOW)
    definition = ROUNDS[round_name]
    if definition.starts < definition.ends:
        by_prescribed_time = Q(local_date=day, local_time__gte=definition.starts, local_time__lt=definition.ends)
    else:
        by_prescribed_time = Q(local_date=day, local_time__gte=definition.starts) | Q(
            local_date=day + dt.timedelta(days=1), local_time__lt=definition.ends
        )
    # A dose moved later (ADR 0021) belongs to the round of its new time, not of its place on the MAR.
    start = clock.local_wall_time(day, definition.starts)
    end = clock.local_wall_time(day + dt.timedelta(days=1) if definition.wraps_midnight else day, definition.ends)
    moved = Q(moved_from__isnull=False, scheduled_at__gte=start, scheduled_at__lt=end)
    return (Q(moved_from__isnull=True) & by_prescribed_time) | moved


def _overdue_condition(now: dt.datetime) -> Q:
    """Pending doses of today past their window (time-critical medicines have a tighter one)."""
    local = clock.to_local(now)
    midnight = clock.local_wall_time(local.date(), dt.time(0, 0))
    day_start = clock.local_wall_time(care_day(now), rules.DAY_STARTS)
    since = min(midnight, day_start)
    return Q(state=DueDose.State.PENDING, scheduled_at__gte=since) & past_window(now)


@dataclass
class DoseRecords:
    """The records of some due doses: each recorded dose's record, and each due dose's refusal (or sleep) waiting
    for it to be offered again (ADR 0034)."""

    records: dict[object, Administration] = field(default_factory=dict)
    offered_again: dict[object, Administration] = field(default_factory=dict)

    def of(self, dose: DueDose) -> tuple[Administration | None, Administration | None]:
        return self.records.get(dose.pk), self.offered_again.get(dose.pk)


def dose_records(doses: list[DueDose]) -> DoseRecords:
    """One query for the doses that are not withdrawn, none when there are none."""
    found = DoseRecords()
    ids = [d.pk for d in doses if d.state != DueDose.State.WITHDRAWN]
    if ids:
        for admin in Administration.objects.standing_for_doses(ids).select_related("recorded_by"):
            if admin.status == Administration.Status.OFFER_AGAIN:
                found.offered_again[admin.due_dose_id] = admin
            else:
                found.records[admin.due_dose_id] = admin
    return found


def offered_again_text(first: Administration) -> str:
    """The refusal a dose waits with: "Refused at 08:05 (Carla Carer): offer again by 09:00"."""
    what = "Refused" if first.outcome == Outcome.REFUSED else Outcome.label_of(first.outcome).split(" (")[0]
    until = clock_time(first.offer_again_until) if first.offer_again_until is not None else ""
    by = f" ({first.recorded_by.display_name})"
    return f"{what} at {clock_time(first.administered_at)}{by}: offer again by {until}"


def build_round_dose(
    dose: DueDose,
    admin: Administration | None,
    first: Administration | None,
    now: dt.datetime,
    offers: OfferFacts | None = None,
) -> RoundDose:
    """One dose as the round and the person's page show it (prescription, medicine and check already joined).

    ``first``: its refusal (or sleep) waiting for it to be offered again, if any (ADR 0034). ``offers``: the allergy
    holds and ingredient doses of the page (``contents.offer_facts``), so "can this be offered now?" is answered by
    the same rules as the recording service."""
    rx = dose.prescription
    medicine = rx.medicine
    status = rules.dose_status(
        state=dose.state,
        outcome=admin.outcome if admin is not None else None,
        opens_at=dose.window_opens_at,
        closes_at=dose.window_closes_at,
        now=now,
        offer_again_until=first.offer_again_until if first is not None and admin is None else None,
    )
    if admin is not None:
        who = f"{admin.recorded_by.display_name} at {clock_time(admin.administered_at)}"
        outcome = admin.get_outcome_display()
        label = f"{outcome} by {who}" if admin.outcome in TAKEN else f"{outcome}, recorded by {who}"
    elif dose.state == DueDose.State.RECORDED:
        label = "Recorded"
    elif first is not None:
        label = offered_again_text(first) + (" (now overdue)" if status == DoseStatus.OVERDUE else "")
    else:
        label = rules.dose_status_label(status, dose.scheduled_at)
    refusal = None
    if status in RECORDABLE:
        facts = prescription_facts(rx)
        history: list[rules.ingredients.IngredientDose] = []
        if offers is not None:
            facts, history = offers.facts(rx, facts), offers.doses_of(dose.person_id)
        refusal = rules.offer_refusal(facts, slot=slot_facts(dose), now=now, ingredient_history=history)
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
        can_record=status in RECORDABLE and refusal is None,
        blocked=refusal.message if refusal is not None else "",
        opens_at=dose.window_opens_at,
        closes_at=dose.window_closes_at,
        time_critical=medicine.time_critical,
        controlled_drug=medicine.needs_witness,
        high_risk=medicine.high_risk,
        awaiting_transcription_check=awaiting_transcription_check(rx),
        recorded_by=admin.recorded_by.display_name if admin else "",
        administered_at=admin.administered_at if admin else None,
        outcome_label=admin.get_outcome_display() if admin else "",
        minutes_late=admin.minutes_late if admin is not None and admin.outcome in TAKEN else 0,
        moved_from_time=dose.local_time if dose.moved_from_id is not None else None,
        countdown=rules.window_countdown(status, _give_by(dose, first), now) if medicine.time_critical else "",
        offered_again=first is not None and admin is None,
        first_reason=first.reason if first is not None and admin is None else "",
    )


def _give_by(dose: DueDose, first: Administration | None) -> dt.datetime:
    """The end of a dose's window, or of the time to offer it again."""
    if first is not None and first.offer_again_until is not None:
        return first.offer_again_until
    return dose.window_closes_at


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
        .annotate(cb_has_contents=has_contents("prescription__medicine_id"))
        .order_by("scheduled_at")
    )
    if unit is not None:
        doses_qs = doses_qs.filter(person__unit=unit)
    doses = list(doses_qs)

    person_ids = {d.person_id for d in doses}
    allergies, allergy_facts = allergies_of(person_ids)  # one query: the statement's rows and the rules' facts
    pending = [d for d in doses if d.state == DueDose.State.PENDING]
    offers = offer_facts(
        [d.prescription for d in pending],
        now=now,
        allergies=allergy_facts,
        known_empty={d.prescription.medicine_id for d in pending if not d.cb_has_contents},  # type: ignore[attr-defined]
    )
    records = dose_records(doses)

    people: dict[object, RoundPerson] = {}
    for dose in doses:
        entry = people.get(dose.person_id)
        if entry is None:
            entry = people[dose.person_id] = RoundPerson(
                person=dose.person, allergies=allergies.get(dose.person_id, [])
            )
        entry.doses.append(build_round_dose(dose, *records.of(dose), now, offers))

    for entry in people.values():
        entry.doses.sort(key=lambda d: (d.status != DoseStatus.OVERDUE, d.scheduled_at))  # overdue first, then by time

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


def prn_follow_ups_due(*, location: Location, unit: Unit | None, now: dt.datetime) -> list[Administration]:
    """When-required doses whose effect is due to be recorded (``rules.follow_up_state``) and is not yet."""
    records = (
        Administration.objects.taken()
        .filter(
            location=location,
            prescription__schedule_kind=ScheduleKind.PRN,
            administered_at__gte=now - rules.FOLLOW_UP_WINDOW,
            administered_at__lte=now - rules.FOLLOW_UP_AFTER,
            follow_up__isnull=True,
        )
        .select_related("person", "prescription__medicine")
        .defer("person__picture_svg")
        .order_by("administered_at")
    )
    if unit is not None:
        records = records.filter(person__unit=unit)
    return list(records)
