"""Shared model pieces."""

from __future__ import annotations

import uuid

from django.db import models


class UUIDModel(models.Model):
    """A model whose identifier is a random UUID, safe to show and to put in URLs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True


class JobStatus(models.Model):
    """When a background job last ran and how it ended: one row per job (ADR 0008).

    Written by ``carebook.core.jobs.run_job``; read by ``manage.py jobs``. django-q2 keeps each
    task's result too, but prunes successes beyond its ``save_limit``.
    """

    name = models.CharField(max_length=100, primary_key=True)
    last_started_at = models.DateTimeField(null=True, blank=True)
    last_finished_at = models.DateTimeField(null=True, blank=True)
    last_ok = models.BooleanField(null=True, blank=True, help_text="How the last finished run ended.")
    last_succeeded_at = models.DateTimeField(null=True, blank=True)
    last_failed_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True)
    last_result = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name_plural = "job statuses"

    def __str__(self) -> str:
        return self.name


class EventDelivery(models.Model):
    """An announced event whose subscriber failed, waiting to be tried again (ADR 0007).

    Written only when a subscriber raises (never on the write path); worked off by the job
    ``core.event_delivery_retry``. Delivered rows stay, with when, as a record of the failure.
    """

    id = models.BigAutoField(primary_key=True)
    event_name = models.CharField(max_length=100)
    payload = models.TextField(help_text="The event's fields as canonical JSON.")
    subscriber = models.CharField(max_length=200)
    created_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=1)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(delivered_at__isnull=True),
                name="event_delivery_pending_idx",
            )
        ]

    def __str__(self) -> str:
        return f"{self.event_name} → {self.subscriber}"
