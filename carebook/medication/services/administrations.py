"""Recording a dose, correcting a record, and following up a PRN dose.

One rule, one place: the pages, the JSON API and (later) FHIR all call these.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.backends import ModelBackend
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.db import IntegrityError, transaction

from carebook.access.models import User
from carebook.access.policy import Action, can, location_ids_for_user, require
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from carebook.core.events import announce
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.events import DoseRecorded, PrnFollowUpRecorded, RecordEnteredInError
from carebook.medication.models import (
    Administration,
    AdministrationCorrection,
    DueDose,
    Outcome,
    Prescription,
    PrnFollowUp,
    PromptAnswer,
    TranscriptionCheck,
)
from carebook.medication.models.administrations import TAKEN_OUTCOMES
from carebook.people.models import Person

LATE_ENTRY_LIMIT = dt.timedelta(days=7)
CLOCK_SKEW_ALLOWED = dt.timedelta(minutes=5)


@dataclass(frozen=True)
class WitnessCredentials:
    """The witness's own username and password, typed on the recorder's device.

    ``request`` (the page's or API call's HTTP request) lets the sign-in lockout
    (django-axes) count failed witness passwords like failed sign-ins.
    """

    username: str
    password: str
    request: Any = None


@dataclass
class RecordResult:
    administration: Administration
    replayed: bool = False  # True when an Idempotency-Key matched an earlier record


LOCKED_OUT = "Too many wrong passwords for this witness: try again in 15 minutes, or ask another witness."


def _verify_witness_password(credentials: WitnessCredentials) -> User:
    """Check the witness's password, outside the recording transaction so that a failure is counted.

    With a request, Django's authenticate() runs through django-axes: failed witness
    passwords count towards the same lockout as failed sign-ins, and a locked-out
    witness is refused.
    """
    username = credentials.username.strip()
    if credentials.request is not None:
        request = credentials.request
        try:
            witness = authenticate(request, username=username, password=credentials.password)
            locked_out = getattr(request, "axes_locked_out", False)
        except DjangoPermissionDenied:
            locked_out = True
        if locked_out:
            # The lockout is the witness's, not the recorder's: answer in the form (or the API's
            # JSON) rather than letting the lockout middleware replace the recorder's page.
            request.axes_locked_out = False
            raise ValidationFailed(LOCKED_OUT, field="witness", code="witness_locked_out")
    else:
        witness = ModelBackend().authenticate(None, username=username, password=credentials.password)
    if witness is None or not isinstance(witness, User):
        raise ValidationFailed(
            "The witness's username or password is not right.", field="witness", code="witness_invalid"
        )
    return witness


def _check_witness(witness: User, *, recorder: User, location_id: object) -> User:
    if witness.pk == recorder.pk:
        raise ValidationFailed(
            "The witness must be a second member of staff, not you.", field="witness", code="witness_invalid"
        )
    if not can(witness, Action.WITNESS_CONTROLLED_DRUG):
        raise ValidationFailed(
            f"{witness.display_name} is a {witness.get_role_display().lower()} "
            "and is not trained to witness controlled drugs.",
            field="witness",
            code="witness_not_allowed",
        )
    if location_id not in location_ids_for_user(witness):
        raise ValidationFailed(
            f"{witness.display_name} does not work at this location.", field="witness", code="witness_not_allowed"
        )
    return witness


def _already_recorded(existing: Administration) -> Conflict:
    return rules.AlreadyRecorded(
        f"This dose was already recorded by {existing.recorded_by.display_name} at "
        f"{clock.to_local(existing.recorded_at):%H:%M on %d %B} ({existing.get_outcome_display().lower()}).",
        field="due_dose",
        recorded_by=existing.recorded_by.display_name,
        recorded_at=existing.recorded_at.isoformat(),
        administration_id=str(existing.pk),
    )


def _parse_outcome(outcome: str) -> str:
    if outcome not in Outcome.values:
        raise ValidationFailed("Choose an outcome from the list.", field="outcome")
    return outcome


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

    ``by`` comes from the signed-in session; the recording time from the
    server clock. ``administered_at`` is the carer's statement of when it was
    given, kept beside the server time; a gap marks the record a late entry.
    """
    require(by, Action.RECORD_ADMINISTRATION)
    if (due_dose is None) == (prescription is None):
        raise ValidationFailed(
            "Record against a due dose, or a when-required prescription, not both.", field="due_dose"
        )
    outcome = _parse_outcome(outcome)
    if idempotency_key is not None:
        idempotency_key = idempotency_key.strip()
        if not 1 <= len(idempotency_key) <= 100:
            raise ValidationFailed("The Idempotency-Key must be 1 to 100 characters.", field="Idempotency-Key")
        earlier = _replay(by, idempotency_key, due_dose=due_dose, prescription=prescription, outcome=outcome)
        if earlier is not None:
            return RecordResult(earlier, replayed=True)
    witness_user: User | None = None
    if witness is not None and (witness.username or witness.password):
        witness_user = _verify_witness_password(witness)
    try:
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
        # A concurrent request won the race: either the same Idempotency-Key, or the same due dose.
        if idempotency_key is not None:
            earlier = _replay(by, idempotency_key, due_dose=due_dose, prescription=prescription, outcome=outcome)
            if earlier is not None:
                return RecordResult(earlier, replayed=True)
        if due_dose is not None:
            existing = (
                Administration.objects.select_related("recorded_by")
                .filter(due_dose=due_dose, status=Administration.Status.COMPLETED)
                .first()
            )
            if existing is not None:
                raise _already_recorded(existing) from None
        raise
    return RecordResult(administration)


