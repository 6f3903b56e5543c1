"""A late dose and the next one: is it too close, and what may be done (ADR 0021).

A dose given late must not fall too close to the next dose. The usual guidance is to give a late dose if it is
less than about half the interval late, otherwise to omit it and say why. So each prescription has a
**minimum gap** between a dose and the next: the prescriber's (``min_gap_minutes`` on the prescription), or
by default half the time between the two prescribed times (08:00 and 20:00: 6 hours; once a day: 12 hours;
across the clock change, half of the night as it really is, 11 or 13 hours). Given at the gap or more before
the next dose, it is simply given.

Closer than that, a taken outcome needs one of three choices, each with a reason (and, for a time-critical
medicine, a senior's confirmation):

- **move the next dose** later, to at least the gap after this one, and no later than the gap before the
  window of the dose after it opens (when that is impossible, this choice is not offered);
- **omit the next dose** (it is recorded "not required" in advance, with the reason);
- **omit this one** (it is recorded "not required", with the reason).

When the next dose is already recorded as taken, neither it nor its time can change: a dose taken within the
gap of it can only be omitted. When there is no next dose (the last dose of a course, the end date), nothing is
too close.

Pure functions over plain values; no ORM, no clock.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
from dataclasses import dataclass

from carebook.core.clock import local_wall_time
from carebook.core.errors import DomainError, ValidationFailed
from carebook.core.text import clock_time, duration, moment
from carebook.medication.rules.schedules import Schedule, slots_from
from carebook.medication.vocab import LATE_CHOICES_GIVING, LateDoseChoice

GIVING = LATE_CHOICES_GIVING
MINUTE = dt.timedelta(minutes=1)


class TooCloseToNextDose(DomainError):
    code = "too_close_to_next_dose"
    status = 422


class SeniorConfirmationRequired(DomainError):
    code = "senior_confirmation_required"
    status = 422


@dataclass(frozen=True)
class NextDose:
    """The next dose of the same prescription, as the rule needs it."""

    scheduled_at: dt.datetime  # when it is due (a moved dose: its new time)
    prescribed_at: dt.datetime  # its prescribed wall time, as an instant
    pending: bool  # not yet recorded (False: recorded)
    given_at: dt.datetime | None = None  # recorded as taken: when
    # The dose after it (None: the next is the last): its prescribed time and when its window opens.
    after_prescribed_at: dt.datetime | None = None
    after_opens_at: dt.datetime | None = None


@dataclass(frozen=True)
class TooClose:
    """Given at ``given_at``, the dose would be closer than ``gap`` to the next: what may be done."""

    given_at: dt.datetime
    gap: dt.timedelta
    next: NextDose
    earliest_move: dt.datetime | None  # the earliest the next may be moved to (None: it cannot be moved)
    latest_move: dt.datetime | None  # the latest (None: no later dose bounds it)
    choices: tuple[str, ...]

    @property
    def to_next(self) -> dt.timedelta:
        """How long after ``given_at`` the next is due (or was taken); negative when it is already past."""
        when = self.next.scheduled_at if self.next.pending else (self.next.given_at or self.next.scheduled_at)
        return when - self.given_at

    def allows(self, choice: str) -> bool:
        return choice in self.choices


def min_gap(
    this_prescribed_at: dt.datetime, next_prescribed_at: dt.datetime, setting: dt.timedelta | None
) -> dt.timedelta:
    """The least time between a dose and the next: the prescription's setting, else half the prescribed interval."""
    if setting is not None:
        return setting
    return (next_prescribed_at - this_prescribed_at) / 2


# A reference fortnight without a clock change, to measure a schedule's intervals on the wall clock.
_REFERENCE_MONDAY = dt.date(2025, 1, 6)


def shortest_interval(schedule: Schedule) -> dt.timedelta | None:
    """The shortest time between two doses of the schedule, on the wall clock (None: no two doses)."""
    if not schedule.times:
        return None
    reference = dataclasses.replace(schedule, start_date=_REFERENCE_MONDAY, end_date=None, first_at=None, last_at=None)
    start = local_wall_time(_REFERENCE_MONDAY, dt.time(0))
    span = dt.timedelta(days=2 * (schedule.interval_days or 1) + 14)
    instants = [slot.scheduled_at for slot in slots_from(reference, start, within=span)]
    gaps = [later - earlier for earlier, later in itertools.pairwise(instants)]
    return min(gaps) if gaps else None


def _ceil_minute(at: dt.datetime) -> dt.datetime:
    floor = at.replace(second=0, microsecond=0)
    return floor if floor == at else floor + MINUTE


