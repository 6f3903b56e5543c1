"""The people and places of the JSON API: what a person's record looks like to a client."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Annotated

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
    room: str
    allergy_status: str = Field(description="not_recorded | no_known_allergies | has_allergies, as recorded.")
    nhs_number_valid: bool = Field(
        description="False when the stored number fails its modulus 11 check (kept from before numbers were "
        "checked): do not use it to match records until it is corrected. True for a valid or a blank number."
    )
    picture_url: str


class AllergyOut(BaseModel):
    substance: str
    reaction: str
    severity: str


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
