"""Does this medicine match any of the person's recorded allergies? Pure: plain facts in, findings out.

A medicine is what it contains (its ingredients, each a substance in allergen classes). A person's allergy
names a substance or a class from the reference table where it can, and always an allergen in words. The
findings, strongest first for each allergy:

1. **By substance**: the medicine contains the substance the person is allergic to (co-amoxiclav contains
   amoxicillin).
2. **By class**: the medicine contains a member of the class the person is allergic to (amoxicillin is a
   penicillin); or a member of a class where an allergy to one member is an allergy to all, like the
   substance recorded (flucloxacillin, like amoxicillin, is a penicillin).
3. **Caution**: another member of a class where that is not so (oxycodone, like morphine, is an opioid), or a
   class that cross-reacts (a cephalosporin for a person allergic to penicillins). A caution is to confirm
   with the prescriber, not a hard match: worded so, and it still needs a senior's decision before a dose.
4. **By name**: an allergy written only in words (the table lacked it) is compared, case-insensitively, with
   the medicine's name, its ingredients' names and their classes' names, and the finding says it matched by
   name only.

An **intolerance** (nausea with codeine) is not an allergy: a match is shown, worded as an intolerance, and
needs no decision. Every other finding holds the prescription's doses until a senior decides (ADR 0022).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from carebook.core.errors import DomainError
from carebook.core.text import and_list
from carebook.core.vocab import Vocabulary
from carebook.people.vocab import AllergyKind


class FindingKind(Vocabulary):
    ALLERGY = "allergy", "Allergy"
    CAUTION = "caution", "Caution: possible cross-sensitivity"
    INTOLERANCE = "intolerance", "Intolerance (not an allergy)"


class MatchedBy(Vocabulary):
    SUBSTANCE = "substance", "The medicine contains the substance"
    CLASS = "class", "The medicine is in the class"
    CROSS_SENSITIVITY = "cross_sensitivity", "A class that can cross-react"
    NAME = "name", "By name only (the allergy is not coded)"


class AllergyDecisionNeeded(DomainError):
    """A taken dose of a prescription whose allergy finding no senior has decided on yet."""

    code = "allergy_decision_needed"
    status = 422


@dataclass(frozen=True)
class ClassFact:
    code: str
    name: str
    whole_class: bool = True
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class SubstanceFact:
    code: str
    name: str
    classes: tuple[ClassFact, ...] = ()
    terms: tuple[str, ...] = ()


@dataclass(frozen=True)
class CrossSensitivityFact:
    allergy_class: str  # a class code
    caution_class: str
    note: str


@dataclass(frozen=True)
class AllergyFact:
    """One current allergy (or intolerance) of the person, as the rules read it."""

    id: int
    name: str  # the allergen in words, as recorded
    kind: str  # AllergyKind
    severity: str  # "mild" | "moderate" | "severe"
    reaction: str = ""
    substance: SubstanceFact | None = None  # coded to a substance, or
    allergen_class: ClassFact | None = None  # coded to a class, or neither (free text)

    @property
    def coded(self) -> bool:
        return self.substance is not None or self.allergen_class is not None

    @property
    def described(self) -> str:
        """'Penicillins (allergy, severe: anaphylaxis)'."""
        kind = "intolerance" if self.kind == AllergyKind.INTOLERANCE else "allergy"
        detail = f"{kind}, {self.severity}" + (f": {self.reaction}" if self.reaction else "")
        return f"{self.name} ({detail})"


@dataclass(frozen=True)
class AllergyFinding:
    allergy_id: int
    allergy: str  # the allergen in words
    kind: str  # FindingKind
    matched_by: str  # MatchedBy
    matched: str  # what matched: the ingredient or the class, in words
    severity: str
    reaction: str
    text: str  # the whole finding in one sentence or two

    @property
    def needs_decision(self) -> bool:
        """An allergy or a caution holds the doses until a senior decides; an intolerance is shown only."""
        return self.kind != FindingKind.INTOLERANCE

    @property
    def headline(self) -> str:
        if self.kind == FindingKind.ALLERGY:
            return f"Allergy: {self.allergy} ({self.severity})"
        if self.kind == FindingKind.CAUTION:
            return f"Caution: {self.allergy} ({self.severity})"
        return f"Intolerance: {self.allergy} ({self.severity})"


_STRENGTH = {MatchedBy.SUBSTANCE: 0, MatchedBy.CLASS: 1, MatchedBy.CROSS_SENSITIVITY: 2, MatchedBy.NAME: 3}


def _words(text: str) -> str:
    return " " + re.sub(r"[^a-z0-9]+", " ", text.lower()).strip() + " "


def _mentions(text: str, term: str) -> bool:
    """Whether ``term`` appears in ``text`` as whole words, case- and punctuation-insensitively."""
    needle = _words(term)
    return needle.strip() != "" and needle in _words(text)


def _a(name: str) -> str:
    """'a penicillin', 'an opioid', from a class's name ('Penicillins', 'Opioids')."""
    singular = name.split(" (")[0]
    singular = singular[:-1] if singular.endswith("s") and not singular.endswith("ss") else singular
    first = singular.split(" ")[0]
    acronym = first[:2].isupper()
    lowered = singular if acronym else singular[:1].lower() + singular[1:]
    # "an NSAID", "an SSRI", "an ACE inhibitor": an acronym is said letter by letter.
    article = "an" if lowered[:1].lower() in ("aefhilmnorsx" if acronym else "aeiou") else "a"
    return f"{article} {lowered}"


