"""The alert kinds raised from records (ADR 0026), each at its threshold's edge (the clock moved), raised once,
cleared where it clears, and the scan's cost flat in the number of people.

Ada's ramipril is due at 08:00 BST (07:00 UTC) every day; its window closes at 09:00 BST.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext

from carebook.alerts import rules
from carebook.alerts.jobs import SCAN, SCAN_MARGIN, scan_written_after
from carebook.alerts.models import Alert, AlertRecord
from carebook.alerts.services import alerts_scan
from carebook.alerts.thresholds import location_thresholds_set, prescription_thresholds_set, thresholds_for
from carebook.alerts.vocab import AlertKind, Severity
from carebook.audit_log.models import AuditEvent
from carebook.core.models import JobStatus
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.administrations.correct import administration_mark_entered_in_error
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.services.prescriptions import prescription_check_transcription
from carebook.testing.factories import MedicineFactory, PersonFactory, prescribe, prescribe_paracetamol_prn

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
WINDOW_CLOSES = DUE + dt.timedelta(minutes=60)
MINUTE = dt.timedelta(minutes=1)
DAY = dt.timedelta(days=1)


@pytest.fixture
def ramipril(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        return prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)


def dose_on(rx, day: int) -> DueDose:
    """The 08:00 dose ``day`` days after the first (the horizon extended to it)."""
    at = DUE + day * DAY
    with time_machine.travel(at - dt.timedelta(hours=12), tick=False):
        due_doses_extend_horizon()
    return DueDose.objects.get(prescription=rx, local_date=at.date())


def confirmed(check: str = "") -> list[medication_rules.Answer]:
    return [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for(check)]


def record(world, dose, outcome: str, at: dt.datetime, *, prompts=None, reason="", administered_at=None, events=None):
    prompts = (
        prompts
        if prompts is not None
        else (confirmed() if outcome in ("given",) else [medication_rules.Answer("right_person", "confirmed")])
    )
    if outcome != "given" and not reason:
        reason = "Said no"
    with time_machine.travel(at, tick=False):
        if events is not None:
            with events(execute=True):
                return administration_record(
                    by=world.carla,
                    outcome=outcome,
                    prompts=prompts,
                    due_dose=dose,
                    reason=reason,
                    administered_at=administered_at,
                ).administration
        return administration_record(
            by=world.carla,
            outcome=outcome,
            prompts=prompts,
            due_dose=dose,
            reason=reason,
            administered_at=administered_at,
        ).administration


def scan_at(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return alerts_scan()


def of_kind(kind: str):
    return Alert.objects.filter(kind=kind)


# --- Refused, to offer again ------------------------------------------------------------------------------


def test_a_refusal_with_no_later_record_is_raised_when_its_window_closes_and_cleared_by_a_later_record(world, ramipril):
    dose = dose_on(ramipril, 0)
    refusal = record(world, dose, "refused", DUE + 5 * MINUTE)
    assert refusal.status == "offer_again" and refusal.offer_again_until == WINDOW_CLOSES
    scan_at(WINDOW_CLOSES - MINUTE)
    assert not of_kind(AlertKind.REFUSED_OFFER_AGAIN).exists()  # just under: still in its window
    scan_at(WINDOW_CLOSES)
    alert = of_kind(AlertKind.REFUSED_OFFER_AGAIN).get()  # at
    assert (alert.due_dose_id, alert.administration_id, alert.severity) == (dose.pk, refusal.pk, Severity.MEDIUM)
    assert "Ramipril" in alert.summary and "refused at 08:05, to be offered again by 09:00" in alert.summary
    assert list(alert.records.values_list("administration_id", flat=True)) == [refusal.pk]
    scan_at(WINDOW_CLOSES + MINUTE)  # just over, and again: still one
    assert of_kind(AlertKind.REFUSED_OFFER_AGAIN).count() == 1
    # The dose waits with its refusal: no overdue or missed alert of its own, even after its round has ended.
    scan_at(DUE + 6 * dt.timedelta(hours=1))
    assert not Alert.objects.filter(kind__in=[AlertKind.OVERDUE_DOSE, AlertKind.MISSED_DOSE]).exists()
    # Offered again and taken: the outcome is recorded against the same dose, and the alert clears.
    record(world, dose, "given", WINDOW_CLOSES + 25 * MINUTE)
    assert alert.pk in scan_at(WINDOW_CLOSES + 26 * MINUTE).cleared
    alert.refresh_from_db()
    assert "Given" in alert.cleared_reason and alert.status == Alert.Status.OPEN


def test_a_refusal_entered_in_error_leaves_the_dose_due_and_alerted_as_any_other(world, ramipril):
    dose = dose_on(ramipril, 0)
    refusal = record(world, dose, "refused", DUE + 5 * MINUTE)
    with time_machine.travel(DUE + 10 * MINUTE, tick=False):
        administration_mark_entered_in_error(administration=refusal, by=world.sam, reason="Wrong person's row")
    scan_at(WINDOW_CLOSES + MINUTE)
    assert not of_kind(AlertKind.REFUSED_OFFER_AGAIN).exists()
    assert of_kind(AlertKind.OVERDUE_DOSE).filter(due_dose=dose).exists()


def test_a_refusal_not_to_be_offered_again_is_not_a_dose_to_offer_again(world, ramipril):
    record(world, dose_on(ramipril, 0), "refused_final", DUE + 5 * MINUTE)
    scan_at(WINDOW_CLOSES + MINUTE)
    assert not of_kind(AlertKind.REFUSED_OFFER_AGAIN).exists()


# --- Repeated refusal --------------------------------------------------------------------------------------


def test_the_third_refusal_in_seven_days_raises_one_alert_which_later_refusals_join(
    world, ramipril, django_capture_on_commit_callbacks
):
    cb = django_capture_on_commit_callbacks
    first = record(world, dose_on(ramipril, 0), "refused_final", DUE + 5 * MINUTE, events=cb)
    second = record(world, dose_on(ramipril, 3), "refused_final", DUE + 3 * DAY + 5 * MINUTE, events=cb)
    assert not of_kind(AlertKind.REPEATED_REFUSAL).exists()  # just under: two
    third = record(world, dose_on(ramipril, 6), "refused_final", DUE + 6 * DAY + 5 * MINUTE, events=cb)
    alert = of_kind(AlertKind.REPEATED_REFUSAL).get()  # at: raised at once, by the event
    assert alert.raised_at == DUE + 6 * DAY + 5 * MINUTE
    assert set(alert.records.values_list("administration_id", flat=True)) == {first.pk, second.pk, third.pk}
    assert "3 times in 7 days" in alert.summary
    fourth = record(world, dose_on(ramipril, 7), "refused_final", DUE + 7 * DAY + 5 * MINUTE, events=cb)
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1  # just over: the fourth joins it
    assert fourth.pk in set(alert.records.values_list("administration_id", flat=True))
    assert AuditEvent.objects.filter(action="alert.record_added", entity_id=str(alert.pk)).count() == 1
    scan_at(DUE + 7 * DAY + 10 * MINUTE)
    scan_at(DUE + 7 * DAY + 11 * MINUTE)
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1 and alert.records.count() == 4


def test_refusals_seven_days_apart_are_not_in_one_window(world, ramipril):
    """The window is the 7 days up to the latest refusal: one exactly 7 days before falls out of it."""
    for day in (0, 3, 7):
        record(world, dose_on(ramipril, day), "refused_final", DUE + day * DAY + 5 * MINUTE)
    scan_at(DUE + 7 * DAY + 10 * MINUTE)
    assert not of_kind(AlertKind.REPEATED_REFUSAL).exists()
    times = [DUE, DUE + 3 * DAY, DUE + 7 * DAY]
    assert not rules.repeated(times, at=DUE + 7 * DAY, count=3, days=7)
    assert rules.repeated(times, at=DUE + 7 * DAY - MINUTE, count=2, days=7)
    assert rules.repeated([DUE + MINUTE, *times[1:]], at=DUE + 7 * DAY, count=3, days=7)


def test_the_repeated_refusal_carries_on_the_refused_dose_alerts_of_that_medicine(world, ramipril):
    """An alert storm: three refusals make one alert needing attention, not four."""
    for day in (0, 1):
        record(world, dose_on(ramipril, day), "refused", DUE + day * DAY + 5 * MINUTE)
        scan_at(WINDOW_CLOSES + day * DAY)
    assert of_kind(AlertKind.REFUSED_OFFER_AGAIN).count() == 2
    record(world, dose_on(ramipril, 2), "refused", DUE + 2 * DAY + 5 * MINUTE)
    scan_at(DUE + 2 * DAY + 10 * MINUTE)
    repeated = of_kind(AlertKind.REPEATED_REFUSAL).get()
    assert set(of_kind(AlertKind.REFUSED_OFFER_AGAIN).values_list("superseded_by", flat=True)) == {repeated.pk}


def test_a_location_or_a_prescription_sets_its_own_refusal_count(world, ramipril):
    with time_machine.travel(DUE - DAY, tick=False):
        location_thresholds_set(location=world.home, by=world.maria, values={"refusal_count": 4})
        prescription_thresholds_set(prescription=ramipril, by=world.maria, values={"refusal_count": 2})
    assert thresholds_for(world.home.pk).refusal_count == 4
    assert thresholds_for(world.home.pk, ramipril.pk).refusal_count == 2
    record(world, dose_on(ramipril, 0), "refused_final", DUE + 5 * MINUTE)
    scan_at(DUE + 6 * MINUTE)
    assert not of_kind(AlertKind.REPEATED_REFUSAL).exists()
    record(world, dose_on(ramipril, 1), "refused_final", DUE + DAY + 5 * MINUTE)
    scan_at(DUE + DAY + 6 * MINUTE)
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1
    changed = AuditEvent.objects.filter(action="alert.thresholds_changed")
    assert changed.count() == 2 and changed.first().before["refusal_count"] is None  # type: ignore[union-attr]


# --- Repeated omissions ------------------------------------------------------------------------------------


def test_three_omissions_of_one_medicine_in_seven_days_raise_one_alert(world, ramipril):
    for day in (0, 1):
        record(world, dose_on(ramipril, day), "asleep", DUE + day * DAY + 5 * MINUTE, reason="Asleep")
    scan_at(DUE + DAY + 10 * MINUTE)
    assert not of_kind(AlertKind.REPEATED_OMISSIONS).exists()  # two
    dose_on(ramipril, 2)
    scan_at(DUE + 2 * DAY + dt.timedelta(hours=3) - MINUTE)  # overdue, not yet missed
    assert not of_kind(AlertKind.REPEATED_OMISSIONS).exists()
    # The third: a missed dose (no record by the end of its round, 11:00), counted with the records.
    scan_at(DUE + 2 * DAY + dt.timedelta(hours=3))
    alert = of_kind(AlertKind.REPEATED_OMISSIONS).get()
    assert alert.prescription_id == ramipril.pk and "3 doses of this medicine" in alert.summary
    assert alert.records.count() == 3
    scan_at(DUE + 2 * DAY + dt.timedelta(hours=4))
    assert of_kind(AlertKind.REPEATED_OMISSIONS).count() == 1  # not a second for the person, nor for the medicine


def test_three_omissions_in_one_round_for_two_people_raise_one_alert_for_the_round(world, ramipril):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        bisoprolol = prescribe(world.bert, MedicineFactory(name="Bisoprolol"), by=world.sam, checker=world.tia)
    record(world, dose_on(ramipril, 0), "not_available", DUE + 5 * MINUTE, reason="Out of stock")
    record(world, dose_on(bisoprolol, 1), "not_available", DUE + DAY + 5 * MINUTE, reason="Out of stock")
    for rx in (ramipril, bisoprolol):  # the rest given: no missed doses
        record(world, dose_on(rx, 1 if rx == ramipril else 0), "given", DUE + (1 if rx == ramipril else 0) * DAY)
    scan_at(DUE + DAY + 10 * MINUTE)
    assert not of_kind(AlertKind.REPEATED_OMISSIONS).exists()  # two
    record(world, dose_on(ramipril, 2), "not_available", DUE + 2 * DAY + 5 * MINUTE, reason="Out of stock")
    scan_at(DUE + 2 * DAY + 10 * MINUTE)
    alert = of_kind(AlertKind.REPEATED_OMISSIONS).get()  # Ada's ramipril twice: not hers; the round's three
    assert alert.summary.startswith("Morning round: 3 doses") and "for 2 people" in alert.summary
    assert alert.records.count() == 3 and alert.prescription_id is None


# --- When-required pattern -------------------------------------------------------------------------------


def give_prn(world, rx, at, quantity="2", events=None):
    with time_machine.travel(at, tick=False):
        kwargs = dict(
            by=world.carla,
            prescription=rx,
            outcome="given",
            prompts=confirmed(),
            dose_given=Decimal(quantity),
            prn_reason="Pain",
        )
        if events is not None:
            with events(execute=True):
                return administration_record(**kwargs).administration
        return administration_record(**kwargs).administration


def test_the_24_hour_maximum_reached_raises_an_alert_at_once(world, django_capture_on_commit_callbacks):
    with time_machine.travel(DUE - DAY, tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    for hours in (0, 4, 8):
        give_prn(world, rx, DUE + dt.timedelta(hours=hours), events=django_capture_on_commit_callbacks)
    assert not of_kind(AlertKind.PRN_PATTERN).exists()  # 6 of 8 tablets
    last = give_prn(world, rx, DUE + dt.timedelta(hours=12), events=django_capture_on_commit_callbacks)
    alert = of_kind(AlertKind.PRN_PATTERN).get()  # 8 of 8: the maximum reached
    assert alert.administration_id == last.pk and "maximum of 8" in alert.summary and alert.records.count() == 4
    scan_at(DUE + dt.timedelta(hours=12, minutes=1))
    assert of_kind(AlertKind.PRN_PATTERN).count() == 1


def test_a_when_required_medicine_taken_on_five_of_seven_days_asks_for_a_review(world):
    with time_machine.travel(DUE - DAY, tick=False):
        rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
    for day in (0, 1, 3, 5):
        give_prn(world, rx, DUE + day * DAY, quantity="1")
    scan_at(DUE + 5 * DAY + MINUTE)
    assert not of_kind(AlertKind.PRN_PATTERN).exists()  # four days of seven
    give_prn(world, rx, DUE + 6 * DAY, quantity="1")
    scan_at(DUE + 6 * DAY + MINUTE)
    alert = of_kind(AlertKind.PRN_PATTERN).get()  # five
    assert "5 of the last 7 days" in alert.summary and alert.severity == Severity.LOW
    give_prn(world, rx, DUE + 7 * DAY, quantity="1")
    scan_at(DUE + 7 * DAY + MINUTE)
    assert of_kind(AlertKind.PRN_PATTERN).count() == 1 and alert.records.count() == 6  # joined
    assert rules.prn_days_used([dt.date(2026, 6, 1), dt.date(2026, 6, 7)], today=dt.date(2026, 6, 7), of_days=7) == 2
    assert rules.prn_days_used([dt.date(2026, 5, 31)], today=dt.date(2026, 6, 7), of_days=7) == 0


def test_regular_doses_of_the_same_medicine_do_not_count_as_days_of_when_required_use(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prn = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
        regular = prescribe(world.ada, prn.medicine, by=world.sam, checker=world.tia)
    for day in range(6):
        record(world, dose_on(regular, day), "given", DUE + day * DAY)
    give_prn(world, prn, DUE + 5 * DAY + dt.timedelta(hours=6), quantity="1")
    scan_at(DUE + 5 * DAY + dt.timedelta(hours=6, minutes=1))
    assert not of_kind(AlertKind.PRN_PATTERN).exists()


# --- Safety checks, readings, allergy decisions ------------------------------------------------------------


def test_a_failed_check_raises_an_alert_at_once_but_a_refusals_failed_consent_does_not(
    world, ramipril, django_capture_on_commit_callbacks
):
    failed = [
        medication_rules.Answer("right_person", "confirmed"),
        medication_rules.Answer("right_medicine", "failed", note="The label says amlodipine"),
    ]
    a = record(
        world,
        dose_on(ramipril, 0),
        "other",
        DUE + 5 * MINUTE,
        prompts=failed,
        reason="Wrong box",
        events=django_capture_on_commit_callbacks,
    )
    alert = of_kind(AlertKind.PROMPT_NOT_CONFIRMED).get()
    assert alert.administration_id == a.pk and "label says amlodipine" in alert.summary
    consent = [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("") if p != "consent"] + [
        medication_rules.Answer("consent", "failed")
    ]
    record(
        world,
        dose_on(ramipril, 1),
        "refused_final",
        DUE + DAY,
        prompts=consent,
        events=django_capture_on_commit_callbacks,
    )
    scan_at(DUE + DAY + MINUTE)
    assert of_kind(AlertKind.PROMPT_NOT_CONFIRMED).count() == 1


def test_a_reading_outside_its_rule_raises_an_alert_from_its_event_or_the_scan(
    world, django_capture_on_commit_callbacks
):
    with time_machine.travel(DUE - DAY, tick=False):
        digoxin = prescribe(
            world.ada,
            MedicineFactory(name="Digoxin", required_check="pulse", high_risk=True),
            by=world.sam,
            checker=world.tia,
            reading_below="60",
            reading_below_action="withhold",
            reading_plan="Tell the GP.",
        )
    prompts = [
        medication_rules.Answer(p, "confirmed", Decimal("52") if p == "pulse" else None)
        for p in medication_rules.prompts_for("pulse")
    ]
    a = record(world, dose_on(digoxin, 0), "not_required", DUE, prompts=prompts, reason="Pulse 52: withheld")
    scan_at(DUE + MINUTE)  # no event heard (the test's transaction): the scan finds it
    alert = of_kind(AlertKind.READING_OUTSIDE_RULE).get()
    assert alert.administration_id == a.pk and alert.severity == Severity.HIGH and "52" in alert.summary
    b = record(
        world,
        dose_on(digoxin, 1),
        "not_required",
        DUE + DAY,
        prompts=prompts,
        reason="Pulse 52",
        events=django_capture_on_commit_callbacks,
    )
    assert of_kind(AlertKind.READING_OUTSIDE_RULE).filter(administration=b).count() == 1
    scan_at(DUE + DAY + MINUTE)
    assert of_kind(AlertKind.READING_OUTSIDE_RULE).count() == 2


def test_an_allergy_warning_overridden_is_raised_for_the_managers_review(world, django_capture_on_commit_callbacks):
    from carebook.medication.models import AllergyDecision
    from carebook.people.services import allergy_record
    from carebook.testing.factories import curated_medicine

    with time_machine.travel(DUE, tick=False):
        medicine = curated_medicine("coamoxiclav_500_125")
        allergy_record(person=world.bert, by=world.sam, class_code="penicillins", severity="moderate")
        with django_capture_on_commit_callbacks(execute=True):
            rx = prescribe(world.bert, medicine, by=world.sam, allergy_reason="GP confirmed: the rash was viral")
    alert = of_kind(AlertKind.ALLERGY_OVERRIDDEN).get()
    decision = AllergyDecision.objects.get(prescription=rx)
    assert alert.prescription_id == rx.pk and "GP confirmed" in alert.summary
    assert list(alert.records.values_list("allergy_decision_id", flat=True)) == [decision.pk]
    scan_at(DUE + MINUTE)
    assert of_kind(AlertKind.ALLERGY_OVERRIDDEN).count() == 1


# --- Late recording ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("minutes", "raised"), [(59, False), (60, False), (61, True)])
def test_a_dose_recorded_over_an_hour_after_it_was_given_is_a_late_recording(
    world, ramipril, django_capture_on_commit_callbacks, minutes, raised
):
    given = DUE + 5 * MINUTE
    record(
        world,
        dose_on(ramipril, 0),
        "given",
        given + minutes * MINUTE,
        administered_at=given,
        events=django_capture_on_commit_callbacks,
    )
    # Not on the recording's path: the entry's request writes no alert (the scan raises it within a minute).
    assert not of_kind(AlertKind.LATE_RECORDING).exists()
    scan_at(given + minutes * MINUTE + MINUTE)
    assert of_kind(AlertKind.LATE_RECORDING).count() == int(raised)
    scan_at(given + minutes * MINUTE + 2 * MINUTE)  # and raises nothing twice
    assert of_kind(AlertKind.LATE_RECORDING).count() == int(raised)


def test_a_late_entry_back_dated_by_two_days_is_found_by_the_scan(world, ramipril):
    """The scan reads the records written in its look-back (by ``recorded_at``), however long before they were
    given: the most worrying late entries are the oldest."""
    given = DUE + 5 * MINUTE
    a = record(world, dose_on(ramipril, 0), "given", given + 2 * DAY, administered_at=given)
    scan_at(given + 2 * DAY + MINUTE)
    alert = of_kind(AlertKind.LATE_RECORDING).get()
    assert alert.administration_id == a.pk and "2 days later" in alert.summary
    scan_at(given + 4 * DAY)  # out of the look-back: raised once, still listed
    assert of_kind(AlertKind.LATE_RECORDING).count() == 1


# --- Transcription check outstanding ---------------------------------------------------------------------


def test_an_unchecked_prescription_is_raised_two_hours_before_its_first_dose_and_cleared_when_checked(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Sertraline"), by=world.sam)  # nobody checked it
    lead = dt.timedelta(hours=2)
    scan_at(DUE - lead - MINUTE)
    assert not of_kind(AlertKind.TRANSCRIPTION_OUTSTANDING).exists()
    scan_at(DUE - lead)
    alert = of_kind(AlertKind.TRANSCRIPTION_OUTSTANDING).get()
    assert alert.prescription_id == rx.pk and "not been checked" in alert.summary
    scan_at(DUE - lead + MINUTE)
    assert of_kind(AlertKind.TRANSCRIPTION_OUTSTANDING).count() == 1
    with time_machine.travel(DUE - 30 * MINUTE, tick=False):
        prescription_check_transcription(prescription=rx, by=world.tia)
    assert alert.pk in scan_at(DUE - 29 * MINUTE).cleared
    alert.refresh_from_db()
    assert "Checked by Tia Leader" in alert.cleared_reason


def test_the_minutes_scan_clears_a_transcription_alert_checked_since_and_the_scan_by_hand_any(world):
    """The minute's scan reads the checks written since its last run (the check's event cleared the alert at once);
    one checked before that is the event's or the scan by hand's."""
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Sertraline"), by=world.sam)
    alert = Alert.objects.get(pk__in=scan_at(DUE - dt.timedelta(hours=2)).raised)
    checked = DUE - 30 * MINUTE
    with time_machine.travel(checked, tick=False):
        prescription_check_transcription(prescription=rx, by=world.tia)  # the tests' transaction: no event delivered
    with time_machine.travel(checked + 20 * MINUTE, tick=False):
        assert alerts_scan(written_after=checked + MINUTE).cleared == []
        assert alerts_scan(written_after=checked - MINUTE).cleared == [alert.pk]
        assert alerts_scan().cleared == []  # cleared once


# --- Thresholds of the dose kinds --------------------------------------------------------------------------


def test_a_prescriptions_overdue_minutes_delay_its_alert_but_never_before_its_window_closes(world, ramipril):
    with time_machine.travel(DUE - DAY, tick=False):
        prescription_thresholds_set(prescription=ramipril, by=world.maria, values={"overdue_minutes": 90})
    dose_on(ramipril, 0)
    scan_at(DUE + 89 * MINUTE)
    assert not of_kind(AlertKind.OVERDUE_DOSE).exists()
    scan_at(DUE + 90 * MINUTE)
    assert of_kind(AlertKind.OVERDUE_DOSE).count() == 1
    facts = rules.DoseFacts(DUE, DUE.date(), dt.time(8), WINDOW_CLOSES, False, False)
    assert rules.overdue_at(facts, 30) == WINDOW_CLOSES  # a shorter setting cannot make a dose late in its window


def test_a_location_may_call_a_dose_missed_at_a_set_time_instead_of_its_rounds_end(world, ramipril):
    """The morning round ends at 11:00 (three hours after 08:00): a location that sets 120 minutes sees the dose
    missed at 10:00; one that sets less than its window still waits for the window to close."""
    with time_machine.travel(DUE - DAY, tick=False):
        location_thresholds_set(location=world.home, by=world.maria, values={"missed_minutes": 120})
    dose_on(ramipril, 0)
    scan_at(WINDOW_CLOSES)
    assert of_kind(AlertKind.OVERDUE_DOSE).count() == 1
    scan_at(DUE + 119 * MINUTE)
    assert not of_kind(AlertKind.MISSED_DOSE).exists()
    scan_at(DUE + 120 * MINUTE)
    missed = of_kind(AlertKind.MISSED_DOSE).get()
    assert "still no record 2 hours after its time" in missed.summary
    assert missed.follows_id == of_kind(AlertKind.OVERDUE_DOSE).get().pk
    facts = rules.DoseFacts(DUE, DUE.date(), dt.time(8), WINDOW_CLOSES, False, False)
    assert rules.missed_at(facts, None, 20) == WINDOW_CLOSES  # never missed while still in its window
    assert rules.missed_at(facts) == DUE + dt.timedelta(hours=3)  # unset: the round's end


def test_a_prescriptions_missed_minutes_override_its_locations(world, ramipril):
    with time_machine.travel(DUE - DAY, tick=False):
        location_thresholds_set(location=world.home, by=world.maria, values={"missed_minutes": 150})
        prescription_thresholds_set(prescription=ramipril, by=world.maria, values={"missed_minutes": 90})
    assert thresholds_for(world.home.pk, ramipril.pk).missed_minutes == 90
    assert thresholds_for(world.home.pk).missed_minutes == 150
    dose_on(ramipril, 0)
    scan_at(DUE + 89 * MINUTE)
    assert not of_kind(AlertKind.MISSED_DOSE).exists()
    scan_at(DUE + 90 * MINUTE)
    assert of_kind(AlertKind.MISSED_DOSE).count() == 1


def test_a_threshold_out_of_its_range_is_refused_with_its_field(world):
    from carebook.core.errors import ValidationFailed

    with pytest.raises(ValidationFailed) as error:
        location_thresholds_set(location=world.home, by=world.maria, values={"refusal_days": 0})
    assert error.value.field == "refusal_days"
    assert not AuditEvent.objects.filter(action="alert.thresholds_changed").exists()


# --- The scan's cost ---------------------------------------------------------------------------------------


def _people_with_records(world, n: int) -> None:
    """``n`` more people, each with a refusal recorded late and a when-required dose."""
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        people = [PersonFactory(location=world.home) for _ in range(n)]
        made = []
        for person in people:
            rx = prescribe(person, MedicineFactory(), by=world.sam, checker=world.tia)
            prn = prescribe_paracetamol_prn(person, by=world.sam, checker=world.tia)
            made.append((DueDose.objects.get(prescription=rx, local_date=DUE.date()), prn))
    for dose, prn in made:
        record(world, dose, "refused", DUE + 65 * MINUTE, administered_at=DUE)
        give_prn(world, prn, DUE)


def test_the_scans_query_count_does_not_grow_with_the_number_of_people(world):
    counts = {}
    for more, total in ((2, 2), (8, 10)):
        _people_with_records(world, more)
        scan_at(WINDOW_CLOSES + 10 * MINUTE)  # raises what there is: refused doses, late recordings
        assert of_kind(AlertKind.LATE_RECORDING).count() == total
        assert of_kind(AlertKind.REFUSED_OFFER_AGAIN).count() == total
        with time_machine.travel(WINDOW_CLOSES + 11 * MINUTE, tick=False), CaptureQueriesContext(connection) as ctx:
            alerts_scan()
        counts[total] = len(ctx.captured_queries)
    assert counts[2] == counts[10] <= 40, counts


def test_every_record_behind_an_alert_names_one(world, ramipril):
    record(world, dose_on(ramipril, 0), "refused", DUE + 5 * MINUTE)
    scan_at(WINDOW_CLOSES)
    assert AlertRecord.objects.count() == 1


# --- The alert page and the dashboard ----------------------------------------------------------------------


def test_the_alert_page_links_each_record_behind_a_repeated_refusal(world, ramipril):
    from django.test import Client
    from django.urls import reverse

    for day in (0, 1, 2):
        record(world, dose_on(ramipril, day), "refused_final", DUE + day * DAY + 5 * MINUTE)
    scan_at(DUE + 2 * DAY + 10 * MINUTE)
    alert = of_kind(AlertKind.REPEATED_REFUSAL).get()
    client = Client()
    client.force_login(world.tia)
    with time_machine.travel(DUE + 2 * DAY + 11 * MINUTE, tick=False):
        page = client.get(reverse("alerts:alert", args=[alert.pk])).content.decode()
    assert page.count("Refused (will not offer again) at") == 3
    assert page.count(reverse("medication:mar", args=[world.ada.pk]) + "?month=2026-06") == 3


def test_an_alert_storm_keeps_the_missed_insulin_first_and_one_alert_for_the_refusals(world, ramipril):
    """H46: a person's refusals become one repeated-refusal alert (the refused-dose alerts carried on), and a
    missed dose of a time-critical medicine ranks above them all."""
    from carebook.alerts.selectors import alerts_dashboard

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prescribe(
            world.bert,
            MedicineFactory(name="Insulin", time_critical=True),
            by=world.sam,
            checker=world.tia,
            times=["08:00"],
        )
    for day in (0, 1, 2):
        record(world, dose_on(ramipril, day), "refused", DUE + day * DAY + 5 * MINUTE)
        scan_at(WINDOW_CLOSES + day * DAY)
    scan_at(DUE + 2 * DAY + dt.timedelta(hours=4))  # the insulin missed (no record by the end of its round)
    with time_machine.travel(DUE + 2 * DAY + dt.timedelta(hours=4), tick=False):
        board = alerts_dashboard(world.tia)
    first = board.needs_attention[0]
    assert (first.kind, first.person_id, first.severity) == (AlertKind.MISSED_DOSE, world.bert.pk, Severity.HIGH)
    ada = [a.kind for a in board.needs_attention if a.person_id == world.ada.pk]
    assert ada.count(AlertKind.REPEATED_REFUSAL) == 1 and AlertKind.REFUSED_OFFER_AGAIN not in ada
    assert board.counts[AlertKind.REPEATED_REFUSAL] == 1


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two scanners at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_scanning_at_once_raise_each_new_kind_once(world):
    import threading

    from django.db import connections

    _people_with_records(world, 4)  # refusals recorded late: refused-dose and late-recording alerts
    start = threading.Barrier(2)
    results: dict[int, object] = {}

    def scanner(n: int) -> None:
        try:
            start.wait(10)
            results[n] = scan_at(WINDOW_CLOSES + 10 * MINUTE)
        except BaseException as exc:
            results[n] = exc
        finally:
            connections.close_all()

    threads = [threading.Thread(target=scanner, args=(n,)) for n in (1, 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert not any(isinstance(r, BaseException) for r in results.values()), results
    raised = [pk for r in results.values() for pk in r.raised]  # type: ignore[attr-defined]
    # The scanners raise the refused doses and the late recordings (the scan's alone), each once.
    assert len(raised) == len(set(raised)) == Alert.objects.count() == 8
    assert of_kind(AlertKind.REFUSED_OFFER_AGAIN).count() == of_kind(AlertKind.LATE_RECORDING).count() == 4
    assert AuditEvent.objects.filter(action="alert.raised").count() == 8
    assert AlertRecord.objects.count() == 8


def test_what_the_recordings_subscribers_cost_when_they_act(world, ramipril, django_capture_on_commit_callbacks):
    """A refusal: its repeated-refusal check reads a fixed handful of rows after the commit, whatever the history."""
    for day in (0, 1):
        record(world, dose_on(ramipril, day), "refused_final", DUE + day * DAY + 5 * MINUTE)
    dose = dose_on(ramipril, 2)
    with CaptureQueriesContext(connection) as ctx:
        record(world, dose, "refused_final", DUE + 2 * DAY + 5 * MINUTE, events=django_capture_on_commit_callbacks)
    alerts = [q for q in ctx.captured_queries if "alerts_" in q["sql"]]
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1
    assert len(alerts) <= 12, [q["sql"][:100] for q in alerts]


def test_the_api_filters_by_a_new_kind_and_counts_every_kind(world, ramipril):
    from carebook.medication.api.testing import api_as

    for day in (0, 1, 2):
        record(world, dose_on(ramipril, day), "refused", DUE + day * DAY + 5 * MINUTE)
    scan_at(DUE + 2 * DAY + dt.timedelta(hours=2))
    with time_machine.travel(DUE + 2 * DAY + dt.timedelta(hours=2), tick=False):
        body = api_as(world.tia).get("/alerts", {"location": world.home.pk, "kind": "repeated_refusal"}).json()
        detail = api_as(world.tia).get(f"/alerts/{body['alerts'][0]['id']}").json()
    assert [a["kind"] for a in body["alerts"]] == ["repeated_refusal"]
    counts = {c["kind"]: c["count"] for c in body["counts"]}
    assert counts["repeated_refusal"] == 1 and counts["refused_offer_again"] == 0  # carried on: one needs attention
    assert len(detail["records"]) == 3 and all(r["administration_id"] for r in detail["records"])


# --- The minute's scan: only what was written since the last ---------------------------------------------


def test_the_minutes_scan_looks_only_at_records_written_since_the_last_scan(world, ramipril):
    """The job passes its last success, less a margin: the kinds a record brings are evaluated for the records
    written since (their events did it at once); a scan by hand, or the first, looks at the whole backstop."""
    for day in (0, 1, 2):
        record(world, dose_on(ramipril, day), "refused_final", DUE + day * DAY + 5 * MINUTE)  # no events delivered
    third_written = DUE + 2 * DAY + 5 * MINUTE
    with time_machine.travel(third_written + 20 * MINUTE, tick=False):
        alerts_scan(written_after=third_written + MINUTE)  # written before the last scan: not looked at again
    assert not of_kind(AlertKind.REPEATED_REFUSAL).exists()
    with time_machine.travel(third_written + 21 * MINUTE, tick=False):
        alerts_scan(written_after=third_written - MINUTE)
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1


def test_the_job_scans_from_its_last_success_less_a_margin_and_the_whole_backstop_before_its_first(db):
    now = DUE + DAY
    assert scan_written_after(now) is None  # never succeeded: the whole backstop
    JobStatus.objects.create(name=SCAN, last_succeeded_at=now - MINUTE)
    assert scan_written_after(now) == now - MINUTE - SCAN_MARGIN
    JobStatus.objects.filter(name=SCAN).update(last_succeeded_at=now + MINUTE)  # a clock that went back
    assert scan_written_after(now) == now - SCAN_MARGIN


def test_a_scan_after_the_worker_was_down_for_hours_finds_what_was_written_meanwhile(world, ramipril):
    for day in (0, 1, 2):
        record(world, dose_on(ramipril, day), "refused_final", DUE + day * DAY + 5 * MINUTE)
    with time_machine.travel(DUE + 2 * DAY + 6 * 60 * MINUTE, tick=False):
        alerts_scan(written_after=DUE + 2 * DAY - 60 * MINUTE)  # the last success, hours ago
    assert of_kind(AlertKind.REPEATED_REFUSAL).count() == 1


def minute_scan_at(at: dt.datetime):
    """The scan as the job runs it a minute after the one before (its last success, less the margin)."""
    with time_machine.travel(at, tick=False):
        return alerts_scan(written_after=at - MINUTE - SCAN_MARGIN)


def test_the_minutes_scan_raises_a_refusal_whose_window_closed_since_and_one_recorded_late(world, ramipril):
    """Refused, to offer again, is brought by time (the window closing) or by a record written after it closed:
    the minute's scan looks at both, not at every refusal of the week."""
    refusal = record(world, dose_on(ramipril, 0), "refused", DUE + 5 * MINUTE)  # written hours before the window closes
    minute_scan_at(WINDOW_CLOSES - MINUTE)
    assert not of_kind(AlertKind.REFUSED_OFFER_AGAIN).exists()
    minute_scan_at(WINDOW_CLOSES)
    assert of_kind(AlertKind.REFUSED_OFFER_AGAIN).get().administration_id == refusal.pk
    # The next day's refusal recorded two hours late, its window closed an hour before it was written.
    late = record(world, dose_on(ramipril, 1), "refused", WINDOW_CLOSES + DAY + 60 * MINUTE, administered_at=DUE + DAY)
    minute_scan_at(WINDOW_CLOSES + DAY + 61 * MINUTE)
    assert set(of_kind(AlertKind.REFUSED_OFFER_AGAIN).values_list("administration_id", flat=True)) == {
        refusal.pk,
        late.pk,
    }


