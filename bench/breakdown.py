"""Where one dose's cost goes: its SQL statements, each with the code that sent it, and a CPU profile.

Both run in-process (Django's test client, the production settings) on the PostgreSQL database.

Statements. Two views of one request, merged:

- the wire: libpq's own trace of the connection (``PGconn.trace``) lists every message psycopg sends, so
  the count is exact: psycopg's implicit ``BEGIN`` (sent before the first statement inside
  ``transaction.atomic()``) and ``COMMIT`` are there, as are SAVEPOINT / RELEASE, the token look-up and
  anything a middleware sends;
- the code: Django's ``connection.execute_wrapper`` sees each statement the ORM sends, with the Python
  stack, and so names the function that sent it; it does not see psycopg's BEGIN and COMMIT, whose origin
  is taken from the ``transaction.atomic()`` block that opened and closed the transaction.

Profile. cProfile, timed with the process's CPU clock (``time.process_time``: waiting for PostgreSQL does not
count), over many requests; the figures are shares of the server's CPU (from Django's handler down), with
the unprofiled CPU per dose to scale them, since cProfile's own overhead inflates every call.
"""

from __future__ import annotations

import cProfile
import io
import json
import pstats
import re
import signal
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CAREBOOK = str(ROOT / "carebook")
QUERY = re.compile(r'^F\t\d+\tQuery\t "(.*)"$')
PARSE = re.compile(r'^F\t\d+\tParse\t "[^"]*" "(.*)" \d+')
EXECUTE = re.compile(r"^F\t\d+\tExecute\t")


def _where(frame: Any) -> dict[str, Any]:
    """The code that sent a statement: the innermost Carebook frame, the chain of Carebook functions above
    it, and (when no Carebook code is on the stack) the innermost frame outside Django's database layer."""
    chain: list[str] = []
    innermost = None
    in_model = None
    fallback = None
    f = frame
    while f is not None:
        filename = f.f_code.co_filename
        if filename.startswith(CAREBOOK):
            label = f"{Path(filename).relative_to(ROOT)}:{f.f_code.co_name}"
            # A model's own save() is not where the statement comes from: its caller is.
            model = filename.endswith("models.py") or "/models/" in filename
            if innermost is None and not model:
                innermost = f"{label} (line {f.f_lineno})"
            elif in_model is None and model:
                in_model = f"{label} (line {f.f_lineno})"
            chain.append(label.rsplit("/", 1)[-1])
        elif fallback is None and not any(
            part in filename for part in ("/django/db/", "/psycopg/", "/bench/", "/contextlib.py")
        ):
            fallback = f"{_site_relative(filename)}:{f.f_code.co_name} (line {f.f_lineno})"
        f = f.f_back
    return {"origin": innermost or in_model or fallback or "?", "chain": " ← ".join(chain)}


def _site_relative(filename: str) -> str:
    marker = "site-packages/"
    return filename.split(marker, 1)[1] if marker in filename else filename


