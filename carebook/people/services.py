"""Recording a person's allergies: the status ("no known allergies"), an allergy or intolerance, a correction.

Seniors only (``Action.RECORD_ALLERGIES``). Each write is one transaction: lock the person's row (the unit of
serialisation of a person's clinical record, as in ``medication/locks.py``: a dose being checked against the
allergies and an allergy being recorded never interleave), check, write, audit. Nothing is edited or deleted:
a wrong allergy is marked entered in error or refuted, with who, when and why, and stays visible (ADR 0022).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q

from carebook.access.models import User
from carebook.access.policy import Action, require
from carebook.access.scopes import scope_for
from carebook.audit_log.services import record_event, snapshot
from carebook.core import clock
from carebook.core.errors import Conflict, NotFound, ValidationFailed
from carebook.core.limits import SHORT_TEXT_MAX, TEXT_MAX
from carebook.people.audit import PeopleAudit
from carebook.people.locks import lock_person_in_scope
from carebook.people.models import Allergy, AllergyCorrection, AllergyStatus, AllergyStatusRecord, Person
from carebook.people.vocab import AllergyCorrectionKind, AllergyKind, AllergyRecordStatus
from carebook.substances.models import AllergenClass, Substance


def _lock_person(person: Person, by: User) -> Person:
    """Lock the person's row (in the caller's scope: out of scope is missing) and return it fresh."""
    return lock_person_in_scope(person.pk, scope=scope_for(by).q("location"))


def _text(value: str, *, field: str, label: str, limit: int, required: bool = False) -> str:
    text = (value or "").strip()
    if "\x00" in text:
        raise ValidationFailed(f"{label} cannot contain a NUL character.", field=field)
    if required and not text:
        raise ValidationFailed(f"Enter {label.lower()}.", field=field)
    if len(text) > limit:
        raise ValidationFailed(f"{label} must be {limit:,} characters or fewer.", field=field)
    return text


def _set_status(person: Person, status: str, *, by: User, note: str, now: dt.datetime) -> AllergyStatusRecord:
    record = AllergyStatusRecord.objects.create(person=person, status=status, note=note, by=by, at=now)
    if person.allergy_status != status:
        person.allergy_status = status
        person.save(update_fields=["allergy_status"])
    return record


@dataclass(frozen=True)
class Allergen:
    """What the allergy names: a substance or a class from the table, or words the table lacks."""

    substance: Substance | None = None
    allergen_class: AllergenClass | None = None
    name: str = ""


def resolve_allergen(*, substance_code: str = "", class_code: str = "", name: str = "") -> Allergen:
    """The allergen chosen or typed. Words that are exactly a table entry's name or one of its terms are coded to
    it (the table's entry, where it can be); anything else stays in words and matches by name only."""
    substance_code = _text(substance_code, field="allergen", label="The substance's code", limit=60)
    class_code = _text(class_code, field="allergen", label="The class's code", limit=60)
    typed = _text(name, field="allergen", label="The allergen", limit=SHORT_TEXT_MAX)
    if sum(bool(v) for v in (substance_code, class_code, typed)) != 1:
        raise ValidationFailed(
            "Choose the allergen from the list, or type it if it is not there (one or the other).", field="allergen"
        )
    if substance_code:
        substance = Substance.objects.filter(code=substance_code).first()
        if substance is None:
            raise ValidationFailed("Choose a substance from the list.", field="allergen")
        return Allergen(substance=substance, name=substance.name)
    if class_code:
        allergen_class = AllergenClass.objects.filter(code=class_code).first()
        if allergen_class is None:
            raise ValidationFailed("Choose a class from the list.", field="allergen")
        return Allergen(allergen_class=allergen_class, name=allergen_class.name)
    lowered = typed.lower()
    for substance in Substance.objects.filter(Q(name__iexact=typed) | Q(code=lowered.replace(" ", "_"))):
        return Allergen(substance=substance, name=substance.name)
    for allergen_class in AllergenClass.objects.filter(name__iexact=typed):
        return Allergen(allergen_class=allergen_class, name=allergen_class.name)
    for substance in Substance.objects.all().only("pk", "name", "terms", "code"):
        if lowered in [t.lower() for t in substance.terms]:
            return Allergen(substance=substance, name=substance.name)
    for allergen_class in AllergenClass.objects.all().only("pk", "name", "terms", "code"):
        if lowered in [t.lower() for t in allergen_class.terms]:
            return Allergen(allergen_class=allergen_class, name=allergen_class.name)
    return Allergen(name=typed)


def allergy_record(
    *,
    person: Person,
    by: User,
    substance_code: str = "",
    class_code: str = "",
    name: str = "",
    reaction: str = "",
    severity: str = Allergy.Severity.MODERATE,
    kind: str = AllergyKind.ALLERGY,
) -> Allergy:
    """Record an allergy or intolerance. The person's status becomes "has allergies"."""
    require(by, Action.RECORD_ALLERGIES)
    if severity not in Allergy.Severity.values:
        raise ValidationFailed("Choose how severe the reaction was: mild, moderate or severe.", field="severity")
    if kind not in AllergyKind.values:
        raise ValidationFailed("Say whether it is an allergy or an intolerance.", field="kind")
    reaction = _text(reaction, field="reaction", label="The reaction", limit=SHORT_TEXT_MAX)
    allergen = resolve_allergen(substance_code=substance_code, class_code=class_code, name=name)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_person(person, by)
        current = Allergy.objects.filter(person=locked, status=AllergyRecordStatus.ACTIVE)
        if allergen.substance is not None:
            same = current.filter(coded_substance=allergen.substance)
        elif allergen.allergen_class is not None:
            same = current.filter(coded_class=allergen.allergen_class)
        else:
            same = current.filter(substance__iexact=allergen.name, coded_substance=None, coded_class=None)
        if same.exists():
            raise Conflict(
                f"{allergen.name} is already recorded for {locked.full_name}. To change it, mark that record "
                "entered in error and record it again.",
                field="allergen",
                code="allergy_already_recorded",
            )
        allergy = Allergy.objects.create(
            person=locked,
            substance=allergen.name,
            coded_substance=allergen.substance,
            coded_class=allergen.allergen_class,
            reaction=reaction,
            severity=severity,
            kind=kind,
            recorded_by=by,
            recorded_at=now,
        )
        before = locked.allergy_status
        if before != AllergyStatus.HAS_ALLERGIES:
            _set_status(locked, AllergyStatus.HAS_ALLERGIES, by=by, note=f"Recorded: {allergen.name}", now=now)
        record_event(
            actor=by,
            action=PeopleAudit.ALLERGY_RECORDED,
            entity=allergy,
            location=locked.location,
            before={"allergy_status": before},
            after={
                **snapshot(allergy),
                "coded_substance": allergen.substance.code if allergen.substance else None,
                "coded_class": allergen.allergen_class.code if allergen.allergen_class else None,
                "allergy_status": locked.allergy_status,
            },
            at=now,
        )
    return allergy


def allergy_status_none_known(*, person: Person, by: User, note: str = "") -> AllergyStatusRecord:
    """Record "no known allergies": explicitly, by a senior, never the default. Refused while allergies are listed."""
    require(by, Action.RECORD_ALLERGIES)
    note = _text(note, field="note", label="The note", limit=TEXT_MAX)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_person(person, by)
        listed = list(
            Allergy.objects.filter(person=locked, status=AllergyRecordStatus.ACTIVE).values_list("substance", flat=True)
        )
        if listed:
            raise Conflict(
                f"{locked.full_name} has allergies recorded ({', '.join(listed)}). If one is wrong, mark it entered "
                "in error or refuted first.",
                field="status",
                code="allergies_listed",
            )
        before = locked.allergy_status
        record = _set_status(locked, AllergyStatus.NO_KNOWN_ALLERGIES, by=by, note=note, now=now)
        record_event(
            actor=by,
            action=PeopleAudit.ALLERGY_STATUS_RECORDED,
            entity=record,
            location=locked.location,
            before={"allergy_status": before},
            after={"allergy_status": AllergyStatus.NO_KNOWN_ALLERGIES, "note": note},
            at=now,
        )
    return record


def allergy_correct(*, allergy: Allergy, by: User, kind: str, reason: str) -> AllergyCorrection:
    """Mark an allergy entered in error (a mistake) or refuted (shown not to be one). The original stays."""
    require(by, Action.RECORD_ALLERGIES)
    if kind not in AllergyCorrectionKind.values:
        raise ValidationFailed("Choose entered in error or refuted.", field="kind")
    reason = _text(reason, field="reason", label="The reason", limit=TEXT_MAX, required=True)
    now = clock.now()
    with transaction.atomic():
        locked = _lock_person(allergy.person, by)
        fresh = Allergy.objects.filter(pk=allergy.pk, person=locked).first()
        if fresh is None:
            raise NotFound("No allergy with that id.")
        if fresh.status != AllergyRecordStatus.ACTIVE:
            raise Conflict(
                f"This allergy record is already marked {AllergyRecordStatus.label_of(fresh.status).lower()}.",
                code="allergy_already_corrected",
            )
        fresh.status = kind
        fresh.save(update_fields=["status"])
        correction = AllergyCorrection.objects.create(allergy=fresh, kind=kind, reason=reason, by=by, at=now)
        record_event(
            actor=by,
            action=PeopleAudit(f"allergy.{kind}"),
            entity=fresh,
            location=locked.location,
            before={"status": AllergyRecordStatus.ACTIVE},
            after={"status": kind, "reason": reason},
            at=now,
        )
    return correction
