"""The report: the console summary and docs/benchmarks.md, from the phases' JSON files."""

from __future__ import annotations

import datetime as dt
import math
import statistics
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
DOCS = ROOT / "docs" / "benchmarks.md"

TARGETS = {  # in-process figure -> p95 limit in ms
    "round_page": 150.0,
    "person_pass": 150.0,
    "record_dose": 50.0,
    "mar_json": 200.0,
}
# Recording a dose in the production setup (issue 5): CPU of the server and the database together, and
# SQL statements, per dose.
CPU_PER_DOSE_TARGET_MS = 10.0
STATEMENTS_PER_DOSE_TARGET = 10.0

NAMES = {
    "sqlite": "SQLite",
    "postgres": "PostgreSQL",
    "small": "SQLite (small)",
    "sqlite_30": "SQLite (30 days)",
    "sqlite_year": "SQLite (a year)",
    "postgres_year": "PostgreSQL (a year)",
}
# The alerts (issue 6): the minute's scan over the large data, flat in the length of history; the dashboard.
SCAN_TARGET_MS = 200.0
SCAN_GROWTH_LIMIT = 1.5  # 90 days against 30 days, ratio of medians: "flat" within the noise of these machines
DASHBOARD_TARGET_MS = 300.0
DASHBOARD_ALERTS = 1000
# The evidence pack (issue 7): one home, one month, built in the background.
EVIDENCE_TARGET_S = 60.0
GOVERNANCE_DASHBOARD_TARGET_MS = 1000.0
DASHBOARD_PAGES = {
    "provider_28": "Provider dashboard, last 28 days",
    "provider_year": "Provider dashboard, 366 days",
    "location_28": "One home's dashboard, last 28 days",
}
LABELS = {
    "round_page": "Round page, 30-person unit (morning round)",
    "person_pass": "One pass per person, 10 medicines due (page)",
    "record_dose": "Record a dose, POST /api/v1/administrations",
    "mar_json": "MAR chart, one person, one month: build JSON",
    "mar_json_api": "MAR chart JSON through GET /api/v1/people/{id}/mar",
    "mar_pdf": "MAR chart PDF (A4 landscape)",
}


# The taps of a five-medicine visit in one pass, counted by tests/e2e/test_one_pass_journey.py (which asserts these).
FIVE_MEDICINE_VISIT_TAPS = 16
TAPS_PER_EXTRA_MEDICINE = 3


def say(message: str) -> None:
    print(message, flush=True)


def percentile(values: list[float], q: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    index = max(0, min(len(ordered) - 1, math.ceil(q / 100 * len(ordered)) - 1))
    return ordered[index]


def summary(values: list[float]) -> dict[str, float]:
    return {
        "n": len(values),
        "median": statistics.median(values),
        "p95": percentile(values, 95),
        "p99": percentile(values, 99),
    }


def _statuses(load: dict[str, Any]) -> str:
    text = ", ".join(f"{count:,} × {status}" for status, count in load["statuses"].items()) or "none"
    refusals = load.get("refusals") or []
    return text + (f" (first: {refusals[0]})" if refusals else "")


def _fmt(ms: float | None) -> str:
    if ms is None or (isinstance(ms, float) and math.isnan(ms)):
        return "-"
    return f"{ms:,.1f} ms" if ms < 1000 else f"{ms / 1000:,.2f} s"


def _verdict(ok: bool) -> str:
    return "PASS" if ok else "MISS"


def local_now() -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.now(tz=ZoneInfo("Europe/London"))


# --- the figures, once, for both the console and the page ----------------------------------------------


def in_process_rows(results: dict[str, dict[str, Any]]) -> tuple[list[tuple[str, ...]], list[tuple[str, str, bool]]]:
    rows: list[tuple[str, ...]] = []  # figure, engine, n, median, p95, target, verdict
    checks: list[tuple[str, str, bool]] = []
    engines = [e for e in ("sqlite", "postgres") if e in results]
    for key, label in LABELS.items():
        for engine in engines:
            values = results[engine].get(key)
            if not values:
                continue
            s = summary(values)
            limit = TARGETS.get(key)
            verdict = ""
            if limit is not None:
                ok = s["p95"] < limit
                verdict = _verdict(ok)
                checks.append((f"{label} ({NAMES[engine]}) p95 < {limit:.0f} ms", f"{s['p95']:.1f} ms", ok))
            target = f"p95 < {limit:.0f} ms" if limit else ""
            rows.append((label, NAMES[engine], str(s["n"]), _fmt(s["median"]), _fmt(s["p95"]), target, verdict))
    return rows, checks


def load_checks(load: dict[str, Any], breakdown: dict[str, Any]) -> list[tuple[str, str, bool]]:
    if not load:
        return []
    checks = [("Load test: every request answered 201 Created", _statuses(load), not set(load["statuses"]) - {"201"})]
    cpu = load["cpu"]
    if cpu.get("postgres_ms_per_dose") is not None:
        both = cpu["gunicorn_ms_per_dose"] + cpu["postgres_ms_per_dose"]
        checks.append(
            (
                f"Load test: CPU per dose, server + database ≤ {CPU_PER_DOSE_TARGET_MS:.0f} ms",
                f"{both:.1f} ms ({cpu['gunicorn_ms_per_dose']:.1f} gunicorn + {cpu['postgres_ms_per_dose']:.1f} "
                "PostgreSQL)",
                both <= CPU_PER_DOSE_TARGET_MS,
            )
        )
    per_dose = statements_per_dose(load, breakdown)
    if per_dose is not None:
        value, how = per_dose
        checks.append(
            (
                f"SQL statements per dose ≤ {STATEMENTS_PER_DOSE_TARGET:.0f}",
                f"{value:.1f} ({how})",
                value <= STATEMENTS_PER_DOSE_TARGET,
            )
        )
    return checks


def statements_per_dose(load: dict[str, Any], breakdown: dict[str, Any]) -> tuple[float, str] | None:
    """The load window's count (pg_stat_statements) where there is one, else the in-process wire count."""
    if load.get("statements"):
        exact = "" if load["statements"]["exact"] else ", inexact: pg_stat_statements evicted entries"
        return load["statements"]["per_dose"], f"pg_stat_statements over the load window{exact}"
    if breakdown.get("statements"):
        return float(breakdown["statements"]["wire_count"]), "one in-process request, libpq trace"
    return None


def growth_rows(
    manifests: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]]
) -> tuple[list[tuple[str, ...]], float, list[tuple[str, str, bool]]]:
    if not ("small" in results and "sqlite" in results):
        return [], float("nan"), []
    rows = []
    for label in ("small", "sqlite"):
        s = summary(results[label]["round_page"])
        c = manifests[label]["counts"]
        rows.append(
            (
                NAMES[label],
                f"{c['people']}",
                f"{manifests[label]['scale']['days']}",
                f"{c['administrations']:,}",
                f"{_fmt(s['median'])} / {_fmt(s['p95'])}",
            )
        )
    ratio = statistics.median(results["sqlite"]["round_page"]) / statistics.median(results["small"]["round_page"])
    small_q, large_q = results["small"]["round_page_queries"], results["sqlite"]["round_page_queries"]
    checks = [
        (
            "Round page: the same number of queries whatever the number of people",
            f"{small_q} with {manifests['small']['counts']['people']} people, {large_q} with "
            f"{manifests['sqlite']['counts']['people']}",
            small_q == large_q,
        )
    ]
    return rows, ratio, checks


