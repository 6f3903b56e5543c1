"""The people Carebook supports: who they are, what they are allergic to, how they like their medicines."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.db import models
from django.db.models import F, Value
from django.db.models.functions import Length, Replace
from django.db.models.lookups import Exact

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.people.nhs_numbers import validate_nhs_number
from carebook.people.vocab import AllergyCorrectionKind, AllergyKind, AllergyRecordStatus


class AllergyStatus(models.TextChoices):
    NOT_RECORDED = "not_recorded", "Not yet recorded"
    NO_KNOWN_ALLERGIES = "no_known_allergies", "No known allergies"
    HAS_ALLERGIES = "has_allergies", "Has allergies"


def _digits_removed(expression: Any) -> Any:
    for digit in "0123456789":
        expression = Replace(expression, Value(digit), Value(""))
    return expression


# Blank, or exactly 10 characters of which none is left once the digits 0-9 are taken out. Written with
# LENGTH and REPLACE, which SQLite and PostgreSQL both have (SQLite has no regular expressions of its own).
NHS_NUMBER_SHAPE = models.Q(nhs_number="") | (
    models.Q(Exact(Length("nhs_number"), 10)) & models.Q(Exact(_digits_removed(F("nhs_number")), Value("")))
)


class Person(UUIDModel):
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="people")
    unit = models.ForeignKey(
        "organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="people"
    )
    given_name = models.CharField(max_length=100)
    family_name = models.CharField(max_length=100)
    preferred_name = models.CharField(max_length=100, blank=True)
    date_of_birth = models.DateField()
    nhs_number = models.CharField(
        max_length=10,
        blank=True,
        db_index=True,
        validators=[validate_nhs_number],
        help_text="10 digits (modulus 11 checked), or blank when not known.",
    )
    room = models.CharField(max_length=40, blank=True, help_text="Room, or address line for home care.")
    # Home care: how to get in (the key safe's code and where it is), shown only to the care worker on a visit today.
    key_safe_note = models.CharField(max_length=200, blank=True)
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
            # The shape of an NHS number, held by the database (the check digit is the validator's):
            # blank, or 10 characters each of them an ASCII digit.
            models.CheckConstraint(condition=NHS_NUMBER_SHAPE, name="person_nhs_number_ten_digits"),
        ]
        indexes = [models.Index(fields=["location", "unit"], name="person_location_unit_idx")]

    # The NHS number as loaded from the database (None: a new row), so that save() checks only a new value.
    _stored_nhs_number: str | None = None

    def __str__(self) -> str:
        return self.full_name

    @classmethod
    def from_db(cls, db: Any, field_names: Any, values: Any) -> Person:
        person = super().from_db(db, field_names, values)
        person._stored_nhs_number = person.__dict__.get("nhs_number")
        return person

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Every code path that writes a new or changed NHS number (a form, the API, the seed, a factory,
        # an import) gets the same check; a number already stored is not re-judged by an unrelated save.
        if self.nhs_number != self._stored_nhs_number:
            validate_nhs_number(self.nhs_number)
        super().save(*args, **kwargs)
        self._stored_nhs_number = self.nhs_number

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


class Allergy(AppendOnlyModel):
    """One allergy or intolerance of a person: the allergen (coded from the substances table where it can be,
    always named in words), the reaction, the severity, who recorded it and when.

    Never edited or deleted (ADR 0002, 0005): a wrong record is marked entered in error or refuted, with an
    ``AllergyCorrection`` saying who, when and why; the original stays visible.
    """

    Severity = AllergySeverity
    Kind = AllergyKind
    Status = AllergyRecordStatus

    append_only = AppendOnly(
        mutable={
            "status": [
                (AllergyRecordStatus.ACTIVE, AllergyRecordStatus.ENTERED_IN_ERROR),
                (AllergyRecordStatus.ACTIVE, AllergyRecordStatus.REFUTED),
            ]
        }
    )

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="allergies")
    substance = models.CharField(max_length=200, help_text="The allergen in words, as every page shows it.")
    coded_substance = models.ForeignKey(
        "substances.Substance", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    coded_class = models.ForeignKey(
        "substances.AllergenClass", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reaction = models.CharField(max_length=200, blank=True)
    severity = models.CharField(max_length=20, choices=Severity.choices, default=Severity.MODERATE)
    kind = models.CharField(max_length=20, choices=AllergyKind.choices, default=AllergyKind.ALLERGY)
    status = models.CharField(max_length=20, choices=AllergyRecordStatus.choices, default=AllergyRecordStatus.ACTIVE)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True, help_text="Empty only for records made before 2027.")

    class Meta:
        ordering = ["substance"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(severity__in=AllergySeverity.values), name="allergy_severity_valid"
            ),
            models.CheckConstraint(condition=models.Q(kind__in=AllergyKind.values), name="allergy_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(status__in=AllergyRecordStatus.values), name="allergy_status_valid"
            ),
            models.CheckConstraint(condition=~models.Q(substance=""), name="allergy_named"),
            models.CheckConstraint(
                condition=models.Q(coded_substance__isnull=True) | models.Q(coded_class__isnull=True),
                name="allergy_one_code",
            ),
        ]
        indexes = [models.Index(fields=["person", "status"], name="allergy_person_status_idx")]

    def __str__(self) -> str:
        return f"{self.substance} ({self.get_severity_display()})"

    @property
    def is_active(self) -> bool:
        return self.status == AllergyRecordStatus.ACTIVE

    @property
    def coded(self) -> bool:
        return self.coded_substance_id is not None or self.coded_class_id is not None


class AllergyCorrection(AppendOnlyModel):
    """Who marked an allergy record entered in error or refuted, when and why."""

    Kind = AllergyCorrectionKind

    allergy = models.OneToOneField(Allergy, on_delete=models.PROTECT, related_name="correction")
    kind = models.CharField(max_length=20, choices=AllergyCorrectionKind.choices)
    reason = models.TextField()
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(kind__in=AllergyCorrectionKind.values), name="allergy_correction_kind_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.reason}"


class AllergyStatusRecord(AppendOnlyModel):
    """A statement of a person's allergy status ("no known allergies", "has allergies"), who made it and when.

    ``Person.allergy_status`` is its projection (the latest), written in the same transaction.
    """

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="allergy_status_records")
    status = models.CharField(max_length=30, choices=AllergyStatus.choices)
    note = models.TextField(blank=True)
    by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        ordering = ["at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(status__in=AllergyStatus.values), name="allergy_status_record_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_status_display()} ({self.at:%Y-%m-%d})"
