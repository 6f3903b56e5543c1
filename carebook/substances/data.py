"""The curated table of allergen classes, substances and cross-sensitivities (reference data).

Loaded into the database by ``carebook.substances.reference.load_reference_data`` (the demo seed and
``manage.py load_reference_data`` share it; running it twice changes nothing). Kept small and checked by hand:
it covers the substances of the curated medicine list (``carebook/demo/medicines.py``). A provider that
imports dm+d would load its own.

Rules of this table
- **Codes.** ``code`` is Carebook's own stable key. ``snomed`` and ``dmd_vtm`` are filled only where the
  code was verified, here against NHS England's UK Core examples in ``/work/shared/fhir`` (amoxicillin
  substance 372687004; paracetamol VTM 777067000; "penicillin-containing product" 890458001). Everywhere
  else they are blank: a blank code is honest, a wrong one is a hazard.
- **Classes.** ``whole_class``: an allergy to one member is taken as an allergy to every member (BNF: a
  person allergic to one penicillin is allergic to all; NSAID hypersensitivity, including aspirin, is a
  contraindication to every NSAID; ACE-inhibitor angioedema to every ACE inhibitor). Where it is not, another
  member of the class is a *caution*: shown, and a senior's decision is still needed, but worded as a question
  for the prescriber (a person allergic to morphine may be prescribed oxycodone after review).
- **Cross-sensitivities** are cautions between classes (penicillins and cephalosporins).
- **Maximum in 24 hours** (adults), only where the BNF gives a fixed one; the most conservative adult figure,
  in mg, counted across every product that contains the substance. Lower limits (adults under 50 kg, liver
  impairment, the frail) are the prescriber's to write on the prescription: see hazard H31.
- ``terms``: other words staff write (singular, plural, brand-free synonyms), for matching a free-text
  allergy by name.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ClassEntry:
    code: str
    name: str
    whole_class: bool = True
    terms: tuple[str, ...] = ()
    snomed: str = ""
    note: str = ""


@dataclass(frozen=True)
class SubstanceEntry:
    code: str
    name: str
    classes: tuple[str, ...] = ()
    terms: tuple[str, ...] = ()
    snomed: str = ""
    dmd_vtm: str = ""
    max_24h_mg: str | None = None
    max_24h_source: str = ""


@dataclass(frozen=True)
class CrossEntry:
    allergy_class: str
    caution_class: str
    note: str


CLASSES: tuple[ClassEntry, ...] = (
    ClassEntry(
        "penicillins",
        "Penicillins",
        terms=("penicillin", "penicillins", "penicillin-containing product"),
        snomed="890458001",  # "Penicillin-containing product", as UK Core codes a penicillin allergy's substance
        note="An allergy to one penicillin is an allergy to all penicillins (BNF).",
    ),
    ClassEntry(
        "cephalosporins",
        "Cephalosporins",
        terms=("cephalosporin", "cephalosporins"),
        note="Treat an allergy to one cephalosporin as an allergy to all.",
    ),
    ClassEntry("macrolides", "Macrolides", terms=("macrolide", "macrolides")),
    ClassEntry("tetracyclines", "Tetracyclines", terms=("tetracycline", "tetracyclines")),
    ClassEntry(
        "nsaids",
        "NSAIDs (non-steroidal anti-inflammatory drugs)",
        terms=(
            "nsaid",
            "nsaids",
            "non-steroidal anti-inflammatory",
            "non-steroidal anti-inflammatories",
            "non steroidal anti inflammatory",
            "anti-inflammatories",
        ),
        note="A history of hypersensitivity to aspirin or any other NSAID contraindicates every NSAID (BNF).",
    ),
    ClassEntry(
        "opioids",
        "Opioids",
        whole_class=False,
        terms=("opioid", "opioids", "opiate", "opiates"),
        note="Many recorded opioid 'allergies' are intolerances (nausea, drowsiness); another opioid is a "
        "caution to confirm with the prescriber.",
    ),
    ClassEntry(
        "benzodiazepines",
        "Benzodiazepines",
        whole_class=False,
        terms=("benzodiazepine", "benzodiazepines", "benzos"),
    ),
    ClassEntry(
        "ace_inhibitors",
        "ACE inhibitors",
        terms=("ace inhibitor", "ace inhibitors", "ace-inhibitor", "ace-inhibitors"),
        note="Angioedema with one ACE inhibitor contraindicates every ACE inhibitor (BNF).",
    ),
    ClassEntry(
        "angiotensin_receptor_blockers",
        "Angiotensin II receptor blockers",
        whole_class=False,
        terms=("angiotensin receptor blocker", "angiotensin receptor blockers", "arb", "arbs", "sartans"),
    ),
    ClassEntry("statins", "Statins", whole_class=False, terms=("statin", "statins")),
    ClassEntry(
        "beta_blockers",
        "Beta-blockers",
        whole_class=False,
        terms=("beta blocker", "beta-blocker", "beta blockers", "beta-blockers"),
    ),
    ClassEntry(
        "proton_pump_inhibitors",
        "Proton pump inhibitors",
        whole_class=False,
        terms=("proton pump inhibitor", "proton pump inhibitors", "ppi", "ppis"),
    ),
    ClassEntry("ssris", "SSRIs (antidepressants)", whole_class=False, terms=("ssri", "ssris")),
    ClassEntry("heparins", "Heparins", terms=("heparin", "heparins", "low molecular weight heparin")),
)

# Adult 24-hour maxima, from the BNF (British National Formulary) monographs, by mouth.
_PARACETAMOL_MAX = (
    "BNF, paracetamol (by mouth, adult): 0.5–1 g every 4–6 hours, maximum 4 g per day. Lower for adults under "
    "50 kg or at risk of liver toxicity: the prescriber writes that limit on the prescription."
)
_IBUPROFEN_MAX = "BNF, ibuprofen (by mouth, adult, pain and inflammation): maximum 2.4 g per day."
_CODEINE_MAX = (
    "BNF, codeine phosphate (by mouth, adult, mild to moderate pain): 30–60 mg every 4 hours, maximum 240 mg per day."
)
_TRAMADOL_MAX = (
    "BNF, tramadol hydrochloride (by mouth, adult): 50–100 mg every 4–6 hours, usual maximum 400 mg per day."
)

SUBSTANCES: tuple[SubstanceEntry, ...] = (
    # Pain
    SubstanceEntry(
        "paracetamol",
        "Paracetamol",
        terms=("acetaminophen",),
        dmd_vtm="777067000",  # dm+d VTM "Paracetamol" (UK Core MedicationRequest example)
        max_24h_mg="4000",
        max_24h_source=_PARACETAMOL_MAX,
    ),
    SubstanceEntry("ibuprofen", "Ibuprofen", classes=("nsaids",), max_24h_mg="2400", max_24h_source=_IBUPROFEN_MAX),
    SubstanceEntry("naproxen", "Naproxen", classes=("nsaids",)),
    SubstanceEntry("diclofenac", "Diclofenac", classes=("nsaids",)),
    SubstanceEntry("aspirin", "Aspirin", classes=("nsaids",), terms=("acetylsalicylic acid",)),
    SubstanceEntry(
        "codeine",
        "Codeine (as codeine phosphate)",
        classes=("opioids",),
        terms=("codeine", "codeine phosphate"),
        max_24h_mg="240",
        max_24h_source=_CODEINE_MAX,
    ),
    SubstanceEntry(
        "tramadol",
        "Tramadol",
        classes=("opioids",),
        terms=("tramadol hydrochloride",),
        max_24h_mg="400",
        max_24h_source=_TRAMADOL_MAX,
    ),
    SubstanceEntry("morphine", "Morphine", classes=("opioids",), terms=("morphine sulfate", "oramorph")),
    SubstanceEntry("oxycodone", "Oxycodone", classes=("opioids",), terms=("oxycodone hydrochloride",)),
    SubstanceEntry("fentanyl", "Fentanyl", classes=("opioids",)),
    SubstanceEntry("buprenorphine", "Buprenorphine", classes=("opioids",)),
    # Anxiety, sleep, seizures, end of life
    SubstanceEntry("lorazepam", "Lorazepam", classes=("benzodiazepines",)),
    SubstanceEntry("diazepam", "Diazepam", classes=("benzodiazepines",)),
    SubstanceEntry("temazepam", "Temazepam", classes=("benzodiazepines",)),
    SubstanceEntry("midazolam", "Midazolam", classes=("benzodiazepines",)),
    SubstanceEntry("zopiclone", "Zopiclone"),
    SubstanceEntry("hyoscine_butylbromide", "Hyoscine butylbromide", terms=("buscopan",)),
    SubstanceEntry("levetiracetam", "Levetiracetam"),
    SubstanceEntry("sodium_valproate", "Sodium valproate", terms=("valproate",)),
    # Parkinson's
    SubstanceEntry("levodopa", "Levodopa"),
    SubstanceEntry("carbidopa", "Carbidopa"),
    SubstanceEntry("benserazide", "Benserazide"),
    SubstanceEntry("ropinirole", "Ropinirole"),
    SubstanceEntry("rasagiline", "Rasagiline"),
    # Diabetes
    SubstanceEntry("insulin_glargine", "Insulin glargine"),
    SubstanceEntry("insulin_aspart", "Insulin aspart"),
    SubstanceEntry("insulin_isophane_human", "Isophane insulin (human)"),
    SubstanceEntry("metformin", "Metformin"),
    SubstanceEntry("gliclazide", "Gliclazide"),
    SubstanceEntry("sitagliptin", "Sitagliptin"),
    # Heart and circulation
    SubstanceEntry("amlodipine", "Amlodipine"),
    SubstanceEntry("ramipril", "Ramipril", classes=("ace_inhibitors",)),
    SubstanceEntry("lisinopril", "Lisinopril", classes=("ace_inhibitors",)),
    SubstanceEntry("losartan", "Losartan", classes=("angiotensin_receptor_blockers",)),
    SubstanceEntry("bisoprolol", "Bisoprolol", classes=("beta_blockers",)),
    SubstanceEntry("digoxin", "Digoxin"),
    SubstanceEntry("furosemide", "Furosemide", terms=("frusemide",)),
    SubstanceEntry("bendroflumethiazide", "Bendroflumethiazide"),
    SubstanceEntry("spironolactone", "Spironolactone"),
    SubstanceEntry("atorvastatin", "Atorvastatin", classes=("statins",)),
    SubstanceEntry("simvastatin", "Simvastatin", classes=("statins",)),
    SubstanceEntry("clopidogrel", "Clopidogrel"),
    SubstanceEntry("warfarin", "Warfarin"),
    SubstanceEntry("apixaban", "Apixaban"),
    SubstanceEntry("rivaroxaban", "Rivaroxaban"),
    SubstanceEntry("edoxaban", "Edoxaban"),
    SubstanceEntry("enoxaparin", "Enoxaparin", classes=("heparins",)),
    # Stomach and bowels
    SubstanceEntry("omeprazole", "Omeprazole", classes=("proton_pump_inhibitors",)),
    SubstanceEntry("lansoprazole", "Lansoprazole", classes=("proton_pump_inhibitors",)),
    SubstanceEntry("sennosides", "Senna (sennosides)", terms=("senna",)),
    SubstanceEntry("lactulose", "Lactulose"),
    SubstanceEntry("macrogol", "Macrogol 3350", terms=("macrogol", "polyethylene glycol", "peg")),
    SubstanceEntry("docusate", "Docusate sodium", terms=("docusate",)),
    SubstanceEntry("bisacodyl", "Bisacodyl"),
    SubstanceEntry("loperamide", "Loperamide"),
    SubstanceEntry("sodium_alginate", "Sodium alginate", terms=("alginate",)),
    SubstanceEntry("potassium_bicarbonate", "Potassium bicarbonate"),
    # Thyroid, bones, vitamins
    SubstanceEntry("levothyroxine", "Levothyroxine", terms=("thyroxine",)),
    SubstanceEntry("alendronic_acid", "Alendronic acid", terms=("alendronate",)),
    SubstanceEntry("calcium_carbonate", "Calcium carbonate"),
    SubstanceEntry("colecalciferol", "Colecalciferol", terms=("vitamin d", "vitamin d3", "cholecalciferol")),
    SubstanceEntry("folic_acid", "Folic acid"),
    SubstanceEntry("ferrous_fumarate", "Ferrous fumarate", terms=("iron",)),
    # Rheumatology
    SubstanceEntry("methotrexate", "Methotrexate"),
    SubstanceEntry("prednisolone", "Prednisolone"),
    # Mental health and dementia
    SubstanceEntry("sertraline", "Sertraline", classes=("ssris",)),
    SubstanceEntry("citalopram", "Citalopram", classes=("ssris",)),
    SubstanceEntry("mirtazapine", "Mirtazapine"),
    SubstanceEntry("donepezil", "Donepezil"),
    SubstanceEntry("memantine", "Memantine"),
    SubstanceEntry("quetiapine", "Quetiapine"),
    SubstanceEntry("lithium", "Lithium", terms=("lithium carbonate", "priadel")),
    SubstanceEntry("pregabalin", "Pregabalin"),
    SubstanceEntry("gabapentin", "Gabapentin"),
    # Infections
    SubstanceEntry("amoxicillin", "Amoxicillin", classes=("penicillins",), terms=("amoxycillin",), snomed="372687004"),
    SubstanceEntry("flucloxacillin", "Flucloxacillin", classes=("penicillins",)),
    SubstanceEntry(
        "phenoxymethylpenicillin", "Phenoxymethylpenicillin", classes=("penicillins",), terms=("penicillin v",)
    ),
    SubstanceEntry("clavulanic_acid", "Clavulanic acid", terms=("clavulanate",)),
    SubstanceEntry("cefalexin", "Cefalexin", classes=("cephalosporins",), terms=("cephalexin",)),
    SubstanceEntry("clarithromycin", "Clarithromycin", classes=("macrolides",)),
    SubstanceEntry("doxycycline", "Doxycycline", classes=("tetracyclines",)),
    SubstanceEntry("nitrofurantoin", "Nitrofurantoin"),
    SubstanceEntry("trimethoprim", "Trimethoprim"),
    # Breathing
    SubstanceEntry("salbutamol", "Salbutamol"),
    SubstanceEntry("beclometasone", "Beclometasone", terms=("beclomethasone",)),
    SubstanceEntry("tiotropium", "Tiotropium"),
    # Urology
    SubstanceEntry("tamsulosin", "Tamsulosin"),
    SubstanceEntry("finasteride", "Finasteride"),
    # Eyes and skin
    SubstanceEntry("latanoprost", "Latanoprost"),
    SubstanceEntry("hypromellose", "Hypromellose"),
    SubstanceEntry("liquid_paraffin", "Liquid paraffin", terms=("paraffin",)),
    SubstanceEntry("hydrocortisone", "Hydrocortisone"),
)

CROSS_SENSITIVITIES: tuple[CrossEntry, ...] = (
    CrossEntry(
        "penicillins",
        "cephalosporins",
        "Some people allergic to penicillins also react to cephalosporins. After an immediate reaction to a "
        "penicillin (anaphylaxis, hives, swelling of the face or throat) a cephalosporin is avoided; otherwise "
        "the prescriber decides (BNF).",
    ),
    CrossEntry(
        "cephalosporins",
        "penicillins",
        "Some people allergic to cephalosporins also react to penicillins: the prescriber decides.",
    ),
    CrossEntry(
        "ace_inhibitors",
        "angiotensin_receptor_blockers",
        "Angioedema has recurred with an angiotensin II receptor blocker after angioedema with an ACE inhibitor: "
        "use with caution, as the prescriber decides (BNF).",
    ),
)
