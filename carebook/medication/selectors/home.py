"""Reads for the seniors' home page: entries awaiting a transcription check, and today's round progress.

A fixed number of queries whatever the number of people or doses: the
progress figures are aggregate queries grouped by location and unit.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Prefetch, Q

from carebook.access.policy import location_ids_for_user
from carebook.access.scopes import scope_for
from carebook.medication.access import may_check_transcription
from carebook.medication.facts import SEND_BACK_KINDS
from carebook.medication.models import (
    Administration,
    DueDose,
    Outcome,
    Prescription,
    PrescriptionEvent,
    PrescriptionStatus,
)
from carebook.medication.models.administrations import TAKEN_OUTCOMES
from carebook.medication.rules import OPEN_STATUSES
from carebook.medication.selectors.common import past_window
from carebook.medication.selectors.prescriptions import who_must_check
from carebook.organisations.models import Location

AWAITING_LIMIT = 100


# --- Awaiting a transcription check ---------------------------------------------------------


@dataclass(frozen=True)
class AwaitingCheck:
    prescription: Prescription
    may_check: bool
    who_must_check: str


@dataclass(frozen=True)
class AwaitingChecks:
    items: list[AwaitingCheck]
    more: bool  # more are waiting than are listed


def awaiting_checks(user: Any, *, limit: int = AWAITING_LIMIT) -> AwaitingChecks:
    """Entries at the viewer's locations still waiting for their second-person check, oldest first (one query)."""
    rows = list(
        Prescription.objects.filter(
            scope_for(user).q("person__location"),
            status__in=OPEN_STATUSES,
            transcription_check_required=True,
            transcription_check__isnull=True,
        )
        .select_related("person__location", "person__unit", "medicine", "entered_by")
        .order_by("entered_at", "id")[: limit + 1]
    )
    items = []
    for prescription in rows[:limit]:
        may = may_check_transcription(user, prescription)
        items.append(AwaitingCheck(prescription, may, "" if may else who_must_check(user, prescription)))
    return AwaitingChecks(items=items, more=len(rows) > limit)


# --- Entries sent back to the person who entered them (H07) -------------------------------------


@dataclass(frozen=True)
class SentBack:
    prescription: Prescription
    event: PrescriptionEvent  # the latest query or rejection

    @property
    def rejected(self) -> bool:
        return self.event.kind == PrescriptionEvent.Kind.TRANSCRIPTION_REJECTED


def sent_back_to(user: Any, *, limit: int = AWAITING_LIMIT) -> list[SentBack]:
    """The viewer's own entries that a checker queried or rejected and that are still unchecked and open, oldest
    first: each with its latest query or rejection (two queries, whatever the number)."""
    latest = Prefetch(
        "events",
        queryset=PrescriptionEvent.objects.filter(kind__in=SEND_BACK_KINDS).select_related("by").order_by("-at", "-id"),
        to_attr="sent_back_events",
    )
    rows = (
        Prescription.objects.filter(
            scope_for(user).q("person__location"),
            entered_by=user,
            status__in=OPEN_STATUSES,
            transcription_check_required=True,
            transcription_check__isnull=True,
            events__kind__in=SEND_BACK_KINDS,
        )
        .distinct()
        .select_related("person__location", "person__unit", "medicine")
        .prefetch_related(latest)
        .order_by("entered_at", "id")[:limit]
    )
    return [SentBack(rx, rx.sent_back_events[0]) for rx in rows]


# --- Today's round progress ------------------------------------------------------------------------


@dataclass
class Progress:
    """Doses due today at one place (a unit, or a whole location)."""

    label: str
    unit_id: Any = None
    given: int = 0
    not_given: Counter[str] = field(default_factory=Counter)
    still_due: int = 0
    overdue: int = 0
    round_url: str = ""  # filled in by the page

    @property
    def not_given_total(self) -> int:
        return sum(self.not_given.values())

    @property
    def due(self) -> int:
        return self.given + self.not_given_total + self.still_due + self.overdue

    @property
    def not_given_by_outcome(self) -> list[tuple[str, int]]:
        labels = dict(Outcome.choices)
        return [(labels.get(code, code), n) for code, n in sorted(self.not_given.items(), key=lambda kv: -kv[1])]

    def add(self, other: Progress) -> None:
        self.given += other.given
        self.not_given.update(other.not_given)
        self.still_due += other.still_due
        self.overdue += other.overdue


@dataclass
class LocationProgress:
    location: Location
    total: Progress
    units: list[Progress]  # care homes: one per unit (and "No unit" if needed); home care: none


def round_progress(user: Any, *, now: dt.datetime, today: dt.date) -> list[LocationProgress]:
    """Today's doses per location and unit: given, not given (by outcome), still due, overdue.

    Due today means scheduled for today's date and either recorded, or still
    pending on an active prescription (a pending dose of a suspended or stopped
    prescription has left the round). Overdue: pending past its window
    (``rules.dose_window``: tighter for time-critical medicines).
    """
    location_ids = location_ids_for_user(user)
    locations = list(Location.objects.filter(id__in=location_ids).prefetch_related("units").order_by("name"))

    pending = Q(state=DueDose.State.PENDING, prescription__status=PrescriptionStatus.ACTIVE)
    dose_counts = (
        DueDose.objects.filter(location_id__in=location_ids, local_date=today)
        .values("location_id", "person__unit_id")
        .annotate(pending=Count("id", filter=pending), overdue=Count("id", filter=pending & past_window(now)))
        .order_by()
    )
    outcome_counts = (
        Administration.objects.effective()
        .filter(
            due_dose__isnull=False,
            due_dose__local_date=today,
            due_dose__location_id__in=location_ids,
        )
        .values("due_dose__location_id", "due_dose__person__unit_id", "outcome")
        .annotate(n=Count("id"))
        .order_by()
    )

    places: dict[tuple[Any, Any], Progress] = defaultdict(lambda: Progress(label=""))
    for row in dose_counts:
        place = places[(row["location_id"], row["person__unit_id"])]
        place.overdue += row["overdue"]
        place.still_due += row["pending"] - row["overdue"]
    for row in outcome_counts:
        place = places[(row["due_dose__location_id"], row["due_dose__person__unit_id"])]
        if row["outcome"] in TAKEN_OUTCOMES:
            place.given += row["n"]
        else:
            place.not_given[row["outcome"]] += row["n"]

    result = []
    for location in locations:
        total = Progress(label="Total")
        units = []
        for unit in location.units.all():
            progress = places.get((location.pk, unit.pk)) or Progress(label="")
            progress.label, progress.unit_id = unit.name, unit.pk
            units.append(progress)
            total.add(progress)
        unplaced = places.get((location.pk, None))
        if unplaced is not None:
            unplaced.label = "Not in a unit"
            units.append(unplaced)
            total.add(unplaced)
        result.append(
            LocationProgress(
                location=location, total=total, units=units if location.kind == Location.Kind.CARE_HOME else []
            )
        )
    return result
