"""Providers and where they deliver care: care homes (with units) and home-care branches."""

from __future__ import annotations

from django.db import models

from carebook.core.models import UUIDModel


class Provider(UUIDModel):
    name = models.CharField(max_length=200)

    def __str__(self) -> str:
        return self.name


class LocationKind(models.TextChoices):
    CARE_HOME = "care_home", "Care home"
    HOME_CARE = "home_care", "Home-care branch"


class Location(UUIDModel):
    Kind = LocationKind

    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="locations")
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The pharmacy's cycle the MAR is kept on (ADR 0039): the first day of a cycle, and its length in days.
    # No start: the MAR is kept by calendar month.
    mar_cycle_start = models.DateField(null=True, blank=True)
    mar_cycle_days = models.PositiveSmallIntegerField(default=28)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=models.Q(kind__in=LocationKind.values), name="location_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(mar_cycle_days__gte=7, mar_cycle_days__lte=56), name="location_mar_cycle_days"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Unit(UUIDModel):
    """A unit (floor, wing) of a care home, or a round (area) of a home-care branch."""

    location = models.ForeignKey(Location, on_delete=models.PROTECT, related_name="units")
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["location", "name"], name="unit_name_unique_in_location")]

    def __str__(self) -> str:
        return f"{self.location.name}, {self.name}"
