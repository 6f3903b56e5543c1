"""Reads for a person's medication page and the recording pages.

Each read runs a fixed number of queries whatever the number of
prescriptions or records. Clinical rules (dose windows, PRN limits) are
applied through ``rules``, never rewritten here.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q

from carebook.core import clock
from carebook.core.text import duration, minutes_text, quantity_with_unit
from carebook.medication import rules
from carebook.medication.access import may_correct
from carebook.medication.contents import OfferFacts, allergy_facts_of, has_contents, offer_facts
from carebook.medication.facts import awaiting_transcription_check, prescription_facts, prn_doses
from carebook.medication.models import (
    Administration,
    DueDose,
    Prescription,
    PrescriptionStatus,
    PromptAnswer,
    PromptResult,
    ScheduleKind,
)
from carebook.medication.reading_text import ReadingLine, readings_of
from carebook.medication.selectors.round import RoundDose, build_round_dose, dose_records
from carebook.medication.vocab import READING_PROMPTS, STANDING_STATUSES, TAKEN
from carebook.medication.wording import course_text, dose_on_day_text, quantity_text, schedule_text
from carebook.people.models import Person

RECENT_DAYS = 7


def can_correct(user: Any, administration: Administration) -> bool:
    """Whether to offer ``user`` to mark this record entered in error (the service decides the same)."""
    return administration.status in STANDING_STATUSES and may_correct(user, administration)


# --- The person's page -----------------------------------------------------------------


@dataclass
class PrescriptionRow:
    prescription: Prescription
    schedule: str
    awaiting_check: bool
    course: str = ""  # a course counted in doses: its first and last dose (ADR 0020)
    dose_today: str = ""  # its dose as the round shows it today (a clinic's dose for warfarin, ADR 0037)
    next_inr_date: dt.date | None = None  # dosed by a clinic's instructions: the next INR test


@dataclass
class PrnOffer:
    prescription: Prescription
    can_give_now: bool
    next_allowed: dt.datetime | None
    last_dose_at: dt.datetime | None
    since_last: str
    quantity_24h: str
    min_interval: str
    max_24h: str
    awaiting_check: bool
    # Why it cannot be given now beyond its own limits (an allergy finding no senior has decided on; an
    # ingredient's 24-hour maximum across products), in the service's words; "" when nothing stops it.
    blocked: str = ""
    ingredients_24h: list[str] = field(default_factory=list)  # "Paracetamol: 2 g of 4 g in the last 24 hours"


@dataclass
class RecordRow:
    administration: Administration
    exceptions: list[PromptAnswer]
    can_correct: bool
    corrected_by: Administration | None
    is_prn: bool
    follow_up_due: bool
    readings: list[ReadingLine] = field(default_factory=list)

    @property
    def late_text(self) -> str:
        """How late a dose was given after its window closed ("4 hours 10 minutes"), or ""."""
        minutes = self.administration.minutes_late
        return duration(dt.timedelta(minutes=minutes)) if minutes else ""

    @property
    def dose_given(self) -> str:
        admin = self.administration
        return f"{quantity_text(admin.dose_given)} {admin.dose_unit}".strip() if admin.dose_given else ""


@dataclass
class PersonPage:
    person: Person
    prescriptions: list[PrescriptionRow]
    today: dt.date
    today_doses: list[RoundDose]
    recent: list[RecordRow]
    prn_offers: list[PrnOffer]
    follow_ups_due: list[Administration] = field(default_factory=list)
    follow_ups_soon: list[tuple[Administration, dt.datetime]] = field(default_factory=list)


def _prn_offer(
    rx: Prescription,
    history: list[tuple[dt.datetime, Decimal | None]],
    now: dt.datetime,
    offers: OfferFacts | None = None,
) -> PrnOffer:
    doses = [d for d in prn_doses(history, rx) if d.at <= now]
    assert rx.prn_max_quantity_24h is not None
    facts = prescription_facts(rx)
    ingredient_doses: list[rules.ingredients.IngredientDose] = []
    if offers is not None:
        facts, ingredient_doses = offers.facts(rx, facts), offers.doses_of(rx.person_id)
    next_allowed = rules.prn_next_allowed_for(facts, doses, now, ingredient_doses)
    # The same rule as the service and the round: an allergy hold, or an ingredient's maximum, stops it now.
    refusal = rules.offer_refusal(facts, slot=None, now=now, prn_history=doses, ingredient_history=ingredient_doses)
    blocked = refusal.message if refusal is not None and next_allowed is None and not facts.awaiting_check else ""
    last = max((d.at for d in doses), default=None)
    in_24h = sum((d.quantity for d in doses if d.at > now - dt.timedelta(hours=24)), Decimal(0))
    return PrnOffer(
        prescription=rx,
        can_give_now=next_allowed is None and refusal is None,
        blocked=blocked,
        ingredients_24h=_ingredients_24h(facts, ingredient_doses, now),
        next_allowed=next_allowed,
        last_dose_at=last,
        since_last=duration(now - last) if last is not None else "",
        quantity_24h=quantity_with_unit(in_24h, rx.dose_unit),
        min_interval=minutes_text(rx.prn_min_interval_minutes),
        max_24h=quantity_with_unit(rx.prn_max_quantity_24h, rx.dose_unit),
        awaiting_check=awaiting_transcription_check(rx),
    )


def _ingredients_24h(
    facts: rules.PrescriptionFacts, doses: list[rules.ingredients.IngredientDose], now: dt.datetime
) -> list[str]:
    """How much of each capped ingredient the person has had in the last 24 hours, from every medicine."""
    lines = []
    for content in facts.capped:
        taken = sum(
            (d.mg for d in doses if d.code == content.limit.code and now - dt.timedelta(hours=24) < d.at <= now),
            Decimal(0),
        )
        mg_text = rules.ingredients.mg_text
        lines.append(
            f"{content.limit.name}: {mg_text(taken)} of at most {mg_text(content.limit.max_24h_mg)} in the last 24 "
            "hours, from every medicine that contains it"
        )
    return lines


def person_page(*, person: Person, user: Any, now: dt.datetime | None = None) -> PersonPage:
    """Everything the person's medication page shows, in a fixed number of queries."""
    now = now or clock.now()
    today = clock.to_local(now).date()

    prescriptions = list(
        Prescription.objects.filter(person=person, status__in=[PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED])
        .select_related("medicine", "transcription_check")
        .annotate(cb_has_contents=has_contents("medicine_id"))
        .order_by("status", "medicine__name", "entered_at")
    )
    # Allergy holds and ingredient maxima, by the recording service's rules (ADR 0022, 0023).
    offers = offer_facts(
        prescriptions,
        now=now,
        allergies=allergy_facts_of([person.pk]),
        known_empty={rx.medicine_id for rx in prescriptions if not rx.cb_has_contents},  # type: ignore[attr-defined]
    )
    rows = [
        PrescriptionRow(
            rx,
            schedule_text(rx, until=True),
            awaiting_transcription_check(rx),
            course_text(rx),
            dose_today=dose_on_day_text(rx, offers.day_dose(rx, today)),
            next_inr_date=offers.next_inr_date(rx) if rx.dose_from_instructions else None,
        )
        for rx in prescriptions
    ]

    due = list(
        DueDose.objects.filter(person=person, local_date=today)
        .exclude(state=DueDose.State.WITHDRAWN)
        .select_related("prescription", "prescription__medicine", "prescription__transcription_check")
        .order_by("scheduled_at")
    )
    records = dose_records(due)
    today_doses = [build_round_dose(d, *records.of(d), now, offers) for d in due]

    recent_admins = list(
        Administration.objects.filter(person=person, administered_at__gte=now - dt.timedelta(days=RECENT_DAYS))
        .select_related(
            "prescription",
            "prescription__medicine",
            "recorded_by",
            "witness",
            "correction",
            "correction__by",
            "follow_up",
            "follow_up__recorded_by",
        )
        .prefetch_related(
            Prefetch(
                "prompt_answers",
                # The checks not confirmed, and every reading (shown with its unit and decision, ADR 0017).
                queryset=PromptAnswer.objects.filter(
                    ~Q(result=PromptResult.CONFIRMED) | Q(prompt__in=sorted(READING_PROMPTS))
                ).order_by("position"),
                to_attr="prompt_exceptions",
            ),
            Prefetch("corrected_by", queryset=Administration.objects.order_by("recorded_at"), to_attr="corrections"),
        )
        .order_by("-administered_at", "-recorded_at")
    )
    recent: list[RecordRow] = []
    follow_ups_due: list[Administration] = []
    follow_ups_soon: list[tuple[Administration, dt.datetime]] = []
    for admin in recent_admins:
        is_prn = admin.prescription.schedule_kind == ScheduleKind.PRN
        awaiting = (
            is_prn
            and admin.status == Administration.Status.COMPLETED
            and admin.outcome in TAKEN
            and not hasattr(admin, "follow_up")
        )
        state = rules.follow_up_state(admin.administered_at, now) if awaiting else "expired"
        follow_up_due = state == "due"
        if follow_up_due:
            follow_ups_due.append(admin)
        elif state == "soon":
            follow_ups_soon.append((admin, admin.administered_at + rules.FOLLOW_UP_AFTER))
        corrections = getattr(admin, "corrections", [])
        recent.append(
            RecordRow(
                administration=admin,
                exceptions=[a for a in getattr(admin, "prompt_exceptions", []) if a.prompt not in READING_PROMPTS],
                readings=readings_of(getattr(admin, "prompt_exceptions", []), admin.prescription),
                can_correct=can_correct(user, admin),
                corrected_by=corrections[-1] if corrections else None,
                is_prn=is_prn,
                follow_up_due=follow_up_due,
            )
        )

    prn = [rx for rx in prescriptions if rx.is_prn and rx.status == PrescriptionStatus.ACTIVE]
    history: dict[int, list[tuple[dt.datetime, Decimal | None]]] = defaultdict(list)
    if prn:
        for medicine_id, at, given in Administration.objects.medicine_taken_around(
            person_id=person.pk, medicine_ids={rx.medicine_id for rx in prn}, start=now - rules.PRN_HISTORY
        ).values_list("prescription__medicine_id", "administered_at", "dose_given"):
            history[medicine_id].append((at, given))
    prn_offers = [_prn_offer(rx, history[rx.medicine_id], now, offers) for rx in prn]

    return PersonPage(
        person=person,
        prescriptions=rows,
        today=today,
        today_doses=today_doses,
        recent=recent,
        prn_offers=prn_offers,
        follow_ups_due=sorted(follow_ups_due, key=lambda a: a.administered_at),
        follow_ups_soon=sorted(follow_ups_soon, key=lambda pair: pair[1]),
    )


