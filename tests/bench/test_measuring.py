"""The benchmark's measuring parts count honestly: CPU over a window, statements on the wire."""

from __future__ import annotations

from bench import pg
from bench.breakdown import _merge, _wire_statements
from bench.procstat import CpuWindow, ProcCpu, parse_stat

OPENED = 1_000  # uptime ticks when the window opened


def proc(pid: int, *, start: int = 10, own: int = 0, children: int = 0, ppid: int = 1) -> ProcCpu:
    return ProcCpu(pid=pid, ppid=ppid, start=start, own=own, children=children)


def test_a_stat_line_with_spaces_and_brackets_in_the_command_name():
    line = (
        "4242 (gunicorn: worker [config.wsgi]) S 4200 4200 4200 0 -1 4194560 900 0 0 0 "
        "150 25 7 3 20 0 5 0 98765 300000000 5000 18446744073709551615 0 0 0 0 0 0 0 16781312 17002 0 0 0 17 1"
    )
    p = parse_stat(line)
    assert (p.pid, p.ppid, p.own, p.children, p.start) == (4242, 4200, 175, 10, 98765)


def test_a_process_present_at_both_ends_counts_its_difference():
    window = CpuWindow()
    window.open([proc(7, own=500)], opened_at=OPENED)
    window.close([proc(7, own=800)])
    assert window.ticks() == 300


def test_a_backend_started_inside_the_window_counts_from_zero():
    window = CpuWindow()
    window.open([], opened_at=OPENED)
    window.observe([proc(8, start=OPENED + 5, own=20)])
    window.close([proc(8, start=OPENED + 5, own=90)])
    assert window.ticks() == 90
    assert window.summary()["started_inside"] == 1


def test_a_backend_first_seen_inside_the_window_counts_from_first_sight():
    window = CpuWindow()
    window.open([], opened_at=OPENED)
    window.observe([proc(9, start=OPENED - 50, own=400)])  # older than the window, not yet in pg_stat_activity
    window.close([proc(9, start=OPENED - 50, own=460)])
    assert window.ticks() == 60
    assert window.summary()["first_seen_inside"] == 1


def test_a_worker_that_ends_inside_the_window_is_counted_once_through_its_master():
    window = CpuWindow(parent_followed=True)
    master, worker = proc(100, own=30), proc(101, ppid=100, own=1_000)
    window.open([master, worker], opened_at=OPENED)
    window.observe([proc(101, ppid=100, own=1_200)])
    # The worker exits at 1,250 ticks; the master waits for it, so its children time holds all 1,250.
    window.close([proc(100, own=31, children=1_250)])
    assert window.ticks() == 1 + 250
    assert window.summary()["ended_inside"] == 1


def test_a_backend_that_ends_inside_the_window_counts_up_to_its_last_sample():
    window = CpuWindow()
    window.open([proc(12, own=100)], opened_at=OPENED)
    window.observe([proc(12, own=140)])
    window.close([])
    assert window.ticks() == 40


def test_a_recycled_pid_is_another_process():
    window = CpuWindow()
    window.open([proc(13, start=5, own=100)], opened_at=OPENED)
    window.observe([proc(13, start=5, own=150)])
    window.close([proc(13, start=OPENED + 10, own=30)])  # the first ended; a new process took its pid
    assert window.ticks() == 50 + 30


def test_foreign_key_checks_that_postgres_runs_at_commit_are_told_apart():
    assert pg.is_foreign_key_check(
        'SELECT $2 FROM ONLY "public"."access_user" x WHERE "id" OPERATOR(pg_catalog.=) $1 FOR KEY SHARE OF x'
    )
    assert not pg.is_foreign_key_check('SELECT 1 AS "a" FROM "people_person" WHERE "id" = $1 LIMIT $2 FOR UPDATE')


TRACE = """F\t10\tQuery\t "BEGIN"
B\t10\tCommandComplete\t "BEGIN"
F\t40\tQuery\t "SELECT "x"."id" FROM "x" WHERE "x"."id" = 1"
B\t13\tCommandComplete\t "SELECT 1"
F\t36\tQuery\t "SAVEPOINT "s1_x1""
F\t21\tParse\t "" "INSERT INTO y VALUES ($1)" 1 NNNN
F\t22\tBind\t "" "" 1 1 1 2 '\\x00\\x02' 1 0
F\t9\tExecute\t "" 0
F\t4\tSync
F\t11\tQuery\t "COMMIT"
"""


def test_every_statement_on_the_wire_is_counted_and_given_its_origin():
    wire = _wire_statements(TRACE)
    assert wire == [
        "BEGIN",
        'SELECT "x"."id" FROM "x" WHERE "x"."id" = 1',
        'SAVEPOINT "s1_x1"',
        "INSERT INTO y VALUES ($1)",
        "COMMIT",
    ]
    orm = [
        {"sql": 'SELECT "x"."id" FROM "x" WHERE "x"."id" = %s', "origin": "a.py:read", "chain": ""},
        {"sql": 'SAVEPOINT "s1_x1"', "origin": "a.py:write", "chain": ""},
        {"sql": "INSERT INTO y VALUES (%s)", "origin": "a.py:write", "chain": ""},
    ]
    events = [
        {"sql": "BEGIN", "origin": "a.py:service", "chain": ""},
        {"sql": "COMMIT", "origin": "a.py:service", "chain": ""},
    ]
    merged = _merge(wire, orm, events)
    assert [(m["kind"], m["origin"]) for m in merged] == [
        ("implicit: psycopg, opening atomic()", "a.py:service"),
        ("ORM", "a.py:read"),
        ("ORM", "a.py:write"),
        ("ORM", "a.py:write"),
        ("leaving atomic()", "a.py:service"),
    ]
