"""The demo organisation: Oakfield Care Group, its care home, its home-care branch, staff, people and medicines.

``seed_demo(size)`` builds it; ``manage.py seed_demo`` calls it at full size, the tests at a small size, and
the benchmark (bench/run.py) reuses the people, staff and prescription builders at a larger scale.

How the history is made (an honest week of records)
-----------------------------------------------------
Prescriptions, transcription checks, changes, administrations, prompt answers, corrections and PRN
follow-ups all go through the real services, so every audit event, due dose, constraint and rule is the
product's own. The services take their time from ``carebook.core.clock.now()`` and refuse records more
than 7 days old, so to make a week of history the seed *replays* it: ``ReplayClock`` stands in for
``clock.now`` (time-machine is a test-only dependency) and moves only forwards, from the afternoon the
home went live on Carebook (when the seniors transcribed everyone's MAR) to a few minutes ago. Each
dose is recorded at the moment a carer would have recorded it, so nothing is a late entry unless the
story says so, and the background job that generates due doses ahead is called once a simulated day,
as the worker would. People, staff and medicines are plain reference data and are bulk-created.

The whole seed runs in one transaction: it is all there, or none of it is.
"""

from __future__ import annotations

import datetime as dt
import heapq
import os
import random
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import nhs_number
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from carebook.access.models import Membership, Role, User
from carebook.alerts.services import alerts_scan
from carebook.core import clock
from carebook.core.errors import ValidationFailed
from carebook.demo.alert_stories import AlertStories, KindStories
from carebook.demo.audit_stories import AuditStories
from carebook.demo.incident_stories import IncidentStories
from carebook.demo.medicines import (
    BY_KEY,
    DemoMedicine,
    capped_contents,
    class_fact,
    cross_sensitivity_facts,
    ensure_medicines,
    ingredient_facts,
    substance_fact,
)
from carebook.demo.months import Months, write_months
from carebook.demo.pictures import avatar_svg
from carebook.medication import rules
from carebook.medication.facts import previous_sites
from carebook.medication.models import (
    Administration,
    DueDose,
    Medicine,
    Outcome,
    Prescription,
    PrescriptionStatus,
    PrnFollowUp,
    ScheduleKind,
    Source,
    Visit,
)
from carebook.medication.services.administrations import (
    WitnessCredentials,
    administration_mark_entered_in_error,
    administration_record,
    prn_follow_up_record,
)
from carebook.medication.services.allergies import allergy_decision_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.services.dosing import dosing_instruction_check, dosing_instruction_enter
from carebook.medication.services.prescriptions import (
    PrescriptionInput,
    prescription_change,
    prescription_check_transcription,
    prescription_create,
    prescription_discontinue,
    prescription_suspend,
)
from carebook.medication.services.visits import visit_close, visit_plan
from carebook.medication.vocab import WITNESSED, OldPatch, ReadingAction, ReadingDecision, VisitLabel
from carebook.organisations.models import Location, Provider, Unit
from carebook.people.identity import person_key_safe_note_set
from carebook.people.models import Allergy, AllergyStatus, Person
from carebook.people.nhs_numbers import clean_nhs_number
from carebook.people.services import allergy_record, allergy_status_none_known
from carebook.people.vocab import AllergyKind
from carebook.reports.rollups import build_rollups
from carebook.substances.models import AllergenClass, Substance

PROVIDER_NAME = "Oakfield Care Group"
HOME_NAME = "Oakfield House"
BRANCH_NAME = "Oakfield Care at Home"
SEED = 2026


@dataclass(frozen=True)
class SeedSize:
    residents_per_unit: int = 20
    home_care_people: int = 15
    history_days: int = 7  # replayed through the services, every story in it
    bulk_days: int = 84  # before them, written in bulk (carebook/demo/months.py): three months in all
    # How many prescriptions each person has; the mean of these times the people gives the total.
    rx_per_person: tuple[int, ...] = (4, 5, 5, 6, 6, 7)


FULL = SeedSize()
SMALL = SeedSize(residents_per_unit=3, home_care_people=3, history_days=2, bulk_days=0)


# --- NHS numbers -----------------------------------------------------------------------------------


def synthetic_nhs_number(rng: random.Random, used: set[str]) -> str:
    """A valid NHS number in the 999 range, which is never issued to a real patient.

    The check digit comes from the pinned nhs-number library, and the result passes the same check as
    every other way a number comes in (``people.nhs_numbers``); a stem whose check digit would be 10
    cannot make a valid number and is skipped.
    """
    while True:
        stem = "999" + f"{rng.randrange(1_000_000):06d}"
        check = nhs_number.calculate_checksum(stem)
        if check is None or check > 9:
            continue
        number = clean_nhs_number(f"{stem}{check}")
        if number not in used:
            used.add(number)
            return number


# --- People ------------------------------------------------------------------------------------------

WOMEN = (
    "Margaret", "Dorothy", "Joan", "Joyce", "Irene", "Edna", "Doris", "Mavis", "Elsie", "Barbara", "Patricia",
    "Jean", "Brenda", "Sheila", "Audrey", "Phyllis", "Evelyn", "Hilda", "Vera", "Gladys", "Winifred", "Kathleen",
    "Sylvia", "Maureen", "Pauline", "Rita", "Valerie", "June", "Eileen", "Beryl", "Olive", "Ivy", "Marjorie",
    "Nora", "Agnes", "Florence", "Lilian", "Elizabeth", "Pamela", "Shirley", "Hyacinth", "Gurmeet", "Nasreen",
    "Bridget", "Pearl", "Krystyna", "Mary", "Ada", "Rose", "Violet",
)  # fmt: skip
MEN = (
    "Albert", "Arthur", "Harold", "Kenneth", "Stanley", "Leonard", "Ernest", "Frederick", "Walter", "Dennis",
    "Raymond", "Roy", "Norman", "Reginald", "Cyril", "Donald", "Ronald", "Geoffrey", "Bernard", "Eric", "Frank",
    "George", "William", "Sidney", "Alfred", "Percy", "Wilfred", "Douglas", "Gordon", "Clifford", "Derek",
    "Trevor", "Brian", "Desmond", "Winston", "Harbans", "Iqbal", "Delroy", "Patrick", "Edward", "James", "Thomas",
)  # fmt: skip
SURNAMES = (
    "Smith", "Jones", "Taylor", "Brown", "Williams", "Wilson", "Johnson", "Davies", "Robinson", "Wright",
    "Thompson", "Evans", "Walker", "White", "Roberts", "Green", "Hall", "Wood", "Jackson", "Clarke", "Patel",
    "Khan", "Singh", "Ahmed", "Campbell", "Murphy", "O'Brien", "Kowalski", "Hughes", "Edwards", "Lewis", "Harris",
    "Martin", "Cooper", "King", "Baker", "Turner", "Hill", "Moore", "Ward", "Morris", "Bennett", "Gray", "Shaw",
    "Barker", "Chapman", "Kaur", "Begum", "Mensah", "Fitzgerald", "Lloyd", "Price", "Marsh", "Holt", "Pearson",
)  # fmt: skip
NICKNAMES = {
    "Margaret": "Peggy", "Dorothy": "Dot", "Elizabeth": "Betty", "Kathleen": "Kath", "Patricia": "Pat",
    "Florence": "Flo", "Winifred": "Winnie", "Marjorie": "Madge", "William": "Bill", "James": "Jim",
    "Reginald": "Reg", "Frederick": "Fred", "Leonard": "Len", "Edward": "Ted", "Alfred": "Alf", "Stanley": "Stan",
    "Thomas": "Tommy", "Kenneth": "Ken", "Gurmeet": "Meeta", "Krystyna": "Krysia",
}  # fmt: skip


@dataclass(frozen=True)
class SeedAllergy:
    """An allergy as the demo records it: coded to a substance or a class where the table has it."""

    name: str
    reaction: str
    severity: str
    kind: str = AllergyKind.ALLERGY
    substance: str = ""  # a substance code (carebook/substances/data.py), or
    allergen_class: str = ""  # a class code, or neither: free text

    def fact(self, index: int) -> rules.allergies.AllergyFact:
        """As the rules read it (for planning the demo without the database)."""
        return rules.allergies.AllergyFact(
            id=index,
            name=self.name,
            kind=self.kind,
            severity=self.severity,
            reaction=self.reaction,
            substance=substance_fact(self.substance) if self.substance else None,
            allergen_class=class_fact(self.allergen_class) if self.allergen_class else None,
        )


ALLERGIES: tuple[SeedAllergy, ...] = (
    SeedAllergy("Penicillins", "Rash all over, 2009", Allergy.Severity.MODERATE, allergen_class="penicillins"),
    SeedAllergy("Amoxicillin", "Anaphylaxis in hospital, 1998", Allergy.Severity.SEVERE, substance="amoxicillin"),
    SeedAllergy(
        "NSAIDs (non-steroidal anti-inflammatory drugs)",
        "Wheeze and breathlessness after ibuprofen",
        Allergy.Severity.SEVERE,
        allergen_class="nsaids",
    ),
    SeedAllergy("Aspirin", "Wheeze and swollen lips", Allergy.Severity.MODERATE, substance="aspirin"),
    SeedAllergy(
        "Codeine (as codeine phosphate)",
        "Vomiting and confusion",
        Allergy.Severity.MILD,
        kind=AllergyKind.INTOLERANCE,
        substance="codeine",
    ),
    SeedAllergy("Morphine", "Widespread itchy rash", Allergy.Severity.MODERATE, substance="morphine"),
    SeedAllergy("Trimethoprim", "Itchy rash", Allergy.Severity.MILD, substance="trimethoprim"),
    SeedAllergy("Sticking plasters (adhesive)", "Blistered skin", Allergy.Severity.MILD),
    SeedAllergy("Latex", "Contact dermatitis", Allergy.Severity.MODERATE),
)
# The story's resident with a penicillin allergy who is prescribed co-amoxiclav (see _story_events).
PENICILLIN_STORY = ALLERGIES[0]

PREFERENCES = (
    "With a glass of orange juice, one at a time.",
    "Whole tablets on a teaspoon of yoghurt, one at a time. I like to know what each one is for.",
    "Sitting up in my chair, never lying down. Tea, not water — milky, no sugar.",
    "Put them in the pot and I'll take them myself while you watch.",
    "Tell me what each tablet is for before I take it; I like to check.",
    "Liquids where there is one: tablets stick in my throat (speech and language therapist's advice).",
    "Please don't wake me before eight for anything except my Parkinson's tablets.",
    "With my breakfast, not before — they make me feel sick on an empty stomach.",
    "Eye drops after breakfast, in my room, not in the lounge.",
    "Slowly, with a sip of water between each one. Don't rush me.",
    "Standing at the kitchen counter with a glass of squash.",
    "My daughter has written the names in Punjabi on a card by the kettle — please show me the card.",
    "In the dining room with everyone else; I don't like fuss.",
    "One at a time, on my tongue, with cold water.",
)
COMMUNICATION = (
    "Hard of hearing: hearing aid in the left ear. Face me and speak clearly.",
    "Wears glasses for reading; they are on the bedside table.",
    "Living with dementia: short sentences, show the tablet, give time to answer.",
    "Speaks Punjabi and some English. Family interpret at reviews.",
    "Registered blind: say who you are and describe what you are doing.",
    "Aphasia after a stroke: ask yes/no questions; picture cards in the top drawer.",
    "No particular needs: prefers to be called by the name shown.",
    "Welsh is her first language; likes a few words of Welsh.",
    "",
)
GP_PRACTICES = (
    ("Brookside Medical Centre", "Dr Anika Khan"),
    ("Elm Tree Surgery", "Dr Tom Hargreaves"),
    ("Riverside Health Centre", "Dr Sunita Rao"),
)
PHARMACIES = ("Oakfield Pharmacy, 12 High Street", "Market Street Chemist", "Brookside Pharmacy")
HOSPITAL_PRESCRIBER = "Dr J Osei, St Hilda's Hospital (discharge letter)"
STREETS = (
    "Beech Road", "Linden Court", "Victoria Street", "Mill Lane", "Church Walk", "Station Road", "Orchard Close",
    "Meadow View", "Park Avenue", "Kingsway",
)  # fmt: skip


