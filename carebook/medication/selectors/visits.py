"""Home-care runs and visits as their pages show them (ADR 0038): a fixed number of queries whatever the number of
visits (the visits, their doses, the doses' records, the people's allergies and the offer facts)."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from carebook.core import clock
from carebook.medication import rules
from carebook.medication.contents import allergy_facts_of, has_contents
from carebook.medication.models import DueDose, PrescriptionStatus, Visit
from carebook.medication.selectors.round import RoundDose, _offers, build_round_dose, dose_records
from carebook.people.whereabouts import addresses_for


@dataclass(frozen=True)
class RunVisit:
    visit: Visit
    doses: list[RoundDose]
    key_safe_note: str  # only for the care worker on the visit, on its day ("" for anyone else)
    address: str  # people.whereabouts: for the care worker on the visit and those who plan visits ("" for anyone else)
    round_name: str  # the round its window starts in: the pass shows those doses

    @property
    def closed(self) -> bool:
        return self.visit.closed_at is not None

    @property
    def without_outcome(self) -> list[RoundDose]:
        return [d for d in self.doses if d.is_pending]

    @property
    def recordable_count(self) -> int:
        return sum(1 for d in self.doses if d.can_record)


def sees_key_safe(viewer: Any, visit: Visit, today: dt.date) -> bool:
    """The key-safe note is for the care worker going in: the one on the visit, on the day, until it closes."""
    return getattr(viewer, "pk", None) == visit.assigned_to_id and visit.date == today and visit.closed_at is None


def _visit_rows(visits: list[Visit], *, viewer: Any, now: dt.datetime) -> list[RunVisit]:
    if not visits:
        return []
    lower = min(v.window_start for v in visits)
    upper = max(v.window_end for v in visits)
    doses = list(
        DueDose.objects.filter(
            person_id__in={v.person_id for v in visits},
            scheduled_at__gte=lower,
            scheduled_at__lt=upper,
            prescription__status=PrescriptionStatus.ACTIVE,
            state__in=[DueDose.State.PENDING, DueDose.State.RECORDED],
        )
        .select_related("person", "prescription", "prescription__medicine", "prescription__transcription_check")
        .defer("person__picture_svg")
        .annotate(cb_has_contents=has_contents("prescription__medicine_id"))
        .order_by("scheduled_at")
    )
    records = dose_records(doses)
    offers = _offers(doses, allergy_facts_of({v.person_id for v in visits}), now)
    today = clock.to_local(now).date()
    # A run is one day's, and a visit page one visit's: the address is for the people visited on that day.
    addresses = addresses_for(viewer, {v.person_id: v.person for v in visits}.values(), visits[0].date)
    rows = []
    for visit in visits:
        mine = [
            build_round_dose(d, *records.of(d), now, offers)
            for d in doses
            if d.person_id == visit.person_id
            and rules.visits.in_window(d.scheduled_at, start=visit.window_start, end=visit.window_end)
        ]
        rows.append(
            RunVisit(
                visit=visit,
                doses=mine,
                key_safe_note=visit.person.key_safe_note if sees_key_safe(viewer, visit, today) else "",
                address=addresses[visit.person_id],
                round_name=rules.round_for_time(clock.to_local(visit.window_start).time()),
            )
        )
    return rows


def people_visited(viewer: Any, person_ids: set[Any], date: dt.date) -> set[Any]:
    """Which of these people ``viewer`` is on a visit with on ``date`` (people.whereabouts asks, one query)."""
    return set(
        Visit.objects.filter(assigned_to_id=getattr(viewer, "pk", None), date=date, person_id__in=person_ids)
        .values_list("person_id", flat=True)
        .distinct()
    )


def run_for(*, worker: Any, date: dt.date, viewer: Any, now: dt.datetime | None = None) -> list[RunVisit]:
    """A care worker's visits of the day, in the order of their windows."""
    visits = list(
        Visit.objects.filter(assigned_to=worker, date=date)
        .select_related("person", "person__location", "assigned_to", "closed_by")
        .defer("person__picture_svg")
        .order_by("window_start", "id")
    )
    return _visit_rows(visits, viewer=viewer, now=now or clock.now())


def visit_view(visit: Visit, *, viewer: Any, now: dt.datetime | None = None) -> RunVisit:
    return _visit_rows([visit], viewer=viewer, now=now or clock.now())[0]
