"""Staff accounts, their role, where they work, and personal API tokens."""

from __future__ import annotations

import datetime as dt
import uuid

from django.contrib.auth.models import AbstractUser
from django.db import models


class Role(models.TextChoices):
    CARE_WORKER = "care_worker", "Care worker"
    SENIOR_CARER = "senior_carer", "Senior carer"
    TEAM_LEADER = "team_leader", "Team leader"
    COORDINATOR = "coordinator", "Coordinator"
    REGISTERED_MANAGER = "registered_manager", "Registered manager"
    PROVIDER_ADMIN = "provider_admin", "Provider admin"


class User(AbstractUser):
    full_name = models.CharField(max_length=200)
    initials = models.CharField(max_length=4, help_text="Shown on the MAR chart.")
    role = models.CharField(max_length=30, choices=Role.choices, default=Role.CARE_WORKER)
    provider = models.ForeignKey(
        "organisations.Provider", null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    locations: models.ManyToManyField = models.ManyToManyField(
        "organisations.Location", through="Membership", related_name="staff"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(role__in=Role.values),
                name="user_role_valid",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name or self.username

    @property
    def display_name(self) -> str:
        return self.full_name or self.username


class Membership(models.Model):
    """A member of staff works at a location."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="memberships")
    location = models.ForeignKey("organisations.Location", on_delete=models.PROTECT, related_name="memberships")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "location"], name="membership_unique")]

    def __str__(self) -> str:
        return f"{self.user} at {self.location}"


class ApiToken(models.Model):
    """A personal API token. Only its SHA-256 is stored; the token is shown once.

    It expires (``CAREBOOK_API_TOKEN_DAYS``, 90 by default) and can be revoked by its owner or a provider admin.
    A revoked token is never deleted: ``revoked_at`` and ``revoked_by`` say when and by whom. ``last_used_at``
    is kept to within five minutes (``services.LAST_USED_EVERY``), so that using a token does not write on
    every request.
    """

    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    prefix = models.CharField(max_length=12, help_text="The first characters, to recognise a token in lists.")
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    revoked_by = models.ForeignKey(
        User, null=True, blank=True, on_delete=models.PROTECT, related_name="api_tokens_revoked"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_at__gt=models.F("created_at")), name="api_token_expires_after_created"
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_by__isnull=True) | models.Q(revoked_at__isnull=False),
                name="api_token_revoked_by_needs_revoked_at",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.prefix}… for {self.user}"

    def state(self, now: dt.datetime) -> str:
        """ "revoked", "expired" or "active" at ``now``."""
        if self.revoked_at is not None:
            return "revoked"
        if self.expires_at <= now:
            return "expired"
        return "active"


class WitnessFailure(models.Model):
    """A wrong password typed for a witness (a second member of staff confirming a controlled drug).

    Counted per witness username for the witness cool-off (``carebook.access.witness``), apart from the
    sign-in lockout: a colleague typing a name with wrong passwords can stop that name witnessing for a
    while, never stop that person signing in.
    """

    username = models.CharField(max_length=150, db_index=True)
    witness = models.ForeignKey(User, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    recorder = models.ForeignKey(User, on_delete=models.PROTECT, related_name="+")
    at = models.DateTimeField()

    class Meta:
        indexes = [models.Index(fields=["username", "at"], name="witness_failure_recent_idx")]

    def __str__(self) -> str:
        return f"Wrong witness password for {self.username} at {self.at:%Y-%m-%d %H:%M}"
