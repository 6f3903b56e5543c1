"""NHS numbers: one way to read what was typed, one check, for every way a number comes in.

The check is the NHS's modulus 11 check digit, from the pinned ``nhs-number`` library (not our own
arithmetic). What comes in may be typed as it is read out, with spaces or dashes ("943 476 5919",
"943-476-5919"); it is stored as its 10 digits. Forms, the API, the demo seed, the factories and any
import call ``clean_nhs_number``; the model's field validator and ``Person.save`` call
``validate_nhs_number``; the database holds the shape (10 digits or blank) with a CHECK constraint.
See docs/adr/0018-nhs-numbers-validated-everywhere.md.
"""

from __future__ import annotations

import re

import nhs_number
from django.core.exceptions import ValidationError

from carebook.core.errors import ValidationFailed

INVALID = "This is not a valid NHS number: check the digits."
# Spaces (any kind) and dashes (hyphen-minus, the hyphens and dashes a phone or word processor types).
_SEPARATORS = re.compile(r"[\s\-\u2010\u2011\u2012\u2013\u2014]")


def normalise_nhs_number(value: str) -> str:
    """What was typed, without its spaces and dashes: '943 476 5919' → '9434765919'. Checks nothing."""
    return _SEPARATORS.sub("", value or "")


def nhs_number_problem(digits: str) -> str:
    """Why a normalised value is not a valid NHS number, in words ('' when it is valid, or blank)."""
    if not digits:
        return ""
    if not (digits.isascii() and digits.isdigit()):
        return "This is not a valid NHS number: it must be 10 digits, with no letters or other signs."
    if len(digits) != 10:
        return f"This is not a valid NHS number: it must be 10 digits (this has {len(digits)})."
    if not nhs_number.is_valid(digits):
        return INVALID
    return ""


def nhs_number_is_valid(digits: str) -> bool:
    """Ten ASCII digits whose last is the modulus 11 check digit of the first nine."""
    return bool(digits) and not nhs_number_problem(digits)


def validate_nhs_number(value: str) -> None:
    """The model field's validator: blank, or a valid NHS number as stored (10 digits)."""
    problem = nhs_number_problem(value or "")
    if problem:
        raise ValidationError(problem, code="invalid_nhs_number")


def clean_nhs_number(value: str) -> str:
    """An NHS number as typed → its 10 digits, or blank; a clear error on the field ``nhs_number`` otherwise."""
    digits = normalise_nhs_number(value)
    problem = nhs_number_problem(digits)
    if problem:
        raise ValidationFailed(problem, field="nhs_number", code="invalid_nhs_number")
    return digits
