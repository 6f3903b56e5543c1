"""The demo's months before its replayed week: every round from go-live, written in bulk by the benchmark's own
writer (``carebook/demo/history.py``, its rows checked by the medication rules), so ``make run`` stays quick while
the dashboards, the MAR and the trends have three months to show.

The months tell one story a registered manager would want to see in the figures: for the first six weeks many
doses are written up an hour or more after they were given, and a few run out of stock before they are reordered.
Six weeks in, the registered manager opens an incident for it, with two corrective actions (a refresher on
recording at the time of giving, and a stock check when each cycle's medicines arrive); both are completed the next
week and the incident is signed off. From then on late entries and doses not available fall away. The incident is
made through the services, at its own moment on the replayed clock.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from carebook.core import clock
from carebook.demo.history import HistoryCounts, HistoryRates, LocationStaff, write_history
from carebook.incidents import services as incidents
from carebook.medication.models import Prescription

if TYPE_CHECKING:
    from carebook.access.models import User
    from carebook.demo.seed import ReplayClock
    from carebook.organisations.models import Location

Step = tuple[dt.datetime, Callable[[], object]]  # a moment, and what is done then through the services

# Before the corrective action, and after its actions were completed.
BEFORE = HistoryRates(late_entry=0.06, not_available=0.012)
AFTER = HistoryRates(late_entry=0.008, not_available=0.002)
ACTION_WEEK = 6  # the incident is opened at the start of this week of the months


@dataclass(frozen=True)
class Months:
    go_live: dt.date
    end: dt.date  # the first day of the replayed week: nothing here is recorded from its midnight on

    @property
    def action_day(self) -> dt.date:
        return self.go_live + dt.timedelta(weeks=ACTION_WEEK)

    @property
    def improved_from(self) -> dt.date:
        """The day after both actions were completed."""
        return self.action_day + dt.timedelta(days=9)

    def rates(self) -> Callable[[dt.date], HistoryRates]:
        return lambda day: BEFORE if day < self.improved_from else AFTER


def write_months(
    *,
    rng: random.Random,
    replay_clock: ReplayClock,
    months: Months,
    locations: list[Location],
    staff: dict[str, User],
    carers: dict[Any, list[str]],
    seniors: dict[Any, list[str]],
    also: Sequence[Step] = (),
) -> HistoryCounts:
    """Every round of ``locations`` from go-live to the months' end, then the story of the corrective action and
    ``also`` (moments, each with what is done then through the services), in time order."""
    cutoff = clock.local_wall_time(months.end, dt.time(0, 0))
    prescriptions = (
        Prescription.objects.filter(person__location__in=locations)
        .select_related("medicine", "person")
        .order_by("person__location__name", "person_id", "entered_at")
    )
    counts = write_history(
        prescriptions,
        rng=rng,
        staff={
            loc.pk: LocationStaff(
                carers=[staff[name].pk for name in carers[loc.pk]], seniors=[staff[name].pk for name in seniors[loc.pk]]
            )
            for loc in locations
        },
        cutoffs={loc.pk: cutoff for loc in locations},
        horizon_end=cutoff,
        rates=months.rates(),
    )
    # The moments written through the services, in order: the incident's story and what else the caller adds (the
    # governance audits of those months).
    steps = sorted([*_corrective_action_story(months, locations[0], staff), *also], key=lambda s: s[0])
    for moment, action in steps:
        replay_clock.advance_to(moment)
        action()
    return counts


def _corrective_action_story(months: Months, home: Location, staff: dict[str, User]) -> list[Step]:
    """The registered manager's incident six weeks in, its two actions completed, signed off: each moment at its
    own time on the replayed clock."""
    mike, tom, sara = staff["manager.mike"], staff["leader.tom"], staff["senior.sara"]
    day = months.action_day
    at = clock.local_wall_time
    made: dict[str, Any] = {}

    def report() -> None:
        made["incident"] = incidents.incident_report(
            by=mike,
            data=incidents.IncidentInput(
                kind="recording_error",
                what_happened=(
                    "The weekly audit found many doses recorded an hour or more after they were given over the past "
                    "weeks, and several doses not available because stock ran out before it was reordered."
                ),
                occurred_at=at(day - dt.timedelta(days=7), dt.time(8, 0)),
                discovered_at=at(day, dt.time(10, 0)),
                harm="none",
                immediate_actions="Carers reminded at handover to record each dose when it is given.",
                location_id=home.pk,
            ),
        )

    def finding() -> None:
        incidents.incident_finding_record(
            incident=made["incident"],
            by=mike,
            text=(
                "Rounds were written up at the end from memory when the trolley was busy; the stock of the new cycle "
                "was not checked against the MAR when it arrived, so shortfalls were found on the round."
            ),
        )

    def training() -> None:
        made["training"] = incidents.incident_action_add(
            incident=made["incident"],
            by=mike,
            kind="training",
            what="Refresher for every carer: record each dose on the tablet at the time it is given",
            owner_id=tom.pk,
            due_on=day + dt.timedelta(days=7),
        )

    def stock() -> None:
        made["stock"] = incidents.incident_action_add(
            incident=made["incident"],
            by=mike,
            kind="procedure_change",
            what="Check each cycle's delivery against the MAR on the day it arrives, and reorder what is short",
            owner_id=sara.pk,
            due_on=day + dt.timedelta(days=7),
        )

    def stock_done() -> None:
        incidents.incident_action_complete(
            incident=made["incident"],
            action=made["stock"],
            by=sara,
            note="Delivery check added to the cycle checklist; used this week.",
        )

    def training_done() -> None:
        incidents.incident_action_complete(
            incident=made["incident"],
            action=made["training"],
            by=tom,
            note="All eight carers attended the refresher on two afternoons.",
        )

    def sign_off() -> None:
        incidents.incident_sign_off(
            incident=made["incident"],
            by=mike,
            note="Late entries and stock shortfalls to be watched on the governance figures.",
        )

    return [
        (at(day, dt.time(10, 30)), report),
        (at(day, dt.time(11, 0)), finding),
        (at(day, dt.time(11, 10)), training),
        (at(day, dt.time(11, 20)), stock),
        (at(day + dt.timedelta(days=4), dt.time(15, 0)), stock_done),
        (at(day + dt.timedelta(days=8), dt.time(14, 0)), training_done),
        (at(day + dt.timedelta(days=8), dt.time(16, 0)), sign_off),
    ]
