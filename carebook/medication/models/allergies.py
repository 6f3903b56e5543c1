"""A senior's decision to go on with a prescription that matches one of the person's allergies.

The system finds the match (``rules.allergies``); no taken dose of the prescription can be recorded until a
senior has confirmed, with a reason (for example "GP confirmed: the previous reaction was an intolerance, not
an allergy"). The decision is its own insert-only record (ADR 0005) linking the prescription version and the
allergy, with the finding as it was shown, who and when.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnlyModel
from carebook.core.models import UUIDModel


class AllergyDecision(AppendOnlyModel, UUIDModel):
    prescription = models.ForeignKey(
        "medication.Prescription", on_delete=models.PROTECT, related_name="allergy_decisions"
    )
    allergy = models.ForeignKey("people.Allergy", on_delete=models.PROTECT, related_name="decisions")
    finding = models.TextField(help_text="The system's finding, as the senior read it.")
    finding_kind = models.CharField(max_length=20, help_text="allergy | caution (rules.allergies.FindingKind).")
    reason = models.TextField()
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.UniqueConstraint(fields=["prescription", "allergy"], name="allergy_decision_once"),
            models.CheckConstraint(condition=~models.Q(reason=""), name="allergy_decision_has_reason"),
        ]
        # The alerts' scan reads the last day's decisions (a senior went on despite an allergy: ADR 0026).
        indexes = [models.Index(fields=["decided_at"], name="allergy_decision_time_idx")]

    def __str__(self) -> str:
        return f"Allergy decision for {self.prescription_id}: {self.reason}"
