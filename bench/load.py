"""The production setup under load: gunicorn on the PostgreSQL database, clients recording doses.

gunicorn runs ``config.settings`` (2 workers × 4 threads, gthread) bound to 127.0.0.1; ``clients`` threads
of this process each send ``POST /api/v1/administrations`` with their own Bearer token, one due dose after
another. After a warm-up (3 requests per client, which opens the database connections), the clients wait
at a gate; the CPU times and statement counts are read there, with no request in flight; the window opens,
runs for ``seconds``, and closes when the last request sent inside it has been answered, when they are read
again. So the window holds exactly the requests counted, whole.

Read over the window:

- doses per second, p50 / p95 / p99 of the clients' latency;
- CPU of the gunicorn processes (master and workers) and of the PostgreSQL backends serving the bench
  database (from pg_stat_activity, sampled every half second), counted as bench/procstat.py says, per dose;
- the CPU of this process (the load generator) and of the whole machine, to show what else ran;
- SQL statements per dose: the calls pg_stat_statements counted for the bench database over the window
  (every statement the server sent: BEGIN, COMMIT, SAVEPOINT, the token look-up, …), per dose; the
  foreign-key checks PostgreSQL runs itself at COMMIT (which pg_stat_statements also lists) apart.

Connections must persist through the window, or connection set-up would be measured as dose cost:
CAREBOOK_CONN_MAX_AGE is raised to 600 s for the run (production's 60 s closes a connection at most once
a minute per thread, which is noise at a dose's scale), and the report counts backends that started or
ended inside the window.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from bench import pg, procstat
from bench.report import summary

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_EVERY = 0.5  # seconds between samples of the processes inside the window
WARMUP = 3  # requests per client before the window


def _start_gunicorn(env: dict[str, str], port: int, workers: int, threads: int) -> subprocess.Popen[bytes]:
    gunicorn = shutil.which("gunicorn", path=str(Path(sys.executable).parent)) or "gunicorn"
    return subprocess.Popen(  # noqa: S603
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


def _wait_until_serving(server: subprocess.Popen[bytes], port: int, token: str) -> None:
    deadline = time.monotonic() + 60
    while True:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/api/v1/locations", headers={"Authorization": f"Bearer {token}"})
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError("gunicorn did not start")
        time.sleep(0.3)


def load_test(
    *,
    server_url: str,
    database: str,
    manifest: dict[str, Any],
    env: dict[str, str],
    clients: int,
    seconds: float,
    workers: int,
    threads: int,
    port: int,
) -> dict[str, Any]:
    """Run the load window and return its figures (see the module's docstring)."""
    env = {
        **env,
        "DATABASE_URL": f"{server_url}/{database}",
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CAREBOOK_CONN_MAX_AGE": "600",
    }
    lanes = [(loc, manifest["tokens"][loc]["token"], list(bodies)) for loc, bodies in manifest["recordable"].items()]
    lanes = [lane for lane in lanes if lane[2]]
    monitor = pg.Monitor(server_url, database)
    local_db = _server_is_local(monitor)
    server = _start_gunicorn(env, port, workers, threads)
    try:
        _wait_until_serving(server, port, lanes[0][1])
        latencies: list[list[float]] = [[] for _ in range(clients)]
        statuses: list[dict[int, int]] = [{} for _ in range(clients)]
        refusals: list[str] = []  # the first few answers other than 201, with their bodies
        exhausted = [False] * clients
        ready = threading.Barrier(clients + 1)
        go = threading.Event()
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
                    # An Idempotency-Key each, as a client that retries safely sends it.
                    key = {"Idempotency-Key": f"bench-load-{body['due_dose_id']}"}
                    conn.request("POST", "/api/v1/administrations", body=json.dumps(body), headers={**headers, **key})
                    response = conn.getresponse()
                    text = response.read()
                    if response.status != 201 and len(refusals) < 5:  # say why, in the report
                        refusals.append(f"{response.status}: {text[:300].decode('utf-8', 'replace')}")
                    return response.status
                except (OSError, http.client.HTTPException):
                    conn.close()
                    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                    return 0

            for body in mine[:WARMUP]:  # warm-up: not counted
                post(body)
            ready.wait()
            go.wait()
            for body in mine[WARMUP:]:
                if time.perf_counter() >= stop_at[0]:
                    break
                began = time.perf_counter()
                status = post(body)
                latencies[index].append((time.perf_counter() - began) * 1000)
                statuses[index][status] = statuses[index].get(status, 0) + 1
            else:
                exhausted[index] = True
            conn.close()

        threads_ = [threading.Thread(target=client_thread, args=(i,)) for i in range(clients)]
        for t in threads_:
            t.start()
        ready.wait()  # every client has warmed up and waits: nothing is in flight

        gunicorn_cpu = procstat.CpuWindow(parent_followed=True)
        backend_cpu = procstat.CpuWindow()
        statements_before = monitor.statement_counts()
        dealloc_before = monitor.deallocations()
        backends_at_start = monitor.backend_pids()
        opened = procstat.uptime_ticks()
        gunicorn_cpu.open(procstat.tree(server.pid), opened_at=opened)
        backend_cpu.open(procstat.read_many(backends_at_start) if local_db else [], opened_at=opened)
        machine_before = procstat.machine_ticks()
        self_before = procstat.self_cpu_seconds()
        began = time.perf_counter()
        stop_at[0] = began + seconds
        go.set()

        sampling = threading.Event()

        def sampler() -> None:
            while not sampling.wait(SAMPLE_EVERY):
                gunicorn_cpu.observe(procstat.tree(server.pid))
                if local_db:
                    backend_cpu.observe(procstat.read_many(monitor.backend_pids()))

        sampler_thread = threading.Thread(target=sampler, daemon=True)
        sampler_thread.start()
        for t in threads_:
            t.join()
        elapsed = time.perf_counter() - began
        sampling.set()
        sampler_thread.join()
        self_after = procstat.self_cpu_seconds()
        machine_after = procstat.machine_ticks()
        gunicorn_cpu.close(procstat.tree(server.pid))
        backends_at_end = monitor.backend_pids()
        backend_cpu.close(procstat.read_many(backends_at_end) if local_db else [])
        statements_after = monitor.statement_counts()
        dealloc_after = monitor.deallocations()
    finally:
        monitor.close()
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
    answered = sum(status_counts.values())
    per_dose = 1000 / created if created else float("nan")
    result: dict[str, Any] = {
        "clients": clients,
        "seconds": elapsed,
        "workers": workers,
        "threads": threads,
        "created": created,
        "answered": answered,
        "statuses": {str(k): v for k, v in sorted(status_counts.items())},
        "refusals": refusals,
        "doses_per_second": created / elapsed if elapsed else 0.0,
        "latency": summary(all_latencies) if all_latencies else {},
        "clients_ran_out_of_doses": sum(exhausted),
        "cpu": {
            "gunicorn_s": gunicorn_cpu.seconds(),
            "gunicorn_ms_per_dose": gunicorn_cpu.seconds() * per_dose,
            "gunicorn_processes": gunicorn_cpu.summary(),
            "postgres_local": local_db,
            "postgres_s": backend_cpu.seconds() if local_db else None,
            "postgres_ms_per_dose": backend_cpu.seconds() * per_dose if local_db else None,
            "postgres_backends": backend_cpu.summary(),
            "load_generator_s": self_after - self_before,
            "load_generator_ms_per_dose": (self_after - self_before) * per_dose,
            "machine_busy_cores": _busy_cores(machine_before, machine_after),
            "machine_busy_s": (machine_after[0] - machine_before[0]) / procstat.CLK_TCK,
            "cpus": os.cpu_count(),
            "clock_ticks_per_second": procstat.CLK_TCK,
            "sample_every_s": SAMPLE_EVERY,
        },
    }
    if statements_before is not None and statements_after is not None:
        delta = pg.statement_delta(statements_before, statements_after)
        result["statements"] = statement_figures(delta, created, answered, exact=dealloc_before == dealloc_after)
    return result


def statement_figures(delta: list[dict[str, Any]], created: int, answered: int, *, exact: bool) -> dict[str, Any]:
    """Statements per dose from pg_stat_statements' calls over the window: those the server sent, and apart
    from them the foreign-key checks PostgreSQL ran itself at COMMIT."""
    for row in delta:
        row["foreign_key_check"] = pg.is_foreign_key_check(row["query"])
    sent = sum(r["calls"] for r in delta if not r["foreign_key_check"])
    checks = sum(r["calls"] for r in delta if r["foreign_key_check"])
    return {
        "method": "pg_stat_statements",
        "total": sent,
        "per_dose": sent / created if created else float("nan"),
        "per_response": sent / answered if answered else float("nan"),
        "foreign_key_checks": checks,
        "foreign_key_checks_per_dose": checks / created if created else float("nan"),
        "exact": exact,
        "by_statement": delta,
    }


def _server_is_local(monitor: pg.Monitor) -> bool:
    """Whether the backends' pids are processes of this machine (their CPU can then be read from /proc)."""
    row = monitor.conn.execute("SELECT pg_backend_pid()").fetchone()
    pid = int(row[0]) if row else -1
    try:
        return b"postgres" in Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return False


def _busy_cores(before: tuple[int, int], after: tuple[int, int]) -> float:
    busy, total = after[0] - before[0], after[1] - before[1]
    return (os.cpu_count() or 1) * busy / total if total else float("nan")
