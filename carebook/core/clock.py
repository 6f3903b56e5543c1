"""The one source of the current time. Every clinical timestamp comes from here.

Tests move it with time-machine; nothing else in the code calls datetime.now().
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

_source: Callable[[], dt.datetime] | None = None


def now() -> dt.datetime:
    """The server's current time, timezone-aware (UTC)."""
    if _source is not None:
        return _source()
    return dt.datetime.now(tz=dt.UTC)


@contextmanager
def overridden(source: Callable[[], dt.datetime]) -> Iterator[None]:
    """Let ``source`` tell the time for a while: the demo seed replays a week through the services with it.

    Not for requests: nothing in the product's pages or API calls it.
    """
    global _source
    previous, _source = _source, source
    try:
        yield
    finally:
        _source = previous


def local_now() -> dt.datetime:
    """The current Europe/London wall-clock time."""
    return now().astimezone(LONDON)


def today() -> dt.date:
    """Today's date in Europe/London."""
    return local_now().date()


def to_local(moment: dt.datetime) -> dt.datetime:
    return moment.astimezone(LONDON)


def local_wall_time(day: dt.date, time: dt.time) -> dt.datetime:
    """The instant a Europe/London wall-clock time falls on ``day``.

    On the spring-forward day a time in the missing hour (01:00-01:59) has no
    instant; it is moved forward by the gap (01:30 becomes 02:30 BST), so the
    dose still happens once. On the fall-back day a time in the repeated hour
    is taken at its first occurrence (BST). Either way: exactly one instant per
    wall time per day. Returned in UTC.
    """
    naive = dt.datetime.combine(day, time)
    # fold=0: for a repeated time, the first occurrence; for a missing time,
    # zoneinfo applies the offset from before the gap, which moves it forward.
    aware = naive.replace(tzinfo=LONDON, fold=0)
    return aware.astimezone(dt.UTC)
