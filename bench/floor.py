"""The experiments behind the floor in docs/perf/record-dose-2026-12.md: what a statement costs, and what
prepared statements would save. In-process, on a seeded PostgreSQL database on this machine:

    PYTHONPATH=. .venv/bin/python bench/floor.py --db postgres://…/<seeded database> --manifest var/bench/…json

1. One statement's cost, by kind, in the server process (CPU clock) and in its PostgreSQL backend (/proc):
   a primary-key read through the ORM (``filter(pk=…).first()``), the same with three ``select_related``
   joins, the same read as raw SQL, an INSERT of one row through the ORM, and an empty transaction's
   BEGIN + COMMIT.
2. Recording a dose through the API (as bench/phases.py does) with Django's defaults (client-side binding,
   no prepared statements) and again with ``server_side_binding`` and ``prepare_threshold`` (psycopg then
   prepares a statement the fifth time a connection runs it, and PostgreSQL stops parsing and planning it).
   The second run is a child process with BENCH_PREPARED=1, which bench/settings.py reads.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def _cost(fn: Callable[[], Any], n: int, backend: int | None) -> dict[str, float]:
    from bench import procstat

    for _ in range(5):
        fn()
    before = procstat.read(backend) if backend else None
    start = time.process_time()
    for _ in range(n):
        fn()
    server = (time.process_time() - start) * 1000 / n
    after = procstat.read(backend) if backend else None
    db = (after.total - before.total) * 1000 / procstat.CLK_TCK / n if before and after else float("nan")
    return {"server_ms": server, "postgres_ms": db}


def statement_costs(n: int) -> dict[str, dict[str, float]]:
    from django.db import connection, transaction

    from bench.phases import _backend_pid
    from carebook.medication.models import DueDose
    from carebook.organisations.models import Provider

    backend = _backend_pid(connection)
    dose = DueDose.objects.order_by("pk").first()
    assert dose is not None
    pk = dose.pk
    table = DueDose._meta.db_table

    def orm_read() -> None:
        DueDose.objects.filter(pk=pk).first()

    def orm_read_joined() -> None:
        DueDose.objects.select_related("prescription__medicine", "person__location", "person__unit").filter(
            pk=pk
        ).first()

    def raw_read() -> None:
        with connection.cursor() as cursor:
            cursor.execute(f'SELECT * FROM "{table}" WHERE "id" = %s', [pk])  # noqa: S608
            cursor.fetchone()

    def orm_insert() -> None:
        Provider.objects.create(name=f"Floor {uuid.uuid4().hex[:8]}")

    def begin_commit() -> None:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("SELECT 1")

    results = {
        "ORM read by primary key (filter(pk=…).first())": _cost(orm_read, n, backend),
        "ORM read by primary key, three select_related joins": _cost(orm_read_joined, n, backend),
        "raw SQL read by primary key (cursor.execute)": _cost(raw_read, n, backend),
        "ORM INSERT of one row (objects.create, autocommit)": _cost(orm_insert, n // 2, backend),
        "a transaction: BEGIN, SELECT 1, COMMIT": _cost(begin_commit, n, backend),
    }
    Provider.objects.filter(name__startswith="Floor ").delete()
    return results


def record_cost(manifest: dict[str, Any], n: int, skip: int, location: str) -> dict[str, float]:
    """CPU per dose of POST /api/v1/administrations (server part inside Django's handler; the backend)."""
    from django.db import connection
    from django.test import Client

    from bench import procstat
    from bench.phases import _backend_pid

    bodies = list(manifest["recordable"][location])[skip : skip + n + 10]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {manifest['tokens'][location]['token']}")
    server = [0.0]
    inner = api.handler.get_response

    def timed(request: Any) -> Any:
        start = time.process_time()
        try:
            return inner(request)
        finally:
            server[0] += time.process_time() - start

    api.handler.get_response = timed  # type: ignore[method-assign]

    def record() -> None:
        body = bodies.pop(0)
        response = api.post(
            "/api/v1/administrations",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"floor-{body['due_dose_id']}",
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for _ in range(10):
        record()
    backend = _backend_pid(connection)
    server[0] = 0.0
    before = procstat.read(backend) if backend else None
    for _ in range(n):
        record()
    after = procstat.read(backend) if backend else None
    return {
        "n": n,
        "server_ms": server[0] * 1000 / n,
        "postgres_ms": (after.total - before.total) * 1000 / procstat.CLK_TCK / n if before and after else float("nan"),
        "prepared": bool(os.environ.get("BENCH_PREPARED")),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--db", required=True)
    parser.add_argument("--manifest", required=True)
    parser.add_argument("--n", type=int, default=200, help="doses recorded in each configuration")
    parser.add_argument("--statement-n", type=int, default=2000, help="repetitions of each statement")
    parser.add_argument("--location", help="whose recordable doses to record (default: the API location)")
    parser.add_argument("--skip", type=int, default=300, help="recordable doses of the API location to pass over")
    parser.add_argument("--child", action="store_true")
    args = parser.parse_args()
    from bench.phases import django_setup

    django_setup(args.db)
    manifest = json.loads(Path(args.manifest).read_text())
    location = args.location or manifest["api_location"]
    if args.child:
        print(json.dumps(record_cost(manifest, args.n, args.skip, location)))
        return 0
    out: dict[str, Any] = {"statements": statement_costs(args.statement_n)}
    out["record_default"] = record_cost(manifest, args.n, args.skip, location)
    child = subprocess.run(  # noqa: S603
        [
            sys.executable,
            __file__,
            "--db",
            args.db,
            "--manifest",
            args.manifest,
            "--n",
            str(args.n),
            "--skip",
            str(args.skip + args.n + 10),
            "--location",
            location,
            "--child",
        ],
        env={**os.environ, "BENCH_PREPARED": "1", "PYTHONPATH": str(ROOT)},
        capture_output=True,
        text=True,
        check=True,
    )
    out["record_prepared"] = json.loads(child.stdout.strip().splitlines()[-1])
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
