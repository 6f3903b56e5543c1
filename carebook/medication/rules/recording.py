"""Recording the outcome of a dose: every refusal, composed in one place.

The recording service loads the facts (the prescription, the slot, the doses around it) under its
locks, then asks ``check_record``; the pages ask ``offer_refusal`` before any prompt is walked, so a
dose that cannot be given says why in the same words on the banner and in the error.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal

from carebook.core.clock import to_local
from carebook.core.errors import Conflict, DomainError, ValidationFailed
from carebook.core.text import format_quantity, moment
from carebook.medication.rules.allergies import AllergyFinding, decision_needed
from carebook.medication.rules.dosing import InstructionFacts, day_dose, dosing_refusal
from carebook.medication.rules.ingredients import CappedContent, IngredientDose, ingredient_refusal
from carebook.medication.rules.ingredients import next_allowed as ingredient_next_allowed
from carebook.medication.rules.late import LateChoice, LatePlan, NextDose, check_late_choice, omission_reason, too_close
from carebook.medication.rules.prn import PrnDose, PrnLimits, prn_next_allowed, prn_refusal
from carebook.medication.rules.prompts import Answer, check_prompt_answers, check_reason, prompts_for
from carebook.medication.rules.readings import ReadingRule, check_readings
from carebook.medication.rules.sites import check_applied, check_old_patch, check_site
from carebook.medication.rules.windows import dose_window, minutes_late, not_yet_due
from carebook.medication.rules.witness import check_witness
from carebook.medication.vocab import (
    HOME_CARE_ONLY,
    OFFER_AGAIN_OUTCOMES,
    TAKEN,
    DoseState,
    LateDoseChoice,
    MedicineForm,
    Outcome,
    PrescriptionStatus,
)

# A carer's clock may run a little ahead of the server's.
CLOCK_SKEW_ALLOWED = dt.timedelta(minutes=5)
# Older than this, a dose is reported as an incident, not recorded.
LATE_ENTRY_LIMIT = dt.timedelta(days=7)
# A record made this long after the dose is a late entry (settings.CAREBOOK["LATE_ENTRY_MINUTES"]).
LATE_ENTRY_AFTER = dt.timedelta(minutes=15)
MAX_QUANTITY = Decimal("100000")


class AlreadyRecorded(Conflict):
    code = "already_recorded"


class PrescriptionNotActive(DomainError):
    code = "prescription_not_active"
    status = 422


class TranscriptionCheckRequired(DomainError):
    code = "transcription_check_required"
    status = 422


@dataclass(frozen=True)
class PrescriptionFacts:
    """What the rules need to know of a prescription and its medicine."""

    status: str
    start_date: dt.date
    end_date: dt.date | None
    awaiting_check: bool  # its entry needs a second person's check, not yet done
    is_prn: bool
    dose_min: Decimal
    dose_max: Decimal
    dose_text: str
    required_check: str
    time_critical: bool = False
    needs_witness: bool = False
    site_recorded: bool = False
    form_label: str = ""
    form: str = ""  # a MedicineForm (a patch records the old one taken off: rules.sites)
    site_gap: int | None = None  # the site rotation's rule (rules.sites); None: not the last site
    prn: PrnLimits | None = None
    min_gap: dt.timedelta | None = None  # the least time before the next dose, if set (rules.late)
    reading_rule: ReadingRule | None = None  # the prescriber's limits for the reading (rules/readings.py)
    # Allergy findings no senior has decided on (rules.allergies.undecided): they hold every taken dose.
    allergy_hold: tuple[AllergyFinding, ...] = ()
    # The medicine's ingredients that have a 24-hour maximum (rules.ingredients), with the amount per dose unit.
    capped: tuple[CappedContent, ...] = ()
    dose_unit: str = ""
    # A cream or an ointment: the areas it is prescribed for (rules.sites.check_applied).
    topical: bool = False
    apply_to: tuple[str, ...] = ()
    # The dose of each day comes from the clinic's dosing instructions (warfarin, rules.dosing), and these are them.
    from_instructions: bool = False
    instructions: tuple[InstructionFacts, ...] = ()

    @property
    def is_variable_dose(self) -> bool:
        return self.dose_max != self.dose_min


@dataclass(frozen=True)
class SlotFacts:
    """The due dose (a MAR slot) being recorded."""

    state: str
    scheduled_at: dt.datetime
    opens_at: dt.datetime
    closes_at: dt.datetime
    local_date: dt.date
    prescribed_at: dt.datetime | None = None  # its prescribed wall time as an instant (a moved dose: not its time)

    @property
    def prescribed(self) -> dt.datetime:
        return self.prescribed_at or self.scheduled_at


@dataclass(frozen=True)
class RecordedBy:
    """The effective record a slot already has."""

    name: str
    recorded_at: dt.datetime
    outcome: str
    administration_id: str = ""


@dataclass(frozen=True)
class Recording:
    """What the carer says happened."""

    outcome: str
    prompts: Sequence[Answer]
    administered_at: dt.datetime  # from ``when_given``
    dose_given: Decimal | None = None
    reason: str = ""
    site: str = ""
    prn_reason: str = ""
    old_patch: str = ""  # a new patch: what happened to the old one (vocab.OldPatch)
    observations: str = ""
    has_witness: bool = False
    late: LateChoice | None = None  # what was chosen for a late dose too close to the next


@dataclass(frozen=True)
class RecordContext:
    now: dt.datetime
    home_care: bool
    late_entry_after: dt.timedelta = LATE_ENTRY_AFTER
    already: RecordedBy | None = None
    offered_again: RecordedBy | None = None  # the slot's refusal (or sleep) waiting for the dose to be offered again
    offer_again_minutes: int | None = None  # settings.CAREBOOK["OFFER_AGAIN_MINUTES"]: None, the window's end
    # A patch or an injection: the sites of the person's last applications of this medicine, the latest first.
    previous_sites: Sequence[str] = ()
    prn_history: Sequence[PrnDose] = field(default_factory=tuple)
    next_dose: NextDose | None = None  # the next dose of the same prescription (a scheduled dose only)
    # The person's doses, on both sides of the time given, of every medicine sharing a capped ingredient.
    ingredient_history: Sequence[IngredientDose] = field(default_factory=tuple)


@dataclass(frozen=True)
class RecordDecision:
    """What the service writes, as the rules decided it."""

    administered_at: dt.datetime
    late_entry: bool
    dose_given: Decimal | None
    minutes_late: int
    outcome: str = ""  # the outcome written ("omit this one" writes "not required")
    reason: str = ""  # the reason written
    late: LatePlan | None = None  # a late dose too close to the next: the choice made
    readings: dict[str, str] = field(default_factory=dict)  # reading prompt → its ReadingDecision ("" no limits)
    offer_again_until: dt.datetime | None = None  # refused or asleep: not the outcome yet, offer again by then
    old_patch_site: str = ""  # a new patch: where the old one was (the last site), when one was on
    site: str = ""  # a cream or an ointment: where it went, in the list's words


def with_day_dose(rx: PrescriptionFacts, day: dt.date) -> PrescriptionFacts:
    """The prescription's facts with ``day``'s dose from the clinic's instruction in force as its one dose
    (unchanged when it is not dosed by instructions, or none is in force: ``prescription_refusal`` says why)."""
    if not rx.from_instructions:
        return rx
    amount = day_dose(rx.instructions, day)
    if amount is None:
        return rx
    text = f"{format_quantity(amount)} {rx.dose_unit}".strip()
    return replace(rx, dose_min=amount, dose_max=amount, dose_text=text)


# --- Refusals in words ---------------------------------------------------------------------


def not_active(status: str) -> PrescriptionNotActive:
    return PrescriptionNotActive(
        f"This prescription is {PrescriptionStatus.label_of(status).lower()}: no dose can be recorded against it.",
        field="prescription",
    )


def withdrawn_slot() -> PrescriptionNotActive:
    return PrescriptionNotActive(
        "This dose was withdrawn when its prescription changed or stopped. There is nothing to record.",
        field="due_dose",
    )


def already_recorded(by: RecordedBy) -> AlreadyRecorded:
    return AlreadyRecorded(
        f"This dose was already recorded by {by.name} at {moment(by.recorded_at)} "
        f"({Outcome.label_of(by.outcome).lower()}).",
        field="due_dose",
        recorded_by=by.name,
        recorded_at=by.recorded_at.isoformat(),
        administration_id=by.administration_id,
    )


def offered_again_once(first: RecordedBy) -> ValidationFailed:
    """A dose is offered again once: the second offer ends with the dose's outcome (ADR 0034)."""
    return ValidationFailed(
        f"This dose was {Outcome.label_of(first.outcome).lower()} at {moment(first.recorded_at)} ({first.name}) and"
        " is being offered again. Record how this offer ended: given, or refused (will not offer again).",
        field="outcome",
        code="already_offered_again",
        administration_id=first.administration_id,
    )