def test_the_minutes_scan_clears_an_alert_whose_dose_was_recorded_since_and_not_one_recorded_before(world, ramipril):
    """The minute's scan reads the alerts of the doses recorded since the last scan (their event cleared them at
    once); one whose dose was recorded before that is the event's, or the scan by hand's."""
    dose = dose_on(ramipril, 0)
    alert = Alert.objects.get(pk__in=minute_scan_at(WINDOW_CLOSES).raised)
    record(world, dose, "given", WINDOW_CLOSES + 10 * MINUTE)  # the tests' transaction: no event delivered
    with time_machine.travel(WINDOW_CLOSES + 40 * MINUTE, tick=False):
        assert alerts_scan(written_after=WINDOW_CLOSES + 30 * MINUTE).cleared == []  # written before the last scan
    assert minute_scan_at(WINDOW_CLOSES + 11 * MINUTE).cleared == [alert.pk]


# --- A dose set by the clinic with no instruction in force (warfarin, ADR 0037) ----------------------------------


def test_a_warfarin_dose_with_no_clinic_instruction_raises_one_alert_that_clears_when_one_is_checked(world):
    from carebook.medication.services.dosing import dosing_instruction_check, dosing_instruction_enter

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        warfarin = prescribe(
            world.ada,
            MedicineFactory(name="Warfarin", high_risk=True),
            by=world.sam,
            checker=world.tia,
            dose_max="10",
            dose_from_instructions=True,
        )
    # The location's lead (a day by default): today's 08:00 dose is near and no letter covers today.
    scan_at(DUE - dt.timedelta(hours=2))
    alert = of_kind(AlertKind.DOSING_INSTRUCTION_MISSING).get()
    assert alert.severity == Severity.HIGH and "no dosing instruction from the anticoagulant clinic" in alert.summary
    assert alert.records.get().due_dose.local_date == DUE.date()
    scan_at(DUE - dt.timedelta(hours=1))
    assert of_kind(AlertKind.DOSING_INSTRUCTION_MISSING).count() == 1  # raised once
    with time_machine.travel(DUE - 50 * MINUTE, tick=False):
        today = DUE.date()
        instruction = dosing_instruction_enter(
            prescription=warfarin,
            by=world.sam,
            inr="2.5",
            inr_date=today - DAY,
            next_inr_date=today + DAY,
            doses={today: "3", today + DAY: "3"},
        )
    scan_at(DUE - 45 * MINUTE)
    alert.refresh_from_db()
    assert alert.cleared_at is None  # entered, not yet checked: still no dose
    with time_machine.travel(DUE - 40 * MINUTE, tick=False):
        dosing_instruction_check(instruction=instruction, by=world.tia)
    scan_at(DUE - 35 * MINUTE)
    alert.refresh_from_db()
    assert alert.cleared_at is not None and "INR 2.5" in alert.cleared_reason


def test_no_alert_for_a_dose_the_clinic_has_set(world):
    from carebook.medication.services.dosing import dosing_instruction_check, dosing_instruction_enter

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        warfarin = prescribe(
            world.ada,
            MedicineFactory(name="Warfarin"),
            by=world.sam,
            checker=world.tia,
            dose_max="10",
            dose_from_instructions=True,
        )
        today = (DUE - dt.timedelta(hours=12)).date()
        instruction = dosing_instruction_enter(
            prescription=warfarin,
            by=world.sam,
            inr="2.5",
            inr_date=today,
            next_inr_date=today + 2 * DAY,
            doses={today + n * DAY: "3" for n in range(3)},
        )
        dosing_instruction_check(instruction=instruction, by=world.tia)
    scan_at(DUE - dt.timedelta(hours=2))
    assert not of_kind(AlertKind.DOSING_INSTRUCTION_MISSING).exists()
