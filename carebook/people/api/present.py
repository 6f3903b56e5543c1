"""People and places → JSON. Plain functions, no queries beyond what the caller selected."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from carebook.organisations.models import Location
from carebook.people.allergies import allergy_statement
from carebook.people.models import Allergy, Person
from carebook.people.nhs_numbers import nhs_number_problem


def location(loc: Location) -> dict[str, Any]:
    return {
        "id": loc.pk,
        "name": loc.name,
        "kind": loc.kind,
        "units": [{"id": u.pk, "name": u.name} for u in loc.units.all()],
    }


def person_summary(person: Person, *, room: str) -> dict[str, Any]:
    """``room``: the field as the caller may read it (people.whereabouts.rooms_for)."""
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
        "room": room,
        "allergy_status": person.allergy_status,
        "picture_url": reverse("people:picture", args=[person.pk]),
    }


def person_detail(person: Person, *, room: str) -> dict[str, Any]:
    allergies = list(person.allergies.select_related("coded_substance", "coded_class"))
    statement = allergy_statement(person.allergy_status, allergies)
    return {
        **person_summary(person, room=room),
        "allergies": [allergy(a) for a in allergies if a.is_active],
        "allergy_text": statement.text,
        "allergy_warning": statement.warning,
        "medicine_preferences": person.medicine_preferences,
        "communication_needs": person.communication_needs,
        "gp_practice": person.gp_practice,
        "pharmacy": person.pharmacy,
    }


def person_ref(person: Person) -> dict[str, Any]:
    return {"id": person.pk, "full_name": person.full_name, "preferred_name": person.preferred_name}


def _staff(user: Any) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"username": user.username, "full_name": user.display_name, "initials": user.initials}


def allergy(a: Allergy) -> dict[str, Any]:
    """A current allergy (substance and class joined)."""
    return {
        "id": a.pk,
        "substance": a.substance,
        "coded_substance": a.coded_substance.code if a.coded_substance is not None else None,
        "coded_class": a.coded_class.code if a.coded_class is not None else None,
        "reaction": a.reaction,
        "severity": a.severity,
        "kind": a.kind,
    }


def allergy_record(a: Allergy) -> dict[str, Any]:
    """Any allergy record, with its correction (recorded_by, correction and its author joined)."""
    correction = getattr(a, "correction", None) if not a.is_active else None
    return {
        **allergy(a),
        "status": a.status,
        "recorded_by": _staff(a.recorded_by),
        "recorded_at": a.recorded_at,
        "correction": (
            {"kind": correction.kind, "reason": correction.reason, "by": _staff(correction.by), "at": correction.at}
            if correction is not None
            else None
        ),
    }


ALLERGY_RECORD_RELATED = ("coded_substance", "coded_class", "recorded_by", "correction__by")


def person_allergies(person: Person) -> dict[str, Any]:
    rows = list(person.allergies.select_related(*ALLERGY_RECORD_RELATED).order_by("status", "substance", "pk"))
    statement = allergy_statement(person.allergy_status, rows)
    return {
        "person_id": person.pk,
        "allergy_status": person.allergy_status,
        "allergy_text": statement.text,
        "allergy_warning": statement.warning,
        "allergies": [allergy_record(a) for a in rows],
        "statements": [
            {"status": s.status, "note": s.note, "by": _staff(s.by), "at": s.at}
            for s in person.allergy_status_records.select_related("by").order_by("-at", "-id")
        ],
    }
