"""An evidence pack (ADR 0032): for one location and period, the figures, trends, incident log, audits, alert log
and the MAR charts of chosen people, as one PDF and a ZIP of CSVs, built in the background.

Not a clinical record: a document made from them. Its request is audited (who asked for what, when), its build and
each download too; its files are kept in the database with their SHA-256, so a pack handed to an inspector can be
matched to the one built. It is never deleted. ``figures`` holds the figures exactly as printed (the API's shape),
so what the pack said can be compared with the dashboard.
"""

from __future__ import annotations

import datetime as dt

from django.db import models

from carebook.core.models import UUIDModel
from carebook.evidence.vocab import PackStatus


class EvidencePack(UUIDModel):
    Status = PackStatus

    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="evidence_packs")
    period_start = models.DateField()
    period_end = models.DateField(help_text="The day after its last day (a period is [start, end)).")
    people = models.ManyToManyField("people.Person", blank=True, related_name="+", help_text="Their MAR charts.")
    requested_by = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=PackStatus.choices, default=PackStatus.QUEUED.value)
    progress = models.PositiveSmallIntegerField(default=0, help_text="Per cent done.")
    step = models.CharField(max_length=200, blank=True, help_text="What it is doing now, in words.")
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True, help_text="Last sign of life of the build.")
    finished_at = models.DateTimeField(null=True, blank=True)
    error = models.TextField(blank=True)
    figures = models.JSONField(null=True, blank=True, help_text="The figures as printed in the pack.")
    pdf = models.BinaryField(null=True, blank=True)
    pdf_sha256 = models.CharField(max_length=64, blank=True)
    zip = models.BinaryField(null=True, blank=True)
    zip_sha256 = models.CharField(max_length=64, blank=True)

    class Meta:
        ordering = ["-requested_at"]
        indexes = [models.Index(fields=["status", "requested_at"], name="evidence_pack_queue")]
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=PackStatus.values), name="evidence_pack_status"),
            models.CheckConstraint(condition=models.Q(period_end__gt=models.F("period_start")), name="evidence_period"),
            models.CheckConstraint(condition=models.Q(progress__lte=100), name="evidence_progress"),
        ]

    @property
    def is_ready(self) -> bool:
        return self.status == PackStatus.READY

    @property
    def period_last_day(self) -> dt.date:
        return self.period_end - dt.timedelta(days=1)
