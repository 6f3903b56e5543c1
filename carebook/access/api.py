"""What every JSON API module shares: the caller, the error shape, and the statuses operations document.

Low in the layers (access), so that people, medication and the apps to come all use one definition.
"""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from carebook.access.models import User
from carebook.core.errors import ValidationFailed
from carebook.core.schemas import Error

__all__ = ["READ_ERRORS", "WRITE_ERRORS", "Error", "caller", "user_ids"]


# Any authenticated operation: not signed in (401), role may not (403), missing or out of scope (404),
# bad parameters (422).
READ_ERRORS: dict[int, Any] = {401: Error, 403: Error, 404: Error, 422: Error}
# A write also answers 400 for a body that is not JSON, and 409 for a conflict (e.g. already recorded).
WRITE_ERRORS: dict[int, Any] = {400: Error, 401: Error, 403: Error, 404: Error, 409: Error, 422: Error}


def caller(request: HttpRequest) -> User:
    """The member of staff making the request, as authenticated by the API (token or session)."""
    user = getattr(request, "auth", None)
    if not isinstance(user, User):  # the API's authentication runs before every operation
        raise RuntimeError("The API was called without authentication.")
    return user


def user_ids(usernames: list[str], field: str) -> list[int]:
    """The members of staff a body names by username, as ids (sorted by username); one not found is a 422 on
    ``field``. Whether each may be named (an action's owner is staff of the home) is the service's to check."""
    wanted = set(usernames)
    found = dict(User.objects.filter(username__in=wanted).values_list("username", "pk"))
    missing = sorted(wanted - set(found))
    if missing:
        raise ValidationFailed(f"No member of staff called {missing[0]!r}.", field=field)
    return [found[name] for name in sorted(wanted)]
