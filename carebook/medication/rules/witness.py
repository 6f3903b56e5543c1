"""Controlled drugs: which outcomes a second member of staff must witness, and who may witness."""

from __future__ import annotations

from dataclasses import dataclass

from carebook.core.errors import DomainError, ValidationFailed
from carebook.medication.vocab import WITNESSED

WITNESSED_OUTCOMES = WITNESSED


class WitnessRequired(DomainError):
    code = "witness_required"
    status = 422


def check_witness(*, needs_witness: bool, outcome: str, has_witness: bool) -> None:
    if needs_witness and outcome in WITNESSED and not has_witness:
        raise WitnessRequired(
            "This is a controlled drug: a second trained member of staff must witness it and confirm with their "
            "own password.",
            field="witness",
        )


@dataclass(frozen=True)
class WitnessFacts:
    """Who the witness is, as far as the rule needs to know."""

    name: str
    role_label: str
    is_recorder: bool
    may_witness: bool  # the policy table's answer for their role
    works_here: bool  # a member of staff of the person's location


def check_witness_eligible(witness: WitnessFacts) -> None:
    if witness.is_recorder:
        raise ValidationFailed(
            "The witness must be a second member of staff, not you.", field="witness", code="witness_invalid"
        )
    if not witness.may_witness:
        raise ValidationFailed(
            f"{witness.name} is a {witness.role_label.lower()} and is not trained to witness controlled drugs.",
            field="witness",
            code="witness_not_allowed",
        )
    if not witness.works_here:
        raise ValidationFailed(
            f"{witness.name} does not work at this location.", field="witness", code="witness_not_allowed"
        )