def _replay(
    by: User, key: str, *, due_dose: DueDose | None, prescription: Prescription | None, outcome: str
) -> Administration | None:
    """The record an earlier request with this key made, if any.

    A key reused for a different dose or outcome is refused: answering with the first record
    would tell the client a dose was recorded when it was not.
    """
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
    locked_dose: DueDose | None = None
    if due_dose is not None:
        # Lock the slot: two carers recording the same dose are serialised here.
        locked_dose = DueDose.objects.select_for_update().get(pk=due_dose.pk)
        rx = Prescription.objects.select_related("medicine", "person__location").get(pk=locked_dose.prescription_id)
    else:
        assert prescription is not None
        # Lock the prescription: two PRN doses at once are serialised here.
        rx = (
            Prescription.objects.select_for_update()
            .select_related("medicine", "person__location")
            .get(pk=prescription.pk)
        )
        if not rx.is_prn:
            raise ValidationFailed(
                "This medicine has set times: record it against its due dose in the round.", field="prescription"
            )
    person = rx.person
    if person.location_id not in location_ids_for_user(by):
        raise NotFound("No due dose with that id.")
    # Lock the person too: their when-required limits count every dose of the medicine, across
    # prescriptions (a GP's PRN and a homely remedy of the same medicine), so those are serialised here.
    Person.objects.select_for_update().filter(pk=person.pk).exists()

    taken = outcome in TAKEN_OUTCOMES
    # When: the carer's stated time, or now. Never in the future; not more than a week ago.
    when = administered_at or now
    if when.tzinfo is None:
        raise ValidationFailed("The time given must include a time zone.", field="administered_at")
    if when > now + CLOCK_SKEW_ALLOWED:
        raise ValidationFailed("The time given cannot be in the future.", field="administered_at")
    if when < now - LATE_ENTRY_LIMIT:
        raise ValidationFailed(
            "A dose more than 7 days ago cannot be recorded here: report it as an incident.", field="administered_at"
        )
    late_entry = now - when > dt.timedelta(minutes=settings.CAREBOOK["LATE_ENTRY_MINUTES"])

    checked = TranscriptionCheck.objects.filter(prescription=rx).exists()
    if taken:
        rules.check_prescription_can_be_given(
            status=rx.status,
            status_label=rx.get_status_display(),
            check_required=rx.transcription_check_required,
            checked=checked,
            start_date=rx.start_date,
            end_date=rx.end_date,
            # A scheduled dose belongs to its slot's day (a 23:30 dose given at 00:10 is still that day's).
            today=locked_dose.local_date if locked_dose is not None else clock.to_local(when).date(),
        )
    elif rx.status != "active" and (locked_dose is None or locked_dose.state != DueDose.State.PENDING):
        # A slot that fell due before its prescription stopped can still be explained with a
        # not-given outcome (refused, asleep …): otherwise it would stand as an unexplained gap.
        raise rules.PrescriptionNotActive(
            f"This prescription is {rx.get_status_display().lower()}: no dose can be recorded against it.",
            field="prescription",
        )

    if locked_dose is not None:
        if locked_dose.state == DueDose.State.WITHDRAWN:
            raise rules.PrescriptionNotActive(
                "This dose was withdrawn when its prescription changed or stopped.", field="due_dose"
            )
        existing = (
            Administration.objects.select_related("recorded_by")
            .filter(due_dose=locked_dose, status=Administration.Status.COMPLETED)
            .first()
        )
        if existing is not None:
            raise _already_recorded(existing)
        rules.check_not_too_early(locked_dose.scheduled_at, when, rx.medicine.time_critical)

    if outcome == Outcome.GIVEN_BY_FAMILY and person.location.kind != "home_care":
        raise ValidationFailed("'Given by family' is for people supported at home.", field="outcome")
    rules.check_reason(outcome=outcome, taken=taken, reason=reason)
    rules.check_prompt_answers(
        required=rules.prompts_for(rx.effective_check), answers=prompts, outcome=outcome, taken=taken
    )

    if taken:
        if dose_given is None and outcome == Outcome.GIVEN and not rx.is_variable_dose:
            dose_given = rx.dose_min
        if dose_given is None and outcome == Outcome.GIVEN:
            raise ValidationFailed(f"Say how much was given ({rx.dose_text}).", field="dose_given")
        if dose_given is not None and (not dose_given.is_finite() or dose_given <= 0 or dose_given >= 100000):
            raise ValidationFailed("The dose given must be a number more than zero.", field="dose_given")
        rules.check_dose_quantity(outcome=outcome, dose_given=dose_given, dose_min=rx.dose_min, dose_max=rx.dose_max)
        if rx.medicine.site_recorded and not site.strip():
            raise ValidationFailed(f"Record the site of the {rx.medicine.get_form_display().lower()}.", field="site")
        if rx.is_prn:
            if not prn_reason.strip():
                raise ValidationFailed("Say why the when-required dose was given.", field="prn_reason")
            history = [
                rules.PrnDose(at=a.administered_at, quantity=a.dose_given or rx.dose_min)
                for a in Administration.objects.filter(
                    prescription__person=person,
                    prescription__medicine=rx.medicine,
                    status=Administration.Status.COMPLETED,
                    outcome__in=TAKEN_OUTCOMES,
                    administered_at__gte=when - dt.timedelta(hours=48),
                ).only("administered_at", "dose_given")
            ]
            assert rx.prn_min_interval_minutes is not None and rx.prn_max_quantity_24h is not None
            rules.check_prn(
                history=history,
                now=when,
                quantity=dose_given or rx.dose_min,
                min_interval=dt.timedelta(minutes=rx.prn_min_interval_minutes),
                max_24h=rx.prn_max_quantity_24h,
            )
    else:
        dose_given = None

    witness_user = None if witness is None else _check_witness(witness, recorder=by, location_id=person.location_id)
    rules.check_witness(needs_witness=rx.medicine.needs_witness, outcome=outcome, has_witness=witness_user is not None)

    administration = Administration.objects.create(
        due_dose=locked_dose,
        prescription=rx,
        person=person,
        location=person.location,
        outcome=outcome,
        reason=reason.strip(),
        dose_given=dose_given,
        dose_unit=rx.dose_unit if dose_given is not None else "",
        administered_at=when,
        recorded_at=now,
        recorded_by=by,
        late_entry=late_entry,
        witness=witness_user,
        witnessed_at=now if witness_user else None,
        site=site.strip(),
        observations=observations.strip(),
        prn_reason=prn_reason.strip() if taken else "",
        idempotency_key=idempotency_key,
        corrects=_corrected_record(locked_dose),
    )
    PromptAnswer.objects.bulk_create(
        [
            PromptAnswer(
                administration=administration,
                position=i,
                prompt=a.prompt,
                result=a.result,
                value=a.value,
                note=a.note.strip(),
                answered_at=_answer_time(a, now),
            )
            for i, a in enumerate(sorted(prompts, key=lambda a: rules.prompts_for(rx.effective_check).index(a.prompt)))
        ]
    )
    if locked_dose is not None:
        locked_dose.state = DueDose.State.RECORDED
        locked_dose.save(update_fields=["state"])
    record_event(
        actor=by,
        action=MedicationAudit.ADMINISTRATION_RECORDED,
        entity=administration,
        location=person.location,
        after={
            **snapshot(administration),
            "prompts": [{"prompt": a.prompt, "result": a.result, "value": a.value, "note": a.note} for a in prompts],
        },
        at=now,
    )
    announce(DoseRecorded.of(administration))
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
    """When a slot is recorded again after a mistake, the new record points at the one it replaces."""
    if due_dose is None:
        return None
    return (
        Administration.objects.filter(due_dose=due_dose, status=Administration.Status.ENTERED_IN_ERROR)
        .order_by("-recorded_at")
        .first()
    )


