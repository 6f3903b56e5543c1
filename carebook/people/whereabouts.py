"""Where a person lives, in the words a page shows, and who may read it (ADR 0038, hazard H68).

In a care home it is the person's room ("room 12"), shown to the staff of the home: it is how they find the person.
In a home-care branch the same field holds the person's home address. An address, with a key-safe note, is a way
into someone's home, so it is shown only to those who need it:

- the staff who plan the branch's visits (``Action.SEE_HOME_ADDRESSES``), and
- a care worker on a visit with the person that day (assigned to it).

Visits belong to the medication app, which this app may not import. The medication app registers the one query
that says whom a care worker visits on a day (``register_visit_lookup``); until it does, only the planners see an
address (closed by default). Every page, the API, the MAR and the namesake warning read the place from here.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from typing import Any

from carebook.access.policy import Action, can
from carebook.organisations.models import LocationKind

# (viewer, person ids, date) -> the ids of those people the viewer is on a visit with that day.
VisitLookup = Callable[[Any, set[Any], dt.date], set[Any]]

_visit_lookup: VisitLookup | None = None


def register_visit_lookup(lookup: VisitLookup) -> None:
    global _visit_lookup
    _visit_lookup = lookup


def room_of(room: str, kind: str) -> str:
    """A care home's room ("12"), for a page or record that never shows an address: "" in home care, where the
    field holds the person's home address (the round, the pass, the recording page, the MAR, a namesake warning)."""
    return "" if kind == LocationKind.HOME_CARE else room.strip()


def room_words(room: str) -> str:
    """A room as said mid-sentence ("room 12"), or "" (a page capitalises it where a line starts)."""
    return f"room {room}" if room else ""


def addresses_for(viewer: Any, people: Iterable[Any], today: dt.date) -> dict[Any, str]:
    """The home address of each person of a home-care branch as this viewer may read it ("" where they may not,
    and for everyone in a care home), in one query at most.

    ``people`` are Person rows with their location loaded (``select_related("location")``).
    """
    people = list(people)
    at_home = {p.pk: p.room.strip() for p in people if p.location.kind == LocationKind.HOME_CARE and p.room.strip()}
    if not at_home:
        visited: set[Any] = set()
    elif can(viewer, Action.SEE_HOME_ADDRESSES):
        visited = set(at_home)
    elif _visit_lookup is not None and can(viewer, Action.RECORD_ADMINISTRATION):
        visited = _visit_lookup(viewer, set(at_home), today)
    else:
        visited = set()
    return {p.pk: at_home[p.pk] if p.pk in visited else "" for p in people}


def rooms_for(viewer: Any, people: Iterable[Any], today: dt.date) -> dict[Any, str]:
    """The field itself as this viewer may read it (the API's ``room``): a care home's room, a home address the
    viewer may see, or ""."""
    people = list(people)
    addresses = addresses_for(viewer, people, today)
    return {p.pk: addresses[p.pk] or room_of(p.room, p.location.kind) for p in people}


def places_for(viewer: Any, people: Iterable[Any], today: dt.date) -> dict[Any, str]:
    """Where each person is, in words, as this viewer may see it: "room 12", their address, or ""."""
    people = list(people)
    addresses = addresses_for(viewer, people, today)
    return {p.pk: addresses[p.pk] or room_words(room_of(p.room, p.location.kind)) for p in people}
