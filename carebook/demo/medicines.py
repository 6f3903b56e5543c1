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
from decimal import Decimal

from carebook.medication.models import Medicine, MedicineIngredient, RequiredCheck
from carebook.medication.rules.allergies import ClassFact, CrossSensitivityFact, SubstanceFact
from carebook.medication.rules.ingredients import CappedContent, IngredientLimit
from carebook.substances import data as substance_data
from carebook.substances.models import Substance
from carebook.substances.reference import load_reference_data

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
    # What one dose unit contains: (substance code from carebook/substances/data.py, mg per unit or None when
    # the amount is not a mass). A liquid counts per mL: 250 mg/5 mL is 50 mg per mL.
    ingredients: tuple[tuple[str, str | None], ...] = ()


def _m(key: str, name: str, strength: str, form: str, dose_unit: str, **kwargs: object) -> DemoMedicine:
    return DemoMedicine(key, name, strength, form, dose_unit, **kwargs)  # type: ignore[arg-type]


MEDICINES: tuple[DemoMedicine, ...] = (
    # Pain and fever
    _m(
        "paracetamol_500",
        "Paracetamol",
        "500 mg",
        F.TABLET,
        "tablet",
        dmd_code="322236009",
        ingredients=(("paracetamol", "500"),),
    ),
    _m(
        "paracetamol_soluble_500",
        "Paracetamol soluble",
        "500 mg",
        F.TABLET,
        "tablet",
        ingredients=(("paracetamol", "500"),),
    ),
    _m("paracetamol_susp", "Paracetamol", "250 mg/5 mL", F.LIQUID, "mL", ingredients=(("paracetamol", "50"),)),
    _m("ibuprofen_200", "Ibuprofen", "200 mg", F.TABLET, "tablet", ingredients=(("ibuprofen", "200"),)),
    _m("ibuprofen_400", "Ibuprofen", "400 mg", F.TABLET, "tablet", ingredients=(("ibuprofen", "400"),)),
    _m(
        "diclofenac_50",
        "Diclofenac sodium gastro-resistant",
        "50 mg",
        F.TABLET,
        "tablet",
        ingredients=(("diclofenac", "50"),),
    ),
    _m("naproxen_250", "Naproxen", "250 mg", F.TABLET, "tablet", ingredients=(("naproxen", "250"),)),
    _m("codeine_30", "Codeine phosphate", "30 mg", F.TABLET, "tablet", cd_schedule=5, ingredients=(("codeine", "30"),)),
    _m(
        "cocodamol_30_500",
        "Co-codamol",
        "30 mg/500 mg",
        F.TABLET,
        "tablet",
        cd_schedule=5,
        ingredients=(("codeine", "30"), ("paracetamol", "500")),
    ),
    _m(
        "tramadol_50",
        "Tramadol hydrochloride",
        "50 mg",
        F.CAPSULE,
        "capsule",
        cd_schedule=3,
        high_risk=True,
        ingredients=(("tramadol", "50"),),
    ),
    _m(
        "oramorph_10_5",
        "Morphine sulfate oral solution",
        "10 mg/5 mL",
        F.LIQUID,
        "mL",
        cd_schedule=5,
        high_risk=True,
        ingredients=(("morphine", "2"),),
    ),
    _m(
        "morphine_conc_20",
        "Morphine sulfate concentrated oral solution",
        "20 mg/mL",
        F.LIQUID,
        "mL",
        cd_schedule=2,
        high_risk=True,
        ingredients=(("morphine", "20"),),
    ),
    _m(
        "mst_10",
        "Morphine sulfate modified-release tablets (MST Continus)",
        "10 mg",
        F.TABLET,
        "tablet",
        cd_schedule=2,
        high_risk=True,
        ingredients=(("morphine", "10"),),
    ),
    _m(
        "oxycodone_5",
        "Oxycodone hydrochloride capsules",
        "5 mg",
        F.CAPSULE,
        "capsule",
        cd_schedule=2,
        high_risk=True,
        ingredients=(("oxycodone", "5"),),
    ),
    _m(
        "oxycodone_liquid_5_5",
        "Oxycodone hydrochloride oral solution",
        "5 mg/5 mL",
        F.LIQUID,
        "mL",
        cd_schedule=2,
        high_risk=True,
        ingredients=(("oxycodone", "1"),),
    ),
    _m(
        "oxycodone_mr_10",
        "Oxycodone hydrochloride modified-release tablets",
        "10 mg",
        F.TABLET,
        "tablet",
        cd_schedule=2,
        high_risk=True,
        ingredients=(("oxycodone", "10"),),
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
        ingredients=(("fentanyl", None),),
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
        ingredients=(("fentanyl", None),),
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
        ingredients=(("buprenorphine", None),),
    ),
    # Anxiety, sleep, seizures, end of life
    _m("lorazepam_1", "Lorazepam", "1 mg", F.TABLET, "tablet", cd_schedule=4, ingredients=(("lorazepam", "1"),)),
    _m(
        "diazepam_2",
        "Diazepam",
        "2 mg",
        F.TABLET,
        "tablet",
        cd_schedule=4,
        dmd_code="321196004",
        ingredients=(("diazepam", "2"),),
    ),
    _m(
        "temazepam_10",
        "Temazepam",
        "10 mg",
        F.TABLET,
        "tablet",
        cd_schedule=3,
        dmd_code="321152004",
        ingredients=(("temazepam", "10"),),
    ),
    _m(
        "zopiclone_375", "Zopiclone", "3.75 mg", F.TABLET, "tablet", cd_schedule=4, ingredients=(("zopiclone", "3.75"),)
    ),
    _m(
        "midazolam_buccal_10",
        "Midazolam oromucosal solution (pre-filled oral syringe)",
        "10 mg/2 mL",
        F.LIQUID,
        "syringe",
        route="buccal",
        cd_schedule=3,
        ingredients=(("midazolam", "10"),),
    ),
    _m(
        "midazolam_inj_10",
        "Midazolam injection",
        "10 mg/2 mL",
        F.INJECTION,
        "mg",
        route="subcutaneous",
        cd_schedule=3,
        ingredients=(("midazolam", "1"),),
    ),
    _m(
        "hyoscine_butyl_inj",
        "Hyoscine butylbromide injection",
        "20 mg/1 mL",
        F.INJECTION,
        "mg",
        route="subcutaneous",
        ingredients=(("hyoscine_butylbromide", "1"),),
    ),
    _m("levetiracetam_500", "Levetiracetam", "500 mg", F.TABLET, "tablet", ingredients=(("levetiracetam", "500"),)),
    _m(
        "sodium_valproate_200",
        "Sodium valproate gastro-resistant",
        "200 mg",
        F.TABLET,
        "tablet",
        ingredients=(("sodium_valproate", "200"),),
    ),
    # Parkinson's (time-critical)
    _m(
        "cocareldopa_25_100",
        "Co-careldopa (Sinemet)",
        "25 mg/100 mg",
        F.TABLET,
        "tablet",
        time_critical=True,
        ingredients=(("carbidopa", "25"), ("levodopa", "100")),
    ),
    _m(
        "cobeneldopa_25_100",
        "Co-beneldopa (Madopar)",
        "25 mg/100 mg",
        F.CAPSULE,
        "capsule",
        time_critical=True,
        ingredients=(("benserazide", "25"), ("levodopa", "100")),
    ),
    _m(
        "ropinirole_1", "Ropinirole", "1 mg", F.TABLET, "tablet", time_critical=True, ingredients=(("ropinirole", "1"),)
    ),
    _m(
        "rasagiline_1", "Rasagiline", "1 mg", F.TABLET, "tablet", time_critical=True, ingredients=(("rasagiline", "1"),)
    ),
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
        ingredients=(("insulin_glargine", None),),
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
        ingredients=(("insulin_aspart", None),),
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
        ingredients=(("insulin_isophane_human", None),),
    ),
    _m("metformin_500", "Metformin", "500 mg", F.TABLET, "tablet", ingredients=(("metformin", "500"),)),
    _m("gliclazide_80", "Gliclazide", "80 mg", F.TABLET, "tablet", ingredients=(("gliclazide", "80"),)),
    _m("sitagliptin_100", "Sitagliptin", "100 mg", F.TABLET, "tablet", ingredients=(("sitagliptin", "100"),)),
    # Heart and circulation
    _m("amlodipine_5", "Amlodipine", "5 mg", F.TABLET, "tablet", ingredients=(("amlodipine", "5"),)),
    _m("ramipril_25", "Ramipril", "2.5 mg", F.CAPSULE, "capsule", ingredients=(("ramipril", "2.5"),)),
    _m("lisinopril_10", "Lisinopril", "10 mg", F.TABLET, "tablet", ingredients=(("lisinopril", "10"),)),
    _m("losartan_50", "Losartan", "50 mg", F.TABLET, "tablet", ingredients=(("losartan", "50"),)),
    _m("bisoprolol_25", "Bisoprolol fumarate", "2.5 mg", F.TABLET, "tablet", ingredients=(("bisoprolol", "2.5"),)),
    _m(
        "digoxin_125",
        "Digoxin",
        "125 micrograms",
        F.TABLET,
        "tablet",
        high_risk=True,
        required_check=RequiredCheck.PULSE,
        ingredients=(("digoxin", "0.125"),),
    ),
    _m("furosemide_40", "Furosemide", "40 mg", F.TABLET, "tablet", ingredients=(("furosemide", "40"),)),
    _m(
        "bendroflumethiazide_25",
        "Bendroflumethiazide",
        "2.5 mg",
        F.TABLET,
        "tablet",
        ingredients=(("bendroflumethiazide", "2.5"),),
    ),
    _m("spironolactone_25", "Spironolactone", "25 mg", F.TABLET, "tablet", ingredients=(("spironolactone", "25"),)),
    _m("atorvastatin_20", "Atorvastatin", "20 mg", F.TABLET, "tablet", ingredients=(("atorvastatin", "20"),)),
    _m("simvastatin_40", "Simvastatin", "40 mg", F.TABLET, "tablet", ingredients=(("simvastatin", "40"),)),
    _m("aspirin_75", "Aspirin dispersible", "75 mg", F.TABLET, "tablet", ingredients=(("aspirin", "75"),)),
    _m("clopidogrel_75", "Clopidogrel", "75 mg", F.TABLET, "tablet", ingredients=(("clopidogrel", "75"),)),
    _m("warfarin_1", "Warfarin sodium", "1 mg", F.TABLET, "tablet", high_risk=True, ingredients=(("warfarin", "1"),)),
    _m("apixaban_25", "Apixaban", "2.5 mg", F.TABLET, "tablet", high_risk=True, ingredients=(("apixaban", "2.5"),)),
    _m("apixaban_5", "Apixaban", "5 mg", F.TABLET, "tablet", high_risk=True, ingredients=(("apixaban", "5"),)),
    _m(
        "rivaroxaban_20",
        "Rivaroxaban",
        "20 mg",
        F.TABLET,
        "tablet",
        high_risk=True,
        ingredients=(("rivaroxaban", "20"),),
    ),
    _m("edoxaban_30", "Edoxaban", "30 mg", F.TABLET, "tablet", high_risk=True, ingredients=(("edoxaban", "30"),)),
    _m(
        "enoxaparin_40",
        "Enoxaparin sodium pre-filled syringe",
        "40 mg/0.4 mL",
        F.INJECTION,
        "syringe",
        route="subcutaneous",
        high_risk=True,
        ingredients=(("enoxaparin", "40"),),
    ),
    # Stomach and bowels
    _m(
        "omeprazole_20",
        "Omeprazole gastro-resistant",
        "20 mg",
        F.CAPSULE,
        "capsule",
        ingredients=(("omeprazole", "20"),),
    ),
    _m(
        "lansoprazole_15",
        "Lansoprazole gastro-resistant",
        "15 mg",
        F.CAPSULE,
        "capsule",
        ingredients=(("lansoprazole", "15"),),
    ),
    _m("senna_75", "Senna", "7.5 mg", F.TABLET, "tablet", ingredients=(("sennosides", "7.5"),)),
    _m("lactulose", "Lactulose oral solution", "3.1-3.7 g/5 mL", F.LIQUID, "mL", ingredients=(("lactulose", None),)),
    _m(
        "laxido",
        "Laxido Orange oral powder sachets (macrogol compound)",
        "13.7 g",
        F.SACHET,
        "sachet",
        ingredients=(("macrogol", "13125"),),
    ),
    _m("docusate_100", "Docusate sodium", "100 mg", F.CAPSULE, "capsule", ingredients=(("docusate", "100"),)),
    _m("bisacodyl_5", "Bisacodyl gastro-resistant", "5 mg", F.TABLET, "tablet", ingredients=(("bisacodyl", "5"),)),
    _m("loperamide_2", "Loperamide", "2 mg", F.CAPSULE, "capsule", ingredients=(("loperamide", "2"),)),
    _m(
        "gaviscon",
        "Gaviscon Advance oral suspension",
        "",
        F.LIQUID,
        "mL",
        ingredients=(("sodium_alginate", None), ("potassium_bicarbonate", None)),
    ),
    # Thyroid, bones, vitamins
    _m(
        "levothyroxine_50",
        "Levothyroxine sodium",
        "50 micrograms",
        F.TABLET,
        "tablet",
        ingredients=(("levothyroxine", "0.05"),),
    ),
    _m(
        "levothyroxine_100",
        "Levothyroxine sodium",
        "100 micrograms",
        F.TABLET,
        "tablet",
        ingredients=(("levothyroxine", "0.1"),),
    ),
    _m("alendronic_70", "Alendronic acid", "70 mg", F.TABLET, "tablet", ingredients=(("alendronic_acid", "70"),)),
    _m(
        "adcal_d3",
        "Adcal-D3 chewable tablets",
        "1.5 g/400 units",
        F.TABLET,
        "tablet",
        ingredients=(("calcium_carbonate", "1500"), ("colecalciferol", None)),
    ),
    _m(
        "colecalciferol_20000",
        "Colecalciferol",
        "20,000 units",
        F.CAPSULE,
        "capsule",
        ingredients=(("colecalciferol", None),),
    ),
    _m("folic_acid_5", "Folic acid", "5 mg", F.TABLET, "tablet", ingredients=(("folic_acid", "5"),)),
    _m(
        "ferrous_fumarate_210",
        "Ferrous fumarate",
        "210 mg",
        F.TABLET,
        "tablet",
        ingredients=(("ferrous_fumarate", "210"),),
    ),
    # Rheumatology
    _m(
        "methotrexate_25",
        "Methotrexate",
        "2.5 mg",
        F.TABLET,
        "tablet",
        high_risk=True,
        ingredients=(("methotrexate", "2.5"),),
    ),
    _m("prednisolone_5", "Prednisolone", "5 mg", F.TABLET, "tablet", ingredients=(("prednisolone", "5"),)),
    # Mental health and dementia
    _m("sertraline_50", "Sertraline", "50 mg", F.TABLET, "tablet", ingredients=(("sertraline", "50"),)),
    _m("citalopram_20", "Citalopram", "20 mg", F.TABLET, "tablet", ingredients=(("citalopram", "20"),)),
    _m("mirtazapine_15", "Mirtazapine", "15 mg", F.TABLET, "tablet", ingredients=(("mirtazapine", "15"),)),
    _m("donepezil_10", "Donepezil hydrochloride", "10 mg", F.TABLET, "tablet", ingredients=(("donepezil", "10"),)),
    _m("memantine_10", "Memantine hydrochloride", "10 mg", F.TABLET, "tablet", ingredients=(("memantine", "10"),)),
    _m("quetiapine_25", "Quetiapine", "25 mg", F.TABLET, "tablet", ingredients=(("quetiapine", "25"),)),
    _m(
        "lithium_400",
        "Lithium carbonate modified-release (Priadel)",
        "400 mg",
        F.TABLET,
        "tablet",
        high_risk=True,
        ingredients=(("lithium", "400"),),
    ),
    _m(
        "pregabalin_75", "Pregabalin", "75 mg", F.CAPSULE, "capsule", cd_schedule=3, ingredients=(("pregabalin", "75"),)
    ),
    _m(
        "gabapentin_300",
        "Gabapentin",
        "300 mg",
        F.CAPSULE,
        "capsule",
        cd_schedule=3,
        ingredients=(("gabapentin", "300"),),
    ),
    # Infections
    # dm+d VMP codes from NHS England's UK Core examples (Amoxicillin 500mg capsules; Clarithromycin 500mg
    # tablets; Doxycycline 100mg capsules).
    _m(
        "amoxicillin_500",
        "Amoxicillin",
        "500 mg",
        F.CAPSULE,
        "capsule",
        dmd_code="39732411000001106",
        ingredients=(("amoxicillin", "500"),),
    ),
    _m(
        "coamoxiclav_500_125",
        "Co-amoxiclav",
        "500 mg/125 mg",
        F.TABLET,
        "tablet",
        ingredients=(("amoxicillin", "500"), ("clavulanic_acid", "125")),
    ),
    _m(
        "flucloxacillin_500", "Flucloxacillin", "500 mg", F.CAPSULE, "capsule", ingredients=(("flucloxacillin", "500"),)
    ),
    _m(
        "phenoxymethylpenicillin_250",
        "Phenoxymethylpenicillin",
        "250 mg",
        F.TABLET,
        "tablet",
        ingredients=(("phenoxymethylpenicillin", "250"),),
    ),
    _m("cefalexin_500", "Cefalexin", "500 mg", F.CAPSULE, "capsule", ingredients=(("cefalexin", "500"),)),
    _m(
        "clarithromycin_500",
        "Clarithromycin",
        "500 mg",
        F.TABLET,
        "tablet",
        dmd_code="41946511000001109",
        ingredients=(("clarithromycin", "500"),),
    ),
    _m(
        "nitrofurantoin_mr_100",
        "Nitrofurantoin modified-release",
        "100 mg",
        F.CAPSULE,
        "capsule",
        ingredients=(("nitrofurantoin", "100"),),
    ),
    _m("trimethoprim_200", "Trimethoprim", "200 mg", F.TABLET, "tablet", ingredients=(("trimethoprim", "200"),)),
    _m(
        "doxycycline_100",
        "Doxycycline",
        "100 mg",
        F.CAPSULE,
        "capsule",
        dmd_code="41948311000001104",
        ingredients=(("doxycycline", "100"),),
    ),
    # Breathing
    _m(
        "salbutamol_inhaler",
        "Salbutamol pressurised inhaler",
        "100 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
        ingredients=(("salbutamol", "0.1"),),
    ),
    _m(
        "clenil_100",
        "Beclometasone (Clenil Modulite) inhaler",
        "100 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
        ingredients=(("beclometasone", "0.1"),),
    ),
    _m(
        "tiotropium_respimat",
        "Tiotropium (Spiriva Respimat) inhaler",
        "2.5 micrograms/dose",
        F.INHALER,
        "puff",
        route="inhaled",
        ingredients=(("tiotropium", "0.0025"),),
    ),
    # Urology
    _m(
        "tamsulosin_400",
        "Tamsulosin modified-release",
        "400 micrograms",
        F.CAPSULE,
        "capsule",
        ingredients=(("tamsulosin", "0.4"),),
    ),
    _m("finasteride_5", "Finasteride", "5 mg", F.TABLET, "tablet", ingredients=(("finasteride", "5"),)),
    # Eyes and skin
    _m(
        "latanoprost",
        "Latanoprost eye drops",
        "50 micrograms/mL",
        F.DROPS,
        "drop",
        route="eye",
        ingredients=(("latanoprost", None),),
    ),
    _m(
        "hypromellose_drops",
        "Hypromellose eye drops",
        "0.3%",
        F.DROPS,
        "drop",
        route="eye",
        ingredients=(("hypromellose", None),),
    ),
    _m(
        "zerobase",
        "Zerobase emollient cream",
        "11%",
        F.CREAM,
        "application",
        route="topical",
        ingredients=(("liquid_paraffin", None),),
    ),
    _m(
        "hydrocortisone_1",
        "Hydrocortisone cream",
        "1%",
        F.CREAM,
        "application",
        route="topical",
        ingredients=(("hydrocortisone", None),),
    ),
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
    """The data step the seed and ``manage.py load_reference_data`` share: the substances table, then the curated
    medicines (created where missing, matched by name, strength and form) and what each contains.

    Idempotent: a second run changes nothing. Returns the medicines by key.
    """
    load_reference_data()
    existing = {(m.name, m.strength, m.form): m for m in Medicine.objects.all()}
    missing = [
        Medicine(**medicine_fields(entry))  # type: ignore[arg-type]
        for entry in MEDICINES
        if (entry.name, entry.strength, entry.form) not in existing
    ]
    if missing:
        Medicine.objects.bulk_create(missing)
        existing = {(m.name, m.strength, m.form): m for m in Medicine.objects.all()}
    by_key = {entry.key: existing[(entry.name, entry.strength, entry.form)] for entry in MEDICINES}
    _ensure_ingredients(by_key)
    return by_key


