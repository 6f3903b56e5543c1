"""How a person's allergy status is said: one statement for the round, the person's page, the recording page,
the MAR chart (HTML, JSON, PDF) and the API.

A person's allergies are recorded explicitly: a list of allergies, or "no known allergies". Anything else is
a warning that needs a senior before any medicine is given: nothing recorded yet, or "has allergies" with
none listed (never "no known allergies": the safety defect the December 2026 review found).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

from carebook.people.models import Allergy, AllergyStatus
from carebook.people.vocab import AllergyKind, AllergyRecordStatus


class AllergyState(StrEnum):
    LISTED = "listed"  # has allergies, and they are listed
    NONE_KNOWN = "none_known"  # "no known allergies", recorded
    NOT_RECORDED = "not_recorded"  # nobody has recorded either
    NONE_LISTED = "none_listed"  # recorded as having allergies, but none are listed


@dataclass(frozen=True)
class AllergyItem:
    substance: str
    severity: str  # "mild", "moderate", "severe"
    reaction: str
    kind: str = AllergyKind.ALLERGY  # an intolerance is not an allergy, and says so
    coded: bool = True  # from the substances table; False: in words only (matched by name)

    @property
    def intolerance(self) -> bool:
        return self.kind == AllergyKind.INTOLERANCE

    @property
    def brief(self) -> str:
        """'Penicillin (severe)', 'Codeine (intolerance, mild)': for the round's card."""
        return f"{self.substance} ({'intolerance, ' if self.intolerance else ''}{self.severity})"

    @property
    def text(self) -> str:
        """'Penicillin (severe: rash)', 'Codeine (intolerance, mild: nausea)'."""
        detail = self.severity + (f": {self.reaction}" if self.reaction else "")
        return f"{self.substance} ({'intolerance, ' if self.intolerance else ''}{detail})"


@dataclass(frozen=True)
class AllergyStatement:
    state: AllergyState
    items: tuple[AllergyItem, ...]
    headline: str
    text: str  # one line, for the MAR chart and the API

    @property
    def brief(self) -> str:
        """The allergies in short ('Penicillin (severe), Latex (mild)'), or the headline."""
        return ", ".join(item.brief for item in self.items) if self.items else self.headline

    @property
    def warning(self) -> bool:
        """Not safe to give anything until a senior has checked (nothing, or nothing listed, is recorded)."""
        return self.state in (AllergyState.NOT_RECORDED, AllergyState.NONE_LISTED)

    @property
    def listed(self) -> bool:
        return self.state == AllergyState.LISTED

    @property
    def advice(self) -> str:
        if self.state == AllergyState.NOT_RECORDED:
            return "Nobody has recorded whether they have allergies. Ask a senior to check before giving any medicine."
        if self.state == AllergyState.NONE_LISTED:
            return (
                "The record says they have allergies, but none are listed. Ask a senior to check before giving "
                "any medicine."
            )
        return ""


def allergy_statement(status: str, allergies: Sequence[Allergy]) -> AllergyStatement:
    """The statement for a person whose ``allergy_status`` is ``status`` and whose allergy rows are ``allergies``.

    Only current allergies count: one marked entered in error or refuted is shown on the allergies page, with its
    correction, never here.
    """
    items = tuple(
        AllergyItem(
            a.substance,
            Allergy.Severity(a.severity).label.lower(),
            a.reaction,
            kind=a.kind,
            coded=a.coded_substance_id is not None or a.coded_class_id is not None,
        )
        for a in sorted(allergies, key=lambda a: a.substance.lower())
        if a.status == AllergyRecordStatus.ACTIVE
    )
    if items:  # listed allergies are shown whatever the status says: the safe reading of a contradiction
        return AllergyStatement(AllergyState.LISTED, items, "Allergies", "; ".join(i.text for i in items))
    if status == AllergyStatus.NO_KNOWN_ALLERGIES:
        return AllergyStatement(AllergyState.NONE_KNOWN, (), "No known allergies", "No known allergies (NKA)")
    if status == AllergyStatus.HAS_ALLERGIES:
        return AllergyStatement(
            AllergyState.NONE_LISTED, (), "Allergies not listed", "Has allergies, but none are listed"
        )
    return AllergyStatement(AllergyState.NOT_RECORDED, (), "Allergies not recorded", "Allergies NOT recorded")
