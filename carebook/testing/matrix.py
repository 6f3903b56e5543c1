"""The permission matrices' shared walk (the alerts', incidents' and audits' API tests): a member of staff of each
role, and each endpoint called in turn, its status kept; a refusal must be JSON with a code and a message and must
write nothing, an accepted write must write."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, cast

from django.db import connection

from carebook.access.models import Role, User
from carebook.testing.factories import UserFactory

NEW_ROLE = "night_nurse"  # a role the policy table does not know (carebook/access/tests/test_fail_closed.py)


@contextmanager
def role_check_lifted() -> Iterator[None]:
    """Let a user row carry a role the product does not know yet (undone with the test's transaction)."""
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA ignore_check_constraints = ON")
            try:
                yield
            finally:
                cursor.execute("PRAGMA ignore_check_constraints = OFF")
        else:
            cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")  # ALTER TABLE refuses pending deferred checks
            cursor.execute("ALTER TABLE access_user DROP CONSTRAINT user_role_valid")
            cursor.execute("SET CONSTRAINTS ALL DEFERRED")
            yield


def member_of_staff(role: str, world: Any) -> User:
    """Someone of ``role`` at the world's home (the provider admin: Pat, of no location; a role the table does not
    know: made with the database's role check lifted)."""
    if role == NEW_ROLE:
        with role_check_lifted():
            made = UserFactory(username="nina", role=NEW_ROLE, at=world.home, provider=world.provider)
        return User.objects.get(pk=made.pk)  # type: ignore[attr-defined]
    if role == Role.PROVIDER_ADMIN:
        return cast(User, world.pat)
    return cast(User, UserFactory(username=f"as-{role}", role=role, at=world.home, provider=world.provider))


def walk(
    endpoints: Sequence[Any],
    *,
    call: Callable[[Any], Any],
    expected: Callable[[Any], int],
    writes: Callable[[], Any],
) -> tuple[dict[str, int], dict[str, int]]:
    """(expected, actual) statuses by endpoint name; asserts as it goes what a refusal and a write must be."""
    wanted, actual = {}, {}
    for endpoint in endpoints:
        wanted[endpoint.name] = expected(endpoint)
        before = writes()
        response = call(endpoint)
        actual[endpoint.name] = response.status_code
        assert response["Content-Type"].startswith("application/json"), endpoint.name
        if response.status_code >= 400:
            assert set(response.json()) >= {"code", "message"}, endpoint.name
            assert writes() == before, f"{endpoint.name}: a refused request wrote"
        elif endpoint.method == "POST":
            assert writes() != before, f"{endpoint.name}: answered {response.status_code} and wrote nothing"
    return wanted, actual
