"""Account services: personal API tokens (made, checked, revoked)."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import Q, QuerySet

from carebook.access.audit import AccessAudit
from carebook.access.models import ApiToken, User
from carebook.audit_log.services import record_event
from carebook.core import clock
from carebook.core.compiled import CompiledRead
from carebook.core.errors import Conflict, DomainError, ValidationFailed

TOKEN_PREFIX = "cb_"
MAX_TOKEN_DAYS = 366
# How stale ``last_used_at`` may get. Using a token writes at most once per this interval (see
# ``api_token_authenticate``), so an API request costs no extra write in the common case.
LAST_USED_EVERY = dt.timedelta(minutes=5)


class TokenRefused(DomainError):
    """A token that was real but no longer works: it expired, or it was revoked. The API answers 401."""

    code = "token_refused"
    status = 401


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def token_days() -> int:
    return int(settings.CAREBOOK.get("API_TOKEN_DAYS", 90))


def api_token_create(*, user: User, by: User | None = None, days: int | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the raw token (shown once).

    It expires after ``days`` (default: CAREBOOK_API_TOKEN_DAYS, 90).
    """
    days = token_days() if days is None else days
    if not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(f"A token lasts between 1 and {MAX_TOKEN_DAYS} days.", field="days")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    now = clock.now()
    with transaction.atomic():
        token = ApiToken.objects.create(
            user=user,
            prefix=raw[:10],
            token_hash=hash_token(raw),
            created_at=now,
            expires_at=now + dt.timedelta(days=days),
        )
        record_event(
            actor=by or user,
            action=AccessAudit.API_TOKEN_CREATED,
            entity=token,
            after={"user": user.username, "prefix": token.prefix, "expires_at": token.expires_at},
        )
    return token, raw


def _token_rows(*, token_hash: str) -> QuerySet[ApiToken]:
    return ApiToken.objects.select_related("user").filter(token_hash=token_hash).order_by()  # the hash is unique


# Read on every API request: compiled once (core.compiled, ADR 0016).
_TOKEN_READ = CompiledRead(_token_rows, token_hash=str)


def api_token_authenticate(raw: str) -> User | None:
    """The active user a bearer token belongs to; None for a token we never made (or a switched-off user).

    A token that expired or was revoked raises ``TokenRefused``, saying which, so its holder knows what to do.

    ``last_used_at`` is recorded without a write on every request: only when the stored value is older than
    ``LAST_USED_EVERY`` (five minutes), with one conditional UPDATE (``... WHERE last_used_at < now - 5 min``)
    so that concurrent requests write it at most once. It is therefore exact to within five minutes.
    """
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    found = _TOKEN_READ(token_hash=hash_token(raw))
    token = found[0] if found else None
    if token is None or not token.user.is_active:
        return None
    now = clock.now()
    if token.revoked_at is not None:
        raise TokenRefused(
            f"This API token ({token.prefix}…) was revoked on {_when(token.revoked_at)}. Make a new one.",
            code="token_revoked",
            revoked_at=token.revoked_at.isoformat(),
        )
    if token.expires_at <= now:
        raise TokenRefused(
            f"This API token ({token.prefix}…) expired on {_when(token.expires_at)}. Make a new one.",
            code="token_expired",
            expired_at=token.expires_at.isoformat(),
        )
    if token.last_used_at is None or token.last_used_at < now - LAST_USED_EVERY:
        ApiToken.objects.filter(pk=token.pk).filter(
            Q(last_used_at__isnull=True) | Q(last_used_at__lt=now - LAST_USED_EVERY)
        ).update(last_used_at=now)
    return token.user


def user_for_token(raw: str) -> User | None:
    """The active user of a token that still works, or None (expired and revoked tokens included)."""
    try:
        return api_token_authenticate(raw)
    except TokenRefused:
        return None


def api_token_revoke(*, token: ApiToken, by: User) -> ApiToken:
    """Revoke a token at once: it stays listed, with when and by whom. Audited in the same transaction.

    ``token`` comes from ``access_api_token_for_user`` (its owner, or a provider admin of the owner's provider).
    """
    with transaction.atomic():
        locked = ApiToken.objects.select_for_update(of=("self",)).select_related("user").get(pk=token.pk)
        if locked.revoked_at is not None:
            raise Conflict(
                f"This token was already revoked on {_when(locked.revoked_at)}.",
                code="already_revoked",
                revoked_at=locked.revoked_at.isoformat(),
            )
        locked.revoked_at = clock.now()
        locked.revoked_by = by
        locked.save(update_fields=["revoked_at", "revoked_by"])
        record_event(
            actor=by,
            action=AccessAudit.API_TOKEN_REVOKED,
            entity=locked,
            before={"revoked_at": None},
            after={
                "user": locked.user.username,
                "prefix": locked.prefix,
                "revoked_at": locked.revoked_at,
                "revoked_by": by.username,
            },
        )
    return locked


def _when(moment: dt.datetime) -> str:
    local = clock.to_local(moment)
    return f"{local.day} {local:%B %Y at %H:%M} (UK time)"
