"""The allergy rules, pure: does a medicine match a person's recorded allergy, by substance, class or name?

Facts come from the curated tables (carebook/substances/data.py, carebook/demo/medicines.py) without a database,
so each case reads as a pharmacist would say it: "a penicillin allergy covers co-amoxiclav".
"""

from __future__ import annotations

import pytest

from carebook.demo.medicines import BY_KEY, class_fact, cross_sensitivity_facts, ingredient_facts, substance_fact
from carebook.medication.rules.allergies import (
    AllergyDecisionNeeded,
    AllergyFact,
    FindingKind,
    MatchedBy,
    allergy_findings,
    decision_needed,
    no_match_text,
    undecided,
)

CROSS = cross_sensitivity_facts()


def allergy(
    name: str = "",
    *,
    substance: str = "",
    allergen_class: str = "",
    kind: str = "allergy",
    severity: str = "severe",
    reaction: str = "anaphylaxis",
    id: int = 1,
) -> AllergyFact:
    return AllergyFact(
        id=id,
        name=name or (substance or allergen_class).replace("_", " ").capitalize(),
        kind=kind,
        severity=severity,
        reaction=reaction,
        substance=substance_fact(substance) if substance else None,
        allergen_class=class_fact(allergen_class) if allergen_class else None,
    )


def findings(person_allergy: AllergyFact, medicine_key: str):
    entry = BY_KEY[medicine_key]
    return allergy_findings(
        [person_allergy], medicine=f"{entry.name} {entry.strength}", ingredients=ingredient_facts(entry), cross=CROSS
    )


# (the allergy recorded, the medicine, what Carebook must find: None, or (kind, matched_by))
CASES = [
    # Penicillins: every penicillin, including co-amoxiclav; a cephalosporin is a caution, not a match.
    ("penicillins class", dict(allergen_class="penicillins"), "amoxicillin_500", ("allergy", "class")),
    ("penicillins class", dict(allergen_class="penicillins"), "coamoxiclav_500_125", ("allergy", "class")),
    ("penicillins class", dict(allergen_class="penicillins"), "flucloxacillin_500", ("allergy", "class")),
    ("penicillins class", dict(allergen_class="penicillins"), "phenoxymethylpenicillin_250", ("allergy", "class")),
    ("penicillins class", dict(allergen_class="penicillins"), "cefalexin_500", ("caution", "cross_sensitivity")),
    ("penicillins class", dict(allergen_class="penicillins"), "clarithromycin_500", None),
    ("penicillins class", dict(allergen_class="penicillins"), "doxycycline_100", None),
    ("penicillins class", dict(allergen_class="penicillins"), "paracetamol_500", None),
    # One penicillin recorded: the same substance, then every other penicillin (an allergy to one is to all).
    ("amoxicillin", dict(substance="amoxicillin"), "coamoxiclav_500_125", ("allergy", "substance")),
    ("amoxicillin", dict(substance="amoxicillin"), "flucloxacillin_500", ("allergy", "class")),
    ("amoxicillin", dict(substance="amoxicillin"), "cefalexin_500", ("caution", "cross_sensitivity")),
    ("cephalosporins", dict(allergen_class="cephalosporins"), "amoxicillin_500", ("caution", "cross_sensitivity")),
    # NSAIDs: ibuprofen, naproxen, diclofenac and aspirin; not paracetamol.
    ("NSAIDs", dict(allergen_class="nsaids"), "ibuprofen_200", ("allergy", "class")),
    ("NSAIDs", dict(allergen_class="nsaids"), "ibuprofen_400", ("allergy", "class")),
    ("NSAIDs", dict(allergen_class="nsaids"), "naproxen_250", ("allergy", "class")),
    ("NSAIDs", dict(allergen_class="nsaids"), "diclofenac_50", ("allergy", "class")),
    ("NSAIDs", dict(allergen_class="nsaids"), "aspirin_75", ("allergy", "class")),
    ("NSAIDs", dict(allergen_class="nsaids"), "paracetamol_500", None),
    ("aspirin", dict(substance="aspirin"), "ibuprofen_400", ("allergy", "class")),
    # Codeine: co-codamol contains it; another opioid is a caution (an opioid allergy is not class-wide).
    ("codeine", dict(substance="codeine"), "cocodamol_30_500", ("allergy", "substance")),
    ("codeine", dict(substance="codeine"), "codeine_30", ("allergy", "substance")),
    ("codeine", dict(substance="codeine"), "oramorph_10_5", ("caution", "class")),
    ("codeine", dict(substance="codeine"), "paracetamol_500", None),
    ("morphine", dict(substance="morphine"), "oxycodone_5", ("caution", "class")),
    ("opioids class", dict(allergen_class="opioids"), "tramadol_50", ("allergy", "class")),
    ("opioids class", dict(allergen_class="opioids"), "fentanyl_12", ("allergy", "class")),
    ("opioids class", dict(allergen_class="opioids"), "buprenorphine_5", ("allergy", "class")),
    ("opioids class", dict(allergen_class="opioids"), "cocodamol_30_500", ("allergy", "class")),
    # ACE inhibitors: every one; an angiotensin receptor blocker is a caution.
    ("ACE inhibitors", dict(allergen_class="ace_inhibitors"), "ramipril_25", ("allergy", "class")),
    ("ACE inhibitors", dict(allergen_class="ace_inhibitors"), "lisinopril_10", ("allergy", "class")),
    ("ACE inhibitors", dict(allergen_class="ace_inhibitors"), "losartan_50", ("caution", "cross_sensitivity")),
    ("benzodiazepines", dict(allergen_class="benzodiazepines"), "lorazepam_1", ("allergy", "class")),
    ("benzodiazepines", dict(allergen_class="benzodiazepines"), "zopiclone_375", None),
    ("heparins", dict(allergen_class="heparins"), "enoxaparin_40", ("allergy", "class")),
    ("trimethoprim", dict(substance="trimethoprim"), "nitrofurantoin_mr_100", None),
    # Written in words only (the table lacked it): matched by name, case-insensitively, and it says so.
    ("'PENICILLIN' in words", dict(name="PENICILLIN"), "amoxicillin_500", ("allergy", "name")),
    ("'co-codamol' in words", dict(name="co-codamol"), "cocodamol_30_500", ("allergy", "name")),
    (
        "'Ibuprofen and other anti-inflammatories'",
        dict(name="Ibuprofen and other anti-inflammatories"),
        "naproxen_250",
        ("allergy", "name"),
    ),
    ("'latex' in words", dict(name="Latex"), "amoxicillin_500", None),
    ("'sticking plasters' in words", dict(name="Sticking plasters"), "zerobase", None),
]