@dataclass
class PersonPlan:
    person: Person
    sex: str  # "f" | "m"
    allergies: list[SeedAllergy] = field(default_factory=list)
    regimens: list[Regimen] = field(default_factory=list)

    def allergy_facts(self) -> list[rules.allergies.AllergyFact]:
        return [a.fact(i) for i, a in enumerate(self.allergies)]


def make_people(
    rng: random.Random,
    *,
    location: Location,
    slots: Sequence[tuple[Unit | None, str]],
    used_names: set[str],
    used_nhs: set[str],
    today: dt.date,
) -> list[PersonPlan]:
    """One person per (unit, room) slot, with a picture, NHS number, allergies and preferences. Not saved."""
    plans: list[PersonPlan] = []
    for unit, room in slots:
        while True:
            sex = "f" if rng.random() < 0.64 else "m"  # most care home residents are women
            given = rng.choice(WOMEN if sex == "f" else MEN)
            family = rng.choice(SURNAMES)
            if f"{given} {family}" not in used_names:
                used_names.add(f"{given} {family}")
                break
        age = rng.choice(range(65, 103)) if rng.random() < 0.2 else rng.choice(range(78, 99))
        # Day 28 at most, so the year arithmetic works on 29 February too.
        born = dt.date(today.year - age, today.month, min(today.day, 28)) - dt.timedelta(days=rng.randrange(1, 360))
        preferred = NICKNAMES.get(given, "") if rng.random() < 0.7 else ""
        if not preferred and rng.random() < 0.2:
            preferred = f"{'Mrs' if sex == 'f' else 'Mr'} {family}"
        allergies: list[SeedAllergy] = []
        if rng.random() < 0.35:
            allergies = rng.sample(ALLERGIES, 2 if rng.random() < 0.2 else 1)
        practice, _gp = rng.choice(GP_PRACTICES)
        person = Person(
            location=location,
            unit=unit,
            given_name=given,
            family_name=family,
            preferred_name=preferred,
            date_of_birth=born,
            nhs_number=synthetic_nhs_number(rng, used_nhs),
            room=room,
            picture_svg=avatar_svg(f"{given} {family}"),
            allergy_status=AllergyStatus.HAS_ALLERGIES if allergies else AllergyStatus.NO_KNOWN_ALLERGIES,
            medicine_preferences=rng.choice(PREFERENCES),
            communication_needs=rng.choice(COMMUNICATION),
            gp_practice=practice,
            pharmacy=rng.choice(PHARMACIES),
        )
        plans.append(PersonPlan(person=person, sex=sex, allergies=allergies))
    return plans


def save_people(plans: list[PersonPlan], *, allergies_in_bulk: bool = True) -> None:
    """Save the people. With ``allergies_in_bulk`` (the benchmark), their allergies and status are written
    directly; the demo records them through the services instead (``record_allergies``), so each has who and
    when, and its audit event."""
    if not allergies_in_bulk:
        for plan in plans:
            plan.person.allergy_status = AllergyStatus.NOT_RECORDED
    Person.objects.bulk_create([p.person for p in plans])
    if not allergies_in_bulk:
        return
    substances = {s.code: s for s in Substance.objects.all()}
    classes = {c.code: c for c in AllergenClass.objects.all()}
    Allergy.objects.bulk_create(
        [
            Allergy(
                person=p.person,
                substance=a.name,
                coded_substance=substances.get(a.substance),
                coded_class=classes.get(a.allergen_class),
                reaction=a.reaction,
                severity=a.severity,
                kind=a.kind,
            )
            for p in plans
            for a in p.allergies
        ]
    )


def record_allergies(plans: list[PersonPlan], *, recorder: Callable[[Person], User], clock_: ReplayClock) -> None:
    """Each person's allergies, or "no known allergies", recorded by a senior before their MAR is entered."""
    for plan in plans:
        by = recorder(plan.person)
        clock_.tick(20)
        if not plan.allergies:
            allergy_status_none_known(
                person=plan.person, by=by, note="Checked with the person, their family and the GP record."
            )
        for allergy in plan.allergies:
            clock_.tick(15)
            allergy_record(
                person=plan.person,
                by=by,
                substance_code=allergy.substance,
                class_code=allergy.allergen_class,
                name="" if allergy.substance or allergy.allergen_class else allergy.name,
                reaction=allergy.reaction,
                severity=allergy.severity,
                kind=allergy.kind,
            )
        plan.person.refresh_from_db(fields=["allergy_status"])


# --- Prescriptions ----------------------------------------------------------------------------------

QDS = ("08:00", "12:00", "17:00", "22:00")
BD = ("08:00", "20:00")
BD_MEALS = ("08:00", "17:00")
PARKINSONS = ("07:00", "11:00", "15:00", "19:00")


@dataclass(frozen=True)
class Regimen:
    """A prescriber's directions, ready to be entered."""

    medicine: str
    dose: str  # "1" or "1-2" (a variable dose)
    kind: str
    directions: str
    times: tuple[str, ...] = ()
    days: tuple[int, ...] = ()
    interval: int | None = None
    indication: str = ""
    instructions: str = ""
    prn_interval: int | None = None
    prn_max: str | None = None
    course_days: int | None = None
    source: str = Source.GP
    align_monday: bool = False  # weekly doses that fall on a Monday (methotrexate)
    # The prescriber's limits for the reading before each dose (ADR 0017).
    reading_below: str | None = None
    reading_below_action: str = ""
    reading_above: str | None = None
    reading_above_action: str = ""
    reading_plan: str = ""
    # A cream or an ointment: its areas and how thickly (H67).
    apply_to: tuple[str, ...] = ()
    apply_how: str = ""


def _fixed(medicine: str, dose: str, times: tuple[str, ...], directions: str, **kw: Any) -> Regimen:
    return Regimen(medicine, dose, ScheduleKind.FIXED_TIMES, directions, times=times, **kw)


def _prn(medicine: str, dose: str, directions: str, indication: str, interval: int, maximum: str, **kw: Any) -> Regimen:
    return Regimen(
        medicine,
        dose,
        ScheduleKind.PRN,
        directions,
        indication=indication,
        prn_interval=interval,
        prn_max=maximum,
        **kw,
    )