def _ensure_ingredients(by_key: dict[str, Medicine]) -> None:
    """Each curated medicine contains what the list says (added, amounts corrected, extras removed); a dm+d code
    the list knows is filled in where the medicine has none."""
    substances = {s.code: s for s in Substance.objects.all()}
    current = {
        (i.medicine_id, i.substance_id): i for i in MedicineIngredient.objects.filter(medicine__in=by_key.values())
    }
    wanted: set[tuple[int, int]] = set()
    new: list[MedicineIngredient] = []
    for entry in MEDICINES:
        medicine = by_key[entry.key]
        if entry.dmd_code and not medicine.dmd_code:
            medicine.dmd_code = entry.dmd_code
            medicine.save(update_fields=["dmd_code"])
        for code, amount in entry.ingredients:
            substance = substances[code]
            key = (medicine.pk, substance.pk)
            wanted.add(key)
            value = Decimal(amount) if amount is not None else None
            found = current.get(key)
            if found is None:
                new.append(MedicineIngredient(medicine=medicine, substance=substance, amount_mg=value))
            elif found.amount_mg != value:
                found.amount_mg = value
                found.save(update_fields=["amount_mg"])
    MedicineIngredient.objects.bulk_create(new)
    stale = [i.pk for key, i in current.items() if key not in wanted]
    if stale:
        MedicineIngredient.objects.filter(pk__in=stale).delete()


