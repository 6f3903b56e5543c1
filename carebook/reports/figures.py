"""The governance figures: one written definition (``rules.FigureDefinition``) and one function computing each, for a
set of locations and a period of local dates, used alike by the dashboard, the API and the CSV; and for each, the
records behind it (the drill-down page lists them with links).

Every figure reads with a fixed number of aggregate queries (COUNT ... GROUP BY the local date), whatever the number
of people or doses; the medians read one row per alert, the corrective actions one per action.

The registry (``FIGURES``, ``register``) is the slot for figures made elsewhere: a figure is its definition, a
``compute(locations, period, as_of)`` returning a ``FigureValue`` and a ``records(locations, period, as_of)``
returning ``RecordRow``s. "Prompt compliance" and "audits completed on time" are to be registered from their apps.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.urls import reverse

from carebook.actions import rules as action_rules
from carebook.actions.models import CorrectiveAction
from carebook.actions.vocab import SourceKind
from carebook.alerts.models import Alert
from carebook.core.clock import to_local
from carebook.incidents.models import Incident
from carebook.incidents.vocab import HARM_ORDER, Harm, IncidentKind
from carebook.medication.models import Administration, DueDose
from carebook.medication.vocab import TAKEN, DoseState
from carebook.reports import rollups, rules
from carebook.reports.rules import FigureDefinition, FigureValue, Period, Unit

Locations = Sequence[Any]  # location ids (already scoped by the caller)
REFUSALS = rollups.REFUSALS
LATE_ENTRY_MINUTES = rollups.LATE_ENTRY_MINUTES
MAX_ROWS = 500
# The words for a figure's parts (the API and the CSV give the keys).
PART_LABELS: dict[str, tuple[str, dict[str, str]]] = {
    "by_type": ("Type", dict(IncidentKind.choices)),
    "by_harm": ("Harm", dict(Harm.choices)),
}  # the drill-down lists at most this many records (and says so)


@dataclass(frozen=True)
class RecordRow:
    """One record behind a figure, as the drill-down lists it."""

    when: dt.datetime
    person: str
    what: str
    counted: str  # how it counts in the figure ("On time", "Not on time: refused"...)
    url: str


@dataclass(frozen=True)
class Figure:
    definition: FigureDefinition
    compute: Callable[[Locations, Period, dt.datetime], FigureValue]
    records: Callable[[Locations, Period, dt.datetime], list[RecordRow]]


FIGURES: dict[str, Figure] = {}


def register(figure: Figure) -> Figure:
    """Add a figure to the dashboard, the API, the CSV and docs/figures.md (its key once)."""
    if figure.definition.key in FIGURES:
        raise ValueError(f"figure {figure.definition.key!r} is already registered")
    FIGURES[figure.definition.key] = figure
    return figure


# --- Reads shared by the dose figures ---------------------------------------------------------------------


def _doses(locations: Locations, p: Period) -> QuerySet[DueDose]:
    """The doses due on the period's dates (their date on the MAR), not withdrawn."""
    return DueDose.objects.filter(
        location_id__in=list(locations), local_date__gte=p.start, local_date__lt=p.end
    ).exclude(state=DoseState.WITHDRAWN)


def _records(locations: Locations, p: Period) -> QuerySet[Administration]:
    """The records standing (not entered in error) whose time given falls in the period."""
    return Administration.objects.effective().filter(
        location_id__in=list(locations), administered_at__gte=p.starts_at, administered_at__lt=p.ends_at
    )


_local_day = rollups.local_day
_EFFECTIVE = rollups.EFFECTIVE
_ON_TIME = rollups.ON_TIME
_reckoned = rollups.reckoned
_no_record = rollups.no_record


def _dose_row(dose: DueDose, counted: str) -> RecordRow:
    return RecordRow(
        when=dose.scheduled_at,
        person=dose.person.full_name,
        what=f"{dose.prescription.medicine.name} due {to_local(dose.scheduled_at):%H:%M}",
        counted=counted,
        url=reverse("medication:mar", args=[dose.person_id]) + f"?month={dose.local_date:%Y-%m}",
    )


