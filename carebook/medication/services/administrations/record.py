"""Recording the outcome of a due dose, or of a when-required (PRN) dose.

One rule, one place: the pages, the JSON API and the demo seed all call ``administration_record``.
The service locks (``medication.locks``), loads the facts, asks the rules
(``rules.check_record``), writes, audits: one transaction. It never takes an HTTP request.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.access.witness import WitnessCredentials, witness_verify
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import DomainError, ValidationFailed
from carebook.medication import rules
from carebook.medication.facts import prescription_facts, prn_doses, recorded_by, slot_facts
from carebook.medication.locks import lock_person_for_due_dose, lock_person_for_prescription
from carebook.medication.models import Administration, DueDose, Prescription, PromptAnswer
from carebook.medication.vocab import TAKEN, Outcome
from carebook.organisations.models import Location


@dataclass
class RecordResult:
    administration: Administration
    replayed: bool = False  # True when an Idempotency-Key matched an earlier record


def administration_record(
    *,
    by: User,
    outcome: str,
    prompts: Sequence[rules.Answer],
    due_dose: DueDose | None = None,
    prescription: Prescription | None = None,
    dose_given: Decimal | None = None,
    administered_at: dt.datetime | None = None,
    reason: str = "",
    site: str = "",
    observations: str = "",
    prn_reason: str = "",
    witness: WitnessCredentials | None = None,
    idempotency_key: str | None = None,
) -> RecordResult:
    """Record the outcome of a due dose, or a when-required (PRN) dose.

    ``by`` comes from the signed-in session; the recording time from the server clock.
    ``administered_at`` is the carer's statement of when it was given, kept beside the server
    time; a gap marks the record a late entry. With an ``idempotency_key``, a retry returns the
    first record (``replayed``): the key is looked up only when the write is refused, so the
    first attempt costs nothing extra.
    """
    require(by, Action.RECORD_ADMINISTRATION)
    if (due_dose is None) == (prescription is None):
        raise ValidationFailed(
            "Record against a due dose, or a when-required prescription, not both.", field="due_dose"
        )
    if outcome not in Outcome.values:
        raise ValidationFailed("Choose an outcome from the list.", field="outcome")
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not 1 <= len(idempotency_key) <= 100:
            raise ValidationFailed("The Idempotency-Key must be 1 to 100 characters.", field="Idempotency-Key")
    try:
        # The witness's password is checked first, outside the transaction: a wrong one is kept
        # (it counts towards the witness's cool-off) even though the recording is refused.
        witness_user = witness_verify(witness, recorder=by) if witness is not None and witness.given else None
        with transaction.atomic():
            administration = _record(
                by=by,
                outcome=outcome,
                prompts=prompts,
                due_dose=due_dose,
                prescription=prescription,
                dose_given=dose_given,
                administered_at=administered_at,
                reason=reason,
                site=site,
                observations=observations,
                prn_reason=prn_reason,
                witness=witness_user,
                idempotency_key=idempotency_key,
            )
    except IntegrityError:
        # A concurrent request won the race: the same Idempotency-Key, or the same due dose.
        earlier = _replay(by, idempotency_key, due_dose=due_dose, prescription=prescription, outcome=outcome)
        if earlier is not None:
            return RecordResult(earlier, replayed=True)
        if due_dose is not None:
            existing = Administration.objects.effective().select_related("recorded_by").filter(due_dose=due_dose)
            refusal = recorded_by(existing.first())
            if refusal is not None:
                raise rules.recording.already_recorded(refusal) from None
        raise
    except DomainError:
        # Refused (the dose is already recorded, a PRN interval): a retry of a request that succeeded
        # gets its record back.
        earlier = _replay(by, idempotency_key, due_dose=due_dose, prescription=prescription, outcome=outcome)
        if earlier is not None:
            return RecordResult(earlier, replayed=True)
        raise
    return RecordResult(administration)


def _replay(
    by: User, key: str | None, *, due_dose: DueDose | None, prescription: Prescription | None, outcome: str
) -> Administration | None:
    """The record an earlier request with this key made, if any (none without a key).

    A key reused for a different dose or outcome is refused: answering with the first record
    would tell the client a dose was recorded when it was not.
    """
    if key is None:
        return None
    earlier = Administration.objects.filter(recorded_by=by, idempotency_key=key).first()
    if earlier is None:
        return None
    same_target = (
        earlier.due_dose_id == due_dose.pk
        if due_dose is not None
        else (earlier.due_dose_id is None and prescription is not None and earlier.prescription_id == prescription.pk)
    )
    if not same_target or earlier.outcome != outcome:
        raise ValidationFailed(
            "This Idempotency-Key was already used for a different record. Use a new key for each dose.",
            field="Idempotency-Key",
            code="idempotency_key_reused",
            administration_id=str(earlier.pk),
        )
    return earlier


def _record(
    *,
    by: User,
    outcome: str,
    prompts: Sequence[rules.Answer],
    due_dose: DueDose | None,
    prescription: Prescription | None,
    dose_given: Decimal | None,
    administered_at: dt.datetime | None,
    reason: str,
    site: str,
    observations: str,
    prn_reason: str,
    witness: User | None,
    idempotency_key: str | None,
) -> Administration:
    now = clock.now()
    scope = scope_for(by)
    slot: DueDose | None = None
    if due_dose is not None:
        slot = lock_person_for_due_dose(due_dose.pk, scope=scope.q("location"))
        rx = slot.prescription
    else:
        assert prescription is not None
        rx = lock_person_for_prescription(prescription.pk, scope=scope.q("person__location"))
    person = rx.person
    when = rules.when_given(administered_at, now)

    already = None
    if slot is not None and slot.state == DueDose.State.RECORDED:
        already = recorded_by(
            Administration.objects.effective().select_related("recorded_by").filter(due_dose=slot).first()
        )
    history: list[rules.PrnDose] = []
    if rx.is_prn and outcome in TAKEN:
        history = prn_doses(
            Administration.objects.medicine_taken_around(
                person_id=person.pk, medicine_ids=[rx.medicine_id], start=when - rules.PRN_HISTORY
            ).values_list("administered_at", "dose_given"),
            rx,
        )
    decision = rules.check_record(
        prescription_facts(rx),
        slot=slot_facts(slot) if slot is not None else None,
        recording=rules.Recording(
            outcome=outcome,
            prompts=prompts,
            administered_at=when,
            dose_given=dose_given,
            reason=reason,
            site=site,
            prn_reason=prn_reason,
            has_witness=witness is not None,
        ),
        context=rules.RecordContext(
            now=now,
            home_care=person.location.kind == Location.Kind.HOME_CARE,
            late_entry_after=dt.timedelta(minutes=settings.CAREBOOK["LATE_ENTRY_MINUTES"]),
            already=already,
            prn_history=history,
        ),
    )
    if witness is not None:
        rules.check_witness_eligible(
            rules.WitnessFacts(
                name=witness.display_name,
                role_label=witness.get_role_display(),
                is_recorder=witness.pk == by.pk,
                may_witness=can(witness, Action.WITNESS_CONTROLLED_DRUG),
                works_here=scope_for(witness).allows(person.location_id),
            )
        )

    taken = outcome in TAKEN
    administration = Administration.objects.create(
        due_dose=slot,
        prescription=rx,
        person=person,
        location=person.location,
        outcome=outcome,
        reason=reason.strip(),
        dose_given=decision.dose_given,
        dose_unit=rx.dose_unit if decision.dose_given is not None else "",
        administered_at=decision.administered_at,
        recorded_at=now,
        recorded_by=by,
        late_entry=decision.late_entry,
        minutes_late=decision.minutes_late,
        witness=witness,
        witnessed_at=now if witness else None,
        site=site.strip(),
        observations=observations.strip(),
        prn_reason=prn_reason.strip() if taken else "",
        idempotency_key=idempotency_key,
        corrects=_corrected_record(slot),
    )
    order = rules.prompts_for(rx.effective_check)
    answers = PromptAnswer.objects.bulk_create(
        [
            PromptAnswer(
                administration=administration,
                position=i,
                prompt=a.prompt,
                result=a.result,
                value=a.value,
                note=a.note.strip(),
                answered_at=_answer_time(a, now),
                decision=decision.readings.get(a.prompt, ""),  # what the reading meant (rules/readings.py)
            )
            for i, a in enumerate(sorted(prompts, key=lambda a: order.index(a.prompt)))
        ]
    )
    if slot is not None:
        slot.state = DueDose.State.RECORDED
        slot.save(update_fields=["state"])
    record_event(
        actor=by,
        action="administration.recorded",
        entity=administration,
        location=person.location,
        after={
            **snapshot(administration),
            "prompts": [
                {"prompt": a.prompt, "result": a.result, "value": a.value, "note": a.note, "decision": a.decision}
                for a in answers
            ],
        },
        at=now,
    )
    return _as_written(administration, answers)


def _as_written(administration: Administration, answers: list[PromptAnswer]) -> Administration:
    """The new record with what it is known to have, so that presenting it needs no query:
    its prompt answers, no correction, no follow-up, nothing correcting it."""
    administration._prefetched_objects_cache = {"prompt_answers": answers, "corrected_by": []}  # type: ignore[attr-defined]
    Administration.correction.related.set_cached_value(administration, None)  # type: ignore[attr-defined]
    Administration.follow_up.related.set_cached_value(administration, None)  # type: ignore[attr-defined]
    return administration


PROMPT_TIME_LIMIT = dt.timedelta(hours=2)


def _answer_time(answer: rules.Answer, now: dt.datetime) -> dt.datetime:
    """When the prompt was answered: the server's time of the tap where the page kept one, else now.

    Those times are recorded by the server (carebook/medication/views/record.py keeps them in the
    session), never taken from the request; anything outside the last two hours is ignored.
    """
    at = answer.answered_at
    if at is not None and now - PROMPT_TIME_LIMIT <= at <= now:
        return at
    return now


def _corrected_record(due_dose: DueDose | None) -> Administration | None:
    """When a slot is recorded again after a mistake, the new record points at the one it replaces.

    Only a slot reopened by a correction can have one; a slot recorded for the first time costs no query.
    """
    if due_dose is None or due_dose.reopened_at is None:
        return None
    return (
        Administration.objects.filter(due_dose=due_dose, status=Administration.Status.ENTERED_IN_ERROR)
        .order_by("-recorded_at")
        .first()
    )
