"""The governance dashboard's figure (``bench/run.py --phase dashboard``): the provider dashboard (every figure for
every home: the chosen period, the previous one and a baseline, each figure with its weekly trend) as a registered
manager of all the homes opens it, for the default period (the last 28 whole days) and for the longest a page allows
(366 days, reaching past the start of the history), and one home's dashboard; on the databases of 30 and 90 days of
the same people, side by side, to show whether its cost grows with the history. Target (issue 7): under 1 s p95."""

from __future__ import annotations

import datetime as dt
import json
import time
from pathlib import Path
from typing import Any


def phase_dashboard(manifest_path: Path, out: Path, *, repeats: int) -> None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from carebook.access.models import Membership, Role, User
    from carebook.core import clock
    from carebook.organisations.models import Location

    manifest = json.loads(manifest_path.read_text())
    seeded = dt.datetime.fromisoformat(manifest["seeded_at"])
    today = clock.to_local(seeded).date()
    locations = list(Location.objects.all())
    manager, _ = User.objects.get_or_create(
        username="bench.manager",
        defaults={
            "full_name": "Bench Manager",
            "initials": "BM",
            "role": Role.REGISTERED_MANAGER,
            "provider_id": locations[0].provider_id,
            "password": "!",
        },
    )
    Membership.objects.bulk_create([Membership(user=manager, location=loc) for loc in locations], ignore_conflicts=True)
    year_from = today - dt.timedelta(days=366)
    pages = {
        "provider_28": "/reports/",
        "provider_year": f"/reports/?from={year_from.isoformat()}&to={(today - dt.timedelta(days=1)).isoformat()}",
        "location_28": f"/reports/locations/{manifest['measured']['location']}/",
    }
    results: dict[str, Any] = {"vendor": connection.vendor, "days": manifest["scale"]["days"], "homes": len(locations)}
    client = Client()
    client.force_login(manager)
    with clock.overridden(lambda: seeded):
        for name, url in pages.items():

            def page(url: str = url) -> None:
                response = client.get(url)
                assert response.status_code == 200, (url, response.status_code)

            for _ in range(2):
                page()
            values, cpu_values = [], []
            for _ in range(repeats):
                started, cpu = time.perf_counter(), time.process_time()
                page()
                values.append((time.perf_counter() - started) * 1000)
                cpu_values.append((time.process_time() - cpu) * 1000)
            results[name] = values
            results[f"{name}_cpu"] = cpu_values
            with CaptureQueriesContext(connection) as queries:
                page()
            results[f"{name}_queries"] = len(queries)
    out.write_text(json.dumps(results))