def too_close(
    *,
    given_at: dt.datetime,
    this_prescribed_at: dt.datetime,
    next_dose: NextDose | None,
    setting: dt.timedelta | None,
) -> TooClose | None:
    """None when a dose taken at ``given_at`` keeps at least the gap to the next; else what may be done."""
    if next_dose is None:
        return None
    gap = min_gap(this_prescribed_at, next_dose.prescribed_at, setting)
    if not next_dose.pending:
        if next_dose.given_at is None or abs(next_dose.given_at - given_at) >= gap:
            return None  # the next was not taken, or was taken far enough away
        return TooClose(given_at, gap, next_dose, None, None, (LateDoseChoice.OMIT_THIS,))
    if next_dose.scheduled_at - given_at >= gap:
        return None
    earliest = _ceil_minute(given_at + gap)
    latest = None
    if next_dose.after_prescribed_at is not None and next_dose.after_opens_at is not None:
        after_gap = min_gap(next_dose.prescribed_at, next_dose.after_prescribed_at, setting)
        latest = next_dose.after_opens_at - after_gap
    movable = latest is None or earliest <= latest
    choices = ((LateDoseChoice.MOVE_NEXT,) if movable else ()) + (LateDoseChoice.OMIT_NEXT, LateDoseChoice.OMIT_THIS)
    return TooClose(given_at, gap, next_dose, earliest if movable else None, latest if movable else None, choices)


# The page suggests a new time for the next dose a little after the earliest, on a five-minute mark: the earliest is
# measured from "now", so a suggestion of the earliest itself would be refused once the minute turned while the carer
# finished the form. Five minutes of slack keeps the suggestion good while the form is filled.
SUGGESTION_SLACK = dt.timedelta(minutes=5)
SUGGESTION_STEP_MINUTES = 5


def suggested_move(conflict: TooClose) -> dt.datetime | None:
    """The new time the recording page offers for the next dose: at least ``SUGGESTION_SLACK`` after the earliest,
    on a five-minute mark, never past the latest (then the earliest itself). None when it cannot be moved."""
    earliest, latest = conflict.earliest_move, conflict.latest_move
    if earliest is None:
        return None
    padded = earliest + SUGGESTION_SLACK  # the earliest is on a whole minute (too_close rounds it up)
    over = padded.minute % SUGGESTION_STEP_MINUTES
    if over:
        padded += dt.timedelta(minutes=SUGGESTION_STEP_MINUTES - over)
    if latest is not None and padded > latest:
        return earliest
    return padded


# --- In words -------------------------------------------------------------------------------


def _choice_words(conflict: TooClose) -> str:
    words: dict[str, str] = {
        LateDoseChoice.MOVE_NEXT: f"give it now and move the next dose to {clock_time(conflict.earliest_move)} or later"
        if conflict.earliest_move is not None
        else "",
        LateDoseChoice.OMIT_NEXT: "give it now and omit the next dose",
        LateDoseChoice.OMIT_THIS: "omit this one",
    }
    listed = [words[c] for c in conflict.choices]
    if len(listed) == 1:
        return listed[0]
    return ", ".join(listed[:-1]) + " or " + listed[-1]


def too_close_message(conflict: TooClose) -> str:
    """Why the dose cannot simply be given, and the choices, in the carer's words."""
    gap = duration(conflict.gap)
    nxt = conflict.next
    if not nxt.pending:
        taken = nxt.given_at or nxt.scheduled_at
        return (
            f"This dose is too close to the next one, already given at {moment(taken)}: doses must be at least "
            f"{gap} apart. It can only be omitted: choose 'omit this one' and say why."
        )
    away = conflict.to_next
    when = (
        f"{duration(away)} before the next dose at {clock_time(nxt.scheduled_at)}"
        if away > dt.timedelta(0)
        else f"after the next dose was due ({clock_time(nxt.scheduled_at)})"
    )
    return (
        f"Given now, this late dose would be {when}: doses must be at least {gap} apart. "
        f"Choose what to do: {_choice_words(conflict)}; and say why."
    )