def alerts_rows(
    alerts: dict[str, dict[str, Any]], manifests: dict[str, dict[str, Any]]
) -> tuple[list[tuple[str, ...]], list[tuple[str, str, bool]]]:
    """One row per database (the scans and the dashboard), and the checks against the targets."""
    rows: list[tuple[str, ...]] = []
    checks: list[tuple[str, str, bool]] = []
    for label in ("sqlite_30", "sqlite", "postgres"):
        a = alerts.get(label)
        if not a:
            continue
        steady = summary(a["steady_scan"])
        cpu = summary(a["steady_scan_cpu"])
        first = a["first_scan"]
        normal_first = a.get("normal_first_scan", {"raised": 0, "ms": 0.0})
        storm = summary(a["storm_scan"]) if a.get("storm_scan") else None
        dash = summary(a["dashboard"]) if a.get("dashboard") else None
        fragment = summary(a["dashboard_fragment"]) if a.get("dashboard_fragment") else None
        counts = manifests.get(label, {}).get("counts", {})
        rows.append(
            (
                NAMES[label],
                str(a["days"]),
                f"{counts.get('due_doses', 0):,}",
                f"{normal_first['raised']:,} in {normal_first['ms'] / 1000:.1f} s",
                f"{_fmt(steady['median'])} / {_fmt(steady['p95'])}",
                _fmt(cpu["median"]),
                str(a["steady_scan_queries"]),
                f"{first['raised']:,} in {first['ms'] / 1000:.1f} s",
                f"{_fmt(storm['median'])} / {_fmt(storm['p95'])}" if storm else "",
                f"{a.get('dashboard_open_alerts', 0):,} ({a.get('dashboard_homes', 1)} homes)",
                f"{_fmt(dash['p95'])}" if dash else "",
                f"{_fmt(fragment['p95'])}" if fragment else "",
                f"{a.get('dashboard_queries', '')} / {a.get('dashboard_fragment_queries', '')}",
            )
        )
        if label in ("sqlite", "postgres"):
            checks.append(
                (
                    f"Alerts: the minute's scan over the large data, a normal week ({NAMES[label]}) p95 < "
                    f"{SCAN_TARGET_MS:.0f} ms",
                    f"{steady['p95']:.1f} ms",
                    steady["p95"] < SCAN_TARGET_MS,
                )
            )
            if dash is not None:
                enough = a["dashboard_open_alerts"] >= DASHBOARD_ALERTS
                checks.append(
                    (
                        f"Alerts dashboard with {DASHBOARD_ALERTS:,} open alerts or more ({NAMES[label]}) p95 < "
                        f"{DASHBOARD_TARGET_MS:.0f} ms",
                        f"{dash['p95']:.1f} ms with {a['dashboard_open_alerts']:,} open",
                        enough and dash["p95"] < DASHBOARD_TARGET_MS,
                    )
                )
    if alerts.get("sqlite") and alerts.get("sqlite_30"):
        long, short = alerts["sqlite"], alerts["sqlite_30"]
        ratio = statistics.median(long["steady_scan"]) / statistics.median(short["steady_scan"])
        checks.append(
            (
                f"Alerts: the scan is flat in the length of history ({long['days']} days / {short['days']} days, "
                f"SQLite, ratio of medians ≤ {SCAN_GROWTH_LIMIT})",
                f"{ratio:.2f}; {long['steady_scan_queries']} and {short['steady_scan_queries']} queries",
                # Queries are shown, not compared: a detector with nothing new to weigh stops early, so the count
                # follows what the minute brought, not the history.
                ratio <= SCAN_GROWTH_LIMIT,
            )
        )
    return rows, checks


