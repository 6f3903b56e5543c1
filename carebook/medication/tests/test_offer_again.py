"""Refused (or asleep), and offered again (ADR 0034): the first refusal waits on the round with the time to offer
the dose again; the second offer's outcome is the dose's one record; the refusal stays in its history."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.db import IntegrityError, transaction
from django.urls import reverse

from carebook.audit_log.models import AuditEvent
from carebook.core.errors import ValidationFailed
from carebook.medication import rules
from carebook.medication.models import Administration, DueDose
from carebook.medication.services.administrations import administration_mark_entered_in_error, administration_record
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST; the window closes at 09:00 BST
CLOSES = MORNING + dt.timedelta(minutes=60)
MINUTE = dt.timedelta(minutes=1)


def confirmed() -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for("")]


def refused_consent() -> list[rules.Answer]:
    return [rules.Answer(p, "failed" if p == "consent" else "confirmed") for p in rules.prompts_for("")]


@pytest.fixture
def dose(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Sertraline", strength="50 mg"), by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


def record(world, dose, outcome: str, at: dt.datetime, *, by=None, reason: str = "") -> Administration:
    prompts = confirmed() if outcome == "given" else refused_consent()
    with time_machine.travel(at, tick=False):
        return administration_record(
            by=by or world.carla,
            due_dose=dose.pk,
            outcome=outcome,
            prompts=prompts,
            reason=reason or ("" if outcome == "given" else "Said she felt sick"),
        ).administration


def test_refused_then_given_is_one_outcome_with_the_refusal_kept(world, dose):
    first = record(world, dose, "refused", MORNING + 5 * MINUTE)
    assert first.status == Administration.Status.OFFER_AGAIN and first.offer_again_until == CLOSES
    dose.refresh_from_db()
    assert dose.state == DueDose.State.PENDING  # still on the round
    assert not Administration.objects.effective().filter(due_dose=dose).exists()  # no outcome yet
    audit = AuditEvent.objects.get(action="administration.recorded", entity_id=str(first.pk))
    assert audit.after["status"] == "offer_again" and audit.actor == world.carla

    given = record(world, dose, "given", MORNING + 40 * MINUTE, by=world.sam)
    assert given.status == Administration.Status.COMPLETED and given.offer_again_until is None
    dose.refresh_from_db()
    assert dose.state == DueDose.State.RECORDED
    first.refresh_from_db()
    assert first.status == Administration.Status.OFFER_AGAIN  # never updated: the first offer stays in the history
    assert list(
        Administration.objects.filter(due_dose=dose).order_by("recorded_at").values_list("outcome", "status")
    ) == [
        ("refused", "offer_again"),
        ("given", "completed"),
    ]


def test_a_dose_is_offered_again_once_and_a_second_will_offer_again_refusal_is_refused(world, dose):
    record(world, dose, "asleep", MORNING + 5 * MINUTE)
    with pytest.raises(ValidationFailed) as err:
        record(world, dose, "refused", MORNING + 30 * MINUTE)
    assert err.value.field == "outcome" and err.value.code == "already_offered_again"
    assert "asleep (will offer again) at 08:05" in err.value.message
    assert "Record how this offer ended: given, or refused (will not offer again)" in err.value.message
    assert Administration.objects.filter(due_dose=dose).count() == 1  # nothing half-written
    final = record(world, dose, "refused_final", MORNING + 31 * MINUTE)
    assert final.status == Administration.Status.COMPLETED


def test_still_asleep_at_the_second_offer_is_the_dose_s_outcome(world, dose):
    record(world, dose, "asleep", MORNING + 5 * MINUTE)
    second = record(world, dose, "asleep", MORNING + 45 * MINUTE)
    assert second.status == Administration.Status.COMPLETED and second.offer_again_until is None
    dose.refresh_from_db()
    assert dose.state == DueDose.State.RECORDED


def test_a_refusal_after_the_window_closed_gets_as_long_again_as_its_window(world, dose):
    first = record(world, dose, "refused", CLOSES + 10 * MINUTE)
    assert first.offer_again_until == CLOSES + 70 * MINUTE


def test_a_provider_may_set_how_long_after_the_refusal_to_offer_again(world, dose, settings):
    settings.CAREBOOK = {**settings.CAREBOOK, "OFFER_AGAIN_MINUTES": 120}
    first = record(world, dose, "refused", MORNING + 5 * MINUTE)
    assert first.offer_again_until == MORNING + 125 * MINUTE


def test_the_rule_for_when_to_offer_again():
    window = dt.timedelta(minutes=30)
    assert rules.offer_again_until(closes_at=CLOSES, refused_at=CLOSES - MINUTE, window=window) == CLOSES
    assert rules.offer_again_until(closes_at=CLOSES, refused_at=CLOSES, window=window) == CLOSES + window
    assert (
        rules.offer_again_until(closes_at=CLOSES, refused_at=MORNING, window=window, minutes=45)
        == MORNING + 45 * MINUTE
    )


def test_a_when_required_refusal_is_final(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    with time_machine.travel(MORNING, tick=False):
        admin = administration_record(
            by=world.carla, prescription=rx, outcome="refused", prompts=refused_consent(), reason="Did not want it"
        ).administration
    assert admin.status == Administration.Status.COMPLETED and admin.offer_again_until is None


def test_the_refusal_entered_in_error_leaves_the_dose_due_as_before(world, dose):
    first = record(world, dose, "refused", MORNING + 5 * MINUTE)
    with time_machine.travel(MORNING + 10 * MINUTE, tick=False):
        administration_mark_entered_in_error(administration=first, by=world.carla, reason="Recorded on the wrong row")
    first.refresh_from_db()
    dose.refresh_from_db()
    assert first.status == Administration.Status.ENTERED_IN_ERROR and dose.state == DueDose.State.PENDING
    again = record(world, dose, "refused", MORNING + 15 * MINUTE)  # a real refusal may now wait in its place
    assert again.status == Administration.Status.OFFER_AGAIN


def test_the_database_allows_one_refusal_waiting_per_dose_and_only_with_its_time(world, dose):
    first = record(world, dose, "refused", MORNING + 5 * MINUTE)
    fields = {
        "due_dose": dose,
        "prescription": dose.prescription,
        "person": dose.person,
        "location": dose.location,
        "outcome": "refused",
        "administered_at": MORNING,
        "recorded_at": MORNING,
        "recorded_by": world.carla,
        "status": "offer_again",
    }
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.create(**fields, offer_again_until=CLOSES)  # a second one
    first_id = first.pk
    with pytest.raises(IntegrityError), transaction.atomic():
        Administration.objects.create(**{**fields, "outcome": "given"}, offer_again_until=CLOSES)
    assert Administration.objects.filter(due_dose=dose).get().pk == first_id


# --- The pages -------------------------------------------------------------------------------------------


def test_the_round_keeps_the_dose_to_offer_again_and_the_record_page_asks_for_the_outcome(client, world, dose):
    record(world, dose, "refused", MORNING + 5 * MINUTE, reason="Felt sick, will try after breakfast")
    client.force_login(world.carla)
    round_url = reverse("medication:round", args=[world.home.pk]) + "?round=morning"
    with time_machine.travel(MORNING + 20 * MINUTE, tick=False):
        html = client.get(round_url).content.decode()
        assert 'data-status="offer_again"' in html
        assert "Refused at 08:05 (Carla Carer): offer again by 09:00" in html
        assert "At the first offer: Felt sick, will try after breakfast" in html
        assert ">Offer again<span" in html
        page = client.get(reverse("medication:record_dose", args=[dose.pk])).content.decode()
    assert 'data-testid="offered-again"' in page and "To offer again by 09:00" in page
    assert 'value="refused_final"' in page
    assert 'value="refused"' not in page  # a dose is offered again once: a refusal now is for good
    assert 'value="asleep"' in page  # still asleep is the outcome
    with time_machine.travel(CLOSES + 5 * MINUTE, tick=False):  # the time to offer it again has passed
        html = client.get(round_url).content.decode()
    assert 'data-status="overdue"' in html and "offer again by 09:00 (now overdue)" in html
