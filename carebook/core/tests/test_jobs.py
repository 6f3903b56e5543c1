"""Background jobs are declared in code; their schedules follow; the worker runs them and we see when."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
import time_machine
from django.core.management import CommandError, call_command
from django.db import transaction
from django_q.brokers import get_broker
from django_q.models import Schedule, Success
from django_q.scheduler import scheduler

from carebook.audit_log.maintenance import maintenance_unlocked
from carebook.core.jobs import (
    RUNNER,
    Job,
    get_job,
    register_job,
    registered_jobs,
    run_job,
    sync_schedules,
    unregister_job,
)
from carebook.core.models import JobStatus
from carebook.medication.models import DueDose
from carebook.testing.factories import MedicineFactory, prescribe

NOW = dt.datetime(2026, 6, 10, 9, 0, tzinfo=dt.UTC)
HORIZON = "medication.due_dose_horizon"
RETRY = "core.event_delivery_retry"
SCAN = "alerts.scan"
NOTIFY, SEND, DIGEST = "alerts.notify", "notifications.send_email", "notifications.daily_digest"
OVERDUE_ACTIONS = "incidents.overdue_actions"
PACKS = "evidence.build_waiting"
ROLLUPS = "reports.rollups"
DECLARED = [
    HORIZON,
    RETRY,
    SCAN,
    NOTIFY,
    SEND,
    DIGEST,
    OVERDUE_ACTIONS,
    PACKS,
    ROLLUPS,
]  # every job the product declares
calls: list[str] = []


def _tidy_the_drugs_trolley() -> str:
    """Count what is on the trolley (a test job)."""
    calls.append("tidied")
    return "tidied"


def _broken_fridge_check() -> None:
    """Read the medicines fridge thermometer (a test job that fails)."""
    raise RuntimeError("thermometer unplugged")


@pytest.fixture
def trolley_job():
    register_job(Job("test.trolley", _tidy_the_drugs_trolley, dt.timedelta(minutes=30), "Tidy the trolley"))
    calls.clear()
    yield get_job("test.trolley")
    unregister_job("test.trolley")


@pytest.fixture
def fridge_job():
    register_job(Job("test.fridge", _broken_fridge_check, dt.timedelta(hours=1), "Check the fridge"))
    yield get_job("test.fridge")
    unregister_job("test.fridge")


def ours() -> dict[str, Schedule]:
    return {s.name: s for s in Schedule.objects.filter(func=RUNNER)}


def test_the_registry_lists_the_due_dose_horizon_every_15_minutes():
    horizon = get_job(HORIZON)
    assert horizon in registered_jobs()
    assert horizon.every == dt.timedelta(minutes=15) and horizon.description.startswith("Generate due doses ahead")


@pytest.mark.django_db
def test_after_migrate_the_job_is_scheduled_and_the_old_data_migration_row_is_gone():
    """The test database was built by migrate, so post_migrate has already synced it."""
    schedule = ours()[HORIZON]
    assert (schedule.schedule_type, schedule.minutes, schedule.repeats) == (Schedule.MINUTES, 15, -1)
    assert schedule.args == "'medication.due_dose_horizon'"
    assert not Schedule.objects.filter(func="carebook.medication.jobs.extend_due_dose_horizon").exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_sync_creates_updates_and_removes_schedules_and_twice_is_the_same_as_once(trolley_job):
    Schedule.objects.filter(func=RUNNER).delete()
    first = sync_schedules()
    assert set(first.created) == {*DECLARED, "test.trolley"}
    assert not first.updated and not first.removed
    assert ours()["test.trolley"].next_run == NOW  # a new job is due at once
    assert not sync_schedules().changed  # idempotent

    # Someone changed the interval in the admin; the code says 30 minutes.
    Schedule.objects.filter(name="test.trolley").update(minutes=120, next_run=NOW + dt.timedelta(hours=2))
    again = sync_schedules()
    assert again.updated == ("test.trolley",)
    trolley = ours()["test.trolley"]
    assert trolley.minutes == 30 and trolley.next_run == NOW + dt.timedelta(minutes=30)

    # A stray copy, a job no longer declared, and somebody's own schedule.
    Schedule.objects.create(name="test.trolley", func=RUNNER, args="'test.trolley'", schedule_type="I", minutes=30)
    Schedule.objects.create(name="test.retired", func=RUNNER, args="'test.retired'", schedule_type="I", minutes=5)
    Schedule.objects.create(name="hand-made", func="somewhere.else", schedule_type="D")
    tidied = sync_schedules()
    assert sorted(tidied.removed) == ["test.retired", "test.trolley"]
    assert sorted(ours()) == sorted([*DECLARED, "test.trolley"])
    assert Schedule.objects.filter(name="hand-made").exists()

    unregister_job("test.trolley")
    assert sync_schedules().removed == ("test.trolley",)
    assert sorted(ours()) == sorted(DECLARED)


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_the_worker_runs_a_due_schedule_and_the_job_keeps_adas_doses_generated_ahead(world):
    """django-q2's scheduler, as qcluster runs it every pass; Q_CLUSTER sync=True runs the task inline."""
    rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    with transaction.atomic(), maintenance_unlocked(job="test.setup", reason="slots not yet generated ahead"):
        DueDose.objects.filter(prescription=rx, scheduled_at__gt=NOW + dt.timedelta(hours=24)).delete()
    Schedule.objects.filter(name=HORIZON).update(next_run=NOW - dt.timedelta(seconds=1))

    scheduler(broker=get_broker())

    assert DueDose.objects.filter(prescription=rx, scheduled_at__gt=NOW + dt.timedelta(hours=48)).exists()
    status = JobStatus.objects.get(name=HORIZON)
    assert status.last_ok is True and status.last_started_at == NOW and status.last_succeeded_at == NOW
    assert int(status.last_result) > 0
    assert ours()[HORIZON].next_run > NOW  # and it comes round again
    assert Success.objects.filter(func=RUNNER, group=HORIZON).exists()


