"""A vocabulary: a fixed set of coded values, each with the words a person reads.

The base for every status, outcome and kind in Carebook. It is a plain ``StrEnum`` (no ORM), so the
clinical rules, the models, the database constraints and the API schemas can all import one spelling
of each vocabulary:

    class Outcome(Vocabulary):
        GIVEN = "given", "Given"

    Outcome.GIVEN == "given"        # a str, stored as it is
    Outcome.GIVEN.label             # "Given"
    Outcome.choices                 # [("given", "Given"), ...] for a model field or a form
    Outcome.values                  # ["given", ...] for a CHECK constraint

It has the same surface as Django's ``TextChoices`` (``choices``, ``values``, ``labels``, ``label``),
which Carebook does not use because importing it loads the ORM.
"""

from __future__ import annotations

from enum import EnumMeta, StrEnum
from typing import Any


class _VocabularyMeta(EnumMeta):
    def _members(cls) -> list[Any]:
        return list(cls.__members__.values())

    @property
    def choices(cls) -> list[tuple[str, str]]:
        return [(member.value, member.label) for member in cls._members()]

    @property
    def values(cls) -> list[str]:
        return [member.value for member in cls._members()]

    @property
    def labels(cls) -> list[str]:
        return [member.label for member in cls._members()]


class Vocabulary(StrEnum, metaclass=_VocabularyMeta):
    """A coded value with its label: ``NAME = "code", "Label"``."""

    label: str

    def __new__(cls, value: str, label: str = "") -> Vocabulary:
        member = str.__new__(cls, value)
        member._value_ = value
        member.label = label or value.replace("_", " ").capitalize()
        return member

    @classmethod
    def label_of(cls, value: Any, default: str = "") -> str:
        """The label of a stored value, or ``default`` for a value not in the vocabulary."""
        try:
            return cls(value).label
        except ValueError:
            return default or str(value)
