"""The words of a person's allergy record, spelled once (no ORM: the medication rules import this)."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class AllergyKind(Vocabulary):
    """An allergy (the immune system: rash, swelling, wheeze, anaphylaxis) is not an intolerance (nausea)."""

    ALLERGY = "allergy", "Allergy"
    INTOLERANCE = "intolerance", "Intolerance (not an allergy)"


class AllergyRecordStatus(Vocabulary):
    ACTIVE = "active", "Current"
    ENTERED_IN_ERROR = "entered_in_error", "Entered in error"
    REFUTED = "refuted", "Refuted"


class AllergyCorrectionKind(Vocabulary):
    """How a wrong allergy record is corrected (it is never edited or deleted)."""

    ENTERED_IN_ERROR = "entered_in_error", "Entered in error (it was never true of this person: a mistake)"
    REFUTED = "refuted", "Refuted (shown not to be an allergy, for example by a test or the GP)"
