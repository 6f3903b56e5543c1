"""The API's shapes that belong to no one app: the error every endpoint answers with."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Error(BaseModel):
    """Every error: a stable machine-readable code, a message in plain words, the field it concerns."""

    code: str = Field(examples=["already_recorded"])
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None