def offer_again_until(
    *, closes_at: dt.datetime, refused_at: dt.datetime, window: dt.timedelta, minutes: int | None = None
) -> dt.datetime:
    """By when a dose refused (or asleep) "will offer again" is offered again: the end of its window; refused after
    its window had closed, as long again as its window (60 minutes, 30 if time-critical); or, where the provider
    sets ``OFFER_AGAIN_MINUTES``, that many minutes after the refusal."""
    if minutes is not None:
        return refused_at + dt.timedelta(minutes=minutes)
    return closes_at if refused_at < closes_at else refused_at + window


def awaiting_check() -> TranscriptionCheckRequired:
    return TranscriptionCheckRequired(
        "This prescription has not had its transcription check. A second trained member of staff must check it "
        "against the prescriber's directions before the first dose.",
        field="prescription",
    )


def prescription_refusal(rx: PrescriptionFacts, *, day: dt.date) -> DomainError | None:
    """Why no dose of this prescription may be given on ``day``, or None."""
    if rx.status != PrescriptionStatus.ACTIVE:
        return not_active(rx.status)
    if rx.awaiting_check:
        return awaiting_check()
    if day < rx.start_date or (rx.end_date is not None and day > rx.end_date):
        until = f" to {rx.end_date:%d %B %Y}" if rx.end_date else ""
        return PrescriptionNotActive(
            f"This prescription is not current today (from {rx.start_date:%d %B %Y}{until}).", field="prescription"
        )
    if rx.allergy_hold:
        return decision_needed(rx.allergy_hold)
    if rx.from_instructions:
        return dosing_refusal(rx.instructions, day)
    return None


