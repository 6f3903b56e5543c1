"""PostgreSQL for the benchmark: the server it measures on, and what it reads from the server's statistics.

``make bench`` starts its own throwaway PostgreSQL server (``PrivateServer``): the same binaries and the same
settings as the shared server (``BENCH_PG_SERVER``, copied setting by setting where it answers), plus
``pg_stat_statements``, which the shared server does not load and which needs a restart to load. That
extension counts every statement a backend executes, utility statements included (BEGIN, COMMIT,
SAVEPOINT, RELEASE), and is what "SQL statements per dose" of the load test is read from. The server
lives under /tmp, serves only the benchmark, and is stopped and deleted at the end of the run.

``--pg shared`` measures on ``BENCH_PG_SERVER`` instead; without pg_stat_statements there, the statement
count comes from the in-process count of one request (bench/breakdown.py), and the report says so.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

# Settings copied from the shared server, so the private one behaves as it does (the rest are defaults).
MIRRORED_SETTINGS = (
    "shared_buffers",
    "work_mem",
    "maintenance_work_mem",
    "effective_cache_size",
    "max_connections",
    "max_wal_size",
    "min_wal_size",
    "checkpoint_timeout",
    "wal_level",
    "wal_buffers",
    "fsync",
    "synchronous_commit",
    "full_page_writes",
    "autovacuum",
    "jit",
    "random_page_cost",
    "TimeZone",
)


def admin(server: str, sql: str, *, database: str = "postgres") -> list[tuple[Any, ...]]:
    """Run one statement on ``server`` (autocommit) and return its rows."""
    import psycopg

    with psycopg.connect(f"{server}/{database}", autocommit=True) as conn:
        cursor = conn.execute(sql)  # type: ignore[arg-type]
        return list(cursor.fetchall()) if cursor.description else []


def available(server: str) -> bool:
    try:
        admin(server, "SELECT 1")
    except Exception:
        return False
    return True


def has_pg_stat_statements(server: str) -> bool:
    try:
        loaded = admin(server, "SHOW shared_preload_libraries")[0][0]
    except Exception:
        return False
    return "pg_stat_statements" in str(loaded)


def server_settings(server: str) -> dict[str, str]:
    """The mirrored settings as the server shows them (``SHOW`` text, units included)."""
    settings = {}
    for name in MIRRORED_SETTINGS:
        try:
            settings[name] = str(admin(server, f"SHOW {name}")[0][0])
        except Exception:  # noqa: S112 (a setting this version lacks)
            continue
    return settings


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class PrivateServer:
    """A throwaway PostgreSQL cluster under /tmp, with pg_stat_statements, on a spare port of 127.0.0.1."""

    settings: dict[str, str] = field(default_factory=dict)
    port: int = 0
    root: Path | None = None
    bindir: Path | None = None

    @property
    def url(self) -> str:
        return f"postgres://postgres@127.0.0.1:{self.port}"

    @staticmethod
    def find_bindir() -> Path | None:
        candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"), key=lambda p: int(p.parent.parent.name))
        return candidates[-1].parent if candidates else None

    def _as_postgres(self, command: list[str]) -> list[str]:
        # initdb refuses to run as root: run the server as the postgres user, as Debian's own cluster does.
        if os.geteuid() == 0:
            return ["runuser", "-u", "postgres", "--", *command]
        return command

    def start(self) -> PrivateServer:
        self.bindir = self.find_bindir()
        if self.bindir is None:
            raise RuntimeError("no PostgreSQL binaries under /usr/lib/postgresql")
        self.port = _free_port()
        self.root = Path(f"/tmp/carebook-bench-pg-{self.port}")  # noqa: S108 (a throwaway cluster)
        data, sock = self.root / "data", self.root / "sock"
        sock.mkdir(parents=True)
        if os.geteuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(sock, "postgres")
        subprocess.run(  # noqa: S603
            self._as_postgres(
                [
                    str(self.bindir / "initdb"),
                    "-D",
                    str(data),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "-E",
                    "UTF8",
                    "--locale=C.UTF-8",
                ]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        options = {
            **self.settings,
            "listen_addresses": "127.0.0.1",
            "port": str(self.port),
            "unix_socket_directories": str(sock),
            "shared_preload_libraries": "pg_stat_statements",
            "pg_stat_statements.track": "top",
            "pg_stat_statements.track_utility": "on",
            "pg_stat_statements.max": "10000",
        }
        with (data / "postgresql.auto.conf").open("a") as conf:
            for name, value in options.items():
                conf.write(f"{name} = '{value}'\n")
        subprocess.run(  # noqa: S603
            self._as_postgres(
                [str(self.bindir / "pg_ctl"), "-D", str(data), "-l", str(self.root / "server.log"), "-w", "start"]
            ),
            check=True,
            stdout=subprocess.DEVNULL,
        )
        admin(self.url, "CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        return self

    def stop(self) -> None:
        if self.root is None or self.bindir is None:
            return
        subprocess.run(  # noqa: S603
            self._as_postgres([str(self.bindir / "pg_ctl"), "-D", str(self.root / "data"), "-m", "fast", "-w", "stop"]),
            check=False,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        shutil.rmtree(self.root, ignore_errors=True)
        self.root = None


# --- reading the server's statistics (from a connection to the "postgres" database, so never counted) -------


class Monitor:
    """A connection to the server's ``postgres`` database that reads the backends and statement counts of
    one other database. Its own statements run in another database and so never appear in what it reads."""

    def __init__(self, server: str, database: str) -> None:
        import psycopg

        self.database = database
        self.conn = psycopg.connect(f"{server}/postgres", autocommit=True)
        row = self.conn.execute("SELECT oid FROM pg_database WHERE datname = %s", [database]).fetchone()
        assert row is not None, database
        self.dbid = row[0]
        # Only where the server preloads the extension (the private server does): it is never created on a
        # server that cannot use it.
        loaded = str(self.conn.execute("SHOW shared_preload_libraries").fetchone()[0])  # type: ignore[index]
        self.statements = "pg_stat_statements" in loaded
        if self.statements:
            self.conn.execute("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")

    def backend_pids(self) -> list[int]:
        """The client backends connected to the database (not this monitor's, which is in another one)."""
        rows = self.conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s AND backend_type = 'client backend'",
            [self.database],
        ).fetchall()
        return [int(r[0]) for r in rows]

    def statement_counts(self) -> dict[tuple[int, int, str], tuple[int, float]] | None:
        """Per statement of the database: (calls, total execution ms); None without pg_stat_statements."""
        if not self.statements:
            return None
        rows = self.conn.execute(
            "SELECT userid, queryid, query, calls, total_exec_time FROM pg_stat_statements WHERE dbid = %s",
            [self.dbid],
        ).fetchall()
        return {(int(u), int(q or 0), str(text)): (int(calls), float(ms)) for u, q, text, calls, ms in rows}

    def deallocations(self) -> int | None:
        """How many times pg_stat_statements evicted entries (a count taken across it would be short)."""
        if not self.statements:
            return None
        row = self.conn.execute("SELECT dealloc FROM pg_stat_statements_info").fetchone()
        return int(row[0]) if row else None

    def close(self) -> None:
        self.conn.close()


