"""The alerts' figures (``bench/run.py --phase alerts``): the minute's scan over a large database, and the dashboard.

Run on a database the seed phase made (and, for PostgreSQL, after the load test recorded its doses).

- *A normal week*: the scan as it ran 49 hours before the seed ended, when every dose of the history was recorded
  as the bulk history wrote it (its refusals, omissions, when-required doses and late entries): the first scan at
  that moment raises what the week holds; the scan that follows every minute after it (*the minute's scan*, as the
  job runs it: the records written since the last, less its margin) is the figure with the target, on a database
  of 90 days and one of 30 (the same 600 people), to show whether its cost grows with the length of the history.
- *A storm*: the seed leaves the last 48 hours of nine care homes' doses pending (for the recording phases), so the
  scan at the end meets a backlog no care home would have: thousands of overdue and missed doses at once. Measured
  and said (the backlog's scan, then the minute's scan over it), without a target.

The dashboard is measured after the storm for a team leader of the care homes with the most alerts needing
attention (as many homes as it takes to reach 1,000), as the page and as its polled fragment.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any

DASHBOARD_ALERTS = 1000
NORMAL_WEEK_BEFORE_END = dt.timedelta(hours=49)


def _minute_scans(scan: Any, at: dt.datetime, repeats: int) -> tuple[list[float], list[float]]:
    """Wall-clock and CPU ms of the scan as the job runs it, ``repeats`` times a minute apart from ``at`` (two more
    to warm up), each looking at the records written since the one before, less the job's margin."""
    from carebook.alerts.jobs import SCAN_MARGIN

    times, cpu_times = [], []
    for i in range(repeats + 2):
        now = at + dt.timedelta(minutes=i)
        started, cpu = time.perf_counter(), time.process_time()
        scan(now=now, written_after=now - dt.timedelta(minutes=1) - SCAN_MARGIN)
        if i >= 2:
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
    return times, cpu_times


def phase_alerts(manifest_path: Path, out: Path, *, repeats: int) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from carebook.access.models import Membership, Role, User
    from carebook.alerts.models import Alert
    from carebook.alerts.selectors import NEEDS_ATTENTION
    from carebook.alerts.services import alerts_scan
    from carebook.core import clock

    manifest = json.loads(manifest_path.read_text())
    results: dict[str, Any] = {"vendor": connection.vendor, "days": manifest["scale"]["days"]}

    # A normal week: the moment before the seed's pending doses, every dose of the history recorded.
    normal = dt.datetime.fromisoformat(manifest["seeded_at"]) - NORMAL_WEEK_BEFORE_END
    started, cpu = time.perf_counter(), time.process_time()
    first = alerts_scan(now=normal)
    results["normal_first_scan"] = {
        "ms": (time.perf_counter() - started) * 1000,
        "cpu_ms": (time.process_time() - cpu) * 1000,
        "raised": len(first.raised),
    }
    results["steady_scan"], results["steady_scan_cpu"] = _minute_scans(alerts_scan, normal, repeats)
    last = normal + dt.timedelta(minutes=repeats + 2)
    with CaptureQueriesContext(connection) as queries:
        alerts_scan(now=last, written_after=last - dt.timedelta(minutes=11))
    results["steady_scan_queries"] = len(queries)

    # The storm: every pending dose of the last 48 hours of nine homes becomes an alert at once.
    now = clock.now()
    before = Alert.objects.count()
    started, cpu = time.perf_counter(), time.process_time()
    storm = alerts_scan(now=now)
    results["first_scan"] = {
        "ms": (time.perf_counter() - started) * 1000,
        "cpu_ms": (time.process_time() - cpu) * 1000,
        "raised": len(storm.raised),
        "alerts_before": before,
    }
    results["storm_scan"], results["storm_scan_cpu"] = _minute_scans(alerts_scan, clock.now(), max(3, repeats // 3))
    with CaptureQueriesContext(connection) as queries:
        alerts_scan(now=clock.now(), written_after=clock.now() - dt.timedelta(minutes=11))
    results["storm_scan_queries"] = len(queries)
    results["alerts_total"] = Alert.objects.count()

    # The dashboard: a team leader of the homes with the most alerts needing attention, 1,000 or more in all.
    busiest = list(Alert.objects.filter(NEEDS_ATTENTION).values("location_id").annotate(n=Count("pk")).order_by("-n"))
    homes, total = [], 0
    for row in busiest:
        homes.append(row["location_id"])
        total += row["n"]
        if total >= DASHBOARD_ALERTS:
            break
    if not homes:
        out.write_text(json.dumps(results))
        return
    provider = User.objects.filter(role=Role.TEAM_LEADER).values_list("provider_id", flat=True).first()
    leader = User.objects.create(
        username="bench.dashboard",
        full_name="Bench Dashboard",
        initials="BD",
        role=Role.TEAM_LEADER,
        provider_id=provider,
        password="!",
    )
    Membership.objects.bulk_create([Membership(user=leader, location_id=home) for home in homes])
    results["dashboard_open_alerts"] = total
    results["dashboard_homes"] = len(homes)
    client = Client()
    client.force_login(leader)
    for name, url in (("dashboard", "/alerts/"), ("dashboard_fragment", "/alerts/list/")):

        def page(url: str = url) -> None:
            response = client.get(url)
            assert response.status_code == 200, response.status_code

        for _ in range(3):
            page()
        values = []
        for _ in range(repeats):
            started = time.perf_counter()
            page()
            values.append((time.perf_counter() - started) * 1000)
        results[name] = values
        with CaptureQueriesContext(connection) as queries:
            page()
        results[f"{name}_queries"] = len(queries)
    out.write_text(json.dumps(results))
