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

from django.db.models import Prefetch

from carebook.access.policy import Action, can
from carebook.core import clock
from carebook.medication import rules
from carebook.medication.models import (
    Administration,
    DueDose,
    Prescription,
    PrescriptionStatus,
    PromptAnswer,
    PromptResult,
    ScheduleKind,
)
from carebook.medication.models.administrations import TAKEN_OUTCOMES
from carebook.medication.selectors.common import awaiting_transcription_check
from carebook.medication.selectors.round import FOLLOW_UP_AFTER, RoundDose, build_round_dose
from carebook.medication.wording import interval_text, quantity_text, schedule_text
from carebook.people.models import Allergy, Person

RECENT_DAYS = 7
FOLLOW_UP_LOOKBACK = dt.timedelta(hours=24)
PRN_HISTORY = dt.timedelta(hours=48)


# --- Small formatting helpers ------------------------------------------------------


def nhs_number_display(value: str) -> str:
    """An NHS number as it is read out: 3-3-4 digits."""
    digits = "".join(ch for ch in value if ch.isdigit())
    if len(digits) != 10:
        return value
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


def duration_text(delta: dt.timedelta) -> str:
    """'2 hours 5 minutes', '45 minutes', '1 day 3 hours'."""
    minutes = max(0, int(delta.total_seconds() // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)

    def unit(n: int, word: str) -> str:
        return f"{n} {word}{'' if n == 1 else 's'}"

    if days:
        return unit(days, "day") + (f" {unit(hours, 'hour')}" if hours else "")
    if hours:
        return unit(hours, "hour") + (f" {unit(minutes, 'minute')}" if minutes else "")
    return unit(minutes, "minute")


def can_correct(user: Any, administration: Administration) -> bool:
    """Whether ``user`` may mark this record entered in error (the policy table decides)."""
    if administration.status != Administration.Status.COMPLETED:
        return False
    if can(user, Action.CORRECT_ANY_ADMINISTRATION):
        return True
    return administration.recorded_by_id == getattr(user, "pk", None) and can(user, Action.CORRECT_OWN_ADMINISTRATION)


# --- The person's page -----------------------------------------------------------------


@dataclass
class PrescriptionRow:
    prescription: Prescription
    schedule: str
    awaiting_check: bool


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


@dataclass
class RecordRow:
    administration: Administration
    exceptions: list[PromptAnswer]
    can_correct: bool
    corrected_by: Administration | None
    is_prn: bool
    follow_up_due: bool

    @property
    def dose_given(self) -> str:
        admin = self.administration
        return f"{quantity_text(admin.dose_given)} {admin.dose_unit}".strip() if admin.dose_given else ""


@dataclass
class PersonPage:
    person: Person
    age: int
    nhs_number: str
    allergies: list[Allergy]
    prescriptions: list[PrescriptionRow]
    today: dt.date
    today_doses: list[RoundDose]
    recent: list[RecordRow]
    prn_offers: list[PrnOffer]
    follow_ups_due: list[Administration] = field(default_factory=list)
    follow_ups_soon: list[tuple[Administration, dt.datetime]] = field(default_factory=list)


def _prn_offer(rx: Prescription, history: list[tuple[dt.datetime, Decimal | None]], now: dt.datetime) -> PrnOffer:
    doses = [rules.PrnDose(at=at, quantity=given or rx.dose_min) for at, given in history if at <= now]
    assert rx.prn_min_interval_minutes is not None and rx.prn_max_quantity_24h is not None
    next_allowed = rules.prn_next_allowed(
        history=doses,
        now=now,
        quantity=rx.dose_min,
        min_interval=dt.timedelta(minutes=rx.prn_min_interval_minutes),
        max_24h=rx.prn_max_quantity_24h,
    )
    last = max((d.at for d in doses), default=None)
    in_24h = sum((d.quantity for d in doses if d.at > now - dt.timedelta(hours=24)), Decimal(0))
    return PrnOffer(
        prescription=rx,
        can_give_now=next_allowed is None,
        next_allowed=next_allowed,
        last_dose_at=last,
        since_last=duration_text(now - last) if last is not None else "",
        quantity_24h=f"{quantity_text(in_24h) if in_24h else '0'} {rx.dose_unit}",
        min_interval=interval_text(rx.prn_min_interval_minutes),
        max_24h=f"{quantity_text(rx.prn_max_quantity_24h)} {rx.dose_unit}",
        awaiting_check=awaiting_transcription_check(rx),
    )


def person_page(*, person: Person, user: Any, now: dt.datetime | None = None) -> PersonPage:
    """Everything the person's medication page shows, in a fixed number of queries."""
    now = now or clock.now()
    today = clock.to_local(now).date()
    allergies = list(Allergy.objects.filter(person=person).order_by("substance"))

    prescriptions = list(
        Prescription.objects.filter(person=person, status__in=[PrescriptionStatus.ACTIVE, PrescriptionStatus.SUSPENDED])
        .select_related("medicine", "transcription_check")
        .order_by("status", "medicine__name", "entered_at")
    )
    rows = [
        PrescriptionRow(rx, schedule_text(rx, until=True), awaiting_transcription_check(rx)) for rx in prescriptions
    ]

    due = list(
        DueDose.objects.filter(person=person, local_date=today)
        .exclude(state=DueDose.State.WITHDRAWN)
        .select_related("prescription", "prescription__medicine", "prescription__transcription_check")
        .order_by("scheduled_at")
    )
    recorded_ids = [d.pk for d in due if d.state == DueDose.State.RECORDED]
    records: dict[object, Administration] = {}
    if recorded_ids:
        for admin in Administration.objects.filter(
            due_dose_id__in=recorded_ids, status=Administration.Status.COMPLETED
        ).select_related("recorded_by"):
            records[admin.due_dose_id] = admin
    today_doses = [build_round_dose(d, records.get(d.pk), now) for d in due]

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
                queryset=PromptAnswer.objects.exclude(result=PromptResult.CONFIRMED).order_by("position"),
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
        needs_follow_up = (
            is_prn
            and admin.status == Administration.Status.COMPLETED
            and admin.outcome in TAKEN_OUTCOMES
            and not hasattr(admin, "follow_up")
            and admin.administered_at >= now - FOLLOW_UP_LOOKBACK
        )
        follow_up_due = needs_follow_up and admin.administered_at <= now - FOLLOW_UP_AFTER
        if follow_up_due:
            follow_ups_due.append(admin)
        elif needs_follow_up:
            follow_ups_soon.append((admin, admin.administered_at + FOLLOW_UP_AFTER))
        corrections = getattr(admin, "corrections", [])
        recent.append(
            RecordRow(
                administration=admin,
                exceptions=list(getattr(admin, "prompt_exceptions", [])),
                can_correct=can_correct(user, admin),
                corrected_by=corrections[-1] if corrections else None,
                is_prn=is_prn,
                follow_up_due=follow_up_due,
            )
        )

    prn = [rx for rx in prescriptions if rx.is_prn and rx.status == PrescriptionStatus.ACTIVE]
    history: dict[int, list[tuple[dt.datetime, Decimal | None]]] = defaultdict(list)
    if prn:
        for medicine_id, at, given in Administration.objects.filter(
            person=person,
            prescription__medicine_id__in={rx.medicine_id for rx in prn},
            status=Administration.Status.COMPLETED,
            outcome__in=TAKEN_OUTCOMES,
            administered_at__gte=now - PRN_HISTORY,
        ).values_list("prescription__medicine_id", "administered_at", "dose_given"):
            history[medicine_id].append((at, given))
    offers = [_prn_offer(rx, history[rx.medicine_id], now) for rx in prn]

    return PersonPage(
        person=person,
        age=person.age_on(today),
        nhs_number=nhs_number_display(person.nhs_number),
        allergies=allergies,
        prescriptions=rows,
        today=today,
        today_doses=today_doses,
        recent=recent,
        prn_offers=offers,
        follow_ups_due=sorted(follow_ups_due, key=lambda a: a.administered_at),
        follow_ups_soon=sorted(follow_ups_soon, key=lambda pair: pair[1]),
    )


# --- The recording pages -------------------------------------------------------------------


def last_dose_of(*, person: Person, medicine_id: int) -> Administration | None:
    """The last time this person took this medicine (any prescription of it), with who gave it."""
    return (
        Administration.objects.filter(
            person=person,
            prescription__medicine_id=medicine_id,
            status=Administration.Status.COMPLETED,
            outcome__in=TAKEN_OUTCOMES,
        )
        .select_related("recorded_by")
        .order_by("-administered_at")
        .first()
    )


def effective_record_for(due_dose: DueDose) -> Administration | None:
    """The record that stands for a due dose (not the ones entered in error)."""
    return (
        Administration.objects.filter(due_dose=due_dose, status=Administration.Status.COMPLETED)
        .select_related("recorded_by", "witness")
        .first()
    )


def prn_offer_for(*, prescription: Prescription, now: dt.datetime | None = None) -> PrnOffer:
    """Whether a PRN dose may be given now, and when the next one may (for the give page)."""
    now = now or clock.now()
    history = list(
        Administration.objects.filter(
            person_id=prescription.person_id,
            prescription__medicine_id=prescription.medicine_id,
            status=Administration.Status.COMPLETED,
            outcome__in=TAKEN_OUTCOMES,
            administered_at__gte=now - PRN_HISTORY,
        ).values_list("administered_at", "dose_given")
    )
    return _prn_offer(prescription, history, now)
