"""The phases that run with Django set up on one database (each in its own process): seed and measure.

``bench/run.py --phase seed|measure|breakdown --db DATABASE_URL`` runs one; the orchestrator (run.py) starts
them. The seed reuses the demo's builders and the services; the history is written in bulk
(carebook/demo/history.py). The measure phase times the in-process figures (Django's test client, the
production settings) after a warm-up.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import random
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bench import procstat

SEED = 2026


@dataclass(frozen=True)
class Scale:
    name: str
    locations: int
    people_per_unit: int
    days: int
    per_person: tuple[int, ...]

    @property
    def people(self) -> int:
        return self.locations * 2 * self.people_per_unit


FULL = Scale("large", locations=10, people_per_unit=30, days=90, per_person=(6, 7, 7))
FULL_30 = Scale("large-30", locations=10, people_per_unit=30, days=30, per_person=(6, 7, 7))
SMALL = Scale("small", locations=1, people_per_unit=30, days=30, per_person=(6, 7, 7))
QUICK = Scale("quick", locations=3, people_per_unit=30, days=10, per_person=(6, 7, 7))
QUICK_30 = Scale("quick-30", locations=3, people_per_unit=30, days=3, per_person=(6, 7, 7))
QUICK_SMALL = Scale("quick-small", locations=1, people_per_unit=30, days=5, per_person=(6, 7, 7))
# A year of the same 600 people (issue 7: the governance dashboard over a year of data); in quick mode, a month.
FULL_YEAR = Scale("large-365", locations=10, people_per_unit=30, days=365, per_person=(6, 7, 7))
QUICK_YEAR = Scale("quick-year", locations=3, people_per_unit=30, days=30, per_person=(6, 7, 7))
SCALES = {s.name: s for s in (FULL, FULL_30, SMALL, QUICK, QUICK_30, QUICK_SMALL, FULL_YEAR, QUICK_YEAR)}


def django_setup(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def phase_seed(scale: Scale, out: Path) -> None:
    """Migrate a fresh database and seed it at ``scale``; write the manifest the other phases need."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from carebook.access.models import Role
    from carebook.access.services import api_token_create
    from carebook.core import clock
    from carebook.demo.history import LocationStaff, write_history
    from carebook.demo.medicines import ensure_medicines
    from carebook.demo.seed import (
        SPECIAL_HOME,
        StaffMember,
        create_staff,
        make_people,
        plan_regimens,
        prescription_input,
        replayed_clock,
        save_people,
    )
    from carebook.medication.models import Administration, DueDose, Prescription, PromptAnswer
    from carebook.medication.services.doses import horizon_end
    from carebook.medication.services.prescriptions import prescription_check_transcription, prescription_create
    from carebook.organisations.models import Location, Provider, Unit

    timings: dict[str, float] = {}
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    timings["migrate_s"] = time.perf_counter() - started

    rng = random.Random(SEED)  # noqa: S311 (benchmark data)
    real_now = clock.now()
    today = clock.to_local(real_now).date()
    go_live = today - dt.timedelta(days=scale.days)
    entered_from = clock.local_wall_time(go_live - dt.timedelta(days=1), dt.time(9, 0))
    password = "bench-" + os.urandom(8).hex()

    t0 = time.perf_counter()
    with transaction.atomic():
        medicines = ensure_medicines()
        provider = Provider.objects.create(name="Bench Care Group")
        locations = [
            Location.objects.create(provider=provider, name=f"Bench House {i + 1:02d}", kind=Location.Kind.CARE_HOME)
            for i in range(scale.locations)
        ]
        units = {
            loc.pk: [Unit.objects.create(location=loc, name=name) for name in ("Ash", "Birch")] for loc in locations
        }
        members: list[StaffMember] = []
        where: dict[str, list[Location]] = {}
        for i, loc in enumerate(locations):
            code = f"{i + 1:02d}"
            where[code] = [loc]
            members += [
                StaffMember(f"carer.{code}", f"Carer {code}", "CA", Role.CARE_WORKER, code),
                StaffMember(f"carer2.{code}", f"Second Carer {code}", "CB", Role.CARE_WORKER, code),
                StaffMember(f"senior.{code}", f"Senior {code}", "SE", Role.SENIOR_CARER, code),
                StaffMember(f"leader.{code}", f"Leader {code}", "TL", Role.TEAM_LEADER, code),
            ]
        staff = create_staff(tuple(members), provider=provider, where=where, password=password)
        used_names: set[str] = set()
        used_nhs: set[str] = set()
        plans_by_location = {}
        for loc in locations:
            ash, birch = units[loc.pk]
            slots = [
                (u, f"{n + 1 + (100 if u is birch else 0)}") for n in range(scale.people_per_unit) for u in (ash, birch)
            ]
            plans = make_people(rng, location=loc, slots=slots, used_names=used_names, used_nhs=used_nhs, today=today)
            plans_by_location[loc.pk] = plans
        all_plans = [p for plans in plans_by_location.values() for p in plans]
        save_people(all_plans)
        for plans in plans_by_location.values():
            plan_regimens(rng, plans, specials=SPECIAL_HOME, per_person=scale.per_person)
        timings["people_s"] = time.perf_counter() - t0

        # Prescriptions through the services, as seniors entered them the day before go-live.
        t1 = time.perf_counter()
        with replayed_clock(entered_from) as replay:
            for i, loc in enumerate(locations):
                code = f"{i + 1:02d}"
                senior, leader = staff[f"senior.{code}"], staff[f"leader.{code}"]
                for plan in plans_by_location[loc.pk]:
                    for regimen in plan.regimens:
                        if regimen.course_days:
                            continue
                        replay.tick(2)
                        data = prescription_input(regimen, medicines, start=go_live, prescriber="Dr Anika Khan")
                        rx = prescription_create(person=plan.person, by=senior, data=data)
                        replay.tick(1)
                        prescription_check_transcription(prescription=rx, by=leader)
        timings["prescriptions_s"] = time.perf_counter() - t1

        # History in bulk: the first location (whose round page is measured) is recorded up to 90 minutes
        # ago; the others leave their last 48 hours pending, doses for the API and load phases to record.
        t2 = time.perf_counter()
        measured = locations[0]
        cutoffs = {
            loc.pk: real_now - (dt.timedelta(minutes=90) if loc.pk == measured.pk else dt.timedelta(hours=48))
            for loc in locations
        }
        location_staff = {
            loc.pk: LocationStaff(
                carers=[staff[f"carer.{i + 1:02d}"].pk, staff[f"carer2.{i + 1:02d}"].pk],
                seniors=[staff[f"senior.{i + 1:02d}"].pk, staff[f"leader.{i + 1:02d}"].pk],
            )
            for i, loc in enumerate(locations)
        }
        prescriptions = (
            Prescription.objects.filter(person__location__provider=provider)
            .select_related("medicine", "person")
            .order_by("person__location__name", "person_id", "entered_at")
        )
        counts = write_history(
            prescriptions, rng=rng, staff=location_staff, cutoffs=cutoffs, horizon_end=horizon_end(real_now)
        )
        timings["history_s"] = time.perf_counter() - t2
        # The dose figures' daily rollups, as the job keeps them (ADR 0033): built once for the whole history.
        from carebook.reports.rollups import build_rollups

        t3 = time.perf_counter()
        with clock.overridden(lambda: real_now):
            timings["rollups_built"] = build_rollups(now=real_now)
        timings["rollups_s"] = time.perf_counter() - t3

        tokens = {}
        for i, loc in enumerate(locations):
            user = staff[f"carer.{i + 1:02d}"]
            tokens[str(loc.pk)] = {"username": user.username, "token": api_token_create(user=user)[1]}
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")  # fresh statistics, as a database that has been running would have
    timings["total_s"] = time.perf_counter() - started

    # The person whose MAR is measured: the one in the measured location with the most prescriptions.
    mar_person = max(plans_by_location[measured.pk], key=lambda p: len(p.regimens)).person
    last_month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    recordable = _recordable_doses(
        [loc.pk for loc in locations[1:]] or [measured.pk], before=real_now - dt.timedelta(minutes=5)
    )
    manifest = {
        "scale": scale.__dict__,
        "vendor": connection.vendor,
        "seeded_at": real_now.isoformat(),
        "timings": timings,
        "counts": {
            "locations": len(locations),
            "people": len(all_plans),
            "prescriptions": Prescription.objects.count(),
            "due_doses": DueDose.objects.count(),
            "administrations": Administration.objects.count(),
            "prompt_answers": PromptAnswer.objects.count(),
            "history_written_in_bulk": counts.__dict__,
        },
        "measured": {
            "location": str(measured.pk),
            "unit": str(units[measured.pk][0].pk),
            "unit_people": scale.people_per_unit,
            "carer": staff["carer.01"].username,
        },
        "mar": {"person": str(mar_person.pk), "month": f"{last_month:%Y-%m}", "user": staff["carer.01"].username},
        "tokens": tokens,
        "recordable": recordable,
        # The in-process phases record at this location; the load clients record at the others.
        "api_location": max(recordable, key=lambda loc: len(recordable[loc])),
        "password": password,
    }
    out.write_text(json.dumps(manifest, indent=1))


