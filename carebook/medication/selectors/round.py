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
from carebook.medication.contents import (
    AllergyFact,
    OfferFacts,
    PrescriptionSafety,
    allergies_of,
    has_contents,
    offer_facts,
)
from carebook.medication.facts import (
    awaiting_transcription_check,
    next_dose_may_be_close,
    prescription_facts,
    previous_sites,
    slot_facts,
)
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    Prescription,
    PrescriptionStatus,
    ScheduleKind,
)
from carebook.medication.selectors.common import past_window
from carebook.medication.selectors.late import late_offer_for
from carebook.medication.vocab import PENDING_STATUSES, TAKEN, DoseStatus, Outcome
from carebook.medication.wording import dose_on_day_text
from carebook.organisations.models import Location, Unit
from carebook.people.allergies import AllergyStatement, allergy_statement
from carebook.people.models import Allergy, Person
from carebook.people.namesakes import Namesake, namesake_warning, namesakes_for, namesakes_of
from carebook.people.whereabouts import room_of, room_words

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
    namesake_warning: str = ""  # someone in the same unit with the same name (people.namesakes, hazard H64)
    place: str = ""  # "room 12" in a care home; never a home address (people.whereabouts)

    @cached_property
    def allergy(self) -> AllergyStatement:
        return allergy_statement(self.person.allergy_status, self.allergies)

    @property
    def overdue_count(self) -> int:
        return sum(1 for d in self.doses if d.status == DoseStatus.OVERDUE)

    @property
    def pending_count(self) -> int:
        return sum(1 for d in self.doses if d.is_pending)

    @property
    def recordable_count(self) -> int:
        """The doses that can be offered now: what the person's pass shows (ADR 0036)."""
        return sum(1 for d in self.doses if d.can_record)


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
        dose_text=dose_on_day_text(rx, offers.day_dose(rx, dose.local_date) if offers is not None else None),
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


def _round_doses(
    *, location: Location, unit: Unit | None, round_name: str, now: dt.datetime, person: Person | None = None
) -> list[DueDose]:
    """The doses of a round (and any overdue today) of ``location``, its ``unit`` or one ``person``: one query."""
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
    if person is not None:
        doses_qs = doses_qs.filter(person=person)
    return list(doses_qs)


def _offers(doses: list[DueDose], allergy_facts: dict[object, list[AllergyFact]], now: dt.datetime) -> OfferFacts:
    pending = [d for d in doses if d.state == DueDose.State.PENDING]
    return offer_facts(
        [d.prescription for d in pending],
        now=now,
        allergies=allergy_facts,
        known_empty={d.prescription.medicine_id for d in pending if not d.cb_has_contents},  # type: ignore[attr-defined]
    )


def _in_order(doses: list[RoundDose]) -> list[RoundDose]:
    return sorted(doses, key=lambda d: (d.status != DoseStatus.OVERDUE, d.scheduled_at))  # overdue first, then time


def _round_name(round_name: str, now: dt.datetime) -> str:
    return round_name if is_round_name(round_name) else current_round(now)


def round_label(round_name: str, now: dt.datetime) -> tuple[str, str]:
    """The round's name in words and its hours."""
    if round_name == NEXT_2H:
        return "Next 2 hours", f"{clock.to_local(now):%H:%M} to {clock.to_local(now + NEXT_WINDOW):%H:%M}"
    return ROUNDS[round_name].label, ROUNDS[round_name].hours


def round_due_doses(
    *, location: Location, unit: Unit | None, round_name: str, now: dt.datetime | None = None
) -> RoundView:
    """The people with doses in a round of ``location`` (and ``unit``), with any overdue dose of today first.

    Only doses of active prescriptions, pending or recorded (never withdrawn).
    """
    now = now or clock.now()
    round_name = _round_name(round_name, now)
    doses = _round_doses(location=location, unit=unit, round_name=round_name, now=now)
    allergies, allergy_facts = allergies_of({d.person_id for d in doses})  # one query: statement rows, rules' facts
    offers = _offers(doses, allergy_facts, now)
    records = dose_records(doses)

    people: dict[object, RoundPerson] = {}
    for dose in doses:
        entry = people.get(dose.person_id)
        if entry is None:
            entry = people[dose.person_id] = RoundPerson(
                person=dose.person, allergies=allergies.get(dose.person_id, [])
            )
        entry.doses.append(build_round_dose(dose, *records.of(dose), now, offers))

    same_names = namesakes_for([entry.person for entry in people.values()])  # one query
    for entry in people.values():
        entry.doses = _in_order(entry.doses)
        entry.namesake_warning = namesake_warning(same_names.get(entry.person.pk, []))
        entry.place = room_words(room_of(entry.person.room, location.kind))

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
    label, hours = round_label(round_name, now)
    return RoundView(
        round_name=round_name,
        label=label,
        hours=hours,
        day=care_day(now),
        now=now,
        people=ordered,
        follow_ups_due=prn_follow_ups_due(location=location, unit=unit, now=now),
    )


