"""Checking a witness's own password, with a cool-off of its own.

A controlled drug is witnessed by a second member of staff who types their username and password on the
recorder's device. Wrong passwords for a witness are counted per witness username: after
``WITNESS_FAILURE_LIMIT`` of them within ``WITNESS_COOL_OFF``, that name cannot confirm a witness until the
oldest of those failures is older than the cool-off. This lock is the witness's confirmations only; it never
touches their sign-in (django-axes is not consulted or fed), so a colleague cannot lock a senior out of the
product by typing their name. Every failure, and the moment a name is locked, is audited.

Called outside the recording transaction (a failure must be kept when the recording is refused), and
request-free: the page and the API pass the typed credentials.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.db import transaction

from carebook.access.audit import AccessAudit
from carebook.access.models import User, WitnessFailure
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.errors import ValidationFailed

WITNESS_COOL_OFF = dt.timedelta(minutes=15)

LOCKED_OUT = "Too many wrong passwords for this witness: try again in 15 minutes, or ask another witness."
INVALID = "The witness's username or password is not right."


@dataclass(frozen=True)
class WitnessCredentials:
    """The witness's own username and password, typed on the recorder's device."""

    username: str
    password: str

    @property
    def given(self) -> bool:
        return bool(self.username.strip() or self.password)


def _limit() -> int:
    return int(settings.CAREBOOK.get("WITNESS_FAILURE_LIMIT", 5))


def witness_locked(username: str, *, now: dt.datetime) -> bool:
    recent = WitnessFailure.objects.filter(username__iexact=username, at__gt=now - WITNESS_COOL_OFF)
    return recent.count() >= _limit()


def witness_verify(credentials: WitnessCredentials, *, recorder: User) -> User:
    """The witness these credentials prove, or a ValidationFailed (field ``witness``) saying why not."""
    username = credentials.username.strip()
    now = clock.now()
    if witness_locked(username, now=now):
        raise ValidationFailed(LOCKED_OUT, field="witness", code="witness_locked_out")
    witness = User.objects.filter(username=username).first()
    if witness is None:
        make_password(credentials.password)  # the same work as a real check: no timing tells who exists
        ok = False
    else:
        ok = witness.is_active and witness.check_password(credentials.password)
    if ok:
        assert witness is not None
        return witness
    _record_failure(username=username, witness=witness, recorder=recorder, now=now)
    if witness_locked(username, now=now):
        raise ValidationFailed(LOCKED_OUT, field="witness", code="witness_locked_out")
    raise ValidationFailed(INVALID, field="witness", code="witness_invalid")


def _record_failure(*, username: str, witness: User | None, recorder: User, now: dt.datetime) -> None:
    with transaction.atomic():
        failure = WitnessFailure.objects.create(username=username[:150], witness=witness, recorder=recorder, at=now)
        record_event(
            actor=recorder,
            action=AccessAudit.WITNESS_PASSWORD_FAILED,
            entity=failure,
            after={"username": failure.username, "witness": witness.pk if witness else None},
            at=now,
        )
        if witness_locked(username, now=now):
            record_event(
                actor=recorder,
                action=AccessAudit.WITNESS_LOCKED,
                entity=failure,
                after={"username": failure.username, "until": (now + WITNESS_COOL_OFF).isoformat()},
                at=now,
            )
