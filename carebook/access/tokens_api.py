"""Personal API tokens over the API: list the tokens you may manage, revoke one.

Tokens are made by ``manage.py create_api_token`` or on the "Your API tokens" page (shown once there); the API
does not make them, so that a stolen token cannot make itself a successor.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

from django.http import HttpRequest
from ninja import Query, Router
from pydantic import BaseModel, Field

from carebook.access.models import ApiToken, User
from carebook.access.policy import Action, can
from carebook.access.services import api_token_revoke
from carebook.access.tokens import access_api_token_for_user, api_tokens_for_user, staff_api_tokens_for_user
from carebook.core import clock
from carebook.core.schemas import Error

router = Router(tags=["API tokens"])

ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}


class TokenOwner(BaseModel):
    username: str
    full_name: str


class ApiTokenOut(BaseModel):
    id: uuid.UUID
    prefix: str = Field(description="The first characters of the token, to recognise it.")
    user: TokenOwner
    state: str = Field(description='"active", "expired" or "revoked".', examples=["active"])
    created_at: dt.datetime
    expires_at: dt.datetime
    last_used_at: dt.datetime | None = Field(description="When it was last used, to within five minutes.")
    revoked_at: dt.datetime | None
    revoked_by: TokenOwner | None


def caller(request: HttpRequest) -> User:
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # the API's authentication runs before every operation
        raise RuntimeError("The API was called without authentication.")
    return user


def token_out(token: ApiToken, now: dt.datetime) -> dict[str, Any]:
    by = token.revoked_by
    return {
        "id": token.public_id,
        "prefix": token.prefix,
        "user": {"username": token.user.username, "full_name": token.user.display_name},
        "state": token.state(now),
        "created_at": token.created_at,
        "expires_at": token.expires_at,
        "last_used_at": token.last_used_at,
        "revoked_at": token.revoked_at,
        "revoked_by": {"username": by.username, "full_name": by.display_name} if by is not None else None,
    }


@router.get("/tokens", response={200: list[ApiTokenOut], **ERRORS}, operation_id="api_tokens_list")
def api_tokens_list(
    request: HttpRequest,
    user: str | None = Query(None, max_length=150, description="Only this member of staff's tokens (a username)."),
) -> list[dict[str, Any]]:
    """The tokens the caller may manage: their own; for a provider admin, every token of their provider's staff.

    Expired and revoked tokens are listed too (``state``), newest first.
    """
    me = caller(request)
    tokens = staff_api_tokens_for_user(me) if can(me, Action.MANAGE_STAFF_API_TOKENS) else api_tokens_for_user(me)
    if user is not None:
        tokens = tokens.filter(user__username=user)
    now = clock.now()
    return [token_out(t, now) for t in tokens]


@router.post(
    "/tokens/{token_id}/revoke",
    response={200: ApiTokenOut, 409: Error, **ERRORS},
    operation_id="api_token_revoke",
)
def api_token_revoke_endpoint(request: HttpRequest, token_id: uuid.UUID) -> dict[str, Any]:
    """Revoke a token at once (one's own; a provider admin: any of their provider's staff's). It stays listed.

    A token of someone outside the caller's reach is 404; one already revoked is 409 (``already_revoked``).
    """
    me = caller(request)
    token = api_token_revoke(token=access_api_token_for_user(me, token_id), by=me)
    return token_out(token, clock.now())