# The query PostgreSQL's referential-integrity triggers run for a foreign key (ri_triggers.c). Django makes its
# foreign keys DEFERRABLE INITIALLY DEFERRED, so these run at COMMIT, outside any statement, where
# pg_stat_statements (PostgreSQL 15) records them as top-level statements although no client sent them.
FOREIGN_KEY_CHECK = re.compile(r'^SELECT \$?\d+ FROM ONLY "[^"]+"\."[^"]+" x WHERE .* FOR KEY SHARE OF x$', re.S)


def is_foreign_key_check(query: str) -> bool:
    return bool(FOREIGN_KEY_CHECK.match(query.strip()))


def statement_delta(
    before: dict[tuple[int, int, str], tuple[int, float]], after: dict[tuple[int, int, str], tuple[int, float]]
) -> list[dict[str, Any]]:
    """The statements executed between two readings, most calls first."""
    rows = []
    for key, (calls, ms) in after.items():
        calls0, ms0 = before.get(key, (0, 0.0))
        if calls > calls0:
            rows.append(
                {
                    "query": key[2],
                    "calls": calls - calls0,
                    "exec_ms": ms - ms0,
                    "foreign_key_check": is_foreign_key_check(key[2]),
                }
            )
    rows.sort(key=lambda r: (-r["calls"], r["query"]))
    return rows


def wait_until_up(server: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while not available(server):
        if time.monotonic() > deadline:
            raise RuntimeError(f"PostgreSQL at {server} does not answer")
        time.sleep(0.3)