R: dict[str, Regimen] = {
    # Parkinson's: time-critical, four times a day at the person's own times
    "cocareldopa": _fixed(
        "cocareldopa_25_100",
        "1",
        PARKINSONS,
        "Take ONE tablet at 7am, 11am, 3pm and 7pm. Parkinson's medicine: give on time.",
        indication="Parkinson's disease",
        instructions="Time-critical: give within 30 minutes of the time. Do not stop suddenly.",
    ),
    "rasagiline": _fixed("rasagiline_1", "1", ("08:00",), "Take ONE tablet in the morning.", indication="Parkinson's"),
    # Diabetes
    "glargine": _fixed(
        "insulin_glargine",
        "16",
        ("08:00",),
        "Inject 16 units subcutaneously ONCE a day in the morning.",
        indication="Type 2 diabetes",
        instructions="Check blood glucose first. Below 4 mmol/L: do not give, treat the hypo and call the GP.",
        reading_below="4",
        reading_below_action=ReadingAction.WITHHOLD,
        reading_above="20",
        reading_above_action=ReadingAction.GIVE_AND_TELL,
        reading_plan="Below 4 mmol/L: follow the hypoglycaemia plan in the care plan and call the GP. "
        "Above 20 mmol/L: give it, and tell the GP the same day.",
    ),
    "metformin": _fixed(
        "metformin_500",
        "1",
        BD_MEALS,
        "Take ONE tablet TWICE a day with breakfast and evening meal.",
        indication="Type 2 diabetes",
        instructions="With food.",
    ),
    "gliclazide": _fixed(
        "gliclazide_80",
        "1",
        BD_MEALS,
        "Take ONE tablet TWICE a day with breakfast and evening meal.",
        indication="Type 2 diabetes",
    ),
    # Heart
    "digoxin": _fixed(
        "digoxin_125",
        "1",
        ("08:00",),
        "Take ONE tablet each morning.",
        indication="Atrial fibrillation",
        instructions="Take the pulse first. Below 60 a minute: do not give, tell the GP.",
        reading_below="60",
        reading_below_action=ReadingAction.WITHHOLD,
        reading_plan="Tell the senior on shift and the GP surgery the same day.",
    ),
    "apixaban": _fixed(
        "apixaban_5",
        "1",
        BD,
        "Take ONE tablet TWICE a day.",
        indication="Atrial fibrillation (stroke prevention)",
        source=Source.HOSPITAL_DISCHARGE,
    ),
    "apixaban_low": _fixed(
        "apixaban_25", "1", BD, "Take ONE tablet TWICE a day.", indication="Atrial fibrillation (stroke prevention)"
    ),
    "warfarin": _fixed(
        "warfarin_1",
        "3",
        ("18:00",),
        "Take 3 mg (THREE 1 mg tablets) at 6pm, or as the INR clinic says.",
        indication="Atrial fibrillation",
        instructions="Dose from the yellow INR book; check it before every dose.",
    ),
    "bisoprolol": _fixed("bisoprolol_25", "1", ("08:00",), "Take ONE tablet each morning.", indication="Heart failure"),
    "furosemide": _fixed(
        "furosemide_40",
        "1",
        ("08:00",),
        "Take ONE tablet each morning.",
        indication="Heart failure (fluid)",
        instructions="In the morning, so it does not disturb sleep.",
    ),
    "spironolactone": _fixed(
        "spironolactone_25", "1", ("08:00",), "Take ONE tablet each morning.", indication="Heart failure"
    ),
    "ramipril": _fixed("ramipril_25", "1", ("08:00",), "Take ONE capsule each morning.", indication="Blood pressure"),
    "amlodipine": _fixed("amlodipine_5", "1", ("08:00",), "Take ONE tablet each morning.", indication="Blood pressure"),
    "atorvastatin": _fixed("atorvastatin_20", "1", ("22:00",), "Take ONE tablet at night.", indication="Cholesterol"),
    "clopidogrel": _fixed(
        "clopidogrel_75", "1", ("08:00",), "Take ONE tablet each morning.", indication="Stroke prevention"
    ),
    # Rheumatoid arthritis: weekly methotrexate, folic acid on another day
    "methotrexate": Regimen(
        "methotrexate_25",
        "4",
        ScheduleKind.EVERY_N_DAYS,
        "Take FOUR tablets (10 mg) ONCE a WEEK on MONDAY.",
        times=("08:00",),
        interval=7,
        indication="Rheumatoid arthritis",
        instructions="ONCE A WEEK ONLY, on Monday. Never daily.",
        align_monday=True,
    ),
    "folic_weekly": Regimen(
        "folic_acid_5",
        "1",
        ScheduleKind.DAYS_OF_WEEK,
        "Take ONE tablet ONCE a WEEK on THURSDAY (not on the methotrexate day).",
        times=("08:00",),
        days=(3,),
        indication="With methotrexate",
    ),
    "prednisolone": _fixed(
        "prednisolone_5", "1", ("08:00",), "Take ONE tablet each morning with breakfast.", indication="Arthritis"
    ),
    # Pain: patches and controlled drugs
    "fentanyl": Regimen(
        "fentanyl_12",
        "1",
        ScheduleKind.EVERY_N_DAYS,
        "Apply ONE patch every 72 hours. Remove the old patch first; use a new site each time.",
        times=("10:00",),
        interval=3,
        indication="Chronic pain",
        instructions="Record the site. Check the old patch is removed. Fold the old patch sticky sides together.",
    ),
    "buprenorphine": Regimen(
        "buprenorphine_5",
        "1",
        ScheduleKind.EVERY_N_DAYS,
        "Apply ONE patch every 7 days. Remove the old patch first; use a new site each time.",
        times=("10:00",),
        interval=7,
        indication="Osteoarthritis pain",
        instructions="Record the site.",
    ),
    "oxycodone_mr": _fixed(
        "oxycodone_mr_10",
        "1",
        BD,
        "Take ONE tablet TWICE a day (every 12 hours). Swallow whole.",
        indication="Cancer pain",
        instructions="Controlled drug: witness required. Swallow whole, do not crush.",
    ),
    "mst": _fixed(
        "mst_10",
        "1",
        BD,
        "Take ONE tablet TWICE a day (every 12 hours). Swallow whole.",
        indication="Chronic pain",
        instructions="Controlled drug: witness required.",
    ),
    "oxycodone_prn": _prn(
        "oxycodone_5",
        "1",
        "Take ONE capsule every 4 hours WHEN REQUIRED for breakthrough pain. Maximum SIX in 24 hours.",
        "Breakthrough pain",
        240,
        "6",
    ),
    "oramorph_prn": _prn(
        "oramorph_10_5",
        "2.5-5",
        "Take 2.5 mL to 5 mL (5 mg to 10 mg) every 2 hours WHEN REQUIRED for pain or breathlessness. "
        "Maximum 30 mL in 24 hours.",
        "Breakthrough pain or breathlessness",
        120,
        "30",
    ),
    "paracetamol_qds": _fixed(
        "paracetamol_500",
        "2",
        QDS,
        "Take TWO tablets FOUR times a day.",
        indication="Pain",
        instructions="Leave at least 4 hours between doses.",
    ),
    "paracetamol_prn": _prn(
        "paracetamol_500",
        "1-2",
        "Take ONE or TWO tablets up to FOUR times a day WHEN REQUIRED for pain. At least 4 hours between doses. "
        "Maximum EIGHT tablets in 24 hours.",
        "Mild pain or fever",
        240,
        "8",
    ),
    "paracetamol_homely": _prn(
        "paracetamol_500",
        "1-2",
        "Homely remedy: ONE or TWO tablets up to FOUR times a day when required, for up to 48 hours, "
        "then ask the GP. Maximum EIGHT tablets in 24 hours.",
        "Headache or mild pain",
        240,
        "8",
        source=Source.HOMELY_REMEDY,
    ),
    "codeine_prn": _prn(
        "codeine_30",
        "1-2",
        "Take ONE or TWO tablets up to FOUR times a day WHEN REQUIRED for pain. Maximum EIGHT in 24 hours.",
        "Moderate pain",
        240,
        "8",
    ),
    "ibuprofen_prn": _prn(
        "ibuprofen_400",
        "1",
        "Take ONE tablet up to THREE times a day WHEN REQUIRED, with food. Maximum THREE in 24 hours.",
        "Joint pain",
        360,
        "3",
        instructions="With or after food.",
    ),
    # Bowels
    "senna": _fixed("senna_75", "1-2", ("22:00",), "Take ONE or TWO tablets at night.", indication="Constipation"),
    "lactulose": _fixed("lactulose", "15", BD, "Take 15 mL TWICE a day.", indication="Constipation"),
    "laxido": _fixed(
        "laxido",
        "1",
        ("08:00",),
        "Take ONE sachet each morning, dissolved in half a glass of water.",
        indication="Constipation",
    ),
    "laxido_prn": _prn(
        "laxido",
        "1",
        "ONE sachet in half a glass of water ONCE a day WHEN REQUIRED for constipation.",
        "Constipation (no bowel movement for 3 days)",
        1200,
        "1",
    ),
    "senna_prn": _prn(
        "senna_75",
        "2",
        "Take TWO tablets at night WHEN REQUIRED for constipation.",
        "Constipation",
        1200,
        "2",
    ),
    "omeprazole": _fixed(
        "omeprazole_20",
        "1",
        ("08:00",),
        "Take ONE capsule each morning before breakfast.",
        indication="Indigestion / stomach protection",
    ),
    # Thyroid, bones
    "levothyroxine": _fixed(
        "levothyroxine_50",
        "1",
        ("07:00",),
        "Take ONE tablet each morning, 30 minutes before breakfast.",
        indication="Underactive thyroid",
    ),
    "alendronic": Regimen(
        "alendronic_70",
        "1",
        ScheduleKind.DAYS_OF_WEEK,
        "Take ONE tablet ONCE a WEEK on SUNDAY, 30 minutes before breakfast, with a full glass of water. "
        "Stay upright for 30 minutes.",
        times=("07:00",),
        days=(6,),
        indication="Osteoporosis",
    ),
    "adcal": _fixed("adcal_d3", "1", BD_MEALS, "Chew ONE tablet TWICE a day.", indication="Bone health"),
    "colecalciferol": Regimen(
        "colecalciferol_20000",
        "1",
        ScheduleKind.DAYS_OF_WEEK,
        "Take ONE capsule ONCE a WEEK on WEDNESDAY.",
        times=("08:00",),
        days=(2,),
        indication="Vitamin D deficiency",
    ),
    # Mind and memory
    "donepezil": _fixed("donepezil_10", "1", ("22:00",), "Take ONE tablet at night.", indication="Alzheimer's disease"),
    "memantine": _fixed("memantine_10", "1", ("08:00",), "Take ONE tablet each morning.", indication="Dementia"),
    "sertraline": _fixed("sertraline_50", "1", ("08:00",), "Take ONE tablet each morning.", indication="Depression"),
    "mirtazapine": _fixed("mirtazapine_15", "1", ("22:00",), "Take ONE tablet at night.", indication="Low mood, sleep"),
    "lorazepam_prn": _prn(
        "lorazepam_1",
        "0.5-1",
        "Take HALF to ONE tablet up to TWICE a day WHEN REQUIRED for severe agitation or distress, "
        "only after reassurance has been tried. Maximum TWO tablets in 24 hours.",
        "Severe agitation or distress",
        360,
        "2",
    ),
    # Seizures
    "levetiracetam": _fixed("levetiracetam_500", "1", BD, "Take ONE tablet TWICE a day.", indication="Epilepsy"),
    "midazolam_prn": _prn(
        "midazolam_buccal_10",
        "1",
        "Give ONE 10 mg syringe into the side of the mouth if a seizure lasts longer than 5 minutes. "
        "Call 999. A second dose only if the ambulance crew says so.",
        "Seizure lasting more than 5 minutes",
        10,
        "2",
        instructions="Controlled drug (schedule 3): witness required. Follow the epilepsy care plan.",
    ),
    # Breathing
    "salbutamol_prn": _prn(
        "salbutamol_inhaler",
        "1-2",
        "Inhale ONE or TWO puffs up to FOUR times a day WHEN REQUIRED for breathlessness or wheeze.",
        "Breathlessness or wheeze",
        240,
        "8",
    ),
    "clenil": _fixed("clenil_100", "2", BD, "Inhale TWO puffs TWICE a day. Rinse mouth after.", indication="COPD"),
    "tiotropium": _fixed("tiotropium_respimat", "2", ("08:00",), "Inhale TWO puffs ONCE a day.", indication="COPD"),
    # Other
    "tamsulosin": _fixed(
        "tamsulosin_400",
        "1",
        ("08:00",),
        "Take ONE capsule each morning after breakfast.",
        indication="Enlarged prostate",
    ),
    "latanoprost": _fixed(
        "latanoprost", "1", ("22:00",), "Put ONE drop into BOTH eyes at night.", indication="Glaucoma"
    ),
    "hypromellose": _fixed(
        "hypromellose_drops", "1", QDS, "Put ONE drop into BOTH eyes FOUR times a day.", indication="Dry eyes"
    ),
    "zerobase": _fixed(
        "zerobase",
        "1",
        BD,
        "Apply to both legs TWICE a day.",
        indication="Dry skin",
        apply_to=("left leg", "right leg"),
        apply_how="liberal",
    ),
    "ferrous": _fixed(
        "ferrous_fumarate_210", "1", BD_MEALS, "Take ONE tablet TWICE a day with food.", indication="Anaemia"
    ),
    "nitrofurantoin_course": Regimen(
        "nitrofurantoin_mr_100",
        "1",
        ScheduleKind.FIXED_TIMES,
        "Take ONE capsule TWICE a day for 3 days, with food.",
        times=BD,
        course_days=3,
        indication="Urine infection",
    ),
    "trimethoprim_course": Regimen(
        "trimethoprim_200",
        "1",
        ScheduleKind.FIXED_TIMES,
        "Take ONE tablet TWICE a day for 7 days.",
        times=BD,
        course_days=7,
        indication="Urine infection",
    ),
    "coamoxiclav_course": Regimen(
        "coamoxiclav_500_125",
        "1",
        ScheduleKind.FIXED_TIMES,
        "Take ONE tablet THREE times a day for 5 days.",
        times=("08:00", "14:00", "22:00"),
        course_days=5,
        indication="Chest infection",
        instructions="Contains a penicillin (amoxicillin). Watch for a rash, and stop and call the GP if one appears.",
    ),
    "cocodamol_prn": _prn(
        "cocodamol_30_500",
        "1-2",
        "Take ONE or TWO tablets up to FOUR times a day WHEN REQUIRED for severe pain. Maximum EIGHT in 24 hours.",
        "Severe pain (when paracetamol alone is not enough)",
        240,
        "8",
        instructions="Contains paracetamol: counts towards the 4 g a day with her paracetamol tablets.",
    ),
    "hydrocortisone_course": Regimen(
        "hydrocortisone_1",
        "1",
        ScheduleKind.FIXED_TIMES,
        "Apply thinly to the rash on both forearms TWICE a day for 7 days.",
        times=BD,
        course_days=7,
        apply_to=("left arm", "right arm"),
        apply_how="thin",
        indication="Eczema flare",
    ),
}

