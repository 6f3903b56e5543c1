"""What the append-only UPDATE trigger costs (ADR 0005): one UPDATE of N due-dose rows, with and without it.

    DATABASE_URL=sqlite:///$PWD/var/ao.sqlite3 .venv/bin/python manage.py migrate   # once, a scratch database
    DATABASE_URL=sqlite:///$PWD/var/ao.sqlite3 .venv/bin/python bench/append_only_triggers.py
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/<scratch> .venv/bin/python bench/append_only_triggers.py

Both figures come from the same run and the same rows (the state flipped pending → recorded and back, median of
7), then everything is rolled back: the triggers are dropped only inside the measuring transaction.
"""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings_test")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402

from carebook.access.models import Role  # noqa: E402
from carebook.core import append_only  # noqa: E402
from carebook.medication.models import DueDose  # noqa: E402
from carebook.testing.factories import (  # noqa: E402
    LocationFactory,
    MedicineFactory,
    PersonFactory,
    UserFactory,
    prescribe,
)

ROWS = int(os.environ.get("ROWS", "20000"))
FLIP = (
    "UPDATE medication_duedose SET state = 'recorded' WHERE state = 'pending'",
    "UPDATE medication_duedose SET state = 'pending' WHERE state = 'recorded'",
)


class _RollBack(Exception):
    pass


def _median_seconds(repeats: int = 7) -> float:
    times = []
    with connection.cursor() as cursor:
        for i in range(repeats):
            start = time.perf_counter()
            cursor.execute(FLIP[i % 2])
            times.append(time.perf_counter() - start)
    return statistics.median(times)


def _insert_slots(prescription_id: str, person_id: str, location_id: str) -> None:
    """ROWS pending slots of one prescription, one a day (the unique slot constraint wants distinct days)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < %s) "
                "INSERT INTO medication_duedose (id, prescription_id, person_id, location_id, scheduled_at, "
                "local_date, local_time, state, withdrawn_reason) "
                "SELECT lower(hex(randomblob(16))), %s, %s, %s, '2030-01-01 08:00:00', "
                "date('2030-01-01', '+' || i || ' days'), '08:00:00', 'pending', '' FROM s",
                [ROWS, prescription_id, person_id, location_id],
            )
        else:
            cursor.execute(
                "INSERT INTO medication_duedose (id, prescription_id, person_id, location_id, scheduled_at, "
                "local_date, local_time, state, withdrawn_reason) "
                "SELECT gen_random_uuid(), %s, %s, %s, '2030-01-01 08:00+00', date '2030-01-01' + i, '08:00', "
                "'pending', '' FROM generate_series(1, %s) AS i",
                [prescription_id, person_id, location_id, ROWS],
            )


def main() -> None:
    try:
        with transaction.atomic():
            home = LocationFactory()
            senior = UserFactory(role=Role.SENIOR_CARER, at=home)
            rx = prescribe(PersonFactory(location=home), MedicineFactory(), by=senior)
            DueDose.objects.filter(prescription=rx).update(state=DueDose.State.WITHDRAWN)
            ids = [rx.pk, rx.person.pk, home.pk]
            _insert_slots(*(i.hex if connection.vendor == "sqlite" else str(i) for i in ids))
            with_trigger = _median_seconds()
            with connection.cursor() as cursor:
                for sql in append_only.remove_sql(connection.vendor, DueDose._meta.db_table):
                    cursor.execute(sql)
            without = _median_seconds()
            raise _RollBack
    except _RollBack:
        pass
    print(
        f"{connection.vendor}: UPDATE of {ROWS} due doses, median of 7: with the trigger {with_trigger * 1000:.0f} ms "
        f"({with_trigger / ROWS * 1e6:.1f} µs a row), without {without * 1000:.0f} ms "
        f"({without / ROWS * 1e6:.1f} µs a row): {with_trigger / without:.2f}×"
    )


if __name__ == "__main__":
    main()
