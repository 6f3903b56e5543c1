"""The alert scan: overdue and missed doses, raised once, cleared when the dose is recorded (the clock moved).

Ada's ramipril is due at 08:00 BST (07:00 UTC); its window closes at 09:00 BST. The morning round ends at 11:00.
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
import time_machine
from django.db import connection, connections

from carebook.alerts import rules
from carebook.alerts.models import Alert
from carebook.alerts.services import alerts_scan
from carebook.alerts.vocab import AlertKind, Severity
from carebook.audit_log.models import AuditEvent
from carebook.medication import rules as medication_rules
from carebook.medication.models import DueDose
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.prescriptions import prescription_discontinue
from carebook.testing.factories import MedicineFactory, prescribe

DUE = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
WINDOW_CLOSES = DUE + dt.timedelta(minutes=60)
ROUND_ENDS = dt.datetime(2026, 6, 10, 10, 0, tzinfo=dt.UTC)  # 11:00 BST
MINUTE = dt.timedelta(minutes=1)


@pytest.fixture
def ramipril(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):  # the evening before: 08:00 is its first dose
        return prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)


@pytest.fixture
def dose(ramipril):
    return DueDose.objects.get(prescription=ramipril, local_date=DUE.date())


def scan_at(at: dt.datetime):
    with time_machine.travel(at, tick=False):
        return alerts_scan()


def give(world, dose, at):
    prompts = [medication_rules.Answer(p, "confirmed") for p in medication_rules.prompts_for("")]
    with time_machine.travel(at, tick=False):
        return administration_record(by=world.carla, outcome="given", prompts=prompts, due_dose=dose)


def test_a_dose_is_overdue_from_the_minute_its_window_closes(world, dose):
    assert scan_at(WINDOW_CLOSES - MINUTE).raised == []
    raised = scan_at(WINDOW_CLOSES).raised
    alert = Alert.objects.get(pk__in=raised)
    assert (alert.kind, alert.severity, alert.due_dose_id, alert.person_id) == (
        AlertKind.OVERDUE_DOSE,
        Severity.MEDIUM,
        dose.pk,
        world.ada.pk,
    )
    assert alert.raised_at == WINDOW_CLOSES and alert.due_at == DUE
    assert "Ramipril" in alert.summary and "Ada" in alert.summary and "09:00" in alert.summary
    assert AuditEvent.objects.filter(action="alert.raised", entity_id=str(alert.pk)).count() == 1


def test_a_time_critical_medicine_is_overdue_after_30_minutes_and_ranks_high(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):  # the evening before: 08:00 is its first dose
        rx = prescribe(
            world.ada, MedicineFactory(name="Co-careldopa", time_critical=True), by=world.sam, checker=world.tia
        )
    assert scan_at(DUE + dt.timedelta(minutes=29)).raised == []
    alert = Alert.objects.get(pk__in=scan_at(DUE + dt.timedelta(minutes=30)).raised)
    assert alert.prescription_id == rx.pk and alert.severity == Severity.HIGH


def test_scanning_again_raises_nothing_new(world, dose):
    first = scan_at(WINDOW_CLOSES)
    assert len(first.raised) == 1
    assert scan_at(WINDOW_CLOSES + MINUTE).raised == []
    assert scan_at(WINDOW_CLOSES + 30 * MINUTE).raised == []
    assert Alert.objects.count() == 1


def test_at_the_end_of_its_round_an_overdue_dose_becomes_a_missed_dose(world, dose):
    overdue = Alert.objects.get(pk__in=scan_at(WINDOW_CLOSES).raised)
    assert scan_at(ROUND_ENDS - MINUTE).raised == []
    missed = Alert.objects.get(pk__in=scan_at(ROUND_ENDS).raised)
    assert missed.kind == AlertKind.MISSED_DOSE and missed.follows_id == overdue.pk
    overdue.refresh_from_db()
    assert overdue.superseded_by_id == missed.pk  # carried on, still listed: it does not vanish
    assert scan_at(ROUND_ENDS + MINUTE).raised == []


def test_a_dose_first_seen_after_its_round_is_missed_at_once(world, dose):
    raised = scan_at(ROUND_ENDS + 5 * MINUTE).raised
    assert [a.kind for a in Alert.objects.filter(pk__in=raised)] == [AlertKind.MISSED_DOSE]


def test_a_dose_recorded_late_clears_its_alert_which_says_so(world, dose):
    """Cleared by the next scan (what must not miss it), or at once by the event the recording announces."""
    alert = Alert.objects.get(pk__in=scan_at(WINDOW_CLOSES + 5 * MINUTE).raised)
    give(world, dose, WINDOW_CLOSES + 10 * MINUTE)  # the tests' transaction never commits: no event delivered
    result = scan_at(WINDOW_CLOSES + 11 * MINUTE)
    assert result.cleared == [alert.pk]
    alert.refresh_from_db()
    assert alert.cleared_at == WINDOW_CLOSES + 11 * MINUTE
    assert "Given at 09:10" in alert.cleared_reason and world.carla.display_name in alert.cleared_reason
    assert alert.cleared_by_administration is not None
    assert alert.status == Alert.Status.OPEN  # cleared by itself: still there for review, not resolved by anyone
    assert scan_at(WINDOW_CLOSES + 12 * MINUTE).cleared == []  # cleared once, audited once
    assert AuditEvent.objects.filter(action="alert.cleared", entity_id=str(alert.pk)).count() == 1
    assert scan_at(ROUND_ENDS + MINUTE).raised == []  # recorded: never missed


def test_a_dose_given_in_time_or_withdrawn_raises_nothing(world, ramipril, dose):
    give(world, dose, DUE + 5 * MINUTE)
    with time_machine.travel(DUE + dt.timedelta(hours=1, minutes=1), tick=False):
        tomorrow = DueDose.objects.get(prescription=ramipril, local_date=DUE.date() + dt.timedelta(days=1))
        prescription_discontinue(prescription=ramipril, by=world.sam, reason="Stopped by the GP")
    tomorrow.refresh_from_db()
    assert tomorrow.state == DueDose.State.WITHDRAWN
    assert scan_at(DUE + dt.timedelta(days=2)).raised == []


def test_the_scan_looks_back_a_week_only(world, dose):
    """Its cost does not grow with the history: a dose whose window closed over a week ago is not read."""
    assert scan_at(WINDOW_CLOSES + dt.timedelta(days=10)).raised == []
    assert len(scan_at(WINDOW_CLOSES + dt.timedelta(days=6)).raised) > 0


def test_the_round_of_a_night_dose_ends_the_next_morning():
    ends = rules.round_ends_at(dt.date(2026, 6, 10), dt.time(22, 0))
    assert ends == dt.datetime(2026, 6, 11, 5, 0, tzinfo=dt.UTC)  # 06:00 BST
    assert rules.round_ends_at(dt.date(2026, 6, 11), dt.time(2, 0)) == ends  # 02:00 belongs to the same night


@pytest.mark.postgres_only
@pytest.mark.skipif(connection.vendor != "postgresql", reason="two scanners at once need PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_two_workers_scanning_at_once_raise_each_alert_once(world):
    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):  # the evening before: 08:00 is its first dose
        for name in ("Ramipril", "Bisoprolol", "Amlodipine", "Atorvastatin"):
            prescribe(world.ada, MedicineFactory(name=name), by=world.sam, checker=world.tia)
            prescribe(world.bert, MedicineFactory(name=f"{name} B"), by=world.sam, checker=world.tia)
    start = threading.Barrier(2)
    results: dict[int, object] = {}

    def scanner(n: int) -> None:
        try:
            start.wait(10)
            results[n] = scan_at(ROUND_ENDS + MINUTE)
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
    assert len(raised) == len(set(raised)) == Alert.objects.count()
    assert Alert.objects.filter(kind=AlertKind.MISSED_DOSE).count() == 8
    # Four missed doses each (and eight in one round): their repeated omissions, raised once too (ADR 0026).
    assert Alert.objects.filter(kind=AlertKind.REPEATED_OMISSIONS).count() == 3
    assert AuditEvent.objects.filter(action="alert.raised").count() == Alert.objects.count() == 11


def test_the_recording_clears_the_alert_at_once_when_its_event_is_heard(
    world, dose, django_capture_on_commit_callbacks
):
    alert = Alert.objects.get(pk__in=scan_at(WINDOW_CLOSES + 5 * MINUTE).raised)
    just_after_the_commit = time_machine.travel(WINDOW_CLOSES + 10 * MINUTE, tick=False)
    with just_after_the_commit, django_capture_on_commit_callbacks(execute=True):
        give(world, dose, WINDOW_CLOSES + 10 * MINUTE)
    alert.refresh_from_db()
    assert alert.cleared_at == WINDOW_CLOSES + 10 * MINUTE and "recorded by Carla Carer" in alert.cleared_reason
    assert scan_at(WINDOW_CLOSES + 11 * MINUTE).cleared == []


def test_a_dose_recorded_in_time_costs_the_alerts_app_nothing(world, dose, django_capture_on_commit_callbacks):
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx, django_capture_on_commit_callbacks(execute=True) as callbacks:
        give(world, dose, DUE + 5 * MINUTE)
    assert callbacks  # the event was delivered
    # Nor the kinds raised from records (ADR 0026): no refusal, no check skipped, given when recorded.
    assert not any("alerts_" in q["sql"] for q in ctx.captured_queries)


def test_an_alert_nobody_acknowledges_goes_to_the_team_leader_then_the_registered_manager(world, dose):
    alert = Alert.objects.get(pk__in=scan_at(WINDOW_CLOSES).raised)
    assert scan_at(WINDOW_CLOSES + 59 * MINUTE).escalated == []
    assert scan_at(WINDOW_CLOSES + 60 * MINUTE).escalated == [alert.pk]
    alert.refresh_from_db()
    assert (alert.escalated_to, alert.escalated_at) == ("team_leader", WINDOW_CLOSES + 60 * MINUTE)
    assert scan_at(WINDOW_CLOSES + 61 * MINUTE).escalated == []  # once per level
    # The round ended at 11:00: a missed-dose alert carries the overdue one on, and escalates on its own clock.
    scan_at(WINDOW_CLOSES + 120 * MINUTE)
    alert.refresh_from_db()
    assert alert.superseded_by is not None and alert.escalated_to == "team_leader"
    events = AuditEvent.objects.filter(action="alert.escalated", entity_id=str(alert.pk))
    assert events.count() == 1


def test_a_time_critical_alert_goes_up_after_15_minutes_and_an_acknowledged_one_stays(world):
    from carebook.alerts.lifecycle import alert_acknowledge

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        prescribe(world.ada, MedicineFactory(name="Levetiracetam", high_risk=True), by=world.sam, checker=world.tia)
        prescribe(world.bert, MedicineFactory(name="Insulin", time_critical=True), by=world.sam, checker=world.tia)
    first = scan_at(DUE + 60 * MINUTE).raised  # both overdue (the insulin since 07:30 UTC + 30 min)
    levetiracetam, insulin = (Alert.objects.get(pk__in=first, person=p) for p in (world.ada, world.bert))
    with time_machine.travel(DUE + 61 * MINUTE, tick=False):
        alert_acknowledge(alert=levetiracetam, by=world.sam)
    # Forty minutes unacknowledged at 15 minutes a level: straight to the registered manager, one level at a time.
    assert scan_at(DUE + 100 * MINUTE).escalated == [insulin.pk]
    insulin.refresh_from_db()
    levetiracetam.refresh_from_db()
    assert insulin.escalated_to == "registered_manager" and levetiracetam.escalated_to == "shift"
    assert AuditEvent.objects.filter(action="alert.escalated", entity_id=str(insulin.pk)).count() == 2


def test_a_dose_whose_alert_was_resolved_is_not_raised_again_as_missed(world, dose):
    from carebook.alerts.lifecycle import alert_acknowledge, alert_action_record, alert_resolve
    from carebook.alerts.rules import ActionInput

    alert = Alert.objects.get(pk__in=scan_at(WINDOW_CLOSES).raised)
    with time_machine.travel(WINDOW_CLOSES + 20 * MINUTE, tick=False):
        alert_acknowledge(alert=alert, by=world.tia)
        alert_action_record(
            alert=alert, by=world.tia, step=ActionInput(kind="advice_outcome", outcome="skip_this_dose")
        )
        alert_resolve(alert=alert, by=world.tia)
    assert scan_at(ROUND_ENDS + MINUTE).raised == []


def test_clearing_reads_the_records_once_however_many_alerts_clear(world):
    from django.test.utils import CaptureQueriesContext

    with time_machine.travel(DUE - dt.timedelta(hours=12), tick=False):
        rxs = [prescribe(world.ada, MedicineFactory(name=n), by=world.sam, checker=world.tia) for n in "ABC"]
    scan_at(WINDOW_CLOSES)
    for rx in rxs:
        give(world, DueDose.objects.get(prescription=rx, local_date=DUE.date()), WINDOW_CLOSES + 5 * MINUTE)
    with time_machine.travel(WINDOW_CLOSES + 6 * MINUTE, tick=False), CaptureQueriesContext(connection) as ctx:
        from carebook.alerts.services import alerts_clear_recorded

        cleared = alerts_clear_recorded(now=WINDOW_CLOSES + 6 * MINUTE)
    assert len(cleared) == 3
    reads = [
        q for q in ctx.captured_queries if q["sql"].startswith("SELECT") and "medication_administration" in q["sql"]
    ]
    assert len(reads) == 1