# Conditions that bring several medicines together. The "special" ones are handed out first, so even a
# small seed has a Parkinson's regimen, insulin, digoxin, weekly methotrexate, a patch and CDs.
CLUSTERS: dict[str, tuple[str, ...]] = {
    "parkinsons": ("cocareldopa", "rasagiline", "senna"),
    "insulin": ("glargine", "metformin"),
    "af_digoxin": ("digoxin", "apixaban_low", "bisoprolol"),
    "rheumatoid": ("methotrexate", "folic_weekly", "prednisolone"),
    "fentanyl": ("fentanyl", "oxycodone_prn", "laxido"),
    "oxycodone": ("oxycodone_mr", "oramorph_prn", "senna"),
    "buprenorphine": ("buprenorphine", "paracetamol_qds", "lactulose"),
    "mst": ("mst", "lactulose", "paracetamol_qds"),
    "epilepsy": ("levetiracetam", "midazolam_prn"),
    "dementia": ("donepezil", "memantine", "lorazepam_prn"),
    "dementia_mild": ("donepezil", "mirtazapine"),
    "heart_failure": ("furosemide", "ramipril", "bisoprolol", "spironolactone"),
    "hypertension": ("amlodipine", "ramipril", "atorvastatin"),
    "af_warfarin": ("warfarin", "bisoprolol"),
    "af_apixaban": ("apixaban", "bisoprolol"),
    "diabetes_tablets": ("metformin", "gliclazide", "atorvastatin"),
    "copd": ("clenil", "tiotropium", "salbutamol_prn"),
    "hypothyroid": ("levothyroxine",),
    "osteoporosis": ("alendronic", "adcal"),
    "depression": ("sertraline", "mirtazapine"),
    "stroke": ("clopidogrel", "atorvastatin", "amlodipine"),
    "glaucoma": ("latanoprost",),
    "anaemia": ("ferrous",),
}
SPECIAL_HOME = (
    "parkinsons", "insulin", "af_digoxin", "rheumatoid", "fentanyl", "oxycodone", "buprenorphine", "dementia",
    "epilepsy", "parkinsons", "insulin", "af_digoxin", "fentanyl", "mst", "dementia", "parkinsons", "af_warfarin",
)  # fmt: skip
SPECIAL_HOME_CARE = ("parkinsons", "af_warfarin", "copd", "diabetes_tablets", "hypothyroid", "dementia_mild")
COMMON = (
    "dementia", "dementia_mild", "heart_failure", "hypertension", "af_apixaban", "diabetes_tablets", "copd",
    "hypothyroid", "osteoporosis", "depression", "stroke", "glaucoma", "anaemia",
)  # fmt: skip
BASELINE = (
    "paracetamol_prn", "senna", "omeprazole", "atorvastatin", "laxido_prn", "amlodipine", "adcal", "zerobase",
    "colecalciferol", "lactulose", "hypromellose", "codeine_prn", "ibuprofen_prn", "senna_prn", "tamsulosin",
    "mirtazapine", "levothyroxine", "sertraline", "ferrous", "paracetamol_homely",
)  # fmt: skip
ANTICOAGULANTS = frozenset({"apixaban_25", "apixaban_5", "warfarin_1", "rivaroxaban_20", "edoxaban_30"})
OPIOIDS = frozenset(
    {"oxycodone_5", "oxycodone_mr_10", "mst_10", "fentanyl_12", "buprenorphine_5", "oramorph_10_5", "codeine_30"}
)
MEN_ONLY = frozenset({"tamsulosin_400", "finasteride_5"})


def _allowed(regimen: Regimen, plan: PersonPlan, chosen: list[Regimen]) -> bool:
    entry = BY_KEY[regimen.medicine]
    # The same rules the product applies: no allergy match (an intolerance is shown, not a reason to avoid) ...
    findings = rules.allergies.allergy_findings(
        plan.allergy_facts(), medicine=entry.name, ingredients=ingredient_facts(entry), cross=CROSS
    )
    if any(f.needs_decision for f in findings):
        return False
    if entry.key in MEN_ONLY and plan.sex != "m":
        return False
    keys = {r.medicine for r in chosen}
    if entry.key in keys:
        return False
    # ... and no second product sharing an ingredient (paracetamol tablets and co-codamol): the story does that.
    mine = {code for code, _ in entry.ingredients}
    if any(mine & {code for code, _ in BY_KEY[k].ingredients} for k in keys):
        return False
    if _is_nsaid(entry) and keys & ANTICOAGULANTS:
        return False
    if entry.key in ANTICOAGULANTS and any(_is_nsaid(BY_KEY[k]) for k in keys):
        return False
    if entry.key in OPIOIDS and keys & OPIOIDS and regimen.kind != ScheduleKind.PRN:
        return False
    # Codeine on top of a strong opioid: no.
    return not (entry.key == "codeine_30" and keys & OPIOIDS)


CROSS = cross_sensitivity_facts()


def _is_nsaid(entry: DemoMedicine) -> bool:
    return any(c.code == "nsaids" for s in ingredient_facts(entry) for c in s.classes)


def plan_regimens(
    rng: random.Random, plans: list[PersonPlan], *, specials: tuple[str, ...], per_person: tuple[int, ...]
) -> None:
    """Choose each person's prescriptions: a condition, perhaps a second, then common medicines."""
    for index, plan in enumerate(plans):
        target = rng.choice(per_person)
        clusters = [specials[index] if index < len(specials) else rng.choice(COMMON)]
        if rng.random() < 0.5:
            clusters.append(rng.choice(COMMON))
        chosen: list[Regimen] = []
        for cluster in clusters:
            for key in CLUSTERS[cluster]:
                if len(chosen) < max(target, len(CLUSTERS[clusters[0]])) and _allowed(R[key], plan, chosen):
                    chosen.append(R[key])
        pool = list(BASELINE)
        # Nearly everyone has something for pain when required: put it first.
        head, rest = pool[:1], pool[1:]
        rng.shuffle(rest)
        for key in head + rest:
            if len(chosen) >= target:
                break
            if _allowed(R[key], plan, chosen):
                chosen.append(R[key])
        plan.regimens = chosen


def prescription_input(
    regimen: Regimen,
    medicines: dict[str, Medicine],
    *,
    start: dt.date,
    prescriber: str,
) -> PrescriptionInput:
    low, _, high = regimen.dose.partition("-")
    if regimen.align_monday:
        start -= dt.timedelta(days=start.weekday())
    return PrescriptionInput(
        medicine_id=medicines[regimen.medicine].pk,
        dose_min=low,
        dose_max=high or None,
        route="",
        directions=regimen.directions,
        schedule_kind=regimen.kind,
        times=list(regimen.times),
        days_of_week=list(regimen.days),
        interval_days=regimen.interval,
        start_date=start,
        course_days=regimen.course_days,
        prn_min_interval_minutes=regimen.prn_interval,
        prn_max_quantity_24h=regimen.prn_max,
        indication=regimen.indication,
        instructions=regimen.instructions,
        prescriber=HOSPITAL_PRESCRIBER if regimen.source == Source.HOSPITAL_DISCHARGE else prescriber,
        source=regimen.source,
        reading_below=regimen.reading_below,
        reading_below_action=regimen.reading_below_action,
        reading_above=regimen.reading_above,
        reading_above_action=regimen.reading_above_action,
        reading_plan=regimen.reading_plan,
        apply_to=list(regimen.apply_to),
        apply_how=regimen.apply_how,
    )


# --- Staff -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class StaffMember:
    username: str
    full_name: str
    initials: str
    role: str
    where: str  # "home", "branch", "both" or "provider"


DEMO_STAFF: tuple[StaffMember, ...] = (
    StaffMember("carer.amy", "Amy Clarke", "AC", Role.CARE_WORKER, "home"),
    StaffMember("carer.ben", "Ben Okafor", "BO", Role.CARE_WORKER, "home"),
    StaffMember("carer.dev", "Dev Sharma", "DS", Role.CARE_WORKER, "home"),
    StaffMember("senior.sara", "Sara Hughes", "SH", Role.SENIOR_CARER, "home"),
    StaffMember("leader.tom", "Tom Bennett", "TB", Role.TEAM_LEADER, "home"),
    StaffMember("homecare.hana", "Hana Ahmed", "HA", Role.CARE_WORKER, "branch"),
    StaffMember("homecare.harry", "Harry Walsh", "HW", Role.CARE_WORKER, "branch"),
    StaffMember("senior.ravi", "Ravi Patel", "RP", Role.SENIOR_CARER, "branch"),
    StaffMember("coord.chloe", "Chloe Morgan", "CM", Role.COORDINATOR, "both"),
    StaffMember("manager.mike", "Mike Fletcher", "MF", Role.REGISTERED_MANAGER, "both"),
    StaffMember("admin.pat", "Pat Doyle", "PD", Role.PROVIDER_ADMIN, "provider"),
)


def create_staff(
    members: tuple[StaffMember, ...], *, provider: Provider, where: dict[str, list[Location]], password: str
) -> dict[str, User]:
    """Staff accounts with one shared password hash (hashing once keeps the seed quick)."""
    hashed = make_password(password)
    users = [
        User(
            username=m.username,
            full_name=m.full_name,
            first_name=m.full_name.split()[0],
            last_name=m.full_name.split()[-1],
            initials=m.initials,
            role=m.role,
            provider=provider,
            password=hashed,
            email=f"{m.username}@carebook.example",  # notifications' emails: printed by the demo's console backend
        )
        for m in members
    ]
    User.objects.bulk_create(users)
    users_by_name = {u.username: u for u in User.objects.filter(username__in=[m.username for m in members])}
    Membership.objects.bulk_create(
        [
            Membership(user=users_by_name[m.username], location=location)
            for m in members
            for location in where.get(m.where, [])
        ]
    )
    return users_by_name


def demo_password() -> str:
    return str(getattr(settings, "DEMO_PASSWORD", "carebook-demo-2026"))


# --- The replayed clock ------------------------------------------------------------------------------


class ReplayClock:
    """Stands in for ``clock.now`` while history is replayed; only ever moves forwards."""

    def __init__(self, start: dt.datetime) -> None:
        self.now = start

    def advance_to(self, moment: dt.datetime) -> dt.datetime:
        if moment > self.now:
            self.now = moment
        return self.now

    def tick(self, seconds: float = 1) -> dt.datetime:
        self.now += dt.timedelta(seconds=seconds)
        return self.now


@contextmanager
def replayed_clock(start: dt.datetime) -> Iterator[ReplayClock]:
    replay = ReplayClock(start)
    with clock.overridden(lambda: replay.now):
        yield replay


# --- Recording doses in the replay ----------------------------------------------------------------------

