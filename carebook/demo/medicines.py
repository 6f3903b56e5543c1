"""A curated list of real UK medicines for the demo, the benchmark and tests.

dm+d has no open package and its full data needs an NHS account (see ../shared/docs/stack.md), so
Carebook ships this small list. Each entry names a real product as a UK MAR chart would.

- ``dmd_code``: a dm+d (SNOMED CT) VMP code, only where it is known reliably; otherwise blank.
  A blank code is honest: a provider adds codes when it imports dm+d.
- ``cd_schedule``: the Misuse of Drugs Regulations 2001 schedule, or None. Note the preparations that
  are easy to get wrong: morphine 10 mg/5 mL oral solution (Oramorph) and codeine tablets are
  schedule 5 (no witness); the morphine 20 mg/mL concentrate, MST tablets, oxycodone and fentanyl are
  schedule 2; buprenorphine, midazolam, temazepam, tramadol, pregabalin and gabapentin are schedule 3;
  lorazepam, diazepam and zopiclone are schedule 4 (part 1).
- ``time_critical``: Parkinson's medicines and insulin (the NHS "get it on time" medicines).
- ``high_risk``: anticoagulants, insulin, methotrexate, strong opioids, digoxin, lithium.
- ``required_check``: a reading taken before every dose (pulse before digoxin, blood glucose before insulin).
"""

from __future__ import annotations

from dataclasses import dataclass

from carebook.medication.models import Medicine, RequiredCheck

F = Medicine.Form


@dataclass(frozen=True)
class DemoMedicine:
    key: str
    name: str
    strength: str
    form: str
    dose_unit: str
    route: str = "oral"
    dmd_code: str = ""
    cd_schedule: int | None = None
    time_critical: bool = False
    high_risk: bool = False
    required_check: str = RequiredCheck.NONE
    # Substances someone may be allergic to, matched against a person's allergies when prescribing.
    contains: tuple[str, ...] = ()


def _m(key: str, name: str, strength: str, form: str, dose_unit: str, **kwargs: object) -> DemoMedicine:
    return DemoMedicine(key, name, strength, form, dose_unit, **kwargs)  # type: ignore[arg-type]


