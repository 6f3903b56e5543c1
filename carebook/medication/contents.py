"""What a medicine contains, and what that means for a person: the facts of the allergy and ingredient rules.

From rows to the plain facts ``rules.allergies`` and ``rules.ingredients`` read, in a fixed number of queries
whatever the number of prescriptions: one for the medicines' contents (ingredients, their classes and 24-hour
maxima), one for the people's current allergies, one for the cross-sensitivities of their allergies' classes,
one for the seniors' decisions, one for the doses of medicines sharing a capped ingredient. Each is skipped
when it cannot matter (nobody has an allergy; no medicine has a capped ingredient).

The recording service asks first, inside its lock query, whether either can matter (``RECORD_GATES``: two
EXISTS subqueries, no extra statement), so a dose of a medicine without a capped ingredient, for a person
without allergies, costs nothing more to record.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.db.models import Exists, OuterRef

from carebook.core.clock import to_local
from carebook.medication import rules
from carebook.medication.facts import dosing_instructions, with_instructions
from carebook.medication.models import Administration, AllergyDecision, Medicine, MedicineIngredient, Prescription
from carebook.medication.rules.allergies import (
    AllergyFact,
    AllergyFinding,
    ClassFact,
    CrossSensitivityFact,
    SubstanceFact,
)
from carebook.medication.rules.ingredients import CappedContent, IngredientDose, IngredientLimit, SharedIngredient
from carebook.people.models import Allergy
from carebook.people.vocab import AllergyRecordStatus
from carebook.substances.models import CrossSensitivity

OPEN_STATUSES = ("active", "suspended")


def record_gates(*, person: str, medicine: str) -> dict[str, Any]:
    """Annotations for a lock query: does the person have a current allergy; does the medicine have a capped
    ingredient? ``person`` and ``medicine`` are the paths to their ids from the row locked."""
    return {
        "cb_has_allergy": Exists(Allergy.objects.filter(person_id=OuterRef(person), status=AllergyRecordStatus.ACTIVE)),
        "cb_has_capped": Exists(
            MedicineIngredient.objects.filter(medicine_id=OuterRef(medicine), substance__max_24h_mg__isnull=False)
        ),
        "cb_has_contents": has_contents(medicine),
    }


def dose_record_gates() -> dict[str, Any]:
    """``record_gates`` for the locked read of a due dose (``locks.lock_person_for_due_dose``)."""
    return record_gates(person="person_id", medicine="prescription__medicine_id")


def has_contents(medicine: str) -> Exists:
    """An annotation: does the medicine (at this path) have any ingredient recorded?"""
    return Exists(MedicineIngredient.objects.filter(medicine_id=OuterRef(medicine)))


@dataclass(frozen=True)
class MedicineContents:
    medicine: str  # in words, as the findings say it
    product: str = ""  # its name alone ("Co-amoxiclav"), for allergies written in words
    ingredients: tuple[SubstanceFact, ...] = ()
    capped: tuple[CappedContent, ...] = ()
    listing: tuple[tuple[str, str, Decimal | None], ...] = ()  # (code, name, 24-hour maximum), for shared checks
    amounts: tuple[tuple[str, Decimal | None], ...] = ()  # (code, mg per dose unit or None)

    @property
    def capped_codes(self) -> set[str]:
        return {c.limit.code for c in self.capped}


def medicine_words(name: str, strength: str, form_label: str) -> str:
    return f"{name} {strength}".strip() + f" {form_label.lower()}"


def contents_of(medicines: Iterable[Medicine], *, known_empty: Iterable[int] = ()) -> dict[int, MedicineContents]:
    """Each medicine's contents: one query (ingredients with their substances and classes), none when every
    medicine is ``known_empty`` (a ``has_contents`` annotation said it has no ingredient)."""
    by_id = {m.pk: m for m in medicines}
    empty = set(known_empty)
    wanted = [pk for pk in by_id if pk not in empty]
    rows = (
        []
        if not wanted
        else (
            MedicineIngredient.objects.filter(medicine_id__in=wanted)
            .order_by("medicine_id", "substance__name", "substance__classes__name")
            .values_list(
                "medicine_id",
                "amount_mg",
                "substance__code",
                "substance__name",
                "substance__terms",
                "substance__max_24h_mg",
                "substance__classes__code",
                "substance__classes__name",
                "substance__classes__whole_class",
                "substance__classes__terms",
            )
        )
    )
    grouped: dict[int, dict[str, dict[str, Any]]] = defaultdict(dict)
    for medicine_id, amount, code, name, terms, cap, class_code, class_name, whole, class_terms in rows:
        entry = grouped[medicine_id].setdefault(
            code, {"name": name, "terms": tuple(terms or ()), "cap": cap, "amount": amount, "classes": []}
        )
        if class_code is not None:
            entry["classes"].append(ClassFact(class_code, class_name, bool(whole), tuple(class_terms or ())))
    result: dict[int, MedicineContents] = {}
    for medicine_id, medicine in by_id.items():
        words = medicine_words(medicine.name, medicine.strength, medicine.get_form_display())
        entries = grouped.get(medicine_id, {})
        result[medicine_id] = MedicineContents(
            medicine=words,
            product=medicine.name,
            ingredients=tuple(
                SubstanceFact(code, e["name"], tuple(e["classes"]), e["terms"]) for code, e in entries.items()
            ),
            capped=tuple(
                CappedContent(IngredientLimit(code, e["name"], e["cap"]), e["amount"])
                for code, e in entries.items()
                if e["cap"] is not None and e["amount"] is not None
            ),
            listing=tuple((code, e["name"], e["cap"]) for code, e in entries.items()),
            amounts=tuple((code, e["amount"]) for code, e in entries.items()),
        )
    return result


def allergy_facts_of(person_ids: Iterable[Any]) -> dict[Any, list[AllergyFact]]:
    """The current allergies of these people as the rules read them: one query."""
    return allergies_of(person_ids)[1]


def allergies_of(person_ids: Iterable[Any]) -> tuple[dict[Any, list[Allergy]], dict[Any, list[AllergyFact]]]:
    """The current allergies of these people, as rows for the allergy statement and as facts for the rules: one
    query for both."""
    ids = list(person_ids)
    if not ids:
        return {}, {}
    rows = (
        Allergy.objects.filter(person_id__in=ids, status=AllergyRecordStatus.ACTIVE)
        .order_by("person_id", "substance", "id", "coded_substance__classes__name")
        .values_list(
            "id",
            "person_id",
            "substance",
            "kind",
            "severity",
            "reaction",
            "coded_substance_id",
            "coded_class_id",
            "coded_substance__code",
            "coded_substance__name",
            "coded_substance__terms",
            "coded_substance__classes__code",
            "coded_substance__classes__name",
            "coded_substance__classes__whole_class",
            "coded_class__code",
            "coded_class__name",
            "coded_class__whole_class",
            "coded_class__terms",
        )
    )
    found: dict[int, dict[str, Any]] = {}
    for row in rows:
        (pk, person_id, name, kind, severity, reaction, substance_id, class_id) = row[:8]
        (s_code, s_name, s_terms, sc_code, sc_name, sc_whole, c_code, c_name, c_whole, c_terms) = row[8:]
        entry = found.setdefault(
            pk,
            {
                "person": person_id,
                "args": (pk, name, kind, severity, reaction),
                "row": Allergy(
                    pk=pk,
                    person_id=person_id,
                    substance=name,
                    kind=kind,
                    severity=severity,
                    reaction=reaction,
                    coded_substance_id=substance_id,
                    coded_class_id=class_id,
                    status=AllergyRecordStatus.ACTIVE,
                ),
                "substance": (s_code, s_name, tuple(s_terms or ())) if s_code else None,
                "classes": [],
                "class": ClassFact(c_code, c_name, bool(c_whole), tuple(c_terms or ())) if c_code else None,
            },
        )
        if sc_code is not None:
            entry["classes"].append(ClassFact(sc_code, sc_name, bool(sc_whole)))
    result: dict[Any, list[AllergyFact]] = defaultdict(list)
    rows_by_person: dict[Any, list[Allergy]] = defaultdict(list)
    for entry in found.values():
        rows_by_person[entry["person"]].append(entry["row"])
        pk, name, kind, severity, reaction = entry["args"]
        substance = None
        if entry["substance"] is not None:
            code, s_name, terms = entry["substance"]
            substance = SubstanceFact(code, s_name, tuple(entry["classes"]), terms)
        result[entry["person"]].append(
            AllergyFact(
                id=pk,
                name=name,
                kind=kind,
                severity=str(Allergy.Severity(severity).label).lower(),
                reaction=reaction,
                substance=substance,
                allergen_class=entry["class"],
            )
        )
    return rows_by_person, result


def cross_sensitivities_for(allergies: Iterable[AllergyFact]) -> dict[str, list[CrossSensitivityFact]]:
    """The cross-sensitivities of these allergies' classes: one query, none when no allergy is coded."""
    codes: set[str] = set()
    for allergy in allergies:
        if allergy.allergen_class is not None:
            codes.add(allergy.allergen_class.code)
        if allergy.substance is not None:
            codes.update(c.code for c in allergy.substance.classes)
    if not codes:
        return {}
    result: dict[str, list[CrossSensitivityFact]] = defaultdict(list)
    for allergy_class, caution_class, note in CrossSensitivity.objects.filter(
        allergy_class__code__in=codes
    ).values_list("allergy_class__code", "caution_class__code", "note"):
        result[allergy_class].append(CrossSensitivityFact(allergy_class, caution_class, note))
    return result


