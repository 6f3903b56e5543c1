"""Never edit, never delete: clinical tables are insert-only, held by the database (ADR 0005).

One declaration per table says what may change after a row is written::

    class Administration(AppendOnlyModel, UUIDModel):
        append_only = AppendOnly(mutable={"status": [("completed", "entered_in_error")]})

``mutable`` names the projection columns that may be updated (with the transitions allowed, or ``None`` for
any value); every other column is fixed once inserted, and no row is ever deleted. From that declaration:

- the ORM guard: ``save()`` of an existing row needs ``update_fields`` within ``mutable``; ``delete()``,
  ``QuerySet.delete()`` and ``QuerySet.update()``/``bulk_update()`` of any other column raise
  :class:`AppendOnlyViolation`;
- the database triggers, installed by the migration operation :class:`ProtectAppendOnly` (one line per table):
  on SQLite ``BEFORE UPDATE`` and ``BEFORE DELETE`` triggers, on PostgreSQL a plpgsql function behind
  ``BEFORE UPDATE``/``BEFORE DELETE`` row triggers and a ``BEFORE TRUNCATE`` statement trigger. Raw SQL is
  refused as surely as the ORM.

The migration freezes the declaration (as Django freezes fields); a test compares every registered model's
declaration with the triggers the database really has, so the two cannot drift apart.

The one way round it is :func:`unlocked`: explicit, scoped to one transaction on one connection, refused while
a request is being handled (:class:`RefuseUnlockInRequestMiddleware`), and audited when production code uses it
(``carebook.audit_log.maintenance.maintenance_unlocked``). On PostgreSQL it sets ``carebook.unlock`` with
``set_config(..., is_local => true)``; on SQLite the triggers call ``carebook_unlocked()``, a function each
Django connection registers (:func:`register_sqlite_function`). Any other client (the ``sqlite3`` shell) has no
such function, so its UPDATE or DELETE of a protected table fails: closed, not open.
"""

from __future__ import annotations

import contextlib
import logging
import weakref
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, ClassVar

from django.db import DEFAULT_DB_ALIAS, connections, models, router, transaction
from django.db.migrations.operations.base import Operation

from carebook.core.errors import Conflict

if TYPE_CHECKING:
    from django.db.backends.base.base import BaseDatabaseWrapper
    from django.db.backends.base.schema import BaseDatabaseSchemaEditor
    from django.db.migrations.state import ProjectState
    from django.http import HttpRequest, HttpResponse

logger = logging.getLogger(__name__)

Transition = tuple[str, str]

# The names of the switch. Nothing outside this module may spell them (a test greps for them).
PG_SETTING = "carebook.unlock"
SQLITE_FUNCTION = "carebook_unlocked"
_DEPTH_ATTR = "_carebook_unlock_depth"


class AppendOnlyViolation(Conflict):
    """Code tried to edit or delete a clinical record (a bug: corrections are new records)."""

    code = "append_only"


class UnlockRefused(RuntimeError):
    """The maintenance unlock was asked for where it is never allowed (while handling a request)."""


# --- The declaration ----------------------------------------------------------------------------------------


class AppendOnly:
    """Which columns of an insert-only table may still be updated, and how.

    ``mutable`` maps a field name to the transitions allowed (``[(old, new), ...]``) or to ``None`` (any new
    value). Everything else is fixed once inserted; nothing is ever deleted.
    """

    __slots__ = ("mutable",)

    def __init__(self, mutable: Mapping[str, Iterable[Sequence[str]] | None] | None = None) -> None:
        self.mutable: dict[str, frozenset[Transition] | None] = {
            name: None if moves is None else frozenset((str(old), str(new)) for old, new in moves)
            for name, moves in (mutable or {}).items()
        }

    def __eq__(self, other: object) -> bool:
        return isinstance(other, AppendOnly) and self.mutable == other.mutable

    def __hash__(self) -> int:
        return hash(tuple(sorted(self.mutable.items(), key=lambda item: item[0])))

    def __repr__(self) -> str:
        return f"AppendOnly(mutable={self.literal()!r})"

    def literal(self) -> dict[str, list[Transition] | None]:
        """The declaration as plain, sorted Python literals: what a migration writes down."""
        return {name: None if moves is None else sorted(moves) for name, moves in sorted(self.mutable.items())}

    def describe(self) -> str:
        if not self.mutable:
            return "nothing may change"
        parts = []
        for name, moves in sorted(self.mutable.items()):
            parts.append(name if moves is None else f"{name} ({_moves_text(moves)})")
        return "only " + ", ".join(parts) + " may change"