def administration_mark_entered_in_error(*, administration: Administration, by: User, reason: str) -> Administration:
    """Mark a record entered-in-error. The original stays, visible, with who, when and why."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why this record is wrong.", field="reason")
    now = clock.now()
    with transaction.atomic():
        locked = Administration.objects.select_for_update().select_related("location").get(pk=administration.pk)
        if locked.location_id not in location_ids_for_user(by):
            raise NotFound("No administration with that id.")
        own = locked.recorded_by_id == by.pk
        if not (can(by, Action.CORRECT_ANY_ADMINISTRATION) or (own and can(by, Action.CORRECT_OWN_ADMINISTRATION))):
            raise PermissionDenied("Only the person who recorded it, or a senior, can mark a record entered in error.")
        if locked.status == Administration.Status.ENTERED_IN_ERROR:
            raise Conflict("This record is already marked entered in error.", code="already_entered_in_error")
        before = snapshot(locked, ["status"])
        locked.status = Administration.Status.ENTERED_IN_ERROR
        locked.save(update_fields=["status"])
        AdministrationCorrection.objects.create(administration=locked, reason=reason, by=by, at=now)
        if locked.due_dose_id is not None:
            DueDose.objects.filter(pk=locked.due_dose_id, state=DueDose.State.RECORDED).update(
                state=DueDose.State.PENDING
            )
        record_event(
            actor=by,
            action=MedicationAudit.ADMINISTRATION_ENTERED_IN_ERROR,
            entity=locked,
            location=locked.location,
            before=before,
            after={"status": locked.status, "reason": reason},
            at=now,
        )
        announce(RecordEnteredInError.of(locked, by=by, at=now))
    return locked


def prn_follow_up_record(*, administration: Administration, by: User, effect: str, note: str = "") -> PrnFollowUp:
    require(by, Action.RECORD_ADMINISTRATION)
    if effect not in PrnFollowUp.Effect.values:
        raise ValidationFailed("Choose whether it worked.", field="effect")
    now = clock.now()
    with transaction.atomic():
        locked = (
            Administration.objects.select_for_update()
            .select_related("prescription", "location")
            .get(pk=administration.pk)
        )
        if locked.location_id not in location_ids_for_user(by):
            raise NotFound("No administration with that id.")
        if not locked.prescription.is_prn or locked.outcome not in TAKEN_OUTCOMES:
            raise ValidationFailed("Only a when-required dose that was given has a follow-up.", field="administration")
        if locked.status != Administration.Status.COMPLETED:
            raise Conflict("This record was entered in error.", code="entered_in_error")
        if PrnFollowUp.objects.filter(administration=locked).exists():
            raise Conflict("The effect of this dose has already been recorded.", code="already_followed_up")
        follow_up = PrnFollowUp.objects.create(
            administration=locked, effect=effect, note=note.strip(), recorded_by=by, recorded_at=now
        )
        record_event(
            actor=by,
            action=MedicationAudit.PRN_FOLLOW_UP_RECORDED,
            entity=locked,
            location=locked.location,
            after={"effect": effect, "note": note.strip()},
            at=now,
        )
        announce(PrnFollowUpRecorded.of(follow_up))
    return follow_up
