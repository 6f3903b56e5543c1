"""People and places → JSON. Plain functions, no queries beyond what the caller selected."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carebook.organisations.models import Location
from carebook.people.allergies import allergy_statement
from carebook.people.models import Person
from carebook.people.nhs_numbers import nhs_number_problem


def location(loc: Location) -> dict[str, Any]:
    return {
        "id": loc.pk,
        "name": loc.name,
        "kind": loc.kind,
        "units": [{"id": u.pk, "name": u.name} for u in loc.units.all()],
    }


def person_summary(person: Person) -> dict[str, Any]:
    return {
        "id": person.pk,
        "given_name": person.given_name,
        "family_name": person.family_name,
        "preferred_name": person.preferred_name,
        "full_name": person.full_name,
        "date_of_birth": person.date_of_birth,
        "nhs_number": person.nhs_number,
        "nhs_number_valid": not nhs_number_problem(person.nhs_number),
        "location_id": person.location_id,
        "location_name": person.location.name,
        "unit_id": person.unit_id,
        "unit_name": person.unit.name if person.unit is not None else None,
        "room": person.room,
        "allergy_status": person.allergy_status,
        "picture_url": reverse("people:picture", args=[person.pk]),
    }


def person_detail(person: Person) -> dict[str, Any]:
    allergies = list(person.allergies.all())
    statement = allergy_statement(person.allergy_status, allergies)
    return {
        **person_summary(person),
        "allergies": [{"substance": a.substance, "reaction": a.reaction, "severity": a.severity} for a in allergies],
        "allergy_text": statement.text,
        "allergy_warning": statement.warning,
        "medicine_preferences": person.medicine_preferences,
        "communication_needs": person.communication_needs,
        "gp_practice": person.gp_practice,
        "pharmacy": person.pharmacy,
    }


def person_ref(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "full_name": person.full_name, "preferred_name": person.preferred_name}
