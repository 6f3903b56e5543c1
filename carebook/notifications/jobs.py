"""The notifications app's background jobs (ADR 0008: declared here, scheduled by the registry)."""

from __future__ import annotations

import datetime as dt

from carebook.core.jobs import job
from carebook.notifications.digest import send_daily_digests
from carebook.notifications.sender import send_pending_emails


@job(name="notifications.send_email", every=dt.timedelta(minutes=1))
def send_email() -> int:
    """Send the notifications' emails that are due, retrying failures with back-off; returns how many were sent.

    Safe when two workers run it at once (each email is claimed by a conditional UPDATE before it is sent).
    """
    return len(send_pending_emails().sent)


@job(name="notifications.daily_digest", every=dt.timedelta(minutes=5))
def daily_digest() -> int:
    """Send each registered manager today's digest, from 07:00 Europe/London, once a day; returns how many."""
    return send_daily_digests()
