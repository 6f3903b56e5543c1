"""Time around a dose: its window, the rounds of a care day, its status at a moment, and the PRN follow-up.

A due dose may be given from ``window`` before its scheduled time to ``window`` after it: 60 minutes
either side, 30 for time-critical medicines (Parkinson's, insulin). Past its window with no record it is
overdue. The window's bounds are stored on each due dose when it is generated (``window_opens_at``,
``window_closes_at``) from ``window_bounds`` here, so a database query for overdue doses is an index
range that cannot drift from this rule.

Rounds are named by the dose's prescribed Europe/London wall time: morning 06:00-10:59, lunchtime
11:00-13:59, teatime 14:00-17:59 and night 18:00-05:59. A care day runs from 06:00 to 06:00, so at 02:00
the current round is the night that started the evening before, and its after-midnight doses belong to it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from carebook.core.clock import to_local
from carebook.core.errors import DomainError
from carebook.core.text import clock_time, duration, moment
from carebook.medication.vocab import TAKEN, DoseState, DoseStatus

# --- The window of a dose ----------------------------------------------------------------

DEFAULT_WINDOW = dt.timedelta(minutes=60)
TIME_CRITICAL_WINDOW = dt.timedelta(minutes=30)


def dose_window(time_critical: bool) -> dt.timedelta:
    return TIME_CRITICAL_WINDOW if time_critical else DEFAULT_WINDOW


def window_bounds(scheduled_at: dt.datetime, time_critical: bool) -> tuple[dt.datetime, dt.datetime]:
    """(opens, closes): when a dose may first be given, and when it becomes overdue."""
    window = dose_window(time_critical)
    return scheduled_at - window, scheduled_at + window


def timing_of(scheduled_at: dt.datetime, at: dt.datetime, time_critical: bool) -> str:
    """'early' (before the window), 'on_time', or 'late' (after the window)."""
    opens, closes = window_bounds(scheduled_at, time_critical)
    if at < opens:
        return "early"
    if at > closes:
        return "late"
    return "on_time"


def minutes_late(closes_at: dt.datetime, at: dt.datetime) -> int:
    """How many whole minutes after its window closed a dose was given (0 when in its window or early)."""
    return max(0, int((at - closes_at).total_seconds() // 60))


class NotYetDue(DomainError):
    code = "not_yet_due"
    status = 422


def not_yet_due(opens_at: dt.datetime, at: dt.datetime) -> NotYetDue | None:
    """The refusal for a dose given before its window opens, or None."""
    if at >= opens_at:
        return None
    return NotYetDue(
        f"This dose is not due yet. It can be given from {moment(opens_at)}.",
        field="due_dose",
        allowed_from=opens_at.isoformat(),
    )


def check_not_too_early(scheduled_at: dt.datetime, now: dt.datetime, time_critical: bool) -> None:
    error = not_yet_due(window_bounds(scheduled_at, time_critical)[0], now)
    if error is not None:
        raise error


# --- Rounds and the care day --------------------------------------------------------------

DAY_STARTS = dt.time(6, 0)


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

    @property
    def wraps_midnight(self) -> bool:
        return self.ends <= self.starts

    def contains(self, local_time: dt.time) -> bool:
        if self.wraps_midnight:
            return local_time >= self.starts or local_time < self.ends
        return self.starts <= local_time < self.ends


ROUNDS: dict[str, RoundDefinition] = {
    "morning": RoundDefinition("morning", "Morning", dt.time(6, 0), dt.time(11, 0)),
    "lunchtime": RoundDefinition("lunchtime", "Lunchtime", dt.time(11, 0), dt.time(14, 0)),
    "teatime": RoundDefinition("teatime", "Teatime", dt.time(14, 0), dt.time(18, 0)),
    "night": RoundDefinition("night", "Night", dt.time(18, 0), dt.time(6, 0)),
}


def round_for_time(local_time: dt.time) -> str:
    """The round a Europe/London wall time belongs to."""
    for definition in ROUNDS.values():
        if definition.contains(local_time):
            return definition.name
    raise AssertionError("the rounds cover the whole day")


def current_round(now: dt.datetime) -> str:
    return round_for_time(to_local(now).time())


def care_day(now: dt.datetime) -> dt.date:
    """The day a round belongs to: before 06:00 it is still the night of the day before."""
    local = to_local(now)
    return local.date() - dt.timedelta(days=1) if local.time() < DAY_STARTS else local.date()


def care_day_of_slot(local_date: dt.date, local_time: dt.time) -> dt.date:
    """The care day a slot belongs to: a 02:00 dose belongs to the night round of the day before."""
    return local_date - dt.timedelta(days=1) if local_time < DAY_STARTS else local_date


# --- A due dose's status at a moment -------------------------------------------------------


def dose_status(
    *,
    state: str,
    outcome: str | None,
    opens_at: dt.datetime,
    closes_at: dt.datetime,
    now: dt.datetime,
    offer_again_until: dt.datetime | None = None,
) -> DoseStatus:
    """later | due | overdue | offer_again (still pending), given | not_given (recorded). Withdrawn doses are not
    shown. ``offer_again_until``: the dose was refused (or asleep) and is to be offered again by then; after it,
    with no outcome yet, it is overdue."""
    if outcome is not None:
        return DoseStatus.GIVEN if outcome in TAKEN else DoseStatus.NOT_GIVEN
    if state == DoseState.RECORDED:
        return DoseStatus.GIVEN
    if offer_again_until is not None:
        return DoseStatus.OFFER_AGAIN if now <= offer_again_until else DoseStatus.OVERDUE
    if now > closes_at:
        return DoseStatus.OVERDUE
    if now < opens_at:
        return DoseStatus.LATER
    return DoseStatus.DUE


def dose_status_label(status: str, scheduled_at: dt.datetime) -> str:
    """The words for a pending dose's status on the round ('Overdue (due 08:00)', 'Due at 08:00')."""
    if status == DoseStatus.OVERDUE:
        return f"Overdue (due {clock_time(scheduled_at)})"
    return f"Due at {clock_time(scheduled_at)}"


def window_countdown(status: str, closes_at: dt.datetime, now: dt.datetime) -> str:
    """A time-critical dose's countdown to the end of its window, for the round (issue 8).

    "Give by 08:30: 25 minutes left" while it is due (or later today); "Window closed at 08:30: 12 minutes
    ago" once overdue; nothing once it has its record.
    """
    if status == DoseStatus.OVERDUE:
        return f"Window closed at {clock_time(closes_at)}: {duration(now - closes_at)} ago"
    if status in (DoseStatus.DUE, DoseStatus.LATER, DoseStatus.OFFER_AGAIN):
        left = closes_at - now
        if left < dt.timedelta(minutes=1):
            return f"Give by {clock_time(closes_at)}: less than a minute left"
        return f"Give by {clock_time(closes_at)}: {duration(left)} left"
    return ""


# --- The follow-up of a when-required dose -------------------------------------------------

# The effect of a PRN dose is checked from 30 minutes after it; it stays asked for 24 hours.
FOLLOW_UP_AFTER = dt.timedelta(minutes=30)
FOLLOW_UP_WINDOW = dt.timedelta(hours=24)


def follow_up_state(administered_at: dt.datetime, now: dt.datetime) -> str:
    """'soon' (too early to ask), 'due', or 'expired' (more than 24 hours ago: no longer asked)."""
    if now - administered_at > FOLLOW_UP_WINDOW:
        return "expired"
    if now - administered_at < FOLLOW_UP_AFTER:
        return "soon"
    return "due"
