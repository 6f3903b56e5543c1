"""The notifications' vocabulary: the states of an email in the outbox."""

from __future__ import annotations

from carebook.core.vocab import Vocabulary


class EmailStatus(Vocabulary):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not delivered: given up after every retry"
