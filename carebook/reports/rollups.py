"""The dose figures' daily counts, from the rollups where they hold and from the records where they do not
(ADR 0033).

``day_counts(locations, period, as_of)`` is what the figures add up: per local date, the doses reckoned, on time,
omitted and refused (by their date on the MAR), and the late entries and when-required doses given (by the local
date they were given). A location's day comes from its ``DailyDoseRollup`` when the day had settled by ``as_of``
(every window closed) and no change of its records is waiting in ``RollupChange``; every other location-day is
read from the records by ``raw_counts``, the same queries the job builds the rollups with, so the two cannot
disagree (a property test says so). ``build_rollups`` is the job: it consumes the change log (dropping the rollups
of the days that changed) and builds the missing rollups of settled days.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, fields
from typing import Any

from django.db import connection, transaction
from django.db.models import Count, F, Max, Min, Q
from django.db.models.functions import TruncDate

from carebook.alerts.rules import OMISSIONS
from carebook.core import clock
from carebook.core.clock import LONDON
from carebook.medication.models import Administration, DueDose
from carebook.medication.rules.compliance import Figures
from carebook.medication.vocab import TAKEN, AdministrationStatus, DoseState, Outcome
from carebook.reports.compliance import FIGURE_FIELDS, raw_prompt_counts
from carebook.reports.models import DailyDoseRollup, DailyPromptRollup, RollupChange, waiting_change
from carebook.reports.rules import DAY, Period, date_runs

LATE_ENTRY_MINUTES = 60
CONSUME_BATCH = 5000  # change rows consumed per statement
BUILD_BATCH_DAYS = 62  # a location's days built per transaction
LOOK_BACK_DAYS = 800  # the job builds rollups this far back


@dataclass
class Counts:
    due: int = 0
    on_time: int = 0
    omitted: int = 0
    refused: int = 0
    late_entries: int = 0
    prn_given: int = 0

    def add(self, other: Counts) -> None:
        for f in fields(self):
            setattr(self, f.name, getattr(self, f.name) + getattr(other, f.name))


COUNT_FIELDS = tuple(f.name for f in fields(Counts))

# The dose figures' conditions: the one place they are written (figures.py lists the records behind them with these).
EFFECTIVE = Q(administrations__status=AdministrationStatus.COMPLETED)
ON_TIME = EFFECTIVE & Q(
    administrations__outcome__in=sorted(TAKEN),
    administrations__administered_at__gte=F("window_opens_at"),
    administrations__administered_at__lte=F("window_closes_at"),
)


def reckoned(as_of: dt.datetime) -> Q:
    """A dose counts once it has a record, or once its window has closed without one."""
    return Q(state=DoseState.RECORDED) | Q(window_closes_at__lte=as_of)


def no_record(as_of: dt.datetime) -> Q:
    return Q(state=DoseState.PENDING, window_closes_at__lte=as_of)


REFUSALS: frozenset[str] = frozenset({Outcome.REFUSED, Outcome.REFUSED_NOT_OFFERED_AGAIN, Outcome.REFUSED_DESTROYED})
OMITTED_RECORD = EFFECTIVE & Q(administrations__outcome__in=sorted(OMISSIONS))
REFUSED_RECORD = EFFECTIVE & Q(administrations__outcome__in=sorted(REFUSALS))


def omitted(as_of: dt.datetime) -> Q:
    return OMITTED_RECORD | no_record(as_of)


def local_day(name: str) -> TruncDate:
    return TruncDate(name, tzinfo=LONDON)


def late_entry() -> Q:
    return Q(recorded_at__gt=F("administered_at") + dt.timedelta(minutes=LATE_ENTRY_MINUTES))


PRN_TAKEN = Q(due_dose__isnull=True, outcome__in=sorted(TAKEN))


DOSE_FIELDS = frozenset({"due", "on_time", "omitted", "refused"})  # by the dose's date on the MAR
RECORD_FIELDS = frozenset({"late_entries", "prn_given"})  # by the local date the record says it was given


def raw_counts(
    wanted: dict[Any, list[dt.date]], as_of: dt.datetime, *, only: frozenset[str] | None = None
) -> dict[tuple[Any, dt.date], Counts]:
    """Each (location, date) asked for, read from the records: an aggregate query for the doses' counts and one
    for the records' (``only``: the fields wanted, so a figure reads one of the two), whatever their number."""
    doses_q, records_q = Q(), Q()
    for location_id, dates in wanted.items():
        for p in date_runs(dates):
            doses_q |= Q(location_id=location_id, local_date__gte=p.start, local_date__lt=p.end)
            records_q |= Q(location_id=location_id, administered_at__gte=p.starts_at, administered_at__lt=p.ends_at)
    found: dict[tuple[Any, dt.date], Counts] = defaultdict(Counts)
    if not wanted:
        return found
    for row in (
        DueDose.objects.filter(doses_q if only is None or only & DOSE_FIELDS else Q(pk__in=[]))
        .exclude(state=DoseState.WITHDRAWN)
        .values("location_id", "local_date")
        .annotate(
            due=Count("id", distinct=True, filter=reckoned(as_of)),
            on_time=Count("id", distinct=True, filter=reckoned(as_of) & ON_TIME),
            omitted=Count("id", distinct=True, filter=omitted(as_of)),
            refused=Count("id", distinct=True, filter=REFUSED_RECORD),
        )
        .order_by()
    ):
        c = found[(row["location_id"], row["local_date"])]
        c.due, c.on_time, c.omitted, c.refused = row["due"], row["on_time"], row["omitted"], row["refused"]
    for row in (
        Administration.objects.effective()
        .filter(records_q if only is None or only & RECORD_FIELDS else Q(pk__in=[]))
        .annotate(day=local_day("administered_at"))
        .values("location_id", "day")
        .annotate(late=Count("id", filter=late_entry()), prn=Count("id", filter=PRN_TAKEN))
        .order_by()
    ):
        c = found[(row["location_id"], row["day"])]
        c.late_entries, c.prn_given = row["late"], row["prn"]
    asked = {(loc, d) for loc, dates in wanted.items() for d in dates}
    return {key: value for key, value in found.items() if key in asked}


