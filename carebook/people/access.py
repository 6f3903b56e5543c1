"""The only way a person's record is fetched for a member of staff."""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import QuerySet

from carebook.access.policy import Action, location_ids_for_user, require
from carebook.core.errors import NotFound
from carebook.organisations.models import Location
from carebook.people.models import Person


def as_uuid(value: Any, what: str) -> uuid.UUID:
    try:
        return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
    except (ValueError, TypeError, AttributeError):
        raise NotFound(f"No {what} with that id.") from None


def locations_for_user(user: Any) -> QuerySet[Location]:
    return Location.objects.filter(id__in=location_ids_for_user(user)).order_by("name")


def access_location_for_user(user: Any, location_id: Any) -> Location:
    lid = as_uuid(location_id, "location")
    if lid not in location_ids_for_user(user):
        raise NotFound("No location with that id.")
    return Location.objects.get(id=lid)


def people_for_user(user: Any) -> QuerySet[Person]:
    require(user, Action.VIEW_PEOPLE)
    return Person.objects.filter(location_id__in=location_ids_for_user(user))


def access_person_for_user(user: Any, person_id: Any, action: Action = Action.VIEW_PEOPLE) -> Person:
    require(user, action)
    pid = as_uuid(person_id, "person")
    person = Person.objects.select_related("location", "unit").filter(id=pid).first()
    if person is None:
        raise NotFound("No person with that id.")
    if person.location_id not in location_ids_for_user(user):
        raise NotFound("No person with that id.")
    return person
