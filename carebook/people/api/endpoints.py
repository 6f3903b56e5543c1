"""Locations and people: who is supported where, for the members of staff in scope."""

from __future__ import annotations

import uuid

from django.http import HttpRequest
from ninja import Query, Router

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.people.access import (
    access_location_for_user,
    access_person_for_user,
    locations_for_user,
    people_for_user,
)
from carebook.people.api import present
from carebook.people.api.schemas import LocationOut, NhsNumberIn, PersonDetail, PersonSummary
from carebook.people.identity import person_nhs_number_change

router = Router(tags=["people"])


@router.get("/locations", response={200: list[LocationOut], **READ_ERRORS}, operation_id="locations_list")
def locations_list(request: HttpRequest) -> list[dict]:
    """The locations (and their units) the signed-in member of staff works at."""
    require(caller(request), Action.VIEW_PEOPLE)
    return [present.location(loc) for loc in locations_for_user(caller(request)).prefetch_related("units")]


@router.get("/people", response={200: list[PersonSummary], **READ_ERRORS}, operation_id="people_list")
def people_list(request: HttpRequest, location: Query[uuid.UUID | None] = None) -> list[dict]:
    """The people supported at the caller's locations, or at one of them."""
    people = people_for_user(caller(request)).select_related("location", "unit")
    if location is not None:
        people = people.filter(location=access_location_for_user(caller(request), location))
    return [present.person_summary(p) for p in people.order_by("location__name", "family_name", "given_name")]


@router.get("/people/{person_id}", response={200: PersonDetail, **READ_ERRORS}, operation_id="person_detail")
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> dict:
    """One person: allergies (or an explicit "no known allergies"), how they like their medicines, a picture link."""
    person = access_person_for_user(caller(request), person_id)
    return present.person_detail(person)


@router.post(
    "/people/{person_id}/nhs-number",
    response={200: PersonDetail, **WRITE_ERRORS},
    operation_id="person_nhs_number_change",
)
def person_nhs_number(request: HttpRequest, person_id: uuid.UUID, body: NhsNumberIn) -> dict:
    """Change a person's NHS number (seniors). It must pass the modulus 11 check and not be another person's;
    it is stored as 10 digits, and the audit log keeps the number before and after."""
    person = access_person_for_user(caller(request), person_id)  # out of scope: 404; the service checks the role
    person_nhs_number_change(person=person, by=caller(request), nhs_number=body.nhs_number, reason=body.reason)
    return present.person_detail(person)