def refusal_for(conflict: TooClose) -> TooCloseToNextDose:
    return TooCloseToNextDose(
        too_close_message(conflict),
        field="late_choice",
        choices=list(conflict.choices),
        gap_minutes=int(conflict.gap.total_seconds() // 60),
        next_scheduled_at=conflict.next.scheduled_at.isoformat(),
        earliest_move=conflict.earliest_move.isoformat() if conflict.earliest_move else None,
        latest_move=conflict.latest_move.isoformat() if conflict.latest_move else None,
    )


def omission_reason(conflict: TooClose, *, this_due_at: dt.datetime, omitted: str, reason: str) -> str:
    """The reason written on an omitted dose: what the rule found, then the carer's words."""
    if omitted == "this":
        said = f"Omitted: given late it would be too close to the next dose ({moment(conflict.next.scheduled_at)})"
    else:
        said = (
            f"Omitted in advance: the dose due at {moment(this_due_at)} was given late, at "
            f"{moment(conflict.given_at)}, too close to this one"
        )
    return f"{said}. {reason.strip()}"


# --- Checking the choice --------------------------------------------------------------------


@dataclass(frozen=True)
class LateChoice:
    """What the carer chose for a dose too close to the next."""

    choice: str  # a LateDoseChoice
    reason: str
    move_to: dt.datetime | None = None  # for MOVE_NEXT: when the next dose is moved to (None: the earliest)
    has_senior: bool = False


@dataclass(frozen=True)
class LatePlan:
    """What the service writes for a late dose too close to the next, as the rules decided it."""

    conflict: TooClose
    choice: str
    reason: str
    move_to: dt.datetime | None  # the next dose's new time (MOVE_NEXT)
    move_opens_at: dt.datetime | None  # its window opens no earlier than the gap after this one


def check_late_choice(
    conflict: TooClose | None, *, taken: bool, chosen: LateChoice | None, time_critical: bool, window: dt.timedelta
) -> LatePlan | None:
    """The plan for a late dose (None: nothing to decide); raises when the choice is missing or wrong."""
    if conflict is None:
        if chosen is not None:
            raise ValidationFailed(
                "This dose is not too close to the next one: record it as usual, without a late-dose choice.",
                field="late_choice",
                code="late_choice_not_needed",
            )
        return None
    if chosen is None:
        if not taken:
            return None  # a not-given outcome needs no choice
        raise refusal_for(conflict)
    if chosen.choice not in LateDoseChoice.values:
        raise ValidationFailed("Choose what to do about the next dose.", field="late_choice")
    if not conflict.allows(chosen.choice):
        if chosen.choice == LateDoseChoice.MOVE_NEXT and conflict.next.pending:
            message = (
                "The next dose cannot be moved: it would then be too close to the dose after it. "
                f"Choose: {_choice_words(conflict)}."
            )
        else:
            message = too_close_message(conflict)
        raise ValidationFailed(message, field="late_choice", code="late_choice_not_allowed")
    if chosen.choice in GIVING and not taken:
        raise ValidationFailed(
            "That choice gives this dose: choose a 'given' outcome, or choose 'omit this one'.",
            field="outcome",
        )
    if not chosen.reason.strip():
        raise ValidationFailed("Say why (for example, what the pharmacist or GP advised).", field="late_reason")
    move_to = None
    opens_at = None
    if chosen.choice == LateDoseChoice.MOVE_NEXT:
        assert conflict.earliest_move is not None
        move_to = chosen.move_to or conflict.earliest_move
        if move_to < conflict.earliest_move:
            raise ValidationFailed(
                f"Move the next dose to {moment(conflict.earliest_move)} or later: at least "
                f"{duration(conflict.gap)} after this one.",
                field="move_next_to",
            )
        if conflict.latest_move is not None and move_to > conflict.latest_move:
            raise ValidationFailed(
                f"Move the next dose to no later than {moment(conflict.latest_move)}: later, it would be too close "
                "to the dose after it.",
                field="move_next_to",
            )
        opens_at = max(conflict.earliest_move, move_to - window)
    if time_critical and not chosen.has_senior:
        raise SeniorConfirmationRequired(
            "This is a time-critical medicine: a senior must confirm this choice with their own username and password.",
            field="late_senior",
        )
    return LatePlan(conflict, chosen.choice, chosen.reason.strip(), move_to, opens_at)


@dataclass(frozen=True)
class SeniorFacts:
    """Who confirms a late-dose choice, as far as the rule needs to know."""

    name: str
    role_label: str
    is_recorder: bool
    may_confirm: bool  # the policy table's answer for their role
    works_here: bool


def check_senior_eligible(senior: SeniorFacts) -> None:
    if senior.is_recorder:
        raise ValidationFailed(
            "A second member of staff must confirm: not you.", field="late_senior", code="senior_invalid"
        )
    if not senior.may_confirm:
        raise ValidationFailed(
            f"{senior.name} is a {senior.role_label.lower()} and cannot confirm a late-dose choice: ask a senior.",
            field="late_senior",
            code="senior_not_allowed",
        )
    if not senior.works_here:
        raise ValidationFailed(
            f"{senior.name} does not work at this location.", field="late_senior", code="senior_not_allowed"
        )


def clearly_not_too_close(
    *,
    given_at: dt.datetime,
    this_prescribed_at: dt.datetime,
    next_prescribed_at: dt.datetime | None,
    next_window: dt.timedelta,
    setting: dt.timedelta | None,
) -> bool:
    """True when the schedule alone shows a dose given at ``given_at`` keeps the gap to any next dose.

    The next dose can only be moved later, omitted, or given from its window's opening: so if even its
    earliest possible time keeps the gap, nothing about the stored slots can make it too close. The
    service then reads no next slot (the common case: a dose given on time costs no query for this rule).
    """
    if next_prescribed_at is None:
        return True
    gap = min_gap(this_prescribed_at, next_prescribed_at, setting)
    return next_prescribed_at - next_window - given_at >= gap