@pytest.mark.parametrize(("label", "recorded", "medicine", "expected"), CASES, ids=[f"{c[0]} → {c[2]}" for c in CASES])
def test_a_medicine_matches_an_allergy_by_substance_class_or_name(label, recorded, medicine, expected):
    found = findings(allergy(**recorded), medicine)
    if expected is None:
        assert found == ()
        return
    [finding] = found
    assert (finding.kind, finding.matched_by) == expected
    assert finding.needs_decision  # an allergy or a caution holds the doses until a senior decides


def test_the_finding_names_the_allergy_what_matched_and_the_severity():
    [finding] = findings(
        allergy("Penicillins", allergen_class="penicillins", severity="moderate", reaction="rash"),
        "coamoxiclav_500_125",
    )
    assert finding.text.startswith("Co-amoxiclav 500 mg/125 mg contains amoxicillin, a penicillin.")
    assert "Penicillins (allergy, moderate: rash)" in finding.text
    assert finding.headline == "Allergy: Penicillins (moderate)"


def test_a_caution_is_worded_as_a_question_for_the_prescriber():
    [finding] = findings(allergy(allergen_class="penicillins"), "cefalexin_500")
    assert finding.kind == FindingKind.CAUTION
    assert "cephalosporin" in finding.text and "Confirm with the prescriber" in finding.text


def test_a_name_match_says_it_matched_by_name_only():
    [finding] = findings(allergy("penicillin"), "flucloxacillin_500")
    assert finding.matched_by == MatchedBy.NAME and "by name only" in finding.text


def test_an_intolerance_is_shown_but_is_not_an_allergy_and_holds_nothing():
    codeine = allergy("Codeine", substance="codeine", kind="intolerance", severity="mild", reaction="vomiting")
    [finding] = findings(codeine, "cocodamol_30_500")
    assert finding.kind == FindingKind.INTOLERANCE and not finding.needs_decision
    assert "intolerance is not an allergy" in finding.text
    assert findings(codeine, "oramorph_10_5") == ()  # cross-sensitivity is an allergic idea
    assert undecided([finding], decided=[]) == ()


def test_a_decision_releases_its_own_allergy_only():
    person = [allergy(allergen_class="penicillins", id=1), allergy("Amoxicillin", substance="amoxicillin", id=2)]
    entry = BY_KEY["coamoxiclav_500_125"]
    found = allergy_findings(person, medicine="Co-amoxiclav", ingredients=ingredient_facts(entry), cross=CROSS)
    assert [f.allergy_id for f in found] == [2, 1]  # by substance first, then by class
    assert [f.allergy_id for f in undecided(found, decided=[2])] == [1]
    assert undecided(found, decided=[1, 2]) == ()
    refusal = decision_needed(undecided(found, decided=[]))
    assert isinstance(refusal, AllergyDecisionNeeded) and refusal.status == 422
    assert (
        refusal.message.startswith("Do not give: Co-amoxiclav contains amoxicillin")
        and "There is 1 more finding." in refusal.message
    )
    assert "You can still record that it was not given" in refusal.message


def test_nothing_matched_is_said_honestly_about_allergies_in_words():
    person = [allergy(allergen_class="penicillins"), allergy("Latex")]
    assert findings(person[0], "paracetamol_500") == ()
    text = no_match_text(person, "Paracetamol 500 mg tablet")
    assert "no match" in text and "Latex is written in words only" in text
    assert no_match_text([], "Paracetamol") == ""
