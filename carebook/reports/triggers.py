"""The database triggers that write ``RollupChange`` rows (ADR 0033), per vendor, installed by the migration.

A due dose inserted or changed marks its location's date on the MAR. An administration inserted or changed marks
its due dose's date and the local date it was given (PostgreSQL converts to Europe/London itself; SQLite has no
time zones, so it marks the UTC date and, after 23:00 UTC, the next day too: marking a day too many only makes the
figure read that day from the records). On SQLite a table rebuilt by a later migration loses its triggers: the
rollups' tests check that they are there.
"""

from __future__ import annotations

TRIGGERS = (
    "reports_rollup_dose_ins",
    "reports_rollup_dose_upd",
    "reports_rollup_admin_ins",
    "reports_rollup_admin_upd",
)

TABLE_TRIGGERS = {
    "medication_duedose": ("reports_rollup_dose_ins", "reports_rollup_dose_upd"),
    "medication_administration": ("reports_rollup_admin_ins", "reports_rollup_admin_upd"),
}

_SQLITE_DOSE = """
CREATE TRIGGER {name} AFTER {event} ON medication_duedose BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date) VALUES (NEW.location_id, NEW.local_date);
END
"""
_SQLITE_ADMIN = """
CREATE TRIGGER {name} AFTER {event} ON medication_administration BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date)
  SELECT NEW.location_id, d FROM (
    SELECT date(NEW.administered_at) AS d
    UNION SELECT date(NEW.administered_at, '+1 day') WHERE strftime('%H', NEW.administered_at) >= '23'
    UNION SELECT local_date FROM medication_duedose WHERE id = NEW.due_dose_id
  ) ORDER BY d;
END
"""
_PG_FUNCTIONS = """
CREATE OR REPLACE FUNCTION reports_rollup_mark_dose() RETURNS trigger AS $$
BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date) VALUES (NEW.location_id, NEW.local_date);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION reports_rollup_mark_admin() RETURNS trigger AS $$
BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date)
  SELECT NEW.location_id, d FROM (
    SELECT (NEW.administered_at AT TIME ZONE 'Europe/London')::date AS d
    UNION SELECT local_date FROM medication_duedose WHERE id = NEW.due_dose_id
  ) AS days ORDER BY d;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
_PG_TRIGGER = "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"


def install_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [
            _SQLITE_DOSE.format(name="reports_rollup_dose_ins", event="INSERT"),
            _SQLITE_DOSE.format(name="reports_rollup_dose_upd", event="UPDATE"),
            _SQLITE_ADMIN.format(name="reports_rollup_admin_ins", event="INSERT"),
            _SQLITE_ADMIN.format(name="reports_rollup_admin_upd", event="UPDATE"),
        ]
    if vendor == "postgresql":
        return [
            _PG_FUNCTIONS,
            _PG_TRIGGER.format(
                name="reports_rollup_dose_ins",
                event="INSERT",
                table="medication_duedose",
                function="reports_rollup_mark_dose",
            ),
            _PG_TRIGGER.format(
                name="reports_rollup_dose_upd",
                event="UPDATE",
                table="medication_duedose",
                function="reports_rollup_mark_dose",
            ),
            _PG_TRIGGER.format(
                name="reports_rollup_admin_ins",
                event="INSERT",
                table="medication_administration",
                function="reports_rollup_mark_admin",
            ),
            _PG_TRIGGER.format(
                name="reports_rollup_admin_upd",
                event="UPDATE",
                table="medication_administration",
                function="reports_rollup_mark_admin",
            ),
        ]
    raise NotImplementedError(f"No rollup triggers for {vendor}")


def drop_sql(vendor: str) -> list[str]:
    tables = {name: table for table, names in TABLE_TRIGGERS.items() for name in names}
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]
    return [f"DROP TRIGGER IF EXISTS {name} ON {tables[name]}" for name in TRIGGERS] + [
        "DROP FUNCTION IF EXISTS reports_rollup_mark_dose()",
        "DROP FUNCTION IF EXISTS reports_rollup_mark_admin()",
    ]


def installed(connection: object) -> set[str]:
    """The rollup triggers the database holds now."""
    vendor = connection.vendor  # type: ignore[attr-defined]
    with connection.cursor() as cursor:  # type: ignore[attr-defined]
        if vendor == "sqlite":
            cursor.execute("SELECT name FROM sqlite_master WHERE type = 'trigger' AND name LIKE 'reports_rollup_%'")
        else:
            cursor.execute("SELECT tgname FROM pg_trigger WHERE tgname LIKE 'reports_rollup_%'")
        return {row[0] for row in cursor.fetchall()}
