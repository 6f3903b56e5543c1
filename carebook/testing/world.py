"""The personas of the test suite: a care home with two units, its staff, and someone from elsewhere."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass
class World:
    provider: object
    home: object
    rowan: object
    willow: object
    elsewhere: object
    carla: object  # care worker at the home
    sam: object  # senior carer
    tia: object  # team leader
    colin: object  # coordinator
    maria: object  # registered manager
    pat: object  # provider admin
    otto: object  # care worker at another provider's home
    ada: object  # a resident of Rowan unit
    bert: object  # a resident of Willow unit
    stranger: object  # a resident of the other provider's home


def make_world() -> World:
    """The personas, written to the database (for a module's shared data, see carebook/testing/shared.py)."""
    from carebook.access.models import Role
    from carebook.testing.factories import LocationFactory, PersonFactory, ProviderFactory, UnitFactory, UserFactory

    provider = ProviderFactory(name="Oakfield Care")
    home = LocationFactory(provider=provider, name="Oakfield House")
    rowan = UnitFactory(location=home, name="Rowan")
    willow = UnitFactory(location=home, name="Willow")
    elsewhere = LocationFactory(name="Elsewhere Lodge")
    return World(
        provider=provider,
        home=home,
        rowan=rowan,
        willow=willow,
        elsewhere=elsewhere,
        carla=UserFactory(username="carla", full_name="Carla Carer", initials="CC", at=home, provider=provider),
        sam=UserFactory(
            username="sam", full_name="Sam Senior", initials="SS", role=Role.SENIOR_CARER, at=home, provider=provider
        ),
        tia=UserFactory(
            username="tia", full_name="Tia Leader", initials="TL", role=Role.TEAM_LEADER, at=home, provider=provider
        ),
        colin=UserFactory(
            username="colin",
            full_name="Colin Coordinator",
            initials="CO",
            role=Role.COORDINATOR,
            at=home,
            provider=provider,
        ),
        maria=UserFactory(
            username="maria",
            full_name="Maria Manager",
            initials="MM",
            role=Role.REGISTERED_MANAGER,
            at=home,
            provider=provider,
        ),
        pat=UserFactory(
            username="pat", full_name="Pat Admin", initials="PA", role=Role.PROVIDER_ADMIN, provider=provider
        ),
        otto=UserFactory(username="otto", full_name="Otto Other", initials="OO", at=elsewhere),
        ada=PersonFactory(location=home, unit=rowan, given_name="Ada", family_name="Lovelace", preferred_name="Addie"),
        bert=PersonFactory(location=home, unit=willow, given_name="Bert", family_name="Jones"),
        stranger=PersonFactory(location=elsewhere, given_name="Stan", family_name="Ranger"),
    )
