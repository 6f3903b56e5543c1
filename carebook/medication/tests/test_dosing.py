"""Warfarin and other doses set by a clinic (ADR 0037, H66): the dose of each day from the latest checked dosing
instructions; no instruction, no dose; the wrong amount refused; entered by a senior, checked by a second person."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from html import unescape

import pytest
import time_machine
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import Conflict, DomainError, PermissionDenied, ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DosingInstruction, DosingInstructionCheck, DueDose
from carebook.medication.rules.dosing import InstructionFacts
from carebook.medication.selectors.round import person_pass
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.dosing import dosing_instruction_check, dosing_instruction_enter
from carebook.testing.factories import MedicineFactory, prescribe

# 09:00 on Friday 4 December 2026 (GMT); the 18:00 dose is today's.
MORNING = dt.datetime(2026, 12, 4, 9, 0, tzinfo=dt.UTC)
EVENING = dt.datetime(2026, 12, 4, 18, 0, tzinfo=dt.UTC)
TODAY = dt.date(2026, 12, 4)


def answers() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def week(first: dt.date, *amounts: str) -> dict[dt.date, str]:
    return {first + dt.timedelta(days=n): amount for n, amount in enumerate(amounts)}


@pytest.fixture
def warfarin(world):
    medicine = MedicineFactory(name="Warfarin", strength="1 mg", dose_unit="mg")
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        return prescribe(
            world.ada,
            medicine,
            by=world.sam,
            checker=world.tia,
            dose_min="0.5",
            dose_max="10",
            directions="Warfarin as directed by the anticoagulant clinic, at 18:00",
            times=["18:00"],
            dose_from_instructions=True,
        )


def enter(rx, by, *, doses=None, next_test=TODAY + dt.timedelta(days=6), inr="2.6"):
    return dosing_instruction_enter(
        prescription=rx,
        by=by,
        inr=inr,
        inr_date=TODAY - dt.timedelta(days=1),
        next_inr_date=next_test,
        doses=doses if doses is not None else week(TODAY, "3", "3", "2.5", "3", "3", "2.5", "3"),
        source_note="Clinic letter of 3 December",
    )


def evening_dose(rx) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=TODAY)


# --- The rules ------------------------------------------------------------------------------


def facts(entered_hour: int, checked: bool, doses: dict[dt.date, str]) -> InstructionFacts:
    return InstructionFacts(
        id=f"i{entered_hour}",
        inr=Decimal("2.5"),
        inr_date=TODAY - dt.timedelta(days=1),
        next_inr_date=max(doses),
        doses={d: Decimal(a) for d, a in doses.items()},
        entered_at=MORNING.replace(hour=entered_hour),
        checked=checked,
    )


def test_the_latest_checked_instruction_sets_the_day_and_an_unchecked_one_does_not():
    old = facts(8, True, week(TODAY, "3", "3", "3"))
    new_unchecked = facts(10, False, week(TODAY, "5", "5"))
    assert rules.dosing.day_dose([old, new_unchecked], TODAY) == Decimal("3")
    refusal = rules.dosing.dosing_refusal([new_unchecked], TODAY)
    assert refusal is not None and "second check" in refusal.message
    new = facts(10, True, week(TODAY, "5", "5"))
    assert rules.dosing.day_dose([old, new], TODAY) == Decimal("5")
    assert rules.dosing.day_dose([old, new], TODAY + dt.timedelta(days=2)) == Decimal("3")  # only the old covers it
    assert rules.dosing.dosing_refusal([old, new], TODAY + dt.timedelta(days=3)) is not None
    assert rules.dosing.next_inr_date([old, new]) == TODAY + dt.timedelta(days=1)


@given(st.integers(min_value=0, max_value=40), st.integers(min_value=-5, max_value=45))
def test_a_day_has_a_dose_only_inside_a_checked_instruction(length, offset):
    one = facts(8, True, {TODAY + dt.timedelta(days=n): "2" for n in range(length + 1)})
    day = TODAY + dt.timedelta(days=offset)
    inside = 0 <= offset <= length
    assert (rules.dosing.day_dose([one], day) is not None) == inside
    assert (rules.dosing.dosing_refusal([one], day) is None) == inside


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"inr": None}, "inr"),
        ({"inr": Decimal("25")}, "inr"),
        ({"inr_date": TODAY + dt.timedelta(days=1)}, "inr_date"),
        ({"next_inr_date": TODAY - dt.timedelta(days=1)}, "next_inr_date"),
        ({"next_inr_date": TODAY + dt.timedelta(days=100)}, "next_inr_date"),
        ({"doses": week(TODAY, "3", "3")}, f"dose_{TODAY + dt.timedelta(days=2)}"),  # a day left out
        ({"doses": week(TODAY, "3", "0", "3", "3")}, f"dose_{TODAY + dt.timedelta(days=1)}"),
        ({"doses": week(TODAY, "3", "12", "3", "3")}, f"dose_{TODAY + dt.timedelta(days=1)}"),  # above the maximum
    ],
)
def test_an_instruction_refused_beside_its_field(change, field):
    values = {
        "inr": Decimal("2.6"),
        "inr_date": TODAY - dt.timedelta(days=1),
        "next_inr_date": TODAY + dt.timedelta(days=3),
        "doses": {d: Decimal(a) for d, a in week(TODAY, "3", "3", "3", "3").items()},
    }
    values.update(change)
    values["doses"] = {d: Decimal(a) if isinstance(a, str) else a for d, a in values["doses"].items()}
    with pytest.raises(ValidationFailed) as err:
        rules.dosing.check_instruction(**values, today=TODAY, dose_max=Decimal("10"), unit="mg")
    assert err.value.field == field


# --- The services, and the round ---------------------------------------------------------------


@pytest.mark.parametrize("db_case", ["no instruction", "not yet checked"])
def test_no_checked_instruction_no_dose_and_the_round_says_why(world, warfarin, db_case):
    if db_case == "not yet checked":
        with time_machine.travel(MORNING, tick=False):
            enter(warfarin, world.sam)
    with time_machine.travel(EVENING, tick=False):
        shown = person_pass(person=world.ada, round_name="evening").doses
        view = next(d.view for d in shown if d.view.prescription_id == str(warfarin.pk))
        assert not view.can_record
        assert ("second check" if db_case == "not yet checked" else "no dosing instruction") in view.blocked
        before = (Administration.objects.count(), AuditEvent.objects.count())
        with pytest.raises(DomainError) as err:
            administration_record(by=world.carla, due_dose=evening_dose(warfarin), outcome="given", prompts=answers())
        assert err.value.message == view.blocked  # the same words on the round and in the refusal
        assert (Administration.objects.count(), AuditEvent.objects.count()) == before
        # A dose can still be explained as not given (refused, for example), so the gap is not left unexplained.
        administration_record(
            by=world.carla, due_dose=evening_dose(warfarin), outcome="refused", prompts=answers(), reason="Declined"
        )


def test_the_checked_instruction_gives_the_days_dose_and_only_that(world, warfarin):
    with time_machine.travel(MORNING, tick=False):
        instruction = enter(warfarin, world.sam)
        assert AuditEvent.objects.filter(action="dosing_instruction.entered", actor=world.sam).count() == 1
        with pytest.raises(PermissionDenied):
            dosing_instruction_check(instruction=instruction, by=world.sam)  # not the person who entered it
        with pytest.raises(PermissionDenied):
            dosing_instruction_check(instruction=instruction, by=world.carla)  # a care worker does not check
        check = dosing_instruction_check(instruction=instruction, by=world.tia)
        assert (check.checked_by, check.checked_at) == (world.tia, MORNING)
        with pytest.raises(Conflict):
            dosing_instruction_check(instruction=instruction, by=world.maria)
    with time_machine.travel(EVENING, tick=False):
        view = next(d.view for d in person_pass(person=world.ada, round_name="evening").doses)
        assert view.can_record and view.dose_text.startswith("3 mg")
        with pytest.raises(ValidationFailed) as err:
            administration_record(
                by=world.carla,
                due_dose=evening_dose(warfarin),
                outcome="given",
                prompts=answers(),
                dose_given=Decimal("5"),
            )
        assert err.value.field == "dose_given"
        result = administration_record(
            by=world.carla, due_dose=evening_dose(warfarin), outcome="given", prompts=answers()
        )
        assert result.administration.dose_given == Decimal("3")


def test_a_new_letter_replaces_the_old_from_its_check(world, warfarin):
    with time_machine.travel(MORNING, tick=False):
        dosing_instruction_check(instruction=enter(warfarin, world.sam), by=world.tia)
        newer = enter(warfarin, world.maria, doses=week(TODAY, "4", "4", "4"), next_test=TODAY + dt.timedelta(days=2))
    with time_machine.travel(EVENING, tick=False):
        view = next(d.view for d in person_pass(person=world.ada, round_name="evening").doses)
        assert view.dose_text.startswith("3 mg")  # the new one is not checked yet
        dosing_instruction_check(instruction=newer, by=world.sam)
        view = next(d.view for d in person_pass(person=world.ada, round_name="evening").doses)
        assert view.dose_text.startswith("4 mg")


@time_machine.travel(MORNING, tick=False)
def test_refused_entries_write_nothing(world, warfarin):
    plain = prescribe(world.ada, MedicineFactory(), by=world.sam, checker=world.tia)
    before = (DosingInstruction.objects.count(), DosingInstructionCheck.objects.count(), AuditEvent.objects.count())
    with pytest.raises(PermissionDenied):
        enter(warfarin, world.carla)
    with pytest.raises(Conflict):
        enter(plain, world.sam)
    with pytest.raises(ValidationFailed):
        enter(warfarin, world.sam, inr="two")
    assert (
        DosingInstruction.objects.count(),
        DosingInstructionCheck.objects.count(),
        AuditEvent.objects.count(),
    ) == before


@time_machine.travel(MORNING, tick=False)
def test_a_when_required_medicine_is_not_dosed_by_instructions(world):
    with pytest.raises(ValidationFailed) as err:
        prescribe(
            world.ada,
            MedicineFactory(),
            by=world.sam,
            schedule_kind="prn",
            times=[],
            indication="Pain",
            prn_min_interval_minutes=240,
            prn_max_quantity_24h="8",
            dose_from_instructions=True,
        )
    assert err.value.field == "dose_from_instructions"


# --- The pages -------------------------------------------------------------------------------------


def test_pages_enter_then_check_then_todays_dose_on_the_prescription(client, world, warfarin):
    with time_machine.travel(MORNING, tick=False):
        client.force_login(world.sam)
        page = unescape(client.get(reverse("medication:prescription", args=[warfarin.pk])).content.decode())
        assert 'data-testid="no-dose-today"' in page and "no dosing instruction" in page
        url = reverse("medication:dosing_new", args=[warfarin.pk])
        form = client.get(url).content.decode()
        assert f'name="dose_{TODAY.isoformat()}"' in form
        body = {
            "inr": "2.6",
            "inr_date": (TODAY - dt.timedelta(days=1)).isoformat(),
            "next_inr_date": (TODAY + dt.timedelta(days=2)).isoformat(),
            f"dose_{TODAY.isoformat()}": "3",
            f"dose_{(TODAY + dt.timedelta(days=1)).isoformat()}": "3",
        }
        refused = client.post(url, body)
        assert refused.status_code == 422 and DosingInstruction.objects.count() == 0
        assert f'href="#dose_{TODAY + dt.timedelta(days=2)}"' in refused.content.decode()
        body[f"dose_{(TODAY + dt.timedelta(days=2)).isoformat()}"] = "2.5"
        assert client.post(url, body).status_code == 302
        instruction = DosingInstruction.objects.get()
        client.force_login(world.tia)
        check_url = reverse("medication:dosing_check", args=[instruction.pk])
        assert client.post(check_url, {}).status_code == 422
        assert client.post(check_url, {"confirm": "yes"}).status_code == 302
        page = unescape(client.get(reverse("medication:prescription", args=[warfarin.pk])).content.decode())
        assert "Today's dose: 3 mg" in page and "Next INR test" in page
        person_page = unescape(client.get(reverse("people:person", args=[world.ada.pk])).content.decode())
        assert 'data-testid="next-inr"' in person_page and "Sunday 6 December 2026" in person_page
        assert "3 mg (the clinic's dose for this day)" in person_page


def test_pages_out_of_scope_and_roles(client, world, warfarin):
    with time_machine.travel(MORNING, tick=False):
        instruction = enter(warfarin, world.sam)
        client.force_login(world.otto)
        assert client.get(reverse("medication:dosing_new", args=[warfarin.pk])).status_code in (403, 404)
        assert client.get(reverse("medication:dosing_check", args=[instruction.pk])).status_code in (403, 404)
        client.force_login(world.carla)
        assert client.get(reverse("medication:dosing_new", args=[warfarin.pk])).status_code == 403
        assert (
            client.post(reverse("medication:dosing_check", args=[instruction.pk]), {"confirm": "yes"}).status_code
            == 403
        )
        assert DosingInstructionCheck.objects.count() == 0