MEDICINES: tuple[DemoMedicine, ...] = (
    # Pain and fever
    _m("paracetamol_500", "Paracetamol", "500 mg", F.TABLET, "tablet", dmd_code="322236009"),
    _m("paracetamol_susp", "Paracetamol", "250 mg/5 mL", F.LIQUID, "mL"),
    _m("ibuprofen_200", "Ibuprofen", "200 mg", F.TABLET, "tablet", contains=("nsaid",)),
    _m("ibuprofen_400", "Ibuprofen", "400 mg", F.TABLET, "tablet", contains=("nsaid",)),
    _m("naproxen_250", "Naproxen", "250 mg", F.TABLET, "tablet", contains=("nsaid",)),
    _m("codeine_30", "Codeine phosphate", "30 mg", F.TABLET, "tablet", cd_schedule=5, contains=("codeine",)),
    _m(
        "cocodamol_30_500",
        "Co-codamol",
        "30 mg/500 mg",
        F.TABLET,
        "tablet",
        cd_schedule=5,
        contains=("codeine", "paracetamol"),
    ),
    _m("tramadol_50", "Tramadol hydrochloride", "50 mg", F.CAPSULE, "capsule", cd_schedule=3, high_risk=True),
    _m(
        "oramorph_10_5",
        "Morphine sulfate oral solution",
        "10 mg/5 mL",
        F.LIQUID,
        "mL",
        cd_schedule=5,
        high_risk=True,
        contains=("morphine",),
    ),
    _m(
        "morphine_conc_20",
        "Morphine sulfate concentrated oral solution",
        "20 mg/mL",
        F.LIQUID,
        "mL",
        cd_schedule=2,
        high_risk=True,
        contains=("morphine",),
    ),
    _m(
        "mst_10",
        "Morphine sulfate modified-release tablets (MST Continus)",
        "10 mg",
        F.TABLET,
        "tablet",
        cd_schedule=2,
        high_risk=True,
        contains=("morphine",),
    ),
    _m("oxycodone_5", "Oxycodone hydrochloride capsules", "5 mg", F.CAPSULE, "capsule", cd_schedule=2, high_risk=True),
    _m(
        "oxycodone_liquid_5_5",
        "Oxycodone hydrochloride oral solution",
        "5 mg/5 mL",
        F.LIQUID,
        "mL",
        cd_schedule=2,
        high_risk=True,
    ),
    _m(
        "oxycodone_mr_10",
        "Oxycodone hydrochloride modified-release tablets",
        "10 mg",
        F.TABLET,
        "tablet",
        cd_schedule=2,
        high_risk=True,
    ),
    _m(
        "fentanyl_12",
        "Fentanyl 72-hour transdermal patch",
        "12 micrograms/hour",
        F.PATCH,
        "patch",
        route="transdermal",
        cd_schedule=2,
        high_risk=True,
    ),
    _m(
        "fentanyl_25",
        "Fentanyl 72-hour transdermal patch",
        "25 micrograms/hour",
        F.PATCH,
        "patch",
        route="transdermal",
        cd_schedule=2,
        high_risk=True,
    ),
    _m(
        "buprenorphine_5",
        "Buprenorphine 7-day transdermal patch",
        "5 micrograms/hour",
        F.PATCH,
        "patch",
        route="transdermal",
        cd_schedule=3,
        high_risk=True,
    ),
    # Anxiety, sleep, seizures, end of life
    _m("lorazepam_1", "Lorazepam", "1 mg", F.TABLET, "tablet", cd_schedule=4),
    _m("diazepam_2", "Diazepam", "2 mg", F.TABLET, "tablet", cd_schedule=4, dmd_code="321196004"),
    _m("temazepam_10", "Temazepam", "10 mg", F.TABLET, "tablet", cd_schedule=3, dmd_code="321152004"),
    _m("zopiclone_375", "Zopiclone", "3.75 mg", F.TABLET, "tablet", cd_schedule=4),
    _m(
        "midazolam_buccal_10",
        "Midazolam oromucosal solution (pre-filled oral syringe)",
        "10 mg/2 mL",
        F.LIQUID,
        "syringe",
        route="buccal",
        cd_schedule=3,
    ),
    _m(
        "midazolam_inj_10",
        "Midazolam injection",
        "10 mg/2 mL",
        F.INJECTION,
        "mg",
        route="subcutaneous",
        cd_schedule=3,
    ),
    _m(
        "hyoscine_butyl_inj",
        "Hyoscine butylbromide injection",
        "20 mg/1 mL",
        F.INJECTION,
        "mg",
        route="subcutaneous",
    ),
    _m("levetiracetam_500", "Levetiracetam", "500 mg", F.TABLET, "tablet"),
    _m("sodium_valproate_200", "Sodium valproate gastro-resistant", "200 mg", F.TABLET, "tablet"),
    # Parkinson's (time-critical)
    _m("cocareldopa_25_100", "Co-careldopa (Sinemet)", "25 mg/100 mg", F.TABLET, "tablet", time_critical=True),
    _m("cobeneldopa_25_100", "Co-beneldopa (Madopar)", "25 mg/100 mg", F.CAPSULE, "capsule", time_critical=True),
    _m("ropinirole_1", "Ropinirole", "1 mg", F.TABLET, "tablet", time_critical=True),
    _m("rasagiline_1", "Rasagiline", "1 mg", F.TABLET, "tablet", time_critical=True),
    # Diabetes
    _m(
        "insulin_glargine",
        "Insulin glargine (Lantus SoloStar pre-filled pen)",
        "100 units/mL",
        F.INJECTION,
        "unit",
        route="subcutaneous",
        time_critical=True,
        high_risk=True,
        required_check=RequiredCheck.BLOOD_GLUCOSE,
    ),
    _m(
        "insulin_aspart",
        "Insulin aspart (NovoRapid FlexPen)",
        "100 units/mL",
        F.INJECTION,
        "unit",
        route="subcutaneous",
        time_critical=True,
        high_risk=True,
        required_check=RequiredCheck.BLOOD_GLUCOSE,
    ),
    _m(
        "insulin_humulin_i",
        "Isophane insulin (Humulin I KwikPen)",
        "100 units/mL",
        F.INJECTION,
        "unit",
        route="subcutaneous",
        time_critical=True,
        high_risk=True,
        required_check=RequiredCheck.BLOOD_GLUCOSE,
    ),
    _m("metformin_500", "Metformin", "500 mg", F.TABLET, "tablet"),
    _m("gliclazide_80", "Gliclazide", "80 mg", F.TABLET, "tablet"),
    _m("sitagliptin_100", "Sitagliptin", "100 mg", F.TABLET, "tablet"),
    # Heart and circulation
    _m("amlodipine_5", "Amlodipine", "5 mg", F.TABLET, "tablet"),
    _m("ramipril_25", "Ramipril", "2.5 mg", F.CAPSULE, "capsule"),
    _m("lisinopril_10", "Lisinopril", "10 mg", F.TABLET, "tablet"),
    _m("losartan_50", "Losartan", "50 mg", F.TABLET, "tablet"),
    _m("bisoprolol_25", "Bisoprolol fumarate", "2.5 mg", F.TABLET, "tablet"),
    _m(
        "digoxin_125",
        "Digoxin",
        "125 micrograms",
        F.TABLET,
        "tablet",
        high_risk=True,
        required_check=RequiredCheck.PULSE,
    ),
    _m("furosemide_40", "Furosemide", "40 mg", F.TABLET, "tablet"),
    _m("bendroflumethiazide_25", "Bendroflumethiazide", "2.5 mg", F.TABLET, "tablet"),
    _m("spironolactone_25", "Spironolactone", "25 mg", F.TABLET, "tablet"),
    _m("atorvastatin_20", "Atorvastatin", "20 mg", F.TABLET, "tablet"),
    _m("simvastatin_40", "Simvastatin", "40 mg", F.TABLET, "tablet"),
    _m("aspirin_75", "Aspirin dispersible", "75 mg", F.TABLET, "tablet", contains=("aspirin", "nsaid")),
    _m("clopidogrel_75", "Clopidogrel", "75 mg", F.TABLET, "tablet"),
    _m("warfarin_1", "Warfarin sodium", "1 mg", F.TABLET, "tablet", high_risk=True),
    _m("apixaban_25", "Apixaban", "2.5 mg", F.TABLET, "tablet", high_risk=True),
    _m("apixaban_5", "Apixaban", "5 mg", F.TABLET, "tablet", high_risk=True),
    _m("rivaroxaban_20", "Rivaroxaban", "20 mg", F.TABLET, "tablet", high_risk=True),
    _m("edoxaban_30", "Edoxaban", "30 mg", F.TABLET, "tablet", high_risk=True),
    _m(
        "enoxaparin_40",
        "Enoxaparin sodium pre-filled syringe",
        "40 mg/0.4 mL",
        F.INJECTION,
        "syringe",
        route="subcutaneous",
        high_risk=True,
    ),
    # Stomach and bowels
    _m("omeprazole_20", "Omeprazole gastro-resistant", "20 mg", F.CAPSULE, "capsule"),
    _m("lansoprazole_15", "Lansoprazole gastro-resistant", "15 mg", F.CAPSULE, "capsule"),
    _m("senna_75", "Senna", "7.5 mg", F.TABLET, "tablet"),
    _m("lactulose", "Lactulose oral solution", "3.1-3.7 g/5 mL", F.LIQUID, "mL"),
    _m("laxido", "Laxido Orange oral powder sachets (macrogol compound)", "13.7 g", F.SACHET, "sachet"),
    _m("docusate_100", "Docusate sodium", "100 mg", F.CAPSULE, "capsule"),
    _m("bisacodyl_5", "Bisacodyl gastro-resistant", "5 mg", F.TABLET, "tablet"),
    _m("loperamide_2", "Loperamide", "2 mg", F.CAPSULE, "capsule"),
    _m("gaviscon", "Gaviscon Advance oral suspension", "", F.LIQUID, "mL"),
    # Thyroid, bones, vitamins
    _m("levothyroxine_50", "Levothyroxine sodium", "50 micrograms", F.TABLET, "tablet"),
    _m("levothyroxine_100", "Levothyroxine sodium", "100 micrograms", F.TABLET, "tablet"),
    _m("alendronic_70", "Alendronic acid", "70 mg", F.TABLET, "tablet"),
    _m("adcal_d3", "Adcal-D3 chewable tablets", "1.5 g/400 units", F.TABLET, "tablet"),
    _m("colecalciferol_20000", "Colecalciferol", "20,000 units", F.CAPSULE, "capsule"),
    _m("folic_acid_5", "Folic acid", "5 mg", F.TABLET, "tablet"),
    _m("ferrous_fumarate_210", "Ferrous fumarate", "210 mg", F.TABLET, "tablet"),
    # Rheumatology
    _m("methotrexate_25", "Methotrexate", "2.5 mg", F.TABLET, "tablet", high_risk=True),
    _m("prednisolone_5", "Prednisolone", "5 mg", F.TABLET, "tablet"),
    # Mental health and dementia
    _m("sertraline_50", "Sertraline", "50 mg", F.TABLET, "tablet"),
    _m("citalopram_20", "Citalopram", "20 mg", F.TABLET, "tablet"),
    _m("mirtazapine_15", "Mirtazapine", "15 mg", F.TABLET, "tablet"),
    _m("donepezil_10", "Donepezil hydrochloride", "10 mg", F.TABLET, "tablet"),
    _m("memantine_10", "Memantine hydrochloride", "10 mg", F.TABLET, "tablet"),
    _m("quetiapine_25", "Quetiapine", "25 mg", F.TABLET, "tablet"),
    _m("lithium_400", "Lithium carbonate modified-release (Priadel)", "400 mg", F.TABLET, "tablet", high_risk=True),
    _m("pregabalin_75", "Pregabalin", "75 mg", F.CAPSULE, "capsule", cd_schedule=3),
    _m("gabapentin_300", "Gabapentin", "300 mg", F.CAPSULE, "capsule", cd_schedule=3),
    # Infections
    _m("amoxicillin_500", "Amoxicillin", "500 mg", F.CAPSULE, "capsule", contains=("penicillin",)),
    _m("flucloxacillin_500", "Flucloxacillin", "500 mg", F.CAPSULE, "capsule", contains=("penicillin",)),
    _m("nitrofurantoin_mr_100", "Nitrofurantoin modified-release", "100 mg", F.CAPSULE, "capsule"),
    _m("trimethoprim_200", "Trimethoprim", "200 mg", F.TABLET, "tablet", contains=("trimethoprim",)),
    _m("doxycycline_100", "Doxycycline", "100 mg", F.CAPSULE, "capsule"),
    # Breathing
    _m(
        "salbutamol_inhaler",
        "Salbutamol pressurised inhaler",
        "100 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
    ),
    _m(
        "clenil_100",
        "Beclometasone (Clenil Modulite) inhaler",
        "100 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
    ),
    _m(
        "tiotropium_respimat",
        "Tiotropium (Spiriva Respimat) inhaler",
        "2.5 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
    ),
    # Urology
    _m("tamsulosin_400", "Tamsulosin modified-release", "400 micrograms", F.CAPSULE, "capsule"),
    _m("finasteride_5", "Finasteride", "5 mg", F.TABLET, "tablet"),
    # Eyes and skin
    _m("latanoprost", "Latanoprost eye drops", "50 micrograms/mL", F.DROPS, "drop", route="eye"),
    _m("hypromellose_drops", "Hypromellose eye drops", "0.3%", F.DROPS, "drop", route="eye"),
    _m("zerobase", "Zerobase emollient cream", "11%", F.CREAM, "application", route="topical"),
    _m("hydrocortisone_1", "Hydrocortisone cream", "1%", F.CREAM, "application", route="topical"),
)