def nothing_recordable(rx: PrescriptionFacts, *, slot: SlotFacts | None) -> DomainError | None:
    """Why no outcome at all (given or not) can be recorded here, or None: a withdrawn slot, a stopped prescription.

    A slot that fell due before its prescription stopped can still be explained with a not-given outcome
    (refused, asleep …) through the API, so the gap is not left unexplained; the page sends people to the round.
    """
    if slot is not None and slot.state == DoseState.WITHDRAWN:
        return withdrawn_slot()
    if rx.status != PrescriptionStatus.ACTIVE:
        return not_active(rx.status)
    return None


def offer_refusal(
    rx: PrescriptionFacts,
    *,
    slot: SlotFacts | None,
    now: dt.datetime,
    already: RecordedBy | None = None,
    prn_history: Sequence[PrnDose] = (),
    ingredient_history: Sequence[IngredientDose] = (),
) -> DomainError | None:
    """Why this dose cannot be given now, before any prompt is walked (None: it can be offered).

    The round's "Record" button, the recording page's banner and the service's refusals share these words.
    """
    if slot is not None:
        if slot.state == DoseState.WITHDRAWN:
            return withdrawn_slot()
        if already is not None:
            return already_recorded(already)
    refusal = prescription_refusal(rx, day=slot.local_date if slot is not None else to_local(now).date())
    if refusal is not None:
        return refusal
    if slot is not None:
        refusal = not_yet_due(slot.opens_at, now)
    elif rx.prn is not None:
        refusal = prn_refusal(
            history=prn_history,
            now=now,
            quantity=rx.dose_min,
            min_interval=rx.prn.min_interval,
            max_24h=rx.prn.max_24h,
        )
    if refusal is None and rx.capped:
        refusal = ingredient_refusal(contents=rx.capped, quantity=rx.dose_min, history=ingredient_history, at=now)
    return refusal


def prn_next_allowed_for(
    rx: PrescriptionFacts,
    history: Sequence[PrnDose],
    now: dt.datetime,
    ingredient_history: Sequence[IngredientDose] = (),
) -> dt.datetime | None:
    """When the smallest dose of a PRN prescription may next be given (None: now): its own limits, and the 24-hour
    maximum of each ingredient across every medicine that contains it."""
    assert rx.prn is not None
    allowed = prn_next_allowed(
        history=[d for d in history if d.at <= now],
        now=now,
        quantity=rx.dose_min,
        min_interval=rx.prn.min_interval,
        max_24h=rx.prn.max_24h,
    )
    if rx.capped:
        by_ingredient = ingredient_next_allowed(
            contents=rx.capped, quantity=rx.dose_min, history=ingredient_history, at=now
        )
        if by_ingredient is not None:
            allowed = by_ingredient if allowed is None else max(allowed, by_ingredient)
    return allowed