def day_counts(
    locations: Sequence[Any],
    p: Period,
    as_of: dt.datetime,
    *,
    only: frozenset[str] | None = None,
    use_rollups: bool = True,
) -> dict[dt.date, Counts]:
    """The period's counts by local date, the locations added together (``only``: the counts wanted; the others
    are left at 0)."""
    ids = list(locations)
    held: dict[tuple[Any, dt.date], Counts] = {}
    if use_rollups and ids:
        for r in (
            DailyDoseRollup.objects.filter(
                location_id__in=ids, local_date__gte=p.start, local_date__lt=p.end, settled_at__lte=as_of
            )
            .exclude(waiting_change())
            .values("location_id", "local_date", *COUNT_FIELDS)
        ):
            held[(r["location_id"], r["local_date"])] = Counts(**{name: r[name] for name in COUNT_FIELDS})
    days = [p.start + DAY * n for n in range(p.days)]
    wanted = {loc: [d for d in days if (loc, d) not in held] for loc in ids}
    wanted = {loc: dates for loc, dates in wanted.items() if dates}
    by_day: dict[dt.date, Counts] = {d: Counts() for d in days}
    for (_loc, day), counts in [*held.items(), *raw_counts(wanted, as_of, only=only).items()]:
        if day in by_day:
            by_day[day].add(counts)
    return by_day


# --- The job -----------------------------------------------------------------------------------------------------


def _figures(f: Figures) -> dict[str, int]:
    return {name: getattr(f, name) for name in FIGURE_FIELDS}


def consume_changes() -> int:
    """Drop the rollups of the days whose records changed, for the change rows committed so far (each change row
    is read and deleted by one statement, so none is lost to one committed meanwhile)."""
    consumed = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "DELETE FROM reports_rollupchange WHERE id IN "
                "(SELECT id FROM reports_rollupchange ORDER BY id LIMIT %s) RETURNING location_id, local_date",
                [CONSUME_BATCH],
            )
            rows = cursor.fetchall()
            if not rows:
                return consumed
            stale: dict[Any, set[Any]] = defaultdict(set)
            for location_id, local_date in rows:
                stale[location_id].add(local_date)
            for location_id, dates in stale.items():
                for model in (DailyDoseRollup, DailyPromptRollup):
                    model.objects.filter(location_id=location_id, local_date__in=sorted(dates)).delete()
            consumed += len(rows)


