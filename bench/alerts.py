"""The alerts' figures (``bench/run.py --phase alerts``): the minute's scan over a large database, and the dashboard.

Run on a database the seed phase made (and, for PostgreSQL, after the load test recorded its doses). The seed
leaves the last 48 hours of nine care homes' doses pending (for the recording phases to take), so the first scan
meets a backlog no care home would have: thousands of overdue and missed doses at once. It is measured, and said,
apart from the scan that follows every minute after it (the *steady* scan: nothing new to raise, everything raised
read again), which is the figure with the target. The same steady scan on a database of 30 days and one of 90 days
(the same 600 people) shows whether its cost grows with the length of the history.

The dashboard is measured for the team leader of the care home with the most alerts needing attention (at least
1,000 after the backlog scan), as the page and as its polled fragment.
"""

from __future__ import annotations

import json
import time
from pathlib import Path
from typing import Any


def phase_alerts(manifest_path: Path, out: Path, *, repeats: int) -> None:
    from django.db import connection
    from django.db.models import Count
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from carebook.access.models import Role, User
    from carebook.alerts.models import Alert
    from carebook.alerts.selectors import NEEDS_ATTENTION
    from carebook.alerts.services import alerts_scan
    from carebook.core import clock

    manifest = json.loads(manifest_path.read_text())
    results: dict[str, Any] = {"vendor": connection.vendor, "days": manifest["scale"]["days"]}

    # The backlog: every pending dose of the last 48 hours of nine homes becomes an alert at once.
    before = Alert.objects.count()
    started, cpu = time.perf_counter(), time.process_time()
    first = alerts_scan(now=clock.now())
    results["first_scan"] = {
        "ms": (time.perf_counter() - started) * 1000,
        "cpu_ms": (time.process_time() - cpu) * 1000,
        "raised": len(first.raised),
        "alerts_before": before,
    }

    # The minute's scan after it: nothing new to raise; everything raised is read again.
    times, cpu_times = [], []
    for i in range(repeats + 2):
        started, cpu = time.perf_counter(), time.process_time()
        alerts_scan(now=clock.now())
        if i >= 2:  # two to warm up
            times.append((time.perf_counter() - started) * 1000)
            cpu_times.append((time.process_time() - cpu) * 1000)
    results["steady_scan"] = times
    results["steady_scan_cpu"] = cpu_times
    with CaptureQueriesContext(connection) as queries:
        steady = alerts_scan(now=clock.now())
    results["steady_scan_queries"] = len(queries)
    results["steady_scan_raised"] = len(steady.raised)

    # The dashboard of the home with the most alerts needing attention, for its team leader.
    busiest = Alert.objects.filter(NEEDS_ATTENTION).values("location_id").annotate(n=Count("pk")).order_by("-n").first()
    results["alerts_total"] = Alert.objects.count()
    if busiest is None:
        out.write_text(json.dumps(results))
        return
    leader = User.objects.filter(role=Role.TEAM_LEADER, locations=busiest["location_id"]).first()
    assert leader is not None, "the seed makes a team leader per care home"
    results["dashboard_open_alerts"] = busiest["n"]
    client = Client()
    client.force_login(leader)
    for name, url in (("dashboard", "/alerts/"), ("dashboard_fragment", "/alerts/list/")):

        def page(url: str = url) -> None:
            response = client.get(url, {"location": str(busiest["location_id"])})
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