def load_rows(load: dict[str, Any], breakdown: dict[str, Any]) -> list[tuple[str, str]]:
    """(figure, value) for the load window."""
    if not load:
        return []
    lat, cpu = load["latency"], load["cpu"]
    rows = [
        ("Doses recorded (201)", f"{load['created']:,} in {load['seconds']:.1f} s"),
        ("Doses per second", f"{load['doses_per_second']:.0f}"),
        ("Latency p50 / p95 / p99", f"{_fmt(lat.get('median'))} / {_fmt(lat.get('p95'))} / {_fmt(lat.get('p99'))}"),
        ("CPU per dose: gunicorn (master + workers)", _fmt(cpu["gunicorn_ms_per_dose"])),
    ]
    if cpu.get("postgres_ms_per_dose") is not None:
        rows += [
            ("CPU per dose: PostgreSQL backends of the bench database", _fmt(cpu["postgres_ms_per_dose"])),
            ("CPU per dose: server + database", _fmt(cpu["gunicorn_ms_per_dose"] + cpu["postgres_ms_per_dose"])),
        ]
    else:
        rows.append(("CPU per dose: PostgreSQL backends", "not measured (the server is not on this machine)"))
    per_dose = statements_per_dose(load, breakdown)
    if per_dose is not None:
        rows.append(("SQL statements per dose", f"{per_dose[0]:.1f} ({per_dose[1]})"))
    if load.get("statements"):
        rows.append(
            (
                "Foreign-key checks per dose (run by PostgreSQL itself at COMMIT)",
                f"{load['statements']['foreign_key_checks_per_dose']:.1f}",
            )
        )
    rows.append(("Responses", _statuses(load)))
    return rows


def conditions(load: dict[str, Any]) -> list[str]:
    """What else used the machine during the window, and how the processes were followed."""
    if not load:
        return []
    cpu = load["cpu"]
    measured = cpu["gunicorn_s"] + (cpu["postgres_s"] or 0) + cpu["load_generator_s"]
    others = cpu["machine_busy_s"] - measured
    g, b = cpu["gunicorn_processes"], cpu["postgres_backends"]
    lines = [
        f"Over the {load['seconds']:.1f} s window the machine's {cpu['machine_busy_cores']:.2f} busy cores (of "
        f"{cpu.get('cpus', 2)}) were: gunicorn {cpu['gunicorn_s']:.1f} s, PostgreSQL backends "
        f"{(cpu['postgres_s'] or 0):.1f} s, the load generator ({load['clients']} client threads, this process) "
        f"{cpu['load_generator_s']:.1f} s ({cpu['load_generator_ms_per_dose']:.1f} ms per dose), everything "
        f"else {max(others, 0):.1f} s (PostgreSQL's WAL writer and checkpointer, other work on the machine).",
        f"Processes followed: gunicorn {g['processes']} ({g['started_inside']} started and {g['ended_inside']} "
        f"ended inside the window); PostgreSQL backends {b['processes']} ({b['started_inside']} started, "
        f"{b['first_seen_inside']} first seen and {b['ended_inside']} ended inside the window).",
    ]
    if load.get("clients_ran_out_of_doses"):
        lines.append(f"{load['clients_ran_out_of_doses']} client(s) ran out of doses before the window closed.")
    return lines


def in_process_cpu_rows(results: dict[str, dict[str, Any]]) -> list[tuple[str, ...]]:
    rows = []
    for engine in ("sqlite", "postgres"):
        cpu = results.get(engine, {}).get("record_dose_cpu")
        if not cpu:
            continue
        rows.append(
            (
                NAMES[engine],
                str(cpu["n"]),
                _fmt(cpu["server_ms"]),
                _fmt(cpu.get("postgres_ms")) if engine == "postgres" else "(in the same process)",
                _fmt(cpu["whole_ms"]),
                str(results[engine].get("record_dose_orm_queries", "?")),
            )
        )
    return rows


def statement_rows(breakdown: dict[str, Any]) -> list[tuple[str, ...]]:
    from bench.breakdown import short_sql

    listing = breakdown.get("statements", {}).get("statements", [])
    return [
        (
            str(i),
            f"`{short_sql(s['sql'], 110)}`",
            s["origin"].replace("carebook/", ""),
            f"{s['planning_ms']:.3f}" if s.get("planning_ms") is not None else "",
        )
        for i, s in enumerate(listing, 1)
    ]


def window_statement_rows(load: dict[str, Any], limit: int = 25) -> list[tuple[str, ...]]:
    from bench.breakdown import short_sql

    stats = load.get("statements")
    if not stats or not load.get("created"):
        return []
    merged: dict[str, list[float]] = {}
    checks: set[str] = set()
    for row in stats["by_statement"]:
        key = short_sql(row["query"], 110)
        if row.get("foreign_key_check"):
            key = "(foreign-key check at COMMIT) " + key
            checks.add(key)
        agg = merged.setdefault(key, [0, 0.0])
        agg[0] += row["calls"]
        agg[1] += row["exec_ms"]
    # What the server sent first, by the time it took; PostgreSQL's own foreign-key checks last.
    ordered = sorted(merged.items(), key=lambda kv: (kv[0] in checks, -kv[1][1]))[:limit]
    created = load["created"]
    return [
        (f"{calls / created:.2f}", f"{ms / calls:.3f}" if calls else "-", f"`{text}`") for text, (calls, ms) in ordered
    ]


