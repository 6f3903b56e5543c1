"""When the request is too big, or the database is down: a clear answer (413, 503), never a 500 or a traceback.

The database-down cases are real: the request's connection is pointed at a PostgreSQL port nobody listens on,
at a PostgreSQL database that does not exist, or at a SQLite file that cannot be opened, and the real driver
fails to connect. Nothing of ours is mocked.
"""

from __future__ import annotations

import json
import os
import socket
from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from django.conf import settings
from django.db import connection, connections
from django.db.utils import OperationalError, load_backend
from django.test import Client
from django.urls import reverse

from carebook.core.db import database_unavailable
from carebook.medication.api.testing import api_as

LIMIT = settings.DATA_UPLOAD_MAX_MEMORY_SIZE


# --- 413 ------------------------------------------------------------------------------------------------------


def test_a_body_over_the_limit_gets_a_413_in_the_apis_error_shape(world):
    body = json.dumps({"outcome": "given", "reason": "x" * LIMIT})

    response = api_as(world.carla).post("/administrations", body)

    assert response.status_code == 413
    assert response["Content-Type"] == "application/json"
    error = response.json()
    assert error["code"] == "too_large" and "bytes" in error["message"]
    assert error["details"] == {"max_bytes": LIMIT}


def test_a_body_just_under_the_limit_is_read_and_judged_as_usual(world):
    body = json.dumps({"outcome": "given", "reason": "x" * (LIMIT - 100)})
    assert len(body) <= LIMIT

    response = api_as(world.carla).post("/administrations", body)

    assert response.status_code == 422  # the shape is wrong (no dose named), not the size


def test_a_form_over_the_limit_gets_a_plain_413_page(client, world):
    client.force_login(world.carla)
    dose_form = reverse("people:person", args=[world.ada.pk])

    for path in (dose_form, reverse("access:sign_in")):
        response = client.post(path, {"note": "x" * LIMIT})
        assert response.status_code == 413, path
        assert response["Content-Type"].startswith("text/html")
        assert "too much to send" in response.content.decode()


# --- 503 ------------------------------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # nobody listens once the socket is closed


def postgres_server() -> dict[str, object] | None:
    """The PostgreSQL server of this test run, or the usual local one, if it answers."""
    if connection.vendor == "postgresql":
        return {k: connection.settings_dict[k] for k in ("HOST", "PORT", "USER", "PASSWORD")}
    try:
        socket.create_connection(("127.0.0.1", 5432), timeout=1).close()
    except OSError:
        return None
    return {"HOST": "127.0.0.1", "PORT": 5432, "USER": os.environ.get("PGUSER", "postgres"), "PASSWORD": ""}


def dead_database(kind: str) -> dict[str, object]:
    postgres = {"ENGINE": "django.db.backends.postgresql", "OPTIONS": {"connect_timeout": 5}}
    if kind == "postgres_refused":
        return {**postgres, "NAME": "carebook", "HOST": "127.0.0.1", "PORT": closed_port(), "USER": "postgres"}
    if kind == "postgres_no_such_database":
        server = postgres_server()
        if server is None:
            pytest.skip("no PostgreSQL server answers here")
        return {**postgres, **server, "NAME": "carebook_no_such_database_here"}
    assert kind == "sqlite_cannot_open"
    return {"ENGINE": "django.db.backends.sqlite3", "NAME": "/nonexistent-directory/carebook.sqlite3", "OPTIONS": {}}


@contextmanager
def database_down(kind: str) -> Iterator[None]:
    """The default connection, for this thread, points at a database that cannot be reached."""
    original = connections["default"]
    dead_settings = {**original.settings_dict, "HOST": "", "PORT": "", "USER": "", "PASSWORD": ""}
    dead_settings.update(dead_database(kind))
    dead = load_backend(str(dead_settings["ENGINE"])).DatabaseWrapper(dead_settings, "default")
    connections["default"] = dead
    try:
        yield
    finally:
        dead.close()
        connections["default"] = original


KINDS = ["postgres_refused", "postgres_no_such_database", "sqlite_cannot_open"]


def assert_a_plain_503_page(response) -> None:
    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    assert response["Content-Type"].startswith("text/html")
    assert "Carebook is not available at the moment" in html
    assert "Traceback" not in html and "OperationalError" not in html


@pytest.mark.parametrize("kind", KINDS)
def test_with_the_database_down_the_api_answers_503_with_retry_after(world, kind):
    api = api_as(world.carla)  # the token is made while the database is up

    with database_down(kind):
        response = api.get("/locations")

    assert response.status_code == 503
    assert response["Retry-After"] == "30"
    assert response["Content-Type"] == "application/json"
    assert response.json()["code"] == "database_unavailable"
    assert "Traceback" not in response.content.decode()


@pytest.mark.parametrize("kind", KINDS)
def test_with_the_database_down_carla_gets_a_plain_page_saying_so(client, world, kind):
    client.force_login(world.carla)

    with database_down(kind):
        home = client.get(reverse("home"))
        sign_in = Client().post(reverse("access:sign_in"), {"username": "carla", "password": "whatever-it-is"})

    assert_a_plain_503_page(home)
    assert_a_plain_503_page(sign_in)


def test_with_the_database_down_even_the_not_found_page_is_a_503_not_a_500(world):
    # The 404 page names who is signed in, so it needs the database: the failure happens while rendering
    # the error page, outside any view, and reaches the handler for uncaught errors (handler500).
    client = Client(raise_request_exception=False)
    client.force_login(world.carla)

    with database_down("postgres_refused"):
        response = client.get("/no-such-page/")

    assert_a_plain_503_page(response)


def test_a_bad_query_is_still_a_bug_not_a_database_outage(db):
    # On SQLite a malformed query is an OperationalError too; it must stay a 500 (on PostgreSQL it is a
    # ProgrammingError, never taken for an outage).
    with pytest.raises(Exception) as raised, connection.cursor() as cursor:
        cursor.execute("SELEC 1")
    assert not database_unavailable(raised.value)
    assert not database_unavailable(OperationalError("no such table: anything"))


def test_every_api_operation_documents_413_and_503_with_the_error_shape(client):
    schema = client.get("/api/v1/openapi.json").json()
    operations = [(path, method, op) for path, item in schema["paths"].items() for method, op in item.items()]
    assert len(operations) >= 18
    for path, method, operation in operations:
        for status in ("413", "503"):
            response = operation["responses"].get(status)
            assert response is not None, (method, path, status)
            assert response["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/Error"}
        assert "Retry-After" in operation["responses"]["503"]["headers"]


@pytest.mark.postgres_only
def test_a_server_that_goes_away_under_an_open_connection_is_an_outage(db):
    if connection.vendor != "postgresql":
        pytest.skip("PostgreSQL: a server backend ended under an open connection")
    original = connections["default"]
    fresh = load_backend(original.settings_dict["ENGINE"]).DatabaseWrapper(dict(original.settings_dict), "default")
    connections["default"] = fresh
    try:
        with fresh.cursor() as cursor:
            cursor.execute("SELECT pg_backend_pid()")
            pid = cursor.fetchone()[0]
        with original.cursor() as cursor:  # as an administrator restarting the server would
            cursor.execute("SELECT pg_terminate_backend(%s)", [pid])
        with pytest.raises(OperationalError) as raised, fresh.cursor() as cursor:
            cursor.execute("SELECT 1")
        assert database_unavailable(raised.value)
    finally:
        fresh.close()
        connections["default"] = original