def _dose_rows(doses: QuerySet[DueDose], label: Callable[[DueDose, Administration | None], str]) -> list[RecordRow]:
    rows = list(doses.select_related("person", "prescription__medicine").order_by("scheduled_at")[:MAX_ROWS])
    standing = {
        a.due_dose_id: a for a in Administration.objects.effective().filter(due_dose_id__in=[d.pk for d in rows])
    }
    return [_dose_row(d, label(d, standing.get(d.pk))) for d in rows]


def _outcome_label(record: Administration | None) -> str:
    return record.get_outcome_display() if record is not None else "No record after its window"


# --- On-time administration rate ----------------------------------------------------------------------------

ON_TIME = FigureDefinition(
    key="on_time_rate",
    name="On-time administration rate",
    counts=(
        "Of the doses due on the period's dates whose window has closed (or that have a record), the share with a "
        "taken outcome (given, partial, self-administered, given by family) recorded as given within its window."
    ),
    excluded=(
        "Withdrawn doses (the prescription changed or stopped); records entered in error (a corrected record "
        "counts as its correction); when-required doses; doses whose window is still open with no record."
    ),
    unit=Unit.PERCENT,
    higher_is_better=True,
)


def on_time_rate(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    counted = rollups.day_counts(locations, p, as_of, only=frozenset({"due", "on_time"}))
    days = [(d, c.on_time, c.due) for d, c in counted.items() if c.due]
    numerator, denominator = sum(d[1] for d in days), sum(d[2] for d in days)
    return FigureValue(rules.rate(numerator, denominator), numerator, denominator, weeks=rules.rates_by_week(p, days))


def on_time_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    def label(dose: DueDose, record: Administration | None) -> str:
        if (
            record is not None
            and record.outcome in TAKEN
            and dose.window_opens_at <= record.administered_at <= dose.window_closes_at
        ):
            return "On time"
        if record is not None and record.outcome in TAKEN:
            return f"Not on time: given {to_local(record.administered_at):%H:%M}, outside its window"
        return f"Not on time: {_outcome_label(record)}"

    return _dose_rows(_doses(locations, p).filter(_reckoned(as_of)), label)


# --- Omissions, refusals ----------------------------------------------------------------------------------------

OMISSION = FigureDefinition(
    key="omissions",
    name="Omissions",
    counts=(
        "Doses due on the period's dates recorded as not given for a reason that is an omission (nausea or "
        "vomiting, asleep, destroyed or spoilt, not available, other), and doses with no record after their window."
    ),
    excluded=(
        "Withdrawn doses; records entered in error (a corrected record counts as its correction); refusals, "
        "hospital, leave and not-required outcomes; doses whose window is still open."
    ),
    unit=Unit.COUNT,
    higher_is_better=False,
)
_OMITTED_RECORD = rollups.OMITTED_RECORD


def _day_count(locations: Locations, p: Period, as_of: dt.datetime, name: str) -> FigureValue:
    """A count figure from the daily counts (rollups where they hold, the records elsewhere: ADR 0033)."""
    counted = rollups.day_counts(locations, p, as_of, only=frozenset({name}))
    days = [(d, getattr(c, name)) for d, c in counted.items()]
    return FigureValue(float(sum(n for _, n in days)), weeks=rules.counts_by_week(p, days))


def omissions(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _day_count(locations, p, as_of, "omitted")


def omission_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    doses = _doses(locations, p).filter(
        Q(pk__in=_doses(locations, p).filter(_OMITTED_RECORD).values("pk")) | _no_record(as_of)
    )
    return _dose_rows(doses, lambda d, r: _outcome_label(r))


REFUSAL = FigureDefinition(
    key="refusals",
    name="Refusals",
    counts="Doses due on the period's dates whose record is a refusal (to be offered again, or not, or destroyed).",
    excluded="Withdrawn doses; records entered in error (a corrected record counts as its correction).",
    unit=Unit.COUNT,
    higher_is_better=False,
)
_REFUSED = rollups.REFUSED_RECORD


def refusals(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _day_count(locations, p, as_of, "refused")


def refusal_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    doses = _doses(locations, p).filter(pk__in=_doses(locations, p).filter(_REFUSED).values("pk"))
    return _dose_rows(doses, lambda d, r: _outcome_label(r))


# --- Late entries, when-required doses -------------------------------------------------------------------------

LATE_ENTRY = FigureDefinition(
    key="late_entries",
    name="Late entries",
    counts=(
        f"Records (of any outcome, due or when-required) whose time given falls in the period and that were "
        f"written more than {LATE_ENTRY_MINUTES} minutes after that time."
    ),
    excluded="Records entered in error (a correction counts by its own times).",
    unit=Unit.COUNT,
    higher_is_better=False,
)


def _late(locations: Locations, p: Period) -> QuerySet[Administration]:
    return _records(locations, p).filter(rollups.late_entry())


def _record_rows(records: QuerySet[Administration], counted: Callable[[Administration], str]) -> list[RecordRow]:
    rows = records.select_related("person", "prescription__medicine").order_by("administered_at")[:MAX_ROWS]
    return [
        RecordRow(
            when=r.administered_at,
            person=r.person.full_name,
            what=f"{r.prescription.medicine.name}: {r.get_outcome_display()}",
            counted=counted(r),
            url=reverse("medication:mar", args=[r.person_id]) + f"?month={to_local(r.administered_at):%Y-%m}",
        )
        for r in rows
    ]


def late_entries(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _day_count(locations, p, as_of, "late_entries")


def late_entry_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    def counted(r: Administration) -> str:
        return f"Written {int((r.recorded_at - r.administered_at).total_seconds() // 60)} minutes after"

    return _record_rows(_late(locations, p), counted)


PRN = FigureDefinition(
    key="prn_given",
    name="When-required (PRN) doses given",
    counts="When-required doses recorded as taken whose time given falls in the period.",
    excluded="Records entered in error; when-required doses offered and not taken; regular (due) doses.",
    unit=Unit.COUNT,
    higher_is_better=False,
    main=False,
)


def _prn(locations: Locations, p: Period) -> QuerySet[Administration]:
    return _records(locations, p).filter(rollups.PRN_TAKEN)


def prn_given(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _day_count(locations, p, as_of, "prn_given")


def prn_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return _record_rows(_prn(locations, p), lambda r: f"Given {to_local(r.administered_at):%H:%M}")


# --- Incidents -----------------------------------------------------------------------------------------------

INCIDENTS = FigureDefinition(
    key="incidents",
    name="Medication incidents",
    counts="Incidents that happened in the period (by when they occurred), by type and by harm.",
    excluded="Incidents of other locations; incidents reported in the period that occurred before it.",
    unit=Unit.COUNT,
    higher_is_better=False,
)


def _incidents(locations: Locations, p: Period) -> QuerySet[Incident]:
    return Incident.objects.filter(
        location_id__in=list(locations), occurred_at__gte=p.starts_at, occurred_at__lt=p.ends_at
    )


def incidents(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    rows = _incidents(locations, p)
    kinds: dict[str, int] = dict.fromkeys(IncidentKind.values, 0)
    harms: dict[str, int] = dict.fromkeys(HARM_ORDER, 0)
    for r in rows.values("kind", "harm").annotate(n=Count("id")).order_by():
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + r["n"]
        harms[r["harm"]] = harms.get(r["harm"], 0) + r["n"]
    per_day = rows.annotate(day=_local_day("occurred_at")).values("day").annotate(n=Count("id")).order_by()
    days = [(r["day"], r["n"]) for r in per_day]
    return FigureValue(
        float(sum(kinds.values())),
        parts={"by_type": kinds, "by_harm": {str(k): v for k, v in harms.items()}},
        weeks=rules.counts_by_week(p, days),
    )


def incident_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    rows = _incidents(locations, p).select_related("person").order_by("occurred_at")[:MAX_ROWS]
    return [
        RecordRow(
            when=i.occurred_at,
            person=i.person.full_name if i.person else "",
            what=i.get_kind_display(),
            counted=i.get_harm_display(),
            url=reverse("incidents:incident", args=[i.pk]),
        )
        for i in rows
    ]


# --- Alerts: minutes to acknowledgement and to escalation -------------------------------------------------

ACKNOWLEDGED = FigureDefinition(
    key="alert_acknowledged_minutes",
    name="Median minutes from alert to acknowledgement",
    counts="Alerts raised in the period and acknowledged: the median of the minutes from raised to acknowledged.",
    excluded="Alerts not acknowledged (still open, or cleared by themselves before anyone acknowledged them).",
    unit=Unit.MINUTES,
    higher_is_better=False,
)
ESCALATED = FigureDefinition(
    key="alert_escalated_minutes",
    name="Median minutes from alert to escalation",
    counts=(
        "Alerts raised in the period and escalated: the median of the minutes from raised to when the alert last "
        "went up a level (to the team leader or the manager)."
    ),
    excluded="Alerts never escalated.",
    unit=Unit.MINUTES,
    higher_is_better=False,
)


def _alerts(locations: Locations, p: Period, moment: str) -> QuerySet[Alert]:
    return Alert.objects.filter(
        location_id__in=list(locations),
        raised_at__gte=p.starts_at,
        raised_at__lt=p.ends_at,
        **{f"{moment}__isnull": False},
    )


def _minutes(start: dt.datetime, end: dt.datetime) -> float:
    return (end - start).total_seconds() / 60


def _median_of(locations: Locations, p: Period, moment: str) -> FigureValue:
    pairs = list(_alerts(locations, p, moment).values_list("raised_at", moment))
    minutes = [(to_local(raised).date(), _minutes(raised, then)) for raised, then in pairs]
    return FigureValue(rules.median(m for _, m in minutes), None, len(minutes), weeks=rules.medians_by_week(p, minutes))


def _alert_rows(locations: Locations, p: Period, moment: str) -> list[RecordRow]:
    rows = _alerts(locations, p, moment).select_related("person", "staff").order_by("raised_at")[:MAX_ROWS]
    return [
        RecordRow(
            when=a.raised_at,
            # An alert about a member of staff (ADR 0030) names them, not a person.
            person=a.person.full_name if a.person is not None else f"Staff: {a.staff.display_name if a.staff else ''}",
            what=f"{a.get_kind_display()}: {a.summary}",
            counted=f"{_minutes(a.raised_at, getattr(a, moment)):.0f} minutes",
            url=reverse("alerts:alert", args=[a.pk]),
        )
        for a in rows
    ]


def alert_acknowledged_minutes(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _median_of(locations, p, "acknowledged_at")


def alert_acknowledged_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return _alert_rows(locations, p, "acknowledged_at")


def alert_escalated_minutes(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _median_of(locations, p, "escalated_at")


def alert_escalated_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return _alert_rows(locations, p, "escalated_at")


# --- Corrective actions ------------------------------------------------------------------------------------

OPEN_ACTIONS = FigureDefinition(
    key="open_actions",
    name="Open corrective actions",
    counts="Corrective actions set and not completed at the end of the period (or now, if it has not ended).",
    excluded="Actions completed by then; actions set after it.",
    unit=Unit.COUNT,
    higher_is_better=False,
)
OVERDUE_ACTIONS = FigureDefinition(
    key="overdue_actions",
    name="Overdue corrective actions",
    counts="Open corrective actions at the end of the period (or now) whose day to be done by had passed.",
    excluded="Actions completed by then, even late; actions not yet due.",
    unit=Unit.COUNT,
    higher_is_better=False,
)


def _as_at(p: Period, as_of: dt.datetime, moment: dt.datetime | None = None) -> dt.datetime:
    return min(moment or p.ends_at, as_of)


def _open_at(rows: Sequence[tuple[dt.datetime, dt.datetime | None, dt.date]], at: dt.datetime) -> list[dt.date]:
    """The due days of the actions open at ``at``."""
    return [due for added, completed, due in rows if added < at and (completed is None or completed >= at)]


def _action_rows_at(locations: Locations, at: dt.datetime) -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.filter(location_id__in=list(locations), added_at__lt=at).filter(
        Q(completed_at__isnull=True) | Q(completed_at__gte=at)
    )


def _actions(locations: Locations, p: Period, as_of: dt.datetime, *, overdue: bool) -> FigureValue:
    end = _as_at(p, as_of)
    rows = list(
        CorrectiveAction.objects.filter(location_id__in=list(locations), added_at__lt=end)
        .filter(Q(completed_at__isnull=True) | Q(completed_at__gte=p.starts_at))
        .values_list("added_at", "completed_at", "due_on")
    )

    def count_at(at: dt.datetime) -> int:
        dues = _open_at(rows, at)
        today = to_local(at).date()
        if not overdue:
            return len(dues)
        return sum(1 for due in dues if action_rules.is_overdue(due_on=due, completed=False, today=today))

    weeks = []
    for start in rules.week_starts(p):
        week_end = rules.Period(start, min(start + rules.WEEK, p.end)).ends_at
        weeks.append(rules.WeekValue(start, float(count_at(_as_at(p, as_of, week_end)))))
    return FigureValue(float(count_at(end)), weeks=weeks)


def open_actions(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _actions(locations, p, as_of, overdue=False)


def overdue_actions(locations: Locations, p: Period, as_of: dt.datetime) -> FigureValue:
    return _actions(locations, p, as_of, overdue=True)


def _action_records(locations: Locations, p: Period, as_of: dt.datetime, *, overdue: bool) -> list[RecordRow]:
    at = _as_at(p, as_of)
    actions = _action_rows_at(locations, at)
    if overdue:  # action_rules.is_overdue of an action open at that moment, in SQL
        actions = actions.filter(due_on__lt=to_local(at).date())
    people = {
        i.pk: i.person.full_name
        for i in Incident.objects.filter(
            pk__in=actions.filter(source_kind=SourceKind.INCIDENT).values("source_id"), person__isnull=False
        ).select_related("person")
    }
    rows = actions.select_related("owner").order_by("due_on")[:MAX_ROWS]
    return [
        RecordRow(
            when=a.added_at,
            person=people.get(a.source_id, ""),
            what=f"{a.get_kind_display()}: {a.what} (owner {a.owner.display_name})",
            counted=f"Due by {a.due_on:%-d %b %Y}",
            url=reverse("incidents:incident", args=[a.source_id]) if a.source_kind == SourceKind.INCIDENT else "",
        )
        for a in rows
    ]


def open_action_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return _action_records(locations, p, as_of, overdue=False)


def overdue_action_records(locations: Locations, p: Period, as_of: dt.datetime) -> list[RecordRow]:
    return _action_records(locations, p, as_of, overdue=True)


for _figure in (
    Figure(ON_TIME, on_time_rate, on_time_records),
    Figure(OMISSION, omissions, omission_records),
    Figure(REFUSAL, refusals, refusal_records),
    Figure(LATE_ENTRY, late_entries, late_entry_records),
    Figure(PRN, prn_given, prn_records),
    Figure(INCIDENTS, incidents, incident_records),
    Figure(ACKNOWLEDGED, alert_acknowledged_minutes, alert_acknowledged_records),
    Figure(ESCALATED, alert_escalated_minutes, alert_escalated_records),
    Figure(OPEN_ACTIONS, open_actions, open_action_records),
    Figure(OVERDUE_ACTIONS, overdue_actions, overdue_action_records),
):
    register(_figure)
# The other apps' figures (prompt compliance; audits done on time) are registered by carebook.reports.more_figures,
# imported by carebook.reports.apps.ReportsConfig.ready.
