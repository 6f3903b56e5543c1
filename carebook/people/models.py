"""The people Carebook supports: who they are, what they are allergic to, how they like their medicines."""

from __future__ import annotations

import datetime as dt

from django.db import models

from carebook.core.models import UUIDModel


class AllergyStatus(models.TextChoices):
    NOT_RECORDED = "not_recorded", "Not yet recorded"
    NO_KNOWN_ALLERGIES = "no_known_allergies", "No known allergies"
    HAS_ALLERGIES = "has_allergies", "Has allergies"


class Person(UUIDModel):
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="people")
    unit = models.ForeignKey(
        "organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(max_length=10, blank=True, db_index=True)
    room = models.CharField(max_length=40, blank=True, help_text="Room, or address line for home care.")
    picture_svg = models.TextField(blank=True, help_text="An identifying picture, served only to staff in scope.")
    allergy_status = models.CharField(max_length=30, choices=AllergyStatus.choices, default=AllergyStatus.NOT_RECORDED)
    medicine_preferences = models.TextField(
        blank=True, help_text="How they like to take their medicines, in their words."
    )
    communication_needs = models.TextField(blank=True)
    gp_practice = models.CharField(max_length=200, blank=True)
    pharmacy = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["family_name", "given_name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(allergy_status__in=AllergyStatus.values),
                name="person_allergy_status_valid",
            ),
        ]
        indexes = [models.Index(fields=["location", "unit"], name="person_location_unit_idx")]

    def __str__(self) -> str:
        return self.full_name

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}"

    @property
    def known_as(self) -> str:
        return self.preferred_name or self.given_name

    @property
    def allergies_not_recorded(self) -> bool:
        return self.allergy_status == AllergyStatus.NOT_RECORDED

    @property
    def no_known_allergies(self) -> bool:
        return self.allergy_status == AllergyStatus.NO_KNOWN_ALLERGIES

    def age_on(self, day: dt.date) -> int:
        years = day.year - self.date_of_birth.year
        if (day.month, day.day) < (self.date_of_birth.month, self.date_of_birth.day):
            years -= 1
        return years


class AllergySeverity(models.TextChoices):
    MILD = "mild", "Mild"
    MODERATE = "moderate", "Moderate"
    SEVERE = "severe", "Severe"


class Allergy(models.Model):
    Severity = AllergySeverity

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=200)
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MODERATE)

    class Meta:
        ordering = ["substance"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=AllergySeverity.values), name="allergy_severity_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.substance} ({self.get_severity_display()})"
