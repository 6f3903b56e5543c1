"""A late dose too close to the next one, through the recording service (ADR 0021).

Addie's co-amoxiclav is due at 08:00 and 20:00. On 10 June the morning dose was missed; at 16:10 Carla finds
it. Given now, it would be 3 h 50 min before the evening dose, and doses must be at least 6 hours apart (half
the 12 hours between them). She cannot simply give it: she moves the evening dose, omits it, or omits this one.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from decimal import Decimal
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from carebook.access.models import WitnessFailure
from carebook.audit_log.models import AuditEvent
from carebook.core.clock import LONDON
from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, LateDoseDecision, Medicine, PromptAnswer
from carebook.medication.services.administrations import (
    LateDoseRequest,
    WitnessCredentials,
    administration_record,
)
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.vocab import LateDoseChoice
from carebook.testing.factories import PASSWORD, MedicineFactory, prescribe

DAY = dt.date(2026, 6, 10)


def local(day: dt.date, hh: int, mm: int = 0) -> dt.datetime:
    return dt.datetime(day.year, day.month, day.day, hh, mm, tzinfo=LONDON).astimezone(dt.UTC)


AFTERNOON = local(DAY, 16, 10)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def counts() -> tuple[int, ...]:
    return (
        Administration.objects.count(),
        PromptAnswer.objects.count(),
        LateDoseDecision.objects.count(),
        DueDose.objects.count(),
        DueDose.objects.filter(state="withdrawn").count(),
        AuditEvent.objects.count(),
    )


def twice_daily(world, *, time_critical: bool = False, **overrides):
    medicine = MedicineFactory(
        name="Co-amoxiclav" if not time_critical else "Co-careldopa", time_critical=time_critical
    )
    with time_machine.travel(local(DAY, 7) - dt.timedelta(days=1), tick=False):
        return prescribe(world.ada, medicine, by=world.sam, checker=world.tia, times=["08:00", "20:00"], **overrides)


def slot(rx, hh: int, day: dt.date = DAY) -> DueDose:
    return DueDose.objects.get(prescription=rx, local_date=day, local_time=dt.time(hh), moved_from__isnull=True)


def record(world, dose, *, late=None, at=AFTERNOON, by=None, **extra):
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=by or world.carla,
            due_dose=dose,
            outcome=extra.pop("outcome", "given"),
            prompts=confirmed(),
            late=late,
            **extra,
        ).administration


def test_a_late_dose_too_close_to_the_next_cannot_simply_be_given_and_nothing_is_written(world):
    rx = twice_daily(world)
    before = counts()
    with pytest.raises(rules.TooCloseToNextDose) as err:
        record(world, slot(rx, 8))
    message = err.value.message
    assert "3 hours 50 minutes before the next dose at 20:00" in message
    assert "at least 6 hours apart" in message
    assert "move the next dose to 22:10 or later" in message and "omit the next dose" in message
    assert "omit this one" in message
    assert err.value.field == "late_choice" and err.value.status == 422
    assert err.value.details["choices"] == ["move_next", "omit_next", "omit_this"]
    assert counts() == before


def test_a_late_dose_the_gap_or_more_before_the_next_is_given_and_marked_late_with_its_minutes(world):
    rx = twice_daily(world)
    admin = record(world, slot(rx, 8), at=local(DAY, 14))  # exactly 6 hours before 20:00
    assert admin.outcome == "given" and admin.minutes_late == 300  # its window closed at 09:00
    assert not LateDoseDecision.objects.exists()


def test_give_now_and_move_the_next_dose_later_keeps_its_place_on_the_mar(world):
    rx = twice_daily(world)
    evening = slot(rx, 20)
    admin = record(
        world,
        slot(rx, 8),
        late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "Pharmacist advised to keep 6 hours between doses"),
    )
    assert admin.outcome == "given" and admin.minutes_late == 430
    evening.refresh_from_db()
    assert evening.state == "withdrawn" and evening.withdrawn_reason.startswith("Moved to 22:10 on 10 June")
    moved = DueDose.objects.get(moved_from=evening)
    assert (moved.local_date, moved.local_time) == (DAY, dt.time(20))  # the 20:00 slot of the MAR
    assert moved.scheduled_at == local(DAY, 22, 10) and moved.state == "pending"
    assert moved.window_opens_at == local(DAY, 22, 10)  # never before the gap after the late dose
    assert moved.window_closes_at == local(DAY, 23, 10)
    decision = admin.late_decision
    assert decision.choice == "move_next" and decision.moved_to == moved and decision.next_due_dose == evening
    assert decision.gap_minutes == 360 and decision.decided_by == world.carla and decision.confirmed_by is None
    actions = list(AuditEvent.objects.filter(at=AFTERNOON).values_list("action", flat=True))
    assert {"administration.recorded", "due_dose.moved", "late_dose.decided"} <= set(actions)
    # The moved dose cannot be given before its new time, and can from then.
    with pytest.raises(rules.NotYetDue, match="22:10"):
        record(world, moved, at=local(DAY, 21, 30))
    assert record(world, moved, at=local(DAY, 22, 10)).outcome == "given"


def test_the_next_dose_is_moved_to_the_time_chosen_within_its_bounds(world):
    rx = twice_daily(world)
    with pytest.raises(ValidationFailed) as err:
        record(
            world,
            slot(rx, 8),
            late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "GP advised", move_next_to=local(DAY, 21, 0)),
        )
    assert err.value.field == "move_next_to" and "22:10 on 10 June or later" in err.value.message
    with pytest.raises(ValidationFailed, match="no later than 01:00 on 11 June"):
        record(
            world,
            slot(rx, 8),
            late=LateDoseRequest(
                LateDoseChoice.MOVE_NEXT, "GP advised", move_next_to=local(DAY, 23, 0) + dt.timedelta(hours=3)
            ),
        )
    record(
        world, slot(rx, 8), late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "GP advised", move_next_to=local(DAY, 23))
    )
    moved = DueDose.objects.get(moved_from=slot(rx, 20))
    assert moved.scheduled_at == local(DAY, 23) and moved.window_opens_at == local(DAY, 22, 10)


def test_give_now_and_omit_the_next_dose_records_it_not_required_in_advance(world):
    rx = twice_daily(world)
    admin = record(world, slot(rx, 8), late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "GP said skip the evening dose"))
    evening = slot(rx, 20)
    assert evening.state == "recorded"
    omission = Administration.objects.get(due_dose=evening)
    assert omission.outcome == "not_required" and omission.recorded_by == world.carla
    assert omission.reason.startswith("Omitted in advance: the dose due at 08:00 on 10 June was given late")
    assert omission.reason.endswith("GP said skip the evening dose")
    assert admin.late_decision.next_omission == omission
    with pytest.raises(rules.AlreadyRecorded):
        record(world, evening, at=local(DAY, 20))


def test_omit_this_one_records_it_not_required_with_the_reason(world):
    rx = twice_daily(world)
    admin = record(world, slot(rx, 8), late=LateDoseRequest(LateDoseChoice.OMIT_THIS, "Too late, will give at 20:00"))
    assert admin.outcome == "not_required" and admin.dose_given is None and admin.minutes_late == 0
    assert admin.reason.startswith("Omitted: given late it would be too close to the next dose (20:00 on 10 June)")
    assert admin.late_decision.choice == "omit_this" and slot(rx, 20).state == "pending"


def test_each_choice_needs_a_reason_and_nothing_is_written_without_one(world):
    rx = twice_daily(world)
    before = counts()
    for choice in LateDoseChoice:
        with pytest.raises(ValidationFailed) as err:
            record(world, slot(rx, 8), late=LateDoseRequest(choice, "  "))
        assert err.value.field == "late_reason"
    assert counts() == before


def test_a_time_critical_medicine_needs_a_seniors_own_password(world):
    rx = twice_daily(world, time_critical=True)
    choice = LateDoseChoice.OMIT_NEXT
    before = counts()
    with pytest.raises(rules.SeniorConfirmationRequired):
        record(world, slot(rx, 8), late=LateDoseRequest(choice, "Parkinson's nurse advised"))
    with pytest.raises(ValidationFailed) as wrong:
        record(
            world,
            slot(rx, 8),
            late=LateDoseRequest(choice, "Parkinson's nurse advised", senior=WitnessCredentials("sam", "guess")),
        )
    assert wrong.value.field == "late_senior" and "senior's username or password" in wrong.value.message
    assert WitnessFailure.objects.filter(username="sam").count() == 1  # the witness's cool-off counts it
    with pytest.raises(ValidationFailed, match="cannot confirm"):
        record(
            world,
            slot(rx, 8),
            by=world.sam,
            late=LateDoseRequest(choice, "Parkinson's nurse advised", senior=WitnessCredentials("carla", PASSWORD)),
        )
    assert counts()[:5] == before[:5]
    admin = record(
        world,
        slot(rx, 8),
        late=LateDoseRequest(choice, "Parkinson's nurse advised", senior=WitnessCredentials("sam", PASSWORD)),
    )
    decision = admin.late_decision
    assert decision.confirmed_by == world.sam and decision.confirmed_at == AFTERNOON


def test_the_senior_cannot_confirm_their_own_record(world):
    rx = twice_daily(world, time_critical=True)
    with pytest.raises(ValidationFailed, match="not you"):
        record(
            world,
            slot(rx, 8),
            by=world.sam,
            late=LateDoseRequest(LateDoseChoice.OMIT_THIS, "Too late", senior=WitnessCredentials("sam", PASSWORD)),
        )


def test_a_choice_is_refused_when_the_dose_is_not_too_close(world):
    rx = twice_daily(world)
    with pytest.raises(ValidationFailed) as err:
        record(world, slot(rx, 8), at=local(DAY, 9, 30), late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "Because"))
    assert err.value.code == "late_choice_not_needed"


def test_a_not_given_outcome_needs_no_choice(world):
    rx = twice_daily(world)
    admin = record(world, slot(rx, 8), outcome="refused", reason="Said no, will try at 20:00")
    assert admin.outcome == "refused" and admin.minutes_late == 0


def test_a_next_dose_already_given_leaves_only_omit_this_one(world):
    rx = twice_daily(world)
    record(world, slot(rx, 20), at=local(DAY, 19, 10))  # the evening dose, given early in its window
    with pytest.raises(rules.TooCloseToNextDose, match="already given at 19:10"):
        record(world, slot(rx, 8), at=local(DAY, 19, 30))
    with pytest.raises(ValidationFailed):
        record(world, slot(rx, 8), at=local(DAY, 19, 30), late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "No"))
    admin = record(
        world, slot(rx, 8), at=local(DAY, 19, 30), late=LateDoseRequest(LateDoseChoice.OMIT_THIS, "Already given")
    )
    assert admin.outcome == "not_required"


def test_the_last_dose_of_a_course_has_no_next_so_it_is_simply_given_late(world):
    with time_machine.travel(local(DAY, 7), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Amoxicillin"),
            by=world.sam,
            checker=world.tia,
            times=["08:00", "20:00"],
            course_days=1,
        )
    assert rx.course_doses == 2
    admin = record(world, slot(rx, 20), at=local(DAY + dt.timedelta(days=1), 4))
    assert admin.outcome == "given" and admin.minutes_late == 420


def test_a_late_weekly_dose_moves_the_next_even_beyond_the_generated_horizon(world):
    with time_machine.travel(local(DAY, 8), tick=False):
        rx = prescribe(
            world.ada,
            MedicineFactory(name="Alendronic acid"),
            by=world.sam,
            checker=world.tia,
            times=["08:00"],
            schedule_kind="every_n_days",
            interval_days=7,
        )
    first = slot(rx, 8)
    assert not DueDose.objects.filter(prescription=rx, local_date=DAY + dt.timedelta(days=7)).exists()
    four_days_on = local(DAY + dt.timedelta(days=4), 10)  # 3 days before the next: the gap is 3.5 days
    with pytest.raises(rules.TooCloseToNextDose):
        record(world, first, at=four_days_on)
    record(world, first, at=four_days_on, late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "GP: skip next week's"))
    nxt = DueDose.objects.get(prescription=rx, local_date=DAY + dt.timedelta(days=7))
    assert nxt.state == "recorded" and Administration.objects.get(due_dose=nxt).outcome == "not_required"
    with time_machine.travel(four_days_on, tick=False):
        assert due_doses_extend_horizon() == 0  # the job keeps the omitted slot, and makes no second one


def test_a_moved_dose_is_not_made_again_by_the_background_job(world):
    rx = twice_daily(world)
    record(world, slot(rx, 8), late=LateDoseRequest(LateDoseChoice.MOVE_NEXT, "Pharmacist advised"))
    with time_machine.travel(AFTERNOON + dt.timedelta(minutes=15), tick=False):
        due_doses_extend_horizon()
    live = DueDose.objects.filter(prescription=rx, local_date=DAY, local_time=dt.time(20)).exclude(state="withdrawn")
    assert [d.scheduled_at for d in live] == [local(DAY, 22, 10)]


def test_a_controlled_drug_given_late_needs_its_witness_as_well(world):
    morphine = MedicineFactory(name="Morphine", form=Medicine.Form.LIQUID, dose_unit="mL", controlled_drug_schedule=2)
    with time_machine.travel(local(DAY, 7) - dt.timedelta(days=1), tick=False):
        rx = prescribe(
            world.ada, morphine, by=world.sam, checker=world.tia, times=["08:00", "20:00"], dose_min=Decimal("5")
        )
    with pytest.raises(rules.WitnessRequired):
        record(world, slot(rx, 8), late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "GP advised"))
    admin = record(
        world,
        slot(rx, 8),
        late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "GP advised"),
        witness=WitnessCredentials("sam", PASSWORD),
    )
    assert admin.witness == world.sam and admin.late_decision.choice == "omit_next"


# --- The same through the JSON API ----------------------------------------------------------------------------


def _api_given(dose, **extra) -> dict:
    prompts = [{"prompt": p, "result": "confirmed"} for p in rules.prompts_for("")]
    return {"due_dose_id": str(dose.pk), "outcome": "given", "prompts": prompts, **extra}


def test_the_api_refuses_a_late_dose_too_close_without_a_choice_and_names_the_choices(world):
    from carebook.medication.api.testing import api_as

    rx = twice_daily(world)
    with time_machine.travel(AFTERNOON, tick=False):
        response = api_as(world.carla).post("/administrations", _api_given(slot(rx, 8)))
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "too_close_to_next_dose" and body["field"] == "late_choice"
    assert body["details"]["choices"] == ["move_next", "omit_next", "omit_this"]
    assert dt.datetime.fromisoformat(body["details"]["earliest_move"]) == local(DAY, 22, 10)
    assert not Administration.objects.exists()


def test_the_api_accepts_a_choice_and_shows_what_was_decided(world):
    from carebook.medication.api.testing import api_as

    rx = twice_daily(world)
    late_dose = {
        "choice": "move_next",
        "reason": "Pharmacist advised",
        "move_next_to": local(DAY, 22, 30).isoformat(),
    }
    with time_machine.travel(AFTERNOON, tick=False):
        response = api_as(world.carla).post("/administrations", _api_given(slot(rx, 8), late_dose=late_dose))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["minutes_late"] == 430
    decision = body["late_decision"]
    assert decision["choice"] == "move_next" and decision["decided_by"]["username"] == "carla"
    assert dt.datetime.fromisoformat(decision["moved_to"]["scheduled_at"]) == local(DAY, 22, 30)
    moved_id = decision["moved_to"]["due_dose_id"]
    with time_machine.travel(AFTERNOON, tick=False):
        detail = api_as(world.carla).get(f"/administrations/{body['id']}").json()
        window = {"location": str(world.home.pk), "from": local(DAY, 19).isoformat(), "to": local(DAY, 23).isoformat()}
        doses = api_as(world.carla).get("/due-doses", window)
    assert detail["late_decision"]["moved_to"]["due_dose_id"] == moved_id
    moved = next(d for d in doses.json() if d["id"] == moved_id)
    assert moved["local_time"] == "20:00" and moved["moved_from"] == str(slot(rx, 20).pk)


def test_the_openapi_documents_the_late_dose_choice(world):
    from carebook.medication.api.testing import api_as

    schema = api_as(world.carla).get("/openapi.json").json()
    components = schema["components"]["schemas"]
    assert set(components["LateDoseIn"]["properties"]) == {"choice", "reason", "move_next_to", "senior"}
    assert "too_close_to_next_dose" in components["LateDoseIn"]["description"]
    assert "late_dose" in components["AdministrationIn"]["properties"]
    assert "late_decision" in components["AdministrationDetail"]["properties"]
    schedule = components["ScheduleOut"]["properties"]
    assert {"course_doses", "course_first_dose_at", "course_last_dose_at", "min_gap_minutes"} <= set(schedule)


# --- Two carers at once (PostgreSQL: real row locks) ----------------------------------------------------------


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_persons_lock_covers_both_doses_so_the_next_is_never_given_beside_the_late_one(world):
    """At 19:30 Carla gives the missed 08:00 dose and omits the 20:00 one; at the same moment Ben, on another
    tablet, gives the 20:00 dose. Carla holds Addie's row, so Ben waits, then finds the 20:00 dose recorded."""
    from carebook.access.models import Role
    from carebook.testing.factories import UserFactory

    rx = twice_daily(world)
    ben = UserFactory(username="ben", full_name="Ben Carer", initials="BC", role=Role.CARE_WORKER, at=world.home)
    morning, evening = slot(rx, 8), slot(rx, 20)
    locked, release = threading.Event(), threading.Event()
    results: dict[str, Any] = {}

    def pause_after_lock(execute, sql, params, many, context):
        result = execute(sql, params, many, context)
        if "FOR UPDATE" in sql and not locked.is_set():
            locked.set()
            release.wait(timeout=20)
        return result

    def run(key: str, target) -> threading.Thread:
        def body() -> None:
            try:
                results[key] = target()
            except BaseException as exc:
                results[key] = exc
            finally:
                connections.close_all()

        thread = threading.Thread(target=body)
        thread.start()
        return thread

    def carla() -> Any:
        with connection.execute_wrapper(pause_after_lock):
            return administration_record(
                by=world.carla,
                due_dose=morning,
                outcome="given",
                prompts=confirmed(),
                late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "Found late: skip the evening dose"),
            )

    def ben_gives() -> Any:
        return administration_record(by=ben, due_dose=evening, outcome="given", prompts=confirmed())

    with time_machine.travel(local(DAY, 19, 30), tick=True):
        first = run("carla", carla)
        assert locked.wait(10), "Carla's recording never locked Addie's row"
        second = run("ben", ben_gives)
        time.sleep(0.5)
        waited = second.is_alive()
        release.set()
        first.join(20)
        second.join(20)
    assert waited, "Ben's dose did not wait for Addie's lock"
    assert not isinstance(results["carla"], BaseException), results["carla"]
    assert isinstance(results["ben"], rules.AlreadyRecorded)
    taken = Administration.objects.filter(person=world.ada, outcome__in=["given"])
    assert [a.due_dose_id for a in taken] == [morning.pk]


def test_a_late_dose_choice_for_a_when_required_dose_is_refused(world):
    from carebook.testing.factories import prescribe_paracetamol_prn

    with time_machine.travel(AFTERNOON - dt.timedelta(days=1), tick=False):
        prn = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    with time_machine.travel(AFTERNOON, tick=False), pytest.raises(ValidationFailed) as err:
        administration_record(
            by=world.carla,
            prescription=prn,
            outcome="given",
            prompts=confirmed(),
            dose_given=Decimal("1"),
            prn_reason="Headache",
            late=LateDoseRequest(LateDoseChoice.OMIT_NEXT, "No"),
        )
    assert err.value.field == "late_choice"