REFUSALS = (
    "Said she had had enough tablets today. Will offer again at the next round.",
    "Refused: said it makes him feel dizzy. Senior informed; GP review requested if it continues.",
    "Pushed the pot away and said 'not now'. Offered again 30 minutes later and still declined.",
    "Declined: wanted to wait until after her visitors had gone.",
)
# The refusals whose words say the dose will not be offered again (the rest: "Refused (will offer again)").
REFUSED_FOR_GOOD = frozenset(REFUSALS[1:3])
PRN_REASONS = {
    "paracetamol_500": ("Said her knees ached after the walk to the lounge.", "Headache, asked for painkillers."),
    "codeine_30": ("Hip pain after physiotherapy, scored 6 out of 10.",),
    "ibuprofen_400": ("Stiff, painful hands this morning.",),
    "oxycodone_5": ("Breakthrough pain in the lower back, 7 out of 10.",),
    "oramorph_10_5": ("Breathless and in pain when moved.",),
    "lorazepam_1": ("Very distressed and calling out; reassurance and a cup of tea tried first without effect.",),
    "salbutamol_inhaler": ("Wheezy and short of breath after the stairs.",),
    "laxido": ("No bowel movement for 3 days.",),
    "senna_75": ("No bowel movement for 3 days.",),
}
PRN_DAILY_CHANCE = {
    "paracetamol_500": 0.35,
    "codeine_30": 0.15,
    "ibuprofen_400": 0.1,
    "oxycodone_5": 0.3,
    "oramorph_10_5": 0.25,
    "lorazepam_1": 0.08,
    "salbutamol_inhaler": 0.2,
    "laxido": 0.1,
    "senna_75": 0.1,
}


def answers(check: str, *, outcome: str, reading: Decimal | None = None, failed: str = "") -> list[rules.Answer]:
    """The safety prompts as a carer answers them for this outcome."""
    required = rules.prompts_for(check)
    if outcome in (Outcome.ASLEEP, Outcome.NAUSEA_VOMITING):
        return [rules.Answer("right_person", "confirmed")]
    result: list[rules.Answer] = []
    for prompt in required:
        if prompt == failed:
            value = reading if prompt in rules.READING_PROMPTS else None
            note = "Declined." if prompt == "consent" else "Below the limit in the care plan."
            result.append(rules.Answer(prompt, "failed", value, note))
            return result
        value = reading if prompt in rules.READING_PROMPTS else None
        result.append(rules.Answer(prompt, "confirmed", value))
    return result


@dataclass(order=True)
class Event:
    at: dt.datetime
    order: int
    action: Callable[[], object] = field(compare=False)


@dataclass
class Replay:
    """The state a replay needs: who is on shift, the sites used last, what was given."""

    rng: random.Random
    clock: ReplayClock
    staff: dict[str, User]
    password: str
    shifts: Callable[[Location, dt.datetime], tuple[User, User]]  # (recorder, senior witness)
    site_turn: dict[Any, int] = field(default_factory=dict)
    prn_planned: dict[Any, list[rules.PrnDose]] = field(default_factory=dict)
    # Doses planned so far of medicines with a capped ingredient (paracetamol), by person: the 24-hour maximum
    # across products counts a rolling 24 hours, so a morning dose earlier than yesterday's may have to wait.
    ingredient_planned: dict[Any, list[rules.ingredients.IngredientDose]] = field(default_factory=dict)
    counter: int = 0
    recorded: int = 0
    readings_shown: set[str] = field(default_factory=set)  # the week's first low and high readings, once each
    stories: dict[str, PersonPlan] = field(default_factory=dict)

    def next_site(self, rx: Prescription) -> str:
        if rx.medicine.is_topical:  # a cream: where it is prescribed (all its areas), as a carer would say
            return rules.sites.applied_choices(rx.apply_to)[0]
        if not rx.medicine.site_recorded:
            return ""
        sites = rules.sites.sites_for(rx.medicine.form)  # the body map, in turn: never the last site
        key = (rx.person_id, rx.medicine_id)
        turn = self.site_turn.get(key)
        if turn is None:  # after the bulk history's last site, as a carer would go on
            last = previous_sites(person_id=rx.person_id, medicine_id=rx.medicine_id, gap=1)
            turn = sites.index(last[0]) + 1 if last and last[0] in sites else self.rng.randrange(len(sites))
        self.site_turn[key] = turn + 1
        return sites[turn % len(sites)]

    def ingredient_allowed(self, rx: Prescription, at: dt.datetime, quantity: Decimal) -> dt.datetime | None:
        """When a dose of ``quantity`` at ``at`` keeps every capped ingredient within its 24-hour maximum:
        ``at`` itself, or the earliest later time (None: no capped ingredient, or the dose alone is too much)."""
        contents = capped_contents(_entry_of(rx.medicine))
        if not contents:
            return at
        planned = self.ingredient_planned.setdefault(rx.person_id, [])
        allowed = rules.ingredients.next_allowed(contents=contents, quantity=quantity, history=planned, at=at)
        if allowed is not None and allowed.year == dt.MAXYEAR:
            return None
        return at if allowed is None else allowed + dt.timedelta(minutes=1)

    def fits_before_planned(self, rx: Prescription, at: dt.datetime, quantity: Decimal) -> bool:
        """A when-required dose at ``at`` leaves every capped ingredient within its 24-hour maximum for the doses
        already planned after it too (the rounds of the day are planned first: a dose at 16:30 must not make the
        19:00 round's dose one too many)."""
        planned = self.ingredient_planned.get(rx.person_id, [])
        for content in capped_contents(_entry_of(rx.medicine)):
            mine = [d for d in planned if d.code == content.limit.code]
            added = content.in_dose(quantity)
            for later in [d for d in mine if at < d.at < at + dt.timedelta(hours=24)]:
                window = sum((d.mg for d in mine if later.at - dt.timedelta(hours=24) < d.at <= later.at), Decimal(0))
                if window + added > content.limit.max_24h_mg:
                    return False
        return True

    def plan_ingredients(self, rx: Prescription, at: dt.datetime, quantity: Decimal) -> None:
        for content in capped_contents(_entry_of(rx.medicine)):
            self.ingredient_planned.setdefault(rx.person_id, []).append(
                rules.ingredients.IngredientDose(at, content.limit.code, content.in_dose(quantity), str(rx.medicine))
            )

    def remember_taken(self, since: dt.datetime) -> None:
        """Plan around the doses already taken since ``since`` (the months written in bulk before the replay), as
        the services will count them: each capped ingredient's 24 hours, each when-required dose's interval and
        maximum."""
        for a in (
            Administration.objects.taken()
            .filter(administered_at__gt=since, location__provider__isnull=False)
            .select_related("prescription__medicine")
            .order_by("administered_at")
        ):
            rx = a.prescription
            quantity = a.dose_given or rx.dose_min
            self.plan_ingredients(rx, a.administered_at, quantity)
            if rx.is_prn:
                self.prn_planned.setdefault(rx.pk, []).append(rules.PrnDose(at=a.administered_at, quantity=quantity))

    def event(self, at: dt.datetime, action: Callable[[], object]) -> Event:
        self.counter += 1
        return Event(at, self.counter, action)

    def record(
        self, *, rx: Prescription, at: dt.datetime, outcome: str, prompts: list[rules.Answer], **kwargs: Any
    ) -> Administration:
        self.clock.advance_to(at)
        recorder, senior = self.shifts(rx.person.location, clock.to_local(self.clock.now))
        witness = None
        if rx.medicine.needs_witness and outcome in WITNESSED:
            witness = WitnessCredentials(senior.username, self.password)
        if rx.medicine.form == Medicine.Form.PATCH:
            kwargs.setdefault("old_patch", OldPatch.REMOVED)  # the old one taken off first (kept only if one was on)
        result = administration_record(by=recorder, outcome=outcome, prompts=prompts, witness=witness, **kwargs)
        self.recorded += 1
        return result.administration


def _first_time(replay: Replay, what: str) -> bool:
    if what in replay.readings_shown:
        return False
    replay.readings_shown.add(what)
    return True


def _entry_of(medicine: Medicine) -> DemoMedicine:
    """The curated entry of a medicine (every demo medicine has one)."""
    return next(m for m in BY_KEY.values() if m.name == medicine.name and m.strength == medicine.strength)


def scheduled_dose_event(replay: Replay, dose: DueDose, rx: Prescription, cutoff: dt.datetime) -> Event | None:
    rng = replay.rng
    critical = rx.medicine.time_critical
    offset = rng.gauss(6, 10)
    offset = min(max(offset, -10), 25) if critical else min(max(offset, -25), 50)
    at = dose.scheduled_at + dt.timedelta(minutes=offset)
    if at >= cutoff:
        return None
    check = rx.effective_check
    reading: Decimal | None = None
    failed = ""
    roll = rng.random()
    outcome: str = Outcome.GIVEN
    reason = ""
    # Readings: the first digoxin dose of the week meets a slow pulse, the first insulin doses a low and a
    # high glucose, so the history shows a dose withheld on the prescriber's limit and one given and told.
    if check == "pulse":
        pulse = 54 if _first_time(replay, "pulse low") else rng.choice(range(56, 96))
        reading = Decimal(pulse)
    elif check == "blood_glucose":
        if _first_time(replay, "glucose low"):
            reading = Decimal("3.4")
        elif roll >= 0.05 and _first_time(replay, "glucose high"):  # a dose that will be given
            reading = Decimal("21.6")
        else:
            reading = Decimal(str(round(rng.uniform(5.0, 13.5), 1)))
    verdict = rules.decide(rx.reading_rule, check=check, value=reading) if reading is not None else None
    if verdict is not None and verdict.decision == ReadingDecision.WITHHOLD:
        outcome = Outcome.NOT_REQUIRED
        reason = f"{verdict.message} Withheld as the prescriber directs. {rx.reading_plan}"
    if outcome == Outcome.GIVEN:
        if roll < 0.035:
            outcome, failed, reason = Outcome.REFUSED, "consent", rng.choice(REFUSALS)
            if reason in REFUSED_FOR_GOOD:  # offered again already, or to be reviewed: not to offer again
                outcome = Outcome.REFUSED_NOT_OFFERED_AGAIN
        elif roll < 0.045 and not critical:
            outcome, reason = Outcome.ASLEEP, "Fast asleep; the care plan says not to wake her. Offered when awake."
        elif roll < 0.05:
            outcome, reason = Outcome.NAUSEA_VOMITING, "Felt sick and had vomited after breakfast. Senior informed."
    dose_given = None
    if outcome == Outcome.GIVEN and rx.is_variable_dose:
        dose_given = rx.dose_max if rng.random() < 0.5 else rx.dose_min
    if outcome == Outcome.GIVEN:
        # Paracetamol four times a day is 4 g: the next morning's dose waits until yesterday's first has left the
        # 24 hours, as the service requires (and says).
        allowed = replay.ingredient_allowed(rx, at, dose_given or rx.dose_min)
        if allowed is None or allowed >= cutoff:
            return None
        at = allowed
        replay.plan_ingredients(rx, at, dose_given or rx.dose_min)
    prompts = answers(check, outcome=outcome, reading=reading, failed=failed)
    site = replay.next_site(rx) if outcome == Outcome.GIVEN else ""

    def act() -> object:
        if not DueDose.objects.filter(pk=dose.pk, state=DueDose.State.PENDING).exists():
            return None  # withdrawn earlier today: its prescription was changed, suspended or stopped
        return replay.record(
            rx=rx,
            at=at,
            outcome=outcome,
            prompts=prompts,
            due_dose=dose,
            reason=reason,
            dose_given=dose_given,
            site=site,
        )

    return replay.event(at, act)


