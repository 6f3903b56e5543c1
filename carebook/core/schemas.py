"""The API's shapes that belong to no one app: the error every endpoint answers with, and free text."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, Field

from carebook.core.limits import SHORT_TEXT_MAX, TEXT_MAX


class Error(BaseModel):
    """Every error: a stable machine-readable code, a message in plain words, the field it concerns."""

    code: str = Field(examples=["already_recorded"])
    message: str
    field: str | None = None
    details: dict[str, Any] | None = None


# --- Free text, the same for every app's API ------------------------------------------------


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("Text cannot contain a NUL character.")
    return value


def _not_blank(value: str) -> str:
    if not value.strip():  # the services' own test (str.strip): spaces, tabs, line breaks and the like are blank
        raise ValueError("This cannot be blank: write it in words.")
    return value


# What the validators above accept, said in the schema, so that a request valid by the schema is never refused
# for its shape. Each pattern means the same in JSON Schema (ECMA-262), Python's re and pydantic's Rust engine:
# "blank" is every character str.strip() removes (\s, plus \x1c-\x1f and \x85, which ECMA's \s leaves out).
NO_NUL_PATTERN = r"^[^\x00]*$"
NOT_BLANK_PATTERN = r"^[^\x00]*[^\s\x00\x1c-\x1f\x85][^\x00]*$"
_NO_NUL = Field(json_schema_extra={"pattern": NO_NUL_PATTERN})
_NOT_BLANK = Field(min_length=1, json_schema_extra={"pattern": NOT_BLANK_PATTERN})
Text = Annotated[str, _NO_NUL, AfterValidator(_no_nul)]
ShortText = Annotated[str, Field(max_length=SHORT_TEXT_MAX), _NO_NUL, AfterValidator(_no_nul)]
LongText = Annotated[str, Field(max_length=TEXT_MAX), _NO_NUL, AfterValidator(_no_nul)]
# Free text a service refuses when blank (a reason, the prescriber's directions, the prescriber's name).
RequiredShortText = Annotated[
    str, Field(max_length=SHORT_TEXT_MAX), _NOT_BLANK, AfterValidator(_no_nul), AfterValidator(_not_blank)
]
RequiredLongText = Annotated[
    str, Field(max_length=TEXT_MAX), _NOT_BLANK, AfterValidator(_no_nul), AfterValidator(_not_blank)
]
