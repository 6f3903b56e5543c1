"""The database triggers that write ``RollupChange`` rows (ADR 0033), per vendor, installed by the migration.

A due dose inserted or changed marks its location's date on the MAR. An administration inserted or changed marks
its due dose's date, the local date it was given, and the date of the walk of prompts it was made from (entered in
error, the walk no longer counts). A walk of prompts shown (``PromptShowing``) inserted or linked to its record
marks the local date it was shown. PostgreSQL converts to Europe/London itself; SQLite has no time zones, so it
marks the UTC date and, after 23:00 UTC, the next day too: marking a day too many only makes the figure read that
day from the records. On SQLite a table rebuilt by a later migration loses its triggers: the
rollups' tests check that they are there.
"""

from __future__ import annotations

_SQLITE_DOSE = """
CREATE TRIGGER {name} AFTER {event} ON medication_duedose BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date) VALUES (NEW.location_id, NEW.local_date);
END
"""
_SQLITE_ADMIN = """
CREATE TRIGGER {name} AFTER {event} ON medication_administration BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date)
  SELECT loc, d FROM (
    SELECT NEW.location_id AS loc, date(NEW.administered_at) AS d
    UNION SELECT NEW.location_id, date(NEW.administered_at, '+1 day') WHERE strftime('%H', NEW.administered_at) >= '23'
    UNION SELECT location_id, local_date FROM medication_duedose WHERE id = NEW.due_dose_id
    UNION SELECT location_id, date(shown_at) FROM medication_promptshowing WHERE administration_id = NEW.id
    UNION SELECT location_id, date(shown_at, '+1 day') FROM medication_promptshowing
      WHERE administration_id = NEW.id AND strftime('%H', shown_at) >= '23'
  ) ORDER BY loc, d;
END
"""
_SQLITE_SHOWING = """
CREATE TRIGGER {name} AFTER {event} ON medication_promptshowing BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date)
  SELECT NEW.location_id, d FROM (
    SELECT date(NEW.shown_at) AS d
    UNION SELECT date(NEW.shown_at, '+1 day') WHERE strftime('%H', NEW.shown_at) >= '23'
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
  SELECT loc, d FROM (
    SELECT NEW.location_id AS loc, (NEW.administered_at AT TIME ZONE 'Europe/London')::date AS d
    UNION SELECT location_id, local_date FROM medication_duedose WHERE id = NEW.due_dose_id
    UNION SELECT location_id, (shown_at AT TIME ZONE 'Europe/London')::date
      FROM medication_promptshowing WHERE administration_id = NEW.id
  ) AS days ORDER BY loc, d;
  RETURN NULL;
END $$ LANGUAGE plpgsql;
CREATE OR REPLACE FUNCTION reports_rollup_mark_showing() RETURNS trigger AS $$
BEGIN
  INSERT INTO reports_rollupchange (location_id, local_date)
  VALUES (NEW.location_id, (NEW.shown_at AT TIME ZONE 'Europe/London')::date);
  RETURN NULL;
END $$ LANGUAGE plpgsql;
"""
_PG_TRIGGER = "CREATE TRIGGER {name} AFTER {event} ON {table} FOR EACH ROW EXECUTE FUNCTION {function}()"


# Each trigger: its name, the event, the table, and how it marks (SQLite's body; PostgreSQL's function).
_SPECS = (
    ("reports_rollup_dose_ins", "INSERT", "medication_duedose", _SQLITE_DOSE, "reports_rollup_mark_dose"),
    ("reports_rollup_dose_upd", "UPDATE", "medication_duedose", _SQLITE_DOSE, "reports_rollup_mark_dose"),
    ("reports_rollup_admin_ins", "INSERT", "medication_administration", _SQLITE_ADMIN, "reports_rollup_mark_admin"),
    ("reports_rollup_admin_upd", "UPDATE", "medication_administration", _SQLITE_ADMIN, "reports_rollup_mark_admin"),
    ("reports_rollup_walk_ins", "INSERT", "medication_promptshowing", _SQLITE_SHOWING, "reports_rollup_mark_showing"),
    ("reports_rollup_walk_upd", "UPDATE", "medication_promptshowing", _SQLITE_SHOWING, "reports_rollup_mark_showing"),
)
FUNCTIONS = tuple(dict.fromkeys(function for *_, function in _SPECS))


TRIGGERS = tuple(name for name, *_ in _SPECS)
TABLE_TRIGGERS = {
    table: tuple(name for name, _event, on, *_ in _SPECS if on == table)
    for table in dict.fromkeys(t for _, _, t, *_ in _SPECS)
}


def install_sql(vendor: str) -> list[str]:
    if vendor == "sqlite":
        return [body.format(name=name, event=event) for name, event, _table, body, _function in _SPECS]
    if vendor == "postgresql":
        return [
            _PG_FUNCTIONS,
            *(
                _PG_TRIGGER.format(name=name, event=event, table=table, function=function)
                for name, event, table, _body, function in _SPECS
            ),
        ]
    raise NotImplementedError(f"No rollup triggers for {vendor}")


def drop_sql(vendor: str) -> list[str]:
    tables = {name: table for table, names in TABLE_TRIGGERS.items() for name in names}
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {name}" for name in TRIGGERS]
    return [f"DROP TRIGGER IF EXISTS {name} ON {tables[name]}" for name in TRIGGERS] + [
        f"DROP FUNCTION IF EXISTS {function}()" for function in FUNCTIONS
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
