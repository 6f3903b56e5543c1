"""What was decided when a late dose, given, would have been too close to the next dose (ADR 0021).

Insert-only (ADR 0005). One row per such decision, written in the recording transaction with the late dose's
record: the choice (move the next dose, omit the next dose, omit this one), the reason, who decided, and for
a time-critical medicine the senior who confirmed it. It points at what it did: the next dose's slot, the slot
that replaced it when it was moved, or the record that omitted it.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.medication.vocab import LateDoseChoice


class LateDoseDecision(AppendOnlyModel, UUIDModel):
    Choice = LateDoseChoice

    administration = models.OneToOneField(
        "medication.Administration",
        on_delete=models.PROTECT,
        related_name="late_decision",
        help_text="The late dose's record (for 'omit this one', the record that it was not given).",
    )
    due_dose = models.ForeignKey("medication.DueDose", on_delete=models.PROTECT, related_name="late_decisions")
    choice = models.CharField(max_length=20, choices=LateDoseChoice.choices)
    reason = models.TextField()
    given_at = models.DateTimeField(help_text="When the late dose was given, or would have been.")
    gap_minutes = models.PositiveIntegerField(help_text="The least time there had to be before the next dose.")
    next_due_dose = models.ForeignKey(
        "medication.DueDose", on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    next_scheduled_at = models.DateTimeField(help_text="When the next dose was due at the time of the decision.")
    moved_to = models.OneToOneField(
        "medication.DueDose", on_delete=models.PROTECT, related_name="move_decision", null=True, blank=True
    )
    next_omission = models.OneToOneField(
        "medication.Administration",
        on_delete=models.PROTECT,
        related_name="omission_decision",
        null=True,
        blank=True,
    )
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    decided_at = models.DateTimeField()
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", null=True, blank=True
    )
    confirmed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["decided_at"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(choice__in=LateDoseChoice.values), name="late_dose_decision_choice_valid"
            ),
            models.CheckConstraint(
                condition=~models.Q(choice=LateDoseChoice.MOVE_NEXT.value) | models.Q(moved_to__isnull=False),
                name="late_dose_decision_move_has_its_slot",
            ),
            models.CheckConstraint(
                condition=~models.Q(choice=LateDoseChoice.OMIT_NEXT.value) | models.Q(next_omission__isnull=False),
                name="late_dose_decision_omission_has_its_record",
            ),
            models.CheckConstraint(
                condition=models.Q(confirmed_by__isnull=True) | ~models.Q(confirmed_by=models.F("decided_by")),
                name="late_dose_decision_confirmed_by_another",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_choice_display()} ({self.reason[:40]})"