def _moves_text(moves: frozenset[Transition]) -> str:
    return ", or ".join(f"from {old} to {new}" for old, new in sorted(moves))


# --- The switch: scoped, explicit, never from a request ------------------------------------------------------

_IN_REQUEST: ContextVar[bool] = ContextVar("carebook_in_request", default=False)


class RefuseUnlockInRequestMiddleware:
    """Marks the time a request is being handled, so :func:`unlocked` refuses to run inside it.

    First in ``MIDDLEWARE``: nothing a page or an API call does can turn the triggers off.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        token = _IN_REQUEST.set(True)
        try:
            return self.get_response(request)
        finally:
            _IN_REQUEST.reset(token)


def is_unlocked(using: str = DEFAULT_DB_ALIAS) -> bool:
    """Whether this thread's connection is inside :func:`unlocked` (the ORM guard asks this)."""
    return bool(_depth(connections[using]))


def _depth(connection: Any) -> int:
    return int(getattr(connection, _DEPTH_ATTR, 0))


@contextlib.contextmanager
def unlocked(*, reason: str, using: str = DEFAULT_DB_ALIAS) -> Iterator[None]:
    """Allow UPDATE and DELETE of append-only rows for one transaction on one connection.

    Opens (or joins, with a savepoint) a transaction; the switch is off again when the block ends, whether it
    commits, raises or sits inside a longer transaction. Other connections and threads stay locked throughout.
    Refused while a request is being handled.

    Not audited: production code goes through ``carebook.audit_log.maintenance.maintenance_unlocked``, which
    audits; this bare form is for that function and for the test suite's table flushes only (a test holds
    every other caller out).
    """
    if not reason.strip():
        raise ValueError("Say why the append-only tables are being unlocked.")
    if _IN_REQUEST.get():
        raise UnlockRefused("The append-only tables cannot be unlocked while handling a request.")
    connection = connections[using]
    with transaction.atomic(using=using):
        depth = _depth(connection)
        if depth == 0:
            logger.info("append-only tables unlocked on %s: %s", using, reason)
            _set_pg_switch(connection, "on")
        setattr(connection, _DEPTH_ATTR, depth + 1)
        finished = False
        try:
            yield
            finished = True
        finally:
            setattr(connection, _DEPTH_ATTR, depth)
            # On an exception the transaction (or savepoint) rolls back, and set_config's change with it.
            if finished and depth == 0:
                _set_pg_switch(connection, "off")


def _set_pg_switch(connection: BaseDatabaseWrapper, value: str) -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config(%s, %s, true)", [PG_SETTING, value])


