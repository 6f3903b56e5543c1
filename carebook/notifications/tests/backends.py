"""Email backends for the tests: one whose mail server is down, one that counts what it sends across threads."""

from __future__ import annotations

import threading
import time
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend

SENT: list[str] = []
_lock = threading.Lock()


class DownBackend(BaseEmailBackend):
    """The mail server refuses every connection."""

    def send_messages(self, email_messages: Any) -> int:
        raise ConnectionRefusedError("mail server down")


class CountingBackend(BaseEmailBackend):
    """Keeps the recipients of every message sent, from any thread; a little slow, so two senders overlap."""

    def send_messages(self, email_messages: Any) -> int:
        for message in email_messages:
            time.sleep(0.01)
            with _lock:
                SENT.extend(message.to)
        return len(email_messages)