def _lower(name: str) -> str:
    """A name inside a sentence: 'amoxicillin', 'codeine (as codeine phosphate)'; an acronym keeps its capitals."""
    first = name.split(" ")[0]
    return name if first[:2].isupper() else name[:1].lower() + name[1:]


def _by_substance(allergy: AllergyFact, ingredients: Sequence[SubstanceFact]) -> tuple[str, str, str] | None:
    """(kind, matched_by, matched) for a substance-coded allergy."""
    assert allergy.substance is not None
    coded = allergy.substance
    for ingredient in ingredients:
        if ingredient.code == coded.code:
            return FindingKind.ALLERGY, MatchedBy.SUBSTANCE, _lower(ingredient.name)
    for ingredient in ingredients:
        shared = [c for c in ingredient.classes if c.code in {k.code for k in coded.classes}]
        whole = [c for c in shared if c.whole_class]
        if whole:
            matched = f"{_lower(ingredient.name)}, {_a(whole[0].name)} like {_lower(coded.name)}"
            return FindingKind.ALLERGY, MatchedBy.CLASS, matched
        if shared:
            matched = f"{_lower(ingredient.name)}, {_a(shared[0].name)} like {_lower(coded.name)}"
            return FindingKind.CAUTION, MatchedBy.CLASS, matched
    return None


def _by_class(allergy_classes: Iterable[ClassFact], ingredients: Sequence[SubstanceFact]) -> tuple[str, str] | None:
    codes = {c.code for c in allergy_classes}
    for ingredient in ingredients:
        for cls in ingredient.classes:
            if cls.code in codes:
                return MatchedBy.CLASS, f"{_lower(ingredient.name)}, {_a(cls.name)}"
    return None


def _by_cross(
    allergy_classes: Iterable[ClassFact],
    ingredients: Sequence[SubstanceFact],
    cross: Mapping[str, Sequence[CrossSensitivityFact]],
) -> tuple[str, str] | None:
    for cls in allergy_classes:
        for relation in cross.get(cls.code, ()):
            for ingredient in ingredients:
                for other in ingredient.classes:
                    if other.code == relation.caution_class:
                        return f"{_lower(ingredient.name)}, {_a(other.name)}", relation.note
    return None


def _by_name(allergy: AllergyFact, medicine: str, product: str, ingredients: Sequence[SubstanceFact]) -> str | None:
    """What a free-text allergy's words match, or None: an ingredient's names, its classes' names, or the
    medicine's own name (in the allergy's words, or the allergy's words in the medicine's)."""
    for ingredient in ingredients:
        for term in (ingredient.name, ingredient.code.replace("_", " "), *ingredient.terms):
            if _mentions(allergy.name, term):
                return _lower(ingredient.name)
        for cls in ingredient.classes:
            for term in (cls.name, *cls.terms):
                if _mentions(allergy.name, term):
                    return f"{_lower(ingredient.name)}, {_a(cls.name)}"
    if _mentions(medicine, allergy.name) or (product and _mentions(allergy.name, product)):
        return medicine
    return None