BY_KEY: dict[str, DemoMedicine] = {m.key: m for m in MEDICINES}


def medicine_fields(entry: DemoMedicine) -> dict[str, object]:
    """The Medicine model's fields for one curated entry."""
    return {
        "name": entry.name,
        "strength": entry.strength,
        "form": entry.form,
        "dose_unit": entry.dose_unit,
        "default_route": entry.route,
        "dmd_code": entry.dmd_code,
        "controlled_drug_schedule": entry.cd_schedule,
        "time_critical": entry.time_critical,
        "high_risk": entry.high_risk,
        "required_check": entry.required_check,
    }


def ensure_medicines() -> dict[str, Medicine]:
    """Create the curated medicines that are missing (matched by name, strength and form). Returns them by key."""
    existing = {(m.name, m.strength, m.form): m for m in Medicine.objects.all()}
    missing = [
        Medicine(**medicine_fields(entry))  # type: ignore[arg-type]
        for entry in MEDICINES
        if (entry.name, entry.strength, entry.form) not in existing
    ]
    if missing:
        Medicine.objects.bulk_create(missing)
        existing = {(m.name, m.strength, m.form): m for m in Medicine.objects.all()}
    return {entry.key: existing[(entry.name, entry.strength, entry.form)] for entry in MEDICINES}