def decisions_of(prescription_ids: Iterable[Any]) -> dict[Any, dict[int, AllergyDecision]]:
    """The seniors' allergy decisions of these prescriptions, by allergy: one query."""
    ids = list(prescription_ids)
    result: dict[Any, dict[int, AllergyDecision]] = defaultdict(dict)
    if ids:
        for decision in AllergyDecision.objects.filter(prescription_id__in=ids).select_related("decided_by"):
            result[decision.prescription_id][decision.allergy_id] = decision
    return result


def ingredient_doses(
    *, person_ids: Iterable[Any], codes: Iterable[str], start: dt.datetime, end: dt.datetime
) -> dict[Any, list[IngredientDose]]:
    """The doses these people took between ``start`` and ``end`` of every medicine containing one of these
    capped ingredients, as amounts of each: one query. A dose recorded without an amount counts as the least
    its prescription allows."""
    ids, wanted = list(person_ids), list(codes)
    result: dict[Any, list[IngredientDose]] = defaultdict(list)
    if not ids or not wanted:
        return result
    rows = (
        Administration.objects.taken()
        .filter(
            person_id__in=ids,
            administered_at__gt=start,
            administered_at__lt=end,
            prescription__medicine__ingredients__substance__code__in=wanted,
        )
        .values_list(
            "person_id",
            "administered_at",
            "dose_given",
            "prescription__dose_min",
            "prescription__medicine__ingredients__substance__code",
            "prescription__medicine__ingredients__amount_mg",
            "prescription__medicine__name",
            "prescription__medicine__strength",
            "prescription__medicine__form",
        )
        .order_by("administered_at")
    )
    forms = dict(Medicine.Form.choices)
    for person_id, at, given, least, code, per_unit, name, strength, form in rows:
        if per_unit is None:
            continue
        result[person_id].append(
            IngredientDose(
                at=at,
                code=code,
                mg=per_unit * (given if given is not None else least),
                medicine=medicine_words(name, strength, forms.get(form, form)),
            )
        )
    return result


