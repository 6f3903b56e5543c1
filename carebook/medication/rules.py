"""Clinical rules as pure functions over plain values. No ORM, no clock.

Each refusal is a DomainError with a stable code, a plain-English message and,
where it helps the carer, the time the dose becomes allowed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.clock import LONDON, local_wall_time
from carebook.core.errors import Conflict, DomainError, ValidationFailed

# --- Schedules -----------------------------------------------------------------


@dataclass(frozen=True)
class Schedule:
    kind: str  # fixed_times | days_of_week | every_n_days | prn
    times: tuple[dt.time, ...]
    start_date: dt.date
    end_date: dt.date | None = None
    days_of_week: frozenset[int] = frozenset()
    interval_days: int | None = None


def schedule_occurs_on(schedule: Schedule, day: dt.date) -> bool:
    if day < schedule.start_date:
        return False
    if schedule.end_date is not None and day > schedule.end_date:
        return False
    if schedule.kind == "fixed_times":
        return True
    if schedule.kind == "days_of_week":
        return day.weekday() in schedule.days_of_week
    if schedule.kind == "every_n_days":
        return schedule.interval_days is not None and (day - schedule.start_date).days % schedule.interval_days == 0
    return False  # PRN has no scheduled doses


@dataclass(frozen=True)
class Slot:
    local_date: dt.date
    local_time: dt.time
    scheduled_at: dt.datetime  # UTC


def scheduled_slots(schedule: Schedule, start: dt.datetime, end: dt.datetime) -> Iterator[Slot]:
    """Every scheduled dose whose instant falls in [start, end). Exactly one per wall time per day."""
    if schedule.kind == "prn" or not schedule.times:
        return
    first_day = start.astimezone(LONDON).date() - dt.timedelta(days=1)
    last_day = end.astimezone(LONDON).date() + dt.timedelta(days=1)
    day = max(first_day, schedule.start_date)
    while day <= last_day:
        if schedule_occurs_on(schedule, day):
            for time in sorted(set(schedule.times)):
                instant = local_wall_time(day, time)
                if start <= instant < end:
                    yield Slot(day, time, instant)
        day += dt.timedelta(days=1)


def parse_times(values: Iterable[str]) -> tuple[dt.time, ...]:
    times: list[dt.time] = []
    for raw in values:
        text = str(raw).strip()
        try:
            if len(text) != 5 or text[2] != ":":
                raise ValueError
            value = dt.time.fromisoformat(text)
        except ValueError:
            raise ValidationFailed(
                f'"{text}" is not a time of day. Use the 24-hour clock, like 08:00.', field="times"
            ) from None
        if value in times:
            raise ValidationFailed(f"{text} is listed twice.", field="times")
        times.append(value)
    return tuple(sorted(times))


# --- Dose windows ----------------------------------------------------------------

DEFAULT_WINDOW = dt.timedelta(minutes=60)
TIME_CRITICAL_WINDOW = dt.timedelta(minutes=30)


def dose_window(time_critical: bool) -> dt.timedelta:
    return TIME_CRITICAL_WINDOW if time_critical else DEFAULT_WINDOW


def timing_of(scheduled_at: dt.datetime, at: dt.datetime, time_critical: bool) -> str:
    """'early' (before the window), 'on_time', or 'late' (after the window)."""
    window = dose_window(time_critical)
    if at < scheduled_at - window:
        return "early"
    if at > scheduled_at + window:
        return "late"
    return "on_time"


class NotYetDue(DomainError):
    code = "not_yet_due"
    status = 422


def check_not_too_early(scheduled_at: dt.datetime, now: dt.datetime, time_critical: bool) -> None:
    opens = scheduled_at - dose_window(time_critical)
    if now < opens:
        raise NotYetDue(
            f"This dose is not due yet. It can be given from {opens.astimezone(LONDON):%H:%M on %d %B}.",
            field="due_dose",
            allowed_from=opens.isoformat(),
        )


# --- Recording ---------------------------------------------------------------------


class AlreadyRecorded(Conflict):
    code = "already_recorded"


class TooSoon(DomainError):
    code = "prn_too_soon"
    status = 422


class MaxDailyDoseReached(DomainError):
    code = "prn_max_24h_reached"
    status = 422


class WitnessRequired(DomainError):
    code = "witness_required"
    status = 422


class PrescriptionNotActive(DomainError):
    code = "prescription_not_active"
    status = 422


class TranscriptionCheckRequired(DomainError):
    code = "transcription_check_required"
    status = 422


def check_prescription_can_be_given(
    *,
    status: str,
    status_label: str,
    check_required: bool,
    checked: bool,
    start_date: dt.date,
    end_date: dt.date | None,
    today: dt.date,
) -> None:
    if status != "active":
        raise PrescriptionNotActive(
            f"This prescription is {status_label.lower()}: no dose can be recorded against it.", field="prescription"
        )
    if check_required and not checked:
        raise TranscriptionCheckRequired(
            "This prescription has not had its transcription check. A second trained member of staff must check it "
            "against the prescriber's directions before the first dose.",
            field="prescription",
        )
    if today < start_date or (end_date is not None and today > end_date):
        raise PrescriptionNotActive(
            "This prescription is not current today "
            f"(from {start_date:%d %B %Y}{f' to {end_date:%d %B %Y}' if end_date else ''}).",
            field="prescription",
        )


@dataclass(frozen=True)
class PrnDose:
    at: dt.datetime
    quantity: Decimal


def prn_next_allowed(
    *,
    history: Sequence[PrnDose],
    now: dt.datetime,
    quantity: Decimal,
    min_interval: dt.timedelta,
    max_24h: Decimal,
) -> dt.datetime | None:
    """None if a PRN dose of ``quantity`` may be given at ``now``; otherwise the earliest time it may.

    The 24-hour rule: the quantity given in any 24 hours ending at the new dose,
    the new dose included, must not exceed ``max_24h``.
    """
    if quantity > max_24h:
        return dt.datetime.max.replace(tzinfo=dt.UTC)
    earliest = now
    taken = sorted((d for d in history if d.at <= now), key=lambda d: d.at)
    if taken:
        earliest = max(earliest, taken[-1].at + min_interval)
    # Slide forward until the doses in the 24 h before `earliest` leave room.
    while True:
        window_start = earliest - dt.timedelta(hours=24)
        in_window = [d for d in taken if d.at > window_start]
        total = sum((d.quantity for d in in_window), Decimal(0))
        if total + quantity <= max_24h:
            break
        # The earliest dose in the window must fall out of it first.
        earliest = in_window[0].at + dt.timedelta(hours=24)
    return None if earliest <= now else earliest


def check_prn(
    *,
    history: Sequence[PrnDose],
    now: dt.datetime,
    quantity: Decimal,
    min_interval: dt.timedelta,
    max_24h: Decimal,
) -> None:
    """Refuse a PRN dose at ``now`` (the time it is said to be given) that breaks its limits.

    ``history`` holds every dose of the medicine near ``now``, including any recorded at a
    *later* time: a dose entered late must respect the doses around it on both sides, so a
    back-dated entry cannot slip between doses or push any 24 hours over the maximum.
    """
    if quantity > max_24h:
        raise MaxDailyDoseReached(
            f"{quantity.normalize():f} is more than the maximum of {max_24h.normalize():f} in 24 hours.",
            field="dose_given",
        )
    before = [d for d in history if d.at <= now]
    after = sorted((d for d in history if d.at > now), key=lambda d: d.at)
    if after and after[0].at - now < min_interval:
        raise TooSoon(
            f"A dose was already recorded at {after[0].at.astimezone(LONDON):%H:%M on %d %B}, less than "
            f"{_duration(min_interval)} after the time you gave. Check the time, or record what happened as an "
            "incident.",
            field="administered_at",
        )
    allowed = prn_next_allowed(history=before, now=now, quantity=quantity, min_interval=min_interval, max_24h=max_24h)
    if allowed is not None:
        last = max((d.at for d in before), default=None)
        when = f"{allowed.astimezone(LONDON):%H:%M on %d %B}"
        if last is not None and now < last + min_interval and allowed == last + min_interval:
            raise TooSoon(
                f"Too soon: the last dose was at {last.astimezone(LONDON):%H:%M}. "
                f"The next dose can be given from {when}.",
                field="prescription",
                allowed_from=allowed.isoformat(),
            )
        raise MaxDailyDoseReached(
            f"The maximum of {max_24h.normalize():f} in 24 hours has been reached. "
            f"The next dose can be given from {when}.",
            field="dose_given",
            allowed_from=allowed.isoformat(),
        )
    # Every 24 hours that contains the new dose and ends at a later dose must stay within the maximum.
    for later in after:
        if later.at - now >= dt.timedelta(hours=24):
            break
        window = [d for d in history if later.at - dt.timedelta(hours=24) < d.at <= later.at]
        if sum((d.quantity for d in window), quantity) > max_24h:
            raise MaxDailyDoseReached(
                f"With the doses recorded after it, this dose would take the 24 hours to "
                f"{later.at.astimezone(LONDON):%H:%M on %d %B} over the maximum of {max_24h.normalize():f}.",
                field="administered_at",
            )


def _duration(interval: dt.timedelta) -> str:
    minutes = int(interval.total_seconds() // 60)
    hours, rest = divmod(minutes, 60)
    if hours and rest:
        return f"{hours} h {rest} min"
    return f"{hours} hours" if hours else f"{rest} minutes"


def check_dose_quantity(*, outcome: str, dose_given: Decimal | None, dose_min: Decimal, dose_max: Decimal) -> None:
    if outcome == "given":
        if dose_given is None:
            return
        if not dose_min <= dose_given <= dose_max:
            raise ValidationFailed(
                f"The prescribed dose is {dose_min.normalize():f}"
                f"{'' if dose_min == dose_max else f' to {dose_max.normalize():f}'}. "
                "To record a different amount, choose 'Given, partial or different dose' and say why.",
                field="dose_given",
            )
    if outcome == "given_partial" and dose_given is None:
        raise ValidationFailed("Say how much was actually given.", field="dose_given")


# Outcomes of a controlled drug that a second member of staff must witness: every dose that left the
# cupboard for the person (given, partial, self-administered under staff supervision) and every dose destroyed.
# "Given by family" (home care only) is the family's act, not staff's: no staff witness can be present.
WITNESSED_OUTCOMES = frozenset({"given", "given_partial", "self_administered", "refused_destroyed", "destroyed"})


def check_witness(*, needs_witness: bool, outcome: str, has_witness: bool) -> None:
    if needs_witness and outcome in WITNESSED_OUTCOMES and not has_witness:
        raise WitnessRequired(
            "This is a controlled drug: a second trained member of staff must witness it and confirm with their "
            "own password.",
            field="witness",
        )


# --- Safety prompts -----------------------------------------------------------------

BASE_PROMPTS: tuple[str, ...] = (
    "right_person",
    "right_medicine",
    "right_dose",
    "right_time",
    "right_route",
    "allergies",
    "consent",
)
READING_PROMPTS = frozenset({"pulse", "blood_glucose", "blood_pressure"})


def prompts_for(required_check: str) -> tuple[str, ...]:
    """The prompts shown before a dose, in order."""
    return BASE_PROMPTS + ((required_check,) if required_check else ())


@dataclass(frozen=True)
class Answer:
    prompt: str
    result: str  # confirmed | failed | skipped
    value: Decimal | None = None
    note: str = ""
    answered_at: dt.datetime | None = None  # the server's time of the tap, where the page reported it


def check_prompt_answers(*, required: Sequence[str], answers: Sequence[Answer], outcome: str, taken: bool) -> None:
    """The prompts must be walked before an outcome is chosen.

    - A taken outcome needs every prompt answered; none may have failed, and
      only a reading (pulse, glucose, BP) may be skipped, with a note why.
    - A confirmed reading needs its value.
    - A failed prompt stops the dose: only a not-given outcome may follow.
    - A not-given outcome needs the prompts up to the one that stopped it; the
      right-person prompt is always required.
    """
    by_prompt: dict[str, Answer] = {}
    for answer in answers:
        if answer.prompt not in required:
            raise ValidationFailed(f'"{answer.prompt}" is not a check for this dose.', field="prompts")
        if answer.prompt in by_prompt:
            raise ValidationFailed(f'"{answer.prompt}" was answered twice.', field="prompts")
        if answer.result not in {"confirmed", "failed", "skipped"}:
            raise ValidationFailed(
                f'"{answer.result}" is not an answer: use confirmed, failed or skipped.', field="prompts"
            )
        if answer.result == "confirmed" and answer.prompt in READING_PROMPTS and answer.value is None:
            raise ValidationFailed("Enter the reading you took.", field=f"prompts.{answer.prompt}")
        if answer.result == "skipped" and answer.prompt not in READING_PROMPTS:
            raise ValidationFailed(
                "This check cannot be skipped: confirm it, or say it failed and record why the dose was not given.",
                field=f"prompts.{answer.prompt}",
            )
        if answer.result == "skipped" and not answer.note.strip():
            raise ValidationFailed("Say why the reading was not taken.", field=f"prompts.{answer.prompt}")
        by_prompt[answer.prompt] = answer

    failed = [p for p in required if p in by_prompt and by_prompt[p].result == "failed"]
    if taken:
        missing = [p for p in required if p not in by_prompt]
        if missing:
            raise ValidationFailed(
                "Complete every safety check before recording the dose as given: " + ", ".join(missing) + ".",
                field="prompts",
                missing=missing,
            )
        if failed:
            raise ValidationFailed(
                f"The check '{failed[0]}' failed, so the dose cannot be recorded as given. "
                "Choose a not-given outcome and say why.",
                field="outcome",
            )
        return
    # Not given: the walk must reach the point where it stopped.
    if "right_person" not in by_prompt:
        raise ValidationFailed("Confirm who the person is before recording an outcome.", field="prompts.right_person")
    if failed:
        stop = required.index(failed[0])
        missing = [p for p in required[:stop] if p not in by_prompt]
        if missing:
            raise ValidationFailed(
                "Answer the checks before the one that failed: " + ", ".join(missing) + ".",
                field="prompts",
                missing=missing,
            )


def check_reason(*, outcome: str, taken: bool, reason: str) -> None:
    if not taken and not reason.strip():
        raise ValidationFailed("Say in words why the dose was not given.", field="reason")
    if outcome == "given_partial" and not reason.strip():
        raise ValidationFailed("Say why a partial or different dose was given.", field="reason")
