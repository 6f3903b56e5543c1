"""Storing the safety prompts shown before a dose (ADR 0030).

``prompt_showing_open`` is called by the recording pages when they show the prompts; ``showing_link`` by the
recording service, in the record's own transaction. Who and when come from the signed-in user and the server
clock. Showing the page never fails because of it: a showing that cannot be written is logged, and the page goes
on (the record, when saved, writes a showing of its own).
"""

from __future__ import annotations

import datetime as dt
import logging

from django.db import DatabaseError, transaction
from django.db.models import QuerySet

from carebook.access.models import User
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.medication import rules
from carebook.medication.audit import MedicationAudit
from carebook.medication.models import SHOWING_OPEN_FOR, Administration, DueDose, Prescription, PromptShowing
from carebook.people.models import Person

logger = logging.getLogger(__name__)


def _open_showings(
    *, user: User, prescription: Prescription, due_dose: DueDose | None, now: dt.datetime
) -> QuerySet[PromptShowing]:
    rows = PromptShowing.objects.filter(
        user=user, prescription=prescription, administration__isnull=True, shown_at__gte=now - SHOWING_OPEN_FOR
    )
    return rows.filter(due_dose=due_dose) if due_dose is not None else rows.filter(due_dose__isnull=True)


def prompt_showing_open(
    *, user: User, prescription: Prescription, person: Person, due_dose: DueDose | None
) -> PromptShowing | None:
    """Note that the prompts of this dose were shown to ``user`` now: once per walk (a walk not saved within
    ``SHOWING_OPEN_FOR`` is abandoned; the next look starts a new one). Two statements when a walk is open
    (the look-up; none written), four when it starts (the look-up, the showing, its audit event, in a savepoint).
    """
    now = clock.now()
    try:
        with transaction.atomic():
            if _open_showings(user=user, prescription=prescription, due_dose=due_dose, now=now).exists():
                return None
            return _write(
                user=user,
                prescription=prescription,
                person=person,
                due_dose=due_dose,
                now=now,
                source=PromptShowing.Source.PAGE,
            )
    except DatabaseError:
        logger.exception("Could not store the prompts shown for prescription %s", prescription.pk)
        return None


def prompt_showings_open(*, user: User, person: Person, doses: list[DueDose]) -> int:
    """``prompt_showing_open`` for the doses of a pass per person (ADR 0036): one look-up for them all; a showing
    (and its audit event) for each dose whose walk is not already open. Returns how many were written."""
    if not doses:
        return 0
    now = clock.now()
    try:
        with transaction.atomic():
            open_ = set(
                PromptShowing.objects.filter(
                    user=user,
                    due_dose__in=[d.pk for d in doses],
                    administration__isnull=True,
                    shown_at__gte=now - SHOWING_OPEN_FOR,
                ).values_list("due_dose_id", flat=True)
            )
            new = [d for d in doses if d.pk not in open_]
            for dose in new:
                _write(
                    user=user,
                    prescription=dose.prescription,
                    person=person,
                    due_dose=dose,
                    now=now,
                    source=PromptShowing.Source.PAGE,
                )
            return len(new)
    except DatabaseError:
        logger.exception("Could not store the prompts shown for %s's pass", person.pk)
        return 0


def _write(
    *,
    user: User,
    prescription: Prescription,
    person: Person,
    due_dose: DueDose | None,
    now: dt.datetime,
    source: str,
    administration: Administration | None = None,
) -> PromptShowing:
    prompts = rules.prompts_for(prescription.effective_check)
    showing = PromptShowing.objects.create(
        user=user,
        location_id=person.location_id,
        unit_id=person.unit_id,
        person=person,
        prescription=prescription,
        due_dose=due_dose,
        prompts=",".join(prompts),
        prompt_count=len(prompts),
        shown_at=now,
        source=source,
        administration=administration,
    )
    if administration is None:  # written with a record, the record's own audit event names it
        record_event(
            actor=user,
            action=MedicationAudit.PROMPTS_SHOWN,
            entity=showing,
            location=person.location_id,
            after={
                "prescription": str(prescription.pk),
                "due_dose": str(due_dose.pk) if due_dose else None,
                "prompts": list(prompts),
                "shown_at": now,
            },
            at=now,
        )
    return showing


def showing_link(administration: Administration, *, from_page: bool) -> None:
    """Link the record to the walk it was made from: the recorder's open showing of this dose (from a page), or
    a showing written now (through the API, or a page whose showing was not stored). One statement, or two.

    Called inside the recording transaction: the link and the record stand or fall together.
    """
    a = administration
    if from_page:
        latest = _open_showings(
            user=a.recorded_by, prescription=a.prescription, due_dose=a.due_dose, now=a.recorded_at
        ).order_by("-shown_at")
        if PromptShowing.objects.filter(pk__in=latest.values("pk")[:1]).update(administration=a):
            return
    _write(
        user=a.recorded_by,
        prescription=a.prescription,
        person=a.person,
        due_dose=a.due_dose,
        now=a.recorded_at,
        source=PromptShowing.Source.RECORDED,
        administration=a,
    )
