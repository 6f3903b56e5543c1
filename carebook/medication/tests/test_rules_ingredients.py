"""The same ingredient across products, pure: paracetamol tablets, the suspension and co-codamol share one 4 g."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from carebook.demo.medicines import BY_KEY, capped_contents
from carebook.medication.rules.ingredients import (
    IngredientDose,
    IngredientMaximumReached,
    ingredient_refusal,
    mg_text,
    next_allowed,
    shared_ingredients,
)

DAY = dt.datetime(2026, 6, 10, 5, 0, tzinfo=dt.UTC)  # 06:00 BST
TABLETS = capped_contents(BY_KEY["paracetamol_500"])  # 500 mg paracetamol per tablet
SUSPENSION = capped_contents(BY_KEY["paracetamol_susp"])  # 250 mg/5 mL: 50 mg per mL
COCODAMOL = capped_contents(BY_KEY["cocodamol_30_500"])  # 30 mg codeine and 500 mg paracetamol per tablet


def at(hours: float) -> dt.datetime:
    return DAY + dt.timedelta(hours=hours)


def doses(contents, quantity: str, *hours: float, medicine: str = "Paracetamol 500 mg tablet") -> list[IngredientDose]:
    return [
        IngredientDose(at(h), c.limit.code, c.in_dose(Decimal(quantity)), medicine) for h in hours for c in contents
    ]


def test_the_curated_amounts_are_per_dose_unit():
    assert [(c.limit.code, c.mg_per_unit, c.limit.max_24h_mg) for c in TABLETS] == [
        ("paracetamol", Decimal("500"), Decimal("4000"))
    ]
    assert SUSPENSION[0].in_dose(Decimal("10")) == Decimal("500")  # 10 mL of 250 mg/5 mL
    assert {c.limit.code: c.mg_per_unit for c in COCODAMOL} == {"codeine": Decimal("30"), "paracetamol": Decimal("500")}
    assert {c.limit.code: c.limit.max_24h_mg for c in COCODAMOL} == {
        "codeine": Decimal("240"),
        "paracetamol": Decimal("4000"),
    }
    assert capped_contents(BY_KEY["amlodipine_5"]) == ()


def test_paracetamol_tablets_suspension_and_co_codamol_share_4_g_in_24_hours():
    given_so_far = [
        *doses(TABLETS, "2", 0, 4),  # 1 g at 06:00 and 10:00
        *doses(SUSPENSION, "20", 8, medicine="Paracetamol 250 mg/5 mL oral liquid"),  # 1 g at 14:00
        *doses(COCODAMOL, "2", 12, medicine="Co-codamol 30 mg/500 mg tablet"),  # 1 g at 18:00 (and 60 mg codeine)
    ]
    # 4 g already: one more co-codamol tablet (500 mg) is refused, whichever product it would come from.
    refusal = ingredient_refusal(contents=COCODAMOL, quantity=Decimal("1"), history=given_so_far, at=at(16))
    assert isinstance(refusal, IngredientMaximumReached) and refusal.status == 422
    assert refusal.details["ingredient"] == "Paracetamol"
    assert "at most 4 g in 24 hours, from every medicine that contains it" in refusal.message
    assert "1 g at 06:00 on 10 June (Paracetamol 500 mg tablet)" in refusal.message
    assert "1 g at 14:00 on 10 June (Paracetamol 250 mg/5 mL oral liquid)" in refusal.message
    assert "This dose (500 mg) would make 4.5 g" in refusal.message
    assert "can be given from 06:00 on 11 June" in refusal.message  # when the 06:00 dose leaves the 24 hours
    assert refusal.details["allowed_from"] == at(24).isoformat()
    assert ingredient_refusal(contents=TABLETS, quantity=Decimal("1"), history=given_so_far, at=at(24)) is None


def test_each_ingredient_counts_on_its_own():
    # Four doses of two co-codamol: 240 mg of codeine (the most) and 4 g of paracetamol: both full.
    four = doses(COCODAMOL, "2", 0, 4, 8, 12, medicine="Co-codamol")
    refusal = ingredient_refusal(contents=COCODAMOL, quantity=Decimal("1"), history=four, at=at(16))
    assert refusal is not None and refusal.details["ingredient"] == "Codeine (as codeine phosphate)"
    # Paracetamol tablets alone do not count towards the codeine.
    three = doses(TABLETS, "2", 0, 4, 8)
    assert ingredient_refusal(contents=COCODAMOL, quantity=Decimal("2"), history=three, at=at(12)) is None


def test_a_back_dated_dose_counts_the_doses_after_it():
    # 1 g at 10:00, 14:00, 18:00 and 22:00 (4 g); a dose said to be given at 07:00 would make 5 g in the 24
    # hours to 22:00, although only one dose lies in the 24 hours before 07:00.
    later = doses(TABLETS, "2", 4, 8, 12, 16)
    refusal = ingredient_refusal(contents=TABLETS, quantity=Decimal("2"), history=later, at=at(1))
    assert refusal is not None and refusal.field == "administered_at"
    assert "with the doses recorded after it" in refusal.message and "over the most of 4 g" in refusal.message
    # The day before is another 24 hours.
    assert ingredient_refusal(contents=TABLETS, quantity=Decimal("2"), history=later, at=at(-8)) is None


def test_a_single_dose_above_the_maximum_is_refused_and_never_allowed():
    refusal = ingredient_refusal(contents=TABLETS, quantity=Decimal("10"), history=[], at=at(0))
    assert refusal is not None and "more than the most in 24 hours (4 g)" in refusal.message
    assert next_allowed(contents=TABLETS, quantity=Decimal("10"), history=[], at=at(0)).year == dt.MAXYEAR


def test_the_next_dose_waits_for_the_oldest_dose_to_leave_the_24_hours():
    # Paracetamol four times a day is 4 g: tomorrow's morning dose, 10 minutes earlier than today's, waits.
    qds = doses(TABLETS, "2", 0.5, 4.5, 9.5, 14.5)  # 06:30, 10:30, 15:30, 20:30
    assert next_allowed(contents=TABLETS, quantity=Decimal("2"), history=qds, at=at(24.33)) == at(24.5)
    assert next_allowed(contents=TABLETS, quantity=Decimal("2"), history=qds, at=at(24.5)) is None


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=72 * 4),  # a quarter-hour in three days
            st.sampled_from(["paracetamol_500", "paracetamol_susp", "cocodamol_30_500"]),
            st.sampled_from(["1", "2", "10", "20"]),
        ),
        max_size=40,
    )
)
def test_no_24_hours_ever_exceeds_the_maximum_whatever_order_doses_are_entered(attempts):
    """Any sequence of attempts, in time order or not (late entries): the accepted doses never hold more than 4 g of
    paracetamol or 240 mg of codeine in any 24 hours."""
    accepted: list[IngredientDose] = []
    for quarter, key, quantity in attempts:
        contents = capped_contents(BY_KEY[key])
        when = DAY + dt.timedelta(minutes=15 * quarter)
        if ingredient_refusal(contents=contents, quantity=Decimal(quantity), history=accepted, at=when) is None:
            accepted += [IngredientDose(when, c.limit.code, c.in_dose(Decimal(quantity)), key) for c in contents]
    for end in {d.at for d in accepted}:
        for code, most in (("paracetamol", Decimal("4000")), ("codeine", Decimal("240"))):
            window = [d.mg for d in accepted if d.code == code and end - dt.timedelta(hours=24) < d.at <= end]
            assert sum(window, Decimal(0)) <= most


def test_two_current_prescriptions_sharing_an_ingredient_are_named_both():
    tablets = [("paracetamol", "Paracetamol", Decimal("4000"))]
    cocodamol = [("codeine", "Codeine (as codeine phosphate)", Decimal("240")), *tablets]
    [shared] = shared_ingredients(
        medicine="Co-codamol 30 mg/500 mg tablet",
        ingredients=cocodamol,
        others=[("rx-1", "Paracetamol 500 mg tablet", tablets), ("rx-2", "Amlodipine 5 mg tablet", [])],
    )
    assert shared.other_id == "rx-1" and shared.code == "paracetamol"
    assert shared.text.startswith(
        "Co-codamol 30 mg/500 mg tablet and Paracetamol 500 mg tablet (already prescribed) both contain paracetamol."
    )
    assert "At most 4 g of paracetamol in 24 hours from both together" in shared.text
    # No maximum (morphine): still named, to confirm both are meant.
    morphine = [("morphine", "Morphine", None)]
    [both] = shared_ingredients(medicine="Oramorph", ingredients=morphine, others=[("rx-3", "MST", morphine)])
    assert "Check with the prescriber that both are meant" in both.text


def test_amounts_are_said_in_mg_or_g():
    assert [mg_text(Decimal(v)) for v in ("500", "1000", "2400", "0.125", "4500")] == [
        "500 mg",
        "1 g",
        "2.4 g",
        "0.125 mg",
        "4.5 g",
    ]
