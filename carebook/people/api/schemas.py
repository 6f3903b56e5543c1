"""The people and places of the JSON API: what a person's record looks like to a client."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from carebook.core.schemas import _NO_NUL, RequiredLongText, _no_nul


class UnitOut(BaseModel):
    id: uuid.UUID
    name: str


class LocationOut(BaseModel):
    id: uuid.UUID
    name: str
    kind: str
    units: list[UnitOut]


class PersonRef(BaseModel):
    id: uuid.UUID
    full_name: str
    preferred_name: str


class PersonSummary(BaseModel):
    id: uuid.UUID
    given_name: str
    family_name: str
    preferred_name: str
    full_name: str
    date_of_birth: dt.date
    nhs_number: str
    location_id: uuid.UUID
    location_name: str
    unit_id: uuid.UUID | None
    unit_name: str | None
    room: str = Field(
        description="A care home's room. In home care, the person's address: only for the staff who plan visits and "
        "a care worker on a visit with the person today; otherwise blank."
    )
    allergy_status: str = Field(description="not_recorded | no_known_allergies | has_allergies, as recorded.")
    nhs_number_valid: bool = Field(
        description="False when the stored number fails its modulus 11 check (kept from before numbers were "
        "checked): do not use it to match records until it is corrected. True for a valid or a blank number."
    )
    picture_url: str


class AllergyOut(BaseModel):
    id: int
    substance: str = Field(description="The allergen in words, as every page shows it.")
    coded_substance: str | None = Field(description="The substance's code in GET /allergens, when coded to one.")
    coded_class: str | None = Field(description="The allergen class's code in GET /allergens, when coded to one.")
    reaction: str
    severity: str = Field(description="mild | moderate | severe")
    kind: str = Field(description="allergy | intolerance (an intolerance is shown but does not hold a dose).")


class StaffRef(BaseModel):
    """The same shape as the medication API's StaffRef (one component in the OpenAPI)."""

    username: str
    full_name: str
    initials: str


class AllergyCorrectionOut(BaseModel):
    kind: str = Field(description="entered_in_error | refuted")
    reason: str
    by: StaffRef
    at: dt.datetime


class AllergyRecordOut(AllergyOut):
    status: str = Field(description="active | entered_in_error | refuted. Corrected records are never deleted.")
    recorded_by: StaffRef | None = Field(description="Null only for records made before Carebook kept who.")
    recorded_at: dt.datetime | None
    correction: AllergyCorrectionOut | None


class AllergyStatementOut(BaseModel):
    status: str = Field(description="no_known_allergies | has_allergies (not_recorded is never stated).")
    note: str
    by: StaffRef
    at: dt.datetime


class PersonAllergiesOut(BaseModel):
    person_id: uuid.UUID
    allergy_status: str = Field(description="not_recorded | no_known_allergies | has_allergies, as recorded.")
    allergy_text: str = Field(description="The allergy status in words, as every page says it.")
    allergy_warning: bool = Field(description="True when nothing, or nothing listed, is recorded.")
    allergies: list[AllergyRecordOut] = Field(description="Every allergy record, current and corrected.")
    statements: list[AllergyStatementOut] = Field(description="Who stated the allergy status, and when, newest first.")


class AllergenOut(BaseModel):
    kind: str = Field(description="class | substance")
    code: str
    name: str
    snomed_code: str = Field(description="SNOMED CT, only where known for sure; otherwise empty.")
    classes: list[str] = Field(description="For a substance: the codes of the classes it belongs to.")
    whole_class: bool | None = Field(
        description="For a class: an allergy to one member is an allergy to every member (else a caution)."
    )


class _StrictIn(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AllergyIn(_StrictIn):
    """Give one of ``substance`` or ``allergen_class`` (codes from GET /allergens), or ``name`` for an allergen the
    table lacks (matched by name only; words that are exactly a table entry are coded to it)."""

    substance: str = Field("", max_length=60)
    allergen_class: str = Field("", max_length=60)
    name: str = Field("", max_length=200)
    reaction: str = Field("", max_length=200)
    severity: Literal["mild", "moderate", "severe"]
    kind: Literal["allergy", "intolerance"] = "allergy"


class NoKnownAllergiesIn(_StrictIn):
    note: str = Field("", max_length=5000, description="How it was checked.")


class AllergyCorrectionIn(_StrictIn):
    kind: Literal["entered_in_error", "refuted"]
    reason: str = Field(min_length=1, max_length=5000)


class PersonDetail(PersonSummary):
    allergies: list[AllergyOut]
    allergy_text: str = Field(description="The allergy status in words, as every page and the MAR chart say it.")
    allergy_warning: bool = Field(
        description="True when nothing, or nothing listed, is recorded: a senior must check before any medicine."
    )
    medicine_preferences: str
    communication_needs: str
    gp_practice: str
    pharmacy: str


class NhsNumberIn(BaseModel):
    """A person's NHS number as typed (spaces or dashes allowed; blank to clear it), and where it comes from."""

    model_config = ConfigDict(extra="forbid")

    nhs_number: Annotated[str, Field(max_length=30, examples=["943 476 5919"]), _NO_NUL, AfterValidator(_no_nul)]
    reason: Annotated[RequiredLongText, Field(examples=["GP letter of 3 June"])]