def profile_rows(breakdown: dict[str, Any]) -> list[tuple[str, ...]]:
    prof = breakdown.get("profile")
    if not prof:
        return []
    rows = []
    for p in prof["points"]:
        label = p["label"]
        indent = len(label) - len(label.lstrip())
        rows.append(("\u00a0" * indent + label.lstrip(), f"{p['ms']:.2f}", f"{p['share'] * 100:.0f} %"))
    return rows


def package_rows(breakdown: dict[str, Any], limit: int = 12) -> list[tuple[str, ...]]:
    prof = breakdown.get("profile")
    if not prof:
        return []
    return [(p["package"], f"{p['ms']:.2f}", f"{p['share'] * 100:.0f} %") for p in prof["packages"][:limit]]


# --- writing -----------------------------------------------------------------------------------------------


def write_report(
    run: dict[str, Any],
    manifests: dict[str, dict[str, Any]],
    results: dict[str, dict[str, Any]],
    breakdown: dict[str, Any],
    *,
    write_docs: bool,
) -> int:
    say("")
    say(render_console(run, manifests, results, breakdown))
    if write_docs:
        DOCS.parent.mkdir(parents=True, exist_ok=True)
        DOCS.write_text(render_markdown(run, manifests, results, breakdown))
        say(f"Written to {DOCS.relative_to(ROOT)}")
    return 0


def render_console(
    run: dict[str, Any], manifests: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]], breakdown: dict
) -> str:
    load = run["load"]
    rows, checks = in_process_rows(results)
    growth, ratio, growth_checks = growth_rows(manifests, results)
    lines = [f"{'Figure':<56} {'DB':<11} {'median':>10} {'p95':>10}  target        result"]
    for label, engine, _n, median, p95, target, verdict in rows:
        lines.append(f"{label:<56} {engine:<11} {median:>10} {p95:>10}  {target:<13} {verdict}")
    for engine, n, server, postgres, whole, queries in in_process_cpu_rows(results):
        lines.append(
            f"In-process CPU per dose ({engine}, {n} doses): server {server}, PostgreSQL backend {postgres}, "
            f"whole process {whole}; {queries} ORM statements"
        )
    if growth:
        lines.append("")
        lines.append("How the round page grows (same 30-person unit, SQLite):")
        for _name, people, days, admins, figures in growth:
            lines.append(f"  {people:>4} people, {days:>3} days, {admins:>9} administrations: median / p95 {figures}")
        lines.append(f"  ratio of medians, large / small: {ratio:.2f}")
    if breakdown.get("statements"):
        lines.append("")
        lines.append(f"One POST /api/v1/administrations sends {breakdown['statements']['wire_count']} statements:")
        for i, sql, origin, _planning in statement_rows(breakdown):
            lines.append(f"  {i:>2}. {sql.strip('`')[:70]:<70}  {origin}")
    if load:
        lines.append("")
        lines.append(
            f"Production setup (gunicorn {load['workers']} workers × {load['threads']} threads, PostgreSQL), "
            f"{load['clients']} clients:"
        )
        for figure, value in load_rows(load, breakdown):
            lines.append(f"  {figure}: {value}")
        lines += ["  " + line for line in conditions(load)]
    arows, alert_checks = alerts_rows(run.get("alerts", {}), manifests)
    if arows:
        lines.append("")
        lines.append("Alerts (the minute's scan median / p95 in a normal week and in a storm; dashboard p95):")
        for name, days, _doses, first, steady, cpu, queries, storm_first, storm, open_, dash, fragment, _dq in arows:
            lines.append(
                f"  {name:<17} {days:>3} days: normal week: first {first}, scan {steady} (CPU {cpu}, {queries} "
                f"queries); storm: first {storm_first}, scan {storm}; dashboard with {open_} open: {dash} "
                f"(fragment {fragment})"
            )
    drows, dashboard_checks = dashboard_rows(run.get("dashboards", {}))
    for db, days, name, times, cpu, queries in drows:
        lines.append(f"{name} ({db}, {days} days): {times} median / p95, CPU {cpu}, {queries} queries")
    erows, evidence_checks = evidence_rows(run.get("evidence", {}))
    for name, build, cpu, steps, counts, sizes in erows:
        lines.append(f"Evidence pack ({name}): {build} median / slowest, CPU {cpu}; {steps}; {counts}; {sizes}")
    lines.append("")
    for text, value, ok in [
        *checks,
        *growth_checks,
        *load_checks(load, breakdown),
        *alert_checks,
        *dashboard_checks,
        *evidence_checks,
    ]:
        lines.append(f"{_verdict(ok)}  {text}: {value}")
    lines.append(f"Total time: {run['total']:.0f} s")
    return "\n".join(lines)


def evidence_rows(evidence: dict[str, dict[str, Any]]) -> tuple[list[tuple[str, ...]], list[tuple[str, str, bool]]]:
    """One row per database (the whole build, its steps, what it made), and the check against the target."""
    rows: list[tuple[str, ...]] = []
    checks: list[tuple[str, str, bool]] = []
    for label in ("sqlite", "postgres"):
        e = evidence.get(label)
        if not e:
            continue
        worst = max(e["builds"])
        steps = "; ".join(f"{step}: {seconds:.1f} s" for step, seconds in e["steps"].items())
        c = e["counts"]
        rows.append(
            (
                NAMES[label],
                f"{statistics.median(e['builds']):.1f} s / {worst:.1f} s",
                f"{statistics.median(e['builds_cpu']):.1f} s",
                steps,
                f"{c['incidents']} incidents, {c['audits']} audits, {c['alerts']:,} alerts, {c['charts']} MAR charts",
                f"{e['pdf_bytes'] / 1_000_000:.1f} MB / {e['zip_bytes'] / 1_000_000:.1f} MB",
            )
        )
        checks.append(
            (
                f"Evidence pack, one home, {e['days']} days, {e['people']} people's MAR charts ({NAMES[label]}), "
                f"slowest of {len(e['builds'])} builds < {EVIDENCE_TARGET_S:.0f} s",
                f"{worst:.1f} s",
                worst < EVIDENCE_TARGET_S,
            )
        )
    return rows, checks


