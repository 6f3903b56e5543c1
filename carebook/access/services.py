"""Account services: API tokens."""

from __future__ import annotations

import hashlib
import secrets

from django.db import transaction

from carebook.access.audit import AccessAudit
from carebook.access.models import ApiToken, User
from carebook.audit_log.services import record_event
from carebook.core import clock

TOKEN_PREFIX = "cb_"


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def api_token_create(*, user: User, by: User | None = None) -> tuple[ApiToken, str]:
    """Create a personal API token; returns the row and the raw token (shown once)."""
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    with transaction.atomic():
        token = ApiToken.objects.create(user=user, prefix=raw[:10], token_hash=hash_token(raw), created_at=clock.now())
        record_event(
            actor=by or user,
            action=AccessAudit.API_TOKEN_CREATED,
            entity=token,
            after={"user": user.username, "prefix": token.prefix},
        )
    return token, raw


def user_for_token(raw: str) -> User | None:
    """The active user a bearer token belongs to, or None."""
    if not raw.startswith(TOKEN_PREFIX) or len(raw) > 200:
        return None
    token = ApiToken.objects.select_related("user").filter(token_hash=hash_token(raw), revoked_at__isnull=True).first()
    if token is None or not token.user.is_active:
        return None
    return token.user