# --- Pages: every prescription's findings, decisions and shared ingredients at once ------------------------------


@dataclass
class PrescriptionSafety:
    """What the allergy and ingredient rules say of one prescription, for a page or the API."""

    findings: tuple[AllergyFinding, ...] = ()
    decisions: dict[int, AllergyDecision] = field(default_factory=dict)
    held: tuple[AllergyFinding, ...] = ()  # findings that need a decision nobody has made yet
    capped: tuple[CappedContent, ...] = ()
    shared: list[SharedIngredient] = field(default_factory=list)
    no_match: str = ""  # what to say when nothing matched (honest about free-text allergies)

    def decision_for(self, finding: AllergyFinding) -> AllergyDecision | None:
        return self.decisions.get(finding.allergy_id)

    @property
    def rows(self) -> list[FindingRow]:
        """Each finding with the senior's decision on it, if any (for the allergy include)."""
        return [FindingRow(f, self.decisions.get(f.allergy_id)) for f in self.findings]

    @property
    def decision_needed(self) -> bool:
        return bool(self.held)


@dataclass(frozen=True)
class FindingRow:
    finding: AllergyFinding
    decision: AllergyDecision | None


def safety_of(
    prescriptions: Sequence[Prescription],
    *,
    current: Sequence[Prescription] | None = None,
    allergies: dict[Any, list[AllergyFact]] | None = None,
    contents: dict[int, MedicineContents] | None = None,
    known_empty: Iterable[int] = (),
) -> dict[Any, PrescriptionSafety]:
    """Each prescription's safety facts (medicine joined). ``current``: the people's current prescriptions to
    compare ingredients with (none: no shared-ingredient check). ``allergies`` and ``contents`` may be passed
    when the caller has them already."""
    if not prescriptions:
        return {}
    others = list(current or ())
    person_ids = {rx.person_id for rx in prescriptions}
    if allergies is None:
        allergies = allergy_facts_of(person_ids)
    medicines = {rx.medicine_id: rx.medicine for rx in [*prescriptions, *others]}
    if contents is None:
        contents = contents_of(medicines.values(), known_empty=known_empty)
    everyone = [a for person in person_ids for a in allergies.get(person, [])]
    cross = cross_sensitivities_for(everyone)
    findings: dict[Any, tuple[AllergyFinding, ...]] = {}
    for rx in prescriptions:
        found = contents[rx.medicine_id]
        findings[rx.pk] = rules.allergies.allergy_findings(
            allergies.get(rx.person_id, []),
            medicine=found.medicine,
            ingredients=found.ingredients,
            cross=cross,
            product=found.product,
        )
    decisions = decisions_of([pk for pk, found in findings.items() if any(f.needs_decision for f in found)])
    result: dict[Any, PrescriptionSafety] = {}
    for rx in prescriptions:
        found = contents[rx.medicine_id]
        decided = decisions.get(rx.pk, {})
        mine = findings[rx.pk]
        shared: list[SharedIngredient] = []
        if others:
            shared = rules.ingredients.shared_ingredients(
                medicine=found.medicine,
                ingredients=found.listing,
                others=[
                    (str(o.pk), contents[o.medicine_id].medicine, contents[o.medicine_id].listing)
                    for o in others
                    if o.person_id == rx.person_id and o.pk != rx.pk and o.pk != rx.supersedes_id
                ],
            )
        result[rx.pk] = PrescriptionSafety(
            findings=mine,
            decisions=dict(decided),
            held=rules.allergies.undecided(mine, decided),
            capped=found.capped,
            shared=shared,
            no_match="" if mine else rules.allergies.no_match_text(allergies.get(rx.person_id, []), found.medicine),
        )
    return result


