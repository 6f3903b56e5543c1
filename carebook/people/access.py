"""The only way a person's record, or a location, is fetched for a member of staff."""

from __future__ import annotations

from django.db.models import QuerySet

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.core.errors import NotFound
from carebook.core.ids import as_uuid
from carebook.organisations.models import Location
from carebook.people.models import Person

__all__ = ["access_location_for_user", "access_person_for_user", "as_uuid", "locations_for_user", "people_for_user"]


def locations_for_user(user: User | object) -> QuerySet[Location]:
    return Location.objects.filter(scope_for(user).q("id")).order_by("name")


def access_location_for_user(user: User | object, location_id: object) -> Location:
    lid = as_uuid(location_id, "location")
    location = Location.objects.filter(scope_for(user).q("id"), id=lid).first()
    if location is None:
        raise NotFound("No location with that id.")
    return location


def people_for_user(user: User | object) -> QuerySet[Person]:
    require(user, Action.VIEW_PEOPLE)
    return Person.objects.filter(scope_for(user).q("location"))


def access_person_for_user(user: User | object, person_id: object, action: Action = Action.VIEW_PEOPLE) -> Person:
    require(user, action)
    pid = as_uuid(person_id, "person")
    person = Person.objects.filter(scope_for(user).q("location"), id=pid).select_related("location", "unit").first()
    if person is None:
        raise NotFound("No person with that id.")
    return person
