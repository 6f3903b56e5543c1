"""The safety prompts a recording page showed to a member of staff (ADR 0030).

A ``PromptShowing`` is written when the recording page (a due dose, or a when-required dose) is first shown to a
user, before anything is answered: who saw it, for which prescription and dose, which prompts, when (the server
clock). When a dose is recorded from that walk the showing is linked to the administration, once; a showing
never linked is a walk stopped or abandoned, and every prompt it showed counts as unanswered. A dose recorded
with no showing (through the API) has one written with it, so every administration has exactly one showing.

The answers stay in ``PromptAnswer``: a showing says what was shown, never how it was answered.
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel

# A walk not saved within this time of being shown is abandoned (a walk takes minutes; a round, an hour or two).
SHOWING_OPEN_FOR = dt.timedelta(hours=2)


class ShowingSource(models.TextChoices):
    PAGE = "page", "Recording page"
    RECORDED = "recorded", "Written with the record (no page shown)"


class PromptShowing(AppendOnlyModel, UUIDModel):
    Source = ShowingSource

    # Insert-only but for the link to the record the walk led to, set once by the recording service.
    append_only = AppendOnly(mutable={"administration": None})

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="+")
    unit = models.ForeignKey("organisations.Unit", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    prescription = models.ForeignKey("medication.Prescription", on_delete=models.PROTECT, related_name="showings")
    due_dose = models.ForeignKey(
        "medication.DueDose", null=True, blank=True, on_delete=models.PROTECT, related_name="showings"
    )
    prompts = models.CharField(max_length=400, help_text="The prompts shown, in order, comma-separated.")
    prompt_count = models.PositiveSmallIntegerField()
    shown_at = models.DateTimeField(help_text="Server clock when the page was first shown.")
    source = models.CharField(max_length=20, choices=ShowingSource.choices, default=ShowingSource.PAGE)
    administration = models.OneToOneField(
        "medication.Administration", null=True, blank=True, on_delete=models.PROTECT, related_name="showing"
    )

    class Meta:
        ordering = ["shown_at"]
        constraints = [
            models.CheckConstraint(condition=models.Q(source__in=ShowingSource.values), name="showing_source_valid"),
        ]
        indexes = [
            models.Index(fields=["location", "shown_at"], name="showing_location_time_idx"),
            models.Index(fields=["user", "shown_at"], name="showing_user_time_idx"),
            models.Index(fields=["due_dose", "user"], name="showing_dose_user_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.prompt_count} prompts shown at {self.shown_at:%Y-%m-%d %H:%M}"

    @property
    def prompt_list(self) -> list[str]:
        return [p for p in self.prompts.split(",") if p]
