"""The anticoagulant clinic's dosing instructions for a prescription dosed day by day (warfarin: ADR 0037, H66).

An instruction is the clinic's letter as entered: the INR and its date, the next test, and the dose for each day until
then. It is entered by a senior and checked against the letter by a second person; only a checked instruction sets a
dose (``rules.dosing``). Both rows are never changed: a new letter is a new instruction, the latest in force.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnlyModel
from carebook.core.models import UUIDModel


class DosingInstruction(AppendOnlyModel, UUIDModel):
    prescription = models.ForeignKey(
        "medication.Prescription", on_delete=models.PROTECT, related_name="dosing_instructions"
    )
    inr = models.DecimalField(max_digits=4, decimal_places=1, help_text="The INR the clinic acted on.")
    inr_date = models.DateField(help_text="The day of that INR test.")
    next_inr_date = models.DateField(help_text="The next INR test, as the clinic gave it.")
    # Every day from the day it was entered to the next test inclusive: {"2026-12-04": "3", ...}, in dose units.
    doses = models.JSONField()
    source_note = models.CharField(max_length=200, blank=True, help_text="The letter or call it came from.")
    entered_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    entered_at = models.DateTimeField()

    class Meta:
        ordering = ["-entered_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(inr__gt=0), name="dosing_inr_positive"),
            models.CheckConstraint(
                condition=models.Q(next_inr_date__gt=models.F("inr_date")), name="dosing_next_test_after_last"
            ),
        ]
        indexes = [models.Index(fields=["prescription", "entered_at"], name="dosing_rx_entered_idx")]

    def __str__(self) -> str:
        return f"INR {self.inr} on {self.inr_date:%Y-%m-%d}, next {self.next_inr_date:%Y-%m-%d}"

    @property
    def day_doses(self) -> dict[dt.date, Decimal]:
        return {dt.date.fromisoformat(day): Decimal(amount) for day, amount in self.doses.items()}


class DosingInstructionCheck(AppendOnlyModel):
    """A second trained member of staff confirmed the instruction matches the clinic's letter."""

    instruction = models.OneToOneField(DosingInstruction, on_delete=models.PROTECT, related_name="second_check")
    checked_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    checked_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"Checked by {self.checked_by} at {self.checked_at:%Y-%m-%d %H:%M}"