def dashboard_rows(
    dashboards: dict[str, dict[str, Any]],
) -> tuple[list[tuple[str, ...]], list[tuple[str, str, bool]]]:
    rows: list[tuple[str, ...]] = []
    checks: list[tuple[str, str, bool]] = []
    for label in ("sqlite_30", "sqlite", "postgres", "sqlite_year", "postgres_year"):
        d = dashboards.get(label)
        if not d:
            continue
        for key, name in DASHBOARD_PAGES.items():
            s = summary(d[key])
            rows.append(
                (
                    NAMES[label],
                    str(d["days"]),
                    name,
                    f"{_fmt(s['median'])} / {_fmt(s['p95'])}",
                    _fmt(statistics.median(d[f"{key}_cpu"])),
                    str(d[f"{key}_queries"]),
                )
            )
        if label in ("sqlite_year", "postgres_year") or (
            label in ("sqlite", "postgres") and not dashboards.get(f"{label}_year")
        ):
            s = summary(d["provider_28"])
            checks.append(
                (
                    f"Governance dashboard, provider, {d['homes']} homes, last 28 days ({NAMES[label]}, "
                    f"{d['days']} days of history) p95 < {GOVERNANCE_DASHBOARD_TARGET_MS:.0f} ms",
                    f"{s['p95']:.0f} ms",
                    s["p95"] < GOVERNANCE_DASHBOARD_TARGET_MS,
                )
            )
    for long_label, short_label in (("sqlite_year", "sqlite"), ("postgres_year", "postgres")):
        if not (dashboards.get(long_label) and dashboards.get(short_label)):
            continue
        long, short = dashboards[long_label], dashboards[short_label]
        ratio = statistics.median(long["provider_28"]) / statistics.median(short["provider_28"])
        checks.append(
            (
                f"Governance dashboard flat in the length of history ({long['days']} days / {short['days']} days, "
                f"{NAMES[short_label]}, provider, last 28 days, ratio of medians ≤ {SCAN_GROWTH_LIMIT})",
                f"{ratio:.2f}",
                ratio <= SCAN_GROWTH_LIMIT,
            )
        )
    return rows, checks


def _table(header: tuple[str, ...], align: tuple[str, ...], rows: list[tuple[str, ...]]) -> list[str]:
    return [
        "| " + " | ".join(header) + " |",
        "| " + " | ".join(align) + " |",
        *("| " + " | ".join(row) + " |" for row in rows),
        "",
    ]