# A reading within every demo and bench prescriber's limits (pulse at least 60; blood glucose 4 to 15 mmol/L).
TYPICAL_READING = {"pulse": "72", "blood_glucose": "6.5", "blood_pressure": "120"}


def _recordable_doses(location_ids: list[Any], *, before: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Pending doses, already due, that a carer can record through the API (no witness needed), per location.

    Doses of a medicine with a capped ingredient (paracetamol) are left out: recorded all at once, "now", two days
    of them would rightly be refused by the 24-hour maximum across products (ADR 0023).

    The load locations' doses were left pending for two days, so most of them, given "now", would fall too close to
    the next dose and need a carer's choice (``rules.late``, ADR 0021). Those are recorded as what a late entry
    says: given at their time (two minutes after it), written up now. A dose that could be given now without
    meeting its next one (``next_dose_may_be_close``, within the hour the measuring takes) is sent without a time.

    Patches and injections are left out too (their site rotates from the last one, and a patch says what became of
    the old one: an order the bench does not keep); a cream goes where its prescription says (``rules.sites``).
    """
    from django.db.models import Exists, OuterRef

    from carebook.medication import rules
    from carebook.medication.facts import next_dose_may_be_close
    from carebook.medication.models import DueDose, MedicineIngredient

    capped = MedicineIngredient.objects.filter(
        medicine_id=OuterRef("prescription__medicine_id"), substance__max_24h_mg__isnull=False
    )
    doses = (
        DueDose.objects.filter(location_id__in=location_ids, state=DueDose.State.PENDING, scheduled_at__lt=before)
        .annotate(capped=Exists(capped))
        .select_related("prescription__medicine")
        .order_by("scheduled_at")
    )
    result: dict[str, list[dict[str, Any]]] = {str(loc): [] for loc in location_ids}
    for dose in doses:
        rx = dose.prescription
        if rx.medicine.needs_witness or rx.status != "active" or dose.capped:  # type: ignore[attr-defined]
            continue
        if rx.medicine.site_recorded:
            continue  # a patch or an injection: its site rotates and a patch says what became of the old one
        check = rx.effective_check
        body: dict[str, Any] = {
            "due_dose_id": str(dose.pk),
            "outcome": "given",
            "prompts": [
                {"prompt": p, "result": "confirmed", **({"value": TYPICAL_READING[p]} if p in TYPICAL_READING else {})}
                for p in rules.prompts_for(check)
            ],
        }
        if next_dose_may_be_close(dose, before + dt.timedelta(hours=1)):
            body["administered_at"] = (dose.scheduled_at + dt.timedelta(minutes=2)).isoformat()
        if rx.is_variable_dose:
            body["dose_given"] = str(rx.dose_min)
        if rx.medicine.is_topical:
            body["site"] = rules.sites.applied_choices(rx.apply_to)[0]  # where the prescription says it goes
        result[str(dose.location_id)].append(body)
    return result


def _timed(fn: Any, repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return times


def phase_measure(manifest_path: Path, out: Path, *, round_only: bool, repeats: int, cpu_repeats: int) -> None:
    """The in-process figures: round page, recording a dose through the API, the MAR chart (JSON, PDF)."""
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django.urls import reverse

    from carebook.access.models import User
    from carebook.medication.models import Administration
    from carebook.medication.pdf import render_mar_pdf
    from carebook.medication.selectors.mar import mar_chart, mar_chart_as_json, parse_month
    from carebook.people.models import Person

    manifest = json.loads(manifest_path.read_text())
    results: dict[str, Any] = {"vendor": connection.vendor, "counts": manifest["counts"]}

    # The round page of a 30-person unit, the morning round (the largest).
    measured = manifest["measured"]
    carer = User.objects.get(username=measured["carer"])
    client = Client()
    client.force_login(carer)
    url = reverse("medication:round", args=[measured["location"]]) + f"?unit={measured['unit']}&round=morning"

    def round_page() -> None:
        response = client.get(url)
        assert response.status_code == 200, response.status_code

    results["round_page"] = _timed(round_page, repeats, warmup=3)
    with CaptureQueriesContext(connection) as queries:
        round_page()
    results["round_page_queries"] = len(queries)
    page = client.get(url).content.decode()
    results["round_page_people"] = page.count('data-testid="round-person"')
    results["round_page_bytes"] = len(page)
    if round_only:
        out.write_text(json.dumps(results))
        return

    # Recording a dose through the JSON API with a Bearer token and an Idempotency-Key (a new record each time).
    location = manifest["api_location"]
    bodies = list(manifest["recordable"][location])
    token = manifest["tokens"][location]["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = Administration.objects.count()
    server_cpu = [0.0]  # process CPU inside Django's handler: the server's part of each request
    handler_get_response = api.handler.get_response

    def timed_get_response(request: Any) -> Any:
        start = time.process_time()
        try:
            return handler_get_response(request)
        finally:
            server_cpu[0] += time.process_time() - start

    api.handler.get_response = timed_get_response  # type: ignore[method-assign]

    def record() -> None:
        body = bodies.pop(0)
        response = api.post(
            "/api/v1/administrations",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-{body['due_dose_id']}",
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    record_repeats = repeats * 3
    results["record_dose"] = _timed(record, record_repeats, warmup=5)
    with CaptureQueriesContext(connection) as queries:
        record()
    results["record_dose_orm_queries"] = len(queries)

    # CPU per dose, in-process: the process's CPU clock over many recordings (the server's part: inside the
    # handler; and the whole, test client included) and, on PostgreSQL on this machine, the CPU of the
    # connection's backend from /proc. Steadier than wall-clock times on shared cores.
    backend = _backend_pid(connection)
    n = cpu_repeats
    server_cpu[0] = 0.0
    backend_before = procstat.read(backend) if backend else None
    start = time.process_time()
    for _ in range(n):
        record()
    whole = time.process_time() - start
    backend_after = procstat.read(backend) if backend else None
    results["record_dose_cpu"] = {
        "n": n,
        "server_ms": server_cpu[0] * 1000 / n,
        "whole_ms": whole * 1000 / n,
        "postgres_ms": (
            (backend_after.total - backend_before.total) * 1000 / procstat.CLK_TCK / n
            if backend_before is not None and backend_after is not None and backend_before.key == backend_after.key
            else None
        ),
    }
    assert Administration.objects.count() == before + record_repeats + 5 + 1 + n

    # One person's monthly MAR chart: built as JSON (selector + serialisation), through the API, and as PDF.
    mar = manifest["mar"]
    person = Person.objects.get(pk=mar["person"])
    month = parse_month(mar["month"])

    def mar_json() -> None:
        json.dumps(mar_chart_as_json(mar_chart(person, month)))

    results["mar_json"] = _timed(mar_json, repeats, warmup=2)
    chart = mar_chart(person, month)
    results["mar_cells"] = sum(len(row.cells) for rx in chart.prescriptions for row in rx.rows)
    results["mar_prescriptions"] = len(chart.prescriptions)
    mar_client = Client()
    mar_client.force_login(User.objects.get(username=mar["user"]))
    mar_url = f"/api/v1/people/{person.pk}/mar?month={mar['month']}"

    def mar_api() -> None:
        response = mar_client.get(mar_url)
        assert response.status_code == 200, response.status_code

    results["mar_json_api"] = _timed(mar_api, repeats, warmup=2)

    def mar_pdf() -> None:
        assert render_mar_pdf(mar_chart(person, month)).startswith(b"%PDF")

    results["mar_pdf"] = _timed(mar_pdf, max(3, repeats // 6), warmup=1)

    # One pass per person (ADR 0036): the page of a person with 10 medicines due now. Last, since it writes them.
    pass_url = _person_with_ten_due(measured)
    pass_client = Client()
    pass_client.force_login(carer)

    def person_pass() -> None:
        response = pass_client.get(pass_url)
        assert response.status_code == 200, response.status_code
        assert response.content.count(b'data-testid="pass-dose"') == PASS_MEDICINES

    results["person_pass"] = _timed(person_pass, repeats, warmup=3)
    with CaptureQueriesContext(connection) as queries:
        person_pass()
    results["person_pass_queries"] = len(queries)
    out.write_text(json.dumps(results))


PASS_MEDICINES = 10


def _person_with_ten_due(measured: dict[str, Any]) -> str:
    """A person of the measured unit with 10 tablets due in 5 minutes, entered and checked through the services (the
    seniors of the seed); the URL of their pass."""
    from django.urls import reverse

    from carebook.access.models import User
    from carebook.core import clock
    from carebook.medication.models import Medicine
    from carebook.testing.factories import PersonFactory, prescribe

    location = measured["location"]
    senior = User.objects.get(username=measured["carer"].replace("carer.", "senior."))
    leader = User.objects.get(username=measured["carer"].replace("carer.", "leader."))
    person = PersonFactory(location_id=location, unit_id=measured["unit"], given_name="Pat", family_name="Pass")
    at = (clock.local_now() + dt.timedelta(minutes=5)).strftime("%H:%M")
    tablets = Medicine.objects.filter(form=Medicine.Form.TABLET, controlled_drug_schedule__isnull=True)
    for medicine in tablets.order_by("name")[:PASS_MEDICINES]:
        prescribe(person, medicine, by=senior, checker=leader, times=[at])
    return reverse("medication:person_pass", args=[person.pk]) + "?round=next2h"


def _backend_pid(connection: Any) -> int | None:
    """The pid of this connection's PostgreSQL backend, if it is a process of this machine."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        pid = int(cursor.fetchone()[0])
    try:
        return pid if b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes() else None
    except OSError:
        return None
