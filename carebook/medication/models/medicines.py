from __future__ import annotations

from django.db import models

from carebook.medication.vocab import (
    SITE_RECORDED_FORMS,
    TOPICAL_FORMS,
    WITNESSED_CD_SCHEDULES,
    MedicineForm,
    RequiredCheck,
)

__all__ = ["Medicine", "MedicineIngredient", "RequiredCheck"]


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
    def is_topical(self) -> bool:
        """Creams and ointments record the area they went on (the prescription's areas)."""
        return self.form in TOPICAL_FORMS

    @property
    def site_recorded(self) -> bool:
        """Patches and injections record (and rotate) their site."""
        return self.form in SITE_RECORDED_FORMS


class MedicineIngredient(models.Model):
    """What one dose unit of a medicine contains: 500 mg of paracetamol per tablet; 50 mg per mL of a 250 mg/5 mL
    suspension. Reference data, loaded with the medicine list (``carebook.demo.medicines.ensure_medicines``)."""

    medicine = models.ForeignKey(Medicine, on_delete=models.CASCADE, related_name="ingredients")
    substance = models.ForeignKey("substances.Substance", on_delete=models.PROTECT, related_name="in_medicines")
    amount_mg = models.DecimalField(
        max_digits=12,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="mg of the substance in one dose unit of the medicine (a tablet, 1 mL, a sachet); empty when "
        "not a mass (a patch's rate, insulin units).",
    )

    class Meta:
        ordering = ["medicine", "substance__name"]
        constraints = [
            models.UniqueConstraint(fields=["medicine", "substance"], name="medicine_ingredient_once"),
            models.CheckConstraint(
                condition=models.Q(amount_mg__isnull=True) | models.Q(amount_mg__gt=0),
                name="medicine_ingredient_amount_positive",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.substance} in {self.medicine}"