# --- The recording pages -------------------------------------------------------------------


def last_dose_of(*, person: Person, medicine_id: int) -> Administration | None:
    """The last time this person took this medicine (any prescription of it), with who gave it."""
    return (
        Administration.objects.taken()
        .filter(person=person, prescription__medicine_id=medicine_id)
        .select_related("recorded_by")
        .order_by("-administered_at")
        .first()
    )


def effective_record_for(due_dose: DueDose) -> Administration | None:
    """The record that stands for a due dose (not the ones entered in error)."""
    return Administration.objects.effective().filter(due_dose=due_dose).select_related("recorded_by", "witness").first()


def offered_again_for(due_dose: DueDose) -> Administration | None:
    """A due dose's refusal (or sleep) waiting for it to be offered again (ADR 0034), if any."""
    return Administration.objects.offered_again().filter(due_dose=due_dose).select_related("recorded_by").first()


def prn_history_of(rx: Prescription, *, now: dt.datetime) -> list[tuple[dt.datetime, Decimal | None]]:
    """(administered_at, dose_given) of the doses of this medicine the person took in the PRN history window."""
    return list(
        Administration.objects.medicine_taken_around(
            person_id=rx.person_id, medicine_ids=[rx.medicine_id], start=now - rules.PRN_HISTORY
        ).values_list("administered_at", "dose_given")
    )


def prn_offer_for(*, prescription: Prescription, now: dt.datetime | None = None) -> PrnOffer:
    """Whether a PRN dose may be given now, and when the next one may (for the give page)."""
    now = now or clock.now()
    offers = offer_facts([prescription], now=now, allergies=allergy_facts_of([prescription.person_id]))
    return _prn_offer(prescription, prn_history_of(prescription, now=now), now, offers)
