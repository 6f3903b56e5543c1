from __future__ import annotations

import pytest


@pytest.fixture
def staff(world):
    """The home's staff with email addresses (Otto, at another home, too)."""
    for user in (world.carla, world.sam, world.tia, world.colin, world.maria, world.otto):
        user.email = f"{user.username}@example.org"
        user.save(update_fields=["email"])
    return world
