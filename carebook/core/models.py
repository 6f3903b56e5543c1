"""Shared model pieces."""

from __future__ import annotations

import uuid

from django.db import models


class UUIDModel(models.Model):
    """A model whose identifier is a random UUID, safe to show and to put in URLs."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)

    class Meta:
        abstract = True
