"""Factories and named personas shared by every test (pages, API, services)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import factory

from carebook.access.models import Membership, Role, User
from carebook.medication.models import Medicine, Prescription
from carebook.medication.services.prescriptions import (
    PrescriptionInput,
    prescription_check_transcription,
    prescription_create,
)
from carebook.organisations.models import Location, Provider, Unit
from carebook.people.models import AllergyStatus, Person

PASSWORD = "correct-horse-battery"


class ProviderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Provider

    name = factory.Sequence(lambda n: f"Provider {n}")


class LocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Location

    provider = factory.SubFactory(ProviderFactory)
    name = factory.Sequence(lambda n: f"Care Home {n}")
    kind = Location.Kind.CARE_HOME


class UnitFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Unit

    location = factory.SubFactory(LocationFactory)
    name = factory.Sequence(lambda n: f"Unit {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    full_name = factory.Sequence(lambda n: f"Staff Member {n}")
    initials = "SM"
    role = Role.CARE_WORKER
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def at(obj: Any, create: bool, extracted: Any, **kwargs: Any) -> None:
        if extracted is not None:
            locations = extracted if isinstance(extracted, (list, tuple)) else [extracted]
            for location in locations:
                Membership.objects.create(user=obj, location=location)
        obj.save()


class PersonFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Person

    location = factory.SubFactory(LocationFactory)
    unit = None
    given_name = factory.Sequence(lambda n: f"Person{n}")
    family_name = "Example"
    preferred_name = ""
    date_of_birth = dt.date(1938, 5, 17)
    nhs_number = "9434765919"  # the NHS's published example of a valid number (Person.save checks it)
    allergy_status = AllergyStatus.NO_KNOWN_ALLERGIES
    medicine_preferences = "Likes to take tablets one at a time with water."


class MedicineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Medicine

    name = factory.Sequence(lambda n: f"Medicine {n}")
    strength = "500 mg"
    form = Medicine.Form.TABLET
    dose_unit = "tablet"
    default_route = "oral"


def prescribe(
    person: Person,
    medicine: Medicine,
    *,
    by: User,
    checker: User | None = None,
    allergy_reason: str = "",
    **overrides: Any,
) -> Prescription:
    """Enter a prescription through the service, and (given a checker) transcription-check it.

    ``allergy_reason``: a senior's reason to go on despite an allergy finding, recorded at entry."""
    fields: dict[str, Any] = {
        "medicine_id": medicine.pk,
        "dose_min": Decimal("1"),
        "route": "oral",
        "directions": "Take ONE tablet each morning",
        "schedule_kind": "fixed_times",
        "times": ["08:00"],
        "prescriber": "Dr A Khan",
        "source": "gp",
    }
    fields.update(overrides)
    prescription = prescription_create(
        person=person, by=by, data=PrescriptionInput(**fields), allergy_reason=allergy_reason
    )
    if checker is not None:
        prescription_check_transcription(prescription=prescription, by=checker)
        prescription.refresh_from_db()
    return prescription


def prescribe_paracetamol_prn(
    person: Person, *, by: User, checker: User | None = None, **overrides: Any
) -> Prescription:
    """The when-required paracetamol most tests need: one or two tablets, 4 hours apart, at most 8 in 24 hours."""
    fields: dict[str, Any] = {
        "schedule_kind": "prn",
        "times": [],
        "dose_min": "1",
        "dose_max": "2",
        "indication": "Pain",
        "prn_min_interval_minutes": 240,
        "prn_max_quantity_24h": "8",
        "directions": "One or two tablets when required for pain, at least 4 hours apart, up to 8 in 24 hours",
    }
    fields.update(overrides)
    paracetamol: Medicine = MedicineFactory(name="Paracetamol")  # type: ignore[assignment]
    return prescribe(person, paracetamol, by=by, checker=checker, **fields)


# --- Medicines with what they contain, from the curated table --------------------------------------------------


def curated_medicine(key: str) -> Medicine:
    """A medicine of the curated list (carebook/demo/medicines.py), with its ingredients, and the substances table
    loaded: co-codamol contains codeine and paracetamol, co-amoxiclav amoxicillin (a penicillin)."""
    from carebook.demo.medicines import ensure_medicines

    return ensure_medicines()[key]
