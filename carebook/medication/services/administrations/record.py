"""Recording the outcome of a due dose, or of a when-required (PRN) dose.

One rule, one place: the pages, the JSON API and the demo seed all call ``administration_record``.
The service locks (``medication.locks``), loads the facts, asks the rules
(``rules.check_record``), writes, audits: one transaction. It never takes an HTTP request.

A late dose too close to the next one (``rules.late``, ADR 0021) comes with a choice; the same transaction,
under the same lock on the person, writes what it does to the next dose: moved (the next slot withdrawn,
"moved", and a replacement slot that points at it) or omitted (a "not required" record made in advance), and
the ``LateDoseDecision`` that says who decided, why, and who confirmed it.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef

from carebook.access.models import User
from carebook.access.policy import Action, can, require
from carebook.access.scopes import scope_for
from carebook.access.witness import WitnessCredentials, witness_verify
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import DomainError, ValidationFailed
from carebook.core.events import announce
from carebook.core.text import moment
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.contents import dose_record_gates, record_gates, record_safety
from carebook.medication.events import DoseRecorded, ReadingOutsideRule
from carebook.medication.facts import (
    dosing_instructions,
    next_dose_may_be_close,
    next_dose_of,
    prescription_facts,
    previous_sites,
    prn_doses,
    recorded_by,
    slot_facts,
    with_instructions,
)
from carebook.medication.locks import lock_person_for_due_dose, lock_person_for_prescription
from carebook.medication.models import Administration, DueDose, LateDoseDecision, Prescription, PromptAnswer
from carebook.medication.services.doses import due_doses_generate
from carebook.medication.services.showings import showing_link
from carebook.medication.vocab import TAKEN, LateDoseChoice, Outcome, ReadingDecision
from carebook.organisations.models import Location


@dataclass
class RecordResult:
    administration: Administration
    replayed: bool = False  # True when an Idempotency-Key matched an earlier record


@dataclass(frozen=True)
class LateDoseRequest:
    """What the carer chose for a late dose too close to the next (``rules.late``), with the reason."""

    choice: str  # a LateDoseChoice
    reason: str
    move_next_to: dt.datetime | None = None  # MOVE_NEXT: the next dose's new time (None: the earliest allowed)
    senior: WitnessCredentials | None = None  # a senior's own sign-in (time-critical medicines)


SENIOR_INVALID = "The senior's username or password is not right."
SENIOR_LOCKED_OUT = "Too many wrong passwords for this senior: try again in 15 minutes, or ask another senior."


def _verify_senior(credentials: WitnessCredentials, *, recorder: User) -> User:
    """The controlled-drug witness's check and cool-off (``access.witness``), in a senior's words."""
    try:
        return witness_verify(credentials, recorder=recorder)
    except ValidationFailed as error:
        message = SENIOR_LOCKED_OUT if error.code == "witness_locked_out" else SENIOR_INVALID
        raise ValidationFailed(message, field="late_senior", code=error.code.replace("witness", "senior")) from None


def administration_record(
    *,
    by: User,
    outcome: str,
    prompts: Sequence[rules.Answer],
    due_dose: DueDose | uuid.UUID | None = None,
    prescription: Prescription | None = None,
    dose_given: Decimal | None = None,
    administered_at: dt.datetime | None = None,
    reason: str = "",
    site: str = "",
    observations: str = "",
    prn_reason: str = "",
    witness: WitnessCredentials | None = None,
    late: LateDoseRequest | None = None,
    idempotency_key: str | None = None,
    from_page: bool = False,
    old_patch: str = "",
) -> RecordResult:
    """Record the outcome of a due dose, or a when-required (PRN) dose.

    ``by`` comes from the signed-in session; the recording time from the server clock.
    ``administered_at`` is the carer's statement of when it was given, kept beside the server
    time; a gap marks the record a late entry. With an ``idempotency_key``, a retry returns the
    first record (``replayed``): the key is looked up only when the write is refused, so the
    first attempt costs nothing extra. ``from_page``: the recording page showed the prompts, so the record is
    linked to that showing (ADR 0030); otherwise a showing is written with the record.
    """
    require(by, Action.RECORD_ADMINISTRATION)
    # A due dose may come as its id: the locked read below is the scoped fetch (missing or out of scope: 404),
    # so the API needs no read of its own before the write.
    dose_id = due_dose.pk if isinstance(due_dose, DueDose) else due_dose
    if (dose_id is None) == (prescription is None):
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
        senior = late.senior if late is not None else None
        senior_user = _verify_senior(senior, recorder=by) if senior is not None and senior.given else None
        with transaction.atomic():
            administration = _record(
                by=by,
                outcome=outcome,
                prompts=prompts,
                dose_id=dose_id,
                prescription=prescription,
                dose_given=dose_given,
                administered_at=administered_at,
                reason=reason,
                site=site,
                observations=observations,
                prn_reason=prn_reason,
                witness=witness_user,
                late=late,
                senior=senior_user,
                idempotency_key=idempotency_key,
                from_page=from_page,
                old_patch=old_patch,
            )
    except IntegrityError:
        # A concurrent request won the race: the same Idempotency-Key, or the same due dose.
        earlier = _replay(by, idempotency_key, dose_id=dose_id, prescription=prescription, outcome=outcome)
        if earlier is not None:
            return RecordResult(earlier, replayed=True)
        if dose_id is not None:
            existing = Administration.objects.effective().select_related("recorded_by").filter(due_dose_id=dose_id)
            refusal = recorded_by(existing.first())
            if refusal is not None:
                raise rules.recording.already_recorded(refusal) from None
        raise
    except DomainError:
        # Refused (the dose is already recorded, a PRN interval): a retry of a request that succeeded
        # gets its record back.
        earlier = _replay(by, idempotency_key, dose_id=dose_id, prescription=prescription, outcome=outcome)
        if earlier is not None:
            return RecordResult(earlier, replayed=True)
        raise
    return RecordResult(administration)


def _replay(
    by: User, key: str | None, *, dose_id: uuid.UUID | None, prescription: Prescription | None, outcome: str
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
        earlier.due_dose_id == dose_id
        if dose_id is not None
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
    dose_id: uuid.UUID | None,
    prescription: Prescription | None,
    dose_given: Decimal | None,
    administered_at: dt.datetime | None,
    reason: str,
    site: str,
    observations: str,
    prn_reason: str,
    witness: User | None,
    late: LateDoseRequest | None,
    senior: User | None,
    idempotency_key: str | None,
    from_page: bool = False,
    old_patch: str = "",
) -> Administration:
    now = clock.now()
    scope = scope_for(by)
    slot: DueDose | None = None
    if dose_id is not None:
        slot = lock_person_for_due_dose(dose_id, scope=scope, annotations=_dose_gates)
        rx, person = slot.prescription, slot.person  # both read with the lock (locks.RX_JOINS)
        gates: object = slot
    else:
        assert prescription is not None
        rx = lock_person_for_prescription(
            prescription.pk,
            scope=scope.q("person__location"),
            annotations=record_gates(person="person_id", medicine="medicine_id"),
        )
        person = rx.person
        gates = rx
    when = rules.when_given(administered_at, now)
    # Allergies and ingredient maxima (ADR 0022, 0023): read only when the lock query says they can matter.
    safety = record_safety(
        rx,
        when=when,
        has_allergy=outcome in TAKEN and getattr(gates, "cb_has_allergy", False),
        has_capped=outcome in TAKEN and getattr(gates, "cb_has_capped", False),
        has_contents=getattr(gates, "cb_has_contents", True),
    )

    already = None
    if slot is not None and slot.state == DueDose.State.RECORDED:
        already = recorded_by(
            Administration.objects.effective().select_related("recorded_by").filter(due_dose=slot).first()
        )
    offered_again = None  # the dose's refusal (or sleep) before this offer: read only when the lock says there is one
    if slot is not None and getattr(slot, "cb_offered_again", False):
        offered_again = recorded_by(
            Administration.objects.offered_again().select_related("recorded_by").filter(due_dose=slot).first()
        )
    sites: list[str] = []  # a patch or an injection given: where the last ones went (the rotation, rules.sites)
    if rx.medicine.site_recorded and outcome in TAKEN:
        sites = previous_sites(person_id=person.pk, medicine_id=rx.medicine_id, gap=rx.site_gap)
    history: list[rules.PrnDose] = []
    if rx.is_prn and outcome in TAKEN:
        history = prn_doses(
            Administration.objects.medicine_taken_around(
                person_id=person.pk, medicine_ids=[rx.medicine_id], start=when - rules.PRN_HISTORY
            ).values_list("administered_at", "dose_given"),
            rx,
        )
    next_row: DueDose | None = None
    next_dose: rules.NextDose | None = None
    if slot is not None and (late is not None or (outcome in TAKEN and next_dose_may_be_close(slot, when))):
        next_row, next_dose = next_dose_of(slot)
    facts = safety.apply(prescription_facts(rx))
    if facts.from_instructions and outcome in TAKEN:  # the clinic's instructions set the day's dose (ADR 0037)
        facts = with_instructions(facts, dosing_instructions([rx], today=clock.to_local(now).date()), rx.pk)
    decision = rules.check_record(
        facts,
        slot=slot_facts(slot) if slot is not None else None,
        recording=rules.Recording(
            outcome=outcome,
            prompts=prompts,
            administered_at=when,
            dose_given=dose_given,
            reason=reason,
            site=site,
            prn_reason=prn_reason,
            old_patch=old_patch,
            observations=observations,
            has_witness=witness is not None,
            late=rules.LateChoice(
                choice=late.choice, reason=late.reason, move_to=late.move_next_to, has_senior=senior is not None
            )
            if late is not None
            else None,
        ),
        context=rules.RecordContext(
            now=now,
            home_care=person.location.kind == Location.Kind.HOME_CARE,
            late_entry_after=dt.timedelta(minutes=settings.CAREBOOK["LATE_ENTRY_MINUTES"]),
            already=already,
            offered_again=offered_again,
            offer_again_minutes=settings.CAREBOOK["OFFER_AGAIN_MINUTES"],
            previous_sites=sites,
            prn_history=history,
            next_dose=next_dose,
            ingredient_history=safety.ingredient_history,
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
    if decision.late is not None and senior is not None:
        rules.check_senior_eligible(
            rules.SeniorFacts(
                name=senior.display_name,
                role_label=senior.get_role_display(),
                is_recorder=senior.pk == by.pk,
                may_confirm=can(senior, Action.CONFIRM_LATE_DOSE),
                works_here=scope_for(senior).allows(person.location_id),
            )
        )

    outcome = decision.outcome or outcome
    taken = outcome in TAKEN
    offer_until = decision.offer_again_until
    administration = Administration.objects.create(
        due_dose=slot,
        prescription=rx,
        person=person,
        location=person.location,
        outcome=outcome,
        reason=(decision.reason or reason).strip(),
        dose_given=decision.dose_given,
        dose_unit=rx.dose_unit if decision.dose_given is not None else "",
        administered_at=decision.administered_at,
        recorded_at=now,
        recorded_by=by,
        late_entry=decision.late_entry,
        minutes_late=decision.minutes_late,
        witness=witness,
        witnessed_at=now if witness else None,
        site=decision.site or rules.sites.canonical(rx.medicine.form, site) or site.strip(),  # the list's own words
        old_patch=old_patch if decision.old_patch_site else "",
        old_patch_site=decision.old_patch_site,
        observations=observations.strip(),
        prn_reason=prn_reason.strip() if taken else "",
        idempotency_key=idempotency_key,
        corrects=_corrected_record(slot),
        # Refused or asleep, to offer again: not the dose's outcome; the dose stays due (ADR 0034).
        status=Administration.Status.COMPLETED if offer_until is None else Administration.Status.OFFER_AGAIN,
        offer_again_until=offer_until,
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
    if slot is not None and offer_until is None:
        slot.state = DueDose.State.RECORDED
        slot.save(update_fields=["state"])
    showing_link(administration, from_page=from_page)  # the prompts shown on the walk (ADR 0030)
    record_event(
        actor=by,
        action=MedicationAudit.ADMINISTRATION_RECORDED,
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
    _announce_readings_outside(administration, answers, rx)
    late_decision = None
    if decision.late is not None:
        assert slot is not None
        late_decision = _decide_next_dose(
            plan=decision.late,
            administration=administration,
            slot=slot,
            next_row=next_row,
            by=by,
            senior=senior,
            now=now,
        )
    announce(DoseRecorded.of(administration, answers=answers))
    return _as_written(administration, answers, late_decision)


def _dose_gates() -> dict[str, Any]:
    """What the locked read of a due dose says besides the dose: the gates of ``contents.dose_record_gates``, and
    whether the dose waits to be offered again (so a first offer costs no extra query)."""
    return {
        **dose_record_gates(),
        "cb_offered_again": Exists(Administration.objects.offered_again().filter(due_dose_id=OuterRef("pk"))),
    }


def _decide_next_dose(
    *,
    plan: rules.LatePlan,
    administration: Administration,
    slot: DueDose,
    next_row: DueDose | None,
    by: User,
    senior: User | None,
    now: dt.datetime,
) -> LateDoseDecision:
    """Do what was chosen to the next dose, and write the decision (the person's row is locked already)."""
    rx = slot.prescription
    location = slot.person.location
    conflict = plan.conflict
    if plan.choice != LateDoseChoice.OMIT_THIS and next_row is None:
        # The next dose lies beyond the generated horizon (a weekly medicine): make its slot now.
        due_doses_generate(prescription=rx, end=conflict.next.scheduled_at + dt.timedelta(minutes=1))
        next_row, _facts = next_dose_of(slot)
        assert next_row is not None and next_row.state == DueDose.State.PENDING
    moved_to = None
    omission = None
    if plan.choice == LateDoseChoice.MOVE_NEXT:
        assert next_row is not None and plan.move_to is not None and plan.move_opens_at is not None
        moved_to = _move(next_row, to=plan.move_to, opens_at=plan.move_opens_at, by=by, now=now)
    elif plan.choice == LateDoseChoice.OMIT_NEXT:
        assert next_row is not None
        omission = _omit_in_advance(next_row, plan=plan, this_due_at=slot.scheduled_at, by=by, now=now)
    decision = LateDoseDecision.objects.create(
        administration=administration,
        due_dose=slot,
        choice=plan.choice,
        reason=plan.reason,
        given_at=conflict.given_at,
        gap_minutes=int(conflict.gap.total_seconds() // 60),
        next_due_dose=next_row,
        next_scheduled_at=conflict.next.scheduled_at,
        moved_to=moved_to,
        next_omission=omission,
        decided_by=by,
        decided_at=now,
        confirmed_by=senior,
        confirmed_at=now if senior is not None else None,
    )
    record_event(
        actor=by,
        action=MedicationAudit.LATE_DOSE_DECIDED,
        entity=decision,
        location=location,
        after=snapshot(decision),
        at=now,
    )
    return decision


def _move(next_row: DueDose, *, to: dt.datetime, opens_at: dt.datetime, by: User, now: dt.datetime) -> DueDose:
    """Withdraw the next slot ("moved") and make the slot that replaces it: same place on the MAR, a later time.

    A due dose's time is fixed once written (ADR 0005): moving it is a new slot, never an edit.
    """
    time_critical = next_row.prescription.medicine.time_critical
    before = {"due_dose": str(next_row.pk), "scheduled_at": next_row.scheduled_at.isoformat(), "state": "pending"}
    next_row.state = DueDose.State.WITHDRAWN
    next_row.withdrawn_at = now
    next_row.withdrawn_reason = f"Moved to {moment(to)}: the dose before was given late"[:200]
    next_row.save(update_fields=["state", "withdrawn_at", "withdrawn_reason"])
    replacement = DueDose.objects.create(
        prescription=next_row.prescription,
        person_id=next_row.person_id,
        location_id=next_row.location_id,
        scheduled_at=to,
        local_date=next_row.local_date,
        local_time=next_row.local_time,
        window_opens_at=opens_at,
        window_closes_at=rules.window_bounds(to, time_critical)[1],
        moved_from=next_row,
    )
    record_event(
        actor=by,
        action=MedicationAudit.DUE_DOSE_MOVED,
        entity=replacement,
        location=next_row.location,
        before=before,
        after={
            "due_dose": str(replacement.pk),
            "scheduled_at": to.isoformat(),
            "window_opens_at": opens_at.isoformat(),
            "moved_from": str(next_row.pk),
        },
        at=now,
    )
    return replacement


def _omit_in_advance(
    next_row: DueDose, *, plan: rules.LatePlan, this_due_at: dt.datetime, by: User, now: dt.datetime
) -> Administration:
    """Record the next dose "not required" now, with the reason: it is not to be given."""
    omission = Administration.objects.create(
        due_dose=next_row,
        prescription=next_row.prescription,
        person_id=next_row.person_id,
        location_id=next_row.location_id,
        outcome=Outcome.NOT_REQUIRED,
        reason=rules.late.omission_reason(plan.conflict, this_due_at=this_due_at, omitted="next", reason=plan.reason),
        administered_at=now,
        recorded_at=now,
        recorded_by=by,
        corrects=_corrected_record(next_row),
    )
    next_row.state = DueDose.State.RECORDED
    next_row.save(update_fields=["state"])
    record_event(
        actor=by,
        action=MedicationAudit.ADMINISTRATION_RECORDED,
        entity=omission,
        location=next_row.location,
        after={**snapshot(omission), "omitted_in_advance": True},
        at=now,
    )
    announce(DoseRecorded.of(omission))
    return omission


def _announce_readings_outside(administration: Administration, answers: list[PromptAnswer], rx: Prescription) -> None:
    """A reading beyond the prescriber's limits is news for the senior on shift (the alerts to come)."""
    for answer in answers:
        if answer.decision in (ReadingDecision.WITHHOLD, ReadingDecision.GIVE_AND_TELL) and answer.value is not None:
            rule = rx.reading_rule
            announce(
                ReadingOutsideRule(
                    person_id=administration.person_id,
                    location_id=administration.location_id,
                    prescription_id=rx.pk,
                    administration_id=administration.pk,
                    reading=answer.prompt,
                    value=answer.value,
                    rule=rule.text if rule is not None else "",
                    taken_at=answer.answered_at,
                    recorded_by_id=administration.recorded_by_id,
                )
            )


def _as_written(
    administration: Administration, answers: list[PromptAnswer], late_decision: LateDoseDecision | None = None
) -> Administration:
    """The new record with what it is known to have, so that presenting it needs no query:
    its prompt answers, no correction, no follow-up, nothing correcting it, its late-dose decision if any."""
    administration._prefetched_objects_cache = {"prompt_answers": answers, "corrected_by": []}  # type: ignore[attr-defined]
    Administration.correction.related.set_cached_value(administration, None)  # type: ignore[attr-defined]
    Administration.follow_up.related.set_cached_value(administration, None)  # type: ignore[attr-defined]
    Administration.late_decision.related.set_cached_value(administration, late_decision)  # type: ignore[attr-defined]
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
