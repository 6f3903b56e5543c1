"""A read whose SQL Django compiles once per database, then runs with each call's values (ADR 0016).

For the hottest statement of all (the recording service's locked read of a due dose: five joins, the
caller's scope, three EXISTS), Django's own work building the queryset and compiling it to SQL costs the
server about 2.4 ms of CPU on every dose, several times what PostgreSQL spends running it. The statement's
shape never changes between calls; only a few values do (the dose's id, the user's id). So:

    read = CompiledRead(build, dose=uuid.UUID, user=int)
    rows = read(dose=dose_id, user=user.pk)          # a list of model instances, as ``list(build(...))``

``build`` makes the queryset from its keyword values; it must be a pure function of them. The first call on
a database builds it with marker values (one set, then one more per name with that name's marker changed),
compiles each, and learns which parameters each name fills, refusing to go on unless the SQL text is the same
every time, every marker lands in its own parameters and nothing else moves. Later calls copy the compiled
statement, put their values into those places and hand it to Django's own row-to-model code (select_related,
annotations and all), so the instances are what the queryset would have made.

What stays true:

- **Values are parameters, never SQL.** They go where the markers went, converted the way Django converted
  the markers for this database (a UUID as itself, or as its hex on SQLite); a value of another type, or a
  conversion not known here, is refused.
- **It fails closed.** The compiled statement is a copy of a real compile; if a value were ever not
  substituted, the query would ask for a marker, which matches no row: a missing record, never another's.
- **Locks need a transaction,** as Django's compiler insists (it is not asked again, so this checks).
- Tests (``medication/tests/test_compiled_reads.py``) compare every instance, relation and annotation with the plain
  queryset's, on SQLite and PostgreSQL, and prove the scope still holds.

Only for a handful of statements that a benchmark shows are worth it: everything else uses the ORM as is.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.transaction import TransactionManagementError

M = TypeVar("M", bound=Model)

KINDS: tuple[type, ...] = (uuid.UUID, int, str)


def _marker(kind: type, n: int) -> Any:
    """A value no real row has: a UUID in an unused (version 0) range; an id beyond any sequence; a text that
    says what it is (never a hash, a code or a name)."""
    if kind is uuid.UUID:
        return uuid.UUID(int=(0xC0FFEE << 96) + n)
    if kind is int:
        return 9_000_000_000_000_000 + n
    return f"compiled-read-marker-{n}"


_CONVERSIONS: dict[str, Callable[[Any], Any]] = {
    "as is": lambda v: v,
    "hex": lambda v: v.hex,
    "text": str,
}


class CompiledReadError(RuntimeError):
    """The queryset cannot be compiled once: its SQL changes with its values, or a value is not a parameter."""


@dataclass(frozen=True)
class _Compiled:
    sql: str
    params: tuple[Any, ...]
    places: dict[str, tuple[int, ...]]  # name -> the parameter positions its value fills
    convert: dict[str, Callable[[Any], Any]]  # name -> how this database's Django converts it
    compiler: Any  # the SQLCompiler that compiled it: its select list and related-object map
    template: QuerySet[Any]  # the queryset built with the markers: cloned for each call, never run itself
    for_update: bool


class CompiledRead(Generic[M]):
    def __init__(self, build: Callable[..., QuerySet[M]], **kinds: type) -> None:
        for name, kind in kinds.items():
            if kind not in KINDS:
                raise TypeError(f"{name}: a compiled read takes UUIDs, integers and text, not {kind.__name__}")
        self.build = build
        self.kinds = kinds
        self._compiled: dict[str, _Compiled] = {}
        self._lock = threading.Lock()

    def __call__(self, *, using: str = DEFAULT_DB_ALIAS, **values: Any) -> list[M]:
        if set(values) != set(self.kinds):
            raise TypeError(f"a compiled read needs exactly {sorted(self.kinds)}, got {sorted(values)}")
        compiled = self._compiled.get(using) or self._compile(using)
        connection = connections[using]
        if compiled.for_update and connection.get_autocommit():
            raise TransactionManagementError("select_for_update cannot be used outside of a transaction.")
        params = list(compiled.params)
        for name, value in values.items():
            kind = self.kinds[name]
            if not isinstance(value, kind) or isinstance(value, bool):
                raise TypeError(f"{name} must be a {kind.__name__}, not {type(value).__name__}")
            converted = compiled.convert[name](value)
            for place in compiled.places[name]:
                params[place] = converted
        compiler = copy.copy(compiled.compiler)
        compiler.connection = connection
        statement = (compiled.sql, tuple(params))
        compiler.as_sql = lambda *args, **kwargs: statement
        queryset = compiled.template.all()
        queryset.query.get_compiler = lambda *args, **kwargs: compiler  # type: ignore[method-assign]
        return list(queryset)

    def _markers(self, changed: str | None = None) -> dict[str, Any]:
        """One marker per name, each its own; ``changed`` gets a second marker of its own."""
        return {
            name: _marker(kind, 10 * i + (1 if name == changed else 0))
            for i, (name, kind) in enumerate(self.kinds.items())
        }

    def _compile(self, using: str) -> _Compiled:
        with self._lock:
            if using in self._compiled:
                return self._compiled[using]
            first = self._markers()
            template, compiler, sql, params = self._compile_with(first, using)
            places: dict[str, tuple[int, ...]] = {}
            convert: dict[str, Callable[[Any], Any]] = {}
            for name in self.kinds:
                other = self._markers(changed=name)
                _, _, other_sql, other_params = self._compile_with(other, using)
                if other_sql != sql or len(other_params) != len(params):
                    raise CompiledReadError(f"the SQL changes with {name}: it cannot be compiled once")
                moved = tuple(p for p, (a, b) in enumerate(zip(params, other_params, strict=True)) if a != b)
                if not moved:
                    raise CompiledReadError(f"{name} is not a parameter of the statement")
                how = next(
                    (
                        label
                        for label, fn in _CONVERSIONS.items()
                        if all(params[p] == fn(first[name]) and other_params[p] == fn(other[name]) for p in moved)
                    ),
                    None,
                )
                if how is None:
                    raise CompiledReadError(f"{name} is converted in a way a compiled read does not know")
                places[name] = moved
                convert[name] = _CONVERSIONS[how]
            claimed = [p for ps in places.values() for p in ps]
            if len(claimed) != len(set(claimed)):
                raise CompiledReadError("two values fill the same parameter")
            compiled = _Compiled(
                sql=sql,
                params=tuple(params),
                places=places,
                convert=convert,
                compiler=compiler,
                template=template,
                for_update=template.query.select_for_update,
            )
            self._compiled[using] = compiled
            return compiled

    def _compile_with(self, values: dict[str, Any], using: str) -> tuple[QuerySet[M], Any, str, tuple[Any, ...]]:
        queryset = self.build(**values).using(using)
        compiler = queryset.query.get_compiler(using=using)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, tuple(params)
