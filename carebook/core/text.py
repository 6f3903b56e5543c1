"""One way of saying a time, a duration, a quantity, a list or an NHS number, for every page, PDF and API.

Pure functions over plain values; no queries.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from carebook.core.clock import to_local

# --- Times ------------------------------------------------------------------------------


def clock_time(at: dt.datetime) -> str:
    """'08:05' in Europe/London."""
    return f"{to_local(at):%H:%M}"


def moment(at: dt.datetime) -> str:
    """'08:05 on 14 March' in Europe/London: a time a carer acts on."""
    return f"{to_local(at):%H:%M on %d %B}"


def duration(delta: dt.timedelta) -> str:
    """'4 hours 30 minutes', '45 minutes', '1 day 3 hours' (whole minutes; never negative)."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    if days:
        return plural(days, "day") + (f" {plural(hours, 'hour')}" if hours else "")
    if hours:
        return plural(hours, "hour") + (f" {plural(minutes, 'minute')}" if minutes else "")
    return plural(minutes, "minute")


def minutes_text(minutes: int | None) -> str:
    """A time between doses as it is entered, in hours and minutes: '4 hours 30 minutes', '48 hours'."""
    if not minutes:
        return ""
    hours, rest = divmod(minutes, 60)
    if not hours:
        return plural(rest, "minute")
    return plural(hours, "hour") + (f" {plural(rest, 'minute')}" if rest else "")


# --- Counting ---------------------------------------------------------------------------


def plural(count: int | Decimal, word: str) -> str:
    """'1 hour', '2 hours'."""
    number = format_quantity(count) if isinstance(count, Decimal) else str(count)
    return f"{number} {word}{'' if count == 1 else 's'}"


def and_list(items: list[str]) -> str:
    """The items joined as in a sentence: "a", "a and b", "a, b and c"."""
    if len(items) < 2:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


# Units counted in whole things take a plural ("2 tablets"); measures do not ("5 mL").
COUNTABLE_UNITS = frozenset(
    {
        "tablet",
        "capsule",
        "patch",
        "drop",
        "sachet",
        "puff",
        "application",
        "suppository",
        "unit",
        "dose",
        "spray",
        "lozenge",
        "pessary",
        "injection",
        "pen",
        "vial",
        "ampoule",
    }
)


def format_quantity(value: Decimal | int) -> str:
    """A quantity as a carer writes it: '2', '2.5', '0.125'."""
    return f"{Decimal(value).normalize():f}"


def unit_for(unit: str, quantity: Decimal | int) -> str:
    """Plural of a countable unit ('2 tablets'); measures stay as they are ('5 mL')."""
    return f"{unit}s" if unit in COUNTABLE_UNITS and quantity != 1 else unit


def quantity_with_unit(value: Decimal | None, unit: str) -> str:
    """'2 tablets', '1 tablet', '5 mL'; nothing for no quantity."""
    if value is None:
        return ""
    return f"{format_quantity(value)} {unit_for(unit, value)}".strip()


# --- Identifiers ------------------------------------------------------------------------


def nhs_number_display(value: str) -> str:
    """An NHS number as it is read out: 3-3-4 digits."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 10:
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"