def prn_events(replay: Replay, rx: Prescription, day: dt.date, cutoff: dt.datetime) -> list[Event]:
    rng = replay.rng
    key = _entry_of(rx.medicine).key
    if rng.random() >= PRN_DAILY_CHANCE.get(key, 0):
        return []
    hour = rng.choice(range(9, 21)) if key != "lorazepam_1" else rng.choice((3, 15, 16, 19, 20))
    at = clock.local_wall_time(day, dt.time(hour, rng.randrange(60)))
    if at + dt.timedelta(minutes=60) >= cutoff:
        return []
    dose_given = rx.dose_min if rng.random() < 0.5 else rx.dose_max
    # Only plan a dose the PRN rules allow (the service would refuse it, rightly).
    planned = replay.prn_planned.setdefault(rx.pk, [])
    assert rx.prn_min_interval_minutes is not None and rx.prn_max_quantity_24h is not None
    if (
        rules.prn_next_allowed(
            history=planned,
            now=at,
            quantity=dose_given,
            min_interval=dt.timedelta(minutes=rx.prn_min_interval_minutes),
            max_24h=rx.prn_max_quantity_24h,
        )
        is not None
    ):
        return []
    if replay.ingredient_allowed(rx, at, dose_given) != at or not replay.fits_before_planned(rx, at, dose_given):
        return []
    replay.plan_ingredients(rx, at, dose_given)
    planned.append(rules.PrnDose(at=at, quantity=dose_given))
    reason = rng.choice(PRN_REASONS.get(key, ("Asked for it.",)))
    holder: dict[str, Administration] = {}

    def give() -> None:
        holder["given"] = replay.record(
            rx=rx,
            at=at,
            outcome=Outcome.GIVEN,
            prompts=answers(rx.effective_check, outcome=Outcome.GIVEN),
            prescription=rx,
            dose_given=dose_given,
            prn_reason=reason,
        )

    follow_at = at + dt.timedelta(minutes=rng.choice(range(30, 61)))
    effect = rng.choices(
        [PrnFollowUp.Effect.EFFECTIVE, PrnFollowUp.Effect.PARTLY, PrnFollowUp.Effect.NOT_EFFECTIVE], [7, 2, 1]
    )[0]
    notes = {"effective": "Settled and comfortable.", "partly": "A little better.", "not_effective": "No better."}

    def follow_up() -> None:
        given = holder.get("given")
        if given is None:
            return
        replay.clock.advance_to(follow_at)
        recorder, _ = replay.shifts(rx.person.location, clock.to_local(replay.clock.now))
        prn_follow_up_record(administration=given, by=recorder, effect=effect, note=notes[effect])

    return [replay.event(at, give), replay.event(follow_at, follow_up)]


# --- The demo ------------------------------------------------------------------------------------------


@dataclass
class DemoResult:
    provider: Provider
    home: Location
    branch: Location
    people: int
    prescriptions: int
    administrations: int
    awaiting_check: int
    staff: list[StaffMember]


def _shifts_for(staff: dict[str, User]) -> Callable[[Location, dt.datetime], tuple[User, User]]:
    def shifts(location: Location, local: dt.datetime) -> tuple[User, User]:
        even = local.toordinal() % 2 == 0
        hour = local.hour
        if location.kind == Location.Kind.HOME_CARE:
            carer = staff["homecare.hana"] if 6 <= hour < 14 else staff["homecare.harry"]
            return carer, staff["senior.ravi"]
        if 7 <= hour < 14:
            carer = staff["carer.amy"] if even else staff["carer.ben"]
        elif 14 <= hour < 22:
            carer = staff["carer.ben"] if even else staff["carer.amy"]
        else:
            carer = staff["carer.dev"]
        # Seniors witness controlled drugs: Sara on the day shift every other day, Tom otherwise.
        senior = staff["senior.sara"] if 7 <= hour < 19 and even else staff["leader.tom"]
        return carer, senior

    return shifts


def seed_demo(size: SeedSize = FULL, *, out: Callable[[str], None] | None = None) -> DemoResult | None:
    """Seed the demo organisation, unless the database already has a provider. Returns None if it did nothing."""
    say = out or (lambda _message: None)
    if Provider.objects.exists():
        return None
    rng = random.Random(SEED)  # noqa: S311 (demo data, not security)
    real_now = clock.now()
    today = clock.to_local(real_now).date()
    go_live = today - dt.timedelta(days=size.history_days + size.bulk_days)
    replay_start = go_live + dt.timedelta(days=size.bulk_days)
    entry_start = clock.local_wall_time(go_live - dt.timedelta(days=1), dt.time(13, 0))
    password = demo_password()
    with transaction.atomic():
        medicines = ensure_medicines()
        provider = Provider.objects.create(name=PROVIDER_NAME)
        # The home keeps its MAR on the pharmacy's 28-day cycle, counted from go-live (ADR 0039).
        home = Location.objects.create(
            provider=provider, name=HOME_NAME, kind=Location.Kind.CARE_HOME, mar_cycle_start=go_live
        )
        branch = Location.objects.create(provider=provider, name=BRANCH_NAME, kind=Location.Kind.HOME_CARE)
        rowan = Unit.objects.create(location=home, name="Rowan (ground floor)")
        willow = Unit.objects.create(location=home, name="Willow (first floor)")
        north = Unit.objects.create(location=branch, name="North round")
        south = Unit.objects.create(location=branch, name="South round")
        staff = create_staff(
            DEMO_STAFF,
            provider=provider,
            where={"home": [home], "branch": [branch], "both": [home, branch]},
            password=password,
        )
        say(f"Created {PROVIDER_NAME}: {HOME_NAME} and {BRANCH_NAME}, {len(staff)} staff.")

        used_names: set[str] = set()
        used_nhs: set[str] = set()
        n = size.residents_per_unit
        home_slots = [(rowan, f"{i + 1}") for i in range(n)] + [(willow, f"{101 + i}") for i in range(n)]
        # Interleave the units so both get the special conditions first.
        home_slots = [s for pair in zip(home_slots[:n], home_slots[n:], strict=True) for s in pair]
        home_people = make_people(
            rng, location=home, slots=home_slots, used_names=used_names, used_nhs=used_nhs, today=today
        )
        branch_slots = [
            (north if i % 2 == 0 else south, f"{rng.randrange(2, 120)} {rng.choice(STREETS)}")
            for i in range(size.home_care_people)
        ]
        branch_people = make_people(
            rng, location=branch, slots=branch_slots, used_names=used_names, used_nhs=used_nhs, today=today
        )
        # The stories' residents: a penicillin allergy (prescribed co-amoxiclav on day 1, with a senior's
        # decision), and paracetamol tablets with co-codamol when required (a shared-ingredient warning).
        penicillin_plan = home_people[2]
        penicillin_plan.allergies = [PENICILLIN_STORY]
        save_people(home_people + branch_people, allergies_in_bulk=False)
        plan_regimens(rng, home_people, specials=SPECIAL_HOME, per_person=size.rx_per_person)
        plan_regimens(rng, branch_people, specials=SPECIAL_HOME_CARE, per_person=size.rx_per_person)
        _add_shared_ingredient_story(home_people, exclude=penicillin_plan)
        say(f"Created {len(home_people) + len(branch_people)} people.")

        with replayed_clock(entry_start) as replay_clock:
            replay = Replay(rng=rng, clock=replay_clock, staff=staff, password=password, shifts=_shifts_for(staff))
            seniors = {home.pk: staff["senior.sara"], branch.pk: staff["senior.ravi"]}
            record_allergies(
                home_people + branch_people, recorder=lambda person: seniors[person.location_id], clock_=replay_clock
            )
            say("Recorded everyone's allergies, or that they have none known.")
            replay.stories["penicillin"] = penicillin_plan
            prescriptions = _enter_all(replay, home_people + branch_people, medicines, go_live, staff)
            say(f"Entered and checked {len(prescriptions)} prescriptions (as on go-live day, {go_live:%d %B}).")
            audits = AuditStories(staff=staff, home=home, branch=branch, today=today)
            audits.install(starts_on=go_live)
            # The audits' moments before the replayed week are done with the months; the rest as the week is replayed.
            audit_steps = audits.steps(go_live, today - dt.timedelta(days=1))
            week_starts = clock.local_wall_time(replay_start, dt.time(0, 0))
            if size.bulk_days:
                counts = write_months(
                    rng=rng,
                    replay_clock=replay_clock,
                    months=Months(go_live=go_live, end=replay_start),
                    locations=[home, branch],
                    staff=staff,
                    carers={
                        home.pk: ["carer.amy", "carer.ben", "carer.dev"],
                        branch.pk: ["homecare.hana", "homecare.harry"],
                    },
                    seniors={home.pk: ["senior.sara", "leader.tom"], branch.pk: ["senior.ravi", "manager.mike"]},
                    also=[step for step in audit_steps if step[0] < week_starts],
                )
                replay.remember_taken(clock.local_wall_time(replay_start, dt.time(0, 0)) - dt.timedelta(hours=48))
                say(f"Wrote {size.bulk_days} days of rounds before the last week: {counts.administrations} doses.")
            week_steps = [step for step in audit_steps if step[0] >= week_starts]
            _replay_history(replay, size, replay_start, real_now, medicines, home_people + branch_people, week_steps)
        say(f"Replayed the last {size.history_days} days of rounds: {replay.recorded} doses recorded.")

        # Now, at the real time: keep due doses generated ahead, and leave work for the seniors.
        due_doses_extend_horizon(now=clock.now())
        awaiting = _awaiting_check(rng, home_people, medicines, staff["senior.sara"])
        _warfarin_by_the_clinic([home, branch], staff)
        _todays_runs(branch, staff)
        KindStories(replay, staff, last_day_index=0).thresholds(home)
        alerts_scan(now=clock.now())  # what the worker's first scan finds: the alerts the history left
        build_rollups(now=clock.now())  # the dose figures' daily rollups, as the worker's job keeps them
        result = DemoResult(
            provider=provider,
            home=home,
            branch=branch,
            people=len(home_people) + len(branch_people),
            prescriptions=Prescription.objects.filter(person__location__provider=provider).count(),
            administrations=Administration.objects.filter(location__provider=provider).count(),
            awaiting_check=awaiting,
            staff=list(DEMO_STAFF),
        )
    return result


