from __future__ import annotations

from django.db import models


class RequiredCheck(models.TextChoices):
    """A clinical reading taken before the dose (the prescription may also ask for one)."""

    NONE = "", "None"
    PULSE = "pulse", "Pulse (beats per minute)"
    BLOOD_GLUCOSE = "blood_glucose", "Blood glucose (mmol/L)"
    BLOOD_PRESSURE = "blood_pressure", "Blood pressure (systolic, mmHg)"


class Medicine(models.Model):
    """A medicinal product from the curated list (dm+d code where known)."""

    class Form(models.TextChoices):
        TABLET = "tablet", "Tablet"
        CAPSULE = "capsule", "Capsule"
        LIQUID = "liquid", "Oral liquid"
        PATCH = "patch", "Transdermal patch"
        INHALER = "inhaler", "Inhaler"
        CREAM = "cream", "Cream or ointment"
        INJECTION = "injection", "Injection"
        DROPS = "drops", "Drops"
        SACHET = "sachet", "Sachet"

    name = models.CharField(max_length=200)
    strength = models.CharField(max_length=60, blank=True)
    form = models.CharField(max_length=20, choices=Form.choices)
    dose_unit = models.CharField(max_length=30, help_text="Unit a dose is counted in: tablet, mL, patch, unit…")
    default_route = models.CharField(max_length=30, default="oral")
    dmd_code = models.CharField(max_length=20, blank=True, db_index=True)
    controlled_drug_schedule = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="Misuse of Drugs Regulations schedule (2-5), or empty."
    )
    time_critical = models.BooleanField(default=False)
    high_risk = models.BooleanField(default=False)
    required_check = models.CharField(max_length=20, choices=RequiredCheck.choices, blank=True, default="")

    class Meta:
        ordering = ["name", "strength"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(controlled_drug_schedule__isnull=True)
                | models.Q(controlled_drug_schedule__gte=1, controlled_drug_schedule__lte=5),
                name="medicine_cd_schedule_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.strength}".strip() + f" {self.get_form_display().lower()}"

    @property
    def needs_witness(self) -> bool:
        """Schedule 2 and 3 controlled drugs are witnessed by a second trained member of staff."""
        return self.controlled_drug_schedule in (2, 3)

    @property
    def site_recorded(self) -> bool:
        """Patches and injections record (and rotate) their site."""
        return self.form in (self.Form.PATCH, self.Form.INJECTION)
