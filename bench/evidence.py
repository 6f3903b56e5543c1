"""The evidence pack's figure (``bench/run.py --phase evidence``): building the pack of one care home for its last
30 days, with the MAR charts of five of its people (two months each), through the worker's own build
(``carebook.evidence.services.evidence_pack_build``). Wall-clock and CPU of the whole build, and one build's
steps (the progress it reports) with the size of what it made. Target: under 60 s (issue 7)."""

from __future__ import annotations

import datetime as dt
import itertools
import json
import time
from pathlib import Path
from typing import Any

PEOPLE = 5
DAYS = 30


def phase_evidence(manifest_path: Path, out: Path, *, repeats: int) -> None:
    from django.db import connection

    from carebook.access.models import User
    from carebook.core import clock
    from carebook.evidence import collect as collecting
    from carebook.evidence import services
    from carebook.evidence.models import EvidencePack
    from carebook.evidence.render import pack_pdf, pack_zip
    from carebook.organisations.models import Location
    from carebook.people.models import Person
    from carebook.reports.rules import Period

    manifest = json.loads(manifest_path.read_text())
    location = Location.objects.get(pk=manifest["measured"]["location"])
    user = User.objects.get(username=manifest["measured"]["carer"])
    seeded = dt.datetime.fromisoformat(manifest["seeded_at"])
    today = clock.to_local(seeded).date()
    first, end = today - dt.timedelta(days=DAYS), today
    people = list(Person.objects.filter(location=location).order_by("family_name", "given_name")[:PEOPLE])
    results: dict[str, Any] = {
        "vendor": connection.vendor,
        "days": DAYS,
        "people": len(people),
        "builds": [],
        "builds_cpu": [],
    }

    with clock.overridden(lambda: seeded):
        for _ in range(repeats):
            pack = EvidencePack.objects.create(
                location=location, period_start=first, period_end=end, requested_by=user, requested_at=seeded
            )
            pack.people.set(people)
            started, cpu = time.perf_counter(), time.process_time()
            assert services.evidence_pack_build(pack.pk) == "ready"
            results["builds"].append(time.perf_counter() - started)
            results["builds_cpu"].append(time.process_time() - cpu)
        built = EvidencePack.objects.get(pk=pack.pk)
        results["pdf_bytes"] = len(built.pdf)
        results["zip_bytes"] = len(built.zip)

        # One build's steps, as its progress reports them.
        marks: list[tuple[str, float]] = []
        started = time.perf_counter()
        content = collecting.collect(
            location,
            Period(first, end),
            people,
            as_of=seeded,
            progress=lambda _n, step: marks.append((step, time.perf_counter() - started)),
        )
        marks.append(("Printing the PDF", time.perf_counter() - started))
        pdf = pack_pdf(content, requested_by=user.display_name, pack_id="bench")
        marks.append(("Packing the CSVs", time.perf_counter() - started))
        pack_zip(content, pdf=pdf)
        marks.append(("Ready", time.perf_counter() - started))
        steps: dict[str, float] = {}
        for (step, at), (_next, then) in itertools.pairwise(marks):
            key = "The MAR charts" if step.startswith("The MAR chart of") else step
            steps[key] = steps.get(key, 0.0) + (then - at)
        results["steps"] = steps
        results["counts"] = {
            "incidents": len(content.incidents),
            "audits": len(content.audits),
            "alerts": len(content.alerts),
            "charts": len(content.charts),
        }
    out.write_text(json.dumps(results))
