"""The people and places of the JSON API: what a person's record looks like to a client."""

from __future__ import annotations

import datetime as dt
import uuid

from pydantic import BaseModel, Field


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
