"""Services announce what happened; subscribers hear it once, after the commit; a failure is retried.

The stories use the real recording service: Carla records Ada's 08:00 ramipril while an app that
comes later (alerts, say) listens for recorded doses.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import typing
import uuid
from decimal import Decimal
from enum import Enum
from io import StringIO

import pytest
import time_machine
from django.core.management import call_command
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from carebook.access.models import User
from carebook.core.errors import DomainError
from carebook.core.events import (
    RETRY_JOB,
    Event,
    _deliver,
    announce,
    declared_events,
    decode,
    encode,
    event,
    retry_event_deliveries,
    subscribe,
    subscribers_of,
    unsubscribe,
)
from carebook.core.jobs import get_job
from carebook.core.models import EventDelivery
from carebook.medication import rules
from carebook.medication.events import DoseRecorded, PrescriptionChange
from carebook.medication.models import Administration, DueDose
from carebook.medication.services.administrations import administration_record
from carebook.testing.factories import MedicineFactory, prescribe

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
ANSWERS = [
    rules.Answer(p, "confirmed", Decimal("72") if p in rules.READING_PROMPTS else None) for p in rules.prompts_for("")
]


class Listener:
    """A subscriber that remembers what it heard, and whether the write had committed by then."""

    def __init__(self, failures: int = 0) -> None:
        self.heard: list[DoseRecorded] = []
        self.failures_left = failures
        self.calls = 0
        self.in_transaction: list[bool] = []
        self.record_visible: list[bool] = []

    def __call__(self, happened: DoseRecorded) -> None:
        self.calls += 1
        self.in_transaction.append(connection.in_atomic_block)
        self.record_visible.append(Administration.objects.filter(pk=happened.administration_id).exists())
        if self.failures_left:
            self.failures_left -= 1
            raise ConnectionError("the alert board is not answering")
        self.heard.append(happened)


@pytest.fixture
def listen():
    entries = []

    def add(listener: Listener, name: str) -> Listener:
        entries.append(subscribe(DoseRecorded, listener, name=name))
        return listener

    yield add
    for entry in entries:
        unsubscribe(entry)


@pytest.fixture
def morning_dose(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    return DueDose.objects.get(prescription=rx, local_date=dt.date(2026, 6, 10))


def carla_records(world, dose, outcome="given", **kw):
    return administration_record(by=world.carla, due_dose=dose, outcome=outcome, prompts=ANSWERS, **kw).administration


@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=False)
def test_a_recorded_dose_is_heard_once_after_the_commit(world, morning_dose, listen):
    alerts = listen(Listener(), "test.alerts")
    given = carla_records(world, morning_dose)
    assert alerts.calls == 1
    assert alerts.in_transaction == [False] and alerts.record_visible == [True]  # committed before it was told
    (heard,) = alerts.heard
    assert heard.administration_id == given.pk and heard.due_dose_id == morning_dose.pk
    assert heard.person_id == world.ada.pk and heard.location_id == world.home.pk
    assert heard.outcome == "given" and heard.taken and heard.recorded_by_id == world.carla.pk
    assert not EventDelivery.objects.exists()


@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=False)
def test_nothing_is_heard_when_the_write_rolls_back(world, morning_dose, listen):
    alerts = listen(Listener(), "test.alerts")
    with pytest.raises(RuntimeError), transaction.atomic():
        carla_records(world, morning_dose)  # inside a larger unit of work that then fails
        raise RuntimeError("the round's device lost power before the commit")
    with pytest.raises(DomainError):
        carla_records(world, morning_dose, outcome="refused")  # refused: a reason is required
    assert alerts.calls == 0 and not Administration.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_subscriber_does_not_fail_the_write_is_logged_and_retried_until_it_succeeds(
    world, morning_dose, listen, caplog
):
    alerts = listen(Listener(failures=2), "test.alerts")
    with time_machine.travel(MORNING, tick=False), caplog.at_level(logging.ERROR, logger="carebook.events"):
        given = carla_records(world, morning_dose, outcome="refused", reason="Said she felt sick")
    assert Administration.objects.filter(pk=given.pk, outcome="refused").exists()  # the record stands
    assert "Subscriber test.alerts failed on medication.dose_recorded" in caplog.text
    assert "ConnectionError: the alert board is not answering" in caplog.text

    queued = EventDelivery.objects.get()
    assert (queued.subscriber, queued.event_name, queued.attempts) == ("test.alerts", "medication.dose_recorded", 1)
    assert queued.next_attempt_at == MORNING + dt.timedelta(minutes=1)
    assert "ConnectionError" in queued.last_error and queued.delivered_at is None

    with time_machine.travel(MORNING + dt.timedelta(seconds=30), tick=False):
        assert retry_event_deliveries() == 0 and alerts.calls == 1  # not yet due
    with time_machine.travel(MORNING + dt.timedelta(minutes=1), tick=False):
        assert retry_event_deliveries() == 0  # fails again: backs off
    queued.refresh_from_db()
    assert queued.attempts == 2 and queued.next_attempt_at == MORNING + dt.timedelta(minutes=3)
    with time_machine.travel(MORNING + dt.timedelta(minutes=3), tick=False):
        assert retry_event_deliveries() == 1
        assert retry_event_deliveries() == 0  # delivered once, never again
    queued.refresh_from_db()
    assert queued.delivered_at == MORNING + dt.timedelta(minutes=3) and queued.attempts == 3
    (heard,) = alerts.heard
    assert heard == DoseRecorded.of(given)  # rebuilt from the stored payload, equal to what was announced
    assert alerts.calls == 3


@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=False)
def test_two_subscribers_are_independent(world, morning_dose, listen):
    broken = listen(Listener(failures=1), "test.broken_board")
    alerts = listen(Listener(), "test.alerts")
    carla_records(world, morning_dose)
    assert broken.calls == 1 and len(alerts.heard) == 1
    assert list(EventDelivery.objects.values_list("subscriber", flat=True)) == ["test.broken_board"]
    with time_machine.travel(MORNING + dt.timedelta(minutes=1), tick=False):
        assert retry_event_deliveries() == 1
    assert len(broken.heard) == 1 and len(alerts.heard) == 1  # the one that worked is not told twice


@pytest.mark.django_db(transaction=True)
def test_a_retry_claimed_by_a_worker_that_died_is_tried_again_after_the_lease(world, morning_dose, listen):
    alerts = listen(Listener(failures=1), "test.alerts")
    with time_machine.travel(MORNING, tick=False):
        carla_records(world, morning_dose)
    # A worker claimed it at 08:01 and was killed before it reported back.
    EventDelivery.objects.update(attempts=2, next_attempt_at=MORNING + dt.timedelta(minutes=6))
    with time_machine.travel(MORNING + dt.timedelta(minutes=2), tick=False):
        assert retry_event_deliveries() == 0
    with time_machine.travel(MORNING + dt.timedelta(minutes=6), tick=False):
        assert retry_event_deliveries() == 1
    assert len(alerts.heard) == 1


@pytest.mark.django_db(transaction=True)
def test_a_delivery_for_a_subscriber_that_no_longer_exists_waits_and_says_why(world, morning_dose, listen):
    listen(Listener(failures=1), "test.alerts")
    with time_machine.travel(MORNING, tick=False):
        carla_records(world, morning_dose)
    EventDelivery.objects.update(subscriber="test.retired_app")
    with time_machine.travel(MORNING + dt.timedelta(minutes=1), tick=False):
        assert retry_event_deliveries() == 0
    row = EventDelivery.objects.get()
    assert row.delivered_at is None and "No subscriber named 'test.retired_app'" in row.last_error


@pytest.mark.django_db(transaction=True)
def test_manage_py_jobs_says_how_many_deliveries_wait(world, morning_dose, listen):
    listen(Listener(failures=1), "test.alerts")
    with time_machine.travel(MORNING, tick=False):
        carla_records(world, morning_dose)
        out = StringIO()
        call_command("jobs", stdout=out)
    assert (
        "Event deliveries waiting to be tried again by core.event_delivery_retry: 1, the oldest since "
        "2026-06-10 08:00:00 BST"
    ) in out.getvalue()


def test_the_retry_job_is_declared_every_minute():
    assert get_job(RETRY_JOB).every == dt.timedelta(minutes=1)


@time_machine.travel(MORNING, tick=False)
def test_with_nobody_subscribed_announcing_costs_nothing(world, morning_dose, django_capture_on_commit_callbacks):
    """A recorded dose runs the same SQL with or without a subscriber; none of it touches the retry table."""
    bert_rx = prescribe(world.bert, MedicineFactory(name="Ramipril"), by=world.sam, checker=world.tia)
    bert_dose = DueDose.objects.get(prescription=bert_rx, local_date=dt.date(2026, 6, 10))

    carla = User.objects.get(pk=world.carla.pk)  # a fresh copy each time: nothing cached on the user
    apps_listening = subscribers_of(DoseRecorded)  # the alerts app's, set aside for the "nobody" half
    for entry in apps_listening:
        unsubscribe(entry)
    try:
        with CaptureQueriesContext(connection) as quiet, django_capture_on_commit_callbacks() as callbacks:
            administration_record(by=carla, due_dose=morning_dose, outcome="given", prompts=ANSWERS)
    finally:
        for entry in apps_listening:
            subscribe(entry.event_type, entry.func, name=entry.name)
    assert not [c for c in callbacks if getattr(c, "func", None) is _deliver]  # not even a callback

    heard: list[DoseRecorded] = []
    entry = subscribe(DoseRecorded, heard.append, name="test.alerts")
    carla = User.objects.get(pk=world.carla.pk)
    try:
        with CaptureQueriesContext(connection) as listened, django_capture_on_commit_callbacks(execute=True):
            administration_record(by=carla, due_dose=bert_dose, outcome="given", prompts=ANSWERS)
    finally:
        unsubscribe(entry)
    assert len(heard) == 1
    assert len(listened.captured_queries) == len(quiet.captured_queries)
    assert not any("eventdelivery" in q["sql"].lower() for q in listened.captured_queries)


@pytest.mark.django_db(transaction=True)
def test_announce_runs_only_inside_the_writing_transaction_and_only_for_declared_events(world):
    happened = DoseRecorded(
        administration_id=uuid.uuid4(),
        due_dose_id=None,
        prescription_id=uuid.uuid4(),
        person_id=world.ada.pk,
        location_id=world.home.pk,
        outcome="given",
        taken=True,
        administered_at=MORNING,
        recorded_at=MORNING,
        recorded_by_id=world.carla.pk,
        late_entry=False,
        corrects_id=None,
    )
    with pytest.raises(RuntimeError, match="inside the transaction"):
        announce(happened)

    @dataclasses.dataclass(frozen=True)
    class Undeclared(Event):
        x: int = 1

    with transaction.atomic(), pytest.raises(TypeError, match="not a declared event"):
        announce(Undeclared())


def test_an_event_carries_ids_and_plain_facts_not_records():
    with pytest.raises(TypeError, match=r"Leaky\.person: an event carries ids and plain facts"):

        @event("test.leaky")
        @dataclasses.dataclass(frozen=True, kw_only=True)
        class Leaky(Event):
            person: object

    with pytest.raises(TypeError, match="frozen dataclass"):

        @event("test.mutable")
        @dataclasses.dataclass(kw_only=True)
        class Mutable(Event):
            person_id: uuid.UUID


def _sample(hint):
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is tuple:
        return (_sample(args[0]), _sample(args[0]))
    if args:  # X | None
        return _sample(next(a for a in args if a is not type(None)))
    if hint is PrescriptionChange:
        return PrescriptionChange.NEW_VERSION
    if isinstance(hint, type) and issubclass(hint, Enum):
        return next(iter(hint))
    return {
        uuid.UUID: uuid.UUID(int=42),
        dt.datetime: dt.datetime(2026, 10, 25, 1, 30, 0, 5, tzinfo=dt.UTC),
        dt.date: dt.date(2026, 3, 29),
        Decimal: Decimal("62.5"),
        str: "Zoë's pulse",
        int: 7,
        bool: True,
    }[hint]


@pytest.mark.parametrize("kind", declared_events(), ids=lambda k: k.event_name)
def test_every_declared_event_survives_being_stored_for_a_retry(kind):
    hints = typing.get_type_hints(kind)
    happened = kind(**{f.name: _sample(hints[f.name]) for f in dataclasses.fields(kind)})
    assert decode(kind.event_name, encode(happened)) == happened