# --- One pass per person (ADR 0036) -----------------------------------------------------------------------------

OWN_PAGE_WITNESS = "A controlled drug: record it on its own page, where the witness signs in."
OWN_PAGE_LATE = "Late, and too close to the next dose: record it on its own page, to choose what happens to the next."


@dataclass(frozen=True)
class PassDose:
    """One dose of a person's pass: the round's view of it, and what the pass needs to record it."""

    dose: DueDose
    view: RoundDose
    safety: PrescriptionSafety
    own_page: str = ""  # why it is recorded on its own page instead ("" when the pass records it)
    sites: dict[str, object] = field(default_factory=dict)  # a patch or an injection: site_choices

    @property
    def in_pass(self) -> bool:
        return self.view.can_record and not self.own_page

    @property
    def rx(self) -> Prescription:
        return self.dose.prescription


@dataclass
class PersonPass:
    person: Person
    allergy: AllergyStatement
    namesakes: list[Namesake]
    round_name: str
    label: str
    now: dt.datetime
    doses: list[PassDose]

    @property
    def to_record(self) -> list[PassDose]:
        return [d for d in self.doses if d.in_pass]

    @property
    def elsewhere(self) -> list[PassDose]:
        """Pending doses the pass does not record: not yet, held, or for their own page."""
        return [d for d in self.doses if d.view.is_pending and not d.in_pass]

    @property
    def done(self) -> list[PassDose]:
        return [d for d in self.doses if not d.view.is_pending]

    @property
    def namesake_warning(self) -> str:
        return namesake_warning(self.namesakes)

    @property
    def place(self) -> str:
        """ "room 12" in a care home; never a home address (people.whereabouts)."""
        return room_words(room_of(self.person.room, self.person.location.kind))


def site_choices(rx: Prescription, person_id: object) -> dict[str, object]:
    """A patch or an injection: the body map with the sites its rotation rule rests, the rule in words, and the old
    patch's site (rules.sites), in one query; a cream or an ointment: its prescribed areas (no query); {} for any
    other."""
    medicine = rx.medicine
    if medicine.is_topical:  # a cream or an ointment: the areas it is prescribed for, and how thickly
        return {
            "site_rows": rules.sites.applied_rows(rx.apply_to),
            "site_rule": rules.sites.applied_text(rx.apply_to, rx.get_apply_how_display()),
            "site_legend": "Where you applied it",
            "last_site": "",
            "old_patch_asked": False,
        }
    if not medicine.site_recorded:
        return {}
    previous = previous_sites(person_id=person_id, medicine_id=rx.medicine_id, gap=rx.site_gap)
    return {
        "site_rows": rules.sites.site_rows(medicine.form, previous, rx.site_gap),
        "site_rule": rules.sites.rotation_text(rx.site_gap),
        "last_site": previous[0] if previous else "",
        "old_patch_asked": medicine.form == Medicine.Form.PATCH and bool(previous),
    }


def _own_page(dose: DueDose, view: RoundDose, now: dt.datetime) -> str:
    """Why a dose that can be offered is recorded on its own page rather than in the pass ("" if it is not)."""
    if not view.can_record:
        return ""
    if dose.prescription.medicine.needs_witness:
        return OWN_PAGE_WITNESS
    if next_dose_may_be_close(dose, now) and late_offer_for(dose, now=now) is not None:
        return OWN_PAGE_LATE
    return ""


def person_pass(*, person: Person, round_name: str, now: dt.datetime | None = None) -> PersonPass:
    """The doses of ``person`` in a round (and any overdue today), for one pass: the person's checks once, then
    each medicine. The same reads and rules as the round's card, for one person; a few more queries for a patch
    (its last sites) or a dose that may be too close to the next."""
    now = now or clock.now()
    round_name = _round_name(round_name, now)
    doses = _round_doses(location=person.location, unit=None, round_name=round_name, now=now, person=person)
    allergies, allergy_facts = allergies_of([person.pk])
    offers = _offers(doses, allergy_facts, now)
    records = dose_records(doses)
    by_id = {str(d.pk): d for d in doses}
    views = _in_order([build_round_dose(dose, *records.of(dose), now, offers) for dose in doses])
    entries = []
    for view in views:
        dose = by_id[view.id]
        safety = offers.safety.get(dose.prescription_id) or PrescriptionSafety(no_match="")
        own = _own_page(dose, view, now)
        sites = site_choices(dose.prescription, person.pk) if view.can_record and not own else {}
        entries.append(PassDose(dose=dose, view=view, safety=safety, own_page=own, sites=sites))
    return PersonPass(
        person=person,
        allergy=allergy_statement(person.allergy_status, allergies.get(person.pk, [])),
        namesakes=namesakes_of(person),
        round_name=round_name,
        label=round_label(round_name, now)[0],
        now=now,
        doses=entries,
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
