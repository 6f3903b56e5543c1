"""make bench: Carebook's speed at the scale of a care group, on SQLite and on PostgreSQL.

    .venv/bin/python bench/run.py            # the full run (about 10 locations, 600 people, 4,000 prescriptions)
    .venv/bin/python bench/run.py --quick    # a small smoke run of the same steps (no docs written)

What it does, in order:

1. Seeds a fresh database twice, an SQLite file under var/bench/ and a new PostgreSQL database
   (carebook_bench_<timestamp> on 127.0.0.1:5432, dropped at the end): 10 care homes of 2 units × 30
   people, about 4,000 prescriptions entered and checked through the services, and 90 days of rounds
   written in bulk (bench/bulk_history.py). A third, small SQLite database (60 people, 30 days) shows
   how the round page's cost grows with the data.
2. In-process (Django's test client, the production settings), after a warm-up: the round page of a
   30-person unit, recording a dose through the JSON API with a Bearer token, and one person's monthly
   MAR chart as JSON and as PDF. Median and 95th percentile of many repetitions.
3. Against the production setup (gunicorn, config.settings, 2 workers × 4 threads, on the PostgreSQL
   database, bound to 127.0.0.1): 8 concurrent clients record doses for 20 seconds; doses per second
   and their p50 and p95 latency.
4. Prints the figures with PASS/MISS against the targets and writes docs/benchmarks.md.

Each database phase runs in its own process (``--phase seed|measure``), so each has its own settings.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

VAR = ROOT / "var" / "bench"
DOCS = ROOT / "docs" / "benchmarks.md"
PG_SERVER = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")
SEED = 2026

TARGETS = {  # figure -> (limit in ms, what it applies to)
    "round_page": 150.0,
    "record_dose": 50.0,
    "mar_json": 200.0,
}


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
SMALL = Scale("small", locations=1, people_per_unit=30, days=30, per_person=(6, 7, 7))
QUICK = Scale("quick", locations=3, people_per_unit=30, days=10, per_person=(6, 7, 7))
QUICK_SMALL = Scale("quick-small", locations=1, people_per_unit=30, days=5, per_person=(6, 7, 7))


def say(message: str) -> None:
    print(message, flush=True)


# =====================================================================================================
# Child phases (run with Django set up on one database)
# =====================================================================================================


def _django(database_url: str) -> None:
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    import django

    django.setup()


def phase_seed(scale: Scale, out: Path) -> None:
    """Migrate a fresh database and seed it at ``scale``; write the manifest the other phases need."""
    from django.core.management import call_command
    from django.db import connection, transaction

    from bench.bulk_history import LocationStaff, write_history
    from carebook.access.models import Role
    from carebook.access.services import api_token_create
    from carebook.core import clock
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
        "password": password,
    }
    out.write_text(json.dumps(manifest, indent=1))


def _recordable_doses(location_ids: list[Any], *, before: dt.datetime) -> dict[str, list[dict[str, Any]]]:
    """Pending doses, already due, that a carer can record through the API (no witness needed), per location."""
    from carebook.medication import rules
    from carebook.medication.models import DueDose

    doses = (
        DueDose.objects.filter(location_id__in=location_ids, state=DueDose.State.PENDING, scheduled_at__lt=before)
        .select_related("prescription__medicine")
        .order_by("scheduled_at")
    )
    result: dict[str, list[dict[str, Any]]] = {str(loc): [] for loc in location_ids}
    for dose in doses:
        rx = dose.prescription
        if rx.medicine.needs_witness or rx.status != "active":
            continue
        check = rx.effective_check
        body: dict[str, Any] = {
            "due_dose_id": str(dose.pk),
            "outcome": "given",
            "prompts": [
                {"prompt": p, "result": "confirmed", **({"value": "72"} if p in rules.READING_PROMPTS else {})}
                for p in rules.prompts_for(check)
            ],
        }
        if rx.is_variable_dose:
            body["dose_given"] = str(rx.dose_min)
        if rx.medicine.site_recorded:
            body["site"] = "left upper arm"
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


def phase_measure(manifest_path: Path, out: Path, *, round_only: bool, repeats: int) -> None:
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

    # Recording a dose through the JSON API with a Bearer token (a new record each time).
    location = next(loc for loc, bodies in manifest["recordable"].items() if len(bodies) > repeats * 3)
    bodies = list(manifest["recordable"][location])
    token = manifest["tokens"][location]["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    before = Administration.objects.count()

    def record() -> None:
        body = bodies.pop(0)
        response = api.post("/api/v1/administrations", data=json.dumps(body), content_type="application/json")
        assert response.status_code == 201, (response.status_code, response.content[:300])

    record_repeats = repeats * 3
    results["record_dose"] = _timed(record, record_repeats, warmup=5)
    assert Administration.objects.count() == before + record_repeats + 5

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
    out.write_text(json.dumps(results))


# =====================================================================================================
# The orchestrator
# =====================================================================================================


def child(phase: str, database_url: str, *args: str, wait: bool = True) -> subprocess.Popen[bytes]:
    """Run a phase in its own process (its own settings and database). Waits unless told not to."""
    command = [sys.executable, str(Path(__file__).resolve()), "--phase", phase, "--db", database_url, *args]
    process = subprocess.Popen(command, cwd=ROOT, env=child_env())  # noqa: S603
    if wait:
        finish(process)
    return process


def finish(process: subprocess.Popen[bytes]) -> None:
    if process.wait() != 0:
        raise RuntimeError(f"{' '.join(map(str, process.args[2:5]))} … failed with exit code {process.returncode}")  # type: ignore[index]


def child_env(**extra: str) -> dict[str, str]:
    # whitenoise warns when the static root has not been collected; the API and the pages measured do not need it.
    return {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONWARNINGS": "ignore:No directory at", **extra}


def pg_admin(sql: str) -> None:
    import psycopg

    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(sql)  # type: ignore[arg-type]


def pg_available() -> bool:
    try:
        pg_admin("SELECT 1")
    except Exception:
        return False
    return True


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, round(q / 100 * len(ordered) + 0.5) - 1))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {"n": len(values), "median": statistics.median(values), "p95": percentile(values, 95)}


def load_test(
    database_url: str, manifest: dict[str, Any], *, clients: int, seconds: float, workers: int, threads: int
) -> dict[str, Any]:
    """gunicorn (production settings) on the PostgreSQL database; ``clients`` threads record doses."""
    port = free_port()
    env = child_env(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="config.settings")
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    server = subprocess.Popen(  # noqa: S603
        [
            gunicorn,
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--threads",
            str(threads),
            "--worker-class",
            "gthread",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=env,
        start_new_session=True,
    )
    try:
        lanes = [
            (loc, manifest["tokens"][loc]["token"], list(bodies)) for loc, bodies in manifest["recordable"].items()
        ]
        lanes = [lane for lane in lanes if lane[2]]
        # Wait until the server answers.
        deadline = time.monotonic() + 60
        while True:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
                conn.request("GET", "/api/v1/locations", headers={"Authorization": f"Bearer {lanes[0][1]}"})
                if conn.getresponse().status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline or server.poll() is not None:
                raise RuntimeError("gunicorn did not start")
            time.sleep(0.3)

        latencies: list[list[float]] = [[] for _ in range(clients)]
        statuses: list[dict[int, int]] = [{} for _ in range(clients)]
        start_gate = threading.Barrier(clients + 1)
        stop_at = [0.0]

        def client_thread(index: int) -> None:
            _, token, bodies = lanes[index % len(lanes)]
            # Clients sharing a lane take alternate doses, so no two clients record the same one.
            sharing = [i for i in range(clients) if i % len(lanes) == index % len(lanes)]
            mine = bodies[sharing.index(index) :: len(sharing)]
            headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

            def post(body: dict[str, Any]) -> int:
                nonlocal conn
                try:
                    conn.request("POST", "/api/v1/administrations", body=json.dumps(body), headers=headers)
                    response = conn.getresponse()
                    response.read()
                    return response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    return 0

            for body in mine[:3]:  # warm-up: not counted
                post(body)
            start_gate.wait()
            for body in mine[3:]:
                if time.perf_counter() >= stop_at[0]:
                    break
                began = time.perf_counter()
                status = post(body)
                latencies[index].append((time.perf_counter() - began) * 1000)
                statuses[index][status] = statuses[index].get(status, 0) + 1
            conn.close()

        workers_threads = [threading.Thread(target=client_thread, args=(i,)) for i in range(clients)]
        for t in workers_threads:
            t.start()
        stop_at[0] = time.perf_counter() + seconds + 30  # provisional, set properly at the gate
        start_gate.wait()
        began = time.perf_counter()
        stop_at[0] = began + seconds
        for t in workers_threads:
            t.join()
        elapsed = time.perf_counter() - began
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
    all_latencies = [ms for lane in latencies for ms in lane]
    status_counts: dict[int, int] = {}
    for counts in statuses:
        for status, n in counts.items():
            status_counts[status] = status_counts.get(status, 0) + n
    created = status_counts.get(201, 0)
    return {
        "clients": clients,
        "seconds": elapsed,
        "workers": workers,
        "threads": threads,
        "created": created,
        "statuses": {str(k): v for k, v in sorted(status_counts.items())},
        "doses_per_second": created / elapsed if elapsed else 0.0,
        "latency": summary(all_latencies) if all_latencies else {},
    }


def machine() -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres = ""
    try:
        import psycopg

        with psycopg.connect(f"{PG_SERVER}/postgres") as conn:
            row = conn.execute("SHOW server_version").fetchone()
            postgres = str(row[0]) if row else ""
    except Exception:
        postgres = "not available"
    import sqlite3

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def orchestrate(args: argparse.Namespace) -> int:
    quick = args.quick
    large, small = (QUICK, QUICK_SMALL) if quick else (FULL, SMALL)
    repeats = 10 if quick else args.repeats
    load_seconds = 5.0 if quick else args.seconds
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d%H%M%S")
    VAR.mkdir(parents=True, exist_ok=True)
    for old in VAR.glob("*.sqlite3*"):
        old.unlink()
    started = time.perf_counter()
    info = machine()
    say(f"Carebook benchmark — {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M} UTC")
    say(
        f"Machine: {info['cpus']} CPUs, {info['cpu']}; Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgres']}; load average at start {info['load']}"
    )

    databases: dict[str, str] = {
        "sqlite": f"sqlite:///{VAR / 'large.sqlite3'}",
        "small": f"sqlite:///{VAR / 'small.sqlite3'}",
    }
    pg_name = f"carebook_bench_{stamp}"
    use_pg = pg_available() and not args.no_postgres
    if use_pg:
        pg_admin(f'CREATE DATABASE "{pg_name}"')
        databases["postgres"] = f"{PG_SERVER}/{pg_name}"
    else:
        say("PostgreSQL is not answering on 127.0.0.1:5432: SQLite only, no load test.")

    manifests: dict[str, dict[str, Any]] = {}
    results: dict[str, dict[str, Any]] = {}
    load: dict[str, Any] = {}
    seed_seconds: dict[str, float] = {}
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        # The two large databases are seeded side by side (one process each), with the small one.
        for label in ("sqlite", "postgres", "small"):
            if label not in databases:
                continue
            scale = small if label == "small" else large
            say(f"Seeding {label}: {scale.locations} location(s), {scale.people} people, {scale.days} days …")
            path = VAR / f"manifest-{label}.json"
            process = child("seed", databases[label], "--scale", scale.name, "--out", str(path), wait=False)
            running[label] = process
            if label == "small" or (label == "postgres" and args.serial):
                for waiting in running.values():
                    finish(waiting)
        for label, process in running.items():
            finish(process)
            manifests[label] = json.loads((VAR / f"manifest-{label}.json").read_text())
            seed_seconds[label] = manifests[label]["timings"]["total_s"]
            counts = manifests[label]["counts"]
            say(
                f"  {label}: {counts['people']} people, {counts['prescriptions']:,} prescriptions, "
                f"{counts['due_doses']:,} due doses, {counts['administrations']:,} administrations, "
                f"{counts['prompt_answers']:,} prompt answers in {seed_seconds[label]:.0f} s"
            )
        for label in ("sqlite", "postgres", "small"):
            if label not in databases:
                continue
            say(f"Measuring {label} …")
            path = VAR / f"results-{label}.json"
            extra = ["--round-only"] if label == "small" else []
            child(
                "measure",
                databases[label],
                "--manifest",
                str(VAR / f"manifest-{label}.json"),
                "--out",
                str(path),
                "--repeats",
                str(repeats),
                *extra,
            )
            results[label] = json.loads(path.read_text())
        if use_pg:
            say(f"Load test: gunicorn on PostgreSQL, {args.clients} clients for {load_seconds:.0f} s …")
            # The API phase used some recordable doses: the load clients take the other locations'.
            manifest = manifests["postgres"]
            used = next(loc for loc, b in manifest["recordable"].items() if len(b) > repeats * 3)
            manifest = {**manifest, "recordable": {k: v for k, v in manifest["recordable"].items() if k != used}}
            load = load_test(
                databases["postgres"], manifest, clients=args.clients, seconds=load_seconds, workers=2, threads=4
            )
    finally:
        for process in running.values():
            if process.poll() is None:  # a phase failed: stop the others this run started
                process.terminate()
                process.wait()
        if use_pg:
            try:
                pg_admin(f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
            except Exception as error:
                say(f"Could not drop {pg_name}: {error}")
    total = time.perf_counter() - started
    (VAR / "run.json").write_text(
        json.dumps({"info": info, "load": load, "seed_seconds": seed_seconds, "total": total, "quick": quick})
    )
    return report(info, manifests, results, load, seed_seconds, total, quick=quick)


def report_again() -> int:
    """Render the report from the files the last run left in var/bench (for working on the report)."""
    run = json.loads((VAR / "run.json").read_text())
    manifests, results = {}, {}
    for label in ("sqlite", "postgres", "small"):
        if (VAR / f"results-{label}.json").exists():
            manifests[label] = json.loads((VAR / f"manifest-{label}.json").read_text())
            results[label] = json.loads((VAR / f"results-{label}.json").read_text())
    seed_seconds = {k: v for k, v in run["seed_seconds"].items() if k in manifests}
    return report(run["info"], manifests, results, run["load"], seed_seconds, run["total"], quick=run["quick"])


def report(
    info: dict[str, str],
    manifests: dict[str, dict[str, Any]],
    results: dict[str, dict[str, Any]],
    load: dict[str, Any],
    seed_seconds: dict[str, float],
    total: float,
    *,
    quick: bool,
) -> int:
    report = render_report(info, manifests, results, load, seed_seconds, total, quick=quick)
    say("")
    say(report["console"])
    if not quick:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(report["markdown"])
        say(f"Written to {DOCS.relative_to(ROOT)}")
    return 0


def _statuses(load: dict[str, Any]) -> str:
    return ", ".join(f"{count:,} × {status}" for status, count in load["statuses"].items()) or "none"


def _fmt(ms: float) -> str:
    return f"{ms:,.1f} ms" if ms < 1000 else f"{ms / 1000:,.2f} s"


def render_report(
    info: dict[str, str],
    manifests: dict[str, dict[str, Any]],
    results: dict[str, dict[str, Any]],
    load: dict[str, Any],
    seed_seconds: dict[str, float],
    total: float,
    *,
    quick: bool,
) -> dict[str, str]:
    engines = [e for e in ("sqlite", "postgres") if e in results]
    names = {"sqlite": "SQLite", "postgres": "PostgreSQL", "small": "SQLite (small)"}
    rows: list[tuple[str, ...]] = []  # figure, engine, n, median, p95, target, verdict
    checks: list[tuple[str, str, bool]] = []
    labels = {
        "round_page": "Round page, 30-person unit (morning round)",
        "record_dose": "Record a dose, POST /api/v1/administrations",
        "mar_json": "MAR chart, one person, one month: build JSON",
        "mar_json_api": "MAR chart JSON through GET /api/v1/people/{id}/mar",
        "mar_pdf": "MAR chart PDF (A4 landscape)",
    }
    for key, label in labels.items():
        for engine in engines:
            values = results[engine].get(key)
            if not values:
                continue
            s = summary(values)
            limit = TARGETS.get(key)
            verdict = ""
            if limit is not None:
                ok = s["p95"] < limit
                verdict = "PASS" if ok else "MISS"
                checks.append((f"{label} ({names[engine]}) p95 < {limit:.0f} ms", f"{s['p95']:.1f} ms", ok))
            rows.append(
                (
                    label,
                    names[engine],
                    str(s["n"]),
                    _fmt(s["median"]),
                    _fmt(s["p95"]),
                    f"p95 < {limit:.0f} ms" if limit else "",
                    verdict,
                )
            )
    growth: list[tuple[str, str, str, str, str]] = []
    if "small" in results and "sqlite" in results:
        for label in ("small", "sqlite"):
            s = summary(results[label]["round_page"])
            c = manifests[label]["counts"]
            growth.append(
                (
                    names[label],
                    f"{c['people']}",
                    f"{manifests[label]['scale']['days']}",
                    f"{c['administrations']:,}",
                    f"{_fmt(s['median'])} / {_fmt(s['p95'])}",
                )
            )
        ratio = statistics.median(results["sqlite"]["round_page"]) / statistics.median(results["small"]["round_page"])
    else:
        ratio = float("nan")

    console = [f"{'Figure':<56} {'DB':<11} {'median':>10} {'p95':>10}  target        result"]
    for label, engine, _n, median, p95, target, verdict in rows:
        console.append(f"{label:<56} {engine:<11} {median:>10} {p95:>10}  {target:<13} {verdict}")
    if growth:
        console.append("")
        console.append("How the round page grows (same 30-person unit, SQLite):")
        for _name, people, days, admins, figures in growth:
            console.append(f"  {people:>4} people, {days:>3} days, {admins:>9} administrations: median / p95 {figures}")
        console.append(f"  ratio of medians, large / small: {ratio:.2f}")
    if "sqlite" in results:
        console.append(
            f"Round page: {results['sqlite']['round_page_queries']} queries (SQLite); "
            f"{results.get('postgres', {}).get('round_page_queries', '-')} (PostgreSQL)"
        )
    if load:
        lat = load["latency"]
        ok = not set(load["statuses"]) - {"201"}
        console.append("")
        console.append(
            f"Production setup (gunicorn {load['workers']} workers × {load['threads']} threads, PostgreSQL), "
            f"{load['clients']} clients, {load['seconds']:.0f} s: {load['doses_per_second']:.0f} doses/s, "
            f"p50 {_fmt(lat.get('median', 0))}, p95 {_fmt(lat.get('p95', 0))}; responses {_statuses(load)}"
        )
        checks.append(("Load test: every request answered 201 Created", _statuses(load), ok))
    console.append("")
    for text, value, ok in checks:
        console.append(f"{'PASS' if ok else 'MISS'}  {text}: {value}")
    console.append(f"Total time: {total:.0f} s")

    md = _markdown(info, manifests, results, load, seed_seconds, total, rows, growth, ratio, checks, names)
    return {"console": "\n".join(console), "markdown": md}


def local_now() -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(tz=ZoneInfo("Europe/London"))


def _engine_ratios(results: dict[str, dict[str, Any]], names: dict[str, str]) -> list[str]:
    """PostgreSQL against SQLite, measured in the same run: the ratio of medians."""
    if not ("sqlite" in results and "postgres" in results):
        return []
    parts = []
    for key, label in (("round_page", "round page"), ("record_dose", "recording a dose"), ("mar_json", "MAR JSON"),
                       ("mar_pdf", "MAR PDF")):  # fmt: skip
        a, b = results["sqlite"].get(key), results["postgres"].get(key)
        if a and b:
            parts.append(f"{label} {statistics.median(b) / statistics.median(a):.2f}")
    return [f"PostgreSQL / SQLite, ratio of medians in this run: {', '.join(parts)}.", ""]


def _markdown(
    info: dict[str, str],
    manifests: dict[str, dict[str, Any]],
    results: dict[str, dict[str, Any]],
    load: dict[str, Any],
    seed_seconds: dict[str, float],
    total: float,
    rows: list[tuple[str, ...]],
    growth: list[tuple[str, str, str, str, str]],
    ratio: float,
    checks: list[tuple[str, str, bool]],
    names: dict[str, str],
) -> str:
    now = dt.datetime.now(tz=dt.UTC)
    large = manifests.get("sqlite") or manifests.get("postgres") or {}
    counts = large.get("counts", {})
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py`); re-run it to refresh this page. "
        "Absolute times drift on these shared machines: compare figures measured in the same run.",
        "",
        f"- **Date:** {now:%Y-%m-%d %H:%M} UTC ({local_now():%H:%M} in Europe/London: the measured round is the "
        "morning round of the current care day)",
        "- **Command:** `make bench` (= `.venv/bin/python bench/run.py`)",
        f"- **Machine:** {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgres']}; load average at the start {info['load']} (other work shares these cores)",
        f"- **Data (each large database):** {counts.get('locations', '?')} care homes, {counts.get('people', '?')} "
        f"people, {counts.get('prescriptions', '?'):,} prescriptions (entered and transcription-checked through "
        f"the services), {large.get('scale', {}).get('days', '?')} days of history: "
        f"{counts.get('due_doses', 0):,} due doses, {counts.get('administrations', 0):,} administrations, "
        f"{counts.get('prompt_answers', 0):,} prompt answers",
        "- **Seeding:** "
        + ", ".join(f"{names.get(k, k)} {v:.0f} s" for k, v in seed_seconds.items())
        + f"; whole run {total / 60:.1f} min",
        "",
        "## Figures",
        "",
        "In-process (Django test client, production settings, after a warm-up), on each database:",
        "",
        "| Figure | Database | Runs | Median | p95 | Target | Result |",
        "| --- | --- | ---: | ---: | ---: | --- | --- |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
        *_engine_ratios(results, names),
    ]
    if load:
        lat = load["latency"]
        lines += [
            "## Production setup: doses recorded per second",
            "",
            f"gunicorn (`config.settings`, {load['workers']} workers × {load['threads']} threads, gthread) on the "
            f"PostgreSQL database, bound to 127.0.0.1; {load['clients']} client threads on the same machine, each "
            "with its own Bearer token, recording due doses through `POST /api/v1/administrations` for "
            f"{load['seconds']:.0f} s (after 3 warm-up requests each).",
            "",
            "| Doses recorded | Doses per second | p50 | p95 | Responses |",
            "| ---: | ---: | ---: | ---: | --- |",
            f"| {load['created']:,} | {load['doses_per_second']:.0f} | {_fmt(lat.get('median', 0))} | "
            f"{_fmt(lat.get('p95', 0))} | {_statuses(load)} |",
            "",
            "The load generator shares the 2 cores with the server and the database, so these are floors for a "
            "machine where the clients run elsewhere.",
            "",
        ]
    if growth:
        lines += [
            "## How the round page's cost grows",
            "",
            "The same 30-person unit's morning round, on SQLite, in a small database and in the large one:",
            "",
            "| Database | People | Days of history | Administrations | Round page median / p95 |",
            "| --- | ---: | ---: | ---: | --- |",
            *(f"| {a} | {b} | {c} | {d} | {e} |" for a, b, c, d, e in growth),
            "",
            f"Ratio of medians, large / small: **{ratio:.2f}** (10 times the people and 3 times the history). "
            f"The page ran {results.get('small', {}).get('round_page_queries', '?')} queries in the small database "
            f"and {results.get('sqlite', {}).get('round_page_queries', '?')} in the large one.",
            "",
        ]
    lines += [
        "## Targets",
        "",
        *(f"- {'PASS' if ok else 'MISS'}: {text} — {value}" for text, value, ok in checks),
        "",
        "## Method",
        "",
        "- Each database is new: migrated, then seeded by `bench/run.py --phase seed`. People, staff and medicines "
        "come from the demo's builders (`carebook/demo/seed.py`); every prescription goes through "
        "`prescription_create` and `prescription_check_transcription`.",
        "- The history is written in bulk (`bench/bulk_history.py`: executemany on SQLite, COPY on PostgreSQL) "
        "and keeps the services' rules: a due dose per scheduled slot, at most one effective outcome per due dose, "
        "prompt answers for every record, witnesses for controlled drugs, sites for patches and injections, PRN "
        "limits, corrections as entered-in-error plus a replacement. It writes no audit events.",
        "- The measured care home is recorded up to 90 minutes before the run; the other homes leave their last "
        "48 hours pending, and those overdue doses are what the API and the load clients record (one new "
        "administration per request; doses of controlled drugs, which need a witness's password, are left out).",
        "- The MAR chart is last month's for the person with the most prescriptions in the measured home "
        f"({results.get('sqlite', {}).get('mar_prescriptions', '?')} scheduled prescriptions, "
        f"{results.get('sqlite', {}).get('mar_cells', '?')} cells). The PDF is rendered by WeasyPrint in the same "
        "process (its import is paid once, in the warm-up).",
        "- Median and 95th percentile (nearest rank) of the repetitions after the warm-up.",
        "",
    ]
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phase", choices=["all", "seed", "measure"], default="all")
    parser.add_argument("--db", help="DATABASE_URL for a seed or measure phase")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--out")
    parser.add_argument("--manifest")
    parser.add_argument("--round-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="a small smoke run; docs/benchmarks.md is not written")
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument("--report-only", action="store_true", help="re-render the last run's report from var/bench")
    parser.add_argument("--serial", action="store_true", help="seed the two large databases one after the other")
    args = parser.parse_args()
    if args.report_only:
        return report_again()
    if args.phase == "all":
        return orchestrate(args)
    _django(args.db)
    if args.phase == "seed":
        scale = {s.name: s for s in (FULL, SMALL, QUICK, QUICK_SMALL)}[args.scale]
        phase_seed(scale, Path(args.out))
    else:
        phase_measure(Path(args.manifest), Path(args.out), round_only=args.round_only, repeats=args.repeats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
