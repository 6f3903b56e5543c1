"""The figures' daily rollups (ADR 0033): the dose counts, one row per location and local date; the safety-prompt
counts, one row per location, local date, unit and member of staff; and the change log the database itself writes
when a record of that day changes.

Neither is a clinical record: a rollup is a cache of a day's counts, rebuilt from the records by a job, and a change
row says "this day's records changed since". ``RollupChange`` rows are written by triggers on the due doses and
the administrations (in the writer's own transaction, so no write path can miss one) and consumed by the job;
a rollup counts only when no change of its day is waiting and its day had settled (every window closed) by the
moment the figure is asked for. Otherwise the figure reads that day from the records.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Exists, OuterRef


class DailyDoseRollup(models.Model):
    location = models.ForeignKey("organisations.Location", on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    due = models.PositiveIntegerField(help_text="Doses reckoned (recorded, or window closed), not withdrawn.")
    on_time = models.PositiveIntegerField()
    omitted = models.PositiveIntegerField()
    refused = models.PositiveIntegerField()
    late_entries = models.PositiveIntegerField(help_text="Records given on this local date, written > 60 min later.")
    prn_given = models.PositiveIntegerField()
    settled_at = models.DateTimeField(help_text="When the last window of the day's doses closed.")
    computed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["location", "local_date"], name="rollup_once_per_day")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.local_date}"


class DailyPromptRollup(models.Model):
    """A day's safety-prompt counts (``medication.rules.compliance.Figures``) for the walks one member of staff
    began at a location and unit (by the showing's own unit and date). Built with the day's ``DailyDoseRollup``,
    dropped with it: a day's prompt rows count only while its dose rollup stands (it is the day's mark of "built",
    since a day may have no walks at all)."""

    location = models.ForeignKey("organisations.Location", on_delete=models.CASCADE, related_name="+")
    local_date = models.DateField()
    unit = models.ForeignKey("organisations.Unit", null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    walks = models.PositiveIntegerField()
    shown = models.PositiveIntegerField()
    confirmed = models.PositiveIntegerField()
    failed = models.PositiveIntegerField()
    skipped = models.PositiveIntegerField()
    abandoned = models.PositiveIntegerField()
    without_full_prompts = models.PositiveIntegerField()

    class Meta:
        indexes = [models.Index(fields=["location", "local_date"], name="prompt_rollup_day")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.local_date} {self.unit_id} {self.user_id}"


class RollupChange(models.Model):
    """Written by the database's triggers; read and deleted by the rollups' job."""

    location_id = models.UUIDField()
    local_date = models.DateField()

    class Meta:
        indexes = [models.Index(fields=["location_id", "local_date"], name="rollup_change_day")]

    def __str__(self) -> str:
        return f"{self.location_id} {self.local_date}"


def waiting_change(location: str = "location_id", local_date: str = "local_date") -> Exists:
    """An annotation: is a change of this row's day waiting in the change log (so its rollup may be stale)?"""
    return Exists(RollupChange.objects.filter(location_id=OuterRef(location), local_date=OuterRef(local_date)))
