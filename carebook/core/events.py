"""Services announce what happened; other apps hear it after the commit (ADR 0007).

The app that owns a fact declares its events as frozen dataclasses of ids and a few plain facts
(never ORM instances), e.g. ``carebook/medication/events.py``::

    @event("medication.dose_recorded")
    @dataclass(frozen=True, kw_only=True)
    class DoseRecorded(Event):
        administration_id: uuid.UUID
        ...

A service calls ``announce(DoseRecorded(...))`` inside its transaction, just after its audit
event. An app that wants to know subscribes, in its own ``subscribers.py`` (imported at start-up)::

    @subscriber(DoseRecorded)
    def raise_alert_when_refused(event: DoseRecorded) -> None: ...

Delivery:

- only after the transaction commits (``transaction.on_commit``); nothing if it rolls back;
- once to each subscriber, in the process that wrote, one after the other; a subscriber
  that writes opens its own transaction (usually by calling a service);
- a subscriber that raises is logged and queued in ``EventDelivery``; the job
  ``core.event_delivery_retry`` tries it again, with back-off, until it succeeds. The write
  has committed by then and never sees the failure;
- with nobody subscribed, ``announce`` costs no SQL statement and registers no callback.

Delivery is not durable: if the process dies between the commit and the delivery, that
delivery is lost. Subscribers that must not miss a fact (alert detection) also scan the
clinical tables on a schedule, and use events only to act sooner (ADR 0007).

Subscribers must be quick: they run in the writer's process after its commit, so the request
that wrote waits for them. Slow or outside work (a message, an e-mail) belongs in a task the
subscriber enqueues.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import types
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from functools import partial
from typing import Any, ClassVar, TypeVar

from django.db import connection, transaction

from carebook.core import clock
from carebook.core.canonical import canonical_json
from carebook.core.jobs import job

logger = logging.getLogger("carebook.events")

RETRY_JOB = "core.event_delivery_retry"
LEASE = dt.timedelta(minutes=5)  # a claimed retry that never reports back is tried again after this
BACKOFF_MINUTES = (1, 2, 5, 10, 30, 60)  # then every hour, until it succeeds
RETRY_BATCH = 100


class Event:
    """Base of every announced event. Subclasses are declared with ``@event(name)``."""

    event_name: ClassVar[str]


E = TypeVar("E", bound=Event)
_EVENTS: dict[str, type[Event]] = {}

_SCALARS: tuple[type, ...] = (str, int, bool, uuid.UUID, dt.datetime, dt.date, Decimal)


def event(name: str) -> Callable[[type[E]], type[E]]:
    """Declare an event type (over a frozen dataclass). ``name`` is stable: it is stored for retries."""

    def declare(cls: type[E]) -> type[E]:
        if not (dataclasses.is_dataclass(cls) and cls.__dataclass_params__.frozen):  # type: ignore[attr-defined]
            raise TypeError(f"{cls.__name__}: an event is a frozen dataclass (@dataclass(frozen=True, kw_only=True))")
        hints = typing.get_type_hints(cls)
        for field in dataclasses.fields(cls):
            _check_field_type(cls, field.name, hints[field.name])
        existing = _EVENTS.get(name)
        if existing is not None and existing.__qualname__ != cls.__qualname__:
            raise ValueError(f"Two events are named {name!r}: {existing.__qualname__} and {cls.__qualname__}")
        cls.event_name = name
        _EVENTS[name] = cls
        return cls

    return declare


def declared_events() -> list[type[Event]]:
    return [_EVENTS[name] for name in sorted(_EVENTS)]


# --- subscribers -------------------------------------------------------------------------


@dataclass(frozen=True)
class Subscriber:
    name: str  # stable: a queued retry finds its subscriber by this name after a restart
    event_type: type[Event]
    func: Callable[[Any], object]


_SUBSCRIBERS: dict[type[Event], list[Subscriber]] = {}
_BY_NAME: dict[str, Subscriber] = {}


def subscribe(event_type: type[E], func: Callable[[E], object], *, name: str = "") -> Subscriber:
    """Have ``func(event)`` called after each commit that announced an ``event_type``."""
    if _EVENTS.get(getattr(event_type, "event_name", "")) is not event_type:
        raise TypeError(f"{event_type!r} is not a declared event")
    entry = Subscriber(name or f"{func.__module__}.{func.__qualname__}", event_type, func)
    existing = _BY_NAME.get(entry.name)
    if existing is not None:
        if existing.func is func and existing.event_type is event_type:
            return existing
        raise ValueError(f"Two subscribers are named {entry.name!r}")
    _BY_NAME[entry.name] = entry
    _SUBSCRIBERS.setdefault(event_type, []).append(entry)
    return entry


def subscriber(event_type: type[E], *, name: str = "") -> Callable[[Callable[[E], object]], Callable[[E], object]]:
    """Decorator form of ``subscribe``, for an app's ``subscribers.py``."""

    def register(func: Callable[[E], object]) -> Callable[[E], object]:
        subscribe(event_type, func, name=name)
        return func

    return register


def unsubscribe(entry: Subscriber) -> None:
    _BY_NAME.pop(entry.name, None)
    listeners = _SUBSCRIBERS.get(entry.event_type, [])
    if entry in listeners:
        listeners.remove(entry)


def subscribers_of(event_type: type[Event]) -> list[Subscriber]:
    return list(_SUBSCRIBERS.get(event_type, ()))


# --- announcing and delivering -----------------------------------------------------------


