"""Notifications and their email outbox (ADR 0028).

A ``Notification`` tells one member of staff one thing, once: ``key`` is unique per recipient (``alert:<id>:raised``),
so a job that runs twice, or two workers at once, never tells anyone twice. Only ``read_at`` changes, once, from
empty to when (a conditional UPDATE ``... WHERE read_at IS NULL``); nothing is deleted.

An ``EmailDelivery`` is the outbox row of a notification's email: written with the notification, in its
transaction, and sent later by the job ``notifications.send_email`` (never inline, so a mail server that is down
cannot block or fail the write that caused it). Its delivery columns change as it is tried (the attempts, when
next, the last error, then sent or failed for good); who it went to and what it was about never change, and no row
is deleted: the outbox is also the record of what was emailed to whom.
"""

from __future__ import annotations

from django.db import models

from carebook.core.append_only import AppendOnly, AppendOnlyModel
from carebook.core.models import UUIDModel
from carebook.notifications.vocab import EmailStatus


class Notification(AppendOnlyModel, UUIDModel):
    append_only = AppendOnly(mutable={"read_at": None})  # forward only: the services update WHERE read_at IS NULL

    recipient = models.ForeignKey("access.User", on_delete=models.PROTECT, related_name="notifications")
    key = models.CharField(max_length=200, help_text="What it is about: one notification per key per recipient.")
    subject = models.CharField(max_length=200)
    body = models.TextField(help_text="Plain text, minimal: it is emailed too (no medicines, no names).")
    link = models.CharField(max_length=300, help_text="The page in Carebook it is about (a path).")
    location = models.ForeignKey(
        "organisations.Location", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField()
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["recipient", "key"], name="notification_once_per_recipient"),
        ]
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notification_recipient_idx"),
            models.Index(
                fields=["recipient"], condition=models.Q(read_at__isnull=True), name="notification_unread_idx"
            ),
            models.Index(fields=["key"], name="notification_key_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.key} for {self.recipient_id}"

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


class EmailDelivery(AppendOnlyModel):
    append_only = AppendOnly(
        mutable={
            "status": [
                (EmailStatus.PENDING.value, EmailStatus.SENT.value),
                (EmailStatus.PENDING.value, EmailStatus.FAILED.value),
            ],
            "attempts": None,
            "next_attempt_at": None,
            "last_error": None,
            "sent_at": None,
        }
    )

    id = models.BigAutoField(primary_key=True)
    notification = models.OneToOneField(Notification, on_delete=models.PROTECT, related_name="email")
    to_address = models.EmailField(help_text="The recipient's address when the email was queued.")
    created_at = models.DateTimeField()
    status = models.CharField(max_length=10, choices=EmailStatus.choices, default=EmailStatus.PENDING.value)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    last_error = models.TextField(blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name_plural = "email deliveries"
        constraints = [
            models.CheckConstraint(condition=models.Q(status__in=EmailStatus.values), name="email_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=EmailStatus.SENT.value) | models.Q(sent_at__isnull=False),
                name="email_sent_has_when",
            ),
        ]
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                condition=models.Q(status=EmailStatus.PENDING.value),
                name="email_pending_idx",
            ),
            models.Index(
                fields=["created_at"], condition=models.Q(status=EmailStatus.FAILED.value), name="email_failed_idx"
            ),
        ]

    def __str__(self) -> str:
        return f"email {self.status} for {self.notification_id}"
