"""When a dose becomes an alert, and how serious it is: pure rules, no Django (plain values in, decisions out).

- **Overdue**: a due dose past its window (``window_closes_at``: 60 minutes after its time, 30 for a
  time-critical medicine; medication.rules.windows) with no outcome recorded.
- **Missed**: still no outcome when its round has ended (and its window has closed): an omission to investigate.
  The overdue alert is then followed by the missed-dose alert, which says what it follows.

Severity: a time-critical or high-risk medicine (insulin, anticoagulants, anti-epileptics, Parkinson's
medicines...) ranks high; a missed dose of any medicine is at least medium.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from carebook.alerts.vocab import AlertKind, Severity
from carebook.core.clock import local_wall_time
from carebook.medication.rules.windows import ROUNDS, round_for_time


@dataclass(frozen=True)
class DoseFacts:
    """A pending due dose, as the scan reads it."""

    scheduled_at: dt.datetime
    local_date: dt.date
    local_time: dt.time
    window_closes_at: dt.datetime
    time_critical: bool
    high_risk: bool


def round_ends_at(local_date: dt.date, local_time: dt.time) -> dt.datetime:
    """When the round of a slot ends (UTC; the night round ends the next morning)."""
    definition = ROUNDS[round_for_time(local_time)]
    end_date = local_date
    if definition.wraps_midnight and local_time >= definition.starts:
        end_date = local_date + dt.timedelta(days=1)
    return local_wall_time(end_date, definition.ends)


def missed_at(dose: DoseFacts) -> dt.datetime:
    """From when a dose with no outcome is missed: its round has ended and its window has closed."""
    return max(round_ends_at(dose.local_date, dose.local_time), dose.window_closes_at)


def dose_alert_kind(dose: DoseFacts, now: dt.datetime) -> str | None:
    """What a pending dose is now: missed, overdue, or nothing yet."""
    if now >= missed_at(dose):
        return AlertKind.MISSED_DOSE
    if now >= dose.window_closes_at:
        return AlertKind.OVERDUE_DOSE
    return None


def severity_for(kind: str, *, time_critical: bool, high_risk: bool) -> str:
    if time_critical or high_risk:
        return Severity.HIGH
    return Severity.MEDIUM


def alert_key(kind: str, subject: object) -> str:
    """The one alert a condition may raise: two scans, or two workers, find the same key (a unique constraint)."""
    return f"{kind}:{subject}"