# --- Checking a record ---------------------------------------------------------------------


def when_given(administered_at: dt.datetime | None, now: dt.datetime) -> dt.datetime:
    """The time the carer says the dose was given (now, if they said nothing). Never in the future; not a week ago."""
    when = administered_at or now
    if when.tzinfo is None:
        raise ValidationFailed("The time given must include a time zone.", field="administered_at")
    if when > now + CLOCK_SKEW_ALLOWED:
        raise ValidationFailed("The time given cannot be in the future.", field="administered_at")
    if when < now - LATE_ENTRY_LIMIT:
        raise ValidationFailed(
            "A dose more than 7 days ago cannot be recorded here: report it as an incident.", field="administered_at"
        )
    return when


def check_dose_quantity(*, outcome: str, dose_given: Decimal | None, dose_min: Decimal, dose_max: Decimal) -> None:
    if outcome == Outcome.GIVEN:
        if dose_given is None:
            return
        if not dose_min <= dose_given <= dose_max:
            top = "" if dose_min == dose_max else f" to {format_quantity(dose_max)}"
            raise ValidationFailed(
                f"The prescribed dose is {format_quantity(dose_min)}{top}. "
                "To record a different amount, choose 'Given, partial or different dose' and say why.",
                field="dose_given",
            )
    if outcome == Outcome.GIVEN_PARTIAL and dose_given is None:
        raise ValidationFailed("Say how much was actually given.", field="dose_given")


def _dose_given(rx: PrescriptionFacts, recording: Recording) -> Decimal | None:
    dose_given = recording.dose_given
    if dose_given is None and recording.outcome == Outcome.GIVEN:
        if rx.is_variable_dose:
            raise ValidationFailed(f"Say how much was given ({rx.dose_text}).", field="dose_given")
        dose_given = rx.dose_min
    if dose_given is not None and (not dose_given.is_finite() or dose_given <= 0 or dose_given >= MAX_QUANTITY):
        raise ValidationFailed("The dose given must be a number more than zero.", field="dose_given")
    check_dose_quantity(outcome=recording.outcome, dose_given=dose_given, dose_min=rx.dose_min, dose_max=rx.dose_max)
    return dose_given


