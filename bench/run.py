"""make bench: Carebook's speed at the scale of a care group, on SQLite and on PostgreSQL.

    .venv/bin/python bench/run.py              # the full run (10 locations, 600 people, 4,000 prescriptions)
    .venv/bin/python bench/run.py --quick      # a small smoke run of the same steps (no docs written)
    .venv/bin/python bench/run.py --load-only  # PostgreSQL only: seed, breakdown, load test (no docs written)

What it does, in order:

1. Starts a throwaway PostgreSQL server with pg_stat_statements (bench/pg.py), with the shared server's
   settings (``--pg shared`` uses BENCH_PG_SERVER itself).
2. Seeds a fresh database twice, an SQLite file under var/bench/ and a PostgreSQL database
   (carebook_bench_<timestamp>): 10 care homes of 2 units × 30 people, about 4,000 prescriptions entered
   and checked through the services, and 90 days of rounds written in bulk (carebook/demo/history.py). A
   third, small SQLite database (60 people, 30 days) shows how the round page's cost grows with the data.
3. In-process (Django's test client, the production settings), after a warm-up (bench/phases.py): the
   round page of a 30-person unit, recording a dose through the JSON API (Bearer token, Idempotency-Key),
   its CPU per dose, and one person's monthly MAR chart as JSON and as PDF.
4. On PostgreSQL, the breakdown of one dose (bench/breakdown.py): its SQL statements with the code that
   sent each, and a CPU profile.
5. Against the production setup (bench/load.py: gunicorn, config.settings, 2 workers × 4 threads, on the
   PostgreSQL database): 8 concurrent clients record doses for 20 seconds; doses per second, latency, CPU
   milliseconds per dose of gunicorn and of the PostgreSQL backends, SQL statements per dose.
6. The alerts (bench/alerts.py), on both large databases and on a third SQLite one of the same 600 people with
   30 days of history: the scan that meets the seed's backlog, the scan that runs every minute after it, and
   the dashboard of the busiest care home (on PostgreSQL after the load test).
7. Prints the figures with PASS/MISS against the targets and writes docs/benchmarks.md (bench/report.py).

Each database phase runs in its own process (``--phase seed|measure|breakdown``), with its own settings.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import json
import os
import platform
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import pg  # noqa: E402
from bench.phases import (  # noqa: E402
    FULL,
    FULL_30,
    FULL_YEAR,
    QUICK,
    QUICK_30,
    QUICK_SMALL,
    QUICK_YEAR,
    SCALES,
    SMALL,
)
from bench.report import write_report  # noqa: E402

VAR = ROOT / "var" / "bench"
SHARED_PG = os.environ.get("BENCH_PG_SERVER", "postgres://postgres@127.0.0.1:5432")


def say(message: str) -> None:
    print(message, flush=True)


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


def machine(pg_server: str | None) -> dict[str, str]:
    cpu = platform.processor() or "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    postgres = "not available"
    if pg_server is not None:
        with contextlib.suppress(Exception):
            postgres = str(pg.admin(pg_server, "SHOW server_version")[0][0])
    import sqlite3

    return {
        "cpus": str(os.cpu_count()),
        "cpu": cpu,
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgres": postgres,
        "load": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def choose_pg(args: argparse.Namespace) -> tuple[str | None, pg.PrivateServer | None, str]:
    """The PostgreSQL server to measure on: (url, the private server to stop at the end, a description)."""
    if args.no_postgres:
        return None, None, ""
    shared_up = pg.available(SHARED_PG)
    if args.pg == "private":
        try:
            settings = pg.server_settings(SHARED_PG) if shared_up else {}
            private = pg.PrivateServer(settings=settings).start()
            copied = "the shared server's settings" if settings else "default settings"
            return private.url, private, f"a private throwaway server with pg_stat_statements and {copied}"
        except Exception as error:
            say(f"Could not start a private PostgreSQL server ({error}): using {SHARED_PG}.")
    if shared_up:
        stats = " (with pg_stat_statements)" if pg.has_pg_stat_statements(SHARED_PG) else ""
        return SHARED_PG, None, f"the shared server {SHARED_PG}{stats}"
    say(f"PostgreSQL is not answering at {SHARED_PG}: SQLite only, no load test.")
    return None, None, ""


def orchestrate(args: argparse.Namespace) -> int:
    quick = args.quick
    large, small = (QUICK, QUICK_SMALL) if quick else (FULL, SMALL)
    shorter = QUICK_30 if quick else FULL_30  # the same people with a third of the history: the alerts' scan
    year = QUICK_YEAR if quick else FULL_YEAR  # the same people with a year of history: the governance dashboard
    repeats = 10 if quick else args.repeats
    cpu_repeats = 40 if quick else args.cpu_repeats
    profile_requests = 40 if quick else args.profile_requests
    load_seconds = 5.0 if quick else args.seconds
    stamp = dt.datetime.now(tz=dt.UTC).strftime("%Y%m%d%H%M%S")
    VAR.mkdir(parents=True, exist_ok=True)
    for old in VAR.glob("*.sqlite3*"):
        old.unlink()
    for old in VAR.glob("results-*.json"):
        old.unlink()
    started = time.perf_counter()
    pg_server, private, pg_description = choose_pg(args)
    info = machine(pg_server)
    info["pg_server"] = pg_description
    say(f"Carebook benchmark — {dt.datetime.now(tz=dt.UTC):%Y-%m-%d %H:%M} UTC")
    say(
        f"Machine: {info['cpus']} CPUs, {info['cpu']}; Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgres']}; load average at start {info['load']}"
    )
    if pg_description:
        say(f"PostgreSQL: {pg_description}")

    databases: dict[str, str] = {}
    if not args.load_only:
        databases["sqlite"] = f"sqlite:///{VAR / 'large.sqlite3'}"
        databases["small"] = f"sqlite:///{VAR / 'small.sqlite3'}"
        databases["sqlite_30"] = f"sqlite:///{VAR / 'large-30.sqlite3'}"
        databases["sqlite_year"] = f"sqlite:///{VAR / 'large-365.sqlite3'}"
    pg_name = f"carebook_bench_{stamp}"
    pg_year = f"carebook_bench_year_{stamp}"
    if pg_server is not None:
        pg.admin(pg_server, f'CREATE DATABASE "{pg_name}"')
        databases["postgres"] = f"{pg_server}/{pg_name}"
        if not args.load_only:
            pg.admin(pg_server, f'CREATE DATABASE "{pg_year}"')
            databases["postgres_year"] = f"{pg_server}/{pg_year}"

    manifests: dict[str, dict[str, Any]] = {}
    results: dict[str, dict[str, Any]] = {}
    alerts: dict[str, dict[str, Any]] = {}
    evidence: dict[str, dict[str, Any]] = {}
    dashboards: dict[str, dict[str, Any]] = {}
    load: dict[str, Any] = {}
    breakdown: dict[str, Any] = {}
    seed_seconds: dict[str, float] = {}
    running: dict[str, subprocess.Popen[bytes]] = {}
    try:
        # The two large databases are seeded side by side (one process each), with the small one.
        # Then the two years, side by side.
        for label in ("sqlite", "postgres", "small", "sqlite_30", "sqlite_year", "postgres_year"):
            if label not in databases:
                continue
            scale = {"small": small, "sqlite_30": shorter, "sqlite_year": year, "postgres_year": year}.get(label, large)
            say(f"Seeding {label}: {scale.locations} location(s), {scale.people} people, {scale.days} days …")
            path = VAR / f"manifest-{label}.json"
            process = child("seed", databases[label], "--scale", scale.name, "--out", str(path), wait=False)
            running[label] = process
            if label in ("small", "sqlite_30", "postgres_year") or (
                label in ("postgres", "sqlite_year") and args.serial
            ):
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
                "--cpu-repeats",
                str(cpu_repeats),
                *extra,
            )
            results[label] = json.loads(path.read_text())
        if "postgres" in databases:
            say(f"Breakdown of one dose on PostgreSQL (statements; CPU profile of {profile_requests} requests) …")
            path = VAR / "breakdown.json"
            child(
                "breakdown",
                databases["postgres"],
                "--manifest",
                str(VAR / "manifest-postgres.json"),
                "--out",
                str(path),
                "--profile-requests",
                str(profile_requests),
            )
            breakdown = json.loads(path.read_text())
            assert pg_server is not None
            say(f"Load test: gunicorn on PostgreSQL, {args.clients} clients for {load_seconds:.0f} s …")
            from bench.load import load_test

            # The in-process phases recorded at one location: the load clients take the others' doses.
            manifest = manifests["postgres"]
            used = manifest["api_location"]
            manifest = {**manifest, "recordable": {k: v for k, v in manifest["recordable"].items() if k != used}}
            load = load_test(
                server_url=pg_server,
                database=pg_name,
                manifest=manifest,
                env=child_env(),
                clients=args.clients,
                seconds=load_seconds,
                workers=2,
                threads=4,
                port=_free_port(),
            )
        # The alerts' scan and dashboard, last: on PostgreSQL after the load test has recorded its doses.
        for label in ("sqlite_30", "sqlite", "postgres"):
            if label not in databases:
                continue
            say(f"Alerts on {label}: the backlog's scan, the minute's scan, the dashboard …")
            path = VAR / f"alerts-{label}.json"
            manifest_path = VAR / f"manifest-{label}.json"
            child(
                "alerts",
                databases[label],
                "--manifest",
                str(manifest_path),
                "--out",
                str(path),
                "--repeats",
                str(repeats),
            )
            alerts[label] = json.loads(path.read_text())
        # The governance dashboard, on 30 days, 90 and a year of the same people (issue 7).
        for label in ("sqlite_30", "sqlite", "postgres", "sqlite_year", "postgres_year"):
            if label not in databases:
                continue
            say(f"Governance dashboard on {label} …")
            path = VAR / f"dashboard-{label}.json"
            child(
                "dashboard",
                databases[label],
                "--manifest",
                str(VAR / f"manifest-{label}.json"),
                "--out",
                str(path),
                "--repeats",
                "5" if quick else "12",
            )
            dashboards[label] = json.loads(path.read_text())
        # The evidence pack of the measured home's last 30 days (issue 7).
        for label in ("sqlite", "postgres"):
            if label not in databases:
                continue
            say(f"Evidence pack on {label}: one home, {30} days, five people's MAR charts …")
            path = VAR / f"evidence-{label}.json"
            child(
                "evidence",
                databases[label],
                "--manifest",
                str(VAR / f"manifest-{label}.json"),
                "--out",
                str(path),
                "--repeats",
                "2" if quick else "3",
            )
            evidence[label] = json.loads(path.read_text())
    finally:
        for process in running.values():
            if process.poll() is None:  # a phase failed: stop the others this run started
                process.terminate()
                process.wait()
        if pg_server is not None:
            try:
                pg.admin(pg_server, f'DROP DATABASE IF EXISTS "{pg_name}" WITH (FORCE)')
                pg.admin(pg_server, f'DROP DATABASE IF EXISTS "{pg_year}" WITH (FORCE)')
            except Exception as error:
                say(f"Could not drop {pg_name}: {error}")
        if private is not None:
            private.stop()
    total = time.perf_counter() - started
    run = {
        "info": info,
        "load": load,
        "alerts": alerts,
        "evidence": evidence,
        "dashboards": dashboards,
        "seed_seconds": seed_seconds,
        "total": total,
        "quick": quick,
        "load_only": args.load_only,
        "finished_at": dt.datetime.now(tz=dt.UTC).isoformat(),
    }
    (VAR / "run.json").write_text(json.dumps(run))
    return write_report(run, manifests, results, breakdown, write_docs=not (quick or args.load_only))


def report_again() -> int:
    """Render the report from the files the last run left in var/bench (for working on the report)."""
    run = json.loads((VAR / "run.json").read_text())
    manifests, results = {}, {}
    for label in ("sqlite", "postgres", "small", "sqlite_30"):
        if (VAR / f"results-{label}.json").exists():
            manifests[label] = json.loads((VAR / f"manifest-{label}.json").read_text())
            results[label] = json.loads((VAR / f"results-{label}.json").read_text())
        elif label in ("postgres", "sqlite_30") and (VAR / f"manifest-{label}.json").exists():
            manifests[label] = json.loads((VAR / f"manifest-{label}.json").read_text())
    breakdown_path = VAR / "breakdown.json"
    breakdown = json.loads(breakdown_path.read_text()) if breakdown_path.exists() else {}
    run["seed_seconds"] = {k: v for k, v in run["seed_seconds"].items() if k in manifests}
    load = run["load"]
    if load.get("statements"):  # re-read with the report's current rules
        from bench.load import statement_figures

        st = load["statements"]
        load["statements"] = statement_figures(st["by_statement"], load["created"], load["answered"], exact=st["exact"])
    return write_report(
        run, manifests, results, breakdown, write_docs=not (run["quick"] or run.get("load_only", False))
    )


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--phase", choices=["all", "seed", "measure", "breakdown", "alerts", "evidence", "dashboard"], default="all"
    )
    parser.add_argument("--db", help="DATABASE_URL for a seed, measure or breakdown phase")
    parser.add_argument("--scale", default="large")
    parser.add_argument("--out")
    parser.add_argument("--manifest")
    parser.add_argument("--round-only", action="store_true")
    parser.add_argument("--repeats", type=int, default=30)
    parser.add_argument("--cpu-repeats", type=int, default=150, help="in-process recordings for CPU per dose")
    parser.add_argument("--profile-requests", type=int, default=300, help="requests profiled in the breakdown")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--seconds", type=float, default=20.0)
    parser.add_argument("--quick", action="store_true", help="a small smoke run; docs/benchmarks.md is not written")
    parser.add_argument(
        "--load-only", action="store_true", help="PostgreSQL only (seed, breakdown, load); no docs written"
    )
    parser.add_argument("--no-postgres", action="store_true")
    parser.add_argument(
        "--pg",
        choices=["private", "shared"],
        default="private",
        help="private: a throwaway server with pg_stat_statements (default); shared: BENCH_PG_SERVER",
    )
    parser.add_argument("--report-only", action="store_true", help="re-render the last run's report from var/bench")
    parser.add_argument("--serial", action="store_true", help="seed the two large databases one after the other")
    args = parser.parse_args()
    if args.report_only:
        return report_again()
    if args.phase == "all":
        return orchestrate(args)
    from bench.phases import django_setup

    django_setup(args.db)
    if args.phase == "seed":
        from bench.phases import phase_seed

        phase_seed(SCALES[args.scale], Path(args.out))
    elif args.phase == "measure":
        from bench.phases import phase_measure

        phase_measure(
            Path(args.manifest),
            Path(args.out),
            round_only=args.round_only,
            repeats=args.repeats,
            cpu_repeats=args.cpu_repeats,
        )
    elif args.phase == "dashboard":
        from bench.dashboard import phase_dashboard

        phase_dashboard(Path(args.manifest), Path(args.out), repeats=args.repeats)
    elif args.phase == "evidence":
        from bench.evidence import phase_evidence

        phase_evidence(Path(args.manifest), Path(args.out), repeats=args.repeats)
    elif args.phase == "alerts":
        from bench.alerts import phase_alerts

        phase_alerts(Path(args.manifest), Path(args.out), repeats=args.repeats)
    else:
        from bench.breakdown import phase_breakdown

        phase_breakdown(Path(args.manifest), Path(args.out), profile_requests=args.profile_requests)
    return 0


if __name__ == "__main__":
    sys.exit(main())
