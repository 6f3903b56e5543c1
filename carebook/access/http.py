"""A typed request for pages that need a signed-in member of staff.

Views decorated with ``login_required`` take an ``AuthenticatedRequest``: ``request.user`` is a
``User`` (never the anonymous user), so access functions and services are called with a typed
principal and no ``type: ignore``.
"""

from __future__ import annotations

from django.http import HttpRequest

from carebook.access.models import User


class AuthenticatedRequest(HttpRequest):
    user: User  # type: ignore[assignment]
