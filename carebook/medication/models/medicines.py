from __future__ import annotations

from django.db import models

from carebook.medication.vocab import SITE_RECORDED_FORMS, WITNESSED_CD_SCHEDULES, MedicineForm, RequiredCheck

__all__ = ["Medicine", "RequiredCheck"]


class Medicine(models.Model):
    """A medicinal product from the curated list (dm+d code where known)."""

    Form = MedicineForm

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
            models.CheckConstraint(condition=models.Q(form__in=MedicineForm.values), name="medicine_form_valid"),
            models.CheckConstraint(
                condition=models.Q(required_check__in=RequiredCheck.values), name="medicine_required_check_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} {self.strength}".strip() + f" {self.get_form_display().lower()}"

    @property
    def needs_witness(self) -> bool:
        """Schedule 2 and 3 controlled drugs are witnessed by a second trained member of staff."""
        return self.controlled_drug_schedule in WITNESSED_CD_SCHEDULES

    @property
    def site_recorded(self) -> bool:
        """Patches and injections record (and rotate) their site."""
        return self.form in SITE_RECORDED_FORMS
