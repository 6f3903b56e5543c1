"""Locations and people: who is supported where, for the members of staff in scope."""

from __future__ import annotations

import uuid

from django.db.models import Q
from django.http import HttpRequest
from ninja import Query, Router, Status

from carebook.access.api import READ_ERRORS, WRITE_ERRORS, caller
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.core import clock
from carebook.core.errors import NotFound
from carebook.people.access import (
    access_location_for_user,
    access_person_for_user,
    locations_for_user,
    people_for_user,
)
from carebook.people.api import present
from carebook.people.api.schemas import (
    AllergenOut,
    AllergyCorrectionIn,
    AllergyIn,
    AllergyRecordOut,
    LocationOut,
    NhsNumberIn,
    NoKnownAllergiesIn,
    PersonAllergiesOut,
    PersonDetail,
    PersonSummary,
)
from carebook.people.identity import person_nhs_number_change
from carebook.people.models import Allergy, Person
from carebook.people.services import allergy_correct, allergy_record, allergy_status_none_known
from carebook.people.whereabouts import rooms_for
from carebook.substances.models import AllergenClass, Substance

router = Router(tags=["people"])


def _detail(request: HttpRequest, person: Person) -> dict:
    return present.person_detail(person, room=rooms_for(caller(request), [person], clock.today())[person.pk])


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
    rows = list(people.order_by("location__name", "family_name", "given_name"))
    rooms = rooms_for(caller(request), rows, clock.today())
    return [present.person_summary(p, room=rooms[p.pk]) for p in rows]


@router.get("/people/{person_id}", response={200: PersonDetail, **READ_ERRORS}, operation_id="person_detail")
def person_detail(request: HttpRequest, person_id: uuid.UUID) -> dict:
    """One person: allergies (or an explicit "no known allergies"), how they like their medicines, a picture link."""
    person = access_person_for_user(caller(request), person_id)
    return _detail(request, person)


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
    return _detail(request, person)


# --- Allergies (ADR 0022) ------------------------------------------------------------------------------------------


@router.get(
    "/people/{person_id}/allergies",
    response={200: PersonAllergiesOut, **READ_ERRORS},
    operation_id="person_allergies",
    tags=["allergies"],
)
def person_allergies(request: HttpRequest, person_id: uuid.UUID) -> dict:
    """Every allergy record of a person (current and corrected, with who, when and why) and the status statements."""
    return present.person_allergies(access_person_for_user(caller(request), person_id))


@router.post(
    "/people/{person_id}/allergies",
    response={201: AllergyRecordOut, **WRITE_ERRORS},
    operation_id="allergy_record",
    tags=["allergies"],
)
def allergy_create(request: HttpRequest, person_id: uuid.UUID, payload: AllergyIn) -> Status[dict]:
    """Record an allergy or intolerance (seniors). The person's status becomes "has allergies"."""
    person = access_person_for_user(caller(request), person_id)  # 404 out of scope; the service checks the role
    allergy = allergy_record(
        person=person,
        by=caller(request),
        substance_code=payload.substance,
        class_code=payload.allergen_class,
        name=payload.name,
        reaction=payload.reaction,
        severity=payload.severity,
        kind=payload.kind,
    )
    fresh = Allergy.objects.select_related(*present.ALLERGY_RECORD_RELATED).get(pk=allergy.pk)
    return Status(201, present.allergy_record(fresh))


@router.post(
    "/people/{person_id}/no-known-allergies",
    response={201: PersonAllergiesOut, **WRITE_ERRORS},
    operation_id="allergies_none_known",
    tags=["allergies"],
)
def allergies_none_known(request: HttpRequest, person_id: uuid.UUID, payload: NoKnownAllergiesIn) -> Status[dict]:
    """State "no known allergies" (seniors): refused while allergies are listed. Never the default."""
    person = access_person_for_user(caller(request), person_id)  # 404 out of scope; the service checks the role
    allergy_status_none_known(person=person, by=caller(request), note=payload.note)
    person.refresh_from_db(fields=["allergy_status"])
    return Status(201, present.person_allergies(person))


@router.post(
    "/allergies/{allergy_id}/correction",
    response={200: AllergyRecordOut, **WRITE_ERRORS},
    operation_id="allergy_correct",
    tags=["allergies"],
)
def allergy_correction(request: HttpRequest, allergy_id: int, payload: AllergyCorrectionIn) -> dict:
    """Mark an allergy entered in error or refuted (seniors). The original stays, marked, with the reason."""
    user = caller(request)
    require(user, Action.VIEW_PEOPLE)  # 404 out of scope first; the service checks the role for the correction
    allergy = (
        Allergy.objects.filter(people_scope(user), pk=allergy_id).select_related("person__location").first()
        if 0 < allergy_id < 2**63
        else None
    )
    if allergy is None:
        raise NotFound("No allergy with that id.")
    allergy_correct(allergy=allergy, by=user, kind=payload.kind, reason=payload.reason)
    return present.allergy_record(Allergy.objects.select_related(*present.ALLERGY_RECORD_RELATED).get(pk=allergy.pk))


@router.get(
    "/allergens", response={200: list[AllergenOut], **READ_ERRORS}, operation_id="allergens_list", tags=["allergies"]
)
def allergens_list(request: HttpRequest, q: Query[str] = "") -> list[dict]:
    """The allergen table an allergy can point at: classes, then substances (their names contain ``q``)."""
    require(caller(request), Action.VIEW_PEOPLE)
    query = q.replace("\x00", "").strip()[:100]
    classes = AllergenClass.objects.order_by("name")
    substances = Substance.objects.prefetch_related("classes").order_by("name")
    if query:
        classes, substances = classes.filter(name__icontains=query), substances.filter(name__icontains=query)
    return [
        *(
            {
                "kind": "class",
                "code": c.code,
                "name": c.name,
                "snomed_code": c.snomed_code,
                "classes": [],
                "whole_class": c.whole_class,
            }
            for c in classes
        ),
        *(
            {
                "kind": "substance",
                "code": s.code,
                "name": s.name,
                "snomed_code": s.snomed_code,
                "classes": [c.code for c in s.classes.all()],
                "whole_class": None,
            }
            for s in substances
        ),
    ]


def people_scope(user: object) -> Q:
    return scope_for(user).q("person__location")
