"""Reading personal API tokens for a member of staff: whose tokens they may see, and one token by its id.

A token is seen by its owner, and by a provider admin for the staff of their own provider. Anything else,
and an id that does not exist, is the same 404.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.db.models import Q, QuerySet

from carebook.access.models import ApiToken, User
from carebook.access.policy import Action, can, require
from carebook.core.errors import NotFound


def _visible_to(user: User) -> Q:
    mine = Q(user=user)
    if can(user, Action.MANAGE_STAFF_API_TOKENS) and user.provider_id is not None:
        return mine | Q(user__provider_id=user.provider_id)
    return mine


def api_tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """The caller's own tokens, newest first."""
    require(user, Action.MANAGE_OWN_API_TOKENS)
    return ApiToken.objects.filter(user=user).select_related("user", "revoked_by").order_by("-created_at", "-pk")


def staff_api_tokens_for_user(user: User) -> QuerySet[ApiToken]:
    """Every token of the staff of a provider admin's provider (their own included), by person, newest first."""
    require(user, Action.MANAGE_STAFF_API_TOKENS)
    return (
        ApiToken.objects.filter(_visible_to(user))
        .select_related("user", "revoked_by")
        .order_by("user__full_name", "user__username", "-created_at", "-pk")
    )


def access_api_token_for_user(user: User, token_id: Any) -> ApiToken:
    """One token the caller may see and revoke (their own, or their provider's staff's as a provider admin)."""
    require(user, Action.MANAGE_OWN_API_TOKENS)
    try:
        public_id = token_id if isinstance(token_id, uuid.UUID) else uuid.UUID(str(token_id))
    except (ValueError, TypeError, AttributeError):
        raise NotFound("No API token with that id.") from None
    token = ApiToken.objects.filter(_visible_to(user), public_id=public_id).select_related("user").first()
    if token is None:
        raise NotFound("No API token with that id.")
    return token