JOB_LOCK = 70330033  # PostgreSQL advisory lock: one rollups job at a time


@contextmanager
def _one_at_a_time() -> Iterator[bool]:
    """Two workers never consume and build at once (on SQLite a writer's transaction already excludes the other)."""
    if connection.vendor != "postgresql":
        yield True
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [JOB_LOCK])
        got = bool(cursor.fetchone()[0])
    try:
        yield got
    finally:
        if got:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [JOB_LOCK])


def build_rollups(*, now: dt.datetime | None = None, limit_days: int | None = None) -> int:
    """The job's work: consume the change log, then build the missing rollups of settled days (every window of
    the day closed before now), a location's batch of days per transaction. Returns the rollups written (none if
    another worker is at it)."""
    with _one_at_a_time() as mine:
        if not mine:
            return 0
        return _consume_and_build(now or clock.now(), limit_days)


def _consume_and_build(now: dt.datetime, limit_days: int | None) -> int:
    consume_changes()
    today = clock.to_local(now).date()
    written = 0
    first = today - DAY * LOOK_BACK_DAYS
    spans = {
        row["location_id"]: row["start"]
        for row in DueDose.objects.filter(local_date__gte=first, local_date__lt=today)
        .values("location_id")
        .annotate(start=Min("local_date"))
        .order_by()
    }
    for location_id, start in spans.items():
        have = set(
            DailyDoseRollup.objects.filter(location_id=location_id, local_date__gte=start).values_list(
                "local_date", flat=True
            )
        )
        missing = [start + DAY * n for n in range((today - start).days) if start + DAY * n not in have]
        for batch_start in range(0, len(missing), BUILD_BATCH_DAYS):
            batch = missing[batch_start : batch_start + BUILD_BATCH_DAYS]
            written += _build(location_id, batch, now)
            if limit_days is not None and written >= limit_days:
                return written
    return written


def _build(location_id: Any, dates: list[dt.date], now: dt.datetime) -> int:
    """Build these days' rollups in one transaction: one snapshot for the changes waiting, the windows and the
    counts (a change committed after it is seen by the readers as waiting, and by the next run)."""
    with transaction.atomic():
        waiting = set(
            RollupChange.objects.filter(location_id=location_id, local_date__in=dates).values_list(
                "local_date", flat=True
            )
        )
        closes = dict(
            DueDose.objects.filter(location_id=location_id, local_date__in=dates)
            .values("local_date")
            .annotate(last=Max("window_closes_at"))
            .values_list("local_date", "last")
        )
        settled: dict[dt.date, dt.datetime] = {}
        for day in dates:
            last = closes.get(day) or Period(day, day + DAY).ends_at
            if day not in waiting and last <= now:
                settled[day] = last
        # Days another run built meanwhile keep what it wrote (their prompt rows with them).
        already = set(
            DailyDoseRollup.objects.filter(location_id=location_id, local_date__in=settled).values_list(
                "local_date", flat=True
            )
        )
        settled = {day: last for day, last in settled.items() if day not in already}
        if not settled:
            return 0
        counts = raw_counts({location_id: sorted(settled)}, now)
        DailyDoseRollup.objects.bulk_create(
            [
                DailyDoseRollup(
                    location_id=location_id,
                    local_date=day,
                    settled_at=last,
                    computed_at=now,
                    **{name: getattr(counts.get((location_id, day), Counts()), name) for name in COUNT_FIELDS},
                )
                for day, last in settled.items()
            ],
        )
        # The days' safety-prompt counts, by unit and member of staff, in the same transaction.
        prompts = raw_prompt_counts({location_id: sorted(settled)})
        DailyPromptRollup.objects.bulk_create(
            DailyPromptRollup(location_id=loc, local_date=day, unit_id=unit, user_id=user, **_figures(f))
            for (loc, day, unit, user), f in prompts.items()
        )
    return len(settled)