@pytest.mark.django_db
@time_machine.travel(NOW, tick=False)
def test_a_failing_job_is_recorded_and_raised_again_for_the_worker_to_record(fridge_job):
    """The worker's task sees the exception (django-q2 keeps it as a Failure); we keep how it ended."""
    with pytest.raises(RuntimeError, match="thermometer unplugged"):
        run_job("test.fridge")
    fridge = JobStatus.objects.get(name="test.fridge")
    assert fridge.last_ok is False and fridge.last_error == "RuntimeError: thermometer unplugged"
    assert fridge.last_failed_at == NOW and fridge.last_succeeded_at is None


@pytest.mark.django_db
def test_manage_py_jobs_lists_each_job_its_schedule_next_and_last_run(fridge_job):
    with time_machine.travel(NOW, tick=False):
        sync_schedules()
    with time_machine.travel(NOW + dt.timedelta(minutes=5), tick=False), pytest.raises(CommandError):
        call_command("run_job", "test.fridge")
    with time_machine.travel(NOW + dt.timedelta(minutes=6), tick=False):
        call_command("run_job", HORIZON, stdout=StringIO())
        Schedule.objects.filter(name=HORIZON).update(next_run=NOW + dt.timedelta(minutes=15))
        out = StringIO()
        call_command("jobs", stdout=out)
    text = out.getvalue()
    assert "10 background jobs" in text and "core.event_delivery_retry  every 1 minute" in text
    assert "alerts.scan  every 1 minute" in text and "alerts.notify  every 1 minute" in text
    assert "notifications.send_email  every 1 minute" in text
    assert "notifications.daily_digest  every 5 minutes" in text
    assert "medication.due_dose_horizon  every 15 minutes" in text
    assert "next run: 2026-06-10 10:15:00 BST" in text
    assert "last run: 2026-06-10 10:06:00 BST, succeeded in 0.0 s" in text
    assert "test.fridge  every 1 hour" in text
    assert "last run: 2026-06-10 10:05:00 BST, FAILED after 0.0 s: RuntimeError: thermometer unplugged" in text


@pytest.mark.django_db
def test_manage_py_jobs_says_when_a_job_is_not_scheduled_and_sync_fixes_it():
    Schedule.objects.filter(func=RUNNER).delete()
    out = StringIO()
    call_command("jobs", stdout=out)
    assert "next run: not scheduled: run manage.py migrate (or manage.py jobs --sync)" in out.getvalue()
    assert "last run: never ran" in out.getvalue()
    out = StringIO()
    call_command("jobs", "--sync", stdout=out)
    assert f"Synced: created {', '.join(sorted(DECLARED))}." in out.getvalue()
    assert "not scheduled" not in out.getvalue()


@pytest.mark.django_db
def test_run_job_by_hand_names_the_jobs_when_the_name_is_wrong():
    with pytest.raises(CommandError, match=r"No job is named 'horizon'\. Jobs: .*medication\.due_dose_horizon"):
        call_command("run_job", "horizon")


@pytest.mark.parametrize("every", [dt.timedelta(seconds=90), dt.timedelta(0), dt.timedelta(days=30)])
def test_a_schedule_must_be_whole_minutes_the_worker_can_keep(every):
    with pytest.raises(ValueError, match="whole number of minutes"):
        register_job(Job("test.odd", _tidy_the_drugs_trolley, every, "Odd"))


def test_the_registry_lists_the_incidents_overdue_actions_job_every_hour():
    overdue = get_job(OVERDUE_ACTIONS)
    assert overdue in registered_jobs() and overdue.every == dt.timedelta(hours=1)
    assert overdue.description.startswith("Tell the owner and the registered manager")