def check_record(
    rx: PrescriptionFacts, *, slot: SlotFacts | None, recording: Recording, context: RecordContext
) -> RecordDecision:
    """Every rule a record must keep, in the order a carer meets them; raises the first refusal."""
    if slot is None and not rx.is_prn:
        raise ValidationFailed(
            "This medicine has set times: record it against its due dose in the round.", field="prescription"
        )
    outcome = recording.outcome
    taken = outcome in TAKEN
    when = recording.administered_at
    if taken:
        # A scheduled dose belongs to its slot's day (a 23:30 dose given at 00:10 is still that day's).
        day = slot.local_date if slot is not None else to_local(when).date()
        refusal = prescription_refusal(rx, day=day)
        if refusal is not None:
            raise refusal
        rx = with_day_dose(rx, day)  # a dose set by the clinic's instructions: that day's, and only that
    elif rx.status != PrescriptionStatus.ACTIVE and (slot is None or slot.state != DoseState.PENDING):
        # A slot that fell due before its prescription stopped can still be explained with a
        # not-given outcome (refused, asleep …): otherwise it would stand as an unexplained gap.
        raise not_active(rx.status)

    if slot is not None:
        if slot.state == DoseState.WITHDRAWN:
            raise withdrawn_slot()
        if context.already is not None:
            raise already_recorded(context.already)
        early = not_yet_due(slot.opens_at, when)
        if early is not None:
            raise early

    if outcome in HOME_CARE_ONLY and not context.home_care:
        raise ValidationFailed("'Given by family' is for people supported at home.", field="outcome")

    reason = recording.reason
    late = None
    if slot is None and recording.late is not None:
        raise ValidationFailed(
            "A late-dose choice is for a dose at a set time, not a when-required one.", field="late_choice"
        )
    if slot is not None:
        late = _late_plan(rx, slot=slot, recording=recording, context=context)
        if late is not None and late.choice == LateDoseChoice.OMIT_THIS:
            outcome, taken = Outcome.NOT_REQUIRED, False
            reason = omission_reason(late.conflict, this_due_at=slot.scheduled_at, omitted="this", reason=late.reason)
    check_reason(outcome=outcome, taken=taken, reason=reason)
    check_prompt_answers(
        required=prompts_for(rx.required_check), answers=recording.prompts, outcome=outcome, taken=taken
    )
    # A reading beyond a "do not give" limit refuses a taken outcome; every reading's decision is kept.
    readings = check_readings(rx.reading_rule, recording.prompts, taken=taken)

    dose_given: Decimal | None = None
    old_patch_site = ""
    applied_site = ""
    if taken:
        dose_given = _dose_given(rx, recording)
        if rx.site_recorded:
            check_site(
                form=rx.form,
                form_label=rx.form_label,
                site=recording.site,
                previous=context.previous_sites,
                gap=rx.site_gap,
            )
            if rx.form == MedicineForm.PATCH:
                last_site = context.previous_sites[0] if context.previous_sites else None
                check_old_patch(last_site=last_site, old_patch=recording.old_patch, observations=recording.observations)
                old_patch_site = last_site or ""
        elif rx.topical:
            applied_site = check_applied(apply_to=rx.apply_to, site=recording.site)
        if rx.prn is not None:
            if not recording.prn_reason.strip():
                raise ValidationFailed("Say why the when-required dose was given.", field="prn_reason")
            refusal = prn_refusal(
                history=context.prn_history,
                now=when,
                quantity=dose_given or rx.dose_min,
                min_interval=rx.prn.min_interval,
                max_24h=rx.prn.max_24h,
            )
            if refusal is not None:
                raise refusal
        if rx.capped:
            refusal = ingredient_refusal(
                contents=rx.capped,
                quantity=dose_given or rx.dose_min,
                history=context.ingredient_history,
                at=when,
            )
            if refusal is not None:
                raise refusal

    check_witness(needs_witness=rx.needs_witness, outcome=outcome, has_witness=recording.has_witness)
    until = None
    if slot is not None and outcome in OFFER_AGAIN_OUTCOMES and context.offered_again is not None:
        # Offered again once: "refused" now is for good (say so); still asleep is the outcome (an omission).
        if outcome == Outcome.REFUSED:
            raise offered_again_once(context.offered_again)
    elif slot is not None and outcome in OFFER_AGAIN_OUTCOMES:
        until = offer_again_until(
            closes_at=slot.closes_at,
            refused_at=when,
            window=dose_window(rx.time_critical),
            minutes=context.offer_again_minutes,
        )
    return RecordDecision(
        administered_at=when,
        late_entry=context.now - when > context.late_entry_after,
        dose_given=dose_given,
        minutes_late=minutes_late(slot.closes_at, when) if slot is not None and taken else 0,
        outcome=outcome,
        reason=reason,
        late=late,
        readings=readings,
        offer_again_until=until,
        old_patch_site=old_patch_site,
        site=applied_site,
    )


def _late_plan(
    rx: PrescriptionFacts, *, slot: SlotFacts, recording: Recording, context: RecordContext
) -> LatePlan | None:
    """A dose taken too close to the next one needs a choice (``rules.late``); None when nothing is to decide."""
    taken = recording.outcome in TAKEN
    if recording.late is not None and recording.late.choice == LateDoseChoice.OMIT_THIS:
        if not taken and recording.outcome != Outcome.NOT_REQUIRED:
            raise ValidationFailed(
                "Choose either a reason it was not given, or 'omit this one', not both.", field="late_choice"
            )
    elif not taken:
        if recording.late is not None:
            raise ValidationFailed(
                "That choice gives this dose: choose a 'given' outcome, or choose 'omit this one'.", field="outcome"
            )
        return None
    conflict = too_close(
        given_at=recording.administered_at,
        this_prescribed_at=slot.prescribed,
        next_dose=context.next_dose,
        setting=rx.min_gap,
    )
    return check_late_choice(
        conflict,
        taken=taken,
        chosen=recording.late,
        time_critical=rx.time_critical,
        window=dose_window(rx.time_critical),
    )
