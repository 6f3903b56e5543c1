"""Recording the medicines of one person in one pass (ADR 0036).

The care worker confirms the checks that belong to the person once for the visit (right person, allergies,
consent), then, for each medicine, its label and its outcome. Each medicine is recorded exactly as
``administration_record`` records one (the same ``_record``: the lock on the person, the rules, the record, its
prompt answers, its audit event), with the person's answers stored on every record with their own times. The
pass is one transaction: one medicine refused (a reason missing, a reading that says do not give) and nothing is
written, and the page shows the refusal beside that medicine. Every dose locks the same person row, the one
documented order (``medication.locks``).

A dose that needs more than the pass asks (a controlled drug's witness, a late dose's choice about the next) is
refused here as it would be on its own page, by the same rules.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.core.errors import DomainError, NotFound, PermissionDenied, ValidationFailed
from carebook.medication import rules
from carebook.medication.facts import recorded_by
from carebook.medication.models import Administration
from carebook.medication.services.administrations.record import _record
from carebook.medication.vocab import Outcome
from carebook.people.models import Person


@dataclass(frozen=True)
class PassDoseRecording:
    """What the carer said of one dose in the pass."""

    due_dose_id: uuid.UUID
    outcome: str
    label: str  # the look at the label: confirmed, failed, or "" (rules.one_pass_walk)
    label_at: dt.datetime | None = None  # the server's time of that tap, where the page reported it
    reading: rules.Answer | None = None
    dose_given: Decimal | None = None
    reason: str = ""
    site: str = ""
    old_patch: str = ""
    observations: str = ""


class PassDoseRefused(DomainError):
    """One dose of the pass was refused. ``due_dose_id`` says which; ``error`` is the rules' own refusal."""

    def __init__(self, error: DomainError, due_dose_id: uuid.UUID) -> None:
        super().__init__(error.message, field=error.field, code=error.code, due_dose=str(due_dose_id), **error.details)
        self.status = error.status
        self.due_dose_id = due_dose_id
        self.error = error


class PassRefused(DomainError):
    """Nothing of the pass was written: each dose refused, with why (every dose is tried, so all are told)."""

    def __init__(self, refusals: list[PassDoseRefused]) -> None:
        first = refusals[0]
        super().__init__(
            first.message,
            field=first.field,
            code=first.code,
            refused=[{"due_dose": str(r.due_dose_id), **r.error.as_dict()} for r in refusals],
        )
        self.status = max(r.status for r in refusals)
        self.refusals = refusals


def doses_record_in_one_pass(
    *,
    by: User,
    person: Person,
    person_answers: Sequence[rules.Answer],
    doses: Sequence[PassDoseRecording],
    from_page: bool = True,
) -> list[Administration]:
    """Record the outcome of each of ``doses`` (all due doses of ``person``), or none of them.

    ``person_answers``: the checks that belong to the person (``vocab.PERSON_PROMPTS``), with the server's time of
    each tap. A dose out of the user's scope, or another person's, is not found (404) and nothing is written.
    """
    require(by, Action.RECORD_ADMINISTRATION)
    if not doses:
        raise ValidationFailed("Choose what happened to at least one medicine.", field="doses")
    ids = [d.due_dose_id for d in doses]
    if len(set(ids)) != len(ids):
        raise ValidationFailed("A dose appears twice in this pass.", field="doses")
    written: list[Administration] = []
    refused: list[PassDoseRefused] = []
    with transaction.atomic():
        for dose in doses:
            try:
                written.append(
                    _one(by=by, person=person, person_answers=person_answers, dose=dose, from_page=from_page)
                )
            except PassDoseRefused as refusal:  # its savepoint is gone; try the rest, so every refusal is told
                refused.append(refusal)
        if refused:
            raise PassRefused(refused)  # the whole pass is rolled back
    return written


def _one(
    *, by: User, person: Person, person_answers: Sequence[rules.Answer], dose: PassDoseRecording, from_page: bool
) -> Administration:
    try:
        if dose.outcome not in Outcome.values:
            raise ValidationFailed("Choose what happened to this medicine.", field="outcome")
        walk = rules.one_pass_walk(
            person=person_answers, label=dose.label, label_at=dose.label_at, reading=dose.reading
        )
        try:
            with transaction.atomic():  # a savepoint: a refusal or a lost race undoes this dose only, then the pass
                administration = _record(
                    by=by,
                    outcome=dose.outcome,
                    prompts=walk,
                    dose_id=dose.due_dose_id,
                    prescription=None,
                    dose_given=dose.dose_given,
                    administered_at=None,
                    reason=dose.reason,
                    site=dose.site,
                    observations=dose.observations,
                    prn_reason="",
                    witness=None,
                    late=None,
                    senior=None,
                    idempotency_key=None,
                    from_page=from_page,
                    old_patch=dose.old_patch,
                )
                if administration.person_id != person.pk:
                    raise NotFound("No due dose with that id.")  # another person's dose: nothing of the pass is kept
        except IntegrityError:  # another device recorded this dose a moment ago
            existing = (
                Administration.objects.effective().select_related("recorded_by").filter(due_dose=dose.due_dose_id)
            )
            refusal = recorded_by(existing.first())
            if refusal is None:
                raise
            raise rules.recording.already_recorded(refusal) from None
    except (NotFound, PermissionDenied):
        raise
    except DomainError as error:
        raise PassDoseRefused(error, dose.due_dose_id) from error
    return administration
