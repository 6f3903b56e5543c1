"""Row locks for the medication services, and the one documented lock order.

Clinical rows are locked only here and in ``carebook/people/locks.py`` (the people app's own writes, such as
allergies, sit below medication and take the same first lock: the person's row). A test
(``test_lock_order.py``) refuses a ``select_for_update`` anywhere else.

**The person is the unit of serialisation.** Every service that writes a person's clinical records
(recording a dose, marking one entered in error, a PRN follow-up, entering, changing, checking,
suspending, resuming or stopping a prescription, generating or withdrawing their due doses) first
locks that person's row, and only that row. The rows beneath it (prescriptions, due doses,
administrations) are changed only by services that hold it, so they are read plainly afterwards.

Why the person, and not the due dose or the prescription: the when-required limits and the
ingredient maximum count every dose of a medicine across all of a person's prescriptions, and a
prescription change withdraws due doses that a carer may be recording at that moment. With one lock per
person, the two never meet in opposite orders (the deadlock the December 2026 review reproduced:
recording took due dose → person, a change took prescription → due dose), and two people's doses never
wait for each other, whatever medicine they share (``of=("person",)``: the joined medicine, location and
prescription rows are read, never locked).

The order, for any service that needs more than one lock (none does yet):

1. Person (one per transaction; several only in id order, as the due-dose job does with ``skip_locked``)
2. Stock item (by id), when stock arrives
3. The audit chain head of the location, when the hash chain arrives: always last

A location's own row (``lock_location``) is locked only to change its settings (how it keeps its MAR), in a
transaction that locks nothing else.

SQLite has no row locks: its transactions are ``IMMEDIATE`` (see config/settings.py), so writers are
serialised whole and these calls read without locking.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Iterable, Mapping
from functools import partial
from typing import Any, TypeVar

from django.db.models import Model, Q, QuerySet

from carebook.access.scopes import NO_ONE, PROVIDER, Scope, scope_q
from carebook.core.compiled import CompiledRead
from carebook.core.errors import NotFound
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.organisations.models import Location
from carebook.people.models import Person

M = TypeVar("M", bound=Model)

# What a write never needs of the person: their picture (an image, kilobytes) and the words of their preferences.
PERSON_UNREAD = ("person__picture_svg", "person__medicine_preferences", "person__communication_needs")

RX_JOINS = ("prescription__medicine", "prescription__transcription_check", "person__location")


def lock_person_for_due_dose(
    due_dose_id: uuid.UUID, *, scope: Scope, annotations: Callable[[], Mapping[str, Any]] | None = None
) -> DueDose:
    """Lock the person of a due dose; return the dose with its prescription, medicine, check and person read.

    ``scope`` limits the read to the caller's locations: out of scope is missing. ``annotations`` (a module-level
    function, such as ``contents.dose_record_gates``) are read in the same statement.

    The hottest statement of the product (every dose recorded): compiled once per database (``core.compiled``,
    ADR 0016), since building and compiling it cost more CPU than PostgreSQL spends running it.
    """
    kind, subject = scope.subject
    if kind == NO_ONE:
        raise NotFound(NO_DUE_DOSE)
    read = _DOSE_READS.get((kind, annotations))
    if read is None:
        read = _DOSE_READS.setdefault(
            (kind, annotations),
            CompiledRead(
                partial(_due_dose_rows, kind=kind, annotations=annotations),
                dose=uuid.UUID,
                subject=uuid.UUID if kind == PROVIDER else int,
            ),
        )
    found = read(dose=due_dose_id, subject=subject)
    if not found:
        raise NotFound(NO_DUE_DOSE)
    return found[0]


NO_DUE_DOSE = "No due dose with that id."
_DOSE_READS: dict[tuple[str, Callable[[], Mapping[str, Any]] | None], CompiledRead[DueDose]] = {}


def _due_dose_rows(
    *, dose: uuid.UUID, subject: Any, kind: str, annotations: Callable[[], Mapping[str, Any]] | None
) -> QuerySet[DueDose]:
    return (
        DueDose.objects.filter(scope_q(kind, subject, "location"), pk=dose)
        .select_related(*RX_JOINS)
        .defer(*PERSON_UNREAD)
        .annotate(**(annotations() if annotations is not None else {}))
        .select_for_update(of=("person",))
        .order_by()
    )


def lock_person_for_prescription(
    prescription_id: Any, *, scope: Q | None = None, annotations: Mapping[str, Any] | None = None
) -> Prescription:
    """Lock the person of a prescription; return it with its medicine, check, person and location read."""
    rows = Prescription.objects.filter(pk=prescription_id)
    if scope is not None:
        rows = rows.filter(scope)
    rows = (
        rows.select_related("medicine", "transcription_check", "person__location")
        .defer(*PERSON_UNREAD)
        .annotate(**(annotations or {}))
        .select_for_update(of=("person",))
    )
    return _one(rows, "No prescription with that id.")


def lock_person_for_administration(administration_id: Any, *, scope: Q) -> Administration:
    """Lock the person of an administration record; return the record with its prescription and person read."""
    rows = (
        Administration.objects.filter(scope, pk=administration_id)
        .select_related("prescription__medicine", "person__location", "recorded_by")
        .select_for_update(of=("person",))
    )
    return _one(rows, "No administration with that id.")


def _one(rows: QuerySet[M], missing: str) -> M:
    """The one row of a primary-key read (no ORDER BY: ``first()`` would sort by the model's ordering)."""
    found = list(rows.order_by())
    if not found:
        raise NotFound(missing)
    return found[0]


def lock_person(person_id: uuid.UUID) -> None:
    """Lock one person's row (for a service that already holds the objects it needs, e.g. a new prescription)."""
    Person.objects.filter(pk=person_id).select_for_update(of=("self",)).values_list("pk").first()


def lock_location(location_id: Any) -> Location:
    """Lock a location's own row, for its settings (how it keeps its MAR, ADR 0039): never a person's, never held
    with one."""
    return Location.objects.select_for_update(of=("self",)).get(pk=location_id)


def lock_people_skip_locked(person_ids: Iterable[uuid.UUID]) -> set[uuid.UUID]:
    """Lock those of these people no other transaction holds, in id order; return their ids.

    For background jobs: a person a service is writing for is skipped and picked up next run.
    """
    rows = (
        Person.objects.filter(pk__in=list(person_ids))
        .order_by("pk")
        .select_for_update(of=("self",), skip_locked=True)
        .values_list("pk", flat=True)
    )
    return set(rows)
