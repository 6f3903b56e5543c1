"""Locks: taken in one order, of the rows meant, from one module (PostgreSQL, real concurrency).

Each race below is forced, not hoped for: the first writer is paused just after its first
row lock (``pause_after_first_lock``) while the second runs, so the interleaving that used to
deadlock (recording: due dose then person; a change: prescription then due dose) or to wait
needlessly (two people's doses of one medicine, when the medicine row was locked) happens every time.
"""

from __future__ import annotations

import datetime as dt
import re
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.db import connection, connections

from carebook.medication import rules
from carebook.medication.models import Administration, DueDose, Prescription
from carebook.medication.services.administrations import administration_record
from carebook.medication.services.doses import due_doses_extend_horizon
from carebook.medication.services.prescriptions import PrescriptionInput, prescription_change
from carebook.testing.factories import MedicineFactory, prescribe, prescribe_paracetamol_prn

MORNING = dt.datetime(2026, 6, 10, 7, 0, tzinfo=dt.UTC)  # 08:00 BST
ROOT = Path(__file__).resolve().parents[3]

needs_postgres = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="row locks and real concurrency need PostgreSQL"
)


def _confirmed(check: str = "") -> list[rules.Answer]:
    return [rules.Answer(p, "confirmed") for p in rules.prompts_for(check)]


class Paused:
    """Pauses a thread's database work just after its first statement containing ``marker``, until released."""

    def __init__(self, marker: str = "FOR UPDATE") -> None:
        self.marker = marker
        self.locked = threading.Event()
        self.release = threading.Event()
        self._done = False

    def __call__(self, execute: Callable[..., Any], sql: str, params: Any, many: bool, context: Any) -> Any:
        result = execute(sql, params, many, context)
        if not self._done and self.marker in sql:
            self._done = True
            self.locked.set()
            self.release.wait(timeout=20)
        return result


@contextmanager
def pause_after_first_lock(paused: Paused) -> Iterator[None]:
    with connection.execute_wrapper(paused):
        yield


def _run(target: Callable[[], Any], results: dict[str, Any], key: str) -> threading.Thread:
    def body() -> None:
        try:
            results[key] = target()
        except BaseException as exc:  # reported in the main thread
            results[key] = exc
        finally:
            connections.close_all()

    thread = threading.Thread(target=body)
    thread.start()
    return thread


def _backend_waiting_for_a_lock(exclude_pids: set[int]) -> bool:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
        return any(pid not in exclude_pids for (pid,) in cursor.fetchall())


def _wait_until(condition: Callable[[], bool], timeout: float = 10) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=True)
def test_recording_a_dose_while_a_senior_changes_its_prescription_never_deadlocks(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Bisoprolol"), by=world.sam, checker=world.tia)
    dose = DueDose.objects.get(prescription=rx, local_date=MORNING.date())
    paused, results = Paused(), {}

    def carer_records() -> Any:
        with pause_after_first_lock(paused):
            return administration_record(by=world.carla, outcome="given", prompts=_confirmed(), due_dose=dose)

    def senior_changes() -> Any:
        data = PrescriptionInput(
            medicine_id=rx.medicine_id,
            dose_min="2",
            directions="Take TWO each morning",
            times=["08:00"],
            prescriber="Dr A Khan",
        )
        return prescription_change(prescription=rx, by=world.sam, data=data, reason="GP increased the dose")

    carer = _run(carer_records, results, "carer")
    assert paused.locked.wait(10), "the carer's recording never took a lock"
    senior = _run(senior_changes, results, "senior")
    # The change must queue behind the carer's lock (the person), not take a lock the carer needs next.
    assert _wait_until(lambda: _backend_waiting_for_a_lock(set()) or not senior.is_alive())
    paused.release.set()
    carer.join(20)
    senior.join(20)

    assert not isinstance(results["carer"], BaseException), results["carer"]
    assert not isinstance(results["senior"], BaseException), results["senior"]
    assert Administration.objects.get(due_dose=dose).outcome == "given"
    new = Prescription.objects.get(supersedes=rx)
    assert new.dose_min == 2
    # The dose already given stays recorded against the version it was given under.
    assert DueDose.objects.get(pk=dose.pk).state == DueDose.State.RECORDED


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=True)
def test_two_peoples_doses_of_the_same_medicine_do_not_wait_for_each_other(world):
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        ada_rx = prescribe_paracetamol_prn(world.ada, by=world.sam, checker=world.tia)
        bert_rx = prescribe(world.bert, ada_rx.medicine, by=world.sam, checker=world.tia, **_prn_fields())
    paused, results = Paused(), {}

    def give(rx: Prescription, person_paused: Paused | None) -> Any:
        kwargs: dict[str, Any] = {
            "by": world.carla,
            "outcome": "given",
            "prompts": _confirmed(),
            "prescription": rx,
            "dose_given": Decimal("1"),
            "prn_reason": "Headache",
        }
        if person_paused is None:
            return administration_record(**kwargs)
        with pause_after_first_lock(person_paused):
            return administration_record(**kwargs)

    first = _run(lambda: give(ada_rx, paused), results, "ada")
    assert paused.locked.wait(10)
    second = _run(lambda: give(bert_rx, None), results, "bert")
    second.join(10)
    finished_while_the_other_held_its_lock = not second.is_alive()
    paused.release.set()
    first.join(20)
    second.join(20)
    assert finished_while_the_other_held_its_lock, "Bert's dose waited for Ada's: a lock reached past her row"
    assert not isinstance(results["ada"], BaseException), results["ada"]
    assert not isinstance(results["bert"], BaseException), results["bert"]
    assert Administration.objects.count() == 2