def _enter_all(
    replay: Replay,
    plans: list[PersonPlan],
    medicines: dict[str, Medicine],
    go_live: dt.date,
    staff: dict[str, User],
) -> list[Prescription]:
    """The afternoon before go-live: a senior enters every MAR, and a second senior checks each entry."""
    rng = replay.rng
    entered: list[tuple[Prescription, User]] = []
    for plan in plans:
        home_care = plan.person.location.kind == Location.Kind.HOME_CARE
        enterer = staff["senior.ravi"] if home_care else staff["senior.sara"]
        checker = staff["manager.mike"] if home_care else staff["leader.tom"]
        gp = dict(GP_PRACTICES)[plan.person.gp_practice]
        for regimen in plan.regimens:
            if regimen.course_days:
                continue  # courses start during the replayed week
            replay.clock.tick(rng.choice(range(20, 50)))
            # The Carebook MAR starts on go-live day: earlier doses are on the paper MAR.
            data = prescription_input(regimen, medicines, start=go_live, prescriber=gp)
            entered.append((prescription_create(person=plan.person, by=enterer, data=data), checker))
    replay.clock.tick(600)
    for rx, checker in entered:
        replay.clock.tick(rng.choice(range(10, 30)))
        prescription_check_transcription(
            prescription=rx, by=checker, note="Checked against the current MAR and the GP's repeat list."
        )
    return [rx for rx, _ in entered]


def _first(plans: list[PersonPlan], medicine_key: str) -> Prescription | None:
    person_ids = [p.person.pk for p in plans]
    return (
        Prescription.objects.filter(
            person_id__in=person_ids,
            medicine__name=BY_KEY[medicine_key].name,
            medicine__strength=BY_KEY[medicine_key].strength,
            status=PrescriptionStatus.ACTIVE,
        )
        .select_related("medicine", "person__location")
        .order_by("person__family_name", "person__given_name")
        .first()
    )


def _story_events(
    replay: Replay,
    day_index: int,
    day: dt.date,
    plans: list[PersonPlan],
    medicines: dict[str, Medicine],
    cutoff: dt.datetime,
) -> list[Event]:
    """The week's moments beyond routine rounds: a course, a change, a suspension, a discontinuation."""
    staff = replay.staff
    senior, checker = staff["senior.sara"], staff["leader.tom"]
    events: list[Event] = []

    def at(hour: int, minute: int = 0) -> dt.datetime:
        return clock.local_wall_time(day, dt.time(hour, minute))

    if at(12) >= cutoff:
        return events
    if day_index == 1:
        patient = next(
            (
                p
                for p in plans
                if p.person.location.kind == Location.Kind.CARE_HOME
                and p.sex == "f"
                and not any(r.medicine == "nitrofurantoin_mr_100" for r in p.regimens)
            ),
            None,
        )
        if patient is not None:

            def start_course() -> None:
                replay.clock.advance_to(at(9, 40))
                data = prescription_input(R["nitrofurantoin_course"], medicines, start=day, prescriber="Dr Anika Khan")
                rx = prescription_create(person=patient.person, by=senior, data=data)
                replay.clock.advance_to(at(10, 5))
                prescription_check_transcription(prescription=rx, by=checker, note="Checked against the FP10.")

            events.append(replay.event(at(9, 40), start_course))
        allergic = replay.stories.get("penicillin")
        if allergic is not None:

            def start_coamoxiclav() -> None:
                # The GP prescribes co-amoxiclav knowing of the allergy; Carebook finds the match at entry and holds
                # the doses until a senior records why it is safe to go on.
                replay.clock.advance_to(at(10, 30))
                data = prescription_input(R["coamoxiclav_course"], medicines, start=day, prescriber="Dr Anika Khan")
                rx = prescription_create(person=allergic.person, by=senior, data=data)
                replay.clock.advance_to(at(10, 50))
                allergy_decision_record(
                    prescription=rx,
                    by=senior,
                    reason="Dr Khan (GP) confirmed by phone: the 2009 rash came with a viral illness, not the "
                    "antibiotic, and she has had amoxicillin since without a reaction (hospital letter, 2024). Safe to "
                    "give; watch for a rash.",
                )
                replay.clock.advance_to(at(11, 5))
                prescription_check_transcription(prescription=rx, by=checker, note="Checked against the FP10.")

            events.append(replay.event(at(10, 30), start_coamoxiclav))
    if day_index == 2:

        def change_lactulose() -> None:
            rx = _first(plans, "lactulose")
            if rx is None:
                return
            replay.clock.advance_to(at(11, 10))
            data = prescription_input(
                replace_dose(R["lactulose"], "10", "Take 10 mL TWICE a day."),
                medicines,
                start=day,
                prescriber=dict(GP_PRACTICES).get(rx.person.gp_practice, "Dr Anika Khan"),
            )
            new = prescription_change(
                prescription=rx, by=senior, data=data, reason="Loose stools: the GP reduced the dose by phone."
            )
            replay.clock.advance_to(at(11, 35))
            prescription_check_transcription(prescription=new, by=checker, note="Confirmed with the surgery.")

        events.append(replay.event(at(11, 10), change_lactulose))
    if day_index == 3:

        def suspend_ramipril() -> None:
            rx = _first(plans, "ramipril_25")
            if rx is not None:
                replay.clock.advance_to(at(10, 20))
                prescription_suspend(
                    prescription=rx,
                    by=senior,
                    reason="Blood pressure 96/58 and dizzy. GP asked us to hold it until her review next week.",
                )

        events.append(replay.event(at(10, 20), suspend_ramipril))
    if day_index == 4:

        def stop_donepezil() -> None:
            rx = _first(plans, "donepezil_10")
            if rx is not None:
                replay.clock.advance_to(at(14, 30))
                prescription_discontinue(
                    prescription=rx,
                    by=staff["manager.mike"],
                    reason="Stopped at the GP's review: slow pulse and poor appetite.",
                )

        events.append(replay.event(at(14, 30), stop_donepezil))
    return events


def _add_shared_ingredient_story(plans: list[PersonPlan], *, exclude: PersonPlan) -> None:
    """One resident with paracetamol tablets when required is also prescribed co-codamol when required: the
    prescription pages warn that both contain paracetamol, and every dose counts towards the 4 g a day."""
    for plan in plans:
        keys = {r.medicine for r in plan.regimens}
        if plan is exclude or "paracetamol_500" not in keys or keys & OPIOIDS:
            continue
        findings = rules.allergies.allergy_findings(
            plan.allergy_facts(), medicine="Co-codamol", ingredients=ingredient_facts(BY_KEY["cocodamol_30_500"])
        )
        if any(f.needs_decision for f in findings):
            continue
        plan.regimens.append(R["cocodamol_prn"])
        return


def replace_dose(regimen: Regimen, dose: str, directions: str) -> Regimen:
    return Regimen(**{**regimen.__dict__, "dose": dose, "directions": directions})


def _replay_history(
    replay: Replay,
    size: SeedSize,
    start: dt.date,
    real_now: dt.datetime,
    medicines: dict[str, Medicine],
    plans: list[PersonPlan],
    audit_steps: list[tuple[dt.datetime, Callable[[], object]]],
) -> None:
    """Every round from ``start`` (go-live, or the end of the months written in bulk) until a little before now, as
    the carers recorded it, and the governance audits of those days."""
    # Doses due in the last 40 minutes are left for the round in progress.
    cutoff = real_now - dt.timedelta(minutes=40)
    location_ids = {p.person.location_id for p in plans}
    flags = {"mistake": False, "late": False}
    # Five of the last full day's morning doses are not recorded: the alerts' stories (demo/alert_stories.py).
    stories = AlertStories(replay, replay.staff, day_index=size.history_days - 1)
    incident_stories = IncidentStories(replay, replay.staff, stories)  # three of them become incidents
    kinds = KindStories(replay, replay.staff, last_day_index=size.history_days - 1)
    day = start
    day_index = 0
    while clock.local_wall_time(day, dt.time(0, 0)) < cutoff:
        day_start = clock.local_wall_time(day, dt.time(0, 0))
        day_end = min(clock.local_wall_time(day + dt.timedelta(days=1), dt.time(0, 0)), cutoff)
        # The background job, as the worker runs it through the night.
        replay.clock.advance_to(day_start)
        due_doses_extend_horizon(now=replay.clock.now)
        queue = _story_events(replay, day_index, day, plans, medicines, cutoff)
        story = {id(e) for e in queue}
        seen: set[Any] = set()

        def add_doses(
            since: dt.datetime,
            day_index: int = day_index,
            day_end: dt.datetime = day_end,
            seen: set[Any] = seen,
            queue: list[Event] = queue,
        ) -> None:
            doses = (
                DueDose.objects.filter(
                    location_id__in=location_ids,
                    state=DueDose.State.PENDING,
                    scheduled_at__gte=since,
                    scheduled_at__lt=day_end,
                )
                .exclude(pk__in=seen)
                .select_related("prescription__medicine", "prescription__person__location")
                .order_by("scheduled_at", "person__family_name")
            )
            for dose in doses:
                seen.add(dose.pk)
                event = scheduled_dose_event(replay, dose, dose.prescription, cutoff)
                if event is None:
                    continue
                if stories.takes(dose, day_index):
                    continue
                ordinary = not dose.prescription.medicine.needs_witness
                kind_event = kinds.instead(dose, event.at, day_index)  # the other alert kinds' stories
                if kind_event is not None:
                    event = kind_event
                elif not flags["mistake"] and day_index == 1 and dose.local_time >= dt.time(11, 0) and ordinary:
                    flags["mistake"] = True
                    event = _mistake_event(replay, dose, event.at)
                elif (
                    not flags["late"]
                    and day_index == min(3, size.history_days - 1)
                    and dose.local_time >= dt.time(16, 0)
                    and ordinary
                ):
                    flags["late"] = True
                    event = _late_entry_event(replay, dose, event.at)
                heapq.heappush(queue, event)

        heapq.heapify(queue)
        add_doses(day_start)
        for event in [*stories.events(), *incident_stories.events()]:
            heapq.heappush(queue, event)
        for moment, action in audit_steps:  # the audits' moments of the day
            if day_start <= moment < day_end:
                heapq.heappush(queue, replay.event(moment, action))
        prn = (
            Prescription.objects.filter(
                person__location_id__in=location_ids, schedule_kind=ScheduleKind.PRN, status=PrescriptionStatus.ACTIVE
            )
            .select_related("medicine", "person__location")
            .order_by("person__family_name", "medicine__name")
        )
        for rx in prn:
            if rx.medicine.controlled_drug_schedule == 3 and rx.medicine.form != Medicine.Form.CAPSULE:
                continue  # rescue midazolam: nobody had a seizure this week
            for event in prn_events(replay, rx, day, cutoff) + kinds.prn_events(rx, day, day_index, cutoff):
                heapq.heappush(queue, event)
        while queue:
            event = heapq.heappop(queue)
            replay.clock.advance_to(event.at)
            event.action()
            if id(event) in story:
                # A prescription started or changed: its new doses join today's rounds.
                add_doses(replay.clock.now)
        day += dt.timedelta(days=1)
        day_index += 1