def current_prescriptions_of(person_ids: Iterable[Any]) -> list[Prescription]:
    """The people's current (active or suspended) prescriptions, medicine joined: one query."""
    return list(
        Prescription.objects.filter(person_id__in=list(person_ids), status__in=OPEN_STATUSES).select_related("medicine")
    )


# --- The recording service: only what can matter, inside its transaction -------------------------------------------


@dataclass(frozen=True)
class RecordSafety:
    allergy_hold: tuple[AllergyFinding, ...] = ()
    capped: tuple[CappedContent, ...] = ()
    ingredient_history: tuple[IngredientDose, ...] = ()

    def apply(self, facts: rules.PrescriptionFacts) -> rules.PrescriptionFacts:
        if not (self.allergy_hold or self.capped):
            return facts
        return replace(facts, allergy_hold=self.allergy_hold, capped=self.capped)


def record_safety(
    rx: Prescription, *, when: dt.datetime, has_allergy: bool, has_capped: bool, has_contents: bool = True
) -> RecordSafety:
    """The allergy findings that hold this prescription and the doses its capped ingredients count, for a taken
    dose at ``when``. Nothing to read (no query) when the lock query's gates say neither can matter."""
    if not (has_allergy or has_capped):
        return RecordSafety()
    contents = contents_of([rx.medicine], known_empty=[] if has_contents else [rx.medicine_id])[rx.medicine_id]
    held: tuple[AllergyFinding, ...] = ()
    if has_allergy:
        allergies = allergy_facts_of([rx.person_id]).get(rx.person_id, [])
        findings = rules.allergies.allergy_findings(
            allergies,
            medicine=contents.medicine,
            ingredients=contents.ingredients,
            cross=cross_sensitivities_for(allergies),
            product=contents.product,
        )
        if any(f.needs_decision for f in findings):
            decided = AllergyDecision.objects.filter(prescription_id=rx.pk).values_list("allergy_id", flat=True)
            held = rules.allergies.undecided(findings, decided)
    history: list[IngredientDose] = []
    if contents.capped:
        history = ingredient_doses(
            person_ids=[rx.person_id],
            codes=contents.capped_codes,
            start=when - rules.ingredients.INGREDIENT_HISTORY,
            end=when + rules.ingredients.INGREDIENT_HISTORY,
        ).get(rx.person_id, [])
    return RecordSafety(allergy_hold=held, capped=contents.capped, ingredient_history=tuple(history))


