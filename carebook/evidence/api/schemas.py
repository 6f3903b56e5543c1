"""The evidence packs' JSON shapes."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from pydantic import BaseModel, Field

from carebook.evidence.vocab import PackStatus
from carebook.medication.api.schemas import Day, StaffRef, StrictIn


class EvidencePackOut(BaseModel):
    id: uuid.UUID
    location_id: uuid.UUID
    period_from: dt.date
    period_to: dt.date = Field(description="The last day, included.")
    people: list[uuid.UUID] = Field(description="Whose MAR charts it holds.")
    requested_by: StaffRef
    requested_at: dt.datetime
    status: PackStatus
    progress: int = Field(description="Per cent done.")
    step: str = Field(description="What the build is doing now, in words.")
    finished_at: dt.datetime | None
    pdf_sha256: str
    zip_sha256: str
    pdf_url: str | None = Field(description="The PDF, once ready.")
    zip_url: str | None = Field(description="The ZIP of CSV files, once ready.")
    figures: dict[str, Any] | None = Field(
        description="The figures as the pack printed them: the shape of GET /reports/kpis, once ready."
    )


class EvidencePackListOut(BaseModel):
    packs: list[EvidencePackOut] = Field(description="The newest first (at most 50).")


class EvidencePackIn(StrictIn):
    """A pack for one location and period (at most 366 days, begun by today), with the MAR charts of up to 20 of its
    people. Built in the background: answered 202 with its progress; fetch it until ``status`` is ``ready``."""

    location_id: uuid.UUID
    period_from: Day = Field(alias="from")
    period_to: Day = Field(alias="to")
    people: list[uuid.UUID] = Field(default_factory=list, max_length=20)