def _mistake_event(replay: Replay, dose: DueDose, at: dt.datetime) -> Event:
    """A carer taps 'given' on the wrong row, marks it entered in error, and records the refusal."""
    rx = dose.prescription
    check = rx.effective_check
    reading = Decimal("72") if check == "pulse" else Decimal("7.4") if check == "blood_glucose" else None

    def act() -> None:
        wrong = replay.record(
            rx=rx,
            at=at,
            outcome=Outcome.GIVEN,
            prompts=answers(check, outcome=Outcome.GIVEN, reading=reading),
            due_dose=dose,
            dose_given=rx.dose_min if rx.is_variable_dose else None,
            site=replay.next_site(rx),
        )
        replay.clock.tick(240)
        administration_mark_entered_in_error(
            administration=wrong,
            by=Administration.objects.get(pk=wrong.pk).recorded_by,
            reason="Pressed 'given' on the wrong row by mistake: this dose was refused and is still in the pot.",
        )
        replay.clock.tick(60)
        replay.record(
            rx=rx,
            at=replay.clock.now,
            outcome=Outcome.REFUSED,
            prompts=answers(check, outcome=Outcome.REFUSED, failed="consent"),
            due_dose=dose,
            reason="Refused: not hungry and did not want tablets without food. Will offer again after a snack.",
        )

    return replay.event(at, act)


def _late_entry_event(replay: Replay, dose: DueDose, at: dt.datetime) -> Event:
    """Given on time, written up 45 minutes later (after a fall in the lounge): a late entry, and it says so."""
    rx = dose.prescription
    check = rx.effective_check
    reading = Decimal("76") if check == "pulse" else Decimal("8.1") if check == "blood_glucose" else None

    def act() -> None:
        replay.record(
            rx=rx,
            at=at + dt.timedelta(minutes=45),
            outcome=Outcome.GIVEN,
            prompts=answers(check, outcome=Outcome.GIVEN, reading=reading),
            due_dose=dose,
            administered_at=at,
            dose_given=rx.dose_min if rx.is_variable_dose else None,
            site=replay.next_site(rx),
            observations="Recorded late: called away to help a resident who had fallen.",
        )

    return replay.event(at + dt.timedelta(minutes=45), act)


def _awaiting_check(rng: random.Random, plans: list[PersonPlan], medicines: dict[str, Medicine], senior: User) -> int:
    """Two prescriptions entered this morning and not yet checked: work for the seniors' home page."""
    count = 0
    for key in ("trimethoprim_course", "hydrocortisone_course"):
        regimen = R[key]
        candidates = [p for p in plans if _allowed(regimen, p, p.regimens)]
        if not candidates:
            continue
        plan = candidates[(count * 7 + 3) % len(candidates)]
        data = prescription_input(regimen, medicines, start=clock.today(), prescriber="Dr Anika Khan")
        prescription_create(person=plan.person, by=senior, data=data)
        count += 1
    return count


def _warfarin_by_the_clinic(locations: list[Location], staff: dict[str, User]) -> None:
    """This week warfarin moved to the anticoagulant clinic's dosing for two people (ADR 0037): each a new version
    "as directed by the clinic", checked. For the first, the clinic's letter of yesterday is entered by a senior and
    checked by a second; for the other the letter is awaited, so tonight's dose cannot be given and the alert says so
    (where only one person is on warfarin, the other is someone just started on it from hospital)."""
    pairs = {locations[0].pk: ("senior.sara", "leader.tom")}
    if len(locations) > 1:
        pairs[locations[1].pk] = ("senior.ravi", "manager.mike")
    on_warfarin = sorted(
        Prescription.objects.filter(
            person__location__in=locations, medicine__name__startswith="Warfarin", status=PrescriptionStatus.ACTIVE
        ).select_related("person"),
        key=lambda rx: (rx.person.location_id != locations[0].pk, rx.person.family_name),
    )
    today = clock.today()
    pattern = ("3", "3", "4", "3", "3", "4", "3", "3")
    for n, rx in enumerate(on_warfarin[:2]):
        senior, checker = (staff[u] for u in pairs[rx.person.location_id])
        new = _by_the_clinic(rx, senior, checker, today)
        if n == 0:
            instruction = dosing_instruction_enter(
                prescription=new,
                by=senior,
                inr="2.4",
                inr_date=today - dt.timedelta(days=1),
                next_inr_date=today + dt.timedelta(days=len(pattern) - 1),
                doses={today + dt.timedelta(days=d): amount for d, amount in enumerate(pattern)},
                source_note="Anticoagulant clinic letter, yesterday's INR",
            )
            dosing_instruction_check(instruction=instruction, by=checker)
    if len(on_warfarin) == 1:
        _started_from_hospital(locations[0], on_warfarin[0], staff[pairs[locations[0].pk][0]], today, pairs, staff)


def _by_the_clinic(rx: Prescription, senior: User, checker: User, today: dt.date) -> Prescription:
    data = PrescriptionInput(
        medicine_id=rx.medicine_id,
        dose_min="0.5",
        dose_max="10",
        route=rx.route,
        directions="Warfarin 1 mg tablets as directed by the anticoagulant clinic, at 6pm.",
        schedule_kind=rx.schedule_kind,
        times=list(rx.times),
        start_date=today,
        indication=rx.indication,
        instructions="The dose of each day is on the clinic's latest letter, entered on the prescription.",
        prescriber="Dr Anika Khan",
        source=rx.source,
        dose_from_instructions=True,
    )
    new = prescription_change(
        prescription=rx, by=senior, data=data, reason="GP: dosing now by the anticoagulant clinic"
    )
    prescription_check_transcription(prescription=new, by=checker, note="Matches the GP's letter")
    return new


def _started_from_hospital(
    location: Location,
    other: Prescription,
    senior: User,
    today: dt.date,
    pairs: dict[Any, tuple[str, str]],
    staff: dict[str, User],
) -> None:
    """Someone without an anticoagulant, started on warfarin by the hospital: the clinic's first letter awaited."""
    anticoagulated = Prescription.objects.filter(
        status=PrescriptionStatus.ACTIVE, medicine__name__regex=r"^(Warfarin|Apixaban|Rivaroxaban|Edoxaban)"
    ).values("person_id")
    person = Person.objects.filter(location=location).exclude(pk__in=anticoagulated).order_by("family_name").first()
    if person is None:
        return
    data = PrescriptionInput(
        medicine_id=other.medicine_id,
        dose_min="0.5",
        dose_max="10",
        route=other.route,
        directions="Warfarin 1 mg tablets as directed by the anticoagulant clinic, at 6pm.",
        times=list(other.times) or ["18:00"],
        start_date=today,
        indication="Deep vein thrombosis",
        prescriber=HOSPITAL_PRESCRIBER,
        source=Source.HOSPITAL_DISCHARGE,
        dose_from_instructions=True,
    )
    rx = prescription_create(person=person, by=senior, data=data)
    prescription_check_transcription(prescription=rx, by=staff[pairs[location.pk][1]], note="Discharge letter")


# The visits of a home-care day (ADR 0038) and the times of the doses each covers.
VISIT_WINDOWS: tuple[tuple[str, dt.time, dt.time], ...] = (
    (VisitLabel.MORNING, dt.time(7, 30), dt.time(10, 0)),
    (VisitLabel.LUNCH, dt.time(11, 30), dt.time(14, 30)),
    (VisitLabel.TEA, dt.time(16, 30), dt.time(18, 30)),
    (VisitLabel.BED, dt.time(19, 30), dt.time(22, 30)),
)


def _todays_runs(branch: Location, staff: dict[str, User]) -> None:
    """Yesterday's and today's runs at the branch: Hana has the North round's people, Harry the South's; each person a
    visit in each window with a medicine due, planned by Chloe the afternoon before; each home with a key-safe note
    only the visiting worker sees. The visits over were closed by their worker on leaving, except Harry's last of
    yesterday: the office's "visit not closed" alert. A visit with a medicine left without an outcome stays open
    too, and its alert says so."""
    today = clock.today()
    people = list(Person.objects.filter(location=branch).select_related("unit").order_by("family_name", "given_name"))
    for n, person in enumerate(people):
        person_key_safe_note_set(
            person=person,
            by=staff["senior.ravi"],
            note=f"Key safe left of the front door, code {(n * 7919) % 9000 + 1000}. Ring first and call out.",
        )
    yesterday = _run_of(branch, staff, people, today - dt.timedelta(days=1))
    ended = [v for v in yesterday + _run_of(branch, staff, people, today) if v.window_end <= clock.now()]
    left_open = next((v for v in reversed(yesterday) if v.assigned_to == staff["homecare.harry"]), None)
    for visit in ended:
        if visit is not left_open:
            _close_on_leaving(visit)


def _close_on_leaving(visit: Visit) -> None:
    """The worker closes the visit at its window's end; one with a medicine left without an outcome stays open."""
    with clock.overridden(lambda: visit.window_end):
        try:
            visit_close(by=visit.assigned_to, visit=visit)
        except ValidationFailed as refused:
            if refused.code != "visit_outcomes_missing":
                raise


def _run_of(branch: Location, staff: dict[str, User], people: list[Person], day: dt.date) -> list[Visit]:
    """The day's visits, planned through the service the afternoon before, in the order of their windows."""
    workers = {"North round": staff["homecare.hana"], "South round": staff["homecare.harry"]}
    due = DueDose.objects.filter(person__location=branch, local_date=day).exclude(state=DueDose.State.WITHDRAWN)
    times: dict[Any, set[dt.time]] = {}
    for person_id, at in due.values_list("person_id", "local_time"):
        times.setdefault(person_id, set()).add(at)
    planned = []
    planning = clock.local_wall_time(day - dt.timedelta(days=1), dt.time(15, 0))
    with clock.overridden(lambda: planning):
        for person in people:
            worker = workers.get(person.unit.name if person.unit else "", staff["homecare.hana"])
            for label, start, end in VISIT_WINDOWS:
                if any(start <= t < end for t in times.get(person.pk, ())):
                    planned.append(
                        visit_plan(
                            by=staff["coord.chloe"],
                            person=person,
                            assigned_to=worker,
                            date=day,
                            label=label,
                            window_start=start,
                            window_end=end,
                        )
                    )
    return sorted(planned, key=lambda v: v.window_start)


# --- Printing the sign-ins -------------------------------------------------------------------------------


def sign_in_lines() -> list[str]:
    """The demo sign-ins that exist in this database, for the console."""
    present = set(User.objects.filter(username__in=[m.username for m in DEMO_STAFF]).values_list("username", flat=True))
    if not present:
        return []
    from_env = "DEMO_PASSWORD" in os.environ
    lines = [
        "Demo sign-ins (http://127.0.0.1:8000):",
        *(
            f"  {m.username:<16} {Role(m.role).label:<20} {_where_label(m.where)}"
            for m in DEMO_STAFF
            if m.username in present
        ),
        "  Password: the value of DEMO_PASSWORD"
        if from_env
        else f"  Password: {demo_password()}  (the local demo default; set DEMO_PASSWORD to change it)",
    ]
    return lines


def _where_label(where: str) -> str:
    return {
        "home": HOME_NAME,
        "branch": BRANCH_NAME,
        "both": f"{HOME_NAME} and {BRANCH_NAME}",
        "provider": f"All of {PROVIDER_NAME}",
    }[where]