def _prn_fields() -> dict[str, Any]:
    return {
        "schedule_kind": "prn",
        "times": [],
        "dose_min": "1",
        "dose_max": "2",
        "indication": "Pain",
        "prn_min_interval_minutes": 240,
        "prn_max_quantity_24h": "8",
        "directions": "One or two when required for pain, 4 hours apart, at most 8 in 24 hours",
    }


@pytest.mark.postgres_only
@needs_postgres
@pytest.mark.django_db(transaction=True)
@time_machine.travel(MORNING, tick=True)
def test_the_due_dose_job_never_brings_back_the_slots_of_a_prescription_changed_while_it_ran(world):
    """The job reads the active prescriptions; a senior changes one; the job writes: no slot of the old version."""
    with time_machine.travel(MORNING - dt.timedelta(days=1), tick=False):
        rx = prescribe(world.ada, MedicineFactory(name="Amlodipine"), by=world.sam, checker=world.tia)
    paused, results = Paused(marker='"medication_prescription"'), {}

    def job() -> Any:
        with pause_after_first_lock(paused):
            return due_doses_extend_horizon()

    runner = _run(job, results, "job")
    assert paused.locked.wait(10)
    data = PrescriptionInput(
        medicine_id=rx.medicine_id,
        dose_min="1",
        directions="Take ONE each evening",
        times=["18:00"],
        prescriber="Dr A Khan",
    )
    prescription_change(prescription=rx, by=world.sam, data=data, reason="GP moved it to the evening")
    paused.release.set()
    runner.join(30)
    assert not isinstance(results["job"], BaseException), results["job"]
    resurrected = DueDose.objects.filter(
        prescription=rx, state=DueDose.State.PENDING, window_closes_at__gte=MORNING + dt.timedelta(hours=1)
    )
    assert not resurrected.exists(), [(d.local_date, d.local_time) for d in resurrected]


def test_every_row_lock_is_taken_through_the_locks_module():
    """One module, one documented order: a ``select_for_update`` anywhere else is a lock outside the order."""
    allowed = {
        ROOT / "carebook" / "medication" / "locks.py",
        # The worker's own schedule rows (django-q2), locked by the jobs registry's sync in a transaction of its
        # own: never a clinical row, never held with a person's lock.
        ROOT / "carebook" / "core" / "jobs.py",
        # A personal API token's own row, when it is revoked: never a clinical row, never with a person's lock.
        ROOT / "carebook" / "access" / "services.py",
        # The person's row for the people app's own writes (allergies): the same first lock as medication's.
        ROOT / "carebook" / "people" / "locks.py",
        # An incident's own row, for the incidents app's writes (ADR 0027): never a person's, never with one.
        ROOT / "carebook" / "incidents" / "locks.py",
        # An audit's own row, or its template's, for the audits app's writes (ADR 0029): never with a person's.
        ROOT / "carebook" / "audits" / "locks.py",
    }
    offenders = []
    for path in (ROOT / "carebook").rglob("*.py"):
        if "tests" in path.parts or path in allowed:
            continue
        if re.search(r"\.select_for_update\(", path.read_text()):
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_every_lock_names_the_rows_it_means():
    """Every lock names its rows (``of=``): a join must never lock the medicine, location or prescription."""
    calls = [
        call
        for path in (ROOT / "carebook").rglob("*.py")
        if "tests" not in path.parts
        for call in re.findall(r"\.select_for_update\(([^)]*)\)", path.read_text())
    ]
    assert calls and all("of=" in call for call in calls), calls