def switch_is_on_in_database(using: str = DEFAULT_DB_ALIAS) -> bool:
    """What the triggers themselves see on this connection now (for tests of the unlock's scope)."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(f"SELECT {SQLITE_FUNCTION}()")
        else:
            cursor.execute("SELECT coalesce(current_setting(%s, true), '') = 'on'", [PG_SETTING])
        return bool(cursor.fetchone()[0])


def register_sqlite_function(sender: object, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """``connection_created`` receiver: give each SQLite connection the function its triggers call."""
    if connection.vendor != "sqlite":
        return
    wrapper = weakref.ref(connection)

    def carebook_unlocked() -> int:
        current = wrapper()
        return 1 if current is not None and _depth(current) else 0

    connection.connection.create_function(SQLITE_FUNCTION, 0, carebook_unlocked)


# --- The ORM guard -------------------------------------------------------------------------------------------


def _spec(model: type[models.Model]) -> AppendOnly:
    spec = getattr(model, "append_only", None)
    if not isinstance(spec, AppendOnly):
        raise TypeError(f"{model.__name__} has no AppendOnly declaration")
    return spec


def _refuse_columns(model: type[models.Model], names: Iterable[str], what: str) -> None:
    """Raise unless every field named may be updated."""
    spec = _spec(model)
    for name in names:
        field = model._meta.get_field(name)
        if field.name not in spec.mutable:
            raise AppendOnlyViolation(
                f"{model._meta.db_table} is append-only: column {getattr(field, 'column', name)} may not be "
                f"updated ({what}; {spec.describe()}).",
                field=field.name,
            )


class AppendOnlyQuerySet(models.QuerySet):
    """``update()`` and ``bulk_update()`` of a fixed column, and ``delete()``, are refused."""

    def update(self, **kwargs: Any) -> int:
        self._for_write = True
        if not is_unlocked(self.db):
            _refuse_columns(self.model, kwargs, "QuerySet.update")
        return super().update(**kwargs)

    def bulk_update(self, objs: Iterable[Any], fields: Iterable[str], batch_size: int | None = None) -> int:
        fields = list(fields)
        if not is_unlocked(self.db):
            _refuse_columns(self.model, fields, "QuerySet.bulk_update")
        return super().bulk_update(objs, fields, batch_size=batch_size)

    def delete(self) -> tuple[int, dict[str, int]]:
        self._for_write = True
        if not is_unlocked(self.db):
            raise AppendOnlyViolation(f"{self.model._meta.db_table} is append-only: rows are never deleted.")
        return super().delete()


AppendOnlyManager = models.Manager.from_queryset(AppendOnlyQuerySet)


class AppendOnlyModel(models.Model):
    """Base of every insert-only clinical model. Subclasses declare ``append_only`` (default: nothing changes)."""

    append_only: ClassVar[AppendOnly] = AppendOnly()

    objects = AppendOnlyManager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        if args:  # Django 5.2 still accepts save(force_insert, force_update, using, update_fields)
            kwargs.update(zip(("force_insert", "force_update", "using", "update_fields"), args, strict=False))
            args = ()
        using = kwargs.get("using") or router.db_for_write(type(self), instance=self)
        if self._state.adding and not kwargs.get("force_update") and kwargs.get("update_fields") is None:
            # A new object is always an INSERT: never an UPDATE of a row that happens to have its id.
            kwargs["force_insert"] = kwargs.get("force_insert") or True
        elif not is_unlocked(using):
            update_fields = kwargs.get("update_fields")
            if update_fields is None:
                spec = _spec(type(self))
                raise AppendOnlyViolation(
                    f"{self._meta.db_table} is append-only: an existing row is never saved again."
                    if not spec.mutable
                    else f"{self._meta.db_table} is append-only: saving an existing row needs update_fields "
                    f"({spec.describe()})."
                )
            _refuse_columns(type(self), update_fields, "save")
        super().save(**kwargs)

    def delete(self, using: Any = None, keep_parents: bool = False) -> tuple[int, dict[str, int]]:
        if not is_unlocked(using or router.db_for_write(type(self), instance=self)):
            raise AppendOnlyViolation(f"{self._meta.db_table} is append-only: rows are never deleted.")
        return super().delete(using=using, keep_parents=keep_parents)


def protected_models() -> list[type[AppendOnlyModel]]:
    """Every installed append-only model: the registry the triggers are checked against."""
    from django.apps import apps

    return [m for m in apps.get_models() if issubclass(m, AppendOnlyModel)]


# --- The triggers ----------------------------------------------------------------------------------------------


def trigger_names(table: str) -> dict[str, str]:
    return {event: f"{table}__no_{event.lower()}" for event in ("UPDATE", "DELETE", "TRUNCATE")}


def pg_function_name(table: str) -> str:
    return f"{table}__append_only"


def _literal(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"


def _quote(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _prefix(table: str) -> str:
    return f"carebook: {table} is append-only: "


def _transition_condition(column: str, moves: frozenset[Transition], distinct: str) -> str:
    allowed = " OR ".join(
        f"(OLD.{_quote(column)} = {_literal(old)} AND NEW.{_quote(column)} = {_literal(new)})"
        for old, new in sorted(moves)
    )
    return f"OLD.{_quote(column)} {distinct} NEW.{_quote(column)} AND NOT ({allowed})"


def _mutable_columns(model: type[models.Model], spec: AppendOnly) -> dict[str, frozenset[Transition] | None]:
    """The declaration by database column (a foreign key's column is ``<name>_id``)."""
    return {_column(model, name): moves for name, moves in spec.mutable.items()}


def _column(model: type[models.Model], name: str) -> str:
    field: Any = model._meta.get_field(name)
    return str(field.column)


def sqlite_triggers(model: type[models.Model], spec: AppendOnly) -> dict[str, str]:
    """``{trigger name: CREATE TRIGGER ...}`` for SQLite.

    SQLite cannot say "every column but these", so the UPDATE trigger compares OLD and NEW of each fixed
    column (``IS NOT``: NULL-safe) and names the first one changed; a later column added to the table is
    caught by the registry test until the table is protected again.
    """
    table = model._meta.db_table
    mutable = _mutable_columns(model, spec)
    names = trigger_names(table)
    cases = []
    for column in sorted(field.column for field in model._meta.local_concrete_fields):  # field order may differ
        if column not in mutable:
            message = _prefix(table) + f"column {column} may not be updated"
            cases.append(
                f"WHEN OLD.{_quote(column)} IS NOT NEW.{_quote(column)} THEN RAISE(ABORT, {_literal(message)})"
            )
    for column, moves in sorted(mutable.items()):
        if moves is not None:
            message = _prefix(table) + f"{column} may change only {_moves_text(moves)}"
            condition = _transition_condition(column, moves, "IS NOT")
            cases.append(f"WHEN {condition} THEN RAISE(ABORT, {_literal(message)})")
    guard = f"FOR EACH ROW WHEN NOT {SQLITE_FUNCTION}()"
    update = (
        f"CREATE TRIGGER {_quote(names['UPDATE'])} BEFORE UPDATE ON {_quote(table)} {guard}\n"
        "BEGIN\n  SELECT CASE\n    " + "\n    ".join(cases) + "\n  END;\nEND"
    )
    delete = (
        f"CREATE TRIGGER {_quote(names['DELETE'])} BEFORE DELETE ON {_quote(table)} {guard}\n"
        f"BEGIN\n  SELECT RAISE(ABORT, {_literal(_prefix(table) + 'DELETE refused')});\nEND"
    )
    return {names["UPDATE"]: update, names["DELETE"]: delete}


def pg_function_body(model: type[models.Model], spec: AppendOnly) -> str:
    """The plpgsql body behind the three PostgreSQL triggers.

    "Every column but the mutable ones" is ``to_jsonb(row) - mutable``: a column added later is fixed from
    the moment it exists, without re-protecting the table. No ``%`` anywhere: Django's schema editor would
    take it for a parameter.
    """
    table = model._meta.db_table
    mutable = _mutable_columns(model, spec)
    keep = "ARRAY[" + ", ".join(_literal(c) for c in sorted(mutable)) + "]::text[]"
    raise_ = "RAISE EXCEPTION USING ERRCODE = 'restrict_violation', MESSAGE = "
    lines = [
        "BEGIN",
        f"  IF coalesce(current_setting({_literal(PG_SETTING)}, true), '') = 'on' THEN",
        "    IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;",
        "    RETURN NEW;",
        "  END IF;",
        "  IF TG_OP = 'UPDATE' THEN",
        f"    IF (to_jsonb(OLD) - {keep}) IS DISTINCT FROM (to_jsonb(NEW) - {keep}) THEN",
        f"      {raise_}{_literal(_prefix(table) + 'column ')} || (",
        "        SELECT string_agg(changed.key, ', ' ORDER BY changed.key) FROM jsonb_each(to_jsonb(NEW)) AS changed",
        f"        WHERE changed.value IS DISTINCT FROM to_jsonb(OLD) -> changed.key AND changed.key <> ALL ({keep})",
        "      ) || ' may not be updated';",
        "    END IF;",
    ]
    for column, moves in sorted(mutable.items()):
        if moves is not None:
            message = _prefix(table) + f"{column} may change only {_moves_text(moves)}"
            lines += [
                f"    IF {_transition_condition(column, moves, 'IS DISTINCT FROM')} THEN",
                f"      {raise_}{_literal(message + ', not from ')} || coalesce(OLD.{_quote(column)}::text, 'NULL')"
                f" || ' to ' || coalesce(NEW.{_quote(column)}::text, 'NULL');",
                "    END IF;",
            ]
    lines += [
        "    RETURN NEW;",
        "  END IF;",
        f"  {raise_}{_literal(_prefix(table))} || TG_OP || ' refused';",
        "END",
    ]
    return "\n".join(lines)


def pg_triggers(model: type[models.Model]) -> dict[str, str]:
    """``{trigger name: CREATE TRIGGER ...}`` for PostgreSQL (TRUNCATE bypasses row triggers: one of its own)."""
    table = model._meta.db_table
    function = pg_function_name(table)
    return {
        name: (
            f"CREATE TRIGGER {_quote(name)} BEFORE {event} ON {_quote(table)} "
            f"FOR EACH {'STATEMENT' if event == 'TRUNCATE' else 'ROW'} EXECUTE FUNCTION {_quote(function)}()"
        )
        for event, name in trigger_names(table).items()
    }


def install_sql(vendor: str, model: type[models.Model], spec: AppendOnly) -> list[str]:
    """The statements that (re)protect one table: idempotent, so a table can be protected again after a change."""
    table = model._meta.db_table
    statements = remove_sql(vendor, table)
    if vendor == "sqlite":
        return statements + list(sqlite_triggers(model, spec).values())
    if vendor == "postgresql":
        function = (
            f"CREATE OR REPLACE FUNCTION {_quote(pg_function_name(table))}() RETURNS trigger LANGUAGE plpgsql AS "
            f"$carebook$\n{pg_function_body(model, spec)}\n$carebook$"
        )
        return [*statements, function, *pg_triggers(model).values()]
    raise NotImplementedError(f"append-only triggers are written for SQLite and PostgreSQL, not {vendor}")


def remove_sql(vendor: str, table: str) -> list[str]:
    names = trigger_names(table)
    if vendor == "sqlite":
        return [f"DROP TRIGGER IF EXISTS {_quote(names[e])}" for e in ("UPDATE", "DELETE")]
    if vendor == "postgresql":
        return [f"DROP TRIGGER IF EXISTS {_quote(n)} ON {_quote(table)}" for n in names.values()] + [
            f"DROP FUNCTION IF EXISTS {_quote(pg_function_name(table))}()"
        ]
    raise NotImplementedError(f"append-only triggers are written for SQLite and PostgreSQL, not {vendor}")


class ProtectAppendOnly(Operation):
    """Migration operation: refuse UPDATE (outside ``mutable``) and DELETE on one model's table.

    ``operations = [ProtectAppendOnly("administration", mutable={"status": [("completed", "entered_in_error")]})]``

    ``mutable`` is frozen in the migration as literals and must equal the model's ``append_only`` declaration
    (the registry test says so, and prints the line to write). Run it again, in a new migration, after changing
    the declaration or (on SQLite) any column of the table: SQLite rebuilds a table to alter it, and the
    rebuild drops its triggers.
    """

    reduces_to_sql = True
    reversible = True

    def __init__(self, model_name: str, mutable: Mapping[str, Iterable[Sequence[str]] | None] | None = None) -> None:
        self.model_name = model_name
        self.spec = AppendOnly(mutable)

    def deconstruct(self) -> tuple[str, list[Any], dict[str, Any]]:
        kwargs = {"mutable": self.spec.literal()} if self.spec.mutable else {}
        return (self.__class__.__qualname__, [self.model_name], kwargs)

    def state_forwards(self, app_label: str, state: ProjectState) -> None:
        pass

    def database_forwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = to_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            for sql in install_sql(schema_editor.connection.vendor, model, self.spec):
                schema_editor.execute(sql, params=None)

    def database_backwards(
        self, app_label: str, schema_editor: BaseDatabaseSchemaEditor, from_state: ProjectState, to_state: ProjectState
    ) -> None:
        model = from_state.apps.get_model(app_label, self.model_name)
        if self.allow_migrate_model(schema_editor.connection.alias, model):
            for sql in remove_sql(schema_editor.connection.vendor, model._meta.db_table):
                schema_editor.execute(sql, params=None)

    def describe(self) -> str:
        return f"Refuse UPDATE and DELETE on {self.model_name} ({self.spec.describe()})"

    @property
    def migration_name_fragment(self) -> str:
        return f"append_only_{self.model_name.lower()}"


# --- What the database really has --------------------------------------------------------------------------


def _normalise(sql: str) -> str:
    return " ".join(sql.split())


# Triggers on an append-only table that are not its protection but another app's, declared by that app (e.g. the
# rollups' change log, ADR 0033): they only write elsewhere, and a trigger not declared here or there is a problem.
_OTHER_TRIGGERS: dict[str, set[str]] = {}


def allow_other_triggers(table: str, names: Iterable[str]) -> None:
    """Declare an app's own triggers on an append-only table (from its AppConfig.ready)."""
    _OTHER_TRIGGERS.setdefault(table, set()).update(names)


def trigger_problems(model: type[models.Model], using: str = DEFAULT_DB_ALIAS) -> list[str]:
    """How the database's triggers on ``model``'s table differ from its ``append_only`` declaration (empty: none)."""
    connection = connections[using]
    table = model._meta.db_table
    spec = _spec(model)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            expected = {name: _normalise(sql) for name, sql in sqlite_triggers(model, spec).items()}
            cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s", [table])
            actual = {name: _normalise(sql) for name, sql in cursor.fetchall()}
        elif connection.vendor == "postgresql":
            cursor.execute("SELECT current_schema()")
            schema = cursor.fetchone()[0]
            function = pg_function_name(table)
            # pg_get_triggerdef's own spelling of what pg_triggers() creates (no quotes: the names need none).
            expected = {
                name: _normalise(sql.replace(f' ON "{table}" ', f" ON {schema}.{table} ").replace('"', ""))
                for name, sql in pg_triggers(model).items()
            }
            expected[f"{function}()"] = _normalise(pg_function_body(model, spec))
            cursor.execute(
                "SELECT tgname, pg_get_triggerdef(oid) FROM pg_trigger "
                "WHERE tgrelid = %s::regclass AND NOT tgisinternal",
                [table],
            )
            actual = {name: _normalise(sql) for name, sql in cursor.fetchall()}
            cursor.execute("SELECT prosrc FROM pg_proc WHERE proname = %s", [function])
            actual.update({f"{function}()": _normalise(body) for (body,) in cursor.fetchall()})
        else:
            raise NotImplementedError(connection.vendor)
    actual = {name: sql for name, sql in actual.items() if name not in _OTHER_TRIGGERS.get(table, set())}
    problems = [f"{table}: {name} is missing" for name in sorted(expected.keys() - actual.keys())]
    problems += [f"{table}: {name} is not part of its declaration" for name in sorted(actual.keys() - expected.keys())]
    problems += [
        f"{table}: {name} differs from the declaration ({spec.describe()})"
        for name in sorted(expected.keys() & actual.keys())
        if expected[name] != actual[name]
    ]
    return problems


def tables_with_append_only_triggers(using: str = DEFAULT_DB_ALIAS) -> set[str]:
    """Every table the database holds append-only, whatever Python declares."""
    connection = connections[using]
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute(
                "SELECT DISTINCT tbl_name FROM sqlite_master WHERE type = 'trigger' AND sql LIKE %s",
                [f"%{SQLITE_FUNCTION}()%"],
            )
        else:
            cursor.execute(
                "SELECT DISTINCT tgrelid::regclass::text FROM pg_trigger JOIN pg_proc ON pg_proc.oid = tgfoid "
                "WHERE NOT tgisinternal AND proname LIKE %s",
                ["%\\_\\_append\\_only"],
            )
        return {row[0].strip('"') for row in cursor.fetchall()}