# --- The curated data as the rules read it, without the database (for planning the demo) --------------------------

_CLASSES = {c.code: c for c in substance_data.CLASSES}
_SUBSTANCES = {s.code: s for s in substance_data.SUBSTANCES}


def class_fact(code: str) -> ClassFact:
    entry = _CLASSES[code]
    return ClassFact(entry.code, entry.name, entry.whole_class, entry.terms)


def substance_fact(code: str) -> SubstanceFact:
    entry = _SUBSTANCES[code]
    return SubstanceFact(entry.code, entry.name, tuple(class_fact(c) for c in entry.classes), entry.terms)


def ingredient_facts(entry: DemoMedicine) -> tuple[SubstanceFact, ...]:
    return tuple(substance_fact(code) for code, _ in entry.ingredients)


def capped_contents(entry: DemoMedicine) -> tuple[CappedContent, ...]:
    """The medicine's ingredients that have a 24-hour maximum, with the mg in one dose unit."""
    contents = []
    for code, amount in entry.ingredients:
        substance = _SUBSTANCES[code]
        if substance.max_24h_mg is not None and amount is not None:
            limit = IngredientLimit(code, substance.name, Decimal(substance.max_24h_mg))
            contents.append(CappedContent(limit, Decimal(amount)))
    return tuple(contents)


def cross_sensitivity_facts() -> dict[str, list[CrossSensitivityFact]]:
    result: dict[str, list[CrossSensitivityFact]] = {}
    for cross in substance_data.CROSS_SENSITIVITIES:
        result.setdefault(cross.allergy_class, []).append(
            CrossSensitivityFact(cross.allergy_class, cross.caution_class, cross.note)
        )
    return result