def capture_statements(fn: Callable[[], Any]) -> dict[str, Any]:
    """Run ``fn`` once and list the statements it sent, in order, each with its origin (PostgreSQL only)."""
    import psycopg
    from django.db import connections

    conn = connections["default"]
    conn.ensure_connection()
    pgconn = conn.connection.pgconn  # type: ignore[union-attr]
    sent: list[dict[str, Any]] = []  # from the ORM, with stacks
    transaction_events: list[dict[str, Any]] = []  # BEGIN / COMMIT / ROLLBACK origins

    def wrapper(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        try:  # the statement as psycopg's client-side binding sends it, for EXPLAIN afterwards
            text = None if many else context["cursor"].mogrify(sql, params)
        except Exception:
            text = None
        sent.append({"sql": sql, "text": text, **_where(sys._getframe(1))})
        return execute(sql, params, many, context)

    originals = {name: getattr(conn, name) for name in ("set_autocommit", "commit", "rollback")}

    def set_autocommit(autocommit: bool, *args: Any, **kwargs: Any) -> Any:
        if not autocommit:
            transaction_events.append({"sql": "BEGIN", **_where(sys._getframe(1))})
        return originals["set_autocommit"](autocommit, *args, **kwargs)

    def commit() -> Any:
        transaction_events.append({"sql": "COMMIT", **_where(sys._getframe(1))})
        return originals["commit"]()

    def rollback() -> Any:
        transaction_events.append({"sql": "ROLLBACK", **_where(sys._getframe(1))})
        return originals["rollback"]()

    conn.set_autocommit = set_autocommit  # type: ignore[method-assign]
    conn.commit = commit  # type: ignore[method-assign]
    conn.rollback = rollback  # type: ignore[method-assign]
    with tempfile.NamedTemporaryFile("w+", suffix=".trace") as trace:
        pgconn.trace(trace.fileno())
        pgconn.set_trace_flags(psycopg.pq.Trace.SUPPRESS_TIMESTAMPS | psycopg.pq.Trace.REGRESS_MODE)
        try:
            with conn.execute_wrapper(wrapper):
                fn()
        finally:
            pgconn.untrace()
            for name in originals:
                delattr(conn, name)
        trace.seek(0)
        wire = _wire_statements(trace.read())
    _planning_times(conn, sent)
    return {"statements": _merge(wire, sent, transaction_events), "wire_count": len(wire), "orm_count": len(sent)}


def _planning_times(conn: Any, sent: list[dict[str, Any]], repeats: int = 9) -> None:
    """PostgreSQL's planning time of each statement (EXPLAIN without ANALYZE plans it, never runs it): the
    part of the backend's CPU that prepared statements would save. The median of ``repeats``."""
    import statistics

    with conn.connection.cursor() as cursor:  # the raw connection: not seen by the wrapper
        for item in sent:
            text = item.get("text")
            if not text or _first_word(text) not in ("SELECT", "INSERT", "UPDATE", "DELETE"):
                continue
            times = []
            for _ in range(repeats):
                cursor.execute(
                    b"EXPLAIN (SUMMARY ON, FORMAT JSON) " + (text if isinstance(text, bytes) else text.encode())
                )
                times.append(float(cursor.fetchone()[0][0]["Planning Time"]))
            item["planning_ms"] = statistics.median(times)
    conn.connection.rollback()


def _wire_statements(trace: str) -> list[str]:
    """The statements psycopg sent, in order: each simple Query, and each Execute of the extended protocol."""
    statements: list[str] = []
    parsed = ""
    for line in trace.splitlines():
        if m := QUERY.match(line):
            statements.append(m.group(1))
        elif m := PARSE.match(line):
            parsed = m.group(1)
        elif EXECUTE.match(line):
            statements.append(parsed)
    return statements


def _first_word(sql: str) -> str:
    return sql.lstrip().split(None, 1)[0].upper() if sql.strip() else ""


def _merge(wire: list[str], sent: list[dict[str, Any]], events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Give each wire statement its origin: the ORM's statements in order; BEGIN / COMMIT from the
    transaction events (psycopg sends them itself, so the ORM's wrapper never sees them)."""
    orm = list(sent)
    txn = list(events)
    merged = []
    for text in wire:
        word = _first_word(text)
        if word in ("BEGIN", "COMMIT", "ROLLBACK") and not (orm and _first_word(orm[0]["sql"]) == word):
            event = next((e for e in txn if e["sql"] == word), None)
            if event is not None:
                txn.remove(event)
            origin = event or {"origin": "?", "chain": ""}
            how = "implicit: psycopg, opening atomic()" if word == "BEGIN" else "leaving atomic()"
            merged.append({"sql": text, "kind": how, "origin": origin["origin"], "chain": origin["chain"]})
            continue
        item = orm.pop(0) if orm else {"sql": text, "origin": "?", "chain": ""}
        if _first_word(item["sql"]) != word:
            item = {**item, "origin": f"{item['origin']} (unmatched: {item['sql'][:40]})"}
        merged.append(
            {
                "sql": text,
                "kind": "ORM",
                "origin": item["origin"],
                "chain": item["chain"],
                "planning_ms": item.get("planning_ms"),
            }
        )
    return merged


def short_sql(sql: str, limit: int = 150) -> str:
    """A statement cut to its shape: column lists folded, literals kept short."""
    text = re.sub(r"\s+", " ", sql)
    text = re.sub(r"^SELECT (.{40,}?) FROM ", "SELECT … FROM ", text)
    text = re.sub(r"'[0-9a-f-]{36}'(::uuid)?", "'<uuid>'", text)
    text = re.sub(r'"s\d+_x(\d+)"', r'"s…_x\1"', text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


# --- the CPU profile -------------------------------------------------------------------------------------

Stack = tuple[Any, ...]  # code objects, innermost first


def on_stack(where: str, name: str = "*") -> Callable[[Stack], bool]:
    """A predicate: some frame's file path contains ``where`` and its function is ``name`` ("*" any; "x*" a
    prefix; "a|b" one of several)."""
    names = set(name.split("|"))

    def test(stack: Stack) -> bool:
        for code in stack:
            if where in code.co_filename and (
                name == "*" or code.co_name in names or (name.endswith("*") and code.co_name.startswith(name[:-1]))
            ):
                return True
        return False

    return test


def _any(*tests: Callable[[Stack], bool]) -> Callable[[Stack], bool]:
    return lambda stack: any(test(stack) for test in tests)


def _any(*tests: Callable[[Stack], bool]) -> Callable[[Stack], bool]:
    return lambda stack: any(test(stack) for test in tests)


def _outside(inner: Callable[[Stack], bool], outer: Callable[[Stack], bool]) -> Callable[[Stack], bool]:
    return lambda stack: outer(stack) and not inner(stack)


_HANDLER = on_stack("django/core/handlers/base.py", "get_response")
_OPERATION = on_stack("ninja/operation.py", "run")
_SERVICE = "carebook/medication/services/administrations/record.py"
_VIEW = "carebook/medication/api/administrations.py"
# The compiler's functions that build SQL text (as opposed to execute_sql / results_iter, which run it and
# convert its rows).
_COMPILE = (
    "as_sql|compile|pre_sql_setup|setup_query|get_select|get_default_columns|get_related_selections|"
    "get_order_by|get_extra_select|get_from_clause|get_group_by|get_qualify_sql|get_combinator_sql|"
    "collapse_group_by|get_distinct|as_subquery_condition|field_as_sql|prepare_value|pre_save_val|"
    "assemble_as_sql|bulk_insert_sql"
)

# (label, predicate on a sample's stack): the CPU with that on the stack (inclusive), per request.
PROFILE_POINTS: tuple[tuple[str, Callable[[Stack], bool]], ...] = (
    ("Server total (inside Django's handler)", _HANDLER),
    ("  middleware and URL resolution (outside ninja's operation)", _outside(_OPERATION, _HANDLER)),
    ("  ninja: the operation (auth, parsing, view, response)", _OPERATION),
    (
        "    auth: Bearer token → user (api_token_authenticate)",
        on_stack("carebook/access/services.py", "api_token_authenticate"),
    ),
    ("    ninja/pydantic: parse the request (headers, JSON body)", on_stack("ninja/operation.py", "_get_values")),
    ("    the view (api/administrations.py:administration_record)", on_stack(_VIEW, "administration_record")),
    ("      the service (services/administrations/record.py)", on_stack(_SERVICE, "administration_record")),
    ("        _record: locks, checks, writes, audit", on_stack(_SERVICE, "_record")),
    (
        "          the locked read (locks.lock_person_for_due_dose, compiled once)",
        on_stack("carebook/medication/locks.py", "lock_person_for_due_dose"),
    ),
    (
        "          allergies and ingredients (contents.record_safety)",
        on_stack("carebook/medication/contents.py", "record_safety"),
    ),
    ("          Administration.objects.create", on_stack("django/db/models/query.py", "create")),
    ("          PromptAnswer bulk_create", on_stack("django/db/models/query.py", "bulk_create")),
    ("          audit: record_event (JSON and insert)", on_stack("carebook/audit_log/services.py", "record_event")),
    ("          the rules (rules/)", on_stack("carebook/medication/rules/")),
    ("        transaction: COMMIT", on_stack("django/db/backends/base/base.py", "commit")),
    ("      present the record as written (present.py)", on_stack("carebook/medication/api/present.py")),
    ("    ninja: build the response (validate + JSON)", on_stack("ninja/operation.py", "_result_to_response")),
    (
        "Django ORM: build querysets (filter, get, select_related; sql/query.py)",
        _outside(on_stack("django/db/models/sql/compiler.py"), on_stack("django/db/models/sql/query.py")),
    ),
    (
        "Django ORM: compile SQL text (compiler: as_sql, get_select, …)",
        on_stack("django/db/models/sql/compiler.py", _COMPILE),
    ),
    (
        "Django ORM: execute (CursorWrapper.execute, psycopg and libpq included)",
        on_stack("django/db/backends/utils.py", "execute|executemany|_execute*"),
    ),
    ("psycopg, wherever called (adapting parameters, sending, reading rows; COMMIT)", on_stack("/psycopg/")),
    (
        "Django ORM: rows to model instances (results_iter, converters, Model.__init__)",
        _any(
            on_stack("django/db/models/sql/compiler.py", "results_iter|apply_converters|get_converters"),
            on_stack("django/db/models/base.py", "from_db|__init__"),
        ),
    ),
    ("asgiref Local (connections[...] and other context-local look-ups)", on_stack("asgiref/local.py")),
)


class CpuSampler:
    """A sampling profiler on the process's CPU clock: ITIMER_PROF sends SIGPROF after every ``interval``
    seconds of CPU (user + system), and the handler keeps the main thread's stack. Time spent waiting for
    PostgreSQL is not CPU, so it never appears; a call into C (pydantic-core, psycopg's C parts) is charged to
    the Python function that made it. Unlike cProfile, it does not inflate small, frequent calls."""

    def __init__(self, interval: float = 0.001) -> None:
        self.interval = interval
        self.samples: list[tuple[Any, ...]] = []

    def _on_signal(self, _signum: int, frame: Any) -> None:
        stack = []
        while frame is not None:
            stack.append(frame.f_code)
            frame = frame.f_back
        self.samples.append(tuple(stack))

    def __enter__(self) -> CpuSampler:
        self._previous = signal.signal(signal.SIGPROF, self._on_signal)
        signal.setitimer(signal.ITIMER_PROF, self.interval, self.interval)
        return self

    def __exit__(self, *exc: object) -> None:
        signal.setitimer(signal.ITIMER_PROF, 0, 0)
        signal.signal(signal.SIGPROF, self._previous)


def _package(code: Any) -> str:
    """Where a frame's code lives, by package: carebook/<app>, django/<part>, psycopg, ninja, pydantic, …"""
    filename = code.co_filename
    if filename.startswith(CAREBOOK):
        return "carebook/" + Path(filename).relative_to(CAREBOOK).parts[0]
    if "site-packages/" in filename:
        parts = _site_relative(filename).split("/")
        if parts[0] == "django" and len(parts) > 2:
            return "/".join(parts[:3] if parts[1] in ("db", "contrib") else parts[:2])
        return parts[0].removesuffix(".py")
    return "python: " + Path(filename).stem


def profile(fn: Callable[[], Any], requests: int) -> dict[str, Any]:
    """The CPU sampler over ``requests`` calls of ``fn``: PROFILE_POINTS (inclusive), the innermost
    package of each sample (exclusive, sums to the whole), and the functions most often on top."""
    with CpuSampler() as sampler:
        started = time.process_time()
        for _ in range(requests):
            fn()
        cpu = time.process_time() - started
    samples = sampler.samples
    n = len(samples) or 1
    ms_per_sample = cpu * 1000 / n / requests  # each sample's share of one request's CPU

    def inclusive(test: Callable[[Stack], bool]) -> int:
        return sum(1 for stack in samples if test(stack))

    points = []
    server = inclusive(_HANDLER) or 1
    for label, test in PROFILE_POINTS:
        count = inclusive(test)
        points.append({"label": label, "samples": count, "ms": count * ms_per_sample, "share": count / server})
    packages: dict[str, int] = {}
    functions: dict[str, int] = {}
    for stack in samples:
        if not stack:
            continue
        top = stack[0]
        packages[_package(top)] = packages.get(_package(top), 0) + 1
        label = f"{_site_relative(top.co_filename).replace(str(ROOT) + '/', '')}:{top.co_name}"
        functions[label] = functions.get(label, 0) + 1
    return {
        "requests": requests,
        "samples": len(samples),
        "cpu_ms_per_request": cpu * 1000 / requests,
        "server_ms_per_request": server * ms_per_sample,
        "points": points,
        "packages": [
            {"package": k, "ms": v * ms_per_sample, "share": v / n}
            for k, v in sorted(packages.items(), key=lambda kv: -kv[1])
        ],
        "top_functions": [
            {"function": k, "ms": v * ms_per_sample, "share": v / n}
            for k, v in sorted(functions.items(), key=lambda kv: -kv[1])[:30]
        ],
    }


def call_counts(fn: Callable[[], Any], requests: int) -> str:
    """cProfile over a few requests, for how often each function is called (its times are inflated)."""
    profiler = cProfile.Profile(time.process_time)
    profiler.enable()
    for _ in range(requests):
        fn()
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(80)
    return out.getvalue()


def phase_breakdown(manifest_path: Path, out: Path, *, profile_requests: int) -> None:
    """The statements of one POST /api/v1/administrations, and the CPU profile of many."""
    from django.db import connection
    from django.test import Client

    manifest = json.loads(manifest_path.read_text())
    if connection.vendor != "postgresql":
        raise RuntimeError("the breakdown runs on PostgreSQL")
    location = manifest["api_location"]
    bodies = list(manifest["recordable"][location])[-(profile_requests + 20) :]  # the measure phase took the front
    token = manifest["tokens"][location]["token"]
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    counter = [0]

    def record() -> None:
        body = bodies.pop(0)
        counter[0] += 1
        response = api.post(
            "/api/v1/administrations",
            data=json.dumps(body),
            content_type="application/json",
            HTTP_IDEMPOTENCY_KEY=f"bench-breakdown-{counter[0]}-{body['due_dose_id']}",
        )
        assert response.status_code == 201, (response.status_code, response.content[:300])

    for _ in range(5):  # warm-up: imports, the connection, caches
        record()
    listing = capture_statements(record)
    result = {"statements": listing, "profile": profile(record, profile_requests)}
    out.write_text(json.dumps(result, indent=1))
    out.with_suffix(".cprofile.txt").write_text(call_counts(record, 10))
