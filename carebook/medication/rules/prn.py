"""When-required (PRN) limits: the minimum interval between doses and the most in any 24 hours.

The history of a PRN medicine counts every dose the person took of that medicine, from any of its
prescriptions (a GP's PRN and a homely remedy of the same medicine): see ``PRN_HISTORY``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from carebook.core.errors import DomainError
from carebook.core.text import clock_time, duration, format_quantity, moment

# Doses this far either side of a new dose can affect whether it is allowed (24 h maximum, both sides).
PRN_HISTORY = dt.timedelta(hours=48)


class TooSoon(DomainError):
    code = "prn_too_soon"
    status = 422


class MaxDailyDoseReached(DomainError):
    code = "prn_max_24h_reached"
    status = 422


@dataclass(frozen=True)
class PrnDose:
    at: dt.datetime
    quantity: Decimal


@dataclass(frozen=True)
class PrnLimits:
    min_interval: dt.timedelta
    max_24h: Decimal


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


def prn_refusal(
    *,
    history: Sequence[PrnDose],
    now: dt.datetime,
    quantity: Decimal,
    min_interval: dt.timedelta,
    max_24h: Decimal,
) -> DomainError | None:
    """Why a PRN dose at ``now`` (the time it is said to be given) breaks its limits, or None.

    ``history`` holds every dose of the medicine near ``now``, including any recorded at a
    *later* time: a dose entered late must respect the doses around it on both sides, so a
    back-dated entry cannot slip between doses or push any 24 hours over the maximum.
    """
    if quantity > max_24h:
        return MaxDailyDoseReached(
            f"{format_quantity(quantity)} is more than the maximum of {format_quantity(max_24h)} in 24 hours.",
            field="dose_given",
        )
    before = [d for d in history if d.at <= now]
    after = sorted((d for d in history if d.at > now), key=lambda d: d.at)
    if after and after[0].at - now < min_interval:
        return TooSoon(
            f"A dose was already recorded at {moment(after[0].at)}, less than "
            f"{duration(min_interval)} after the time you gave. Check the time, or record what happened as an "
            "incident.",
            field="administered_at",
        )
    allowed = prn_next_allowed(history=before, now=now, quantity=quantity, min_interval=min_interval, max_24h=max_24h)
    if allowed is not None:
        last = max((d.at for d in before), default=None)
        if last is not None and now < last + min_interval and allowed == last + min_interval:
            return TooSoon(
                f"Too soon: the last dose was at {clock_time(last)}. "
                f"The next dose can be given from {moment(allowed)}.",
                field="prescription",
                allowed_from=allowed.isoformat(),
            )
        return MaxDailyDoseReached(
            f"The maximum of {format_quantity(max_24h)} in 24 hours has been reached. "
            f"The next dose can be given from {moment(allowed)}.",
            field="dose_given",
            allowed_from=allowed.isoformat(),
        )
    # Every 24 hours that contains the new dose and ends at a later dose must stay within the maximum.
    for later in after:
        if later.at - now >= dt.timedelta(hours=24):
            break
        window = [d for d in history if later.at - dt.timedelta(hours=24) < d.at <= later.at]
        if sum((d.quantity for d in window), quantity) > max_24h:
            return MaxDailyDoseReached(
                f"With the doses recorded after it, this dose would take the 24 hours to "
                f"{moment(later.at)} over the maximum of {format_quantity(max_24h)}.",
                field="administered_at",
            )
    return None


def check_prn(
    *,
    history: Sequence[PrnDose],
    now: dt.datetime,
    quantity: Decimal,
    min_interval: dt.timedelta,
    max_24h: Decimal,
) -> None:
    """Raise ``prn_refusal``'s error, if any."""
    error = prn_refusal(history=history, now=now, quantity=quantity, min_interval=min_interval, max_24h=max_24h)
    if error is not None:
        raise error
