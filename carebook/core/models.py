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
