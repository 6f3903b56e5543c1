"""Reference data: the substances medicines contain and the allergen classes they belong to.

A person's allergy points at a substance or a class from this table where it can (people imports this
app; medication imports it for what a medicine contains). The table is curated in the repository
(``carebook/substances/data.py``) and loaded by ``load_reference_data`` (the demo seed and
``manage.py load_reference_data``): reference data, maintained by that one step, never edited by hand and
never deleted (an allergy may point at a row).
"""

from __future__ import annotations

from django.db import models


class AllergenClass(models.Model):
    """A group of substances a person may be allergic to as a whole (penicillins, NSAIDs, opioids)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    snomed_code = models.CharField(max_length=20, blank=True, help_text="SNOMED CT, only where known for sure.")
    whole_class = models.BooleanField(
        default=True,
        help_text="An allergy to one member is taken as an allergy to every member (penicillins). "
        "Otherwise another member is a caution to confirm with the prescriber (opioids).",
    )
    terms = models.JSONField(default=list, blank=True, help_text="Other words for it, for free-text allergies.")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Substance(models.Model):
    """An active ingredient (amoxicillin, paracetamol, codeine phosphate)."""

    code = models.SlugField(max_length=60, unique=True)
    name = models.CharField(max_length=120)
    snomed_code = models.CharField(max_length=20, blank=True, help_text="SNOMED CT substance, only where sure.")
    dmd_vtm_code = models.CharField(max_length=20, blank=True, help_text="dm+d VTM, only where sure.")
    classes = models.ManyToManyField(AllergenClass, related_name="substances", blank=True)
    terms = models.JSONField(default=list, blank=True, help_text="Other names, for free-text allergies.")
    max_24h_mg = models.DecimalField(
        max_digits=10,
        decimal_places=3,
        null=True,
        blank=True,
        help_text="The adult maximum in any 24 hours, in mg, across every product containing it.",
    )
    max_24h_source = models.CharField(max_length=300, blank=True, help_text="Where the maximum comes from.")

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(max_24h_mg__isnull=True) | models.Q(max_24h_mg__gt=0),
                name="substance_max_24h_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class CrossSensitivity(models.Model):
    """An allergy to one class makes another class a caution (penicillins → cephalosporins)."""

    allergy_class = models.ForeignKey(AllergenClass, on_delete=models.CASCADE, related_name="cautions")
    caution_class = models.ForeignKey(AllergenClass, on_delete=models.CASCADE, related_name="cautioned_by")
    note = models.TextField()

    class Meta:
        ordering = ["allergy_class__name", "caution_class__name"]
        constraints = [
            models.UniqueConstraint(fields=["allergy_class", "caution_class"], name="cross_sensitivity_unique"),
            models.CheckConstraint(
                condition=~models.Q(allergy_class=models.F("caution_class")), name="cross_sensitivity_two_classes"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.allergy_class} → {self.caution_class}"