def render_markdown(
    run: dict[str, Any], manifests: dict[str, dict[str, Any]], results: dict[str, dict[str, Any]], breakdown: dict
) -> str:
    info, load = run["info"], run["load"]
    now = dt.datetime.fromisoformat(run["finished_at"]) if run.get("finished_at") else dt.datetime.now(tz=dt.UTC)
    large = manifests.get("sqlite") or manifests.get("postgres") or {}
    counts = large.get("counts", {})
    rows, checks = in_process_rows(results)
    growth, ratio, growth_checks = growth_rows(manifests, results)
    arows, alert_checks = alerts_rows(run.get("alerts", {}), manifests)
    drows, dashboard_checks = dashboard_rows(run.get("dashboards", {}))
    erows, evidence_checks = evidence_rows(run.get("evidence", {}))
    all_checks = [
        *load_checks(load, breakdown),
        *checks,
        *growth_checks,
        *alert_checks,
        *dashboard_checks,
        *evidence_checks,
    ]
    lines = [
        "# Benchmarks",
        "",
        "Written by `make bench` (`.venv/bin/python bench/run.py`); re-run it to refresh this page. "
        "Absolute times drift on these shared machines: compare figures measured in the same run, and prefer "
        "CPU per dose to wall-clock rates.",
        "",
        f"- **Date:** {now:%Y-%m-%d %H:%M} UTC ({local_now():%H:%M} in Europe/London: the measured round is the "
        "morning round of the current care day)",
        "- **Command:** `make bench` (= `.venv/bin/python bench/run.py`)",
        f"- **Machine:** {info['cpus']} CPUs ({info['cpu']}), Python {info['python']}, SQLite {info['sqlite']}, "
        f"PostgreSQL {info['postgres']}; load average at the start {info['load']} (other work shares these cores)",
        f"- **PostgreSQL server:** {info.get('pg_server', '')}",
        f"- **Data (each large database):** {counts.get('locations', '?')} care homes, {counts.get('people', '?')} "
        f"people, {counts.get('prescriptions', 0):,} prescriptions (entered and transcription-checked through "
        f"the services), {large.get('scale', {}).get('days', '?')} days of history: "
        f"{counts.get('due_doses', 0):,} due doses, {counts.get('administrations', 0):,} administrations, "
        f"{counts.get('prompt_answers', 0):,} prompt answers",
        *(
            [
                f"- **A year (the governance dashboard's databases):** the same homes and people, "
                f"{year['scale']['days']} days of history: {year['counts']['due_doses']:,} due doses, "
                f"{year['counts']['administrations']:,} administrations; rollups built by the seed in "
                f"{year['timings'].get('rollups_s', 0):.0f} s"
            ]
            if (year := manifests.get("sqlite_year") or manifests.get("postgres_year"))
            else []
        ),
        "- **Seeding:** "
        + ", ".join(f"{NAMES.get(k, k)} {v:.0f} s" for k, v in run["seed_seconds"].items())
        + f"; whole run {run['total'] / 60:.1f} min",
        "",
        "## Targets",
        "",
        *(f"- {_verdict(ok)}: {text} — {value}" for text, value, ok in all_checks),
        "",
    ]
    lines += [
        "## Taps of a five-medicine visit",
        "",
        f"**{FIVE_MEDICINE_VISIT_TAPS} taps** to give Addie her five morning medicines in one pass (ADR 0036), on the "
        "768 px tablet and on a 360 px phone alike: 1 to open her medicines from the round's card, 3 for the checks "
        "of the person (right person, allergies, consent: once for the visit), 2 for each medicine (its label, "
        "given) and 1 more for the one whose rule asks a reading (digoxin: the pulse), and 1 to save. Before the "
        "pass a regular dose took 10 taps on its own page, 50 for the five. Counted by "
        "`tests/e2e/test_one_pass_journey.py`, which fails if the figure changes (it asserts this constant), and at "
        f"most {TAPS_PER_EXTRA_MEDICINE} for each medicine after the first.",
        *(
            [
                "",
                f"The pass page of a person with 10 medicines due costs {pass_queries} queries "
                "(`bench/phases.py`, the same number whatever the number of medicines: "
                "`carebook/medication/tests/test_one_pass.py`).",
            ]
            if (pass_queries := (results.get("sqlite") or {}).get("person_pass_queries"))
            else []
        ),
        "",
    ]
    if load:
        lines += [
            "## Recording a dose in the production setup",
            "",
            f"gunicorn (`config.settings`, {load['workers']} workers × {load['threads']} threads, gthread) on the "
            f"PostgreSQL database, bound to 127.0.0.1; {load['clients']} client threads on the same machine, each "
            "with its own Bearer token, recording due doses through `POST /api/v1/administrations` (all prompts "
            f"confirmed, an Idempotency-Key each) for {load['seconds']:.0f} s, after 3 warm-up requests each.",
            "",
            *_table(("Figure", "Value"), ("---", "---:"), load_rows(load, breakdown)),
            *conditions(load),
            "",
            "The load generator shares the 2 cores with the server and the database, so the rates are floors "
            "for a machine where the clients run elsewhere; the CPU per dose is what the server and the database "
            "spent, whatever else ran.",
            "",
        ]
    cpu_rows = in_process_cpu_rows(results)
    if cpu_rows:
        lines += [
            "### CPU per dose, in-process",
            "",
            "The same request through Django's test client (production settings, one thread), the process's CPU "
            "clock over many recordings: *server* is the time inside Django's handler (middleware, API, service, "
            "response), *whole* adds the test client's own work; the PostgreSQL backend's CPU is read from "
            "/proc. Steadier than the load test on shared cores.",
            "",
            *_table(
                (
                    "Database",
                    "Doses",
                    "Server CPU per dose",
                    "PostgreSQL backend CPU per dose",
                    "Whole process",
                    "ORM statements",
                ),
                ("---", "---:", "---:", "---:", "---:", "---:"),
                cpu_rows,
            ),
        ]
    srows = statement_rows(breakdown)
    if srows:
        st = breakdown["statements"]
        lines += [
            "### The statements of one dose",
            "",
            f"One `POST /api/v1/administrations` (a scheduled dose, all prompts confirmed, an Idempotency-Key, a "
            f"Bearer token) on PostgreSQL, as psycopg sent them (libpq trace): **{st['wire_count']} statements**, "
            f"{st['orm_count']} of them from the ORM. Analysis and recommendations: "
            "[docs/perf/record-dose-2026-12.md](perf/record-dose-2026-12.md).",
            "",
            "*Planning ms* is PostgreSQL's planning time of the statement (`EXPLAIN` without `ANALYZE`, the median "
            "of 9): CPU the backend spends on every execution, since Django sends each statement as new text and "
            "prepares none.",
            "",
            *_table(("#", "Statement", "Sent by", "Planning ms"), ("---:", "---", "---", "---:"), srows),
        ]
    wrows = window_statement_rows(load)
    if wrows:
        lines += [
            "Over the load window, from pg_stat_statements (normalised statements; calls per dose and the "
            "server's mean execution time per call, which leaves out parsing and planning):",
            "",
            *_table(("Calls per dose", "Mean ms", "Statement"), ("---:", "---:", "---"), wrows),
        ]
    prows = profile_rows(breakdown)
    if prows:
        prof = breakdown["profile"]
        lines += [
            "### Where the server's CPU goes",
            "",
            f"A sampling profiler on the process's CPU clock (`bench/breakdown.py`: SIGPROF every millisecond of "
            f"CPU, the stack kept) over {prof['requests']} in-process recordings on PostgreSQL: "
            f"{prof['samples']:,} samples, {prof['cpu_ms_per_request']:.1f} ms of CPU per request of which "
            f"{prof['server_ms_per_request']:.1f} ms inside Django's handler. Waiting for PostgreSQL is not CPU "
            "and does not appear. A row is the CPU with that function on the stack (nested rows are parts of "
            "the row above; the last rows cut across them).",
            "",
            *_table(("Part (inclusive)", "CPU ms per dose", "Share of server"), ("---", "---:", "---:"), prows),
            "The innermost frame of each sample, by package (exclusive: these add up to the whole):",
            "",
            *_table(("Package", "CPU ms per dose", "Share"), ("---", "---:", "---:"), package_rows(breakdown)),
        ]
    lines += [
        "## In-process figures",
        "",
        "Django test client, production settings, after a warm-up, on each database:",
        "",
        *_table(
            ("Figure", "Database", "Runs", "Median", "p95", "Target", "Result"),
            ("---", "---", "---:", "---:", "---:", "---", "---"),
            rows,
        ),
        *_engine_ratios(results),
    ]
    if growth:
        lines += [
            "## How the round page's cost grows",
            "",
            "The same 30-person unit's morning round, on SQLite, in a small database and in the large one:",
            "",
            *_table(
                ("Database", "People", "Days of history", "Administrations", "Round page median / p95"),
                ("---", "---:", "---:", "---:", "---"),
                growth,
            ),
            f"Ratio of medians, large / small: **{ratio:.2f}** (10 times the people and 3 times the history). "
            f"The page ran {results.get('small', {}).get('round_page_queries', '?')} queries in the small database "
            f"and {results.get('sqlite', {}).get('round_page_queries', '?')} in the large one.",
            "",
        ]
    if arows:
        lines += [
            "## Alerts: the minute's scan and the dashboard",
            "",
            "`bench/alerts.py`, in-process, last in the run (on PostgreSQL after the load test). *A normal week*: "
            "the scan as it ran 49 hours before the seed ended, when every dose of the history was recorded (its "
            "refusals, omissions, when-required doses, late entries): the first scan at that moment raises what "
            "the week holds; the figure with the target is the scan that runs every minute after it (*the minute's "
            "scan*), wall-clock median / p95 and its CPU median. The SQLite database of 30 days holds the same 600 "
            "people: side by side with 90 days it shows whether the scan's cost grows with the history. *A storm*: "
            "the seed leaves the last 48 hours of nine care homes' doses pending for the recording phases, so the "
            "scan at the end meets a backlog no home would have (thousands of overdue and missed doses at once), "
            "and the minute's scan after it reads all of them again: measured, without a target. The dashboard "
            "(`/alerts/` and its polled fragment `/alerts/list/`) is opened after the storm by a team leader of "
            "the homes with the most alerts needing attention, as many as it takes to reach 1,000.",
            "",
            *_table(
                (
                    "Database",
                    "Days",
                    "Due doses",
                    "Normal week: first scan",
                    "Minute's scan median / p95",
                    "Scan CPU",
                    "Scan queries",
                    "Storm: first scan",
                    "Storm: minute's scan median / p95",
                    "Open alerts on the dashboard",
                    "Dashboard p95",
                    "Fragment p95",
                    "Dashboard / fragment queries",
                ),
                ("---", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:", "---:"),
                arows,
            ),
        ]
    if drows:
        lines += [
            "## The governance dashboard",
            "",
            "`bench/dashboard.py`, in-process, after the alerts: `/reports/` (every figure for every home, the "
            "chosen period beside the previous one and a baseline, each with its weekly trend) as a registered "
            "manager of all the homes opens it, for the default period and for 366 days (reaching past the start "
            "of the history), and one home's dashboard; wall-clock median / p95 and CPU median. The databases of "
            "30 days, 90 days and a year hold the same 600 people: side by side they show whether the cost grows "
            "with the history. The dose figures read their daily rollups for the settled days (ADR 0033), built "
            "by the seed as the job would.",
            "",
            *_table(
                ("Database", "Days", "Page", "Median / p95", "CPU", "Queries"),
                ("---", "---:", "---", "---:", "---:", "---:"),
                drows,
            ),
        ]
    if erows:
        lines += [
            "## The evidence pack",
            "",
            "`bench/evidence.py`, in-process, after the alerts: the pack of the measured care home for the last "
            "30 days of its history, with the MAR charts of five of its people (two calendar months each), built by "
            "the worker's own function (`evidence_pack_build`: figures, incidents, audits, alerts, MAR charts, the "
            "PDF by WeasyPrint, the ZIP), wall-clock median and slowest of the builds, and its CPU; then one build's "
            "steps as its progress reports them. The seed writes no incidents or audits: the alerts are those the "
            "scans of the alerts phase raised.",
            "",
            *_table(
                ("Database", "Build median / slowest", "Build CPU", "Steps", "Held", "PDF / ZIP"),
                ("---", "---:", "---:", "---", "---", "---:"),
                erows,
            ),
        ]
    lines += _method(results)
    return "\n".join(lines)


def _engine_ratios(results: dict[str, dict[str, Any]]) -> list[str]:
    """PostgreSQL against SQLite, measured in the same run: the ratio of medians."""
    if not ("sqlite" in results and "postgres" in results):
        return []
    parts = []
    for key, label in (
        ("round_page", "round page"),
        ("record_dose", "recording a dose"),
        ("mar_json", "MAR JSON"),
        ("mar_pdf", "MAR PDF"),
    ):
        a, b = results["sqlite"].get(key), results["postgres"].get(key)
        if a and b:
            parts.append(f"{label} {statistics.median(b) / statistics.median(a):.2f}")
    return [f"PostgreSQL / SQLite, ratio of medians in this run: {', '.join(parts)}.", ""]


def _method(results: dict[str, dict[str, Any]]) -> list[str]:
    return [
        "## Method",
        "",
        "- Each database is new: migrated, then seeded by `bench/run.py --phase seed`. People, staff and medicines "
        "come from the demo's builders (`carebook/demo/seed.py`); every prescription goes through "
        "`prescription_create` and `prescription_check_transcription`.",
        "- The history is written in bulk (`carebook/demo/history.py`: executemany on SQLite, COPY on PostgreSQL) "
        "and keeps the services' rules, taking the rule sets from `carebook/medication/rules.py` (a test, "
        "`tests/bench/test_bulk_history.py`, compares its rows with rows the services write for the same "
        "doses): a due dose per scheduled slot, at most one effective outcome per due dose, prompt answers for "
        "every record, witnesses for controlled drugs, sites for patches and injections, PRN limits, "
        "corrections as entered-in-error plus a replacement. It writes no audit events.",
        "- The measured care home is recorded up to 90 minutes before the run; the other homes leave their last "
        "48 hours pending, and those overdue doses are what the API and the load clients record (one new "
        "administration per request, all prompts confirmed, an Idempotency-Key each; doses of controlled "
        "drugs, which need a witness's password, are left out). The in-process phases record at one home, "
        "the load clients at the others.",
        "- The MAR chart is last month's for the person with the most prescriptions in the measured home "
        f"({results.get('sqlite', {}).get('mar_prescriptions', '?')} scheduled prescriptions, "
        f"{results.get('sqlite', {}).get('mar_cells', '?')} cells). The PDF is rendered by WeasyPrint in the same "
        "process (its import is paid once, in the warm-up).",
        "- Median, 95th and 99th percentiles are nearest-rank, over the repetitions after the warm-up.",
        "",
        "### The PostgreSQL server",
        "",
        "`make bench` starts its own throwaway PostgreSQL server (`bench/pg.py`): the same binaries as the shared "
        "server, its settings copied one by one (shared_buffers, work_mem, fsync, synchronous_commit, "
        "autovacuum, WAL sizes, …), and `pg_stat_statements` loaded, which the shared server does not load and "
        "cannot without a restart. It serves nothing but the benchmark, listens on 127.0.0.1 only, and is "
        "stopped and deleted at the end. `bench/run.py --pg shared` measures on `BENCH_PG_SERVER` instead.",
        "",
        "### CPU per dose (load test)",
        "",
        "- The clients warm up (3 requests each, which also opens every database connection), then wait at a "
        "gate. With nothing in flight, the CPU times and the statement counts are read; the window opens; "
        "after its time, no client sends another request, and when the last one sent inside the window has "
        "been answered they are read again. So the window holds exactly the doses counted, whole.",
        "- CPU is user + system time from `/proc/<pid>/stat` (utime + stime, plus cutime + cstime: children "
        "waited for), in clock ticks (1/100 s; over a window of thousands of doses the rounding is far below "
        "0.1 ms per dose). The processes: gunicorn's master and its workers (the master's children); the "
        "PostgreSQL backends connected to the bench database (`pg_stat_activity` filtered by `datname`), "
        "sampled every half second. The monitoring connection sits in another database, so it is never "
        "counted.",
        "- A process is named by its pid and its start time. Present at both ends: the difference. Started "
        "inside the window: all its CPU, from zero (the window paid for its start, connection set-up "
        "included). First seen inside the window although it started before: from first sight. Ended inside "
        "the window: a gunicorn worker's whole CPU lands in its master's children time, so only its CPU before "
        "the window is taken off; a backend's CPU counts up to its last sample, and the report says how many "
        "ended (none, normally). Connections persist through the window: the load phase sets "
        "`CAREBOOK_CONN_MAX_AGE=600` (production's 60 s would close each thread's connection once a minute, "
        "a few milliseconds a minute).",
        "- Not in the figure: PostgreSQL's WAL writer, checkpointer and background writer (server-wide work, "
        "shown with everything else that ran), and the load generator (shown apart).",
        "",
        "### CPU per dose in-process",
        "",
        "- `time.process_time()` around Django's handler over many recordings through the test client (the "
        "server's part), and around the whole loop (the test client included); the connection's backend "
        "(`pg_backend_pid()`) is read from `/proc` before and after. One thread, so nothing else is in the "
        "process's clock.",
        "",
        "### SQL statements per dose",
        "",
        "- Load test: `pg_stat_statements` (with `track_utility = on`, so BEGIN, COMMIT, SAVEPOINT and RELEASE "
        "count) is read for the bench database before and after the window; the calls added, divided by the "
        "doses recorded, are the statements per dose. Exact: every statement the server executed for the "
        "database inside the window (the token look-up included), and nothing else, since the monitor runs in "
        "another database and no request straddles the window's edges. If pg_stat_statements evicted entries "
        "during the window (it keeps 10,000), the report marks the count inexact.",
        "- One request, with the code behind each statement (`bench/breakdown.py`): libpq's own trace of the "
        "connection (`PGconn.trace`) lists every message psycopg sends, so psycopg's implicit `BEGIN` and its "
        "`COMMIT`, which Django's `connection.execute_wrapper` never sees, are there too; the wrapper gives each "
        "ORM statement its Python stack, and the `transaction.atomic()` block gives BEGIN and COMMIT theirs. The "
        "two counts agree when the wire count equals the load test's per-dose figure.",
        "- Without pg_stat_statements (`--pg shared`), the report gives the one-request wire count and says so.",
        "",
    ]
