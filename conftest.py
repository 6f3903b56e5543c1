"""Personas and shared fixtures: a care home with two units, its staff, and someone from elsewhere."""

from __future__ import annotations

import os

import pytest

from carebook.testing.world import make_world

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture(scope="session", autouse=True)
def _flushes_unlock_the_append_only_tables():
    """Transactional and live-server tests end with a flush, which the append-only triggers refuse (ADR 0005)."""
    from carebook.testing.append_only import flushes_unlocked

    with flushes_unlocked():
        yield


@pytest.fixture
def world(db):
    return make_world()
