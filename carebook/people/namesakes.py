"""People who could be taken for one another: the same name, or the same surname, in the same unit (or, where the
location has no units, a home-care branch's run, the same location). Hazard H64.

The right-person check asks a care worker to compare a picture and a name; two Mrs Smiths on one unit is how the
wrong person gets the medicines. The round, the pass per person and the recording page say so beside the name.
``shared_name`` is the rule (pure); ``namesakes_of`` reads the people it compares (one query).
"""

from __future__ import annotations

from dataclasses import dataclass

from carebook.people.models import Person
from carebook.people.whereabouts import room_of, room_words


@dataclass(frozen=True)
class Names:
    given: str
    family: str
    preferred: str = ""

    @classmethod
    def of(cls, person: Person) -> Names:
        return cls(given=person.given_name, family=person.family_name, preferred=person.preferred_name)

    def first_names(self) -> set[str]:
        return {n.strip().casefold() for n in (self.given, self.preferred) if n.strip()}


def shared_name(a: Names, b: Names) -> str:
    """What two people share, in words ("the same name", "the same surname", "the same first name"), or ""."""
    same_family = a.family.strip().casefold() == b.family.strip().casefold() and bool(a.family.strip())
    same_first = bool(a.first_names() & b.first_names())
    if same_family and same_first:
        return "the same name"
    if same_family:
        return "the same surname"
    if same_first:
        return "the same first name"
    return ""


@dataclass(frozen=True)
class Namesake:
    full_name: str
    room: str  # a care home's room ("" in home care: never an address, people.whereabouts)
    shares: str  # shared_name's words

    @property
    def text(self) -> str:
        where = f" ({room_words(self.room)})" if self.room else ""
        return f"{self.full_name}{where} has {self.shares}"


def namesakes_of(person: Person) -> list[Namesake]:
    """The other people of ``person``'s unit (or location, if it has no unit) who share a name with them."""
    return namesakes_for([person]).get(person.pk, [])


def namesakes_for(people: list[Person]) -> dict[object, list[Namesake]]:
    """``namesakes_of`` for several people of one location (a round), in one query."""
    if not people:
        return {}
    # The names are compared here, not in SQL: SQLite folds the case of ASCII letters only ("Élise").
    everyone = list(
        Person.objects.filter(location_id__in={p.location_id for p in people})
        .select_related("location")
        .only("location_id", "location__kind", "unit_id", "given_name", "family_name", "preferred_name", "room")
        .order_by("family_name", "given_name")
    )
    found: dict[object, list[Namesake]] = {}
    for person in people:
        names = Names.of(person)
        for other in everyone:
            if other.pk == person.pk or (other.location_id, other.unit_id) != (person.location_id, person.unit_id):
                continue
            shares = shared_name(names, Names.of(other))
            if shares:
                room = room_of(other.room, other.location.kind)
                found.setdefault(person.pk, []).append(Namesake(other.full_name, room, shares))
    return found


def namesake_warning(found: list[Namesake]) -> str:
    """The warning beside the name: "Check the picture: Ada Byron (room 9) has the same first name." ("" if none)."""
    if not found:
        return ""
    return "Check the picture and the date of birth: " + "; ".join(n.text for n in found) + "."
