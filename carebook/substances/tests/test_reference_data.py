"""The substances table: curated in the repository, loaded by one idempotent data step, what medicines point at."""

from __future__ import annotations

import io
import re
from decimal import Decimal

from django.core.management import call_command

from carebook.audit_log.models import AuditEvent
from carebook.demo.medicines import MEDICINES, ensure_medicines
from carebook.medication.models import MedicineIngredient
from carebook.substances import data
from carebook.substances.models import AllergenClass, CrossSensitivity, Substance
from carebook.substances.reference import check_data, load_reference_data


def test_the_curated_data_is_consistent():
    assert check_data() == []
    substances = {s.code: s for s in data.SUBSTANCES}
    for entry in MEDICINES:
        for code, amount in entry.ingredients:
            assert code in substances, f"{entry.key}: {code} is not in the substances table"
            if substances[code].max_24h_mg is not None:
                # A capped ingredient must say how much a dose unit holds, or its doses could not be counted.
                assert amount is not None and Decimal(amount) > 0, f"{entry.key}: {code} needs its amount"
    # Every maximum cites its source, in the BNF's words.
    capped = {s.code: s for s in data.SUBSTANCES if s.max_24h_mg is not None}
    assert {c: Decimal(s.max_24h_mg or 0) for c, s in capped.items()} == {
        "paracetamol": Decimal("4000"),
        "ibuprofen": Decimal("2400"),
        "codeine": Decimal("240"),
        "tramadol": Decimal("400"),
    }
    assert all(s.max_24h_source.startswith("BNF") for s in capped.values())


def test_codes_are_filled_only_where_verified_and_are_well_formed():
    for entry in [*data.SUBSTANCES, *data.CLASSES]:
        for code in (entry.snomed, getattr(entry, "dmd_vtm", "")):
            assert code == "" or re.fullmatch(r"[1-9][0-9]{5,17}", code), (entry.code, code)
    for entry in MEDICINES:
        assert entry.dmd_code == "" or re.fullmatch(r"[1-9][0-9]{5,17}", entry.dmd_code), entry.key


def test_every_medicine_in_the_list_says_what_it_contains():
    missing = [m.key for m in MEDICINES if not m.ingredients]
    assert missing == []
    cocodamol = next(m for m in MEDICINES if m.key == "cocodamol_30_500")
    assert cocodamol.ingredients == (("codeine", "30"), ("paracetamol", "500"))
    suspension = next(m for m in MEDICINES if m.key == "paracetamol_susp")
    assert suspension.ingredients == (("paracetamol", "50"),)  # 250 mg in 5 mL


def test_the_data_step_is_idempotent_and_audited(db):
    first = load_reference_data()
    assert first.changed and AuditEvent.objects.filter(action="substances.reference_loaded").count() == 1
    counts = (AllergenClass.objects.count(), Substance.objects.count(), CrossSensitivity.objects.count())
    assert counts == (len(data.CLASSES), len(data.SUBSTANCES), len(data.CROSS_SENSITIVITIES))
    again = load_reference_data()
    assert not again.changed and again.summary().endswith("up to date, nothing changed.")
    assert AuditEvent.objects.filter(action="substances.reference_loaded").count() == 1
    amoxicillin = Substance.objects.get(code="amoxicillin")
    assert amoxicillin.snomed_code == "372687004"
    assert [c.code for c in amoxicillin.classes.all()] == ["penicillins"]
    assert Substance.objects.get(code="paracetamol").max_24h_mg == Decimal("4000")


def test_the_seed_and_the_command_share_the_step_and_a_second_run_changes_nothing(db):
    medicines = ensure_medicines()
    ingredients = MedicineIngredient.objects.count()
    assert ingredients == sum(len(m.ingredients) for m in MEDICINES)
    cocodamol = medicines["cocodamol_30_500"]
    assert {(i.substance.code, i.amount_mg) for i in cocodamol.ingredients.select_related("substance")} == {
        ("codeine", Decimal("30")),
        ("paracetamol", Decimal("500")),
    }
    out = io.StringIO()
    call_command("load_reference_data", stdout=out)
    assert "up to date, nothing changed" in out.getvalue()
    assert MedicineIngredient.objects.count() == ingredients
    # A wrong amount in the database is brought back to the list's.
    row = cocodamol.ingredients.get(substance__code="paracetamol")
    row.amount_mg = Decimal("5")
    row.save(update_fields=["amount_mg"])
    ensure_medicines()
    row.refresh_from_db()
    assert row.amount_mg == Decimal("500")