def finding_for(
    allergy: AllergyFact,
    *,
    medicine: str,
    ingredients: Sequence[SubstanceFact],
    cross: Mapping[str, Sequence[CrossSensitivityFact]] | None = None,
    product: str = "",
) -> AllergyFinding | None:
    """The strongest finding of one allergy against one medicine, or None. ``medicine``: the medicine in words
    (name, strength, form); ``product``: its name alone ("Co-amoxiclav"), for an allergy written in words."""
    cross = cross or {}
    kind: str | None = None
    matched_by = matched = note = ""
    if allergy.substance is not None:
        found = _by_substance(allergy, ingredients)
        if found is not None:
            kind, matched_by, matched = found
        else:
            crossing = _by_cross(allergy.substance.classes, ingredients, cross)
            if crossing is not None:
                kind, matched_by, (matched, note) = FindingKind.CAUTION, MatchedBy.CROSS_SENSITIVITY, crossing
    elif allergy.allergen_class is not None:
        by_class = _by_class((allergy.allergen_class,), ingredients)
        if by_class is not None:
            kind, (matched_by, matched) = FindingKind.ALLERGY, by_class
        else:
            crossing = _by_cross((allergy.allergen_class,), ingredients, cross)
            if crossing is not None:
                kind, matched_by, (matched, note) = FindingKind.CAUTION, MatchedBy.CROSS_SENSITIVITY, crossing
    else:
        by_name = _by_name(allergy, medicine, product, ingredients)
        if by_name is not None:
            kind, matched_by, matched = FindingKind.ALLERGY, MatchedBy.NAME, by_name
    if kind is None:
        return None
    if allergy.kind == AllergyKind.INTOLERANCE:
        if kind == FindingKind.CAUTION:
            return None  # cross-sensitivity is an allergic idea: an intolerance does not carry to another class
        kind = FindingKind.INTOLERANCE
    return AllergyFinding(
        allergy_id=allergy.id,
        allergy=allergy.name,
        kind=kind,
        matched_by=matched_by,
        matched=matched,
        severity=allergy.severity,
        reaction=allergy.reaction,
        text=_text(allergy, kind=kind, matched_by=matched_by, matched=matched, medicine=medicine, note=note),
    )


def _text(allergy: AllergyFact, *, kind: str, matched_by: str, matched: str, medicine: str, note: str) -> str:
    recorded = f"Recorded: {allergy.described}."
    if kind == FindingKind.INTOLERANCE:
        return (
            f"{medicine} contains {matched}. {recorded} An intolerance is not an allergy: give as prescribed, "
            "and watch for the reaction recorded."
        )
    if matched_by == MatchedBy.NAME:
        what = medicine if matched == medicine else f"{medicine} ({matched})"
        return (
            f"The allergy to “{allergy.name}” is written in words, not coded: Carebook matched it by name only, to "
            f"{what}. {recorded}"
        )
    if kind == FindingKind.CAUTION:
        because = f" {note}" if note else ""
        return f"{medicine} contains {matched}. {recorded}{because} Confirm with the prescriber before giving it."
    return f"{medicine} contains {matched}. {recorded}"


def allergy_findings(
    allergies: Sequence[AllergyFact],
    *,
    medicine: str,
    ingredients: Sequence[SubstanceFact],
    cross: Mapping[str, Sequence[CrossSensitivityFact]] | None = None,
    product: str = "",
) -> tuple[AllergyFinding, ...]:
    """Every finding of this medicine against the person's current allergies: allergies first, then cautions,
    then intolerances; at most one per allergy."""
    findings = [
        f
        for f in (
            finding_for(a, medicine=medicine, ingredients=ingredients, cross=cross, product=product) for a in allergies
        )
        if f is not None
    ]
    order = {FindingKind.ALLERGY: 0, FindingKind.CAUTION: 1, FindingKind.INTOLERANCE: 2}
    return tuple(sorted(findings, key=lambda f: (order[FindingKind(f.kind)], _STRENGTH[MatchedBy(f.matched_by)])))


def undecided(findings: Sequence[AllergyFinding], decided: Iterable[int]) -> tuple[AllergyFinding, ...]:
    """The findings that hold the doses: those needing a decision that no senior has made for this prescription."""
    done = set(decided)
    return tuple(f for f in findings if f.needs_decision and f.allergy_id not in done)


def decision_needed(held: Sequence[AllergyFinding]) -> AllergyDecisionNeeded:
    """The refusal of a taken dose while findings are undecided: names the allergy, what matched, the severity."""
    first = held[0]
    others = len(held) - 1
    more = f" There {'is 1 more finding' if others == 1 else f'are {others} more findings'}." if others else ""
    return AllergyDecisionNeeded(
        f"Do not give: {first.text}{more} A senior must confirm, with a reason, that it is safe to go on before "
        "any dose is given. You can still record that it was not given.",
        field="prescription",
        allergies=[f.allergy for f in held],
        findings=[f.text for f in held],
    )


def no_match_text(allergies: Sequence[AllergyFact], medicine: str) -> str:
    """What the recording page says when nothing matched, honest about allergies only written in words."""
    uncoded = [a.name for a in allergies if not a.coded]
    if not allergies:
        return ""
    text = f"Carebook found no match between {medicine} and the allergies recorded."
    if uncoded:
        text += f" {and_list(uncoded)} {'is' if len(uncoded) == 1 else 'are'} written in words only: compared by name."
    return text