def announce(happened: Event) -> None:
    """Tell the subscribers of ``happened``, once the current transaction commits.

    Must run inside the transaction of the write it announces (like ``record_event``).
    """
    kind = type(happened)
    if _EVENTS.get(getattr(kind, "event_name", "")) is not kind:
        raise TypeError(f"{kind.__name__} is not a declared event: declare it with @event(name)")
    if not connection.in_atomic_block:
        raise RuntimeError("announce must run inside the transaction of the write it announces")
    listeners = _SUBSCRIBERS.get(kind)
    if listeners:
        transaction.on_commit(partial(_deliver, happened, tuple(listeners)), robust=True)


def _deliver(happened: Event, listeners: tuple[Subscriber, ...]) -> None:
    for listener in listeners:
        try:
            listener.func(happened)
        except Exception as exc:
            logger.exception("Subscriber %s failed on %s; queued to be tried again", listener.name, happened.event_name)
            _queue_retry(happened, listener, exc)


def _queue_retry(happened: Event, listener: Subscriber, exc: Exception) -> None:
    from carebook.core.models import EventDelivery

    now = clock.now()
    try:
        with transaction.atomic():
            EventDelivery.objects.create(
                event_name=happened.event_name,
                payload=encode(happened),
                subscriber=listener.name,
                created_at=now,
                attempts=1,
                next_attempt_at=now + _backoff(1),
                last_error=_error_text(exc),
            )
    except Exception:
        logger.exception("Could not queue %s for %s: this delivery is lost", happened.event_name, listener.name)


@job(name=RETRY_JOB, every=dt.timedelta(minutes=1))
def retry_event_deliveries() -> int:
    """Try again the event deliveries whose subscriber failed, until each succeeds.

    Safe with two workers: each row is claimed by compare-and-set before it is tried, and a
    claim that never reports back (the worker died) expires after LEASE. Returns how many
    were delivered.
    """
    from carebook.core.models import EventDelivery

    now = clock.now()
    due = EventDelivery.objects.filter(delivered_at__isnull=True, next_attempt_at__lte=now).order_by(
        "next_attempt_at", "pk"
    )
    delivered = 0
    for pk, attempts in due.values_list("pk", "attempts")[:RETRY_BATCH]:
        claimed = EventDelivery.objects.filter(pk=pk, attempts=attempts, delivered_at__isnull=True).update(
            attempts=attempts + 1, next_attempt_at=now + LEASE
        )
        if not claimed:
            continue  # another worker has it
        row = EventDelivery.objects.get(pk=pk)
        listener = _BY_NAME.get(row.subscriber)
        try:
            if listener is None:
                raise LookupError(f"No subscriber named {row.subscriber!r} is registered")
            listener.func(decode(row.event_name, row.payload))
        except Exception as exc:
            logger.exception("Retry %s of %s for %s failed", attempts + 1, row.event_name, row.subscriber)
            EventDelivery.objects.filter(pk=pk).update(
                next_attempt_at=clock.now() + _backoff(attempts + 1), last_error=_error_text(exc)
            )
        else:
            EventDelivery.objects.filter(pk=pk).update(delivered_at=clock.now(), last_error="")
            delivered += 1
    return delivered


def _backoff(attempts: int) -> dt.timedelta:
    return dt.timedelta(minutes=BACKOFF_MINUTES[min(attempts, len(BACKOFF_MINUTES)) - 1])


def _error_text(exc: Exception) -> str:
    return f"{type(exc).__name__}: {exc}"[:2000]


# --- the stored form of an event (for a queued retry) -------------------------------------


def encode(happened: Event) -> str:
    """The event's fields as canonical JSON."""
    return canonical_json({f.name: getattr(happened, f.name) for f in dataclasses.fields(happened)})  # type: ignore[arg-type]


def decode(name: str, payload: str) -> Event:
    """The event ``encode`` wrote, rebuilt with its fields' types."""
    cls = _EVENTS.get(name)
    if cls is None:
        raise LookupError(f"No event is named {name!r}")
    hints = typing.get_type_hints(cls)
    data = json.loads(payload)
    return cls(**{f.name: _from_json(hints[f.name], data[f.name]) for f in dataclasses.fields(cls)})  # type: ignore[arg-type]


def _from_json(hint: Any, value: Any) -> Any:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _from_json(inner, value)
    if origin is tuple:
        return tuple(_from_json(typing.get_args(hint)[0], item) for item in value)
    if hint is uuid.UUID:
        return uuid.UUID(value)
    if hint is dt.datetime:
        return dt.datetime.fromisoformat(value)
    if hint is dt.date:
        return dt.date.fromisoformat(value)
    if hint is Decimal:
        return Decimal(value)
    if isinstance(hint, type) and issubclass(hint, StrEnum):
        return hint(value)
    return value


def _check_field_type(cls: type, name: str, hint: Any) -> None:
    """An event field is a plain value: a scalar, a str enum, optional, or a tuple of scalars."""
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        others = [arg for arg in args if arg is not type(None)]
        if len(others) == 1 and len(args) == 2:
            return _check_field_type(cls, name, others[0])
    elif origin is tuple:
        if len(args) == 2 and args[1] is Ellipsis:
            return _check_field_type(cls, name, args[0])
    elif hint in _SCALARS or (isinstance(hint, type) and issubclass(hint, StrEnum)):
        return None
    raise TypeError(
        f"{cls.__name__}.{name}: an event carries ids and plain facts (str, int, bool, UUID, datetime, "
        f"date, Decimal, a StrEnum, X | None, tuple[X, ...]), not {hint!r}"
    )


def pending_deliveries() -> tuple[int, dt.datetime | None]:
    """How many deliveries are waiting to be tried again, and since when (for ``manage.py jobs``)."""
    from django.db.models import Count, Min

    from carebook.core.models import EventDelivery

    summary = EventDelivery.objects.filter(delivered_at__isnull=True).aggregate(n=Count("pk"), oldest=Min("created_at"))
    return summary["n"], summary["oldest"]