# --- The round and the person's page: "can this be offered now?" by the same rules ---------------------------------


@dataclass
class OfferFacts:
    """For each prescription on a page: its facts with the allergy hold and capped ingredients applied, and each
    person's doses of capped ingredients around now."""

    safety: dict[Any, PrescriptionSafety] = field(default_factory=dict)
    history: dict[Any, list[IngredientDose]] = field(default_factory=dict)
    # The clinic's dosing instructions of the prescriptions dosed by them (warfarin, ADR 0037).
    instructions: dict[Any, tuple[rules.dosing.InstructionFacts, ...]] = field(default_factory=dict)

    def facts(self, rx: Prescription, plain: rules.PrescriptionFacts) -> rules.PrescriptionFacts:
        plain = with_instructions(plain, self.instructions, rx.pk)
        found = self.safety.get(rx.pk)
        if found is None or not (found.held or found.capped):
            return plain
        return replace(plain, allergy_hold=found.held, capped=found.capped)

    def day_dose(self, rx: Prescription, day: dt.date) -> Decimal | None:
        """Its dose on ``day`` from the clinic's instruction in force (None: not dosed by instructions, or none)."""
        if not rx.dose_from_instructions:
            return None
        return rules.dosing.day_dose(self.instructions.get(rx.pk, ()), day)

    def next_inr_date(self, rx: Prescription) -> dt.date | None:
        return rules.dosing.next_inr_date(self.instructions.get(rx.pk, ()))

    def doses_of(self, person_id: Any) -> list[IngredientDose]:
        return self.history.get(person_id, [])


def offer_facts(
    prescriptions: Sequence[Prescription],
    *,
    now: dt.datetime,
    allergies: dict[Any, list[AllergyFact]],
    known_empty: Iterable[int] = (),
) -> OfferFacts:
    """The allergy holds and ingredient doses that decide what may be offered now, in a fixed number of queries:
    none when nobody has an allergy and no medicine has an ingredient recorded."""
    unique = list({rx.pk: rx for rx in prescriptions}.values())
    empty = set(known_empty)
    instructions = dosing_instructions(unique, today=to_local(now).date())
    if not unique or (not any(allergies.values()) and all(rx.medicine_id in empty for rx in unique)):
        return OfferFacts(instructions=instructions)
    safety = safety_of(unique, allergies=allergies, known_empty=empty)
    codes = {c.limit.code for found in safety.values() for c in found.capped}
    history: dict[Any, list[IngredientDose]] = {}
    if codes:
        history = ingredient_doses(
            person_ids={rx.person_id for rx in unique},
            codes=codes,
            start=now - rules.ingredients.INGREDIENT_HISTORY,
            end=now + rules.ingredients.INGREDIENT_HISTORY,
        )
    return OfferFacts(safety=safety, history=history, instructions=instructions)
